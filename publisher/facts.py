"""Facts of a document: headings, figures, numbers and paragraph text.

The model lists its facts here; each verifier extractor produces the same
types from a written file, and the comparator sets the two side by side.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .model import (Aside, Block, CodeBlock, Document, Figure, Heading, Image, ListBlock,
                    MathBlock, Paragraph, Quote, Table, inlines_of, plain_text, walk_blocks)

#: measure words and units that stay attached to a number (longest first)
UNITS = ("平方米", "平方公里", "公里", "人次", "场次", "万元", "亿元", "元", "次", "本", "期",
         "人", "个", "项", "名", "家", "户", "天", "年", "月", "日", "种", "支", "辆", "村",
         "位", "场", "所", "条", "件", "座", "倍", "岁", "米", "吨", "亩", "公顷", "小时",
         "分钟", "秒", "号", "届", "批", "版", "页", "篇", "部", "台", "株", "棵", "元/人")

_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
NUMBER = re.compile(
    r"(?<!\d)(?<!\d\.)(?:"
    r"\d+(?:\+(?:\d+|[A-Za-z]))+"            # compounds: 1+6+N, 1+6+3
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:%|[万亿千百]?[多余]?(?:" + _UNIT + r")?)"  # 1,200名
    r"|\d+(?:\.\d+)?(?:%|[万亿千百]?[多余]?(?:" + _UNIT + r")?)"
    r")"
)


@dataclass(frozen=True)
class HeadingFact:
    level: int
    text: str


@dataclass(frozen=True)
class FigureFact:
    number: int
    caption: str
    #: the image file (model side) ...
    image_path: str = ""
    #: ... or the perceptual fingerprint of the drawn image (extractor side)
    fingerprint: str = ""


@dataclass(frozen=True)
class NumberFact:
    value: str
    #: text of the heading the number sits under ("" before the first heading)
    section: str = ""
    #: 1-based index of the paragraph within its section
    paragraph: int = 0


@dataclass
class Facts:
    headings: list[HeadingFact] = field(default_factory=list)
    figures: list[FigureFact] = field(default_factory=list)
    numbers: list[NumberFact] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    #: (section heading, 1-based paragraph index under it) of each entry in `paragraphs`
    places: list[tuple[str, int]] = field(default_factory=list)


def find_numbers(text: str) -> list[str]:
    """Every numeric figure in `text`, in order, as written (after width folding)."""
    return NUMBER.findall(fold_width(text))


#: full-width ASCII variants (U+FF01–FF5E) and the ideographic space, folded to ASCII
WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Fold full-width forms to ASCII (，→, ％→% ５→5) so editions compare equal."""
    return unicodedata.normalize("NFC", text).translate(WIDTH_FOLD)


def normalise_text(text: str) -> str:
    """Text as compared across editions: width folded, all whitespace removed."""
    return "".join(fold_width(text).split())


def document_facts(doc: Document) -> Facts:
    """List the facts of the source model, in document order."""
    facts = Facts()
    facts.headings.append(HeadingFact(1, doc.meta.title))
    section, index = doc.meta.title, 0
    _add_numbers(facts, doc.meta.title, section, 0)
    for block in walk_blocks(doc.blocks):
        if isinstance(block, Heading):
            facts.headings.append(HeadingFact(block.level, block.text))
            section, index = block.text, 0
            _add_numbers(facts, block.text, section, 0)
        _add_pictures(facts, block, section, index)
        index = _add_paragraphs(facts, block, section, index)
    for note in doc.footnotes:  # a note's pictures are shown with it, after the body
        for block in walk_blocks(note.blocks):
            _add_pictures(facts, block, section, index)
            index = _add_paragraphs(facts, block, section, index)
    return facts


def _add_pictures(facts: Facts, block: Block, section: str, index: int) -> None:
    """A figure, and the pictures in a block's lines of text."""
    if isinstance(block, Figure):
        facts.figures.append(FigureFact(block.number, block.caption_text, str(block.src)))
        _add_numbers(facts, block.caption_text, section, index)
    facts.figures += [FigureFact(0, "", str(n.src)) for n in inlines_of(block) if isinstance(n, Image)]


def _add_paragraphs(facts: Facts, block: object, section: str, index: int) -> int:
    """Add the paragraph texts of `block` and their numbers; return the new paragraph index."""
    for text in texts_of(block):
        index += 1
        facts.paragraphs.append(text)
        facts.places.append((section, index))
        _add_numbers(facts, text, section, index)
    return index


def texts_of(block: object) -> list[str]:
    """The paragraph-like texts a block contributes (not those of its children)."""
    if isinstance(block, Paragraph):
        return [block.text] if block.text.strip() else []
    if isinstance(block, Table):
        cells = [block.caption] + list(block.head) + [cell for row in block.rows for cell in row]
        return [t for t in (plain_text(c) for c in cells) if t.strip()]
    if isinstance(block, Aside):
        return [plain_text(block.title)] if plain_text(block.title).strip() else []
    if isinstance(block, (MathBlock, CodeBlock)):
        return [block.text] if block.text.strip() else []
    return []


def _add_numbers(facts: Facts, text: str, section: str, paragraph: int) -> None:
    facts.numbers.extend(NumberFact(v, section, paragraph) for v in find_numbers(text))


__all__ = ["Facts", "HeadingFact", "FigureFact", "NumberFact", "document_facts",
           "find_numbers", "fold_width", "normalise_text", "ListBlock", "Quote"]
