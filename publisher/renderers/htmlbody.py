"""HTML writer for the document body, shared by the print PDF, e-reader HTML and EPUB.

One method per node type, as in Sphinx translators and mistune renderers; an
unknown node raises instead of being dropped. Output is XHTML-compatible
(void elements closed with " />"), so EPUB can use it unchanged.
"""
from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from typing import Callable

from ..model import (Aside, Block, Code, CodeBlock, DefinitionList, Document, Emphasis, Figure,
                     Footnote, FootnoteRef, Heading, Image, Inline, LineBreak, Link, ListBlock, Math,
                     MathBlock, Paragraph, Quote, Strong, Styled, Table, Text, ThematicBreak,
                     heading_depths, plain_text)
from .. import highlight
from ..templates import format_setting
from ..phrases import phrases
from ..typography import HAN, is_chinese, latin_runs

#: the last two Han characters of a heading plus trailing marks: kept on one line
#: so a heading never ends with one lone character (clreq: avoid a widowed char)
_HEADING_TAIL = re.compile(rf"[{HAN}][^{HAN}]*[{HAN}][^{HAN}]*$")

#: the core of a number that must never split across lines: digits with their decimal
#: part, grouping, % or magnitude (3.6万, 5.6%, 1,200, 1+6+N); measure words may break
_NUMBER_CORE = re.compile(r"\d+(?:\+(?:\d+|[A-Za-z]))+|\d[\d,]*(?:\.\d+)?(?:%|％|[万亿])?")

ImageSource = Callable[[Figure | Image], str]
#: markup for a picture drawn another way than <img> (a repeated one in the e-reader HTML), or None
PictureMarkup = Callable[[Figure | Image, str], str | None]
#: a token longer than this may not fit a narrow column whole (print breaks it anywhere)
LONG_TOKEN = 20
#: the HTML element of each kind of Styled text
STYLED_TAGS = {"strike": "del", "sup": "sup", "sub": "sub", "kbd": "kbd", "mark": "mark", "ins": "ins"}


class HtmlWriter:
    """Writes model blocks as HTML fragments."""

    def __init__(self, image_src: ImageSource, figure_label: str = "图{number}",
                 sections: bool = False, missing_alt: str = "", picture_markup: PictureMarkup | None = None,
                 screen: dict[str, str] | None = None, epub: bool = False) -> None:
        #: gives the `src` of a figure's image (file URL, relative path or data URI)
        self.image_src = image_src
        #: may draw a picture otherwise (given the node and its class)
        self.picture_markup = picture_markup
        self.figure_label = figure_label
        #: wrap each level-2 heading and what follows in a <section>
        self.sections = sections
        #: the alt text of a picture the source describes not at all (PDF/UA requires one)
        self.missing_alt = missing_alt
        #: heading id → its depth in the outline (h-level written), set by `for_document`
        self.depths: dict[str, int] = {}
        #: for a screen edition, the words it prints itself (labels: notes, back_to_text, table):
        #: notes get a heading and links back, wide tables and long code lines scroll in a box
        #: of their own, a picture whose description is its caption is announced once
        self.screen = screen
        #: EPUB 3 structural semantics (epub:type) beside the ARIA roles, for reading systems' pop-up notes
        self.epub = epub
        #: how many times each note has been marked so far (each mark needs an id of its own)
        self._marked: dict[int, int] = {}
        #: runs of Latin words carry lang="en" (a Chinese document on screen)
        self.mark_latin = False
        self._tables = 0

    def for_document(self, doc: Document) -> "HtmlWriter":
        """Write the headings of `doc` at their outline depths (no level skipped: h1, then h2 …);
        on screen, English inside a Chinese document marked as English (WCAG 3.1.2)."""
        self.depths = heading_depths(doc)
        self.mark_latin = self.screen is not None and is_chinese(doc.meta.language)
        return self

    # -- documents
    def body(self, doc: Document) -> str:
        """All blocks of `doc`, then its footnotes."""
        html = self.sectioned(doc.blocks) if self.sections else self.blocks(doc.blocks)
        return html + self.footnotes(doc.footnotes)

    def sectioned(self, blocks: tuple[Block, ...]) -> str:
        out: list[str] = []
        open_section = False
        for block in blocks:
            if isinstance(block, Heading) and self.level(block) <= 2:
                if open_section:
                    out.append("</section>\n")
                out.append(f'<section aria-labelledby="{escape(block.id)}">\n')
                open_section = True
            out.append(self.block(block))
        if open_section:
            out.append("</section>\n")
        return "".join(out)

    def level(self, node: Heading) -> int:
        return self.depths.get(node.id, node.level)

    def blocks(self, blocks: tuple[Block, ...] | list[Block]) -> str:
        return "".join(self.block(b) for b in blocks)

    def block(self, block: Block) -> str:
        method = getattr(self, "visit_" + type(block).__name__.lower(), None)
        if method is None:
            raise TypeError(f"HtmlWriter has no handler for {type(block).__name__}")
        return method(block)  # type: ignore[no-any-return]

    # -- blocks
    def visit_heading(self, node: Heading) -> str:
        tag = f"h{self.level(node)}"
        return f'<{tag} id="{escape(node.id)}">{self.heading_inlines(node.inlines)}</{tag}>\n'

    def visit_paragraph(self, node: Paragraph) -> str:
        cls = f' class="{node.role}"' if node.role != "body" else ""
        return f"<p{cls}>{self.inlines(node.inlines)}</p>\n"

    def visit_figure(self, node: Figure) -> str:
        ident = f' id="{escape(node.id)}"' if node.id else ""
        size = f' style="width: {escape(node.size)}"' if node.size else ""
        picture = self.picture(self.described_once(node), "")
        if node.href:
            picture = f'<a href="{escape(node.href)}">{picture}</a>'
        if not node.number:
            return f'<figure{ident} class="figure uncaptioned"{size}>{picture}</figure>\n'
        label = escape(format_setting("figure_label", self.figure_label, number=node.number))
        return (f'<figure{ident} class="figure"{size}>{picture}'
                f'<figcaption><span class="figure-label">{label}</span> '
                f"{self.inlines(node.caption)}</figcaption></figure>\n")

    def described_once(self, node: Figure) -> Figure:
        """On screen, a picture whose description only repeats its caption is passed over by a
        screen reader (alt=""): the figure is announced once, by its caption."""
        if self.screen is None or not node.number or not node.alt or node.href:  # a link needs its name
            return node
        same = "".join(node.alt.split()) == "".join(plain_text(node.caption).split())
        return replace(node, alt="") if same else node

    def visit_listblock(self, node: ListBlock) -> str:
        tag = "ol" if node.ordered else "ul"
        start = f' start="{node.start}"' if node.ordered and node.start != 1 else ""
        tasks = node.tasks or (None,) * len(node.items)
        items = "".join(self.list_item(item, task) for item, task in zip(node.items, tasks))
        cls = ' class="tasks"' if node.tasks else ""
        return f"<{tag}{start}{cls}>\n{items}</{tag}>\n"

    def list_item(self, blocks: tuple[Block, ...], task: bool | None) -> str:
        if task is None:
            return f"<li>{self.item(blocks)}</li>\n"
        mark = "☑" if task else "☐"
        return f'<li class="task {"done" if task else "open"}"><span class="task-mark">{mark}</span> {self.item(blocks)}</li>\n'

    def item(self, blocks: tuple[Block, ...]) -> str:
        """A tight list item is one paragraph: write its text without <p>."""
        if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
            return self.inlines(blocks[0].inlines)
        return self.blocks(blocks)

    def visit_quote(self, node: Quote) -> str:
        return f"<blockquote>\n{self.blocks(node.blocks)}</blockquote>\n"

    def visit_codeblock(self, node: CodeBlock) -> str:
        """The code as written, its tokens in spans the layout colours (class tok-<kind>)."""
        cls = f' class="language-{escape(node.language)}"' if node.language else ""
        runs = highlight.runs(node.text, node.language)
        if self.screen is None:
            code = "".join(self.token(text, kind) for text, kind in runs)
            return f"<pre><code{cls}>{code}</code></pre>\n"
        return f'<pre tabindex="0"><code{cls}>{self.code_lines(runs)}</code></pre>\n'

    def code_lines(self, runs: list[tuple[str, str]]) -> str:
        """Each line of code in a span of its own, so that a line too long for the screen wraps
        under its own start (a hanging indent), never back to column 0 (misleading in Python)."""
        lines: list[str] = [""]
        for text, kind in runs:
            for index, piece in enumerate(text.split("\n")):
                if index:
                    lines.append("")
                if piece:
                    lines[-1] += self.token(piece, kind)
        if len(lines) > 1 and not lines[-1]:
            lines.pop()
        return "\n".join(f'<span class="line">{line}</span>' for line in lines)

    @staticmethod
    def token(text: str, kind: str) -> str:
        """One highlighted token; a long one (a URL in a string) is marked so print may break it."""
        if not kind:
            return escape(text, quote=False)
        long = " long" if len(text) > LONG_TOKEN and not any(c.isspace() for c in text) else ""
        return f'<span class="tok-{kind}{long}">{escape(text, quote=False)}</span>'

    def visit_mathblock(self, node: MathBlock) -> str:
        return f'<div class="math">{escape(node.text)}</div>\n'

    def visit_definitionlist(self, node: DefinitionList) -> str:
        parts = []
        for term, definitions in node.items:
            parts.append(f"<dt>{self.inlines(term)}</dt>\n")
            parts += [f"<dd>{self.item(d)}</dd>\n" for d in definitions]
        return "<dl>\n" + "".join(parts) + "</dl>\n"

    def visit_aside(self, node: Aside) -> str:
        title = f'<p class="aside-title">{self.inlines(node.title)}</p>\n' if node.title else ""
        return (f'<div class="aside aside-{escape(node.kind)}" role="note">\n{title}'
                f"{self.blocks(node.blocks)}</div>\n")

    def visit_thematicbreak(self, node: ThematicBreak) -> str:
        return "<hr />\n"

    def visit_table(self, node: Table) -> str:
        head = "".join(f"<th{self.align(node, i)}>{self.inlines(c)}</th>" for i, c in enumerate(node.head))
        rows = "".join("<tr>" + "".join(f"<td{self.align(node, i)}>{self.inlines(c)}</td>"
                                        for i, c in enumerate(row)) + "</tr>\n"
                       for row in node.rows)
        thead = f"<thead><tr>{head}</tr></thead>\n" if head else ""
        caption = f"<caption>{self.inlines(node.caption)}</caption>\n" if node.caption else ""
        table = f"<table>\n{caption}{thead}<tbody>\n{rows}</tbody>\n</table>\n"
        if self.screen is None:
            return table
        # a table wider than the screen scrolls in its own box (a keyboard reaches it), not the page
        self._tables += 1  # each box its own name: landmarks must be told apart
        name = escape(plain_text(node.caption) or f'{self.screen.get("table", "table")} {self._tables}')
        return f'<div class="table-wrap" role="region" aria-label="{name}" tabindex="0">\n{table}</div>\n'

    @staticmethod
    def align(node: Table, column: int) -> str:
        value = node.align[column] if column < len(node.align) else ""
        return f' class="align-{value}"' if value else ""

    def footnotes(self, notes: tuple[Footnote, ...]) -> str:
        """The notes after the text; on screen with a heading, each with a link back to its mark."""
        if not notes:
            return ""
        if self.screen is None:
            items = "".join(f'<li id="fn-{n.number}">{self.item(n.blocks)}</li>\n' for n in notes)
            return f'<section class="footnotes" role="doc-endnotes">\n<hr />\n<ol>\n{items}</ol>\n</section>\n'
        kind, note_kind, back_kind = ((' epub:type="endnotes"', ' epub:type="endnote"', ' epub:type="backlink"')
                                      if self.epub else ("", "", ""))
        back = escape(self.screen.get("back_to_text", "Back"))
        items = "".join(
            f'<li id="fn-{n.number}"{note_kind}>{self.item(n.blocks)} '
            f'<a class="backref" href="#fnref-{n.number}" role="doc-backlink"{back_kind} aria-label="{back}">↩</a>'
            "</li>\n" for n in notes)
        title = escape(self.screen.get("notes", "Notes"))
        return (f'<section class="footnotes" role="doc-endnotes"{kind} aria-labelledby="publisher.notes-title">\n'
                f'<h2 class="footnotes-title" id="publisher.notes-title">{title}</h2>\n<ol>\n{items}</ol>\n</section>\n')

    # -- inlines
    def inlines(self, nodes: tuple[Inline, ...]) -> str:
        return "".join(self.inline(n) for n in nodes)

    def heading_inlines(self, nodes: tuple[Inline, ...]) -> str:
        """Heading text with its last two characters bound together; on screen, in a Chinese
        document, a break allowed only between phrases (<wbr>; the stylesheet keeps words whole)."""
        if self.mark_latin:
            return "".join("<wbr />".join(self.text(piece) for piece in phrases(node.text))
                           if isinstance(node, Text) else self.inline(node) for node in nodes)
        if nodes and isinstance(nodes[-1], Text):
            match = _HEADING_TAIL.search(nodes[-1].text)
            if match and match.start() > 0:
                head = self.inlines(nodes[:-1]) + self.text(nodes[-1].text[:match.start()])
                return head + f'<span class="keep">{self.text(match.group())}</span>'
        return self.inlines(nodes)

    def inline(self, node: Inline) -> str:
        if isinstance(node, Text):
            return self.text(node.text)
        if isinstance(node, Emphasis):
            return f"<em>{self.inlines(node.children)}</em>"
        if isinstance(node, Strong):
            return f"<strong>{self.inlines(node.children)}</strong>"
        if isinstance(node, Code):
            return f"<code>{escape(node.text)}</code>"
        if isinstance(node, Link):
            return f'<a href="{escape(node.href)}">{self.inlines(node.children)}</a>'
        if isinstance(node, FootnoteRef):
            n = node.number
            self._marked[n] = self._marked.get(n, 0) + 1  # a note marked twice: each mark its own id
            ident = f"fnref-{n}" if self._marked[n] == 1 else f"fnref-{n}-{self._marked[n]}"
            kind = ' epub:type="noteref"' if self.epub else ""
            return f'<sup class="fnref"><a href="#fn-{n}" id="{ident}" role="doc-noteref"{kind}>{n}</a></sup>'
        if isinstance(node, LineBreak):
            return "<br />"
        if isinstance(node, Styled):
            tag = STYLED_TAGS[node.kind]
            return f"<{tag}>{self.inlines(node.children)}</{tag}>"
        if isinstance(node, Image):
            return self.picture(node, "inline")
        if isinstance(node, Math):
            return f'<span class="math">{escape(node.text)}</span>'
        raise TypeError(f"HtmlWriter has no handler for {type(node).__name__}")

    def picture(self, node: Figure | Image, css_class: str) -> str:
        """An <img> with the picture's source, alt text and pixel size (or the edition's own markup)."""
        other = self.picture_markup(node, css_class) if self.picture_markup else None
        if other is not None:
            return other
        cls = f' class="{css_class}"' if css_class else ""
        alt = node.alt or ("" if self.screen is not None and isinstance(node, Figure) and node.number
                           else self.missing_alt)
        # an EPUB's pictures carry no pixel size: calibre squashes a photo whose attributes and CSS disagree
        size = "" if self.epub else f' width="{node.width}" height="{node.height}"'
        return f'<img{cls} src="{escape(self.image_src(node))}" alt="{escape(alt)}"{size} />'

    def text(self, text: str) -> str:
        """Escaped text with every number in a no-break span (a number never splits), and runs
        of English marked as such where the document is Chinese."""
        return english_marked(text, self.numbers) if self.mark_latin else self.numbers(text)

    def numbers(self, text: str) -> str:
        """Escaped text with every number in a no-break span."""
        out, pos = [], 0
        for match in _NUMBER_CORE.finditer(text):
            out.append(escape(text[pos:match.start()], quote=False))
            out.append(f'<span class="num">{escape(match.group(), quote=False)}</span>')
            pos = match.end()
        out.append(escape(text[pos:], quote=False))
        return "".join(out)


def in_languages(text: str, language: str, breaks: bool = False) -> str:
    """Front-matter text (a subtitle, a byline) as escaped HTML, its English marked as such in a
    Chinese document; with `breaks` (a title), a line may break only between phrases."""
    if not is_chinese(language):
        return escape(text, quote=False)

    def chinese(piece: str) -> str:
        return "<wbr />".join(escape(p, quote=False) for p in phrases(piece)) if breaks else escape(piece, quote=False)
    return english_marked(text, chinese, lambda piece: escape(piece, quote=False))


def english_marked(text: str, write: Callable[[str], str], write_english: Callable[[str], str] | None = None) -> str:
    """`text` written piece by piece by `write`, each run of English words in <span lang="en">
    (written by `write_english`, else `write`)."""
    return "".join(f'<span lang="en">{(write_english or write)(piece)}</span>' if latin else write(piece)
                   for piece, latin in latin_runs(text))
