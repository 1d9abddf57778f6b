"""What an element looks like to a reader: the computed values that decide whether its text
is seen (visibility, opacity, the font size, the text colour on its background, the indent),
from the declared values the cascade (verify/css.py) gives; verify/css_boxes.py says what hides
a whole element."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

from .css_boxes import OFF_SCREEN, gone_by
from .css_values import (CURRENT, INVALID, MIN_ALPHA, Rgba, Tokens, Values, colour_of, contrast, font_size,
                         fraction, functions, hex_of, keyword, length, substitute, words)

#: text smaller than this (px) is a dot, not text (the DOCX side: 1.5pt)
MIN_FONT_PX = 2.0

#: colours closer than this contrast ratio (WCAG; 1 = the same) are one colour to a reader
MIN_CONTRAST = 1.25

_NO_CUSTOM: Mapping[str, Tokens] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Look:
    """What decides whether the text of an element is seen; children start from their parent's."""
    #: why nothing inside is seen (display: none …): no descendant can undo it
    gone: str = ""
    #: why the element's own text is not seen by visibility (a descendant may be visible again)
    hidden: str = ""
    #: the font size in px
    font: float = 16.0
    #: the text colour, None where the reader's own (not declared)
    color: Rgba | None = None
    #: -webkit-text-fill-color, None where the text colour fills the text
    fill: Rgba | None = None
    #: the nearest declared background behind the element, None where the reader's own
    background: Rgba | None = None
    #: text-indent in px
    indent: float = 0.0
    #: the opacity the element is drawn with (its own times its ancestors')
    opacity: float = 1.0
    #: custom properties (--name), inherited
    custom: Mapping[str, Tokens] = field(default_factory=lambda: _NO_CUSTOM)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_why", self._unseen())

    def unseen(self) -> str:
        """Why text with this look is not seen ("" when it is)."""
        return self._why  # type: ignore[attr-defined, no-any-return]

    def _unseen(self) -> str:
        if self.gone or self.hidden:
            return self.gone or self.hidden
        if self.font < MIN_FONT_PX:
            return f"font-size {self.font:.3g}px"
        ink = self.fill or self.color
        if ink is not None and ink[3] < MIN_ALPHA:
            return "a transparent text colour"
        if ink is not None and self.background is not None and contrast(ink, self.background) < MIN_CONTRAST:
            return f"text coloured {hex_of(ink)} on {hex_of(self.background)}"
        if self.indent <= -OFF_SCREEN:
            return f"text-indent {self.indent:.0f}px, off the page"
        return ""


def computed(parent: Look, values: Values) -> Look:
    """The look of an element with declared `values`, inside `parent`."""
    if not values:
        return parent
    custom = _customs(parent.custom, values)
    values = {name: resolved for name, tokens in values.items() if not name.startswith("--")
              for resolved in [substitute(tokens, custom)] if resolved is not None}
    font = font_size(values.get("font-size"), parent.font)
    color = _colour(values.get("color"), parent.color)
    opacity = parent.opacity * _opacity(values)
    gone = parent.gone or gone_by(values, font) or (f"opacity {opacity:.2g}" if opacity < MIN_ALPHA else "")
    return replace(parent, gone=gone, hidden=_hidden(values.get("visibility"), parent.hidden), font=font,
                   color=color, fill=_colour(values.get("-webkit-text-fill-color"), parent.fill, color),
                   background=_background(values, parent.background),
                   indent=_indent(values.get("text-indent"), parent.indent, font),
                   opacity=opacity, custom=custom)


def _customs(inherited: Mapping[str, Tokens], values: Values) -> Mapping[str, Tokens]:
    own = {name: tokens for name, tokens in values.items() if name.startswith("--")}
    return MappingProxyType({**inherited, **own}) if own else inherited


def _opacity(values: Values) -> float:
    own = fraction(words(values.get("opacity")))
    for function in functions(values.get("filter"), ("opacity",)):
        own *= fraction(words(function.arguments))
    return own


def _hidden(tokens: Tokens | None, inherited: str) -> str:
    name = keyword(tokens)
    if name in ("hidden", "collapse"):
        return f"visibility: {name}"
    return "" if name in ("visible", "initial") else inherited


def _colour(tokens: Tokens | None, inherited: Rgba | None, current: Rgba | None = None) -> Rgba | None:
    name = keyword(tokens)
    if tokens is None or name in ("inherit", "unset"):
        return inherited
    if name in ("initial", "revert", "revert-layer"):
        return None
    parts = words(tokens)
    colour = colour_of(parts[0]) if len(parts) == 1 else INVALID
    if colour == CURRENT:
        return current if current is not None else inherited
    return inherited if isinstance(colour, str) else colour


def _background(values: Values, inherited: Rgba | None) -> Rgba | None:
    """The background behind the text: a declared opaque colour, else the parent's;
    a background picture or gradient makes it unknown."""
    if any(t.type == "url" or (t.type == "function" and (t.lower_name == "url" or "gradient" in t.lower_name
                                                          or t.lower_name == "image-set"))
           for t in words(values.get("background-image"))):
        return None
    tokens = values.get("background-color")
    if tokens is None:
        return inherited
    parts = words(tokens)
    colour = colour_of(parts[0]) if len(parts) == 1 else INVALID
    if isinstance(colour, str):
        return inherited
    if colour is None:
        return None
    return colour if colour[3] >= 0.5 else inherited


def _indent(tokens: Tokens | None, inherited: float, font: float) -> float:
    if tokens is None or keyword(tokens) in ("inherit", "unset"):
        return inherited
    value = length(words(tokens)[0], font) if words(tokens) else None
    return value if value is not None else 0.0 if keyword(tokens) == "initial" else inherited
