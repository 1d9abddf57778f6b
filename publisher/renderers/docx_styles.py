"""Word styles from layout data: fonts with w:eastAsia, sizes, spacing, outline levels.

Every style named in the layout is rebuilt from its layout values alone, so
nothing of python-docx's default template (blue headings, theme fonts, a
border under Title) leaks through.
"""
from __future__ import annotations

import copy
from typing import Any

from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from ..errors import LayoutError
from .docx_xml import Element, el, half_points, twips, val

#: rFonts attributes that point at the theme and override explicit font names
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_ALIGN = {"left": "left", "center": "center", "right": "right", "justify": "both"}
#: style children that must follow pPr/rPr (schema order of CT_Style)
_AFTER_PROPS = tuple(qn(t) for t in ("w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr"))
_TYPES = {"paragraph": WD_STYLE_TYPE.PARAGRAPH, "character": WD_STYLE_TYPE.CHARACTER}


def apply_layout(document: WordDocument, config: dict[str, Any], language: str, grid: Any = None) -> None:
    """Restyle `document` (python-docx's default template) from the layout's docx section;
    `grid` (line pitch and character spacing in twips) sets `line: grid` and Normal's spacing."""
    styles_el = document.styles.element
    strip_theme_fonts(styles_el)
    _set_defaults(styles_el, config.get("defaults", {}))
    specs = {name: on_grid(name, spec or {}, grid) for name, spec in (config.get("styles") or {}).items()}
    for name, spec in specs.items():  # every style exists before any is based on another
        _style(document, name, spec)
    default_size = str((config.get("defaults") or {}).get("size", "12pt"))
    for name, spec in specs.items():
        _apply_style(document, name, spec, default_size)
    set_language(document, language)


def on_grid(name: str, spec: dict[str, Any], grid: Any) -> dict[str, Any]:
    """A style spec with `line: grid` as the grid's exact pitch, and Normal condensed to the
    grid's characters a line (unless the style sets its own character_spacing)."""
    if spec.get("line") == "grid":
        if grid is None:
            raise LayoutError(f"docx.styles.{name}.line: grid needs a page grid",
                              hint="set docx.page.grid: {lines: …, chars: …}, or give the line a length")
        spec = {**spec, "line": f"{grid.pitch / 20}pt"}
    if name == "Normal" and grid is not None and grid.spacing and "character_spacing" not in spec:
        spec = {**spec, "character_spacing": f"{grid.spacing / 20}pt"}
    return spec


def strip_theme_fonts(root: Element) -> None:
    """Remove theme font attributes, which Word prefers over explicit fonts."""
    for fonts in root.iter(qn("w:rFonts")):
        for attr in THEME_ATTRS:
            fonts.attrib.pop(qn(attr), None)


def set_language(document: WordDocument, language: str) -> None:
    """Declare the document's languages (python-docx ships ja-JP/en-US): a Chinese document's
    as the East Asian language; any other as the Latin one, with Chinese for East Asian text."""
    chinese = language.lower().startswith("zh")
    east_asia = language if chinese else "zh-CN"
    defaults = _child(document.styles.element, "w:docDefaults", first=True)  # a template may have none
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    lang = _child(rpr, "w:lang")
    lang.set(qn("w:eastAsia"), east_asia)
    lang.set(qn("w:val"), (lang.get(qn("w:val")) or "en-US") if chinese else language)
    theme_lang = document.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), east_asia)
        if not chinese:
            theme_lang.set(qn("w:val"), language)


def _set_defaults(styles_el: Element, spec: dict[str, Any]) -> None:
    defaults = _child(styles_el, "w:docDefaults", first=True)
    rpr_default = _child(defaults, "w:rPrDefault")
    old = rpr_default.find(qn("w:rPr"))
    lang = copy.deepcopy(old.find(qn("w:lang"))) if old is not None else None
    new = run_properties(spec)
    if lang is not None:
        new.append(lang)
    if old is not None:
        rpr_default.remove(old)
    rpr_default.append(new)
    ppr_default = _child(defaults, "w:pPrDefault")
    for child in list(ppr_default):
        ppr_default.remove(child)
    ppr_default.append(el("w:pPr", children=[el("w:spacing", {"w:after": 0})]))


def _style(document: WordDocument, name: str, spec: dict[str, Any]) -> Any:
    """The style `name`, made when the template lacks it."""
    kind = spec.get("type", "paragraph")
    if kind not in _TYPES:
        raise LayoutError(f"docx.styles.{name}: type must be paragraph or character")
    try:
        return document.styles[name]
    except KeyError:
        return document.styles.add_style(name, _TYPES[kind])


def _apply_style(document: WordDocument, name: str, spec: dict[str, Any], default_size: str) -> None:
    try:
        _set_style(document, name, spec, default_size)
    except KeyError as error:
        raise LayoutError(f"docx.styles.{name}: unknown style or value {error}",
                          hint="name a style defined under docx.styles or in the template") from None


def _set_style(document: WordDocument, name: str, spec: dict[str, Any], default_size: str) -> None:
    kind = spec.get("type", "paragraph")
    styles = document.styles
    style = styles[name]
    style.hidden = False
    style.unhide_when_used = False
    style.quick_style = True
    if spec.get("based_on"):
        style.base_style = styles[spec["based_on"]]
    if spec.get("next") and kind == "paragraph":
        style.next_paragraph_style = styles[spec["next"]]
    element = style.element
    for tag in ("w:pPr", "w:rPr"):
        for old in element.findall(qn(tag)):
            element.remove(old)
    props = ([paragraph_properties(spec, default_size)] if kind == "paragraph" else []) + [run_properties(spec)]
    anchor = next((c for c in element if c.tag in _AFTER_PROPS), None)
    for prop in props:
        if anchor is None:
            element.append(prop)
        else:
            anchor.addprevious(prop)


def paragraph_properties(spec: dict[str, Any], default_size: str = "12pt") -> Element:
    """<w:pPr> from a style spec, children in schema order."""
    ppr = el("w:pPr")
    if spec.get("keep_with_next"):
        ppr.append(el("w:keepNext"))
    if spec.get("keep_together"):
        ppr.append(el("w:keepLines"))
    if "widow_control" in spec:
        ppr.append(val("w:widowControl", "1" if spec["widow_control"] else "0"))
    sides = ("top", "left", "bottom", "right") if spec.get("border") else ("bottom",) if spec.get("border_bottom") else ()
    if sides:
        ppr.append(el("w:pBdr", children=[el(f"w:{side}", {"w:val": "single", "w:sz": 4 if spec.get("border") else 6,
                                                            "w:space": 4 if spec.get("border") else 1,
                                                            "w:color": "auto"}) for side in sides]))
    if spec.get("shading"):
        ppr.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": spec["shading"]}))
    ppr.append(_spacing(spec))
    indent = _indent(spec, default_size)
    if indent is not None:
        ppr.append(indent)
    if spec.get("align"):
        ppr.append(val("w:jc", _ALIGN[spec["align"]]))
    if "outline" in spec:
        ppr.append(val("w:outlineLvl", 9 if spec["outline"] in (None, "none") else int(spec["outline"])))
    return ppr


def _spacing(spec: dict[str, Any]) -> Element:
    attrs: dict[str, str | int] = {}
    for key, attr in (("space_before", "w:before"), ("space_after", "w:after")):
        if key in spec:
            attrs[attr] = twips(spec[key])
    line = spec.get("line")
    if line == "single":
        attrs.update({"w:line": 240, "w:lineRule": "auto"})
    elif isinstance(line, (int, float)):
        attrs.update({"w:line": round(240 * line), "w:lineRule": "auto"})
    elif line:
        attrs.update({"w:line": twips(line), "w:lineRule": "exact"})
    return el("w:spacing", attrs)


def _indent(spec: dict[str, Any], default_size: str) -> Element | None:
    """Indents in characters (w:*Chars, hundredths of a character).

    Word and WPS use the *Chars values and scale them with the font; the twips
    values are the fallback LibreOffice 7 reads (it ignores *Chars).
    """
    size = twips(spec.get("size", default_size))
    attrs: dict[str, str | int] = {}
    for key, attr in (("left_chars", "w:left"), ("right_chars", "w:right"),
                      ("first_line_chars", "w:firstLine")):
        if key in spec:
            chars = float(spec[key])
            attrs[attr + "Chars"] = round(chars * 100)
            attrs[attr] = round(chars * size)
    return el("w:ind", attrs) if attrs else None


def run_properties(spec: dict[str, Any]) -> Element:
    """<w:rPr> from a style spec: fonts (ascii, hAnsi, eastAsia), weight, size, colour."""
    rpr = el("w:rPr")
    fonts: dict[str, str | int] = {}
    if spec.get("latin"):
        fonts.update({"w:ascii": spec["latin"], "w:hAnsi": spec["latin"], "w:cs": spec["latin"]})
    if spec.get("east_asia"):
        fonts["w:eastAsia"] = spec["east_asia"]
    if fonts:
        rpr.append(el("w:rFonts", fonts))
    for key, tag in (("bold", "w:b"), ("italic", "w:i")):
        if key in spec:
            rpr.append(val(tag, "1" if spec[key] else "0"))
            rpr.append(val(tag + "Cs", "1" if spec[key] else "0"))
    if spec.get("strike"):
        rpr.append(val("w:strike", "1"))
    if spec.get("color"):
        rpr.append(val("w:color", spec["color"]))
    if spec.get("character_spacing"):
        rpr.append(val("w:spacing", twips(spec["character_spacing"])))
    if spec.get("size"):
        rpr.append(val("w:sz", half_points(spec["size"])))
        rpr.append(val("w:szCs", half_points(spec["size"])))
    if spec.get("underline"):
        rpr.append(val("w:u", "single"))
    if spec.get("shading") and spec.get("type") == "character":  # Word allows no w:highlight in a style
        rpr.append(el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": spec["shading"]}))
    if spec.get("superscript") or spec.get("subscript"):
        rpr.append(val("w:vertAlign", "superscript" if spec.get("superscript") else "subscript"))
    return rpr


def _child(parent: Element, tag: str, first: bool = False) -> Element:
    """The child `tag` of `parent`, created when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = el(tag)
        parent.insert(0, found) if first else parent.append(found)
    return found


class StyleBook:
    """Style names → style ids of the output, borrowing missing styles from a fallback.

    With a reference document the output's styles are the reference's; a style
    it lacks is copied from the layout-built template (as pandoc does), together
    with the styles it is based on, in the reference's fonts.
    """

    def __init__(self, styles_el: Element, fallback_el: Element | None = None,
                 own_fonts: frozenset[str] = frozenset()) -> None:
        self.styles_el = styles_el
        self.fallback_el = fallback_el
        self.ids = _names(styles_el)
        #: borrowed styles that keep the layout's fonts (code: a monospace face); the others take
        #: the reference's, so a Byline or Caption the reference lacks arrives in its house fonts
        self.own_fonts = {name.lower() for name in own_fonts}

    def id(self, name: str) -> str:
        """The style id of `name` (Word compares built-in names case-insensitively)."""
        key = name.lower()
        if key not in self.ids:
            self._borrow(key)
        return self.ids[key]

    def _borrow(self, key: str) -> None:
        source = _names(self.fallback_el) if self.fallback_el is not None else {}
        if key not in source or self.fallback_el is None:
            raise LayoutError(f"docx: the layout uses style {key!r}, which no template defines",
                              hint="add it under docx.styles in layout.yaml")
        style = copy.deepcopy(_by_id(self.fallback_el, source[key]))
        if key not in self.own_fonts:
            for fonts in style.iter(qn("w:rFonts")):
                fonts.getparent().remove(fonts)
        taken = {s.get(qn("w:styleId")) for s in self.styles_el.iter(qn("w:style"))}
        if style.get(qn("w:styleId")) in taken:
            style.set(qn("w:styleId"), style.get(qn("w:styleId")) + "Publisher")
        self.styles_el.append(style)
        self.ids[key] = style.get(qn("w:styleId"))
        for link in ("w:basedOn", "w:next"):
            ref = style.find(qn(link))
            if ref is not None:
                name = _name_of(self.fallback_el, ref.get(qn("w:val")))
                ref.set(qn("w:val"), self.id(name) if name else ref.get(qn("w:val")))
        linked = style.find(qn("w:link"))
        if linked is not None:
            style.remove(linked)


def _names(styles_el: Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for style in styles_el.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            out.setdefault(name.get(qn("w:val")).lower(), style.get(qn("w:styleId")))
    return out


def _by_id(styles_el: Element, style_id: str) -> Element:
    return next(s for s in styles_el.iter(qn("w:style")) if s.get(qn("w:styleId")) == style_id)


def _name_of(styles_el: Element, style_id: str) -> str | None:
    for style in styles_el.iter(qn("w:style")):
        if style.get(qn("w:styleId")) == style_id:
            name = style.find(qn("w:name"))
            return name.get(qn("w:val")) if name is not None else None
    return None


#: the attributes by which markup names a style
_STYLE_REFS = tuple(qn(t) for t in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink"))


def used_style_ids(roots: list[Element]) -> set[str]:
    """The style ids the markup of `roots` (body, footers, notes, numbering) names."""
    return {node.get(qn("w:val")) for root in roots for node in root.iter(*_STYLE_REFS)}


def prune(styles_el: Element, used: set[str], keep_names: set[str], off_gallery: set[str]) -> None:
    """Leave in the style gallery what the document uses and the levels an editor may need.

    Kept: the styles `used` names, the styles named in `keep_names` (the heading levels), the
    defaults, and what those are based on or followed by. Gone: the rest of python-docx's
    template (blue Heading 4–9, Intense Quote, 120 table looks) and the linked character
    styles ("Heading 1 Char"), which differed from their paragraph styles. Latent styles no
    longer push Word's own quick styles into the gallery; `off_gallery` (footers, contents
    entries, note marks, code colours) are applied by the document, not picked by an editor.
    """
    styles = {s.get(qn("w:styleId")): s for s in styles_el.iterchildren(qn("w:style"))}
    names = {_style_name(s).lower(): sid for sid, s in styles.items()}
    keep = {sid for sid in used if sid in styles} | {names[n.lower()] for n in keep_names if n.lower() in names}
    keep |= {sid for sid, s in styles.items() if s.get(qn("w:default")) == "1"}
    todo = list(keep)
    while todo:
        style = styles[todo.pop()]
        for link in ("w:basedOn", "w:next"):
            ref = style.find(qn(link))
            target = ref.get(qn("w:val")) if ref is not None else None
            if target in styles and target not in keep:
                keep.add(target)
                todo.append(target)
    for sid, style in styles.items():
        if sid not in keep:
            styles_el.remove(style)
            continue
        for linked in style.findall(qn("w:link")):
            style.remove(linked)
        if _style_name(style) in off_gallery:
            for quick in style.findall(qn("w:qFormat")):
                style.remove(quick)
    kept_names = {_style_name(styles[sid]).lower() for sid in keep}
    latent = styles_el.find(qn("w:latentStyles"))
    for exception in latent.iterchildren(qn("w:lsdException")) if latent is not None else ():
        if exception.get(qn("w:qFormat")) == "1" and exception.get(qn("w:name"), "").lower() not in kept_names:
            del exception.attrib[qn("w:qFormat")]


def _style_name(style: Element) -> str:
    name = style.find(qn("w:name"))
    return name.get(qn("w:val"), "") if name is not None else ""
