"""Layout check: every key of a layout.yaml is one that base or the code knows, every closed value allowed.

A typo in a layout (`bleeed: 3mm`, `marks: crops`, `size: A9 sideways`) used to build
silently with the setting ignored; here it stops the build with one line naming the file.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import LayoutError, LayoutErrors
from .model import Meta

#: label key → the name a format's own setting has in layout.yaml (pdf.figure_label …)
FORMAT_LABELS = {"figure": "figure_label", "contents": "toc_title", "date": "date_format",
                 "picture": "missing_alt"}

#: the words only the screen editions print (their notes, links back, skip link, tables)
SCREEN_WORDS = ("notes", "back_to_text", "skip_to_text", "back_to_contents", "table")

#: the labels each format reads through Layout.word (its own setting wins over labels.*)
_WORDS = {"pdf": ("figure", "picture", "page_number", "byline_roles", "date"),
          "html": ("figure", "byline_roles", "contents", "date", *SCREEN_WORDS),
          "epub": ("figure", "byline_roles", "accessibility_summary", "contents", "date", *SCREEN_WORDS)}

#: settings the code reads that layouts/base/layout.yaml does not set ('*' stands for any name)
CODE_KEYS: dict[str, set[str]] = {
    "": {"reference_docx"},
    **{fmt: {FORMAT_LABELS.get(word, word) for word in words} for fmt, words in _WORDS.items()},
    "docx.figure": {"spread", "lead_figure", "label", "sequence"},
    "docx.toc": {"title", "levels", "title_style", "entry_styles"},
    "docx.styles.*": {"keep_together", "widow_control", "character_spacing"},
    "docx.page.grid": {"lines", "chars"},
    "docx.fonts.*": {"alt", "charset", "family", "pitch"},
}

#: mappings whose keys the layout names itself: languages, styles, fonts, token kinds, levels
NAMED = {"labels", "docx.styles", "docx.language_styles", "docx.language_styles.*", "docx.fonts",
         "docx.code_tokens", "docx.headings", "docx.heading_numbers"}

#: a part of the settings that takes the same keys as another
SAME_AS = {"docx.language_styles.*.*": "docx.styles.*"}

#: page size names WeasyPrint knows (weasyprint.css.computed_values.PAGE_SIZES; a test keeps them equal)
PAGE_SIZES = {*(f"{series}{n}" for series in ("a", "b", "c", "jis-b") for n in range(11)),
              "letter", "legal", "ledger"}
#: PDF variants WeasyPrint knows (weasyprint.pdf.VARIANTS; a test keeps them equal)
PDF_VARIANTS = {"debug", "pdf/a-1a", "pdf/a-1b", "pdf/a-2a", "pdf/a-2b", "pdf/a-2u", "pdf/a-3a", "pdf/a-3b",
                "pdf/a-3u", "pdf/a-4e", "pdf/a-4f", "pdf/a-4u", "pdf/ua-1", "pdf/ua-2", "pdf/x-1a", "pdf/x-3",
                "pdf/x-4", "pdf/x-5g"}
ORIENTATIONS = ("portrait", "landscape")
MARKS = ("none", "crop", "cross", "crop cross")
#: a CSS length in an absolute unit (a page is measured in these), or a bare 0
_LENGTH = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:mm|cm|in|pt|pc|px|q)|0", re.IGNORECASE)
_LAYOUT_NAME = re.compile(r"[A-Za-z0-9_-]+")

#: what is wrong with a value (cause, hint), or None when it is fine
Problem = tuple[str, str] | None


def check(config: dict[str, Any], path: Path, base: dict[str, Any]) -> None:
    """Refuse every unknown key and every value out of its set in `config`, read from `path`,
    in one run (one line each), as the front matter's problems are."""
    text = _text(path)
    found = [LayoutError(cause, path, key_line(text, parts), hint) for parts, (cause, hint) in problems(config, base)]
    if len(found) == 1:
        raise found[0]
    if found:
        raise LayoutErrors(found)


def problems(config: dict[str, Any], base: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], tuple[str, str]]]:
    """(dotted key, (cause, hint)) for each unknown key and each value out of its set, in file order."""
    yield from _walk(config, (), "", base)


def _walk(value: Any, parts: tuple[str, ...], pattern: str, base: dict[str, Any]) -> Iterator[Any]:
    check_value = VALUES.get(_canonical(pattern))
    problem = check_value(".".join(parts), value) if check_value else None
    if problem:
        yield parts, problem
    if not isinstance(value, dict) or problem:
        return
    known = None if pattern in NAMED else known_keys(base, pattern)
    for key, child in value.items():
        name = str(key)
        if known is not None and name not in known:
            yield parts + (name,), unknown(parts, name, known)
            continue  # its own keys mean nothing: not looked into
        yield from _walk(child, parts + (name,), _join(pattern, "*" if known is None else name), base)


def known_keys(base: dict[str, Any], pattern: str) -> set[str]:
    """The keys base sets at `pattern` ('*': under any name there), and those the code reads."""
    pattern = _canonical(pattern)
    nodes: list[Any] = [base]
    for part in pattern.split(".") if pattern else []:
        nodes = [child for node in nodes if isinstance(node, dict)
                 for child in (node.values() if part == "*" else [node[part]] if part in node else [])]
    return {str(key) for node in nodes if isinstance(node, dict) for key in node} | CODE_KEYS.get(pattern, set())


def unknown(parts: tuple[str, ...], name: str, known: set[str]) -> tuple[str, str]:
    """The message for key `name` under `parts`, with the nearest known key if one is close."""
    where = ".".join(parts)
    full = _join(where, name)
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"unknown layout setting '{full}'", f"did you mean '{_join(where, close[0])}'?"
    listed = ", ".join(sorted(known)) if len(known) <= 12 else "see layouts/base/layout.yaml"
    return f"unknown layout setting '{full}'", f"the settings {f'under {where} ' if where else ''}are: {listed}"


def _canonical(pattern: str) -> str:
    for prefix, same in SAME_AS.items():
        if pattern == prefix or pattern.startswith(prefix + "."):
            return same + pattern[len(prefix):]
    return pattern


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


# ---- values ------------------------------------------------------------------------

def one_of(what: str, allowed: tuple[str, ...]) -> Callable[[str, Any], Problem]:
    """A check that the value is one of `allowed` (`what` names the kind of value)."""
    def check_one(key: str, value: Any) -> Problem:
        if isinstance(value, str) and value in allowed:
            return None
        return f"{key} {value!r} is not {what}", _suggest(value, allowed) + "use one of " + ", ".join(allowed)
    return check_one


def marks(key: str, value: Any) -> Problem:
    """pdf.marks: none, crop, cross or both (true means crop, false none)."""
    if value is None or isinstance(value, bool):
        return None
    words = str(value).split()
    if isinstance(value, str) and words and set(words) <= {"crop", "cross"} and len(words) == len(set(words)):
        return None
    if value == "none":
        return None
    return f"{key} {value!r} is not a kind of printer's marks", _suggest(value, MARKS) + "use one of " + ", ".join(MARKS)


def page_size(key: str, value: Any) -> Problem:
    """pdf.page.size as CSS takes it: a size name and/or an orientation, or one or two lengths."""
    words = str(value).lower().split() if isinstance(value, str) else []
    if words and (all(_LENGTH.fullmatch(w) for w in words) and len(words) <= 2 or _named_size(words)):
        return None
    bad = next((w for w in words if w not in PAGE_SIZES and w not in ORIENTATIONS), "")
    close = difflib.get_close_matches(bad, sorted(PAGE_SIZES) + list(ORIENTATIONS), n=1, cutoff=0.6) if bad else []
    hint = f"did you mean '{close[0]}'? " if close else ""
    return (f"{key} {value!r} is not a page size",
            hint + "write a size name (A4, A3, B5, letter …) with portrait or landscape, "
                   "or the width and height, e.g. 210mm 297mm")


def _named_size(words: list[str]) -> bool:
    if len(words) == 1:
        return words[0] in PAGE_SIZES or words[0] in ("auto", *ORIENTATIONS)
    return len(words) == 2 and any(w in ORIENTATIONS for w in words) and any(w in PAGE_SIZES for w in words)


def bleed(key: str, value: Any) -> Problem:
    """pdf.bleed: a length, 0 or auto."""
    if value is None or (not isinstance(value, bool) and value == 0) or \
            (isinstance(value, str) and (value == "auto" or _LENGTH.fullmatch(value.strip()))):
        return None
    return f"{key} {value!r} is not a length", "write e.g. 3mm, or 0 for none"


def variant(key: str, value: Any) -> Problem:
    """pdf.variant: one WeasyPrint knows, or empty for a plain PDF (the PDF renderer's own words)."""
    if value is None or value == "" or (isinstance(value, str) and value in PDF_VARIANTS):
        return None
    return (f"{key} {value!r} is not a PDF variant",
            _suggest(value, tuple(sorted(PDF_VARIANTS))) + "use one of " + ", ".join(sorted(PDF_VARIANTS))
            + ", or leave it empty")


def boolean(key: str, value: Any) -> Problem:
    """A switch: true or false (a quoted 'no' would count as on)."""
    return None if isinstance(value, bool) or value is None else (f"{key} {value!r} is not true or false",
                                                                  "write true or false")


def whole_number(key: str, value: Any) -> Problem:
    """A size, a quality, a depth, a figure number (the renderers' own words)."""
    if not isinstance(value, bool) and isinstance(value, (int, str)) and str(value).strip().isdigit():
        return None
    return f"{key} {value!r} is not a whole number", ""


def layout_name(key: str, value: Any) -> Problem:
    """`extends`: the name of a folder in layouts/, or null for none."""
    if value is None or (isinstance(value, str) and _LAYOUT_NAME.fullmatch(value)):
        return None
    return f"{key} {value!r} is not a layout name", "use the name of a folder in layouts/"


def toc(key: str, value: Any) -> Problem:
    """docx.toc: false, or a mapping of the table of contents' settings."""
    return None if value in (None, False) or isinstance(value, dict) else (
        f"{key} {value!r} is neither false nor a table of contents", "write false, or title, levels, "
        "title_style and entry_styles under it")


def front_lines(key: str, value: Any) -> Problem:
    """docx.front: a list of {field: <front-matter field, or source>, style: <style>}."""
    names = tuple(f.name for f in fields(Meta) if f.name != "layouts") + ("source",)
    for line in value if isinstance(value, list) else [value]:
        if not isinstance(line, dict) or set(line) != {"field", "style"}:
            return f"{key}: {line!r} is not {{field: …, style: …}}", "give each line a field and a style"
        if line["field"] not in names:
            return (f"{key}: unknown front-matter field {line['field']!r}",
                    _suggest(line["field"], names) + "use one of " + ", ".join(names))
    return None


def _suggest(value: Any, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


#: settings whose values are checked: pattern ('*' for any name) → check
VALUES: dict[str, Callable[[str, Any], Problem]] = {
    "extends": layout_name,
    "pdf.marks": marks,
    "pdf.page.size": page_size,
    "pdf.bleed": bleed,
    "pdf.variant": variant,
    "pdf.lead_figure": boolean,
    "pdf.spread_figures": boolean,
    "html.spread_figures": boolean,
    "epub.spread_figures": boolean,
    **{f"{fmt}.{key}": whole_number for fmt in ("html", "epub") for key in ("image_long_side", "image_quality",
                                                                            "toc_depth")},
    "epub.cover_figure": whole_number,
    "docx.figure.spread": boolean,
    "docx.figure.lead_figure": boolean,
    "docx.toc": toc,
    "docx.front": front_lines,
    "docx.styles.*.type": one_of("a style type", ("paragraph", "character")),
    "docx.styles.*.align": one_of("an alignment", ("left", "center", "right", "justify")),
}


# ---- where in the file -------------------------------------------------------------

def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def key_line(text: str, parts: tuple[str, ...]) -> int | None:
    """The line of dotted key `parts` in a layout.yaml's text: each part looked for after the one before.

    The YAML library lives in the reader alone, so the line comes from the text, not the node marks;
    a key inside a comment is passed over.
    """
    pos, line = 0, None
    for part in parts:
        pattern = re.compile(rf"(?:^|[\s{{,])(?P<key>[\"']?{re.escape(part)}[\"']?)\s*:(?:\s|$)", re.MULTILINE)
        found = next((m for m in pattern.finditer(text, pos) if "#" not in _line_before(text, m.start("key"))), None)
        if found is None:
            return line
        pos = found.end("key")
        line = text.count("\n", 0, pos) + 1
    return line


def _line_before(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1:pos]
