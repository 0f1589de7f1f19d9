"""Clean whole dumps: pages in, clean articles out, streaming, locally or on Dask.

Four entry points, one output schema:

* :func:`clean_dump` — files/directories/stdin in, one JSONL (or text) file out; what
  ``segmenter clean`` runs. Streams (memory does not grow with the input), keeps input
  order with ``jobs > 1``, writes the output atomically (temporary file, fsync,
  rename on success only), and sends unreadable records to ``OUTPUT.rejects.jsonl``.
  With ``scheduler="tcp://HOST:PORT"`` the segmentation runs on a Dask cluster and the
  output is the same, record for record.
* :func:`clean_record` — one segmented :class:`~segmenter.types.Page` as an output
  record (the JSONL schema below).
* :func:`clean_batch` — a dict of columns in, a dict of columns out: usable as it is
  by Ray Data's ``map_batches`` and Hugging Face ``datasets.map(batched=True)``.
* :func:`clean_bag` — a ``dask.bag`` of page texts or records in, a bag of output
  records out (``pip install 'segmenter[dask]'``).

Output record (JSONL, one per input page, in input order)::

    {"id": "...",
     "primary": {"index": 0, "headline": ..., "datelines": [...], "paragraphs": [...],
                 "tweets": [...], "source": ..., "tags": [...], "published": ...,
                 "published_raw": ..., "agency": ..., "place": ..., "author": ...,
                 "text": "headline\\nparagraph\\n..."} | null,
     "secondary": [{same keys, "index": 1}, ...],
     "related": ["title", ...],
     "counts": {"headline": 1, "dateline": 1, "body": 5, "tweet": 0, "related": 0,
                "footer": 3, "blank": 2},
     "lines": [[role, article, text], ...]}      # only with keep_lines

Text output (``format="text"``): the clean text of each chosen article (``articles=
"primary"`` or ``"all"``), documents separated by one blank line; articles with no
text are left out.

Rejects (``OUTPUT.rejects.jsonl``, one ``{"source", "line", "reason"}`` per record):
written only when records were rejected; a stale one from an earlier run of the same
output is removed when the new run rejects nothing.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import logging
import lzma
import os
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from segmenter.io import DEFAULT_MAX_BYTES, InputPage, Rejected, iter_input_files, iter_pages, record_to_page
from segmenter.pipeline import Options, Segmenter, WorkerSpec, chunked
from segmenter.types import InputError, Page, SegmenterError

log = logging.getLogger("segmenter")

FORMATS = ("jsonl", "text")
ARTICLE_CHOICES = ("primary", "all")
REJECTS_SUFFIX = ".rejects.jsonl"
#: Cleaning never reports per-line confidence, so it skips the forward-backward pass
#: (labels come from the Viterbi path either way: the result is the same).
CLEAN_OPTIONS = Options(confidence=False, metadata=True)
_CHUNK_SIZE = 32  # pages per Dask task
_DASK_TASKS_PER_THREAD = 4  # Dask tasks in flight per worker thread: bounds memory
_DASK_HINT = "install the Dask extra: pip install 'segmenter[dask]'"

# Rejection reasons (see segmenter.io) grouped into a few kinds for the summary.
_REASON_KINDS: tuple[tuple[str, str], ...] = (
    ("invalid JSON", "invalid JSON"),
    ("not valid UTF-8", "invalid UTF-8"),
    ("larger than --max-bytes", "too large"),
    ("not a string", "text not a string"),
    ("not an object", "not a JSON object"),
    ("field 'lines'", "bad ANNOTATION.md lines"),
    ("cannot decompress", "cannot decompress"),
)


def reason_kind(reason: str) -> str:
    """The kind of a rejection reason (``invalid JSON``, ``too large``, ...)."""
    for needle, kind in _REASON_KINDS:
        if needle in reason:
            return kind
    if reason.startswith("no "):
        return "missing text field"
    return "other"


@dataclass(slots=True)
class CleanSummary:
    """What a :func:`clean_dump` run did. ``pages_read`` counts every record read
    (cleaned + rejected); ``pages_per_second`` is cleaned pages per second of wall time."""

    pages_read: int = 0
    cleaned: int = 0
    rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    articles_written: int = 0
    files_skipped: int = 0
    elapsed: float = 0.0
    output: Path | None = None
    rejects_path: Path | None = None

    @property
    def pages_per_second(self) -> float:
        return self.cleaned / self.elapsed if self.elapsed > 0 else 0.0

    def line(self) -> str:
        """The one-line summary printed at the end of ``segmenter clean``."""
        text = (
            f"read {self.pages_read} pages: {self.cleaned} cleaned, {self.rejected} rejected; "
            f"{self.articles_written} articles written in {self.elapsed:.1f} s "
            f"({self.pages_per_second:.1f} pages/s)"
        )
        if self.files_skipped:
            text += f"; {self.files_skipped} files skipped"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages_read": self.pages_read,
            "cleaned": self.cleaned,
            "rejected": self.rejected,
            "rejects_by_reason": dict(self.rejects_by_reason),
            "articles_written": self.articles_written,
            "files_skipped": self.files_skipped,
            "elapsed": self.elapsed,
            "pages_per_second": self.pages_per_second,
            "output": str(self.output) if self.output else None,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
        }


# --- records --------------------------------------------------------------------------


def clean_record(page: Page, *, keep_lines: bool = False) -> dict[str, Any]:
    """The output record of one page (see the module docstring for the schema)."""
    return page.to_dict(keep_lines=keep_lines)


def article_texts(page: Page, articles: str = "primary") -> list[str]:
    """Clean texts of the page's primary article (``"primary"``) or of all its
    articles (``"all"``), in page order; articles without text are left out."""
    if articles not in ARTICLE_CHOICES:
        raise SegmenterError(f"articles must be one of {ARTICLE_CHOICES}, got {articles!r}")
    chosen = [page.primary] if articles == "primary" else [page.primary, *page.secondary]
    return [a.text for a in chosen if a is not None and a.text.strip()]


def _article_count(record: Mapping[str, Any]) -> int:
    return (1 if record.get("primary") else 0) + len(record.get("secondary") or ())


# --- atomic output ----------------------------------------------------------------------


class _AtomicOutput:
    """A text file (compressed by the final name's extension) written under a temporary
    name in the same directory, fsynced and renamed over the final name on commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        while True:
            tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
            try:
                self._raw: IO[bytes] = open(tmp, "xb")  # noqa: SIM115 - closed in commit/abort
            except FileExistsError:
                continue
            break
        self.tmp = tmp
        suffix = path.suffix.lower()
        self._compressor: IO[bytes] | None
        if suffix == ".gz":
            self._compressor = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)  # type: ignore[assignment]
        elif suffix == ".bz2":
            self._compressor = bz2.BZ2File(self._raw, "wb")  # type: ignore[assignment]
        elif suffix == ".xz":
            self._compressor = lzma.LZMAFile(self._raw, "wb")  # type: ignore[assignment]
        else:
            self._compressor = None
        self._text = io.TextIOWrapper(self._compressor or self._raw, encoding="utf-8", newline="\n")  # type: ignore[arg-type]
        self.write = self._text.write

    def commit(self) -> None:
        self._text.flush()
        if self._compressor is not None:
            self._text.close()  # finishes the compressed stream; the raw file stays open
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._text.close()
        self._raw.close()
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)

    def abort(self) -> None:
        for fh in (self._text, self._raw):
            with contextlib.suppress(Exception):
                fh.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Rejects:
    """The rejects file, opened on the first reject; counts by reason kind."""

    def __init__(self, path: Path, summary: CleanSummary) -> None:
        self.path = path
        self.summary = summary
        self._out: _AtomicOutput | None = None

    def add(self, item: Rejected) -> None:
        summary = self.summary
        summary.rejected += 1
        kind = reason_kind(item.reason)
        summary.rejects_by_reason[kind] = summary.rejects_by_reason.get(kind, 0) + 1
        log.debug("rejected %s:%d: %s", item.source, item.line_number, item.reason)
        if self._out is None:
            self._out = _AtomicOutput(self.path)
        self._out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")

    def commit(self) -> None:
        if self._out is not None:
            self._out.commit()
            self.summary.rejects_path = self.path
        else:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # stale, from an earlier run of the same output

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()


# --- input ---------------------------------------------------------------------------------


def _check_paths(inputs: list[str], output: Path) -> None:
    if str(output) == "-":
        raise InputError("writing to standard output is not supported; give -o FILE")
    if not output.parent.is_dir():
        raise InputError(f"output directory {str(output.parent)!r} does not exist; create it first (mkdir -p)")
    if output.is_dir():
        raise InputError(f"output {str(output)!r} is a directory; give a file name such as out.jsonl.gz")
    if not inputs:
        raise InputError("no input given; give JSONL/.txt files, directories or '-'")
    target = output.resolve()
    for item in inputs:
        if item == "-":
            continue
        path = Path(item)
        if not path.exists():
            raise InputError(f"input {item!r} does not exist; give JSONL/.txt files, directories or '-'")
        if path.resolve() == target:
            raise InputError(f"output {str(output)!r} is also an input; choose another output name")


def _is_own_file(path: Path, output: Path, rejects: Path) -> bool:
    """This run's output, rejects file or their temporary files (inside an input dir)."""
    resolved = path.resolve()
    for own in (output, rejects):
        own = own.resolve()
        if resolved == own:
            return True
        if resolved.parent == own.parent and resolved.name.startswith(f".{own.name}.") and resolved.name.endswith(".part"):
            return True
    return False


def _input_items(
    inputs: list[str],
    *,
    text_field: str,
    id_field: str,
    max_bytes: int,
    summary: CleanSummary,
    rejects: _Rejects,
    output: Path,
) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of every good page, in input order; counts and records the rest."""

    def skipped(path: Path, reason: str) -> None:
        summary.files_skipped += 1
        log.warning("skipped %s: %s", path, reason)

    for item in iter_input_files(inputs):
        if item != "-" and _is_own_file(Path(item), output, rejects.path):
            continue
        for page in iter_pages([item], text_field=text_field, id_field=id_field, max_bytes=max_bytes, on_skip_file=skipped):
            summary.pages_read += 1
            if isinstance(page, Rejected):
                rejects.add(page)
            else:
                yield page.id, page.text


# --- segmentation backends -------------------------------------------------------------------


_WORKER_SEGMENTERS: dict[WorkerSpec, Segmenter] = {}
_WORKER_LOCK = threading.Lock()


def _worker_segmenter(spec: WorkerSpec) -> Segmenter:
    """One Segmenter per process (and spec), built and loaded on first use."""
    seg = _WORKER_SEGMENTERS.get(spec)
    if seg is None:
        with _WORKER_LOCK:
            seg = _WORKER_SEGMENTERS.get(spec)
            if seg is None:
                seg = spec.build()
                seg.model  # load now, under the lock  # noqa: B018
                _WORKER_SEGMENTERS[spec] = seg
    return seg


def _dask_segment_chunk(items: list[tuple[str, str]], spec: WorkerSpec) -> list[Page]:
    """Runs on a Dask worker: segment a chunk with the worker's own Segmenter."""
    seg = _worker_segmenter(spec)
    return list(seg.segment_many(items))  # tagged together (see Segmenter.segment_many)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise SegmenterError(f"running on a Dask cluster needs dask.distributed; {_DASK_HINT}") from exc
    return distributed


def _connect(scheduler: Any) -> tuple[Any, bool]:
    """A distributed Client for an address (owned, closed by us) or the given Client.

    The connect timeout is Dask's ``distributed.comm.timeouts.connect`` (30 s by
    default; ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s`` changes it).
    """
    distributed = _import_distributed()
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(str(scheduler), set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise SegmenterError(
            f"cannot connect to the Dask scheduler at {scheduler!r} ({exc}); "
            "check the address (tcp://HOST:PORT) and that `dask scheduler` is running"
        ) from exc


def _segment_dask(seg: Segmenter, items: Iterable[tuple[str, str]], scheduler: Any) -> Iterator[Page]:
    """Segment on a Dask cluster, in input order, with a bounded window of tasks.

    Chunks are submitted in order; results are taken from the oldest task first, so
    the output order is the input order whatever order the workers finish in. At most
    ``4 x worker threads`` chunks are in flight, so memory stays flat.
    """
    client, owned = _connect(scheduler)
    pending: deque[Any] = deque()
    try:
        threads = max(1, sum(client.nthreads().values()))
        window = _DASK_TASKS_PER_THREAD * threads
        spec = seg.worker_spec()
        for chunk in chunked(items, _CHUNK_SIZE):
            pending.append(client.submit(_dask_segment_chunk, chunk, spec, pure=False))
            if len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:
            with contextlib.suppress(Exception):
                future.cancel()
        if owned:
            client.close()


# --- progress -------------------------------------------------------------------------------------


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(enabled: bool) -> Any:
    """A tqdm bar on standard error (pages, pages/s), only when it is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoProgress()
    return tqdm(desc="cleaning", unit=" pages", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


# --- the dump cleaner ------------------------------------------------------------------------------


def clean_dump(
    inputs: Iterable[str | Path],
    output: str | Path,
    *,
    text_field: str = "text",
    id_field: str = "id",
    format: str = "jsonl",  # noqa: A002 - mirrors --format
    articles: str = "primary",
    keep_lines: bool = False,
    jobs: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    scheduler: Any = None,
    progress: bool = True,
    segmenter: Segmenter | None = None,
) -> CleanSummary:
    """Clean every page of ``inputs`` into ``output``; see the module docstring.

    ``inputs``: JSONL files (plain, .gz, .bz2, .xz), .txt files (one page each),
    directories (walked recursively, sorted) or ``"-"`` (standard input, JSONL).
    ``jobs``: worker processes (None or -1: one per core). ``scheduler``: a Dask
    scheduler address (``tcp://HOST:PORT``) or a ``distributed.Client``; ``jobs`` is
    then ignored. ``segmenter``: defaults to the shipped model with
    :data:`CLEAN_OPTIONS`. Raises :class:`InputError` for bad arguments before
    anything is written; on any error or interrupt no output file is left behind.
    """
    start = time.perf_counter()
    inputs = [str(item) for item in inputs]
    output = Path(output)
    if format not in FORMATS:
        raise InputError(f"format must be one of {FORMATS}, got {format!r}")
    if articles not in ARTICLE_CHOICES:
        raise InputError(f"articles must be one of {ARTICLE_CHOICES}, got {articles!r}")
    if keep_lines and format != "jsonl":
        raise InputError("--keep-lines needs --format jsonl (text output has no lines)")
    if max_bytes < 1:
        raise InputError(f"max_bytes must be positive, got {max_bytes}")
    if jobs is None or jobs == -1:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise InputError(f"jobs must be >= 1 (or -1 for all cores), got {jobs}")
    _check_paths(inputs, output)
    seg = segmenter if segmenter is not None else Segmenter(options=CLEAN_OPTIONS)
    seg.model  # fail on a missing or mismatched model before writing anything  # noqa: B018

    summary = CleanSummary(output=output)
    rejects = _Rejects(output.with_name(output.name + REJECTS_SUFFIX), summary)
    items = _input_items(
        inputs, text_field=text_field, id_field=id_field, max_bytes=max_bytes,
        summary=summary, rejects=rejects, output=output,
    )
    pages = seg.segment_many(items, n_jobs=jobs) if scheduler is None else _segment_dask(seg, items, scheduler)
    out = _AtomicOutput(output)
    bar = _progress(progress)
    try:
        shown_rejected = 0
        first_document = True
        for page in pages:
            if format == "jsonl":
                record = clean_record(page, keep_lines=keep_lines)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                summary.articles_written += _article_count(record)
            else:
                for text in article_texts(page, articles):
                    out.write(text + "\n" if first_document else "\n" + text + "\n")
                    first_document = False
                    summary.articles_written += 1
            summary.cleaned += 1
            bar.update(1)
            if summary.rejected != shown_rejected:
                shown_rejected = summary.rejected
                bar.set_postfix_str(f"rejected={shown_rejected}", refresh=False)
        pages.close()
        rejects.commit()
        out.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            pages.close()  # stops the worker pool / cancels Dask tasks
        out.abort()
        rejects.abort()
        raise
    finally:
        bar.close()
        summary.elapsed = time.perf_counter() - start
    return summary


# --- batch and bag APIs ---------------------------------------------------------------------------------

#: The columns :func:`clean_batch` adds (``line_*`` only with ``keep_lines``).
BATCH_COLUMNS = (
    "id",
    "primary_headline",
    "primary_text",
    "secondary_texts",
    "secondary",
    "related",
    "n_articles",
    "counts",
    "error",
)
_DEFAULT_SEGMENTER: Segmenter | None = None


def _default_segmenter() -> Segmenter:
    global _DEFAULT_SEGMENTER
    if _DEFAULT_SEGMENTER is None:
        _DEFAULT_SEGMENTER = Segmenter(options=CLEAN_OPTIONS)
    return _DEFAULT_SEGMENTER


def clean_batch(
    batch: Mapping[str, Any],
    *,
    text_column: str = "text",
    id_column: str = "id",
    keep_lines: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    segmenter: Segmenter | None = None,
) -> dict[str, list[Any]]:
    """Clean a batch given as columns; returns the input columns plus these, one row per
    input row (rows are never dropped, so the batch keeps its length):

    ``id`` (str or None), ``primary_headline`` (str or None), ``primary_text`` (str,
    ``""`` without a primary article), ``secondary_texts`` (list of str),
    ``secondary`` (list of article dicts, as in the JSONL output), ``related`` (list of
    str), ``n_articles`` (int), ``counts`` (dict: lines per role, every role present),
    ``error`` (None, or why the row could not be cleaned: text missing, not a string or
    larger than ``max_bytes``); with ``keep_lines`` also ``line_roles``,
    ``line_articles``, ``line_texts`` (parallel lists).

    Works as it is with ``ray.data.Dataset.map_batches(clean_batch)`` and
    ``datasets.Dataset.map(clean_batch, batched=True)``; each worker process builds
    its own Segmenter on first call (the shipped model, unless ``segmenter`` is given).
    For strict Arrow schemas, drop ``secondary`` (nested, with nullable fields) or
    ``json.dumps`` it.
    """
    if text_column not in batch:
        raise InputError(f"batch has no column {text_column!r} (columns: {sorted(batch)}); pass text_column=")
    texts = list(batch[text_column])
    ids = list(batch[id_column]) if id_column in batch else [None] * len(texts)
    seg = segmenter if segmenter is not None else _default_segmenter()
    columns = BATCH_COLUMNS + (("line_roles", "line_articles", "line_texts") if keep_lines else ())
    out: dict[str, list[Any]] = {name: [] for name in columns}
    for raw_id, text in zip(ids, texts):
        page_id = None if raw_id is None else str(raw_id)
        error = None
        if not isinstance(text, str):
            error = f"text is {type(text).__name__}, not a string"
        elif len(text) > max_bytes // 4 and len(text.encode("utf-8")) > max_bytes:
            error = f"text larger than max_bytes ({max_bytes} bytes)"
        page = Page(lines=[], id=page_id) if error else seg.segment(text, page_id=page_id)
        primary = page.primary
        out["id"].append(page_id)
        out["primary_headline"].append(primary.headline if primary else None)
        out["primary_text"].append(primary.text if primary else "")
        out["secondary_texts"].append([a.text for a in page.secondary])
        out["secondary"].append([a.to_dict() for a in page.secondary])
        out["related"].append(list(page.related))
        out["n_articles"].append(len(page.articles))
        out["counts"].append(page.role_counts())
        out["error"].append(error)
        if keep_lines:
            out["line_roles"].append([str(line.role) for line in page.lines])
            out["line_articles"].append([line.article for line in page.lines])
            out["line_texts"].append([line.text for line in page.lines])
    result: dict[str, list[Any]] = {name: values for name, values in batch.items() if name not in out}
    result.update(out)
    return result


def _clean_bag_partition(
    items: Iterable[Any],
    partition: int,
    text_field: str,
    id_field: str,
    keep_lines: bool,
    max_bytes: int,
    spec: WorkerSpec,
    on_reject: str,
) -> list[dict[str, Any]]:
    """Runs on a Dask worker: clean one bag partition with the worker's Segmenter."""
    seg = _worker_segmenter(spec)
    source = f"bag:{partition}"
    out: list[dict[str, Any]] = []
    for number, item in enumerate(items, start=1):
        page: InputPage | Rejected
        if isinstance(item, str):
            page = InputPage(f"{source}:{number}", item, source, number)
        else:
            page = record_to_page(item, source=source, line_number=number, text_field=text_field, id_field=id_field)
        if isinstance(page, InputPage) and len(page.text) > max_bytes // 4 and len(page.text.encode("utf-8")) > max_bytes:
            page = Rejected(source, number, f"record larger than max_bytes ({max_bytes} bytes)")
        if isinstance(page, Rejected):
            if on_reject == "raise":
                raise InputError(f"{page.source}:{page.line_number}: {page.reason}")
            if on_reject == "keep":
                out.append({"id": None, "rejected": page.to_dict()})
            continue
        out.append(clean_record(seg.segment(page.text, page_id=page.id), keep_lines=keep_lines))
    return out


def clean_bag(
    bag: Any,
    *,
    text_field: str = "text",
    id_field: str = "id",
    keep_lines: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    model_path: str | Path | None = None,
    options: Options | None = None,
    on_reject: str = "drop",
) -> Any:
    """A ``dask.bag`` of page texts (str) or records (dict) -> a bag of output records.

    Records are read like JSONL records (``text_field``, ``id_field``, or the
    ANNOTATION.md ``lines``); a record without an id, and every str item, gets the id
    ``bag:PARTITION:NUMBER`` (1-based within its partition). Partition order and order
    within partitions are kept. For JSONL files: ``db.read_text(paths).map(json.loads)``.
    Each worker loads the model itself (``model_path`` must then exist on the workers;
    default: the shipped model of the worker's install) -- the model itself is
    never pickled, only its path and the options. Records that cannot be pages are dropped (``on_reject="drop"``),
    kept as ``{"id": None, "rejected": {"source", "line", "reason"}}`` (``"keep"``), or
    raise :class:`InputError` (``"raise"``). Lazy: call ``.compute()`` or
    ``.to_textfiles()`` on the result.
    """
    if on_reject not in ("drop", "keep", "raise"):
        raise SegmenterError(f"on_reject must be 'drop', 'keep' or 'raise', got {on_reject!r}")
    try:
        import dask
        import dask.bag as db
    except ImportError as exc:
        raise SegmenterError(f"clean_bag needs dask.bag; {_DASK_HINT}") from exc
    spec = WorkerSpec(None if model_path is None else str(model_path), options if options is not None else CLEAN_OPTIONS)
    task = dask.delayed(_clean_bag_partition, pure=True)
    parts = [
        task(part, number, text_field, id_field, keep_lines, max_bytes, spec, on_reject)
        for number, part in enumerate(bag.to_delayed())
    ]
    return db.from_delayed(parts)
