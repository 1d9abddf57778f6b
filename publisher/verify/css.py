"""The cascade of an HTML or XHTML document's stylesheets, as far as it decides what a reader
sees: each element is matched once (cssselect2) while the tree is walked, and
verify/css_look.py computes its look from what matched (verify/css_sheets.py reads the sheets).

Rules apply as on a screen of any width in the default light colour scheme (print and speech
rules do not: see css_sheets.on_screen). A user agent's own hiding rules ([hidden], a closed
<details>) come first; author rules, style attributes and !important follow in cascade order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Iterator

import cssselect2

from .css_look import Look, computed
from .css_sheets import Load, Rule, matcher, on_screen, rule_of
from .css_values import Tokens, Values, keyword, words

#: elements the user agent never draws (HTML's rendering section); author rules may override it
UA_HIDDEN = frozenset(("rp", "datalist", "area", "param"))

#: pseudo-elements whose look or text counts
PSEUDOS = ("before", "after", "marker", "first-letter")

#: replaced and void elements draw no ::before or ::after
NO_PSEUDO = frozenset("img br hr input wbr area col embed meta link source track base param iframe "
                      "video audio canvas object select textarea".split())

#: the displays of a block container (a ::first-letter applies to those only), and the elements that are one
BLOCK_DISPLAYS = frozenset("block inline-block list-item table-cell table-caption flow-root".split())
BLOCK_TAGS = frozenset("p div li h1 h2 h3 h4 h5 h6 blockquote figcaption dd dt td th caption pre section "
                       "article aside header footer main figure body address".split())

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

START, TEXT, END = 0, 1, 2


@dataclass
class Styled:
    """An element with its look, and the text its ::before and ::after add where a reader sees it."""
    element: Any
    look: Look
    #: its tag, without a namespace, in lower case
    tag: str = ""
    #: a list item's ::marker, where a stylesheet gives it text
    marker: str = ""
    before: str = ""
    after: str = ""
    #: why its first letter is not seen (::first-letter), "" when it is
    first_letter: str = ""
    wrapper: Any = field(default=None, repr=False)


#: the look of the page the root element sits on: nothing declared
ROOT_LOOK = Look()

#: what the user agent declares for an element it does not draw
_UA_NONE = rule_of("display: none")

Match = tuple[Any, int, "str | None", Rule]


class Styles:
    """A document's stylesheets as one cascade, and a walk of its tree with each element's look."""

    def __init__(self, sheets: Iterable[tuple[str, Load]], html: bool) -> None:
        self.html = html
        self._author = matcher(sheets)
        self._inline: dict[str, Rule] = {}
        #: (parent look, matched rules, style attribute) → (parent, look, pseudo looks)
        self._looks: dict[tuple[int, str, tuple[int, ...], str], tuple[Look, Look, dict[str, tuple[Look, Values]]]] = {}

    def walk(self, root: Any) -> Iterator[tuple[int, Styled, str]]:
        """(START, element, ""), (TEXT, element the text is in, text), (END, element, "") in
        document order; iterative, so any depth of nesting is walked."""
        top = self._styled(_Element(root, None, 0, None, self.html), ROOT_LOOK)
        yield START, top, ""
        if root.text:
            yield TEXT, top, root.text
        stack: list[tuple[Styled, Iterator[Any], list[Any]]] = [(top, iter(root), [0, None])]
        while stack:
            node, children, place = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                yield END, node, ""
                if stack and node.element.tail:
                    yield TEXT, stack[-1][0], node.element.tail
            elif not isinstance(child.tag, str):  # a comment, processing instruction or entity: its tail is text
                if child.tail:
                    yield TEXT, node, child.tail
            else:
                wrapper = _Element(child, node.wrapper, place[0], place[1], self.html)
                place[0], place[1] = place[0] + 1, wrapper
                styled = self._styled(wrapper, node.look)
                yield START, styled, ""
                if child.text:
                    yield TEXT, styled, child.text
                stack.append((styled, iter(child), [0, None]))

    def _styled(self, wrapper: Any, parent: Look) -> Styled:
        """An element's look and generated text, from the rules that match it."""
        element = wrapper.etree_element
        ua, author = _ua_rule(wrapper), self._author.match(wrapper)
        style = element.get("style") or ""
        tag = wrapper.local_name.lower()
        if ua is None and not author and not style.strip():
            return Styled(element, parent, tag, wrapper=wrapper)
        key = (id(parent), tag, (id(ua), *(id(m[3]) for m in author)), style)
        if key not in self._looks:
            values = _declared(ua, author, self._inline_rule(style) if style else None)
            own = values.pop(None, {})
            look = computed(parent, own)
            pseudos = {p: (computed(look, v), v) for p, v in values.items() if p}
            if not _has_first_letter(tag, own):
                pseudos.pop("first-letter", None)
            self._looks[key] = (parent, look, pseudos)
        _, look, pseudos = self._looks[key]
        styled = Styled(element, look, tag, wrapper=wrapper)
        if pseudos:  # a pseudo-element may be seen where its element's own text is not (its own font size)
            _generate(styled, pseudos, tag)
        return styled

    def _inline_rule(self, style: str) -> Rule:
        if style not in self._inline:
            self._inline[style] = rule_of(style)
        return self._inline[style]


def _has_first_letter(tag: str, values: Values) -> bool:
    """Whether an element has a ::first-letter: only a block container has one."""
    display = keyword(values.get("display"))
    return display in BLOCK_DISPLAYS if display else tag in BLOCK_TAGS


def _generate(styled: Styled, pseudos: dict[str, tuple[Look, Values]], tag: str) -> None:
    """Set the text ::before and ::after (and a declared list ::marker) show, and a hidden first letter."""
    for pseudo, (look, values) in pseudos.items():
        if pseudo == "first-letter":
            styled.first_letter = look.unseen()
        elif tag in NO_PSEUDO or look.unseen() or (pseudo == "marker" and tag not in ("li", "summary")):
            continue
        elif pseudo == "after":
            styled.after = generated(values.get("content"), styled.element)
        elif pseudo == "marker":
            styled.marker = generated(values.get("content"), styled.element)
        else:
            styled.before += generated(values.get("content"), styled.element)


def generated(tokens: Tokens | None, element: Any) -> str:
    """The text a `content` value shows: its strings and attr() values (counters and quotes
    are left out; `none`, `normal` show nothing)."""
    parts = []
    for token in words(tokens):
        if token.type == "string":
            parts.append(token.value)
        elif token.type == "function" and token.lower_name == "attr":
            name = keyword(token.arguments[:1]) if token.arguments else ""
            parts.append(element.get(name) or "" if name else "")
        elif token.type == "literal" and token.value == "/":  # what follows is alternative text
            break
    return "".join(parts)


def _ua_rule(wrapper: Any) -> Rule | None:
    """The user agent's rule hiding an element: [hidden], a closed <dialog>, what a closed
    <details> holds besides its summary, <rp> … (None for most elements)."""
    element, tag = wrapper.etree_element, wrapper.local_name
    if "hidden" in element.attrib or tag in UA_HIDDEN or (tag == "dialog" and "open" not in element.attrib) \
            or (tag == "input" and (element.get("type") or "").lower() == "hidden"):
        return _UA_NONE
    parent = wrapper.parent
    if parent is not None and parent.local_name == "details" and "open" not in parent.etree_element.attrib:
        earlier = wrapper.etree_siblings[:wrapper.index]
        summary = tag == "summary" and not any(_local(sibling.tag) == "summary" for sibling in earlier)
        return None if summary else _UA_NONE
    return None


def _declared(ua: Rule | None, author: list[Match], inline: Rule | None) -> dict[str | None, Values]:
    """Declared values by pseudo-element (None: the element), in cascade order."""
    out: dict[str | None, Values] = {None: dict(ua.normal)} if ua is not None else {}
    for _, _, pseudo, rule in author:
        out.setdefault(pseudo, {}).update(rule.normal)
    if inline is not None:
        out.setdefault(None, {}).update(inline.normal)
    for _, _, pseudo, rule in author:
        out.setdefault(pseudo, {}).update(rule.important)
    if inline is not None:
        out.setdefault(None, {}).update(inline.important)
    return {pseudo: values for pseudo, values in out.items() if pseudo is None or pseudo in PSEUDOS}


class _Element(cssselect2.ElementWrapper):  # type: ignore[misc]
    """cssselect2's element, with ancestors, earlier siblings and language found by iterating:
    its own recursion fails on markup nested deeper than Python's recursion limit."""

    def __init__(self, element: Any, parent: Any, index: int, previous: Any, html: bool) -> None:
        # ElementWrapper.__init__'s attributes, and what every match asks (local name, id,
        # classes) set at once: a cached_property takes a lock on its first read
        tag, attrib = element.tag, element.attrib
        namespace, _, name = tag[1:].rpartition("}") if tag[:1] == "{" else ("", "", tag)
        self.__dict__.update(
            etree_element=element, parent=parent, previous=previous, index=index, in_html_document=html,
            etree_siblings=parent.etree_children if parent is not None else [element],
            transport_content_language=None, _ancestors=None, _previous_siblings=None,
            local_name=name, namespace_url=namespace, id=attrib.get("id"),
            classes=set(attrib["class"].split()) if "class" in attrib else set())

    _ancestors: tuple[Any, ...] | None
    _previous_siblings: tuple[Any, ...] | None

    @property
    def ancestors(self) -> tuple[Any, ...]:
        if self._ancestors is None:
            chain, node = [], self.parent
            while node is not None and node._ancestors is None:
                chain.append(node)
                node = node.parent
            known: tuple[Any, ...] = () if node is None else (*node._ancestors, node)
            for ancestor in reversed(chain):
                ancestor._ancestors = known
                known = (*known, ancestor)
            self._ancestors = known
        return self._ancestors

    @property
    def previous_siblings(self) -> tuple[Any, ...]:
        if self._previous_siblings is None:
            chain, node = [], self.previous
            while node is not None:
                chain.append(node)
                node = node.previous
            self._previous_siblings = tuple(reversed(chain))
        return self._previous_siblings

    @cached_property
    def lang(self) -> str:
        node = self
        while node is not None:
            if node is not self and "lang" in node.__dict__:
                return str(node.__dict__["lang"])
            value = node.etree_element.get(XML_LANG)
            if value is None and (self.in_html_document or node.namespace_url == "http://www.w3.org/1999/xhtml"):
                value = node.etree_element.get("lang")
            if value is not None:
                return str(value).lower()
            node = node.parent
        return ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


__all__ = ["Styles", "Styled", "Load", "on_screen", "START", "TEXT", "END"]
