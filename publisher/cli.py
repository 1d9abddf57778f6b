"""Command line: `publisher build | verify | preflight | preview`."""
from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.metadata
import json
import os
import re
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__
from . import build as builder
from . import terminal
from .errors import PublisherError, Several, SourceError, SourceErrors, one_line
from .model import Document
from .notices import Notice
from .runtime import fewer_collections

EXIT_OK, EXIT_DIFFERENCES, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
#: the reader of our output went away (`publisher verify --json | head`): as a C tool killed by SIGPIPE
EXIT_OUTPUT_CLOSED = 128 + signal.SIGPIPE


def version() -> str:
    """The installed package's version (from pyproject.toml), else the source tree's."""
    try:
        return importlib.metadata.version("publisher")
    except importlib.metadata.PackageNotFoundError:
        return __version__


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        typed = re.search(r"invalid choice: '([^']+)'", message)
        if typed and typed.group(1).lower().endswith((".md", ".markdown", ".txt")):  # the command forgotten
            raise PublisherError(f"'{typed.group(1)}' is not a command",
                                 hint=f"did you mean '{self.prog} build {typed.group(1)}'?")
        raise PublisherError(f"{message} (see '{self.prog} --help')")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="publisher", description="Build and verify the print PDF, Word DOCX, "
                     "e-reader HTML and EPUB editions of a Markdown report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("-V", "--version", action="version", version=f"publisher {version()}",
                        help="print the version and exit")
    # --debug is also taken after the command (`publisher build x.md --debug`); SUPPRESS keeps
    # the top-level value when it is not given there
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="build editions of a source", parents=[common],
                                description="Build editions of each SOURCE into --out (or one edition "
                                "into -o FILE). SOURCE '-' reads standard input; its images are then "
                                "looked up in the current folder, and its editions are called stdin.*. "
                                "With several sources a bad one does not stop the others (exit 2 at the end).")
    build.add_argument("source", type=Path, nargs="+", help="the Markdown source(s); - for standard input")
    build.add_argument("-o", "--output", type=Path, metavar="FILE",
                       help="write the one edition FILE's suffix names (.pdf .docx .html .epub) to FILE")
    build.add_argument("--layout", help="layout name for every edition built (default: front matter, then the format's default)")
    build.add_argument("--formats", help="comma-separated: pdf,docx,html,epub (default: all)")
    build.add_argument("--out", type=Path, help="output folder (default: output)")
    build.add_argument("--reference-docx", type=Path, help="restyle the DOCX from this Word template")
    build.add_argument("--quiet", action="store_true",
                       help="do not print warnings nor the status line (make prints the warnings once per "
                       "source, from 'publisher deps')")
    build.add_argument("--verbose", action="store_true",
                       help="say what each stage did and how long it took (reading, each edition)")
    build.add_argument("--strict", action="store_true",
                       help="treat warnings as errors: build nothing if the source has any (exit 2)")
    build.add_argument("--verify", action="store_true",
                       help="also read each written edition back and compare it with the source, as "
                       "'publisher verify' does (the other editions are read while the PDF renders); "
                       "exit 1 on differences")
    build.add_argument("--json", action="store_true",
                       help="print what was written, the warnings and the errors as JSON (a list with several sources)")
    build.set_defaults(run=run_build)

    verify = commands.add_parser("verify", help="check written editions against the source", parents=[common],
                                 description="Read the written editions back and compare their headings, "
                                 "figures, numbers and text with SOURCE. Exit 0: all agree; 1: differences; 2: bad input.")
    verify.add_argument("source", type=Path, help="the Markdown source")
    verify.add_argument("editions", nargs="*", type=Path, help="edition files (default: every edition of SOURCE in --out)")
    verify.add_argument("--out", type=Path, default=Path("output"), help="folder with the editions (default: output)")
    verify.add_argument("--json", action="store_true", help="print machine-readable JSON")
    verify.set_defaults(run=run_verify)

    pre = commands.add_parser("preflight", help="check a built PDF for print", parents=[common],
                              description="Check the written PDF of SOURCE: fail on characters without a "
                              "glyph, fonts not embedded and forbidden line breaks; warn on images under "
                              "200 dpi and ragged lines. Exit 0: ready to print; 1: errors found.")
    pre.add_argument("source", type=Path, help="the Markdown source")
    pre.add_argument("--out", type=Path, default=Path("output"), help="folder with the PDF (default: output)")
    pre.add_argument("--layout", help="the layout the PDF was built with (default: front matter)")
    pre.add_argument("--json", action="store_true", help="print the findings (or the error) as JSON")
    pre.set_defaults(run=run_preflight)

    preview = commands.add_parser("preview", help="serve a live preview that rebuilds on save", parents=[common],
                                  description="Serve the e-reader HTML and the PDF of SOURCE on "
                                  "http://127.0.0.1:PORT/ and rebuild them whenever the source, its images "
                                  "or its layouts change. Ctrl-C stops it.")
    preview.add_argument("source", type=Path, help="the Markdown source")
    preview.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    preview.add_argument("--out", type=Path, help="also write each previewed edition into this folder")
    preview.set_defaults(run=run_preview)

    deps = commands.add_parser("deps", help="print make dependency rules for a source", parents=[common],
                               description="Print make rules: each edition of SOURCE depends on its "
                               "source, images, layout files and code.")
    deps.add_argument("source", type=Path, help="the Markdown source")
    deps.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output)")
    deps.set_defaults(run=run_deps)
    return parser


def run_build(args: argparse.Namespace) -> int:
    terminal.configure(quiet=args.quiet or args.json, verbose=args.verbose)
    try:
        formats, out_dir, target = build_plan(args)
        options = reference_options(args)
    except PublisherError as error:  # nothing was built: with --json the error is JSON as well
        if args.json:
            print_json([Built(source, error=error) for source in args.source])
        raise
    results = [build_source(args, source, formats, out_dir, target, options) for source in args.source]
    if args.json:
        print_json(results)
    failed = [built for built in results if built.error is not None]
    if failed and len(results) > 1:
        print(f"publisher: error: {len(failed)} of {len(results)} sources not built: "
              + ", ".join(one_line(str(built.source)) for built in failed), file=sys.stderr)
    return max(built.code for built in results)


@dataclass
class Built:
    """What building one source gave: the editions written, its warnings, its error, the verdict."""
    source: Path
    written: dict[str, Path] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)
    error: PublisherError | None = None
    #: the verifier's check with --verify (a verify.WhileBuilding)
    check: Any = None

    @property
    def code(self) -> int:
        """The exit code this source alone would give."""
        if self.error is not None:
            return EXIT_BAD_INPUT
        if self.check is not None and not all(r.agrees for r in self.check.results):
            return EXIT_DIFFERENCES
        return EXIT_OK


def build_plan(args: argparse.Namespace) -> tuple[list[str], Path, Path | None]:
    """The formats to build, the output folder and the `-o` file; refuses options that contradict."""
    refuse_stdin_misuse(args)
    if args.output is None:
        return builder.parse_formats(args.formats or ",".join(builder.RENDERERS)), args.out or Path("output"), None
    if len(args.source) > 1:
        raise PublisherError("-o names one file, but several sources are given",
                             hint="build several sources into a folder with --out DIR")
    if args.out is not None:
        raise PublisherError("give either -o FILE or --out DIR, not both")
    fmt = builder.format_of_file(args.output)
    if args.formats is not None and builder.parse_formats(args.formats) != [fmt]:
        raise PublisherError(f"-o {args.output} makes the {fmt} edition, but --formats asks for {args.formats}",
                             hint="drop --formats: the file's suffix names the edition")
    return [fmt], args.output.parent, args.output


def refuse_stdin_misuse(args: argparse.Namespace) -> None:
    """Standard input can be read once, and only the build reads it (not --verify as well)."""
    readers = sum(builder.is_stdin(source) for source in args.source)
    if readers > 1:
        raise PublisherError("'-' (standard input) is given more than once", hint="it can be read only once")
    if readers and args.verify:
        raise PublisherError("--verify reads the source again, which standard input cannot give",
                             hint="save the source to a file and build that")


def reference_options(args: argparse.Namespace) -> dict[str, object]:
    """The layout options the command line sets (the reference DOCX)."""
    if args.reference_docx and not args.reference_docx.is_file():
        raise PublisherError("reference document not found", args.reference_docx)
    return {"reference_docx": str(args.reference_docx.resolve())} if args.reference_docx else {}


def build_source(args: argparse.Namespace, source: Path, formats: list[str], out_dir: Path,
                 target: Path | None, options: dict[str, object]) -> Built:
    """Build one source; its bad input is reported and kept, so the other sources still build."""
    built = Built(source)
    if args.verify:
        from .verify import WhileBuilding
        built.check = WhileBuilding(source)
    try:
        built.written = builder.build(source, formats, out_dir, args.layout, options, check=built.check,
                                      warn=functools.partial(keep_warnings, built, args), target=target)
        if built.check is not None and built.check.error is not None:
            raise built.check.error  # the editions are written; only verifying them failed
    except PublisherError as error:
        built.error = error
    except RecursionError:  # emphasis, links or lists nested thousands deep: no renderer goes that far
        built.error = SourceError("the source nests emphasis, links or lists too deeply", source,
                                  hint="keep nesting under 40 levels")
    if not args.json:
        print_built(built)
    elif built.error is not None:
        print_error(built.error)
    return built


def keep_warnings(built: Built, args: argparse.Namespace, doc: Document) -> None:
    """Keep the source's warnings for the JSON, and print them unless --quiet or --json."""
    built.warnings = list(doc.notices)
    print_warnings(doc, strict=args.strict, quiet=args.quiet or args.json)


def print_built(built: Built) -> None:
    """The editions written, then the error or the verifier's table."""
    terminal.clear_status()
    for path in built.written.values():
        print(f"wrote {path}")
    if built.error is not None:
        print_error(built.error)
    elif built.check is not None:
        print(built.check.report())


def print_error(error: PublisherError) -> None:
    """Each problem on its own line, on stderr."""
    terminal.clear_status()
    label = terminal.paint("error:", "error", sys.stderr)
    for line in str(error).splitlines():
        print(f"publisher: {label} {line}", file=sys.stderr)


def print_json(results: list[Built]) -> None:
    """The build's outcome as JSON: one object, or a list of them with several sources."""
    data = [built_json(built) for built in results]
    print(json.dumps(data if len(data) > 1 else data[0], ensure_ascii=False, indent=2))


def built_json(built: Built) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": str(built.source),
        "ok": built.code == EXIT_OK,
        "written": {fmt: str(path) for fmt, path in built.written.items()},
        "warnings": [{"file": n.file or None, "line": n.line, "cause": n.cause, "hint": n.hint,
                      "message": n.message()} for n in built.warnings],
        "errors": errors_json(built.error),
    }
    if built.check is not None and built.error is None:
        from .verify import report
        results = built.check.results
        data["verify"] = json.loads(report.as_json(built.source, results, sum(r.seconds for r in results)))
    return data


def errors_json(error: PublisherError | None) -> list[dict[str, Any]]:
    """Each problem of `error` (several for a source with several) with its file, line and message."""
    if error is None:
        return []
    errors = error.errors if isinstance(error, Several) else [error]
    return [{"file": None if e.file is None else str(e.file), "line": e.line, "cause": e.cause, "hint": e.hint,
             "message": e.message()} for e in errors]


def print_warnings(doc: Document, strict: bool = False, quiet: bool = False) -> None:
    """Each warning on its own line (file:line: cause), then their count; --strict makes them errors."""
    if strict and doc.notices:
        raise SourceErrors([SourceError(n.cause, n.file, n.line, n.hint) for n in doc.notices])
    if quiet:
        return
    terminal.clear_status()
    label = terminal.paint("warning:", "warning", sys.stderr)
    for notice in sorted(doc.notices, key=lambda n: n.line or 0):  # in the order of the source's lines
        print(f"publisher: {label} {notice.message()}", file=sys.stderr)
    count = len(doc.notices)
    if count:
        print(f"publisher: {count} warning{'s' if count > 1 else ''} for {doc.source.name}", file=sys.stderr)


def run_preflight(args: argparse.Namespace) -> int:
    from . import preflight
    pdf = args.out / f"{args.source.stem}.pdf"
    try:
        findings = preflight.check(args.source, pdf, args.layout)
    except PublisherError as error:
        if args.json:
            print(json.dumps({"source": str(args.source), "pdf": str(pdf), "ok": False, "findings": [],
                              "errors": errors_json(error)}, ensure_ascii=False, indent=2))
        raise
    ok = not any(f.level == "error" for f in findings)
    if args.json:
        print(json.dumps({"source": str(args.source), "pdf": str(pdf), "ok": ok,
                          "findings": [{"level": f.level, "message": f.message, "line": f.line} for f in findings],
                          "errors": []}, ensure_ascii=False, indent=2))
        return EXIT_OK if ok else EXIT_DIFFERENCES
    for finding in findings:
        where = f"{args.source}:{finding.line}: " if finding.line else f"{pdf}: "
        print(f"{where}{terminal.paint(finding.level + ':', finding.level, sys.stdout)} {finding.message}")
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    counted = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning")) if n)
    print(f"preflight: {'ready to print' if ok else 'not ready to print'}" + (f" ({counted})" if counted else ""))
    return EXIT_OK if ok else EXIT_DIFFERENCES


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
        print_error(error)
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
