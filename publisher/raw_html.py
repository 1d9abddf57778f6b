"""Raw HTML in a source → an element tree the reader walks like Python-Markdown's own.

No raw HTML reaches an edition: the reader turns the tags it knows into model nodes
and every renderer writes those. This module parses the fragments (the standard
library's HTMLParser, forgiving as browsers are) and names what cannot be kept.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import escape
from html.parser import HTMLParser

#: elements without content
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
#: elements whose content is never shown as text: dropped with a warning
UNSAFE = frozenset("script style template iframe object embed frame frameset noscript form "
                   "base meta link svg canvas".split())
#: media that cannot play on paper: they become a link to their source
MEDIA = frozenset("iframe video audio embed object".split())
#: attributes the reader reads; any other attribute is dropped (and named): a raw element's
#: class means nothing to any edition, and of a style only a picture's width or zoom is kept
READ_ATTRIBUTES = frozenset("id href src alt title width height style colspan rowspan start "
                            "open lang type checked align".split())
_SIZE_DECLARATION = re.compile(r"(?<![-\w])(?:width|zoom)\s*:\s*[\d.]+(?:%|px)?", re.I)
#: how a dropped media element that left a link behind is named
AS_LINK = "(as a link)"
_EVENT_OR_SCRIPT = re.compile(r"^on|javascript:|vbscript:|expression\s*\(|url\s*\(", re.I)


class _TreeBuilder(HTMLParser):
    """Builds an element tree from a fragment; drops unsafe elements and remembers what it dropped."""

    def __init__(self, keep_unclosed: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.root = etree.Element("div")
        self.stack = [self.root]
        self.dropped: list[str] = []
        self._skipping = 0
        #: drop unsafe tags but not what follows them (for a fragment whose <style> never closes)
        self.keep_unclosed = keep_unclosed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in UNSAFE:
            self._drop(tag, attrs)
            return
        if self._skipping:
            return
        element = etree.SubElement(self.stack[-1], tag)
        for name, value in attrs:
            name, value = name.lower(), value or ""
            if name == "style":  # only a picture's size is read; colours, fonts, floats are not kept
                kept = "; ".join(_SIZE_DECLARATION.findall(value)) if tag == "img" else ""
                if _EVENT_OR_SCRIPT.search(value) or (_SIZE_DECLARATION.sub("", value).strip(" ;") if kept
                                                      else value.strip(" ;")):
                    self.dropped.append("style=")
                if kept:
                    element.set(name, kept)
            elif name not in READ_ATTRIBUTES or _EVENT_OR_SCRIPT.search(f"{name}={value}") \
                    or (name == "align" and tag not in ("td", "th")):
                self.dropped.append(f"{name}=")
            else:
                element.set(name, value)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() not in VOID and tag.lower() not in UNSAFE and not self._skipping:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag in UNSAFE and tag not in VOID:
            self._skipping = max(0, self._skipping - 1)
            return
        if self._skipping:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        data = escape(data, quote=False)  # escaped, as Python-Markdown's own tree text is
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data

    def _drop(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = dict(attrs).get("src") or dict(attrs).get("data") or ""
        if tag in MEDIA and source:  # a video or a map: the reader prints a link to it
            link = etree.SubElement(self.stack[-1], "a", {"href": source, "class": "media"})
            link.text = source
            self.dropped.append(f"<{tag}> {AS_LINK}")
        else:
            self.dropped.append(f"<{tag}>")
        if tag not in VOID and tag not in ("embed", "meta", "link", "base") and not self.keep_unclosed:
            self._skipping += 1


def parse(fragment: str) -> tuple[etree.Element, list[str]]:
    """A `div` holding the fragment's elements, and the tags and attributes dropped from it."""
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    if builder._skipping:  # a <style> or <script> never closed would swallow the rest: keep the rest
        builder = _TreeBuilder(keep_unclosed=True)
        builder.feed(fragment)
        builder.close()
        builder.dropped = [d.replace(">", "> (never closed)") if d.startswith("<") else d for d in builder.dropped]
    return builder.root, builder.dropped


_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)([^>]*?)(/?)\s*>$", re.S)


def piece(raw: str) -> tuple[str, str, dict[str, str], list[str]] | None:
    """One stashed inline piece: ("start"|"end"|"empty", tag, attributes, what was dropped),
    or None if it is no tag."""
    found = _TAG.match(raw.strip())
    if found is None:
        return None
    closing, tag, _rest, self_closing = found.groups()
    tag = tag.lower()
    if closing:
        return "end", tag, {}, []
    root, dropped = parse(raw if tag in VOID or self_closing else raw + f"</{tag}>")
    attributes = dict(root[0].attrib) if len(root) else {}
    return ("empty" if tag in VOID or self_closing else "start"), tag, attributes, dropped
