"""DAISY Ace, the EPUB accessibility checker reading systems and libraries use, on every EPUB
of the seed, the test sources and the corpus: no violation (it runs axe-core in Debian's
chromium over each content document and checks the package's accessibility metadata).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from publisher import build as builder

from .conftest import CHROMIUM, ROOT
from .test_corpus import DOCUMENTS, built  # noqa: F401  (the corpus fixture)

ACE = ROOT / ".tools" / "node_modules" / ".bin" / "ace-puppeteer"
SOURCES = [ROOT / "sources" / "jiangmen-party-building.md"] + sorted((ROOT / "tests" / "sources").glob("*.md"))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not ACE.is_file() or not CHROMIUM.is_file(),
                                 reason="DAISY Ace or chromium not installed (tools/setup.sh test installs them)")]


def violations(epub: Path, out: Path) -> list[str]:
    """Ace's violations of `epub`, one line each (rule, impact, what it says)."""
    result = subprocess.run([str(ACE), "--silent", "-o", str(out), "-f", str(epub)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM)})
    assert (out / "report.json").is_file(), result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return [f"{test['earl:test']['dct:title']} ({test['earl:test'].get('earl:impact')}): "
            f"{test['earl:result']['dct:description'][:200]}"
            for document in report["assertions"] for test in document["assertions"]]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ace_finds_nothing(source: Path, tmp_path: Path) -> None:
    epub = builder.build(source, ["epub"], tmp_path / "out")["epub"]
    assert violations(epub, tmp_path / "ace") == []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_ace_finds_nothing_in_the_corpus(name: str, built: dict[str, subprocess.CompletedProcess[str]],  # noqa: F811
                                         tmp_path: Path) -> None:
    assert violations(built[name].out / f"{name}.epub", tmp_path / "ace") == []  # type: ignore[attr-defined]
