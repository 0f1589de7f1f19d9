"""Messy text: the shipped model labels a page the same with the marks scraped text carries.

The perturbations are those of ``benchmarks/robustness.py`` (tatweel inside words,
diacritics, zero-width and bidi marks, Persian letters, NBSP, trailing white space,
Windows line endings), applied to real pages (the seeds) and composed test pages.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: import it from the checkout
    sys.path.insert(0, str(ROOT))

from benchmarks import robustness  # noqa: E402
from segmenter.baseline import label_page  # noqa: E402
from segmenter.io import read_gold  # noqa: E402
from segmenter.types import Role  # noqa: E402


@pytest.fixture(scope="module")
def pages(seed_pages):
    composed = list(itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 60))
    return seed_pages + composed


def _labels(seg, text: str) -> list[tuple[Role, int]]:
    return [(line.role, line.article) for line in seg.segment(text).lines]


@pytest.mark.parametrize("name", robustness.TEXT_ONLY)  # Arabic-Indic digits too, since features v12
def test_marks_and_spacing_change_no_label(segmenter_instance, pages, name: str) -> None:
    changed = []
    for (page, text), original in zip(robustness.perturbed(pages, name), pages):
        assert len(page.lines) == len(original.lines)
        if _labels(segmenter_instance, text) != _labels(segmenter_instance, original.text):
            changed.append(page.id)
    assert changed == []


@pytest.mark.parametrize("name", list(robustness.PERTURBATIONS))
def test_perturbations_keep_the_gold_aligned_with_the_text(seed_pages, name: str) -> None:
    for page, text in robustness.perturbed(seed_pages, name):
        labels = label_page(text)  # the labellers' line texts must match the gold's
        assert [t for _, _, t in labels] == [t for _, _, t in page.lines]


def test_perturbations_are_seeded_and_change_the_text(seed_pages) -> None:
    for name in robustness.TEXT_ONLY:
        first = robustness.perturbed(seed_pages, name)
        assert first == robustness.perturbed(seed_pages, name)
        assert any(text != page.text for (_, text), page in zip(first, seed_pages)), name


def test_the_report_scores_every_perturbation(seed_pages) -> None:
    rows = robustness.run(label_page, seed_pages[:2])
    assert list(rows) == list(robustness.PERTURBATIONS)
    assert rows["clean"]["changed"] == 0.0
    assert "| zero-width and bidi marks |" in robustness.table({"seeds": {"rules": rows}})
