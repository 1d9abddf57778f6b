"""Compare what an edition says about itself: its metadata (title, language, authors) and
its contents list, with the source. What an extractor saw needing no source (a bookmark
landing on the wrong page, a heading tagged as a paragraph) it reports itself (`seen`).
"""
from __future__ import annotations

from difflib import SequenceMatcher

from ..facts import NUMBER, HeadingFact
from .difference import Difference, quote as _q
from .edition import EditionFacts
from .expected import Expected, plain
from .text import FURNITURE_MARKS, PAGE_WORDS


def compare_structure(expected: Expected, edition: EditionFacts, depths: list[int]) -> list[Difference]:
    """Metadata and contents; `depths` are the source headings' outline depths (title first)."""
    return (compare_title(expected, edition) + compare_language(expected, edition)
            + compare_authors(expected, edition) + compare_contents(expected, edition, depths)
            + compare_margins(expected, edition))


def compare_margins(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """Running heads and feet may hold the front matter, the title, page numbers and their
    words; any other text there is text the source does not have where a reader sees it."""
    words = expected.furniture + [plain(expected.facts.headings[0].text)] + PAGE_WORDS
    out = []
    for text in edition.margins:
        rest = NUMBER.sub("", plain(text))
        for word in words:
            rest = rest.replace(plain(word), "")
        if rest.strip(FURNITURE_MARKS):
            out.append(Difference("text", "extra", found=f"{_q(' '.join(text.split()))} in a page header or footer"))
    return out


#: the characters a Word core property holds
TITLE_FIELD = 255


def compare_title(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """The title in the file's metadata (what a library, a reading system or Word's File info
    shows) must be the source's title."""
    want = expected.facts.headings[0].text
    if edition.title is None or plain(edition.title) == plain(want):
        return []
    if len(want) > TITLE_FIELD and edition.title == want[:TITLE_FIELD - 1] + "…":
        return []  # a Word title property holds 255 characters: a longer title ends in "…" there
    return [Difference("structure", "title", _q(want), f"is titled {_q(edition.title)} in the file's metadata")]


def compare_language(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """The language a reading system, screen reader or spelling checker is told: the source's
    (compared by its primary subtag: zh-CN and zh-Hans-CN are both Chinese). A DOCX declares
    a Latin and an East Asian language (space-separated here): the source's must be one."""
    got = edition.language
    if got is None or not expected.language:
        return []
    if _primary(expected.language) in {_primary(tag) for tag in got.split()}:
        return []
    shown = _q(got) if got else "none"
    return [Difference("structure", "language", f"language {_q(expected.language)}",
                       f"is {shown} in the file's metadata")]


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def compare_authors(expected: Expected, edition: EditionFacts) -> list[Difference]:
    """The authors in the file's metadata: the source's byline names, in any order."""
    if edition.authors is None or not expected.authors:
        return []
    want, got = sorted(plain(a) for a in expected.authors), sorted(plain(a) for a in edition.authors if a.strip())
    if want == got:
        return []
    return [Difference("structure", "authors", "authors " + "; ".join(map(_q, expected.authors)),
                       "are " + ("; ".join(map(_q, edition.authors)) or "none") + " in the file's metadata")]


def compare_contents(expected: Expected, edition: EditionFacts, depths: list[int]) -> list[Difference]:
    """The edition's contents list (EPUB nav, HTML contents) must list the headings in order:
    none renamed, added or moved, and none left out down to the deepest level it lists."""
    if edition.contents is None:
        return []
    headings = [(depth, plain(h.text), h.text) for depth, h in zip(depths, expected.facts.headings)]
    entries = [(plain(e.text), e.text) for e in edition.contents]
    matcher = SequenceMatcher(None, [h[1] for h in headings], [e[0] for e in entries], autojunk=False)
    listed = [i for block in matcher.get_matching_blocks() for i in range(block.a, block.a + block.size)]
    deepest = max((headings[i][0] for i in listed), default=0)
    diffs = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for _, text in entries[j1:j2]:
            diffs.append(Difference("structure", "contents", f"contents entry {_q(text)}",
                                    "is not a heading of the source here"))
        for depth, _, text in headings[i1:i2]:
            if depth <= deepest and (not listed or listed[0] <= i1 or depth > 1):
                diffs.append(Difference("structure", "contents", f"heading {_q(text)}",
                                        "is missing from the contents list"))
    return diffs


__all__ = ["compare_structure", "HeadingFact"]
