"""Label scheme and constrained decoding, on a real (tiny) crfsuite model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from segmenter import tagging
from segmenter.features import page_features
from segmenter.io import GoldPage
from segmenter.tagging import (
    LABELS,
    CrfModel,
    Decoding,
    articles_from_labels,
    label_role,
    labels_from_gold,
    train_crf,
)
from segmenter.training import _metadata_for, page_sequence
from segmenter.types import ModelError, Role

H, D, B, T, R, F = Role.HEADLINE, Role.DATELINE, Role.BODY, Role.TWEET, Role.RELATED, Role.FOOTER


def test_labels_mark_article_starts() -> None:
    roles = [F, H, D, B, B, F, F, H, B, T, B, R]
    arts = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    labels = labels_from_gold(roles, arts)
    assert labels == [
        "footer", "B-headline", "I-dateline", "I-body", "I-body", "footer", "footer",
        "B-headline", "I-body", "I-tweet", "I-body", "related",
    ]
    assert articles_from_labels(labels) == arts
    assert [label_role(l) for l in labels] == roles


def test_article_without_headline_starts_at_its_first_content_line() -> None:
    labels = labels_from_gold([D, B, B, B], [0, 0, 1, 1])
    assert labels == ["B-dateline", "I-body", "B-body", "I-body"]
    assert articles_from_labels(labels) == [0, 0, 1, 1]


def test_blank_lines_are_not_tagged() -> None:
    with pytest.raises(ValueError):
        labels_from_gold([Role.BLANK], [0])


def test_unknown_roles_fail_loudly() -> None:
    with pytest.raises(ValueError):
        Role("headlin")


def _toy_pages() -> list[GoldPage]:
    body = "وقال المتحدث إن الاجتماع بحث سبل التعاون بين البلدين في مجالات عدة منها الاقتصاد والأمن والطاقة."
    page = [
        (F, 0, "الرئيسية | أخبار | رياضة"),
        (H, 0, "عنوان الخبر الأول عن الاجتماع"),
        (D, 0, "بغداد - واس"),
        (B, 0, body),
        (B, 0, body.replace("الاجتماع", "اللقاء")),
        (F, 0, "المصدر: وكالات"),
        (F, 0, "إقرأ أيضاً:"),
        (H, 1, "عنوان خبر ثان عن الطقس"),
        (B, 1, body.replace("المتحدث", "الوزير")),
        (R, 1, "مقالات مشابهة"),
        (R, 1, "  • عنوان قديم"),
    ]
    return [GoldPage(f"toy-{i}", page) for i in range(20)]


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory: pytest.TempPathFactory, seed_pages) -> CrfModel:
    """A real crfsuite model trained on the toy page and the five seeds."""
    path = tmp_path_factory.mktemp("model") / "toy.crfsuite"
    train_crf((page_sequence(p) for p in _toy_pages() + list(seed_pages)), path, {"max_iterations": 40})
    return CrfModel(path, _metadata_for(path, {}))


def test_toy_model_learns_the_toy_page(toy_model: CrfModel) -> None:
    page = _toy_pages()[0]
    x, y = page_sequence(page)
    assert toy_model.tag(x).labels == y


def test_decoding_never_opens_an_article_before_body(toy_model: CrfModel) -> None:
    """Two headline-like lines in a row: the second may not open a new article."""
    lines = ["عنوان أول قصير", "عنوان ثان قصير", "عنوان ثالث قصير"]
    result = toy_model.tag(page_features(lines))
    opened = [i for i, l in enumerate(result.labels) if l.startswith("B-")]
    assert len(opened) <= 1


def test_first_content_label_opens_an_article(toy_model: CrfModel) -> None:
    for lines in (["نص " * 30 + "."], ["المصدر: وكالات", "نص " * 30 + "."]):
        labels = toy_model.tag(page_features(lines)).labels
        content = [l for l in labels if l[:2] in ("B-", "I-")]
        assert not content or content[0].startswith("B-")


def test_marginals_are_probabilities(toy_model: CrfModel) -> None:
    x, _ = page_sequence(_toy_pages()[0])
    conf = toy_model.tag(x).confidence
    assert all(0.0 <= c <= 1.0 for c in conf)
    assert np.mean(conf) > 0.5


def _path_score(model: CrfModel, unary: np.ndarray, path: tuple[int, ...], decoding: Decoding) -> float:
    """A path's score written out plainly: emissions, transitions, decoding offsets."""
    score = sum(unary[t, i] for t, i in enumerate(path))
    score += sum(model.transitions[a, b] for a, b in zip(path, path[1:]))
    opened = 0
    for i in path:
        if LABELS[i].startswith("B-"):
            opened += 1
            score += decoding.open_second if opened == 2 else decoding.open_later if opened > 2 else 0.0
    return score


@pytest.fixture(params=["compiled", "numpy"])
def search(request, monkeypatch) -> str:
    """Run a test with the compiled Viterbi kernel (if built) and with the NumPy steps."""
    from segmenter import tagging

    if request.param == "numpy":
        monkeypatch.setattr(tagging, "_KERNEL", None)
    elif tagging._KERNEL is None:
        pytest.skip("the Viterbi kernel is not built here")
    return request.param


_DECODINGS = [Decoding(), Decoding(open_second=-2.0, open_later=0.5), Decoding(open_second=1.5, open_later=-1.0)]


@pytest.mark.parametrize("decoding", _DECODINGS)
@pytest.mark.parametrize("short", [None, [False, True, True, False], [True, True, False, True]])
def test_constrained_viterbi_matches_brute_force(
    toy_model: CrfModel, short: list[bool] | None, decoding: Decoding, search: str
) -> None:
    """On short sequences, Viterbi finds the best path among all allowed ones."""
    import itertools

    lines = ["عنوان الخبر", "نص " * 20 + ".", "عنوان آخر", "نص " * 15 + "."]  # up to 4 articles
    feats = page_features(lines)
    unary = toy_model.unary_scores(feats)
    best, best_score = None, -np.inf
    for path in itertools.product(range(len(LABELS)), repeat=len(lines)):
        labels = [LABELS[i] for i in path]
        if not _allowed(labels, short):
            continue
        score = _path_score(toy_model, unary, path, decoding)
        if score > best_score:
            best, best_score = labels, score
    toy_model.set_decoding(decoding)
    try:
        assert toy_model.tag(feats, short, marginals=False).labels == best
    finally:
        toy_model.set_decoding(Decoding())


def test_decoding_offsets_weigh_the_second_and_later_openings_apart(toy_model: CrfModel) -> None:
    """A penalty on opening the second article keeps a weak split inside the primary one."""

    def decoded_articles(n_articles: int, weak_at: int, decoding: Decoding) -> list[int]:
        wanted = ["B-headline", "I-body"] * n_articles
        # emissions far above the toy model's transition weights, but for one weak start
        scores = np.full((len(wanted), len(LABELS)), -50.0)
        for t, label in enumerate(wanted):
            scores[t, LABELS.index(label)] = 50.0
        scores[weak_at, LABELS.index("I-body")] = 49.0
        toy_model.set_decoding(decoding)
        try:
            return articles_from_labels(toy_model.decode(scores, None, marginals=False).labels)
        finally:
            toy_model.set_decoding(Decoding())

    assert decoded_articles(2, 2, Decoding()) == [0, 0, 1, 1]
    assert decoded_articles(2, 2, Decoding(open_second=-20.0)) == [0, 0, 0, 0]
    assert decoded_articles(2, 2, Decoding(open_later=-20.0)) == [0, 0, 1, 1]  # no third article to weigh
    assert decoded_articles(3, 4, Decoding(open_second=-20.0)) == [0, 0, 1, 1, 2, 2]  # two articles anyway
    assert decoded_articles(3, 4, Decoding(open_later=-20.0)) == [0, 0, 1, 1, 1, 1]


def test_a_short_body_line_does_not_let_a_second_article_open(toy_model: CrfModel) -> None:
    """A ticker read as body is no primary article: the real article stays article 0."""
    wanted = ["B-body", "B-headline", "I-body"]  # what the scores alone prefer
    scores = np.full((3, len(LABELS)), -5.0)
    for t, label in enumerate(wanted):
        scores[t, LABELS.index(label)] = 5.0
    assert toy_model.decode(scores, None, marginals=False).labels == wanted
    labels = toy_model.decode(scores, [True, False, False], marginals=False).labels
    assert labels != wanted and articles_from_labels(labels) == [0, 0, 0]
    # a secondary article's short body line counts: only the primary needs a paragraph
    scores = np.full((5, len(LABELS)), -5.0)
    wanted = ["B-headline", "I-body", "B-headline", "I-body", "B-headline"]
    for t, label in enumerate(wanted):
        scores[t, LABELS.index(label)] = 5.0
    with_short_secondary = [False, False, False, True, False]
    assert toy_model.decode(scores, with_short_secondary, marginals=False).labels[:4] == wanted[:4]


def _allowed(labels: list[str], short: list[bool] | None = None) -> bool:
    """The decoder's constraints, written out plainly: the reference for brute force."""
    short = short or [False] * len(labels)
    started = has_body = secondary = False
    for label, is_short in zip(labels, short):
        # a short body line gives body to a secondary article, not to the primary one
        counts = label.endswith("-body") and (secondary or not is_short)
        if label.startswith("B-"):
            if started and not has_body:
                return False
            counts = label == "B-body" and (started or not is_short)
            started, has_body, secondary = True, counts, started
        elif label.startswith("I-"):
            if not started:
                return False
            has_body = has_body or counts
    return not secondary or has_body


def test_a_trailing_phantom_article_is_not_allowed(toy_model: CrfModel) -> None:
    """Body, then furniture-like short lines: none may open an article without body."""
    lines = ["نص " * 30 + ".", "يمنع نسخ المحتوى دون إذن", "نسخة للطباعة", "إغلاق النافذة"]
    labels = toy_model.tag(page_features(lines)).labels
    assert _allowed(labels)


def test_loading_checks_the_sidecar(tmp_path: Path, toy_model: CrfModel) -> None:
    import json
    import shutil

    model = tmp_path / "m.crfsuite"
    shutil.copy(toy_model.model_path, model)
    with pytest.raises(ModelError, match="metadata .* not found"):
        CrfModel.load(model, tmp_path / "m.json")
    meta = _metadata_for(model, {})
    (tmp_path / "m.json").write_text(json.dumps(meta))
    assert CrfModel.load(model, tmp_path / "m.json").labels == LABELS
    (tmp_path / "m.json").write_text(json.dumps(dict(meta, feature_version="0")))
    with pytest.raises(ModelError, match="feature version"):
        CrfModel.load(model, tmp_path / "m.json")
    (tmp_path / "m.json").write_text(json.dumps(dict(meta, decoding={"open_second": "a lot"})))
    with pytest.raises(ModelError, match="decoding offsets"):
        CrfModel.load(model, tmp_path / "m.json")
    (tmp_path / "m.json").write_text(json.dumps(dict(meta, decoding={"open_second": -1.5})))
    assert CrfModel.load(model, tmp_path / "m.json").decoding == Decoding(open_second=-1.5)
    (tmp_path / "m.json").write_text(json.dumps(meta))
    model.write_bytes(model.read_bytes() + b"x")
    with pytest.raises(ModelError, match="hash"):
        CrfModel.load(model, tmp_path / "m.json")
    with pytest.raises(ModelError, match="not found"):
        CrfModel.load(tmp_path / "missing.crfsuite", tmp_path / "m.json")


def test_fast_scoring_equals_scoring_the_full_feature_strings(toy_model: CrfModel, seed_pages) -> None:
    """The tagger scores neighbour features from own features; it must equal training's view."""
    from segmenter.features import page_parts

    for page in list(seed_pages) + _toy_pages()[:1]:
        texts = [t for _, _, t in page.lines]
        slow = toy_model.unary_scores(page_features(texts))
        fast = toy_model.unary_from_parts(page_parts(texts))
        np.testing.assert_allclose(fast, slow, atol=1e-9)


@pytest.mark.parametrize("decoding", _DECODINGS)
@pytest.mark.parametrize("short", [None, [True, False, True, True]])
def test_marginals_match_brute_force_and_the_log_space_version(
    toy_model: CrfModel, short: list[bool] | None, decoding: Decoding
) -> None:
    """Confidence = P(line's label) summed over every allowed path, exactly."""
    import itertools

    lines = ["عنوان الخبر", "نص " * 20 + ".", "عنوان آخر", "نص " * 15 + "."]
    feats = page_features(lines)
    unary = toy_model.unary_scores(feats)
    scores: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(len(LABELS)), repeat=len(lines)):
        if _allowed([LABELS[i] for i in path], short):
            scores[path] = _path_score(toy_model, unary, path, decoding)
    top = max(scores.values())
    weights = {path: np.exp(score - top) for path, score in scores.items()}
    total = sum(weights.values())
    toy_model.set_decoding(decoding)
    try:
        result = toy_model.tag(feats, short)
        for t, label in enumerate(result.labels):
            exact = sum(w for path, w in weights.items() if LABELS[path[t]] == label) / total
            assert result.confidence[t] == pytest.approx(exact, abs=1e-9)
        lattice = toy_model._lattice
        states = unary[:, lattice.state_label]
        kinds = [1 if k else 0 for k in short or [False] * len(lines)]
        start = np.where(lattice.start_allowed[kinds[0]], states[0], -1e30)
        path = [0] * len(lines)
        assert toy_model._label_marginals(states, start, kinds, path) == pytest.approx(
            toy_model._label_marginals_log(states, start, kinds, path), abs=1e-9
        )
    finally:
        toy_model.set_decoding(Decoding())


def test_both_passes_scored_at_once_equal_each_pass_scored_alone(seed_pages) -> None:
    """One look-up of each feature scores both passes: the same scores, labels and confidences."""
    from segmenter.features import page_parts
    from segmenter.io import read_gold
    from segmenter.pipeline import Segmenter
    from segmenter.tagging import _StateScores

    model = Segmenter().model
    second = model.second_pass
    assert second is not None
    both = _StateScores.side_by_side(model._scores, second._scores)
    test_pages = read_gold(Path(__file__).parents[1] / "fixtures" / "composed-test.jsonl.gz")
    pages = list(seed_pages) + [page for page, _ in zip(test_pages, range(60))]
    for page in pages:
        parts = page_parts([t for _, _, t in page.lines])
        joint = both.from_parts(parts)
        n = len(LABELS)
        assert np.array_equal(joint[:, :n], model.unary_from_parts(parts))
        assert np.array_equal(joint[:, n:], second.unary_from_parts(parts))
        at_once = model.tag_parts(parts)
        alone = model.tag_scored(parts, model.unary_from_parts(parts))
        assert at_once == alone


@pytest.mark.parametrize("marginals", [False, True])
def test_decoding_many_pages_at_once_equals_one_by_one(seed_pages, marginals: bool, search: str) -> None:
    """The batched Viterbi (pages of every length stepped together) picks the same labels."""
    from segmenter.features import page_parts
    from segmenter.io import read_gold
    from segmenter.pipeline import Segmenter
    from segmenter.tagging import short_lines

    model = Segmenter().model
    test_pages = read_gold(Path(__file__).parents[1] / "fixtures" / "composed-test.jsonl.gz")
    texts = [[t for _, _, t in p.lines] for p in list(seed_pages) + [p for p, _ in zip(test_pages, range(80))]]
    texts += [[], ["سطر واحد"], ["عنوان", "بغداد - واس", "فقرة طويلة " * 20]]
    parts = [page_parts(t) for t in texts]
    scores = [model.unary_from_parts(p) for p in parts]
    shorts = [None if k % 4 == 0 else short_lines(p) for k, p in enumerate(parts)]
    one_by_one = [model.decode(s, short, marginals=marginals) for s, short in zip(scores, shorts)]
    for size in (1, 7, len(texts)):
        batched = []
        for at in range(0, len(texts), size):
            batched += model.decode_many(scores[at : at + size], shorts[at : at + size], marginals=marginals)
        assert batched == one_by_one
    assert model.tag_parts_many(parts, marginals=marginals) == [model.tag_parts(p, marginals=marginals) for p in parts]
    assert model.tag_parts_many(parts, second_pass=False) == [model.tag_parts(p, second_pass=False) for p in parts]


@pytest.mark.parametrize("compiled", [True, False])
def test_summed_rows_of_lines_with_no_features_are_zero_and_lose_no_other_feature(compiled: bool, monkeypatch) -> None:
    """An empty line anywhere, last ones included, sums to zero; the lines before it keep every row."""
    if not compiled:
        monkeypatch.setattr(tagging, "_SCORING", None)
    elif tagging._SCORING is None:
        pytest.skip("the scoring kernel is not built here")
    index = {"a": 0, "b": 1}
    table = np.array([[1.0, 10.0], [100.0, 1000.0], [0.0, 0.0]])
    sums = tagging._sum_rows(table, index, [[], ["a", "a", "zzz"], [], ["b", "a"], [], []])
    assert sums.tolist() == [[0, 0], [2, 20], [0, 0], [101, 1010], [0, 0], [0, 0]]
    assert tagging._sum_rows(table, index, [[], []]).tolist() == [[0, 0], [0, 0]]
    assert tagging._sum_rows(table, index, []).shape == (0, 2)
