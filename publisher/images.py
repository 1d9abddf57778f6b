"""Image files: safe resolution, checks, screen copies and fingerprints (Pillow)."""
from __future__ import annotations

import difflib
import errno
import functools
import hashlib
import io
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from .errors import ResourceError
from .phrases import phrases

#: refuse images whose pixel count could exhaust memory (decompression bombs)
MAX_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
#: formats every edition can carry
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def resolve(src: str, base_dir: Path) -> Path:
    """The file `src` names, which must be a relative path inside `base_dir`."""
    if any(ord(c) < 0x20 or c == "\x7f" for c in src):  # %00 or %07 in the link: no edition can name it
        raise ResourceError(f"image {src!r} has a control character in its name",
                            hint="rename the file with letters, digits, - and _")
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        raise ResourceError(f"image {src!r} is a URL; only files beside the source are allowed",
                            hint="download it into the source folder and link it relatively")
    if src.startswith(("/", "\\")) or Path(src).is_absolute():
        raise ResourceError(f"image {src!r} is an absolute path",
                            hint="copy it into the source folder and use a relative path")
    base = base_dir.resolve()
    try:
        path = (base / src).resolve()
        found = path.is_file()
    except (OSError, ValueError) as error:  # a name too long for the file system, a NUL
        raise ResourceError(f"image {src!r} cannot be opened: {getattr(error, 'strerror', None) or error}",
                            hint="rename the file with a shorter name of letters, digits, - and _") from None
    if not path.is_relative_to(base):
        raise ResourceError(f"image {src!r} lies outside the source folder",
                            hint="copy it into the source folder")
    if not found:
        raise ResourceError(f"image {src!r} not found", hint=_nearest(src, path) + f"looked in {base}")
    if path.suffix.lower() == ".svg":
        raise ResourceError(f"image {src!r} is SVG, which can carry scripts and external references",
                            hint="export it as PNG")
    return path


#: a picture file larger than this is not a photo for a report
MAX_PICTURE_BYTES = 200 * 1024 * 1024


def _nearest(src: str, path: Path) -> str:
    """'did you mean …? ' naming a file beside the one asked for with a near name (a typo), or ''."""
    try:
        names = [entry.name for entry in path.parent.iterdir() if entry.is_file()][:5000]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.75)
    if not close:
        return ""
    folder = src.rsplit("/", 1)[0] + "/" if "/" in src else ""
    return f"did you mean '{folder}{close[0]}'? "


def read_picture(path: Path) -> bytes:
    """The bytes of a picture file, read once from the file opened: the path was resolved and
    checked to lie in the source folder, so a symlink put there since is refused (O_NOFOLLOW),
    and so is anything but a regular file. Every edition is made from these bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        changed = error.errno == errno.ELOOP
        raise ResourceError(f"image {path.name!r} " + ("was replaced by a link while being read" if changed
                                                      else f"cannot be opened: {error.strerror}"),
                            hint="build again once the picture stays put") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise ResourceError(f"image {path.name!r} is not a file", hint="link a JPEG or PNG file")
        if status.st_size > MAX_PICTURE_BYTES:
            raise ResourceError(f"image {path.name!r} is {status.st_size / 2**20:.0f} MB; the limit is "
                                f"{MAX_PICTURE_BYTES // 2**20} MB", hint="export it smaller")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_PICTURE_BYTES + 1)
    except OSError as error:
        raise ResourceError(f"image {path.name!r} cannot be read: {error.strerror}") from None
    finally:
        os.close(fd)


def digest_of(data: bytes) -> str:
    """What a picture's bytes are, in a few: the reader notes it, every edition checks it."""
    return hashlib.sha256(data).hexdigest()


def checked_picture(path: Path, digest: str) -> bytes:
    """The picture at `path` read again for an edition, refused unless it is the one the reader
    checked (the same bytes): a file swapped during the build never reaches an edition."""
    data = read_picture(path)
    if digest and digest_of(data) != digest:  # no digest: a document made by hand, not by the reader
        raise ResourceError(f"image {path.name!r} changed while the editions were being made",
                            hint="build again once the picture stays put")
    return data


def inspect(data: bytes, name: str) -> tuple[int, int]:
    """Pixel size of a JPEG or PNG after checking it decodes completely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if _kind(image.format) not in FORMATS:
                    raise ResourceError(f"image {name!r} is {image.format or 'unknown'}; use JPEG or PNG")
                size = image.size
                image.load()
    except ResourceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ResourceError(f"image {name!r} is too large to decode safely (decompression bomb?)",
                            hint=f"keep images under {MAX_PIXELS:,} pixels") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ResourceError(f"image {name!r} is damaged: {error}",
                            hint="export it again as JPEG or PNG") from None
    return size


def _kind(fmt: str | None) -> str:
    """Pillow's format name, with a phone's multi-picture JPEG (MPO) counted as JPEG."""
    return "JPEG" if fmt == "MPO" else (fmt or "")


def screen_copy(path: Path, digest: str, long_side: int, quality: int) -> tuple[bytes, str]:
    """A copy of the picture no longer than `long_side` px, as (bytes, MIME type).

    Made once per picture and size: the HTML and EPUB share it, and a yearbook
    that reuses a photo hundreds of times pays for it once.
    """
    return _screen_copy(path, digest, long_side, quality)


@functools.lru_cache(maxsize=256)
def _screen_copy(path: Path, digest: str, long_side: int, quality: int) -> tuple[bytes, str]:
    with Image.open(io.BytesIO(checked_picture(path, digest))) as image:
        image.load()
        fmt = image.format or "JPEG"
        if max(image.size) > long_side:
            image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if fmt == "PNG":
            image.save(out, "PNG", optimize=True)
        else:
            image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    return out.getvalue(), FORMATS.get(fmt, "image/jpeg")


#: side of the difference hash: 16×16 = 256 bits. The seed's placeholder photos
#: differ from each other in at least 60 bits; a 400 px quality-40 copy of one
#: differs from its original in at most 13.
HASH_SIDE = 16
#: fingerprints closer than this many bits show the same picture
SAME_PICTURE_BITS = 32
#: side of the colour thumbnail that finds retouching: 32×32 cell means. Resizing for the
#: screen editions (2400 → 1600, 1200, 700 px) and recompression move a cell by at most 7
#: levels (9 from a JPEG decoded at a reduced scale); painting over 4% of a side (a face, a figure on a sign) moves one by 18 or more
THUMB_SIDE = 32
#: a cell whose colour moved by more than this many levels (of 255) was painted over
RETOUCHED_LEVELS = 14


def fingerprint(data: bytes | Path) -> str:
    """A perceptual fingerprint: 16×16 difference hash, aspect ratio and a 32×32 colour
    thumbnail, e.g. 'a1b2…:1.50:ffe0…'.

    It survives downscaling and recompression but tells different photos apart, and the
    thumbnail tells a retouched copy from its original (see retouched).
    """
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        return _fingerprint(source)
    except Image.DecompressionBombError as error:  # more pixels than any edition holds
        raise ValueError(str(error)) from None


def _fingerprint(source: io.BytesIO | Path) -> str:
    with Image.open(source) as image:
        ratio = image.width / image.height
        # a JPEG decodes at a scale that keeps 16 pixels a cell: 4× faster than in full, and
        # coarser drafts round like a retouch
        image.draft("RGB", (16 * THUMB_SIDE, 16 * THUMB_SIDE))
        colour = image.convert("RGB")
        small = colour.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.LANCZOS)
        # a cell of fewer than 8×8 pixels is a pixel's recompression noise: small pictures have none
        thumb = colour.resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX).tobytes() \
            if min(image.size) >= 8 * THUMB_SIDE else b""
    pixels = small.tobytes()  # one byte per pixel in mode L
    bits = 0
    for row in range(HASH_SIDE):
        for col in range(HASH_SIDE):
            at = row * (HASH_SIDE + 1) + col
            bits = (bits << 1) | (pixels[at] > pixels[at + 1])
    return f"{bits:0{HASH_SIDE * HASH_SIDE // 4}x}:{ratio:.2f}:{thumb.hex()}"


def retouched(a: str, b: str) -> bool:
    """True when two fingerprints of the same picture differ in one part: painted over."""
    one, other = a.split(":")[2:3], b.split(":")[2:3]
    if not one or not other or not one[0] or len(one[0]) != len(other[0]):
        return False
    first, second = bytes.fromhex(one[0]), bytes.fromhex(other[0])
    return max(abs(x - y) for x, y in zip(first, second)) > RETOUCHED_LEVELS


def fingerprint_distance(a: str, b: str) -> int:
    """Bits in which the hashes of two fingerprints differ."""
    return bin(int(a.split(":")[0], 16) ^ int(b.split(":")[0], 16)).count("1")


def fingerprints_match(a: str, b: str, max_distance: int = SAME_PICTURE_BITS) -> bool:
    """True when two fingerprints show the same picture (same look, same aspect ratio); an
    empty one (no picture could be read) matches none."""
    if ":" not in a or ":" not in b:
        return False
    same_ratio = abs(float(a.split(":")[1]) - float(b.split(":")[1])) < 0.03
    return same_ratio and fingerprint_distance(a, b) <= max_distance


#: the cover's size (2:3, what reading systems' libraries show) and its type
COVER_SIZE = (1200, 1800)
#: a collection of fonts (.ttc) holds several faces: Noto CJK's Simplified Chinese is the third
COLLECTION_FACE = 2


#: the most of a title and subtitle a cover sets (the book's metadata carries them whole)
COVER_TEXT = {"title": 80, "subtitle": 120}


def cover(path: Path, digest: str, title: str, subtitle: str, font: Path, quality: int) -> bytes:
    """A book cover: the title and subtitle set on paper above the photo, which fills the width
    of a 2:3 page to its foot, in `font`. The same input gives the same bytes."""
    from PIL import ImageDraw
    width, height = COVER_SIZE
    paper = (255, 254, 250)
    page = Image.new("RGB", COVER_SIZE, paper)
    room = height * 3 // 5  # the photo takes at most three fifths of the page: the title keeps the rest
    with Image.open(io.BytesIO(checked_picture(path, digest))) as photo:
        photo.draft("RGB", (width, width))  # a JPEG decoded at the smallest scale still as wide as the page
        photo.load()
        cut = min(photo.height, max(1, round(room * photo.width / width)))  # a tall picture: its middle
        top = (photo.height - cut) // 2
        shown = photo.crop((0, top, photo.width, top + cut))
        if shown.mode in ("RGBA", "LA", "PA") or "transparency" in shown.info:
            shown = shown.convert("RGBA")
            flat = Image.new("RGB", shown.size, paper)
            flat.paste(shown, mask=shown.getchannel("A"))  # transparent parts on paper, not black
            shown = flat
        shown = shown.convert("RGB").resize((width, max(1, round(cut * width / photo.width))), Image.Resampling.LANCZOS)
    page.paste(shown, (0, height - shown.height))
    index = COLLECTION_FACE if font.suffix.lower() == ".ttc" else 0
    draw = ImageDraw.Draw(page)
    margin = 100
    draw.line([(margin, margin), (width - margin, margin)], fill=(158, 27, 27), width=8)
    y = float(margin + 60)
    for text, sizes, ink, gap in ((_clip(title, COVER_TEXT["title"]), (96, 80, 64), (22, 22, 22), 1.35),
                                  (_clip(subtitle, COVER_TEXT["subtitle"]), (46, 40), (70, 70, 70), 1.6)):
        if not text:
            continue
        face, lines = _fitted(text, str(font), index, sizes, width - 2 * margin)
        for line in lines:
            draw.text((margin, y), line, font=face, fill=ink)
            y += face.getbbox("国Ag")[3] * gap
        y += 40
    out = io.BytesIO()
    page.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    return out.getvalue()


def _clip(text: str, most: int) -> str:
    """`text`, or its first `most` characters and an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _fitted(text: str, font: str, index: int, sizes: tuple[int, ...], width: int) -> tuple[Any, list[str]]:
    """The largest of `sizes` that sets `text` in at most four lines (the smallest, its first four
    lines, the last ending "…"), and the lines."""
    from PIL import ImageFont
    for size in sizes:
        face = ImageFont.truetype(font, size, index=index)
        lines = _balanced(text, face, width)
        if len(lines) <= 4:
            return face, lines
    return face, lines[:3] + [_clip(lines[3], max(1, len(lines[3]) - 1)) if len(lines[3]) > 1 else lines[3] + "…"]


def _balanced(text: str, font: "ImageFont.FreeTypeFont", width: int) -> list[str]:  # type: ignore[name-defined]  # noqa: F821
    """`text` in as few lines as it needs, as even in length as they can be (no lone word last)."""
    lines = _wrap(text, font, width)
    narrower = width
    while narrower > width // 3 and len(_wrap(text, font, narrower - 20)) == len(lines):
        narrower -= 20
    return _wrap(text, font, narrower)


def _wrap(text: str, font: "ImageFont.FreeTypeFont", width: int) -> list[str]:  # type: ignore[name-defined]  # noqa: F821
    """`text` in lines no wider than `width`: broken between characters (Chinese) or at spaces
    (a Latin word kept whole), never putting a closing mark at the start of a line."""
    lines, line = [], ""
    for piece in _pieces(text):
        if line and font.getlength(line + piece) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    """The units a line may break between: Chinese phrases (phrases.py), Latin words with their
    spaces."""
    return [piece for phrase in phrases(text) for piece in re.findall(r"\S+\s*|\s+", phrase)]
