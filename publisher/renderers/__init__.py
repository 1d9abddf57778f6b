"""The output formats: name → module with `render(doc, layout) -> bytes`.

A format's name is also its module name and its file suffix. Modules are
imported on first use, so a DOCX build never pays for importing WeasyPrint.
"""
from __future__ import annotations

import importlib
from typing import Callable

from ..layout import Layout
from ..model import Document

#: every output format, in build order
RENDERERS: dict[str, str] = {
    "pdf": "publisher.renderers.pdf",
    "docx": "publisher.renderers.docx",
    "html": "publisher.renderers.html",
    "epub": "publisher.renderers.epub",
}
#: layout used when neither the command line nor the front matter names one
DEFAULT_LAYOUTS: dict[str, str] = {"pdf": "newspaper", "docx": "department",
                                   "html": "ereader", "epub": "ereader"}

Render = Callable[[Document, Layout], bytes]


def renderer(fmt: str) -> Render:
    """The render function of format `fmt`."""
    module = importlib.import_module(RENDERERS[fmt])
    return module.render  # type: ignore[no-any-return]
