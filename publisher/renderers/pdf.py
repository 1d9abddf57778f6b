"""Print PDF edition: print HTML plus the layout's print CSS through WeasyPrint (the only weasyprint importer)."""
from __future__ import annotations

import contextlib
import gc
import logging
import mimetypes
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.layout import inline as wp_inline
from weasyprint.pdf import VARIANTS
from weasyprint.text import line_break as wp_text
from weasyprint.text.ffi import TO_UNITS, ffi, pango
from weasyprint.text.fonts import FontConfiguration

from .. import images, preflight, terminal
from ..errors import LayoutError, MissingGlyphs, PublisherError, RenderError, Unprintable, line_of
from ..layout import Layout
from ..model import Document
from ..typography import CHINESE_TEXT, CJK
from .pdf_columns import lines_kept_while_balancing, single_pass_columns
from .pdf_write import lean_writing, stable_document_id
from .pdf_html import SOURCE_ROOT, print_html, url_aliases

#: a CSS length or keyword accepted for page size, bleed and marks (values from layout.yaml)
_PAGE_VALUE = re.compile(r"^[A-Za-z0-9. ]{1,40}$")


# ---- resources: only the source folder and the layout folders -----------------------

class SandboxFetcher(weasyprint.URLFetcher):
    """Serves files under the allowed folders only; anything else stops the render."""

    def __init__(self, roots: list[Path], font_roots: list[Path],
                 aliases: dict[str, Path] | None = None, files: list[Path] | None = None,
                 pictures: dict[Path, str] | None = None) -> None:
        super().__init__(allowed_protocols={"file"})
        #: the document's pictures → the digest of the bytes the reader checked
        self.pictures = dict(pictures or {})
        #: single files allowed wherever they lie (the layout's output profile)
        self.files = {f.resolve() for f in files or []}
        #: URL path roots that stand for real folders (see pdf_html.url_aliases)
        self.aliases = aliases or {}
        #: folders whose files any resource may come from
        self.roots = [r.resolve() for r in roots]
        #: system font folders, served only for font files (what CSS `local()` resolves to)
        self.font_roots = [r.resolve() for r in font_roots]

    def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
        picture = self.picture_at(url)
        if picture is not None:  # the picture the reader checked, or nothing
            try:
                data = images.checked_picture(picture, self.pictures[picture])
            except PublisherError as error:
                raise weasyprint.urls.FatalURLFetchingError(error.cause) from None
            kind = mimetypes.guess_type(picture.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, data, {"Content-Type": kind})
        path = self.allowed(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # answer with the URL asked for: WeasyPrint bases a stylesheet's url()s on it, and
        # the real path would differ between checkouts (see pdf_html.SOURCE_ROOT)
        return weasyprint.urls.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    def picture_at(self, url: str) -> Path | None:
        """The document picture `url` names, as the reader resolved it (not resolved again: a link
        put in its place since is refused when it is opened), or None."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = self.real_path(unquote(parts.path))
        return path if path in self.pictures else None

    def allowed(self, url: str) -> Path:
        """The local file `url` names, if it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise weasyprint.urls.FatalURLFetchingError(f"resource {url!r} is not a local file")
        path = self.real_path(unquote(parts.path)).resolve()
        fonts = path.suffix.lower() in {".ttf", ".otf", ".ttc", ".woff", ".woff2"}
        roots = self.roots + (self.font_roots if fonts else [])
        if path in self.files:
            return path
        if not path.is_file() or not any(path.is_relative_to(root) for root in roots):
            raise weasyprint.urls.FatalURLFetchingError(
                f"resource {url!r} lies outside the source and layout folders")
        return path

    def real_path(self, url_path: str) -> Path:
        """The file a URL path names, after replacing an alias root by its folder."""
        for root, folder in self.aliases.items():
            if url_path.startswith(root):
                return folder / url_path[len(root):]
        return Path(url_path)


# ---- justification: CJK lines are spread between characters ----------------------

class _SpacedLayout(wp_text.Layout):  # type: ignore[misc]
    """A Pango layout that draws its text with `extra_spacing` more letter spacing."""

    extra_spacing = 0.0

    def set_text(self, text: str, justify: bool = False) -> None:
        super().set_text(text, justify)
        if not (justify and self.extra_spacing):
            return
        own = self.style["letter_spacing"]
        spacing = self.extra_spacing + (0 if own == "normal" else own)
        attrs = pango.pango_layout_get_attributes(self.layout)
        if attrs == ffi.NULL:
            attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        attr = pango.pango_attr_letter_spacing_new(round(spacing * TO_UNITS))
        attr.start_index, attr.end_index = 0, len(self.text.encode())
        pango.pango_attr_list_change(attrs, attr)
        pango.pango_layout_set_attributes(self.layout, attrs)


#: runs a CJK font may draw as one glyph (no letter spacing inside): measured, not counted
_LIGATURES = ("——", "……")


def _text_boxes(box: Any) -> Iterator[Any]:
    if isinstance(box, weasyprint.formatting_structure.boxes.TextBox):
        if box.text:
            yield box
    elif isinstance(box, (weasyprint.formatting_structure.boxes.LineBox,
                          weasyprint.formatting_structure.boxes.InlineBox)):
        for child in box.children:
            yield from _text_boxes(child)


def _inner_gaps(box: Any) -> int:
    """Character gaps inside a text box that justification widens (none in a Latin run)."""
    return len(box.text) - 1 if CHINESE_TEXT.search(box.text) else 0


def _added_width(box: Any, step: float) -> float:
    """The width `step` letter spacing adds to `box`; measured with Pango where a ligature may hide a gap."""
    gaps = _inner_gaps(box)
    if not gaps or not any(run in box.text for run in _LIGATURES):
        return step * gaps
    layout = wp_text.create_layout(box.text, box.style, None, None, 0)
    layout.__class__ = _SpacedLayout
    layout.extra_spacing = step
    layout.set_text(box.text, justify=True)
    width, _ = wp_text.line_size(layout.get_first_line()[0], box.style)
    layout.deactivate()
    return width - box.width


def _spread(box: Any, step: float, last: Any, x_advance: float) -> float:
    """Move `box` right by `x_advance` and widen its CJK text by `step` per gap."""
    boxes = weasyprint.formatting_structure.boxes
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        if not box.text:
            return x_advance
        if _inner_gaps(box):
            # drawn later with letter spacing: the layout re-applies it when reactivated
            box.pango_layout.__class__ = _SpacedLayout
            box.pango_layout.extra_spacing += step  # a shrunk line may be justified again
            box.justification_spacing = 0
        added = _added_width(box, step) + (0.0 if box is last else step)
        box.width += added
        return x_advance + added
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        start = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, step, last, x_advance)
        box.width += x_advance - start
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


def _gap_count(texts: list[Any], step: float = 0.0) -> float:
    """Gaps of a line: inside CJK runs and between runs (measured ones as `added / step`)."""
    inner = sum(_added_width(b, step) / step if step else _inner_gaps(b) for b in texts)
    return inner + len(texts) - 1


def justify_line(context: Any, line: Any, extra_width: float) -> None:
    """Justify a line; a Chinese line gets equal extra space at every character gap.

    WeasyPrint 70 stretches only spaces, so a Chinese line would end short of the
    column edge. clreq justifies by spacing the gaps between characters instead:
    here with Pango letter spacing applied when the text is drawn, so the text
    itself is untouched. Runs without CJK (the digits of a number, a Latin word)
    keep their letters together and take the extra space only at their ends.
    """
    texts = list(_text_boxes(line))
    if not any(CHINESE_TEXT.search(box.text) for box in texts):
        _ORIGINAL_JUSTIFY(context, line, extra_width)
        return
    gaps = _gap_count(texts)
    if gaps < 1 or extra_width == 0:
        return
    if any(run in box.text for box in texts for run in _LIGATURES):
        gaps = _gap_count(texts, extra_width / gaps)
    _spread(line, extra_width / gaps, texts[-1], 0)


#: a line looser than this per gap (em) tries to take one more unit and shrink instead;
#: above about 0.15 em, text extractors (pdftotext, pypdf) read the gap as a space
LOOSE = 0.12
#: the most a line may shrink per gap (em) to take in the next unit
SHRINK = 0.06


def _gaps(line: Any) -> int:
    texts = list(_text_boxes(line))
    return sum(_inner_gaps(b) for b in texts) + max(0, len(texts) - 1)


def _is_cjk_justified(box: Any) -> bool:
    return bool(box.style["text_align_all"] == "justify" and box.style["white_space"] == "normal")


def split_inline_box(context: Any, box: Any, position_x: float, max_x: float, *args: Any) -> Any:
    """Break a line; a Chinese line that would be very loose takes one more unit and shrinks.

    Greedy breaking leaves a line short by up to a whole unbreakable unit (a
    number with its measure word, "识”、" that may not start a line). Spreading
    that over a dozen gaps looks gappy, so first try a slightly wider measure
    and condense the line by at most SHRINK em per gap (clreq allows both).
    """
    lists = args[3:8]  # absolute, fixed, placeholders, waiting floats, line children
    marks = [len(items) for items in lists]
    result = _ORIGINAL_SPLIT(context, box, position_x, max_x, *args)
    line, resume_at = result[0], result[1]
    if (resume_at is None or not isinstance(box, weasyprint.formatting_structure.boxes.LineBox)
            or not _is_cjk_justified(box)):
        return result
    em, gaps = box.style["font_size"], _gaps(line)
    short = max_x - (line.content_box_x() + line.width)
    if gaps < 4 or short <= LOOSE * em * gaps or not any(CHINESE_TEXT.search(b.text) for b in _text_boxes(line)):
        return result
    first = [items[mark:] for items, mark in zip(lists, marks)]
    _truncate(lists, marks)
    wider = _ORIGINAL_SPLIT(context, box, position_x, max_x + SHRINK * em * gaps, *args)
    over = wider[0].content_box_x() + wider[0].width - max_x
    if wider[1] is None or over <= 0 or over > SHRINK * em * _gaps(wider[0]):
        _truncate(lists, marks)  # keep the first break, and what it added to the lists
        for items, added in zip(lists, first):
            items.extend(added)
        return result
    # condensed to a hair over the measure, so text_align leaves the line alone
    justify_line(context, wider[0], 1e-4 - over)
    return wider


def _truncate(lists: tuple[list[Any], ...], marks: list[int]) -> None:
    for items, mark in zip(lists, marks):
        del items[mark:]


_ORIGINAL_JUSTIFY = wp_inline.justify_line
_ORIGINAL_SPLIT = wp_inline.split_inline_box


@contextlib.contextmanager
def cjk_justification() -> Iterator[None]:
    """Use this module's line breaking and justification for the duration of one render only."""
    wp_inline.justify_line, wp_inline.split_inline_box = justify_line, split_inline_box
    try:
        yield
    finally:
        wp_inline.justify_line, wp_inline.split_inline_box = _ORIGINAL_JUSTIFY, _ORIGINAL_SPLIT


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


def pdf_variant(layout: Layout) -> str | None:
    """The layout's pdf.variant (pdf/ua-1, pdf/a-3b …), one WeasyPrint knows, or None for plain PDF."""
    variant = layout.get("pdf.variant")
    if variant is None or variant == "":
        return None
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise LayoutError(f"pdf.variant {variant!r} is not a PDF variant", layout.dirs[0] / "layout.yaml",
                          hint="use one of " + ", ".join(sorted(VARIANTS)) + ", or leave it empty")
    return variant


def output_profile(layout: Layout, variant: str | None) -> Path | None:
    """For PDF/X, the printer's CMYK profile (pdf.output_profile), checked: it becomes the
    output intent every PDF/X must carry. None for the other variants."""
    if not variant or not variant.startswith("pdf/x"):
        return None
    where = layout.dirs[0] / "layout.yaml"
    named = layout.get("pdf.output_profile")
    if not named:
        raise LayoutError(f"pdf.variant {variant} needs the printer's CMYK profile", where,
                          hint="name its .icc file in pdf.output_profile")
    if not isinstance(named, str) or "\0" in named:
        raise LayoutError(f"pdf.output_profile {named!r} is not a file name", where)
    profile = Path(named) if Path(named).is_absolute() else layout.find(named)
    try:
        if not stat.S_ISREG(profile.stat().st_mode):  # a pipe would hang the build, a folder fail it
            raise LayoutError(f"pdf.output_profile {named!r} is not a file", where)
        with open(profile, "rb") as handle:
            head = handle.read(40)
    except OSError as error:
        raise LayoutError(f"pdf.output_profile {named!r} cannot be read: {error.strerror}", where,
                          hint="install libgs-common (tools/setup.sh does), or name your printer's .icc file") from None
    if len(head) < 40 or head[36:40] != b"acsp":
        raise LayoutError(f"pdf.output_profile {named!r} is not an ICC profile", where)
    if head[16:20] != b"CMYK":
        raise LayoutError(f"pdf.output_profile {named!r} is a {head[16:20].decode('latin-1').strip()} "
                          "profile, not CMYK", where, hint="PDF/X prints in CMYK: name the printer's CMYK profile")
    return profile


def output_intent_css(profile: Path | None) -> str:
    """The @color-profile rule WeasyPrint makes the output intent from (device-cmyk)."""
    return (f"@color-profile device-cmyk {{ src: url(\"{profile.as_uri()}\"); components: c, m, y, k; }}"
            if profile else "")


def refuse_undated_pdfx(doc: Document, variant: str | None) -> None:
    """PDF/X must carry its dates; WeasyPrint would take the clock's, and two builds would differ."""
    if variant and variant.startswith("pdf/x") and not doc.meta.date:
        raise LayoutError(f"a {variant} edition carries its creation date, and this source has none",
                          doc.source, hint="give the source a date: in its front matter (or set SOURCE_DATE_EPOCH)")


@contextlib.contextmanager
def font_configuration() -> Iterator[FontConfiguration]:
    """WeasyPrint's font configuration for one render, and the temporary folder it makes for
    @font-face files removed after (WeasyPrint removes it only when the object is collected,
    which a finishing worker process never does)."""
    fonts = FontConfiguration()
    try:
        yield fonts
    finally:
        folder = getattr(fonts, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


#: the longest run of text without a break opportunity the print edition sets: WeasyPrint lays out
#: the rest of a run for each line it breaks, so its time grows with the square of the run (20,000
#: characters: 13 s; 50,000: 71 s; a 1 MB URL: past 5 minutes). No word or address is this long.
MAX_UNBROKEN = 10_000
_UNBROKEN = re.compile(rf"[^\s{CJK}]{{{MAX_UNBROKEN + 1},}}")


def refuse_unbreakable(doc: Document, places: list[tuple[str, str]]) -> None:
    """Stop before rendering a run of text no line could hold (the other editions are built)."""
    for where, text in places:
        found = _UNBROKEN.search(text)
        if found:
            source = preflight.source_text(doc.source)
            raise Unprintable(f"a run of {len(found.group()):,} characters without a space (in {where}) is "
                              f"longer than print can break into lines; the limit is {MAX_UNBROKEN:,}",
                              doc.source, line_of(source, found.group()[:200]),
                              hint="the other editions are built; shorten it, or put spaces in it")


#: the most headings and pictures one print edition sets: each is a box WeasyPrint lays out, a
#: bookmark and a tag (5,000 headings: 25 s and 0.5 GB; the seed copied 100 times has 1,100
#: headings and 400 pictures); a source with more is a book, to be split
MAX_PRINT_HEADINGS = MAX_PRINT_PICTURES = 5_000


def refuse_oversized(doc: Document) -> None:
    """Stop before rendering more headings or pictures than print sets in bounded time."""
    for count, what, limit in ((len(doc.headings), "headings", MAX_PRINT_HEADINGS),
                               (len(doc.picture_uses), "pictures", MAX_PRINT_PICTURES)):
        if count > limit:
            raise Unprintable(f"the print edition would set {count:,} {what}; the limit is {limit:,}",
                              doc.source, hint="the other editions are built; split the source into several")


def refuse_tofu(doc: Document, layout: Layout, places: list[tuple[str, str]]) -> None:
    """Stop before rendering when a character has no glyph in the layout's fonts."""
    missing = preflight.tofu(doc, list(layout.get("pdf.fonts") or []), places)
    if missing:
        raise MissingGlyphs(preflight.tofu_cause(missing), doc.source, missing[0].line,
                            hint="the other editions are built; use another character, or install a font "
                                 "that has it and add it to pdf.fonts")


def render(doc: Document, layout: Layout) -> bytes:
    """The print PDF of `doc` in `layout`, as bytes."""
    variant = pdf_variant(layout)
    profile = output_profile(layout, variant)
    refuse_undated_pdfx(doc, variant)
    places = preflight.text_places(doc)  # every text the print edition shows, gathered once
    refuse_unbreakable(doc, places)
    refuse_oversized(doc)
    refuse_tofu(doc, layout, places)
    html = print_html(doc, layout)
    roots = [doc.base_dir, *layout.dirs]
    fetcher = SandboxFetcher(roots, [Path(p) for p in layout.get("pdf.font_dirs") or []],
                             url_aliases(doc, layout), files=[profile] if profile else [], pictures=doc.pictures)
    profiles: dict[str, Any] = {}  # the @color-profile rules, shared by the stylesheet and the render
    with errors_fail(doc), font_configuration() as fonts, cjk_justification(), single_pass_columns(), lines_kept_while_balancing(), \
            terminal.layout_progress("weasyprint.progress", f"{doc.source.name}: pdf"):
        document = weasyprint.HTML(string=html, base_url=f"file://{SOURCE_ROOT}",
                                   url_fetcher=fetcher).render(
            stylesheets=[weasyprint.CSS(string=page_css(layout) + output_intent_css(profile), url_fetcher=fetcher,
                                        color_profiles=profiles, font_config=fonts)],
            color_profiles=profiles, font_config=fonts, pdf_variant=variant)
        gc.collect()  # the layout's garbage goes before writing needs memory (peak −25 MB at 100×)
        with lean_writing(), stable_document_id(f"publisher:{doc.stem}:{doc.meta.title}:{doc.meta.date}"):
            pdf: bytes = document.write_pdf(
                pdf_variant=variant, pdf_identifier=doc.stem.encode(),
                uncompressed_pdf=False)
    return pdf
