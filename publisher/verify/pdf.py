"""PDF extractor: outline, page text, drawn images and captions of the print edition.

pypdf reads the outline and the images each page draws; the page text comes from
poppler's `pdftotext -raw` (content-stream order). It is 7× faster than pypdf's
pure-Python extraction, and it leaves out text drawn off the page, which no reader
sees either (pypdf would report it as present).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import IndirectObject

from ..errors import PublisherError
from ..facts import HeadingFact
from ..typography import join_lines
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures

#: `/Name Do` in a content stream: draw the XObject called Name
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
#: a caption label as the print layout sets it: "图3 " at a line start, or after a space
#: when captions of figures side by side share a line ("图1 …。 图2 …。"); a justified,
#: letter-spaced line ("如 图 2 所 示") puts a space between 图 and the number, so it is no label
#: At a line start the space after the number may be missing: on a justified caption line
#: pdftotext can drop it ("图41第11篇…"), and there a non-digit still ends the number.
_CAPTION = re.compile(r"^[ \t]*图[ \t]*(\d+)(?:[ \t\u3000]+|(?=[^\d\s]))"
                      r"|(?<=[ \t\u3000])图(\d+)[ \t\u3000]+", re.MULTILINE)
#: how much text after a caption label is handed on (where a caption ends is not marked)
CAPTION_WINDOW = 400
#: forms nested deeper than this are not followed (a loop guard)
MAX_FORM_DEPTH = 8


def extract(path: Path) -> EditionFacts:
    """Read the outline, then each page's text, pictures and captions."""
    text = start_text(path)  # pdftotext runs while pypdf reads the structure
    try:
        reader = PdfReader(path)
        pages = len(reader.pages)
        drawn = _pictures(reader)
        headings = list(outline(reader.outline))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        text.kill()
        text.wait()
        raise PublisherError(f"not a readable PDF: {error}", path, hint="rebuild it") from None
    return _facts(headings, page_texts(text, path, pages), drawn)


def start_text(path: Path) -> subprocess.Popen[bytes]:
    """Start `pdftotext -raw`: the text of every page in content-stream order."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise PublisherError("pdftotext not found", hint="install poppler-utils (tools/setup.sh does)")
    return subprocess.Popen([tool, "-raw", "-enc", "UTF-8", "-q", str(path), "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def page_texts(process: subprocess.Popen[bytes], path: Path, pages: int) -> list[str]:
    """The page texts pdftotext wrote, one per page (it ends each page with a form feed)."""
    out, _ = process.communicate()
    if process.returncode != 0:
        raise PublisherError("pdftotext cannot read this PDF", path, hint="rebuild it")
    texts = out.decode("utf-8", errors="replace").split("\f")
    return (texts + [""] * pages)[:pages]


def _pictures(reader: PdfReader) -> list[list[str]]:
    """The fingerprints of the pictures each page draws."""
    seen: dict[int, str] = {}
    return [drawn_images(page, seen) for page in reader.pages]


def _facts(headings: list[HeadingFact], texts: list[str], drawn: list[list[str]]) -> EditionFacts:
    groups = [FigureGroup(number, pictures, find_captions(text))
              for number, (text, pictures) in enumerate(zip(texts, drawn), start=1)]
    figures, pages = pair_figures(groups)
    return EditionFacts(headings=headings, paragraphs=texts, figures=figures,
                        numbers=numbers_of(texts), unit="page", outline=True,
                        captions_run_on=True, figure_units=pages)


def outline(items: list[Any], depth: int = 1) -> Iterator[HeadingFact]:
    """Bookmarks as headings: a nested list holds the children of the item before it."""
    for item in items:
        if isinstance(item, list):
            yield from outline(item, depth + 1)
        else:
            yield HeadingFact(depth, " ".join(str(item.title).split()))


def find_captions(text: str) -> list[tuple[int, str]]:
    """(number, text after the label) for each caption label on a page."""
    matches = list(_CAPTION.finditer(text))
    out = []
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        end = min(end, match.end() + CAPTION_WINDOW)
        out.append((int(match.group(1) or match.group(2)), join_lines(text[match.end():end])))
    return out


def drawn_images(page: Any, seen: dict[int, str]) -> list[str]:
    """Fingerprints of the images a page's content stream draws, in drawing order.

    pypdf's `page.images` lists every image of a shared resource dictionary on
    every page, so the `Do` operators are read instead.
    """
    draws = _draws(content_data(page), page.get("/Resources"), [], 0)
    return [_fingerprint(page, names, ref, seen) for names, ref in draws]


def content_data(page: Any) -> bytes:
    """The page's content stream(s), decoded but not parsed (parsing is pypdf's slow part)."""
    contents = _resolve(page.get("/Contents"))
    if contents is None:
        return b""
    if hasattr(contents, "get_data"):
        return contents.get_data()  # type: ignore[no-any-return]
    return b"\n".join(_resolve(part).get_data() for part in contents)


def _draws(data: bytes, resources: Any, path: list[str], depth: int) -> Iterator[tuple[list[str], Any]]:
    """(name path, reference) of each image drawn, following forms into their own streams."""
    xobjects = _resolve(_resolve(resources or {}).get("/XObject") or {})
    for match in _DO.finditer(data):
        name = "/" + match.group(1).decode("latin-1")
        ref = xobjects.get(name)
        xobject = _resolve(ref) if ref is not None else None
        if xobject is None:
            continue
        if xobject.get("/Subtype") == "/Image":
            yield path + [name], ref
        elif xobject.get("/Subtype") == "/Form" and depth < MAX_FORM_DEPTH:
            yield from _draws(xobject.get_data(), xobject.get("/Resources", resources),
                              path + [name], depth + 1)


def _fingerprint(page: Any, names: list[str], ref: Any, seen: dict[int, str]) -> str:
    """The fingerprint of one drawn image, computed once per image object."""
    key = ref.idnum if isinstance(ref, IndirectObject) else hash(tuple(names))
    if key not in seen:
        try:
            seen[key] = fingerprint(_image_file(page, names, _resolve(ref)))
        except (OSError, ValueError, KeyError, PyPdfError):
            seen[key] = ""
    return seen[key]


def _image_file(page: Any, names: list[str], xobject: Any) -> bytes:
    """The image as a file: a JPEG stream is one already; others are converted by pypdf."""
    if xobject.get("/Filter") in ("/DCTDecode", ["/DCTDecode"]):
        return xobject.get_data()  # type: ignore[no-any-return]
    # page.images re-parses the whole content stream, so it is only the fallback
    return page.images[names[0] if len(names) == 1 else names].data  # type: ignore[no-any-return]


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj
