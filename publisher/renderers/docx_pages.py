"""Where pictures fall on a Word page: estimated from the page grid, so no page but the last
is left with a wide white foot.

Word lays a page out only when it opens the file, so publisher estimates the layout itself.
On a grid page (GB/T 9704: 22 lines of 28 characters) body text is predictable: a character
of Chinese takes one cell, a Latin letter or digit about half of one, and every line the
grid's pitch. A figure that does not fit in what is left of a page would leave that rest
white; instead it is drawn smaller to fit, when it keeps at least MIN_SCALE of its size, or
else it waits until the text has filled the page and stands at the top of the next one.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import (Aside, Block, CodeBlock, DefinitionList, Figure, Heading, Inline, LineBreak, ListBlock,
                     MathBlock, Paragraph, Quote, Table, Text, plain_text)
from .docx_xml import emu

#: a figure drawn smaller to fit keeps at least this part of its width and height
MIN_SCALE = 0.6
#: … or this much, at the end of the document, where no text is left to fill the page before it
MIN_SCALE_AT_END = 0.35
#: points per EMU
_PT = 1 / 12700


@dataclass
class PagePlan:
    """The blocks in the order they are written, and the figures drawn smaller (id → scale)."""
    blocks: list[Block]
    scales: dict[int, float] = field(default_factory=dict)


#: a character a Chinese face sets a full cell wide: CJK, kana, hangul, full-width forms, and
#: the marks Unicode leaves ambiguous that Chinese text sets full width (“ ” ‘ ’ — …)
_WIDE = ("\u1100-\u115f\u2014\u2018\u2019\u201c\u201d\u2026\u2e80-\u303e\u3040-\ua4cf\uac00-\ud7a3"
         "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd")
_WIDE_CHAR = re.compile(f"[{_WIDE}]")
_SPACE = re.compile(r"[ \t\n\u00a0]")
#: where Chinese meets a Latin letter or digit
_MEETING = re.compile(f"[{_WIDE}](?=[A-Za-z0-9])|[A-Za-z0-9](?=[{_WIDE}])")


def cells(text: str) -> float:
    """The width of `text` in grid cells: a CJK character or mark one (quotes and dashes too, which
    a Chinese face sets full width), a Latin letter or digit half, a space and the gap where
    Chinese meets a Latin letter or digit (which Word and LibreOffice put there) a quarter."""
    wide = len(_WIDE_CHAR.findall(text))
    spaces = len(_SPACE.findall(text))
    narrow = len(text) - wide - spaces
    return wide + 0.5 * narrow + 0.25 * (spaces + len(_MEETING.findall(text)))


def _wide(char: str) -> bool:
    return _WIDE_CHAR.match(char) is not None


class Pages:
    """A running estimate of how far down its page the text has come, in points."""

    def __init__(self, config: dict[str, Any], width_pt: float, height_pt: float, pitch_pt: float) -> None:
        self.config = config
        self.width = width_pt
        self.height = height_pt
        self.pitch = pitch_pt
        self.styles: dict[str, dict[str, Any]] = config.get("styles") or {}
        self.y = 0.0
        self._measures: dict[str, tuple[int, float, float, float]] = {}

    def measures(self, style: str) -> tuple[int, float, float, float]:
        """A style's characters a line, first-line indent (characters), line height and the
        space around a paragraph (pt)."""
        if style not in self._measures:
            self._measures[style] = self._measure(style)
        return self._measures[style]

    def _measure(self, style: str) -> tuple[int, float, float, float]:
        spec = self.style(style)
        size = _pt(spec.get("size", "12pt"))
        per_line = max(1, math.floor(self.width / max(size - 0.25, 1)))
        around = _pt(spec.get("space_before", 0)) + _pt(spec.get("space_after", 0))
        return per_line, float(spec.get("first_line_chars", 0)), self.on_grid(self.line(spec, size)), around

    def style(self, name: str) -> dict[str, Any]:
        """A style's settings with those of the styles it is based on."""
        spec: dict[str, Any] = {}
        for _ in range(10):
            own = self.styles.get(name) or {}
            spec = {**own, **spec}
            name = own.get("based_on", "")
            if not name:
                break
        return spec

    def char_width(self, style: str) -> float:
        """The width of one character of `style` in points."""
        return self.width / self.measures(style)[0]

    def per_line(self, style: str) -> int:
        """How many characters of `style` a line holds."""
        return self.measures(style)[0]

    def text_height(self, text: str, style: str) -> float:
        """The height of a paragraph of `text` in `style`: its lines and the space around it."""
        per_line, indent, line, around = self.measures(style)
        lines = max(1, math.ceil((indent + cells(text)) / per_line))
        return self.on_grid(lines * line + around)

    def lines_height(self, lines: list[str], style: str) -> float:
        """The height of lines set apart (code), each wrapping on its own, in `style`."""
        per_line, _, line, around = self.measures(style)
        return self.on_grid(sum(max(1, math.ceil(cells(text) / per_line)) for text in lines) * line + around)

    def on_grid(self, height: float) -> float:
        """`height` taken up to whole grid lines: on a grid page every line snaps to it."""
        return math.ceil(height / self.pitch - 0.01) * self.pitch

    def line(self, spec: dict[str, Any], size: float) -> float:
        line = spec.get("line", "single")
        if line == "grid":
            return self.pitch
        if line == "single":
            return size * 1.3
        if isinstance(line, (int, float)):
            return size * 1.3 * float(line)
        return _pt(line)

    def advance(self, height: float) -> bool:
        """Move down by `height`; True when a page was turned on the way."""
        self.y += height
        if self.y <= self.height:
            return False
        self.y = self.y % self.height if self.height > 0 else 0.0
        return True


#: marks a centred line may be broken after (the text after them starting a new line)
BREAK_AFTER = "，、；：。！？"


def balanced_break(text: str, per_line: int, before: float = 0.0) -> int | None:
    """Where to break a centred line that runs onto a second: after the mark nearest the middle
    whose two halves each fit a line, so that neither a word is cut nor one character is left
    alone on the last line (a title, a subtitle, a caption). `before`: cells set ahead of
    `text` on its first line (a caption's "图1 "). None when it fits one line, runs onto more
    than two, or has no such mark."""
    total = before + cells(text)
    if total <= per_line or total > 2 * per_line:
        return None
    best: tuple[float, int] | None = None
    for index, char in enumerate(text[:-1]):
        if char in BREAK_AFTER and _wide(text[index + 1]):
            left = before + cells(text[:index + 1])
            if left <= per_line and total - left <= per_line:
                candidate = (abs(left - total / 2), index + 1)
                best = min(best, candidate) if best else candidate
    return best[1] if best else None


def break_inlines(inlines: tuple[Inline, ...], offset: int) -> tuple[Inline, ...]:
    """`inlines` with a line break `offset` characters into their text (top-level text only;
    unchanged where the offset falls inside a link or emphasis)."""
    position = 0
    for index, node in enumerate(inlines):
        length = len(plain_text((node,)))
        if position == offset:
            return inlines[:index] + (LineBreak(),) + inlines[index:]
        if isinstance(node, Text) and position < offset < position + length:
            cut = offset - position
            return inlines[:index] + (Text(node.text[:cut]), LineBreak(), Text(node.text[cut:])) + inlines[index + 1:]
        position += length
    return inlines


def plan(blocks: list[Block], config: dict[str, Any], front: list[tuple[str, str]], width: int,
         height: int, pitch: int) -> PagePlan:
    """Place the figures of `blocks` (after the `front` lines: text, style) so that none leaves
    the rest of a page white: `width`, `height` of the text block in EMU, `pitch` in twips."""
    pages = Pages(config, width * _PT, height * _PT, pitch / 20)
    for text, style in front:
        pages.advance(pages.text_height(text, style))
    out = PagePlan([])
    waiting: list[Figure] = []
    for block in blocks:
        if isinstance(block, Figure) and not waiting:
            if not place_figure(block, pages, out):
                waiting.append(block)
            continue
        if isinstance(block, Figure):
            waiting.append(block)
            continue
        out.blocks.append(block)
        turned = pages.advance(block_height(block, pages))
        if turned and waiting and not isinstance(block, Heading):  # the page is full: now the figures
            pending = waiting[:]
            waiting.clear()
            for figure in pending:
                if waiting or not place_figure(figure, pages, out):
                    waiting.append(figure)
    for figure in waiting:  # no text left to fill the page: drawn smaller still, or on the next page
        if not place_figure(figure, pages, out, MIN_SCALE_AT_END):
            set_figure(figure, pages, out)
    return out


def place_figure(figure: Figure, pages: Pages, out: PagePlan, least: float = MIN_SCALE) -> bool:
    """Draw the figure here, smaller if it must be to fit the page (down to `least` of its size);
    False when it had better wait for the text to fill the page (the caller keeps it)."""
    whole = figure_height(figure, pages, 1.0)
    room = pages.height - pages.y
    if whole <= room - pages.pitch:  # a line to spare: the estimate may be a line short
        out.blocks.append(figure)
        pages.advance(whole)
        return True
    picture = figure_height(figure, pages, 1.0, caption=False)
    around = whole - pages.on_grid(picture)  # the caption and the space above the picture
    scale = (room - 2 * pages.pitch - around) / picture if picture else 0.0  # a line to spare, and the snap
    if scale >= least:
        out.scales[id(figure)] = scale
        out.blocks.append(figure)
        pages.y = 0.0  # the page is full
        return True
    if pages.y < pages.pitch:  # a page of its own would not hold it either: as it is
        out.blocks.append(figure)
        pages.advance(whole)
        return True
    return False


def set_figure(figure: Figure, pages: Pages, out: PagePlan) -> None:
    """Draw the figure here whatever the page holds (on the next page when it must be)."""
    out.blocks.append(figure)
    pages.advance(figure_height(figure, pages, 1.0))


def figure_height(figure: Figure, pages: Pages, scale: float, caption: bool = True) -> float:
    """The height of a figure drawn at `scale`: picture, the space above it, and its caption."""
    spec = pages.config["figure"]
    width = pages.width * float(spec.get("width", 1.0))
    drawn = width * figure.height / figure.width if figure.width else width
    drawn = min(drawn, emu(spec.get("max_height", "150mm")) * _PT) * scale
    space = _pt(pages.style(spec["style"]).get("space_before", 0))
    if not caption:
        return drawn
    words = plain_text(figure.caption)
    return pages.on_grid(drawn + space) + (pages.text_height("图00 " + words, spec["caption_style"])
                                           if figure.number else 0.0)


def block_height(block: Block, pages: Pages, style: str = "") -> float:
    """An estimate of a block's height, from its text and the style the DOCX writer sets it in:
    a list item by item, a table row by row, code line by line; a figure inside a list or a
    quote at its size. `style` is the paragraph style around it (a quote's, a list's)."""
    config = pages.config
    if isinstance(block, Heading):
        return pages.text_height(block.text, config["headings"].get(block.level, "Heading 1"))
    if isinstance(block, Paragraph):
        return pages.text_height(block.text, style or config["roles"].get(block.role, "Normal"))
    if isinstance(block, Figure):
        return figure_height(block, pages, 1.0)
    if isinstance(block, ListBlock):  # its text stands in from the margin by the mark's indent
        spec = config["list"]
        indent = float(spec.get("start_chars", 0)) + float(spec.get("indent_chars", 2))
        narrower = Pages(config, max(pages.width * 0.5, pages.width - indent * pages.char_width(spec["style"])),
                         pages.height, pages.pitch)
        return sum(block_height(inner, narrower, spec["style"]) for item in block.items for inner in item)
    if isinstance(block, (Quote, Aside)):
        inner_style = config["quote_style"] if isinstance(block, Quote) else config["aside"]["text_style"]
        return sum(block_height(inner, pages, inner_style) for inner in block.blocks)
    if isinstance(block, CodeBlock):
        return pages.lines_height(block.text.rstrip("\n").split("\n"), config["code_style"])
    if isinstance(block, Table):
        return table_height(block, pages)
    if isinstance(block, DefinitionList):
        return sum(pages.text_height(plain_text(term), config["definitions"]["term_style"])
                   + sum(block_height(inner, pages, config["definitions"]["text_style"])
                         for definition in definitions for inner in definition)
                   for term, definitions in block.items)
    if isinstance(block, MathBlock):
        return pages.lines_height(block.text.split("\n"), config["code_style"])
    return pages.text_height("", config["rule_style"])  # a thematic break


def table_height(table: Table, pages: Pages) -> float:
    """A table row by row: each as tall as its longest cell in the table's text style."""
    style = pages.config["table"]["text_style"]
    rows = ([table.head] if table.head else []) + list(table.rows)
    columns = max((len(row) for row in rows), default=1) or 1
    per_line = max(1, pages.per_line(style) // columns - 1)
    _, _, line, _ = pages.measures(style)
    return sum(max((math.ceil(cells(plain_text(cell)) / per_line) for cell in row), default=1) * line
               for row in rows) + pages.pitch * 0.3


def _pt(value: Any) -> float:
    return emu(value) * _PT if value else 0.0
