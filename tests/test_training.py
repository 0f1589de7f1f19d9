"""Training: reproducible bytes, a checked sidecar, leave-templates-out folds."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from dataclasses import replace

from segmenter.io import GoldPage, read_gold
from segmenter.pipeline import default_model_paths
from segmenter.tagging import CrfModel, Decoding, file_sha256
from segmenter.training import (
    TrainingConfig,
    evaluate_decodings,
    evaluate_model,
    page_folds,
    template_folds,
    train_model,
)


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
    best = max(results, key=lambda r: r["mean"]["objective"])
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
