"""Print PDF edition: print HTML plus the layout's print CSS through WeasyPrint (the only weasyprint importer)."""
from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.layout import inline as wp_inline
from weasyprint.text import line_break as wp_text
from weasyprint.text.ffi import TO_UNITS, ffi, pango

from ..errors import LayoutError, RenderError
from ..layout import Layout
from ..model import Document
from ..typography import CJK
from .pdf_html import print_html

#: a CSS length or keyword accepted for page size, bleed and marks (values from layout.yaml)
_PAGE_VALUE = re.compile(r"^[A-Za-z0-9. ]{1,40}$")
#: CJK characters: a justified line holding one is spread between characters, not only at spaces
_CJK_CHAR = re.compile(f"[{CJK}]")


# ---- resources: only the source folder and the layout folders -----------------------

class SandboxFetcher(weasyprint.URLFetcher):
    """Serves files under the allowed folders only; anything else stops the render."""

    def __init__(self, roots: list[Path], font_roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"})
        #: folders whose files any resource may come from
        self.roots = [r.resolve() for r in roots]
        #: system font folders, served only for font files (what CSS `local()` resolves to)
        self.font_roots = [r.resolve() for r in font_roots]

    def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
        path = self.allowed(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})

    def allowed(self, url: str) -> Path:
        """The local file `url` names, if it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise weasyprint.urls.FatalURLFetchingError(f"resource {url!r} is not a local file")
        path = Path(unquote(parts.path)).resolve()
        fonts = path.suffix.lower() in {".ttf", ".otf", ".ttc", ".woff", ".woff2"}
        roots = self.roots + (self.font_roots if fonts else [])
        if not path.is_file() or not any(path.is_relative_to(root) for root in roots):
            raise weasyprint.urls.FatalURLFetchingError(
                f"resource {url!r} lies outside the source and layout folders")
        return path


# ---- justification: CJK lines are spread between characters ----------------------

class _SpacedLayout(wp_text.Layout):  # type: ignore[misc]
    """A Pango layout that draws its text with extra letter spacing."""

    def __init__(self, style: Any, spacing: float) -> None:
        self.extra_spacing = spacing
        super().__init__(style)

    def set_text(self, text: str, justify: bool = False) -> None:
        super().set_text(text, justify)
        own = self.style["letter_spacing"]
        spacing = self.extra_spacing + (0 if own == "normal" else own)
        attrs = pango.pango_layout_get_attributes(self.layout)
        if attrs == ffi.NULL:
            attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        attr = pango.pango_attr_letter_spacing_new(int(spacing * TO_UNITS))
        attr.start_index, attr.end_index = 0, len(self.text.encode())
        pango.pango_attr_list_change(attrs, attr)
        pango.pango_layout_set_attributes(self.layout, attrs)


def _text_boxes(box: Any) -> Iterator[Any]:
    if isinstance(box, weasyprint.formatting_structure.boxes.TextBox):
        yield box
    elif isinstance(box, (weasyprint.formatting_structure.boxes.LineBox,
                          weasyprint.formatting_structure.boxes.InlineBox)):
        for child in box.children:
            yield from _text_boxes(child)


def _spread(box: Any, spacing: float, x_advance: float) -> float:
    """Move `box` right by `x_advance` and widen its text by `spacing` after each character."""
    boxes = weasyprint.formatting_structure.boxes
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        box.justification_spacing = 0
        box.pango_layout = _SpacedLayout(box.style, spacing)
        box.pango_layout.set_text(box.text)
        box.pango_layout.deactivate()
        box.width += spacing * len(box.text)
        return x_advance + spacing * len(box.text)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        start = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, spacing, x_advance)
        box.width += x_advance - start
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


def justify_line(context: Any, line: Any, extra_width: float) -> None:
    """Justify a line; a Chinese line gets equal extra space between all its characters.

    WeasyPrint 70 stretches only spaces, so a Chinese line would end short of the
    column edge. clreq justifies by spacing every character gap instead; the text
    itself is untouched (letter spacing, no inserted characters).
    """
    texts = [box.text for box in _text_boxes(line)]
    count = sum(len(t) for t in texts)
    if count < 2 or not any(_CJK_CHAR.search(t) for t in texts):
        _ORIGINAL_JUSTIFY(context, line, extra_width)
        return
    _spread(line, extra_width / (count - 1), 0)


_ORIGINAL_JUSTIFY = wp_inline.justify_line


@contextlib.contextmanager
def cjk_justification() -> Iterator[None]:
    """Use `justify_line` for the duration of one render only."""
    wp_inline.justify_line = justify_line
    try:
        yield
    finally:
        wp_inline.justify_line = _ORIGINAL_JUSTIFY


# ---- errors: anything WeasyPrint logs as an error fails the build --------------------

class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextlib.contextmanager
def errors_fail(doc: Document) -> Iterator[None]:
    """Raise RenderError when WeasyPrint logs an error (it would write the PDF anyway)."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    except weasyprint.urls.FatalURLFetchingError as error:
        raise RenderError(f"PDF refused a resource: {error}", doc.source,
                          hint="use images and files inside the source folder") from None
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        raise RenderError(f"PDF rendering failed: {handler.messages[0]}", doc.source)


# ---- rendering ---------------------------------------------------------------------

def page_css(layout: Layout) -> str:
    """The @page rule from layout.yaml (pdf.page.size, pdf.bleed, pdf.marks)."""
    size = layout.get("pdf.page.size", "A4")
    bleed = layout.get("pdf.bleed") or "0"
    marks = layout.get("pdf.marks") or "none"
    marks = "crop" if marks is True else marks
    for key, value in (("pdf.page.size", size), ("pdf.bleed", bleed), ("pdf.marks", marks)):
        if not _PAGE_VALUE.match(str(value)):
            raise LayoutError(f"{key} {value!r} is not a CSS page value", layout.dirs[0] / "layout.yaml")
    return f"@page {{ size: {size}; bleed: {bleed}; marks: {marks}; }}"


def render(doc: Document, layout: Layout) -> bytes:
    """The print PDF of `doc` in `layout`, as bytes."""
    html = print_html(doc, layout)
    roots = [doc.base_dir, *layout.dirs]
    fetcher = SandboxFetcher(roots, [Path(p) for p in layout.get("pdf.font_dirs") or []])
    with errors_fail(doc), cjk_justification():
        document = weasyprint.HTML(string=html, base_url=doc.base_dir.resolve().as_uri() + "/",
                                   url_fetcher=fetcher).render(
            stylesheets=[weasyprint.CSS(string=page_css(layout), url_fetcher=fetcher)],
            pdf_variant=layout.get("pdf.variant"))
        pdf: bytes = document.write_pdf(
            pdf_variant=layout.get("pdf.variant"), pdf_identifier=doc.stem.encode(),
            uncompressed_pdf=False)
    return pdf
