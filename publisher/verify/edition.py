"""What an extractor reads from one written edition, and helpers extractors share."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..facts import Facts, FigureFact, NumberFact, find_numbers, fold_width

#: a caption as the editions write it: label "图N", then the caption text
CAPTION = re.compile(r"^\s*图\s*(\d+)[\s:：.．、]*(.*)$", re.DOTALL)


@dataclass
class EditionFacts(Facts):
    """Facts read back from a written file; `paragraphs` holds its text in reading order."""

    #: what one entry of `paragraphs` is: "page" for PDF, "block" otherwise
    unit: str = "block"
    #: heading levels are outline depths (PDF bookmarks nest, so skipped levels close up)
    outline: bool = False
    #: captions may run on into the following text (PDF: where a caption ends is not marked)
    captions_run_on: bool = False
    #: 1-based unit (page) on which each figure was found
    figure_units: list[int] = field(default_factory=list)


@dataclass
class Picture:
    """One drawn image: its fingerprint ("" if it could not be decoded) and where it is."""
    fingerprint: str
    unit: int = 0


def split_caption(text: str) -> tuple[int, str]:
    """'图3 Caption' → (3, 'Caption'); a caption without a label gives number 0."""
    match = CAPTION.match(fold_width(text))
    if match is None:
        return 0, text.strip()
    return int(match.group(1)), match.group(2).strip()


def pair_figures(pictures: list[Picture], captions: list[tuple[int, str]]) -> list[FigureFact]:
    """The k-th picture goes with the k-th caption; a surplus on either side stays unpaired."""
    figures = []
    for k in range(max(len(pictures), len(captions))):
        number, caption = captions[k] if k < len(captions) else (0, "")
        print_ = pictures[k].fingerprint if k < len(pictures) else ""
        figures.append(FigureFact(number, caption, fingerprint=print_))
    return figures


def numbers_of(units: list[str]) -> list[NumberFact]:
    """Every number of every unit, with the 1-based unit index as its paragraph."""
    return [NumberFact(value, "", index)
            for index, text in enumerate(units, start=1) for value in find_numbers(text)]
