"""Our department DOCX beside pandoc's with a GB/T 9704 reference.docx, point by point.

Usage: .venv/bin/python bench/docx_gbt.py [SOURCE ...]   (default: the seed and mixed-report)

pandoc gets the fairest reference a department could make for it: its own default
reference.docx restyled the way our department layout is (A4, 37/35/28/26 mm, a 22-line
grid, 仿宋 3号 condensed to 28 characters, 小标宋 title, 黑体/楷体 heads, "— 1 —" at the right
of odd and the left of even pages). Both files are laid out by LibreOffice and measured from
its PDF: characters a full line, lines a page, where the page numbers stand, how much of each
page is left white; and read from their XML: Word's mode, the style gallery, the fonts, the
headings, the source line, the captions, the schema.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "sources" / "jiangmen-party-building.md", ROOT / "tests" / "sources" / "mixed-report.md"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PT_MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * PT_MM, 297 * PT_MM
LEFT, RIGHT, BOTTOM = 28 * PT_MM, 26 * PT_MM, 35 * PT_MM
CHINESE_LINE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e“”‘’…—·]+")


# ---- pandoc's reference ------------------------------------------------------------------

def gbt_reference(path: Path) -> Path:
    """pandoc's default reference.docx restyled after GB/T 9704, as a department would in Word."""
    default = subprocess.run(["pandoc", "--print-default-data-file", "reference.docx"], capture_output=True,
                             check=True).stdout
    path.write_bytes(default)
    word = docx.Document(str(path))
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    section.footer_distance = Mm(25.2)
    grid = section._sectPr.find(qn("w:docGrid")) or OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), "579")
    section._sectPr.append(grid)
    fonts = {"Normal": ("FangSong", 16, False), "Body Text": ("FangSong", 16, False),
             "First Paragraph": ("FangSong", 16, False), "Title": ("FZXiaoBiaoSong-B05S", 22, False),
             "Subtitle": ("KaiTi", 16, False), "Author": ("KaiTi", 14, False), "Date": ("KaiTi", 14, False),
             "Heading 1": ("SimHei", 16, False), "Heading 2": ("KaiTi", 16, False),
             "Heading 3": ("FangSong", 16, True), "Image Caption": ("KaiTi", 14, False)}
    by_name = {style.name.lower(): style for style in word.styles}
    for name, (face, size, bold) in fonts.items():
        style = by_name[name.lower()]
        style.font.name, style.font.size, style.font.bold = "Times New Roman", Pt(size), bold
        style.font.color.rgb = None
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        rfonts.set(qn("w:eastAsia"), face)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = Twips(579)
        if name in ("Body Text", "First Paragraph", "Normal") or name.startswith("Heading"):
            fmt.first_line_indent = Pt(32)
        if name in ("Title", "Subtitle", "Author", "Date", "Image Caption"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.first_line_indent = Pt(0)
        elif name in ("Body Text", "First Paragraph", "Normal"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), "-5")  # 28 characters of 16 pt on a 156 mm line
    rpr = word.styles["Normal"].element.get_or_add_rPr()
    later = [c for c in rpr if c.tag in {qn(t) for t in ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:lang")}]
    later[0].addprevious(spacing) if later else rpr.append(spacing)
    if "footer" not in by_name:
        footer_style = word.styles.add_style("Footer", WD_STYLE_TYPE.PARAGRAPH)
        footer_style.base_style = by_name["normal"]
        footer_style.paragraph_format.first_line_indent = Pt(0)
        footer_style.paragraph_format.line_spacing = 1.0
    word.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.first_line_indent = Pt(0)  # one character in from its side
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(14)
        else:
            paragraph.paragraph_format.left_indent = Pt(14)
        paragraph.add_run("— ")
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            run = paragraph.add_run(text if kind is None and text == "1" else "")
            if kind:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
            elif text == " PAGE ":
                instr = OxmlElement("w:instrText")
                instr.text = text
                run._r.append(instr)
        paragraph.add_run(" —")
        for run in paragraph.runs:
            run.font.size = Pt(14)
            run.font.name = "SimSun"
    word.save(str(path))
    return path


# ---- building --------------------------------------------------------------------------

def ours(source: Path, out: Path) -> Path:
    subprocess.run([str(ROOT / ".venv" / "bin" / "publisher"), "build", str(source), "--formats", "docx",
                    "--layout", "department", "--out", str(out), "--quiet"], check=True)
    return out / f"{source.stem}.docx"


def pandoc(source: Path, out: Path, reference: Path) -> Path:
    target = out / f"{source.stem}.pandoc.docx"
    subprocess.run(["pandoc", source.name, "-f", "markdown", "-t", "docx", "--reference-doc", str(reference),
                    "-o", str(target)], check=True, cwd=source.parent)
    return target


def laid_out(files: list[Path], out: Path) -> dict[Path, Path]:
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{out}/lo",
                    "--convert-to", "pdf", "--outdir", str(out / "pdf"), *map(str, files)],
                   capture_output=True, check=True, timeout=600)
    return {f: out / "pdf" / (f.stem + ".pdf") for f in files}


# ---- measuring the pages -----------------------------------------------------------------

def pages_of(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout.replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    return [[(float(l.get("xMin")), float(l.get("yMin")), float(l.get("xMax")), float(l.get("yMax")),
              " ".join(w.text or "" for w in l.iter("word"))) for l in page.iter("line")]
            for page in ElementTree.fromstring(xml).iter("page")]


def page_figures(pdf: Path, work: Path) -> dict[str, str]:
    pages = pages_of(pdf)
    full = [len(t) for page in pages for x0, y0, x1, y1, t in page
            if y1 <= PAGE_H - BOTTOM + 2 and x0 < LEFT + 2 and x1 > PAGE_W - RIGHT - 3 and CHINESE_LINE.fullmatch(t)]
    lines = [len({round(y0) for _, y0, _, y1, _ in page if y1 <= PAGE_H - BOTTOM + 2}) for page in pages]
    feet = [[l for l in page if l[1] > PAGE_H - BOTTOM] for page in pages]
    sides = []
    for number, foot in enumerate(feet[:2], 1):
        if not foot:
            sides.append("none")
            continue
        x0, _, x1, _, _ = foot[0]
        centre = (x0 + x1) / 2
        sides.append("right" if centre > PAGE_W * 0.6 else "left" if centre < PAGE_W * 0.4 else "centre")
    white = white_feet(pdf, work)
    return {
        "pages": str(len(pages)),
        "full Chinese lines of 28 characters": f"{full.count(28)} of {len(full)}",
        "most lines on a page": str(max(lines)),
        "page numbers (pages 1, 2)": " / ".join(sides),
        "pages (not the last) with > 30 mm white": f"{sum(w > 30 for w in white[:-1])} (widest {max(white[:-1] or [0]):.0f} mm)",
    }


def white_feet(pdf: Path, work: Path) -> list[float]:
    prefix = work / f"{pdf.stem}-foot"
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(prefix)], check=True)
    out = []
    for path in sorted(work.glob(f"{pdf.stem}-foot*.png")):
        image = Image.open(path).convert("L")
        pixels, scale = image.load(), 30 / 72
        limit = int((PAGE_H - BOTTOM + 2) * scale)
        inked = [y for y in range(limit) if any(pixels[x, y] < 200 for x in range(image.width))]
        out.append((PAGE_H - BOTTOM - max(inked or [0]) / scale) / PT_MM)
    return out


# ---- reading the XML ---------------------------------------------------------------------

def xml_figures(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as package:
        settings = ElementTree.fromstring(package.read("word/settings.xml"))
        styles = ElementTree.fromstring(package.read("word/styles.xml"))
        document = ElementTree.fromstring(package.read("word/document.xml"))
    mode = next((c.get(f"{W}val") for c in settings.iter(f"{W}compatSetting")
                 if c.get(f"{W}name") == "compatibilityMode"), "none (Word 2007)")
    names = [s.find(f"{W}name").get(f"{W}val") for s in styles.iter(f"{W}style")]
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in document.iter(f"{W}p")]
    heading_ids = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")
                   if re.fullmatch(r"heading \d", s.find(f"{W}name").get(f"{W}val").lower())}
    first_heading = next((t for p, t in zip(document.iter(f"{W}p"), texts)
                          if p.find(f"{W}pPr/{W}pStyle") is not None
                          and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in heading_ids), "")
    seq = sum(1 for i in document.iter(f"{W}instrText") if "SEQ" in (i.text or ""))
    anchors = {h.get(f"{W}anchor") for h in document.iter(f"{W}hyperlink") if h.get(f"{W}anchor")}
    marks = {b.get(f"{W}name") for b in document.iter(f"{W}bookmarkStart")}
    empty_after_table = sum(1 for t in document.iter(f"{W}tbl") if _empty_next(document, t))
    return {
        "Word opens it in": f"compatibilityMode {mode}",
        "styles in the gallery (linked 'Char')": f"{len(names)} ({sum(n.endswith(' Char') for n in names)})",
        "first section heading": first_heading,
        "source line (来源)": next((t for t in texts if t.startswith(("来源", "Source"))), "none"),
        "captions numbered by SEQ fields": str(seq),
        "internal links landing on a bookmark": f"{len(anchors & marks)} of {len(anchors)}",
        "empty paragraphs after tables": str(empty_after_table),
        "half-width marks after Chinese (，written ,)": str(len(re.findall(r"[\u4e00-\u9fff][,;:!?]", "".join(texts)))),
        "schema errors (office2016)": audit(path),
    }


def _empty_next(document: ElementTree.Element, table: ElementTree.Element) -> bool:
    body = list(document.find(f"{W}body"))
    if table not in body:
        return False
    following = body[body.index(table) + 1] if body.index(table) + 1 < len(body) else None
    return following is not None and following.tag == f"{W}p" and not "".join(
        t.text or "" for t in following.iter(f"{W}t")).strip()


def audit(path: Path) -> str:
    tool = shutil.which("openxml-audit", path=str(ROOT / ".venv" / "bin"))
    if tool is None:
        return "(openxml-audit not installed)"
    result = subprocess.run([tool, "-f", "office2016", "-o", "json", str(path)], capture_output=True, text=True)
    return str(json.loads(result.stdout)[0]["error_count"])


def main(argv: list[str]) -> None:
    sources = [Path(a).resolve() for a in argv] or SOURCES
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        reference = gbt_reference(work / "gbt-reference.docx")
        pairs = [(ours(s, work), pandoc(s, work, reference)) for s in sources]
        pdfs = laid_out([f for pair in pairs for f in pair], work)
        for source, (mine, theirs) in zip(sources, pairs):
            print(f"\n{source.name}\n")
            print("| | publisher (department) | pandoc + GB/T reference.docx |\n|---|---|---|")
            rows = [(page_figures(pdfs[mine], work), page_figures(pdfs[theirs], work)),
                    (xml_figures(mine), xml_figures(theirs))]
            for left, right in rows:
                for key in left:
                    print(f"| {key} | {_cell(left[key])} | {_cell(right[key])} |")


def _cell(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("|", "\\|")


if __name__ == "__main__":
    main(sys.argv[1:])
