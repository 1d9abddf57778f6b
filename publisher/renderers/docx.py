"""Word DOCX edition (python-docx): real styles, Chinese fonts, fields, a reference template.

Without a reference document the styles, page and footer come from the
layout's `docx` section, applied to python-docx's default template. With
`--reference-docx FILE` (layout option `reference_docx`) or a `reference.docx`
in the layout folder, that document's styles, page setup, headers and footers
are used, as pandoc's reference-doc does; styles it lacks come from the layout.
"""
from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any, NamedTuple

import docx
from docx.document import Document as WordDocument
from docx.oxml.ns import qn

from ..arrange import lead_then_spread
from ..errors import LayoutError
from ..layout import Layout, by_language, merge
from ..output import zip_timestamp
from ..templates import format_setting
from ..typography import heading_numbers as numbering_of
from ..model import Block, Document, heading_depths
from ..people import author_line
from . import docx_package as package
from . import docx_pages as pages
from . import docx_reference
from .html_parts import display_date
from .docx_body import DocxWriter, number_headings, separate_tables
from .docx_lists import Numbering
from .docx_styles import StyleBook, apply_layout, prune, set_language, used_style_ids
from .docx_xml import Element, el, field, field_begin, field_end, paragraph, text_run, twips


class Grid(NamedTuple):
    """The text grid of a page: line pitch and the body text's character spacing, in twips."""
    pitch: int
    spacing: int


def render(doc: Document, layout: Layout) -> bytes:
    """The DOCX file of `doc` as bytes; the same input gives the same bytes."""
    config: dict[str, Any] = layout.get("docx") or {}
    language = doc.meta.language or config.get("language", "zh-CN")
    config = language_config(config, language)
    template = docx.Document()
    grid = page_grid(config["page"], config.get("defaults") or {})
    apply_layout(template, config, language, grid)
    reference = reference_path(layout)
    word = template if reference is None else open_reference(reference, language)
    styles = StyleBook(word.styles.element, template.styles.element if reference else None, code_styles(config))
    sect_pr = word.sections[-1]._sectPr
    if reference is None or sect_pr.find(qn("w:pgSz")) is None:  # a reference without a page: the layout's
        set_page(sect_pr, config["page"], grid)
    if sect_pr.find(qn("w:footerReference")) is None:
        add_page_numbers(word, styles, config["page_number"])
    package.set_settings(word, config.get("settings") or {})
    if reference is None:  # python-docx's nine list definitions, tied to its List Bullet … styles
        package.clear_numbering(word)
    numbering = Numbering(lambda: package.numbering_root(word), config["list"],
                          config.get("defaults", {}).get("size", "16pt"))
    labels = layout.labels(language)
    config = {**config, "figure": {"label": labels.get("figure", "{number}"),
                                   "sequence": labels.get("figure_sequence", "Figure"), **config["figure"]}}
    writer = DocxWriter(word.part, styles, config, text_width(sect_pr), numbering)
    writer.depths = heading_depths(doc)
    writer.heading_labels = number_headings(doc.headings, writer.depths, heading_numbers(config, language))
    writer.heading_prefixes = own_numbers(doc)
    writer.bookmarks = {heading.id: (number, f"_Heading{number}") for number, heading in enumerate(doc.headings, 1)}
    writer.pictures = doc.pictures
    front = front_lines(doc, config, labels)
    page = pages.Pages(config, writer.text_width * pages._PT, 0.0, grid.pitch / 20) if grid else None
    writer.page = page
    body = [paragraph(styles.id(style), centred_runs(text, style, page)) for text, style in front]
    body += table_of_contents(doc, config, styles, writer.heading_labels, writer.heading_prefixes)
    figure = config["figure"]
    blocks = arrange(doc.blocks, bool(figure.get("spread")), bool(figure.get("lead_figure")))
    if grid is not None and reference is None:  # a page of known lines: no picture leaves a white foot
        laid = pages.plan(blocks, config, front, writer.text_width, text_height(sect_pr), grid.pitch)
        blocks, writer.scales = laid.blocks, laid.scales
    body += writer.blocks(blocks)
    fill_body(word, separate_tables(body))
    notes: list[Element] = []
    if doc.footnotes:
        part = package.footnotes_part(word)
        notes = [writer.footnote(note, part) for note in doc.footnotes]
        package.add_footnotes(part, notes)
    if reference is None:
        package.add_fonts(word, config.get("fonts") or {})
        prune(word.styles.element, used_style_ids([word.element, *package.margin_roots(word), *notes,
                                                   package.numbering_root(word)]),
              keep_names=set(config["headings"].values()), off_gallery=furniture_styles(config))
    package.set_core_properties(word, doc.meta, author_line(doc.meta.byline, labels.get("byline_roles") or []))
    package.drop_template_parts(word)
    package.number_drawings(word)
    out = io.BytesIO()
    word.save(out)
    return package.stable_zip(out.getvalue(), zip_timestamp(doc.meta.date))


def own_numbers(doc: Document) -> dict[str, str]:
    """Heading id → the numbering the source's heading text begins with ("A ", "1 ", "——")."""
    headings = doc.headings
    return dict(zip((h.id for h in headings), numbering_of([(h.level, h.text) for h in headings])))


def heading_numbers(config: dict[str, Any], language: str) -> list[str]:
    """docx.heading_numbers for `language` (its full tag, else its first subtag), else none."""
    table = config.get("heading_numbers") or {}
    tag = language.lower()
    patterns = table.get(tag) or table.get(tag.split("-")[0]) or []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise LayoutError(f"docx.heading_numbers.{tag}: {patterns!r} is not a list of patterns",
                          hint='write e.g. ["{zh}、", "（{zh}）", "{n}.", "（{n}）"]')
    return patterns


def code_styles(config: dict[str, Any]) -> frozenset[str]:
    """The styles code is set in, which keep their monospace face in a reference's document."""
    inline = config.get("inline") or {}
    return frozenset({config.get("code_style", ""), inline.get("code", ""), inline.get("kbd", ""),
                      *(config.get("code_tokens") or {}).values()} - {""})


def furniture_styles(config: dict[str, Any]) -> set[str]:
    """The styles the document applies by itself (page numbers, contents entries, note marks,
    code colours), which an editor never picks from the gallery."""
    toc = config.get("toc") or {}
    names = {config["page_number"]["style"], config["page_number"].get("even_style"),
             *(config.get("footnotes") or {}).values(), *(toc.get("entry_styles") or []),
             *(config.get("code_tokens") or {}).values()}
    return {name for name in names if name}


def language_config(config: dict[str, Any], language: str) -> dict[str, Any]:
    """The docx settings with the layout's styles for `language` (docx.language_styles) merged in."""
    styles = by_language(config.get("language_styles") or {}, language)
    if not styles:
        return config
    return {**config, "styles": merge(config.get("styles") or {}, styles)}


def reference_path(layout: Layout) -> Path | None:
    """--reference-docx (layout option `reference_docx`), else the layout's reference.docx."""
    if layout.get("reference_docx"):
        return Path(layout.get("reference_docx"))
    return layout.find("reference.docx") if layout.has("reference.docx") else None


def open_reference(path: Path, language: str) -> WordDocument:
    """The reference document, cleaned, with its body emptied, in the document's language."""
    word = docx_reference.open_reference(path)
    set_language(word, language)
    return word


def page_grid(page: dict[str, Any], defaults: dict[str, Any]) -> Grid | None:
    """The layout's text grid (docx.page.grid: lines a page, characters a line) in twips:
    the line pitch, and the character spacing that sets `chars` body characters on a line.

    GB/T 9704 asks 22 lines of 28 characters of 3号 (16 pt) on a 156 × 225 mm text block: 28 ×
    16 pt is 448 pt, wider than the 442 pt line, so each character is condensed by a quarter
    point (Word's own 公文 templates do it with a character grid, which LibreOffice 7 draws with
    every character in two cells: measured, 14 a line).
    """
    spec = page.get("grid") or {}
    if not spec:
        return None
    margin = page["margin"]
    height = twips(page["height"]) - twips(margin["top"]) - twips(margin["bottom"])
    width = twips(page["width"]) - twips(margin["left"]) - twips(margin["right"])
    try:
        lines, chars = int(spec.get("lines") or 0), int(spec.get("chars") or 0)
    except (TypeError, ValueError, AttributeError):
        lines = chars = 0
    if lines <= 0 or chars <= 0:
        raise LayoutError(f"docx.page.grid: lines and chars must be whole numbers above 0, not {spec!r}")
    if height <= 0 or width <= 0:
        raise LayoutError("docx.page: the margins leave no room for text on the page",
                          hint="make docx.page.margin smaller than the page")
    if height // lines < 100 or width // chars < 60:  # 5 pt a line, 3 pt a character
        raise LayoutError(f"docx.page.grid: {lines} lines of {chars} characters do not fit the text block",
                          hint="give the grid fewer lines or characters")
    size = twips(str(defaults.get("size", "12pt")))
    return Grid(pitch=height // lines, spacing=min(0, math.floor(width / chars) - size))


def set_page(sect_pr: Element, page: dict[str, Any], grid: Grid | None = None) -> None:
    """Page size, margins and line grid of the section, from the layout."""
    for tag in ("w:pgSz", "w:pgMar", "w:docGrid"):
        for old in sect_pr.findall(qn(tag)):
            sect_pr.remove(old)
    margin = page["margin"]
    size = el("w:pgSz", {"w:w": twips(page["width"]), "w:h": twips(page["height"])})
    mar = el("w:pgMar", {"w:top": twips(margin["top"]), "w:right": twips(margin["right"]),
                         "w:bottom": twips(margin["bottom"]), "w:left": twips(margin["left"]),
                         "w:header": twips(page["header"]), "w:footer": twips(page["footer"]),
                         "w:gutter": 0})
    anchor = next((c for c in sect_pr if c.tag not in (qn("w:headerReference"), qn("w:footerReference"),
                                                       qn("w:footnotePr"), qn("w:endnotePr"),
                                                       qn("w:type"))), None)
    for element in (size, mar):
        if anchor is None:
            sect_pr.append(element)
        else:
            anchor.addprevious(element)
    if grid is not None:  # docGrid is the last child of sectPr but for a revision mark
        change = sect_pr.find(qn("w:sectPrChange"))
        docgrid = el("w:docGrid", {"w:type": "lines", "w:linePitch": grid.pitch})
        change.addprevious(docgrid) if change is not None else sect_pr.append(docgrid)


def text_height(sect_pr: Element) -> int:
    """Height between the margins, in EMU."""
    size, mar = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
    return (int(size.get(qn("w:h"))) - int(mar.get(qn("w:top"))) - int(mar.get(qn("w:bottom")))) * 635


def text_width(sect_pr: Element) -> int:
    """Width between the margins, in EMU."""
    size, mar = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
    width = int(size.get(qn("w:w"))) - int(mar.get(qn("w:left"))) - int(mar.get(qn("w:right")))
    return width * 635


def add_page_numbers(word: WordDocument, styles: StyleBook, spec: dict[str, Any]) -> None:
    """Footers with the page number as a PAGE field, e.g. '— 1 —'; with `even_style`, odd and
    even pages get footers of their own (GB/T 9704: odd at the right, even at the left)."""
    section = word.sections[-1]
    if "{page}" not in spec["format"]:
        raise LayoutError(f"docx.page_number.format {spec['format']!r} must contain {{page}}")
    even = spec.get("even_style")
    footers = [(section.footer, spec["style"], "1")] + ([(section.even_page_footer, even, "2")] if even else [])
    for footer, style, shown in footers:
        footer.is_linked_to_previous = False
        root = footer._element
        for child in list(root):
            root.remove(child)
        before, after = spec["format"].split("{page}", 1)
        runs = ([text_run(before)] if before else []) + field("PAGE", shown) + ([text_run(after)] if after else [])
        root.append(paragraph(styles.id(style), runs))
    word.settings.odd_and_even_pages_header_footer = bool(even)


def front_lines(doc: Document, config: dict[str, Any], labels: dict[str, Any]) -> list[tuple[str, str]]:
    """The title lines above the body (title, subtitle, byline, source …) as the layout lists
    them: (text, style)."""
    out = []
    for line in config.get("front") or []:
        value = source_line(doc, labels) if line["field"] == "source" else getattr(doc.meta, line["field"])
        if value:
            out.append((str(value), line["style"]))
    return out


def centred_runs(text: str, style: str, page: pages.Pages | None) -> list[Element]:
    """A front line's runs, broken after the mark nearest its middle when it runs onto a second
    line (not inside a word: "…中国式现/代化"; docx_pages.balanced_break)."""
    at = pages.balanced_break(text, page.per_line(style)) if page is not None else None
    if at is None:
        return [text_run(text)]
    return [text_run(text[:at]), el("w:r", children=[el("w:br")]), text_run(text[at:])]


def source_line(doc: Document, labels: dict[str, Any]) -> str:
    """"来源：《江门日报》2025年1月20日 A03版": the pieces of labels.*.source_line whose front-matter
    fields are all given; nothing without a publication (a date alone cites nothing)."""
    meta = doc.meta
    if not meta.publication.strip():
        return ""
    values = {"publication": meta.publication, "page": meta.page, "section": meta.section,
              "date": display_date(meta.date, labels.get("date", "{year}-{month}-{day}"), labels)}
    pieces = [format_setting("labels.source_line", piece, **values) for piece in labels.get("source_line") or []
              if all(values.get(name) for name in re.findall(r"{(\w+)}", piece))]
    return "".join(pieces).strip()


def table_of_contents(doc: Document, config: dict[str, Any], styles: StyleBook,
                      labels: dict[str, str], prefixes: dict[str, str]) -> list[Element]:
    """A TOC field pre-filled with the headings as the body numbers them (LibreOffice shows the
    cached entries as they are)."""
    toc = config.get("toc")
    if not toc:
        return []
    first, last = (int(n) for n in str(toc["levels"]).split("-"))
    entries = [h for h in doc.headings if first + 1 <= h.level <= last + 1]
    out = [paragraph(styles.id(toc["title_style"]), [text_run(toc["title"])])]
    paras = [paragraph(styles.id(toc["entry_styles"][h.level - first - 1]),
                       [text_run(labels[h.id] + h.text[len(prefixes.get(h.id, "")):] if h.id in labels else h.text)])
             for h in entries] or [paragraph(styles.id(toc["entry_styles"][0]), [])]
    for run in reversed(field_begin(f'TOC \\o "{toc["levels"]}" \\h \\z')):  # heading styles only: not the title
        paras[0].insert(1, run)
    paras[-1].append(field_end())
    return out + paras


def arrange(blocks: tuple[Block, ...], spread: bool, keep_first: bool = False) -> list[Block]:
    """With `spread`, the figures placed before the text go evenly through it (the first stays
    under the title with `keep_first`, as in the print edition): a Word page holds one photo
    at text width, so four opening photos left together would make four pages of pictures."""
    return lead_then_spread(list(blocks), keep_first) if spread else list(blocks)


def fill_body(word: WordDocument, elements: list[Element]) -> None:
    """Put `elements` before the final sectPr in one pass (add_paragraph rescans each time)."""
    body = word.element.body
    sect_pr = body.find(qn("w:sectPr"))
    for child in list(body):
        body.remove(child)
    body.extend(elements)
    if sect_pr is not None:
        body.append(sect_pr)

