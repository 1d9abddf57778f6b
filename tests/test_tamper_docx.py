"""DOCX tampering the verifier must catch, and edits it must let pass.

Each case edits the written seed DOCX the way a person in Word (or a forger) would:
text Word hides or paints invisibly, a hidden original beside a visible fake, running
heads, tracked changes and comments from a department. The controls are what Word and
other tools legitimately do to a file.
"""
from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree
from PIL import Image, ImageDraw

from publisher.model import Document
from publisher.verify import check, expect
from publisher.verify.difference import Difference
from publisher.verify.expected import Expected

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
#: a seed paragraph of its own, and one with a number
TARGET = "纪律严明是我们党的光荣传统和独特优势。"
NUMBERED = "98次"

Edit = Callable[[dict[str, etree._Element]], None]


@pytest.fixture(scope="module")
def expected(seed_doc: Document) -> Expected:
    return expect(seed_doc)


def edited(source: Path, dest: Path, edit: Edit, *, level: int = zipfile.ZIP_DEFLATED,
           extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the DOCX with `edit` applied to its parsed XML parts (name → root)."""
    with zipfile.ZipFile(source) as package:
        members = [(info, package.read(info)) for info in package.infolist()]
    roots = {info.filename: etree.fromstring(data) for info, data in members if info.filename.endswith((".xml", ".rels"))}
    edit(roots)
    with zipfile.ZipFile(dest, "w", level) as out:
        for info, data in members:
            if info.filename in roots:
                data = etree.tostring(roots[info.filename], xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(info.filename, data, compress_type=level)
        added = {name: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                 for name, root in roots.items() if name not in {info.filename for info, _ in members}}
        for name, data in {**added, **(extra or {})}.items():
            out.writestr(name, data, compress_type=level)
    return dest


def w(tag: str, **attrs: str) -> etree._Element:
    element = etree.Element(f"{W}{tag}")
    for key, value in attrs.items():
        element.set(f"{W}{key}", value)
    return element


def body(roots: dict[str, etree._Element]) -> etree._Element:
    return roots["word/document.xml"]


def paragraph(roots: dict[str, etree._Element], start: str) -> etree._Element:
    return next(p for p in body(roots).iter(f"{W}p")
                if "".join(t.text or "" for t in p.iter(f"{W}t")).startswith(start))


def run_with(roots: dict[str, etree._Element], words: str) -> etree._Element:
    node = next(t for t in body(roots).iter(f"{W}t") if words in (t.text or ""))
    return node.getparent()


def set_run_property(run: etree._Element, prop: etree._Element) -> None:
    rpr = run.find(f"{W}rPr")
    if rpr is None:
        rpr = w("rPr")
        run.insert(0, rpr)
    old = rpr.find(prop.tag)
    if old is not None:
        rpr.remove(old)
    rpr.append(prop)


def on_runs(start: str, prop: Callable[[], etree._Element]) -> Edit:
    def edit(roots: dict[str, etree._Element]) -> None:
        for run in paragraph(roots, start).iter(f"{W}r"):
            set_run_property(run, prop())
    return edit


def hidden_original_visible_fake(roots: dict[str, etree._Element]) -> None:
    """The run with the number twice: the source's hidden, a changed one shown."""
    run = run_with(roots, NUMBERED)
    fake = copy.deepcopy(run)
    node = next(t for t in fake.iter(f"{W}t") if NUMBERED in (t.text or ""))
    node.text = node.text.replace(NUMBERED, "89次")
    set_run_property(run, w("vanish"))
    run.addnext(fake)


def hidden_by_style(roots: dict[str, etree._Element]) -> None:
    """A new character style with hidden text, given to the paragraph's runs."""
    styles = roots["word/styles.xml"]
    style = w("style", type="character", styleId="Quiet")
    style.append(w("name", val="Quiet"))
    rpr = w("rPr")
    rpr.append(w("vanish"))
    style.append(rpr)
    styles.append(style)
    for run in paragraph(roots, TARGET).iter(f"{W}r"):
        set_run_property(run, w("rStyle", val="Quiet"))


def hidden_paragraph_style(roots: dict[str, etree._Element]) -> None:
    """A paragraph style based on Normal, white text, given to the paragraph."""
    styles = roots["word/styles.xml"]
    style = w("style", type="paragraph", styleId="Pale")
    style.append(w("name", val="Pale"))
    style.append(w("basedOn", val="Normal"))
    rpr = w("rPr")
    rpr.append(w("color", val="FFFFFF"))
    style.append(rpr)
    styles.append(style)
    p = paragraph(roots, TARGET)
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        ppr = w("pPr")
        p.insert(0, ppr)
    for old in ppr.findall(f"{W}pStyle"):
        ppr.remove(old)
    ppr.insert(0, w("pStyle", val="Pale"))


def tracked(kind: str) -> Edit:
    """A tracked insertion of a sentence, or deletion of a paragraph's runs, by 张三."""
    def edit(roots: dict[str, etree._Element]) -> None:
        p = paragraph(roots, TARGET)
        if kind == "ins":
            change = w("ins", id="901", author="张三", date="2026-12-01T00:00:00Z")
            run = w("r")
            text = w("t")
            text.text = "此句为审阅时新增。"
            run.append(text)
            change.append(run)
            p.append(change)
        else:
            change = w("del", id="902", author="张三", date="2026-12-01T00:00:00Z")
            for run in list(p.iter(f"{W}r")):
                for t in run.iter(f"{W}t"):
                    t.tag = f"{W}delText"
                run.getparent().remove(run)
                change.append(run)
            p.append(change)
    return edit


def commented(roots: dict[str, etree._Element]) -> None:
    p = paragraph(roots, TARGET)
    run = w("r")
    run.append(w("commentReference", id="7"))
    p.append(run)
    comments = etree.fromstring(f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="7" w:author="李四">'
                                "<w:p><w:r><w:t>请核实这一句。</w:t></w:r></w:p></w:comment></w:comments>")
    roots["word/comments.xml"] = comments
    rels = roots["word/_rels/document.xml.rels"]
    rel = etree.SubElement(rels, "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship")
    rel.set("Id", "rIdComments7")
    rel.set("Type", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments")
    rel.set("Target", "comments.xml")
    types = roots["[Content_Types].xml"]
    override = etree.SubElement(types, "{http://schemas.openxmlformats.org/package/2006/content-types}Override")
    override.set("PartName", "/word/comments.xml")
    override.set("ContentType", "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml")


def footer_words(words: str) -> Edit:
    def edit(roots: dict[str, etree._Element]) -> None:
        footer = next(root for name, root in roots.items() if name.startswith("word/footer"))
        text = next(footer.iter(f"{W}t"))
        text.text = words + (text.text or "")
    return edit


def moved_to_footer(roots: dict[str, etree._Element]) -> None:
    """The paragraph taken out of the body and set in the page foot."""
    p = paragraph(roots, TARGET)
    p.getparent().remove(p)
    footer = next(root for name, root in roots.items() if name.startswith("word/footer"))
    footer.append(p)


def merged_paragraphs(roots: dict[str, etree._Element]) -> None:
    """The paragraph's runs moved onto the end of the paragraph before it."""
    p = paragraph(roots, TARGET)
    before = p.getprevious()
    for run in list(p.iter(f"{W}r")):
        before.append(run)
    p.getparent().remove(p)


def swapped_with_next(roots: dict[str, etree._Element]) -> None:
    p = paragraph(roots, TARGET)
    after = p.getnext()
    p.getparent().remove(p)
    after.addnext(p)


def text_box_only(roots: dict[str, etree._Element]) -> None:
    """Text painted white on a paragraph whose shading is white too: unseen."""
    p = paragraph(roots, TARGET)
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        ppr = w("pPr")
        p.insert(0, ppr)
    ppr.append(w("shd", val="clear", color="auto", fill="FEFEFE"))
    for run in p.iter(f"{W}r"):
        set_run_property(run, w("color", val="FFFFFF"))


A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def retype_sequence(roots: dict[str, etree._Element]) -> None:
    """Figure 2's SEQ field made a table's: Word would number it 表 1 on its next update."""
    codes = [node for node in body(roots).iter(f"{W}instrText") if "SEQ" in (node.text or "")]
    codes[1].text = codes[1].text.replace("SEQ 图", "SEQ 表")


def first_picture(roots: dict[str, etree._Element]) -> etree._Element:
    return next(body(roots).iter(f"{A}blip"))


def squashed(roots: dict[str, etree._Element]) -> None:
    extent = next(body(roots).iter(f"{WP}extent"))
    extent.set("cy", str(int(extent.get("cy")) // 2))


def cropped(roots: dict[str, etree._Element]) -> None:
    blip = first_picture(roots)
    crop = etree.Element(f"{A}srcRect")
    crop.set("r", "40000")
    blip.addnext(crop)


def greyed(roots: dict[str, etree._Element]) -> None:
    first_picture(roots).append(etree.Element(f"{A}grayscl"))


def media(seed_docx: Path, change: Callable[["Image.Image"], "Image.Image"], quality: int = 90) -> dict[str, bytes]:
    """The first photo of the DOCX, changed and saved again as JPEG."""
    with zipfile.ZipFile(seed_docx) as package:
        name = sorted(n for n in package.namelist() if n.startswith("word/media/"))[0]
        picture = Image.open(io.BytesIO(package.read(name))).convert("RGB")
    out = io.BytesIO()
    change(picture).save(out, "JPEG", quality=quality)
    return {name: out.getvalue()}


def painted_over(picture: "Image.Image") -> "Image.Image":
    """A retouch: a tenth of each side painted grey, in the middle of the photo."""
    changed = picture.copy()
    w, h = changed.size
    ImageDraw.Draw(changed).rectangle([w * 0.45, h * 0.45, w * 0.55, h * 0.55], fill=(128, 128, 128))
    return changed


#: case → (the edit, (kind, change) that must be among the differences, words of the message)
CAUGHT: dict[str, tuple[Edit, tuple[str, str], str]] = {
    "vanish": (on_runs(TARGET, lambda: w("vanish")), ("text", "hidden"), "Word's hidden text"),
    "white on white": (on_runs(TARGET, lambda: w("color", val="FFFFFF")), ("text", "hidden"), "#FFFFFF"),
    "white on a white shading": (text_box_only, ("text", "hidden"), "coloured #FFFFFF"),
    "a dot of a size": (on_runs(TARGET, lambda: w("sz", val="1")), ("text", "hidden"), "0.5 pt"),
    "hidden original, visible fake": (hidden_original_visible_fake, ("numbers", "changed"), "98次 → 89次"),
    "hidden by a character style": (hidden_by_style, ("text", "hidden"), "Word's hidden text"),
    "white by a paragraph style": (hidden_paragraph_style, ("text", "hidden"), "#FFFFFF"),
    "tracked insertion": (tracked("ins"), ("text", "tracked"), "insertion \"此句为审阅时新增。\" by 张三"),
    "tracked deletion": (tracked("del"), ("text", "tracked"), "deletion \"纪律严明"),
    "a comment": (commented, ("text", "comment"), "comment by 李四 \"请核实这一句。\""),
    "words added to the footer": (footer_words("内部资料 严禁外传 "), ("text", "extra"), "内部资料"),
    "a paragraph moved to the footer": (moved_to_footer, ("text", "extra"), "纪律严明"),
    "two paragraphs merged": (merged_paragraphs, ("text", "merged"), "纪律严明"),
    "swapped paragraphs": (swapped_with_next, ("text", "moved"), "is out of order"),
    "a SEQ field of another sequence": (lambda roots: retype_sequence(roots), ("figures", "field"),
                                        "图2 is number 1 of its SEQ 表 field"),
    "a picture squashed": (squashed, ("figures", "drawn"), "is drawn squashed"),
    "a picture cropped": (cropped, ("figures", "drawn"), "is cropped by 40%"),
    "a picture greyed": (greyed, ("figures", "drawn"), "is drawn in grey"),
}


def _replace_members(source: Path, dest: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            out.writestr(info, members.get(info.filename, package.read(info)))
    return dest


def test_a_retouched_picture_is_named(seed_editions: dict[str, Path], expected: Expected, tmp_path: Path) -> None:
    path = _replace_members(seed_editions["docx"], tmp_path / "r.docx", media(seed_editions["docx"], painted_over))
    messages = [d.message() for d in _differences(expected, path)]
    assert any("painted over in part" in m for m in messages), messages


@pytest.mark.parametrize("change", ["recompressed", "half size"])
def test_a_recompressed_or_smaller_picture_stays_silent(change: str, seed_editions: dict[str, Path],
                                                         expected: Expected, tmp_path: Path) -> None:
    resize = (lambda p: p) if change == "recompressed" else (lambda p: p.resize((p.width // 2, p.height // 2)))
    members = media(seed_editions["docx"], resize, quality=80)
    path = _replace_members(seed_editions["docx"], tmp_path / "c.docx", members)
    assert [d.message() for d in _differences(expected, path)] == []


def _differences(expected: Expected, path: Path) -> list[Difference]:
    return check(expected, path).differences


@pytest.mark.parametrize("case", list(CAUGHT))
def test_tampering_is_caught(case: str, seed_editions: dict[str, Path], expected: Expected, tmp_path: Path) -> None:
    edit, (kind, change), words = CAUGHT[case]
    differences = _differences(expected, edited(seed_editions["docx"], tmp_path / "t.docx", edit))
    messages = [d.message() for d in differences]
    assert (kind, change) in [(d.kind, d.change) for d in differences], messages
    assert any(words in m for m in messages), messages


def house_heading_style(roots: dict[str, etree._Element]) -> None:
    """A department's house style: the heading styles renamed, their outline levels kept."""
    for style in roots["word/styles.xml"].iter(f"{W}style"):
        name = style.find(f"{W}name")
        if name is not None and name.get(f"{W}val", "").startswith("heading "):
            name.set(f"{W}val", "公文标题" + name.get(f"{W}val", "")[-1])


def dark_grey_text(roots: dict[str, etree._Element]) -> None:
    on_runs(TARGET, lambda: w("color", val="333333"))(roots)


def white_on_dark(roots: dict[str, etree._Element]) -> None:
    p = paragraph(roots, TARGET)
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        ppr = w("pPr")
        p.insert(0, ppr)
    ppr.append(w("shd", val="clear", color="auto", fill="8B0000"))
    for run in p.iter(f"{W}r"):
        set_run_property(run, w("color", val="FFFFFF"))


def nothing(roots: dict[str, etree._Element]) -> None:
    del roots


def split_runs(roots: dict[str, etree._Element]) -> None:
    """Word splits runs at every edit: the paragraph's text in one run per character."""
    p = paragraph(roots, TARGET)
    runs = list(p.iter(f"{W}r"))
    text = "".join(t.text or "" for run in runs for t in run.iter(f"{W}t"))
    for run in runs:
        run.getparent().remove(run)
    for char in text:
        run = w("r")
        node = w("t")
        node.text = char
        run.append(node)
        p.append(run)


def bookmarks_and_proofing(roots: dict[str, etree._Element]) -> None:
    """What Word adds on save: bookmarks, proofing marks, rsids."""
    p = paragraph(roots, TARGET)
    p.insert(1, w("bookmarkStart", id="50", name="_GoBack"))
    p.append(w("bookmarkEnd", id="50"))
    p.append(w("proofErr", type="spellStart"))
    p.set(f"{W}rsidR", "00A1B2C3")


CONTROLS: dict[str, tuple[Edit, dict[str, object]]] = {
    "re-zipped": (nothing, {}),
    "stored, not deflated": (nothing, {"level": zipfile.ZIP_STORED}),
    "re-serialised XML": (nothing, {}),
    "a house heading style": (house_heading_style, {}),
    "dark grey text": (dark_grey_text, {}),
    "white text on a dark shading": (white_on_dark, {}),
    "runs split by Word": (split_runs, {}),
    "bookmarks and proofing marks": (bookmarks_and_proofing, {}),
    "a part Word adds": (nothing, {"extra": {"customXml/item90.xml": b"<x/>"}}),
}


@pytest.mark.parametrize("case", list(CONTROLS))
def test_legitimate_edits_stay_silent(case: str, seed_editions: dict[str, Path], expected: Expected,
                                      tmp_path: Path) -> None:
    edit, options = CONTROLS[case]
    path = edited(seed_editions["docx"], tmp_path / "c.docx", edit, **options)  # type: ignore[arg-type]
    assert [d.message() for d in _differences(expected, path)] == []


def test_a_zip_bomb_is_refused_before_it_is_unpacked(expected: Expected, tmp_path: Path) -> None:
    from publisher.errors import PublisherError
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("word/document.xml", b"<w:document>" + b" " * (40 * 2**20) + b"</w:document>")
    with pytest.raises(PublisherError, match="zip bomb"):
        check(expected, bomb)


def test_a_picture_frame_with_no_number_is_read_not_a_crash(seed_editions: dict[str, Path], expected: Expected,
                                                            tmp_path: Path) -> None:
    def garbled(roots: dict[str, etree._Element]) -> None:
        next(body(roots).iter(f"{WP}extent")).set("cx", "x5616575")
    path = edited(seed_editions["docx"], tmp_path / "g.docx", garbled)
    assert all(d.kind for d in _differences(expected, path))  # read to the end: no exception
