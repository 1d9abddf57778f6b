"""Real copy in, nothing lost: every construct real documents carry, read back from each edition.

tests/sources/real-copy.md holds one of each (no front matter, raw HTML, pictures with and
without captions, code with < & >, extensions …); it is built once into all four editions
and each edition is read back as a reader would get it.
"""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
import pytest

from publisher import build as builder
from publisher import reader

from .conftest import ROOT

SOURCE = ROOT / "tests" / "sources" / "real-copy.md"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

#: text every edition must print as the source has it (code with < & >, raw HTML's text …)
EVERYWHERE = ["a < b && c > d", "indented <code> & more", "return 3.14 * r * r  # circle",
              "Raw head", "cell 98 items", "Figcaption words", "Details summary", "Folded body text",
              "Raw heading", "https://example.org/video", "Definition words", "Admonition body words.",
              "GitHub alert words.", "Inline note words, over two lines.", "Aligned table caption", "$E=mc^2$", "Level six heading",
              "desk@example.org", "a local file", "The footnote words.", "struck words", "Term word",
              "open task", "done task", "Linked figure caption", "Raw image caption", "Sized figure caption"]


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("real-copy")
    return builder.build(SOURCE, list(builder.RENDERERS), out)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(re.sub(r"<(style|head)\b.*?</\1>", "", markup, flags=re.S))
    return " ".join(" ".join(parser.parts).split())


def epub_body(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return book.read("EPUB/content.xhtml").decode("utf-8")


def docx_xml(path: Path, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(part).decode("utf-8")


def docx_text(path: Path) -> str:
    texts = []
    for part in ("word/document.xml", "word/footnotes.xml"):
        root = ElementTree.fromstring(docx_xml(path, part))
        for para in root.iter(W + "p"):
            texts.append("".join(t.text or "" for t in para.iter(W + "t")))
    return " ".join(" ".join(texts).split())


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.replace("\u2010\n", "").split())


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("fmt", ["html", "epub", "docx", "pdf"])
def test_every_construct_prints_its_text(fmt: str, editions: dict[str, Path]) -> None:
    path = editions[fmt]
    text = {"html": lambda: html_text(path.read_text(encoding="utf-8")), "epub": lambda: html_text(epub_body(path)),
            "docx": lambda: docx_text(path), "pdf": lambda: pdf_text(path)}[fmt]()
    missing = [t for t in EVERYWHERE if squeeze(t) not in squeeze(text)]
    assert not missing, missing
    assert "&lt;" not in text and "&amp;" not in text
    assert "other.md" not in text and "\x02" not in text


def test_the_source_verifies_clean(editions: dict[str, Path]) -> None:
    done = subprocess.run([sys.executable, "-m", "publisher", "verify", str(SOURCE), *map(str, editions.values())],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


#: portrait.jpg is shown twice (in a line, and as a linked figure): the HTML stores it once and
#: shows it with an SVG <use> each time (renderers/html.py SharedPictures); the EPUB has it as a file
PICTURE_NEEDLES = {"html": ('<svg class="picture inline"', 'href="https://example.org/photo"><svg class="picture"'),
                   "epub": ('<img class="inline"', 'href="https://example.org/photo"><img')}


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_screen_editions_keep_structure(fmt: str, editions: dict[str, Path]) -> None:
    markup = editions[fmt].read_text(encoding="utf-8") if fmt == "html" else epub_body(editions[fmt])
    markup = re.sub(r'<span class="num">([^<]*)</span>', r"\1", markup)  # numbers kept whole: not markup here
    for needle in ("<del>struck words</del>", "H<sub>2</sub>O", "<sup>2</sup>", "<mark>marked words</mark>",
                   "<kbd>Ctrl</kbd>", "\u201csmart quotes\u201d", "it\u2019s", 'href="mailto:desk@example.org"',
                   *PICTURE_NEEDLES[fmt], 'class="figure uncaptioned"',
                   "<th>Raw head</th>", 'class="align-right"', 'class="task open"', 'class="task done"',
                   "<dt>Term word</dt>", 'class="aside aside-note"', 'class="aside aside-warning"',
                   'class="aside aside-details"', "<caption>Aligned table caption</caption>", '<span class="tok-k">def</span>', 'href="#another-section"',
                   '<h4 id="level-six-heading">', 'href="https://example.org/video"', 'style="width: 50%"'):
        assert needle in markup, needle
    assert "<iframe" not in markup and "other.md" not in markup
    ids = re.findall(r'<h3 id="([^"]+)">Same heading</h3>', markup)
    assert len(ids) == 2 and ids[0] != ids[1]
    assert markup.count("Figure 1") and "图1" not in markup  # an English document's labels


def test_docx_keeps_structure(editions: dict[str, Path]) -> None:
    xml = docx_xml(editions["docx"])
    root = ElementTree.fromstring(xml)
    tables = list(root.iter(W + "tbl"))
    assert len(tables) == 2  # the raw HTML table is a real Word table, beside the pipe table
    assert "Raw head" in "".join(t.text or "" for t in tables[0].iter(W + "t"))
    styles = {p.find(f"{W}pPr/{W}pStyle").get(W + "val"): p for p in root.iter(W + "p")
              if p.find(f"{W}pPr/{W}pStyle") is not None}
    heading_texts = ["".join(t.text or "" for t in p.iter(W + "t")) for p in root.iter(W + "p")
                     if (p.find(f"{W}pPr/{W}pStyle") is not None
                         and p.find(f"{W}pPr/{W}pStyle").get(W + "val").startswith("Heading"))]
    assert "Raw heading" in heading_texts and "Level six heading" in heading_texts
    assert "Heading3" in styles  # "######" under "###": three levels below the title, closed up
    assert 'w:rStyle w:val="Strikethrough"' in xml and 'w:rStyle w:val="Subscript"' in xml
    assert 'w:rStyle w:val="CodeKeyword"' in xml  # highlighted code
    assert "☐" in xml and "☑" in xml
    assert '<w:jc w:val="right"/>' in xml  # the right-aligned column
    assert docx_xml(editions["docx"], "word/footnotes.xml").count("<w:footnote ") >= 4  # 2 separators + 2 notes
    rels = docx_xml(editions["docx"], "word/_rels/document.xml.rels")
    assert "mailto:desk@example.org" in rels and "other.md" not in rels
    assert 'descr="Linked figure caption"' in xml and "Figure " in "".join(root.itertext())


def test_pdf_outline_and_pictures(editions: dict[str, Path]) -> None:
    with pikepdf.open(editions["pdf"]) as pdf:
        with pdf.open_outline() as outline:
            titles = []
            stack = list(outline.root)
            while stack:
                item = stack.pop(0)
                titles.append(str(item.title))
                stack = list(item.children) + stack
        drawn = sum(str(op.operator) == "Do" for page in pdf.pages
                    for op in pikepdf.parse_content_stream(page))
    assert "Raw heading" in titles and "Level six heading" in titles and titles.count("Same heading") == 2
    assert drawn == 6  # five figures (one without a caption) and the icon in the text
    assert "Figure 1 Linked figure caption" in pdf_text(editions["pdf"])


def test_reader_warns_about_what_it_cannot_keep() -> None:
    causes = [n.cause for n in reader.read(SOURCE).notices]
    assert any("<iframe> cannot play" in c for c in causes)
    assert any("no alt text" in c for c in causes)
    assert any("files outside this edition" in c for c in causes)
    assert any("math formula is shown as written" in c for c in causes)
