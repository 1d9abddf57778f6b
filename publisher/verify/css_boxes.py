"""What hides a whole element from a reader, whatever its descendants declare: display: none,
clipping to nothing, offsets off the page, transforms that flatten it, a box of no size that
clips what it holds."""
from __future__ import annotations

from typing import Callable

from .css_values import (MIN_ALPHA, Tokens, Values, arguments, first_length, fraction, functions, keyword, length,
                         number, words)

#: an offset this far (px) past the page's left or top edge puts the box off screen
OFF_SCREEN = 900.0

#: a box this small (px) that clips its content shows nothing of it (the "visually hidden" idiom)
TINY_BOX = 1.0


def gone_by(values: Values, font: float) -> str:
    """Why nothing inside an element is seen, by its own values ("" when something may be)."""
    for check in GONE_CHECKS:
        reason = check(values, font)
        if reason:
            return reason
    return ""


def _display(values: Values, font: float) -> str:
    if keyword(values.get("display")) == "none":
        return "display: none"
    return "content-visibility: hidden" if keyword(values.get("content-visibility")) == "hidden" else ""


def _clipped(values: Values, font: float) -> str:
    position = keyword(values.get("position"))
    for rect in functions(values.get("clip"), ("rect",)) if position in ("absolute", "fixed") else []:
        edges = [length(t, font, None) if t.type != "ident" else None for t in arguments(rect)]
        if len(edges) == 4:
            top, right, bottom, left = ((e if e is not None else d) for e, d in zip(edges, (0, 1e9, 1e9, 0)))
            if bottom - top <= TINY_BOX or right - left <= TINY_BOX:
                return "clipped to nothing (clip: rect)"
    for shape in functions(values.get("clip-path"), ("inset", "circle", "ellipse", "polygon", "rect", "xywh")):
        if _empty_shape(shape.lower_name, arguments(shape), font):
            return f"clipped to nothing (clip-path: {shape.lower_name})"
    return ""


def _empty_shape(name: str, args: Tokens, font: float) -> bool:
    """A clip-path shape that shows nothing: inset(50%), circle(0), a polygon of one point."""
    if name == "inset":
        cut = [float(t.value) for t in args if t.type == "percentage"]
        cut += cut[:1] * (4 - len(cut)) if 0 < len(cut) < 4 and len(cut) == len(args) else []
        if len(cut) == 4 and (cut[0] + cut[2] >= 100 or cut[1] + cut[3] >= 100):
            return True
        return len(cut) == 1 and cut[0] >= 50
    if name in ("circle", "ellipse"):
        radii = [length(t, font) for t in args[:2 if name == "ellipse" else 1] if t.type != "ident"]
        return bool(radii) and any(r == 0 for r in radii)
    if name == "polygon":
        return len({(t.type, t.value) for t in args if t.type != "ident"}) <= 1
    if name == "xywh":
        sizes = [length(t, font) for t in args[2:4]]
        return any(s == 0 for s in sizes)
    return False


def _off_screen(values: Values, font: float) -> str:
    position = keyword(values.get("position"))
    placed = position in ("absolute", "fixed")
    pulls = [("left", -1, True), ("right", 1, True), ("top", -1, placed), ("bottom", 1, placed)]
    if position in ("absolute", "fixed", "relative", "sticky"):
        for side, sign, counts in pulls:
            offset = first_length(values.get(side), font)
            if counts and offset is not None and sign * offset >= OFF_SCREEN:
                return f"off the page ({side}: {offset:.0f}px)"
    for side in ("margin-left", "margin-top"):
        offset = first_length(values.get(side), font)
        if offset is not None and offset <= -OFF_SCREEN:
            return f"off the page ({side}: {offset:.0f}px)"
    return ""


def _transformed(values: Values, font: float) -> str:
    for function in functions(values.get("transform"), None):
        name, numbers = function.lower_name, [number(t, font) for t in arguments(function)]
        if _degenerate(name, numbers):
            return f"scaled to nothing (transform: {name})"
        if name in ("translate", "translatex", "translate3d") and numbers and (numbers[0] or 0) <= -OFF_SCREEN:
            return f"off the page (transform: {name})"
        if name == "translatey" and numbers and (numbers[0] or 0) <= -OFF_SCREEN:
            return f"off the page (transform: {name})"
    scale = [number(t, font) for t in words(values.get("scale"))]
    if scale and any(s == 0 for s in scale[:2]):
        return "scaled to nothing (scale: 0)"
    return ""


def _degenerate(name: str, numbers: list[float | None]) -> bool:
    """A transform function that flattens the box to a line or a point."""
    if name in ("scale", "scale3d"):
        return any(n == 0 for n in numbers[:2])
    if name in ("scalex", "scaley"):
        return bool(numbers) and numbers[0] == 0
    if name == "matrix" and len(numbers) == 6 and None not in numbers:
        a, b, c, d = (float(n or 0) for n in numbers[:4])
        return a * d - b * c == 0
    if name in ("rotatex", "rotatey") and numbers and numbers[0] is not None:
        return abs(abs(numbers[0]) % 180 - 90) < 0.5
    return False


def _squeezed(values: Values, font: float) -> str:
    """A box of no height or width that clips what overflows it (the "visually hidden" idiom)."""
    clips = {keyword(values.get(side)) for side in ("overflow-x", "overflow-y")} - {"", "visible"}
    if not clips:
        return ""
    for side in ("height", "max-height", "width", "max-width"):
        size = first_length(values.get(side), font, None)
        if size is not None and size <= TINY_BOX:
            return f"{side} {size:.0f}px with its overflow clipped"
    return ""


def _zoomed(values: Values, font: float) -> str:
    zoom = fraction(words(values.get("zoom")))
    return f"zoom {zoom:.2g}" if 0 < zoom < MIN_ALPHA else ""


GONE_CHECKS: tuple[Callable[[Values, float], str], ...] = (_display, _clipped, _off_screen, _transformed,
                                                            _squeezed, _zoomed)
