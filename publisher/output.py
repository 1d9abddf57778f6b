"""Writing outputs: atomically, so a failed build never leaves a partial file."""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import glob
import os
import re
import shutil
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
    """An edition written in full to a temp file beside its path, not yet in place.

    The temp file's name carries this process's id (`.<name>.<pid>.<random>.tmp`), so a
    later build into the same folder removes what a killed build left (`sweep_leftovers`).
    """

    def __init__(self, path: Path, data: bytes, made_with: str | None = None) -> None:
        self.path = path
        #: what made the edition when it is not what `make` would make (another layout …)
        self.made_with = made_with
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            sweep_leftovers(path)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        except OSError as error:
            raise PublisherError(f"cannot write to output folder: {error.strerror}", path.parent,
                                 hint="check that it exists and is writable, or pass --out") from None
        self.temp = Path(temp)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, 0o666 & ~current_umask())
        except OSError as error:
            self.discard()
            raise PublisherError(f"cannot write output: {error.strerror}", path,
                                 hint=_space_hint(error) or "") from None
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Rename the temp file over the edition's path."""
        commit_all([self])

    def discard(self) -> None:
        """Remove the temp file (nothing happens after a commit)."""
        self.temp.unlink(missing_ok=True)


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _space_hint(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some space, or raise the file-size limit, and build again; earlier editions are untouched"
    return ""


_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.(?:tmp|bak)")


def sweep_leftovers(path: Path) -> None:
    """Remove the temp files of `path` that a build killed mid-way left beside it (its process is gone)."""
    with contextlib.suppress(OSError):
        for entry in path.parent.glob(f".{glob.escape(path.name)}.*.*.*"):
            found = _LEFTOVER.fullmatch(entry.name)
            if found and found["name"] == path.name and not _alive(int(found["pid"])):
                if entry.name.endswith(".bak") and not path.exists():
                    os.replace(entry, path)  # killed between putting the new edition in and restoring the old
                else:
                    entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def commit_all(editions: list[Staged]) -> None:
    """Put every staged edition in place, or none: if one rename fails, the editions
    already renamed are put back as they were (and the new ones removed)."""
    for edition in editions:
        mark_made_with(edition.path, edition.made_with, before=True)
    done: list[tuple[Staged, Path | None]] = []
    try:
        for edition in editions:
            backup = _keep_old(edition.path)
            done.append((edition, backup))
            os.replace(edition.temp, edition.path)
    except OSError as error:
        _restore(done)
        for edition in editions:
            edition.discard()
        raise PublisherError(f"cannot write output: {error.strerror}", done[-1][0].path,
                             hint=_space_hint(error) or "earlier editions are left as they were") from None
    except BaseException:
        _restore(done)
        raise
    for edition, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)
        mark_made_with(edition.path, edition.made_with, before=False)


def _keep_old(path: Path) -> Path | None:
    """A hard link to the edition now at `path` (None if there is none), to put back on failure."""
    if not path.exists():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.bak")
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links: a copy
        shutil.copy2(path, backup)
    return backup


def _restore(done: list[tuple[Staged, Path | None]]) -> None:
    for edition, backup in reversed(done):
        with contextlib.suppress(OSError):
            if backup is not None:
                os.replace(backup, edition.path)
            elif not edition.temp.exists():  # it was renamed in: there was no edition before
                edition.path.unlink(missing_ok=True)


#: beside an edition `x.pdf`, `.x.pdf.made-with` says it was built with another layout than its source's
MADE_WITH = ".made-with"


def made_with_marker(path: Path) -> Path:
    return path.with_name(f".{path.name}{MADE_WITH}")


def mark_made_with(path: Path, made_with: str | None, before: bool) -> None:
    """Write the marker before an edition built another way goes in (make then builds it again);
    remove it after an edition built the source's own way has gone in."""
    marker = made_with_marker(path)
    if made_with is not None and before:
        try:
            marker.write_text(made_with + "\n", encoding="utf-8")
        except OSError as error:
            raise PublisherError(f"cannot write to output folder: {error.strerror}", path.parent) from None
    elif made_with is None and not before:
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`."""
    Staged(path, data).commit()
