"""DOCX extractor: headings by paragraph style, pictures, captions and text, in body order."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import docx
from lxml import etree
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from ..errors import PublisherError
from ..facts import HeadingFact
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures, split_caption

#: heading level of each paragraph style (lower-cased style names); see renderers/docx.py
LEVELS = {"title": 1, **{f"heading {n}": n + 1 for n in range(1, 9)}}
CAPTION_STYLE = "caption"
#: the text-bearing elements of a run: text, tabs and line breaks
W_TEXT = (qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen"))
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = qn("r:embed")
#: footnote kinds that hold Word's separator lines, not notes
SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}


class _Reader:
    """Walks paragraphs in body order and sorts them into headings, captions and text."""

    def __init__(self, document: Any) -> None:
        self.part = document.part
        self.styles = style_names(document)
        #: the core properties' title
        self.title = ""
        self.units: list[str] = []
        self.headings: list[HeadingFact] = []
        #: figures so far; the last group collects pictures until a caption closes it
        self.groups: list[FigureGroup] = [FigureGroup()]

    def paragraph(self, p: Any) -> None:
        style = self.styles.get(_style_id(p), "")
        if style.startswith("toc"):  # a contents entry repeats a heading with a page number
            return
        for blip in p.iter(A_BLIP):
            self.groups[-1].pictures.append(self._fingerprint(blip.get(R_EMBED, "")))
        text = paragraph_text(p)
        if not text.strip():
            return
        self.units.append(text)
        if style in LEVELS:
            self.headings.append(HeadingFact(LEVELS[style], " ".join(text.split())))
        elif style == CAPTION_STYLE:
            self.groups[-1].captions.append(split_caption(text))
            self.groups.append(FigureGroup())

    def _fingerprint(self, rid: str) -> str:
        part = self.part.related_parts.get(rid)
        return fingerprint(part.blob) if part is not None else ""

    def facts(self) -> EditionFacts:
        figures, _ = pair_figures(self.groups)
        return EditionFacts(headings=self.headings, figures=figures,
                            numbers=numbers_of(self.units), paragraphs=self.units, title=self.title)


def style_names(document: Any) -> dict[str, str]:
    """Paragraph style id → lower-cased style name ('Heading1' → 'heading 1')."""
    names = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            names[style.get(qn("w:styleId"))] = name.get(qn("w:val"), "").lower()
    return names


def _style_id(p: Any) -> str:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val"), "") if style is not None else ""


def paragraph_text(p: Any) -> str:
    """The visible text of a paragraph (field results included, field codes not)."""
    return "".join(_run_text(node) for node in p.iter(*W_TEXT))


def _run_text(node: Any) -> str:
    if node.tag == W_TEXT[0]:
        return node.text or ""
    return "-" if node.tag == W_TEXT[4] else " "


def notes_text(document: Any) -> list[str]:
    """The paragraphs of the footnotes and endnotes, in note order."""
    out = []
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in (RT.FOOTNOTES, RT.ENDNOTES):
            continue
        root = parse_xml(rel.target_part.blob)
        for note in root:
            if note.get(qn("w:type")) in SEPARATORS:
                continue
            out += [t for t in (paragraph_text(p) for p in note.iter(qn("w:p"))) if t.strip()]
    return out


def extract(path: Path) -> EditionFacts:
    """Read a DOCX edition's body, then its notes."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError,
            SyntaxError) as error:
        raise PublisherError(f"not a readable DOCX: {error}", path, hint="rebuild it") from None
    reader = _Reader(document)
    for p in document.element.body.iter(qn("w:p")):
        reader.paragraph(p)
    try:
        reader.units += notes_text(document)
    except (etree.XMLSyntaxError, ValueError) as error:  # a damaged footnotes part: its own error
        raise PublisherError(f"not a readable DOCX: its notes part is damaged ({error})", path,
                             hint="rebuild it") from None
    reader.title = document.core_properties.title or ""
    return reader.facts()


