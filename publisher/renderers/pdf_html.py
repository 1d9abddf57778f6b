"""Print HTML for the PDF edition: the body from HtmlWriter inside the layout's print template."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from ..arrange import opening_figures, spread
from ..errors import LayoutError, SourceError
from ..layout import Layout
from ..model import Block, Document, Figure, Heading, Image, Paragraph
from ..templates import markup, render_template
from ..people import author_line
from .html_parts import display_date, weekday
from .htmlbody import HtmlWriter

#: a section heading opening with a label letter or number ("A 党的…", "3 …")
_HEADING_LABEL = re.compile(r'(<h2 id="[^"]*">)(?:<span class="num">)?([A-Z0-9]{1,2})(?:</span>)?(?= )')

#: the print template every print layout uses unless its layout.yaml names another
TEMPLATE = "print.html.j2"


@dataclass(frozen=True)
class Parts:
    """The document split the way a front page shows it."""
    lead_figure: Figure | None
    lead: tuple[Paragraph, ...]
    body: tuple[Block, ...]


def split(doc: Document, layout: Layout) -> Parts:
    """Lead photo and lead paragraphs to the page top; other leading photos spread over the body."""
    leading, blocks = opening_figures(list(doc.blocks))
    lead_figure = leading.pop(0) if leading and layout.get("pdf.lead_figure", True) else None
    lead: list[Paragraph] = []
    while blocks and isinstance(blocks[0], Paragraph) and blocks[0].role == "lead":
        lead.append(blocks.pop(0))  # type: ignore[arg-type]
    body = spread(blocks, leading) if layout.get("pdf.spread_figures", True) else [*leading, *blocks]
    return Parts(lead_figure, tuple(lead), tuple(body))


def issue_date(doc: Document) -> dt.date | None:
    """The front-matter date as a date (the template formats it, e.g. 2025年1月20日)."""
    if not doc.meta.date:
        return None
    try:
        return dt.date.fromisoformat(str(doc.meta.date))
    except ValueError:
        raise SourceError(f"date {doc.meta.date!r} is not YYYY-MM-DD", doc.source) from None


#: URL roots standing for the source folder and the layout folders. The PDF names
#: each image by a hash of its URL, so no path of this checkout may reach a URL:
#: two checkouts at different paths must give the same bytes.
SOURCE_ROOT = "/publisher/source/"
LAYOUTS_ROOT = "/publisher/layouts/"


def url_aliases(doc: Document, layout: Layout) -> dict[str, Path]:
    """URL root → the real folder it stands for (what the fetcher serves)."""
    return {SOURCE_ROOT: doc.base_dir, **{f"{LAYOUTS_ROOT}{d.name}/": d for d in layout.dirs}}


def stylesheets(layout: Layout) -> list[str]:
    """URLs of the layout's print stylesheets, each looked up along the layout chain."""
    names = layout.get("pdf.stylesheets") or []
    if not isinstance(names, list):
        raise LayoutError("pdf.stylesheets must be a list of CSS file names", layout.dirs[0] / "layout.yaml")
    urls = []
    for name in names:
        folder = layout.find(str(name)).parent
        urls.append(f"file://{LAYOUTS_ROOT}{folder.name}/{name}")
    return urls


def image_url(doc: Document) -> Callable[[Figure | Image], str]:
    """URLs of figure images under SOURCE_ROOT (each lies inside the source folder).

    The path is percent-encoded: a file named 'a#b.jpg' or 'a%20b.jpg' is that file,
    not 'a' with a fragment or 'a b.jpg'.
    """
    base = doc.base_dir.resolve()
    # the reader resolved and checked each path: resolved again, a link put there since would
    # lead elsewhere (the fetcher then refuses to read it)
    return lambda figure: f"file://{SOURCE_ROOT}{quote(Path(figure.src).relative_to(base).as_posix())}"


def print_html(doc: Document, layout: Layout) -> str:
    """The complete print HTML document for `doc` in `layout`."""
    language = doc.meta.language
    writer = HtmlWriter(image_url(doc), layout.word("pdf", "figure", language), sections=False,
                        missing_alt=str(layout.word("pdf", "picture", language))).for_document(doc)
    parts = split(doc, layout)
    first_heading = next((b for b in doc.blocks if isinstance(b, Heading)), None)
    return render_template(
        layout, str(layout.get("pdf.template", TEMPLATE)),
        meta=doc.meta, date=issue_date(doc), stylesheets=stylesheets(layout), **print_words(doc, layout),
        lead_figure=markup(writer.block(parts.lead_figure)) if parts.lead_figure else None,
        lead=markup(writer.blocks(parts.lead)),
        body=markup(heading_labels(writer.blocks(parts.body) + writer.footnotes(doc.footnotes))),
        has_headings=first_heading is not None)


def print_words(doc: Document, layout: Layout) -> dict[str, str]:
    """The authors (metadata), date, weekday and page-number words, in the document's language."""
    labels, language = layout.labels(doc.meta.language), doc.meta.language
    before, _, after = str(layout.word("pdf", "page_number", language)).partition("{page}")
    return {"authors": author_line(doc.meta.byline, layout.word("pdf", "byline_roles", language)),
            "date_text": display_date(doc.meta.date, layout.word("pdf", "date", language), labels),
            "weekday_text": weekday(doc.meta.date, labels), "page_before": before, "page_after": after}


def heading_labels(html: str) -> str:
    """Wrap the label of a section heading ("A" of "A 党的…") in span.label for the layout to style.

    (CSS ::first-letter would do, but WeasyPrint 70 widens it when the heading moves to a new page.)
    """
    return _HEADING_LABEL.sub(r'\1<span class="label">\2</span>', html)
