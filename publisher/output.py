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


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise PublisherError(f"cannot write to output folder: {error.strerror}", path.parent,
                             hint="check that it exists and is writable, or pass --out") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise PublisherError(f"cannot write output: {error.strerror}", path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
