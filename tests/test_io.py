"""Reading dumps and annotated files: every input kind, bad records reported and skipped."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest

from segmenter.io import InputPage, Rejected, iter_pages, read_gold, write_jsonl
from segmenter.types import InputError, Role


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_jsonl_records_and_ids(tmp_path: Path) -> None:
    data = b'{"id": "a", "text": "x"}\n{"text": "y"}\n\n{"id": 7, "text": "z"}\n'
    items = list(iter_pages([_write(tmp_path / "d.jsonl", data)]))
    assert [i.id for i in items] == ["a", f"{tmp_path / 'd.jsonl'}:2", "7"]
    assert [i.text for i in items] == ["x", "y", "z"]


@pytest.mark.parametrize("opener,suffix", [(gzip.compress, ".gz"), (bz2.compress, ".bz2"), (lzma.compress, ".xz")])
def test_compressed_jsonl(tmp_path: Path, opener, suffix: str) -> None:
    path = _write(tmp_path / f"d.jsonl{suffix}", opener('{"id": "a", "text": "نص"}\n'.encode()))
    assert [i.text for i in iter_pages([path])] == ["نص"]


def test_bad_records_are_rejected_with_reasons_and_the_rest_kept(tmp_path: Path) -> None:
    data = (
        b'{"id": "ok1", "text": "a"}\n'
        b'{not json\n'
        b'{"id": "nofield"}\n'
        b'{"id": "num", "text": 5}\n'
        b'"just a string"\n'
        b'{"id": "bad", "text": "\xff\xfe"}\n'
        b'{"id": "big", "text": "' + b"x" * 200 + b'"}\n'
        b'{"id": "ok2", "text": "b"}\n'
    )
    items = list(iter_pages([_write(tmp_path / "d.jsonl", data)], max_bytes=100))
    good = [i for i in items if isinstance(i, InputPage)]
    bad = [i for i in items if isinstance(i, Rejected)]
    assert [g.id for g in good] == ["ok1", "ok2"]
    assert [b.line_number for b in bad] == [2, 3, 4, 5, 6, 7]
    reasons = " | ".join(b.reason for b in bad)
    for word in ("invalid JSON", "no 'text' field", "not a string", "not an object", "UTF-8", "max-bytes"):
        assert word in reasons


def test_annotation_records_are_pages(tmp_path: Path) -> None:
    record = {"id": "g", "lines": [["headline", 0, "عنوان"], ["body", 0, "نص"], ["blank", 0, ""]]}
    path = _write(tmp_path / "g.jsonl", (json.dumps(record, ensure_ascii=False) + "\n").encode())
    (item,) = iter_pages([path])
    assert item.text == "عنوان\nنص\n"
    (gold,) = read_gold(path)
    assert gold.roles == [Role.HEADLINE, Role.BODY, Role.BLANK] and gold.text == item.text


def test_txt_files_and_directories_in_stable_order_binary_skipped(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    _write(tmp_path / "b" / "2.txt", "ثاني".encode())
    _write(tmp_path / "a.txt", "أول\r\nسطر".encode())
    _write(tmp_path / "b" / "image.png", b"\x89PNG\x00\x00binary")
    skipped = []
    items = list(iter_pages([tmp_path], on_skip_file=lambda p, why: skipped.append((p.name, why))))
    assert [i.text for i in items] == ["أول\r\nسطر", "ثاني"]
    assert skipped == [("image.png", "binary file")]


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        list(iter_pages([tmp_path / "nope.jsonl"]))


def test_malformed_gold_says_where(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.jsonl", b'{"id": "x", "lines": [["headlin", 0, "t"]]}\n')
    with pytest.raises(InputError, match="g.jsonl:1"):
        list(read_gold(path))


def test_write_jsonl_gzip_is_reproducible(tmp_path: Path) -> None:
    records = [{"id": "a", "text": "نص"}]
    write_jsonl(tmp_path / "1.jsonl.gz", records)
    write_jsonl(tmp_path / "2.jsonl.gz", records)
    assert (tmp_path / "1.jsonl.gz").read_bytes() == (tmp_path / "2.jsonl.gz").read_bytes()
    assert json.loads(gzip.decompress((tmp_path / "1.jsonl.gz").read_bytes())) == records[0]
