"""Reader: a source file → the document model (front matter, then the Markdown body)."""
from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path
from typing import Any

from . import frontmatter
from .errors import SourceError, line_of
from .frontmatter import YAMLError, load_yaml
from .markdown_body import parse_body
from .model import Block, Document, Heading, Meta
from .notices import Notices
from .typography import detect_language, is_chinese, normalise_punctuation

__all__ = ["read", "load_yaml", "YAMLError", "MAX_SOURCE_BYTES"]

#: a yearbook of 100 reports is about 1.5 MB; anything far larger is a mistake
MAX_SOURCE_BYTES = 8 * 1024 * 1024
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read(path: Path) -> Document:
    """Read one source file into a Document."""
    text = _read_text(path)
    notices = Notices(path)
    notices.source_text = text
    front = frontmatter.split(text, path)
    fields = frontmatter.check(front, path, notices)
    language = str(fields.get("language") or detect_language(front.body)).strip()
    blocks, notes, pictures = parse_body(front.body, path, source_text=text, language=language, notices=notices)
    blocks, title = title_of(drop_empty_headings(blocks, notices), str(fields.get("title") or "").strip(), path)
    meta = meta_from(fields | {"title": title, "language": language})
    return Document(meta=meta, blocks=tuple(blocks), footnotes=tuple(notes),
                    source=path.absolute(), base_dir=path.resolve().parent,
                    notices=tuple(notices.items), pictures=pictures)


def title_of(blocks: list[Block], title: str, path: Path) -> tuple[list[Block], str]:
    """The headline: the front matter's title, else the first `# ` heading, else the file name.

    A `# ` heading that is the headline is taken out of the body, so it prints once.
    """
    first = next((i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 1), None)
    heading = blocks[first] if first is not None else None
    if not title and isinstance(heading, Heading) and first is not None:
        return blocks[:first] + blocks[first + 1:], heading.text
    if isinstance(heading, Heading) and first == 0 and heading.text == normalise_punctuation(title).strip():
        return blocks[1:], title
    return blocks, title or path.stem


def drop_empty_headings(blocks: list[Block], notices: Notices) -> list[Block]:
    """A heading with no text (a lone `#`, `<h2></h2>`) heads nothing: left out, with a warning."""
    empty = [b for b in blocks if isinstance(b, Heading) and not b.text.strip()]
    if empty:
        notices.warn(f"{len(empty)} empty heading{'s' if len(empty) > 1 else ''} left out",
                     _empty_heading_line(notices.source_text),
                     hint="write the heading's text, or remove the line")
    return [b for b in blocks if not (isinstance(b, Heading) and not b.text.strip())]


def _empty_heading_line(text: str) -> int | None:
    found = re.search(r"^ {0,3}#{1,6}[ \t]*#*[ \t]*$|<h[1-6][^>]*>\s*</h[1-6]>", text, re.M | re.I)
    return text.count("\n", 0, found.start()) + 1 if found else None


def read_bounded(path: Path) -> bytes:
    """The bytes of a source file, read once from the file opened (no other file swapped in
    between a check and the read), refusing what is not a regular file (a pipe would wait
    for ever, /dev/zero never end) and never reading more than the limit and one byte."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SourceError("source not found", path, hint="check the file name") from None
    except OSError as error:
        raise SourceError(f"cannot read source: {error.strerror}", path) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise SourceError("source is not a file (a folder, a pipe or a device)", path,
                              hint="give the path of a Markdown file, or - to read standard input")
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        raise SourceError(f"cannot read source: {error.strerror}", path) from None
    finally:
        os.close(fd)
    size = status.st_size
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(f"source is {max(len(raw), size) / 2**20:.1f} MB; the limit is "
                          f"{MAX_SOURCE_BYTES // 2**20} MB", path, hint="split it into several sources")
    return raw


def meta_from(data: dict[str, Any]) -> Meta:
    """Meta from checked front-matter fields (punctuation normalised in Chinese text)."""
    chinese = is_chinese(data["language"])

    def tidy(value: object) -> str:
        return (normalise_punctuation(str(value)) if chinese else str(value)).strip()
    keywords = data.get("keywords", ())
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[,，;；]", keywords) if k.strip()]
    text = {k: tidy(v) for k, v in data.items() if k not in ("keywords", "layouts", "date")}
    date = data.get("date") or frontmatter.build_date()
    return Meta(**text, date=date.isoformat() if isinstance(date, dt.date) else str(date),
                keywords=tuple(tidy(k) for k in keywords),
                layouts=tuple(sorted((str(k), str(v)) for k, v in data.get("layouts", {}).items())))


#: files an editor may give where the Markdown source is wanted, by their first bytes
_NOT_MARKDOWN = {b"%PDF": "a PDF", b"PK\x03\x04": "a Word, EPUB or zip file", b"\xff\xd8\xff": "a JPEG picture",
                 b"\x89PNG": "a PNG picture", b"GIF8": "a GIF picture", b"\xd0\xcf\x11\xe0": "an old Word file"}


def _read_text(path: Path) -> str:
    raw = read_bounded(path)
    kind = next((what for magic, what in _NOT_MARKDOWN.items() if raw.startswith(magic)), None)
    if kind:
        raise SourceError(f"this is {kind}, not a Markdown source", path,
                          hint="give the .md file the editions are made from; verify and preflight find "
                               "its editions in --out")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError("source is UTF-16 text", path, 1, hint="save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM from Windows editors is harmless
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError("source is not UTF-8 text", path, line,
                          hint="save it as UTF-8: in Notepad, Save As with Encoding UTF-8") from None
    if not text.strip():
        raise SourceError("source is empty", path, hint="write a front matter block and some text")
    if "\x00" in text:
        raise SourceError("source contains NUL bytes", path, line_of(text, "\x00"),
                          hint="is this a binary file?")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # invisible control characters pasted from elsewhere: no edition (XML, Word) may carry them
    return _CONTROL.sub("", text)
