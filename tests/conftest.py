"""Shared fixtures: the bundled report, its model, and editions built once per session."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from publisher import build as builder
from publisher import reader
from publisher.model import Document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "jiangmen-party-building.md"
#: a copy of ../shared/seeds/000_b63e388c8b0633c0.txt, the report the bundled source was made from
SEED_TEXT = ROOT / "tests" / "data" / "seed-000_b63e388c8b0633c0.txt"


@pytest.fixture(scope="session")
def seed_source() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_doc() -> Document:
    return reader.read(SEED)


@pytest.fixture(scope="session")
def seed_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed built once per test session into a temp folder: format → written file."""
    out = tmp_path_factory.mktemp("seed-editions")
    return builder.build(SEED, list(builder.RENDERERS), out)


def copy_source(source: Path, dest: Path) -> Path:
    """Copy a source and its images folder into `dest`; return the new source path."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, dest / source.name)
    images = source.parent / "images"
    if images.is_dir():
        shutil.copytree(images, dest / "images", dirs_exist_ok=True)
    return dest / source.name


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 2, one line on stderr, no traceback, and the line says each of `expected`."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("publisher: error: ")
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


#: Debian's chromium, which Playwright drives (it cannot download browsers here)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium for the browser tests of one module."""
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium is not installed (tools/setup.sh test installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
