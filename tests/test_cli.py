"""The label, evaluate and explain commands through main(argv), no subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmenter.cli import EXIT_MODEL, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_label_annotation_jsonl_roundtrips_the_text(tmp_path: Path, fixtures_dir: Path, seed_pages) -> None:
    out = tmp_path / "labelled.jsonl"
    assert main(["label", str(fixtures_dir / "seeds-gold.jsonl"), "-o", str(out)]) == EXIT_OK
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [p.id for p in seed_pages]
    for record, gold in zip(records, seed_pages):
        assert "\n".join(text for _, _, text in record["lines"]) == gold.text
        assert all(role in {"headline", "dateline", "body", "tweet", "related", "footer", "blank"} for role, _, _ in record["lines"])


def test_label_id_text_jsonl_and_txt_and_rejects(tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text('{"id": "a", "text": "عنوان\\nنص طويل بما يكفي ليكون فقرة من خبر."}\n{bad json\n', encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("سطر أول\nسطر ثان", encoding="utf-8")
    out = tmp_path / "out.jsonl.gz"
    assert main(["label", str(dump), str(page), "-o", str(out)]) == EXIT_REJECTED
    import gzip

    records = [json.loads(line) for line in gzip.open(out, "rt", encoding="utf-8")]
    assert [r["id"] for r in records] == ["a", "page.txt"]


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="../shared/seeds not beside the checkout")
def test_label_a_directory_of_txt_pages(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["label", str(SEEDS_DIR), "-o", str(out), "--jobs", "2"]) == EXIT_OK
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5


def test_evaluate_prints_a_table_with_the_baseline(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(fixtures_dir / "seeds-gold.jsonl"), "--baseline"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "| role macro-F1 |" in out and "rules (seeds-gold.jsonl)" in out


def test_evaluate_json_and_by_source(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(fixtures_dir / "seeds-gold.jsonl"), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    (report,) = data.values()
    assert report["pages"] == 5 and 0.0 <= report["boundary_f1"] <= 1.0
    assert main(["evaluate", str(fixtures_dir / "seeds-gold.jsonl"), "--by-source"]) == EXIT_OK
    assert "000_7f95b1c1dd92fc92.txt" in capsys.readouterr().out
    assert main(["evaluate", str(fixtures_dir / "seeds-gold.jsonl"), "--by-source", "--baseline"]) == EXIT_OK
    assert "rules (000_7f95b1c1dd92fc92.txt)" in capsys.readouterr().out


def test_evaluate_errors_agree_with_the_precision_and_recall_it_prints(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rules script loses primary body on the seeds; the error table says where, and in JSON."""
    gold = str(fixtures_dir / "seeds-gold.jsonl")
    assert main(["evaluate", gold, "--baseline", "--errors", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    rules = data["rules (seeds-gold.jsonl)"]["primary_body_errors"]
    assert rules and all(row["tokens"] > 0 for row in rules)
    assert {"gold": "body (primary)", "predicted": "body (secondary)"}.items() <= max(rules, key=lambda r: r["tokens"]).items()
    assert main(["evaluate", gold, "--baseline", "--errors"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "| gold line | predicted as | costs |" in out and "| **all primary body missed** |" in out


def test_explain_prints_weights(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--top", "5"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5


def test_usage_and_model_errors_have_distinct_codes(tmp_path: Path, fixtures_dir: Path) -> None:
    assert main(["label"]) == EXIT_USAGE
    assert main(["label", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == EXIT_USAGE
    bad = tmp_path / "bad.crfsuite"
    bad.write_bytes(b"not a model")
    code = main(["--model", str(bad), "label", str(fixtures_dir / "seeds-gold.jsonl"), "-o", str(tmp_path / "o.jsonl")])
    assert code == EXIT_MODEL


def test_one_pass_reaches_evaluate(tmp_path: Path, fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--one-pass evaluate`` scores the first pass alone, as the API does with second_pass=False."""
    import gzip
    from itertools import islice

    from segmenter.io import read_gold
    from segmenter.pipeline import Segmenter
    from segmenter.training import evaluate_model

    gold = tmp_path / "gold.jsonl"
    with gzip.open(fixtures_dir / "composed-test.jsonl.gz", "rt", encoding="utf-8") as f:
        gold.write_text("".join(islice(f, 150)), encoding="utf-8")
    reports = {}
    for flags in ([], ["--one-pass"]):
        assert main([*flags, "evaluate", str(gold), "--json"]) == EXIT_OK
        (reports[bool(flags)],) = json.loads(capsys.readouterr().out).values()
    model = Segmenter().model
    for one_pass, report in reports.items():
        assert report == evaluate_model(model, read_gold(gold), second_pass=not one_pass).to_dict()
    assert reports[True] != reports[False]  # the flag reached the tagger


def test_train_writes_the_model_the_global_model_option_names(tmp_path: Path, fixtures_dir: Path, caplog) -> None:
    """``segmenter --model X train`` writes X (it never falls back to the shipped model's files)."""
    from segmenter.pipeline import default_model_paths
    from segmenter.tagging import file_sha256

    shipped = default_model_paths()[0]
    before = file_sha256(shipped)
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "seeds-gold.jsonl").write_bytes((fixtures_dir / "seeds-gold.jsonl").read_bytes())
    model = tmp_path / "out" / "m.crfsuite"
    args = ["train", "--fixtures", str(fixtures), "--train-files", "seeds-gold.jsonl", "--no-cv", "--no-second-pass"]
    assert main(["--model", str(model), *args, "--max-iterations", "5"]) == EXIT_OK
    assert model.is_file() and model.with_suffix(".json").is_file()
    assert file_sha256(shipped) == before
    assert main(["--model", str(model), *args, "-o", str(tmp_path / "other.crfsuite")]) == EXIT_USAGE
    assert "name different model files" in caplog.text
