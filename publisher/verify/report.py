"""The verifier's verdict as a table with one line per difference, or as JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..terminal import command_name, paint
from .difference import KINDS

if TYPE_CHECKING:
    from . import Result

#: differences listed per edition in the table view (a wrong file would list thousands)
MAX_LINES = 100


def as_text(source: Path, results: list["Result"], seconds: float) -> str:
    """A table per edition (headings / figures / numbers / text), then each difference."""
    width = max(len("edition"), *(len(str(r.path)) for r in results))
    header = f"{'edition':<{width}}  " + "  ".join(f"{k:<9}" for k in KINDS)
    lines = [f"verify {source}", header.rstrip()]
    for result in results:
        cells = [_cell(result, kind) for kind in KINDS]
        lines.append(f"{str(result.path):<{width}}  " + "  ".join(_painted(f"{c:<9}") for c in cells).rstrip())
    stale = [str(r.path) for r in results if r.stale]
    if stale:
        lines.append(paint("note:", "note", sys.stdout) + f" {source} is newer than {', '.join(stale)}: rebuild "
                     f"{'it' if len(stale) == 1 else 'them'} first ('{command_name()} build {source}')")
    for result in results:
        lines += [f"{result.fmt}: {d.message()}" for d in result.differences[:MAX_LINES]]
        if len(result.differences) > MAX_LINES:
            more = len(result.differences) - MAX_LINES
            lines.append(f"{result.fmt}: … and {more} more (--json lists all)")
    lines.append(_summary(results, seconds))
    return "\n".join(lines)


def _painted(cell: str) -> str:
    """A table cell in green (ok) or red (differ) on a terminal that shows colour."""
    return paint(cell, "ok" if cell.startswith("ok") else "differ", sys.stdout)


def _cell(result: "Result", kind: str) -> str:
    count = sum(1 for d in result.differences if d.kind == kind)
    return "ok" if not count else f"{count} differ"


def _summary(results: list["Result"], seconds: float) -> str:
    differing = [r for r in results if not r.agrees]
    if not differing:
        agree = "the edition agrees" if len(results) == 1 else f"all {len(results)} editions agree"
        return f"{agree} with the source ({seconds:.2f} s)"
    count = sum(len(r.differences) for r in differing)
    return (f"{len(differing)} of {len(results)} editions differ from the source: "
            f"{count} difference{'s' if count != 1 else ''} ({seconds:.2f} s)")


def as_json(source: Path, results: list["Result"], seconds: float) -> str:
    """The same verdict for programs: one object with every edition and difference."""
    data: dict[str, Any] = {
        "source": str(source),
        "agree": all(r.agrees for r in results),
        "seconds": round(seconds, 3),
        "editions": [_edition(r) for r in results],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _edition(result: "Result") -> dict[str, Any]:
    return {
        "format": result.fmt,
        "file": str(result.path),
        "agree": result.agrees,
        "stale": result.stale,
        "seconds": round(result.seconds, 3),
        "checks": {kind: sum(1 for d in result.differences if d.kind == kind) for kind in KINDS},
        "differences": [{"kind": d.kind, "change": d.change, "expected": d.expected,
                         "found": d.found, "section": d.section, "paragraph": d.paragraph,
                         "page": d.page, "line": d.line, "message": f"{result.fmt}: {d.message()}"}
                        for d in result.differences],
    }
