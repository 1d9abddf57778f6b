"""Compare the facts read from one edition with the model's: headings, figures, then text."""
from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from ..facts import FigureFact
from ..images import fingerprint_distance, fingerprints_match, retouched
from .difference import Difference, quote as _q
from .edition import EditionFacts
from ..typography import heading_numbers, without_enumerator
from .expected import Expected
from .structure import compare_structure
from .text import compare_second_reading, compare_text, edition_body, plain


def compare(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Every difference between the model's facts and the edition's, by kind."""
    body = edition_body(expected, edition)
    in_text = headings_in_text(edition, body.text) if edition.outline else []
    headings, figures = compare_headings(expected, edition), compare_figures(expected, edition)
    # a heading or caption those checks name is not blamed again by the second reading
    text = compare_text(expected, edition, body)
    named = {d.about for d in headings + figures + text if d.about}
    structure = compare_structure(expected, edition, source_depths(expected))
    return with_lines(expected, headings + in_text + figures + text
                      + compare_second_reading(expected, body, named) + structure + edition.seen)


#: differences whose source line is looked for block by block (the rest by exact text only)
MAX_LINE_SEARCHES = 200


def with_lines(expected: Expected, diffs: list[Difference]) -> list[Difference]:
    """Each difference about a source text gets the line the second reading found it on."""
    if not any(d.about and not d.line for d in diffs):
        return diffs
    lines: dict[str, int] = {}
    for block in expected.second:
        lines.setdefault(plain(block.text), block.line)
    searched = 0
    for difference in diffs:
        if difference.about and not difference.line:
            difference.line = lines.get(difference.about, 0)
            if not difference.line and searched < MAX_LINE_SEARCHES:  # a wrong file differs everywhere
                searched += 1
                difference.line = _line_holding(lines, difference.about)
    return diffs


def _line_holding(lines: dict[str, int], text: str) -> int:
    """The line of the first block that holds `text` (a cell of a table row, a list item …)."""
    return next((line for block, line in lines.items() if text in block or (len(block) > 3 and block in text)), 0)


# ---- headings -------------------------------------------------------------------------

def compare_headings(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Headings in order: level and text."""
    want = expected.facts.headings
    # levels compared as outline depths on both sides: an edition may close up a skipped level
    wanted = [(lv, plain(h.text), h.text) for lv, h in zip(source_depths(expected), want)]
    levels = [h.level for h in edition.headings]
    got = [(lv, plain(h.text), h.text) for lv, h in zip(levels if edition.outline else _depths(levels),
                                                                edition.headings)]
    diffs: list[Difference] = []
    own = dict(zip((h.text for h in want), heading_numbers([(h.level, h.text) for h in want])))
    matcher = SequenceMatcher(None, [plain(w[2][len(own.get(w[2], "")):]) for w in wanted],
                              [plain(without_enumerator(g[2])) for g in got], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(wanted[i1:i2], got[j1:j2])) if op in ("equal", "replace") else []
        for w, g in pairs:
            if w[1] != g[1] and not renumbered(w[2], own.get(w[2], ""), g[2]):
                diffs.append(Difference("headings", "changed", _q(w[2]), _q(g[2]), about=w[1]))
            elif w[0] != g[0]:
                diffs.append(Difference("headings", "level", _q(w[2]), f"is level {g[0]}, not {w[0]}", about=w[1]))
        for w in wanted[i1 + len(pairs):i2]:
            diffs.append(Difference("headings", "missing", f"{_q(w[2])} (level {w[0]})", about=w[1]))
        for g in got[j1 + len(pairs):j2]:
            diffs.append(Difference("headings", "extra", found=f"{_q(g[2])} (level {g[0]})"))
    return diffs


def renumbered(wanted: str, numbering: str, got: str) -> bool:
    """The edition numbers the heading its own way: a numbering that says so ("一、", "（一）") in
    place of the source's `numbering` ("A ", typography.heading_numbers) or where it has none, the
    words the same. A numbering lost, or words with it, is a change."""
    return without_enumerator(got) != got and plain(wanted[len(numbering):]) == plain(without_enumerator(got))


def source_depths(expected: Expected) -> list[int]:
    """The source headings' outline depths, the title's (1) first."""
    # the title (headings[0]) heads all, `#` headings included
    return _depths([0] + [h.level for h in expected.facts.headings[1:]])


def _depths(levels: list[int]) -> list[int]:
    """Heading levels as outline depths: h1, h3 nest as 1, 2 in a PDF outline."""
    open_levels: list[int] = []
    depths = []
    for level in levels:
        while open_levels and open_levels[-1] >= level:
            open_levels.pop()
        open_levels.append(level)
        depths.append(min(len(open_levels), 6))
    return depths


def headings_in_text(edition: EditionFacts, text: str) -> list[Difference]:
    """PDF: each heading of the outline must also be printed, in order."""
    diffs, cursor = [], 0
    for heading in edition.headings:
        needle = plain(heading.text)
        pos = text.find(needle, cursor)
        if pos >= 0:
            cursor = pos + len(needle)
        elif needle not in text:
            diffs.append(Difference("headings", "not-in-text", _q(heading.text),
                                    "is in the outline but on no page"))
    return diffs


# ---- figures --------------------------------------------------------------------------

def compare_figures(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Figures by number: caption and picture; pictures without a caption by what they show;
    then that numbers read in order."""
    want, got = expected.facts.figures, list(edition.figures)
    numbers = {w.number for w in want if w.number}
    found: dict[int, int] = {}
    extra = []
    for j, g in enumerate(got):
        if g.number in numbers and g.number not in found:
            found[g.number] = j
        elif g.number or g.caption.strip():
            extra.append(j)
    diffs = []
    for i, w in enumerate(want):
        if not w.number:
            continue
        if w.number in found:
            _repair_on_page(expected, edition, got, i, found[w.number])
            diffs += _figure_pair(expected, edition, got, i, found[w.number])
        else:
            diffs.append(Difference("figures", "missing",
                                    f"图{w.number} {_q(w.caption)} ({expected.image_names[i]})", about=plain(w.caption)))
    for j in extra:
        label = f"图{got[j].number}" if got[j].number else "picture without a numbered caption"
        diffs.append(Difference("figures", "extra", found=f"{label} {_q(got[j].caption)}",
                                page=_figure_page(edition, j)))
    return diffs + _uncaptioned(expected, edition, got) + _figure_order(edition) + _unread(expected, got)


def _unread(expected: Expected, got: list[FigureFact]) -> list[Difference]:
    """Pictures the second reading of the source finds and the model lacks must be drawn too."""
    if not expected.unread_pictures:
        return []
    pool = [g.fingerprint for g in got if g.fingerprint]
    for fingerprint in expected.fingerprints:  # the model's own pictures, matched above
        _take(pool, fingerprint)
    return [Difference("figures", "missing", f"picture {name}", "", line=line)
            for fingerprint, name, line in expected.unread_pictures if not _take(pool, fingerprint)]


def _take(pool: list[str], fingerprint: str) -> bool:
    """Take a picture showing `fingerprint` out of `pool`; False when there is none."""
    match = next((k for k, known in enumerate(pool) if fingerprints_match(known, fingerprint)), None)
    if match is not None:
        pool.pop(match)
    return match is not None


def _repair_on_page(expected: Expected, edition: EditionFacts, got: list[FigureFact], i: int, j: int) -> None:
    """A page pairs its k-th picture with its k-th caption; when an uncaptioned picture drawn on
    the same page shows the figure's picture, that one is the figure's (the two trade places)."""
    if edition.unit != "page" or fingerprints_match(got[j].fingerprint, expected.fingerprints[i]):
        return
    for k, other in enumerate(got):
        if not other.number and not other.caption.strip() and _figure_page(edition, k) == _figure_page(edition, j) \
                and fingerprints_match(other.fingerprint, expected.fingerprints[i]):
            got[j], got[k] = replace(got[j], fingerprint=other.fingerprint), replace(other, fingerprint=got[j].fingerprint)
            return


def _uncaptioned(expected: Expected, edition: EditionFacts, got: list[FigureFact]) -> list[Difference]:
    """Pictures without a caption (and pictures in the text): each shown once, in any order."""
    want = [i for i, w in enumerate(expected.facts.figures) if not w.number]
    pool = [j for j, g in enumerate(got) if not g.number and not g.caption.strip()]
    diffs = []
    for i in want:
        match = next((j for j in pool if fingerprints_match(got[j].fingerprint, expected.fingerprints[i])), None)
        if match is None:
            diffs.append(Difference("figures", "missing", f"picture {expected.image_names[i]} (no caption)"))
            continue
        pool.remove(match)
        if retouched(got[match].fingerprint, expected.fingerprints[i]):
            diffs.append(Difference("figures", "retouched", f"picture {expected.image_names[i]}",
                                    "is painted over in part", page=_figure_page(edition, match)))
    for j in pool:
        diffs.append(Difference("figures", "extra", found="a picture not in the source",
                                page=_figure_page(edition, j)))
    return diffs


def _figure_order(edition: EditionFacts) -> list[Difference]:
    """Figure numbers must rise in reading order (Word renumbers SEQ fields by position)."""
    diffs, highest = [], 0
    for j, figure in enumerate(edition.figures):
        if 0 < figure.number < highest:
            diffs.append(Difference("figures", "order", f"图{figure.number}", f"comes after 图{highest}",
                                    page=_figure_page(edition, j)))
        highest = max(highest, figure.number)
    return diffs


def _figure_pair(expected: Expected, edition: EditionFacts, figures: list[FigureFact],
                 i: int, j: int) -> list[Difference]:
    want, got = expected.facts.figures[i], figures[j]
    page, label = _figure_page(edition, j), f"图{want.number}"
    diffs = []
    caption, found = plain(want.caption), plain(got.caption)
    agrees = found.startswith(caption) if edition.captions_run_on else found == caption
    if not agrees:
        shown = found[:len(caption) + 4] if edition.captions_run_on else found
        diffs.append(Difference("figures", "caption", label,
                                f"caption reads {_q(shown)}, not {_q(caption)}", page=page, about=caption))
    # a picture that shows the figure's own passes, though another may be nearer (two copies of
    # one photo, recompressed apart)
    own = fingerprints_match(got.fingerprint, expected.fingerprints[i]) if got.fingerprint else False
    shows = i if own else _which(got.fingerprint, expected.fingerprints)
    if not own and shows != expected.fingerprints.index(expected.fingerprints[i]):
        name = (expected.image_names[shows] if shows >= 0 else
                "a picture not in the source" if got.fingerprint else "no picture")
        diffs.append(Difference("figures", "image", label,
                                f"shows {name}, not {expected.image_names[i]}", page=page))
    elif retouched(got.fingerprint, expected.fingerprints[i]):
        diffs.append(Difference("figures", "retouched", label,
                                f"shows {expected.image_names[i]} painted over in part", page=page))
    return diffs


def _which(fingerprint: str, fingerprints: list[str]) -> int:
    """The first figure showing the source picture nearest to `fingerprint`, or -1."""
    if not fingerprint:
        return -1
    first: dict[str, int] = {}  # a yearbook shows a few pictures many times: compare each once
    for k, known in enumerate(fingerprints):
        first.setdefault(known, k)
    matches = [k for known, k in first.items() if fingerprints_match(fingerprint, known)]
    return min(matches, key=lambda k: (fingerprint_distance(fingerprint, fingerprints[k]), k), default=-1)


def _figure_page(edition: EditionFacts, j: int) -> int:
    if edition.unit != "page" or j >= len(edition.figure_units):
        return 0
    return edition.figure_units[j]
