"""Reading stylesheets into a cssselect2 Matcher: the style rules that apply on a screen, each
with the declarations that can hide text or add it (tinycss2 parses); @import, @media,
@supports and @layer followed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import cssselect2
import tinycss2

from .css_values import INVALID, Tokens, colour_of, font_shorthand_size, words

#: the properties that can hide text or add it; every other declaration is dropped when read
KEPT = frozenset("""display visibility opacity filter font-size color -webkit-text-fill-color
    background-color background-image text-indent overflow-x overflow-y position left top right
    bottom margin-left margin-top transform scale clip clip-path height max-height width max-width
    content content-visibility zoom""".split())

#: logical properties as they apply to left-to-right, top-to-bottom text
ALIASES = {"inset-inline-start": "left", "inset-block-start": "top", "inset-inline-end": "right",
           "inset-block-end": "bottom", "margin-inline-start": "margin-left", "margin-block-start": "margin-top",
           "block-size": "height", "inline-size": "width", "max-block-size": "max-height",
           "max-inline-size": "max-width", "overflow-block": "overflow-y", "overflow-inline": "overflow-x"}

#: at-rules whose rules apply as if written outside them (feature queries are taken as met)
GROUPS = frozenset(("media", "supports", "layer", "container", "document"))

#: how deep @import may go, and how many stylesheets it may bring in all
MAX_IMPORT_DEPTH, MAX_IMPORTS = 4, 50

#: the text of a stylesheet @import names, relative to that stylesheet (None: not there)
Load = Callable[[str], "str | None"]
Declarations = list[tuple[str, Tokens]]


@dataclass(frozen=True, eq=False)
class Rule:
    """The kept declarations of one style rule (or style attribute), normal and !important."""
    normal: Declarations
    important: Declarations


def matcher(sheets: Iterable[tuple[str, Load]]) -> Any:
    """A cssselect2 Matcher holding every style rule of the sheets that keeps a declaration."""
    rules = cssselect2.Matcher()
    imports = [0]
    for css, load in sheets:
        nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        for prelude, rule in _style_rules(nodes, load, 0, imports):
            try:
                selectors = cssselect2.compile_selector_list(prelude)
            except cssselect2.SelectorError:
                continue  # a selector no browser understands: the rule is dropped, as browsers do
            for selector in selectors:
                rules.add_selector(selector, rule)
    return rules


def _style_rules(nodes: list[Any], load: Load, depth: int, imports: list[int]) -> Iterator[tuple[Tokens, Rule]]:
    """(selector prelude, rule) of every style rule that applies on a screen, in order."""
    for node in nodes:
        if node.type == "qualified-rule":
            rule = rule_of(node.content)
            if rule.normal or rule.important:
                yield node.prelude, rule
        elif node.type == "at-rule" and node.lower_at_keyword == "import":
            yield from _imported(node.prelude, load, depth, imports)
        elif node.type == "at-rule" and node.lower_at_keyword in GROUPS and node.content is not None \
                and (node.lower_at_keyword != "media" or on_screen(tinycss2.serialize(node.prelude))) \
                and depth < MAX_IMPORT_DEPTH * 4:
            inner = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
            yield from _style_rules(inner, load, depth + 1, imports)


def _imported(prelude: Tokens, load: Load, depth: int, imports: list[int]) -> Iterator[tuple[Tokens, Rule]]:
    """The rules of an @import'ed stylesheet (when it exists and its media include screens)."""
    parts = words(prelude)
    if not parts or depth >= MAX_IMPORT_DEPTH or imports[0] >= MAX_IMPORTS:
        return
    first = parts[0]
    href = first.value if first.type in ("string", "url") else \
        (first.arguments[0].value if first.type == "function" and first.lower_name == "url" and first.arguments
         and first.arguments[0].type == "string" else "")
    media = tinycss2.serialize(parts[1:]) if len(parts) > 1 else ""
    css = load(href) if href and on_screen(media) else None
    if css is not None:
        imports[0] += 1
        yield from _style_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True),
                                load, depth + 1, imports)


def rule_of(content: Tokens | str) -> Rule:
    """The kept declarations of a rule's block or of a style attribute."""
    rule = Rule([], [])
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            name = item.name if item.name.startswith("--") else ALIASES.get(item.lower_name, item.lower_name)
            (rule.important if item.important else rule.normal).extend(expand(name, item.value))
    return rule


def expand(name: str, tokens: Tokens) -> Declarations:
    """A declaration as the longhands it sets (only those kept); custom properties as they are."""
    parts = words(tokens)
    if name.startswith("--") or name in KEPT:
        return [(name, tokens)]
    if name == "font":
        size = font_shorthand_size(tokens)
        return [("font-size", size)] if size is not None else []
    if name == "background":
        return [("background-color", _colour_part(tokens)), ("background-image", tokens)]
    if name == "overflow" and parts:
        return [("overflow-x", parts[:1]), ("overflow-y", parts[1:2] or parts[:1])]
    if name in ("inset", "margin") and 0 < len(parts) <= 4:
        top, right, left = parts[0], parts[1 % len(parts)], parts[3 if len(parts) == 4 else 1 % len(parts)]
        if name == "margin":
            return [("margin-top", [top]), ("margin-left", [left])]
        bottom = parts[2 if len(parts) > 2 else 0]
        return [("top", [top]), ("right", [right]), ("bottom", [bottom]), ("left", [left])]
    return []


def _colour_part(tokens: Tokens) -> Tokens:
    """The colour a `background` shorthand sets (transparent when it names none)."""
    if any(t.type == "function" and t.lower_name == "var" for t in tokens):
        return tokens  # known only once the custom property is substituted
    for token in words(tokens):
        if token.type != "literal" and colour_of(token) != INVALID:
            return [token]
    return tinycss2.parse_component_value_list("transparent")


def on_screen(media: str) -> bool:
    """Whether a media query list holds on the screen the verifier reads for: any width, the
    default light colour scheme, no forced colours (print and speech never hold)."""
    queries = [query.strip() for query in media.lower().split(",")]
    return not media.strip() or any(_query_on_screen(query) for query in queries)


def _query_on_screen(query: str) -> bool:
    negated = query.startswith("not ")
    rest = query.removeprefix("not ").removeprefix("only ").strip()
    medium = rest.split("(")[0].split(" and")[0].strip() or "all"
    holds = medium in ("all", "screen") and not any(
        (name, value.strip()) in _FEATURES_OFF for name, value in _FEATURE.findall(rest))
    return holds != negated


#: a media feature in a query: (name) or (name: value)
_FEATURE = re.compile(r"\(\s*([a-z-]+)\s*(?::\s*([^)]*))?\)")

#: media features a reader's screen does not have by default; every other feature is taken as met
_FEATURES_OFF = {("prefers-color-scheme", "dark"), ("forced-colors", "active"), ("inverted-colors", "inverted"),
                 ("prefers-contrast", "more"), ("prefers-contrast", "less")}
