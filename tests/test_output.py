"""Writing editions: all or nothing, what a killed build left is swept, the user's umask."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher import output
from publisher.errors import PublisherError

from .conftest import SEED, assert_one_line_error, copy_source


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
    dead, long_ago = _dead_pid(), time.time() - 2 * output.STALE_AFTER_S
    leftover = out / f".{source.stem}.html.{dead}.k1ll3d99.tmp"
    leftover.write_bytes(b"half an edition")
    os.utime(leftover, (long_ago, long_ago))
    live = out / f".{source.stem}.html.{os.getpid()}.st4g1ng0.tmp"  # a build still running: not touched
    live.write_bytes(b"being written")
    os.utime(live, (long_ago, long_ago))
    # a pid this process cannot see may be a build in another PID namespace (a container): a fresh
    # file of one is left alone
    unseen = out / f".{source.stem}.html.{dead}.c0nta1n3.tmp"
    unseen.write_bytes(b"being written elsewhere")
    other = out / ".notes.txt.12.x.tmp"  # not an edition's
    other.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--formats", "html",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not leftover.exists() and live.exists() and unseen.exists() and other.exists()


def test_a_stale_backup_is_removed_and_the_edition_left_as_it_is(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # killed while the old edition was linked aside: the edition in place is whole (a rename is
    # atomic), so the backup only goes; an edition the user deleted since does not come back
    monkeypatch.setattr(output, "STALE_AFTER_S", -1)
    backup = tmp_path / f".a.html.{_dead_pid()}.b4ckup00.bak"
    backup.write_bytes(b"the old edition")
    output.sweep_leftovers(tmp_path / "a.html")
    assert not backup.exists() and not (tmp_path / "a.html").exists()


def test_a_failed_build_does_not_put_back_over_another_builds_edition(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.html").write_bytes(b"old")
    (tmp_path / "a.pdf").mkdir()  # its rename fails
    staged = [output.Staged(tmp_path / "a.html", b"ours"), output.Staged(tmp_path / "a.pdf", b"ours")]
    keep_old = output._keep_old

    def another_build_meanwhile(path: Path) -> tuple[bool, Path | None]:
        if path.name == "a.pdf":  # another build of the same source puts its HTML in now
            (tmp_path / "theirs").write_bytes(b"theirs")
            os.replace(tmp_path / "theirs", tmp_path / "a.html")
        return keep_old(path)
    monkeypatch.setattr(output, "_keep_old", another_build_meanwhile)
    with pytest.raises(PublisherError) as raised:
        output.commit_all(staged)
    assert raised.value.file == tmp_path / "a.pdf"  # the edition that could not go in is named
    assert (tmp_path / "a.html").read_bytes() == b"theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.pdf"]


def test_a_folder_where_an_edition_goes_is_one_line_naming_it(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    out = tmp_path / "out"
    (out / f"{source.stem}.docx").mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--formats", "html,docx",
                           "--out", str(out)], capture_output=True, text=True)
    assert_one_line_error(done, f"{out / source.stem}.docx: cannot write output: Is a directory")
    assert sorted(p.name for p in out.iterdir()) == [f"{source.stem}.docx"]


def test_editions_follow_the_umask(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    done = subprocess.run(["sh", "-c", f'umask 027 && exec "{sys.executable}" -m publisher build "{source}" '
                           f'--formats html,docx --out "{tmp_path / "out"}"'], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").iterdir()}
    assert modes == {f"{source.stem}.html": 0o640, f"{source.stem}.docx": 0o640}
