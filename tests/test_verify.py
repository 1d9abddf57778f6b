"""The verifier: every tampering of every edition is caught and named; no false alarms.

Each mutation edits the written file (HTML, EPUB, DOCX) or, where editing a PDF is
impractical, renders the PDF from a tampered model. The verifier is always given
the untouched source, so it must find the change in the file alone.
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
from publisher.model import Document, Figure, Heading, Paragraph, Text
from publisher.renderers import renderer
from publisher.verify import check, epub, expect
from publisher.verify.expected import Expected

FORMATS = ["pdf", "docx", "html", "epub"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"

#: seed text the mutations aim at
HEADING_B = "B 锻造高素质干部人才队伍"
SHORT_PARAGRAPH = "纪律严明是我们党的光荣传统和独特优势。"

#: mutation → (kind, change, words the message must contain)
NAMED: dict[str, tuple[str, str, str]] = {
    "drop_heading": ("headings", "missing", f'heading missing: "{HEADING_B}" (level 2)'),
    "rename_heading": ("headings", "changed", f'heading "{HEADING_B}" → "B 锻造高素质干部人员队伍"'),
    "change_digit": ("numbers", "changed", 'number 98次 → 89次 in "A 党的创新理论武装…", paragraph 4'),
    "drop_paragraph": ("text", "missing", f'text missing: "{SHORT_PARAGRAPH}" in "A 党的创新理论武装…", paragraph 6'),
    "swap_figures": ("figures", "image", "figure 图1 shows photo-2.jpg, not photo-1.jpg"),
    "drop_figure": ("figures", "missing", 'figure missing: 图3 "党员干部参加植树活动助力绿美乡村建设。" (photo-3.jpg)'),
    "change_caption": ("figures", "caption", 'figure 图2 caption reads "江门深入实施社区治理力提升行动。'),
}


@pytest.fixture(scope="session")
def seed_expected(seed_doc: Document) -> Expected:
    return expect(seed_doc)


# ---- tampering with written files ------------------------------------------------------

def _once(pattern: str, replace: str | Callable[[re.Match[str]], str], text: str) -> str:
    changed, count = re.subn(pattern, replace, text, count=1, flags=re.DOTALL)
    assert count == 1, f"mutation found nothing to change: {pattern}"
    return changed


def _swap_first_two_images(text: str) -> str:
    sources = re.findall(r'<figure[^>]*>\s*<img src="([^"]+)"', text)
    assert len(sources) >= 2
    first, second = sources[0], sources[1]
    text = text.replace(f'src="{first}"', 'src="\0"', 1).replace(f'src="{second}"', f'src="{first}"', 1)
    return text.replace('src="\0"', f'src="{second}"', 1)


#: mutations of an HTML document (the e-reader HTML file, or the EPUB's XHTML)
HTML_MUTATIONS: dict[str, Callable[[str], str]] = {
    "drop_heading": lambda t: _once(r"<h2[^>]*>B .*?</h2>", "", t),
    # (a Chinese heading on screen carries <wbr /> between its phrases)
    "rename_heading": lambda t: _once(r"(<h2[^>]*>B (?:<wbr />)?锻造(?:<wbr />)?高素质(?:<wbr />)?干部)人才", r"\1人员", t),
    "change_digit": lambda t: _once(r"学习(<span[^>]*>)?98", lambda m: m.group(0).replace("98", "89"), t),
    "drop_paragraph": lambda t: _once(rf"<p>{SHORT_PARAGRAPH}</p>", "", t),
    "swap_figures": _swap_first_two_images,
    "drop_figure": lambda t: _once(r'<figure id="fig-3".*?</figure>', "", t),
    "change_caption": lambda t: _once(r"(<figcaption>(?:(?!</figcaption>).)*?)社区服务力", r"\1社区治理力", t),
}


def tamper_html(path: Path, mutation: str, dest: Path) -> Path:
    dest.write_text(HTML_MUTATIONS[mutation](path.read_text(encoding="utf-8")), encoding="utf-8")
    return dest


def tamper_epub(path: Path, mutation: str, dest: Path) -> Path:
    with zipfile.ZipFile(path) as book:
        docs = epub.spine(book, path)
        members = [(info, book.read(info)) for info in book.infolist()]
    changed = 0
    with zipfile.ZipFile(dest, "w") as out:
        for info, data in members:
            if info.filename in docs:
                text = data.decode("utf-8")
                try:
                    data = HTML_MUTATIONS[mutation](text).encode("utf-8")
                    changed += 1
                except AssertionError:
                    pass  # this mutation aims at another spine document
            out.writestr(info, data)
    assert changed == 1
    return dest


def _paragraphs(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(f"{W}p"))


def _text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _find_p(root: etree._Element, start: str) -> etree._Element:
    """The paragraph beginning `start` (a heading: in the department's numbering, 二、 for "B ")."""
    words = start.removeprefix("B ")
    return next(p for p in _paragraphs(root) if _text(p).startswith(start) or _text(p).endswith(words))


def _edit_text(p: etree._Element, old: str, new: str) -> None:
    node = next(t for t in p.iter(f"{W}t") if old in (t.text or ""))
    node.text = node.text.replace(old, new)


def _docx_mutate(root: etree._Element, mutation: str) -> None:
    if mutation == "drop_heading":
        p = _find_p(root, HEADING_B)
        p.getparent().remove(p)
    elif mutation == "rename_heading":
        _edit_text(_find_p(root, HEADING_B), "人才", "人员")
    elif mutation == "change_digit":
        node = next(t for t in root.iter(f"{W}t") if "98次" in (t.text or ""))
        node.text = node.text.replace("98次", "89次")
    elif mutation == "drop_paragraph":
        p = _find_p(root, SHORT_PARAGRAPH)
        p.getparent().remove(p)
    elif mutation == "swap_figures":
        first, second = list(root.iter(A_BLIP))[:2]
        a, b = first.get(R_EMBED), second.get(R_EMBED)
        first.set(R_EMBED, b)
        second.set(R_EMBED, a)
    elif mutation == "drop_figure":
        caption = _find_p(root, "图3")
        picture = caption.getprevious()
        assert next(picture.iter(A_BLIP), None) is not None
        for p in (picture, caption):
            p.getparent().remove(p)
    elif mutation == "change_caption":
        _edit_text(_find_p(root, "图2"), "社区服务力", "社区治理力")


def tamper_docx(path: Path, mutation: str, dest: Path) -> Path:
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                _docx_mutate(root, mutation)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(info, data)
    return dest


# ---- tampering with the model (PDF) ----------------------------------------------------

def _map_blocks(doc: Document, change: Callable[[object], object]) -> Document:
    blocks = [change(b) for b in doc.blocks]
    return dataclasses.replace(doc, blocks=tuple(b for b in blocks if b is not None))


def _is_heading_b(block: object) -> bool:
    return isinstance(block, Heading) and block.text == HEADING_B


def _with_text(block: Paragraph, old: str, new: str) -> Paragraph:
    inlines = tuple(Text(n.text.replace(old, new)) if isinstance(n, Text) else n for n in block.inlines)
    return dataclasses.replace(block, inlines=inlines)


def tampered_model(doc: Document, mutation: str) -> Document:
    figures = {f.number: f for f in doc.figures}

    def change(block: object) -> object:
        if mutation == "drop_heading" and _is_heading_b(block):
            return None
        if mutation == "rename_heading" and _is_heading_b(block):
            return dataclasses.replace(block, inlines=(Text("B 锻造高素质干部人员队伍"),))
        if mutation == "change_digit" and isinstance(block, Paragraph) and "98次" in block.text:
            return _with_text(block, "98次", "89次")
        if mutation == "drop_paragraph" and isinstance(block, Paragraph) and block.text == SHORT_PARAGRAPH:
            return None
        if isinstance(block, Figure):
            return _tampered_figure(block, mutation, figures)
        return block
    return _map_blocks(doc, change)


def _tampered_figure(figure: Figure, mutation: str, figures: dict[int, Figure]) -> Figure | None:
    if mutation == "swap_figures" and figure.number in (1, 2):
        other = figures[3 - figure.number]
        return dataclasses.replace(figure, src=other.src, width=other.width, height=other.height)
    if mutation == "drop_figure" and figure.number == 3:
        return None
    if mutation == "change_caption" and figure.number == 2:
        return dataclasses.replace(figure, caption=(Text(figure.caption_text.replace("社区服务力", "社区治理力")),))
    return figure


def tamper_pdf(doc: Document, mutation: str, dest: Path) -> Path:
    tampered = tampered_model(doc, mutation)
    assert tampered != doc
    chosen = layouts.load(builder.layout_name(doc, "pdf", None))
    dest.write_bytes(renderer("pdf")(tampered, chosen))
    return dest


# ---- mutation tests --------------------------------------------------------------------

def tampered_edition(fmt: str, mutation: str, editions: dict[str, Path], doc: Document, tmp: Path) -> Path:
    dest = tmp / f"tampered.{fmt}"
    if fmt == "pdf":
        return tamper_pdf(doc, mutation, dest)
    tamper = {"html": tamper_html, "epub": tamper_epub, "docx": tamper_docx}[fmt]
    return tamper(editions[fmt], mutation, dest)


@pytest.mark.parametrize("mutation", list(NAMED))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_mutation_is_caught_and_named(fmt: str, mutation: str, seed_editions: dict[str, Path],
                                            seed_doc: Document, seed_expected: Expected,
                                            tmp_path: Path) -> None:
    result = check(seed_expected, tampered_edition(fmt, mutation, seed_editions, seed_doc, tmp_path))
    kind, change, words = NAMED[mutation]
    if fmt == "docx" and mutation == "rename_heading":  # the department numbers its headings 一、二、
        words = words.replace('→ "B ', '→ "二、')
    messages = [d.message() for d in result.differences]
    assert not result.agrees
    assert any(d.kind == kind and d.change == change and words in d.message()
               for d in result.differences), messages
    assert {d.kind for d in result.differences} == {kind}, messages  # nothing else is blamed


def test_a_swap_names_both_pictures(seed_editions: dict[str, Path], seed_expected: Expected,
                                    tmp_path: Path) -> None:
    result = check(seed_expected, tamper_html(seed_editions["html"], "swap_figures", tmp_path / "s.html"))
    assert sorted(d.message() for d in result.differences) == [
        "figure 图1 shows photo-2.jpg, not photo-1.jpg", "figure 图2 shows photo-1.jpg, not photo-2.jpg"]


def test_figures_out_of_order_are_named(seed_editions: dict[str, Path], seed_expected: Expected,
                                        tmp_path: Path) -> None:
    html = seed_editions["html"].read_text(encoding="utf-8")
    first, second = re.findall(r'<figure id="fig-[12]".*?</figure>', html, flags=re.DOTALL)
    swapped = html.replace(first, "\0").replace(second, first).replace("\0", second)
    (tmp_path / "order.html").write_text(swapped, encoding="utf-8")
    result = check(seed_expected, tmp_path / "order.html")
    assert [d.message() for d in result.differences] == ["figure 图1 comes after 图2"]


def test_a_dropped_lead_paragraph_fails_though_headings_and_figures_agree(
        seed_editions: dict[str, Path], seed_expected: Expected, tmp_path: Path) -> None:
    html = _once(r'<p class="lead">从严从实.*?</p>', "", seed_editions["html"].read_text(encoding="utf-8"))
    (tmp_path / "lead.html").write_text(html, encoding="utf-8")
    result = check(seed_expected, tmp_path / "lead.html")
    assert [(d.kind, d.change) for d in result.differences] == [("text", "missing")]
    assert result.differences[0].message().startswith('text missing: "从严从实开展党纪学习教育')


def test_a_changed_word_shows_where(seed_editions: dict[str, Path], seed_expected: Expected,
                                    tmp_path: Path) -> None:
    html = seed_editions["html"].read_text(encoding="utf-8").replace("灯塔指引方向", "灯塔照亮方向", 1)
    (tmp_path / "word.html").write_text(html, encoding="utf-8")
    [difference] = check(seed_expected, tmp_path / "word.html").differences
    assert difference.message() == ('text "…灯塔指引方向，思想照亮航程。…" → "…灯塔照亮方向，思想照亮航程。…" '
                                    'in "A 党的创新理论武装…", paragraph 3, source line 40')


def test_pdf_differences_name_the_page(seed_doc: Document, seed_expected: Expected, tmp_path: Path) -> None:
    result = check(seed_expected, tamper_pdf(seed_doc, "change_digit", tmp_path / "digit.pdf"))
    assert [d.message() for d in result.differences] == [
        'number 98次 → 89次 in "A 党的创新理论武装…", paragraph 4, page 1, source line 42']


def test_a_changed_heading_level_is_named(seed_editions: dict[str, Path], seed_expected: Expected,
                                          tmp_path: Path) -> None:
    html = _once(r"<h2([^>]*>B .*?)</h2>", r"<h3\1</h3>", seed_editions["html"].read_text(encoding="utf-8"))
    (tmp_path / "level.html").write_text(html, encoding="utf-8")
    result = check(seed_expected, tmp_path / "level.html")
    assert [d.message() for d in result.differences] == [f'heading "{HEADING_B}" is level 3, not 2 source line 56']


def test_swapped_paragraphs_are_named_moved(seed_editions: dict[str, Path], seed_expected: Expected,
                                            tmp_path: Path) -> None:
    html = seed_editions["html"].read_text(encoding="utf-8")
    paras = re.findall(r"<p>[^\n]{40,}?</p>\n", html)
    first, second = paras[3], paras[4]
    swapped = html.replace(first + second, second + first, 1)
    assert swapped != html
    (tmp_path / "swapped.html").write_text(swapped, encoding="utf-8")
    differences = check(seed_expected, tmp_path / "swapped.html").differences
    assert [(d.kind, d.change) for d in differences] == [("text", "moved")], [d.message() for d in differences]
    assert differences[0].message().endswith("is out of order" + differences[0].where())


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_an_added_paragraph_without_numbers_is_named(fmt: str, seed_editions: dict[str, Path],
                                                     seed_expected: Expected, tmp_path: Path) -> None:
    words = "这是一段凭空加入的文字，没有数字。"
    if fmt == "html":
        html = seed_editions["html"].read_text(encoding="utf-8")
        anchor = re.findall(r"<p>[^\n]{40,}?</p>\n", html)[5]
        edition = tmp_path / "added.html"
        edition.write_text(html.replace(anchor, anchor + f"<p>{words}</p>\n", 1), encoding="utf-8")
    else:
        with zipfile.ZipFile(seed_editions["docx"]) as package:
            xml = package.read("word/document.xml").decode("utf-8")
        end = xml.index("</w:p>", xml.index("纪律严明")) + len("</w:p>")
        xml = xml[:end] + f"<w:p><w:r><w:t>{words}</w:t></w:r></w:p>" + xml[end:]
        edition = tmp_path / "added.docx"
        with zipfile.ZipFile(seed_editions["docx"]) as old, zipfile.ZipFile(edition, "w") as new:
            for item in old.infolist():
                new.writestr(item, xml.encode("utf-8") if item.filename == "word/document.xml"
                             else old.read(item.filename))
    differences = check(seed_expected, edition).differences
    assert [(d.kind, d.change) for d in differences] == [("text", "extra")], [d.message() for d in differences]
    assert "这是一段凭空加入的文字" in differences[0].message()


def _rezip(edition: Path, dest: Path, name: str, change) -> Path:
    with zipfile.ZipFile(edition) as old, zipfile.ZipFile(dest, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, change(data.decode("utf-8")).encode("utf-8") if item.filename == name else data)
    return dest


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_metadata_title_is_named(fmt: str, seed_editions: dict[str, Path], seed_doc: Document,
                                         seed_expected: Expected, tmp_path: Path) -> None:
    title, fake = seed_doc.meta.title, "另一个标题"
    dest = tmp_path / f"titled.{fmt}"
    if fmt == "html":
        dest.write_text(seed_editions["html"].read_text(encoding="utf-8").replace(
            f"<title>{title}</title>", f"<title>{fake}</title>", 1), encoding="utf-8")
    elif fmt == "docx":
        _rezip(seed_editions["docx"], dest, "docProps/core.xml", lambda t: t.replace(f">{title}<", f">{fake}<"))
    elif fmt == "epub":
        _rezip(seed_editions["epub"], dest, "EPUB/package.opf", lambda t: t.replace(f">{title}<", f">{fake}<"))
    else:
        import pikepdf
        with pikepdf.open(seed_editions["pdf"]) as pdf:
            pdf.docinfo["/Title"] = fake
            pdf.save(dest)
    differences = check(seed_expected, dest).differences
    assert [(d.kind, d.change) for d in differences] == [("structure", "title")], [d.message() for d in differences]
    assert fake in differences[0].message()
