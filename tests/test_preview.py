"""Live preview: serves the editions, follows edits of the source, shows errors and keeps serving."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest

from publisher.preview import PreviewServer

from .conftest import copy_source

#: generous: the first build loads WeasyPrint and renders the PDF on a busy machine
DEADLINE_SECONDS = 120


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def until(check: Callable[[], bool], what: str) -> None:
    """Poll `check` until it holds; fail naming `what` after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"preview never {what}")
        time.sleep(0.2)


def status(url: str) -> dict[str, object]:
    return json.loads(fetch(url + "status")[2])


@pytest.fixture
def preview(seed_source: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running preview of a copy of the seed: (its address, the copy)."""
    source = copy_source(seed_source, tmp_path / "src")
    server = PreviewServer(source, port=0)
    url = server.start()
    try:
        until(lambda: status(url)["editions"] == ["html", "pdf"], "built both editions")
        yield url, source
    finally:
        server.stop()


def test_serves_editions_and_follows_an_edit(preview: tuple[str, Path]) -> None:
    url, source = preview
    code, mime, html = fetch(url + "edition.html")
    assert code == 200 and mime.startswith("text/html")
    assert "灯塔指引方向" in html.decode() and "<script" not in html.decode()
    code, mime, pdf = fetch(url + "edition.pdf")
    assert code == 200 and mime == "application/pdf" and pdf.startswith(b"%PDF-")
    assert b"/edition.html" in fetch(url)[2] and b"<script>" in fetch(url)[2]

    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("灯塔指引方向", "灯塔指引新的方向"), encoding="utf-8")
    until(lambda: "灯塔指引新的方向" in fetch(url + "edition.html")[2].decode(), "served the edit")


def test_a_broken_edit_shows_its_error_and_the_server_keeps_serving(preview: tuple[str, Path]) -> None:
    url, source = preview
    good = source.read_text(encoding="utf-8")
    source.write_text(good + "\n![缺图](images/missing.jpg)\n", encoding="utf-8")
    until(lambda: "missing.jpg" in str(status(url)["error"]), "reported the missing image")
    code, _, page = fetch(url)
    assert code == 200 and "missing.jpg" in page.decode() and "not found" in page.decode()
    assert fetch(url + "edition.html")[0] == 200  # the last good edition is still served

    source.write_text(good.replace("灯塔指引方向", "灯塔重新指引方向"), encoding="utf-8")
    until(lambda: status(url)["error"] == "", "cleared the error after the fix")
    assert "灯塔重新指引方向" in fetch(url + "edition.html")[2].decode()


def test_refuses_other_host_names(preview: tuple[str, Path]) -> None:
    url, _ = preview
    assert fetch(url + "edition.html", {"Host": "attacker.example:80"})[0] == 403
    assert fetch(url + "nothing-here")[0] == 404


def test_published_html_never_carries_the_refresh_script(seed_editions: dict[str, Path]) -> None:
    assert "<script" not in seed_editions["html"].read_text(encoding="utf-8")
