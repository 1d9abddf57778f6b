"""Reader: Markdown plus YAML front matter → the document model."""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from html import escape, unescape
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import Any, Callable

import markdown
import yaml
from yaml import YAMLError
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from . import images, sanitise
from .errors import PublisherError, SourceError, line_of
from .model import (Block, Code, CodeBlock, Document, Emphasis, Figure, Footnote, FootnoteRef,
                    Heading, Inline, LineBreak, Link, ListBlock, Meta, Paragraph, Quote,
                    RawBlock, RawInline, Strong, Table, Text, ThematicBreak, plain_text)
from .typography import join_lines, normalise_punctuation

#: front-matter fields and the types they accept
FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "subtitle": (str,), "kicker": (str,), "byline": (str,),
    "date": (str, dt.date), "publication": (str,), "section": (str,), "page": (str,),
    "language": (str,), "subject": (str,), "keywords": (list, str), "layouts": (dict,),
}
FORMATS = ("pdf", "docx", "html", "epub")
_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
_MAX_DEPTH = 40
_FENCED_CODE = re.compile(r"<pre[^>]*><code[^>]*>(.*)</code></pre>", re.S)
#: a yearbook of 100 reports is about 1.5 MB; anything far larger is a mistake
MAX_SOURCE_BYTES = 8 * 1024 * 1024
#: raw HTML that no edition may carry: refused with its line rather than silently cut
_HOSTILE_HTML = re.compile(r"<\s*(script|iframe|object|embed|style|form|frame|base|meta|link)\b"
                           r"|\son\w+\s*=|javascript:|vbscript:|url\s*\(|expression\s*\(", re.I)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (front matter and layout.yaml); raises yaml.YAMLError."""
    return yaml.safe_load(text)


def read(path: Path) -> Document:
    """Read one source file into a Document."""
    text = _read_text(path)
    front, body, body_line = split_front_matter(text, path)
    meta = parse_meta(front, path)
    blocks, notes = parse_body(body, path, source_text=text)
    del body_line
    return Document(meta=meta, blocks=tuple(blocks), footnotes=tuple(notes),
                    source=path.resolve(), base_dir=path.resolve().parent)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("source not found", path, hint="check the file name") from None
    except OSError as error:
        raise SourceError(f"cannot read source: {error.strerror}", path) from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(f"source is {len(raw) / 2**20:.1f} MB; the limit is "
                          f"{MAX_SOURCE_BYTES // 2**20} MB", path, hint="split it into several sources")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError("source is UTF-16 text", path, 1, hint="save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM from Windows editors is harmless
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError("source is not UTF-8 text", path, line,
                          hint="save it as UTF-8: in Notepad, Save As with Encoding UTF-8") from None
    if not text.strip():
        raise SourceError("source is empty", path, hint="write a front matter block and some text")
    if "\x00" in text:
        raise SourceError("source contains NUL bytes", path, line_of(text, "\x00"),
                          hint="is this a binary file?")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Split `---` YAML front matter from the Markdown body."""
    if not text.startswith("---\n"):
        raise SourceError("no front matter: the file must start with a '---' line", path, 1,
                          hint="add '---', 'title: …', '---' at the top")
    end = text.find("\n---\n", 3)
    if end < 0:
        end = text.find("\n---", 3) if text.endswith("\n---") else -1
    if end < 0:
        raise SourceError("front matter is not closed by a '---' line", path, 1)
    front = text[4:end + 1]
    return front, text[end + 5:], front.count("\n") + 3


def parse_meta(front: str, path: Path) -> Meta:
    """Check the YAML front matter and turn it into Meta."""
    try:
        data = load_yaml(front)
    except YAMLError as error:
        # the context mark is where the broken construct starts (an unclosed quote, say)
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        cause = getattr(error, "problem", None) or "invalid YAML"
        raise SourceError(f"front matter: {cause}", path, line,
                          hint="check quotes and indentation") from None
    except ValueError as error:  # e.g. a date like 2025-13-45
        raise SourceError(f"front matter: {error}", path, hint="dates are YYYY-MM-DD") from None
    if not isinstance(data, dict):
        raise SourceError("front matter must be 'key: value' lines", path, 2)
    for key, value in data.items():
        _check_field(str(key), value, front, path)
    if not data.get("title"):
        raise SourceError("front matter has no title", path, 2, hint="add 'title: …'")
    return _meta_from(data)


def _check_field(key: str, value: Any, front: str, path: Path) -> None:
    line = (line_of(front, f"{key}:") or 0) + 1
    if key not in FIELDS:
        close = difflib.get_close_matches(key, FIELDS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "known fields: " + ", ".join(FIELDS)
        raise SourceError(f"unknown front-matter field '{key}'", path, line, hint=hint)
    if not isinstance(value, FIELDS[key]):
        wanted = " or ".join("text" if t is str else t.__name__ for t in FIELDS[key])
        raise SourceError(f"front-matter field '{key}' must be {wanted}", path, line)
    if key == "layouts" and isinstance(value, dict):
        for fmt, name in value.items():
            if fmt not in FORMATS or not isinstance(name, str):
                raise SourceError(f"layouts: '{fmt}' must be one of {', '.join(FORMATS)}"
                                  " with a layout name", path, line)
    if key == "date" and isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise SourceError(f"date {value!r} is not YYYY-MM-DD", path, line) from None


def build_date() -> str:
    """The date of a source without one: SOURCE_DATE_EPOCH (UTC) if set, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return ""
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise SourceError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                          hint="unset it or give a Unix timestamp") from None


def _meta_from(data: dict[str, Any]) -> Meta:
    keywords = data.get("keywords", ())
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[,，;；]", keywords) if k.strip()]
    text = {k: normalise_punctuation(str(v)).strip() for k, v in data.items()
            if k not in ("keywords", "layouts", "date")}
    date = data.get("date") or build_date()
    return Meta(**text, date=date.isoformat() if isinstance(date, dt.date) else str(date),
                keywords=tuple(normalise_punctuation(str(k)) for k in keywords),
                layouts=tuple(sorted((str(k), str(v)) for k, v in data.get("layouts", {}).items())))


# ---- body ---------------------------------------------------------------

class _TreeGrab(Treeprocessor):
    """Keeps the finished element tree so the reader can walk it."""

    def run(self, root: etree.Element) -> None:
        self.md.publisher_tree = root  # type: ignore[attr-defined]


def parse_body(body: str, path: Path, source_text: str) -> tuple[list[Block], list[Footnote]]:
    """Parse the Markdown body into blocks and footnotes."""
    md = markdown.Markdown(extensions=["attr_list", "tables", "footnotes", "toc", "fenced_code"],
                           extension_configs={"toc": {"slugify": slugify_unicode}})
    md.treeprocessors.register(_TreeGrab(md), "publisher-grab", -100)
    _refuse_hostile_html(body, path, source_text)
    try:
        md.convert(body)
    except RecursionError:
        raise SourceError("lists or quotes nested too deeply", path,
                          hint=f"keep nesting under {_MAX_DEPTH} levels") from None
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


def _refuse_hostile_html(body: str, path: Path, source_text: str) -> None:
    """Scripts, frames, event handlers, javascript: and url() never reach an edition."""
    match = _HOSTILE_HTML.search(body)
    if match:
        found = match.group().strip()
        raise SourceError(f"'{found}' is not allowed: no edition may carry scripts, frames, "
                          "event handlers or external style references", path,
                          line_of(source_text, match.group()), hint="remove it")


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
        line = line_of(self.source_text, src)
        try:
            path = images.resolve(src, self.path.resolve().parent)
            width, height = images.inspect(path)
        except PublisherError as error:
            error.file, error.line = self.path, line
            raise SourceError(error.cause, self.path, line, error.hint) from None
        caption = _clean(img.get("title") or img.get("alt") or "")
        if not caption:
            raise SourceError(f"image {src!r} has no caption", self.path, line,
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
