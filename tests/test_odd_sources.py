"""Odd sources a reviewer tried: each builds (or is refused with exit 2), loses nothing, verifies clean."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from .conftest import ROOT

#: name → (source text, words the HTML edition must show, warning text expected or "")
CASES = {
    "raw-sup-fnref": ('<p>x<sup id="fnref1">abc</sup> words here</p>\n', ["abc", "words here"], ""),
    "picture-and-list-in-a-cell": ('<table><tr><td><p><img src="a.png" alt="Cell picture caption"></p></td>'
                                   "<td><ul><li>list item in cell</li></ul></td>"
                                   "<td><blockquote>quoted in cell</blockquote></td></tr></table>\n",
                                   ["Cell picture caption", "list item in cell", "quoted in cell"], ""),
    "prose-that-looks-like-metadata": ("Summary: Sales rose five percent this year across regions.\n\n# Report\n\n"
                                       "Body.\n", ["Sales rose five percent"], ""),
    "four-percent-lines": ("% A title\n% Ann\n% 2024-01-02\n% Fourth line text\n\nBody.\n",
                           ["Fourth line text"], ""),
    "unclosed-style": ("# T\n\nBefore.\n\n<style>p{color:red}\n\nAfter the style paragraph.\n",
                       ["After the style paragraph."], "is never closed"),
    "legacy-entity-names-in-a-url": ("See https://example.com/?a=1&section=2&times=3 here.\n",
                                     ["&amp;section=", "&amp;times="], ""),
    "inline-note-syntax-in-code": ("Use `x^[1]` in the regex.\n", ["x^[1]"], ""),
    "empty-heading": ("# T\n\nText.\n\n##\n\nMore text.\n", ["More text."], "empty heading"),
    "capitalised-fields": ("---\nTitle: Caps title\nAuthor: Ann Lee\n---\n\nBody.\n", ["Caps title", "Ann Lee"], ""),
    "zero-width-picture": ('# T\n\n<img src="a.png" alt="Zero width caption" width="0">\n',
                           ["Zero width caption"], ""),
    "marks-split-by-notes": ("~~strike[^1]~~ and ==mark[^2]== words here.\n\nA ref in a note.[^3]\n\n"
                             "[^1]: One.\n[^2]: Two.\n[^3]: Note three with ref[^4].\n[^4]: Four.\n",
                             ["strike", "mark", "Note three with ref"], ""),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_source_builds_keeps_its_words_and_verifies(name: str, tmp_path: Path) -> None:
    text, words, warning = CASES[name]
    Image.new("RGB", (40, 30), (90, 30, 160)).save(tmp_path / "a.png")
    source = tmp_path / f"{name}.md"
    source.write_text(text, encoding="utf-8")
    built = run("build", str(source), "--formats", "html,docx,epub", "--out", str(tmp_path / "out"), "--verify")
    assert built.returncode == 0, built.stdout + built.stderr
    html = (tmp_path / "out" / f"{name}.html").read_text(encoding="utf-8")
    for word in words:
        assert word in html.replace('<span class="num">', "").replace("</span>", ""), word
    assert (warning in built.stderr) if warning else "internal error" not in built.stderr


def test_nesting_no_renderer_can_follow_is_bad_input(tmp_path: Path) -> None:
    source = tmp_path / "deep.md"
    source.write_text("# T\n\n" + "*" * 500 + "emph" + "*" * 500 + "\n", encoding="utf-8")
    built = run("build", str(source), "--formats", "html,docx", "--out", str(tmp_path / "out"))
    assert built.returncode == 2 and "nests emphasis, links or lists too deeply" in built.stderr
    assert "Traceback" not in built.stderr
