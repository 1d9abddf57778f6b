"""Markdown body → model blocks (Python-Markdown and pymdown-extensions, then the element tree walked).

Raw HTML is parsed (raw_html) and walked by the same handlers, so a raw <table> or
<img> becomes the same model node as its Markdown form, and no raw HTML reaches an
edition. What cannot be kept is named in a warning with its line.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import markdown
from markdown import inlinepatterns
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from . import brackets, images, raw_html
from .errors import PublisherError, SourceError, SourceErrors, line_of
from .model import (Aside, Block, Code, CodeBlock, DefinitionList, Figure, Footnote, Heading, Image,
                    Inline, LineBreak, ListBlock, MathBlock, Paragraph, Quote, Table, Text, ThematicBreak,
                    plain_text, walk_blocks)
from .body_passes import (unclosed_raw, unescape, alignment, collapse_space, inline_notes, lone_picture, size_of, table_captions,
                          tex, text_of)
from .markdown_inline import PLACEHOLDER, InlineReader, loose_key
from .notices import Notices
from .typography import is_chinese, join_lines, normalise_punctuation, smart_quotes

_MAX_DEPTH = 40
_FENCED_CODE = re.compile(r"<pre[^>]*><code(?: class=\"language-([^\"]*)\")?[^>]*>(.*)</code></pre>", re.S)
_GITHUB_ALERT = re.compile(r"\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.I)
#: container elements whose content is read as blocks (text and inline elements become paragraphs)
_CONTAINERS = frozenset("div section article header footer main aside nav center figure address "
                        "hgroup body html".split())
_BLOCK_TAGS = frozenset("p ul ol dl blockquote pre hr table div h1 h2 h3 h4 h5 h6 figure details "
                        "section article header footer main aside nav center address".split())
#: inline elements whose text is all there is to keep: read without a word
_QUIET_INLINE = frozenset("span abbr acronym small big cite dfn time q bdi bdo data var samp tt "
                          "label summary figcaption p li td th dt dd caption".split())

EXTENSIONS = ["attr_list", "tables", "footnotes", "toc", "fenced_code", "def_list", "admonition",
              "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark", "pymdownx.tasklist",
              "pymdownx.arithmatex"]


def slugify(value: str, separator: str = "-") -> str:
    """GitHub's heading ids: lower case, punctuation dropped, each space a hyphen (Chinese kept)."""
    value = re.sub(r"[^\w\- ]", "", value.strip().lower())
    return value.replace(" ", separator)


def _extension_configs() -> dict[str, dict[str, Any]]:
    return {"toc": {"slugify": slugify}, "footnotes": {"USE_DEFINITION_ORDER": False},
            "pymdownx.arithmatex": {"generic": True},
            "pymdownx.tilde": {"smart_delete": False}}


_SQUARE, _ROUND, _QUOTES = brackets.Finder("[", "]"), brackets.Finder("(", ")"), brackets.Marks("'\"")
_GET_LINK = inlinepatterns.LinkInlineProcessor.getLink


def _get_text(self: Any, data: str, index: int) -> tuple[str, int, bool]:
    """LinkInlineProcessor.getText in linear time: the `]` closing a link's text, nested pairs
    counted, found from one pass over `data` (Python-Markdown scans to the end for each `[`)."""
    close = _SQUARE(data).close_of(index)
    if close < 0:
        return data[index:], len(data), False
    return data[index:close], close + 1, True


def _get_link(self: Any, data: str, index: int) -> tuple[str, str | None, int, bool]:
    """LinkInlineProcessor.getLink, without a scan per link where no title is quoted: the `)`
    that closes `(destination)` from one pass over `data`; a quote on the way, or `<…>`, takes
    Python-Markdown's own path."""
    m = self.RE_LINK.match(data, pos=index)
    if m is None or m.group(1):
        return _GET_LINK(self, data, index)  # type: ignore[no-any-return]
    start = m.end()
    close, quote = _ROUND(data).close_of(start), _QUOTES.next_of(data, start)
    if close >= 0 and (quote < 0 or quote > close):
        return self.unescape(data[start:close]).strip(), None, close + 1, True
    if close < 0 and quote < 0:
        return "", None, len(data), False
    return _GET_LINK(self, data, index)  # type: ignore[no-any-return]


# one module imports Python-Markdown: its link scanning is made linear here, for every reader
inlinepatterns.LinkInlineProcessor.getText = _get_text  # type: ignore[method-assign]
inlinepatterns.LinkInlineProcessor.getLink = _get_link  # type: ignore[method-assign]


class _TreeGrab(Treeprocessor):
    """Keeps the finished element tree so the reader can walk it."""

    def run(self, root: etree.Element) -> None:
        self.md.publisher_tree = root  # type: ignore[attr-defined]


def parse_body(body: str, path: Path, source_text: str, language: str = "zh-CN",
               notices: Notices | None = None) -> tuple[list[Block], list[Footnote], dict[Path, str]]:
    """Parse the Markdown body into blocks, footnotes, and the pictures it shows (each file
    with the digest of the bytes the reader checked)."""
    if not body.strip():  # a source that is only front matter (Python-Markdown builds no tree then)
        return [], [], {}
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=_extension_configs())
    md.treeprocessors.register(_TreeGrab(md), "publisher-grab", -100)
    body, unclosed = unclosed_raw(body)
    try:
        md.convert(inline_notes(body))
    except RecursionError:
        raise SourceError("lists or quotes nested too deeply", path,
                          hint=f"keep nesting under {_MAX_DEPTH} levels") from None
    builder = _Builder(md, path, source_text, language, notices or Notices(path))
    for opening in unclosed:
        builder.notices.warn(f"raw HTML: {opening} is never closed: the tag is left out, the text after it kept",
                             line_of(source_text, opening), hint="close it, or remove it")
    root = getattr(md, "publisher_tree", None)
    if root is None:  # nothing left to parse (an unclosed <script> was all there was): no tree is built
        return [], [], {}
    builder.ids = {builder.ident(e) for e in root.iter() if e.get("id")}
    builder.loose_ids = {loose_key(key): builder.ident(e) for e in root.iter() if e.get("id")
                         for key in (builder.ident(e), "".join(e.itertext()))}
    blocks, notes = [], []
    for child in root:
        if child.tag == "div" and "footnote" in (child.get("class") or "").split():
            notes = builder.footnotes(child)
        else:
            blocks.extend(builder.blocks([child], depth=0))
    builder.finish()
    return table_captions(blocks), notes, {path: digest for path, (digest, _, _) in builder.pictures.items()}


def cell_inlines(block: Block) -> list[Inline]:
    """A block inside a table cell as a line of inlines: a picture at text height, a list's
    items, a quote's paragraphs, code as code (a Word cell holds one paragraph)."""
    if isinstance(block, Figure):
        picture: list[Inline] = [Image(block.src, block.alt or block.caption_text, block.width, block.height)]
        return picture + ([Text(" " + block.caption_text)] if block.caption_text else [])
    if isinstance(block, CodeBlock):
        return [Code(block.text)]
    if isinstance(block, (Heading, Paragraph)):
        return list(block.inlines)
    if isinstance(block, Table):  # a table in a cell: its cells one after another
        cells = [block.caption, *block.head, *(cell for row in block.rows for cell in row)]
        return [node for cell in cells if cell for node in (Text(" "), *cell)][1:]
    out: list[Inline] = []
    for child in walk_blocks([block]):  # lists, quotes, boxes, definitions: their paragraphs, a line each
        if child is not block:
            out += ([LineBreak()] if out else []) + cell_inlines(child)
    return out or [Text(text_of(block))]


def decode(text: str) -> str:
    """Python-Markdown's entity placeholders (e-mail links are written as &#…; entities) → characters."""
    return unescape(text.replace(AMP_SUBSTITUTE, "&")) if "&" in text or AMP_SUBSTITUTE in text else text


class _Builder(InlineReader):
    """Turns the element tree into model blocks, one method per tag (inlines: InlineReader)."""

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
        #: each picture file read once: the digest of its bytes and its size in pixels
        self.pictures: dict[Path, tuple[str, int, int]] = {}
        self._uncaptioned: list[int | None] = []
        self._math: list[int | None] = []
        #: where the last raw HTML fragment was found in the source (line_after)
        self._raw_pos = 0
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

    def decode(self, text: str) -> str:
        return decode(self.unstash(text))

    def ident(self, element: etree.Element) -> str:
        """An element's id as the text it stands for (attr_list keeps entities as placeholders)."""
        return self.decode(element.get("id", ""))

    def unstash(self, text: str) -> str:
        """Stashed raw HTML left as its placeholder in an attribute (an entity in an attr_list
        title="a &amp; b") → the text it stands for."""
        if "\x02" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: str(self.md.htmlStash.rawHtmlBlocks[int(m.group(1))]), text)

    def punctuate(self, text: str) -> str:
        return normalise_punctuation(text) if self.chinese else text

    def clean(self, text: str) -> str:
        return self.punctuate(smart_quotes(join_lines(self.decode(text))))

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
        ident = self.ident(element)
        if not ident:
            base = slugify(plain_text(inlines)) or "section"
            ident = next(c for c in (base, *(f"{base}_{n}" for n in range(1, 10_000))) if c not in self.ids)
            self.ids.add(ident)
        return Heading(int(element.tag[1]), inlines, ident)

    def block_p(self, element: etree.Element, depth: int) -> list[Block]:
        raw = self._raw_block(element, depth)
        if raw is not None:
            return raw
        picture = lone_picture(element)
        if picture is not None:
            img, href = picture
            return [self.figure(img, href=href)]
        role = "lead" if "lead" in (element.get("class") or "").split() else "body"
        inlines = self.inlines(element)
        return [Paragraph(inlines, role)] if inlines else []

    def figure(self, img: etree.Element, caption: tuple[Inline, ...] = (), href: str = "") -> Figure:
        src = unquote(self.decode(img.get("src", "")))
        try:
            path = images.resolve(src, self.base_dir)
            width, height = self.picture(path)
        except PublisherError as error:
            self.errors.append(SourceError(error.cause, self.path, self.line(img.get("src") or "<img"), error.hint))
            path, width, height = Path(src), 0, 0
        alt = self.clean(img.get("alt") or "")
        caption = caption or ((Text(self.clean(img.get("title") or alt)),) if (img.get("title") or alt) else ())
        if not caption:
            self._uncaptioned.append(self.line(img.get("src", "")))
            number = 0
        else:
            self.figure_count += 1
            number = self.figure_count
        ident = self.ident(img) or (f"fig-{number}" if number else "")
        return Figure(number, path, caption, ident, width, height, alt=alt or plain_text(caption),
                      href=self.href(href) if href else "", size=size_of(img, width))

    def picture(self, path: Path) -> tuple[int, int]:
        """The size of the picture at `path`, its bytes read once and checked (a yearbook shows
        one photo hundreds of times); the editions are made from the same bytes (images.checked_picture)."""
        if path not in self.pictures:
            data = images.read_picture(path)
            self.pictures[path] = (images.digest_of(data), *images.inspect(data, path.name))
        _, width, height = self.pictures[path]
        return width, height

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
        match = PLACEHOLDER.match(li.text or "")
        target = li if match else (li[0] if len(li) and li[0].tag == "p" else li)
        match = PLACEHOLDER.match(target.text or "")
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
        return [Table(head, body, tuple(alignment(c) for c in cells), caption)]

    def cell(self, element: etree.Element, depth: int) -> tuple[Inline, ...]:
        """A table cell's text; blocks inside a raw HTML cell are joined with line breaks."""
        if not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in element):
            return self.inlines(element)
        out: list[Inline] = []
        blocks = self.mixed(element, depth + 1)
        # a picture in a cell prints at text height, not as a numbered figure: its number goes back
        self.figure_count -= sum(1 for b in walk_blocks(blocks) if isinstance(b, Figure) and b.number)
        for block in blocks:
            out += ([LineBreak()] if out else []) + cell_inlines(block)
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
            math = tex(unescape("".join(element.itertext())))
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
        match = PLACEHOLDER.fullmatch((element.text or "").strip())
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
        collapse_space(root)
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
                          "or presentational markup; the text of other elements is kept)",
                          self.line_after(raw.strip().split("\n")[0][:60], needle),
                          hint="write it in Markdown, or leave it out")

    def line_after(self, anchor: str, needle: str) -> int | None:
        """The line of `needle` at or after where `anchor` (a raw fragment's start) is in the source.

        Fragments are met in document order: each is looked for after the one before, so the
        second of two identical tables is named at its own line.
        """
        start = self.source_text.find(anchor, self._raw_pos) if anchor else -1
        start = self.source_text.find(anchor) if anchor and start < 0 else start
        if start < 0:
            return self.line(needle)
        self._raw_pos = start + 1
        pos = self.source_text.find(needle, start) if needle else -1
        return self.source_text.count("\n", 0, pos if pos >= 0 else start) + 1
