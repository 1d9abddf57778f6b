"""HTML extractor: what a reader sees of an HTML edition (lxml's HTML5 tokenizer, the page's
own styles): headings, figures, text, its contents list, language and authors. Also parses
the EPUB's XHTML, strictly (a reading system refuses what is not well-formed) then leniently.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from lxml import etree

from ..errors import PublisherError
from .css import Load, Styles, on_screen
from .difference import Difference
from .edition import EditionFacts, split_authors
from .html_body import BodyReader, decode_data_uri, find_toc, local, text_of, toc_entries

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: an HTML document names its root or its body somewhere (a text file does not)
_HTML_TAG = re.compile(r"<(?:html|body)[\s>/]", re.IGNORECASE)
#: an SGML marked section (<![x[ … ]]>): not HTML, not XML; browsers and reading systems differ
_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_POSITION = re.compile(r",? line \d+, column \d+$")

__all__ = ["extract", "parse_xhtml", "stylesheets", "refuse_marked_sections", "decode_data_uri", "document_facts"]


def extract(path: Path) -> EditionFacts:
    """Read an HTML edition; images and linked stylesheets come from data URIs or files beside it."""
    data, text = read_text(path)
    refuse_marked_sections(text, path)
    if not _HTML_TAG.search(text):
        raise PublisherError("not an HTML document (no <html> or <body>)", path, hint="rebuild it")
    try:
        root, problem = parse_html(data, path)
        load = _beside(path.resolve().parent)
        reader = BodyReader()
        reader.seen += [problem] if problem is not None else []
        reader.read(root, Styles(stylesheets(root, lambda href: _css_text(load(href))), html=True), load, path.name)
    except RecursionError:
        raise PublisherError("HTML nested too deeply to read", path, hint="rebuild it") from None
    facts = reader.facts()
    document_facts(facts, root)
    nav = find_toc(root)
    facts.contents = toc_entries(nav) if nav is not None else None
    return facts


def document_facts(facts: EditionFacts, root: Any) -> None:
    """The title, language and authors the document's head gives."""
    title = next((e for e in root.iter() if local(e.tag) == "title"), None)
    facts.title = text_of(title) if title is not None else None
    facts.language = root.get("lang") or root.get(XML_LANG) or ""
    names = [m.get("content") or "" for m in root.iter()
             if local(m.tag) == "meta" and (m.get("name") or "").lower() == "author"]
    facts.authors = [n for name in names for n in split_authors(name)]


def read_text(path: Path) -> tuple[bytes, str]:
    """A file's bytes (without a byte order mark) and its UTF-8 text, or a one-line error."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PublisherError(f"cannot read edition: {error.strerror}", path) from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        raise PublisherError("edition is not UTF-8 HTML", path, hint="rebuild it") from None


def refuse_marked_sections(text: str, path: Path, member: str = "") -> None:
    """A marked section is neither HTML nor XML: what a reader sees of it depends on the program."""
    found = _MARKED_SECTION.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        where = f"{member}, " if member else ""
        raise PublisherError(f"not readable {'X' if member else ''}HTML: a marked section '<![' ({where}line {line})",
                             path, hint="rebuild it")


def parse_html(data: bytes, path: Path) -> tuple[Any, Difference | None]:
    """The document tree, as an HTML5 tokenizer reads it (forgiving, as browsers are), and a
    difference when it nests deeper than the parser reads (what lies deeper is left out)."""
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True, no_network=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError) as error:
        raise PublisherError(f"not readable HTML: {error}", path, hint="rebuild it") from None
    if root is None:
        raise PublisherError("not readable HTML: the document is empty", path, hint="rebuild it")
    limit = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
    if limit is None:
        return root, None
    why = limit.message.split(",")[0]
    return root, Difference("structure", "html", path.name,
                            f"nests elements too deeply to read (line {limit.line}: {why}); what lies deeper is left out")


def parse_xhtml(data: bytes, member: str) -> tuple[Any, Difference | None]:
    """An XHTML document's tree, and a difference when it is not well-formed XML (reading
    systems refuse it; it is then read as leniently as it can be, for its text)."""
    strict = etree.XMLParser(resolve_entities="internal", huge_tree=True, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, strict), None
    except etree.XMLSyntaxError as error:
        problem = Difference("structure", "xhtml", member, f"is not well-formed XML (line {error.lineno}: "
                                                           f"{_POSITION.sub('', str(error.msg))})")
    lenient = etree.XMLParser(recover=True, resolve_entities="internal", huge_tree=True, no_network=True,
                              load_dtd=False)
    try:
        root = etree.fromstring(data, lenient)
    except etree.LxmlError:
        root = None
    if root is None:  # nothing an XML parser can recover: read it as HTML
        root = etree.fromstring(data, etree.HTMLParser(encoding="utf-8", huge_tree=True, no_network=True))
    return root, problem


def stylesheets(root: Any, load: Callable[[str], str | None]) -> list[tuple[str, Load]]:
    """The stylesheets that apply on a screen, in document order: <style> elements and
    <link rel=stylesheet> (`load(href)` gives a linked sheet's text; @import resolves beside it)."""
    sheets: list[tuple[str, Load]] = []
    for element in root.iter():
        tag = local(element.tag)
        if tag not in ("style", "link") or not on_screen(element.get("media") or ""):
            continue
        if tag == "style" and (element.get("type") or "text/css").lower() == "text/css":
            sheets.append((text_of(element), load))
        elif tag == "link" and _is_stylesheet(element):
            href = element.get("href") or ""
            css = load(href)
            if css is not None:
                sheets.append((css, _next_to(load, href)))
    return sheets


def _is_stylesheet(link: Any) -> bool:
    rel = (link.get("rel") or "").lower().split()
    return "stylesheet" in rel and "alternate" not in rel


def _next_to(load: Callable[[str], str | None], href: str) -> Load:
    folder = href.split("#")[0].rpartition("/")[0]
    return lambda other: load(f"{folder}/{other}" if folder and "://" not in other else other)


def _beside(folder: Path) -> Callable[[str], bytes | None]:
    """Loads a file a page links to by a relative URL (%-escapes decoded), inside its folder only."""
    def load(src: str) -> bytes | None:
        if not src or "://" in src or src.startswith(("data:", "/")):
            return decode_data_uri(src) if src.startswith("data:") else None
        file = (folder / unquote(src.split("#")[0].split("?")[0])).resolve()
        try:
            return file.read_bytes() if file.is_relative_to(folder) and file.is_file() else None
        except OSError:
            return None
    return load


def _css_text(data: bytes | None) -> str | None:
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff") if data is not None else None
