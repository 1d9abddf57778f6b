"""Live preview: a local server that rebuilds the e-reader HTML and the PDF on save.

The published editions are served byte for byte as built. The refresh script lives
only in the preview's own page, which shows the edition in a frame; so no script
ever reaches an edition, and the HTML edition's strict CSP stays as it is.
"""
from __future__ import annotations

import contextlib
import html
import json
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import build as builder
from . import layout as layouts
from . import output, reader
from .errors import PublisherError
from .model import Document

#: editions the preview shows, in rebuild order (the fast one first)
FORMATS = ("html", "pdf")
MIME = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
#: the only address the server listens on: the preview is for this computer alone
HOST = "127.0.0.1"
#: how often the watched files' times are read, and how long a page waits for news
POLL_SECONDS, WAIT_SECONDS = 0.25, 20.0


@dataclass
class State:
    """What the server shows: the last good editions and the latest error, if any."""
    version: int = 0
    editions: dict[str, bytes] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    error: str = ""
    title: str = ""


class Preview:
    """Rebuilds the preview editions of one source whenever a file it uses changes."""

    def __init__(self, source: Path, out_dir: Path | None = None) -> None:
        self.source, self.out_dir = source, out_dir
        self.state = State(title=source.name)
        self.changed = threading.Condition()
        self.closed = False
        self._watched: dict[Path, int | None] = {}

    def rebuild(self) -> None:
        """Read the source and render each edition, publishing each as soon as it is ready."""
        started = time.perf_counter()
        try:
            doc = reader.read(self.source)
            self._watch(doc)
            if self.out_dir is not None:
                output.refuse_overwriting_inputs({fmt: self.out_dir / f"{self.source.stem}.{fmt}" for fmt in FORMATS},
                                                 builder.inputs(doc), self.source)
            for fmt in FORMATS:  # seconds are counted from the start: what the editor waits
                data = builder.render_all(doc, [fmt])[fmt]
                self._publish(fmt, data, time.perf_counter() - started, doc.meta.title)
        except PublisherError as error:
            self._fail(str(error))
        except Exception as error:  # a bug must not stop the preview; say what it was
            self._fail(f"internal error: {type(error).__name__}: {error}")

    def _publish(self, fmt: str, data: bytes, seconds: float, title: str) -> None:
        if self.out_dir is not None:
            output.write_atomic(self.out_dir / f"{self.source.stem}.{fmt}", data)
        with self.changed:
            self.state.editions[fmt], self.state.seconds[fmt] = data, seconds
            self.state.error, self.state.title = "", title
            self.state.version += 1
            self.changed.notify_all()
        print(f"preview: {fmt} rebuilt in {seconds:.2f} s", file=sys.stderr)

    def _fail(self, message: str) -> None:
        with self.changed:
            self.state.error = message
            self.state.version += 1
            self.changed.notify_all()
        print(f"preview: error: {message}", file=sys.stderr)

    def _watch(self, doc: Document) -> None:
        """Watch the source, its images and every file of the layouts it uses."""
        files = {self.source.resolve(), *(figure.src for figure in doc.figures)}
        for fmt in FORMATS:
            chosen = layouts.load(builder.layout_name(doc, fmt, None))
            files.update(p for folder in chosen.dirs for p in folder.rglob("*") if p.is_file())
        self._watched = {path: self._watched.get(path, _mtime(path)) for path in files}

    def stale(self) -> bool:
        """True when a watched file was saved (or appeared, or vanished) since the last look."""
        now = {path: _mtime(path) for path in self._watched or {self.source.resolve(): None}}
        changed = now != self._watched
        self._watched = now
        return changed

    def watch(self, stop: threading.Event) -> None:
        """Rebuild on every change until `stop` is set."""
        self._watched = {self.source.resolve(): _mtime(self.source)}
        self.rebuild()
        while not stop.wait(POLL_SECONDS):
            if self.stale():
                self.rebuild()

    def wait(self, since: int, timeout: float = WAIT_SECONDS) -> int:
        """Block until the version passes `since` (or `timeout`); the current version."""
        with self.changed:
            self.changed.wait_for(lambda: self.closed or self.state.version > since, timeout)
            return self.state.version


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class Handler(BaseHTTPRequestHandler):
    """Routes: / (preview page), /edition.html, /edition.pdf, /status, /wait?since=N."""

    preview: Preview
    server_version = "publisher-preview"

    def handle(self) -> None:
        """Serve; a page closed in the middle of an answer is not an error worth a traceback."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        if not self._host_allowed():
            return self._send(403, "text/plain; charset=utf-8", b"forbidden host\n")
        url = urlsplit(self.path)
        route = {"/": self._page, "/status": self._status, "/wait": self._wait,
                 "/edition.html": lambda q: self._edition("html"),
                 "/edition.pdf": lambda q: self._edition("pdf")}.get(url.path)
        if route is None:
            return self._send(404, "text/plain; charset=utf-8", b"not found\n")
        route(parse_qs(url.query))

    def _host_allowed(self) -> bool:
        """Refuse other host names, so a web page cannot read the preview by DNS rebinding."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        return host in (HOST, "localhost")

    def _page(self, query: dict[str, list[str]]) -> None:
        view = query.get("view", ["html"])[0]
        state = self._snapshot()
        self._send(200, MIME["html"], page(state, view if view in FORMATS else "html").encode())

    def _status(self, query: dict[str, list[str]]) -> None:
        self._send(200, "application/json", json.dumps(status(self._snapshot())).encode())

    def _wait(self, query: dict[str, list[str]]) -> None:
        since = query.get("since", ["0"])[0] or "0"
        if not since.isascii() or not since.lstrip("-").isdigit() or len(since) > 20:
            return self._send(400, "text/plain; charset=utf-8", b"since must be a version number\n")
        self.preview.wait(int(since))
        self._status(query)

    def _edition(self, fmt: str) -> None:
        state = self._snapshot()
        if fmt in state.editions:
            return self._send(200, MIME[fmt], state.editions[fmt])
        message = state.error or "building…"
        self._send(503 if state.error else 200, MIME["html"], message_page(message).encode())

    def _snapshot(self) -> State:
        with self.preview.changed:
            state = self.preview.state
            return State(state.version, dict(state.editions), dict(state.seconds), state.error, state.title)

    def _send(self, code: int, mime: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the page asks for news every few seconds."""


def status(state: State) -> dict[str, object]:
    """The state as JSON for the page's script."""
    return {"version": state.version, "error": state.error,
            "seconds": {fmt: round(s, 3) for fmt, s in state.seconds.items()},
            "editions": sorted(state.editions)}


_SCRIPT = """
let version = %(version)d;
const frame = document.getElementById('edition'), error = document.getElementById('error');
async function follow() {
  for (;;) {
    try {
      const news = await (await fetch('/wait?since=' + version, {cache: 'no-store'})).json();
      if (news.version === version) continue;
      version = news.version;
      error.textContent = news.error; error.hidden = !news.error;
      document.getElementById('times').textContent = times(news.seconds);
      if (!news.error) reload();
    } catch (e) { await new Promise(r => setTimeout(r, 1000)); }
  }
}
function times(seconds) {
  return Object.entries(seconds).map(([f, s]) => f.toUpperCase() + ' ' + s.toFixed(2) + ' s').join(' · ');
}
function reload() {
  let y = 0;
  try { y = frame.contentWindow.scrollY; } catch (e) {}
  frame.onload = () => { try { frame.contentWindow.scrollTo(0, y); } catch (e) {} };
  frame.src = frame.src.split('?')[0] + '?v=' + version;
}
follow();
"""

_STYLE = """
body{margin:0;font:14px/1.4 system-ui,sans-serif;display:flex;flex-direction:column;height:100vh}
header{display:flex;gap:1em;align-items:center;padding:.4em 1em;background:#eee;border-bottom:1px solid #ccc}
header a{color:#333} header a.on{font-weight:bold;text-decoration:none}
#times{margin-left:auto;color:#666}
#error{margin:0;padding:.6em 1em;background:#fde2e1;color:#8a1c12;white-space:pre-wrap;border-bottom:1px solid #e5a29d}
#error::after{content:"\\A(below: the last good build; it updates when the error is fixed)";color:#666}
iframe{flex:1;border:0;width:100%}
"""


def page(state: State, view: str) -> str:
    """The preview page: tabs, the latest error, and the edition in a frame."""
    tabs = " ".join(f'<a href="/?view={fmt}"{" class=on" if fmt == view else ""}>{fmt.upper()}</a>'
                    for fmt in FORMATS)
    times = " · ".join(f"{fmt.upper()} {s:.2f} s" for fmt, s in state.seconds.items())
    hidden = "" if state.error else " hidden"
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Preview · {html.escape(state.title)}</title><style>{_STYLE}</style></head>\n"
            f"<body><header><strong>Preview</strong> {tabs}<span id=times>{html.escape(times)}</span></header>\n"
            f'<pre id="error"{hidden}>{html.escape(state.error)}</pre>\n'
            f'<iframe id="edition" src="/edition.{view}" title="{view.upper()} edition"></iframe>\n'
            f"<script>{_SCRIPT % {'version': state.version}}</script></body></html>\n")


def message_page(message: str) -> str:
    """A plain page standing in for an edition that could not be built yet."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Preview</title></head>'
            f'<body><pre style="color:#8a1c12;white-space:pre-wrap">{html.escape(message)}</pre></body></html>\n')


class PreviewServer:
    """The preview server and its watcher thread, started and stopped together."""

    def __init__(self, source: Path, port: int = 8000, out_dir: Path | None = None) -> None:
        self.preview = Preview(source, out_dir)
        handler = type("BoundHandler", (Handler,), {"preview": self.preview})
        try:
            self.httpd = ThreadingHTTPServer((HOST, port), handler)
        except OSError as error:
            raise PublisherError(f"cannot listen on {HOST}:{port}: {error.strerror}",
                                 hint="pass another --port") from None
        self.httpd.daemon_threads = True
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self.preview.watch, args=(self._stop,), daemon=True),
                         threading.Thread(target=self.httpd.serve_forever, args=(0.2,), daemon=True)]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    def start(self) -> str:
        """Start watching and serving; the page's address."""
        for thread in self._threads:
            thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and watching; waits for a rebuild in progress to finish."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.preview.changed:
            self.preview.closed = True
            self.preview.changed.notify_all()
        for thread in self._threads:
            thread.join()


def serve(source: Path, port: int = 8000, out_dir: Path | None = None) -> int:
    """Serve the live preview of `source` on 127.0.0.1 until Ctrl-C."""
    if not source.is_file():
        raise PublisherError("source not found", source, hint="check the file name")
    server = PreviewServer(source, port, out_dir)
    print(f"preview: {server.start()}  (Ctrl-C to stop)", file=sys.stderr)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly when killed, too
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("preview: stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0
