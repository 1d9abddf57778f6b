"""What the command line shows on a terminal: a status line while a build works, colour in
its messages, stage timings with --verbose. None of it when the output is not a terminal
(make, a pipe, a log file), and no colour when NO_COLOR is set (https://no-color.org)."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import unicodedata
from typing import Iterator, TextIO

#: the command line's choices (set once by `configure`; a forked PDF worker inherits them)
SETTINGS = {"status": False, "verbose": False}

_COLOURS = {"error": "1;31", "warning": "33", "ok": "32", "differ": "1;31", "note": "36"}


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """A status line only on a terminal and not with --quiet; timings with --verbose."""
    SETTINGS["status"] = not quiet and _is_terminal(sys.stderr)
    SETTINGS["verbose"] = verbose


def command_name() -> str:
    """The program as the user typed it (`.venv/bin/publisher`), for hints to copy and run."""
    typed = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if typed in ("__main__.py", "-c", "") or typed.endswith(".py"):
        return "publisher"
    return sys.argv[0] if os.sep in sys.argv[0] else typed


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced by an object without a file, or closed
        return False


def colour_wanted(stream: TextIO | None) -> bool:
    """Colour on a terminal that shows it, never with NO_COLOR (any value but empty)."""
    return _is_terminal(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def paint(text: str, kind: str, stream: TextIO | None) -> str:
    """`text` in the colour of `kind` (error, warning, ok, differ, note) when `stream` shows colour."""
    if kind not in _COLOURS or not colour_wanted(stream):
        return text
    return f"\x1b[{_COLOURS[kind]}m{text}\x1b[0m"


def status(text: str) -> None:
    """Replace the status line (a terminal's last line) with `text`."""
    if SETTINGS["status"]:
        sys.stderr.write("\r\x1b[K" + fitted(text, _columns() - 1))
        sys.stderr.flush()


def fitted(text: str, columns: int) -> str:
    """`text` cut to fit `columns` terminal cells (a Chinese character takes two): a status line
    that wrapped could not be taken back by a carriage return."""
    cells, out = 0, list[str]()
    for char in text:
        width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if cells + width > columns - 1:
            return "".join(out) + "…"
        cells += width
        out.append(char)
    return text


def clear_status() -> None:
    """Take the status line away before lines that stay (wrote …, errors, the verdict)."""
    if SETTINGS["status"]:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _columns() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    return columns if columns > 10 else 80  # a pseudo-terminal may say 0


def note(text: str) -> None:
    """A line for --verbose: what a stage did and how long it took."""
    if SETTINGS["verbose"]:
        clear_status()
        print(f"publisher: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    """Show `what` on the status line while it runs; with --verbose, say how long it took."""
    status(f"{what} …")
    start = time.perf_counter()
    yield
    note(f"{what}: {time.perf_counter() - start:.2f} s")


class _PagesOnStatusLine(logging.Handler):
    """WeasyPrint's progress log ('Step 5 - Creating layout - Page 12') as a status line."""

    def __init__(self, label: str) -> None:
        super().__init__(logging.INFO)
        self.label = label
        self.pages = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Creating layout - Page" in message:
            self.pages = max(self.pages, int(message.rsplit("Page ", 1)[1].split()[0]))
            status(f"{self.label}: laying out page {self.pages}")
        elif "Creating PDF" in message:
            status(f"{self.label}: writing {self.pages} page{'s' if self.pages != 1 else ''}")


@contextlib.contextmanager
def layout_progress(logger_name: str, label: str) -> Iterator[None]:
    """While a PDF renders, its page count on the status line (from the renderer's progress logger)."""
    if not SETTINGS["status"]:
        yield
        return
    logger = logging.getLogger(logger_name)
    handler, level = _PagesOnStatusLine(label), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
