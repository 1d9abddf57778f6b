"""Compare text and numbers: every source paragraph must be in the edition's text.

The edition's text becomes one normalised string. Each long paragraph is looked
for from where the previous one ended (str.find, so the whole pass is linear).
What lies between two paragraphs found in order is a gap: headings, captions and
front matter are taken out of it, and the numbers left are set against the
numbers of the source paragraphs that were not found there.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from difflib import SequenceMatcher
from typing import Callable, Sequence

from ..facts import NUMBER, find_numbers, fold_width
from .difference import Difference, quote as _q, short as _short
from .edition import FIGURE_WORDS, EditionFacts
from .expected import Expected, Place, plain, word_spaces

#: how many paragraphs missed in order may be looked for again from the start (keeps it linear)
MAX_REREADS = 200
#: paragraphs shorter than this (table cells, short items) are looked for only between
#: their neighbours: alone they would match inside any longer text
MIN_ANCHOR = 8
#: words an edition adds between two source paragraphs, from this many characters on, are
#: reported (DOCX, HTML, EPUB; a PDF's page furniture is not marked as such)
MIN_EXTRA = 6
#: lost paragraphs per gap shown with the place they differ (the search costs a pass over the gap)
MAX_SHOWN = 50
#: characters shown either side of where a changed paragraph stops agreeing
CONTEXT = 10
#: characters of added text quoted in a message
MAX_QUOTED = 60
#: number sequences longer than this (product of lengths) are compared as multisets, not aligned
MAX_ALIGN = 4_000_000
#: runs of list markers and note numbers a layout prints ("1." "2)" "1.2.3."), never figures;
#: "2.0)" closing a bracket is a number
_MARKER = re.compile(r"(?<![\d.])(?:(?:\d{1,3}[.．])+|\d{1,3}[)）])(?!\d)")
#: a line holding only list marks: pdftotext -raw emits a page's list marks at the page's end
_MARKS_ONLY = re.compile(r"^(?:\s*(?:[•◦▪‣⁃·☐☑]|\d{1,3}[.．)）]|[a-zA-Z][.)]|[ivxlcIVXLC]{1,6}[.)]))+\s*$")
#: words a running foot may set around the page number (labels.*.page_number)
PAGE_WORDS = ["Page", "of"]
#: what may remain of a furniture line once its known words are gone
FURNITURE_MARKS = "-–—|·•/第版页()（）[]【】,，:："


@dataclass
class Body:
    """The edition's text normalised into one string, and where its pages (or blocks) start."""
    text: str
    starts: list[int]
    pages: bool
    #: where a space stood between two words of a spaced script (Latin …), in `text`
    spaces: list[int] = field(default_factory=list)
    #: where a line or page break stood there, which may stand for a space or for none
    breaks: list[int] = field(default_factory=list)

    def page_at(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) if self.pages else 0

    def shown(self, fragment: str, near: int) -> str:
        """A fragment of `text` (looked for from `near`) as a reader sees it: its word spaces
        written back in, so that a message shows "the words", not "thewords"."""
        pos = self.text.find(fragment, near) if fragment else -1
        if pos < 0:
            return fragment
        if not hasattr(self, "_all_spaces"):
            self._all_spaces = sorted(self.spaces + self.breaks)
        return with_spaces(fragment, pos, self._all_spaces)


def _shown_from(body: Body, near: int, fragment: str) -> str:
    return body.shown(fragment, near)


def with_spaces(text: str, offset: int, spaces: list[int]) -> str:
    """`text`, found at `offset` of a string whose word spaces stood at `spaces`, with them in."""
    low, high = bisect.bisect_right(spaces, offset), bisect.bisect_left(spaces, offset + len(text))
    out, last = [], 0
    for at in spaces[low:high]:
        out += [text[last:at - offset], " "]
        last = at - offset
    return "".join(out) + text[last:]


def compare_text(expected: Expected, edition: EditionFacts, body: Body) -> list[Difference]:
    """Every source paragraph must be in the edition; numbers compared where text differs."""
    paras = [plain(p) for p in expected.facts.paragraphs]
    anchors, covered = _locate(paras, body.text, expected.marked)
    diffs: list[Difference] = []
    bounds = [(-1, 0, 0)] + anchors + [(len(paras), len(body.text), len(body.text))]
    placed = {k for k, _, _ in anchors} | {k for k, _, _ in covered}
    known = between(expected, edition)
    for (i0, _, start), (i1, end, _) in zip(bounds, bounds[1:]):
        unplaced = [k for k in range(i0 + 1, i1) if k not in placed]
        if unplaced or end > start:
            raw = _uncovered(body.text, start, end, covered)
            diffs += _gap(expected, paras, unplaced, raw, known, (max(i0, 0), body.page_at(start)),
                          partial(_shown_from, body, start))
    diffs += _spacing(expected, paras, anchors, body)
    return diffs + _moved(expected, covered) + ([] if body.pages else _merged(expected, anchors, body))


def _spacing(expected: Expected, paras: list[str], anchors: list[Span], body: Body) -> list[Difference]:
    """Word spaces of Latin (Greek, Cyrillic) text must stand where the source has them: a space
    lost joins two words, one added splits a word. A PDF's line break may stand for either."""
    diffs = []
    for k, pos, end in anchors:
        text = paras[k]
        want = set(expected.spaces[k])
        if end - pos != len(text):  # found with its note marks written in
            text = expected.marked.get(text, text)
            want = set(expected.marked_spaces.get(text, ()))
        got = set(_between(body.spaces, pos, end))
        if want == got:
            continue
        soft = set(_between(body.breaks, pos, end))
        # a PDF's justified CJK line spreads Latin letters apart too: only a lost space counts
        lost, added = sorted(want - got - soft), [] if body.pages else sorted(got - want)
        if not lost and not added:
            continue
        at = min(lost + added)
        place = expected.places[k]
        diffs.append(Difference("text", "spacing", _q(_spaced(text, want, at)),
                                f"reads {_q(_spaced(body.text[pos:end], got | (soft & want), at))}",
                                place.section, place.paragraph, body.page_at(pos), about=paras[k]))
    return diffs


def _between(positions: list[int], start: int, end: int) -> list[int]:
    """The positions inside (start, end), made relative to start."""
    low, high = bisect.bisect_right(positions, start), bisect.bisect_left(positions, end)
    return [p - start for p in positions[low:high]]


def _spaced(text: str, spaces: set[int], at: int, reach: int = 14) -> str:
    """`text` around position `at` with its spaces written back in: "…the word spaces…"."""
    low, high = max(0, at - reach), min(len(text), at + reach)
    out = "".join((" " if k in spaces and k > low else "") + text[k] for k in range(low, high))
    return ("…" if low else "") + out + ("…" if high < len(text) else "")


def _merged(expected: Expected, anchors: list[Span], body: Body) -> list[Difference]:
    """Two source paragraphs in one block of the edition (DOCX, HTML, EPUB: a PDF does not mark
    where a paragraph ends)."""
    diffs = []
    for (_, _, end), (k, start, _) in zip(anchors, anchors[1:]):
        following = bisect.bisect_left(body.starts, end)
        if start >= end and (following == len(body.starts) or body.starts[following] > start):
            place = expected.places[k]
            diffs.append(Difference("text", "merged", _q(_short(" ".join(expected.facts.paragraphs[k].split()), 24)),
                                    "runs on in the paragraph before it", place.section, place.paragraph))
    return diffs


def _moved(expected: Expected, covered: list[Span]) -> list[Difference]:
    """Paragraphs found, but not where the source has them (DOCX, HTML, EPUB keep the source's
    order; a PDF's columns, page-foot notes and spread pictures may not, so it is not asked)."""
    out = []
    for k, _, _ in covered:
        place = expected.places[k]
        out.append(Difference("text", "moved", _q(_short(" ".join(expected.facts.paragraphs[k].split()), 24)),
                              "is out of order", place.section, place.paragraph, about=plain(expected.facts.paragraphs[k])))
    return out


def compare_second_reading(expected: Expected, body: Body, named: frozenset[str] | set[str] = frozenset()
                           ) -> list[Difference]:
    """Every text block of the source as markdown-it reads it must be in the edition too.

    This side never saw the document model: what the reader drops or misreads, every
    edition lacks, and it shows here. Short blocks (a table cell, "1.") are left to the
    model's check: alone they would match anywhere; so are the texts in `named` (what the
    other checks have named already, a block holding one of them or held by one).
    """
    paras = [plain(t.text) for t in expected.second]
    anchors, covered = _locate(paras, body.text, expected.marked)
    found = {k for k, _, _ in anchors} | {k for k, _, _ in covered}
    lost = [k for k, para in enumerate(paras) if len(para) >= MIN_ANCHOR and k not in found
            and para not in named and not any(para in known or known in para for known in named if len(known) > 3)]
    loose_body, masked_body = (_loose(body.text), _mask(body.text)) if lost else ("", "")
    return [Difference("text", "missing", _q(_short(" ".join(expected.second[k].text.split()), 24)), "",
                       line=expected.second[k].line)
            for k in lost  # words that agree with only numbers changed: the number check names those
            if _loose(paras[k]) not in loose_body and _mask(paras[k]) not in masked_body]


#: where two Markdown parsers may disagree on syntax, the words stay: a link's target, a
#: definition line, emphasis and super/subscript marks, backslash escapes, math dollars
_LINK_SYNTAX = re.compile(r"\]\([^()]*(?:\([^()]*\)[^()]*)*\)|\]\[[^\]]*\]|^\[[^\]]+\]:\S+")
_SYNTAX_MARKS = dict.fromkeys(map(ord, "[]^~*_`\\$"))


def _loose(text: str) -> str:
    """Normalised text without the syntax two parsers may read differently (retry only)."""
    return _LINK_SYNTAX.sub("", text).translate(_SYNTAX_MARKS)


def between(expected: Expected, edition: EditionFacts) -> list[str]:
    """What may stand between paragraphs: the headings and captions of both sides, front matter.

    The edition's own headings and captions are included so that a renamed heading or a
    changed caption, reported by their own checks, is not blamed again as extra numbers.
    """
    captions = {f.number: plain(f.caption) for f in expected.facts.figures}
    printed = []
    for figure in edition.figures:
        text = plain(figure.caption)
        if edition.captions_run_on:  # keep as much as the source caption is long
            text = text[:len(captions.get(figure.number, ""))]
        printed += [f"{word}{figure.number}{text}" for word in FIGURE_WORDS] if figure.number else [text]
    own = [plain(h.text) for h in edition.headings] + printed
    return sorted(set(expected.between + [s for s in own if s]), key=len, reverse=True)


def edition_body(expected: Expected, edition: EditionFacts) -> Body:
    """The edition's text as one normalised string (PDF: page furniture at page edges dropped)."""
    parts, starts, length = [], [], 0
    spaces: list[int] = []
    breaks: list[int] = []
    total = len(edition.paragraphs)
    for number, unit in enumerate(edition.paragraphs, start=1):
        if edition.unit == "page":
            # a running head may repeat the title, but not on page 1, where the title is a heading
            title = [plain(expected.facts.headings[0].text)] if number > 1 else []
            unit = _strip_furniture(unit, expected.furniture + title + [str(number), str(total)] + PAGE_WORDS)
        text, at, soft = word_spaces(unit)
        if edition.unit == "page":
            breaks.append(length)
        else:  # a line break in a block of the screen editions or Word is a space
            at, soft = sorted(at + soft), []
        starts.append(length)
        parts.append(text)
        spaces += [length + k for k in at]
        breaks += [length + k for k in soft]
        length += len(text)
    return Body("".join(parts), starts, edition.unit == "page", spaces, breaks)


def _strip_furniture(page: str, words: list[str]) -> str:
    """Drop whole lines at the top and bottom of a page made only of running head/foot words."""
    lines = page.split("\n")
    while lines and (_is_furniture(lines[-1], words) or _MARKS_ONLY.match(lines[-1])):
        lines.pop()
    start = 0
    while start < len(lines) and _is_furniture(lines[start], words):
        start += 1
    return "\n".join(lines[start:])


def _is_furniture(line: str, words: list[str]) -> bool:
    """A line of running head/foot words and marks only (at least one word: a lone ")" is text)."""
    text = original = plain(line)
    for word in words:
        text = text.replace(word, "")
    return not original or (text != original and not text.strip(FURNITURE_MARKS))


Span = tuple[int, int, int]  # (paragraph index, start, end) in the edition's text


def _locate(paras: list[str], text: str, marked: dict[str, str]) -> tuple[list[Span], list[Span]]:
    """Find each long paragraph, moving forward: (in-order anchors, those found out of order)."""
    anchors: list[Span] = []
    covered: list[Span] = []
    cursor, rereads = 0, 0
    for k, para in enumerate(paras):
        if len(para) < MIN_ANCHOR:
            continue
        pos, size = _find(text, para, marked, cursor)
        if pos >= 0:
            anchors.append((k, pos, pos + size))
            cursor = pos + size
        elif rereads < MAX_REREADS:  # present but out of order (a footnote at a page foot)?
            rereads += 1
            pos, size = _find(text, para, marked, 0)
            if pos >= 0:
                covered.append((k, pos, pos + size))
    covered.sort(key=lambda span: span[1])
    return anchors, covered


def _find(text: str, para: str, marked: dict[str, str], start: int) -> tuple[int, int]:
    """Where `para` is, with its note marks as printed if it has any (a mark at its end included)."""
    if para in marked:
        pos = text.find(marked[para], start)
        if pos >= 0:
            return pos, len(marked[para])
    return text.find(para, start), len(para)


def _uncovered(text: str, start: int, end: int, covered: list[Span]) -> str:
    """The text between two anchored paragraphs, less paragraphs found out of order there."""
    pieces, pos = [], start
    first = bisect.bisect_left(covered, start, key=lambda span: span[1])
    for _, a, b in covered[first:]:
        if a >= end:
            break
        pieces.append(text[pos:a])
        pos = max(pos, b)
    pieces.append(text[pos:end])
    return "".join(pieces)


def _leftover(gap: str, between: list[str]) -> str:
    """A gap without the headings, captions and front matter it may hold."""
    for known in between:
        if known in gap:
            gap = gap.replace(known, "")
    return gap


def _gap(expected: Expected, paras: list[str], unplaced: list[int], gap: str,
         known: list[str], where: tuple[int, int], shown: Callable[[str], str]) -> list[Difference]:
    """Differences in one stretch between anchored paragraphs (after paragraph `before`);
    `shown` gives a piece of the gap with its word spaces."""
    places, (before, page) = expected.places, where
    rest, missing, moved = _take_short(paras, unplaced, _leftover(gap, known) if gap else "")
    rest = _MARKER.sub("", rest)  # list marks, once the short paragraphs (which may end "2.") are out
    for head in expected.repeated if page else ():  # a table's head, printed again on a new page
        rest = rest.replace(head, "")
    near = places[before] if places and not missing else None
    model = [(v, k) for k in missing for v in find_numbers(paras[k])]
    found = find_numbers(rest)
    diffs = _number_diffs(model, found, places, near, page, paras)
    masked_gap = _mask(gap)
    for count, k in enumerate(missing):
        if _mask(paras[k]) in masked_gap or _mask(expected.marked.get(paras[k], "\0")) in masked_gap:
            continue  # the words agree; only numbers differ, reported above
        context = gap if count < MAX_SHOWN else ""
        for difference in _text_diff((paras[k], expected.spaces[k]), expected.facts.paragraphs[k], context,
                                     places[k], page, shown):
            difference.about = paras[k]
            diffs.append(difference)
    if not page:  # the screen editions and Word keep the source's order (a PDF's columns may not)
        diffs += [Difference("text", "moved", _q(paras[k]), "is out of order", places[k].section, places[k].paragraph,
                             about=paras[k]) for k in moved if len(paras[k]) > 1 and not paras[k].isdigit()]
    words = NUMBER.sub("", rest).strip(FURNITURE_MARKS + "☐☑•◦▪.")
    if not missing and len(words) >= MIN_EXTRA and near is not None:
        added = rest.strip(FURNITURE_MARKS + "☐☑•◦▪.")
        diffs.append(Difference("text", "extra", found=_q(_short(shown(added), MAX_QUOTED)), section=near.section,
                                paragraph=near.paragraph))
    return diffs


def _take_short(paras: list[str], unplaced: list[int], rest: str) -> tuple[str, list[int], list[int]]:
    """Cut the short paragraphs out of a gap; return what is left, what is missing, and what
    was found only before its predecessor (out of order).

    They are looked for in order, then anywhere in the gap: a table split across
    columns may print a row's cells apart.
    """
    missing, moved, pos = [], [], 0
    for k in unplaced:
        found = -1
        if len(paras[k]) < MIN_ANCHOR:
            found = rest.find(paras[k], pos)
            if found < 0:
                found = rest.find(paras[k])
                moved += [k] if found >= 0 else []
        if found < 0:
            missing.append(k)
        else:
            rest, pos = rest[:found] + rest[found + len(paras[k]):], found
    return rest, missing, moved


def _number_diffs(model: list[tuple[str, int]], found: list[str], places: list[Place],
                  near: Place | None, page: int, paras: list[str]) -> list[Difference]:
    """Numbers missing, changed or added in a stretch of text; each about its paragraph (for its source line)."""
    diffs = []
    for op, i1, i2, j1, j2 in _opcodes([v for v, _ in model], found):
        if op == "equal":
            continue
        n = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(i2 - i1):
            value, para = model[i1 + k]
            place = places[para]
            change, got = ("changed", found[j1 + k]) if k < n else ("missing", "")
            diffs.append(Difference("numbers", change, value, got, place.section, place.paragraph, page,
                                    about=paras[para]))
        for value in found[j1 + n:j2]:
            spot: Place | None = places[model[i1][1]] if i2 > i1 else near
            diffs.append(Difference("numbers", "extra", found=value, page=page,
                                    section=spot.section if spot else "",
                                    paragraph=spot.paragraph if spot else 0))
    return diffs


def _opcodes(model: list[str], found: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    """difflib's edit script; for very long runs (a wholly different file) only what is left over."""
    if len(model) * len(found) <= MAX_ALIGN:
        return list(SequenceMatcher(None, model, found, autojunk=False).get_opcodes())
    lost, extra = Counter(model) - Counter(found), Counter(found) - Counter(model)
    ops = []
    for k, value in enumerate(model):
        if lost[value] > 0:
            lost[value] -= 1
            ops.append(("delete", k, k + 1, 0, 0))
    for j, value in enumerate(found):
        if extra[value] > 0:
            extra[value] -= 1
            ops.append(("insert", len(model), len(model), j, j + 1))
    return ops


def _text_diff(source: tuple[str, list[int]], original: str, gap: str, place: Place, page: int,
               shown: Callable[[str], str]) -> list[Difference]:
    """A lost paragraph: its changes word by word where the edition has its start and its end
    (as Word's Compare shows them), else where it stops agreeing, else missing.
    `source` is the paragraph's normalised text and where its word spaces stood."""
    para, spaces = source
    enough = min(8, len(para) // 2)
    head = _shared(para, gap, lambda n: para[:n])
    tail = _shared(para, gap, lambda n: para[len(para) - n:])
    if max(head, tail) >= enough and max(head, tail) < len(para):
        version = _edition_version(para, gap, head, tail) if min(head, tail) >= enough else ""
        if version:
            return [Difference("text", "changed", _q(want), _q(got), place.section, place.paragraph, page)
                    for want, got in _word_changes(source, version, shown)]
        cut = head if head >= tail else len(para) - tail  # where the edition stops agreeing
        pos = gap.find(para[:head]) + head if head >= tail else gap.find(para[cut:])
        low, reach = max(0, cut - CONTEXT), max(0, pos - CONTEXT)
        want, got = with_spaces(para[low:cut + CONTEXT], low, spaces), shown(gap[reach:pos + CONTEXT])
        return [Difference("text", "changed", _q("…" + want + "…"), _q("…" + got + "…"),
                           place.section, place.paragraph, page)]
    return [Difference("text", "missing", _q(_short(" ".join(original.split()), 24)), "",
                       place.section, place.paragraph, page)]


def _edition_version(para: str, gap: str, head: int, tail: int) -> str:
    """The edition's text of a paragraph whose start and end it has: from one to the other."""
    start = gap.find(para[:head])
    end = gap.find(para[len(para) - tail:], start + head) if start >= 0 else -1
    if end < 0 or end + tail - start > 2 * len(para) + 40:  # not the same paragraph, changed
        return ""
    return gap[start:end + tail]


#: a space, a word of a spaced script, or one character of any other
_TOKEN = re.compile(r" |[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+|.", re.DOTALL)
#: changes named per paragraph (a rewritten paragraph lists its first few)
MAX_CHANGES = 5


def _word_changes(source: tuple[str, list[int]], version: str, shown: Callable[[str], str]
                  ) -> list[tuple[str, str]]:
    """Each change between a source paragraph and the edition's version of it (words, and the
    spaces between them), with a few characters either side: ("…干部人才队伍…", "…干部人员队伍…")."""
    para, spaces = source
    old, new = _TOKEN.findall(with_spaces(para, 0, spaces)), _TOKEN.findall(shown(version))
    changes = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != "equal":
            changes.append(("…" + _around(old, i1, i2) + "…", "…" + _around(new, j1, j2) + "…"))
        if len(changes) == MAX_CHANGES:
            break
    return changes


def _around(tokens: list[str], start: int, end: int, reach: int = CONTEXT // 2) -> str:
    """tokens[start:end] with at least `reach` characters of the tokens either side."""
    low = start
    while low > 0 and len("".join(tokens[low:start]).replace(" ", "")) < reach:
        low -= 1
    high = end
    while high < len(tokens) and len("".join(tokens[end:high]).replace(" ", "")) < reach:
        high += 1
    return "".join(tokens[low:high]).strip()


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
