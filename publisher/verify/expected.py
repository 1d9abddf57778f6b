"""What the source model says every edition must contain, prepared once for all editions."""
from __future__ import annotations

import datetime as dt
import re
from difflib import SequenceMatcher
from urllib.parse import unquote
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..facts import WIDTH_FOLD, Facts, document_facts
from ..model import (Document, Emphasis, FootnoteRef, Heading, Inline, Link, Paragraph, Strong, Styled, Table,
                     plain_text, walk_blocks)
from .. import layout as layouts
from ..people import authors
from ..typography import heading_numbers
from . import source
from .edition import FIGURE_WORDS, fingerprint
from .source import SourceText

#: how the print and screen layouts may write the date (the masthead, the cover)
DATE_FORMATS = ("{y}年{m}月{d}日", "{y}年{m:02d}月{d:02d}日", "{y}-{m:02d}-{d:02d}",
                "{y}.{m:02d}.{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}",
                "{d} {month} {y}", "{month} {d}, {y}", "{d} {mon} {y}", "{mon} {d}, {y}")
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


#: characters a renderer may add to steer line breaking; they are not text
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"
                                    # direction marks a PDF reader adds around right-to-left runs
                                    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_QUOTES = {ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb"} | {ord(c): "'" for c in "\u2018\u2019\u201a\u201b"}
#: width folding, invisible marks and quotes in one table: one pass over a 1.5 MB edition, not three
_PLAIN = str.maketrans(WIDTH_FOLD | _INVISIBLE | _QUOTES)


def plain(text: str) -> str:
    """Text as compared: normalise_text, less soft hyphens and zero-width marks, quotes folded
    (straight or curly: the reader makes them curly, a second reading may not)."""
    return "".join(unicodedata.normalize("NFC", text).translate(_PLAIN).split())


#: letters and digits of scripts that set a space between words (Latin, Greek, Cyrillic)
_WORDISH = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_SPACE = re.compile(r"\s+")
_WORDISH_AT = re.compile(f"[{_WORDISH}]")


def word_spaces(text: str) -> tuple[str, list[int], list[int]]:
    """plain(text), and where in it a space stands between two words of a spaced script:
    (plain text, positions of spaces, positions of line breaks that may stand for one)."""
    flat = unicodedata.normalize("NFC", text).translate(_PLAIN)
    spaces: list[int] = []
    breaks: list[int] = []
    removed = 0
    for match in _SPACE.finditer(flat):
        start, end = match.span()
        if 0 < start and end < len(flat) and _WORDISH_AT.match(flat[start - 1]) and _WORDISH_AT.match(flat[end]):
            (breaks if "\n" in match.group() else spaces).append(start - removed)
        removed += end - start
    return "".join(flat.split()), spaces, breaks


def spaces_of(text: str) -> tuple[str, list[int]]:
    """plain(text) and where a space or a line break stood between two words in it."""
    flat, spaces, breaks = word_spaces(text)
    return flat, sorted(spaces + breaks)


@dataclass
class Place:
    """Where a source paragraph sits: the heading above it and its index under that heading."""
    section: str
    paragraph: int


@dataclass
class Expected:
    """The model's facts plus what the comparator needs to read editions fairly."""
    facts: Facts
    #: one Place per entry of facts.paragraphs
    places: list[Place]
    #: fingerprint of each figure's image file, in figure order
    fingerprints: list[str]
    #: image file name of each figure (to name a swapped picture)
    image_names: list[str]
    #: normalised paragraph text → the same with footnote marks written in (as print shows them)
    marked: dict[str, str] = field(default_factory=dict)
    #: where each paragraph's word spaces are (word_spaces: its spaces and line breaks)
    spaces: list[list[int]] = field(default_factory=list)
    #: the same for the paragraphs with footnote marks written in, by their marked text
    marked_spaces: dict[str, list[int]] = field(default_factory=dict)
    #: normalised strings a layout may print outside the body: front matter and date renderings
    furniture: list[str] = field(default_factory=list)
    #: normalised text that may stand between paragraphs: captions, headings, furniture
    between: list[str] = field(default_factory=list)
    #: the source's text blocks read a second way (markdown-it), apart from the model
    second: list[SourceText] = field(default_factory=list)
    #: the head cells of tables, which a PDF prints again at the top of each page a table runs onto
    repeated: list[str] = field(default_factory=list)
    #: pictures the second reading finds that the model lacks: (fingerprint, file name, line)
    unread_pictures: list[tuple[str, str, int]] = field(default_factory=list)
    #: the source's language (BCP 47) and the authors its byline names
    language: str = ""
    authors: list[str] = field(default_factory=list)


def expect(doc: Document) -> Expected:
    """Prepare the model side of every comparison."""
    facts = document_facts(doc)
    paths = [Path(f.image_path) for f in facts.figures]
    front = furniture(doc)
    marked = marked_texts(doc)
    second, pictures = source.reading(doc.source)
    return Expected(facts=facts, places=[Place(section, index) for section, index in facts.places],
                    fingerprints=fingerprints_of(paths),
                    image_names=[p.name for p in paths], marked={plain(k): plain(v) for k, v in marked.items()},
                    spaces=[spaces_of(text)[1] for text in facts.paragraphs],
                    marked_spaces=dict(map(spaces_of, marked.values())),
                    furniture=front, between=between(facts, front), second=second,
                    unread_pictures=unread_pictures(doc.source, pictures, paths),
                    language=doc.meta.language, authors=byline_names(doc), repeated=table_heads(doc))


def table_heads(doc: Document) -> list[str]:
    """The normalised head cells of every table, longest first."""
    cells = {plain(plain_text(cell)) for block in walk_blocks(doc.blocks) if isinstance(block, Table)
             for cell in block.head}
    return sorted((c for c in cells if c), key=len, reverse=True)


def byline_names(doc: Document) -> list[str]:
    """The names of the byline, without its role words in either language ("文/图", "By")."""
    if not doc.meta.byline.strip():
        return []
    base = layouts.load("base")
    roles = [word for language in ("zh", "en") for word in base.labels(language).get("byline_roles", [])]
    return authors(doc.meta.byline, roles)


def unread_pictures(source_path: Path, pictures: list[source.SourcePicture], model: list[Path]
                    ) -> list[tuple[str, str, int]]:
    """The local pictures the source shows that are not among the model's (a reader that drops
    a raw <img> drops it from every edition: this side must see it)."""
    folder = source_path.resolve().parent
    local = [(path, picture.line) for picture in pictures
             if (path := _local_file(folder, picture.src)) is not None]
    # aligned in order, so that the picture left out is named at its own line
    matcher = SequenceMatcher(None, [path for path, _ in local], [path.resolve() for path in model], autojunk=False)
    kept = {i for block in matcher.get_matching_blocks() for i in range(block.a, block.a + block.size)}
    out = []
    for path, line in (entry for i, entry in enumerate(local) if i not in kept):
        print_ = fingerprint(path.read_bytes())
        if print_:  # a file no edition can draw is refused or warned about by the build
            out.append((print_, path.name, line))
    return out


def _local_file(folder: Path, src: str) -> Path | None:
    """The picture file a source names, inside its folder; None for a URL or a missing file."""
    if not src or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
        return None
    try:
        path = (folder / unquote(src.split("#")[0].split("?")[0])).resolve()
        return path if path.is_relative_to(folder) and path.is_file() else None
    except (OSError, ValueError):  # a name too long for the file system, a NUL: no picture
        return None


def fingerprints_of(paths: list[Path]) -> list[str]:
    """The fingerprint of each image file, each distinct file read once (a yearbook reuses photos)."""
    known = {path: fingerprint(path.read_bytes()) for path in dict.fromkeys(paths)}
    return [known[path] for path in paths]


def between(facts: Facts, front: list[str]) -> list[str]:
    """Text that may stand between paragraphs (captions, headings, front matter), longest first."""
    captions = [plain(f"{word}{f.number}{f.caption}") for f in facts.figures if f.number
                for word in FIGURE_WORDS]
    captions += [plain(f.caption) for f in facts.figures]
    headings = [plain(h.text) for h in facts.headings]
    return sorted({s for s in captions + headings + front if s}, key=len, reverse=True)


def marked_texts(doc: Document) -> dict[str, str]:
    """Paragraphs with footnote references, as they read with the marks printed inline; and
    headings numbered in the source, as they read when an edition numbers them its own way
    (the heading check still names a numbering lost)."""
    out: dict[str, str] = {}
    notes = [block for note in doc.footnotes for block in note.blocks]  # a note may mark another note
    for block in walk_blocks(list(doc.blocks) + notes):
        if isinstance(block, Paragraph) and _has_ref(block.inlines):
            out[block.text] = _marked(block.inlines)
    headings = [h for h in walk_blocks(doc.blocks) if isinstance(h, Heading) and not _has_ref(h.inlines)]
    for heading, numbering in zip(headings, heading_numbers([(h.level, h.text) for h in headings])):
        if numbering:
            out[heading.text] = heading.text[len(numbering):]
    return out


def _has_ref(nodes: tuple[Inline, ...]) -> bool:
    return any(isinstance(n, FootnoteRef) or (isinstance(n, (Emphasis, Strong, Link, Styled))
                                              and _has_ref(n.children)) for n in nodes)


def _marked(nodes: tuple[Inline, ...]) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, FootnoteRef):
            parts.append(str(node.number))
        elif isinstance(node, (Emphasis, Strong, Link, Styled)):
            parts.append(_marked(node.children))
        else:
            parts.append(plain_text((node,)))
    return "".join(parts)


def furniture(doc: Document) -> list[str]:
    """Front-matter text a layout may print around the body, longest first."""
    meta = doc.meta
    texts = [meta.subtitle, meta.kicker, meta.byline, meta.publication, meta.section,
             meta.page, *date_texts(meta.date), *source_line_words()]
    unique = {plain(t) for t in texts if t.strip()}
    return sorted(unique, key=len, reverse=True)


def source_line_words() -> list[str]:
    """The words a source line sets around the front matter's ("来源：", "Source: ", ", page ")."""
    base = layouts.load("base")
    pieces = [piece for language in ("zh", "en") for piece in base.labels(language).get("source_line", [])]
    words = [re.sub(r"{\w+}", "", piece).strip(" ,，") for piece in pieces]
    return [word for word in words if len(word) > 1]


def date_texts(iso: str) -> list[str]:
    """The common ways to write an ISO date, e.g. 2025年1月20日, 2025-01-20, 星期一."""
    if not iso:
        return []
    day = dt.date.fromisoformat(iso)
    month = MONTHS_EN[day.month - 1]
    texts = [f.format(y=day.year, m=day.month, d=day.day, month=month, mon=month[:3]) for f in DATE_FORMATS]
    return texts + [WEEKDAYS[day.weekday()], "周" + WEEKDAYS[day.weekday()][-1], WEEKDAYS_EN[day.weekday()]]
