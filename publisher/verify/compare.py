"""Compare the facts read from one edition with what the source model expects."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable

from ..facts import NUMBER, find_numbers, fold_width, normalise_text
from ..images import fingerprints_match
from .edition import EditionFacts
from .expected import Expected, Place

#: the four checks, in report order
KINDS = ("headings", "figures", "numbers", "text")
#: how many paragraphs missed in order may be looked for again from the start (keeps it linear)
MAX_REREADS = 200
#: list markers and note numbers a layout prints before items ("1." "2)"), never a figure
_MARKER = re.compile(r"(?<![\d.])\d{1,3}[.．)）](?!\d)")
#: what may remain of a furniture line once its known words are gone
_FURNITURE_MARKS = "-–—|·•/第版页()（）[]【】,，:："


@dataclass
class Difference:
    """One way an edition differs from the source."""
    kind: str  # one of KINDS
    change: str  # missing | extra | changed | level | image | number | caption | not-in-text
    expected: str = ""
    found: str = ""
    section: str = ""
    paragraph: int = 0
    page: int = 0
    context: str = ""

    def where(self) -> str:
        """' in "A 党的创新理论…", paragraph 4, page 2' as far as known."""
        parts = [f'in "{_short(self.section, 10)}"'] if self.section else []
        if self.paragraph:
            parts.append(f"paragraph {self.paragraph}")
        if self.page:
            parts.append(f"page {self.page}" if parts else f"on page {self.page}")
        return (" " + ", ".join(parts)) if parts else ""

    def message(self) -> str:
        """One line naming what differs, e.g. 'number 98次 → 89次 in "A 党的…", paragraph 4'."""
        what = {"headings": "heading", "figures": "figure", "numbers": "number", "text": "text"}[self.kind]
        if self.change == "changed":
            return f"{what} {self.expected} → {self.found}{self.where()}{self.context}"
        if self.change == "missing":
            return f"{what} missing: {self.expected}{self.where()}{self.context}"
        if self.change == "extra":
            return f"extra {what}: {self.found}{self.where()}{self.context}"
        return f"{what} {self.expected} {self.found}{self.where()}{self.context}"


def compare(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Every difference between the model's facts and the edition's, by kind."""
    return (compare_headings(expected, edition) + compare_figures(expected, edition)
            + compare_text(expected, edition))


# ---- headings -------------------------------------------------------------------------

def compare_headings(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Headings in order: level and text."""
    want = expected.facts.headings
    levels = _depths([h.level for h in want]) if edition.outline else [h.level for h in want]
    wanted = [(lv, normalise_text(h.text), h.text) for lv, h in zip(levels, want)]
    got = [(h.level, normalise_text(h.text), h.text) for h in edition.headings]
    diffs: list[Difference] = []
    matcher = SequenceMatcher(None, [w[1] for w in wanted], [g[1] for g in got], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(wanted[i1:i2], got[j1:j2])) if op in ("equal", "replace") else []
        for w, g in pairs:
            if w[1] != g[1]:
                diffs.append(Difference("headings", "changed", _q(w[2]), _q(g[2])))
            elif w[0] != g[0]:
                diffs.append(Difference("headings", "level", _q(w[2]), f"is level {g[0]}, not {w[0]}"))
        for w in wanted[i1 + len(pairs):i2]:
            diffs.append(Difference("headings", "missing", f"{_q(w[2])} (level {w[0]})"))
        for g in got[j1 + len(pairs):j2]:
            diffs.append(Difference("headings", "extra", found=f"{_q(g[2])} (level {g[0]})"))
    return diffs


def _depths(levels: list[int]) -> list[int]:
    """Heading levels as outline depths: h1, h3 nest as 1, 2 in a PDF outline."""
    open_levels: list[int] = []
    depths = []
    for level in levels:
        while open_levels and open_levels[-1] >= level:
            open_levels.pop()
        open_levels.append(level)
        depths.append(len(open_levels))
    return depths


def headings_in_text(expected: Expected, edition: EditionFacts, text: str) -> list[Difference]:
    """PDF: each heading of the outline must also be printed, in order."""
    diffs, cursor = [], 0
    for heading in edition.headings:
        needle = normalise_text(heading.text)
        pos = text.find(needle, cursor)
        if pos >= 0:
            cursor = pos + len(needle)
        elif needle not in text:
            diffs.append(Difference("headings", "not-in-text", _q(heading.text),
                                    "is in the outline but on no page"))
    return diffs


# ---- figures --------------------------------------------------------------------------

def compare_figures(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Figures by number: caption and picture; then that numbers read in order."""
    want, got = expected.facts.figures, edition.figures
    numbers = {w.number for w in want}
    found: dict[int, int] = {}
    extra = []
    for j, g in enumerate(got):
        if g.number in numbers and g.number not in found:
            found[g.number] = j
        else:
            extra.append(j)
    diffs = []
    for i, w in enumerate(want):
        if w.number in found:
            diffs += _figure_pair(expected, edition, i, found[w.number])
        else:
            diffs.append(Difference("figures", "missing",
                                    f"图{w.number} {_q(w.caption)} ({expected.image_names[i]})"))
    for j in extra:
        label = f"图{got[j].number}" if got[j].number else "picture without a numbered caption"
        diffs.append(Difference("figures", "extra", found=f"{label} {_q(got[j].caption)}",
                                page=_figure_page(edition, j)))
    return diffs + _figure_order(edition)


def _figure_order(edition: EditionFacts) -> list[Difference]:
    """Figure numbers must rise in reading order (Word renumbers SEQ fields by position)."""
    diffs, highest = [], 0
    for j, figure in enumerate(edition.figures):
        if 0 < figure.number < highest:
            diffs.append(Difference("figures", "order", f"图{figure.number}", f"comes after 图{highest}",
                                    page=_figure_page(edition, j)))
        highest = max(highest, figure.number)
    return diffs


def _figure_pair(expected: Expected, edition: EditionFacts, i: int, j: int) -> list[Difference]:
    want, got = expected.facts.figures[i], edition.figures[j]
    page, label = _figure_page(edition, j), f"图{want.number}"
    diffs = []
    caption, found = normalise_text(want.caption), normalise_text(got.caption)
    agrees = found.startswith(caption) if edition.captions_run_on else found == caption
    if not agrees:
        shown = found[:len(caption) + 4] if edition.captions_run_on else found
        diffs.append(Difference("figures", "caption", label,
                                f"caption reads {_q(shown)}, not {_q(caption)}", page=page))
    shows = _which(got.fingerprint, expected.fingerprints)
    if shows != expected.fingerprints.index(expected.fingerprints[i]):
        name = (expected.image_names[shows] if shows >= 0 else
                "a picture not in the source" if got.fingerprint else "no picture")
        diffs.append(Difference("figures", "image", label,
                                f"shows {name}, not {expected.image_names[i]}", page=page))
    return diffs


def _which(fingerprint: str, fingerprints: list[str]) -> int:
    """The first figure showing the source picture nearest to `fingerprint`, or -1."""
    matches = [k for k, f in enumerate(fingerprints) if fingerprint and fingerprints_match(fingerprint, f)]
    best = min(matches, key=lambda k: (_distance(fingerprint, fingerprints[k]), k), default=-1)
    return fingerprints.index(fingerprints[best]) if best >= 0 else -1


def _distance(a: str, b: str) -> int:
    """Bits in which two fingerprints' hashes differ (see images.fingerprint)."""
    return bin(int(a.split(":")[0], 16) ^ int(b.split(":")[0], 16)).count("1")


def _figure_page(edition: EditionFacts, j: int) -> int:
    if edition.unit != "page" or j >= len(edition.figure_units):
        return 0
    return edition.figure_units[j]


# ---- text and numbers -----------------------------------------------------------------

@dataclass
class _Body:
    """The edition's text normalised into one string, and where its pages start."""
    text: str
    starts: list[int]
    pages: bool

    def page_at(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) if self.pages else 0


def compare_text(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Every source paragraph must be in the edition; numbers compared where text differs."""
    body = edition_body(expected, edition)
    paras = [normalise_text(p) for p in expected.facts.paragraphs]
    anchors, covered, lost = _locate(paras, body.text, expected.marked)
    diffs = headings_in_text(expected, edition, body.text) if edition.outline else []
    bounds = [(-1, 0, 0)] + anchors + [(len(paras), len(body.text), len(body.text))]
    for (i0, _, start), (i1, end, _) in zip(bounds, bounds[1:]):
        missing = [k for k in range(i0 + 1, i1) if k in lost]
        if missing or end > start:
            raw = _uncovered(body.text, start, end, covered)
            diffs += _gap(expected, paras, missing, raw, max(i0, 0), body.page_at(start))
    return diffs


def edition_body(expected: Expected, edition: EditionFacts) -> _Body:
    """The edition's text as one normalised string (PDF: page furniture at page edges dropped)."""
    parts, starts, length = [], [], 0
    for number, unit in enumerate(edition.paragraphs, start=1):
        if edition.unit == "page":
            unit = _strip_furniture(unit, number, expected.furniture)
        text = normalise_text(unit)
        starts.append(length)
        parts.append(text)
        length += len(text)
    return _Body("".join(parts), starts, edition.unit == "page")


def _strip_furniture(page: str, number: int, furniture: list[str]) -> str:
    """Drop whole lines at the top and bottom of a page that hold only the running head/foot."""
    lines = page.split("\n")
    words = furniture + [str(number)]
    while lines and _is_furniture(lines[-1], words):
        lines.pop()
    start = 0
    while start < len(lines) and _is_furniture(lines[start], words):
        start += 1
    return "\n".join(lines[start:])


def _is_furniture(line: str, words: list[str]) -> bool:
    text = normalise_text(line)
    for word in words:
        text = text.replace(word, "")
    return not text.strip(_FURNITURE_MARKS)


def _locate(paras: list[str], text: str, marked: dict[str, str]
            ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]], set[int]]:
    """Find each paragraph, moving forward: (in-order anchors, spans found out of order, lost)."""
    anchors: list[tuple[int, int, int]] = []
    covered: list[tuple[int, int]] = []
    lost: set[int] = set()
    cursor, rereads = 0, 0
    for k, para in enumerate(paras):
        pos, size = _find(text, para, marked, cursor)
        if pos >= 0:
            anchors.append((k, pos, pos + size))
            cursor = pos + size
            continue
        if rereads < MAX_REREADS:  # present but out of order (a footnote at a page foot)?
            rereads += 1
            pos, size = _find(text, para, marked, 0)
            if pos >= 0:
                covered.append((pos, pos + size))
                continue
        lost.add(k)
    covered.sort()
    return anchors, covered, lost


def _find(text: str, para: str, marked: dict[str, str], start: int) -> tuple[int, int]:
    pos = text.find(para, start)
    if pos >= 0 or para not in marked:
        return pos, len(para)
    return text.find(marked[para], start), len(marked[para])


def _uncovered(text: str, start: int, end: int, covered: list[tuple[int, int]]) -> str:
    """The text between two anchored paragraphs, less paragraphs found out of order there."""
    pieces, pos = [], start
    for a, b in covered[bisect.bisect_left(covered, (start, -1)):]:
        if a >= end:
            break
        pieces.append(text[pos:a])
        pos = max(pos, b)
    pieces.append(text[pos:end])
    return "".join(pieces)


def _leftover(expected: Expected, gap: str) -> str:
    """A gap without the headings, captions, front matter and list markers it may hold."""
    for known in expected.between:
        if known in gap:
            gap = gap.replace(known, "")
    return _MARKER.sub("", gap)


def _gap(expected: Expected, paras: list[str], missing: list[int], gap: str,
         before: int, page: int) -> list[Difference]:
    """Differences in one stretch between anchored paragraphs."""
    places = expected.places
    near = places[before] if places and not missing else None
    model = [(v, k) for k in missing for v in find_numbers(paras[k])]
    found = find_numbers(_leftover(expected, gap)) if gap else []
    diffs = _number_diffs(model, found, places, near, page)
    masked_gap = _mask(gap)
    for k in missing:
        if _mask(paras[k]) in masked_gap or _mask(expected.marked.get(paras[k], "\0")) in masked_gap:
            continue  # the words agree; only numbers differ, reported above
        diffs.append(_text_diff(paras[k], expected.facts.paragraphs[k], gap, places[k], page))
    return diffs


def _number_diffs(model: list[tuple[str, int]], found: list[str], places: list[Place],
                  near: Place | None, page: int) -> list[Difference]:
    diffs = []
    matcher = SequenceMatcher(None, [v for v, _ in model], found, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        n = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(i2 - i1):
            value, para = model[i1 + k]
            place = places[para]
            change, got = ("changed", found[j1 + k]) if k < n else ("missing", "")
            diffs.append(Difference("numbers", change, value, got, place.section, place.paragraph, page))
        for value in found[j1 + n:j2]:
            place = places[model[i1][1]] if i2 > i1 else near
            diffs.append(Difference("numbers", "extra", found=value, page=page,
                                    section=place.section if place else "",
                                    paragraph=place.paragraph if place else 0))
    return diffs


def _text_diff(para: str, original: str, gap: str, place: Place, page: int) -> Difference:
    """A lost paragraph: changed (show where, from its shared start or end) or missing."""
    enough = min(8, len(para) // 2)
    head = _shared(para, gap, lambda n: para[:n])
    tail = _shared(para, gap, lambda n: para[len(para) - n:])
    if max(head, tail) >= enough and max(head, tail) < len(para):
        cut = head if head >= tail else len(para) - tail  # where the edition stops agreeing
        pos = gap.find(para[:head]) + head if head >= tail else gap.find(para[cut:])
        want, got = para[max(0, cut - 8):cut + 8], gap[max(0, pos - 8):pos + 8]
        return Difference("text", "changed", _q("…" + want + "…"), _q("…" + got + "…"),
                          place.section, place.paragraph, page)
    return Difference("text", "missing", _q(_short(" ".join(original.split()), 24)), "",
                      place.section, place.paragraph, page)


def _shared(para: str, gap: str, piece: Callable[[int], str]) -> int:
    """The largest n for which piece(n) (a start or an end of `para`) is in `gap`."""
    low, high = 0, len(para)
    while low < high:
        mid = (low + high + 1) // 2
        if piece(mid) in gap:
            low = mid
        else:
            high = mid - 1
    return low


def _mask(text: str) -> str:
    return NUMBER.sub("#", fold_width(text))


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size] + "…"


def _q(text: str) -> str:
    return f'"{text}"'


__all__ = ["Difference", "KINDS", "compare"]
