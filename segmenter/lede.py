"""Builds the lede-opening weights (``segmenter/lexicons/lede_weights.tsv``) from the corpus.

Why: on a listing page, or where a second article runs on after the first with no
marker, the only sign that a paragraph opens a new story is how it opens. A lede
names who did what ("أعلنت وزارة الصحة ..."); a later paragraph carries the story on
("وأضاف ...", "غير أن ..."). The opener lexicons list the commonest such words; this
model learns, from the first and later paragraphs of the real articles of the
training outlets, how much each opening word, each of the first twelve words and the
opening pair of words leans towards a lede. The features stage turns its score into
one bucketed feature (``lede:0`` .. ``lede:4``) and the CRF learns how much it counts.

The model is a logistic regression fitted with crfsuite (single-line sequences: a
maximum-entropy classifier), so building it needs nothing beyond the core
dependencies. It is built once, from articles of :data:`segmenter.compose.TEST_OUTLETS`'
complement only, so the test split's outlets stay unseen::

    python -m segmenter.lede --data ../shared/data/saudinewsnet

writes the weights file; ``--check`` reports how well the weights it would write tell
first from later paragraphs on the test outlets' articles (ROC AUC).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycrfsuite

from segmenter.compose import SourceArticle, classify_paragraphs, load_articles, outlet_split
from segmenter.features import LEDE_HEAD_TOKENS, LEDE_POSITIONS, LedeWeights, lede_score, normalize, tokens_of

WEIGHTS_PATH = Path(__file__).parent / "lexicons" / "lede_weights.tsv"
MIN_PARAGRAPH_WORDS = 12  # shorter paragraphs are captions, subheadings or one-liners
MIN_COUNT = 20  # attributes seen in fewer training paragraphs are dropped (no memorising)
L2 = 2.0  # crfsuite c2: 1 / (2C) for scikit-learn's C of 0.25
MAX_ITERATIONS = 500
DIGITS = 3  # weights are written rounded: the file stays short and reviewable
LEDE, LATER = "lede", "later"


def lede_attributes(tokens: Sequence[str]) -> set[str]:
    """What the model reads of a paragraph: its opening words, by place and as a bag."""
    attrs = {f"p{i}:{tok}" for i, tok in enumerate(tokens[:LEDE_POSITIONS])}
    attrs.update(f"b:{tok}" for tok in tokens[:LEDE_HEAD_TOKENS])
    if len(tokens) > 1:
        attrs.add(f"bg:{tokens[0]} {tokens[1]}")
    return attrs


def labelled_paragraphs(articles: Iterable[SourceArticle]) -> list[tuple[str, bool]]:
    """``(paragraph, is_lede)``: each article's first body paragraph, its second, and one later one.

    The second paragraph is the hard case (what a listing post's continuation looks
    like); one later paragraph, picked by a generator seeded with the article's URL,
    stands for the rest of the body without letting long articles outweigh short ones.
    """
    rows: list[tuple[str, bool]] = []
    for art in articles:
        body = [text for _, text in classify_paragraphs(art)[1] if len(text.split()) >= MIN_PARAGRAPH_WORDS]
        if len(body) < 2:
            continue
        rows.append((body[0], True))
        rows.append((body[1], False))
        if len(body) > 2:
            rows.append((random.Random(art.url).choice(body[2:]), False))
    return rows


def fit_weights(rows: Sequence[tuple[str, bool]]) -> LedeWeights:
    """Logistic-regression weights (log-odds of a lede) of the attributes seen often enough."""
    attributes = [lede_attributes(tokens_of(normalize(text))) for text, _ in rows]
    counts = Counter(attr for attrs in attributes for attr in attrs)
    kept = {attr for attr, count in counts.items() if count >= MIN_COUNT}
    trainer = pycrfsuite.Trainer(verbose=False)
    for attrs, (_, is_lede) in zip(attributes, rows):
        item = {attr: 1.0 for attr in attrs if attr in kept}
        item["bias"] = 1.0
        trainer.append(pycrfsuite.ItemSequence([item]), [LEDE if is_lede else LATER])
    trainer.set_params({"c1": 0.0, "c2": L2, "max_iterations": MAX_ITERATIONS})
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "lede.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        state = tagger.info().state_features
        tagger.close()
    # two labels: the log-odds of "lede" is the difference of the two labels' weights
    log_odds: dict[str, float] = {}
    for (attr, label), weight in state.items():
        log_odds[attr] = log_odds.get(attr, 0.0) + (weight if label == LEDE else -weight)
    rounded = {attr: round(w, DIGITS) for attr, w in log_odds.items()}
    return LedeWeights.from_items((attr, w) for attr, w in sorted(rounded.items()) if w or attr == "bias")


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random lede scores above a random later paragraph (ties count half)."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, is_lede in zip(ranks, labels) if is_lede)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def held_out_auc(weights: LedeWeights, articles: Iterable[SourceArticle]) -> float:
    """ROC AUC of ``weights`` on the first/later paragraphs of ``articles``."""
    rows = labelled_paragraphs(articles)
    scores = [lede_score(weights, tokens_of(normalize(text))) for text, _ in rows]
    return roc_auc(scores, [is_lede for _, is_lede in rows])


def build(data_dir: Path) -> tuple[LedeWeights, float]:
    """Weights fitted on the training outlets' articles, and their AUC on the test outlets'."""
    articles = load_articles(data_dir)
    weights = fit_weights(labelled_paragraphs(a for a in articles if outlet_split(a.source) == "train"))
    return weights, held_out_auc(weights, (a for a in articles if outlet_split(a.source) == "test"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segmenter.lede", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the saudinewsnet folder (its *.zip files)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="weights file to write (default: the shipped one)")
    parser.add_argument("--check", action="store_true", help="only report the held-out AUC; write nothing")
    args = parser.parse_args(argv)
    weights, auc = build(args.data)
    print(f"{len(weights.items)} weights; ROC AUC on the test outlets' paragraphs: {auc:.4f}", file=sys.stderr)
    if not args.check:
        args.out.write_text(weights.to_tsv(), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
