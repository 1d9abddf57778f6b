"""Markdown body → model blocks (Python-Markdown and pymdown-extensions, then the element tree walked).

Raw HTML is parsed (raw_html) and walked by the same handlers, so a raw <table> or
<img> becomes the same model node as its Markdown form, and no raw HTML reaches an
edition. What cannot be kept is named in a warning with its line.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from . import images, raw_html, sanitise
from .errors import PublisherError, SourceError, SourceErrors, line_of
from .model import (Aside, Block, Code, CodeBlock, DefinitionList, Emphasis, Figure, Footnote,
                    FootnoteRef, Heading, Image, Inline, LineBreak, Link, ListBlock, Math, MathBlock,
                    Paragraph, Quote, Strong, Styled, Table, Text, ThematicBreak, plain_text)
from .notices import Notices
from .typography import is_chinese, join_lines, normalise_punctuation

_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
_MAX_DEPTH = 40
_FENCED_CODE = re.compile(r"<pre[^>]*><code(?: class=\"language-([^\"]*)\")?[^>]*>(.*)</code></pre>", re.S)
_GITHUB_ALERT = re.compile(r"\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.I)
#: inline elements and the Styled kind each one becomes
_STYLED = {"del": "strike", "s": "strike", "strike": "strike", "sup": "sup", "sub": "sub",
           "kbd": "kbd", "mark": "mark", "ins": "ins", "u": "ins"}
_EMPHASIS: dict[str, type[Emphasis] | type[Strong]] = {"em": Emphasis, "i": Emphasis, "strong": Strong, "b": Strong}
#: container elements whose content is read as blocks (text and inline elements become paragraphs)
_CONTAINERS = frozenset("div section article header footer main aside nav center figure address "
                        "hgroup body html".split())
_BLOCK_TAGS = frozenset("p ul ol dl blockquote pre hr table div h1 h2 h3 h4 h5 h6 figure details "
                        "section article header footer main aside nav center address".split())
_LINK_SCHEMES = ("http", "https", "mailto")
#: inline elements whose text is all there is to keep: read without a word
_QUIET_INLINE = frozenset("span abbr acronym small big cite dfn time q bdi bdo data var samp tt "
                          "label summary figcaption p li td th dt dd caption".split())

EXTENSIONS = ["attr_list", "tables", "footnotes", "toc", "fenced_code", "def_list", "admonition",
              "smarty", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark", "pymdownx.tasklist",
              "pymdownx.arithmatex"]


def slugify(value: str, separator: str = "-") -> str:
    """GitHub's heading ids: lower case, punctuation dropped, each space a hyphen (Chinese kept)."""
    value = re.sub(r"[^\w\- ]", "", value.strip().lower())
    return value.replace(" ", separator)


def _extension_configs() -> dict[str, dict[str, Any]]:
    return {"toc": {"slugify": slugify}, "footnotes": {"USE_DEFINITION_ORDER": False},
            "smarty": {"smart_dashes": False, "smart_ellipses": False, "smart_angled_quotes": False},
            "pymdownx.arithmatex": {"generic": True},
            "pymdownx.tilde": {"smart_delete": False}}


class _TreeGrab(Treeprocessor):
    """Keeps the finished element tree so the reader can walk it."""

    def run(self, root: etree.Element) -> None:
        self.md.publisher_tree = root  # type: ignore[attr-defined]


def parse_body(body: str, path: Path, source_text: str, language: str = "zh-CN",
               notices: Notices | None = None) -> tuple[list[Block], list[Footnote]]:
    """Parse the Markdown body into blocks and footnotes."""
    if not body.strip():  # a source that is only front matter (Python-Markdown builds no tree then)
        return [], []
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=_extension_configs())
    md.treeprocessors.register(_TreeGrab(md), "publisher-grab", -100)
    try:
        md.convert(inline_notes(body))
    except RecursionError:
        raise SourceError("lists or quotes nested too deeply", path,
                          hint=f"keep nesting under {_MAX_DEPTH} levels") from None
    builder = _Builder(md, path, source_text, language, notices or Notices(path))
    root = md.publisher_tree  # type: ignore[attr-defined]
    builder.ids = {e.get("id", "") for e in root.iter() if e.get("id")}
    builder.loose_ids = {_loose(key): e.get("id", "") for e in root.iter() if e.get("id")
                         for key in (e.get("id", ""), "".join(e.itertext()))}
    blocks, notes = [], []
    for child in root:
        if child.tag == "div" and "footnote" in (child.get("class") or "").split():
            notes = builder.footnotes(child)
        else:
            blocks.extend(builder.blocks([child], depth=0))
    builder.finish()
    return table_captions(blocks), notes


def inline_notes(body: str) -> str:
    """pandoc's inline notes `^[text]` (over several lines too) → footnotes Python-Markdown understands.

    Looked for paragraph by paragraph, never in fenced or indented code. (Warnings find
    their lines in the source itself, so the lines a note takes up need not be kept.)
    """
    if "^[" not in body:
        return body
    notes: list[str] = []
    out: list[str] = []
    paragraph: list[str] = []
    in_fence = False
    for line in body.split("\n") + [""]:
        fence = line.lstrip().startswith(("```", "~~~"))
        if in_fence or fence or not line.strip() or line.startswith(("    ", "\t")) and not paragraph:
            if paragraph:
                out.append(_take_inline_notes("\n".join(paragraph), notes))
            paragraph = []
            out.append(line)
            in_fence = in_fence != fence
        else:
            paragraph.append(line)
    out.pop()  # the blank line added above
    out += [f"\n[^inline-{n}]: {text}" for n, text in enumerate(notes, start=1)]
    return "\n".join(out)


def _take_inline_notes(text: str, notes: list[str]) -> str:
    """`text` with each `^[…]` replaced by a reference; brackets nest, code spans may hold `]`."""
    out, pos = [], 0
    while (start := text.find("^[", pos)) >= 0:
        end = _note_end(text, start + 2)
        if end < 0 or (start and text[start - 1] == "\\"):
            out.append(text[pos:start + 2])
            pos = start + 2
            continue
        body = text[start + 2:end]
        notes.append(" ".join(body.split()))
        out.append(text[pos:start] + f"[^inline-{len(notes)}]")
        pos = end + 1
    return "".join(out) + text[pos:]


def _note_end(text: str, pos: int) -> int:
    """Index of the `]` closing a note whose text starts at `pos`, or -1."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == "`":
            ticks = len(text[pos:]) - len(text[pos:].lstrip("`"))
            close = text.find("`" * ticks, pos + ticks)
            pos = (close + ticks) if close >= 0 else pos + ticks
            continue
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return -1


def _loose(key: str) -> str:
    """An anchor or heading by its letters and digits alone, lower case."""
    return re.sub(r"[\W_]+", "", key.lower())


def _decode(text: str) -> str:
    """Python-Markdown's entity placeholders (e-mail links are written as &#…; entities) → characters."""
    return unescape(text.replace(AMP_SUBSTITUTE, "&")) if "&" in text or AMP_SUBSTITUTE in text else text


class _Builder:
    """Turns the element tree into model blocks, one method per tag."""

    def __init__(self, md: markdown.Markdown, path: Path, source_text: str, language: str,
                 notices: Notices) -> None:
        self.md, self.path, self.source_text = md, path, source_text
        self.chinese = is_chinese(language)
        self.notices = notices
        #: the only folder images may come from
        self.base_dir = path.resolve().parent
        self.figure_count = 0
        #: every id in the document (anchors a link may point to)
        self.ids: set[str] = set()
        #: ids by their letters and digits alone: other tools' slugs (Zola's, Hugo's) find them too
        self.loose_ids: dict[str, str] = {}
        self.errors: list[SourceError] = []
        self._uncaptioned: list[int | None] = []
        self._math: list[int | None] = []
        self._local_links: list[int | None] = []

    def line(self, needle: str) -> int | None:
        return line_of(self.source_text, needle) if needle else None

    def finish(self) -> None:
        """Raise every image error at once; say once what was noticed many times."""
        if self.errors:
            raise SourceErrors(self.errors)
        if self._uncaptioned:
            count = len(self._uncaptioned)
            self.notices.warn(f"{count} picture{'s have' if count > 1 else ' has'} no alt text: printed "
                              "without a caption or number", self._uncaptioned[0],
                              hint="write a caption as the alt text, ![caption](file), for readers who cannot see it")
        if self._math:
            count = len(self._math)
            self.notices.warn(f"{count} math formula{'s are' if count > 1 else ' is'} shown as written (TeX), "
                              "not typeset", self._math[0], hint="write it out in words or as a picture if it must be typeset")
        if self._local_links:
            count = len(self._local_links)
            self.notices.warn(f"{count} link{'s' if count > 1 else ''} to files outside this edition "
                              f"print{'' if count > 1 else 's'} as plain text", self._local_links[0],
                              hint="link to a web address to keep it a link")

    def punctuate(self, text: str) -> str:
        return normalise_punctuation(text) if self.chinese else text

    def clean(self, text: str) -> str:
        return self.punctuate(join_lines(_decode(text)))

    # -- blocks
    def blocks(self, elements: list[etree.Element], depth: int) -> list[Block]:
        if depth > _MAX_DEPTH:
            raise SourceError(f"lists or quotes nested deeper than {_MAX_DEPTH} levels",
                              self.path, hint="flatten the structure")
        out: list[Block] = []
        for element in elements:
            if not isinstance(element.tag, str):
                continue  # a comment
            handler: Callable[[etree.Element, int], list[Block]] | None = getattr(
                self, "block_" + element.tag, None)
            if handler is not None:
                out.extend(handler(element, depth))
            elif re.fullmatch(r"h[1-6]", element.tag):
                out.append(self.heading(element))
            elif element.tag in _CONTAINERS:
                out.extend(self.mixed(element, depth))
            else:  # an inline element standing alone (raw HTML): a paragraph of its own
                holder = etree.Element("p")
                holder.append(element)
                out.extend(self.block_p(holder, depth))
        return table_captions(out)

    def mixed(self, element: etree.Element, depth: int, skip: tuple[str, ...] = ()) -> list[Block]:
        """Blocks from content that mixes text, inline elements and blocks (raw HTML, list items)."""
        out: list[Block] = []
        run = etree.Element("p")
        run.text = element.text

        def flush() -> None:
            nonlocal run
            if (run.text or "").strip() or len(run):
                out.extend(self.block_p(run, depth))
            run = etree.Element("p")
        for child in list(element):
            if isinstance(child.tag, str) and child.tag in skip:  # read elsewhere; its tail is ours
                if len(run):
                    run[-1].tail = (run[-1].tail or "") + (child.tail or "")
                else:
                    run.text = (run.text or "") + (child.tail or "")
                continue
            if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
                flush()
                out.extend(self.blocks([child], depth + 1))
                run.text = child.tail
            else:
                run.append(child)
        flush()
        return table_captions(out)

    def heading(self, element: etree.Element) -> Heading:
        """A heading; one from raw HTML gets an id as Markdown's do (unique in the document)."""
        inlines = self.inlines(element)
        ident = element.get("id", "")
        if not ident:
            base = slugify(plain_text(inlines)) or "section"
            ident = next(c for c in (base, *(f"{base}_{n}" for n in range(1, 10_000))) if c not in self.ids)
            self.ids.add(ident)
        return Heading(int(element.tag[1]), inlines, ident)

    def block_p(self, element: etree.Element, depth: int) -> list[Block]:
        raw = self._raw_block(element, depth)
        if raw is not None:
            return raw
        picture = _lone_picture(element)
        if picture is not None:
            img, href = picture
            return [self.figure(img, href=href)]
        role = "lead" if "lead" in (element.get("class") or "").split() else "body"
        inlines = self.inlines(element)
        return [Paragraph(inlines, role)] if inlines else []

    def figure(self, img: etree.Element, caption: tuple[Inline, ...] = (), href: str = "") -> Figure:
        src = unquote(_decode(img.get("src", "")))
        try:
            path = images.resolve(src, self.base_dir)
            width, height = images.inspect(path)
        except PublisherError as error:
            self.errors.append(SourceError(error.cause, self.path, self.line(img.get("src", "")), error.hint))
            path, width, height = Path(src), 0, 0
        alt = self.clean(img.get("alt") or "")
        caption = caption or ((Text(self.clean(img.get("title") or alt)),) if (img.get("title") or alt) else ())
        if not caption:
            self._uncaptioned.append(self.line(img.get("src", "")))
            number = 0
        else:
            self.figure_count += 1
            number = self.figure_count
        ident = img.get("id") or (f"fig-{number}" if number else "")
        return Figure(number, path, caption, ident, width, height, alt=alt or plain_text(caption),
                      href=self.href(href) if href else "", size=_size_of(img, width))

    def block_figure(self, element: etree.Element, depth: int) -> list[Block]:
        """<figure><img><figcaption>…</figcaption></figure>: one figure with that caption."""
        imgs = [e for e in element.iter("img")]
        caption_element = element.find("figcaption")
        if len(imgs) != 1:
            return self.mixed(element, depth)
        caption = self.inlines(caption_element) if caption_element is not None else ()
        links = [a for a in element.iter("a") if a.find("img") is not None]
        return [self.figure(imgs[0], caption, links[0].get("href", "") if links else "")]

    def block_img(self, element: etree.Element, depth: int) -> list[Block]:
        return [self.figure(element)]

    def block_ul(self, element: etree.Element, depth: int) -> list[Block]:
        return [self._list(element, depth, ordered=False)]

    def block_ol(self, element: etree.Element, depth: int) -> list[Block]:
        return [self._list(element, depth, ordered=True)]

    def _list(self, element: etree.Element, depth: int, ordered: bool) -> ListBlock:
        items, tasks = [], []
        for li in element:
            if not isinstance(li.tag, str):
                continue
            tasks.append(self._task_state(li))
            items.append(tuple(self.mixed(li, depth + 1)))
        start = int(element.get("start", "1")) if (element.get("start") or "").isdigit() else 1
        return ListBlock(ordered, tuple(items), start, tuple(tasks) if any(t is not None for t in tasks) else ())

    def _task_state(self, li: etree.Element) -> bool | None:
        """pymdownx.tasklist stashes a checkbox at the item's start: done or open."""
        if "task-list-item" not in (li.get("class") or ""):
            return None
        match = _PLACEHOLDER.match(li.text or "")
        target = li if match else (li[0] if len(li) and li[0].tag == "p" else li)
        match = _PLACEHOLDER.match(target.text or "")
        if match is None:
            return None
        state = "checked" in str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])
        target.text = (target.text or "")[match.end():]
        return state

    def block_blockquote(self, element: etree.Element, depth: int) -> list[Block]:
        blocks = self.mixed(element, depth + 1)
        first = blocks[0] if blocks else None
        if isinstance(first, Paragraph) and first.inlines and isinstance(first.inlines[0], Text):
            alert = _GITHUB_ALERT.match(first.inlines[0].text)
            if alert:  # GitHub's > [!NOTE]
                rest = (Text(first.inlines[0].text[alert.end():]),) + first.inlines[1:]
                body = ([Paragraph(rest)] if plain_text(rest).strip() else []) + blocks[1:]
                kind = alert.group(1).lower()
                return [Aside(kind, (Text(kind.title()),), tuple(body))]
        return [Quote(tuple(blocks))]

    def block_pre(self, element: etree.Element, depth: int) -> list[Block]:
        code = element.find("code")
        language = (code.get("class") or "").removeprefix("language-") if code is not None else ""
        return [CodeBlock(unescape("".join(element.itertext())).rstrip("\n"), language)]

    def block_hr(self, element: etree.Element, depth: int) -> list[Block]:
        return [ThematicBreak()]

    def block_table(self, element: etree.Element, depth: int) -> list[Block]:
        rows = [tr for tr in element.iter("tr")]
        head_rows = [tr for tr in rows if tr in list(element.iterfind("thead/tr"))]
        if not head_rows and rows and all(c.tag == "th" for c in rows[0]):
            head_rows = rows[:1]
        header = head_rows[0] if head_rows else None
        cells = [c for c in (header if header is not None else (rows[0] if rows else [])) if isinstance(c.tag, str)]
        head = tuple(self.inlines(c) for c in header) if header is not None else ()
        body = tuple(tuple(self.cell(c, depth) for c in tr if isinstance(c.tag, str)) for tr in rows if tr is not header)
        caption_element = element.find("caption")
        caption = self.inlines(caption_element) if caption_element is not None else ()
        return [Table(head, body, tuple(_alignment(c) for c in cells), caption)]

    def cell(self, element: etree.Element, depth: int) -> tuple[Inline, ...]:
        """A table cell's text; blocks inside a raw HTML cell are joined with line breaks."""
        if not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in element):
            return self.inlines(element)
        out: list[Inline] = []
        for block in self.mixed(element, depth + 1):
            out += ([LineBreak()] if out else []) + list(getattr(block, "inlines", (Text(_text_of(block)),)))
        return tuple(out)

    def block_dl(self, element: etree.Element, depth: int) -> list[Block]:
        items: list[tuple[tuple[Inline, ...], list[tuple[Block, ...]]]] = []
        for child in element:
            if child.tag == "dt":
                items.append((self.inlines(child), []))
            elif child.tag == "dd":
                if not items:
                    items.append(((), []))
                items[-1][1].append(tuple(self.mixed(child, depth + 1)))
        return [DefinitionList(tuple((term, tuple(defs)) for term, defs in items))]

    def block_details(self, element: etree.Element, depth: int) -> list[Block]:
        summary = element.find("summary")
        title = self.inlines(summary) if summary is not None else ()
        return [Aside("details", title, tuple(self.mixed(element, depth + 1, skip=("summary",))))]

    def block_div(self, element: etree.Element, depth: int) -> list[Block]:
        classes = (element.get("class") or "").split()
        if "arithmatex" in classes:
            math = _tex("".join(element.itertext()))
            self._math.append(self.line(math.strip("$").strip().split("\n")[0]))
            return [MathBlock(math)]
        if "admonition" in classes:
            title_element = element.find("p[@class='admonition-title']")
            title = self.inlines(title_element) if title_element is not None else ()
            if title_element is not None:
                element.remove(title_element)
            kind = next((c for c in classes if c != "admonition"), "note")
            return [Aside(kind, title, tuple(self.mixed(element, depth + 1)))]
        return self.mixed(element, depth)

    def footnotes(self, div: etree.Element) -> list[Footnote]:
        notes = []
        for number, li in enumerate(div.iterfind("ol/li"), start=1):
            for para in li.iter():
                for backref in [a for a in para if "footnote-backref" in (a.get("class") or "")]:
                    para.remove(backref)  # the ↩ link back: an HTML-only nicety
                para.text = (para.text or "").replace(NBSP_PLACEHOLDER, "")
                para.tail = (para.tail or "").replace(NBSP_PLACEHOLDER, "") or None
            notes.append(Footnote(number, tuple(self.mixed(li, 1))))
        return notes

    def _raw_block(self, element: etree.Element, depth: int) -> list[Block] | None:
        """A paragraph that is one stashed raw HTML block: its elements, walked as blocks."""
        match = _PLACEHOLDER.fullmatch((element.text or "").strip())
        if match is None or len(element):
            return None
        raw = str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])
        code = _FENCED_CODE.fullmatch(raw.strip())
        if code:  # fenced_code stashes its finished <pre><code> block as raw HTML
            return [CodeBlock(unescape(code.group(2)).rstrip("\n"), code.group(1) or "")]
        if not raw.strip().startswith("<"):  # an entity or a character stashed on its own
            return [Paragraph((Text(self.clean(raw)),))]
        root, dropped = raw_html.parse(raw)
        self._report_dropped(dropped, raw)
        _collapse_space(root)
        return self.mixed(root, depth)

    def _report_dropped(self, dropped: list[str], raw: str) -> None:
        media = [d.split()[0] for d in dropped if d.endswith(raw_html.AS_LINK)]
        for tag in dict.fromkeys(media):
            self.notices.warn(f"raw HTML: {tag} cannot play on paper or in an e-book: printed as a link "
                              "to its source", self.line(tag[:-1]), hint="add a still picture if it matters")
        dropped = [d for d in dropped if not d.endswith(raw_html.AS_LINK)]
        if not dropped:
            return
        names = ", ".join(dict.fromkeys(dropped))
        found = next((d for d in dropped), "")
        needle = found[:-1] if found.endswith("=") else found.rstrip(">")
        self.notices.warn(f"raw HTML: {names} not kept (no edition carries scripts, frames, styles "
                          "or presentational markup; text inside is kept)",
                          self.line(needle) or self.line(raw.strip()[:40]),
                          hint="write it in Markdown, or leave it out")

    # -- inlines
    def inlines(self, element: etree.Element) -> tuple[Inline, ...]:
        out: list[Any] = []  # inlines and _Piece, joined by _join_pieces
        self._text(element.text, out)
        for child in element:
            if isinstance(child.tag, str):
                out.extend(self.inline(child))
            self._text(child.tail, out)
        return tuple(_merge_text(self._join_pieces(out)))

    def _text(self, text: str | None, out: list[Any]) -> None:
        if not text:
            return
        pos = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > pos:
                out.append(Text(self.clean(text[pos:match.start()])))
            out.append(_Piece(str(self.md.htmlStash.rawHtmlBlocks[int(match.group(1))])))
            pos = match.end()
        if pos < len(text):
            out.append(Text(self.clean(text[pos:])))

    def inline(self, element: etree.Element) -> list[Inline]:
        tag = element.tag
        if tag in _EMPHASIS:
            return [_EMPHASIS[tag](self.inlines(element))]
        if tag == "code":
            return [Code(unescape(_decode("".join(element.itertext()))))]
        if tag == "br":
            return [LineBreak()]
        if tag == "a":
            return self.link(element.get("href", ""), self.inlines(element))
        if tag == "sup" and (element.get("id") or "").startswith("fnref"):
            return [FootnoteRef(int("".join(element.itertext()) or 0))]
        if tag in _STYLED:
            return [Styled(_STYLED[tag], self.inlines(element))]
        if tag == "span" and "arithmatex" in (element.get("class") or ""):
            math = _tex("".join(element.itertext()))
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
        href = _decode(href).strip()
        scheme = urlsplit(href).scheme.lower()
        if href.startswith("#"):
            anchor = unquote(href[1:])
            if anchor in self.ids:
                return "#" + anchor
            if _loose(anchor) in self.loose_ids:
                return "#" + self.loose_ids[_loose(anchor)]
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
        kids = tuple(_merge_text(children))
        if tag in _EMPHASIS:
            return [_EMPHASIS[tag](kids)]
        if tag in _STYLED:
            return [Styled(_STYLED[tag], kids)]
        if tag == "code":
            return [Code(plain_text(kids))]
        if tag == "a":
            return self.link(attributes.get("href", ""), kids)
        if tag not in _QUIET_INLINE:
            self._report_dropped([f"<{tag}>"], f"<{tag}")
        return list(kids)


#: pandoc's table caption: a paragraph "Table: …" (or ": …") right before or after a table
_TABLE_CAPTION = re.compile(r"^(?:Table|表)?\s*[:：]\s*")


def table_captions(blocks: list[Block]) -> list[Block]:
    """Blocks with each "Table: …" paragraph next to a table made that table's caption."""
    out: list[Block] = []
    for block in blocks:
        caption = _caption_of(block)
        if caption and out and isinstance(out[-1], Table) and not out[-1].caption:
            out[-1] = replace(out[-1], caption=caption)
        elif isinstance(block, Table) and out and not block.caption and _caption_of(out[-1]):
            out[-1] = replace(block, caption=_caption_of(out[-1]))
        else:
            out.append(block)
    return out


def _caption_of(block: Block) -> tuple[Inline, ...]:
    if not (isinstance(block, Paragraph) and block.inlines and isinstance(block.inlines[0], Text)):
        return ()
    found = _TABLE_CAPTION.match(block.inlines[0].text)
    if found is None or not block.inlines[0].text.startswith(("Table", "表", ":", "：")):
        return ()
    return tuple(_merge_text([Text(block.inlines[0].text[found.end():]), *block.inlines[1:]]))


class _Piece:
    """One stashed piece of inline HTML; Python-Markdown stashes <a …> and </a> apart."""

    def __init__(self, raw: str) -> None:
        self.raw = raw


def _lone_picture(element: etree.Element) -> tuple[etree.Element, str] | None:
    """(img, link target) when a paragraph holds one picture and nothing else (a figure)."""
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) != 1 or (element.text or "").strip() or (children[0].tail or "").strip():
        return None
    child = children[0]
    if child.tag == "img":
        return child, ""
    inner = [c for c in child if isinstance(c.tag, str)]
    if child.tag == "a" and len(inner) == 1 and inner[0].tag == "img" \
            and not (child.text or "").strip() and not (inner[0].tail or "").strip():
        return inner[0], child.get("href", "")
    return None


_ZOOM = re.compile(r"zoom\s*:\s*(\d+(?:\.\d+)?)%")
_CSS_WIDTH = re.compile(r"(?<![-\w])width\s*:\s*(\d+(?:\.\d+)?)(%|px)")


def _size_of(img: etree.Element, natural_width: int) -> str:
    """The printed size an author asked for: "50%" of the text width, or "300px"; "" for none."""
    style = img.get("style") or ""
    zoom = _ZOOM.search(style)
    if zoom and natural_width:
        return f"{round(natural_width * float(zoom.group(1)) / 100)}px"
    width = _CSS_WIDTH.search(style)
    if width:
        return f"{width.group(1)}{width.group(2)}"
    value = (img.get("width") or "").strip()
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|px)?", value)
    return f"{found.group(1)}{found.group(2) or 'px'}" if found else ""


def _alignment(cell: etree.Element) -> str:
    style = (cell.get("style") or "") + ";text-align:" + (cell.get("align") or "")
    found = re.search(r"text-align\s*:\s*(left|center|right)", style)
    return found.group(1) if found else ""


def _tex(text: str) -> str:
    """arithmatex wraps math in \\( \\) or \\[ \\]: shown as written, with dollars."""
    text = text.strip()
    if text.startswith("\\(") and text.endswith("\\)"):
        return "$" + text[2:-2] + "$"
    if text.startswith("\\[") and text.endswith("\\]"):
        return "$$" + text[2:-2].strip("\n") + "$$"
    return text


def _text_of(block: Block) -> str:
    return plain_text(getattr(block, "inlines", ())) or getattr(block, "text", "")


def _collapse_space(root: etree.Element) -> None:
    """HTML collapses runs of white space (outside <pre>): so does the reader."""
    kept = {id(e) for pre in root.iter("pre") for e in pre.iter()}
    for element in root.iter():
        for attr in ("text", "tail"):
            value = getattr(element, attr)
            if value and not (attr == "text" and id(element) in kept) \
                    and not (attr == "tail" and id(element) in kept and element.tag != "pre"):
                setattr(element, attr, re.sub(r"[ \t\r\n]+", " ", value))


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
    return [n for n in out if not (isinstance(n, Text) and not n.text)]
