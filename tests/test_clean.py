"""`segmenter clean`: end to end through ``cli.main`` on small dumps, with the shipped model.

The dumps are built in ``tmp_path`` from the five annotated seed pages of
``fixtures/seeds-gold.jsonl``. The Dask test starts a real two-process LocalCluster
and is skipped only where dask/distributed are not installed.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import logging
import lzma
import sys
from pathlib import Path

import pytest

from segmenter import cli
from segmenter.clean import BATCH_COLUMNS, clean_batch, clean_record
from segmenter.io import open_binary
from segmenter.pipeline import Segmenter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEEDS_GOLD = FIXTURES / "seeds-gold.jsonl"
COMPRESSORS = {"": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _seed_pages() -> list[tuple[str, str]]:
    pages = []
    for raw in SEEDS_GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        pages.append((record["id"], "\n".join(text for _, _, text in record["lines"])))
    return pages


SEEDS = _seed_pages()


def _write_jsonl(path: Path, records: list[dict], *, opener=None) -> Path:
    opener = opener or COMPRESSORS.get(path.suffix, open)
    with opener(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _dump(path: Path, n: int = 5) -> Path:
    """``n`` pages with ids ``p000``, ``p001``, ... cycling through the seed texts."""
    records = [{"id": f"p{i:03d}", "text": SEEDS[i % len(SEEDS)][1]} for i in range(n)]
    return _write_jsonl(path, records)


def _read(path: Path) -> list[dict]:
    with open_binary(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _clean(*args: str | Path) -> int:
    return cli.main(["clean", *map(str, args), "--quiet"])


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict]:
    """The seed pages cleaned once (ids seed-000...), to compare other runs against."""
    tmp = tmp_path_factory.mktemp("reference")
    out = tmp / "ref.jsonl"
    assert _clean(SEEDS_GOLD, "-o", out, "-j", "1") == cli.EXIT_OK
    return {record["id"]: record for record in _read(out)}


def _same_content(record: dict, ref: dict) -> bool:
    return {k: v for k, v in record.items() if k != "id"} == {k: v for k, v in ref.items() if k != "id"}


# --- input kinds ---------------------------------------------------------------------------


def test_annotation_format_input_gives_the_documented_schema(reference):
    assert list(reference) == [page_id for page_id, _ in SEEDS]
    for record in reference.values():
        assert set(record) == {"id", "primary", "secondary", "related", "counts"}
        assert record["primary"] is not None and record["primary"]["index"] == 0
        assert set(record["primary"]) >= {"headline", "datelines", "paragraphs", "tweets", "source", "tags", "text"}
        assert all(a["index"] > 0 for a in record["secondary"])
    page = Segmenter().segment(SEEDS[0][1], page_id=SEEDS[0][0])
    assert reference[SEEDS[0][0]] == clean_record(page)
    assert sum(reference[SEEDS[0][0]]["counts"].values()) == len(SEEDS[0][1].split("\n"))


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"])
def test_jsonl_plain_and_compressed_in_and_out(tmp_path, reference, suffix):
    dump = _dump(tmp_path / f"dump.jsonl{suffix}")
    out = tmp_path / f"out.jsonl{suffix}"
    assert _clean(dump, "-o", out, "-j", "1") == cli.EXIT_OK
    if suffix:  # really compressed, by the output's extension
        with COMPRESSORS[suffix](out, "rb") as fh:
            assert fh.read(1) == b"{"
    records = _read(out)
    assert [r["id"] for r in records] == [f"p{i:03d}" for i in range(5)]
    for record, (seed_id, _) in zip(records, SEEDS):
        assert _same_content(record, reference[seed_id])
    assert not (tmp_path / f"out.jsonl{suffix}.rejects.jsonl").exists()
    assert _leftovers(tmp_path) == []


def test_text_fields_and_missing_ids(tmp_path, reference):
    dump = _write_jsonl(
        tmp_path / "custom.jsonl",
        [{"url": "u0", "body": SEEDS[0][1]}, {"body": SEEDS[1][1]}],
    )
    out = tmp_path / "out.jsonl"
    assert _clean(dump, "-o", out, "--text-field", "body", "--id-field", "url", "-j", "1") == cli.EXIT_OK
    records = _read(out)
    assert [r["id"] for r in records] == ["u0", f"{dump}:2"]
    assert _same_content(records[1], reference[SEEDS[1][0]])


def test_txt_files_and_directory_with_a_binary_file(tmp_path, reference, caplog):
    tree = tmp_path / "tree"
    (tree / "b").mkdir(parents=True)
    (tree / "a").mkdir()
    (tree / "b" / "page.txt").write_text(SEEDS[2][1], encoding="utf-8")
    (tree / "a" / "z.jsonl").write_text(json.dumps({"id": "z", "text": SEEDS[3][1]}, ensure_ascii=False) + "\n", encoding="utf-8")
    (tree / "a" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tree / "a" / "y.txt").write_text(SEEDS[4][1], encoding="utf-8")
    single = tmp_path / "single.txt"
    single.write_text(SEEDS[0][1], encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.WARNING, logger="segmenter"):
        assert _clean(single, tree, "-o", out, "-j", "1") == cli.EXIT_OK
    records = _read(out)
    # the file first, then the directory walked in sorted order: a/y.txt, a/z.jsonl, b/page.txt
    assert [r["id"] for r in records] == ["single.txt", "y.txt", "z", "page.txt"]
    for record, seed in zip(records, (0, 4, 3, 2)):
        assert _same_content(record, reference[SEEDS[seed][0]])
    assert any("image.png" in r.getMessage() and "binary" in r.getMessage() for r in caplog.records)


def test_standard_input(tmp_path, monkeypatch, reference):
    data = "".join(json.dumps({"id": f"s{i}", "text": text}, ensure_ascii=False) + "\n" for i, (_, text) in enumerate(SEEDS[:3]))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="utf-8"))
    out = tmp_path / "out.jsonl"
    assert _clean("-", "-o", out, "-j", "1") == cli.EXIT_OK
    records = _read(out)
    assert [r["id"] for r in records] == ["s0", "s1", "s2"]
    assert _same_content(records[2], reference[SEEDS[2][0]])


def test_jobs_2_keeps_input_order(tmp_path):
    dump = _dump(tmp_path / "dump.jsonl", n=75)  # three chunks of pages for the workers
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert _clean(dump, "-o", one, "-j", "1") == cli.EXIT_OK
    assert _clean(dump, "-o", two, "-j", "2") == cli.EXIT_OK
    records = _read(two)
    assert [r["id"] for r in records] == [f"p{i:03d}" for i in range(75)]
    assert records == _read(one)


# --- bad input -----------------------------------------------------------------------------


def test_rejects_are_written_and_counted_and_good_records_kept(tmp_path, reference, caplog):
    good = [json.dumps({"id": f"g{i}", "text": text}, ensure_ascii=False).encode("utf-8") for i, (_, text) in enumerate(SEEDS)]
    big = json.dumps({"id": "big", "text": "ا" * 30_000}).encode("utf-8")
    lines = [
        good[0],
        b'{"id": "broken", "text": "no closing quote}',  # invalid JSON
        good[1],
        b'{"id": "notext", "body": "x"}',  # no text field
        b'{"id": "number", "text": 42}',  # non-string text
        good[2],
        b'{"id": "latin1", "text": "caf\xe9"}',  # invalid UTF-8
        big,  # larger than --max-bytes
        good[3],
        b"[1, 2, 3]",  # not an object
        good[4],
    ]
    dump = tmp_path / "dirty.jsonl"
    dump.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.INFO, logger="segmenter"):
        code = cli.main(["clean", str(dump), "-o", str(out), "-j", "1", "--max-bytes", "20000"])
    assert code == cli.EXIT_REJECTED
    records = _read(out)
    assert [r["id"] for r in records] == [f"g{i}" for i in range(5)]
    for record, (seed_id, _) in zip(records, SEEDS):
        assert _same_content(record, reference[seed_id])
    rejects = _read(tmp_path / "out.jsonl.rejects.jsonl")
    assert [(r["source"], r["line"]) for r in rejects] == [(str(dump), n) for n in (2, 4, 5, 7, 8, 10)]
    reasons = [r["reason"] for r in rejects]
    assert "invalid JSON" in reasons[0] and "'text'" in reasons[1] and "int" in reasons[2]
    assert "UTF-8" in reasons[3] and "max-bytes" in reasons[4] and "not an object" in reasons[5]
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "read 11 pages: 5 cleaned, 6 rejected" in messages
    assert "6 records rejected" in messages and "rejects.jsonl" in messages

    # the API reports the same, by reason kind
    from segmenter.clean import clean_dump

    summary = clean_dump([dump], tmp_path / "api.jsonl", jobs=1, max_bytes=20_000, progress=False)
    assert (summary.pages_read, summary.cleaned, summary.rejected) == (11, 5, 6)
    assert summary.rejects_by_reason == {
        "invalid JSON": 1, "missing text field": 1, "text not a string": 1,
        "invalid UTF-8": 1, "too large": 1, "not a JSON object": 1,
    }
    assert summary.articles_written == sum(1 + len(r["secondary"]) for r in records)
    assert summary.rejects_path == tmp_path / "api.jsonl.rejects.jsonl"
    assert "pages/s" in summary.line()

    # a clean rerun of the same output removes the stale rejects file
    clean_dump([SEEDS_GOLD], tmp_path / "api.jsonl", jobs=1, progress=False)
    assert not (tmp_path / "api.jsonl.rejects.jsonl").exists()


def test_pathological_lines_do_not_hang(tmp_path):
    punctuation = "!?.,;:-" * 150_000  # ~1 MB on one line
    emoji = "\U0001F600" * 100_000
    dump = _write_jsonl(tmp_path / "odd.jsonl", [{"id": "punct", "text": punctuation}, {"id": "emoji", "text": emoji}])
    out = tmp_path / "out.jsonl"
    import time

    start = time.perf_counter()
    assert _clean(dump, "-o", out, "-j", "1") == cli.EXIT_OK
    assert time.perf_counter() - start < 30
    assert [r["id"] for r in _read(out)] == ["punct", "emoji"]


# --- atomic output ---------------------------------------------------------------------------


def test_a_failed_run_leaves_no_output_and_no_temporary_file(tmp_path, monkeypatch):
    dump = _dump(tmp_path / "dump.jsonl", n=5)
    out = tmp_path / "out.jsonl.gz"
    original = Segmenter._page  # every page passes here, one by one or tagged in a batch
    calls = {"n": 0}

    def failing(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash mid-run")
        return original(self, *args)

    monkeypatch.setattr(Segmenter, "_page", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _clean(dump, "-o", out, "-j", "1")
    assert not out.exists()
    assert _leftovers(tmp_path) == []

    # an earlier complete output is not replaced by a partial one
    out.write_bytes(b"earlier run")
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        _clean(dump, "-o", out, "-j", "1")
    assert out.read_bytes() == b"earlier run"
    assert _leftovers(tmp_path) == []


def test_an_interrupted_run_exits_130_and_leaves_nothing(tmp_path, monkeypatch):
    dump = _dump(tmp_path / "dump.jsonl", n=3)
    dump_bad = tmp_path / "bad.jsonl"
    dump_bad.write_text("not json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"

    def interrupt(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Segmenter, "_page", interrupt)
    assert _clean(dump_bad, dump, "-o", out, "-j", "1") == cli.EXIT_INTERRUPTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "dump.jsonl"]


# --- output formats --------------------------------------------------------------------------


def test_text_format_primary_and_all(tmp_path, reference):
    primary, everything = tmp_path / "primary.txt", tmp_path / "all.txt.gz"
    assert _clean(SEEDS_GOLD, "-o", primary, "--format", "text", "-j", "1") == cli.EXIT_OK
    assert _clean(SEEDS_GOLD, "-o", everything, "--format", "text", "--articles", "all", "-j", "1") == cli.EXIT_OK
    expected_primary = [r["primary"]["text"] for r in reference.values() if r["primary"] and r["primary"]["text"]]
    expected_all = [
        a["text"] for r in reference.values() for a in ([r["primary"]] + r["secondary"]) if a and a["text"].strip()
    ]
    assert primary.read_text(encoding="utf-8") == "\n\n".join(expected_primary) + "\n"
    with gzip.open(everything, "rt", encoding="utf-8") as fh:
        assert fh.read() == "\n\n".join(expected_all) + "\n"
    assert len(expected_all) > len(expected_primary)  # the seeds do have secondary articles


def test_keep_lines_adds_the_labelled_lines(tmp_path, reference):
    out = tmp_path / "out.jsonl"
    assert _clean(SEEDS_GOLD, "-o", out, "--keep-lines", "-j", "1") == cli.EXIT_OK
    for record, (seed_id, text) in zip(_read(out), SEEDS):
        assert "\n".join(t for _, _, t in record["lines"]) == text
        assert {role for role, _, _ in record["lines"]} <= set(record["counts"])
        del record["lines"]
        assert record == reference[seed_id]


@pytest.mark.parametrize(
    "args",
    [
        ["missing.jsonl", "-o", "out.jsonl"],
        ["SEEDS", "-o", "out.txt", "--format", "text", "--keep-lines"],
        ["SEEDS", "-o", "out.jsonl", "-j", "0"],
        ["SEEDS", "-o", "no/such/dir/out.jsonl"],
        ["SEEDS", "-o", "out.jsonl", "--format", "xml"],
        ["SEEDS"],
    ],
)
def test_usage_errors_exit_2_and_write_nothing(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    args = [str(SEEDS_GOLD) if a == "SEEDS" else a for a in args]
    assert _clean(*args) == cli.EXIT_USAGE
    assert list(tmp_path.iterdir()) == []


# --- batch function (Ray Data / Hugging Face datasets) -----------------------------------------


def test_clean_batch_on_plain_dicts(reference):
    batch = {
        "id": [SEEDS[0][0], 7, None],
        "text": [SEEDS[0][1], SEEDS[1][1], None],
        "url": ["u0", "u1", "u2"],
    }
    out = clean_batch(batch)
    assert set(out) == set(BATCH_COLUMNS) | {"text", "url"}
    assert all(len(column) == 3 for column in out.values())
    assert out["url"] == ["u0", "u1", "u2"] and out["id"] == [SEEDS[0][0], "7", None]
    ref = reference[SEEDS[0][0]]
    assert out["primary_text"][0] == ref["primary"]["text"]
    assert out["primary_headline"][0] == ref["primary"]["headline"]
    assert out["secondary"][0] == ref["secondary"]
    assert out["secondary_texts"][0] == [a["text"] for a in ref["secondary"]]
    assert out["related"][0] == ref["related"] and out["counts"][0] == ref["counts"]
    assert out["n_articles"][0] == 1 + len(ref["secondary"])
    assert out["error"][:2] == [None, None]
    assert "not a string" in out["error"][2] and out["primary_text"][2] == "" and out["n_articles"][2] == 0
    json.dumps(out)  # every column is JSON-able

    lines = clean_batch({"body": [SEEDS[2][1]]}, text_column="body", keep_lines=True)
    assert lines["id"] == [None]
    assert "\n".join(lines["line_texts"][0]) == SEEDS[2][1]
    assert len(lines["line_roles"][0]) == len(lines["line_articles"][0]) == len(lines["line_texts"][0])


# --- Dask --------------------------------------------------------------------------------------


def test_dask_cluster_run_equals_local_run(tmp_path):
    """The Dask test: a real LocalCluster with two worker processes."""
    pytest.importorskip("dask.bag", reason="dask is an optional extra: pip install 'segmenter[dask]'")
    distributed = pytest.importorskip("distributed", reason="dask is an optional extra: pip install 'segmenter[dask]'")
    from segmenter.clean import clean_bag

    dump = _dump(tmp_path / "dump.jsonl.gz", n=70)
    bad = tmp_path / "more.jsonl"
    bad.write_text('{"id": "x", "text": 1}\n' + json.dumps({"text": SEEDS[3][1]}, ensure_ascii=False) + "\n", encoding="utf-8")
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert _clean(dump, bad, "-o", local, "-j", "1") == cli.EXIT_REJECTED
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        assert _clean(dump, bad, "-o", remote, "--scheduler", cluster.scheduler_address) == cli.EXIT_REJECTED
        local_records = _read(local)
        assert len(local_records) == 71
        assert _read(remote) == local_records  # record for record, in order
        assert _read(tmp_path / "remote.jsonl.rejects.jsonl") == _read(tmp_path / "local.jsonl.rejects.jsonl")

        # the API: a dask.bag of records (and of bare texts) cleaned on the cluster
        import dask.bag as db

        records = [{"id": f"p{i:03d}", "text": SEEDS[i % len(SEEDS)][1]} for i in range(10)] + [{"id": "bad", "text": None}]
        bag_out = clean_bag(db.from_sequence(records, npartitions=3)).compute(scheduler=client)
        assert bag_out == local_records[:10]
        texts = clean_bag(db.from_sequence([SEEDS[0][1], SEEDS[1][1]], npartitions=2)).compute(scheduler=client)
        assert [r["id"] for r in texts] == ["bag:0:1", "bag:1:1"]
        assert _same_content(texts[1], local_records[1])


def test_dask_errors_are_usage_errors(tmp_path):
    pytest.importorskip("distributed", reason="dask is an optional extra: pip install 'segmenter[dask]'")
    import dask

    out = tmp_path / "out.jsonl"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = _clean(SEEDS_GOLD, "-o", out, "--scheduler", "tcp://127.0.0.1:9")  # nothing listens on port 9
    assert code == cli.EXIT_USAGE
    assert _leftovers(tmp_path) == [] and not out.exists()
