"""End to end: the shipped model on the annotated fixtures, scored by the evaluation code.

The floors live next to the fixtures (``fixtures/floors.json``) with each fixture's
SHA-256: a changed fixture or a lower floor has to be written there explicitly, in a
diff a reviewer sees. The figures themselves come from ``segmenter.evaluation``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmenter import Segmenter
from segmenter.io import read_gold
from segmenter.tagging import file_sha256
from segmenter.training import evaluate_model

FLOORS_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "floors.json"
FLOORS = json.loads(FLOORS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FLOORS["fixtures"]))
def test_shipped_model_meets_the_recorded_floors(name: str, fixtures_dir: Path) -> None:
    spec = FLOORS["fixtures"][name]
    path = fixtures_dir / name
    assert file_sha256(path) == spec["sha256"], (
        f"{name} changed: re-measure with `segmenter evaluate` and update fixtures/floors.json"
    )
    report = evaluate_model(Segmenter().model, read_gold(path))
    summary = report.summary()
    for metric, floor in spec["floors"].items():
        assert summary[metric] >= floor, f"{name}: {metric} = {summary[metric]:.4f} < floor {floor}"


def test_seeds_article_count_right_on_every_page(fixtures_dir: Path) -> None:
    report = evaluate_model(Segmenter().model, read_gold(fixtures_dir / "seeds-gold.jsonl"))
    wrong = [s.id for s in report.page_scores if not s.article_count_right]
    assert not wrong, f"article count wrong on {wrong}"


def test_the_shipped_model_never_saw_the_seeds() -> None:
    """The seed figures are a real held-out check only if the seeds are not training data."""
    sidecar = json.loads((Path(__file__).resolve().parents[1] / "segmenter" / "model" / "segmenter.json").read_text())
    assert "seeds-gold.jsonl" not in sidecar["training_files"]
