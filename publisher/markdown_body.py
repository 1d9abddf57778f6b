"""Markdown body → model blocks (Python-Markdown, then its element tree walked node by node)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path
from typing import Any, Callable

import markdown
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from . import images, sanitise
from .errors import PublisherError, SourceError, line_of
from .model import (Block, Code, CodeBlock, Emphasis, Figure, Footnote, FootnoteRef,
                    Heading, Inline, LineBreak, Link, ListBlock, Paragraph, Quote,
                    RawBlock, RawInline, Strong, Table, Text, ThematicBreak, plain_text)
from .typography import join_lines, normalise_punctuation

_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
_MAX_DEPTH = 40
_FENCED_CODE = re.compile(r"<pre[^>]*><code[^>]*>(.*)</code></pre>", re.S)
#: raw HTML that no edition may carry: refused with its line rather than silently cut
_HOSTILE_HTML = re.compile(r"<\s*(script|iframe|object|embed|style|form|frame|base|meta|link)\b"
                           r"|\son\w+\s*=|javascript:|vbscript:|url\s*\(|expression\s*\(", re.I)


class _TreeGrab(Treeprocessor):
    """Keeps the finished element tree so the reader can walk it."""

    def run(self, root: etree.Element) -> None:
        self.md.publisher_tree = root  # type: ignore[attr-defined]


def parse_body(body: str, path: Path, source_text: str) -> tuple[list[Block], list[Footnote]]:
    """Parse the Markdown body into blocks and footnotes."""
    md = markdown.Markdown(extensions=["attr_list", "tables", "footnotes", "toc", "fenced_code"],
                           extension_configs={"toc": {"slugify": slugify_unicode}})
    md.treeprocessors.register(_TreeGrab(md), "publisher-grab", -100)
    try:
        md.convert(body)
    except RecursionError:
        raise SourceError("lists or quotes nested too deeply", path,
                          hint=f"keep nesting under {_MAX_DEPTH} levels") from None
    _refuse_hostile_html([str(raw) for raw in md.htmlStash.rawHtmlBlocks], path, source_text)
    builder = _Builder(md, path, source_text)
    root = md.publisher_tree  # type: ignore[attr-defined]
    blocks, notes = [], []
    for child in root:
        if child.tag == "div" and "footnote" in (child.get("class") or ""):
            notes = builder.footnotes(child)
        else:
            blocks.extend(builder.blocks([child], depth=0))
    _refuse_duplicate_headings(blocks, path, source_text)
    return blocks, notes


def _refuse_hostile_html(pieces: list[str], path: Path, source_text: str) -> None:
    """Scripts, frames, event handlers, javascript: and url() in raw HTML never reach an edition.

    Only the raw HTML Python-Markdown stashed is checked (prose and code may say "url(").
    """
    for piece in pieces:
        match = None if _FENCED_CODE.fullmatch(piece.strip()) else _HOSTILE_HTML.search(piece)
        if match:
            _refuse(match.group(), path, source_text)


def _refuse(found: str, path: Path, source_text: str) -> None:
    raise SourceError(f"'{found.strip()}' is not allowed: no edition may carry scripts, frames, "
                      "event handlers or external style references", path,
                      line_of(source_text, found), hint="remove it")


def _refuse_duplicate_headings(blocks: list[Block], path: Path, source_text: str) -> None:
    """Two headings with the same text make the TOC and the verifier ambiguous."""
    seen: set[tuple[int, str]] = set()
    for block in blocks:
        if isinstance(block, Heading):
            key = (block.level, block.text)
            if key in seen:
                raise SourceError(f"heading '{block.text}' appears twice", path,
                                  _last_line_of(source_text, block.text),
                                  hint="give each heading its own wording")
            seen.add(key)


def _last_line_of(text: str, needle: str) -> int | None:
    pos = text.rfind(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


class _Builder:
    """Turns Python-Markdown's element tree into model blocks, one method per tag."""

    def __init__(self, md: markdown.Markdown, path: Path, source_text: str) -> None:
        self.md, self.path, self.source_text = md, path, source_text
        #: the only folder images may come from
        self.base_dir = path.resolve().parent
        self.figure_count = 0

    # -- blocks
    def blocks(self, elements: list[etree.Element], depth: int) -> list[Block]:
        if depth > _MAX_DEPTH:
            raise SourceError(f"lists or quotes nested deeper than {_MAX_DEPTH} levels",
                              self.path, hint="flatten the structure")
        out: list[Block] = []
        for element in elements:
            handler: Callable[[etree.Element, int], list[Block]] | None = getattr(
                self, "block_" + element.tag, None)
            if handler is None:
                if re.fullmatch(r"h[1-6]", element.tag):
                    out.append(self.heading(element))
                    continue
                raise SourceError(f"unsupported Markdown element <{element.tag}>", self.path)
            out.extend(handler(element, depth))
        return out

    def heading(self, element: etree.Element) -> Heading:
        inlines = self.inlines(element)
        return Heading(int(element.tag[1]), inlines, element.get("id", ""))

    def block_p(self, element: etree.Element, depth: int) -> list[Block]:
        raw = self._raw_block(element)
        if raw is not None:
            return [raw]
        children = list(element)
        if (len(children) == 1 and children[0].tag == "img"
                and not (element.text or "").strip() and not (children[0].tail or "").strip()):
            return [self.figure(children[0])]
        role = "lead" if "lead" in (element.get("class") or "").split() else "body"
        return [Paragraph(self.inlines(element), role)]

    def figure(self, img: etree.Element) -> Figure:
        src = img.get("src", "")
        try:
            path = images.resolve(src, self.base_dir)
            width, height = images.inspect(path)
        except PublisherError as error:
            raise SourceError(error.cause, self.path, line_of(self.source_text, src), error.hint) from None
        caption = _clean(img.get("title") or img.get("alt") or "")
        if not caption:
            raise SourceError(f"image {src!r} has no caption", self.path, line_of(self.source_text, src),
                              hint="write the caption as the alt text: ![caption](file)")
        self.figure_count += 1
        number = self.figure_count
        return Figure(number, path, (Text(caption),), img.get("id") or f"fig-{number}", width, height)

    def block_ul(self, element: etree.Element, depth: int) -> list[Block]:
        return [self._list(element, depth, ordered=False)]

    def block_ol(self, element: etree.Element, depth: int) -> list[Block]:
        return [self._list(element, depth, ordered=True)]

    def _list(self, element: etree.Element, depth: int, ordered: bool) -> ListBlock:
        items = []
        for li in element:
            if len(li) and all(c.tag in ("p", "ul", "ol", "blockquote", "pre", "table") for c in li) \
                    and not (li.text or "").strip():
                items.append(tuple(self.blocks(list(li), depth + 1)))
            else:
                items.append(tuple(self._loose_item(li, depth)))
        return ListBlock(ordered, tuple(items))

    def _loose_item(self, li: etree.Element, depth: int) -> list[Block]:
        """A tight list item: inline text, possibly followed by nested lists."""
        nested = [c for c in li if c.tag in ("ul", "ol")]
        for child in nested:
            li.remove(child)
        blocks: list[Block] = [Paragraph(self.inlines(li))]
        return blocks + self.blocks(nested, depth + 1)

    def block_blockquote(self, element: etree.Element, depth: int) -> list[Block]:
        return [Quote(tuple(self.blocks(list(element), depth + 1)))]

    def block_pre(self, element: etree.Element, depth: int) -> list[Block]:
        return [CodeBlock("".join(element.itertext()).rstrip("\n"))]

    def block_hr(self, element: etree.Element, depth: int) -> list[Block]:
        return [ThematicBreak()]

    def block_table(self, element: etree.Element, depth: int) -> list[Block]:
        head = tuple(self.inlines(c) for c in element.iterfind("thead/tr/th"))
        rows = tuple(tuple(self.inlines(c) for c in tr) for tr in element.iterfind("tbody/tr"))
        return [Table(head, rows)]

    def block_div(self, element: etree.Element, depth: int) -> list[Block]:
        return self.blocks(list(element), depth + 1)

    def footnotes(self, div: etree.Element) -> list[Footnote]:
        notes = []
        for number, li in enumerate(div.iterfind("ol/li"), start=1):
            for para in li.iter():
                for backref in [a for a in para if "footnote-backref" in (a.get("class") or "")]:
                    para.remove(backref)  # the ↩ link back: an HTML-only nicety
                para.text = (para.text or "").replace(NBSP_PLACEHOLDER, "")
                para.tail = (para.tail or "").replace(NBSP_PLACEHOLDER, "") or None
            notes.append(Footnote(number, tuple(self.blocks(list(li), 1))))
        return notes

    def _raw_block(self, element: etree.Element) -> RawBlock | CodeBlock | None:
        match = _PLACEHOLDER.fullmatch((element.text or "").strip())
        if match is None or len(element):
            return None
        raw = str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])
        code = _FENCED_CODE.fullmatch(raw.strip())
        if code:  # fenced_code stashes its finished <pre><code> block as raw HTML
            return CodeBlock(unescape(code.group(1)).rstrip("\n"))
        html = sanitise.clean_html(raw).strip()
        return RawBlock(html, normalise_punctuation(sanitise.html_to_text(html)))

    # -- inlines
    def inlines(self, element: etree.Element) -> tuple[Inline, ...]:
        out: list[Any] = []  # inlines and _RawPiece, joined by _join_raw
        self._text(element.text, out)
        for child in element:
            out.extend(self.inline(child))
            self._text(child.tail, out)
        return tuple(_merge_text(_join_raw(out)))

    def _text(self, text: str | None, out: list[Any]) -> None:
        if not text:
            return
        pos = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > pos:
                out.append(Text(_clean(text[pos:match.start()])))
            out.append(_RawPiece(str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])))
            pos = match.end()
        if pos < len(text):
            out.append(Text(_clean(text[pos:])))

    def inline(self, element: etree.Element) -> list[Inline]:
        tag = element.tag
        if tag == "em":
            return [Emphasis(self.inlines(element))]
        if tag == "strong":
            return [Strong(self.inlines(element))]
        if tag == "code":
            return [Code(element.text or "")]
        if tag == "br":
            return [LineBreak()]
        if tag == "a":
            if _HOSTILE_HTML.match(element.get("href", "").strip()):
                _refuse(element.get("href", "").strip().split(":")[0] + ":", self.path, self.source_text)
            href = sanitise.safe_href(element.get("href", ""))
            return [Link(href, self.inlines(element))] if href else list(self.inlines(element))
        if tag == "sup" and (element.get("id") or "").startswith("fnref"):
            return [FootnoteRef(int("".join(element.itertext()) or 0))]
        if tag == "img":
            raise SourceError("an image must stand alone in its paragraph to become a figure",
                              self.path, line_of(self.source_text, element.get("src", "")))
        return list(self.inlines(element))


@dataclass(frozen=True)
class _RawPiece:
    """One stashed piece of inline HTML; Python-Markdown stashes <a …> and </a> apart."""
    raw: str


_OPEN_TAG = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*(?<!/)>$")


def _join_raw(nodes: list[Any]) -> list[Inline]:
    """Join each opening tag, the text up to its closing tag, and that tag into one RawInline."""
    out: list[Inline] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if not isinstance(node, _RawPiece):
            out.append(node)
            i += 1
            continue
        parts, opening = [node.raw], _OPEN_TAG.match(node.raw.strip())
        i += 1
        if opening:
            closing = f"</{opening.group(1).lower()}>"
            end = next((j for j in range(i, len(nodes)) if isinstance(nodes[j], _RawPiece)
                        and nodes[j].raw.strip().lower() == closing), None)
            if end is not None:
                parts += [_inline_html(n) for n in nodes[i:end]] + [nodes[end].raw]
                i = end + 1
        html = sanitise.clean_html("".join(parts))
        out.append(RawInline(html, normalise_punctuation(sanitise.html_to_text(html))))
    return out


def _inline_html(node: Any) -> str:
    if isinstance(node, _RawPiece):
        return node.raw
    return escape(plain_text([node]), quote=False)


def _clean(text: str) -> str:
    return normalise_punctuation(join_lines(text))


def _merge_text(nodes: list[Inline]) -> list[Inline]:
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        elif not (isinstance(node, Text) and not node.text):
            out.append(node)
    if out and isinstance(out[0], Text):
        out[0] = Text(out[0].text.lstrip())
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].text.rstrip())
    return out
