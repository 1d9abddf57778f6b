"""Writing outputs: atomically, so a failed build never leaves a partial file."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from .errors import PublisherError


#: the earliest time a zip entry can carry (DOS time starts in 1980)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: the last year a zip entry can carry (DOS time keeps the year in 7 bits: 1980 + 127)
ZIP_LAST_YEAR = 2107


def zip_timestamp(iso_date: str) -> tuple[int, int, int, int, int, int]:
    """The time every entry of a DOCX or EPUB carries: the front-matter date, never the clock.

    A date zip cannot hold becomes the nearest one it can: before 1980, the same day in
    1980; after 2107, the last day of 2107. The editions' text and metadata keep the real date.
    """
    if not iso_date:
        return ZIP_EPOCH
    day = dt.date.fromisoformat(iso_date)
    if day.year > ZIP_LAST_YEAR:
        return (ZIP_LAST_YEAR, 12, 31, 0, 0, 0)
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def refuse_overwriting_inputs(targets: dict[str, Path], inputs: dict[Path, str], source: Path) -> None:
    """Stop before anything is written when an edition's path is one of the build's inputs
    (a source named doc.html built into its own folder, a picture called doc.pdf)."""
    for fmt, target in targets.items():
        for path, what in inputs.items():
            if _same_file(target, path):
                raise PublisherError(f"the {fmt} edition {str(target)!r} would overwrite {what}", source,
                                     hint="build into another folder with --out, or rename the file")


def _same_file(one: Path, other: Path) -> bool:
    """True when both paths name one file (resolved, or the same file on disk: a case-blind disk)."""
    if one.resolve() == other.resolve():
        return True
    try:
        return one.exists() and other.exists() and os.path.samefile(one, other)
    except OSError:
        return False


class Staged:
    """An edition written in full to a temp file beside its path, not yet in place."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as error:
            raise PublisherError(f"cannot write to output folder: {error.strerror}", path.parent,
                                 hint="check that it exists and is writable, or pass --out") from None
        self.temp = Path(temp)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, 0o644)
        except OSError as error:
            self.discard()
            raise PublisherError(f"cannot write output: {error.strerror}", path) from None
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Rename the temp file over the edition's path."""
        try:
            os.replace(self.temp, self.path)
        except OSError as error:
            self.discard()
            raise PublisherError(f"cannot write output: {error.strerror}", self.path) from None

    def discard(self) -> None:
        """Remove the temp file (nothing happens after a commit)."""
        self.temp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`."""
    Staged(path, data).commit()
