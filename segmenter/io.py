"""Stage 6: read pages from dumps and annotated files, write JSONL, streaming.

Inputs are read one record at a time, never a whole file, so memory does not grow
with the dump. A record that cannot be a page (bad JSON, no text field, non-string
text, invalid UTF-8, too large) is yielded as a :class:`Rejected` with its source,
line number and reason, and reading goes on with the next record.

Accepted input kinds:

* JSONL (plain, ``.gz``, ``.bz2``, ``.xz``) with a text field (default ``text``) and an
  optional id field (default ``id``; missing ids become ``FILE:LINENO``);
* JSONL in the ANNOTATION.md format (``lines`` of ``[role, article, text]``): the page
  text is the line texts joined with ``\\n``;
* ``.txt`` files, one page each (id: the file name);
* directories, walked recursively in sorted order; binary files are skipped;
* ``-`` for standard input (JSONL).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from segmenter.types import InputError, Role

DEFAULT_MAX_BYTES = 5_000_000
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSED_SUFFIXES = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
TEXT_SUFFIXES = (".txt",)
_BINARY_SNIFF_BYTES = 8192


@dataclass(slots=True, frozen=True)
class InputPage:
    """One page to segment, with where it came from."""

    id: str
    text: str
    source: str
    line_number: int


@dataclass(slots=True, frozen=True)
class Rejected:
    """A record that could not be read as a page, and why."""

    source: str
    line_number: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line_number, "reason": self.reason}


@dataclass(slots=True, frozen=True)
class GoldPage:
    """A page of an annotated file: id and ``(role, article, text)`` per line."""

    id: str
    lines: list[tuple[Role, int, str]]
    source: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(text for _, _, text in self.lines)

    @property
    def roles(self) -> list[Role]:
        return [role for role, _, _ in self.lines]

    @property
    def articles(self) -> list[int]:
        return [article for _, article, _ in self.lines]


class _OwningGzipFile(gzip.GzipFile):
    """A GzipFile that also closes the file object it was given."""

    def close(self) -> None:
        fileobj = self.fileobj
        try:
            super().close()
        finally:
            if fileobj is not None and self.mode == gzip.WRITE:
                fileobj.close()


def _compressed_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in COMPRESSED_SUFFIXES else None


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, decompressing by its extension."""
    suffix = _compressed_suffix(path)
    if suffix:
        return COMPRESSED_SUFFIXES[suffix](path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def open_output(path: Path, mode: str = "wt") -> IO[Any]:
    """Open a file for writing, compressing by its extension (UTF-8 text by default)."""
    suffix = _compressed_suffix(path)
    if suffix == ".gz":
        # mtime=0 and no file name in the header: the same records give identical bytes
        raw = _OwningGzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0)
        return io.TextIOWrapper(raw, encoding="utf-8", newline="\n") if "t" in mode else raw
    if suffix:
        return COMPRESSED_SUFFIXES[suffix](path, mode, **({"encoding": "utf-8"} if "t" in mode else {}))  # type: ignore[return-value]
    return open(path, mode, **({"encoding": "utf-8", "newline": "\n"} if "t" in mode else {}))


def _inner_suffix(path: Path) -> str:
    """The suffix that says what the content is (``x.jsonl.gz`` -> ``.jsonl``)."""
    if _compressed_suffix(path):
        return Path(path.stem).suffix.lower()
    return path.suffix.lower()


def looks_binary(path: Path) -> bool:
    """A file whose first bytes hold NUL is not text (images, archives, ...)."""
    if _compressed_suffix(path):
        return False
    with open(path, "rb") as fh:
        return b"\x00" in fh.read(_BINARY_SNIFF_BYTES)


def record_to_page(
    record: Any, *, source: str, line_number: int, text_field: str = "text", id_field: str = "id"
) -> InputPage | Rejected:
    """Read one decoded JSON record as a page, or say why it is not one."""
    if not isinstance(record, dict):
        return Rejected(source, line_number, f"record is a JSON {type(record).__name__}, not an object")
    raw_id = record.get(id_field)
    page_id = str(raw_id) if raw_id is not None else f"{source}:{line_number}"
    if text_field in record:
        text = record[text_field]
        if not isinstance(text, str):
            return Rejected(source, line_number, f"field {text_field!r} is {type(text).__name__}, not a string")
        return InputPage(page_id, text, source, line_number)
    lines = record.get("lines")
    if isinstance(lines, list):
        try:
            text = "\n".join(str(item[2]) for item in lines)
        except (TypeError, IndexError, KeyError):
            return Rejected(source, line_number, "field 'lines' is not a list of [role, article, text]")
        return InputPage(page_id, text, source, line_number)
    return Rejected(source, line_number, f"no {text_field!r} field (and no ANNOTATION.md 'lines')")


def iter_jsonl(
    stream: IO[bytes],
    source: str,
    *,
    text_field: str = "text",
    id_field: str = "id",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[InputPage | Rejected]:
    """Pages of a JSONL byte stream, one record at a time; bad records are Rejected."""
    line_number = 0
    while True:
        raw = stream.readline(max_bytes + 2)
        if not raw:
            break
        line_number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n") or len(raw.rstrip(b"\r\n")) > max_bytes:
            # skip the rest of an oversized record without holding it in memory
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
            yield Rejected(source, line_number, f"record larger than --max-bytes ({max_bytes} bytes)")
            continue
        if not raw.strip():
            continue
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Rejected(source, line_number, f"not valid UTF-8 at byte {exc.start}")
            continue
        try:
            record = json.loads(decoded)
        except json.JSONDecodeError as exc:
            yield Rejected(source, line_number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        yield record_to_page(record, source=source, line_number=line_number, text_field=text_field, id_field=id_field)


def iter_text_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputPage | Rejected]:
    """A ``.txt`` file is one page."""
    source = str(path)
    with open_binary(path) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        yield Rejected(source, 1, f"file larger than --max-bytes ({max_bytes} bytes)")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Rejected(source, 1, f"not valid UTF-8 at byte {exc.start}")
        return
    yield InputPage(path.name, text, source, 1)


def iter_input_files(inputs: Iterable[str | Path]) -> Iterator[Path | str]:
    """Expand inputs into files in a stable order (directories walked sorted); ``-`` stays."""
    for item in inputs:
        if str(item) == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield Path(root) / name
        elif path.exists():
            yield path
        else:
            raise InputError(f"input {str(path)!r} does not exist; give JSONL/.txt files, directories or '-'")


def iter_pages(
    inputs: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_skip_file: Any = None,
) -> Iterator[InputPage | Rejected]:
    """Every page of every input, in order, streaming; bad records come as Rejected.

    ``on_skip_file(path, reason)`` is called for files inside a directory that are
    skipped (binary files, unknown kinds).
    """
    for item in iter_input_files(inputs):
        if item == "-":
            yield from iter_jsonl(sys.stdin.buffer, "<stdin>", text_field=text_field, id_field=id_field, max_bytes=max_bytes)
            continue
        assert isinstance(item, Path)
        kind = _inner_suffix(item)
        if kind in TEXT_SUFFIXES:
            if looks_binary(item):
                if on_skip_file:
                    on_skip_file(item, "binary file")
                continue
            yield from iter_text_file(item, max_bytes=max_bytes)
        elif kind in JSONL_SUFFIXES or _compressed_suffix(item):
            if looks_binary(item):
                if on_skip_file:
                    on_skip_file(item, "binary file")
                continue
            with open_binary(item) as fh:
                try:
                    yield from iter_jsonl(fh, str(item), text_field=text_field, id_field=id_field, max_bytes=max_bytes)
                except (OSError, EOFError, lzma.LZMAError) as exc:
                    yield Rejected(str(item), 0, f"cannot decompress: {exc}")
        elif looks_binary(item):
            if on_skip_file:
                on_skip_file(item, "binary file")
        else:
            # unknown extension, text content: treat as JSONL, records say if not
            with open_binary(item) as fh:
                yield from iter_jsonl(fh, str(item), text_field=text_field, id_field=id_field, max_bytes=max_bytes)


def read_gold(path: str | Path) -> Iterator[GoldPage]:
    """Pages of an ANNOTATION.md JSONL file; a malformed record raises with its line."""
    path = Path(path)
    with open_binary(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                lines = [(Role(role), int(article), str(text)) for role, article, text in record["lines"]]
            except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
                raise InputError(
                    f"{path}:{number}: not an ANNOTATION.md record ({exc}); "
                    "expected {\"id\": ..., \"lines\": [[role, article, text], ...]}"
                ) from exc
            yield GoldPage(str(record.get("id", f"{path.name}:{number}")), lines, record.get("source"))


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSONL (UTF-8, compressed by extension); returns the count."""
    count = 0
    with open_output(Path(path)) as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
