"""The real documents of ../shared/corpus build as they are, in every edition, and verify clean.

CI has shared/ beside the checkout (read-only): the corpus is copied to a temporary folder,
its stand-in pictures drawn there (make_standins.py), and each document built with
`publisher build --verify`. The validators then read the editions: epubcheck, the Nu Html
Checker and openxml-audit.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT
from .test_docx import AUDIT
from .test_epub import epubcheck
from .test_html import vnu_errors

CORPUS = ROOT.parent / "shared" / "corpus"
DOCUMENTS = sorted(d.name for d in CORPUS.iterdir() if (d / f"{d.name}.md").is_file()) if CORPUS.is_dir() else []

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DOCUMENTS, reason=f"no corpus at {CORPUS} (CI has shared/ beside the checkout)")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each document built as it is with --verify: name → the finished command."""
    work = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, work, dirs_exist_ok=True)
    for path in work.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    subprocess.run([sys.executable, str(work / "make_standins.py"), str(work)], check=True, capture_output=True)
    runs = {}
    for name in DOCUMENTS:
        runs[name] = subprocess.run([sys.executable, "-m", "publisher", "build", str(work / name / f"{name}.md"),
                                     "--out", str(work / name / "out"), "--verify"],
                                    capture_output=True, text=True, cwd=ROOT, timeout=600)
        runs[name].out = work / name / "out"  # type: ignore[attr-defined]
    return runs


def test_the_corpus_is_there() -> None:
    assert len(DOCUMENTS) == 10


@pytest.mark.parametrize("name", DOCUMENTS)
def test_builds_as_it_is_and_verifies_clean(name: str, built: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = built[name]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "all 4 editions agree" in run.stdout
    for line in run.stderr.splitlines():  # every warning names its file (and, where known, its line)
        assert line.startswith(("publisher: warning: ", "publisher: ")) and f"{name}.md" in line, line


@pytest.mark.parametrize("name", DOCUMENTS)
def test_epubcheck_is_clean(name: str, built: dict[str, subprocess.CompletedProcess[str]]) -> None:
    report = epubcheck(built[name].out / f"{name}.epub")  # type: ignore[attr-defined]
    assert "0 fatals / 0 errors / 0 warnings" in report, report


def test_nu_html_checker_is_clean(built: dict[str, subprocess.CompletedProcess[str]]) -> None:
    for name, run in built.items():
        assert vnu_errors(run.out / f"{name}.html") == "", name  # type: ignore[attr-defined]


@pytest.mark.skipif(AUDIT is None, reason="openxml-audit not installed (pip install -e .[test])")
@pytest.mark.parametrize("name", DOCUMENTS)
def test_openxml_audit_is_clean(name: str, built: dict[str, subprocess.CompletedProcess[str]]) -> None:
    path = built[name].out / f"{name}.docx"  # type: ignore[attr-defined]
    for version in ("office2016", "microsoft365"):  # what departments open it in
        result = subprocess.run([str(AUDIT), "-f", version, "-o", "json", str(path)], capture_output=True, text=True,
                                timeout=120)
        report = json.loads(result.stdout)[0]
        assert (report["error_count"], report["warning_count"]) == (0, 0), (version, report["errors"])
