"""Bad and hostile sources: exit code 2, one clear line, no traceback, nothing lost."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import yaml
from PIL import Image

from publisher import build as builder

from .conftest import ROOT

CASES_DIR = Path(__file__).parent / "bad_inputs"
CASES: dict[str, dict] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))
FORMATS = list(builder.RENDERERS)
GOOD = "---\ntitle: 好的来源\n---\n\n正文有98次和5.6%。\n\n![说明](images/ok.png)\n"


def _images(case: Path) -> Path:
    folder = case / "images"
    folder.mkdir(exist_ok=True)
    Image.new("RGB", (60, 40), (30, 90, 160)).save(folder / "ok.png")
    return folder


def _jpeg(path: Path) -> None:
    Image.new("RGB", (400, 300), (200, 120, 40)).save(path, "JPEG")


def gen_path_escapes_folder(case: Path) -> None:
    Image.new("RGB", (10, 10)).save(case.parent / "outside.png")


def gen_symlink_escapes_folder(case: Path) -> None:
    Image.new("RGB", (10, 10)).save(case.parent / "secret.png")
    (_images(case) / "link.png").symlink_to(case.parent / "secret.png")


def gen_truncated_jpeg(case: Path) -> None:
    _jpeg(_images(case) / "full.jpg")
    data = (case / "images" / "full.jpg").read_bytes()
    (case / "images" / "cut.jpg").write_bytes(data[: len(data) // 2])


def gen_corrupt_png(case: Path) -> None:
    (_images(case) / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))


def gen_decompression_bomb(case: Path) -> None:
    Image.new("1", (12000, 12000)).save(_images(case) / "bomb.png")


def gen_not_utf8(case: Path) -> None:
    (case / "doc.md").write_bytes("---\ntitle: 标题\n---\n".encode("gbk"))


def gen_utf16_bom(case: Path) -> None:
    (case / "doc.md").write_bytes("---\ntitle: 标题\n---\n\n正文。\n".encode("utf-16"))


def gen_huge_paragraph(case: Path) -> None:
    (case / "doc.md").write_text("---\ntitle: 大\n---\n\n" + "很长的段落。" * 1_200_000, encoding="utf-8")


def gen_deeply_nested_lists(case: Path) -> None:
    items = "".join("    " * i + "- 层\n" for i in range(120))
    (case / "doc.md").write_text("---\ntitle: 深\n---\n\n" + items, encoding="utf-8")


def gen_deeply_nested_quotes(case: Path) -> None:
    (case / "doc.md").write_text("---\ntitle: 深\n---\n\n" + "> " * 200 + "引文\n", encoding="utf-8")


def gen_layout_template_error(case: Path) -> None:
    layouts = case / "layouts"
    shutil.copytree(ROOT / "layouts", layouts)
    broken = layouts / "broken"
    broken.mkdir()
    (broken / "layout.yaml").write_text("extends: ereader\n", encoding="utf-8")
    for template in (ROOT / "layouts").rglob("*.j2"):
        (broken / template.name).write_text("{% if %}broken", encoding="utf-8")


def _layout_copy(case: Path, name: str, yaml_text: str) -> None:
    layouts = case / "layouts"
    shutil.copytree(ROOT / "layouts", layouts)
    (layouts / name).mkdir()
    (layouts / name / "layout.yaml").write_text(yaml_text, encoding="utf-8")


def gen_layout_bad_format_string(case: Path) -> None:
    _layout_copy(case, "badlabel", "extends: ereader\nhtml:\n  figure_label: '图{n}'\n")


def gen_layout_unknown_docx_style(case: Path) -> None:
    _layout_copy(case, "badstyle", "extends: department\ndocx:\n  styles:\n    Quote: {based_on: Nosuch}\n")


def gen_source_is_a_folder(case: Path) -> None:
    (case / "doc.md").unlink()
    (case / "doc.md").mkdir()


GENERATORS: dict[str, Callable[[Path], None]] = {
    name[4:].replace("_", "-"): fn for name, fn in list(globals().items()) if name.startswith("gen_")}


@pytest.fixture(scope="module")
def good_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs of an earlier good build of doc.md, to be kept by every failed build."""
    work = tmp_path_factory.mktemp("good")
    _images(work)
    (work / "doc.md").write_text(GOOD, encoding="utf-8")
    builder.build(work / "doc.md", FORMATS, work / "out")
    return work / "out"


def run_build(case: Path, out: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "publisher", "build", str(case / "doc.md"), "--out", str(out), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name: str, tmp_path: Path, good_outputs: Path) -> None:
    spec = CASES[name]
    case = tmp_path / "case"
    shutil.copytree(CASES_DIR / name, case)
    _images(case)
    GENERATORS.get(name, lambda c: None)(case)
    out = case / "out"
    shutil.copytree(good_outputs, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    env = dict(os.environ)
    if (case / "layouts").is_dir():
        env["PUBLISHER_LAYOUTS"] = str(case / "layouts")
    target = out
    if spec.get("out") == "blocked":
        target = case / "blocked"
        target.write_text("a file where the output folder should be")
    result = run_build(case, target, [str(a) for a in spec.get("args", [])], env)

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("publisher: error: ")
    assert spec["expect"] in lines[0]
    if "line" in spec:
        assert f"doc.md:{spec['line']}:" in lines[0]
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before, "earlier outputs changed or temporary files were left"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert sorted(CASES) == sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    _images(tmp_path)
    (tmp_path / "doc.md").write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    result = run_build(tmp_path, tmp_path / "out", ["--formats", "html"], dict(os.environ))
    assert result.returncode == 0, result.stderr
