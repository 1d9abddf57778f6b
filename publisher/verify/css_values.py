"""CSS values as the verifier reads them: tokens, keywords, lengths in px, colours and their
contrast, and var() substitution. Lengths assume a 1280×800 screen and a 16px root font."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from tinycss2 import color4, parse_component_value_list, serialize

from .contrast import luminance, ratio

Tokens = list[Any]
Rgba = tuple[float, float, float, float]
Values = dict[str, Tokens]

#: an opacity or colour alpha below this is not seen
MIN_ALPHA = 0.1

#: px per unit; em, ex, ch, lh and % depend on the font or the box
UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4,
         "q": 96 / 101.6, "rem": 16.0, "vw": 12.8, "vh": 8.0, "vmin": 8.0, "vmax": 12.8,
         "svw": 12.8, "svh": 8.0, "lvw": 12.8, "lvh": 8.0, "dvw": 12.8, "dvh": 8.0}

FONT_UNITS = {"em": 1.0, "ex": 0.5, "ch": 0.5, "cap": 0.7, "ic": 1.0, "lh": 1.2, "rlh": 1.2}

FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                 "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}

#: the width a percentage of the containing block is taken of
COLUMN_PX = 600.0


def words(tokens: Tokens | None) -> Tokens:
    """The tokens without whitespace."""
    return [t for t in tokens or [] if t.type != "whitespace"]


def keyword(tokens: Tokens | None) -> str:
    """The one identifier a value is ("" when it is something else)."""
    parts = words(tokens)
    return parts[0].lower_value if len(parts) == 1 and parts[0].type == "ident" else ""


def length(token: Any, font: float, base: float | None = COLUMN_PX) -> float | None:
    """One length token in px (None when it is not a length, or relative to what is not known)."""
    if token.type == "dimension":
        unit = token.lower_unit
        if unit in UNITS:
            return float(token.value) * UNITS[unit]
        return float(token.value) * font * FONT_UNITS[unit] if unit in FONT_UNITS else None
    if token.type == "percentage":
        return float(token.value) / 100 * base if base is not None else None
    if token.type == "number" and token.value == 0:
        return 0.0
    return None


def first_length(tokens: Tokens | None, font: float, base: float | None = COLUMN_PX) -> float | None:
    """The length a one-length value gives (None for anything else)."""
    parts = words(tokens)
    return length(parts[0], font, base) if len(parts) == 1 else None


def font_size(tokens: Tokens | None, parent: float) -> float:
    """The computed font size in px."""
    name = keyword(tokens)
    if name in FONT_KEYWORDS:
        return FONT_KEYWORDS[name]
    if name in ("larger", "smaller"):
        return parent * 1.2 if name == "larger" else parent / 1.2
    if name in ("initial", "revert", "revert-layer"):
        return 16.0
    size = first_length(tokens, parent, base=parent)
    return size if size is not None and size >= 0 else parent


def font_shorthand_size(tokens: Tokens) -> Tokens | None:
    """The font-size part of a `font` shorthand ('font: 0/0 a' → 0)."""
    for token in words(tokens):
        if token.type in ("dimension", "percentage") or (token.type == "number" and token.value == 0):
            return [token]
        if token.type == "ident" and (token.lower_value in FONT_KEYWORDS or token.lower_value in ("larger", "smaller")):
            return [token]
    return None


def fraction(parts: Tokens) -> float:
    if len(parts) == 1 and parts[0].type == "number":
        return max(0.0, min(1.0, float(parts[0].value)))
    if len(parts) == 1 and parts[0].type == "percentage":
        return max(0.0, min(1.0, float(parts[0].value) / 100))
    return 1.0


def functions(tokens: Tokens | None, names: Iterable[str] | None) -> Tokens:
    wanted = set(names) if names is not None else None
    return [t for t in words(tokens) if t.type == "function" and (wanted is None or t.lower_name in wanted)]


def arguments(function: Any) -> Tokens:
    return [t for t in function.arguments if t.type not in ("whitespace", "literal")]


def number(token: Any, font: float) -> float | None:
    """A transform argument: a number, a percentage as a fraction, an angle in degrees, a length."""
    if token.type == "number":
        return float(token.value)
    if token.type == "percentage":
        return float(token.value) / 100
    if token.type == "dimension" and token.lower_unit in ("deg", "rad", "turn", "grad"):
        factor = {"deg": 1.0, "rad": 57.29577951308232, "turn": 360.0, "grad": 0.9}[token.lower_unit]
        return float(token.value) * factor
    return length(token, font)


#: what colour_of gives for a token that is no colour, and for currentcolor
INVALID, CURRENT = "invalid", "currentcolor"


def colour_of(token: Any) -> Rgba | None | str:
    """A colour token as RGBA, CURRENT, None (a colour of unknown RGB) or INVALID."""
    try:
        colour = color4.parse_color(token)
    except (TypeError, ValueError, AttributeError):
        return INVALID
    if colour is None:
        return INVALID
    if isinstance(colour, str):
        return CURRENT
    alpha = float(colour.alpha)
    try:
        r, g, b = colour.to("srgb").coordinates
    except (NotImplementedError, AttributeError, ValueError):
        return (0.0, 0.0, 0.0, alpha) if alpha < MIN_ALPHA else None  # oklch, lab…: only its alpha is known
    return (float(r), float(g), float(b), alpha)


def contrast(one: Rgba, other: Rgba) -> float:
    """The WCAG contrast ratio of two colours (1 for the same, 21 for black on white)."""
    return ratio(luminance(*one[:3]), luminance(*other[:3]))


def hex_of(colour: Rgba) -> str:
    """#rrggbb of a colour."""
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in colour[:3])


def substitute(tokens: Tokens, custom: Mapping[str, Tokens], depth: int = 0) -> Tokens | None:
    """`tokens` with each var() replaced by its custom property (None: invalid at computed time)."""
    if depth > 8:
        return None
    out: Tokens = []
    for token in tokens:
        if token.type == "function" and token.lower_name == "var":
            name, fallback = _var_parts(token.arguments)
            value = custom.get(name, fallback)
            value = substitute(value, custom, depth + 1) if value is not None else None
            if value is None:
                return None
            out += value
        elif token.type == "function" and _has_var(token.arguments):
            inner = substitute(token.arguments, custom, depth + 1)
            if inner is None:
                return None
            out += parse_component_value_list(f"{token.name}({serialize(inner)})")
        else:
            out.append(token)
    return out


def _has_var(tokens: Tokens) -> bool:
    return any(t.type == "function" and (t.lower_name == "var" or _has_var(t.arguments)) for t in tokens)


def _var_parts(arguments: Tokens) -> tuple[str, Tokens | None]:
    words = [t for t in arguments if t.type != "whitespace"]
    name = words[0].value if words and words[0].type == "ident" else ""
    comma = next((k for k, t in enumerate(arguments) if t.type == "literal" and t.value == ","), None)
    return name, (arguments[comma + 1:] if comma is not None else None)
