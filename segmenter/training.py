"""Train, cross-validate and evaluate the CRF from the annotated fixtures.

``segmenter train`` runs :func:`train_model`: it reads the composed training split
(and, if asked, other annotated files), picks hyper-parameters by k-fold
cross-validation over whole pages (scored with the same constrained decoder and
evaluation code users run), trains the final model on all training pages, evaluates
it on the held-out splits, and writes the crfsuite file plus its JSON sidecar
(feature version, labels, hashes of model and training data, hyper-parameters,
cross-validation results, metrics). Deterministic: the same fixtures and options give
the same model.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import platform
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from segmenter.evaluation import Report, evaluate, pooled
from segmenter.features import (
    FEATURE_VERSION,
    PageParts,
    features_from_parts,
    is_blank,
    label_context_features,
    page_parts,
)
from segmenter.io import GoldPage, read_gold
from segmenter.reading import RawLine, read_lines
from segmenter.tagging import (
    DEFAULT_DECODING,
    DEFAULT_HYPERPARAMETERS,
    LABELS,
    MODEL_FORMAT,
    CrfModel,
    Decoding,
    file_sha256,
    labels_from_gold,
    train_crf,
)
from segmenter.types import Role

log = logging.getLogger(__name__)

DEFAULT_TRAIN_FILES = ("composed-train.jsonl.gz",)
DEFAULT_EVAL_FILES = {"composed-test": "composed-test.jsonl.gz", "seeds": "seeds-gold.jsonl"}
DEFAULT_GRID: tuple[dict[str, float], ...] = (
    {"c1": 0.05, "c2": 0.05},
    {"c1": 0.0, "c2": 1.0},
    {"c1": 0.0, "c2": 10.0},
    {"c1": 0.05, "c2": 10.0},
    {"c1": 0.0, "c2": 30.0},
)
# decoding offsets (a prior on how many articles a page has), searched on page folds
DEFAULT_DECODING_GRID: tuple[Decoding, ...] = tuple(
    Decoding(open_second, open_later)
    for open_second in (0.0, -1.0, -2.0, -3.0)
    for open_later in (0.0, 0.5, 1.0, 1.5, 2.0)
)
CV_FOLDS = 3
SECOND_PASS_FOLDS = 2  # out-of-fold first-pass labels for training the second pass
SECOND_PASS_SUFFIX = ".pass2.crfsuite"
CV_SEED = 7
CUE_DROPOUT = 0.3  # share of training lines whose lexicon cues are hidden
CUE_DROPOUT_SEED = 11
CUE_PREFIX = "cue"


@dataclass(slots=True)
class TrainingConfig:
    """What to train on and how; every field has a reproducible default."""

    fixtures_dir: Path
    output: Path
    train_files: Sequence[str] = DEFAULT_TRAIN_FILES
    eval_files: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EVAL_FILES))
    cross_validate: bool = True
    grid: Sequence[dict[str, float]] = DEFAULT_GRID
    decoding_grid: Sequence[Decoding] = DEFAULT_DECODING_GRID
    folds: int = CV_FOLDS
    # the search sees every training page with the final model's iterations: on 1,800
    # pages and 100 iterations its ranking was noise (it picked c1=c2=0.05, which the
    # full search and the held-out split both put second); it costs ~6 min on 2 cores
    cv_pages: int | None = None  # None: all pages; else a seeded sample of that many
    max_iterations: int = DEFAULT_HYPERPARAMETERS["max_iterations"]
    cv_max_iterations: int = DEFAULT_HYPERPARAMETERS["max_iterations"]
    cue_dropout: float = CUE_DROPOUT
    second_pass: bool = True  # the stacked second pass over the first pass's labels
    jobs: int = 2


def page_sequence(page: GoldPage, *, cue_dropout: float = 0.0) -> tuple[list[list[str]], list[str]]:
    """CRF input for a gold page: features and labels of its non-blank lines.

    With ``cue_dropout``, that share of lines loses its lexicon cues (seeded by the
    page id, so training stays reproducible): the model must then also learn what
    furniture looks like by shape and position, which is what carries it on sites
    whose phrasings no lexicon lists.
    """
    texts = [text for _, _, text in page.lines]
    kept = [(role, article) for (role, article, text) in page.lines if not is_blank(text)]
    for role, _ in kept:
        if role is Role.BLANK:
            raise ValueError(f"page {page.id}: a non-blank line is labelled blank")
    labels = labels_from_gold([r for r, _ in kept], [a for _, a in kept])
    parts = page_parts(texts)
    if cue_dropout > 0:
        rng = random.Random(f"{CUE_DROPOUT_SEED}:{page.id}")
        parts.views = [
            replace(v, own=tuple(f for f in v.own if not f.startswith(CUE_PREFIX))) if rng.random() < cue_dropout else v
            for v in parts.views
        ]
    return features_from_parts(parts), labels


def stacked_sequence(
    page: GoldPage, first_labels: Sequence[str], *, cue_dropout: float = 0.0
) -> tuple[list[list[str]], list[str]]:
    """Second-pass CRF input: :func:`page_sequence` plus the first pass's labels around each line."""
    features, labels = page_sequence(page, cue_dropout=cue_dropout)
    extra = label_context_features(first_labels)
    if len(extra) != len(features):
        raise ValueError(f"page {page.id}: {len(first_labels)} first-pass labels for {len(features)} lines")
    return [own + more for own, more in zip(features, extra)], labels


def read_page(page: GoldPage) -> tuple[list[RawLine], PageParts]:
    """A gold page's lines and features as the pipeline reads its text."""
    raw = read_lines(page.text)
    return raw, page_parts([line.text for line in raw])


def first_pass_labels(model: CrfModel, page: GoldPage) -> list[str]:
    """What a (first-pass) model labels a page's tagged lines, as the pipeline reads the page."""
    return model.tag_parts(read_page(page)[1], marginals=False).labels


# (train pages, held-out pages, CRF parameters, cue dropout, decoding)
_OutOfFoldTask = tuple[list[GoldPage], list[GoldPage], dict[str, Any], float, Decoding]


def _out_of_fold_task(args: _OutOfFoldTask) -> dict[str, list[str]]:
    train, held_out, params, cue_dropout, decoding = args
    with tempfile.TemporaryDirectory() as tmp:
        model = _fit(train, Path(tmp) / "fold.crfsuite", params, cue_dropout, decoding)
        return {page.id: first_pass_labels(model, page) for page in held_out}


def out_of_fold_labels(
    pages: Sequence[GoldPage], params: dict[str, Any], config: TrainingConfig, decoding: Decoding
) -> dict[str, list[str]]:
    """First-pass labels of every training page from a model that did not see it.

    The second pass must learn how far to trust first-pass labels as they are on unseen
    pages; labels of the final model on its own training pages would be too good.
    """
    if len({page.id for page in pages}) != len(pages):
        raise ValueError("the second pass needs training pages with distinct ids")
    folds = page_folds(pages, SECOND_PASS_FOLDS)
    tasks = [
        ([p for j, fold in enumerate(folds) if j != k for p in fold], held_out, params, config.cue_dropout, decoding)
        for k, held_out in enumerate(folds)
    ]
    labels: dict[str, list[str]] = {}
    with ProcessPoolExecutor(max_workers=config.jobs) as pool:
        for fold_labels in pool.map(_out_of_fold_task, tasks):
            labels.update(fold_labels)
    return labels


def second_pass_path(model_path: Path) -> Path:
    """Where the second-pass model of ``model_path`` is written: beside it."""
    return model_path.with_name(model_path.stem + SECOND_PASS_SUFFIX)


def evaluate_decodings(model: CrfModel, pages: Iterable[GoldPage], decodings: Sequence[Decoding]) -> list[Report]:
    """Score a model under several decoding offsets; each page's features are computed once.

    The model is left with the decoding it came with.
    """
    from segmenter.pipeline import line_labels  # the pipeline imports this module's peers

    scored = []  # per page: what decoding needs, computed once
    for page in pages:
        raw, parts = read_page(page)
        scored.append((page, raw, parts, model.unary_from_parts(parts)))
    kept = model.decoding
    reports = []
    try:
        for decoding in decodings:
            model.set_decoding(decoding)
            predicted = []
            for page, raw, parts, unary in scored:
                roles, articles, _ = line_labels(parts, model.tag_scored(parts, unary, marginals=False), len(raw))
                predicted.append((page.id, page.lines, [(r, a, line.text) for r, a, line in zip(roles, articles, raw)]))
            reports.append(evaluate(predicted))
    finally:
        model.set_decoding(kept)
    return reports


def model_labeller(model: CrfModel, *, second_pass: bool = True) -> Callable[[str], list[tuple[Role, int, str]]]:
    """``text -> (role, article, text)`` per line, from the model alone (no metadata work).

    Its ``many`` attribute labels a list of pages at once (the benchmark times that).
    ``second_pass=False`` tags with the first pass only, as ``--one-pass`` does.
    """
    from segmenter.pipeline import Options, Segmenter  # the pipeline imports this module's peers

    seg = Segmenter(model=model, options=Options(confidence=False, metadata=False, second_pass=second_pass))

    def label(text: str) -> list[tuple[Role, int, str]]:
        return [(line.role, line.article, line.text) for line in seg.label(text).lines]

    def label_many(texts: Iterable[str]) -> Iterator[list[tuple[Role, int, str]]]:
        """The same for many pages, tagged together as ``segmenter label`` does (label_many)."""
        return ([(line.role, line.article, line.text) for line in page.lines] for page in seg.label_many(texts))

    label.many = label_many  # type: ignore[attr-defined]
    return label


def evaluate_model(model: CrfModel, pages: Iterable[GoldPage], *, second_pass: bool = True) -> Report:
    """Score a model on gold pages with the evaluation code users run."""
    return evaluate_system(model_labeller(model, second_pass=second_pass), pages)


def evaluate_system(label: Callable[[str], list[tuple[Role, int, str]]], pages: Iterable[GoldPage]) -> Report:
    """Score any labeller (e.g. the rules baseline) on gold pages."""
    return evaluate((p.id, p.lines, label(p.text)) for p in pages)


def _installed_version(distribution: str) -> str:
    """The installed version of ``distribution``, or "unknown"."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _metadata_for(model_path: Path, extra: dict[str, Any]) -> dict[str, Any]:
    meta = {
        "format": MODEL_FORMAT,
        "feature_version": FEATURE_VERSION,
        "labels": list(LABELS),
        "model_sha256": file_sha256(model_path),
    }
    meta.update(extra)
    return meta


def _fit(
    pages: Sequence[GoldPage], path: Path, params: dict[str, Any], cue_dropout: float, decoding: Decoding
) -> CrfModel:
    train_crf((page_sequence(p, cue_dropout=cue_dropout) for p in pages), path, params)
    return CrfModel(path, _metadata_for(path, {"decoding": decoding.to_dict()}))


_CV_METRICS = ("role_macro_f1", "boundary_f1", "primary_body_f1")
# (train pages, held-out pages, CRF parameters, cue dropout, decodings to score)
_CvTask = tuple[list[GoldPage], list[GoldPage], dict[str, Any], float, Sequence[Decoding]]


def _cv_task(args: _CvTask) -> list[Report]:
    """Held-out reports of one fold's model, under each decoding of the grid (counts only)."""
    train, held_out, params, cue_dropout, decodings = args
    with tempfile.TemporaryDirectory() as tmp:
        model = _fit(train, Path(tmp) / "cv.crfsuite", params, cue_dropout, Decoding())
        reports = evaluate_decodings(model, held_out, decodings)
    for report in reports:
        report.page_scores = []  # what the search needs is the counts; keep the transfer small
    return reports


def template_folds(pages: Sequence[GoldPage], folds: int, limit: int | None) -> list[list[GoldPage]]:
    """Pages split into folds by template (the record's ``source``), never by page.

    Each fold holds out whole templates, as the test split does, so the search
    rewards settings that carry over to layouts the model has not seen rather than
    ones that memorise the training layouts. ``limit`` caps the pages per fold's
    template group (a seeded sample) to keep the search affordable.
    """
    by_template: dict[str, list[GoldPage]] = {}
    for page in pages:
        by_template.setdefault(page.source or "unknown", []).append(page)
    names = sorted(by_template)
    rng = random.Random(CV_SEED)
    rng.shuffle(names)
    out: list[list[GoldPage]] = [[] for _ in range(folds)]
    for i, name in enumerate(names):
        out[i % folds].extend(by_template[name])
    if limit:
        per_fold = max(1, limit // folds)
        out = [rng.sample(f, min(per_fold, len(f))) for f in out]
    return out


def _scores(report: Report) -> dict[str, float]:
    return {k: report.summary()[k] for k in _CV_METRICS}


def _pooled_scores(fold_reports: Sequence[Report]) -> dict[str, float]:
    """The search's scores over all held-out pages at once, and their mean (the objective).

    Pooled, not averaged per fold: a template fold may hold no page of a role (no
    tweets on wire and mobile pages), and there one line predicted with that role
    would count as a role F1 of 0 in that fold's macro-F1 (-0.055 on the mean of
    three), outweighing every real difference between grid points.
    """
    scores = _scores(pooled(fold_reports))
    scores["objective"] = sum(scores[k] for k in _CV_METRICS) / len(_CV_METRICS)
    return scores


def _fold_tasks(
    folds: Sequence[list[GoldPage]], params: dict[str, Any], config: TrainingConfig, decodings: Sequence[Decoding]
) -> list[_CvTask]:
    """One :func:`_cv_task` per fold: train on the other folds, score this one."""
    return [
        ([p for j, f in enumerate(folds) if j != k for p in f], folds[k], params, config.cue_dropout, decodings)
        for k in range(len(folds))
    ]


def cross_validate(pages: Sequence[GoldPage], config: TrainingConfig) -> list[dict[str, Any]]:
    """Mean held-out scores of each grid point over leave-templates-out folds."""
    folds = template_folds(pages, config.folds, config.cv_pages)
    tasks = []
    for point in config.grid:
        params = dict(DEFAULT_HYPERPARAMETERS, max_iterations=config.cv_max_iterations, **point)
        tasks.extend(_fold_tasks(folds, params, config, [Decoding()]))
    with ProcessPoolExecutor(max_workers=config.jobs) as pool:
        reports = [fold[0] for fold in pool.map(_cv_task, tasks)]
    results = []
    for g, point in enumerate(config.grid):
        fold_reports = reports[g * config.folds : (g + 1) * config.folds]
        results.append(
            {"params": dict(point), "pooled": _pooled_scores(fold_reports), "folds": [_scores(r) for r in fold_reports]}
        )
        log.info("cv %s: %s", point, results[-1]["pooled"])
    return results


def page_folds(pages: Sequence[GoldPage], folds: int) -> list[list[GoldPage]]:
    """Pages dealt into folds at random (seeded): each fold keeps the mix of templates."""
    order = list(pages)
    random.Random(CV_SEED).shuffle(order)
    return [order[k::folds] for k in range(folds)]


def search_decoding(pages: Sequence[GoldPage], params: dict[str, Any], config: TrainingConfig) -> list[dict[str, Any]]:
    """Mean held-out scores of each decoding of the grid, over page folds.

    The offsets are a prior on how many articles a page has, so they are chosen on
    held-out pages with the training mix of templates: template folds would hold out
    every multi-article template at once and reward splitting whatever the data.
    """
    decodings = list(config.decoding_grid)
    with ProcessPoolExecutor(max_workers=config.jobs) as pool:
        reports = list(pool.map(_cv_task, _fold_tasks(page_folds(pages, config.folds), params, config, decodings)))
    results = []
    for d, decoding in enumerate(decodings):
        fold_reports = [fold[d] for fold in reports]
        results.append(
            {"decoding": decoding.to_dict(), "pooled": _pooled_scores(fold_reports), "folds": [_scores(r) for r in fold_reports]}
        )
        log.info("decoding %s: %s", decoding, results[-1]["pooled"])
    return results


def train_model(config: TrainingConfig) -> dict[str, Any]:
    """Train (with cross-validation if asked), evaluate, write model + sidecar; return the sidecar."""
    train_pages: list[GoldPage] = []
    data_hashes: dict[str, str] = {}
    for name in config.train_files:
        path = config.fixtures_dir / name
        train_pages.extend(read_gold(path))
        data_hashes[name] = file_sha256(path)
    log.info("training pages: %d", len(train_pages))
    params = dict(DEFAULT_HYPERPARAMETERS, max_iterations=config.max_iterations)
    decoding = DEFAULT_DECODING
    cv_results: list[dict[str, Any]] = []
    decoding_results: list[dict[str, Any]] = []
    if config.cross_validate and len(config.grid) > 1:
        cv_results = cross_validate(train_pages, config)
        best = max(cv_results, key=lambda r: r["pooled"]["objective"])
        params.update(best["params"])
        log.info("chosen hyper-parameters: %s", best["params"])
    if config.cross_validate and len(config.decoding_grid) > 1:
        cv_params = dict(params, max_iterations=config.cv_max_iterations)
        decoding_results = search_decoding(train_pages, cv_params, config)
        decoding = Decoding.from_dict(max(decoding_results, key=lambda r: r["pooled"]["objective"])["decoding"])
        log.info("chosen decoding: %s", decoding)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    model = _fit(train_pages, config.output, params, config.cue_dropout, decoding)
    second_pass: dict[str, Any] | None = None
    if config.second_pass:
        log.info("second pass: first-pass labels of each training page from %d page folds", SECOND_PASS_FOLDS)
        first_labels = out_of_fold_labels(train_pages, params, config, decoding)
        path = second_pass_path(config.output)
        train_crf(
            (stacked_sequence(p, first_labels[p.id], cue_dropout=config.cue_dropout) for p in train_pages), path, params
        )
        model.second_pass = CrfModel(path, {"decoding": decoding.to_dict()})
        second_pass = {
            "file": path.name,
            "sha256": file_sha256(path),
            "folds": SECOND_PASS_FOLDS,
            "method": "trained on the same pages and features plus the labels of first-pass models "
            "that did not see each page (random page folds, seeded); same hyper-parameters and decoding",
        }
    metrics: dict[str, Any] = {}
    eval_hashes: dict[str, str] = {}
    for label, name in config.eval_files.items():
        path = config.fixtures_dir / name
        if path.exists():
            metrics[label] = evaluate_model(model, read_gold(path)).summary()
            eval_hashes[name] = file_sha256(path)
    sidecar = _metadata_for(
        config.output,
        {
            "training_files": sorted(data_hashes),
            "training_data": data_hashes,
            "training_pages": len(train_pages),
            "evaluation_data": eval_hashes,
            "hyperparameters": params,
            "decoding": decoding.to_dict(),
            "second_pass": second_pass,
            "cue_dropout": config.cue_dropout,
            "cross_validation": {
                "method": "leave-templates-out",
                "folds": config.folds,
                "pages": config.cv_pages,
                "max_iterations": config.cv_max_iterations,
                "results": cv_results,
                "decoding_method": "random page folds (seeded), the chosen hyper-parameters",
                "decoding_results": decoding_results,
            },
            "metrics": metrics,
            "versions": {
                "python": platform.python_version(),
                # the module has no __version__: ask the installed distributions
                "sklearn_crfsuite": _installed_version("sklearn-crfsuite"),
                "python_crfsuite": _installed_version("python-crfsuite"),
            },
        },
    )
    config.output.with_suffix(".json").write_text(
        json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return sidecar
