"""Command line: `publisher build | verify | preflight | preview`."""
from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable, Iterator

from . import build as builder
from .errors import PublisherError, SourceError, SourceErrors, one_line
from .model import Document
from .runtime import fewer_collections

EXIT_OK, EXIT_DIFFERENCES, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
#: the reader of our output went away (`publisher verify --json | head`): as a C tool killed by SIGPIPE
EXIT_OUTPUT_CLOSED = 128 + signal.SIGPIPE


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise PublisherError(f"{message} (see '{self.prog} --help')")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="publisher", description="Build and verify the print PDF, Word DOCX, "
                     "e-reader HTML and EPUB editions of a Markdown report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="build editions of a source",
                                description="Build editions of SOURCE into --out.")
    build.add_argument("source", type=Path, help="the Markdown source")
    build.add_argument("--layout", help="layout name for every edition built (default: front matter, then the format's default)")
    build.add_argument("--formats", default="pdf,docx,html,epub", help="comma-separated: pdf,docx,html,epub (default: all)")
    build.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output)")
    build.add_argument("--reference-docx", type=Path, help="restyle the DOCX from this Word template")
    build.add_argument("--quiet", action="store_true",
                       help="do not print warnings (make prints them once per source, from 'publisher deps')")
    build.add_argument("--strict", action="store_true",
                       help="treat warnings as errors: build nothing if the source has any (exit 2)")
    build.add_argument("--verify", action="store_true",
                       help="also read each written edition back and compare it with the source, as "
                       "'publisher verify' does (the other editions are read while the PDF renders); "
                       "exit 1 on differences")
    build.set_defaults(run=run_build)

    verify = commands.add_parser("verify", help="check written editions against the source",
                                 description="Read the written editions back and compare their headings, "
                                 "figures, numbers and text with SOURCE. Exit 0: all agree; 1: differences; 2: bad input.")
    verify.add_argument("source", type=Path, help="the Markdown source")
    verify.add_argument("editions", nargs="*", type=Path, help="edition files (default: every edition of SOURCE in --out)")
    verify.add_argument("--out", type=Path, default=Path("output"), help="folder with the editions (default: output)")
    verify.add_argument("--json", action="store_true", help="print machine-readable JSON")
    verify.set_defaults(run=run_verify)

    pre = commands.add_parser("preflight", help="check a built PDF for print",
                              description="Check the written PDF of SOURCE: fail on characters without a "
                              "glyph, fonts not embedded and forbidden line breaks; warn on images under "
                              "200 dpi and ragged lines. Exit 0: ready to print; 1: errors found.")
    pre.add_argument("source", type=Path, help="the Markdown source")
    pre.add_argument("--out", type=Path, default=Path("output"), help="folder with the PDF (default: output)")
    pre.add_argument("--layout", help="the layout the PDF was built with (default: front matter)")
    pre.set_defaults(run=run_preflight)

    preview = commands.add_parser("preview", help="serve a live preview that rebuilds on save",
                                  description="Serve the e-reader HTML and the PDF of SOURCE on "
                                  "http://127.0.0.1:PORT/ and rebuild them whenever the source, its images "
                                  "or its layouts change. Ctrl-C stops it.")
    preview.add_argument("source", type=Path, help="the Markdown source")
    preview.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    preview.add_argument("--out", type=Path, help="also write each previewed edition into this folder")
    preview.set_defaults(run=run_preview)

    deps = commands.add_parser("deps", help="print make dependency rules for a source",
                               description="Print make rules: each edition of SOURCE depends on its "
                               "source, images, layout files and code.")
    deps.add_argument("source", type=Path, help="the Markdown source")
    deps.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output)")
    deps.set_defaults(run=run_deps)
    return parser


def run_build(args: argparse.Namespace) -> int:
    formats = builder.parse_formats(args.formats)
    options: dict[str, object] = {"reference_docx": str(args.reference_docx.resolve())} if args.reference_docx else {}
    if args.reference_docx and not args.reference_docx.is_file():
        raise PublisherError("reference document not found", args.reference_docx)
    check = None
    if args.verify:
        from .verify import WhileBuilding
        check = WhileBuilding(args.source)
    written = builder.build(args.source, formats, args.out, args.layout, options, check=check,
                            warn=functools.partial(print_warnings, strict=args.strict, quiet=args.quiet))
    for path in written.values():
        print(f"wrote {path}")
    if check is not None:
        if check.error is not None:
            raise check.error  # the editions are written; only verifying them failed
        print(check.report())
        return EXIT_OK if all(r.agrees for r in check.results) else EXIT_DIFFERENCES
    return EXIT_OK


def print_warnings(doc: Document, strict: bool = False, quiet: bool = False) -> None:
    """Each warning on its own line (file:line: cause), then their count; --strict makes them errors."""
    if strict and doc.notices:
        raise SourceErrors([SourceError(n.cause, n.file, n.line, n.hint) for n in doc.notices])
    if quiet:
        return
    for notice in doc.notices:
        print(f"publisher: warning: {notice.message()}", file=sys.stderr)
    count = len(doc.notices)
    if count:
        print(f"publisher: {count} warning{'s' if count > 1 else ''} for {doc.source.name}", file=sys.stderr)


def run_preflight(args: argparse.Namespace) -> int:
    from . import preflight
    findings = preflight.check(args.source, args.out / f"{args.source.stem}.pdf", args.layout)
    for finding in findings:
        print(f"{finding.level}: {finding.message}")
    if not findings:
        print("preflight: ok")
    return EXIT_DIFFERENCES if any(f.level == "error" for f in findings) else EXIT_OK


def run_preview(args: argparse.Namespace) -> int:
    from . import preview
    return preview.serve(args.source, args.port, args.out)


def run_deps(args: argparse.Namespace) -> int:
    print(builder.make_rules(args.source, args.out, warn=print_warnings), end="")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from . import verify
    return verify.run(args.source, args.editions, args.out, args.json)


def _stop(signum: int, frame: object) -> None:
    if os.getpid() != _MAIN_PID[0]:
        # a PDF worker forked a moment ago, stopped before its initializer put the default
        # handler back: it ends at once and quietly (unwinding there printed a traceback)
        os._exit(128 + signum)
    raise SystemExit(128 + signum)


def _drop_stdout() -> None:
    """Send what is left of stdout nowhere: its reader is gone, and Python's last flush
    at exit would otherwise print a BrokenPipeError of its own."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


#: the process that installed the unwinding handler (a forked worker inherits the handler)
_MAIN_PID = [0]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad input prints one line and returns 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    with _unwinding_on_sigterm():
        return _main(argv, debug)


@contextlib.contextmanager
def _unwinding_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like an exception, so staged files and the PDF worker go too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _MAIN_PID[0] = os.getpid()
    before = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _main(argv: list[str] | None, debug: bool) -> int:
    try:
        args = make_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        with fewer_collections():  # reading, rendering and verifying make millions of objects
            return run(args)
    except PublisherError as error:
        for line in str(error).splitlines():
            print(f"publisher: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("publisher: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_OUTPUT_CLOSED
    except RecursionError:  # emphasis, links or lists nested thousands deep: no renderer goes that far
        source = getattr(locals().get("args"), "source", "")
        print(f"publisher: error: {one_line(str(source))}: the source nests emphasis, links or lists too deeply "
              "(keep nesting under 40 levels)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # a bug, not bad input: still one line unless --debug
        if debug or os.environ.get("PUBLISHER_DEBUG"):
            traceback.print_exc()
        print(f"publisher: internal error: {type(error).__name__}: {one_line(str(error))} "
              "(please report it; run with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL
