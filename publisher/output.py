"""Writing outputs: atomically, so a failed build never leaves a partial file."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from .errors import PublisherError


#: the earliest time a zip entry can carry (DOS time starts in 1980)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_timestamp(iso_date: str) -> tuple[int, int, int, int, int, int]:
    """The time every entry of a DOCX or EPUB carries: the front-matter date, never the clock."""
    if not iso_date:
        return ZIP_EPOCH
    day = dt.date.fromisoformat(iso_date)
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


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
