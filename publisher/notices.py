"""Warnings for editors: one line each with file:line and cause, collected while reading."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import one_line


@dataclass(frozen=True)
class Notice:
    """One warning: something built, but an editor should know (or fix) it."""
    cause: str
    file: str = ""
    line: int | None = None
    hint: str = ""

    def message(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        hint = f" ({self.hint})" if self.hint else ""
        return one_line(f"{where}{self.cause}{hint}")


class Notices:
    """The warnings of one read; each said once."""

    def __init__(self, path: Path | str) -> None:
        self.file = str(path)
        self.items: list[Notice] = []
        #: the source's text, for warnings that find their line in it
        self.source_text = ""

    def warn(self, cause: str, line: int | None = None, hint: str = "") -> None:
        notice = Notice(cause, self.file, line, hint)
        if notice not in self.items:
            self.items.append(notice)
