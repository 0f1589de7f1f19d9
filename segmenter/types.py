"""The data that flows through the pipeline: roles, labelled lines, articles, pages.

Every stage takes and returns these small types, so a typo in a role name fails
loudly (``Role("headlin")`` raises) instead of silently producing a new label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a line is, as defined by the annotation guideline (ANNOTATION.md)."""

    HEADLINE = "headline"
    DATELINE = "dateline"
    BODY = "body"
    TWEET = "tweet"
    RELATED = "related"
    FOOTER = "footer"
    BLANK = "blank"

    @property
    def is_content(self) -> bool:
        """Content lines belong to an article; the others are furniture or spacing."""
        return self in CONTENT_ROLES


CONTENT_ROLES: frozenset[Role] = frozenset({Role.HEADLINE, Role.DATELINE, Role.BODY, Role.TWEET})


class SegmenterError(Exception):
    """Base class of every error the library raises on purpose."""


class ModelError(SegmenterError):
    """The model file or its metadata is missing, corrupt or does not match the code."""


class InputError(SegmenterError):
    """An input record or file cannot be read as a page."""


@dataclass(slots=True)
class Line:
    """One input line with its predicted role and article index.

    ``start``/``end`` are character offsets of the line's text in the page text as
    given (line terminators excluded), so ``text == page_text[start:end]``.
    ``confidence`` is the CRF's marginal probability of the chosen label (1.0 for
    gold or rule-made labels). ``newline`` is the terminator that followed the line
    in the input (``"\n"``, ``"\r\n"``, ``"\r"``, or ``""`` for the last line).
    """

    text: str
    role: Role
    article: int
    start: int
    end: int
    confidence: float = 1.0
    newline: str = "\n"

    def to_list(self) -> list[Any]:
        """The ``[role, article, text]`` triple of the JSONL format."""
        return [str(self.role), self.article, self.text]


@dataclass(slots=True)
class Tweet:
    """An embedded social-media post: its lines kept apart from the article text."""

    text: str
    lines: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    author: str | None = None
    handle: str | None = None
    date_raw: str | None = None
    published: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lines": list(self.lines),
            "links": list(self.links),
            "author": self.author,
            "handle": self.handle,
            "date_raw": self.date_raw,
            "published": self.published,
        }


@dataclass(slots=True)
class Article:
    """One article assembled from the lines that carry its index."""

    index: int
    headline: str | None = None
    headlines: list[str] = field(default_factory=list)
    datelines: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    tweets: list[Tweet] = field(default_factory=list)
    source: str | None = None
    tags: list[str] = field(default_factory=list)
    published: str | None = None
    published_raw: str | None = None
    agency: str | None = None
    place: str | None = None
    author: str | None = None
    line_numbers: list[int] = field(default_factory=list)
    # glued lines split by the metadata stage: (line's start offset in the page,
    # split offset inside the line, "dateline" or "subheading")
    splits: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Clean article text: the headline, then the paragraphs, one per line."""
        parts = ([self.headline] if self.headline else []) + self.paragraphs
        return "\n".join(parts)

    @property
    def is_primary(self) -> bool:
        return self.index == 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "headline": self.headline,
            "datelines": list(self.datelines),
            "paragraphs": list(self.paragraphs),
            "tweets": [t.to_dict() for t in self.tweets],
            "source": self.source,
            "tags": list(self.tags),
            "published": self.published,
            "published_raw": self.published_raw,
            "agency": self.agency,
            "place": self.place,
            "author": self.author,
            "splits": [list(split) for split in self.splits],
            "text": self.text,
        }
        return out


@dataclass(slots=True)
class LabelledPage:
    """A page's lines, each with its role and article: what ``segmenter label`` writes.

    :meth:`segmenter.Segmenter.label_many` gives these when only the labels are wanted;
    they are the lines of the :class:`Page` that ``segment_many`` would build, without
    the articles assembled from them.
    """

    lines: list[Line]
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ANNOTATION.md record: ``{"id", "lines": [[role, article, text], ...]}``."""
        return {"id": self.id, "lines": [line.to_list() for line in self.lines]}


@dataclass(slots=True)
class Page:
    """A segmented page: every line labelled, and the articles built from them."""

    lines: list[Line]
    articles: list[Article] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    id: str | None = None

    @property
    def text(self) -> str:
        """The page text exactly as given, line terminators included."""
        return "".join(line.text + line.newline for line in self.lines)

    @property
    def primary(self) -> Article | None:
        """Article 0, if the page has any content at all."""
        for article in self.articles:
            if article.index == 0:
                return article
        return None

    @property
    def secondary(self) -> list[Article]:
        return [a for a in self.articles if a.index > 0]

    def role_counts(self) -> dict[str, int]:
        counts = {str(role): 0 for role in Role}
        for line in self.lines:
            counts[str(line.role)] += 1
        return counts

    def to_dict(self, *, keep_lines: bool = True) -> dict[str, Any]:
        """A JSON-ready dict: id, articles, related titles, role counts, lines."""
        out: dict[str, Any] = {
            "id": self.id,
            "primary": self.primary.to_dict() if self.primary else None,
            "secondary": [a.to_dict() for a in self.secondary],
            "related": list(self.related),
            "counts": self.role_counts(),
        }
        if keep_lines:
            out["lines"] = [line.to_list() for line in self.lines]
        return out
