"""publisher: one Markdown report → print PDF, Word DOCX, e-reader HTML and EPUB, verified."""

__version__ = "0.1.0"
