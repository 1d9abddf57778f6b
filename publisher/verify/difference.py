"""A difference between an edition and the source, and how it reads in the report."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..typography import normalise_punctuation

#: the four checks, in report order
KINDS = ("headings", "figures", "numbers", "text", "structure")
_NOUNS = {"headings": "heading", "figures": "figure", "numbers": "number", "text": "text",
          "structure": "structure"}


@dataclass
class Difference:
    """One way an edition differs from the source."""
    kind: str  # one of KINDS
    #: missing | extra | changed, or what else differs: level, not-in-text, caption, image, order,
    #: hidden (text no reader sees), moved, spacing, merged …
    change: str
    expected: str = ""
    found: str = ""
    section: str = ""
    paragraph: int = 0
    page: int = 0
    #: the source line, where the difference was found by line (the second reading)
    line: int = 0
    #: the compared (normalised) source text a difference is about (so that another check does
    #: not name it again); not reported
    about: str = field(default="", compare=False, repr=False)

    def where(self) -> str:
        """' in "A 党的创新理论…", paragraph 4, page 2, source line 31' as far as known."""
        parts = [f'in "{short(self.section, 10)}"'] if self.section else []
        if self.paragraph:
            parts.append(f"paragraph {self.paragraph}")
        if self.page:
            parts.append(f"page {self.page}" if parts else f"on page {self.page}")
        parts += [f"source line {self.line}"] if self.line else []
        return (" " + ", ".join(parts)) if parts else ""

    def message(self) -> str:
        """One line naming what differs, e.g. 'number 98次 → 89次 in "A 党的…", paragraph 4'.

        Texts are compared with full-width marks folded (，→ ,); they are shown with the marks
        a Chinese reader sees (and the editions print) again."""
        what, expected, found = _NOUNS[self.kind], normalise_punctuation(self.expected), normalise_punctuation(self.found)
        if self.change == "changed":
            return f"{what} {expected} → {found}{self.where()}"
        if self.change == "missing":
            return f"{what} missing: {expected}{self.where()}"
        if self.change == "extra":
            return f"extra {what}: {found}{self.where()}"
        return f"{what} {expected} {found}{self.where()}"


def short(text: str, size: int) -> str:
    """`text` cut to `size` characters with an ellipsis."""
    return text if len(text) <= size else text[:size] + "…"


def quote(text: str) -> str:
    """`text` in double quotes, as the report shows source text."""
    return f'"{text}"'
