"""Where a Chinese heading may break: between phrases, never inside a word ("党的创新理论武装持
/续加强"). BudouX (Google's phrase segmenter, a small model, no dictionary to load) finds the
phrases; a phrase of one character joins the next, so "人/才/队/伍" and "新/进展" stay whole.
"""
from __future__ import annotations

import functools
from typing import Any

import budoux

from .typography import CJK_CHAR


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    return budoux.load_default_simplified_chinese_parser()


def phrases(text: str) -> list[str]:
    """`text` in the pieces a line may break between (the whole text when it has no Chinese)."""
    if not CJK_CHAR.search(text):
        return [text]
    pieces: list[str] = []
    carry = ""
    for chunk in _whole_words(_parser().parse(text)):
        if len(chunk.strip()) == 1 and CJK_CHAR.match(chunk.strip()):
            carry += chunk  # one character: kept with what follows
            continue
        pieces.append(carry + chunk)
        carry = ""
    if carry:
        if pieces:
            pieces[-1] += carry
        else:
            pieces.append(carry)
    return pieces


def _whole_words(chunks: list[str]) -> list[str]:
    """The model's chunks with none ending inside a Latin word or number ("Open|AI", "Mi|crosoft")."""
    out: list[str] = []
    for chunk in chunks:
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and chunk[:1].isascii() and chunk[:1].isalnum():
            out[-1] += chunk
        else:
            out.append(chunk)
    return out
