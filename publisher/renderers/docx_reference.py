"""A department's reference DOCX, taken as pandoc takes one: its styles, numbering, page setup,
headers and footers (and their pictures), nothing else.

A Word file can carry more than a look: a macro project (vbaProject.bin), a template fetched
from a server when the file opens (`attachedTemplate`, a known Office attack), OLE objects and
ActiveX controls, custom XML, links to outside files. None of it reaches the edition: every
relationship that is not on the list below, or that points outside the package, is dropped
with the markup that used it. A DTD is refused (Word never writes one), and so is a file that
is encrypted, truncated or would unpack to far more than a template holds.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from ..errors import PublisherError, one_line
from .docx_xml import el

#: what a look is made of: the relationships kept, from any part of the reference
KEPT = frozenset({
    RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES, RT.STYLES, RT.NUMBERING,
    RT.SETTINGS, RT.FONT_TABLE, RT.THEME, RT.WEB_SETTINGS, RT.HEADER, RT.FOOTER, RT.FOOTNOTES,
    RT.ENDNOTES, RT.IMAGE, RT.FONT,
})
#: relationships of the main part used without being named in its markup
_IMPLICIT = frozenset({RT.STYLES, RT.NUMBERING, RT.SETTINGS, RT.FONT_TABLE, RT.THEME, RT.WEB_SETTINGS,
                       RT.FOOTNOTES, RT.ENDNOTES})
#: a template is small: more than this unpacked is not one (a zip bomb)
MAX_UNPACKED = 64 * 1024 * 1024
#: the attributes by which markup uses a relationship
_REL_ATTRIBUTES = tuple(f"{{http://schemas.openxmlformats.org/officeDocument/2006/relationships}}{name}"
                        for name in ("id", "embed", "link", "pict", "href", "dm", "lo", "qs", "cs")) \
    + ("{urn:schemas-microsoft-com:office:office}relid",)
#: a link on a picture: only the link goes
_PICTURE_LINKS = {"{http://schemas.openxmlformats.org/drawingml/2006/main}hlinkClick",
                  "{http://schemas.openxmlformats.org/drawingml/2006/main}hlinkHover"}
#: the element a dropped relationship takes with it (a picture, an object), else the using element
_HOLDERS = {qn("w:drawing"), qn("w:pict"), qn("w:object"), qn("w:control"), qn("w:altChunk")}


def open_reference(path: Path) -> WordDocument:
    """The reference document, checked and cleaned, with its body emptied (its last section kept)."""
    check_package(path)
    try:
        word = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError, zipfile.BadZipFile, etree.LxmlError,
            EOFError, zipfile.LargeZipFile) as error:
        raise PublisherError(f"reference document is not a Word .docx file ({error})", path,
                             hint="save it from Word as 'Word Document (*.docx)'") from None
    clean(word)
    body = word.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    if body.find(qn("w:sectPr")) is None:  # no page setup of its own: the layout's (set by the caller)
        body.append(el("w:sectPr"))
    drop_unused(word)
    return word


def check_package(path: Path) -> None:
    """Refuse, before parsing, what no template Word saves can be: encrypted, a bomb, a DTD."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE compound file: an encrypted .docx or an old .doc
            raise PublisherError("reference document is encrypted or an old Word .doc", path,
                                 hint="remove its password and save it as 'Word Document (*.docx)'")
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                raise PublisherError("reference document would unpack to more than 64 MB: not a template", path,
                                     hint="save a template with only its styles, headers and footers")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    _refuse_dtd(package, member, path)
    except zipfile.BadZipFile:
        raise PublisherError("reference document is not a Word .docx file (not a zip package)", path,
                             hint="save it from Word as 'Word Document (*.docx)'") from None
    except OSError as error:
        raise PublisherError(f"cannot read reference document: {error.strerror}", path) from None


#: reads a part as it is: no DTD loaded, no entity expanded, nothing fetched
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def _refuse_dtd(package: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> None:
    """A part that declares a DTD (in any encoding, anywhere before its root) is refused."""
    try:
        tree = etree.fromstring(package.read(member), _PARSER).getroottree()
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, etree.LxmlError, ValueError) as error:
        raise PublisherError(f"reference document's {member.filename} cannot be read "
                             f"({one_line(str(error))[:120]})", path, hint="save it again from Word") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise PublisherError(f"reference document's {member.filename} declares a DTD "
                             "(entities), which Word never writes", path, hint="save it again from Word")


def clean(word: WordDocument) -> None:
    """Drop every relationship outside KEPT or pointing outside the package, in every part,
    with the markup that used it; drop the template link in the settings."""
    seen: set[int] = set()
    owners: list[Any] = [word.part.package]
    while owners:
        owner = owners.pop()
        if id(owner) in seen:
            continue
        seen.add(id(owner))
        for rid, rel in list(owner.rels.items()):
            if rel.is_external or rel.reltype not in KEPT:
                owner.rels.pop(rid)
                _drop_uses(owner, rid)
            else:
                owners.append(rel.target_part)
    settings = word.settings.element
    for tag in ("w:attachedTemplate", "w:mailMerge", "w:docVars", "w:linkStyles"):
        for found in settings.findall(qn(tag)):
            settings.remove(found)


def _drop_uses(part: Any, rid: str) -> None:
    """Remove the markup of `part` that uses relationship `rid` (a hyperlink keeps its text, a
    linked picture its picture). A part python-docx keeps as bytes (notes) is parsed for it."""
    root = getattr(part, "_element", None)
    if root is not None:
        _drop_markup(root, rid)
        return
    if not str(getattr(part, "content_type", "")).endswith("+xml"):
        return
    try:
        root = etree.fromstring(part.blob, _PARSER)
    except (etree.LxmlError, ValueError):
        return
    _drop_markup(root, rid)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_markup(root: Any, rid: str) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or not any(element.get(attr) == rid for attr in _REL_ATTRIBUTES):
            continue
        if element.tag == qn("w:hyperlink"):
            parent = element.getparent()
            for child in list(element):
                element.addprevious(child)
            parent.remove(element)
            continue
        if element.tag in _PICTURE_LINKS:
            element.getparent().remove(element)
            continue
        holder = next((a for a in element.iterancestors() if a.tag in _HOLDERS), element)
        if holder is root or holder.getparent() is None:
            continue
        holder.getparent().remove(holder)


def drop_unused(word: WordDocument) -> None:
    """After the body is emptied: the relationships of the main part its markup no longer uses
    (the body's pictures and links, the headers of sections gone). Styles, numbering, settings,
    fonts, theme and notes are used without being named, and stay."""
    xml = etree.tostring(word.element)
    for rid, rel in list(word.part.rels.items()):
        if rel.reltype not in _IMPLICIT and f'"{rid}"'.encode() not in xml:
            word.part.rels.pop(rid)
