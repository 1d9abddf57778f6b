"""The reader's inline half: text, emphasis, code, links, pictures in a line and raw inline HTML.

Mixed into the reader's element-tree walker (markdown_body): Python-Markdown stashes raw
inline HTML tag by tag, and the pieces are joined here into model inlines.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any
from urllib.parse import unquote, urlsplit

from . import raw_html, sanitise
from .body_passes import merge_text, tex, unescape
from .model import (Code, Emphasis, Figure, FootnoteRef, Image, Inline, LineBreak, Link, Math, Strong,
                    Styled, Text, plain_text)
from .notices import Notices

PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
#: inline elements and the Styled kind each one becomes
STYLED = {"del": "strike", "s": "strike", "strike": "strike", "sup": "sup", "sub": "sub",
          "kbd": "kbd", "mark": "mark", "ins": "ins", "u": "ins"}
EMPHASIS: dict[str, type[Emphasis] | type[Strong]] = {"em": Emphasis, "i": Emphasis, "strong": Strong, "b": Strong}
_LINK_SCHEMES = ("http", "https", "mailto")
#: inline elements whose text is all there is to keep: read without a word
_QUIET_INLINE = frozenset("span abbr acronym small big cite dfn time q bdi bdo data var samp tt "
                          "label summary figcaption p li td th dt dd caption".split())


def loose_key(key: str) -> str:
    """An anchor or heading by its letters and digits alone, lower case."""
    return re.sub(r"[\W_]+", "", key.lower())


class _Piece:
    """One stashed piece of inline HTML; Python-Markdown stashes <a …> and </a> apart."""

    def __init__(self, raw: str) -> None:
        self.raw = raw


class InlineReader:
    """Element-tree inlines → model inlines; the reader (markdown_body._Builder) provides the rest."""

    md: Any
    notices: Notices
    ids: set[str]
    loose_ids: dict[str, str]
    figure_count: int
    _uncaptioned: list[int | None]
    _local_links: list[int | None]
    _math: list[int | None]

    def line(self, needle: str) -> int | None:
        raise NotImplementedError

    def clean(self, text: str) -> str:
        raise NotImplementedError

    def decode(self, text: str) -> str:
        raise NotImplementedError

    def figure(self, img: etree.Element, caption: tuple[Inline, ...] = (), href: str = "") -> Figure:
        raise NotImplementedError

    def _report_dropped(self, dropped: list[str], raw: str) -> None:
        raise NotImplementedError



    def inlines(self, element: etree.Element) -> tuple[Inline, ...]:
        out: list[Any] = []  # inlines and _Piece, joined by _join_pieces
        self._text(element.text, out)
        for child in element:
            if isinstance(child.tag, str):
                out.extend(self.inline(child))
            self._text(child.tail, out)
        return tuple(merge_text(self._join_pieces(out)))

    def _text(self, text: str | None, out: list[Any]) -> None:
        if not text:
            return
        pos = 0
        for match in PLACEHOLDER.finditer(text):
            if match.start() > pos:
                out.append(Text(self.clean(text[pos:match.start()])))
            out.append(_Piece(str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])))
            pos = match.end()
        if pos < len(text):
            out.append(Text(self.clean(text[pos:])))

    def inline(self, element: etree.Element) -> list[Inline]:
        tag = element.tag
        if tag in EMPHASIS:
            return [EMPHASIS[tag](self.inlines(element))]
        if tag == "code":
            # Python-Markdown escapes a code span's < > & once (and raw HTML's text is kept
            # escaped likewise): unescaped once, "&#124;" stays as typed
            return [Code(unescape("".join(element.itertext())))]
        if tag == "br":
            return [LineBreak()]
        if tag == "a":
            return self.link(element.get("href", ""), self.inlines(element))
        if tag == "sup" and (element.get("id") or "").startswith("fnref") and "".join(element.itertext()).isdigit():
            return [FootnoteRef(int("".join(element.itertext())))]
        if tag in STYLED:
            return [Styled(STYLED[tag], self.inlines(element))]
        if tag == "span" and "arithmatex" in (element.get("class") or ""):
            math = tex(unescape("".join(element.itertext())))
            self._math.append(self.line(math))
            return [Math(math)]
        if tag == "img":
            return [self.image(element)]
        if tag == "input":
            return [Text("☑ " if element.get("checked") is not None else "☐ ")]
        if tag not in _QUIET_INLINE:
            self._report_dropped([f"<{tag}>"], f"<{tag}")
        return list(self.inlines(element))

    def image(self, img: etree.Element) -> Inline:
        """A picture inside a sentence: a badge or an icon at text height."""
        figure = self.figure(img)
        if figure.number:
            self.figure_count -= 1
        elif self._uncaptioned:
            self._uncaptioned.pop()  # an icon without alt text is decoration, not a picture
        return Image(figure.src, figure.alt, figure.width, figure.height)

    def link(self, href: str, children: tuple[Inline, ...]) -> list[Inline]:
        """A link that works in every edition, or its text: no edition has a dead link."""
        target = self.href(href)
        if target:
            return [Link(target, children or (Text(target),))]
        return list(children)

    def href(self, href: str) -> str:
        """`href` if it is a link every edition can follow, else "" (with a warning where one is due)."""
        href = self.decode(href).strip()
        scheme = urlsplit(href).scheme.lower()
        if href.startswith("#"):
            anchor = unquote(href[1:])
            if anchor in self.ids:
                return "#" + anchor
            if loose_key(anchor) in self.loose_ids:
                return "#" + self.loose_ids[loose_key(anchor)]
            self.notices.warn(f"link to '{href}': no heading or anchor has that id; printed as text",
                              self.line(f"({href}") or self.line(href),
                              hint="check the heading's id (GitHub's rules: lower case, spaces as -)")
            return ""
        if scheme in _LINK_SCHEMES:
            return href if sanitise.safe_href(href) else ""
        if scheme in ("javascript", "vbscript", "data"):
            self.notices.warn(f"a '{scheme}:' link was removed (no edition carries scripts)", self.line(href))
            return ""
        if href:
            self._local_links.append(self.line(href))
        return ""

    def _join_pieces(self, nodes: list[Any]) -> list[Inline]:
        """Stashed raw HTML tags around their text → model inlines (<sup>…</sup> → Styled)."""
        stack: list[tuple[str, dict[str, str], list[Inline]]] = [("", {}, [])]
        for node in nodes:
            if not isinstance(node, _Piece):
                stack[-1][2].append(node)
                continue
            parsed = raw_html.piece(node.raw)
            if parsed is None:  # an entity, a smart quote, a comment
                if not node.raw.lstrip().startswith("<!--"):
                    stack[-1][2].append(Text(self.clean(node.raw)))
                continue
            kind, tag, attributes, dropped = parsed
            self._report_dropped([d for d in dropped if d != f"<{tag}>"], node.raw)
            if kind == "start":
                stack.append((tag, attributes, []))
            elif kind == "end":
                if any(frame[0] == tag for frame in stack[1:]):
                    while True:
                        opened, attrs, children = stack.pop()
                        stack[-1][2].extend(self._wrap(opened, attrs, children))
                        if opened == tag:
                            break
            else:
                stack[-1][2].extend(self._wrap(tag, attributes, [], empty=True))
        while len(stack) > 1:
            opened, attrs, children = stack.pop()
            stack[-1][2].extend(self._wrap(opened, attrs, children))
        return stack[0][2]

    def _wrap(self, tag: str, attributes: dict[str, str], children: list[Inline],
              empty: bool = False) -> list[Inline]:
        """One raw inline element with its (already read) children as a model inline."""
        element = etree.Element(tag, attributes)
        if tag in raw_html.UNSAFE:
            self._report_dropped([f"<{tag}>"], f"<{tag}")
            return []
        if empty:
            return self.inline(element) if tag in ("br", "img", "input") else []
        kids = tuple(merge_text(children))
        if tag in EMPHASIS:
            return [EMPHASIS[tag](kids)]
        if tag in STYLED:
            return [Styled(STYLED[tag], kids)]
        if tag == "code":
            return [Code(plain_text(kids))]
        if tag == "a":
            return self.link(attributes.get("href", ""), kids)
        if tag not in _QUIET_INLINE:
            self._report_dropped([f"<{tag}>"], f"<{tag}")
        return list(kids)
