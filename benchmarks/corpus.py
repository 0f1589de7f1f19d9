"""The benchmark corpus: a seeded dump of composed pages, generated on demand.

The pages come from :func:`segmenter.compose.compose_pages` (the composer of the
fixtures) over ``shared/data/saudinewsnet``: the train and the test split are
interleaved (train outlets and templates, test outlets and templates), with a seed of
its own so the dump shares no page with the fixtures. Only the page text is kept, as
JSONL ``{"id", "text"}`` (plain, or gzip if the name ends in ``.gz``), the input format
of ``segmenter clean``/``label``.

A composed page is about 5 KB (about 32 lines), so 20,000 pages are just under
100 MiB: generation goes on past ``min_pages`` until ``min_bytes`` of UTF-8 text are
written too (about 21,000 pages). The dump is git-ignored (``benchmarks/out/``) and is
rebuilt only if its sidecar ``.json`` does not match the requested seed and sizes.

    python -m benchmarks.corpus            # benchmarks/out/corpus.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from segmenter import compose
from segmenter.compose import compose_pages, load_articles

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "saudinewsnet"
DEFAULT_OUT = ROOT / "benchmarks" / "out"
DEFAULT_SEED = 31337  # not the fixtures' seed (2024)
MIN_PAGES = 20_000
MIN_BYTES = 100 * 2**20  # 100 MiB of page text (UTF-8)
CORPUS_FORMAT = 1


def _page_text(record: dict[str, Any]) -> str:
    return "\n".join(text for _, _, text in record["lines"])


def iter_pages(
    data_dir: Path, *, seed: int = DEFAULT_SEED, min_pages: int = MIN_PAGES, min_bytes: int = MIN_BYTES
) -> Iterator[tuple[str, str]]:
    """``(id, text)`` pages until both ``min_pages`` and ``min_bytes`` are reached.

    Train and test pages alternate; each split's generator is the composer's own,
    seeded from ``(seed, split)``, so the sequence is reproducible.
    """
    articles = load_articles(data_dir)
    if not articles:
        raise SystemExit(f"no SaudiNewsNet articles under {data_dir}; pass --data DIR")
    # compose_pages draws lazily: ask for more than we can need and stop early
    cap = 10 * max(min_pages, min_bytes // 2000 + 1)
    splits = {s: compose_pages(articles, cap, split=s, seed=seed) for s in ("train", "test")}
    count = size = 0
    while count < min_pages or size < min_bytes:
        split = "train" if count % 2 == 0 else "test"
        record = next(splits[split])
        text = _page_text(record)
        size += len(text.encode("utf-8"))
        yield f"bench-{count:06d}-{record['id']}", text
        count += 1


def _open_write(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        raw = open(path, "wb")
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        return io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
    return open(path, "w", encoding="utf-8", newline="\n")


def _open_read(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def write_pages(path: Path, pages: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> dict[str, int]:
    """Write ``(id, text)`` pages as JSONL; return pages, lines and text bytes."""
    count = lines = size = 0
    with _open_write(path) as out:
        for page_id, text in pages:
            out.write(json.dumps({"id": page_id, "text": text}, ensure_ascii=False) + "\n")
            count += 1
            lines += text.count("\n") + 1
            size += len(text.encode("utf-8"))
    return {"pages": count, "lines": lines, "text_bytes": size}


def read_pages(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """The first ``limit`` (all if None) ``(id, text)`` pages of a dump."""
    pages: list[tuple[str, str]] = []
    with _open_read(path) as fh:
        for raw in fh:
            if limit is not None and len(pages) >= limit:
                break
            record = json.loads(raw)
            pages.append((record["id"], record["text"]))
    return pages


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name.split(".")[0] + ".meta.json")


def composer_fingerprint() -> str:
    """SHA-256 of the composer's code and phrase lists: a changed composer rebuilds the dump."""
    digest = hashlib.sha256(Path(compose.__file__).read_bytes())
    data = Path(compose.__file__).with_name("compose_data")
    for path in sorted(data.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_corpus(
    path: Path,
    *,
    data_dir: Path = DEFAULT_DATA,
    seed: int = DEFAULT_SEED,
    min_pages: int = MIN_PAGES,
    min_bytes: int = MIN_BYTES,
    force: bool = False,
) -> dict[str, Any]:
    """Write the dump at ``path`` unless an identical one is there; return its stats."""
    wanted = {
        "format": CORPUS_FORMAT,
        "seed": seed,
        "min_pages": min_pages,
        "min_bytes": min_bytes,
        "composer_sha256": composer_fingerprint(),
    }
    meta_path = sidecar_path(path)
    if not force and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if all(meta.get(k) == v for k, v in wanted.items()) and meta.get("file_bytes") == path.stat().st_size:
            return meta
    start = time.perf_counter()
    stats = write_pages(path, iter_pages(data_dir, seed=seed, min_pages=min_pages, min_bytes=min_bytes))
    meta = dict(wanted, **stats, file_bytes=path.stat().st_size, seconds=round(time.perf_counter() - start, 1))
    meta["mean_page_bytes"] = round(stats["text_bytes"] / max(stats["pages"], 1), 1)
    meta["mean_page_lines"] = round(stats["lines"] / max(stats["pages"], 1), 2)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of SaudiNewsNet *.zip files")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT / "corpus.jsonl", help="JSONL (.gz compresses)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--pages", type=int, default=MIN_PAGES, help="at least this many pages")
    parser.add_argument("--min-mb", type=float, default=MIN_BYTES / 2**20, help="at least this many MiB of text")
    parser.add_argument("--force", action="store_true", help="rebuild even if an identical dump exists")
    args = parser.parse_args(argv)
    meta = build_corpus(
        args.output,
        data_dir=args.data,
        seed=args.seed,
        min_pages=args.pages,
        min_bytes=int(args.min_mb * 2**20),
        force=args.force,
    )
    print(json.dumps({"path": str(args.output), **meta}, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
