"""Scoped patches of WeasyPrint 70 and pydyf for writing a laid-out document.

Each keeps the bytes written the same and saves time or memory that grows with
the document: pydyf's page list is rebuilt for every tagged box, its streams are
compressed once per read, and WeasyPrint copies a whole font file (20–27 MB per
Noto CJK weight) into every font object it makes. `lean_writing` applies them all
for the duration of one `write_pdf`. Each patch is set and taken back by the
standard library's `mock.patch.object`.
"""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pydyf
from weasyprint.pdf import fonts as wp_fonts
from weasyprint.pdf import metadata as wp_metadata


@contextlib.contextmanager
def lean_writing() -> Iterator[None]:
    """Every patch below, for one `write_pdf`."""
    with cached_page_references(), streams_compressed_once(), font_files_on_demand():
        yield


@contextlib.contextmanager
def cached_page_references() -> Iterator[None]:
    """Cache pydyf's page list while writing.

    pydyf rebuilds `PDF.page_references` on every read, and WeasyPrint's PDF/UA
    tagging reads it once per box: quadratic, 5 s of a 134-page yearbook.
    Pages are only ever appended, so the list's length tells when it changed.
    """
    original = pydyf.PDF.page_references

    def cached(pdf: Any) -> Any:
        kids = len(pdf.pages["Kids"])
        memo = pdf.__dict__.get("_publisher_page_refs")
        if memo is None or memo[0] != kids:
            memo = (kids, original.fget(pdf))
            pdf.__dict__["_publisher_page_refs"] = memo
        return memo[1]

    with mock.patch.object(pydyf.PDF, "page_references", property(cached)):
        yield


@contextlib.contextmanager
def streams_compressed_once() -> Iterator[None]:
    """Keep each pydyf stream's compressed bytes while the file is written out.

    `Stream.data` compresses (zlib level 9) on every read, and `PDF.write` reads
    every object twice when the PDF has an identifier: once to write it, once to
    hash the file's /ID. Only inside `PDF.write`, where nothing changes any more,
    the second read reuses the first: the same bytes for half the compression.
    """
    original_data, original_write = pydyf.Stream.data, pydyf.PDF.write

    def write(pdf: Any, *args: Any, **kwargs: Any) -> Any:
        done: dict[int, tuple[Any, bytes]] = {}

        def compressed_once(stream: Any) -> bytes:
            kept = done.get(id(stream))
            if kept is None or kept[0] is not stream:
                kept = done[id(stream)] = (stream, original_data.fget(stream))
            return kept[1]

        with mock.patch.object(pydyf.Stream, "data", property(compressed_once)):
            return original_write(pdf, *args, **kwargs)

    with mock.patch.object(pydyf.PDF, "write", write):
        yield


@contextlib.contextmanager
def font_files_on_demand() -> Iterator[None]:
    """Read a font's file only when it is needed, not as each font object is made.

    `Font.__init__` copies the face's whole file into `file_content`, one copy per
    face and size, held until the fonts are subset after the last page is drawn.
    Subsetting reads the face through HarfBuzz and replaces `file_content` with the
    subset, so with subsetting (our PDFs always subset) the copy is never read:
    here it is not made, unless something reads it. (A freed 26 MB copy would
    still count: glibc keeps such blocks for the process once one was freed.)
    """
    font_class = wp_fonts.Font
    original_init = font_class.__init__

    def init(font: Any, *args: Any, **kwargs: Any) -> None:
        # __init__'s one use of it: the face's whole file
        with mock.patch.object(wp_fonts, "get_hb_object_data", _not_yet):
            original_init(font, *args, **kwargs)

    with mock.patch.object(font_class, "file_content", _FileOnDemand(), create=True), \
            mock.patch.object(font_class, "__init__", init):
        yield


def _not_yet(hb_object: Any) -> None:
    """Stands in for reading a face's file while a font object is made."""
    return None


class _FileOnDemand:
    """`Font.file_content` as a descriptor: the face's file, read when first asked for."""

    def __get__(self, font: Any, owner: type | None = None) -> Any:
        if font is None:
            return self
        data = font.__dict__.get("_publisher_file")
        if data is None:
            data = font.__dict__["_publisher_file"] = wp_fonts.get_hb_object_data(font.hb_face)
        return data

    def __set__(self, font: Any, value: bytes) -> None:
        font.__dict__["_publisher_file"] = value


@contextlib.contextmanager
def stable_document_id(seed: str) -> Iterator[None]:
    """PDF/X-4's XMP DocumentID from `seed` (the document), not WeasyPrint's random uuid4:
    the same source and layout give the same bytes."""
    with mock.patch.object(wp_metadata, "uuid4", lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)):
        yield
