"""Bounds on a zipped edition (DOCX, EPUB) before any part of it is read: a zip bomb is refused."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import PublisherError

#: the most a whole package may hold once unpacked (the 100× yearbook's EPUB is ≈ 60 MB)
MAX_TOTAL = 512 * 1024 * 1024
#: a member larger than this must not be packed tighter than MAX_RATIO (XML packs ≈ 10×)
MAX_MEMBER = 32 * 1024 * 1024
MAX_RATIO = 200
#: members a package may have
MAX_MEMBERS = 20_000


def check_bounds(path: Path, kind: str) -> None:
    """Refuse a package that would unpack to more than a real edition could hold."""
    try:
        with zipfile.ZipFile(path) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise PublisherError(f"not a readable {kind}: {error}", path, hint="rebuild it") from None
    if len(infos) > MAX_MEMBERS:
        raise PublisherError(f"not a plausible {kind}: {len(infos)} parts", path, hint="rebuild it")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL:
        raise PublisherError(f"not a plausible {kind}: it unpacks to {total // 2**20} MB", path, hint="rebuild it")
    for info in infos:
        if info.file_size > MAX_MEMBER and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PublisherError(f"not a plausible {kind}: {info.filename} unpacks {info.file_size // 2**20} MB "
                                 f"from {info.compress_size // 1024} KB (a zip bomb?)", path, hint="rebuild it")
