"""Print preflight: tofu, low-resolution images, line measurement."""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from publisher import build as builder
from publisher import layout as layouts
from publisher import preflight, reader

from .conftest import SEED, copy_source

FONTS = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Liberation Serif", "Liberation Sans"]


def test_character_without_glyph_is_named_with_code_point_and_place(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path)
    text = source.read_text(encoding="utf-8").replace("连日来，", "连日来ක，", 1).replace("连日来,", "连日来ක,", 1)
    source.write_text(text, encoding="utf-8")
    findings = preflight.missing_glyphs(reader.read(source), FONTS)
    assert len(findings) == 1 and findings[0].level == "error"
    message = findings[0].message
    assert "'ක'" in message and "U+0D9A" in message and "A 党的创新理论武装持续加强" in message
    assert "paragraph 1" in message
    line = text.splitlines().index(next(l for l in text.splitlines() if "ක" in l)) + 1
    assert findings[0].line == line


def test_seed_has_no_missing_glyph(seed_doc: object) -> None:
    assert preflight.missing_glyphs(seed_doc, FONTS) == []  # type: ignore[arg-type]


def test_low_resolution_image_warns(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    with Image.open(source.parent / "images" / "photo-1.jpg") as image:
        image.resize((300, 200)).save(source.parent / "images" / "photo-1.jpg", quality=90)
    written = builder.build(source, ["pdf"], tmp_path / "out")["pdf"]
    findings = preflight.preflight(reader.read(source), written, layouts.load("newspaper"))
    warnings = [f for f in findings if f.level == "warning" and "dpi" in f.message]
    assert len(warnings) == 1 and "page 1" in warnings[0].message
    # it says which picture, on which source line, and what would do
    line = next(i for i, l in enumerate(source.read_text(encoding="utf-8").splitlines(), 1) if "photo-1.jpg" in l)
    assert f"image 'photo-1.jpg' (line {line}) on page 1 prints at" in warnings[0].message
    assert warnings[0].line == line and "px wide" in warnings[0].message
    assert [d.dpi < preflight.MIN_DPI for d in preflight.image_resolutions(written)].count(True) == 1


def test_ragged_line_measure_sees_a_ragged_line() -> None:
    flush = [preflight.Line(1, 10, y, 110, y + 13.6, "一" * 10) for y in range(0, 200, 16)]
    indented = preflight.Line(1, 29, 208, 110, 221.6, "二" * 8)
    short = preflight.Line(1, 10, 224, 100, 237.6, "三" * 9)
    after = preflight.Line(1, 10, 240, 110, 253.6, "四" * 10)
    last = preflight.Line(1, 29, 256, 80, 269.6, "五" * 3)
    measured, ragged = preflight.ragged_lines(flush + [indented, short, after, last])
    assert ragged == [short]
    # the last line before each indented line ends a paragraph and is exempt
    assert measured == len(flush) - 1 + 2


def test_break_violations_found() -> None:
    lines = [preflight.Line(1, 0, 0, 100, 13, "，开头"), preflight.Line(1, 0, 16, 100, 29, "结尾“"),
             preflight.Line(1, 0, 32, 100, 45, "正常。")]
    assert len(preflight.break_violations(lines)) == 2


def test_missing_glyph_in_a_table_cell_or_footnote_is_found(tmp_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text("---\ntitle: 表\n---\n\n| 项 | 值 |\n|---|---|\n| 甲 | \U00013000 |\n\n"
                      "正文[^1]。\n\n[^1]: 注\U00013001。\n", encoding="utf-8")
    doc = reader.read(source)
    found = preflight.missing_glyphs(doc, list(layouts.load("newspaper").get("pdf.fonts")))
    text = " ".join(f.message for f in found)
    assert "U+13000" in text and "U+13001" in text
    assert [f.line for f in found] == [7, 11]


def test_the_print_edition_names_every_character_without_a_glyph_and_its_line(tmp_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text("---\ntitle: 表\n---\n\n甲\U00013000。\n\n乙\U00013001\U00013002。\n", encoding="utf-8")
    from publisher.errors import MissingGlyphs
    try:
        builder.build(source, ["pdf"], tmp_path / "out")
    except MissingGlyphs as error:
        message = error.message()
    else:
        raise AssertionError("built a PDF with tofu")
    assert message.startswith(f"{source}:5: 3 characters have no glyph in the layout's fonts: ")
    assert "'\U00013000' (U+13000, line 5), '\U00013001' (U+13001, line 7), '\U00013002' (U+13002, line 7)" in message
    assert "more" not in message
