"""Verify: read the written editions back and compare them with the source model.

Each extractor opens one written file and returns EditionFacts without seeing the
model; `compare` sets those facts beside the model's and names every difference.
"""
from __future__ import annotations

import contextlib
import sys
import importlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import reader
from ..errors import PublisherError
from ..model import Document
from ..parallel import Beside
from ..runtime import fewer_collections
from ..terminal import command_name
from . import compare, report
from .difference import Difference
from .edition import EditionFacts
from .expected import Expected, expect

#: every edition format the verifier reads: name → module with `extract(path) -> EditionFacts`
EXTRACTORS: dict[str, str] = {
    "pdf": "publisher.verify.pdf",
    "docx": "publisher.verify.docx",
    "html": "publisher.verify.html",
    "epub": "publisher.verify.epub",
}

Extract = Callable[[Path], EditionFacts]


@dataclass
class Result:
    """The verdict on one edition file."""
    fmt: str
    path: Path
    differences: list[Difference]
    seconds: float
    #: the source changed after this edition was written: differences may be edits not built yet
    stale: bool = False

    @property
    def agrees(self) -> bool:
        return not self.differences


def extractor(fmt: str) -> Extract:
    """The extract function of format `fmt` (imported on first use)."""
    module = importlib.import_module(EXTRACTORS[fmt])
    return module.extract  # type: ignore[no-any-return]


def find_editions(doc: Document, editions: list[Path], out_dir: Path, typed: Path | None = None) -> list[Path]:
    """The edition files to check: those given, or every `<stem>.<format>` in `out_dir`."""
    for path in editions:
        if path.suffix.lower().lstrip(".") not in EXTRACTORS:
            raise PublisherError("cannot verify this file type", path,
                                 hint="give .pdf, .docx, .html or .epub editions")
        if not path.is_file():
            raise PublisherError("edition not found", path, hint=f"build it first with '{command_name()} build'")
    found = editions or [out_dir / f"{doc.stem}.{fmt}" for fmt in EXTRACTORS
                         if (out_dir / f"{doc.stem}.{fmt}").is_file()]
    if not found:
        raise PublisherError(f"no editions of {doc.source.name} in {out_dir}",
                             hint=f"run '{command_name()} build {typed or doc.source} --out {out_dir}' first")
    if not editions and len(found) < len(EXTRACTORS):  # not asked for by name: say what is not there
        missing = [str(out_dir / f"{doc.stem}.{fmt}") for fmt in EXTRACTORS if out_dir / f"{doc.stem}.{fmt}" not in found]
        print(f"publisher: note: not found, not checked: {', '.join(missing)}", file=sys.stderr)
    return found


def extract_timed(path: Path, fmt: str | None = None) -> tuple[EditionFacts, float]:
    """Read one edition file: its facts and the seconds that took."""
    began = time.perf_counter()
    facts = extractor(fmt or path.suffix.lower().lstrip("."))(path)
    return facts, time.perf_counter() - began


def check(expected: Expected, path: Path, fmt: str | None = None, shown: Path | None = None,
          read: Callable[[], tuple[EditionFacts, float]] | None = None) -> Result:
    """Extract one edition and compare it with the model.

    `fmt` defaults to the file's suffix; `shown` is the path the verdict names
    (a staged file is read before it is renamed into place); `read` gives the
    facts when they were read elsewhere (the PDF, in a second process).
    """
    fmt = fmt or path.suffix.lower().lstrip(".")
    facts, seconds = read() if read is not None else extract_timed(path, fmt)
    began = time.perf_counter()
    differences = compare.compare(expected, facts)
    return Result(fmt, shown or path, differences, seconds + time.perf_counter() - began)


class WhileBuilding:
    """The build's check: reads each edition file as soon as the build has written it.

    The source is read again here, apart from the build's model, and the verdicts
    gather in `results` (in build order, the PDF last). When the verifier itself
    cannot run (a missing tool, say), `error` keeps why and the build goes on: the
    editions are written all the same, as with `build` then `verify`.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self.results: list[Result] = []
        self.error: PublisherError | None = None
        self._expected: Expected | None = None

    def __call__(self, fmt: str, staged: Path, final: Path) -> None:
        if self.error is not None:
            return
        try:
            if self._expected is None:
                self._expected = expect(reader.read(self.source))
            self.results.append(check(self._expected, staged, fmt, shown=final))
        except PublisherError as error:
            self.error = error

    def report(self) -> str:
        return report.as_text(self.source, self.results, sum(r.seconds for r in self.results))


def verify(source: Path, editions: list[Path], out_dir: Path) -> list[Result]:
    """Check every edition of `source`; bad input raises PublisherError.

    The PDF's tools start at once, in a second process, while the source is read
    and the other editions are read here.
    """
    pdf = next((p for p in editions or [out_dir / f"{source.stem}.pdf"]
                if p.suffix.lower() == ".pdf" and p.is_file()), None)
    with fewer_collections(), Beside() if pdf is not None else contextlib.nullcontext() as beside:
        early = {pdf: beside.submit(extract_timed, pdf)} if beside is not None and pdf is not None else {}
        doc = reader.read(source)
        files = find_editions(doc, editions, out_dir, source)
        expected = expect(doc)
        ordered = [p for p in files if p not in early] + [p for p in files if p in early]
        done = {path: check(expected, path, read=early.get(path)) for path in ordered}
    for path, result in done.items():
        result.stale = source.stat().st_mtime_ns > path.stat().st_mtime_ns
    return [done[path] for path in files]


def run(source: Path, editions: list[Path], out_dir: Path, as_json: bool) -> int:
    """The `publisher verify` command: print the verdict; 0 all agree, 1 differences."""
    began = time.perf_counter()
    results = verify(source, editions, out_dir)
    seconds = time.perf_counter() - began
    print(report.as_json(source, results, seconds) if as_json else report.as_text(source, results, seconds))
    return 0 if all(r.agrees for r in results) else 1
