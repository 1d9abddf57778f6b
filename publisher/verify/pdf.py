"""PDF extractor: outline, page text, drawn images and captions of the print edition.

Poppler and qpdf read the file at once: `pdftotext -raw` (a process) gives the
page text in content-stream order (and leaves out text drawn off the page, which
no reader sees); meanwhile pikepdf (qpdf) gives the outline, the images each page
actually draws (its content stream's `Do` operators, through Form XObjects; not
every image of WeasyPrint's shared resource dictionary) and their data. pypdf
would parse the whole of WeasyPrint's single object stream (70,000 objects in a
134-page yearbook) before answering anything: 5× slower; poppler's
`pdfimages -list` interprets every text operator too: 2.4× slower than pikepdf.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pikepdf

from ..errors import PublisherError
from ..facts import HeadingFact
from ..typography import join_lines
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures

#: a caption label as the print layout sets it: "图3 " at a line start, or after a space
#: when captions of figures side by side share a line ("图1 …。 图2 …。"); a justified,
#: letter-spaced line ("如 图 2 所 示") puts a space between 图 and the number, so it is no label
#: At a line start the space after the number may be missing: on a justified caption line
#: pdftotext can drop it ("图41第11篇…"), and there a non-digit still ends the number.
_CAPTION = re.compile(r"^[ \t]*(?:图[ \t]*|Figure[ \t]+)(\d+)(?:[ \t\u3000]+|(?=[^\d\s]))"
                      r"|(?<=[ \t\u3000])(?:图|Figure )(\d+)[ \t\u3000]+", re.MULTILINE)
#: the hyphen the print layout adds where it breaks a Latin word at a line end (hyphens: auto)
_HYPHENATED = re.compile("(?<=[^\\W\\d_])\u2010\n(?=[^\\W\\d_])")
#: how much text after a caption label is handed on (where a caption ends is not marked)
CAPTION_WINDOW = 400


def extract(path: Path) -> EditionFacts:
    """Read the outline, then each page's text, pictures and captions."""
    text = _start("pdftotext", "-raw", "-enc", "UTF-8", "-q", str(path), "-")
    try:
        headings, drawn, title = structure(path)
    except BaseException:
        text.kill()
        text.wait()
        raise
    texts = page_texts(_finish(text, path))
    facts = _facts(headings, texts, drawn + [[] for _ in range(len(texts) - len(drawn))])
    facts.title = title
    return facts


def structure(path: Path) -> tuple[list[HeadingFact], list[list[str]], str]:
    """The outline, for each page the fingerprints of the pictures it draws, and the /Title."""
    try:
        with pikepdf.open(path) as pdf:
            headings = list(outline(pdf))
            prints: dict[tuple[int, int], str] = {}  # each image object read once
            drawn = [[_image_print(image, prints) for image in drawn_images(page)] for page in pdf.pages]
            return headings, drawn, str(pdf.docinfo.get("/Title", "")) if pdf.trailer.get("/Info") else ""
    except (pikepdf.PikepdfError, OSError, KeyError, TypeError, ValueError):
        raise PublisherError("not a readable PDF (qpdf failed)", path, hint="rebuild it") from None


def _start(tool: str, *args: str) -> subprocess.Popen[bytes]:
    found = shutil.which(tool)
    if found is None:
        raise PublisherError(f"{tool} not found", hint="install poppler-utils; tools/setup.sh does")
    return subprocess.Popen([found, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _finish(process: subprocess.Popen[bytes], path: Path) -> bytes:
    out, _ = process.communicate()
    if process.returncode not in (0, 3):  # qpdf exits 3 on warnings it recovered from
        tool = Path(str(list(process.args)[0])).name  # type: ignore[arg-type]
        raise PublisherError(f"not a readable PDF ({tool} failed)", path, hint="rebuild it")
    return out


def page_texts(out: bytes) -> list[str]:
    """The page texts pdftotext wrote, one per page (it ends each page with a form feed)."""
    texts = _HYPHENATED.sub("", out.decode("utf-8", errors="replace")).split("\f")
    return texts[:-1] if len(texts) > 1 else texts


def drawn_images(content: Any, depth: int = 0) -> Iterator[Any]:
    """The image XObjects a page (or Form XObject) draws, in drawing order."""
    resources = content.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    for instruction in pikepdf.parse_content_stream(content, "Do"):
        operands = getattr(instruction, "operands", None)
        xobject = xobjects.get(operands[0]) if operands else None
        if xobject is None:
            continue
        if xobject.get("/Subtype") == "/Image":
            yield xobject
        elif xobject.get("/Subtype") == "/Form" and depth < 8:
            yield from drawn_images(xobject, depth + 1)


def _image_print(image: Any, prints: dict[tuple[int, int], str]) -> str:
    """The fingerprint of an image object's picture ("" when it cannot be read)."""
    key = image.objgen
    if key not in prints:
        try:
            data = io.BytesIO()
            pikepdf.PdfImage(image).extract_to(stream=data)
            prints[key] = fingerprint(data.getvalue())
        except (pikepdf.PikepdfError, NotImplementedError, OSError, ValueError):
            prints[key] = ""  # a picture no reader here can decode: reported as not matching
    return prints[key]


def _facts(headings: list[HeadingFact], texts: list[str], drawn: list[list[str]]) -> EditionFacts:
    groups = [FigureGroup(number, pictures, find_captions(text))
              for number, (text, pictures) in enumerate(zip(texts, drawn), start=1)]
    figures, pages = pair_figures(groups)
    return EditionFacts(headings=headings, paragraphs=texts, figures=figures,
                        numbers=numbers_of(texts), unit="page", outline=True,
                        captions_run_on=True, figure_units=pages)


def outline(pdf: Any) -> Iterator[HeadingFact]:
    """Bookmarks as headings, depth first."""
    with pdf.open_outline() as tree:
        yield from _items(tree.root, 1)


def _items(items: list[Any], depth: int) -> Iterator[HeadingFact]:
    for item in items:
        yield HeadingFact(depth, " ".join(str(item.title or "").split()))
        yield from _items(item.children, depth + 1)


def find_captions(text: str) -> list[tuple[int, str]]:
    """(number, text after the label) for each caption label on a page."""
    matches = list(_CAPTION.finditer(text))
    out = []
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        end = min(end, match.end() + CAPTION_WINDOW)
        out.append((int(match.group(1) or match.group(2)), join_lines(text[match.end():end])))
    return out
