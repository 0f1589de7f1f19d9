"""Shared fixtures: paths to the repository's annotated pages and the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def seed_pages():
    from segmenter.io import read_gold

    return list(read_gold(FIXTURES / "seeds-gold.jsonl"))


@pytest.fixture(scope="session")
def segmenter_instance():
    from segmenter import Segmenter

    return Segmenter()
