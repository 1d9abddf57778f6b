"""Front matter: the metadata block at the top of a source → checked fields an editor can act on.

Accepted as real documents carry it: our YAML (`---` … `---` or `...`), the YAML of
Jekyll and Hugo, TOML (`+++`) from Hugo and Zola, MultiMarkdown `Key: value` lines,
pandoc's `%` title block, or none at all. Fields of other tools that have a meaning
here are mapped (author → byline, tags → keywords …); the rest are ignored with one
warning. Every problem of a front matter is reported in one run.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import YAMLError

from .errors import SourceError, SourceErrors
from .notices import Notices
from .typography import CHINESE_TEXT

#: our front-matter fields and the types they accept
FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "subtitle": (str,), "kicker": (str,), "byline": (str,),
    "date": (str, dt.date), "publication": (str,), "section": (str,), "page": (str,),
    "language": (str,), "subject": (str,), "keywords": (list, str), "layouts": (dict,),
}
#: fields of Jekyll, Hugo, Zola, MultiMarkdown and pandoc that mean one of ours
FOREIGN: dict[str, str] = {
    "author": "byline", "authors": "byline", "tags": "keywords", "categories": "keywords",
    "category": "keywords", "description": "subject", "summary": "subject", "lang": "language",
    "abstract": "subject",
}
#: fields other tools use for themselves: never a misspelling of ours
OTHER_TOOLS = frozenset(
    "layout permalink published draft slug weight path extra aliases url template type id "
    "comments toc sidebar math image images cover thumbnail excerpt redirect_from series "
    "lastmod expirydate publishdate menu sitemap headless render_with_liquid".split())
FORMATS = ("pdf", "docx", "html", "epub")
#: a layout is named by its folder in layouts/: no paths
LAYOUT_NAME = re.compile(r"[A-Za-z0-9_-]+")
#: BCP 47 as documents write it: a language subtag, then optional script/region/variant subtags
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
#: MultiMarkdown / Python-Markdown `meta`: `Key: value` lines up to the first blank line
_MMD_LINE = re.compile(r"[A-Za-z0-9_-]+:(?:\s.*)?")
_MONTHS_EN = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %Y", "%Y/%m/%d", "%Y.%m.%d")

#: characters no edition can carry (XML 1.0 forbids them; Word and EPUB are XML): C0 controls
#: but tab and line breaks, DEL, lone surrogates, U+FFFE and U+FFFF
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

#: libyaml's safe loader where PyYAML was built with it (its wheels are): 20x faster
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, dates kept as written (see `_as_written`)."""


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's own safe loader (its messages say more), dates kept as written."""


def _as_written(loader: Any, node: yaml.ScalarNode) -> str:
    """A date stays text: an impossible one (2025-13-40) is then the date field's own error,
    with its line, beside the other fields' errors, not a failure of the whole YAML."""
    return str(loader.construct_scalar(node))


for _loader in (_FastLoader, _SafeLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
_FAST_LOADER = _FastLoader


@dataclass
class FrontMatter:
    """The metadata block of a source, split from its body."""
    #: "yaml", "toml", "mmd", "pandoc", or "" when the source has none
    kind: str
    #: field → value, as the block's own syntax gave them
    data: dict[str, Any]
    #: field → 1-based line in the source
    lines: dict[str, int]
    body: str
    #: 1-based source line of the body's first line
    body_line: int = 1
    #: the checked fields (ours only), filled by `check`
    fields: dict[str, Any] = field(default_factory=dict)


#: what a YAML block may hold with its aliases (*name) expanded, counting each scalar's
#: characters: far beyond any front matter or layout, far below what exhausts memory
#: (a 400-byte "billion laughs" block expands to gigabytes)
MAX_YAML_WEIGHT = 1_000_000
#: how deep YAML collections may nest (the body's lists and quotes stop at 40 too)
MAX_YAML_DEPTH = 40


class YAMLRefused(yaml.MarkedYAMLError):
    """YAML that parses but is refused: an alias bomb, a value holding itself, a key given twice."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


def load_yaml(text: str) -> Any:
    """Parse YAML safely (front matter and layout.yaml); raises yaml.YAMLError.

    The node tree is checked before any value is built (see `check_nodes`). What
    libyaml refuses is parsed again by PyYAML's own safe loader, whose error messages
    say more ("found unknown escape character 'q'", not just where).
    """
    try:
        return _load(text, _FAST_LOADER)
    except YAMLRefused:
        raise
    except yaml.YAMLError as fast_error:
        try:
            return _load(text, _SafeLoader)
        except RecursionError:  # nesting libyaml stopped at 1000 levels: its message says so
            raise fast_error from None


def _load(text: str, loader_class: Any) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_nodes(root: yaml.Node) -> None:
    """Refuse a YAML tree too big once its aliases are expanded, nested too deep, holding
    itself, or with a key given twice in one mapping; each node is looked at once."""
    sizes: dict[int, tuple[int, int]] = {}  # node → (weight expanded, depth)
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            open_nodes.discard(id(node))
            sizes[id(node)] = _size(node, sizes)
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise YAMLRefused("a value holds itself (an alias inside its own anchor)", node.start_mark,
                              "write the value out instead of the alias")
        open_nodes.add(id(node))
        _refuse_repeated_keys(node)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _size(node: yaml.Node, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(weight, depth) of a node whose children are sized; refused past the limits."""
    if isinstance(node, yaml.ScalarNode):
        return 1 + len(node.value), 0
    inner = [sizes[id(child)] for child in _children(node)]
    weight = 1 + sum(w for w, _ in inner)
    depth = 1 + max((d for _, d in inner), default=0)
    if weight > MAX_YAML_WEIGHT:
        raise YAMLRefused(f"aliases (*name) expand the values past {MAX_YAML_WEIGHT:,} characters",
                          node.start_mark, "an alias bomb? write the values out instead")
    if depth > MAX_YAML_DEPTH:
        raise YAMLRefused(f"values nested deeper than {MAX_YAML_DEPTH} levels", node.start_mark,
                          "flatten the structure")
    return weight, depth


def _refuse_repeated_keys(node: yaml.Node) -> None:
    """A key given twice in one mapping: YAML would keep the last one without a word."""
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[tuple[str, str]] = set()
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            raise YAMLRefused(f"key '{key.value}' is given twice", key.start_mark, "keep one of them")
        seen.add((key.tag, key.value))


def split(text: str, path: Path) -> FrontMatter:
    """Split the front matter, whatever its kind, from the Markdown body."""
    for opening, parse in (("---\n", _yaml_block), ("+++\n", _toml_block), ("%", _pandoc_block)):
        if text.startswith(opening):
            return parse(text, path)
    return _mmd_block(text) or FrontMatter("", {}, {}, text)


def _closing(text: str, fences: tuple[str, ...], path: Path) -> tuple[int, int]:
    """(end of the block's text, start of the body) for a block opened on line 1."""
    ends = [(text.find(f"\n{f}\n", 3), len(f) + 2) for f in fences]
    ends += [(len(text) - len(f) - 1, len(f) + 1) for f in fences if text.endswith(f"\n{f}")]
    found = [(pos, skip) for pos, skip in ends if pos >= 0]
    if not found:
        raise SourceError(f"front matter is not closed by a '{fences[0]}' line", path, 1,
                          hint=f"end the block with a line of '{fences[0]}'")
    pos, skip = min(found)
    return pos + 1, pos + skip


#: what to do about YAML's own words, for the mistakes editors make
_YAML_HINTS = {
    "mapping values are not allowed here": "a value with ': ' in it goes in quotes: subtitle: \"时间: 上午\"",
    "found character '\\t' that cannot start any token": "indent with spaces, not tabs",
    "found unexpected end of stream": "a quote is opened and never closed",
}


def _yaml_block(text: str, path: Path) -> FrontMatter:
    end, body = _closing(text, ("---", "..."), path)
    front = text[4:end]
    try:
        data = load_yaml(front)
    except YAMLError as error:
        # the context mark is where the broken construct starts (an unclosed quote, say)
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        cause = getattr(error, "problem", None) or "invalid YAML"
        hint = getattr(error, "hint", _YAML_HINTS.get(cause, "check quotes and indentation"))
        raise SourceError(f"front matter: {cause}", path, line, hint=hint) from None
    except ValueError as error:  # e.g. a date like 2025-13-45
        raise SourceError(f"front matter: {error}", path, hint="dates are YYYY-MM-DD") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceError("front matter must be 'key: value' lines", path, 2)
    return FrontMatter("yaml", data, _key_lines(front, data, 2), text[body:], text.count("\n", 0, body) + 1)


def _toml_block(text: str, path: Path) -> FrontMatter:
    end, body = _closing(text, ("+++",), path)
    front = text[4:end]
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise SourceError(f"front matter (TOML): {str(error).split(' (at')[0]}", path,
                          int(found.group(1)) + 1 if found else None,
                          hint="check quotes and brackets") from None
    return FrontMatter("toml", data, _key_lines(front, data, 2), text[body:], text.count("\n", 0, body) + 1)


def _pandoc_block(text: str, path: Path) -> FrontMatter:
    """pandoc's title block: `% title`, `% author; author`, `% date` (continuations indented)."""
    lines = text.split("\n")
    values: list[str] = []
    count = 0
    for line in lines:
        if line.startswith("%") and len(values) == 3:  # a title block has three lines: title, authors, date
            break
        if line.startswith("%"):
            values.append(line[1:].strip())
        elif line.startswith((" ", "\t")) and values and line.strip():
            values[-1] += " " + line.strip()
        else:
            break
        count += 1
    data: dict[str, Any] = {key: value for key, value in zip(("title", "author", "date"), values) if value}
    if "author" in data:
        data["author"] = [a.strip() for a in data["author"].split(";") if a.strip()]
    line_of = {key: n + 1 for n, key in enumerate(("title", "author", "date")) if key in data}
    return FrontMatter("pandoc", data, line_of, "\n".join(lines[count:]), count + 1)


def _mmd_block(text: str) -> FrontMatter | None:
    """MultiMarkdown metadata: only when a known field is among its keys (prose may start 'Note: …')."""
    lines = text.split("\n")
    data: dict[str, Any] = {}
    line_of: dict[str, int] = {}
    count, key = 0, ""
    for line in lines:
        if not line.strip():
            break
        if key and line.startswith(("    ", "\t")):
            data[key] += " " + line.strip()
        elif _MMD_LINE.fullmatch(line):
            key, _, value = line.partition(":")
            key = key.lower()
            data[key], line_of[key] = value.strip(), count + 1
        else:
            return None
        count += 1
    if "title" not in data:  # prose may start "Summary: …"; metadata of this kind names a title
        return None
    return FrontMatter("mmd", data, line_of, "\n".join(lines[count:]), count + 1)


def _key_lines(front: str, data: dict[str, Any], first_line: int) -> dict[str, int]:
    """The source line of each top-level key of a block."""
    lines = {}
    for key in data:
        found = re.search(rf"^\[?{re.escape(str(key))}\]?\s*[:=\]]", front, re.M)
        if found:
            lines[str(key)] = front.count("\n", 0, found.start()) + first_line
    return lines


def check(front: FrontMatter, path: Path, notices: Notices) -> dict[str, Any]:
    """Our fields from a front matter: foreign ones mapped, the rest ignored with a warning.

    Every problem is collected, then all are raised together.
    """
    errors: list[SourceError] = repeated_fields(front, path)
    fields: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in front.data.items():
        key = str(key)
        line = front.lines.get(key)
        ours = key if key in FIELDS else key.lower() if key.lower() in FIELDS else FOREIGN.get(key.lower())
        if ours is None:
            close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.75)
            if close and key.lower() not in OTHER_TOOLS:
                errors.append(SourceError(f"unknown front-matter field '{key}'", path, line,
                                          hint=f"did you mean '{close[0]}'?"))
            else:
                ignored.append(key)
            continue
        try:
            value = _value_of(ours, value, foreign=ours != key)
            _check_value(ours, value)
        except ValueError as error:
            errors.append(SourceError(str(error), path, line))
            continue
        _merge(fields, ours, value)
    if ignored:
        first = min((front.lines[k] for k in ignored if k in front.lines), default=None)
        notices.warn("front matter: ignored field" + ("s " if len(ignored) > 1 else " ")
                     + ", ".join(f"'{k}'" for k in ignored), first,
                     hint=f"{'they mean' if len(ignored) > 1 else 'it means'} nothing to publisher; "
                          "see README 'Front matter'")
    if errors:
        raise SourceErrors(errors)
    front.fields = fields
    return fields


def repeated_fields(front: FrontMatter, path: Path) -> list[SourceError]:
    """One of our fields written twice in other cases ('title' and 'Title'): which one is meant?"""
    first: dict[str, str] = {}
    errors = []
    for key in map(str, front.data):
        if key.lower() not in FIELDS:
            continue
        if key.lower() in first:
            errors.append(SourceError(f"front-matter field '{key.lower()}' is given twice "
                                      f"('{first[key.lower()]}' and '{key}')", path, front.lines.get(key),
                                      hint="keep one of them"))
        first.setdefault(key.lower(), key)
    return errors


def _value_of(key: str, value: Any, foreign: bool) -> Any:
    """A foreign field's value in our field's shape (author lists → one byline)."""
    if key == "date":
        return _date_of(value)
    if not foreign:
        return value
    if key == "byline" and isinstance(value, (list, dict)):  # people apart: "张三、李四", "Ann Lee; Bo Chen"
        names = [_person(v) for v in (value if isinstance(value, list) else [value])]
        return ("、" if any(CHINESE_TEXT.search(n) for n in names) else "; ").join(names)
    if key == "keywords" and isinstance(value, (str, list)):
        return [value] if isinstance(value, str) and "," not in value else value
    return str(value) if isinstance(value, (int, float)) else value


def _person(entry: Any) -> str:
    """One author as pandoc and Quarto write them: a name, or a table with `name` (text, or
    `literal` / `given` + `family`); their affiliation, e-mail … are not part of a byline."""
    if not isinstance(entry, dict):
        return str(entry)
    name = {str(k).lower(): v for k, v in entry.items()}.get("name")
    if isinstance(name, dict):
        parts = {str(k).lower(): v for k, v in name.items() if isinstance(v, str) and v.strip()}
        name = parts.get("literal") or " ".join(parts[p].strip() for p in ("given", "family") if p in parts)
    if not isinstance(name, str) or not name.strip():
        raise ValueError("an author is given without a name (write 'name: …' in each author's entry)")
    return str(name).strip()


#: a time of day after a date: 15:24, 15:24:05.5, with a zone (Z, +08:00, +0800) or none
_TIME = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,4})?")


def _date_of(value: Any) -> Any:
    """An ISO day from what documents write: dates, date-times with zones, '2018-02-18 15:24', 'July 17, 2006'."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return value
    text = value.strip()
    iso = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ]+(?P<time>.*))", text)
    if iso and iso["time"] and not _TIME.fullmatch(iso["time"].strip()):
        raise ValueError(f"date {value!r}: the time is not a time of day (write YYYY-MM-DD, or HH:MM after it)")
    chinese = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    for found in (iso, chinese):
        if found:
            try:
                return dt.date(*map(int, found.groups()[:3])).isoformat()
            except ValueError as error:
                raise ValueError(f"date {value!r}: {error}") from None
    for pattern in _MONTHS_EN:
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            pass
    raise ValueError(f"date {value!r} is not a date (write YYYY-MM-DD)")


def _check_value(key: str, value: Any) -> None:
    if not isinstance(value, FIELDS[key]):
        wanted = " or ".join("text" if t is str else t.__name__ for t in FIELDS[key])
        raise ValueError(f"front-matter field '{key}' must be {wanted}")
    if key == "layouts" and isinstance(value, dict):
        for fmt, name in value.items():
            if fmt not in FORMATS or not isinstance(name, str):
                raise ValueError(f"layouts: '{fmt}' must be one of {', '.join(FORMATS)} with a layout name")
            if not LAYOUT_NAME.fullmatch(name):
                raise ValueError(f"layouts: {name!r} is not a layout name (use the name of a folder in layouts/)")
    if key == "language" and isinstance(value, str) and not LANGUAGE_TAG.fullmatch(value.strip()):
        raise ValueError(f"language {value!r} is not a language tag (write e.g. zh-CN, en, en-GB)")
    _check_text(key, value)


def _check_text(key: str, value: Any) -> None:
    """No invisible control characters (YAML and TOML escapes write them; no edition can
    carry them), and a title that says something."""
    for text in _strings(value):
        found = _NOT_TEXT.search(text)
        if found:
            raise ValueError(f"front-matter field '{key}' holds the character U+{ord(found.group()):04X}, "
                             "which no edition can carry (remove the escape that writes it, "
                             "such as \\a or \\x07)")
    if key == "title" and isinstance(value, str) and not value.strip():
        raise ValueError("front-matter field 'title' is blank (write the title, or remove the line "
                         "to take the first heading as the title)")


def _strings(value: Any) -> list[str]:
    """Every text inside a field's value (lists and tables of text included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for pair in value.items() for part in pair for text in _strings(part)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _merge(fields: dict[str, Any], key: str, value: Any) -> None:
    """Our own field wins over a mapped one; keyword lists add up (tags + categories)."""
    if key == "keywords" and key in fields:
        fields[key] = list(_as_list(fields[key])) + [k for k in _as_list(value) if k not in _as_list(fields[key])]
    elif key not in fields or key in FIELDS:
        fields[key] = value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in re.split(r"[,，;；]", value) if k.strip()]
    return [str(k) for k in value]


def build_date() -> str:
    """The date of a source without one: SOURCE_DATE_EPOCH (UTC) if set, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return ""
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise SourceError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                          hint="unset it or give a Unix timestamp") from None


__all__ = ["FrontMatter", "split", "check", "load_yaml", "YAMLError", "build_date", "FIELDS"]
