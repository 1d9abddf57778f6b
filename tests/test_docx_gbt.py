"""The department DOCX against GB/T 9704-2012, read two ways: its XML (grid, footers, settings,
styles, bookmarks, tables), and the pages LibreOffice lays out from it (characters a line,
lines a page, where the page numbers stand, how much of a page is left white).

LibreOffice is the only word processor here; Word lays the same file out from the same grid.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from publisher.typography import chinese_number, heading_numbers
from publisher.verify.compare import renumbered

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"seed": ROOT / "sources" / "jiangmen-party-building.md",
           "mixed": ROOT / "tests" / "sources" / "mixed-report.md"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SOFFICE = shutil.which("soffice")
AUDIT = shutil.which("openxml-audit") or shutil.which("openxml-audit", path=str(Path(sys.executable).parent))
PT_PER_MM = 72 / 25.4
#: the GB/T 9704 page: A4, margins 37 / 35 / 28 / 26 mm
PAGE_H, TOP, BOTTOM, LEFT, RIGHT = 297 * PT_PER_MM, 37 * PT_PER_MM, 35 * PT_PER_MM, 28 * PT_PER_MM, 26 * PT_PER_MM
PAGE_W = 210 * PT_PER_MM
#: marks that may not begin a line (GB/T 15834; W3C clreq)
NO_LINE_START = set("、。，．：；！？）」』》〉】”’…—·")
#: marks that may not end a line
OPENING = set("“‘（《「『【〈")
#: a line of Chinese only: characters and full-width marks, no Latin, no space
CHINESE_LINE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e“”‘’…—·]+")


def build(source: Path, out: Path, *extra: str) -> Path:
    result = subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--formats", "docx",
                             "--layout", "department", "--out", str(out), "--quiet", *extra],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return out / (source.stem + ".docx")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("gbt")
    return {name: build(source, out) for name, source in SOURCES.items()}


def part(path: Path, name: str) -> ElementTree.Element:
    with zipfile.ZipFile(path) as package:
        return ElementTree.fromstring(package.read(name))


# ---- the XML ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SOURCES))
def test_settings_are_word_2013s_with_chinese_punctuation_compressed(built: dict[str, Path], name: str) -> None:
    settings = part(built[name], "word/settings.xml")
    modes = [c.get(f"{W}val") for c in settings.iter(f"{W}compatSetting") if c.get(f"{W}name") == "compatibilityMode"]
    assert modes == ["15"]
    assert settings.find(f"{W}characterSpacingControl").get(f"{W}val") == "compressPunctuation"
    assert settings.find(f"{W}proofState") is None  # nobody checked the spelling
    assert settings.find(f"{W}evenAndOddHeaders") is not None


@pytest.mark.parametrize("name", list(SOURCES))
def test_grid_and_odd_and_even_footers(built: dict[str, Path], name: str) -> None:
    document = part(built[name], "word/document.xml")
    sect = document.find(f"{W}body/{W}sectPr")
    grid = sect.find(f"{W}docGrid")
    assert grid.get(f"{W}type") == "lines" and grid.get(f"{W}linePitch") == "579"  # 225 mm / 22
    kinds = {ref.get(f"{W}type") for ref in sect.iter(f"{W}footerReference")}
    assert kinds == {"default", "even"}
    styles = part(built[name], "word/styles.xml")
    by_name = {s.find(f"{W}name").get(f"{W}val"): s for s in styles.iter(f"{W}style")}
    normal = by_name["Normal"]
    assert normal.find(f"{W}rPr/{W}spacing").get(f"{W}val") == "-5"  # 28 characters of 16 pt on 156 mm
    assert normal.find(f"{W}pPr/{W}widowControl").get(f"{W}val") == "0"
    assert by_name["Footer Odd"].find(f"{W}pPr/{W}jc").get(f"{W}val") == "right"
    assert by_name["Footer Even"].find(f"{W}pPr/{W}jc").get(f"{W}val") == "left"


@pytest.mark.parametrize("name", list(SOURCES))
def test_style_gallery_holds_what_the_document_uses(built: dict[str, Path], name: str) -> None:
    styles = part(built[name], "word/styles.xml")
    names = {s.find(f"{W}name").get(f"{W}val").lower() for s in styles.iter(f"{W}style")}
    assert not any(n.endswith(" char") for n in names), names  # no linked styles unlike their paragraphs
    assert not names & {"intense quote", "heading 6", "light shading", "list bullet", "body text"}
    assert {"normal", "title", "heading 1", "heading 2", "heading 3", "heading 4"} <= names
    assert not list(styles.iter(f"{W}link"))
    quick = {e.get(f"{W}name") for e in styles.iter(f"{W}lsdException") if e.get(f"{W}qFormat") == "1"}
    assert not quick & {"Intense Quote", "Subtle Emphasis", "Book Title", "No Spacing"}
    fonts = {f.get(f"{W}eastAsia") for f in styles.iter(f"{W}rFonts") if f.get(f"{W}eastAsia")}
    assert fonts <= {"FangSong", "SimHei", "KaiTi", "SimSun", "FZXiaoBiaoSong-B05S"}, fonts  # the house fonts only


def test_source_line_cites_the_publication(built: dict[str, Path]) -> None:
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in part(built["seed"], "word/document.xml").iter(f"{W}p")]
    assert "来源：《江门日报》2025年1月20日 A03版" in texts[:5]


def test_headings_take_gbt_numbers(built: dict[str, Path]) -> None:
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in part(built["mixed"], "word/document.xml").iter(f"{W}p")]
    assert {"一、总体情况：完成98%年度目标", "二、重点项目进展", "（一）智慧港口：吞吐量提升25%", "三、2025年计划"} <= set(texts)


def test_tables_head_bold_centred_numbers_right_no_empty_paragraph(built: dict[str, Path]) -> None:
    document = part(built["mixed"], "word/document.xml")
    body = list(document.find(f"{W}body"))
    tables = [k for k, e in enumerate(body) if e.tag == f"{W}tbl"]
    assert tables
    for k in tables:
        after = body[k + 1]
        assert after.tag != f"{W}p" or "".join(t.text or "" for t in after.iter(f"{W}t")).strip() \
            or after.find(f".//{W}drawing") is not None, "an empty paragraph after a table"
        rows = body[k].findall(f"{W}tr")
        head_styles = {p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") for p in rows[0].iter(f"{W}p")}
        assert head_styles == {"TableHeading"}
    styles = part(built["mixed"], "word/styles.xml")
    heading = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "TableHeading")
    assert heading.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center" and heading.find(f"{W}rPr/{W}b") is not None
    first = body[tables[0]].findall(f"{W}tr")[1]
    aligned = [c.find(f"{W}p/{W}pPr/{W}jc") for c in first.findall(f"{W}tc")]
    texts = ["".join(t.text or "" for t in c.iter(f"{W}t")) for c in first.findall(f"{W}tc")]
    for text, jc in zip(texts, aligned):
        if re.fullmatch(r"[\d,.%]+", text):
            assert jc is not None and jc.get(f"{W}val") == "right", texts


def test_internal_links_land_on_bookmarks(tmp_path: Path) -> None:
    source = tmp_path / "links.md"
    source.write_text("---\ntitle: 链接\ndate: 2025-01-20\n---\n\n见[第二节](#第二节)。\n\n## 第一节\n\n正文。\n\n"
                      "## 第二节\n\n正文。[不存在](#nowhere)\n", encoding="utf-8")
    document = part(build(source, tmp_path / "out"), "word/document.xml")
    marks = {b.get(f"{W}name") for b in document.iter(f"{W}bookmarkStart")}
    anchors = [h.get(f"{W}anchor") for h in document.iter(f"{W}hyperlink") if h.get(f"{W}anchor")]
    assert anchors and set(anchors) <= marks
    texts = "".join(t.text or "" for t in document.iter(f"{W}t"))
    assert "不存在" in texts  # a link to nowhere keeps its words, as text


def test_contents_field_lists_the_headings_not_the_title() -> None:
    """With docx.toc on: Word's TOC field takes the heading styles (\\o), not outline levels (\\u),
    which would list the title; the entries written in advance are the headings."""
    import copy
    from publisher import layout as layouts
    from publisher import reader
    from publisher.renderers import docx as docx_renderer
    layout = layouts.load("department")
    config = copy.deepcopy(layout.config)
    config["docx"]["toc"] = {"title": "目录", "levels": "1-2", "title_style": "TOC Heading",
                             "entry_styles": ["toc 1", "toc 2"]}
    doc = reader.read(SOURCES["seed"])
    data = docx_renderer.render(doc, layouts.Layout(layout.name, layout.dirs, config))
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = ElementTree.fromstring(package.read("word/document.xml"))
    instruction = next(t.text for t in document.iter(f"{W}instrText") if "TOC" in (t.text or ""))
    assert '\\o "1-2"' in instruction and "\\u" not in instruction
    entries = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in document.iter(f"{W}p")
               if (p.find(f"{W}pPr/{W}pStyle") is not None and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("toc1", "toc2"))]
    assert doc.meta.title not in entries and entries and all(e for e in entries)
    assert entries[0] == "一、党的创新理论武装持续加强"  # as the body numbers it


@pytest.mark.parametrize("source", [SOURCES["seed"], SOURCES["mixed"], ROOT / "tests" / "sources" / "real-copy.md"])
@pytest.mark.parametrize("height_mm", [225, 120, 60])
def test_the_page_plan_moves_figures_but_loses_and_reorders_nothing(source: Path, height_mm: int) -> None:
    """Figures may move later (never earlier) past the text; every block is written once, the
    text and the figures each in their own order, whatever the page's height."""
    from publisher import layout as layouts
    from publisher import reader
    from publisher.model import Figure
    from publisher.renderers import docx_pages
    config = layouts.load("department").config["docx"]
    blocks = list(reader.read(source).blocks)
    laid = docx_pages.plan(blocks, config, [("标题", "Title")], 5_616_575, height_mm * 36_000, 579)
    assert sorted(map(id, laid.blocks)) == sorted(map(id, blocks))
    for kind in (lambda b: isinstance(b, Figure), lambda b: not isinstance(b, Figure)):
        assert [b for b in laid.blocks if kind(b)] == [b for b in blocks if kind(b)]
    assert all(0.35 <= scale < 1 for scale in laid.scales.values())


def test_heading_numbers_in_chinese() -> None:
    assert [chinese_number(n) for n in (1, 10, 12, 20, 21, 105, 110, 2024, 5001)] == \
        ["一", "十", "十二", "二十", "二十一", "一百零五", "一百一十", "二千零二十四", "五千零一"]
    assert chinese_number(12_345) == "12345"  # a heading count no document reaches in words


@pytest.mark.parametrize(("headings", "numbers"), [
    (["A 党的创新理论", "B 锻造队伍", "——坚持导向"], ["A ", "B ", "——"]),  # a letter where the next counts on
    (["1 总体情况", "2 重点项目", "2.1 智慧港口", "3 2025年计划"], ["1 ", "2 ", "2.1 ", "3 "]),
    (["一、总体", "（一）细则", "1. Intro"], ["一、", "（一）", "1. "]),
    # a chapter or part is the document's own structure: kept, and given no other number
    (["第一章 总则", "第二部分 细则", "第3节 小标题"], ["", "", ""]),
    # words, not numbers: a month, a share class, a language, a sum, a year; a heading that is all number
    (["3 月份工作回顾", "A 股市场回暖", "C 语言入门", "3.5 亿元投向民生", "2025年计划", "第一部分"], ["", "", "", "", "", ""]),
])
def test_what_counts_as_a_headings_own_numbering(headings: list[str], numbers: list[str]) -> None:
    levels = [3 if h.startswith(("——", "2.1", "（")) else 2 for h in headings]
    assert heading_numbers(list(zip(levels, headings))) == numbers


def test_verifier_takes_a_renumbering_not_a_numbering_lost() -> None:
    assert renumbered("A 党的创新理论", "A ", "一、党的创新理论")
    assert renumbered("党的创新理论", "", "一、党的创新理论")  # numbered where the source was not
    assert renumbered("3 月份工作回顾", "", "一、3 月份工作回顾")  # a month is no numbering: kept
    assert not renumbered("3 月份工作回顾", "", "一、月份工作回顾")  # … and losing it is a change
    assert not renumbered("A 党的创新理论", "A ", "党的创新理论")  # the source's numbering dropped
    assert not renumbered("A 党的创新理论", "A ", "一、党的理论")  # words changed


# ---- LibreOffice's pages --------------------------------------------------------------

@pytest.fixture(scope="module")
def laid_out(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (make test installs libreoffice-writer-nogui)")
    out = tmp_path_factory.mktemp("lo")
    result = subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{out}/profile",
                             "--convert-to", "pdf", "--outdir", str(out), *map(str, built.values())],
                            capture_output=True, text=True, timeout=300)
    pdfs = {name: out / (path.stem + ".pdf") for name, path in built.items()}
    assert all(p.is_file() for p in pdfs.values()), result.stderr
    return pdfs


def lines_of(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's text lines: (x0, y0, x1, y1, text), from pdftotext's boxes."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout.replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = []
    for page in ElementTree.fromstring(xml).iter("page"):
        pages.append([(float(line.get("xMin")), float(line.get("yMin")), float(line.get("xMax")), float(line.get("yMax")),
                       " ".join(w.text or "" for w in line.iter("word"))) for line in page.iter("line")])
    return pages


def body_lines(page: list[tuple[float, float, float, float, str]]) -> list[tuple[float, float, float, float, str]]:
    return [line for line in page if line[3] <= PAGE_H - BOTTOM + 2]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SOURCES))
def test_full_lines_hold_28_characters(laid_out: dict[str, Path], name: str) -> None:
    """A full line of Chinese holds 28 characters; 27 only where what comes next could not fit or
    stand there: an opening mark may not end a line, a closing mark may not begin one (it takes
    its character along), a Latin word or number is wider than the cell left."""
    counts, short = [], []
    for page in lines_of(laid_out[name]):
        lines = body_lines(page)
        for (x0, _, x1, _, text), following in zip(lines, lines[1:] + [(0, 0, 0, 0, "")]):
            if x0 < LEFT + 2 and x1 > PAGE_W - RIGHT - 3 and CHINESE_LINE.fullmatch(text):  # a full line
                counts.append(len(text))
                head = following[4][:2]
                if len(text) != 28 and not (len(text) == 27 and head and (head[0] in NO_LINE_START or head[0] in OPENING
                                                                         or head[1:] in NO_LINE_START or head.isascii())):
                    short.append(text)
    if name == "mixed":  # its Chinese lines all hold Latin words or numbers
        assert not short, short
        return
    assert counts.count(28) >= 0.8 * len(counts) and not short, (counts, short)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SOURCES))
def test_full_pages_hold_22_lines(laid_out: dict[str, Path], name: str) -> None:
    pages = lines_of(laid_out[name])
    counts = [len({round(y0) for _, y0, _, _, _ in body_lines(page)}) for page in pages]
    assert max(counts) == 22 or (name == "mixed" and max(counts) <= 22), counts  # its pages all hold a table or chart
    if name == "mixed":
        return
    # the lines stand on one grid: 28.95 pt apart
    page = next(p for p, n in zip(pages, counts) if n == 22)
    tops = sorted({y0 for _, y0, _, _, _ in body_lines(page)})
    assert all(abs((b - a) - 28.95) < 0.6 for a, b in zip(tops, tops[1:])), tops


def dash_centre(pdf: Path, number: int, box: tuple[float, float], tmp: Path) -> float:
    """The height (pt from the top) of the ink of the dash in `box` (x0, x1) at the page's foot."""
    prefix = tmp / f"dash{number}"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", str(number), "-l", str(number), str(pdf), str(prefix)],
                   check=True)
    image = Image.open(next(tmp.glob(f"dash{number}*.png"))).convert("L")
    scale = 300 / 72
    rows = [y for y in range(int((PAGE_H - BOTTOM) * scale), int((PAGE_H - 10 * PT_PER_MM) * scale))
            if any(image.getpixel((x, y)) < 128 for x in range(int(box[0] * scale) + 4, int(box[1] * scale) - 4))]
    return (rows[0] + rows[-1]) / 2 / scale


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SOURCES))
def test_page_numbers_stand_as_gbt_9704_says(laid_out: dict[str, Path], name: str, tmp_path: Path) -> None:
    """"— 1 —" at the right of odd pages and the left of even ones, one 4号 character in;
    the 一字线 7 mm below the text block."""
    for number, page in enumerate(lines_of(laid_out[name])[:2], 1):
        foot = [line for line in page if line[1] > PAGE_H - BOTTOM]
        assert ["".join(line[4].split()) for line in foot] == [f"—{number}—"]
        x0, _, x1, _, _ = foot[0]
        if number % 2:
            assert abs((PAGE_W - RIGHT) - x1 - 14) < 3, x1
        else:
            assert abs(x0 - LEFT - 14) < 3, x0
        below = (dash_centre(laid_out[name], number, (x0, x0 + 14), tmp_path) - (PAGE_H - BOTTOM)) / PT_PER_MM
        assert abs(below - 7) <= 1, below


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SOURCES))
def test_no_page_but_the_last_leaves_30_mm_white(laid_out: dict[str, Path], name: str, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(laid_out[name]), str(tmp_path / "p")], check=True)
    white = []
    for path in sorted(tmp_path.glob("p*.png"))[:-1]:
        image = Image.open(path).convert("L")
        scale = 40 / 72
        limit = int((PAGE_H - BOTTOM + 2) * scale)
        pixels = image.load()
        inked = [y for y in range(limit) if any(pixels[x, y] < 200 for x in range(image.width))]
        white.append(round((PAGE_H - BOTTOM - max(inked) / scale) / PT_PER_MM, 1))
    assert white and max(white) <= 30, white


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SOURCES))
def test_every_heading_and_caption_is_in_libreoffices_text(laid_out: dict[str, Path], name: str) -> None:
    from publisher import reader
    doc = reader.read(SOURCES[name])
    text = "".join(subprocess.run(["pdftotext", str(laid_out[name]), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    headings = doc.headings
    numbers = heading_numbers([(h.level, h.text) for h in headings])
    wanted = [h.text[len(n):] for h, n in zip(headings, numbers)] + [f.caption_text for f in doc.figures]
    missing = [w for w in wanted if "".join(unicodedata.normalize("NFKC", w).split())
               not in unicodedata.normalize("NFKC", text)]
    assert not missing


# ---- the schema ------------------------------------------------------------------------

def header_picture_reference(path: Path) -> Path:
    """A department template with its emblem in the header (the body's photos must not share its id)."""
    import docx
    template = docx.Document()
    header = template.sections[0].header
    header.paragraphs[0].add_run().add_picture(str(ROOT / "tests" / "sources" / "images" / "square.png"))
    template.save(str(path))
    return path


@pytest.mark.slow
@pytest.mark.skipif(AUDIT is None, reason="openxml-audit not installed (pip install -e .[test])")
@pytest.mark.parametrize("version", ["office2016", "microsoft365"])
def test_schema_check_finds_nothing(built: dict[str, Path], version: str, tmp_path: Path) -> None:
    reference = header_picture_reference(tmp_path / "emblem.docx")
    files = list(built.values()) + [build(source, tmp_path / "ref", "--reference-docx", str(reference))
                                    for source in SOURCES.values()]
    for path in files:
        result = subprocess.run([AUDIT, "-f", version, "-o", "json", str(path)], capture_output=True, text=True,
                                timeout=120, env={**os.environ, "NO_COLOR": "1"})
        report = json.loads(result.stdout)[0]
        assert (report["error_count"], report["warning_count"]) == (0, 0), (path.name, report["errors"])


@pytest.mark.slow
@pytest.mark.skipif(AUDIT is None or SOFFICE is None, reason="needs openxml-audit and LibreOffice (make test)")
def test_a_template_saved_by_libreoffice_brings_no_fault(built: dict[str, Path], tmp_path: Path) -> None:
    """A department's template saved by LibreOffice (no list definitions of its own, its own
    idea of the schema): a document with lists builds on it, and the result is clean."""
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "lo"), str(built["seed"])],
                   capture_output=True, text=True, timeout=300, check=True)
    template = tmp_path / "lo" / built["seed"].name
    with zipfile.ZipFile(template) as package:
        assert "word/numbering.xml" not in package.namelist()
    out = build(SOURCES["mixed"], tmp_path / "out", "--reference-docx", str(template))
    for version in ("office2016", "microsoft365"):
        result = subprocess.run([AUDIT, "-f", version, "-o", "json", str(out)], capture_output=True, text=True,
                                timeout=120)
        report = json.loads(result.stdout)[0]
        assert (report["error_count"], report["warning_count"]) == (0, 0), report["errors"]
