"""Where brackets close, found in one pass over a text (linear time for link syntax).

Python-Markdown finds the `]` that closes a link's text, and the `)` that closes its
destination, by scanning forward from each opening bracket: a paragraph of 20,000 `[`
takes minutes (each scan runs to the end). `Closings` answers the same question for
every bracket of a text from one pass, so the reader stays linear (see markdown_body).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass
class Closings:
    """For one text and one pair of brackets: where a count started at 1 reaches 0."""
    text: str
    opening: str
    closing: str
    #: balance (openings − closings) before each position → the positions where it has that value
    _where: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _balance: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        balance = 0
        self._balance.append(0)
        self._where.setdefault(0, []).append(0)
        for pos, char in enumerate(self.text, 1):
            if char == self.opening:
                balance += 1
            elif char == self.closing:
                balance -= 1
            self._balance.append(balance)
            self._where.setdefault(balance, []).append(pos)

    def close_of(self, index: int) -> int:
        """The position of the bracket that closes one opened just before `index` (nested pairs
        counted), or -1 when none does: what scanning forward with a counter would find."""
        wanted = self._where.get(self._balance[index] - 1, [])
        found = bisect.bisect_right(wanted, index)
        return wanted[found] - 1 if found < len(wanted) else -1


class Finder:
    """Closings of the text last asked about (Python-Markdown asks many times about one text)."""

    def __init__(self, opening: str, closing: str) -> None:
        self.opening, self.closing = opening, closing
        self._last: Closings | None = None

    def __call__(self, text: str) -> Closings:
        if self._last is None or self._last.text is not text:
            self._last = Closings(text, self.opening, self.closing)
        return self._last


class Marks:
    """The positions of some characters in the text last asked about, to find the next at once."""

    def __init__(self, chars: str) -> None:
        self.chars = chars
        self._text: str | None = None
        self._positions: list[int] = []

    def next_of(self, text: str, start: int) -> int:
        """The first position at or after `start` of one of the characters, or -1."""
        if self._text is not text:
            self._text = text
            self._positions = [pos for pos, char in enumerate(text) if char in self.chars]
        found = bisect.bisect_left(self._positions, start)
        return self._positions[found] if found < len(self._positions) else -1
