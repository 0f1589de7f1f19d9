"""The pipeline, top to bottom: read lines, compute features, tag, assemble, enrich.

:class:`Segmenter` joins the stages; the module-level :func:`segment` uses a default
one built on first use. The model is loaded lazily, once per process, so importing
the library (or starting a worker) costs nothing until a page is segmented.
"""

from __future__ import annotations

import datetime
import gc
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from segmenter import metadata as metadata_stage
from segmenter._compiled import kernel
from segmenter.assembly import assemble, build_lines
from segmenter.features import PageParts, page_parts, page_parts_many
from segmenter.reading import RawLine, read_lines
from segmenter.tagging import LABELS, CrfModel, Decoding, TagResult, label_role
from segmenter.types import LabelledPage, Line, ModelError, Page, Role, SegmenterError

T = TypeVar("T")
log = logging.getLogger(__name__)
MODEL_NAME = "segmenter.crfsuite"
METADATA_NAME = "segmenter.json"
_CHUNK_SIZE = 32  # pages per task sent to a worker process
_ROLE_OF_LABEL = {label: label_role(label) for label in LABELS}
_LINES = kernel("segmenter._assembly")
_MAX_IN_FLIGHT_PER_JOB = 4  # chunks queued per worker: bounds memory on huge inputs
_BATCH_SIZE = 64  # pages tagged together in one process (each pass decoded for all at once)


def default_model_paths() -> tuple[Path, Path]:
    """The model shipped inside the package, and its JSON sidecar."""
    base = Path(str(resources.files("segmenter") / "model"))
    return base / MODEL_NAME, base / METADATA_NAME


@contextmanager
def collector_paused(pause: bool = True) -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then enable it again.

    Segmenting a page makes thousands of short-lived lists, tuples and sets and no
    reference cycles, which reference counting frees as they go; the collector's passes
    over them found nothing to free on 5,800 corpus pages and cost about 6% of the
    labelling time. The collector is process-wide: one already off is left off, and
    ``pause=False`` does nothing.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(slots=True, frozen=True, kw_only=True)
class Options:
    """Segmentation options, validated once.

    ``confidence``: compute each line's marginal probability (costs a second pass).
    ``metadata``: parse dates, sources, bylines and posts into article fields.
    ``reference_date``: resolves relative dates (``اليوم``, ``أمس``); without it they
    stay unresolved.
    ``second_pass``: tag with the model's stacked second pass when it has one (the
    shipped model does: +0.005 boundary F1 on the composed test split, about 15% of
    labelling time); False tags with the first pass alone.
    ``pause_gc``: :meth:`Segmenter.segment_many` pauses Python's cyclic garbage
    collector while it segments each batch of pages (see :func:`collector_paused`);
    False leaves the collector alone, e.g. where another thread manages it.
    """

    confidence: bool = True
    metadata: bool = True
    reference_date: datetime.date | None = None
    second_pass: bool = True
    pause_gc: bool = True

    def __post_init__(self) -> None:
        if self.reference_date is not None and not isinstance(self.reference_date, datetime.date):
            raise SegmenterError(f"reference_date must be a datetime.date, got {self.reference_date!r}")


class Segmenter:
    """Split scraped Arabic news pages into labelled lines and articles.

    >>> seg = Segmenter()
    >>> page = seg.segment(text)
    >>> page.primary.text, [a.headline for a in page.secondary]

    The shipped model is used unless ``model_path`` (a ``.crfsuite`` file with a
    ``.json`` sidecar of the same stem) or an already loaded ``model`` is given.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        options: Options | None = None,
        model: CrfModel | None = None,
    ) -> None:
        if model_path is None:
            self._model_path, self._metadata_path = default_model_paths()
        else:
            self._model_path = Path(model_path)
            self._metadata_path = self._model_path.with_suffix(".json")
        self.options = options or Options()
        self._model: CrfModel | None = model
        if model is not None:
            self._model_path = model.model_path
            self._metadata_path = model.model_path.with_suffix(".json")

    @property
    def model(self) -> CrfModel:
        """The CRF model, loaded and checked on first use."""
        if self._model is None:
            self._model = CrfModel.load(self._model_path, self._metadata_path)
        return self._model

    def segment(self, text: str, *, page_id: str | None = None) -> Page:
        """Segment one page (the text of one scraped page)."""
        return self._page(*self._tagged(text), page_id)

    def label(self, text: str, *, page_id: str | None = None) -> LabelledPage:
        """Label every line of one page, without assembling articles (see :meth:`label_many`)."""
        return LabelledPage(_labelled_lines(*self._tagged(text)), page_id)

    def _tagged(self, text: str) -> tuple[list[RawLine], PageParts, TagResult]:
        """One page's lines, their features and their tags, as the options ask."""
        raw, parts = _read(text)
        result = self.model.tag_parts(parts, marginals=self.options.confidence, second_pass=self.options.second_pass)
        return raw, parts, result

    def _page(self, raw: list[RawLine], parts: PageParts, result: TagResult, page_id: str | None) -> Page:
        """The page from its lines and their tags: assembled, and enriched if asked."""
        page = assemble(_labelled_lines(raw, parts, result), page_id=page_id)
        if self.options.metadata:
            for article in page.articles:
                region = [page.lines[i] for i in article.line_numbers]
                metadata_stage.enrich_article(article, region, reference=self.options.reference_date)
        return page

    def _segment_batch(
        self, items: list[tuple[int, object]], assembled: bool = True
    ) -> list[Page | LabelledPage | SkippedItem]:
        """Pages of ``(position, item)`` pairs, in order; a bad item is skipped and said why.

        The pages' lines are measured together (:func:`segmenter.features.page_parts_many`)
        and all pages are tagged together (:meth:`CrfModel.tag_parts_many`), which gives
        the labels :meth:`segment` gives, faster; the garbage collector is
        paused meanwhile (``Options.pause_gc``). ``assembled=False`` stops at the
        labelled lines (:class:`LabelledPage`).
        """
        with collector_paused(self.options.pause_gc):
            return self._segment_batch_now(items, assembled)

    def _segment_batch_now(
        self, items: list[tuple[int, object]], assembled: bool
    ) -> list[Page | LabelledPage | SkippedItem]:
        out: list[Page | LabelledPage | SkippedItem | None] = [None] * len(items)
        lines: list[tuple[int, int, object, str | None, list[RawLine]]] = []
        for slot, (index, item) in enumerate(items):
            try:
                page_id, text = _item_text(item)
                lines.append((slot, index, item, page_id, read_lines(text)))
            except (TypeError, ValueError, SegmenterError) as exc:
                out[slot] = _skipped(index, item, exc)
        # the batch's lines measured at once (page_parts_many): the features of page_parts
        all_parts = page_parts_many([[line.text for line in raw] for *_, raw in lines])
        read = [(*page, parts) for page, parts in zip(lines, all_parts)]
        results = self.model.tag_parts_many(
            [parts for *_, parts in read], marginals=self.options.confidence, second_pass=self.options.second_pass
        )
        for (slot, index, item, page_id, raw, parts), result in zip(read, results):
            try:
                if assembled:
                    out[slot] = self._page(raw, parts, result, page_id)
                else:
                    out[slot] = LabelledPage(_labelled_lines(raw, parts, result), page_id)
            except (TypeError, ValueError, SegmenterError) as exc:
                out[slot] = _skipped(index, item, exc)
        return out  # type: ignore[return-value]  # every slot is filled

    def segment_many(
        self,
        texts: Iterable[str | tuple[str, str]],
        *,
        n_jobs: int = 1,
        errors: Literal["raise", "skip"] = "raise",
        skipped: list[SkippedItem] | None = None,
    ) -> Iterator[Page]:
        """Segment many pages, in order, streaming; ``n_jobs > 1`` uses processes.

        Each process tags its pages in batches (each pass decoded for a batch at
        once), which is faster than :meth:`segment` page by page and gives the same
        pages.

        Items are page texts or ``(page_id, text)`` pairs (the id is set on the
        page). At most a few chunks per worker are in flight, so an endless input
        does not fill memory. ``n_jobs=-1`` means one process per core.

        A bad item (not a str, not an ``(id, text)`` pair) raises
        :class:`SegmenterError` naming its position (``errors="raise"``), or is left
        out and recorded with ``errors="skip"``: the other pages still come, and each
        skipped item is appended to ``skipped`` (if given) and logged. Skipping keeps
        the order but not the positions, so pass ids when you skip.
        """
        return self._many(texts, n_jobs, errors, skipped, assembled=True)  # type: ignore[return-value]

    def label_many(
        self,
        texts: Iterable[str | tuple[str, str]],
        *,
        n_jobs: int = 1,
        errors: Literal["raise", "skip"] = "raise",
        skipped: list[SkippedItem] | None = None,
    ) -> Iterator[LabelledPage]:
        """Label every line of many pages, as :meth:`segment_many` does, without
        assembling articles: each page's lines are those of its :class:`Page`.

        For callers that want the labels alone (``segmenter label``, evaluation
        against gold lines, the benchmark): articles, related titles and metadata are
        not built (``Options.metadata`` does not apply). Items, ``n_jobs``, ``errors``
        and ``skipped`` are as for :meth:`segment_many`.
        """
        return self._many(texts, n_jobs, errors, skipped, assembled=False)  # type: ignore[return-value]

    def _many(
        self,
        texts: Iterable[str | tuple[str, str]],
        n_jobs: int,
        errors: Literal["raise", "skip"],
        skipped: list[SkippedItem] | None,
        *,
        assembled: bool,
    ) -> Iterator[Page | LabelledPage]:
        """What :meth:`segment_many` and :meth:`label_many` share; the arguments are checked at the call."""
        if errors not in ("raise", "skip"):
            raise SegmenterError(f"errors must be 'raise' or 'skip', got {errors!r}")
        if n_jobs == -1:
            n_jobs = os.cpu_count() or 1
        if n_jobs < 1:
            raise SegmenterError(f"n_jobs must be >= 1 or -1, got {n_jobs}")
        outcomes: Iterator[Page | LabelledPage | SkippedItem]
        if n_jobs == 1:
            outcomes = (
                outcome
                for batch in chunked(enumerate(texts), _BATCH_SIZE)
                for outcome in self._segment_batch(batch, assembled)
            )
        else:
            outcomes = self._segment_in_workers(texts, n_jobs, assembled)
        return _kept(outcomes, errors, skipped, "segment_many" if assembled else "label_many")

    def _segment_in_workers(
        self, texts: Iterable[str | tuple[str, str]], n_jobs: int, assembled: bool = True
    ) -> Iterator[Page | LabelledPage | SkippedItem]:
        with ProcessPoolExecutor(
            max_workers=n_jobs,
            initializer=_init_worker,
            initargs=(self.worker_spec(),),
        ) as pool:
            pending: deque[Future[list[Page | LabelledPage | SkippedItem]]] = deque()
            for chunk in chunked(enumerate(texts), _CHUNK_SIZE):
                pending.append(pool.submit(_segment_chunk, chunk, assembled))
                if len(pending) >= n_jobs * _MAX_IN_FLIGHT_PER_JOB:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    def worker_spec(self) -> WorkerSpec:
        """What another process needs to build a Segmenter that tags as this one does."""
        path = None if self._model_path == default_model_paths()[0] else str(self._model_path)
        if self._model is None:
            return WorkerSpec(path, self.options)
        second_pass = self.options.second_pass and self._model.second_pass is not None
        return WorkerSpec(path, replace(self.options, second_pass=second_pass), self._model.decoding)


def line_labels(parts: PageParts, result: TagResult, n_lines: int) -> tuple[list[Role], list[int], list[float]]:
    """Role, article and confidence of every line of a page from its tagged lines.

    Blank lines are blank, in the article of the tagged line before them.
    """
    roles: list[Role] = [Role.BLANK] * n_lines
    articles: list[int] = [0] * n_lines
    confidence: list[float] = [1.0] * n_lines
    role_of = _ROLE_OF_LABEL
    index = -1  # the article a "B-" label opens (articles_from_labels), in one pass
    current = 0  # the article of the last tagged line: the blanks after it are in it
    previous = -1
    for position, label, conf in zip(parts.positions, result.labels, result.confidence):
        if label.startswith("B-"):  # opens_article, inline: this runs for every line
            index += 1
        if current and position > previous + 1:
            articles[previous + 1 : position] = [current] * (position - previous - 1)
        current = index if index > 0 else 0
        roles[position] = role_of[label]
        articles[position] = current
        confidence[position] = conf
        previous = position
    if current and previous + 1 < n_lines:
        articles[previous + 1 :] = [current] * (n_lines - previous - 1)
    return roles, articles, confidence


@dataclass(slots=True, frozen=True)
class SkippedItem:
    """An item :meth:`Segmenter.segment_many` could not segment: where, and why."""

    index: int  # position in the input
    page_id: str | None  # the id, when the item was an (id, text) pair
    reason: str


def _kept(
    outcomes: Iterator[Page | LabelledPage | SkippedItem],
    errors: Literal["raise", "skip"],
    skipped: list[SkippedItem] | None,
    caller: str,
) -> Iterator[Page | LabelledPage]:
    """The pages of ``outcomes`` (lazily); a skipped item raises, or is logged and kept in ``skipped``."""
    for outcome in outcomes:
        if not isinstance(outcome, SkippedItem):
            yield outcome
            continue
        if errors == "raise":
            raise SegmenterError(f"item {outcome.index} of {caller}: {outcome.reason}")
        log.warning("%s skipped item %d: %s", caller, outcome.index, outcome.reason)
        if skipped is not None:
            skipped.append(outcome)


def _labelled_lines(raw: list[RawLine], parts: PageParts, result: TagResult) -> list[Line]:
    """Every line of a page with its role, article and confidence (blank lines too)."""
    if _LINES is not None and type(raw) is list and type(parts.positions) is list:
        # the same lines in one pass (segmenter/_assembly.pyx)
        return _LINES.labelled_lines(  # type: ignore[no-any-return]
            Line, raw, parts.positions, list(result.labels), list(result.confidence), _ROLE_OF_LABEL, Role.BLANK
        )
    roles, articles, confidence = line_labels(parts, result, len(raw))
    return build_lines(raw, roles, articles, confidence)


def _read(text: str) -> tuple[list[RawLine], PageParts]:
    """A page's lines and their features (the stages before tagging)."""
    raw = read_lines(text)
    return raw, page_parts([line.text for line in raw])


def _item_text(item: object) -> tuple[str | None, object]:
    """``(page id or None, text)`` of a :meth:`Segmenter.segment_many` item (the text is checked when read)."""
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[0], str):
            raise SegmenterError("an item must be a page text or an (id, text) pair of str")
        return item[0], item[1]
    return None, item


def _skipped(index: int, item: object, exc: Exception) -> SkippedItem:
    """Why an item has no page: bad input is reported, never fatal here (a model
    error is raised again: it is not the item's fault, every item would fail)."""
    if isinstance(exc, ModelError):
        raise exc  # not the item's fault: every item would fail
    page_id = item[0] if isinstance(item, tuple) and item and isinstance(item[0], str) else None
    return SkippedItem(index, page_id, f"{type(exc).__name__}: {exc}")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: Segmenter | None = None


@dataclass(slots=True, frozen=True)
class WorkerSpec:
    """A Segmenter as another process rebuilds it: the model itself is never pickled.

    Workers load the model from its files (``model_path`` None: the shipped model of
    the worker's install). What the files cannot say about a model already in memory
    travels too: offsets set since it loaded (``decoding``) and a second pass it does
    not have (folded into ``options.second_pass``).
    """

    model_path: str | None
    options: Options
    decoding: Decoding | None = None

    def build(self) -> Segmenter:
        seg = Segmenter(self.model_path, options=self.options)
        if self.decoding is not None:
            seg.model.set_decoding(self.decoding)
        return seg


def _init_worker(spec: WorkerSpec) -> None:
    global _WORKER
    _WORKER = spec.build()


def _segment_chunk(
    items: list[tuple[int, str | tuple[str, str]]], assembled: bool = True
) -> list[Page | LabelledPage | SkippedItem]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER._segment_batch(items, assembled)  # type: ignore[arg-type]


_DEFAULT: Segmenter | None = None


def segment(text: str) -> Page:
    """Segment one page with a default :class:`Segmenter` built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Segmenter()
    return _DEFAULT.segment(text)
