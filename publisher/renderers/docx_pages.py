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

from ..model import Block, Figure, Heading, Inline, LineBreak, Paragraph, Text, plain_text
from .docx_xml import emu

#: a figure drawn smaller to fit keeps at least this part of its width and height
MIN_SCALE = 0.6
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
_SPACE = re.compile(r"\s")
#: where Chinese meets a Latin letter or digit
_MEETING = re.compile(f"[{_WIDE}](?=[A-Za-z0-9])|[A-Za-z0-9](?=[{_WIDE}])")


def cells(text: str) -> float:
    """The width of `text` in grid cells: a CJK character or mark one (quotes and dashes too, which
    a Chinese face sets full width), a Latin letter or digit half, and a quarter of one where
    Chinese meets a Latin letter or digit (the space Word and LibreOffice put between them)."""
    wide = len(_WIDE_CHAR.findall(text))
    narrow = len(text) - wide - len(_SPACE.findall(text))
    return wide + 0.5 * narrow + 0.25 * len(_MEETING.findall(text))


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

    def per_line(self, style: str) -> int:
        """How many characters of `style` a line holds."""
        return self.measures(style)[0]

    def text_height(self, text: str, style: str) -> float:
        """The height of a paragraph of `text` in `style`: its lines and the space around it."""
        per_line, indent, line, around = self.measures(style)
        lines = max(1, math.ceil((indent + cells(text)) / per_line))
        return self.on_grid(lines * line + around)

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
        turned = False
        while self.y > self.height:
            self.y -= self.height
            turned = True
        return turned


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
            place_figure(block, pages, out, waiting)
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
                if waiting:
                    waiting.append(figure)
                else:
                    place_figure(figure, pages, out, waiting)
    out.blocks += waiting
    return out


def place_figure(figure: Figure, pages: Pages, out: PagePlan, waiting: list[Figure]) -> None:
    """Draw the figure here, smaller if it must be to fit the page, or let it wait for the next."""
    whole = figure_height(figure, pages, 1.0)
    room = pages.height - pages.y
    if whole <= room:
        out.blocks.append(figure)
        pages.advance(whole)
        return
    picture = figure_height(figure, pages, 1.0, caption=False)
    around = whole - pages.on_grid(picture)  # the caption and the space above the picture
    scale = (room - 2 * pages.pitch - around) / picture if picture else 0.0  # a line to spare, and the snap
    if scale >= MIN_SCALE:
        out.scales[id(figure)] = scale
        out.blocks.append(figure)
        pages.y = 0.0  # the page is full
        return
    if pages.y < pages.pitch:  # a page of its own would not hold it either: as it is
        out.blocks.append(figure)
        pages.advance(whole)
        return
    waiting.append(figure)


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


def block_height(block: Block, pages: Pages) -> float:
    """An estimate of a block's height: paragraphs and headings from their text and style;
    other blocks from their text in body lines."""
    if isinstance(block, Heading):
        return pages.text_height(block.text, pages.config["headings"].get(block.level, "Heading 1"))
    if isinstance(block, Paragraph):
        return pages.text_height(block.text, pages.config["roles"].get(block.role, "Normal"))
    return pages.text_height(_text_of(block), "Normal")


def _text_of(block: Any) -> str:
    """The text of a list, quote, table … for its height (each item at least a line)."""
    parts: list[str] = []
    for name in ("blocks", "items", "rows", "head", "text", "inlines"):
        value = getattr(block, name, None)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, tuple):
            parts.append(_flatten(value))
    return "".join(parts)


def _flatten(value: Any) -> str:
    if isinstance(value, tuple):
        return "".join(_flatten(v) for v in value)
    if hasattr(value, "text") and isinstance(value.text, str):
        return value.text + "　" * 10  # an item or cell ends its line (an ideographic space: one cell each)
    if hasattr(value, "children"):
        return plain_text(value.children)
    return _text_of(value)


def _pt(value: Any) -> float:
    return emu(value) * _PT if value else 0.0
