"""E-reader HTML: one self-contained file (inline CSS, images as data URIs, no script)."""
from __future__ import annotations

import base64

from ..layout import Layout
from ..model import Document, Figure, Image
from ..templates import markup, render_template
from .html_parts import context, screen_image, setting, stylesheet
from .htmlbody import HtmlWriter

#: the page may load nothing: no scripts, fonts, frames or remote images; only its
#: own inline styles and data-URI images (kept in code so a layout cannot loosen it)
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def render(doc: Document, layout: Layout) -> bytes:
    """The e-reader edition of `doc` as UTF-8 HTML."""
    writer = HtmlWriter(image_src=lambda figure: data_uri(figure, layout),
                        figure_label=layout.word("html", "figure", doc.meta.language),
                        sections=True).for_document(doc)
    page = render_template(
        layout, setting(layout, "html", "template"), **context(doc, layout, "html"),
        body=markup(writer.body(doc)), csp=markup(CONTENT_SECURITY_POLICY),
        # inserted as markup: Jinja2 autoescape would turn the quotes of font-family into &#34;
        styles=markup(stylesheet(layout, setting(layout, "html", "stylesheets"))))
    return page.encode("utf-8")


def data_uri(figure: Figure | Image, layout: Layout) -> str:
    """The picture's screen copy as a data: URI."""
    data, mime = screen_image(figure.src, layout, "html")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
