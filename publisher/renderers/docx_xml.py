"""WordprocessingML building blocks for the DOCX renderer: elements, lengths, fields.

The body is built as raw lxml elements rather than through python-docx's
`add_paragraph`/`add_run`, whose per-call lookups make big documents quadratic.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable

from docx.oxml.ns import NamespacePrefixedTag, qn
from docx.oxml.parser import oxml_parser
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu, Inches, Mm, Pt

from ..errors import LayoutError

Element = BaseOxmlElement
#: twentieths of a point per EMU (1 pt = 12700 EMU = 20 twips)
_EMU_PER_TWIP = 635
_UNITS = {"mm": Mm, "cm": Cm, "in": Inches, "pt": Pt}
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$")


def el(tag: str, attrs: dict[str, str | int] | None = None,
       children: Iterable[Element] = ()) -> Element:
    """A new element `tag` ('w:p') with `attrs` ({'w:val': 1}) and `children`."""
    clark_name, nsmap = _names(tag)
    node: Element = oxml_parser.makeelement(clark_name, nsmap=nsmap)
    for key, value in (attrs or {}).items():
        node.set(_qualified(key), str(value))
    for child in children:
        node.append(child)
    return node


@functools.lru_cache(maxsize=None)
def _names(tag: str) -> tuple[str, dict[str, str]]:
    """What `OxmlElement(tag)` builds an element from: the Clark name and the prefix's
    namespace (asked once per tag; the 100x seed makes 38,000 elements)."""
    prefixed = NamespacePrefixedTag(tag)
    return prefixed.clark_name, prefixed.nsmap


@functools.lru_cache(maxsize=None)
def _qualified(name: str) -> str:
    return qn(name)


def val(tag: str, value: str | int) -> Element:
    """An element with only a w:val attribute, e.g. <w:pStyle w:val="Title"/>."""
    return el(tag, {"w:val": value})


def emu(value: str | int | float) -> int:
    """A layout length ('37mm', '16pt', '2cm') in EMU."""
    match = _LENGTH.match(str(value))
    if not match:
        raise LayoutError(f"docx: {value!r} is not a length; write e.g. '37mm' or '16pt'")
    return int(_UNITS[match.group(2)](float(match.group(1))))


def twips(value: str | int | float) -> int:
    """A layout length in twentieths of a point (Word's page and spacing unit)."""
    return round(emu(value) / _EMU_PER_TWIP)


def half_points(value: str | int | float) -> int:
    """A font size ('16pt') in half-points (w:sz)."""
    return round(Emu(emu(value)).pt * 2)


def text_run(text: str, rpr: Element | None = None) -> Element:
    """<w:r> with optional run properties and preserved spaces."""
    run = el("w:r")
    if rpr is not None:
        run.append(rpr)
    t = el("w:t")
    t.text = text
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run.append(t)
    return run


def styled_rpr(style_id: str) -> Element:
    """<w:rPr> naming a character style."""
    return el("w:rPr", children=[val("w:rStyle", style_id)])


def paragraph(style_id: str, runs: Iterable[Element] = (), ppr: Iterable[Element] = ()) -> Element:
    """<w:p> with a paragraph style, extra pPr children and runs."""
    props = el("w:pPr", children=[val("w:pStyle", style_id), *ppr])
    return el("w:p", children=[props, *runs])


def field(instruction: str, result: str, rpr_style: str | None = None) -> list[Element]:
    """The runs of a complex field (PAGE, SEQ, TOC) with a pre-filled `result`.

    LibreOffice shows the cached result as is, and Word until fields are updated,
    so the result must already be right.
    """
    def run(child: Element) -> Element:
        return el("w:r", children=([styled_rpr(rpr_style)] if rpr_style else []) + [child])

    instr = el("w:instrText", {"xml:space": "preserve"})
    instr.text = f" {instruction} "
    return [run(el("w:fldChar", {"w:fldCharType": "begin"})), run(instr),
            run(el("w:fldChar", {"w:fldCharType": "separate"})),
            text_run(result, styled_rpr(rpr_style) if rpr_style else None),
            run(el("w:fldChar", {"w:fldCharType": "end"}))]


def field_begin(instruction: str) -> list[Element]:
    """The opening runs of a field whose result spans several paragraphs (TOC)."""
    instr = el("w:instrText", {"xml:space": "preserve"})
    instr.text = f" {instruction} "
    return [el("w:r", children=[el("w:fldChar", {"w:fldCharType": "begin", "w:dirty": "true"})]),
            el("w:r", children=[instr]),
            el("w:r", children=[el("w:fldChar", {"w:fldCharType": "separate"})])]


def field_end() -> Element:
    """The closing run of a multi-paragraph field."""
    return el("w:r", children=[el("w:fldChar", {"w:fldCharType": "end"})])


def split_label(label: str) -> tuple[str, str]:
    """'图{number}' → ('图', ''): the text before and after the number."""
    if "{number}" not in label:
        raise LayoutError(f"docx.figure.label {label!r} must contain {{number}}")
    before, after = label.split("{number}", 1)
    return before, after
