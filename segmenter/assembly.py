"""Stage 4: assemble labelled lines into articles, related titles and a page.

Every line keeps its text and offsets in ``page.lines``; articles gather the lines
that carry their index: the headline (the first ``headline`` line; repeats of the
title are kept in ``headlines``), datelines, body paragraphs and embedded posts. Body
lines always become paragraphs, so no body text is ever dropped. Furniture in an
article's region (source and tag lines) feeds its metadata; lines of ``related``
lists become the page's related titles, with bullets and list headers removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import regex

from segmenter._compiled import kernel
from segmenter.features import normalize, tokens_of
from segmenter.lexicons import load as load_lexicon
from segmenter.metadata import posts_from_lines
from segmenter.reading import RawLine
from segmenter.types import Article, Line, Page, Role

# the lines made in C (segmenter/_assembly.pyx), if built: the same objects map makes
_LINES = kernel("segmenter._assembly")
_BULLET_PREFIX_RE = regex.compile(r"^\s*(?:[•●▪■◦◆◇►▶◀◄▸‣⁃∙·○□➤➢✓✔★☆\-\*–—»>]+|\d{1,2}\s*[.)\-]|[\u0660-\u0669]{1,2}\s*[.)\-])\s*")


@cache
def _list_header_phrases() -> frozenset[str]:
    phrases = set()
    for name in ("related_header", "read_also"):
        for phrase in load_lexicon(name):
            phrases.add(" ".join(tokens_of(normalize(phrase))))
    return frozenset(phrases)


@cache
def _longest_list_header() -> int:
    return max(map(len, _list_header_phrases()), default=0)


def is_list_header(text: str) -> bool:
    """A line that only names a list ("مقالات مشابهة", "الأكثر قراءة", "اقرأ أيضا:")."""
    # the joined tokens of a line are at most twice its length (lower-casing turns only
    # U+0130 into two characters): a longer line is no header, and most titles are
    if len(text) > 2 * _longest_list_header():
        return False
    return " ".join(tokens_of(normalize(text))) in _list_header_phrases()


def strip_bullet(text: str) -> str:
    """A list item's title without its bullet or number and surrounding spaces."""
    return _BULLET_PREFIX_RE.sub("", text, count=1).strip()


def build_lines(
    raw: Sequence[RawLine], roles: Sequence[Role], articles: Sequence[int], confidence: Sequence[float]
) -> list[Line]:
    """Each raw line with its role, article and confidence, as a :class:`Line`."""
    if not raw:
        return []
    texts, starts, ends, newlines = zip(*raw)  # columns: the lines built by map, not a loop
    if not len(texts) == len(roles) == len(articles) == len(confidence):
        raise ValueError("one role, article and confidence per line expected")
    columns = (texts, roles, articles, starts, ends, confidence, newlines)
    # zip made the raw columns tuples; the kernel reads lists and tuples only
    if _LINES is not None and all(type(column) in (list, tuple) for column in (roles, articles, confidence)):
        return _LINES.instances(Line, columns)
    return list(map(Line, *columns))


def assemble(lines: list[Line], *, page_id: str | None = None) -> Page:
    """Group labelled lines into articles; fill related titles; keep every line."""
    # one pass over the lines: each article's region (its line numbers, headlines,
    # datelines, paragraphs and whether it holds a post), and the related lines in order
    regions: dict[int, _Region] = {}
    related_lines: list[str] = []
    for number, line in enumerate(lines):
        region = regions.get(line.article)
        if region is None:
            region = regions[line.article] = _Region()
        region.numbers.append(number)
        role = line.role
        if role is Role.BODY:
            region.paragraphs.append(line.text.strip())
        elif role is Role.HEADLINE:
            region.headlines.append(line.text.strip())
        elif role is Role.DATELINE:
            region.datelines.append(line.text.strip())
        elif role is Role.TWEET:
            region.has_tweet = True
        elif role is Role.RELATED:
            related_lines.append(line.text)
    articles: list[Article] = []
    for index in sorted(regions):
        region = regions[index]
        headlines, datelines, paragraphs = region.headlines, region.datelines, region.paragraphs
        if not (headlines or datelines or paragraphs or region.has_tweet):
            continue  # furniture only: no article
        article = Article(
            index=index,
            headline=headlines[0] if headlines else None,
            headlines=headlines,
            datelines=datelines,
            paragraphs=paragraphs,
        )
        if region.has_tweet:  # posts come only from tweet lines
            article.tweets = posts_from_lines([lines[number] for number in region.numbers])
        article.line_numbers = region.numbers
        articles.append(article)
    related = [strip_bullet(text) for text in related_lines if text.strip() and not is_list_header(text)]
    return Page(lines=lines, articles=articles, related=[r for r in related if r], id=page_id)


class _Region:
    """What :func:`assemble` gathers of one article's lines."""

    __slots__ = ("numbers", "headlines", "datelines", "paragraphs", "has_tweet")

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.headlines: list[str] = []
        self.datelines: list[str] = []
        self.paragraphs: list[str] = []
        self.has_tweet = False
