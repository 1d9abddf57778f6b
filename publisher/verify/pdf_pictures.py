"""How a PDF draws each picture: squashed, mirrored, inverted, clipped away or masked to nothing."""
from __future__ import annotations

import math
from typing import Any

import pikepdf

from .pdf_paint import Box, Matrix, empty

#: a soft mask larger than this (pixels) is not decoded to see whether it hides its picture
MAX_MASK = 25_000_000


class Pictures:
    """How each picture is drawn: the checks on one image XObject and its placement."""

    #: drawn aspect ratio may differ from the picture's own by this much (rounding, 1-pixel crops)
    TOLERANCE = 0.03

    def __init__(self) -> None:
        self.masks: dict[tuple[int, int], bool] = {}

    def problem(self, image: Any, ctm: Matrix, alpha: float, on_page: bool, seen: Box) -> str:
        """'' when the picture shows as it is (`seen`: the part of it inside the clip and the
        page); else how it is drawn wrong."""
        if empty(seen) or (seen[2] - seen[0]) * (seen[3] - seen[1]) < 1.0:
            return "is clipped away" if on_page else "is drawn off the page"
        if alpha <= 0.01 or self._masked_away(image):
            return "is drawn fully transparent"
        if self._inverted(image):
            return "is drawn inverted (its /Decode array reverses the colours)"
        return self._shape(image, ctm)

    def _shape(self, image: Any, ctm: Matrix) -> str:
        a, b, c, d = ctm[:4]
        if a * d - b * c < 0:
            return "is drawn mirrored"
        if abs(b) < 1e-6 and abs(c) < 1e-6 and a < 0 and d < 0:
            return "is drawn upside down"
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        drawn_w, drawn_h = math.hypot(a, b), math.hypot(c, d)
        if width <= 0 or height <= 0 or drawn_h <= 0:
            return ""
        if abs((drawn_w / drawn_h) / (width / height) - 1) <= self.TOLERANCE:
            return ""
        common = math.gcd(width, height)
        return (f"is drawn squashed ({drawn_w:.0f}×{drawn_h:.0f} pt for a "
                f"{width // common}:{height // common} picture)")

    @staticmethod
    def _inverted(image: Any) -> bool:
        decode = image.get("/Decode")
        if image.get("/ImageMask", False) or not isinstance(decode, pikepdf.Array):
            return _adobe_cmyk(image)
        values = [float(v) for v in decode]
        reversed_ = any(low > high for low, high in zip(values[::2], values[1::2]))
        return reversed_ != _adobe_cmyk(image)

    def _masked_away(self, image: Any) -> bool:
        """Whether the picture's soft mask lets nothing of it through (read once per mask)."""
        mask = image.get("/SMask")
        if not isinstance(mask, pikepdf.Stream):
            return False
        if int(mask.get("/Width", 0)) * int(mask.get("/Height", 0)) > MAX_MASK:
            return False  # not decoded: a bomb, or a mask larger than any picture here
        if mask.objgen not in self.masks:
            try:
                low, high = pikepdf.PdfImage(mask).as_pil_image().getextrema()
                self.masks[mask.objgen] = low == 255 if self._inverted(mask) else high == 0
            except (pikepdf.PdfError, NotImplementedError, ValueError, TypeError, OSError):
                self.masks[mask.objgen] = False
        return self.masks[mask.objgen]


def _adobe_cmyk(image: Any) -> bool:
    """A CMYK JPEG from Adobe software stores its inks inverted (its APP14 marker says so):
    there the reversing /Decode array is what shows it as it is, and its absence inverts it."""
    if image.get("/Filter") != "/DCTDecode" or image.get("/ColorSpace") != "/DeviceCMYK":
        return False
    try:
        return b"Adobe" in image.read_raw_bytes()[:65536]
    except pikepdf.PdfError:
        return False
