"""The document model: plain dataclasses that every renderer and the verifier consume."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union


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
class RawInline:
    """Sanitised inline HTML; `text` is its plain text for non-HTML editions."""
    html: str
    text: str


Inline = Union[Text, Emphasis, Strong, Code, Link, FootnoteRef, LineBreak, RawInline]


def plain_text(inlines: tuple[Inline, ...] | list[Inline]) -> str:
    """The visible text of a run of inlines (footnote marks excluded)."""
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            parts.append(node.text)
        elif isinstance(node, RawInline):
            parts.append(node.text)
        elif isinstance(node, (Emphasis, Strong, Link)):
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
    #: 1-based figure number, one numbering for the whole document
    number: int
    #: absolute path of the image, checked to lie inside the source folder
    src: Path
    caption: tuple[Inline, ...]
    id: str
    #: pixel size of the image file
    width: int = 0
    height: int = 0

    @property
    def caption_text(self) -> str:
        return plain_text(self.caption)


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple["Block", ...], ...]


@dataclass(frozen=True)
class Table:
    head: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]


@dataclass(frozen=True)
class Quote:
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str


@dataclass(frozen=True)
class ThematicBreak:
    pass


@dataclass(frozen=True)
class RawBlock:
    """Sanitised block HTML; `text` is its plain text for non-HTML editions."""
    html: str
    text: str


Block = Union[Heading, Paragraph, Figure, ListBlock, Table, Quote, CodeBlock, ThematicBreak, RawBlock]


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

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def figures(self) -> list[Figure]:
        return [b for b in walk_blocks(self.blocks) if isinstance(b, Figure)]

    @property
    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]


def walk_blocks(blocks: tuple[Block, ...] | list[Block]):
    """Yield every block, depth first, in document order."""
    for block in blocks:
        yield block
        if isinstance(block, Quote):
            yield from walk_blocks(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk_blocks(item)
