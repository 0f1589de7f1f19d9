"""Training: reproducible bytes, a checked sidecar, leave-templates-out folds."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

from segmenter.io import GoldPage, read_gold
from segmenter.pipeline import default_model_paths
from segmenter.tagging import CrfModel, Decoding, file_sha256
from segmenter.training import (
    TrainingConfig,
    evaluate_decodings,
    evaluate_model,
    out_of_fold_labels,
    page_folds,
    stacked_sequence,
    template_folds,
    train_model,
)
from segmenter.types import ModelError


def _config(fixtures_dir: Path, output: Path) -> TrainingConfig:
    return TrainingConfig(
        fixtures_dir=fixtures_dir,
        output=output,
        train_files=("seeds-gold.jsonl",),
        eval_files={"seeds": "seeds-gold.jsonl"},
        cross_validate=False,
        max_iterations=20,
    )


def test_training_is_reproducible_and_writes_a_loadable_sidecar(tmp_path: Path, fixtures_dir: Path) -> None:
    first = train_model(_config(fixtures_dir, tmp_path / "a" / "m.crfsuite"))
    second = train_model(_config(fixtures_dir, tmp_path / "b" / "m.crfsuite"))
    assert file_sha256(tmp_path / "a" / "m.crfsuite") == file_sha256(tmp_path / "b" / "m.crfsuite")
    assert first["model_sha256"] == second["model_sha256"]
    sidecar = json.loads((tmp_path / "a" / "m.json").read_text())
    assert sidecar["training_files"] == ["seeds-gold.jsonl"]
    assert sidecar["training_data"]["seeds-gold.jsonl"] == file_sha256(fixtures_dir / "seeds-gold.jsonl")
    assert set(sidecar["metrics"]["seeds"]) >= {"role_macro_f1", "boundary_f1", "primary_body_f1"}
    assert CrfModel.load(tmp_path / "a" / "m.crfsuite", tmp_path / "a" / "m.json").labels
    # the stacked second pass: beside the model, named and hashed in the sidecar, reproducible too
    entry = sidecar["second_pass"]
    assert entry["file"] == "m.pass2.crfsuite"
    assert entry["sha256"] == file_sha256(tmp_path / "a" / entry["file"]) == file_sha256(tmp_path / "b" / entry["file"])
    assert CrfModel.load(tmp_path / "a" / "m.crfsuite", tmp_path / "a" / "m.json").second_pass is not None


def test_a_missing_or_changed_second_pass_is_refused_and_none_means_one_pass(tmp_path: Path, fixtures_dir: Path) -> None:
    train_model(_config(fixtures_dir, tmp_path / "m.crfsuite"))
    sidecar_path = tmp_path / "m.json"
    sidecar = json.loads(sidecar_path.read_text())
    second = tmp_path / sidecar["second_pass"]["file"]
    kept = second.read_bytes()
    second.write_bytes(kept[:-8] + b"\0" * 8)
    with pytest.raises(ModelError, match="does not match its hash"):
        CrfModel.load(tmp_path / "m.crfsuite", sidecar_path)
    second.unlink()
    with pytest.raises(ModelError, match="not found"):
        CrfModel.load(tmp_path / "m.crfsuite", sidecar_path)
    for bad in ({"file": "../elsewhere.crfsuite", "sha256": "x"}, "m.pass2.crfsuite"):
        sidecar_path.write_text(json.dumps({**sidecar, "second_pass": bad}))
        with pytest.raises(ModelError, match="unreadable second_pass"):
            CrfModel.load(tmp_path / "m.crfsuite", sidecar_path)
    sidecar_path.write_text(json.dumps({**sidecar, "second_pass": None}))
    assert CrfModel.load(tmp_path / "m.crfsuite", sidecar_path).second_pass is None


def test_the_second_pass_is_trained_on_labels_of_models_that_did_not_see_the_page(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    pages = list(read_gold(_small_split(fixtures_dir, tmp_path, 60) / "small.jsonl"))
    config = replace(_config(tmp_path, tmp_path / "m.crfsuite"), max_iterations=10)
    labels = out_of_fold_labels(pages, {"c1": 0.0, "c2": 1.0, "max_iterations": 10}, config, Decoding())
    assert set(labels) == {p.id for p in pages}
    for page in pages[:5]:
        features, gold = stacked_sequence(page, labels[page.id])
        assert len(features) == len(gold) == len(labels[page.id])
        assert all(any(f.startswith("s0:") for f in line) for line in features)
    with pytest.raises(ValueError, match="first-pass labels"):
        stacked_sequence(pages[0], labels[pages[0].id][:-1])


def test_template_folds_never_split_a_template() -> None:
    pages = [GoldPage(f"p{i}", [], source=f"composed:t{i % 5}") for i in range(50)]
    folds = template_folds(pages, 3, None)
    assert sum(len(f) for f in folds) == 50
    seen: dict[str, int] = {}
    for k, fold in enumerate(folds):
        for page in fold:
            assert seen.setdefault(page.source, k) == k


def test_page_folds_deal_every_page_once_and_keep_the_template_mix() -> None:
    pages = [GoldPage(f"p{i}", [], source=f"composed:t{i % 5}") for i in range(60)]
    folds = page_folds(pages, 3)
    assert sorted(p.id for f in folds for p in f) == sorted(p.id for p in pages)
    assert all(len({p.source for p in fold}) == 5 for fold in folds)
    assert [[p.id for p in f] for f in folds] == [[p.id for p in f] for f in page_folds(pages, 3)]


def _small_split(fixtures_dir: Path, tmp_path: Path, n: int) -> Path:
    """The first ``n`` composed test pages as a training file of their own."""
    lines = gzip.open(fixtures_dir / "composed-test.jsonl.gz", "rt", encoding="utf-8").readlines()[:n]
    (tmp_path / "small.jsonl").write_text("".join(lines), encoding="utf-8")
    return tmp_path


def test_the_decoding_search_picks_from_its_grid_and_the_sidecar_keeps_it(tmp_path: Path, fixtures_dir: Path) -> None:
    grid = (Decoding(), Decoding(open_second=-2.0, open_later=0.5))
    config = replace(
        _config(_small_split(fixtures_dir, tmp_path, 150), tmp_path / "m.crfsuite"),
        train_files=("small.jsonl",),
        eval_files={},
        cross_validate=True,
        grid=({"c1": 0.0, "c2": 1.0},),
        decoding_grid=grid,
        cv_pages=None,
        cv_max_iterations=10,
        max_iterations=10,
    )
    sidecar = train_model(config)
    results = sidecar["cross_validation"]["decoding_results"]
    assert [r["decoding"] for r in results] == [d.to_dict() for d in grid]
    best = max(results, key=lambda r: r["pooled"]["objective"])
    assert sidecar["decoding"] == best["decoding"]
    model = CrfModel.load(tmp_path / "m.crfsuite", tmp_path / "m.json")
    assert model.decoding == Decoding.from_dict(best["decoding"])


def test_scoring_several_decodings_at_once_equals_scoring_each(tmp_path: Path, fixtures_dir: Path) -> None:
    pages = list(read_gold(_small_split(fixtures_dir, tmp_path, 150) / "small.jsonl"))
    model = CrfModel.load(*default_model_paths())
    decodings = [Decoding(), Decoding(open_second=-3.0, open_later=1.0)]
    together = [r.summary() for r in evaluate_decodings(model, pages, decodings)]
    assert together[0] != together[1]  # the offsets change something on these pages
    for decoding, summary in zip(decodings, together):
        model.set_decoding(decoding)
        assert evaluate_model(model, pages).summary() == summary
