"""The Makefile as editors use it: `make` in a temporary copy of the project.

The copy gets its own `.venv` folder of symlinks to the project's (bin, lib, ...) with stamps of its
own, newer than its pyproject.toml, and a tools/setup.sh that fails loudly: nothing is installed,
and the project's venv is never touched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT = ROOT / "tests" / "sources"
SETUP_RAN = "tools/setup.sh must not run in this copy"

pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "publisher").exists(),
                                reason="needs make and the project's .venv")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("publisher", "layouts"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "tools").mkdir()
    setup = copy / "tools" / "setup.sh"
    setup.write_text(f'#!/bin/sh\necho "{SETUP_RAN}" >&2\nexit 97\n')
    setup.chmod(0o755)
    venv = copy / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if not entry.name.startswith("."):  # not the project's stamps
            (venv / entry.name).symlink_to(entry)
    earlier = time.time() - 60  # what the stamps depend on is older than they are
    for name in ("pyproject.toml", "tools/setup.sh"):
        os.utime(copy / name, (earlier, earlier))
    for stamp in (".setup-build", ".setup-test"):
        (venv / stamp).touch()
    (copy / "sources").mkdir()
    return copy


#: what a make running these tests (`make test`, as CI does) hands down to a make it starts
_PARENT_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES")


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the copy, as an editor's shell runs it (not as a sub-make of `make test`)."""
    env = {key: value for key, value in os.environ.items() if key not in _PARENT_MAKE}
    env["PUBLISHER_LAYOUTS"] = str(project / "layouts")  # the copy's layouts (its code is the project's)
    done = subprocess.run(["make", *args], cwd=project, capture_output=True, text=True, timeout=240, env=env)
    assert SETUP_RAN not in done.stderr, "the copy ran tools/setup.sh"
    return done


def add_short_note(project: Path, name: str = "short-note.md") -> None:
    shutil.copytree(SHORT / "images", project / "sources" / "images", dirs_exist_ok=True)
    shutil.copy(SHORT / "short-note.md", project / "sources" / name)


def test_help_lists_each_target_on_one_line(project: Path) -> None:
    done = make(project, "help")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    targets = [line.split()[1] for line in lines]
    assert all(line.startswith("make ") and len(line.split()) > 2 for line in lines)
    assert sorted(targets) == sorted(["all", "pdf", "docx", "html", "epub", "verify", "test", "bench",
                                      "preview", "fuzz", "clean", "help"])
    assert done.stderr == ""


@pytest.mark.parametrize("folder", [True, False], ids=["empty sources", "no sources folder"])
def test_no_sources_says_so_in_one_line(project: Path, folder: bool) -> None:
    if not folder:
        (project / "sources").rmdir()
    done = make(project)
    assert done.returncode == 0
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["make: no sources to build: put a Markdown file in sources/ "
                                        "(sources/<name>.md, its images beside it) and run make again"]
    assert not (project / "output").exists()


def test_preview_passes_the_port(project: Path) -> None:
    add_short_note(project)
    assert make(project, "-n", "preview", "PREVIEW_PORT=8123").stdout.splitlines() == [
        ".venv/bin/publisher preview sources/short-note.md --port 8123"]
    assert make(project, "-n", "preview").stdout.splitlines() == [
        ".venv/bin/publisher preview sources/short-note.md --port 8000"]


def test_make_test_runs_pytest_as_before(project: Path) -> None:
    add_short_note(project)
    done = make(project, "-n", "test")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [".venv/bin/python -m pytest"]
    assert not (project / "output").exists()  # no per-source dependencies for `make test`


@pytest.mark.slow
def test_a_bad_source_does_not_stop_the_others(project: Path, tmp_path: Path) -> None:
    add_short_note(project)
    add_short_note(project, "报告.md")  # a CJK name builds
    add_short_note(project, "my report.md")  # refused: a space
    add_short_note(project, "a#b.md")  # refused: '#'
    (project / "sources" / "drafts").mkdir()
    shutil.copy(SHORT / "short-note.md", project / "sources" / "drafts" / "draft.md")  # subfolders: not built
    (project / "sources" / "bad.md").write_text("---\ntitle: Bad\n---\n\n![one](images/nope-1.jpg)\n\n"
                                                "![two](images/nope-2.jpg)\n", encoding="utf-8")
    out = project / "output"
    summary = ("make: 3 of 5 sources not built: sources/a#b.md, sources/bad.md, sources/my report.md "
               "(fix the errors above and run make again)")

    for run in ("first", "again"):
        done = make(project)
        assert done.returncode == 2, (run, done.stdout, done.stderr)
        errors = done.stderr.splitlines()
        for stem in ("short-note", "报告"):
            assert all((out / f"{stem}.{ext}").is_file() for ext in ("pdf", "docx", "html", "epub", "verified"))
        assert not list(out.glob("bad.*[!d]")) and not list(out.glob("draft.*")) and not list(out.glob("my*"))
        for missing, line in (("nope-1.jpg", 5), ("nope-2.jpg", 7)):
            assert [e for e in errors if missing in e] == [
                f"publisher: error: sources/bad.md:{line}: image 'images/{missing}' not found "
                f"(looked in {project / 'sources'})"]
        for odd, fixed in (("my report.md", "my-report.md"), ("a#b.md", "a-b.md")):
            refused = [e for e in errors if e.startswith(f"make: sources/{odd}:")]
            assert len(refused) == 1 and refused[0].endswith(f"(rename it, e.g. to sources/{fixed})"), errors
        assert errors.count(summary) == 1, done.stderr
        assert ("wrote" in done.stdout) == (run == "first")  # the second run builds nothing again

    # make's editions are the ones `publisher build` writes
    direct = tmp_path / "direct"
    subprocess.run([str(project / ".venv/bin/publisher"), "build", "sources/short-note.md", "--out", str(direct)],
                   cwd=project, check=True, capture_output=True)
    for ext in ("pdf", "docx", "html", "epub"):
        assert (out / f"short-note.{ext}").read_bytes() == (direct / f"short-note.{ext}").read_bytes(), ext

    # the bad source is read again on the next make: once fixed (its pictures added), it builds
    for name in ("nope-1.jpg", "nope-2.jpg"):
        shutil.copy(SHORT / "images" / "map.jpg", project / "sources" / "images" / name)
    for odd in ("my report.md", "a#b.md"):
        (project / "sources" / odd).unlink()
    done = make(project)
    assert done.returncode == 0, done.stderr
    assert (out / "bad.verified").is_file()
    assert make(project).stdout.strip() == "make: Nothing to be done for 'all'."


def built_by_make(done: subprocess.CompletedProcess[str]) -> set[str]:
    """The editions a `make` run built, by their suffix."""
    return {line.split("--formats ")[1].split()[0] for line in done.stdout.splitlines()
            if line.startswith(".venv/bin/publisher build ")}


@pytest.mark.slow
def test_an_edition_built_by_hand_with_another_layout_is_not_taken_as_current(project: Path) -> None:
    add_short_note(project)
    assert make(project).returncode == 0
    out = project / "output"
    made_by_make = (out / "short-note.pdf").read_bytes()
    # the editor builds the PDF by hand with another layout, into make's folder
    subprocess.run([".venv/bin/publisher", "build", "sources/short-note.md", "--formats", "pdf", "--layout", "report",
                    "--out", "output"], cwd=project, check=True, capture_output=True,
                   env={**os.environ, "PUBLISHER_LAYOUTS": str(project / "layouts")})
    assert (out / "short-note.pdf").read_bytes() != made_by_make
    assert (out / ".short-note.pdf.made-with").read_text(encoding="utf-8") == "layout report\n"
    done = make(project)
    assert done.returncode == 0, done.stderr
    assert built_by_make(done) == {"pdf"}  # that edition alone, the source's own way again
    assert (out / "short-note.pdf").read_bytes() == made_by_make
    assert not (out / ".short-note.pdf.made-with").exists()
    assert make(project).stdout.strip() == "make: Nothing to be done for 'all'."
    # a hand build the source's own way is what make would make: it is current
    subprocess.run([".venv/bin/publisher", "build", "sources/short-note.md", "--formats", "docx", "--out", "output"],
                   cwd=project, check=True, capture_output=True,
                   env={**os.environ, "PUBLISHER_LAYOUTS": str(project / "layouts")})
    assert built_by_make(make(project)) == set()


@pytest.mark.slow
def test_a_file_added_to_or_taken_from_a_layout_folder_rebuilds_its_editions(project: Path) -> None:
    add_short_note(project)
    assert make(project).returncode == 0
    (project / "layouts" / "department" / "README.txt").write_text("what this layout is for\n", encoding="utf-8")
    extra = project / "layouts" / "newspaper" / "extra.css"
    extra.write_text("/* nothing yet */\n", encoding="utf-8")
    done = make(project)
    assert built_by_make(done) == {"pdf", "docx"}, done.stdout + done.stderr
    assert make(project).stdout.strip() == "make: Nothing to be done for 'all'."
    # the new file is now a dependency of its own: editing it rebuilds the edition
    time.sleep(0.01)
    extra.write_text("/* a rule */\n", encoding="utf-8")
    assert built_by_make(make(project)) == {"pdf"}
    # taken away: make does not stop at a file it no longer has, and builds again
    extra.unlink()
    done = make(project)
    assert done.returncode == 0, done.stderr
    assert "No rule to make target" not in done.stderr
    assert built_by_make(done) == {"pdf"}
    assert make(project).stdout.strip() == "make: Nothing to be done for 'all'."


@pytest.mark.slow
def test_a_source_that_turns_bad_keeps_its_editions_but_is_no_longer_marked_verified(project: Path) -> None:
    add_short_note(project)
    assert make(project).returncode == 0
    out = project / "output"
    before = {ext: (out / f"short-note.{ext}").read_bytes() for ext in ("pdf", "docx", "html", "epub")}
    (project / "sources" / "images" / "square.png").unlink()
    done = make(project)
    assert done.returncode == 2 and "image 'images/square.png' not found" in done.stderr
    assert {ext: (out / f"short-note.{ext}").read_bytes() for ext in before} == before  # earlier editions untouched
    assert not (out / "short-note.verified").exists()  # … but no longer said to agree with the source


@pytest.mark.slow
def test_extends_changed_in_place_and_odd_picture_names_are_followed(project: Path) -> None:
    add_short_note(project)
    layouts = project / "layouts"
    for name, text in (("mine", "extends: ereader\n"), ("other", "extends: ereader\n")):
        (layouts / name).mkdir()
        (layouts / name / "layout.yaml").write_text(text, encoding="utf-8")
    (layouts / "other" / "extra.css").write_text("/* one */\n", encoding="utf-8")
    note = project / "sources" / "short-note.md"
    text = note.read_text(encoding="utf-8")
    # a picture whose name make cannot carry in a rule (';'): followed through its folder
    shutil.copy(project / "sources" / "images" / "square.png", project / "sources" / "images" / "a;b.png")
    note.write_text(text.replace("---\n", "---\nlayouts: {html: mine}\n", 1) + "\n![分号](images/a;b.png)\n",
                    encoding="utf-8")
    done = make(project, "html")
    assert done.returncode == 0, done.stderr
    assert make(project, "html").stdout.strip() == "make: Nothing to be done for 'html'."
    # `extends:` edited in place (the folder's date does not change): the rules are read again
    time.sleep(0.01)
    (layouts / "mine" / "layout.yaml").write_text("extends: other\n", encoding="utf-8")
    assert built_by_make(make(project, "html")) == {"html"}
    time.sleep(0.01)
    (layouts / "other" / "extra.css").write_text("/* two */\n", encoding="utf-8")  # now part of the chain
    assert built_by_make(make(project, "html")) == {"html"}
    # the odd picture replaced: its folder changes, the edition is built again
    time.sleep(0.01)
    (project / "sources" / "images" / "a;b.png").unlink()
    shutil.copy(project / "sources" / "images" / "portrait.jpg", project / "sources" / "images" / "a;b.png")
    assert built_by_make(make(project, "html")) == {"html"}
