"""What an extractor reads from one written edition, and helpers extractors share."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .. import images
from ..facts import Facts, FigureFact, HeadingFact, NumberFact, find_numbers, fold_width
from .difference import Difference

#: a caption as the editions write it: label "图N", then the caption text
CAPTION = re.compile(r"^\s*(?:图|Figure|Fig\.)\s*(\d+)[\s:：.．、]*(.*)$", re.DOTALL)
#: the words the editions put before a figure's number (labels.*.figure), as normalise_text leaves them
FIGURE_WORDS = ("图", "Figure")


@dataclass
class EditionFacts(Facts):
    """Facts read back from a written file; `paragraphs` holds its text in reading order."""

    #: what one entry of `paragraphs` is: "page" for PDF, "block" otherwise
    unit: str = "block"
    #: heading levels are outline depths (PDF bookmarks nest, so skipped levels close up)
    outline: bool = False
    #: captions may run on into the following text (PDF: where a caption ends is not marked)
    captions_run_on: bool = False
    #: the unit (PDF page) each figure was found on
    figure_units: list[int] = field(default_factory=list)
    #: the title in the file's metadata (PDF /Title, DOCX core title, HTML <title>, EPUB dc:title)
    title: str | None = None
    #: the language in the file's metadata (PDF /Lang, DOCX default w:lang, HTML lang, dc:language)
    language: str | None = None
    #: the authors in the file's metadata (PDF /Author, DOCX creator, HTML author, dc:creator)
    authors: list[str] | None = None
    #: the edition's own contents list (EPUB nav, an HTML contents nav), when it has one
    contents: list[HeadingFact] | None = None
    #: the text of the running heads and feet (DOCX headers and footers), apart from the body
    margins: list[str] = field(default_factory=list)
    #: what the extractor saw by itself, needing no source: text drawn where no reader sees it,
    #: a picture drawn squashed or inverted, a bookmark that lands elsewhere, a broken part
    seen: list[Difference] = field(default_factory=list)


@dataclass
class FigureGroup:
    """Pictures and captions that belong together: one <figure>, one page, or up to a caption."""
    unit: int = 0
    #: fingerprints of the pictures, in order ("" for one that could not be decoded)
    pictures: list[str] = field(default_factory=list)
    #: (number, caption text) of the captions, in order
    captions: list[tuple[int, str]] = field(default_factory=list)


#: what the editions put between the names of their metadata's authors ("黎禹君、江组轩", "A; B")
_AUTHOR_SEPARATORS = re.compile(r"[、;；]")


def split_authors(names: str) -> list[str]:
    """The names of a metadata author line."""
    return [name.strip() for name in _AUTHOR_SEPARATORS.split(names) if name.strip()]


def split_caption(text: str) -> tuple[int, str]:
    """'图3 Caption' → (3, 'Caption'); a caption without a label gives number 0."""
    match = CAPTION.match(fold_width(text))
    if match is None:
        return 0, text.strip()
    return int(match.group(1)), match.group(2).strip()


def pair_figures(groups: list[FigureGroup]) -> tuple[list[FigureFact], list[int]]:
    """Figures from groups, pairing the k-th picture and caption of each; and their units.

    A picture or caption without a partner stays a figure of its own, so a lost
    picture shows as "no picture" instead of shifting every later figure.
    """
    figures, units = [], []
    for group in groups:
        # more pictures than captions: a caption belongs to the picture nearest before it
        pictures, captions = group.pictures, list(group.captions)
        captions = [(0, "")] * (len(pictures) - len(captions)) + captions
        for k, (number, caption) in enumerate(captions):
            picture = pictures[k] if k < len(pictures) else ""
            figures.append(FigureFact(number, caption, fingerprint=picture))
            units.append(group.unit)
    return figures, units


def numbers_of(units: list[str]) -> list[NumberFact]:
    """Every number of every unit, with the 1-based unit index as its paragraph."""
    return [NumberFact(value, "", index)
            for index, text in enumerate(units, start=1) for value in find_numbers(text)]


#: fingerprints by image digest: the PDF and DOCX carry the source's own files, so each
#: picture is decoded once per run, not once per edition
_FINGERPRINTS: dict[bytes, str] = {}


def fingerprint(data: bytes) -> str:
    """images.fingerprint of an image file's bytes ("" when it is not a readable picture)."""
    key = hashlib.blake2b(data, digest_size=16).digest()
    if key not in _FINGERPRINTS:
        try:
            _FINGERPRINTS[key] = images.fingerprint(data)
        except (OSError, ValueError):  # not a picture Pillow can read
            _FINGERPRINTS[key] = ""
    return _FINGERPRINTS[key]
