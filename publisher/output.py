"""Writing outputs: atomically, so a failed build never leaves a partial file."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import glob
import os
import re
import shutil
import tempfile
import time
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


def _read_umask() -> int:
    """The process's umask (read by setting it and putting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: read once, at start-up: setting it to read it could race with the preview's threads
_UMASK = _read_umask()


def current_umask() -> int:
    return _UMASK


def _space_hint(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some space, or raise the file-size limit, and build again; earlier editions are untouched"
    return ""


_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.(?:tmp|bak)")
#: a leftover is swept only when its process is gone and it is this old: a build in another
#: PID namespace (a container sharing the folder) has a pid this process cannot see
STALE_AFTER_S = 15 * 60


def sweep_leftovers(path: Path) -> None:
    """Remove the temp files of `path` that a build killed mid-way left beside it."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in path.parent.glob(f".{glob.escape(path.name)}.*.*.*"):
            found = _LEFTOVER.fullmatch(entry.name)
            if found and found["name"] == path.name and not _alive(int(found["pid"])) \
                    and now - _made_at(entry) > STALE_AFTER_S:
                entry.unlink(missing_ok=True)


def _made_at(entry: Path) -> float:
    """When a leftover was made: a temp file's last write; a backup's link (its ctime: a hard
    link to the old edition has the edition's mtime)."""
    status = entry.lstat()
    return status.st_mtime if entry.name.endswith(".tmp") else status.st_ctime


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


@dataclasses.dataclass
class _Put:
    """One edition being put in place: what was there before, and how to put it back."""
    edition: Staged
    existed: bool
    backup: Path | None
    inode: int
    placed: bool = False


def commit_all(editions: list[Staged]) -> None:
    """Put every staged edition in place, or none: if one cannot go in, the editions already
    put in place are put back as they were (the new ones removed where there was none)."""
    for edition in editions:
        mark_made_with(edition.path, edition.made_with, before=True)
    done: list[_Put] = []
    current = editions[0].path if editions else Path(".")
    try:
        for edition in editions:
            current = edition.path
            existed, backup = _keep_old(edition.path)
            done.append(_Put(edition, existed, backup, os.stat(edition.temp).st_ino))
            os.replace(edition.temp, edition.path)
            done[-1].placed = True
    except OSError as error:
        _restore(done)
        for edition in editions:
            edition.discard()
        raise PublisherError(f"cannot write output: {error.strerror}", current,
                             hint=_space_hint(error) or "earlier editions are left as they were") from None
    except BaseException:
        _restore(done)
        raise
    for put in done:
        if put.backup is not None:
            put.backup.unlink(missing_ok=True)
        mark_made_with(put.edition.path, put.edition.made_with, before=False)


def _keep_old(path: Path) -> tuple[bool, Path | None]:
    """Whether an edition is at `path`, and a hard link to it (a copy where links fail; None
    when neither can be made) to put back if a later edition cannot go in."""
    if not os.path.lexists(path):
        return False, None
    backup = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.bak")
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links, or a file not ours to link: a copy
        try:
            shutil.copy2(path, backup)
        except OSError:
            backup.unlink(missing_ok=True)
            return True, None
    return True, backup


def _restore(done: list[_Put]) -> None:
    """Put back what was there before each edition placed, if the edition there is still ours
    (another build may have put its own in meanwhile: that one stays)."""
    for put in reversed(done):
        path = put.edition.path
        with contextlib.suppress(OSError):
            ours = put.placed and os.stat(path).st_ino == put.inode
            if ours and put.backup is not None:
                os.replace(put.backup, path)
            elif ours and not put.existed:
                path.unlink()
        if put.backup is not None:
            put.backup.unlink(missing_ok=True)


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
