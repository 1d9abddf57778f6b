"""HTML fragments re-serialised as well-formed XHTML for EPUB content documents.

The body writer already closes its void elements, but sanitised raw HTML (nh3
output) is HTML5 serialisation: `<br>`, `&nbsp;`, unquoted edge cases. Parsing
and writing every fragment again gives XML that EPUB reading systems accept.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

#: HTML elements that never have content or an end tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
#: attribute names that are safe in XML (prefixes only those the content document declares)
_NAME = re.compile(r"(?:(?:xml|epub):)?[A-Za-z_][\w.-]*")
#: characters XML 1.0 forbids even as references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _Serialiser(HTMLParser):
    """Collects start tags, end tags and text as XHTML, closing what HTML leaves open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(f"<{tag}{_attributes(attrs)}")
        if tag in VOID:
            self.out.append(" />")
        else:
            self.out.append(">")
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(f"<{tag}{_attributes(attrs)}" + (" />" if tag in VOID else f"></{tag}>"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return  # a stray end tag: HTML parsers ignore it too
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(_xml_chars(data), quote=False))

    def close(self) -> None:
        super().close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")


def _attributes(attrs: list[tuple[str, str | None]]) -> str:
    seen: set[str] = set()
    out = []
    for name, value in attrs:
        if name in seen or not _NAME.fullmatch(name):
            continue  # XML forbids repeated or oddly named attributes
        seen.add(name)
        # a bare boolean attribute (nowrap) takes its own name as value, as XHTML requires
        out.append(f' {name}="{escape(_xml_chars(name if value is None else value))}"')
    return "".join(out)


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub("", text)


def to_xhtml(fragment: str) -> str:
    """The HTML `fragment` as well-formed XHTML (comments dropped)."""
    parser = _Serialiser()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)
