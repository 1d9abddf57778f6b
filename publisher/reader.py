"""Reader: a source file → the document model (front matter, then the Markdown body)."""
from __future__ import annotations

import re
from pathlib import Path

from .errors import SourceError, line_of
from .frontmatter import YAMLError, load_yaml, parse_meta, split_front_matter
from .markdown_body import parse_body
from .model import Document

__all__ = ["read", "load_yaml", "YAMLError", "MAX_SOURCE_BYTES"]

#: a yearbook of 100 reports is about 1.5 MB; anything far larger is a mistake
MAX_SOURCE_BYTES = 8 * 1024 * 1024
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read(path: Path) -> Document:
    """Read one source file into a Document."""
    text = _read_text(path)
    front, body = split_front_matter(text, path)
    meta = parse_meta(front, path)
    blocks, notes = parse_body(body, path, source_text=text)
    return Document(meta=meta, blocks=tuple(blocks), footnotes=tuple(notes),
                    source=path.absolute(), base_dir=path.resolve().parent)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("source not found", path, hint="check the file name") from None
    except OSError as error:
        raise SourceError(f"cannot read source: {error.strerror}", path) from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(f"source is {len(raw) / 2**20:.1f} MB; the limit is "
                          f"{MAX_SOURCE_BYTES // 2**20} MB", path, hint="split it into several sources")
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
