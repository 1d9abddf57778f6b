"""The DOCX package around the body: core properties, footnotes part, font table, stable zip."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from docx.document import Document as WordDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.package import Package
from docx.parts.image import ImagePart
from docx.parts.numbering import NumberingPart
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from lxml import etree

from ..errors import RenderError
from ..model import Meta
from .docx_xml import Element, el, val

#: the image kinds the reader lets through (images.FORMATS), by their first bytes
_MEDIA = {b"\xff\xd8": ("image/jpeg", "jpg"), b"\x89P": ("image/png", "png")}

#: parts of python-docx's template that describe python-docx, not our document
_DROPPED = (RT.THUMBNAIL, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects")
_APP_XML = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Template>Normal.dotm</Template><Application>publisher</Application>"
            "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged></Properties>")


def set_core_properties(word: WordDocument, meta: Meta, author: str) -> None:
    """Core properties from front matter only (`author`: the byline's names, without role words);
    dates from `meta.date`, never the clock."""
    props = word.core_properties
    for child in list(props._element):  # drop the template's (or reference's) values
        props._element.remove(child)
    props.title = _field(meta.title)
    props.author = _field(author)
    props.subject = _field(meta.subject or meta.subtitle)
    props.keywords = _field(", ".join(meta.keywords))
    props.language = meta.language
    props.category = _field(meta.section)
    props.revision = 1
    if meta.date:
        stamp = dt.datetime.fromisoformat(meta.date).replace(tzinfo=dt.timezone.utc)
        props.created = props.modified = stamp.replace(tzinfo=None)


#: the children of w:settings that come before w:characterSpacingControl (schema order)
_BEFORE_SPACING_CONTROL = {qn(f"w:{t}") for t in (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime", "doNotDisplayPageBoundaries",
    "displayBackgroundShape", "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData",
    "embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
    "alignBordersAndEdges", "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
    "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign",
    "attachedTemplate", "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType",
    "mailMerge", "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting",
    "documentProtection", "autoFormatOverride", "styleLockTheme", "styleLockQFSet", "defaultTabStop",
    "autoHyphenation", "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
    "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders", "bookFoldRevPrinting",
    "bookFoldPrinting", "bookFoldPrintingSheets", "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery", "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin", "doNotShadeFormData", "noPunctuationKerning")}

#: the children of w:settings that follow w:compat
_AFTER_COMPAT = {qn(t) for t in (
    "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
    "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator")}


def set_settings(word: WordDocument, spec: dict[str, Any]) -> None:
    """Document settings as Word 2013 and later write them: no Compatibility Mode
    (docx.settings.compatibility_mode), Chinese punctuation compressed at line ends and between
    marks (character_spacing_control), and no claim that spelling was checked."""
    settings = word.settings.element
    for proof in settings.findall(qn("w:proofState")):
        settings.remove(proof)
    mode = spec.get("compatibility_mode")
    if mode:
        compat = settings.find(qn("w:compat"))
        if compat is None:  # a reference without one: before what follows it in the schema
            compat = el("w:compat")
            anchor = next((c for c in settings if c.tag in _AFTER_COMPAT), None)
            anchor.addprevious(compat) if anchor is not None else settings.append(compat)
        uri = "http://schemas.microsoft.com/office/word"
        found = [c for c in compat.findall(qn("w:compatSetting")) if c.get(qn("w:name")) == "compatibilityMode"]
        setting = found[0] if found else el("w:compatSetting", {"w:name": "compatibilityMode", "w:uri": uri})
        if not found:
            compat.append(setting)
        setting.set(qn("w:val"), str(int(mode)))
    control = spec.get("character_spacing_control")
    if control:
        for old in settings.findall(qn("w:characterSpacingControl")):
            settings.remove(old)
        anchor = next((c for c in settings if c.tag not in _BEFORE_SPACING_CONTROL), None)
        element = val("w:characterSpacingControl", control)
        anchor.addprevious(element) if anchor is not None else settings.append(element)


def _field(text: str) -> str:
    """A core property Word keeps: at most 255 characters (a longer one ends in "…")."""
    return text if len(text) <= 255 else text[:254] + "…"


def drop_template_parts(word: WordDocument) -> None:
    """Remove the thumbnail and stylesWithEffects of python-docx's template; reset app.xml."""
    package = word.part.package
    for owner in (package, word.part):
        for rid, rel in list(owner.rels.items()):
            if rel.reltype in _DROPPED:
                owner.rels.pop(rid)
    for rel in package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = _APP_XML.encode()  # a plain Part: no API to replace its XML


def numbering_root(word: WordDocument) -> Element:
    """The <w:numbering> element, with a numbering part made for it when the document has none
    (a reference saved without lists; python-docx cannot make one itself)."""
    try:
        return word.part.numbering_part.element
    except NotImplementedError:
        part = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING,
                             parse_xml(f"<w:numbering {nsdecls('w')}/>"), word.part.package)
        word.part.relate_to(part, RT.NUMBERING)
        return part.element


def clear_numbering(word: WordDocument) -> None:
    """An empty numbering part: the lists the document has are added as they are written."""
    root = numbering_root(word)
    for child in list(root):
        root.remove(child)


def margin_roots(word: WordDocument) -> list[Element]:
    """The root elements of the document's headers and footers."""
    return [rel.target_part.element for rel in word.part.rels.values()
            if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER)]


def number_drawings(word: WordDocument) -> None:
    """Give every drawing (wp:docPr) of the body, notes, headers and footers its own id, in
    package order: a reference's header picture and the body's first photo both had id 1,
    which Word repairs on opening."""
    number = 0
    for part in sorted(word.part.package.iter_parts(), key=lambda p: str(p.partname)):
        root = getattr(part, "_element", None)
        if root is None:
            continue
        for drawing in root.iter(qn("wp:docPr")):
            number += 1
            drawing.set("id", str(number))


def image_part(package: Package, path: Path, blob: bytes) -> ImagePart:
    """The part holding the picture file at `path`: one per distinct content, named
    /word/media/imageN.jpg or .png whatever the file is called.

    python-docx's own get_or_add_image_part knows a JPEG only by a JFIF or Exif header,
    so a CMYK JPEG (Adobe APP14 first) stopped the build; and it took the part's
    suffix from the file's name. The reader has checked the file decodes as JPEG or PNG.
    """
    sha1 = hashlib.sha1(blob).hexdigest()
    for part in package.image_parts:
        if part.sha1 == sha1:
            return part
    mime, suffix = _MEDIA.get(blob[:2], ("", ""))
    if not mime:
        raise RenderError(f"image {path.name!r} is neither JPEG nor PNG", path, hint="export it as JPEG or PNG")
    part = ImagePart(_free_media_name(package, suffix), mime, blob)
    package.image_parts.append(part)
    return part


def _free_media_name(package: Package, suffix: str) -> PackURI:
    """/word/media/imageN.suffix with the lowest N no part of the package has (a reference
    document brings pictures of its own)."""
    taken = {str(part.partname).rsplit(".", 1)[0] for part in package.iter_parts()}
    number = next(n for n in range(1, len(taken) + 2) if f"/word/media/image{n}" not in taken)
    return PackURI(f"/word/media/image{number}.{suffix}")


def footnotes_part(word: WordDocument) -> Part:
    """An empty footnotes part of `word` (filled by add_footnotes); notes relate their links to it.

    A reference document's own footnotes part is dropped first: two parts of one name
    would be two zip members of one name.
    """
    for rid, rel in list(word.part.rels.items()):
        if rel.reltype == RT.FOOTNOTES:
            word.part.rels.pop(rid)
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, b"", word.part.package)
    word.part.relate_to(part, RT.FOOTNOTES)
    return part


def add_footnotes(part: Part, notes: list[Element]) -> None:
    """Fill the footnotes part: Word's two separator notes, then `notes`."""
    root = etree.fromstring(f"<w:footnotes {nsdecls('w', 'r')}/>".encode())
    for note_id, kind, mark in ((-1, "separator", "w:separator"),
                                (0, "continuationSeparator", "w:continuationSeparator")):
        root.append(el("w:footnote", {"w:type": kind, "w:id": note_id}, [
            el("w:p", children=[el("w:pPr", children=[el("w:spacing", {"w:after": 0, "w:line": 240,
                                                                       "w:lineRule": "auto"})]),
                                el("w:r", children=[el(mark)])])]))
    root.extend(notes)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def add_fonts(word: WordDocument, fonts: dict[str, dict[str, Any]]) -> None:
    """Declare the layout's fonts in fontTable.xml (Chinese name, GB2312 charset)."""
    table = word.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(table.blob)
    for name, info in sorted(fonts.items()):
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = el("w:font", {"w:name": name})
        if info.get("alt"):
            font.append(val("w:altName", info["alt"]))
        font.append(val("w:charset", info.get("charset", "86")))
        font.append(val("w:family", info.get("family", "auto")))
        font.append(val("w:pitch", info.get("pitch", "variable")))
        root.append(font)
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def stable_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The same package with fixed entry times and attributes, [Content_Types].xml first."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        names.sort(key=lambda name: name != "[Content_Types].xml")
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, source.read(name))
    return out.getvalue()
