"""The words a PDF's shown strings spell: each font's ToUnicode map (bfchar, bfrange; one- or
two-byte codes), read on first use and kept for the file."""
from __future__ import annotations

import re
from typing import Any

import pikepdf


#: the most codes one font's map may give (two-byte codes: 65,536, and some room)
MAX_CODES = 1 << 17


class Fonts:
    """Each font's ToUnicode map, read on first use: decodes the words of shown strings."""

    _HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
    _BLOCK = re.compile(rb"begin(bfchar|bfrange|codespacerange)(.*?)end\1", re.DOTALL)
    _RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")

    def __init__(self) -> None:
        self.maps: dict[Any, tuple[int, dict[bytes, str]] | None] = {}

    def decode(self, font: Any, operands: Any) -> str:
        """The text a text-showing operator's operands show in this font ('\ufffd' where a code
        has no text)."""
        if not operands:
            return ""
        operand = operands[-1]
        pieces = operand if isinstance(operand, pikepdf.Array) else [operand]
        data = b"".join(bytes(p) for p in pieces if isinstance(p, pikepdf.String))
        known = self._map(font)
        if known is None:
            return data.decode("latin-1")
        width, codes = known
        return "".join(codes.get(data[i:i + width], "\ufffd") for i in range(0, len(data), width))

    def _map(self, font: Any) -> tuple[int, dict[bytes, str]] | None:
        if not isinstance(font, pikepdf.Object) or font.objgen == (0, 0):  # written inline: no key
            try:
                return self._read(font)
            except (pikepdf.PdfError, ValueError, TypeError, KeyError):
                return None
        key = font.objgen
        if key not in self.maps:
            try:
                self.maps[key] = self._read(font)
            except (pikepdf.PdfError, ValueError, TypeError, KeyError):
                self.maps[key] = None
        return self.maps[key]

    def _read(self, font: Any) -> tuple[int, dict[bytes, str]] | None:
        if not isinstance(font, pikepdf.Dictionary):
            return None
        two = font.get("/Subtype") == "/Type0"
        stream = font.get("/ToUnicode")
        if not isinstance(stream, pikepdf.Stream):
            return (2, {}) if two else None
        codes: dict[bytes, str] = {}
        width = 2 if two else 1
        for kind, body in self._BLOCK.findall(stream.read_bytes()):
            if kind == b"codespacerange":
                found = self._HEX.findall(body)
                width = len(bytes.fromhex(found[0].decode())) if found else width
            elif kind == b"bfchar":
                values = self._HEX.findall(body)
                codes.update((bytes.fromhex(s.decode()), _utf16(d)) for s, d in zip(values[::2], values[1::2]))
            else:
                self._ranges(body, codes)
        return width, codes

    def _ranges(self, body: bytes, codes: dict[bytes, str]) -> None:
        for low, high, target in self._RANGE.findall(body):
            start, end, size = int(low, 16), int(high, 16), len(low) // 2
            if end - start > 65535 or len(codes) > MAX_CODES:  # no font has more: a damaged map
                continue
            if target.startswith(b"["):
                targets = [_utf16(t) for t in self._HEX.findall(target)]
                codes.update((n.to_bytes(size, "big"), t) for n, t in zip(range(start, end + 1), targets))
                continue
            first = _utf16(target[1:-1])
            for n in range(start, end + 1):
                codes[n.to_bytes(size, "big")] = first[:-1] + chr(ord(first[-1]) + n - start) if first else ""


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", errors="replace")
