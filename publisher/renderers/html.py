"""E-reader HTML: one self-contained file (inline CSS, images as data URIs, no script)."""
from __future__ import annotations

import base64
from collections import Counter
from html import escape
from pathlib import Path

from ..layout import Layout
from ..model import Document, Figure, Image
from ..templates import markup, render_template
from .html_parts import context, reading_order, screen_image, screen_words, setting, stylesheet
from .htmlbody import HtmlWriter

#: the page may load nothing: no scripts, fonts, frames or remote images; only its
#: own inline styles and data-URI images (kept in code so a layout cannot loosen it)
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def render(doc: Document, layout: Layout) -> bytes:
    """The e-reader edition of `doc` as UTF-8 HTML."""
    doc = reading_order(doc, layout, "html")
    shared = SharedPictures(doc, layout)
    writer = HtmlWriter(image_src=lambda figure: data_uri(doc, figure, layout),
                        figure_label=layout.word("html", "figure", doc.meta.language),
                        sections=True, picture_markup=shared.use,
                        screen=screen_words(layout, "html", doc.meta.language)).for_document(doc)
    body = writer.body(doc)
    page = render_template(
        layout, setting(layout, "html", "template"), **context(doc, layout, "html"),
        body=markup(shared.store() + body), csp=markup(CONTENT_SECURITY_POLICY),
        # inserted as markup: Jinja2 autoescape would turn the quotes of font-family into &#34;
        styles=markup(stylesheet(layout, setting(layout, "html", "stylesheets"))))
    return page.encode("utf-8")


def data_uri(doc: Document, figure: Figure | Image, layout: Layout) -> str:
    """The picture's screen copy as a data: URI."""
    data, mime = screen_image(doc, figure.src, layout, "html")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class SharedPictures:
    """Pictures the document shows more than once, their data written once.

    A data URI cannot be pointed at, so each such picture is an SVG <image> in a store at
    the top of the body, and every use is an <svg role="img"> with a <use> of it: no
    script, any browser. A yearbook that repeats a few photos stays small.
    """

    def __init__(self, doc: Document, layout: Layout) -> None:
        self.doc, self.layout = doc, layout
        uses = Counter(doc.picture_uses)
        #: file → its id in the store, for each picture used more than once, first use first
        self.ids = {src: f"picture-{n}" for n, src in enumerate((s for s in uses if uses[s] > 1), 1)}
        #: file → (its data URI, its width and height), filled as the pictures are written
        self.stored: dict[Path, tuple[str, int, int]] = {}

    def use(self, node: Figure | Image, css_class: str) -> str | None:
        """An <svg> showing the stored picture, or None for a picture shown once (a plain <img>)."""
        ident = self.ids.get(node.src)
        if ident is None:
            return None
        self.stored.setdefault(node.src, (data_uri(self.doc, node, self.layout), node.width, node.height))
        # as <img alt="…">: a picture with a description, or one the reader passes over (alt="")
        seen = f'role="img" aria-label="{escape(node.alt)}"' if node.alt else 'aria-hidden="true"'
        classes = f"picture {css_class}".strip()
        return (f'<svg class="{classes}" viewBox="0 0 {node.width} {node.height}" width="{node.width}" '
                f'height="{node.height}" {seen}><use href="#{ident}" /></svg>')

    def store(self) -> str:
        """The store of pictures: invisible, outside the reading order."""
        if not self.stored:
            return ""
        images = "".join(f'<image id="{self.ids[src]}" href="{uri}" width="{width}" height="{height}" />'
                         for src, (uri, width, height) in self.stored.items())
        return (f'<svg class="picture-store" width="0" height="0" aria-hidden="true" focusable="false">'
                f"<defs>{images}</defs></svg>\n")
