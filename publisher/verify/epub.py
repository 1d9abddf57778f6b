"""EPUB extractor: the spine's XHTML documents read in order, pictures from the package."""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
import zipfile
from pathlib import Path

from ..errors import PublisherError
from .edition import EditionFacts
from .html import BodyReader

CONTAINER = "META-INF/container.xml"
NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/"}


def extract(path: Path) -> EditionFacts:
    """Read every spine document except the navigation document, in reading order."""
    try:
        with zipfile.ZipFile(path) as book:
            return _read(book, path)
    except (zipfile.BadZipFile, OSError) as error:
        raise PublisherError(f"not a readable EPUB: {error}", path, hint="rebuild it") from None
    except (KeyError, etree.ParseError, UnicodeDecodeError) as error:
        raise PublisherError(f"broken EPUB package: {error}", path, hint="rebuild it") from None


def _read(book: zipfile.ZipFile, path: Path) -> EditionFacts:
    reader = BodyReader()
    members = set(book.namelist())
    for name in spine(book, path):
        folder = posixpath.dirname(name)

        def load(src: str, folder: str = folder) -> bytes | None:
            member = posixpath.normpath(posixpath.join(folder, src.split("#")[0]))
            return book.read(member) if member in members else None

        try:
            reader.read(book.read(name).decode("utf-8"), load)
        except AssertionError as error:  # html.parser asserts on some malformed markup (<![x[ … ]]>)
            raise PublisherError(f"not readable XHTML in {name}: {error}", path, hint="rebuild it") from None
    facts = reader.facts()
    facts.title = package_title(book, path)
    return facts


def package_title(book: zipfile.ZipFile, path: Path) -> str:
    """The book's dc:title, as reading systems list it."""
    package = etree.fromstring(book.read(_package_name(book, path)))
    title = package.find("opf:metadata/dc:title", NS)
    return "".join(title.itertext()) if title is not None else ""


def _package_name(book: zipfile.ZipFile, path: Path) -> str:
    container = etree.fromstring(book.read(CONTAINER))
    rootfile = container.find(".//c:rootfile", NS)
    if rootfile is None:
        raise PublisherError("EPUB has no package document", path, hint="rebuild it")
    return rootfile.get("full-path", "")


def spine(book: zipfile.ZipFile, path: Path) -> list[str]:
    """Zip member names of the spine documents, in order, without the navigation document."""
    opf_name = _package_name(book, path)
    package = etree.fromstring(book.read(opf_name))
    folder = posixpath.dirname(opf_name)
    items = {item.get("id"): item for item in package.iterfind("opf:manifest/opf:item", NS)}
    names = []
    for ref in package.iterfind("opf:spine/opf:itemref", NS):
        item = items[ref.get("idref")]
        if "nav" not in (item.get("properties") or "").split():
            names.append(posixpath.normpath(posixpath.join(folder, item.get("href", ""))))
    return names
