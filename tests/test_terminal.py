"""On a terminal a build shows a status line and colour; in a pipe, in make or with NO_COLOR it does not."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from .conftest import SEED, copy_source

RED = "\x1b[1;31m"


def on_terminal(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str]:
    """Run `publisher ARGS` with stdout and stderr on a pseudo-terminal; (exit code, what it showed)."""
    main, secondary = pty.openpty()
    environment = {**os.environ, "TERM": "xterm", **(env or {})}
    environment.pop("NO_COLOR", None) if "NO_COLOR" not in (env or {}) else None
    run = subprocess.Popen([sys.executable, "-m", "publisher", *args], stdout=secondary, stderr=secondary,
                           stdin=subprocess.DEVNULL, env=environment, cwd=cwd)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end closed: the program ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return run.wait(timeout=300), shown.decode("utf-8", errors="replace")


def in_a_pipe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True, text=True, cwd=cwd,
                          env={k: v for k, v in os.environ.items() if k != "NO_COLOR"})


def test_a_build_on_a_terminal_shows_its_pages_as_it_lays_them_out(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    code, shown = on_terminal("build", str(source), "--out", str(tmp_path / "out"))
    assert code == 0, shown
    status = [part for part in shown.split("\r\x1b[K") if part.strip()]
    assert f"{source.name}: pdf: laying out page 1" in status and f"{source.name}: pdf: laying out page 2" in status
    assert f"{source.name}: pdf: writing 2 pages" in status
    assert any(s.startswith(f"{source.name}: docx") for s in status)
    # the status line is taken away before the lines that stay
    assert shown.rstrip().endswith(f"wrote {tmp_path / 'out' / source.stem}.pdf")
    assert "\x1b[K" not in shown.split("wrote ", 1)[1]


def test_errors_are_red_on_a_terminal_but_not_with_no_color_nor_in_a_pipe(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    code, shown = on_terminal("build", str(missing))
    assert code == 2 and f"publisher: {RED}error:\x1b[0m " in shown
    code, shown = on_terminal("build", str(missing), env={"NO_COLOR": "1"})
    assert code == 2 and "\x1b[1;31m" not in shown and "publisher: error: " in shown
    piped = in_a_pipe("build", str(missing))
    assert piped.returncode == 2 and "\x1b" not in piped.stderr and piped.stderr.startswith("publisher: error: ")


def test_no_status_line_in_a_pipe_or_with_quiet(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    piped = in_a_pipe("build", str(source), "--formats", "html,pdf", "--out", str(tmp_path / "out"))
    assert piped.returncode == 0 and "\r" not in piped.stderr + piped.stdout and "\x1b" not in piped.stderr
    code, shown = on_terminal("build", str(source), "--formats", "html", "--out", str(tmp_path / "q"), "--quiet")
    assert code == 0 and "\x1b[K" not in shown and "laying out" not in shown


def test_verbose_says_what_each_stage_took(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    piped = in_a_pipe("build", str(source), "--formats", "html,docx", "--out", str(tmp_path / "out"), "--verbose")
    assert piped.returncode == 0, piped.stderr
    stages = [line.split(": ")[2] for line in piped.stderr.splitlines() if line.startswith("publisher: ")]
    assert stages == ["reading", "html", "docx"], piped.stderr
    assert all(line.endswith(" s") for line in piped.stderr.splitlines())


def test_the_verdict_is_green_and_red_on_a_terminal(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    assert in_a_pipe("build", str(source), "--formats", "html", "--out", str(tmp_path / "out")).returncode == 0
    code, shown = on_terminal("verify", str(source), str(tmp_path / "out" / f"{source.stem}.html"))
    assert code == 0 and "\x1b[32mok" in shown
    html = tmp_path / "out" / f"{source.stem}.html"
    html.write_text(html.read_text(encoding="utf-8").replace(">22.2万<", ">23.2万<"), encoding="utf-8")
    code, shown = on_terminal("verify", str(source), str(html))
    assert code == 1 and f"{RED}1 differ" in shown


def test_hints_name_the_program_as_it_was_typed(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    program = Path(sys.executable).parent / "publisher"
    done = subprocess.run([str(program), "preflight", str(source), "--out", str(tmp_path / "none")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert f"(build it first: {program} build {source} --formats pdf)" in done.stderr


def test_the_status_line_is_cut_to_the_terminals_width_in_cells() -> None:
    from publisher.terminal import fitted
    assert fitted("report.md: pdf", 40) == "report.md: pdf"
    cut = fitted("江门党建工作年终综述报告.md: pdf: laying out page 12", 20)
    assert cut.endswith("…") and sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in cut) <= 20
