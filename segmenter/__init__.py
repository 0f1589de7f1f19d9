"""segmenter: scraped Arabic news pages in, clean primary and secondary articles out.

>>> from segmenter import Segmenter
>>> page = Segmenter().segment(text)
>>> page.primary.text
"""

from __future__ import annotations

import logging

from segmenter._compiled import COMPILED as _COMPILED  # first: picks compiled or source modules
from segmenter.pipeline import Options, Segmenter, SkippedItem, segment
from segmenter.types import Article, InputError, Line, ModelError, Page, Role, SegmenterError, Tweet

__all__ = [
    "Article",
    "InputError",
    "Line",
    "ModelError",
    "Options",
    "Page",
    "Role",
    "Segmenter",
    "SegmenterError",
    "SkippedItem",
    "Tweet",
    "compiled_modules",
    "segment",
]
__version__ = "0.1.0"


def compiled_modules() -> list[str]:
    """The modules running compiled (Cython) in this process; empty: pure Python."""
    return [name for name, compiled in _COMPILED.items() if compiled]


logging.getLogger(__name__).addHandler(logging.NullHandler())
