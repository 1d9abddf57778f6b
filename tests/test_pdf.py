"""Print PDF edition: checks on the written PDF of the seed, in both print layouts."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from publisher import build as builder
from publisher import layout as layouts
from publisher import preflight
from publisher.facts import fold_width, normalise_text
from publisher.model import Document, Heading, Paragraph
from publisher.renderers.htmlbody import _NUMBER_CORE

from .conftest import SEED

LAYOUTS = ["newspaper", "report"]
#: page sizes in points (portrait): A3 for the newspaper, A4 for the report
SIZES = {"newspaper": (841.9, 1190.6), "report": (595.3, 841.9)}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed's PDF in each layout, built once: layout name → written file."""
    out = {}
    for name in LAYOUTS:
        folder = tmp_path_factory.mktemp(f"pdf-{name}")
        out[name] = builder.build(SEED, ["pdf"], folder, override=None if name == "newspaper" else name)["pdf"]
    return out


def pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("name", LAYOUTS)
def test_page_size_and_count(pdfs: dict[str, Path], name: str) -> None:
    reader = pypdf.PdfReader(pdfs[name])
    width, height = SIZES[name]
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (width, height)
    assert 1 <= len(reader.pages) <= (2 if name == "newspaper" else 6)


@pytest.mark.parametrize("name", LAYOUTS)
def test_fonts_embedded_and_subset(pdfs: dict[str, Path], name: str) -> None:
    rows = subprocess.run(["pdffonts", str(pdfs[name])], check=True, capture_output=True,
                          text=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        fields = row.split()
        assert fields[-5:-3] == ["yes", "yes"], f"not embedded and subset: {row}"
        assert re.match(r"[A-Z]{6}\+", fields[0]), f"no subset tag: {row}"
    names = " ".join(row.split()[0] for row in rows)
    for family in ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "Publisher-Latin-Serif"):
        assert family in names
    assert preflight.unembedded_fonts(pdfs[name]) == []


@pytest.mark.parametrize("name", LAYOUTS)
def test_body_lines_are_flush(pdfs: dict[str, Path], name: str) -> None:
    measured, ragged = preflight.ragged_lines(preflight.lines(pdfs[name]))
    assert measured > 150, "too few body lines found to judge"
    assert len(ragged) / measured <= 0.02, [line.text for line in ragged]


@pytest.mark.parametrize("name", LAYOUTS)
def test_no_forbidden_line_starts_or_ends(pdfs: dict[str, Path], name: str) -> None:
    assert preflight.break_violations(preflight.lines(pdfs[name])) == []


@pytest.mark.parametrize("name", LAYOUTS)
def test_numbers_never_split(pdfs: dict[str, Path], seed_doc: Document, name: str) -> None:
    lines = [fold_width(line.text) for line in preflight.lines(pdfs[name])]
    for block in seed_doc.blocks:
        if isinstance(block, Paragraph):
            for number in _NUMBER_CORE.findall(fold_width(block.text)):
                assert any(number in line for line in lines), f"{number} is split across lines"


@pytest.mark.parametrize("name", LAYOUTS)
def test_headings_keep_their_last_two_characters_together(pdfs: dict[str, Path], seed_doc: Document,
                                                           name: str) -> None:
    heads = [h.text for h in seed_doc.headings] + [seed_doc.meta.title]
    for line in preflight.lines(pdfs[name]):
        text = line.text.strip()
        for head in heads:
            if head != text and head.replace(" ", "").endswith(text) and len(text) == 1:
                pytest.fail(f"heading {head!r} leaves {text!r} alone on its last line")


@pytest.mark.parametrize("name", LAYOUTS)
def test_outline_equals_headings(pdfs: dict[str, Path], seed_doc: Document, name: str) -> None:
    reader = pypdf.PdfReader(pdfs[name])

    def walk(items: list, level: int) -> list[tuple[int, str]]:  # type: ignore[type-arg]
        out: list[tuple[int, str]] = []
        for item in items:
            out += walk(item, level + 1) if isinstance(item, list) else [(level, item.title)]
        return out

    expected = [(1, seed_doc.meta.title)] + [(h.level, h.text) for h in seed_doc.headings]
    assert walk(reader.outline, 1) == expected


@pytest.mark.parametrize("name", LAYOUTS)
def test_tagged_with_language_and_metadata(pdfs: dict[str, Path], seed_doc: Document, name: str) -> None:
    reader = pypdf.PdfReader(pdfs[name])
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    info = reader.metadata
    meta = seed_doc.meta
    assert info.title == meta.title and info.author == "黎禹君、江组轩" and info.subject == meta.subject
    assert info["/Keywords"] == ", ".join(meta.keywords)
    assert info["/CreationDate"].startswith("D:" + meta.date.replace("-", ""))
    figures = [obj for obj in _struct_elements(root["/StructTreeRoot"]) if obj.get("/S") == "/Figure"]
    assert len(figures) == len(seed_doc.figures)
    assert all(str(figure.get("/Alt", "")).strip() for figure in figures)


def _struct_elements(node: object) -> list[dict]:  # type: ignore[type-arg]
    """Every structure element under `node`, depth first."""
    node = node.get_object() if hasattr(node, "get_object") else node
    out = []
    if isinstance(node, dict):
        if "/S" in node:
            out.append(node)
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            out += _struct_elements(kid)
    return out


@pytest.mark.parametrize("name", LAYOUTS)
def test_extracted_text_is_the_source_text(pdfs: dict[str, Path], seed_doc: Document, name: str) -> None:
    text = pdftotext(pdfs[name], "-raw")
    han = r"[\u3400-\u9fff]"
    assert not re.search(f"{han},{han}", text), "ASCII comma between Han characters"
    pages = "".join(page.extract_text() for page in pypdf.PdfReader(pdfs[name]).pages)
    # the running footer (publication, date, page number) is drawn between body lines
    footer = re.escape(seed_doc.meta.publication) + r"\s*2025年1月20日\s*(?:\d+ / \d+|要闻\s*A03\s*第 \d+ 页)?"
    joined = normalise_text(re.sub(footer, "", pages))
    for block in seed_doc.blocks:
        if isinstance(block, (Paragraph, Heading)):
            assert normalise_text(block.text) in joined, block.text[:30]


def test_rebuild_is_byte_identical(pdfs: dict[str, Path], tmp_path: Path) -> None:
    again = builder.build(SEED, ["pdf"], tmp_path)["pdf"]
    assert again.read_bytes() == pdfs["newspaper"].read_bytes()


def test_preflight_passes_on_the_seed(pdfs: dict[str, Path], seed_doc: Document) -> None:
    findings = preflight.preflight(seed_doc, pdfs["newspaper"], layouts.load("newspaper"))
    assert [f for f in findings if f.level == "error"] == []


@pytest.mark.parametrize("source", [SEED, SEED.parent.parent / "tests" / "sources" / "mixed-report.md"])
def test_speed_patches_leave_the_bytes_unchanged(source: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns laid out once, lines kept across balancing passes, streams compressed once,
    font files read on demand: the same PDF as WeasyPrint's own code paths write."""
    import contextlib

    from publisher.renderers import pdf as pdf_renderer
    fast = builder.build(source, ["pdf"], tmp_path / "fast")["pdf"].read_bytes()
    for patch in ("single_pass_columns", "lines_kept_while_balancing", "lean_writing"):
        monkeypatch.setattr(pdf_renderer, patch, contextlib.nullcontext)
    plain = builder.build(source, ["pdf"], tmp_path / "plain")["pdf"].read_bytes()
    assert fast == plain
