"""segmenter: scraped Arabic news pages in, clean primary and secondary articles out.

>>> from segmenter import Segmenter
>>> page = Segmenter().segment(text)
>>> page.primary.text
"""

from __future__ import annotations

import logging

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
    "segment",
]
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
