"""How far apart two colours are for a reader: WCAG 2 relative luminance and contrast ratio.

One measure for every edition: a DOCX run on its shading, CSS text on its background, PDF
text on what was painted beneath it.
"""
from __future__ import annotations


def luminance(red: float, green: float, blue: float) -> float:
    """The relative luminance (0 black … 1 white) of an sRGB colour, channels from 0 to 1."""
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def ratio(one: float, other: float) -> float:
    """The contrast ratio of two luminances: 1 for the same, 21 for black on white."""
    lighter, darker = max(one, other), min(one, other)
    return (lighter + 0.05) / (darker + 0.05)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
