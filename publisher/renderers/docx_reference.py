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

from ..errors import PublisherError
from .docx_xml import el

#: what a look is made of: the relationships kept, from any part of the reference
KEPT = frozenset({
    RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES, RT.STYLES, RT.NUMBERING,
    RT.SETTINGS, RT.FONT_TABLE, RT.THEME, RT.WEB_SETTINGS, RT.HEADER, RT.FOOTER, RT.FOOTNOTES,
    RT.ENDNOTES, RT.IMAGE, RT.FONT,
})
#: a template is small: more than this unpacked is not one (a zip bomb)
MAX_UNPACKED = 64 * 1024 * 1024
#: the attributes by which markup uses a relationship
_REL_ATTRIBUTES = tuple(f"{{http://schemas.openxmlformats.org/officeDocument/2006/relationships}}{name}"
                        for name in ("id", "embed", "link", "pict", "dm", "lo", "qs", "cs"))
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
                if member.filename.endswith((".xml", ".rels")) and _has_dtd(package, member):
                    raise PublisherError(f"reference document's {member.filename} declares a DTD "
                                         "(entities), which Word never writes", path,
                                         hint="save it again from Word")
    except zipfile.BadZipFile:
        raise PublisherError("reference document is not a Word .docx file (not a zip package)", path,
                             hint="save it from Word as 'Word Document (*.docx)'") from None
    except OSError as error:
        raise PublisherError(f"cannot read reference document: {error.strerror}", path) from None


def _has_dtd(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    try:
        with package.open(member) as part:
            start = part.read(4096)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        raise PublisherError(f"reference document's {member.filename} cannot be read ({error})",
                             hint="save it again from Word") from None
    return b"<!DOCTYPE" in start or b"<!ENTITY" in start


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
    """Remove the markup of `part` that uses relationship `rid` (a hyperlink keeps its text)."""
    root = getattr(part, "_element", None)
    if root is None:
        return
    for element in list(root.iter()):
        if not any(element.get(attr) == rid for attr in _REL_ATTRIBUTES):
            continue
        if element.tag == qn("w:hyperlink"):
            parent = element.getparent()
            for child in list(element):
                element.addprevious(child)
            parent.remove(element)
            continue
        holder = next((a for a in element.iterancestors() if a.tag in _HOLDERS), element)
        if holder is root or holder.getparent() is None:
            continue
        holder.getparent().remove(holder)
