"""Writing editions: all or nothing, what a killed build left is swept, the user's umask."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import output
from publisher.errors import PublisherError

from .conftest import SEED, copy_source


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_when_the_last_edition_cannot_go_in_the_earlier_ones_are_put_back(tmp_path: Path) -> None:
    old = {name: f"old {name}".encode() for name in ("a.html", "a.docx")}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "a.pdf").mkdir()  # a folder where the PDF should go: its rename fails
    (tmp_path / "a.pdf" / "keep").write_text("x")
    staged = [output.Staged(tmp_path / name, b"new") for name in ("a.html", "a.docx", "a.epub", "a.pdf")]
    with pytest.raises(PublisherError, match="cannot write output"):
        output.commit_all(staged)
    assert {n: (tmp_path / n).read_bytes() for n in old} == old  # replaced a moment, then put back
    assert not (tmp_path / "a.epub").exists()  # there was none before: none after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "a.html", "a.pdf"]  # no temp files left


def test_what_a_killed_build_left_is_removed_by_the_next(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    leftover = out / f".{source.stem}.html.{dead}.k1ll3d99.tmp"
    leftover.write_bytes(b"half an edition")
    live = out / f".{source.stem}.html.{os.getpid()}.st4g1ng0.tmp"  # a build still running: not touched
    live.write_bytes(b"being written")
    other = out / ".notes.txt.12.x.tmp"  # not an edition's
    other.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--formats", "html",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not leftover.exists() and live.exists() and other.exists()


def test_an_edition_killed_between_its_backup_and_the_end_is_not_lost(tmp_path: Path) -> None:
    # killed after the old edition was linked aside and before the new one went in: the old one comes back
    backup = tmp_path / f".a.html.{_dead_pid()}.b4ckup00.bak"
    backup.write_bytes(b"the old edition")
    output.write_atomic(tmp_path / "b.html", b"another edition")  # not the same edition: a.html stays away
    assert backup.exists()
    output.sweep_leftovers(tmp_path / "a.html")
    assert (tmp_path / "a.html").read_bytes() == b"the old edition" and not backup.exists()


def test_editions_follow_the_umask(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    done = subprocess.run(["sh", "-c", f'umask 027 && exec "{sys.executable}" -m publisher build "{source}" '
                           f'--formats html,docx --out "{tmp_path / "out"}"'], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").iterdir()}
    assert modes == {f"{source.stem}.html": 0o640, f"{source.stem}.docx": 0o640}
