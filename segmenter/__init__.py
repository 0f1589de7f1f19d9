"""segmenter: scraped Arabic news pages in, clean primary and secondary articles out.

>>> from segmenter import Segmenter
>>> page = Segmenter().segment(text)
>>> page.primary.text
"""

from __future__ import annotations

import logging

from segmenter import _compiled  # first: picks compiled or source modules
from segmenter.pipeline import Options, Segmenter, SkippedItem, segment
from segmenter.types import Article, InputError, LabelledPage, Line, ModelError, Page, Role, SegmenterError, Tweet

__all__ = [
    "Article",
    "InputError",
    "LabelledPage",
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
    from segmenter import tagging  # noqa: F401  # asks for its kernel when imported

    status = {**_compiled.COMPILED, **_compiled.KERNEL_STATUS}
    return [name for name in (*_compiled.COMPILABLE, *_compiled.KERNELS) if status.get(name)]


logging.getLogger(__name__).addHandler(logging.NullHandler())
