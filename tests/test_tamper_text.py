"""Order and words: the verifier reads the text as a reader does, not as a bag of characters.

Swapped items and rows, paragraphs run together, Latin word spaces lost or added: each is
made in the written file of every edition that can show it (the PDF from a tampered
model), on a mixed Chinese/English report, and must be named with its words.
"""
from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from publisher import build as builder
from publisher import layout as layouts
from publisher import reader
from publisher.model import Document, ListBlock, Paragraph, Table, Text
from publisher.renderers import renderer
from publisher.verify import check, epub, expect
from publisher.verify.difference import Difference
from publisher.verify.expected import Expected

SOURCE = Path(__file__).parent / "sources" / "mixed-report.md"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SENTENCE = "See the appendix for the full list of"
ITEM_1, ITEM_2 = "建成“侨都云”政务平台", "上线"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, Expected, dict[str, Path]]:
    out = tmp_path_factory.mktemp("mixed")
    doc = reader.read(SOURCE)
    editions = {}
    for fmt in ("docx", "html", "epub", "pdf"):
        chosen = layouts.load(builder.layout_name(doc, fmt, None))
        editions[fmt] = out / f"mixed.{fmt}"
        editions[fmt].write_bytes(renderer(fmt)(doc, chosen))
    return doc, expect(doc), editions


# ---- edits of the HTML (the e-reader file and the EPUB's XHTML) -----------------------

def _once(pattern: str, replace: Callable[[re.Match[str]], str], text: str) -> str:
    changed, count = re.subn(pattern, replace, text, count=1, flags=re.DOTALL)
    assert count == 1, pattern
    return changed


def _swap(pattern: str) -> Callable[[str], str]:
    """Swap the first two matches of `pattern` (list items, table rows)."""
    def edit(text: str) -> str:
        found = list(re.finditer(pattern, text, flags=re.DOTALL))[:2]
        assert len(found) == 2, pattern
        a, b = found
        return text[:a.start()] + b.group(0) + text[a.end():b.start()] + a.group(0) + text[b.end():]
    return edit


HTML: dict[str, Callable[[str], str]] = {
    "spaces lost": lambda t: _once(re.escape(SENTENCE), lambda m: m.group(0).replace(" ", ""), t),
    "a space added in a word": lambda t: _once("appendix", lambda m: "appen dix", t),
    "list items swapped": _swap(r"<li>(?!<a)(?:(?!</li>).)*</li>"),
    "table rows swapped": _swap(r"<tr>\s*<td(?:(?!</tr>).)*</tr>"),
    "paragraphs run together": lambda t: _once(r"</p>\s*<hr\s*/?>\s*<p>数据截至", lambda m: "数据截至", t),
}

#: case → (kind, change) that must be among the differences, words of a message
NAMED: dict[str, tuple[str, str, str]] = {
    "spaces lost": ("text", "spacing", 'reads "…'),
    "a space added in a word": ("text", "spacing", "appen dix"),
    "list items swapped": ("text", "moved", "is out of order"),
    "table rows swapped": ("text", "moved", "is out of order"),
    "paragraphs run together": ("text", "merged", "数据截至"),
}


def _html_copy(path: Path, edit: Callable[[str], str], dest: Path) -> Path:
    dest.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return dest


def _epub_copy(path: Path, edit: Callable[[str], str], dest: Path) -> Path:
    with zipfile.ZipFile(path) as book:
        docs = epub.spine(book, path)
        members = [(info, book.read(info)) for info in book.infolist()]
    with zipfile.ZipFile(dest, "w") as out:
        for info, data in members:
            out.writestr(info, edit(data.decode("utf-8")).encode("utf-8") if info.filename in docs else data)
    return dest


# ---- edits of the DOCX ----------------------------------------------------------------

def _docx_paragraphs(root: etree._Element) -> list[etree._Element]:
    return [p for p in root.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")).strip()]


def _text_of(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _docx_edit(root: etree._Element, case: str) -> None:
    paragraphs = _docx_paragraphs(root)
    if case in ("spaces lost", "a space added in a word"):
        node = next(t for t in root.iter(f"{W}t") if "appendix" in (t.text or ""))
        node.text = node.text.replace(SENTENCE, SENTENCE.replace(" ", "")) if case == "spaces lost" \
            else node.text.replace("appendix", "appen dix")
    elif case == "list items swapped":
        first = next(p for p in paragraphs if _text_of(p).startswith(ITEM_1))
        second = first.getnext()
        first.addprevious(second)
    elif case == "table rows swapped":
        rows = list(next(root.iter(f"{W}tbl")).iter(f"{W}tr"))
        rows[1].addprevious(rows[2])
    elif case == "paragraphs run together":
        second = next(p for p in paragraphs if _text_of(p).startswith("数据截至"))
        first = next(p for p in paragraphs if _text_of(p).startswith("明年将新建"))
        for run in list(second.iter(f"{W}r")):
            first.append(run)
        second.getparent().remove(second)


def _docx_copy(path: Path, case: str, dest: Path) -> Path:
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                _docx_edit(root, case)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(info, data)
    return dest


# ---- the PDF, rendered from a tampered model -------------------------------------------

def _pdf_model(doc: Document, case: str) -> Document:
    def change(block: object) -> object:
        if case == "spaces lost" and isinstance(block, Paragraph) and SENTENCE in block.text:
            inlines = tuple(Text(n.text.replace(SENTENCE, SENTENCE.replace(" ", "")))
                            if isinstance(n, Text) else n for n in block.inlines)
            return dataclasses.replace(block, inlines=inlines)
        if case == "list items swapped" and isinstance(block, ListBlock) and not block.ordered:
            items = list(block.items)
            return dataclasses.replace(block, items=tuple([items[1], items[0]] + items[2:]))
        if case == "a sentence added" and isinstance(block, Paragraph) and SENTENCE in block.text:
            return (block, Paragraph((Text("这是一段凭空加入的文字，没有数字。"),)))
        if case == "table rows swapped" and isinstance(block, Table):
            rows = list(block.rows)
            return dataclasses.replace(block, rows=tuple([rows[1], rows[0]] + rows[2:]))
        return block
    blocks: list[object] = []
    for block in doc.blocks:
        changed = change(block)
        blocks += list(changed) if isinstance(changed, tuple) else [changed]
    return dataclasses.replace(doc, blocks=tuple(blocks))


NAMED["a sentence added"] = ("text", "extra", "这是一段凭空加入的文字")
HTML["a sentence added"] = lambda t: _once("<p>明年将新建", lambda m: "<p>这是一段凭空加入的文字，没有数字。</p>\n" + m.group(0), t)
#: the PDF: its page furniture is known, and its text keeps the source's order; where a table's
#: cells are short, a PDF's columns may print a row's cells apart, so their order is not asked
PDF_CASES = ["spaces lost", "list items swapped", "a sentence added"]
CASES = [(fmt, case) for case in NAMED for fmt in ("docx", "html", "epub") if case != "a sentence added"] \
    + [("html", "a sentence added")] + [("pdf", case) for case in PDF_CASES]


def _tampered(fmt: str, case: str, doc: Document, editions: dict[str, Path], tmp: Path) -> Path:
    dest = tmp / f"t.{fmt}"
    if fmt == "pdf":
        dest.write_bytes(renderer("pdf")(_pdf_model(doc, case), layouts.load(builder.layout_name(doc, "pdf", None))))
        return dest
    if fmt == "docx":
        return _docx_copy(editions["docx"], case, dest)
    return (_html_copy if fmt == "html" else _epub_copy)(editions[fmt], HTML[case], dest)


def _messages(differences: list[Difference]) -> list[str]:
    return [d.message() for d in differences]


def test_the_untouched_editions_agree(mixed: tuple[Document, Expected, dict[str, Path]]) -> None:
    _, expected, editions = mixed
    for path in editions.values():
        assert _messages(check(expected, path).differences) == [], path


@pytest.mark.parametrize("fmt,case", CASES)
def test_order_and_words_are_read(fmt: str, case: str, mixed: tuple[Document, Expected, dict[str, Path]],
                                  tmp_path: Path) -> None:
    doc, expected, editions = mixed
    kind, change, words = NAMED[case]
    differences = check(expected, _tampered(fmt, case, doc, editions, tmp_path)).differences
    assert (kind, change) in [(d.kind, d.change) for d in differences], _messages(differences)
    assert any(words in m for m in _messages(differences)), _messages(differences)


def test_a_lost_space_shows_the_words_with_their_spaces(mixed: tuple[Document, Expected, dict[str, Path]],
                                                         tmp_path: Path) -> None:
    doc, expected, editions = mixed
    differences = check(expected, _tampered("html", "spaces lost", doc, editions, tmp_path)).differences
    spacing = next(d for d in differences if d.change == "spacing")
    assert " the appendix " in spacing.expected or "See the" in spacing.expected, spacing.message()
    assert "Seethe" in spacing.found, spacing.message()


def test_a_changed_paragraph_lists_each_change_with_its_words(
        mixed: tuple[Document, Expected, dict[str, Path]], tmp_path: Path) -> None:
    """As Word's Compare: each changed word of a paragraph, with a few words around it."""
    _, expected, editions = mixed
    html = editions["html"].read_text(encoding="utf-8")
    edited = html.replace("See the appendix for the full list", "See the annex for the complete list", 1)
    (tmp_path / "edited.html").write_text(edited.replace("覆盖率达到", "覆盖比例达到", 1), encoding="utf-8")
    messages = [d.message() for d in check(expected, tmp_path / "edited.html").differences]
    assert messages == [
        'text "…200个，覆盖率达到96.…" → "…200个，覆盖比例达到96.…" in "1 总体情况：完成9…", paragraph 1, source line 19',
        'text "…See the appendix for the…" → "…See the annex for the…" in "3 2025年计划", paragraph 1, source line 54',
        'text "…for the full list of…" → "…for the complete list of…" in "3 2025年计划", paragraph 1, source line 54',
    ], messages


@pytest.mark.parametrize("case", ["reference removed", "note removed"])
def test_a_footnote_without_its_reference_is_named(case: str, mixed: tuple[Document, Expected, dict[str, Path]],
                                                   tmp_path: Path) -> None:
    _, expected, editions = mixed
    dest = tmp_path / "notes.docx"
    with zipfile.ZipFile(editions["docx"]) as package, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "word/document.xml" and case == "reference removed":
                root = etree.fromstring(data)
                reference = next(root.iter(f"{W}footnoteReference"))
                reference.getparent().remove(reference)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            if info.filename == "word/footnotes.xml" and case == "note removed":
                root = etree.fromstring(data)
                note = [n for n in root if n.get(f"{W}type") is None][-1]
                root.remove(note)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(info, data)
    differences = check(expected, dest).differences
    assert ("structure", "notes") in [(d.kind, d.change) for d in differences], _messages(differences)
