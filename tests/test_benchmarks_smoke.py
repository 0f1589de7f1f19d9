"""Smoke test of the benchmarks: adapters and the ``--quick`` run on ~20 pages.

Needs no ``bench`` extra: jusText, trafilatura, boilerpy3 and matplotlib are only
exercised when installed. Uses the shipped model, or, when the package has none
(during development), a tiny model trained here on 40 composed pages.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: import it from the checkout
    sys.path.insert(0, str(ROOT))

from benchmarks import peers  # noqa: E402
from benchmarks.run import _linear_fit, length_pages  # noqa: E402
from benchmarks.run import main as run_main  # noqa: E402
from segmenter.io import read_gold  # noqa: E402
from segmenter.reading import split_lines  # noqa: E402
from segmenter.types import Role  # noqa: E402

FIXTURES = ROOT / "fixtures"
N_PAGES = 20


@pytest.fixture(scope="module")
def gold_pages():
    pages = []
    for page in read_gold(FIXTURES / "composed-test.jsonl.gz"):
        pages.append(page)
        if len(pages) >= N_PAGES:
            break
    return pages


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path | None:
    """None (the shipped model) if it loads, else a tiny model trained on 40 pages."""
    from segmenter.pipeline import Segmenter
    from segmenter.types import ModelError

    try:
        Segmenter().model
        return None
    except ModelError:
        pass
    from segmenter.training import TrainingConfig, train_model

    tmp = tmp_path_factory.mktemp("tiny-model")
    with gzip.open(FIXTURES / "composed-train.jsonl.gz", "rt", encoding="utf-8") as src:
        records = [next(src) for _ in range(40)]
    (tmp / "tiny.jsonl").write_text("".join(records), encoding="utf-8")
    output = tmp / "tiny.crfsuite"
    train_model(
        TrainingConfig(
            fixtures_dir=tmp,
            output=output,
            train_files=("tiny.jsonl",),
            eval_files={},
            cross_validate=False,
            max_iterations=15,
        )
    )
    return output


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory, gold_pages) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for page in gold_pages:
            fh.write(json.dumps({"id": page.id, "text": page.text}, ensure_ascii=False) + "\n")
    return path


def _check_one_triple_per_line(system, text: str) -> None:
    out = system(text)
    lines = [line.text for line in split_lines(text)]
    assert len(out) == len(lines)
    for (role, article, line_text), expected in zip(out, lines):
        assert isinstance(role, Role)
        assert isinstance(article, int) and article >= 0
        assert line_text == expected


def test_rules_and_segmenter_adapters_return_one_triple_per_line(gold_pages, model_path):
    rules = peers.make_system("rules")
    seg = peers.make_system("segmenter", model_path=model_path)
    for page in gold_pages[:5]:
        _check_one_triple_per_line(rules, page.text)
        _check_one_triple_per_line(seg, page.text)
    for text in ("", "\n\n", "سطر واحد", "a\r\nb\rc\n"):
        _check_one_triple_per_line(rules, text)
        _check_one_triple_per_line(seg, text)


@pytest.mark.parametrize("name", peers.PEERS)
def test_peer_adapters(name, gold_pages):
    if not peers.available(name):
        pytest.skip(f"{name} is not installed (it is in the 'bench' extra)")
    system = peers.make_system(name)
    for page in gold_pages[:3]:
        _check_one_triple_per_line(system, page.text)
        roles = {role for role, _, _ in system(page.text)}
        assert roles <= {Role.BODY, Role.FOOTER, Role.BLANK}
    _check_one_triple_per_line(system, "")


def test_wrap_html_escapes_and_skips_blank_lines():
    doc = peers.wrap_html(["a <b> & c", "", "  ", "د"])
    assert doc.count("<p>") == 2
    assert "a &lt;b&gt; &amp; c" in doc


def test_length_pages_have_the_requested_length(corpus_file):
    for length in (1, 7, 120):
        pages = length_pages(corpus_file, length, 3)
        assert len(pages) == 3
        assert all(len(p.split("\n")) == length for p in pages)


def test_linear_fit():
    fit = _linear_fit([1, 2, 3, 4], [3, 5, 7, 9])
    assert fit["slope"] == pytest.approx(2)
    assert fit["intercept"] == pytest.approx(1)
    assert fit["r2"] == pytest.approx(1)


def test_quick_run_writes_tables_and_results(tmp_path, corpus_file, model_path):
    argv = [
        "--quick",
        "--corpus", str(corpus_file),
        "--systems", "rules,segmenter",
        "--repeats", "1",
        "--accuracy-pages", str(N_PAGES),
        "--clean-pages", "10",
        "--out", str(tmp_path),
        "--plot", str(tmp_path / "plot.png"),
    ]
    if model_path is not None:
        argv += ["--model", str(model_path)]
    assert run_main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(results["accuracy"]) == {"composed-test", "seeds"}
    assert results["accuracy"]["composed-test"]["segmenter"]["pages"] == N_PAGES
    labelling = results["speed"]["labelling"]
    assert set(labelling) == {"rules", "segmenter"}
    assert all(r["pages_per_s"] > 0 for r in labelling.values())
    # rules and the segmenter also timed in turn, chunk by chunk, in one process
    mixed = results["speed"]["interleaved"]["segmenter"]
    assert set(mixed["seconds"]) == {"rules", "segmenter"} and all(t > 0 for t in mixed["seconds"].values())
    assert labelling["segmenter"]["x_rules_interleaved"] == mixed["seconds"]["rules"] / mixed["seconds"]["segmenter"]
    assert len(results["speed"]["clean"]) == 2
    assert "peers_interleaved" not in results["speed"]  # no peer was asked for
    assert results["scaling"]["length"]["segmenter"]["points"]
    tables = (tmp_path / "tables.md").read_text(encoding="utf-8")
    assert "| role macro-F1 |" in tables and "pages/s" in tables and "× rules, interleaved" in tables
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "plot.png").stat().st_size > 0


def test_quick_run_times_the_segmenter_against_a_peer_interleaved(tmp_path, corpus_file, model_path):
    """The targets are ratios to the peers: the segmenter and a peer label the same pages in turn."""
    peer = next((name for name in ("boilerpy3", "justext", "trafilatura") if peers.available(name)), None)
    if peer is None:
        pytest.skip("no peer is installed (they are in the 'bench' extra)")
    argv = [
        "--quick", "--corpus", str(corpus_file), "--systems", f"segmenter,{peer}", "--repeats", "1",
        "--accuracy-pages", "5", "--clean-pages", "10", "--out", str(tmp_path), "--plot", str(tmp_path / "plot.png"),
    ]  # fmt: skip
    if model_path is not None:
        argv += ["--model", str(model_path)]
    assert run_main(argv) == 0
    mixed = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["speed"]["peers_interleaved"]
    assert set(mixed["seconds"]) == {"segmenter", peer} and all(t > 0 for t in mixed["seconds"].values())
    assert mixed["x_peer"][peer] == mixed["seconds"][peer] / mixed["seconds"]["segmenter"]
    assert f"| segmenter × the peer's speed | 1.00 | {mixed['x_peer'][peer]:.2f} |" in (tmp_path / "tables.md").read_text(
        encoding="utf-8"
    )
