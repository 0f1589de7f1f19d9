"""Training: reproducible bytes, a checked sidecar, leave-templates-out folds."""

from __future__ import annotations

import json
from pathlib import Path

from segmenter.io import GoldPage
from segmenter.tagging import CrfModel, file_sha256
from segmenter.training import TrainingConfig, template_folds, train_model


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
