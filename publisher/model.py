"""The document model: plain dataclasses that every renderer and the verifier consume."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from .notices import Notice


# ---- inline nodes -------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """A run of plain text (punctuation already normalised)."""
    text: str


@dataclass(frozen=True)
class Emphasis:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Strong:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class FootnoteRef:
    """A reference to footnote `number` (numbering owned by the model)."""
    number: int


@dataclass(frozen=True)
class LineBreak:
    pass


@dataclass(frozen=True)
class Styled:
    """Text with a meaning of its own: one of STYLED_KINDS (strike, sup, sub, kbd, mark, ins)."""
    kind: str
    children: tuple["Inline", ...]


#: the kinds of Styled text every renderer must know
STYLED_KINDS = ("strike", "sup", "sub", "kbd", "mark", "ins")


@dataclass(frozen=True)
class Image:
    """A picture inside a line of text (a badge, an icon): printed at text height."""
    src: Path
    alt: str
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Math:
    """TeX math, shown as written (`display`: a block of its own)."""
    text: str
    display: bool = False


Inline = Union[Text, Emphasis, Strong, Code, Link, FootnoteRef, LineBreak, Styled, Image, Math]


def plain_text(inlines: tuple[Inline, ...] | list[Inline]) -> str:
    """The visible text of a run of inlines (footnote marks excluded)."""
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code, Math)):
            parts.append(node.text)
        elif isinstance(node, (Emphasis, Strong, Link, Styled)):
            parts.append(plain_text(node.children))
    return "".join(parts)


# ---- block nodes --------------------------------------------------------

@dataclass(frozen=True)
class Heading:
    level: int
    inlines: tuple[Inline, ...]
    id: str

    @property
    def text(self) -> str:
        return plain_text(self.inlines)


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]
    #: "body", or "lead" for the lead paragraphs under the headline
    role: str = "body"

    @property
    def text(self) -> str:
        return plain_text(self.inlines)


@dataclass(frozen=True)
class Figure:
    #: 1-based figure number, one numbering for the whole document; 0: no caption, not numbered
    number: int
    #: absolute path of the image, checked to lie inside the source folder
    src: Path
    caption: tuple[Inline, ...]
    id: str
    #: pixel size of the image file
    width: int = 0
    height: int = 0
    #: the alt text (the caption's text, or a description of an uncaptioned picture)
    alt: str = ""
    #: where the picture links to ("" for none)
    href: str = ""
    #: printed width the author asked for: "50%" of the text width, "300px", or "" (the layout decides)
    size: str = ""

    @property
    def caption_text(self) -> str:
        return plain_text(self.caption)


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple["Block", ...], ...]
    #: the first number of an ordered list
    start: int = 1
    #: per item: None (not a task), False (open) or True (done)
    tasks: tuple[bool | None, ...] = ()


@dataclass(frozen=True)
class Table:
    head: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    #: per column: "", "left", "center" or "right"
    align: tuple[str, ...] = ()
    caption: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class DefinitionList:
    """Terms, each with its definitions (each a sequence of blocks)."""
    items: tuple[tuple[tuple[Inline, ...], tuple[tuple["Block", ...], ...]], ...]


@dataclass(frozen=True)
class Aside:
    """A box set apart: an admonition (note, warning …) or a <details> block."""
    kind: str
    title: tuple[Inline, ...]
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class Quote:
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str
    #: the language named on the fence ("" for none)
    language: str = ""


@dataclass(frozen=True)
class ThematicBreak:
    pass


@dataclass(frozen=True)
class MathBlock:
    """Display math, shown as written."""
    text: str


Block = Union[Heading, Paragraph, Figure, ListBlock, Table, Quote, CodeBlock, ThematicBreak,
              DefinitionList, Aside, MathBlock]


@dataclass(frozen=True)
class Footnote:
    number: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Meta:
    """Front matter. See README "Front matter" for each field."""
    title: str
    subtitle: str = ""
    kicker: str = ""
    byline: str = ""
    #: ISO date, YYYY-MM-DD
    date: str = ""
    publication: str = ""
    section: str = ""
    page: str = ""
    language: str = "zh-CN"
    subject: str = ""
    keywords: tuple[str, ...] = ()
    #: default layout per format, e.g. {"pdf": "newspaper"}
    layouts: tuple[tuple[str, str], ...] = ()

    def layout_for(self, fmt: str) -> str | None:
        return dict(self.layouts).get(fmt)


@dataclass(frozen=True)
class Document:
    meta: Meta
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...] = ()
    #: the source file and its folder (the only folder resources may come from)
    source: Path = field(default=Path("."))
    base_dir: Path = field(default=Path("."))
    #: warnings the reader raised (file:line and cause), printed by the command line
    notices: tuple[Notice, ...] = ()
    #: each picture file → the digest of the bytes the reader checked (every edition must read the same)
    pictures: dict[Path, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def figures(self) -> list[Figure]:
        return [b for b in walk_blocks(self.blocks) if isinstance(b, Figure)]

    @property
    def picture_files(self) -> list[Path]:
        """Every image file the document shows (figures and pictures in the text), first use first."""
        return list(dict.fromkeys(self.picture_uses))

    @property
    def picture_uses(self) -> list[Path]:
        """The image file of every figure and picture in the text, notes included, in order (repeats too)."""
        found = []
        for blocks in (self.blocks, *(note.blocks for note in self.footnotes)):
            for block in walk_blocks(blocks):
                if isinstance(block, Figure):
                    found.append(block.src)
                found += [node.src for node in inlines_of(block) if isinstance(node, Image)]
        return found

    @property
    def headings(self) -> list[Heading]:
        return [b for b in walk_blocks(self.blocks) if isinstance(b, Heading)]


def walk_blocks(blocks: tuple[Block, ...] | list[Block]):
    """Yield every block, depth first, in document order."""
    for block in blocks:
        yield block
        if isinstance(block, (Quote, Aside)):
            yield from walk_blocks(block.blocks)
        elif isinstance(block, DefinitionList):
            for term, definitions in block.items:
                yield Paragraph(term, role="term")  # a term reads as a paragraph of its own
                for definition in definitions:
                    yield from walk_blocks(definition)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk_blocks(item)


def heading_depths(doc: Document) -> dict[str, int]:
    """Each heading's depth in the outline under the title (depth 1): levels that skip close up.

    The title is depth 1; a `#` heading in the body is depth 2, as a `##` is in a body without
    any `#`.

    A document whose first heading under the title is `###` gets it at depth 2, as an
    outline (and an HTML checker) expects; a document that skips nothing keeps its levels.
    """
    open_levels = [0]  # the title: a body's own `#` headings sit under it
    depths = {}
    for heading in doc.headings:
        while open_levels and open_levels[-1] >= heading.level:
            open_levels.pop()
        open_levels.append(heading.level)
        depths[heading.id] = min(len(open_levels), 6)  # h6 is the deepest heading every edition has
    return depths


def inlines_of(block: Block):
    """Yield every inline of one block (not of its child blocks), depth first."""
    runs: list[tuple[Inline, ...]] = []
    if isinstance(block, (Heading, Paragraph)):
        runs = [block.inlines]
    elif isinstance(block, Figure):
        runs = [block.caption]
    elif isinstance(block, Table):
        runs = [*block.head, *(cell for row in block.rows for cell in row), block.caption]
    elif isinstance(block, DefinitionList):
        runs = [term for term, _definitions in block.items]
    elif isinstance(block, Aside):
        runs = [block.title]
    for run in runs:
        yield from _walk_inlines(run)


def _walk_inlines(nodes: tuple[Inline, ...]):
    for node in nodes:
        yield node
        if isinstance(node, (Emphasis, Strong, Link, Styled)):
            yield from _walk_inlines(node.children)
