"""The compiled modules (``setup.py``, Cython) against the Python they stand for.

When the package was built with Cython, ``segmenter.features`` is an extension module
compiled from ``segmenter/features.py``; these tests load that source as a second,
pure-Python module and hold both to the same features, line for line. The kernels
written for Cython are held to the Python or NumPy code they replace: the Viterbi
search and the state scores (``segmenter.tagging``), a line's measurements, its own
features (and the regular expressions read in C) and a page's context
(``segmenter.features``). Without a build (``pip install`` without a C compiler, or
``SEGMENTER_PURE_PYTHON=1``), the comparisons are skipped and the staleness check is
still tested.
"""

from __future__ import annotations

import dataclasses
from array import array
import hashlib
import importlib.machinery
import importlib.util
import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import numpy as np
import regex

import segmenter
from segmenter import _compiled
from segmenter import features as F
from segmenter import assembly, tagging
from segmenter.io import read_gold
from segmenter.pipeline import default_model_paths
from segmenter.tagging import NEG_INF, CrfModel, short_lines

ROOT = Path(__file__).resolve().parents[1]
COMPILED = isinstance(F.__loader__, importlib.machinery.ExtensionFileLoader)
needs_build = pytest.mark.skipif(not COMPILED, reason="segmenter.features runs as pure Python here (no compiled build)")
needs_kernel = pytest.mark.skipif(tagging._KERNEL is None, reason="the Viterbi kernel is not built here")
needs_scoring = pytest.mark.skipif(tagging._SCORING is None, reason="the scoring kernel is not built here")
needs_context = pytest.mark.skipif(F._CONTEXT is None, reason="the page-context kernel is not built here")
needs_own = pytest.mark.skipif(F._OWN is None, reason="the own-features kernel is not built here")
needs_measure = pytest.mark.skipif(F._MEASURE is None, reason="the measuring kernel is not built here")
needs_lines = pytest.mark.skipif(assembly._LINES is None, reason="the line-making kernel is not built here")


@pytest.fixture(scope="module")
def source_module():
    """``segmenter/features.py`` run as plain Python, beside the compiled module."""
    spec = importlib.util.spec_from_file_location("_features_from_source", ROOT / "segmenter" / "features.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
        assert not isinstance(module.__loader__, importlib.machinery.ExtensionFileLoader)
        # the source as Python throughout (its own and context features too); the kernels
        # it configured on import get the compiled module's tables back
        module._MEASURE = module._OWN = module._CONTEXT = None
        F._configure_kernels()
        yield module
    finally:
        del sys.modules[spec.name]


def test_compiled_modules_reports_what_runs() -> None:
    expected = (
        ["segmenter.features"] * COMPILED
        + ["segmenter._decoding"] * (tagging._KERNEL is not None)
        + ["segmenter._scoring"] * (tagging._SCORING is not None)
        + ["segmenter._context"] * (F._CONTEXT is not None)
        + ["segmenter._own_features"] * (F._OWN is not None)
        + ["segmenter._measure"] * (F._MEASURE is not None)
        + ["segmenter._assembly"] * (assembly._LINES is not None)
    )
    assert segmenter.compiled_modules() == expected


@needs_build
def test_the_build_is_from_the_current_source() -> None:
    assert _compiled.build_is_current(Path(F.__file__))
    if tagging._KERNEL is not None:
        assert _compiled.build_is_current(Path(tagging._KERNEL.__file__))
    if tagging._SCORING is not None:
        assert _compiled.build_is_current(Path(tagging._SCORING.__file__))
    for module in (F._CONTEXT, F._OWN, F._MEASURE, assembly._LINES):
        if module is not None:
            assert _compiled.build_is_current(Path(module.__file__))


@needs_build
def test_compiled_and_source_give_the_same_features_on_the_fixtures(source_module) -> None:
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 300),
    )
    for page in pages:
        texts = [text for _, _, text in page.lines]
        assert F.page_features(texts) == source_module.page_features(texts), page.id
        assert F.label_context_features(["B-headline", "I-body", "footer"]) == source_module.label_context_features(
            ["B-headline", "I-body", "footer"]
        )


_PIECES = st.one_of(
    st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآىةـًٌٍَُِّْیک٠١٢٣٤٥٦٧٨٩۰۱۲")),
    st.sampled_from(["في", "من", "اقرأ أيضا", "المصدر:", "t.co/x", "(@user) May 3, 2020", "10:30 م", "1440 هـ", "🔥", " ", ".", "\u200f"]),
    st.characters(blacklist_categories=("Cs",)),
)


@needs_build
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=40).map("".join), max_size=8))
def test_compiled_and_source_agree_on_arbitrary_text(source_module, texts: list[str]) -> None:
    assert F.page_features(texts) == source_module.page_features(texts)


def test_a_build_is_current_only_with_the_digest_of_the_source_beside_it(tmp_path: Path) -> None:
    built = tmp_path / "features.cpython-311-x86_64-linux-gnu.so"
    built.write_bytes(b"\x7fELF")
    assert _compiled.build_is_current(built)  # no source beside it: the build is all there is
    source = tmp_path / "features.py"
    source.write_text("X = 1\n")
    assert not _compiled.build_is_current(built)  # no stamp
    stamp = tmp_path / "features.sha256"
    stamp.write_text(hashlib.sha256(b"X = 1\n").hexdigest() + "\n")
    assert _compiled.build_is_current(built)
    source.write_text("X = 2\n")  # edited after the build
    assert not _compiled.build_is_current(built)


@needs_build
def test_pure_python_can_be_asked_for() -> None:
    code = "import segmenter, segmenter.features as f; print(segmenter.compiled_modules(), f.__file__.endswith('.py'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"SEGMENTER_PURE_PYTHON": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert out.split() == ["[]", "True"]


def _both_paths(model: CrfModel, unary: np.ndarray, kinds: list[int]) -> tuple[list[int], list[int]]:
    start = np.where(model._lattice.start_allowed[kinds[0]], unary[0], NEG_INF)
    return model._numpy_path(unary, kinds, start), model._compiled_path(unary, np.array(kinds, dtype=np.intp), start)


@needs_kernel
def test_the_compiled_search_finds_the_numpy_paths_on_the_fixtures() -> None:
    model = CrfModel.load(*default_model_paths())
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 300),
    )
    for page in pages:
        parts = F.page_parts([text for _, _, text in page.lines])
        for one in (model, model.second_pass):
            if one is None or not parts.views:
                continue
            unary = one.unary_from_parts(parts)[:, one._lattice.state_label]
            numpy_path, compiled_path = _both_paths(one, unary, [int(k) for k in short_lines(parts)])
            assert numpy_path == compiled_path, page.id


@needs_kernel
def test_the_compiled_search_keeps_the_first_of_equal_scores() -> None:
    """Whole-number scores tie everywhere: both searches must break ties alike (argmax's first)."""
    model = CrfModel.load(*default_model_paths())
    model._state_trans_into = np.where(model._state_trans_into > NEG_INF / 2, np.round(model._state_trans_into), NEG_INF)
    rng = np.random.default_rng(7)
    n_states = len(model._lattice.state_label)
    for _ in range(500):
        n = int(rng.integers(1, 30))
        unary = np.round(rng.normal(0, 1, (n, n_states)))
        kinds = rng.integers(0, 2, n).tolist()
        numpy_path, compiled_path = _both_paths(model, unary, kinds)
        assert numpy_path == compiled_path


@needs_kernel
def test_the_compiled_confidences_are_the_numpy_ones(monkeypatch) -> None:
    model = CrfModel.load(*default_model_paths())
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 200),
    )
    parts = [F.page_parts([text for _, _, text in page.lines]) for page in pages]
    compiled = [model.tag_parts(p, marginals=True) for p in parts]
    monkeypatch.setattr(tagging, "_KERNEL", None)
    numpy = [model.tag_parts(p, marginals=True) for p in parts]
    for a, b in zip(compiled, numpy):
        assert a.labels == b.labels
        assert np.allclose(a.confidence, b.confidence, rtol=0, atol=1e-9)
        assert all(0.0 <= c <= 1.0 for c in a.confidence)


@needs_kernel
def test_the_compiled_confidences_fall_back_to_log_space_on_underflow(monkeypatch) -> None:
    """Scores far apart underflow the scaled recursion: both paths give the log-space result."""
    model = CrfModel.load(*default_model_paths())
    n_states = len(model._lattice.state_label)
    rng = np.random.default_rng(3)
    unary = rng.normal(0, 800, (12, n_states))
    kinds = [0] * 12
    start = np.where(model._lattice.start_allowed[0], unary[0], NEG_INF)
    path = model._compiled_path(unary, np.array(kinds, dtype=np.intp), start)
    compiled = model._label_marginals(unary, start, kinds, path)
    monkeypatch.setattr(tagging, "_KERNEL", None)
    assert np.allclose(compiled, model._label_marginals(unary, start, kinds, path), rtol=0, atol=1e-9)


@needs_scoring
def test_the_compiled_scores_are_the_numpy_scores_bit_for_bit(monkeypatch) -> None:
    """Both passes' scores of each page and the second pass's label scores, exactly."""
    model = CrfModel.load(*default_model_paths())
    assert model.second_pass is not None
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 300),
    )
    parts = [F.page_parts([text for _, _, text in page.lines]) for page in pages]
    scorers = (model._scores, model.second_pass._scores, model._scorer_of_both(model.second_pass))
    labels = [model.tag_parts(p, marginals=False, second_pass=False).labels for p in parts]

    def scores() -> list[np.ndarray]:
        out = [scorer.from_parts(p) for scorer in scorers for p in parts]
        return out + [model.second_pass.label_scores(first) for first in labels]

    compiled = scores()
    monkeypatch.setattr(tagging, "_SCORING", None)
    numpy = scores()
    assert len(compiled) == len(numpy) == 4 * len(parts)
    for a, b in zip(compiled, numpy):
        assert a.shape == b.shape and np.array_equal(a, b)


def _compiled_and_numpy(compute):
    """``compute()`` with the scoring kernel, then with the NumPy steps."""
    compiled = compute()
    kernel, tagging._SCORING = tagging._SCORING, None
    try:
        return compiled, compute()
    finally:
        tagging._SCORING = kernel


_FEATURE_NAMES = [f"f{i}" for i in range(12)] + ["unknown", "other"]


@needs_scoring
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_FEATURE_NAMES), max_size=300), max_size=6),
    st.integers(0, 2**32 - 1),
    st.sampled_from([(3,), (2, 3), (1,)]),
)
def test_the_compiled_sum_of_rows_is_numpys_bit_for_bit(features, seed, shape) -> None:
    """Weights of all magnitudes, so that any other order of the additions shows; lines of
    0 to 300 features (NumPy's pairwise sum splits runs of more than 128)."""
    rng = np.random.default_rng(seed)
    index = {name: i for i, name in enumerate(_FEATURE_NAMES[:12])}
    table = rng.normal(0, 1, (13, *shape)) * 10.0 ** rng.integers(-8, 9, (13, *shape))
    table[12] = 0.0  # the zero row of unknown features
    compiled, numpy = _compiled_and_numpy(lambda: tagging._sum_rows(table, index, features))
    assert compiled.shape == numpy.shape == (len(features), *shape)
    assert np.array_equal(compiled, numpy)


@needs_scoring
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(_FEATURE_NAMES), max_size=20), st.lists(st.sampled_from(_FEATURE_NAMES), max_size=20)),
        max_size=8,
    ),
    st.integers(0, 2**32 - 1),
)
def test_the_compiled_page_scores_are_numpys_bit_for_bit(lines, seed) -> None:
    """Own features at offset 0 and as each neighbour's, context features, the bias."""
    rng = np.random.default_rng(seed)
    names = _FEATURE_NAMES[:12]
    attributes = names + [prefix + name for prefix in F.NEIGHBOUR_PREFIXES.values() for name in names[:8]]
    index = {name: i for i, name in enumerate(attributes)}
    weights = rng.normal(0, 1, (len(index) + 1, 4)) * 10.0 ** rng.integers(-8, 9, (len(index) + 1, 4))
    weights[-1] = 0.0
    views = [F.LineView(tuple(own), 0, "", frozenset(), False, False, ()) for own, _ in lines]
    parts = F.PageParts(list(range(len(lines))), views, [context for _, context in lines])
    scorer = tagging._StateScores(index, weights, rng.normal(0, 1, 4))
    compiled, numpy = _compiled_and_numpy(lambda: scorer.from_parts(parts))
    assert compiled.shape == numpy.shape == (len(lines), 4)
    assert np.array_equal(compiled, numpy)


@needs_scoring
def test_the_page_scorer_remembers_a_strings_row_and_forgets_when_full() -> None:
    """One scorer page after page: its memo of rows by string keeps references, is
    emptied when half full (10,000 distinct strings pass through it), and gives the
    rows the dictionary gives: to strings equal to remembered ones but new objects, to
    unknown ones, and to keys that are not exact strings."""

    class Name(str):  # equal to a key, never remembered by address
        pass

    rng = np.random.default_rng(7)
    names = [f"w0:{i}" for i in range(3000)]
    index = {name: i for i, name in enumerate(names)}
    weights = rng.normal(0, 1, (len(index) + 1, 3)) * 10.0 ** rng.integers(-8, 9, (len(index) + 1, 3))
    weights[-1] = 0.0
    scorer = tagging._StateScores(index, weights, rng.normal(0, 1, 3))
    for page in range(6):
        owns, contexts = [], []
        for line in range(100):
            picks = rng.integers(0, 4000, 17)  # past 3,000: unknown
            owns.append(tuple(f"w0:{k}" for k in picks))  # new objects on every line
            contexts.append([names[picks[0] % 3000], Name(names[7]), f"w0:{page * 2000 + line}"])
        views = [F.LineView(own, 0, "", frozenset(), False, False, ()) for own in owns]
        parts = F.PageParts(list(range(len(views))), views, contexts)
        compiled, numpy = _compiled_and_numpy(lambda: scorer.from_parts(parts))
        assert np.array_equal(compiled, numpy)


@needs_kernel
def test_the_compiled_labels_without_confidences_are_the_numpy_ones(monkeypatch) -> None:
    """``best_labels`` (the search from the labels' scores, both passes' scores side by side,
    so not contiguous) against the NumPy decoding, on the fixtures and on tie-heavy scores."""
    model = CrfModel.load(*default_model_paths())
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 300),
    )
    parts = [F.page_parts([text for _, _, text in page.lines]) for page in pages]
    rng = np.random.default_rng(11)
    tied = [np.round(rng.normal(0, 1, (int(rng.integers(1, 30)), len(model.labels)))) for _ in range(300)]
    tied_short = [rng.integers(0, 2, len(scores)).astype(bool).tolist() for scores in tied]
    model._state_trans_into = np.where(model._state_trans_into > NEG_INF / 2, np.round(model._state_trans_into), NEG_INF)

    def labels() -> list[list[str]]:
        out = [result.labels for result in model.tag_parts_many(parts, marginals=False)]
        out += [model.decode(scores, short, marginals=False).labels for scores, short in zip(tied, tied_short)]
        return out + [model.decode(scores, None, marginals=False).labels for scores in tied]

    compiled = labels()
    monkeypatch.setattr(tagging, "_KERNEL", None)
    assert compiled == labels()


@needs_kernel
def test_the_search_refuses_a_lattice_it_would_read_past() -> None:
    """The compiled search reads the lattice's arrays unchecked: a lattice whose ranges
    or sources point outside them, or scores of the wrong shape, are refused first."""
    model = CrfModel.load(*default_model_paths())
    lat = model._lattice
    good = dict(
        into=model._state_trans_into, first=lat.first_source, sources=lat.sources, state_label=lat.state_label,
        start_allowed=lat.start_allowed_bytes, end_allowed=lat.end_allowed_bytes, neg_inf=NEG_INF, labels=model.labels,
    )
    search = tagging._KERNEL.Lattice(**good)
    scores = np.zeros((3, len(model.labels)))
    assert len(search.best_labels(None, scores)) == 3
    bad_first = lat.first_source.copy()
    bad_first[0, -1] = len(lat.sources) + 1
    bad_sources = lat.sources.copy()
    bad_sources[0] = len(lat.state_label)
    bad_labels = lat.state_label.copy()
    bad_labels[0] = len(model.labels)
    for name, value in [
        ("first", bad_first), ("sources", bad_sources), ("state_label", bad_labels),
        ("into", model._state_trans_into[:, :-1, :-1].copy()), ("end_allowed", lat.end_allowed_bytes[:-1].copy()),
        ("start_allowed", lat.start_allowed_bytes[:1].copy()),
    ]:
        with pytest.raises(ValueError):
            tagging._KERNEL.Lattice(**{**good, name: value})
    with pytest.raises(ValueError, match="one score a label"):
        search.best_labels(None, np.zeros((3, len(model.labels) - 1)))
    with pytest.raises(ValueError, match="one kind a line"):
        search.best_labels([True], scores)


_SECOND_PASS = None


def _second_pass() -> CrfModel:
    global _SECOND_PASS
    if _SECOND_PASS is None:
        _SECOND_PASS = CrfModel.load(*default_model_paths()).second_pass
    assert _SECOND_PASS is not None
    return _SECOND_PASS


@needs_scoring
@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(tagging.LABELS), max_size=40))
def test_the_compiled_label_scores_are_numpys_bit_for_bit(labels: list[str]) -> None:
    """Any sequence of first-pass labels: the codes' rows are the strings' rows, summed alike."""
    model = _second_pass()
    compiled, numpy = _compiled_and_numpy(lambda: model.label_scores(labels))
    assert compiled.shape == numpy.shape == (len(labels), len(model.labels))
    assert np.array_equal(compiled, numpy)


@needs_scoring
def test_the_scoring_kernel_refuses_tables_and_codes_it_would_read_past() -> None:
    """Its loops do not check bounds: what would send them outside an array is refused first."""
    kernel = tagging._SCORING
    with pytest.raises(ValueError, match="zero row"):
        kernel.sum_rows(np.zeros((1, 2)), {"a": 0}, [["a"]])
    with pytest.raises(IndexError, match="outside the table"):
        kernel.sum_rows(np.zeros((2, 2)), {"a": 5}, [["a"]])
    model = _second_pass()
    code_rows, sizes, label_id = model._label_code_rows()
    n_labels = len(model.labels)

    def label_scores(labels, ids=label_id, opens=model._opens_article, since_max=F.SINCE_START_MAX, rows=code_rows):
        scorer = kernel.LabelScorer(
            model.state_weights, rows, sizes, n_labels, F.LABEL_CONTEXT_OFFSETS, ids,
            opens, model._holds_body, since_max, F.WALK_ARTICLE_MAX, F.WALK_ARTICLES_MAX,
        )
        return scorer.scores(labels)

    assert label_scores(["B-body", "I-body"]).shape == (2, n_labels)
    with pytest.raises(KeyError):
        label_scores(["B-nothing"])
    with pytest.raises(IndexError, match="not one of"):
        label_scores(["B-body"], ids={"B-body": n_labels})
    with pytest.raises(ValueError, match="opens an article"):
        label_scores(["B-body"], opens=model._opens_article[:-1])
    with pytest.raises(IndexError, match="out of range"):
        label_scores(["B-body", "I-body"], since_max=F.SINCE_START_MAX + 1)
    far = code_rows.copy()
    far[0, 0] = len(model.state_weights)
    with pytest.raises(IndexError, match="outside the table"):
        label_scores(["B-body"], rows=far)
    # a page's scorer: zero rows after the indexed ones, an own block for each offset
    own = np.zeros((2, 3 * 2))
    with pytest.raises(ValueError, match="zero row"):
        kernel.PageScorer(np.zeros((1, 2)), {"a": 0}, own, {}, (-1, 1), np.zeros(2))
    with pytest.raises(ValueError, match="a block of weights"):
        kernel.PageScorer(np.zeros((2, 2)), {"a": 0}, own, {}, (-1,), np.zeros(2))
    scorer = kernel.PageScorer(np.zeros((2, 2)), {"a": 5}, own, {}, (-1, 1), np.zeros(2))
    with pytest.raises(IndexError, match="outside the table"):
        scorer.scores([["a"]], [["b"]])
    with pytest.raises(ValueError, match="one own feature set per line"):
        scorer.scores([["a"]], [])


# --- the page-context kernel -----------------------------------------------------------


def _context_both_ways(texts: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """A page's context features from the kernel, then from ``features._page_context``'s Python."""
    blank = list(map(F.is_blank, texts))
    positions = [i for i, is_blank in enumerate(blank) if not is_blank]
    views = F.line_views([texts[i] for i in positions])
    kernel = F._CONTEXT
    compiled = kernel.page_context(blank, positions, views)
    F._CONTEXT = None
    try:
        return compiled, F._page_context(texts, blank, positions, views).context
    finally:
        F._CONTEXT = kernel


def _fixture_pages() -> Iterator[tuple[str, list[str]]]:
    """The seeds and the first 400 test pages: id and lines."""
    pages = itertools.chain(
        read_gold(ROOT / "fixtures" / "seeds-gold.jsonl"),
        itertools.islice(read_gold(ROOT / "fixtures" / "composed-test.jsonl.gz"), 400),
    )
    for page in pages:
        yield page.id, [text for _, _, text in page.lines]


@needs_context
def test_the_compiled_context_is_the_pythons_on_the_fixtures() -> None:
    for page_id, texts in _fixture_pages():
        compiled, python = _context_both_ways(texts)
        assert compiled == python, page_id


# pages built to exercise every context feature: words from a small vocabulary (so that
# lines share words), lines of any length (short ones, titles, paragraphs), "read also"
# markers, lines shown again or inside another line, blank lines and list items
_WORDS = ["الحكومة", "وزير", "المالية", "اقرأ", "أيضا", "السعودية", "الرياض", "1", "2", "الأمطار", "فريق", "الهلال"]
_LINE = st.one_of(
    st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join),
    st.sampled_from(["", " ", "اقرأ أيضا", "• الهلال", "1. وزير المالية", "المصدر: واس"]),
)


@st.composite
def _pages(draw) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        if lines and draw(st.integers(0, 5)) == 0:  # an earlier line again, alone or inside another
            earlier = draw(st.sampled_from(lines))
            lines.append(draw(st.sampled_from([earlier, f"الموقع | {earlier}", f"{earlier} الحكومة"])))
        else:
            lines.append(draw(_LINE))
    return lines


@needs_context
@settings(max_examples=300, deadline=None)
@given(_pages())
def test_the_compiled_context_is_the_pythons_on_any_page(texts: list[str]) -> None:
    compiled, python = _context_both_ways(texts)
    assert compiled == python


# lines whose keys share their length and their first and last eight characters, and
# differ only inside: one slot of the kernel's table of keys, told apart whole
_LOOKALIKE_LINES = [f"بداية السطر الطويلة {middle} نهاية السطر الطويلة" for middle in ("كتب", "قرأ", "درس")]


@needs_context
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_LOOKALIKE_LINES, "وزير المالية يعلن", "المصدر: واس", "", "شارك"]), max_size=30))
def test_the_context_kernel_finds_repeated_lines_as_the_python_does(texts: list[str]) -> None:
    """Repeated lines (``dup:*``) are grouped by whole keys: lookalike keys that meet in
    the kernel's table stay apart, and a line is after the first of its kind or not."""
    compiled, python = _context_both_ways(texts)
    assert compiled == python


@needs_context
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["سعر", "السعر", "النفط", "نفط", "يرتفع", "اليوم", "عاجل"]), min_size=3, max_size=7).map(" ".join), max_size=8))
@example(["سعر نفط عاجل", "السعر نفط عاجل سعر"])  # the words of one, inside the other's but not whole
@example(["سعر نفط عاجل", "السعر نفط عاجل سعر نفط عاجل"])  # ... and whole, later on
def test_the_context_kernel_finds_titles_within_lines_as_whole_words(texts: list[str]) -> None:
    """A title shown again inside another line counts only as whole words (the Python
    pads both keys with spaces; the kernel reads them in place): words that hold one
    another ("سعر" in "السعر") are no echo."""
    compiled, python = _context_both_ways(texts)
    assert compiled == python


@needs_context
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["1.", "2.", "عاجل", "عاجل:", "الآن", "|", "خبر"]), min_size=1, max_size=3).map(" ".join), max_size=12))
def test_the_context_kernel_finds_lines_that_open_alike_as_the_python_does(texts: list[str]) -> None:
    """List items open alike (the same first word, or first two, as a neighbour): the
    kernel compares the heads' words it read once; heads of another kind (lists here)
    are compared as objects, to the same features."""
    compiled, python = _context_both_ways(texts)
    assert compiled == python
    blank = list(map(F.is_blank, texts))
    positions = [i for i, is_blank in enumerate(blank) if not is_blank]
    views = F.line_views([texts[i] for i in positions])
    listed = [dataclasses.replace(v, head=list(v.head)) for v in views]
    assert F._CONTEXT.page_context(blank, positions, listed) == compiled


@needs_context
def test_the_context_kernel_refuses_what_it_cannot_read() -> None:
    views = F.line_views(["الحكومة", "وزير"])
    with pytest.raises(ValueError, match="one position per view"):
        F._CONTEXT.page_context([False, False], [0], views)
    with pytest.raises(ValueError, match="not a line of the page"):
        F._CONTEXT.page_context([False, False], [0, 2], views)
    bad = F.LineView(("bias",), 1, "x", {"x"}, False, False, ("x",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="words are bytes"):
        F._CONTEXT.page_context([False], [0], [bad])
    torn = F.LineView(("bias",), 1, "x", views[0].words[:-1], False, False, ("x",))
    with pytest.raises(ValueError, match="whole hashes"):
        F._CONTEXT.page_context([False], [0], [torn])
    keyless = F.LineView(("bias",), 1, None, views[0].words, False, False, ("x",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key is a str"):
        F._CONTEXT.page_context([False], [0], [keyless])


@needs_context
def test_the_context_kernel_reads_views_of_another_class_by_name() -> None:
    """Views of ``LineView`` are read from their slots; views of any other class with
    the same fields (here a subclass, and a plain object) by name, to the same
    features; a view whose field is unset is refused as Python would refuse it."""
    texts = ["وزير المالية يعلن الميزانية", "", "اقرأ أيضا", "وزير المالية يعلن الميزانية", "• الهلال", "• الهلال فريق"]
    blank = [not t.strip() for t in texts]
    positions = [i for i, b in enumerate(blank) if not b]
    views = F.line_views([texts[i] for i in positions])
    expected = F._CONTEXT.page_context(blank, positions, views)

    class Sub(F.LineView):
        __slots__ = ()

    class Plain:
        def __init__(self, view: F.LineView) -> None:
            for field in dataclasses.fields(F.LineView):
                setattr(self, field.name, getattr(view, field.name))

    for make in (lambda v: Sub(*(getattr(v, f.name) for f in dataclasses.fields(F.LineView))), Plain):
        assert F._CONTEXT.page_context(blank, positions, [make(v) for v in views]) == expected
    unset = F.LineView.__new__(F.LineView)
    with pytest.raises(AttributeError, match="words"):
        F._CONTEXT.page_context([False], [0], [unset])

    class Emptying(Plain):  # reading its words empties the list of views being read
        def __getattribute__(self, name: str):
            if name == "words":
                shared.clear()
            return object.__getattribute__(self, name)

    shared = [Emptying(v) for v in views]
    assert F._CONTEXT.page_context(blank, positions, shared) == expected  # read from a snapshot


# --- the own-features kernel -----------------------------------------------------------


def _views_both_ways(texts: list[str]) -> tuple[list[F.LineView], list[F.LineView]]:
    """Lines' views (own features and the rest) from the kernel, then from ``features._view``."""
    compiled = F.line_views(texts)
    kernel, F._OWN = F._OWN, None
    try:
        return compiled, F.line_views(texts)
    finally:
        F._OWN = kernel


@needs_own
def test_the_compiled_own_features_are_the_pythons_on_the_fixtures() -> None:
    for page_id, texts in _fixture_pages():
        compiled, python = _views_both_ways([text for text in texts if not F.is_blank(text)])
        assert compiled == python, page_id


# lines built to meet every own feature: cue phrases, month and weekday names beside
# numbers, given names, lede and continuation openers, bullets, quotes, separators,
# links, handles, tickers, ends of every kind, among arbitrary characters
_OWN_PIECES = st.one_of(
    _PIECES,
    st.sampled_from(
        [
            "اقرأ أيضا", "المصدر:", "تابعونا على", "جميع الحقوق محفوظة", "الرياض - واس", "(الرياض)", "د. محمد",
            "محمد العتيبي", "كتب: سعيد", "يناير", "كانون الثاني", "رمضان", "الأحد", "2020", "1441 هـ", "هجري",
            "10:30", "12/05/2020", "3rd", "GMT", "بتوقيت", "أكد", "وقال", "أعلنت وزارة", "• ", "- ", "1) ", "«",
            " | ", " / ", "http://x.com", "www.site.sa", "@user", "#وسم", "pic.twitter.com/ab", "photo.jpg",
            "©", "$", "5.5 %", "30 °C", "..", "…", ":", "؟", "!", "—", "?????", "Ã©", " ", " ", "وزير", "المالية",
            # digits of any script, white space of any kind, and what the date expressions
            # that open with a digit look for after one
            "5 ص", "3pm", "7 A.M.", "2020-01-02", "١٢/٣", "٣ هـ", "4ه", "\u0966", "\U0001D7D9", "\u2028",
            "\u1680", "\x1c", "\u00a0", "\u3000", "ه", "م", "p", "a", "/", "-",
            # the pipe and byline separators, read through a table of the BMP
            " » ", "»", " · ", " > ", "–", " • ",
        ]
    ),
)


@needs_own
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_OWN_PIECES, max_size=60).map("".join), max_size=6))
def test_the_compiled_own_features_are_the_pythons_on_any_line(texts: list[str]) -> None:
    compiled, python = _views_both_ways(texts)
    assert compiled == python


@needs_own
def test_the_own_features_kernel_refuses_measurements_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="one measurement of each kind per line"):
        F._OWN.views(["a"], ["a"], ["a"], [["a"]], [frozenset()], [0], [0], [0], [])
    with pytest.raises(TypeError, match="are strings"):
        F._OWN.views(["a"], [None], ["a"], [["a"]], [frozenset()], [0], [0], [0], [0])
    with pytest.raises(TypeError, match="are a list"):
        F._OWN.views(["a"], ["a"], ["a"], [("a",)], [frozenset()], [0], [0], [0], [0])
    with pytest.raises(TypeError, match="tokens are strings"):
        F._OWN.views(["a"], ["a"], ["a"], [[1]], [frozenset()], [0], [0], [0], [0])


# what the separator-byline expression reads: letters, white space of every kind,
# its separators, the characters its left name may not hold, digits of every script
_BYLINE_CHARS = ["ب", "a", " ", "\u00a0", "\u2003", "\x1c", "\n", "-", "–", "—", "/", ":", "،", ",", ".", "5", "٣", "\u0966", "²"]


@needs_own
@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(_BYLINE_CHARS), max_size=12).map("".join),
    st.sampled_from(["", "ب" * 38, "ب" * 39, "ب" * 40, "ب  " * 13]),
    st.lists(st.sampled_from(_BYLINE_CHARS), max_size=12).map("".join),
    st.sampled_from(["", "ب" * 38, "ب" * 39, "ب" * 40, " " * 40]),
    st.lists(st.sampled_from(_BYLINE_CHARS), max_size=6).map("".join),
)
def test_the_byline_shape_read_in_c_is_the_expressions(a: str, b: str, c: str, d: str, e: str) -> None:
    for line in (a + b + c + d + e, b + a + d + c + e, a + c + e):
        assert F._OWN.read_in_c("byline_agency", line) == bool(F._BYLINE_AGENCY_RE.match(line)), repr(line)


# what the bullet, quotation and separator expressions read: each its signs, digits of
# every script and runs of them, white space of every kind, a letter
_SPACES = [" ", "\u00a0", "\u3000", "\x1c", "\t"]
_BULLET_LINE = st.lists(st.sampled_from([*_SPACES, "1", "٣", "۴", "\u0966", "²", ".", ")", "-", "•", "▶", "*", "»", "ب"]), max_size=8)
_QUOTE_LINE = st.lists(st.sampled_from([*_SPACES, "\"", "«", "“", "”", "'", "‘", "`", "ب"]), max_size=6)
_PIPE_LINE = st.lists(st.sampled_from([*_SPACES, "|", "•", "·", "/", "»", ">", "-", "ب"]), max_size=14)


@needs_own
@settings(max_examples=1000, deadline=None)
@given(_BULLET_LINE.map("".join), _QUOTE_LINE.map("".join), _PIPE_LINE.map("".join))
@example("123. ب", "‘ب", " | | ب | ")
@example("\u0966\u0966\x1c)", "\u3000«", "\u00a0/\u00a0ب\u3000»\u3000")
def test_the_signs_read_in_c_are_the_expressions(bullet: str, quote: str, pipe: str) -> None:
    kernel = F._OWN
    assert kernel.read_in_c("bullet", bullet) == bool(F._BULLET_RE.match(bullet)), repr(bullet)
    assert kernel.read_in_c("quote_start", quote) == bool(F._QUOTE_START_RE.match(quote)), repr(quote)
    assert kernel.read_in_c("pipe", pipe) == (len(F._PIPE_RE.findall(pipe)) >= 2), repr(pipe)


# what the price and temperature expressions read: their signs, digits of every script,
# the period and comma between them, white space of every kind, a letter
_TICKER_LINE = st.lists(
    st.sampled_from([*_SPACES, "\u2028", "5", "٣", "۴", "\u0966", "²", "½", ".", ",", "%", "٪", "°", "$", "€", "£", "¥", "C", "م", "ب"]),
    max_size=12,
)


@needs_own
@settings(max_examples=1500, deadline=None)
@given(_TICKER_LINE.map("".join))
@example("1.5\u3000 %")
@example("\u0966,\u0966%")
@example(".5%")
@example("5.%")
@example("ب.5%")
@example("\u0966 ,٣\u2028%")
def test_the_ticker_shapes_read_in_c_are_the_expressions(line: str) -> None:
    expected = bool(F._DEGREE_RE.search(line) or F._MONEY_RE.search(line))
    assert F._OWN.read_in_c("ticker", line) == expected, repr(line)


# the pieces of the date expressions and what borders them: digits of several scripts
# (one past the BMP), the separators, white space, the letters of am/pm and the
# ordinals in both cases (and the long s, an s ignoring case), Arabic letters, word
# characters that are not letters or digits (a combining mark, a connector), others
_DATE_PIECES = [
    "1", "9", "2", "0", "5", "4", "7", "٣", "۴", "\u0966", "\U0001d7d8", "²",
    ":", "/", ".", "-", " ", "\t", "\n", "\u00a0",
    "a", "A", "p", "P", "m", "M", "s", "S", "ſ", "t", "T", "n", "d", "r", "h", "H", "x",
    "ص", "م", "ه", "ب", "\u0301", "_", "\u203f", "%", "(",
    "19", "20", "195", "2024", "12:30", "a.m.", "p.m.", "st", "nd", "th", "5/", "1.2.",
]
_DATE_EXPRESSIONS = {
    "year": F._YEAR_RE,
    "time": F._TIME_RE,
    "am_pm": F._AM_PM_RE,
    "numeric_date": F._NUMERIC_DATE_RE,
    "english_ordinal": F._ENGLISH_ORDINAL_RE,
}


@needs_own
@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(sorted(_DATE_EXPRESSIONS)),
    st.lists(st.sampled_from(_DATE_PIECES), max_size=14).map("".join),
    st.integers(0, 6),
)
@example("year", "a2023", 1)
@example("year", " 2049 ", 1)
@example("time", "1:30:4", 0)
@example("time", "12:30\u0301", 0)
@example("am_pm", "5 a.m", 0)
@example("am_pm", "5\tمx", 0)
@example("am_pm", "5م\n", 0)
@example("numeric_date", "12345/1/1", 1)
@example("numeric_date", "1/123/1", 0)
@example("english_ordinal", "1ſT", 0)
@example("english_ordinal", "123rd", 1)
def test_the_date_expressions_read_in_c_are_the_expressions(name: str, line: str, start: int) -> None:
    """Each date expression read in C finds a match exactly where the expression's
    search from ``start`` does."""
    start = min(start, len(line))
    expected = _DATE_EXPRESSIONS[name].search(line, start)
    assert F._OWN.read_in_c(name, line, start) == (expected is not None), repr(line)


@needs_own
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["date:year", "cue:menu", "w0:ب", "", "bias"]), max_size=150), st.booleans())
def test_a_lines_feature_buffer_gives_its_features_in_order(features: list[str], unique: bool) -> None:
    """The buffer a line's features are gathered in gives them as the tuple (or the
    deduplicated tuple) a list would, past its first size and past the 64 deduplicated
    in place, and keeps no reference once taken."""
    import sys

    marker = "feature-held-" + str(len(features))
    items = [*features, marker]
    expected = tuple(dict.fromkeys(items)) if unique else tuple(items)
    held = sys.getrefcount(marker)
    taken = F._OWN.features_taken(items, unique)
    assert taken == expected
    del taken
    assert sys.getrefcount(marker) == held


@needs_own
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["date:year", "cue:menu", "cue:menu@start", "w0:ب", "", "bias"]), max_size=80), st.randoms())
def test_a_lines_features_are_deduplicated_as_a_dictionary_would(features: list[str], rnd) -> None:
    """Each feature once, where it first comes, equal strings being one whether or not
    they are the same object; a line with more than the kernel keeps goes to a dict."""
    copies = [(feature + ".")[:-1] if rnd.random() < 0.5 else feature for feature in features]
    assert F._OWN.unique_features(copies) == tuple(dict.fromkeys(features))


@needs_own
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["0", "7", "٠", "٣", "۰", "۴", "\u0966", "²", "½", "\U0001d7d9", "ب", "a", "é", "/"]), max_size=10).map("".join))
@example("٢٠٢٠")
def test_a_head_words_digits_are_zeroed_in_c_as_translate_zeroes_them(word: str) -> None:
    zeroed, in_c = F._OWN.zeroed(word)
    assert in_c  # the shipped digit table is read in C
    assert zeroed == word.translate(F._DIGITS_TO_ZERO_LIST)


@needs_own
def test_a_head_word_that_is_its_token_is_the_tokens_string() -> None:
    """The own-features kernel gives a head word equal to the line's token of its place
    as that token's string (no new string); a word with digits to zero, or one holding
    punctuation, is a new string, equal to the Python's."""
    lines = ["وزارة الصحة تعلن", "عام 2020 مضى", "(الرياض) - اليوم"]
    stripped, samples, norms, tokens, words, *counts = F._MEASURE.measure_lines(lines)
    views = F._OWN.views(stripped, samples, norms, tokens, words, *counts)
    assert views[0].head[0] is tokens[0][0] and views[0].head[1] is tokens[0][1]
    assert views[1].head[0] is tokens[1][0] and views[1].head[1] == "0000"
    assert views[2].head == (f"({tokens[2][0]})", "-")  # not tokens: new strings
    assert views == [F._view(*row) for row in zip(stripped, samples, norms, tokens, words, *counts)]
    # a digit table not read in C (it changes a letter too): no word of a line with
    # digits is taken for its token, each is translated
    table = {**F._DIGITS_TO_ZERO, ord(tokens[1][0][0]): "X"}
    F._OWN.configure(lambda: {**F._own_tables(), "digits_to_zero": table})
    try:
        assert not F._OWN.zeroed("1")[1]
        head = F._OWN.views(stripped, samples, norms, tokens, words, *counts)[1].head
    finally:
        F._configure_kernels()
    assert head == (tokens[1][0].translate(table), "0000")


def _compiled_view_with_patterns(line: str, patterns: dict[str, regex.Pattern]) -> F.LineView:
    """The own-features kernel's view of ``line`` with some of its expressions replaced."""
    F._OWN.configure(lambda: {**F._own_tables(), "patterns": {**F._own_tables()["patterns"], **patterns}})
    try:
        return F.line_views([line])[0]
    finally:
        F._configure_kernels()


@needs_own
@pytest.mark.parametrize(
    ("name", "line", "feature"),
    [
        ("byline_agency", "الرياض - واس", "byline:sep_shape"),
        ("bullet", "• الهلال", "bullet"),
        ("quote_start", "«قال الوزير»", "start:quote"),
        ("pipe", "الرئيسية | أخبار | رياضة", "many_separators"),
        ("degree", "الحرارة 30 °C", "ticker_shape"),
        ("money", "ارتفع المؤشر 5.5 %", "ticker_shape"),
    ],
)
def test_an_expression_is_read_in_c_only_for_its_own_pattern(name: str, line: str, feature: str) -> None:
    """Another expression in the tables is asked as it is."""
    compiled = _compiled_view_with_patterns(line, {name: regex.compile(r"^x")})
    assert feature in F.line_views([line])[0].own
    assert feature not in compiled.own


_SITE_LINE = st.lists(st.sampled_from([".", ":", "/", "w", "W", "ſ", "\u212a", "İ", "c", "O", "m", "n", "e", "t", "s", "a", "ب", " ", "1", "_"]), max_size=12)


@needs_own
@settings(max_examples=1500, deadline=None)
@given(_SITE_LINE.map("".join))
@example("WWW.ب")
@example("ب.ſa")
@example("ب://")
@example("ب.\u212a")
def test_the_web_address_gate_passes_every_line_the_expression_matches(line: str) -> None:
    """The own-features kernel asks the web-address hint only about lines its gate lets
    through: the gate must let through every line the expression matches."""
    if F._URL_HINT_RE.search(line):
        assert F._OWN.read_in_c("url_hint", line), repr(line)


@needs_own
def test_the_web_address_gate_is_kept_only_for_its_own_pattern() -> None:
    """A period between Arabic letters names no site for the shipped expression; another
    expression in the tables is asked about the line as it is."""
    line = "ب.ب x"
    assert not F._OWN.read_in_c("url_hint", line)
    other = regex.compile(r"\.")
    compiled = _compiled_view_with_patterns(line, {"url_hint": other, "url": other})
    assert "url" in compiled.own
    assert "url" not in F.line_views([line])[0].own


@needs_own
def test_latin_words_need_a_caseless_latin_character() -> None:
    """The own-features kernel looks for ``t.co``, ``twitter``, ``gmt`` and ``utc`` in a
    line's normalised text only when the line holds a character of the caseless-Latin
    class: every character whose normalised lower case holds a letter of them is in it."""
    table = F._char_table()
    letters = set("tcowitergmu")
    for code in range(0x110000):
        if letters & set(chr(code).translate(F._NORMALISE_TABLE).lower()):
            assert table[code] & F._B_CASELESS_LATIN, hex(code)
    lines = ["pic.twitter.com/x1 المصدر", "Twitter", "ＴＷＩＴＴＥＲ", "الساعة 10 GMT", "UTC+3", "بتوقيت مكة", "\u212a t.co/x"]
    compiled, python = _views_both_ways(lines)
    assert compiled == python
    assert {"tweet:link", "date:gmt"} <= {feature for view in python for feature in view.own}


@needs_own
def test_the_own_features_kernel_finds_an_early_colon_only_where_it_counts() -> None:
    """The kernel looks for a colon among a line's first 26 characters only: one further
    on is no early colon, whatever comes before it."""
    lines = [("ب" * at) + ": " + "كلمة " * 14 for at in (0, 1, 24, 25, 26, 27, 60)]
    compiled, python = _views_both_ways(lines)
    assert compiled == python
    early = ["colon:early" in view.own for view in python]
    assert early == [False, True, True, True, False, False, False]


@needs_own
def test_the_own_features_kernel_finds_a_double_dot_in_a_line_past_its_sample() -> None:
    """The search for ".." is skipped for a line with no period in its sample, unless the
    line runs past its sample: a ".." there is still found, as the Python finds it."""
    long_tail = "ب " * (F.MAX_FEATURE_CHARS // 2 + 10)
    lines = ["قال.. ثم", "بلا نقطة", "نقطة. واحدة", "..بب", "ب..", long_tail + "..بب", long_tail + "ب"]
    compiled, python = _views_both_ways(lines)
    assert compiled == python
    assert ["double_dot" in view.own for view in python] == [True, False, False, True, False, True, False]


@needs_own
def test_the_date_expressions_asked_from_their_first_candidate_find_what_they_found() -> None:
    """The kernel asks the year, time, numeric-date and a.m./p.m. expressions from the
    first place a match could start: a match at the line's start, after a candidate that
    is none, and after a letter glued to it (``\\b`` reads the characters before)."""
    lines = [
        "2015 عام", "x2015 عام", "عام 19x و 2015", "2015 ثم 19x", "1990 ثم 20x", "رقم 20x ثم 1990", "في 1990م", "عام 20155",
        "10:30 صباحا", "1:2 ثم 10:30", "a10:30", "الساعة 9:05:33",
        "2020-1-5 تاريخ", "1234/1/2020", "12345/1/2020", "1-x ثم 1/2/2020", "تاريخ 5.6.2021",
        "5 م", "5x ثم 7 ص", "الساعة 10 am", "5am", "٥ مساء",
    ]
    compiled, python = _views_both_ways(lines)
    assert compiled == python
    kinds = {feature for view in python for feature in view.own if feature.startswith("date:")}
    assert {"date:year", "date:time", "date:numeric", "date:ampm"} <= kinds


@needs_own
def test_the_lexicon_filter_lets_every_key_of_the_lexicons_through() -> None:
    """The own-features kernel skips the look-up of a token whose hash slot holds no key
    of a lexicon: every key must have its slot marked, or a feature would be lost."""
    tables = F._own_tables()
    weights = tables["lede_weights"]
    lexicons = {
        "phrases": list(tables["phrases"]),
        "dates": list(tables["token_lexicons"]),
        "names": list(tables["given_names"]),
        "bag": list(weights.bag),
        "positions": [word for position in weights.positions for word in position],
        "pair_first": [first for first, _ in weights.pairs],
        "pair_second": [second for _, second in weights.pairs],
        "openers": list(tables["opener_firsts"]),
    }
    for name, keys in lexicons.items():
        assert keys, name
        for key in keys:
            assert F._OWN.lexicon_bits(key)[name], (name, key)
    # the lexicons looked up over most tokens hold few words of a text: their look-ups
    # are mostly skipped (the lede words are common ones, and looked up at a line's start)
    pages = itertools.islice(_fixture_pages(), 50)
    words = [word for _, lines in pages for line in lines for word in F.tokens_of(F.normalize(line))]
    bits = [F._OWN.lexicon_bits(word) for word in words]
    for name in ("phrases", "dates", "names"):
        assert sum(not b[name] for b in bits) > 0.8 * len(words), name


@needs_own
@pytest.mark.parametrize("digit", ["5", "٥", "\u096b", "\U0001d7d3"])  # Latin, Arabic-Indic, Devanagari, mathematical
@pytest.mark.parametrize("space", ["", " ", "\u1680", "\u2028", "\x0b", "\x85", " \u2029 "])
def test_the_own_features_kernel_reads_dates_after_any_digit_and_space(digit: str, space: str) -> None:
    """The kernel asks the date expressions that open with a digit only about lines where
    a digit is followed (past white space, as ``\\s`` reads it) by what they need."""
    lines = [f"وقع الحادث {digit}{space}{after} في المدينة" for after in ["ص", "م", "am", "P.M.", "ه", "هـ", "/3/2020", "-4-2020", ".5.2020", "x"]]
    compiled, python = _views_both_ways(lines)
    assert compiled == python
    # the lines meet the expressions (a digit glued to a letter of another script is no number)
    kinds = {feature for view in python for feature in view.own if feature.startswith("date:")}
    if space or digit in ("5", "٥"):
        assert {"date:ampm", "date:hijri"} <= kinds
    assert ("date:numeric" in kinds) == (space == "")


@needs_context
def test_the_context_kernel_counts_equal_words_as_one_whatever_the_objects() -> None:
    """A view's words are its stems' hashes, numbered by value: views holding copies of
    them (other bytes objects) get the same context, and a stem is one word whichever
    token of whichever line it comes from."""
    texts = ["وزير المالية يعلن الميزانية الجديدة للعام المقبل في مؤتمر صحفي بالرياض اليوم"] * 2 + [
        "المالية الميزانية الجديدة مؤتمر صحفي الرياض وزير يعلن العام المقبل اليوم أيضا"
    ]
    views = F.line_views(texts)
    copies = [
        F.LineView(v.own, v.n_tokens, v.normalized_key, bytes(bytearray(v.words)), v.is_read_also, v.is_long, v.head)
        for v in views
    ]
    assert all(a.words == b.words and a.words is not b.words for a, b in zip(copies, views))
    stems = [{stem for stem in F._content_stems(F.tokens_of(F.normalize(text))) if stem} for text in texts]
    assert [F.word_set(v.words) for v in views] == [{hash(stem) for stem in line} for line in stems]
    assert len(stems[0] & stems[2]) >= 10
    blank = [False] * len(texts)
    positions = list(range(len(texts)))
    compiled = F._CONTEXT.page_context(blank, positions, copies)
    assert compiled == F._CONTEXT.page_context(blank, positions, views)
    kernel = F._CONTEXT
    F._CONTEXT = None
    try:
        assert compiled == F._page_context(texts, blank, positions, views).context
    finally:
        F._CONTEXT = kernel
    assert any(feature.startswith("coh_prev:top") for feature in compiled[1])


@needs_own
def test_the_kernels_views_are_left_out_of_the_cyclic_collector() -> None:
    """A view and its containers hold only strings and numbers (no cycle can pass
    through them), so the collector's passes after a batch need not visit them."""
    import gc

    views = F.line_views(["وزير المالية يعلن الميزانية الجديدة للعام المقبل في مؤتمر صحفي", "المصدر: واس"])
    for view in views:
        assert not gc.is_tracked(view)
        assert not any(map(gc.is_tracked, (view.own, view.words, view.head)))
    assert views[0].words  # a view with content words among them


# --- the measuring kernel --------------------------------------------------------------


def _measures_both_ways(samples: list[str]) -> tuple[F._Measures, F._Measures]:
    """A page's measurements from the kernel, then from ``features._measure``'s NumPy."""
    kernel = F._MEASURE
    compiled = F._measure(samples)
    F._MEASURE = None
    try:
        return compiled, F._measure(samples)
    finally:
        F._MEASURE = kernel


@needs_measure
@settings(max_examples=200, deadline=None)
@given(st.integers(0, 150).flatmap(lambda n: st.lists(st.text(alphabet="ابتثجحخدذرسشصمنهوي", min_size=3, max_size=6), min_size=n, max_size=n)))
def test_a_lines_content_words_are_its_stems_hashes_sorted_once(words: list[str]) -> None:
    """The kernel sorts a line's stem hashes itself (by insertion up to 32, by heap past
    that), each once: the bytes are the Python's, and read back they are the stems' hashes."""
    line = " ".join(words + words[: len(words) // 3])  # some words twice
    compiled, python = _measures_both_ways([line])
    assert compiled.words == python.words
    hashes = list(array(F._HASH_CODE, compiled.words[0]))
    assert hashes == sorted(set(hashes))
    assert set(hashes) == {hash(stem) for stem in F._content_stems(F.tokens_of(F.normalize(line))) if stem}


@needs_measure
def test_the_compiled_measurements_are_the_pythons_on_the_fixtures() -> None:
    for page_id, texts in _fixture_pages():
        samples = [text.strip()[: F.MAX_FEATURE_CHARS] for text in F.without_marks(texts)]
        compiled, python = _measures_both_ways(samples)
        assert compiled == python, page_id


# characters whose normalised or lower-cased form is not simply themselves: letters
# normalisation unifies, marks it deletes, white space it turns to a space, a letter that
# lowers to two characters (İ) and one that lowers by its neighbours (Σ), letters beyond
# the BMP with a lower case, a lone surrogate
_MEASURE_PIECES = st.one_of(
    _OWN_PIECES,
    st.sampled_from(
        [
            "İstanbul", "ΟΔΟΣ", "ΣΑ Σ", "ﬃ", "ß", "\U00010400\U00010428", "\U0001F600", "\ud800", "ـــ", "\u064b",
            "\u200f", "\ufeff", "یک", "ۀ", "ة", "أإآٱ", "٠١٢", "۴۵", "\u00a0\u2003", "،؛؟", "A_B", "Ⅻⅻ", "①",
        ]
    ),
)


@needs_measure
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_MEASURE_PIECES, max_size=40).map("".join), max_size=8))
def test_the_compiled_measurements_are_the_pythons_on_any_text(samples: list[str]) -> None:
    compiled, python = _measures_both_ways(samples)
    assert compiled == python


@needs_measure
def test_the_compiled_measurements_are_the_pythons_for_every_code_point() -> None:
    """Every code point, in lines of 61 after a letter, is classed, normalised,
    lower-cased and cut into tokens alike; and Σ, which lowers by its neighbours, at the
    end of a word, alone and inside one."""
    points = range(0x110000)
    lines = ["A" + "".join(map(chr, points[k : k + 61])) for k in range(0, len(points), 61)]
    lines += ["ΟΔΟΣ", "ΣΑ Σ.", "aΣ1", "Σ", "ΌΣΑ"]
    for first in range(0, len(lines), 2048):
        compiled, python = _measures_both_ways(lines[first : first + 2048])
        assert compiled == python, first


def _lines_measured_both_ways(texts: list[str]) -> tuple[tuple[list, ...], tuple[list, ...]]:
    """What ``line_views`` measures of lines (marks dropped, stripped, sampled, measured)
    from the kernel, then from ``without_marks`` and ``_measure``'s NumPy."""
    kernel = F._MEASURE
    compiled = kernel.measure_lines(texts)
    F._MEASURE = None
    try:
        stripped = [text.strip() for text in F.without_marks(texts)]
        samples = [line[: F.MAX_FEATURE_CHARS] for line in stripped]
        m = F._measure(samples)
        return compiled, (stripped, samples, m.norms, m.tokens, m.words, m.arabic, m.latin, m.punct, m.flags)
    finally:
        F._MEASURE = kernel


@needs_measure
def test_the_compiled_lines_are_the_pythons_on_the_fixtures() -> None:
    for page_id, texts in _fixture_pages():
        compiled, python = _lines_measured_both_ways(texts)
        assert compiled == python, page_id


# marks and tatweel beside letters, digits of every kind (a decimal digit is no letter
# to a tatweel; a superscript or a Roman numeral is), white space and line ends, and
# lines longer than a sample
_MARKED_PIECES = st.one_of(
    _MEASURE_PIECES,
    st.sampled_from(
        [
            "ـ", "ـــ", " ـ ", "ـ النهاية ـ", "القاهرة ـ أ ش أ", "مـــرحبا", "\u064e", "\u0651\u064b", "ـ\u064eـ",
            "\u200f", "\u200b", "\u00ad", "٣ـ", "ـ5", "²ـ", "ـⅫ", "_ـ", "ـ\u00a0", "\u2003", "\n", "\t",
            "و" * 700,
        ]
    ),
)


@needs_measure
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_MARKED_PIECES, max_size=40).map("".join), max_size=8))
def test_the_compiled_lines_are_the_pythons_on_any_text(texts: list[str]) -> None:
    compiled, python = _lines_measured_both_ways(texts)
    assert compiled == python


_AFFIX_LETTERS = "".join(sorted(set("".join((*F._PREFIXES, *F._SUFFIXES))))) + "رسمعنك"
_STEM_WORDS = st.one_of(
    st.text(st.sampled_from(_AFFIX_LETTERS), min_size=1, max_size=9),  # affixes on short stems
    st.text(st.sampled_from("0123٠١٢٣۴²½"), min_size=1, max_size=4),  # digits, and numbers that are not
    st.sampled_from(sorted(F._STOPWORDS)),
    st.builds(lambda p, w, x: p + w + x, st.sampled_from(F._PREFIXES), st.text(st.sampled_from(_AFFIX_LETTERS), max_size=4), st.sampled_from(F._SUFFIXES)),
)


@needs_measure
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_STEM_WORDS, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=4))
@example(["والكتاب وللمدرسة بالمعلمين فالهما كالذي ومعلمات لهما بين عند ١٢٣ 2²"])
def test_the_kernel_stems_new_tokens_as_content_word_does(samples: list[str]) -> None:
    """A new token's stem, made in C by ``_content_word``'s rules, is the Python's."""
    F._configure_kernels()  # an empty table: every token is new to the kernel
    compiled, python = _measures_both_ways(samples)
    assert compiled.words == python.words
    assert compiled == python


@needs_measure
def test_the_kernel_stems_in_c_only_by_the_rules_of_the_content_word_in_use() -> None:
    kernel = F._MEASURE
    rules = F._measure_tables()["content_word_rules"]
    try:
        # another content-word function is called, not stood in for by the shipped rules
        kernel.configure(lambda: {**F._measure_tables(), "content_word": lambda token: token[::-1]})
        assert kernel.measure(["كلمات جديدة"])[2] == [F._word_hashes(["تاملك", "هديدج"])]  # normalised: ة as ه
        kernel.configure(lambda: {**F._measure_tables(), "content_word_rules": {**rules, "prefixes": ["والله"]}})
        with pytest.raises(ValueError, match="affixes are strings"):
            kernel.measure(["a"])
        kernel.configure(lambda: {**F._measure_tables(), "content_word_rules": {**rules, "suffixes": ["ه", "ات"]}})
        with pytest.raises(ValueError, match="longest first"):
            kernel.measure(["a"])
    finally:
        F._configure_kernels()


@needs_measure
def test_the_measuring_kernel_makes_room_for_tokens_when_full() -> None:
    """The table of tokens seen is bounded: when full it keeps the tokens found again
    since it was last full (at most three quarters of its limit) and drops the others,
    and the measurements are the same throughout."""
    kernel = F._MEASURE
    kernel.configure(lambda: {**F._measure_tables(), "memo_limit": 8})
    try:
        kernel.measure(["أ1 أ2 أ3 أ4"])  # four new tokens
        kernel.measure(["أ1 أ2"])  # two of them found again
        kernel.measure(["ب1 ب2 ب3 ب4"])
        assert kernel.remembered() == 8  # full
        kernel.measure(["ج1"])  # no room: the two found again stay, and the new one
        assert kernel.remembered() == 3
        kernel.measure(["د1 د2 د3 د4 د5"])
        kernel.measure(["أ1 أ2 ج1 د1 د2 د3 د4 د5"])  # all eight found again
        kernel.measure(["ه1"])  # no room: six of them stay (three quarters of eight)
        assert kernel.remembered() == 8 * 3 // 4 + 1
        # "وزارة" comes back on every line; each other word is seen once
        samples = [" ".join(f"كلمة{i}{j} وزارة" for j in range(4)) for i in range(6)]
        compiled, python = _measures_both_ways(samples)
        assert compiled == python
        assert kernel.remembered() <= 8
    finally:
        F._configure_kernels()
    assert _measures_both_ways(samples)[0] == python


@needs_measure
def test_a_token_that_is_a_lexicon_word_is_the_lexicons_string() -> None:
    """The measuring kernel gives a token equal to a lexicon word as the string the
    own-features kernel keys its lexicons by (found by identity there); other tokens
    are new strings. The measurements are the same either way."""
    words = F._lexicon_words()
    word = next(w for w in F._lede_weights().bag if w in words and len(w) > 2)
    fresh = "".join(reversed(word)) + "قق"  # in no lexicon
    assert fresh not in words
    tokens = F._MEASURE.measure([f"{word} {fresh}"])[1][0]
    assert tokens == [word, fresh]
    assert tokens[0] is words[word]
    assert tokens[1] is not fresh
    _measure_refuses({"lexicon_words": {"a": "b"}}, "equal string")


def _measure_refuses(changes: dict, match: str) -> None:
    """The measuring kernel, given its tables with ``changes``, refuses them (``match``)."""
    kernel = F._MEASURE
    kernel.configure(lambda: {**F._measure_tables(), **changes})
    try:
        with pytest.raises(ValueError, match=match):
            kernel.measure(["a"])
    finally:
        F._configure_kernels()


@needs_measure
def test_the_flag_words_are_flagged_from_the_tokens_that_hold_them() -> None:
    """A line whose normalised text holds a flag word ("هجري", "توقيت") has its flag,
    found by the kernel from the one token that holds it (marked once per token), as
    the Python finds it by a search of the text; a token seen again keeps its mark."""
    samples = ["5:24 م بتوقيت مكة", "1445 هـ الموافق هجرية", "الهجري بتوقيت", "توقي ت هج ري", "بتوقيت"]
    compiled, python = _measures_both_ways(samples)
    assert compiled == python
    flags = compiled.flags
    assert [bool(f & F._B_TAWQIT_WORD) for f in flags] == [True, False, True, False, True]
    assert [bool(f & F._B_HIJRI_WORD) for f in flags] == [False, True, True, False, False]
    for bad in ((("ab cd", F._B_HIJRI_WORD),), (("هجري", 1 << 3),), (("هجري", 1 << 16), ("توقيت", 1 << 16))):
        _measure_refuses({"flag_words": bad}, "flag word")


@needs_measure
def test_the_measuring_kernel_refuses_what_it_cannot_read() -> None:
    kernel = F._MEASURE
    with pytest.raises(TypeError, match="a sample is a string"):
        kernel.measure(["a", None])
    with pytest.raises(TypeError, match="a line is a string"):
        kernel.measure_lines([b"a"])
    try:
        kernel.configure(lambda: {**F._measure_tables(), "memo_limit": 1 << 30})
        with pytest.raises(ValueError, match="can be remembered"):
            kernel.measure(["a"])
        kernel.configure(lambda: {**F._measure_tables(), "fold": F._fold_table()[:100]})
        with pytest.raises(ValueError, match="of every code point"):
            kernel.measure(["a"])
        kernel.configure(lambda: {**F._measure_tables(), "content_word": lambda token: 1})
        with pytest.raises(TypeError, match="a content word is a string or None"):
            kernel.measure(["كلمة_لم_تر_قبل"])
    finally:
        F._configure_kernels()
    compiled, python = _measures_both_ways(["كلمة_لم_تر_قبل"])
    assert compiled == python


# --- the line-making kernel (segmenter/_assembly.pyx) ---------------------------------


def _lines_both_ways(raw, roles, articles, confidence):
    """``build_lines`` from the kernel, then by ``map`` over the class."""
    made = assembly.build_lines(raw, roles, articles, confidence)
    kernel, assembly._LINES = assembly._LINES, None
    try:
        return made, assembly.build_lines(raw, roles, articles, confidence)
    finally:
        assembly._LINES = kernel


@needs_lines
@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from("اب \n\r\t.x"), max_size=200), st.randoms(use_true_random=False))
def test_the_kernel_makes_the_lines_map_makes(text: str, rnd) -> None:
    from segmenter.reading import split_lines
    from segmenter.types import Role

    raw = split_lines(text)
    roles = [rnd.choice(list(Role)) for _ in raw]
    articles = [rnd.randrange(4) for _ in raw]
    confidence = [rnd.random() for _ in raw]
    made, mapped = _lines_both_ways(raw, roles, articles, confidence)
    assert made == mapped
    assert all(type(line) is type(other) for line, other in zip(made, mapped))
    if made:  # a real object: its fields can be set, it is tracked and freed as map's are
        import gc

        assert gc.is_tracked(made[0]) == gc.is_tracked(mapped[0])
        made[0].article = 7
        assert made[0].article == 7 and made[0].to_list()[1] == 7


@needs_lines
def test_the_kernel_holds_one_reference_to_each_field() -> None:
    import sys

    from segmenter.reading import split_lines
    from segmenter.types import Role

    text = "".join(["سطر فريد للاختبار", "\n", "x"])
    raw = split_lines(text)
    first = raw[0].text
    held = sys.getrefcount(first)  # counted outside the asserts, whose rewriting keeps values
    lines = assembly.build_lines(raw, [Role.BODY] * 2, [0, 0], [0.5, 1.0])
    with_lines = sys.getrefcount(first)
    del lines
    after = sys.getrefcount(first)
    assert (with_lines, after) == (held + 1, held)


@needs_lines
def test_the_line_kernel_refuses_a_class_it_cannot_vouch_for() -> None:
    import dataclasses

    from segmenter.types import Line

    kernel = assembly._LINES

    @dataclasses.dataclass(slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise AssertionError

    @dataclasses.dataclass
    class Unslotted:
        a: int

    @dataclasses.dataclass(slots=True)
    class Derived(Line):
        extra: int = 0

    for cls, reason in ((Checked, "__post_init__"), (Unslotted, "not a slotted"), (int, "not a slotted"), (Derived, "not a slot of the class")):
        with pytest.raises(TypeError, match=reason):
            kernel.instances(cls, ([1],))
    with pytest.raises(TypeError, match="takes 7 columns"):
        kernel.instances(Line, ([],))
    with pytest.raises(ValueError, match="different lengths"):
        kernel.instances(Line, (["a"], [], [], [], [], [], []))
    with pytest.raises(TypeError, match="a list or a tuple"):
        kernel.instances(Line, (iter(["a"]), [], [], [], [], [], []))
    with pytest.raises(ValueError, match="one role, article and confidence per line"):
        assembly.build_lines([("a", 0, 1, "")], [], [], [])


@needs_lines
@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("اب \n\r\t.x"), max_size=120), st.randoms(use_true_random=False))
def test_the_labelled_lines_made_in_one_pass_are_the_pythons(text: str, rnd) -> None:
    """A page's labelled lines from the kernel's one pass are those of ``line_labels``
    then ``build_lines``: blank lines in the article of the tagged line before them,
    "B-" labels opening articles, any lines tagged (not only the non-blank ones)."""
    from segmenter import pipeline
    from segmenter.features import PageParts
    from segmenter.reading import split_lines
    from segmenter.tagging import LABELS, TagResult
    from segmenter.types import Line, Role

    raw = split_lines(text)
    positions = sorted(rnd.sample(range(len(raw)), rnd.randrange(len(raw) + 1)))
    result = TagResult([rnd.choice(LABELS) for _ in positions], [rnd.random() for _ in positions])
    parts = PageParts(positions, [], [])
    made = pipeline._labelled_lines(raw, parts, result)
    expected = assembly.build_lines(raw, *pipeline.line_labels(parts, result, len(raw)))
    assert made == expected
    assert all(type(line) is Line for line in made)
    # refused: labels and confidences not one per tagged line, positions not going up or
    # past the page, a label of no role, a raw line that is not a 4-tuple
    kernel = pipeline._LINES
    args = (pipeline._ROLE_OF_LABEL, Role.BLANK)
    raw2 = split_lines("a\nb")
    with pytest.raises(ValueError, match="one label and one confidence"):
        kernel.labelled_lines(Line, raw2, [0], [LABELS[0]], [], *args)
    with pytest.raises(ValueError, match="go up"):
        kernel.labelled_lines(Line, raw2, [1, 0], [LABELS[0]] * 2, [1.0] * 2, *args)
    with pytest.raises(ValueError, match="not a line of the page"):
        kernel.labelled_lines(Line, raw2, [0, 2], [LABELS[0]] * 2, [1.0] * 2, *args)
    with pytest.raises(KeyError):
        kernel.labelled_lines(Line, raw2, [0], ["no such label"], [1.0], *args)
    with pytest.raises(TypeError, match="a raw line is a tuple"):
        kernel.labelled_lines(Line, [("a", 0, 1)], [], [], [], *args)

    class Emptying(str):  # looking its role up empties the lists being read
        def __hash__(self) -> int:
            for held in (raw3, positions3, labels3, confidence3):
                held.clear()
            return str.__hash__(self)

    raw3, positions3 = split_lines("a\nb"), [0, 1]
    labels3, confidence3 = [Emptying(LABELS[0]), LABELS[0]], [0.5, 1.0]
    roles = {**pipeline._ROLE_OF_LABEL, LABELS[0]: pipeline._ROLE_OF_LABEL[LABELS[0]]}
    made = kernel.labelled_lines(Line, raw3, positions3, labels3, confidence3, roles, Role.BLANK)
    assert [line.text for line in made] == ["a", "b"]  # read from snapshots


@needs_lines
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(" \t\u00a0\u2028\u3000\x1c\u200bab\u0640"), max_size=4), max_size=12))
def test_a_pages_blank_lines_found_in_c_are_the_pythons(texts: list[str]) -> None:
    """Blank lines (empty or white space only, as ``str.strip`` reads it: the no-break
    and ideographic spaces, the line and file separators; not the zero-width space) and
    the places of the others, as ``page_parts_many`` finds them in Python."""
    blank, positions = assembly._LINES.blank_lines(texts)
    assert blank == [F.is_blank(t) for t in texts]
    assert positions == [i for i, t in enumerate(texts) if not F.is_blank(t)]
    with pytest.raises(TypeError, match="a line is a string"):
        assembly._LINES.blank_lines(["a", None])


# --- a page read in C (segmenter/_assembly.pyx, raw_lines) ----------------------------


@needs_lines
@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(["ا", "ب", " ", "\n", "\r", "a", "é", "\u2028", "\ud800", "\udfff", "\ud7ff", "\ue000", "\U0001F600"]), max_size=120))
def test_a_page_read_in_c_is_split_lines_of_sanitize(text: str) -> None:
    """Line ends of each kind, a lone surrogate (sanitized), strings of each width."""
    from segmenter import reading

    lines = reading.read_lines(text)
    assert lines == reading.split_lines(reading.sanitize(text))
    assert all(type(line) is reading.RawLine for line in lines)


@needs_lines
def test_a_page_read_in_c_holds_one_reference_to_each_line() -> None:
    import gc
    import sys

    from segmenter import reading

    lines = reading.read_lines("سطر أول\r\nسطر ثان")
    assert assembly._LINES.raw_lines("x\ud800", reading.RawLine) is None  # sanitized by the caller
    first = lines[0]
    counts = sys.getrefcount(first), sys.getrefcount(first.text)  # outside the asserts, which keep values
    assert counts == (3, 2)  # the list's and ``first``; the tuple's
    assert gc.is_tracked(lines[0]) and lines[0]._asdict() == {"text": "سطر أول", "start": 0, "end": 7, "newline": "\r\n"}
    with pytest.raises(TypeError):
        assembly._LINES.raw_lines("x", list)
