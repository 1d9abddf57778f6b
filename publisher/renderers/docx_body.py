"""DOCX writer for the document body: one visit_ method per node type, as htmlbody does.

Blocks become raw <w:p>/<w:tbl> elements appended to a list; the renderer
puts them into the body in one go. Styles are looked up by name in a StyleBook.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.parts.document import DocumentPart
from docx.shared import Emu

from ..model import (Aside, Block, Code, CodeBlock, DefinitionList, Emphasis, Figure, Footnote,
                     FootnoteRef, Heading, Image, Inline, LineBreak, Link, ListBlock, Math, MathBlock,
                     Paragraph, Quote, Strong, Styled, Table, Text, ThematicBreak, plain_text)
from .. import highlight, images
from ..templates import format_setting
from ..typography import CHAPTER, chinese_number
from .docx_lists import Numbering
from .docx_package import image_part
from .docx_pages import Pages, balanced_break, break_inlines, cells
from .docx_styles import StyleBook
from .docx_xml import Element, el, emu, field, paragraph, split_label, styled_rpr, text_run, val


class DocxWriter:
    """Writes model blocks as WordprocessingML elements."""

    def __init__(self, part: DocumentPart, styles: StyleBook, config: dict[str, Any],
                 text_width: int, numbering: Numbering) -> None:
        self.part = part
        self.styles = styles
        self.config = config
        #: text width in EMU: pictures are scaled to it
        self.text_width = text_width
        self.numbering = numbering
        #: footnote number → its <w:footnote> element (written to footnotes.xml)
        self.notes: dict[int, Element] = {}
        self._shape_id = 0
        self._images: dict[tuple[int, Path], str] = {}
        #: the part whose relationships links and pictures go into (the footnotes part while
        #: a footnote is written: an r:id resolves only in its own part)
        self.rels_part: Any = part
        #: the style of plain paragraphs in the current context (quote, list item)
        self._context: list[str] = []
        self._list_level: list[tuple[bool, int]] = []
        #: heading id → its depth in the outline (set by the renderer: model.heading_depths)
        self.depths: dict[str, int] = {}
        #: each picture file → the digest of the bytes the reader checked (set by the renderer)
        self.pictures: dict[Path, str] = {}
        #: heading id → the id and name of its bookmark, which links to '#id' point at
        self.bookmarks: dict[str, tuple[int, str]] = {}
        #: figures drawn smaller to fit the rest of a page (id of the node → scale; docx_pages)
        self.scales: dict[int, float] = {}
        #: the grid page's measures (None without a grid): where centred lines break
        self.page: Pages | None = None
        #: heading id → the number it is written with (一、（一）…; number_headings), none by default
        self.heading_labels: dict[str, str] = {}
        #: heading id → the numbering its own text begins with (typography.heading_numbers), which
        #: the layout's number replaces
        self.heading_prefixes: dict[str, str] = {}

    # -- blocks
    def blocks(self, blocks: tuple[Block, ...] | list[Block]) -> list[Element]:
        return [element for block in blocks for element in self.block(block)]

    def block(self, block: Block) -> list[Element]:
        method: Callable[[Any], list[Element]] | None = getattr(
            self, "visit_" + type(block).__name__.lower(), None)
        if method is None:
            raise TypeError(f"DocxWriter has no handler for {type(block).__name__}")
        return method(block)

    def visit_heading(self, node: Heading) -> list[Element]:
        """A heading in its level's style, holding the bookmark internal links land on."""
        depth = min(self.depths.get(node.id, node.level), 6)
        style = self.config["headings"][depth]
        label = self.heading_labels.get(node.id, "")
        prefix = self.heading_prefixes.get(node.id, "")
        runs = ([text_run(label)] + self.inlines(strip_prefix(node.inlines, prefix))) if label else self.inlines(node.inlines)
        number, name = self.bookmarks.get(node.id, (0, ""))
        if name:
            runs = [el("w:bookmarkStart", {"w:id": number, "w:name": name}), *runs,
                    el("w:bookmarkEnd", {"w:id": number})]
        return [self.para(style, runs)]

    def visit_paragraph(self, node: Paragraph) -> list[Element]:
        if self._list_level:
            return [self.list_para(node.inlines)]
        style = self._context[-1] if self._context else self.config["roles"].get(node.role, "Normal")
        return [self.para(style, self.inlines(node.inlines))]

    def visit_figure(self, node: Figure) -> list[Element]:
        """The picture, then its caption: 图N (a SEQ field) and the caption text."""
        figure = self.config["figure"]
        if not node.number:  # no caption to keep it with: not kept with the text after it either
            return [paragraph(self.styles.id(figure["style"]), [el("w:r", children=[self.drawing(node)])],
                              [val("w:keepNext", "0")])]
        picture = self.para(figure["style"], [el("w:r", children=[self.drawing(node)])])
        before, after = split_label(figure["label"])
        label = [text_run(before)] if before else []
        label += field(f"SEQ {figure['sequence']} \\* ARABIC", str(node.number))
        label += [text_run(after + " ")]
        caption = node.caption
        if self.page is not None:  # two centred lines broken at a mark, never one character left alone
            at = balanced_break(plain_text(caption), self.page.per_line(figure["caption_style"]),
                                before=cells(f"{before}{node.number}{after} "))
            caption = break_inlines(caption, at) if at else caption
        return [picture, self.para(figure["caption_style"], label + self.inlines(caption))]

    def visit_listblock(self, node: ListBlock) -> list[Element]:
        num_id = self.numbering.new_list(node.ordered, node.start)
        self._list_level.append((node.ordered, num_id))
        tasks = node.tasks or (None,) * len(node.items)
        try:
            return [element for item, task in zip(node.items, tasks) for element in self.list_item(item, task)]
        finally:
            self._list_level.pop()

    def list_item(self, blocks: tuple[Block, ...], task: bool | None = None) -> list[Element]:
        """The first paragraph carries the number; later ones are indented continuations."""
        out: list[Element] = []
        for index, block in enumerate(blocks):
            if isinstance(block, Paragraph):
                mark = (Text("☑ " if task else "☐ "),) if task is not None and index == 0 else ()
                out.append(self.list_para(mark + block.inlines, numbered=index == 0))
            else:
                out.extend(self.block(block))
        return out

    def list_para(self, inlines: tuple[Inline, ...], numbered: bool = True) -> Element:
        level = len(self._list_level) - 1
        num_id = self._list_level[-1][1] if numbered else 0
        style = self.styles.id(self.config["list"]["style"])
        # an item's later paragraphs: indented like the item, with no number (no numPr at all:
        # numId 0 names a numbering definition that does not exist)
        ppr = [el("w:numPr", children=[val("w:ilvl", level), val("w:numId", num_id)])] if numbered \
            else [self.numbering.indent(level)]
        return paragraph(style, self.inlines(inlines), ppr)

    def visit_quote(self, node: Quote) -> list[Element]:
        self._context.append(self.config["quote_style"])
        try:
            return self.blocks(node.blocks)
        finally:
            self._context.pop()

    def visit_codeblock(self, node: CodeBlock) -> list[Element]:
        """One paragraph in the code style, lines joined by breaks, tokens in character styles."""
        runs: list[Element] = []
        kinds = self.config.get("code_tokens") or {}
        for text, kind in highlight.runs(node.text.rstrip("\n"), node.language):
            for index, line in enumerate(text.split("\n")):
                if index:
                    runs.append(el("w:r", children=[el("w:br")]))
                if line:
                    runs.append(text_run(line, self._rpr(kinds.get(kind)) if kind else None))
        return [self.para(self.config["code_style"], runs)]

    def visit_thematicbreak(self, node: ThematicBreak) -> list[Element]:
        return [self.para(self.config["rule_style"], [])]

    def visit_mathblock(self, node: MathBlock) -> list[Element]:
        return [self.para(self.config["code_style"], [text_run(node.text)])]

    def visit_definitionlist(self, node: DefinitionList) -> list[Element]:
        styles = self.config["definitions"]
        out: list[Element] = []
        for term, definitions in node.items:
            out.append(self.para(styles["term_style"], self.inlines(term)))
            self._context.append(styles["text_style"])
            try:
                out += [e for d in definitions for e in self.blocks(d)]
            finally:
                self._context.pop()
        return out

    def visit_aside(self, node: Aside) -> list[Element]:
        styles = self.config["aside"]
        out = [self.para(styles["title_style"], self.inlines(node.title))] if node.title else []
        self._context.append(styles["text_style"])
        try:
            return out + self.blocks(node.blocks)
        finally:
            self._context.pop()

    def visit_table(self, node: Table) -> list[Element]:
        """A full-width table; the head row repeats on every page."""
        table = self.config["table"]
        columns = max([len(node.head)] + [len(row) for row in node.rows])
        width = round(self.text_width / 635)
        props = el("w:tblPr", children=[val("w:tblStyle", self.styles.id(table["style"])),
                                        el("w:tblW", {"w:w": width, "w:type": "dxa"}),
                                        el("w:tblLook", {"w:val": "04A0", "w:firstRow": 1, "w:lastRow": 0,
                                                         "w:firstColumn": 0, "w:lastColumn": 0,
                                                         "w:noHBand": 0, "w:noVBand": 1})])
        grid = el("w:tblGrid", children=[el("w:gridCol", {"w:w": width // columns})
                                         for _ in range(columns)])
        align = column_alignment(node, columns)
        rows = [self.table_row(node.head, align, width // columns, head=True)] if node.head else []
        rows += [self.table_row(row, align, width // columns) for row in node.rows]
        caption = [self.para(table.get("caption_style", "Caption"), self.inlines(node.caption))] if node.caption else []
        return caption + [el("w:tbl", children=[props, grid, *rows])]

    def table_row(self, cells: tuple[tuple[Inline, ...], ...], align: list[str], width: int,
                  head: bool = False) -> Element:
        row_props = el("w:trPr", children=[el("w:tblHeader")]) if head else el("w:trPr")
        padded = list(cells) + [()] * (len(align) - len(cells))
        return el("w:tr", children=[row_props] + [
            el("w:tc", children=[el("w:tcPr", children=[el("w:tcW", {"w:w": width, "w:type": "dxa"})]),
                                 self.cell_para(cell, "" if head else column_align, head)])
            for cell, column_align in zip(padded, align)])

    def cell_para(self, cell: tuple[Inline, ...], align: str, head: bool = False) -> Element:
        """A cell's paragraph in the table's text (or head) style, aligned as its column is."""
        table = self.config["table"]
        style = table.get("head_style", table["text_style"]) if head else table["text_style"]
        ppr = [val("w:jc", align)] if align in ("left", "center", "right") else []
        return paragraph(self.styles.id(style), self.inlines(cell), ppr)

    # -- footnotes
    def footnote(self, note: Footnote, part: Any) -> Element:
        """A real Word footnote: <w:footnote> holding the footnote mark, then its text.

        Its links and pictures are related to `part`, the footnotes part.
        """
        styles = self.config["footnotes"]
        self._context.append(styles["text_style"])
        self.rels_part = part
        try:
            paras = separate_tables(self.blocks(note.blocks))
        finally:
            self._context.pop()
            self.rels_part = self.part
        if not paras or not paras[0].tag.endswith("}p"):
            paras.insert(0, self.para(styles["text_style"], []))
        mark = el("w:r", children=[styled_rpr(self.styles.id(styles["reference_style"])),
                                   el("w:footnoteRef")])
        paras[0].insert(1, mark)
        paras[0].insert(2, text_run(" "))
        return el("w:footnote", {"w:id": note.number}, paras)

    # -- inlines
    def inlines(self, nodes: tuple[Inline, ...], rstyle: str | None = None) -> list[Element]:
        return [run for node in nodes for run in self.inline(node, rstyle)]

    def inline(self, node: Inline, rstyle: str | None) -> list[Element]:
        names = self.config["inline"]
        if isinstance(node, Text):
            return [text_run(node.text, self._rpr(rstyle))]
        if isinstance(node, (Emphasis, Strong)):
            return self.inlines(node.children, names["emphasis" if isinstance(node, Emphasis) else "strong"])
        if isinstance(node, Code):
            return [text_run(node.text, self._rpr(names["code"]))]
        if isinstance(node, Link):
            return self.hyperlink(node)
        if isinstance(node, FootnoteRef):
            style = self._rpr(self.config["footnotes"]["reference_style"])
            mark = el("w:footnoteReference", {"w:id": node.number})
            return [el("w:r", children=[style, mark] if style is not None else [mark])]
        if isinstance(node, LineBreak):
            return [el("w:r", children=[el("w:br")])]
        if isinstance(node, Styled):
            return self.inlines(node.children, names[node.kind])
        if isinstance(node, Math):
            return [text_run(node.text, self._rpr(names["code"]))]
        if isinstance(node, Image):
            return [el("w:r", children=[self.drawing(node)])]
        raise TypeError(f"DocxWriter has no handler for {type(node).__name__}")

    def hyperlink(self, node: Link) -> list[Element]:
        """An external link (relationship) or an internal anchor (#id)."""
        runs = self.inlines(node.children, self.config["inline"]["link"])
        if node.href.startswith("#"):  # to a heading's bookmark; a place no heading has is no link in Word
            _, target = self.bookmarks.get(node.href[1:], (0, ""))
            return [el("w:hyperlink", {"w:anchor": target}, runs)] if target else runs
        rid = self.rels_part.relate_to(node.href, RT.HYPERLINK, is_external=True)
        return [el("w:hyperlink", {"r:id": rid}, runs)]

    def _rpr(self, style: str | None) -> Element | None:
        return styled_rpr(self.styles.id(style)) if style else None

    # -- helpers
    def para(self, style: str, runs: list[Element]) -> Element:
        return paragraph(self.styles.id(style), runs)

    def drawing(self, node: Figure | Image) -> Element:
        """A picture: a figure scaled to the text width (or the size asked for, and at most
        max_height tall); a picture inside the text at the height of a line."""
        figure = self.config["figure"]
        width = self.figure_width(node) if isinstance(node, Figure) else 0
        height = round(width * node.height / node.width) if node.width else width
        limit = emu(figure["max_height"] if isinstance(node, Figure) else self.config["inline_image_height"])
        if height > limit or isinstance(node, Image):
            width, height = round((width or 1) * limit / (height or 1)), limit
            if isinstance(node, Image):
                width = round(limit * node.width / node.height) if node.height else limit
        scale = self.scales.get(id(node), 1.0)
        width, height = round(width * scale), round(height * scale)
        key = (id(self.rels_part), node.src)
        if key not in self._images:
            image = image_part(self.part.package, node.src, images.checked_picture(node.src, self.pictures.get(node.src, "")))
            self._images[key] = self.rels_part.relate_to(image, RT.IMAGE)
        self._shape_id += 1
        inline = CT_Inline.new_pic_inline(self._shape_id, self._images[key],
                                          node.src.name, Emu(width), Emu(height))
        inline.docPr.set("descr", node.alt)
        if isinstance(node, Figure) and node.href:
            rid = self.rels_part.relate_to(node.href, RT.HYPERLINK, is_external=True) \
                if not node.href.startswith("#") else ""
            if rid:
                inline.docPr.append(el("a:hlinkClick", {"r:id": rid}))
        return el("w:drawing", children=[inline])

    def figure_width(self, node: Figure) -> int:
        """EMU width of a figure: the size its source asked for, at most the text width."""
        full = round(self.text_width * float(self.config["figure"].get("width", 1.0)))
        if node.size.endswith("%"):
            return min(full, round(self.text_width * float(node.size[:-1]) / 100))
        if node.size.endswith("px"):
            return min(full, round(float(node.size[:-2]) * 9525))  # CSS px: 96 per inch
        return full


#: a cell that is a number: digits with separators, a sign, a currency or a percent
_NUMBER_CELL = re.compile(r"[-+−±]?[¥$€£]?\s?\d[\d,，.]*(?:\s?[%‰])?")


def number_headings(headings: list[Heading], depths: dict[str, int], patterns: list[str]) -> dict[str, str]:
    """Heading id → the number it takes when the layout numbers headings (docx.heading_numbers:
    "{zh}、", "（{zh}）", "{n}.", "（{n}）" by Word level), counting anew under each higher heading;
    the title (depth 1) and levels without a pattern take none."""
    labels: dict[str, str] = {}
    counters: list[int] = []
    for heading in headings:
        level = depths.get(heading.id, heading.level) - 2
        if level < 0 or level >= len(patterns) or CHAPTER.match(heading.text):  # 第一章 keeps its own
            continue
        del counters[level + 1:]
        counters += [0] * (level + 1 - len(counters))
        counters[level] += 1
        labels[heading.id] = format_setting("docx.heading_numbers", patterns[level], n=counters[level],
                                            zh=chinese_number(counters[level]))
    return labels


def strip_prefix(inlines: tuple[Inline, ...], prefix: str) -> tuple[Inline, ...]:
    """A heading's inlines without the numbering `prefix` its text begins with (replaced by the layout's)."""
    if not prefix or not inlines or not isinstance(inlines[0], Text) or not inlines[0].text.startswith(prefix):
        return inlines
    rest = inlines[0].text[len(prefix):]
    return ((Text(rest),) if rest else ()) + inlines[1:]


def column_alignment(node: Table, columns: int) -> list[str]:
    """Each column's alignment: the source's, else right for a column whose cells are all numbers."""
    out = []
    for column in range(columns):
        given = node.align[column] if column < len(node.align) else ""
        cells = [plain_text(row[column]).strip() for row in node.rows if column < len(row)]
        numbers = [c for c in cells if c and c not in "-—–"]
        numeric = bool(numbers) and all(_NUMBER_CELL.fullmatch(c) for c in numbers)
        out.append(given or ("right" if numeric else ""))
    return out


def separate_tables(elements: list[Element]) -> list[Element]:
    """`elements` with an empty paragraph between two tables (Word would join them) and after a
    table that ends the body (Word ends a body with a paragraph); none after other tables."""
    out: list[Element] = []
    for index, element in enumerate(elements):
        out.append(element)
        following = elements[index + 1] if index + 1 < len(elements) else None
        if element.tag == _TBL and (following is None or following.tag == _TBL):
            out.append(el("w:p"))
    return out


_TBL = qn("w:tbl")
