"""Placement of a report's opening photos, shared by every edition.

A newspaper source opens with all its photos; a page shows one lead photo and
spreads the others through the text. Figure order (and so numbering) is kept:
a photo is placed only before the first figure that follows it in the source.
"""
from __future__ import annotations

from .model import Block, Figure, Paragraph


def opening_figures(blocks: list[Block]) -> tuple[list[Figure], list[Block]]:
    """The figures the document opens with, and the blocks after them."""
    count = next((i for i, b in enumerate(blocks) if not isinstance(b, Figure)), len(blocks))
    return [b for b in blocks[:count] if isinstance(b, Figure)], blocks[count:]


def spread(blocks: list[Block], figures: list[Figure]) -> list[Block]:
    """`blocks` with `figures` at even intervals, each after a body paragraph (never after a heading)."""
    if not figures:
        return blocks
    limit = next((i for i, b in enumerate(blocks) if isinstance(b, Figure)), len(blocks))
    slots = [i for i in range(limit)
             if isinstance(blocks[i], Paragraph) and blocks[i].role != "lead"]  # type: ignore[union-attr]
    if not slots:
        return [*figures, *blocks]
    after: dict[int, list[Figure]] = {}
    for k, figure in enumerate(figures):
        after.setdefault(slots[len(slots) * (k + 1) // (len(figures) + 1)], []).append(figure)
    return [x for i, block in enumerate(blocks) for x in (block, *after.get(i, []))]


def lead_then_spread(blocks: list[Block], keep_first: bool = True) -> list[Block]:
    """The figures placed before the text go evenly through it; with `keep_first` the first
    (the lead photo) stays on top. On a phone four opening photos were three screens to scroll
    before the first sentence; in Word, four pages of pictures."""
    figures, rest = opening_figures(list(blocks))
    top = figures[:1] if keep_first else []
    return [*top, *spread(rest, figures[len(top):])]
