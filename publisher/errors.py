"""Errors meant for editors: one line naming the file, the line and the cause."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

#: characters that would break a message over lines (str.splitlines splits at each) or that a
#: terminal acts on: shown escaped, so one problem is always one line
_BREAKING = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with line breaks and control characters escaped ('a\\nb'): one line, whatever a source holds."""
    return _BREAKING.sub(lambda m: repr(m.group())[1:-1], text)


class PublisherError(Exception):
    """Bad input or usage; the CLI prints `str(error)` and exits with code 2."""

    exit_code = 2

    def __init__(self, cause: str, file: str | Path | None = None,
                 line: int | None = None, hint: str = "") -> None:
        self.cause, self.file, self.line, self.hint = cause, file, line, hint
        super().__init__(self.message())

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Keep file, line and hint when the error crosses a process boundary."""
        return (self.__class__, (self.cause, self.file, self.line, self.hint))

    def message(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        hint = f" ({self.hint})" if self.hint else ""
        return one_line(f"{where}{self.cause}{hint}")


class SourceError(PublisherError):
    """The Markdown source or its front matter is wrong."""


class LayoutError(PublisherError):
    """A layout is missing or broken: named by its path from the current folder when it lies
    inside it (layouts/tabloid/layout.yaml:7), as source files are."""

    def __init__(self, cause: str, file: str | Path | None = None,
                 line: int | None = None, hint: str = "") -> None:
        super().__init__(cause, _from_here(file), line, hint)


def _from_here(file: str | Path | None) -> str | Path | None:
    """`file` relative to the current folder, if it is an absolute path inside it."""
    if file is None or not os.path.isabs(file):
        return file
    try:
        return Path(file).relative_to(Path.cwd())
    except (ValueError, OSError):
        return file


class ResourceError(PublisherError):
    """An image or other resource is missing, unsafe or unreadable."""


class RenderError(PublisherError):
    """A renderer could not produce its edition."""


class PrintOnly(RenderError):
    """The print edition alone cannot be made from this source: the other editions are built."""


class MissingGlyphs(PrintOnly):
    """The print edition needs a character no installed font has: it alone is not built."""


class Unprintable(PrintOnly):
    """More than print can set in bounded time (a 1 MB URL, 50,000 headings): it alone is not built."""


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line where `needle` first occurs in `text`, if it does."""
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


class Several(PublisherError):
    """Several problems of one file, reported together (one line each)."""

    def __init__(self, errors: list[Any]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.cause, first.file, first.line, first.hint)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.errors,))

    def message(self) -> str:
        return "\n".join(error.message() for error in self.errors)


class SourceErrors(Several, SourceError):
    """Several problems of one source (its front matter, its pictures)."""

    errors: list[SourceError]


class LayoutErrors(Several, LayoutError):
    """Several problems of one layout.yaml."""

    errors: list[LayoutError]
