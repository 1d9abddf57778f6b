"""Placement of a report's opening photos, shared by the print and Word editions.

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
