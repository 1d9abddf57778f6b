"""Code highlighting: a code block's text → (text, kind) runs every renderer styles (Pygments)."""
from __future__ import annotations

import functools

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, Operator, String
from pygments.util import ClassNotFound

#: token types → the short kinds layouts style (HTML class tok-<kind>, DOCX docx.code_tokens)
KINDS = ((Comment, "c"), (Keyword, "k"), (String, "s"), (Number, "m"), (Name.Builtin, "nb"),
         (Name.Function, "nf"), (Name.Class, "nc"), (Name.Tag, "nt"), (Name.Attribute, "na"),
         (Operator.Word, "k"))

Run = tuple[str, str]


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def runs(code: str, language: str) -> list[Run]:
    """The code as (text, kind) runs, kind "" for plain text; one plain run without a known language.

    Only a language named on the fence is highlighted: guessing is slow and often wrong.
    """
    lexer = _lexer(language.lower()) if language else None
    if lexer is None:
        return [(code, "")]
    out: list[Run] = []
    for token, text in lexer.get_tokens(code):
        kind = _kind(token)
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + text, kind)
        elif text:
            out.append((text, kind))
    return out if "".join(t for t, _ in out) == code else [(code, "")]


def _kind(token: object) -> str:
    for parent, kind in KINDS:
        if token in parent:  # type: ignore[operator]
            return kind
    return ""
