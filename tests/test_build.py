"""Building: the CLI, atomic and reproducible outputs, concurrent builds, make dependencies."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from publisher import build as builder
from publisher.errors import RenderError

from .conftest import SEED, copy_source

FORMATS = list(builder.RENDERERS)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, check=False)


@pytest.mark.parametrize("command", [[], ["build"], ["verify"], ["deps"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0 and "usage: publisher" in result.stdout


def test_usage_error_is_one_line_with_exit_2() -> None:
    result = cli("build")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_seed_builds_every_edition(seed_editions: dict[str, Path]) -> None:
    assert sorted(seed_editions) == sorted(FORMATS)
    for fmt, path in seed_editions.items():
        assert path.name == f"jiangmen-party-building.{fmt}" and path.stat().st_size > 1000


def test_two_checkouts_give_byte_identical_editions(tmp_path: Path) -> None:
    first = copy_source(SEED, tmp_path / "a")
    second = copy_source(SEED, tmp_path / "elsewhere" / "b")
    one = builder.build(first, FORMATS, tmp_path / "out-a")
    two = builder.build(second, FORMATS, tmp_path / "out-b")
    for fmt in FORMATS:
        assert one[fmt].read_bytes() == two[fmt].read_bytes(), f"{fmt} differs between checkouts"


def test_failed_render_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_source(SEED, tmp_path / "src")
    out = tmp_path / "out"
    builder.build(source, ["html"], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    real = builder.renderer

    def failing(fmt: str):
        if fmt == "docx":
            def render(doc, layout):
                raise RenderError("simulated failure")
            return render
        return real(fmt)

    monkeypatch.setattr(builder, "renderer", failing)
    with pytest.raises(RenderError):
        builder.build(source, ["html", "docx"], out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_two_builds_of_one_source_at_once(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "publisher", "build", str(source), "--out", str(out),
               "--formats", "html,docx,epub"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
    reference = builder.build(source, ["html", "docx", "epub"], tmp_path / "ref")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference.values())
    for fmt, path in reference.items():
        assert (out / path.name).read_bytes() == path.read_bytes()


def test_make_rules_name_images_and_only_the_edition_layout(tmp_path: Path) -> None:
    rules = dict(line.partition(":")[::2] for line in builder.make_rules(SEED, Path("output")).splitlines())
    rules = {target: deps.strip() for target, deps in rules.items()}
    docx_deps = rules["output/jiangmen-party-building.docx"].split()
    pdf_deps = rules["output/jiangmen-party-building.pdf"].split()
    assert any(d.endswith("images/photo-1.jpg") for d in docx_deps)
    assert any("layouts/department/" in d for d in docx_deps)
    assert not any("layouts/department/" in d for d in pdf_deps)
    assert any("layouts/newspaper/" in d for d in pdf_deps)
    # the layout folders too (a file added to one), and the rules file depends on them
    assert any(d.endswith("layouts/department") for d in docx_deps)
    # … and its pictures: a source that lost one is read again, and is one bad source
    again = rules["output/jiangmen-party-building.d"].split()
    layouts = ("base", "newspaper", "department", "ereader")
    assert sorted(d.split("layouts/")[-1] for d in again) == sorted(  # and the layout.yaml of each (extends:)
        [*layouts, *(f"{name}/layout.yaml" for name in layouts), *(f"sources/images/photo-{n}.jpg" for n in range(1, 5))])
    # every dependency but the source has an empty rule: one deleted since does not stop make
    # (and a name make cannot carry, 'a;b.png', is followed through its folder: tests/test_make.py)
    assert all(rules[d] == "" for d in pdf_deps if not d.endswith(".md"))


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    blocked = tmp_path / "out"
    blocked.write_text("not a folder")
    result = cli("build", str(SEED), "--formats", "html", "--out", str(blocked))
    assert result.returncode == 2 and "cannot write to output folder" in result.stderr


def test_a_repeated_format_is_built_once(tmp_path: Path) -> None:
    source = copy_source(Path(__file__).parent / "sources" / "short-note.md", tmp_path / "src")
    out = tmp_path / "out"
    result = cli("build", str(source), "--formats", "html,HTML,html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("wrote ") == 1
    assert [p.name for p in out.iterdir()] == ["short-note.html"]  # no staged file left behind


def test_sigterm_during_the_pdf_leaves_nothing_behind(tmp_path: Path) -> None:
    """The DOCX, HTML and EPUB wait as staged files while the PDF renders: a SIGTERM
    then removes them, stops the PDF worker and leaves the earlier outputs as they were."""
    import signal
    import time

    source = copy_source(SEED, tmp_path / "src")
    out = tmp_path / "out"
    builder.build(source, ["html"], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run = subprocess.Popen([sys.executable, "-m", "publisher", "build", str(source), "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.poll() is None, "the build ended before anything was staged"
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    workers = subprocess.run(["pgrep", "-f", f"publisher build {source}"], capture_output=True, text=True)
    assert workers.stdout == ""


def test_a_character_no_font_has_stops_the_pdf_alone(tmp_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text("---\ntitle: 字形\n---\n\n正文。\n\n这里有𓀀一个字。\n", encoding="utf-8")
    result = cli("build", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{source}:7: character '𓀀' (U+13000) has no glyph" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doc.docx", "doc.epub", "doc.html"]


def test_warnings_are_one_line_each_with_a_count_and_strict_makes_them_errors(tmp_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text("# Title\n\nSee [there](other.md).\n\n<script>x()</script>\n", encoding="utf-8")
    result = cli("build", str(source), "--formats", "html", "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["warning", "warning"]
    assert all(f"{source}:" in line for line in lines[:-1]) and lines[-1] == "publisher: 2 warnings for doc.md"
    quiet = cli("build", str(source), "--formats", "html", "--out", str(tmp_path / "quiet"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    deps = cli("deps", str(source), "--out", str(tmp_path / "out"))  # make prints them from here, once
    assert deps.returncode == 0 and deps.stderr.strip().splitlines() == lines
    strict = cli("build", str(source), "--formats", "html", "--out", str(tmp_path / "strict"), "--strict")
    assert strict.returncode == 2 and not (tmp_path / "strict").exists()
    assert len(strict.stderr.strip().splitlines()) == 2 and strict.stderr.startswith("publisher: error: ")
