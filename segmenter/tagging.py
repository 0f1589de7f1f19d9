"""Stage 3: tag the non-blank lines of a page with a CRF, under structural constraints.

The label set marks where articles start, so the CRF itself predicts boundaries:
``B-headline`` is a headline that opens a new article, ``I-body`` a body line that
continues the current one, and so on for the four content roles; ``related`` and
``footer`` never open an article. Blank lines are not tagged (they are always
``blank``). Article indexes follow from the labels: each ``B-`` after the first one
opens the next article.

Decoding is a Viterbi search over the CRF's own weights (read from the crfsuite model
file) with constraints that the field notes found worth several points on real
pages: the first content line of a page opens an article (an ``I-`` label cannot come
first), and a new article may start only once the current one has body text — for the
primary article, a body line of paragraph length, so that a ticker or menu entry read
as body cannot push the real article to index 1. The search runs over (label, started,
has-body, secondary) states, so the constraints are exact, and forward-backward over
the same lattice gives each line's marginal probability.

The CRF's transition weights are the same at every article boundary, but opening the
page's *second* article is a different decision from opening a third: it cuts the
primary article, and most pages on the web carry one. Two decoding offsets
(:class:`Decoding`), added to the log-score of the transitions that open the second
article and those that open a later one, are chosen by cross-validation when the model
is trained and kept in its JSON sidecar.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite

from segmenter.features import (
    FEATURE_VERSION,
    LABEL_CONTEXT_OFFSETS,
    LONG_TOKENS,
    NEIGHBOUR_OFFSETS,
    NEIGHBOUR_PREFIXES,
    SINCE_START_MAX,
    WALK_ARTICLE_MAX,
    WALK_ARTICLES_MAX,
    LineView,
    PageParts,
    label_context_features,
    label_context_vocabulary,
)
from segmenter._compiled import kernel
from segmenter.types import CONTENT_ROLES, ModelError, Role

CONTENT_ORDER: tuple[Role, ...] = (Role.HEADLINE, Role.DATELINE, Role.BODY, Role.TWEET)
LABELS: tuple[str, ...] = tuple(
    f"{prefix}-{role}" for role in CONTENT_ORDER for prefix in ("B", "I")
) + (str(Role.RELATED), str(Role.FOOTER))

MODEL_FORMAT = 1
NEG_INF = -1e30
# the primary article's body must hold a line this long (a paragraph, not a ticker or a
# menu entry read as body) before a second article opens; the gold breaks this on 172 of
# 24,000 training pages and on none of the test split
PRIMARY_BODY_MIN_TOKENS = LONG_TOKENS
_OWN_CACHE_SIZE = 8_192  # memoised own-feature blocks (under 1 KB each)
# the Viterbi search and forward-backward in C over the allowed transitions
# (segmenter/_decoding.pyx), if built; without it the NumPy steps below do the same
_KERNEL = kernel("segmenter._decoding")
# the state scores' look-up and sum as one C loop (segmenter/_scoring.pyx), if built
_SCORING = kernel("segmenter._scoring")


@dataclass(slots=True, frozen=True)
class Decoding:
    """Offsets added to the log-score of transitions that open an article after the first.

    ``open_second``: into the page's second article (negative: a split of the primary
    article must be surer); ``open_later``: into the third and later ones.
    """

    open_second: float = 0.0
    open_later: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Decoding:
        data = data or {}
        return cls(float(data.get("open_second", 0.0)), float(data.get("open_later", 0.0)))

    def to_dict(self) -> dict[str, float]:
        return {"open_second": self.open_second, "open_later": self.open_later}


def short_lines(parts: PageParts) -> list[bool]:
    """Which tagged lines are too short to give the primary article its body."""
    return [view.n_tokens < PRIMARY_BODY_MIN_TOKENS for view in parts.views]


def label_role(label: str) -> Role:
    """The role a label stands for (``B-body`` -> body)."""
    return Role(label[2:] if label[:2] in ("B-", "I-") else label)


def opens_article(label: str) -> bool:
    return label.startswith("B-")


def labels_from_gold(roles: Sequence[Role], articles: Sequence[int]) -> list[str]:
    """Training labels for the non-blank lines of a gold page.

    A content line opens an article when it is the page's first content line or its
    index differs from the previous content line's (the ANNOTATION.md boundary rule).
    """
    labels: list[str] = []
    previous: int | None = None
    for role, article in zip(roles, articles):
        if role is Role.BLANK:
            raise ValueError("blank lines are not part of the tagged sequence")
        if role in CONTENT_ROLES:
            prefix = "B" if previous is None or article != previous else "I"
            labels.append(f"{prefix}-{role}")
            previous = article
        else:
            labels.append(str(role))
    return labels


def articles_from_labels(labels: Sequence[str]) -> list[int]:
    """Article index of each tagged line: furniture before the first article is 0."""
    index = -1
    out = []
    for label in labels:
        if opens_article(label):
            index += 1
        out.append(max(index, 0))
    return out


# --- the constrained lattice ---------------------------------------------------------

# Flags of a lattice state: has an article started, does the current one have body
# text, is the current one a secondary article (index >= 1).
_FLAGS = (
    (False, False, False),
    (True, False, False),
    (True, True, False),
    (True, False, True),
    (True, True, True),
)


@dataclass(slots=True, frozen=True)
class _Lattice:
    """Expanded states and the allowed transitions between them."""

    state_label: np.ndarray  # (S,) label index of each state
    allowed: np.ndarray  # (2, S, S) bool: state i may be followed by state j on a long/short line
    opens_second: np.ndarray  # (S, S) bool: i -> j opens the page's second article
    opens_later: np.ndarray  # (S, S) bool: i -> j opens its third or a later one
    start_allowed: np.ndarray  # (2, S) bool: a page may open in a state, on a long/short line
    end_allowed: np.ndarray  # (S,) bool: a page may end here
    # for the compiled kernel: the states each state may be entered from on a line of each
    # kind, sources[first_source[kind, j]:first_source[kind, j + 1]] (increasing), and
    # start_allowed and end_allowed as bytes
    first_source: np.ndarray  # (2, S + 1) intp
    sources: np.ndarray  # (allowed transitions,) intp
    start_allowed_bytes: np.ndarray  # (2, S) uint8
    end_allowed_bytes: np.ndarray  # (S,) uint8


def _next_flags(
    label: str, flags: tuple[bool, bool, bool], short: bool = False
) -> tuple[bool, bool, bool] | None:
    """Flags after ``label`` follows a state with ``flags`` on a line; None if not allowed.

    ``short``: the line has fewer than :data:`PRIMARY_BODY_MIN_TOKENS` tokens. Such a
    body line does not give the *primary* article its body: a ticker or menu entry read
    as body must not let the real article open as the second one.
    """
    started, has_body, secondary = flags
    if opens_article(label):
        if started and not has_body:
            return None  # a new article may start only once the current one has body
        has_body, secondary = False, started  # the new article is secondary if one came before
    elif label.startswith("I-"):
        if not started:
            return None  # the first content line of a page opens an article
    else:
        return flags
    # a short body line gives body to a secondary article only
    has_body = has_body or (label_role(label) is Role.BODY and (secondary or not short))
    return True, has_body, secondary


def _build_lattice(labels: Sequence[str]) -> _Lattice:
    states = [(li, flags) for li in range(len(labels)) for flags in _FLAGS]
    # keep only states some path can reach: the label must agree with its own flags
    states = [
        (li, flags)
        for li, flags in states
        if any(_next_flags(labels[li], prev, short) == flags for prev in _FLAGS for short in (False, True))
    ]
    n = len(states)
    allowed = np.zeros((2, n, n), dtype=bool)  # [short][i, j]: into a line of that kind
    start_allowed = np.zeros((2, n), dtype=bool)
    for short in (0, 1):
        for i, (_, f1) in enumerate(states):
            for j, (lj, f2) in enumerate(states):
                allowed[short, i, j] = _next_flags(labels[lj], f1, bool(short)) == f2
        for j, (lj, f2) in enumerate(states):
            start_allowed[short, j] = _next_flags(labels[lj], _FLAGS[0], bool(short)) == f2
    # a secondary article must have body by the end of the page
    end_allowed = np.array([not flags[2] or flags[1] for _, flags in states], dtype=bool)
    # which transitions open an article after the first (the flags say which one)
    opening = np.array([opens_article(labels[lj]) for lj, _ in states])
    started = np.array([flags[0] for _, flags in states])
    secondary = np.array([flags[2] for _, flags in states])
    opens_after_first = started[:, None] & opening[None, :]
    allowed_into = allowed.transpose(0, 2, 1)  # [kind, j, i]: i -> j allowed
    # nonzero lists (kind, j, i) in order: the sources of (kind, j) start after all before it
    offsets = np.concatenate(([0], allowed_into.sum(axis=2).ravel().cumsum())).astype(np.intp)
    return _Lattice(
        np.array([li for li, _ in states], dtype=np.intp),
        allowed,
        opens_after_first & ~secondary[:, None],
        opens_after_first & secondary[:, None],
        start_allowed,
        end_allowed,
        np.stack([offsets[k * n : (k + 1) * n + 1] for k in (0, 1)]),
        np.nonzero(allowed_into)[2].astype(np.intp),
        start_allowed.astype(np.uint8),
        end_allowed.astype(np.uint8),
    )


# --- the model -----------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(slots=True)
class TagResult:
    """Labels of the tagged lines and the marginal probability of each."""

    labels: list[str]
    confidence: list[float]


class _StateScores:
    """Per-line label scores of a page from its features: one model's state weights,
    or two models' side by side (one look-up of each feature then scores both).

    A line's neighbour features are its neighbours' own features with an offset
    prefix; the weights of each own feature at offset 0 and as each neighbour's are
    kept in one table, so they are scored without building the prefixed strings.
    """

    def __init__(self, attribute_index: dict[str, int], state_weights: np.ndarray, label_bias: np.ndarray) -> None:
        self.attribute_index = attribute_index
        self.state_weights = state_weights  # (attributes + 1, labels): the last row, unknown ones, is zero
        self.label_bias = label_bias
        # built on first use: a model whose passes are scored side by side never needs its own
        self._own: tuple[dict[str, int], np.ndarray] | None = None
        self._own_cache: dict[tuple[str, ...], np.ndarray] = {}
        self._page_scorer: tuple[np.ndarray, np.ndarray, Any] | None = None
        self._slot_offsets = [(slot, off) for slot, off in enumerate(NEIGHBOUR_OFFSETS, start=1)]

    def _own_table(self) -> tuple[dict[str, int], np.ndarray]:
        """Row of each own feature, and its weights at offset 0 and as each neighbour's."""
        if self._own is None:
            slots = {prefix: slot for slot, prefix in enumerate(NEIGHBOUR_PREFIXES.values(), start=1)}
            own_index: dict[str, int] = {}
            entries: list[tuple[int, int, int]] = []  # (own row, slot, attribute row)
            for attr, row in self.attribute_index.items():
                slot = 0
                name = attr
                head = attr[:3]
                if head in slots and not attr.endswith("__edge__"):
                    slot, name = slots[head], attr[3:]
                own_row = own_index.setdefault(name, len(own_index))
                entries.append((own_row, slot, row))
            table = np.zeros((len(own_index) + 1, len(NEIGHBOUR_OFFSETS) + 1, self.state_weights.shape[1]))
            for own_row, slot, row in entries:
                table[own_row, slot] = self.state_weights[row]
            self._own = own_index, table
        return self._own

    @classmethod
    def side_by_side(cls, first: _StateScores, second: _StateScores) -> _StateScores:
        """Both models' weights in one table: columns of ``first``, then of ``second``.

        Each column sums the same rows in the same order as its own model's table
        (a feature one model lacks adds a zero), so the scores are the same.
        """
        index = dict(first.attribute_index)
        for attr in second.attribute_index:
            index.setdefault(attr, len(index))
        n_first = first.state_weights.shape[1]
        weights = np.zeros((len(index) + 1, n_first + second.state_weights.shape[1]))
        for part, columns in ((first, slice(0, n_first)), (second, slice(n_first, None))):
            rows = [index[attr] for attr in part.attribute_index]
            weights[rows, columns] = part.state_weights[list(part.attribute_index.values())]
        return cls(index, weights, np.concatenate((first.label_bias, second.label_bias)))

    def own_scores(self, views: Sequence[LineView]) -> np.ndarray:
        """Per line, the weights of its own features at offset 0 and as each neighbour's.

        Lines share feature sets (a body paragraph's own features are mostly buckets),
        so the summed block of a feature set is memoised (bounded: memory stays flat).
        """
        cache = self._own_cache
        owns = [view.own for view in views]
        blocks = list(map(cache.get, owns))
        missing = [own for own, block in zip(owns, blocks) if block is None]
        if missing:
            # the page's new feature sets summed at once: one gather, one reduceat
            missing = list(dict.fromkeys(missing))
            if len(cache) + len(missing) > _OWN_CACHE_SIZE:
                cache.clear()
                missing = list(dict.fromkeys(owns))
            own_index, table = self._own_table()
            for own, block in zip(missing, _sum_rows(table, own_index, missing)):
                cache[own] = block
            blocks = list(map(cache.__getitem__, owns))
        return np.array(blocks)

    def _compiled_scorer(self) -> Any:
        """The compiled :class:`segmenter._scoring.PageScorer` of these weights (made on
        first use, and again if the weights are replaced)."""
        assert _SCORING is not None
        found = self._page_scorer
        if found is None or found[0] is not self.state_weights or found[1] is not self.label_bias:
            own_index, table = self._own_table()
            scorer = _SCORING.PageScorer(
                self.state_weights,
                self.attribute_index,
                table.reshape(len(table), -1),
                own_index,
                NEIGHBOUR_OFFSETS,
                self.label_bias,
            )
            found = self._page_scorer = (self.state_weights, self.label_bias, scorer)
        return found[2]

    def from_parts(self, parts: PageParts) -> np.ndarray:
        """State scores of a page's lines from own and context features."""
        n = len(parts.views)
        if n == 0:
            return np.zeros((0, self.state_weights.shape[1]))
        if _SCORING is not None:  # the same sums in C, in the same order (no cache needed)
            return self._compiled_scorer().scores(parts.context, [view.own for view in parts.views])
        own = self.own_scores(parts.views)
        unary = _sum_rows(self.state_weights, self.attribute_index, parts.context)
        unary += own[:, 0]
        for slot, off in self._slot_offsets:
            if abs(off) >= n:
                continue
            if off < 0:
                unary[-off:] += own[: n + off, slot]
            else:
                unary[: n - off] += own[off:, slot]
        return unary + self.label_bias


class CrfModel:
    """A trained crfsuite model, with its JSON metadata, checked on load."""

    def __init__(self, model_path: Path, metadata: dict[str, Any]) -> None:
        self.model_path = model_path
        self.metadata = metadata
        tagger = pycrfsuite.Tagger()
        try:
            tagger.open(str(model_path))
        except Exception as exc:  # crfsuite raises a bare ValueError/IOError
            raise ModelError(f"cannot open CRF model {model_path}: {exc}; retrain with `segmenter train`") from exc
        info = tagger.info()
        model_labels = list(tagger.labels())
        unknown_labels = sorted(set(model_labels) - set(LABELS))
        if unknown_labels:
            raise ModelError(
                f"model {model_path} has labels {unknown_labels} that this code does not know "
                f"(expected a subset of {list(LABELS)}); retrain with `segmenter train`"
            )
        self.labels: tuple[str, ...] = LABELS
        # labels never seen in training cannot be predicted
        self.label_bias = np.array([0.0 if label in model_labels else NEG_INF for label in LABELS])
        label_id = {label: i for i, label in enumerate(self.labels)}
        attrs: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        weights: list[float] = []
        for (attr, label), weight in info.state_features.items():
            row = attrs.setdefault(attr, len(attrs))
            rows.append(row)
            cols.append(label_id[label])
            weights.append(weight)
        self.attribute_index = attrs
        self.state_weights = np.zeros((len(attrs) + 1, len(self.labels)))  # last row: unknown
        np.add.at(self.state_weights, (rows, cols), weights)
        self._scores = _StateScores(attrs, self.state_weights, self.label_bias)
        self._both_passes: tuple[CrfModel, _StateScores] | None = None  # built on first use
        self._label_codes: tuple[np.ndarray, np.ndarray, dict[str, int]] | None = None  # likewise
        self._compiled_label_scorer: tuple[np.ndarray, Any] | None = None  # likewise
        # what the walk over a first pass's labels reads of each (features.label_walk)
        self._opens_article = np.array([opens_article(label) for label in self.labels], dtype=np.uint8)
        self._holds_body = np.array([label.endswith("body") for label in self.labels], dtype=np.uint8)
        self.transitions = np.zeros((len(self.labels), len(self.labels)))
        for (src, dst), weight in info.transitions.items():
            self.transitions[label_id[src], label_id[dst]] = weight
        self._lattice = _build_lattice(self.labels)
        # the stacked second pass, if the sidecar names one (see :meth:`tag_parts`)
        self.second_pass: CrfModel | None = None
        try:
            decoding = Decoding.from_dict(metadata.get("decoding"))
        except (AttributeError, TypeError, ValueError) as exc:
            raise ModelError(f"model metadata has unreadable decoding offsets {metadata.get('decoding')!r}: {exc}") from exc
        self.set_decoding(decoding)
        tagger.close()

    def set_decoding(self, decoding: Decoding) -> None:
        """Decode with these offsets from now on (the state transitions are rebuilt)."""
        self.decoding = decoding
        lat = self._lattice
        trans = self.transitions[np.ix_(lat.state_label, lat.state_label)]
        trans = trans + decoding.open_second * lat.opens_second + decoding.open_later * lat.opens_later
        # [0]: into a line with paragraph length, [1]: into a short line
        self._state_trans = np.where(lat.allowed, trans[None], NEG_INF)
        self._state_trans_exp = np.exp(self._state_trans)  # disallowed: exp(-1e30) = 0
        # row j: the scores into state j from every state (Viterbi reduces along rows)
        self._state_trans_into = np.ascontiguousarray(self._state_trans.transpose(0, 2, 1))
        self._state_trans_exp_into = np.ascontiguousarray(self._state_trans_exp.transpose(0, 2, 1))
        self._compiled_lattice: tuple[np.ndarray, Any] | None = None  # built again on first use
        if self.second_pass is not None:
            self.second_pass.set_decoding(decoding)

    @classmethod
    def load(cls, model_path: Path, metadata_path: Path) -> CrfModel:
        """Load a model and check its sidecar: format, feature version, labels, hash."""
        if not model_path.is_file():
            raise ModelError(f"model file {model_path} not found; build it with `segmenter train`")
        if not metadata_path.is_file():
            raise ModelError(f"model metadata {metadata_path} not found; rebuild with `segmenter train`")
        try:
            metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"model metadata {metadata_path} is not valid JSON: {exc}") from exc
        problems = []
        if metadata.get("format") != MODEL_FORMAT:
            problems.append(f"format {metadata.get('format')!r} (expected {MODEL_FORMAT})")
        if metadata.get("feature_version") != FEATURE_VERSION:
            problems.append(
                f"feature version {metadata.get('feature_version')!r} (this code computes {FEATURE_VERSION!r})"
            )
        if list(metadata.get("labels", [])) != list(LABELS):
            problems.append(f"labels {metadata.get('labels')!r}")
        expected_hash = metadata.get("model_sha256")
        if expected_hash != file_sha256(model_path):
            problems.append("model file hash does not match the metadata (file changed or corrupt)")
        if problems:
            raise ModelError(
                f"model {model_path} does not match this version of segmenter: "
                + "; ".join(problems)
                + ". Retrain with `segmenter train`."
            )
        model = cls(model_path, metadata)
        second = metadata.get("second_pass")
        if second is not None:
            model.second_pass = cls._load_second_pass(model_path, metadata, second)
        return model

    @classmethod
    def _load_second_pass(cls, model_path: Path, metadata: dict[str, Any], entry: Any) -> CrfModel:
        """The second-pass model the sidecar names, beside the first, hash-checked."""
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or "/" in entry["file"]:
            raise ModelError(f"model metadata has an unreadable second_pass entry {entry!r}; retrain with `segmenter train`")
        path = model_path.parent / entry["file"]
        if not path.is_file():
            raise ModelError(f"second-pass model {path} not found; rebuild with `segmenter train`")
        if entry.get("sha256") != file_sha256(path):
            raise ModelError(f"second-pass model {path} does not match its hash in the metadata; retrain with `segmenter train`")
        return cls(path, {"decoding": metadata.get("decoding")})

    def unary_from_parts(self, parts: PageParts) -> np.ndarray:
        """State scores of a page's lines from own and context features (fast path)."""
        return self._scores.from_parts(parts)

    def tag_parts(self, parts: PageParts, *, marginals: bool = True, second_pass: bool = True) -> TagResult:
        """Like :meth:`tag`, from :func:`segmenter.features.page_parts`.

        With a second pass (and ``second_pass``), this model's labels are only its
        input: the second model scores each line from the same features plus the first
        labels around it (:func:`segmenter.features.label_context_features`), and
        decodes under the same constraints and offsets. Its labels, and its
        confidences, are the result.
        """
        return self.tag_parts_many([parts], marginals=marginals, second_pass=second_pass)[0]

    def tag_parts_many(
        self, pages: Sequence[PageParts], *, marginals: bool = True, second_pass: bool = True
    ) -> list[TagResult]:
        """:meth:`tag_parts` of several pages, each pass decoded for all of them at once
        (:meth:`decode_many`): the same labels and confidences, in less time."""
        second = self.second_pass
        if second is None or not second_pass:
            shorts = [short_lines(parts) for parts in pages]
            return self.decode_many([self.unary_from_parts(parts) for parts in pages], shorts, marginals=marginals)
        # both passes score the same features: one look-up of each serves both
        scorer = self._scorer_of_both(second)
        both = [scorer.from_parts(parts) for parts in pages]
        n_labels = len(self.labels)
        return self._tag_stacked(pages, [s[:, :n_labels] for s in both], [s[:, n_labels:] for s in both], marginals)

    def _scorer_of_both(self, second: CrfModel) -> _StateScores:
        """Both passes' weights side by side (built on first use, for this second pass)."""
        if self._both_passes is None or self._both_passes[0] is not second:
            self._both_passes = (second, _StateScores.side_by_side(self._scores, second._scores))
        return self._both_passes[1]

    def tag_scored(
        self, parts: PageParts, unary: np.ndarray, *, marginals: bool = True, second_pass: bool = True
    ) -> TagResult:
        """:meth:`tag_parts` from this model's scores of the page (:meth:`unary_from_parts`).

        The scores do not depend on the decoding offsets: a page scored once can be
        tagged under several (the decoding search does).
        """
        if self.second_pass is None or not second_pass:
            return self.decode(unary, short_lines(parts), marginals=marginals)
        return self._tag_stacked([parts], [unary], [self.second_pass.unary_from_parts(parts)], marginals)[0]

    def _tag_stacked(
        self,
        pages: Sequence[PageParts],
        unary: Sequence[np.ndarray],
        second_unary: Sequence[np.ndarray],
        marginals: bool,
    ) -> list[TagResult]:
        """Both passes, from each one's scores of the pages' features (``second_unary`` is added to)."""
        shorts = [short_lines(parts) for parts in pages]
        firsts = self.decode_many(unary, shorts, marginals=False)
        second = self.second_pass
        assert second is not None
        for scores, first in zip(second_unary, firsts):
            scores += second.label_scores(first.labels)
        return second.decode_many(second_unary, shorts, marginals=marginals)

    def label_scores(self, first_labels: Sequence[str]) -> np.ndarray:
        """A second-pass model's weights of the first pass's labels around each line."""
        if _SCORING is None:
            return _sum_rows(self.state_weights, self.attribute_index, label_context_features(first_labels))
        # the same sums from codes: no feature strings built, none looked up, the walk
        # over the labels (label_walk) made in the same loop
        return self._label_scorer().scores(list(first_labels))

    def _label_scorer(self) -> Any:
        """The compiled :class:`segmenter._scoring.LabelScorer` of this model's weights (made
        on first use, and again if the weights are replaced)."""
        assert _SCORING is not None
        found = self._compiled_label_scorer
        if found is None or found[0] is not self.state_weights:
            code_rows, column_sizes, label_id = self._label_code_rows()
            scorer = _SCORING.LabelScorer(
                self.state_weights,
                code_rows,
                column_sizes,
                len(self.labels),
                LABEL_CONTEXT_OFFSETS,
                label_id,
                self._opens_article,
                self._holds_body,
                SINCE_START_MAX,
                WALK_ARTICLE_MAX,
                WALK_ARTICLES_MAX,
            )
            found = self._compiled_label_scorer = (self.state_weights, scorer)
        return found[1]

    def _label_code_rows(self) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """Row of each code of :func:`segmenter.features.label_context_vocabulary`, by column
        (unknown strings and the padding: the zero row), the codes in each column, and
        each label's code."""
        if self._label_codes is None:
            unknown = len(self.attribute_index)
            vocabulary = label_context_vocabulary(self.labels)
            code_rows = np.full((len(vocabulary), max(map(len, vocabulary))), unknown, dtype=np.intp)
            for column, strings in enumerate(vocabulary):
                code_rows[column, : len(strings)] = [self.attribute_index.get(s, unknown) for s in strings]
            sizes = np.array([len(strings) for strings in vocabulary], dtype=np.intp)
            self._label_codes = code_rows, sizes, {label: i for i, label in enumerate(self.labels)}
        return self._label_codes

    def unary_scores(self, features: Sequence[Sequence[str]]) -> np.ndarray:
        """State scores from full feature strings (as in training): per line, per label."""
        return _sum_rows(self.state_weights, self.attribute_index, features) + self.label_bias

    def tag(
        self,
        features: Sequence[Sequence[str]],
        short: Sequence[bool] | None = None,
        *,
        marginals: bool = True,
    ) -> TagResult:
        """Best constrained label sequence (and, optionally, each line's marginal).

        ``short[t]``: line t is too short for its body label to give the primary
        article its body (see :func:`_next_flags`); None: no line is.
        """
        return self.decode(self.unary_scores(features), short, marginals=marginals)

    def decode(self, label_scores: np.ndarray, short: Sequence[bool] | None, *, marginals: bool = True) -> TagResult:
        """Best constrained labels from per-line label scores (:meth:`unary_from_parts`)."""
        n = len(label_scores)
        if n == 0:
            return TagResult([], [])
        if _KERNEL is not None and not marginals:  # the same path, searched from the label scores
            return TagResult(self._compiled_search().best_labels(short, label_scores), [1.0] * n)
        kinds = [0] * n if short is None else [1 if k else 0 for k in short]
        unary = label_scores[:, self._lattice.state_label]  # (n, S)
        start = np.where(self._lattice.start_allowed[kinds[0]], unary[0], NEG_INF)
        if _KERNEL is not None:
            path = self._compiled_path(unary, np.array(kinds, dtype=np.intp), start)
        else:
            path = self._numpy_path(unary, kinds, start)
        labels = [self.labels[self._lattice.state_label[s]] for s in path]
        if not marginals:
            return TagResult(labels, [1.0] * n)
        return TagResult(labels, self._label_marginals(unary, start, kinds, path))

    def _compiled_search(self) -> Any:
        """The compiled search's :class:`segmenter._decoding.Lattice`: the lattice's arrays
        taken once, not once a page (made again if the transitions are replaced)."""
        assert _KERNEL is not None
        found = self._compiled_lattice
        if found is None or found[0] is not self._state_trans_into:
            lat = self._lattice
            search = _KERNEL.Lattice(
                self._state_trans_into,
                lat.first_source,
                lat.sources,
                lat.state_label,
                lat.start_allowed_bytes,
                lat.end_allowed_bytes,
                NEG_INF,
                self.labels,
            )
            found = self._compiled_lattice = (self._state_trans_into, search)
        return found[1]

    def _compiled_path(self, unary: np.ndarray, kinds: np.ndarray, start: np.ndarray) -> list[int]:
        """The best state path of a page by the compiled search (:mod:`segmenter._decoding`)."""
        return self._compiled_search().best_path(kinds, np.ascontiguousarray(unary), np.ascontiguousarray(start))

    def _numpy_path(self, unary: np.ndarray, kinds: Sequence[int], start: np.ndarray) -> list[int]:
        """The best state path of a page by NumPy steps (the search without the compiled kernel)."""
        n = len(unary)
        into_kind = self._state_trans_into  # into[kind][j, i]: transition i -> j, rows contiguous
        delta = start
        n_states = len(start)
        states = np.arange(n_states)
        back = np.zeros((n, n_states), dtype=np.intp)
        scores = np.empty((n_states, n_states))  # reused: small arrays, call overhead dominates
        for t in range(1, n):
            np.add(into_kind[kinds[t]], delta, out=scores)  # scores[j, i] = delta[i] + trans[i, j]
            best = scores.argmax(axis=1)
            back[t] = best
            delta = scores[states, best]
            delta += unary[t]
        delta = np.where(self._lattice.end_allowed, delta, NEG_INF)
        state = int(delta.argmax())
        path = [state]
        pointers = back.tolist()  # Python ints: the walk back is plain list indexing
        for t in range(n - 1, 0, -1):
            state = pointers[t][state]
            path.append(state)
        path.reverse()
        return path

    def decode_many(
        self,
        label_scores: Sequence[np.ndarray],
        short: Sequence[Sequence[bool] | None],
        *,
        marginals: bool = True,
    ) -> list[TagResult]:
        """:meth:`decode` of several pages at once, stepping through all of them together.

        Per line, Viterbi is a few NumPy calls on arrays of a few dozen states, so the
        calls' overhead is its cost; one step for the same line position of every page
        pays it once per position instead of once per page and line. The same
        operations on the same numbers as :meth:`decode`: the same labels.
        """
        if len(label_scores) == 1 or _KERNEL is not None:
            # one page: the stepping below would only cost more calls; compiled: C loops
            # page by page cost less than NumPy steps over all pages
            return [self.decode(scores, kinds, marginals=marginals) for scores, kinds in zip(label_scores, short)]
        lat = self._lattice
        results = [TagResult([], []) for _ in label_scores]
        # longest pages first: the pages still going at any line position are a prefix
        order = sorted((b for b, scores in enumerate(label_scores) if len(scores)), key=lambda b: -len(label_scores[b]))
        if not order:
            return results
        sizes = np.array([len(label_scores[b]) for b in order])
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        unary = np.concatenate([label_scores[b] for b in order])[:, lat.state_label]  # (lines, S)
        kinds = np.concatenate(
            [np.zeros(len(label_scores[b]), dtype=np.intp) if short[b] is None else np.asarray(short[b], dtype=np.intp)
             for b in order]
        )
        # going[t]: how many pages have a line at position t
        going = len(order) - np.searchsorted(sizes[::-1], np.arange(sizes[0]), side="right")
        into_kind = self._state_trans_into  # into[kind][j, i]: transition i -> j
        delta = np.where(lat.start_allowed[kinds[offsets]], unary[offsets], NEG_INF)  # (pages, S)
        back = np.zeros(unary.shape, dtype=np.intp)  # per line: the best state before each state
        n_states = unary.shape[1]
        cells = np.arange(len(order) * n_states)  # (page, j) pairs, flattened
        for t in range(1, int(sizes[0])):
            m = going[t]
            rows = offsets[:m] + t
            # [page, j, i] = delta[i] + trans[i, j]; take and an in-place add make one
            # array where indexing and a sum made two (the step is memory-bound)
            scores = into_kind.take(kinds[rows], axis=0)
            scores += delta[:m, None, :]
            best = scores.argmax(axis=2)
            back[rows] = best
            delta[:m] = scores.reshape(m * n_states, n_states)[cells[: m * n_states], best.ravel()].reshape(m, n_states)
            delta[:m] += unary[rows]
        state = np.where(lat.end_allowed, delta, NEG_INF).argmax(axis=1)
        path = np.empty(len(unary), dtype=np.intp)
        for t in range(int(sizes[0]) - 1, -1, -1):
            m = going[t]
            rows = offsets[:m] + t
            path[rows] = state[:m]  # a page whose last line is at t starts from its best end state
            if t:
                state[:m] = back[rows, state[:m]]
        label_ids = lat.state_label[path].tolist()
        paths = path.tolist()
        for b, start, n in zip(order, offsets.tolist(), sizes.tolist()):
            labels = [self.labels[i] for i in label_ids[start : start + n]]
            if not marginals:
                results[b] = TagResult(labels, [1.0] * n)
                continue
            page_kinds = kinds[start : start + n].tolist()
            page_unary = unary[start : start + n]
            first = np.where(lat.start_allowed[page_kinds[0]], page_unary[0], NEG_INF)
            results[b] = TagResult(labels, self._label_marginals(page_unary, first, page_kinds, paths[start : start + n]))
        return results

    def _label_marginals(
        self, unary: np.ndarray, start: np.ndarray, kinds: list[int], path: list[int]
    ) -> list[float]:
        """P(label of line t = chosen label) under the constrained lattice (forward-backward).

        Computed with probabilities scaled at every step (a matrix-vector product per
        line; the arrays are tiny, so the number of NumPy calls is what costs); in log
        space only if a scale underflows.
        """
        n, s = unary.shape
        if _KERNEL is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                emit = np.ascontiguousarray(np.exp(unary - unary.max(axis=1, keepdims=True)))
                first = np.ascontiguousarray(np.exp(start - start.max()))
            mass = _KERNEL.chosen_label_mass(
                self._state_trans_exp_into,
                self._lattice.first_source,
                self._lattice.sources,
                np.array(kinds, dtype=np.intp),
                emit,
                first,
                self._lattice.end_allowed_bytes,
                self._lattice.state_label,
                np.array(path, dtype=np.intp),
            )
            # None: a scale underflowed (as a nan or a zero sum below): the log-space version
            return self._label_marginals_log(unary, start, kinds, path) if mass is None else mass
        trans = self._state_trans_exp
        with np.errstate(divide="ignore", invalid="ignore"):  # an underflow shows as nan: fall back
            emit = np.exp(unary - unary.max(axis=1, keepdims=True))
            alpha = np.empty((n, s))
            first = np.exp(start - start.max())
            alpha[0] = first / first.sum()
            for t in range(1, n):
                a = (alpha[t - 1] @ trans[kinds[t]]) * emit[t]
                alpha[t] = a / a.sum()
            beta = np.empty((n, s))
            beta[-1] = self._lattice.end_allowed
            for t in range(n - 2, -1, -1):
                b = trans[kinds[t + 1]] @ (emit[t + 1] * beta[t + 1])
                beta[t] = b / b.sum()
            post = alpha * beta
            totals = post.sum(axis=1, keepdims=True)
        if not np.all(np.isfinite(post)) or not np.all(totals > 0):
            return self._label_marginals_log(unary, start, kinds, path)
        post /= totals
        return self._chosen_label_mass(post, path)

    def _chosen_label_mass(self, post: np.ndarray, path: list[int]) -> list[float]:
        state_label = self._lattice.state_label
        out = []
        for t, state in enumerate(path):
            out.append(float(min(1.0, post[t][state_label == state_label[state]].sum())))
        return out

    def _label_marginals_log(
        self, unary: np.ndarray, start: np.ndarray, kinds: list[int], path: list[int]
    ) -> list[float]:
        """:meth:`_label_marginals` in log space (slower; safe from underflow)."""
        n, s = unary.shape
        trans = self._state_trans
        alpha = np.empty((n, s))
        alpha[0] = start
        for t in range(1, n):
            alpha[t] = _logsumexp(alpha[t - 1][:, None] + trans[kinds[t]], axis=0) + unary[t]
        beta = np.zeros((n, s))
        beta[-1] = np.where(self._lattice.end_allowed, 0.0, NEG_INF)
        for t in range(n - 2, -1, -1):
            beta[t] = _logsumexp(trans[kinds[t + 1]] + (unary[t + 1] + beta[t + 1])[None, :], axis=1)
        log_z = _logsumexp(alpha[-1] + beta[-1], axis=0)
        return self._chosen_label_mass(np.exp(alpha + beta - log_z), path)

    def top_features(self, k: int = 20) -> list[tuple[str, str, float]]:
        """The ``k`` heaviest (attribute, label, weight) triples, for ``segmenter explain``."""
        names = {i: a for a, i in self.attribute_index.items()}
        flat = np.abs(self.state_weights[:-1]).ravel()
        order = np.argsort(-flat)[:k]
        out = []
        for idx in order:
            row, col = divmod(int(idx), len(self.labels))
            out.append((names[row], self.labels[col], float(self.state_weights[row, col])))
        return out


def _sum_rows(table: np.ndarray, index: dict[str, int], features: Sequence[Sequence[str]]) -> np.ndarray:
    """Per line, the sum of ``table`` rows of its features (unknown ones: the zero last row)."""
    if _SCORING is not None:  # the same sums, in the same order (tests/test_compiled.py)
        flat_table = table.reshape(len(table), -1)
        return _SCORING.sum_rows(flat_table, index, features).reshape((len(features),) + table.shape[1:])
    unknown = len(index)
    lengths = list(map(len, features))
    # map over the flattened features: no Python frame per feature
    flat = np.fromiter(
        map(index.get, chain.from_iterable(features), repeat(unknown)), dtype=np.int64, count=sum(lengths)
    )
    out_shape = (len(features),) + table.shape[1:]
    if not len(flat):
        return np.zeros(out_shape)
    offsets = np.fromiter(accumulate(lengths[:-1], initial=0), dtype=np.intp, count=len(lengths))
    # take: a block copy per row, where fancy indexing goes element by element
    rows = table.take(flat, axis=0)
    if 0 not in lengths:
        return np.add.reduceat(rows, offsets, axis=0)
    # reduceat cannot make an empty group: sum the other lines (their starts delimit
    # their own features alone), an empty line sums to 0
    filled = np.asarray(lengths) > 0
    sums = np.zeros(out_shape)
    sums[filled] = np.add.reduceat(rows, offsets[filled], axis=0)
    return sums


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    top = np.where(top <= NEG_INF / 2, 0.0, top)
    with np.errstate(divide="ignore"):  # rows with no allowed state give -inf, as they should
        return np.squeeze(top, axis=axis) + np.log(np.exp(x - top).sum(axis=axis))


# --- training ------------------------------------------------------------------------

# chosen by the cross-validation of `segmenter train` (see segmenter/training.py); used
# by `segmenter train --no-cv` (a sidecar without offsets decodes with none)
DEFAULT_DECODING = Decoding(open_second=-2.0, open_later=0.5)

DEFAULT_HYPERPARAMETERS: dict[str, Any] = {
    "algorithm": "lbfgs",
    "c1": 0.0,
    "c2": 1.0,
    "max_iterations": 150,
    "all_possible_transitions": True,
}


def train_crf(
    sequences: Iterable[tuple[list[list[str]], list[str]]],
    model_path: Path,
    hyperparameters: dict[str, Any] | None = None,
) -> None:
    """Train a crfsuite model with sklearn-crfsuite and write it to ``model_path``."""
    import sklearn_crfsuite  # training only: keep it off the import path of tagging

    params = dict(DEFAULT_HYPERPARAMETERS)
    params.update(hyperparameters or {})
    xs: list[list[list[str]]] = []
    ys: list[list[str]] = []
    for x, y in sequences:
        if x:
            xs.append(x)
            ys.append(y)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    crf = sklearn_crfsuite.CRF(model_filename=str(model_path), keep_tempfiles=True, **params)
    crf.fit(xs, ys)
