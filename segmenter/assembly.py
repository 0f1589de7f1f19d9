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

from segmenter.features import normalize, tokens_of
from segmenter.lexicons import load as load_lexicon
from segmenter.metadata import posts_from_lines
from segmenter.reading import RawLine
from segmenter.types import Article, Line, Page, Role

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
    return [
        Line(r.text, role, article, r.start, r.end, conf, r.newline)
        for r, role, article, conf in zip(raw, roles, articles, confidence)
    ]


def assemble(lines: list[Line], *, page_id: str | None = None) -> Page:
    """Group labelled lines into articles; fill related titles; keep every line."""
    by_article: dict[int, list[Line]] = {}
    numbers: dict[int, list[int]] = {}
    for number, line in enumerate(lines):
        by_article.setdefault(line.article, []).append(line)
        numbers.setdefault(line.article, []).append(number)
    articles: list[Article] = []
    for index in sorted(by_article):
        region = by_article[index]
        headlines: list[str] = []
        datelines: list[str] = []
        paragraphs: list[str] = []
        has_tweet = False
        for line in region:
            role = line.role
            if role is Role.HEADLINE:
                headlines.append(line.text.strip())
            elif role is Role.DATELINE:
                datelines.append(line.text.strip())
            elif role is Role.BODY:
                paragraphs.append(line.text.strip())
            elif role is Role.TWEET:
                has_tweet = True
        if not (headlines or datelines or paragraphs or has_tweet):
            continue  # furniture only: no article
        article = Article(
            index=index,
            headline=headlines[0] if headlines else None,
            headlines=headlines,
            datelines=datelines,
            paragraphs=paragraphs,
        )
        if has_tweet:  # posts come only from tweet lines
            article.tweets = posts_from_lines(region)
        article.line_numbers = numbers[index]
        articles.append(article)
    related = [
        strip_bullet(line.text)
        for line in lines
        if line.role is Role.RELATED and line.text.strip() and not is_list_header(line.text)
    ]
    return Page(lines=lines, articles=articles, related=[r for r in related if r], id=page_id)
