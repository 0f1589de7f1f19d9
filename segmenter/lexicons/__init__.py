"""Cue word lists, loaded by name from the UTF-8 text files beside this module.

Lists are data, reviewable in a diff: one phrase per line, ``#`` comments. Code asks
for a list by name; an unknown name raises and lists the known ones.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from segmenter.types import SegmenterError


def available() -> list[str]:
    """Names of every shipped list (file names without ``.txt``)."""
    files = resources.files(__name__)
    return sorted(p.name[:-4] for p in files.iterdir() if p.name.endswith(".txt"))


def parse_word_list(text: str) -> tuple[str, ...]:
    """Entries of a word-list file: one per line, ``#`` comments and blank lines dropped."""
    entries = (raw.split("#", 1)[0].strip() for raw in text.splitlines())
    return tuple(entry for entry in entries if entry)


@cache
def load(name: str) -> tuple[str, ...]:
    """The phrases of list ``name``, in file order."""
    path = resources.files(__name__) / f"{name}.txt"
    if not path.is_file():
        raise SegmenterError(f"unknown lexicon {name!r}; known lexicons: {', '.join(available())}")
    return parse_word_list(path.read_text(encoding="utf-8"))
