"""EPUB extractor: the spine's XHTML documents in reading order as a reader sees them (their
stylesheets from the package), the nav document's contents, and the package's metadata.

A package that would unpack to more than the verifier reads (a zip bomb) is refused before
anything is unpacked.
"""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from ..errors import PublisherError
from .css import Styles
from .difference import Difference
from .edition import EditionFacts
from .html import parse_xhtml, refuse_marked_sections, stylesheets
from .html_body import BodyReader, find_toc, toc_entries

CONTAINER = "META-INF/container.xml"
NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/"}
MIB = 1 << 20
#: the most the verifier unpacks: all members together, one member (when it is packed tighter
#: than MAX_RATIO to 1), and how many members a package may have
MAX_TOTAL, MAX_MEMBER, MAX_RATIO, MAX_MEMBERS = 512 * MIB, 64 * MIB, 100, 10_000
#: the media types of content documents read as XHTML
XHTML = {"application/xhtml+xml", "text/html"}
_HINT = "rebuild it"


@dataclass(frozen=True)
class SpineItem:
    """One content document of the spine: its zip member, media type and whether it is in
    the reading order."""
    member: str
    media_type: str
    linear: bool = True


def extract(path: Path) -> EditionFacts:
    """Read every spine document except the navigation document, in reading order."""
    try:
        with zipfile.ZipFile(path) as book:
            check_size(book, path)
            return _read(Package(book, path))
    except RecursionError:
        raise PublisherError("EPUB nested too deeply to read", path, hint=_HINT) from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as error:
        raise PublisherError(f"not a readable EPUB: {error}", path, hint=_HINT) from None
    except (KeyError, etree.ParseError, UnicodeDecodeError) as error:
        raise PublisherError(f"broken EPUB package: {error}", path, hint=_HINT) from None


def check_size(book: zipfile.ZipFile, path: Path) -> None:
    """Refuse a package that would unpack to more than the verifier reads, before unpacking."""
    infos = book.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PublisherError(f"EPUB holds {len(infos)} files, more than the verifier reads ({MAX_MEMBERS})",
                             path, hint=_HINT)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL:
        raise PublisherError(f"EPUB would unpack to {total // MIB} MiB, more than the verifier reads "
                             f"({MAX_TOTAL // MIB} MiB): a zip bomb?", path, hint=_HINT)
    for info in infos:
        if info.file_size > MAX_MEMBER and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PublisherError(f"EPUB member {info.filename} would unpack to {info.file_size // MIB} MiB "
                                 f"from {info.compress_size // 1024} KiB: a zip bomb?", path, hint=_HINT)


def _read(package: "Package") -> EditionFacts:
    reader = BodyReader()
    cascades: dict[tuple[str, ...], Styles] = {}  # every document of a book shares one stylesheet
    for item in package.spine:
        if not item.linear:
            reader.seen.append(Difference("structure", "spine", item.member,
                                          'is left out of reading order (linear="no")'))
        root = package.document(item.member, reader.seen)
        sheets = stylesheets(root, package.css_loader(item.member))
        key = tuple(css for css, _ in sheets)
        if key not in cascades:
            cascades[key] = Styles(sheets, html=False)
        reader.read(root, cascades[key], package.image_loader(item.member), item.member)
    facts = reader.facts()
    facts.title, facts.language, facts.authors = package.metadata()
    facts.contents = package.contents(facts.seen)
    return facts


class Package:
    """The package document of an EPUB and the members it names."""

    def __init__(self, book: zipfile.ZipFile, path: Path) -> None:
        self.book, self.path = book, path
        self.members = set(book.namelist())
        self.name = _package_name(book, path)
        self.root = etree.fromstring(self.read(self.name))
        folder = posixpath.dirname(self.name)
        self.items = {item.get("id"): item for item in self.root.iterfind("opf:manifest/opf:item", NS)}
        self.href = {ident: posixpath.normpath(posixpath.join(folder, unquote(item.get("href", ""))))
                     for ident, item in self.items.items()}
        self.nav = next((self.href[i] for i, item in self.items.items()
                         if "nav" in (item.get("properties") or "").split()), None)
        self.spine = self._spine()

    def _spine(self) -> list[SpineItem]:
        """The content documents in reading order, without the navigation document."""
        items = []
        for ref in self.root.iterfind("opf:spine/opf:itemref", NS):
            ident = ref.get("idref")
            if ident not in self.items:
                raise PublisherError(f"EPUB spine names item '{ident}', which the manifest does not list",
                                     self.path, hint=_HINT)
            member, media_type = self.href[ident], self.items[ident].get("media-type", "")
            if member != self.nav and media_type in XHTML:
                items.append(SpineItem(member, media_type, (ref.get("linear") or "yes").strip() != "no"))
        return items

    def read(self, member: str) -> bytes:
        """A member's bytes (its size was checked before: see check_size)."""
        if member not in self.members:
            raise PublisherError(f"EPUB lists {member}, which is not in the package", self.path, hint=_HINT)
        return self.book.read(member)

    def document(self, member: str, seen: list[Difference]) -> Any:
        """A content document's tree; one that is not well-formed is named in `seen`."""
        data = self.read(member)
        refuse_marked_sections(data.decode("utf-8", errors="replace"), self.path, member)
        root, problem = parse_xhtml(data, member)
        if problem is not None:
            seen.append(problem)
        return root

    def image_loader(self, document: str) -> Callable[[str], bytes | None]:
        """Loads a picture a document names by a relative URL (%-escapes decoded)."""
        return lambda src: self._beside(document, src)

    def css_loader(self, document: str) -> Callable[[str], str | None]:
        """Loads a stylesheet a document (or a stylesheet beside it) names."""
        def load(href: str) -> str | None:
            data = self._beside(document, href)
            return data.decode("utf-8", errors="replace").removeprefix("\ufeff") if data is not None else None
        return load

    def _beside(self, document: str, href: str) -> bytes | None:
        if not href or "://" in href or href.startswith("data:"):
            return None
        member = posixpath.normpath(posixpath.join(posixpath.dirname(document), unquote(href.split("#")[0])))
        return self.book.read(member) if member in self.members else None

    def metadata(self) -> tuple[str, str, list[str]]:
        """The book's dc:title, dc:language and dc:creator names, as reading systems list them."""
        title = self.root.find("opf:metadata/dc:title", NS)
        language = self.root.find("opf:metadata/dc:language", NS)
        creators = ["".join(c.itertext()).strip() for c in self.root.iterfind("opf:metadata/dc:creator", NS)]
        return ("".join(title.itertext()) if title is not None else "",
                "".join(language.itertext()).strip() if language is not None else "",
                [name for name in creators if name])

    def contents(self, seen: list[Difference]) -> list[Any] | None:
        """The entries of the nav document's table of contents (None: the package has none)."""
        if self.nav is None or self.nav not in self.members:
            seen.append(Difference("structure", "nav", self.nav or "the package", "is not in the package" if self.nav
                                   else "has no navigation document"))
            return None
        nav = find_toc(self.document(self.nav, seen))
        if nav is None:
            seen.append(Difference("structure", "nav", self.nav, "has no table of contents (nav epub:type=\"toc\")"))
            return None
        return toc_entries(nav)


def _package_name(book: zipfile.ZipFile, path: Path) -> str:
    container = etree.fromstring(book.read(CONTAINER))
    rootfile = container.find(".//c:rootfile", NS)
    if rootfile is None:
        raise PublisherError("EPUB has no package document", path, hint=_HINT)
    return rootfile.get("full-path", "")


def spine(book: zipfile.ZipFile, path: Path) -> list[str]:
    """Zip member names of the spine documents, in order, without the navigation document."""
    return [item.member for item in Package(book, path).spine]


def package_title(book: zipfile.ZipFile, path: Path) -> str:
    """The book's dc:title, as reading systems list it."""
    return Package(book, path).metadata()[0]
