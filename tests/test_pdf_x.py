"""PDF/X for the printer: a CMYK output intent from the layout, reproducible, or a clear refusal."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from .conftest import ROOT, SEED, assert_one_line_error, copy_source

GHOSTSCRIPT_ICC = Path("/usr/share/color/icc/ghostscript")
pytestmark = pytest.mark.skipif(not (GHOSTSCRIPT_ICC / "default_cmyk.icc").is_file(),
                                reason="needs libgs-common (tools/setup.sh installs it)")


def press_layout(tmp_path: Path, extra: str = "") -> dict[str, str]:
    """The layouts with one more, `press`: the newspaper as PDF/X-4."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    (tmp_path / "layouts" / "press").mkdir()
    (tmp_path / "layouts" / "press" / "layout.yaml").write_text(
        f"extends: newspaper\npdf:\n  variant: pdf/x-4\n{extra}", encoding="utf-8")
    return {**os.environ, "PUBLISHER_LAYOUTS": str(tmp_path / "layouts")}


def build(source: Path, target: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--layout", "press",
                           "-o", str(target)], capture_output=True, text=True, env=env)


def test_a_pdf_x4_carries_the_printers_cmyk_profile_and_builds_the_same_twice(tmp_path: Path) -> None:
    env = press_layout(tmp_path)
    source = copy_source(SEED, tmp_path / "src")
    for name in ("one.pdf", "two.pdf"):
        assert build(source, tmp_path / name, env).returncode == 0
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()
    with pikepdf.open(tmp_path / "one.pdf") as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[16:20] == b"CMYK" and profile[36:40] == b"acsp"
        assert pdf.pdf_version >= "1.6" and pdf.docinfo.Trapped == "/False"
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
    verified = subprocess.run([sys.executable, "-m", "publisher", "verify", str(source), str(tmp_path / "one.pdf")],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout


@pytest.mark.parametrize("profile, says", [
    ("/usr/share/color/icc/ghostscript/default_rgb.icc", "is a RGB profile, not CMYK"),
    ("/nowhere/printer.icc", "cannot be read: No such file or directory"),
    ("layout.yaml", "is not an ICC profile"),
    ("''", "needs the printer's CMYK profile (name its .icc file in pdf.output_profile)"),
])
def test_a_profile_that_cannot_be_the_output_intent_is_refused(tmp_path: Path, profile: str, says: str) -> None:
    env = press_layout(tmp_path, f"  output_profile: {profile}\n")
    result = build(copy_source(SEED, tmp_path / "src"), tmp_path / "x.pdf", env)
    assert_one_line_error(result, "press/layout.yaml", says)
    assert not (tmp_path / "x.pdf").exists()


def test_a_pdf_x_needs_a_date_to_be_reproducible(tmp_path: Path) -> None:
    env = {key: value for key, value in press_layout(tmp_path).items() if key != "SOURCE_DATE_EPOCH"}
    source = tmp_path / "undated.md"
    source.write_text("---\ntitle: 无日期\n---\n\n正文。\n", encoding="utf-8")
    assert_one_line_error(build(source, tmp_path / "x.pdf", env),
                          "a pdf/x-4 edition carries its creation date, and this source has none")
