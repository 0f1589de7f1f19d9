"""Stage 1: split a page's text into lines, keeping every character.

Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac exports and some scrapers
emit those). The terminator is kept beside each line, so the page can always be
rebuilt exactly; for ``\\n``-only input, joining the line texts with ``\\n`` gives the
input back. Other Unicode separators (U+2028, form feed, ...) are *not* line breaks:
scrapers leave them inside paragraphs.
"""

from __future__ import annotations

from itertools import accumulate, repeat
from operator import add
from typing import NamedTuple

import regex

from segmenter._compiled import kernel

_LINE_BREAK_RE = regex.compile(r"\r\n|\r|\n")
_SURROGATE_RE = regex.compile(r"[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"


class RawLine(NamedTuple):
    """A line of the input before labelling: its text, offsets and terminator.

    A named tuple, not a frozen dataclass: as unchangeable, and quicker to build (a
    frozen dataclass sets each field through ``object.__setattr__``): splitting a corpus
    page took 32 µs with one, 18 with this.
    """

    text: str
    start: int
    end: int
    newline: str


def sanitize(text: str) -> str:
    """Replace lone surrogates (which cannot be encoded as UTF-8) with U+FFFD.

    This is the only change ever made to the text, and only where Python holds a
    string that no file could contain; everything else is kept as given.
    """
    if not isinstance(text, str):
        raise TypeError(f"a page must be str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE_RE.sub(REPLACEMENT_CHARACTER, text)
    return text


def split_lines(text: str) -> list[RawLine]:
    """Split ``text`` into lines with offsets; the empty string is one empty line."""
    if "\r" not in text:  # the common case: one str.split, offsets by length
        texts = text.split("\n")
        lengths = list(map(len, texts))
        starts = list(accumulate(map((1).__add__, lengths), initial=0))
        newlines = ["\n"] * len(texts)
        newlines[-1] = ""
        # built as _make builds a named tuple, by map: no Python call for each line
        return list(map(tuple.__new__, repeat(RawLine), zip(texts, starts, map(add, starts, lengths), newlines)))
    lines: list[RawLine] = []
    start = 0
    for match in _LINE_BREAK_RE.finditer(text):
        lines.append(RawLine(text[start : match.start()], start, match.start(), match.group()))
        start = match.end()
    lines.append(RawLine(text[start:], start, len(text), ""))
    return lines


# a page read in C (segmenter/_assembly.pyx), if built: the lines split_lines makes
_RAW_LINES = kernel("segmenter._assembly")


def read_lines(text: str) -> list[RawLine]:
    """A page as the stages after reading get it: ``split_lines(sanitize(text))``.

    With the compiled kernel, one pass over the characters looks for lone surrogates
    and line ends at once (a page with a surrogate is sanitized first, here).
    """
    if _RAW_LINES is not None and type(text) is str:
        lines = _RAW_LINES.raw_lines(text, RawLine)
        if lines is not None:
            return lines  # type: ignore[no-any-return]
    return split_lines(sanitize(text))


def join_lines(lines: list[RawLine]) -> str:
    """Inverse of :func:`split_lines`."""
    return "".join(line.text + line.newline for line in lines)
