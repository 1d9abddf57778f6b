"""EPUB 3: the e-reader body as one XHTML document, a nav document and a package, zipped reproducibly."""
from __future__ import annotations

import datetime as dt
import functools
import io
import os
import subprocess
import uuid
import zipfile
from pathlib import Path
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from .. import images
from ..errors import RenderError
from ..layout import Layout
from ..model import Document, Figure
from ..output import zip_timestamp
from ..people import authors, role_word
from ..templates import markup, render_template
from .html_parts import context, reading_order, screen_image, screen_words, setting, stylesheet, whole_number
from .htmlbody import HtmlWriter

#: package folder inside the zip; every href below is relative to it
ROOT = "EPUB"
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""
#: dcterms:modified of an undated source: the zip epoch its entries carry too
UNDATED = dt.date(1980, 1, 1)
SUFFIXES = {"image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Item:
    """One file of the package and its manifest entry."""
    id: str
    href: str
    media_type: str
    data: bytes
    properties: str = ""


def render(doc: Document, layout: Layout) -> bytes:
    """The EPUB 3 edition of `doc` as zip bytes."""
    doc = reading_order(doc, layout, "epub")
    source = cover_source(doc, layout)
    cover = cover_page(doc, layout, source) if source is not None else None
    pictures = package_pictures(doc, layout, designed=cover is not None)
    writer = HtmlWriter(image_src=lambda figure: pictures[figure.src].href,
                         figure_label=layout.word("epub", "figure", doc.meta.language),
                         sections=True, screen=screen_words(layout, "epub", doc.meta.language),
                         epub=True).for_document(doc)
    shared = context(doc, layout, "epub")
    templates = setting(layout, "epub", "templates")
    css = Item("css", "styles/book.css", "text/css",
               stylesheet(layout, setting(layout, "epub", "stylesheets")).encode("utf-8"))
    content = xhtml_item("content", "content.xhtml", render_template(
        layout, templates["content"], **shared, body=markup(writer.body(doc)), css=css.href))
    nav = xhtml_item("nav", "nav.xhtml", render_template(
        layout, templates["nav"], **shared, content=content.href, css=css.href), "nav")
    about = metadata(doc, layout)
    ncx = Item("ncx", "toc.ncx", "application/x-dtbncx+xml", render_template(
        layout, templates["ncx"], **shared, identifier=about["identifier"], content=content.href,
        play=play_order(shared["toc"]), depth=toc_depth(shared["toc"])).encode("utf-8"))
    _check_xml("toc.ncx", ncx.data.decode("utf-8"))
    items = [content, nav, ncx, css, *pictures.values(), *([cover] if cover else [])]
    package = render_template(layout, templates["package"], **shared, **about,
                              items=items, spine=[content], ncx=ncx.id,
                              nav_item=nav.id)  # in the spine out of reading order: landmarks may point at it
    _check_xml("package.opf", package)
    return zip_package(items, package.encode("utf-8"), zip_timestamp(doc.meta.date))


def cover_source(doc: Document, layout: Layout) -> Path | None:
    """The picture the cover is made from (epub.cover_figure), if the document shows it."""
    number = whole_number(layout, "epub", "cover_figure")
    return next((f.src for f in doc.figures if f.number == number), None)


def package_pictures(doc: Document, layout: Layout, designed: bool = False) -> dict[Path, Item]:
    """One package image per distinct image file (a yearbook reuses its photos), by file.

    Member names are made here, never taken from the source (a figure's id or a file's
    name could hold '../', a backslash or a name another picture has): images/fig-N.jpg
    after the first figure N showing the file, else images/picture-N.jpg.
    """
    cover = cover_source(doc, layout)
    first_figure: dict[Path, Figure] = {}
    for figure in reversed([f for f in doc.figures if f.number]):
        first_figure[figure.src] = figure
    pictures: dict[Path, Item] = {}
    for index, src in enumerate(doc.picture_files, start=1):
        shown = first_figure.get(src)
        name = (f"image-{shown.number}", f"fig-{shown.number}") if shown else (f"picture-{index}", f"picture-{index}")
        pictures[src] = picture(doc, src, name, layout, src == cover and not designed)
    return pictures


def cover_page(doc: Document, layout: Layout, src: Path) -> Item | None:
    """The cover a library shows: the title over the lead photo (images.cover), in the first
    face of epub.cover_fonts fontconfig finds; None (the photo as it is) when it finds none."""
    font = find_font(tuple(layout.get("epub.cover_fonts") or ()))
    if font is None:
        return None
    data = images.cover(src, doc.pictures.get(src, ""), doc.meta.title, doc.meta.subtitle, font,
                        whole_number(layout, "epub", "image_quality"))
    return Item("cover-image", "images/cover.jpg", "image/jpeg", data, "cover-image")


@functools.lru_cache(maxsize=8)
def find_font(patterns: tuple[str, ...]) -> Path | None:
    """The file of the first font pattern fontconfig knows ('Noto Serif CJK SC:bold'); asked once
    a process (a build of many sources runs fc-match once)."""
    for pattern in patterns:
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", str(pattern)], capture_output=True, text=True,
                                   timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        if found and Path(found).is_file() and Path(found).stem.replace("-", "").lower().startswith(
                str(pattern).split(":")[0].replace(" ", "").replace("SC", "").lower()):
            return Path(found)
    return None


def picture(doc: Document, src: Path, name: tuple[str, str], layout: Layout, cover: bool) -> Item:
    """The picture's screen copy as a package image: `name` is its (manifest id, file name)."""
    data, mime = screen_image(doc, src, layout, "epub")
    return Item(name[0], f"images/{name[1]}.{SUFFIXES[mime]}", mime, data, "cover-image" if cover else "")


def xhtml_item(item_id: str, href: str, text: str, properties: str = "") -> Item:
    """An XHTML content document, checked to be well-formed XML."""
    _check_xml(href, text)
    return Item(item_id, href, "application/xhtml+xml", text.encode("utf-8"), properties)


def _check_xml(name: str, text: str) -> None:
    try:
        ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        raise RenderError(f"EPUB {name} is not well-formed XML: {error}",
                          hint="check the layout's EPUB templates") from None


def metadata(doc: Document, layout: Layout) -> dict[str, Any]:
    """Package metadata: a stable identifier, creators, modification date and accessibility."""
    return {
        "identifier": identifier(doc),
        "creators": authors(doc.meta.byline, layout.word("epub", "byline_roles", doc.meta.language)),
        "relators": relators(doc, layout),
        "modified": modified(doc),
        "access": {key: setting(layout, "epub", key) for key in (
            "access_modes", "access_modes_sufficient", "accessibility_features", "accessibility_hazards")}
        | {key: layout.get(f"epub.{key}") or "" for key in ("conforms_to", "certified_by")}
        | {"accessibility_summary": layout.word("epub", "accessibility_summary", doc.meta.language)},
    }


def modified(doc: Document) -> str:
    """dcterms:modified: the build's time where the build names one (SOURCE_DATE_EPOCH, as
    reproducible builds do), else the source's date; never the clock, so rebuilds stay identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{(doc.meta.date or UNDATED.isoformat())}T00:00:00Z"


def play_order(toc: list[Any]) -> dict[str, int]:
    """Each contents entry's place in reading order for the NCX (the title is 1)."""
    order: dict[str, int] = {}

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            order[entry.id] = len(order) + 2
            walk(entry.children)
    walk(toc)
    return order


def toc_depth(entries: list[Any]) -> int:
    """How deep the contents go, the title's level counted."""
    return 1 + max((toc_depth(entry.children) for entry in entries), default=0)


def relators(doc: Document, layout: Layout) -> list[str]:
    """What the byline's names are (MARC relator codes: 文/图 → aut and pht), from
    labels.*.byline_relators by the byline's role word; aut when it has none or another."""
    language = doc.meta.language
    word = role_word(doc.meta.byline, layout.word("epub", "byline_roles", language))
    table = layout.labels(language).get("byline_relators") or {}
    return [str(code) for code in table.get(word, ["aut"])]


def identifier(doc: Document) -> str:
    """A UUID derived from the source's file name and title: the same on every build and path."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"publisher:{doc.stem}:{doc.meta.title}"))




def zip_package(items: list[Item], package: bytes, when: tuple[int, int, int, int, int, int]) -> bytes:
    """The OCF zip: `mimetype` first and stored, then container, package and items."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "mimetype", b"application/epub+zip", when, zipfile.ZIP_STORED)
        _add(archive, "META-INF/container.xml", CONTAINER.encode("utf-8"), when)
        _add(archive, f"{ROOT}/package.opf", package, when)
        for item in items:
            _add(archive, f"{ROOT}/{item.href}", item.data, when)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes, when: tuple[int, int, int, int, int, int],
         method: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = method
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)
