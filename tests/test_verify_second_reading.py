"""The verifier's second reading of the source (markdown-it-py) catches what the reader loses.

A reader bug leaves the model, and so every edition, without some text: the model's own
check cannot see it. The second reading never saw the model, so it must.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from publisher import build as builder
from publisher import markdown_body
from publisher.model import Aside
from publisher.verify import source, verify

from .conftest import ROOT, SEED

REAL_COPY = ROOT / "tests" / "sources" / "real-copy.md"


def test_the_second_reading_finds_the_text_of_every_construct() -> None:
    texts = " ".join(t.text for t in source.read(REAL_COPY))
    for words in ("Folded body text", "Raw heading", "indented <code> & more", "Inline note words, over",
                  "Admonition body words.", "$E=mc^2$", "https://example.org/video", "Linked figure caption"):
        assert words in texts, words
    assert "{: " not in texts and "alert(" not in texts


def test_the_second_reading_names_source_lines() -> None:
    lines = {t.text.split()[0]: t.line for t in source.read(SEED)}
    assert min(lines.values()) > 10  # after the front matter, counted in the file


def test_a_reader_that_drops_text_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def details_without_body(self, element, depth):  # a reader bug: <details> keeps only its summary
        summary = element.find("summary")
        return [Aside("details", self.inlines(summary) if summary is not None else (), ())]
    monkeypatch.setattr(markdown_body._Builder, "block_details", details_without_body)
    written = builder.build(REAL_COPY, ["html", "docx"], tmp_path)
    results = verify(REAL_COPY, list(written.values()), tmp_path)
    for result in results:
        messages = [d.message() for d in result.differences]
        assert any("Folded body text" in m and "source line" in m for m in messages), messages


def test_a_renderer_that_drops_a_paragraph_is_named_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.renderers import htmlbody
    original = htmlbody.HtmlWriter.visit_paragraph

    def dropping(self, node):
        return "" if "Raw heading text follows" in node.text else original(self, node)
    monkeypatch.setattr(htmlbody.HtmlWriter, "visit_paragraph", dropping)
    written = builder.build(REAL_COPY, ["html"], tmp_path)
    messages = [d.message() for d in verify(REAL_COPY, [written["html"]], tmp_path)[0].differences]
    # the model's check names it, with its place; the second reading does not say it again
    assert messages == ['text "…wheadingtextfoll…" → "…wheading…" in "Raw headin…", paragraph 1'], messages
