"""No false alarms: the seed and two sources of other shapes verify clean in every edition."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pypdf import PdfReader

from publisher import build as builder
from publisher import reader
from publisher.model import Document
from publisher.verify import check, expect, extractor
from publisher.verify.compare import compare

SOURCES = Path(__file__).resolve().parent / "sources"
FORMATS = ["pdf", "docx", "html", "epub"]
#: lists, a table, footnotes, a quote, mixed Chinese and English, numbers in headings
MIXED = SOURCES / "mixed-report.md"
#: short, no section headings, a portrait JPEG and a square PNG
SHORT = SOURCES / "short-note.md"


@pytest.fixture(scope="session")
def other_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The two extra sources built once per session: source name → format → file."""
    out = tmp_path_factory.mktemp("verify-sources")
    return {source.name: builder.build(source, FORMATS, out) for source in (MIXED, SHORT)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_seed_verifies_clean(fmt: str, seed_doc: Document, seed_editions: dict[str, Path]) -> None:
    result = check(expect(seed_doc), seed_editions[fmt])
    assert [d.message() for d in result.differences] == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("source", [MIXED, SHORT], ids=["mixed-report", "short-note"])
def test_other_shapes_verify_clean(source: Path, fmt: str,
                                   other_editions: dict[str, dict[str, Path]]) -> None:
    result = check(expect(reader.read(source)), other_editions[source.name][fmt])
    assert [d.message() for d in result.differences] == []


def test_the_mixed_source_has_the_shapes_it_claims() -> None:
    doc = reader.read(MIXED)
    kinds = {type(block).__name__ for block in doc.blocks}
    assert {"ListBlock", "Table", "Quote", "Figure"} <= kinds
    assert doc.footnotes and any(ch.isdigit() for h in doc.headings for ch in h.text)
    assert any("Qiaoxiang" in p for p in expect(doc).facts.paragraphs)


def test_the_short_source_has_other_pictures() -> None:
    doc = reader.read(SHORT)
    assert [f.src.suffix for f in doc.figures] == [".jpg", ".png"]
    assert doc.figures[0].height > doc.figures[0].width  # a portrait picture


def test_pdf_counts_the_images_each_page_draws(seed_doc: Document, seed_editions: dict[str, Path]) -> None:
    pdf = seed_editions["pdf"]
    listed = sum(len(page.images) for page in PdfReader(pdf).pages)
    facts = extractor("pdf")(pdf)
    assert len(facts.figures) == len(seed_doc.figures) == 4
    assert listed > len(facts.figures)  # every page lists the shared images, so page.images would overcount
    assert [f.number for f in facts.figures] == [1, 2, 3, 4]


def test_heading_levels_match_in_every_edition(seed_doc: Document, seed_editions: dict[str, Path]) -> None:
    want = [(h.level, h.text) for h in expect(seed_doc).facts.headings]
    for fmt in FORMATS:
        got = [(h.level, h.text) for h in extractor(fmt)(seed_editions[fmt]).headings]
        assert [level for level, _ in got] == [level for level, _ in want], fmt


def test_a_changed_number_just_above_the_running_foot_is_caught(
        seed_doc: Document, seed_editions: dict[str, Path]) -> None:
    facts = extractor("pdf")(seed_editions["pdf"])
    page = facts.paragraphs[0]
    lines = page.rstrip().splitlines()
    assert "江门日报" in lines[-1] and "8000多名" in "".join(lines[-6:])  # the last paragraph, then the foot
    tampered = dataclasses.replace(facts, paragraphs=[page.replace("8000多名", "8800多名")] + facts.paragraphs[1:])
    differences = compare(expect(seed_doc), tampered)
    assert [d.message() for d in differences] == [
        'number 8000多名 → 8800多名 in "——突出“容错免责”…", paragraph 7, page 1, source line 84']


def test_running_heads_and_page_numbers_are_not_numbers_of_the_text(
        seed_doc: Document, seed_editions: dict[str, Path]) -> None:
    facts = extractor("pdf")(seed_editions["pdf"])
    footer = facts.paragraphs[0].rstrip().splitlines()[-1]
    assert "江门日报" in footer and "1" in footer  # the foot: publication, date, page label and number
    assert compare(expect(seed_doc), facts) == []
    # the same foot in the middle of a page is not furniture: its numbers are extra
    lines = facts.paragraphs[1].splitlines()
    middle = "\n".join(lines[:10] + ["第 7 页 共 9 版"] + lines[10:])
    tampered = dataclasses.replace(facts, paragraphs=[facts.paragraphs[0], middle])
    found = [d.found for d in compare(expect(seed_doc), tampered) if d.change == "extra"]
    assert found == ["7页", "9版"]


def test_pdf_caption_labels() -> None:
    from publisher.verify.pdf import find_captions
    page = "图1 甲。 图2 乙。\n正文如图2所示，又如 图 2 所 示。\n  图 3 丙\n"
    assert [number for number, _ in find_captions(page)] == [1, 2, 3]  # side by side, then alone
    assert find_captions(page)[0] == (1, "甲。 ")
