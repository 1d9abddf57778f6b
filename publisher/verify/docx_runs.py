"""What Word shows of a run: its effective properties through the style chain, and whether a
reader can see it (not vanished, not a colour on the same colour, not a dot of a size).

Properties cascade as Word applies them: document defaults, the paragraph style and the
styles it is based on, the run's character style and its bases, then the run's own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from .contrast import luminance, ratio

#: text smaller than this (in half-points: 3 = 1.5 pt) is a dot, not text
MIN_HALF_POINTS = 3
#: colours closer than this contrast ratio (WCAG; 1 = the same) are one colour to a reader
MIN_CONTRAST = 1.25
_OFF = {"0", "false", "off", "none"}
W_VAL = qn("w:val")
WHITE = "FFFFFF"


@dataclass(frozen=True)
class RunLook:
    """The properties of a run that decide whether it is seen."""
    vanish: bool = False
    #: the text colour, RRGGBB, or "" for automatic (black on light, white on dark)
    color: str = ""
    #: the size in half-points (0: not set)
    size: int = 0


def applied(base: RunLook, rpr: Any) -> RunLook:
    """`base` with the properties an rPr element sets applied over it."""
    if rpr is None:
        return base
    vanish, color, size = base.vanish, base.color, base.size
    for tag in ("w:vanish", "w:specVanish"):
        element = rpr.find(qn(tag))
        if element is not None:
            vanish = (element.get(W_VAL) or "true").lower() not in _OFF
    element = rpr.find(qn("w:color"))
    if element is not None:
        value = (element.get(W_VAL) or "").upper()
        color = "" if value in ("", "AUTO") else value
    element = rpr.find(qn("w:sz"))
    if element is not None and (element.get(W_VAL) or "").isdigit():
        size = int(element.get(W_VAL) or 0)
    return RunLook(vanish, color, size)


class Looks:
    """Effective run properties of a document's runs, each style resolved once."""

    def __init__(self, styles: Any, body: Any) -> None:
        self._styles = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
        defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        self._default = applied(RunLook(), defaults)
        self._chains: dict[str, list[Any]] = {}
        self._resolved: dict[tuple[str, str], RunLook] = {}
        background = body.getparent().find(qn("w:background")) if body.getparent() is not None else None
        self.page = (background.get(qn("w:color")) or WHITE).upper() if background is not None else WHITE

    def chain(self, style_id: str) -> list[Any]:
        """The rPr elements of a style and the styles it is based on, the base first."""
        if style_id not in self._chains:
            chain, seen, current = [], set(), style_id
            element = self._styles.get(current)
            while element is not None and current not in seen:  # a loop of basedOn ends
                seen.add(current)
                chain.append(element.find(qn("w:rPr")))
                based = element.find(qn("w:basedOn"))
                current = (based.get(W_VAL) or "") if based is not None else ""
                element = self._styles.get(current)
            self._chains[style_id] = chain[::-1]
        return self._chains[style_id]

    def of(self, run: Any, paragraph_style: str) -> RunLook:
        """The effective properties of run `run` in a paragraph of style `paragraph_style`."""
        rpr = run.find(qn("w:rPr"))
        char_style = rpr.find(qn("w:rStyle")) if rpr is not None else None
        key = (paragraph_style, char_style.get(W_VAL) or "" if char_style is not None else "")
        look = self._resolved.get(key)
        if look is None:
            look = self._default
            for element in self.chain(key[0]) + (self.chain(key[1]) if key[1] else []):
                look = applied(look, element)
            self._resolved[key] = look
        return applied(look, rpr)


def unseen(look: RunLook, run: Any, background: str) -> str:
    """Why a reader does not see a run ("" when they do): hidden, a colour on itself, a dot."""
    if look.vanish:
        return "hidden (Word's hidden text)"
    if 0 < look.size < MIN_HALF_POINTS:
        return f"set at {look.size / 2:g} pt"
    shade = _shading(run) or background
    if look.color and contrast(look.color, shade) < MIN_CONTRAST:
        return f"coloured #{look.color} on #{shade}"
    return ""


def _shading(element: Any) -> str:
    """The fill colour of a run's own shading or highlight ("" for none)."""
    rpr = element.find(qn("w:rPr"))
    if rpr is None:
        return ""
    shd = rpr.find(qn("w:shd"))
    fill = (shd.get(qn("w:fill")) or "").upper() if shd is not None else ""
    return fill if fill not in ("", "AUTO") else ""


def fill_of(element: Any, properties: str) -> str:
    """The shading fill of a paragraph (`w:pPr`) or a table cell (`w:tcPr`), or ""."""
    shd = element.find(f"{qn(properties)}/{qn('w:shd')}")
    fill = (shd.get(qn("w:fill")) or "").upper() if shd is not None else ""
    return fill if fill not in ("", "AUTO") else ""


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two RRGGBB colours (1 for the same, 21 for black on white)."""
    return ratio(_luminance(one), _luminance(other))


def _luminance(color: str) -> float:
    try:
        red, green, blue = (int(color[k:k + 2], 16) / 255 for k in (0, 2, 4))
    except ValueError:
        return 0.0  # not a colour Word would draw: take it as black
    return luminance(red, green, blue)
