"""Build: read a source, render the asked editions, write them all or none."""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable, ContextManager, Iterator, TypeVar

from . import layout as layouts
from . import output, reader, terminal
from .errors import LayoutError, MissingGlyphs, PrintOnly, PublisherError, SourceErrors, line_of
from .model import Document
from .parallel import Beside, map_beside, run_beside
from .renderers import DEFAULT_LAYOUTS, RENDERERS, renderer
from .runtime import call_with_room, fewer_collections


def parse_formats(text: str) -> list[str]:
    """'pdf,docx' → ['pdf', 'docx'], refusing unknown names (a repeated name counts once)."""
    formats = list(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown or not formats:
        raise PublisherError(f"unknown format '{(unknown or [text])[0]}'",
                             hint="choose from " + ",".join(RENDERERS))
    return formats


def format_of_file(path: Path) -> str:
    """The edition a file name asks for (`-o report.pdf` → pdf), refusing a suffix no renderer makes."""
    suffix = path.suffix.lower()
    if suffix.lstrip(".") in RENDERERS:
        return suffix.lstrip(".")
    suffixes = [f".{fmt}" for fmt in RENDERERS]
    hint = "end the file name in " + ", ".join(suffixes[:-1]) + " or " + suffixes[-1]
    if not suffix:
        raise PublisherError("no file suffix to tell the edition by", path, hint=hint)
    raise PublisherError(f"unknown output format '{suffix}'", path, hint=hint)


def layout_name(doc: Document, fmt: str, override: str | None) -> str:
    """The layout for `fmt`: command line, then front matter, then the default."""
    return override or doc.meta.layout_for(fmt) or DEFAULT_LAYOUTS[fmt]


def render_one(doc: Document, override: str | None, options: dict[str, object] | None,
               fmt: str) -> bytes:
    """Render one edition with its layout."""
    chosen = load_layout(doc, fmt, override).with_options(**(options or {}))
    with fewer_collections(), terminal.timed(f"{doc.source.name}: {fmt}"):
        return call_with_room(functools.partial(renderer(fmt), doc, chosen))


def load_layout(doc: Document, fmt: str, override: str | None) -> layouts.Layout:
    """The layout for `fmt`; one the front matter names but no folder has is named at its line."""
    name = layout_name(doc, fmt, override)
    try:
        return layouts.load(name)
    except LayoutError as error:
        if override or error.file is not None or not doc.meta.layout_for(fmt) or not doc.source.is_file():
            raise
        text = doc.source.read_text(encoding="utf-8", errors="replace")
        line = line_of(text, f": {name}") or line_of(text, name)
        raise LayoutError(f"layouts: {error.cause}", doc.source, line, error.hint) from None


def render_all(doc: Document, formats: list[str], override: str | None = None,
               options: dict[str, object] | None = None) -> dict[str, bytes]:
    """Render every asked edition in memory; nothing is written yet.

    With two cores the PDF renders in a forked worker while the others render here.
    """
    job = functools.partial(render_one, doc, override, options)
    return dict(zip(formats, map_beside(job, formats, slow=is_pdf)))


def is_pdf(fmt: str) -> bool:
    return fmt == "pdf"


def load_pdf_renderer() -> None:
    """Import WeasyPrint (half a second) in the PDF worker while the source is still being read."""
    renderer("pdf")


def pdf_worker(formats: list[str]) -> ContextManager[Beside | None]:
    """A worker process for the PDF when other editions are built beside it."""
    if "pdf" in formats and len(formats) > 1:
        return Beside(warm=load_pdf_renderer)
    return contextlib.nullcontext()


#: called with (format, staged file, final path) as each edition is staged
Check = Callable[[str, Path, Path], None]


#: called with the reader's warnings as soon as the source is read
Warn = Callable[[Document], None]


def build(source: Path, formats: list[str], out_dir: Path, override: str | None = None,
          options: dict[str, object] | None = None, check: Check | None = None,
          warn: Warn | None = None, target: Path | None = None) -> dict[str, Path]:
    """Build `source` into `out_dir` (or the one edition into `target`); a failure leaves
    earlier outputs untouched.

    Each edition is written in full beside its path as soon as it is rendered (the PDF
    last, from its worker), and all are put in place together once every one is.
    `check` may read each staged file in the meantime: the verifier reads the other
    editions while the PDF still renders. A source `-` is standard input.
    """
    with pdf_worker(formats) as beside, stdin_named(source):
        with terminal.timed(f"{source.name}: reading"):
            doc = read(source)
        paths = edition_paths(doc, formats, out_dir, target)
        output.refuse_overwriting_inputs(paths, inputs(doc, options), source)
        if warn is not None:
            warn(doc)
        staged: dict[str, output.Staged] = {}
        try:
            try:
                for fmt, data in render_each(doc, formats, override, options, beside):
                    staged[fmt] = output.Staged(paths[fmt], data, made_with(doc, fmt, override, options))
                    if check is not None:
                        check(fmt, staged[fmt].temp, staged[fmt].path)
            except PrintOnly as error:  # the print edition alone cannot be made: the others are
                output.commit_all(list(staged.values()))
                line = error.line or (glyph_line(source, error.cause) if isinstance(error, MissingGlyphs) else None)
                file = error.file if is_stdin(source) else source  # the source as typed
                raise type(error)(error.cause, file, line, error.hint) from None
            output.commit_all(list(staged.values()))
        finally:
            for edition in staged.values():
                edition.discard()
    return {fmt: edition.path for fmt, edition in staged.items()}


def made_with(doc: Document, fmt: str, override: str | None, options: dict[str, object] | None) -> str | None:
    """What made an edition, when it is not what `make` makes (the source's own layout, no
    options): make then takes it as out of date. None for the source's own way."""
    chosen = layout_name(doc, fmt, override)
    if chosen == layout_name(doc, fmt, None) and not options:
        return None
    given = ", ".join(f"{key} {value}" for key, value in sorted((options or {}).items()))
    return f"layout {chosen}" + (f", {given}" if given else "")


def edition_paths(doc: Document, formats: list[str], out_dir: Path, target: Path | None = None) -> dict[str, Path]:
    """Where each edition goes: `<out_dir>/<stem>.<format>`, or `target` for the one edition `-o` names."""
    if target is not None:
        return {fmt: target for fmt in formats}
    return {fmt: out_dir / f"{doc.stem}.{fmt}" for fmt in formats}


# ---- standard input ----------------------------------------------------------------

#: the source name that reads standard input, and the name messages give it
STDIN, STDIN_NAME = Path("-"), "<stdin>"


def is_stdin(source: Path) -> bool:
    return str(source) == str(STDIN)


def read(source: Path) -> Document:
    """Read `source`; `-` reads standard input as a source in the current folder, named stdin."""
    return read_stdin() if is_stdin(source) else reader.read(source)


def read_stdin() -> Document:
    """Standard input as a Document: its images are looked up in the current folder.

    The reader reads files, so the text goes for a moment into a hidden file in the
    current folder (that folder is the one its images come from), then is removed.
    """
    if sys.stdin is None:  # started with standard input closed
        raise PublisherError("there is no standard input to read", STDIN_NAME, hint="give the source's file name")
    data = sys.stdin.buffer.read(reader.MAX_SOURCE_BYTES + 1)  # the reader refuses what is over the limit
    try:
        with tempfile.NamedTemporaryFile("wb", dir=Path.cwd(), prefix=".publisher-stdin-", suffix=".md",
                                         delete=False) as handle:
            handle.write(data)
    except OSError as error:
        raise PublisherError(f"cannot read standard input here: {error.strerror}", STDIN_NAME,
                             hint="save the source to a file, or run publisher in a folder you can write to") from None
    temp = Path(handle.name)
    try:
        with errors_renamed({temp}, STDIN_NAME):
            doc = reader.read(temp)
    finally:
        temp.unlink(missing_ok=True)
    notices = tuple(dataclasses.replace(n, file=STDIN_NAME) for n in doc.notices)
    return dataclasses.replace(doc, source=Path.cwd() / "stdin.md", notices=notices)


def stdin_named(source: Path) -> ContextManager[None]:
    """Errors about standard input's document name it `<stdin>`, not the file name it is built under."""
    if not is_stdin(source):
        return contextlib.nullcontext()
    return errors_renamed({Path.cwd() / "stdin.md"}, STDIN_NAME)


@contextlib.contextmanager
def errors_renamed(files: set[Path], name: str) -> Iterator[None]:
    """Re-raise an error about one of `files` as one about `name`."""
    try:
        yield
    except SourceErrors as error:
        raise SourceErrors([_renamed(e, files, name) for e in error.errors]) from None
    except PublisherError as error:
        raise _renamed(error, files, name) from None


_Error = TypeVar("_Error", bound=PublisherError)


def _renamed(error: _Error, files: set[Path], name: str) -> _Error:
    if error.file is None or Path(str(error.file)) not in files:
        return error
    return type(error)(error.cause, name, error.line, error.hint)


def inputs(doc: Document, options: dict[str, object] | None = None) -> dict[Path, str]:
    """The files a build reads, each with what it is (no edition may be written over one)."""
    found = {doc.source: "the source itself"}
    found.update({path: f"its image '{path.name}'" for path in doc.picture_files})
    reference = (options or {}).get("reference_docx")
    if reference:
        found[Path(str(reference))] = "the reference document"
    return found


def glyph_line(source: Path, cause: str) -> int | None:
    """The source line of the character a MissingGlyphs error names (U+XXXX)."""
    found = re.search(r"U\+([0-9A-F]{4,6})", cause)
    if found is None or is_stdin(source):
        return None
    return line_of(source.read_text(encoding="utf-8", errors="replace"), chr(int(found.group(1), 16)))


def render_each(doc: Document, formats: list[str], override: str | None,
                options: dict[str, object] | None, beside: Beside | None) -> Iterator[tuple[str, bytes]]:
    """(format, bytes) for each edition as it is rendered, the PDF last."""
    job = functools.partial(render_one, doc, override, options)
    return run_beside(job, formats, slow=is_pdf, beside=beside)


def dependencies(doc: Document) -> dict[str, list[Path]]:
    """The files each edition of `doc` is made from (for make's dependency rules), and the
    layout folders it reads: a file added to one, or taken away, changes the folder."""
    package = Path(__file__).resolve().parent
    code = sorted(package.glob("*.py")) + sorted((package / "renderers").glob("*.py"))
    common = [doc.source.resolve(), *doc.picture_files, *code]
    deps = {}
    for fmt in RENDERERS:
        chosen = load_layout(doc, fmt, None)
        found = sorted(p for d in chosen.dirs for p in [d, *d.rglob("*")] if p.is_file() or p.is_dir())
        deps[fmt] = common + found
    return deps


#: characters make cannot carry in a rule's file names, even escaped
_MAKE_CANNOT = re.compile(r"[;:%*?\[\]=|\\'\"()&<>\x00-\x1f]")


def make_rules(source: Path, out_dir: Path, warn: Warn | None = None) -> str:
    """Make rules: each edition of `source` depends on the files and layout folders it is made from.

    As `gcc -MP` does, every file and folder but the source gets a rule of its own with no
    recipe, so that one deleted since does not stop make (the editions are built again).
    The rules file itself depends on the layout folders: a file added to one is listed next time.
    `warn` gets the source's warnings: make prints them here, once, not once per edition.
    """
    cwd = Path.cwd()

    def named(path: Path) -> str:
        return str(path.relative_to(cwd) if path.is_relative_to(cwd) else path)

    def rel(path: Path) -> str:
        return named(path).replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ")

    def makeable(path: Path) -> Path:
        """`path`, or its nearest folder make can name (make cannot carry ; : % * ? [ ] = | \\ or
        quotes in a rule: a picture called 'a;b.png' is followed through its folder's date)."""
        while _MAKE_CANNOT.search(named(path)) and path.parent != path:
            path = path.parent
        return path

    doc = reader.read(source)
    if warn is not None:
        warn(doc)
    lines, listed = [], {}
    for fmt, files in dependencies(doc).items():
        target = out_dir / f"{source.stem}.{fmt}"
        files = list(dict.fromkeys(makeable(f) for f in files))
        lines.append(f"{target}: " + " ".join(rel(f) for f in files))
        listed.update(dict.fromkeys(files[1:]))
    # read again when a layout folder changes (a file added), a layout.yaml (its `extends:` may
    # name another layout) or a picture goes: a source without its picture is then one bad
    # source (its error once), not four failed editions
    again = [path for path in listed if path.is_dir() or path.name == "layout.yaml"] \
        + [makeable(path) for path in doc.picture_files]
    again = list(dict.fromkeys(again))
    lines.append(f"{out_dir / source.stem}.d: " + " ".join(rel(f) for f in again))  # and the Makefile's own
    lines += [f"{rel(path)}:" for path in listed]
    return "\n".join(lines) + "\n"
