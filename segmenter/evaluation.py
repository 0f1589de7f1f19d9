"""Compare predicted pages with gold annotations: the only source of accuracy figures.

Metrics, all computed from ``(role, article, text)`` lines of gold and prediction
for the same page text:

* per-role precision/recall/F1 over lines, and their macro average (over the roles
  that occur in gold or prediction, ``blank`` excluded: it is decided by white space,
  not by the model, and would inflate the average);
* boundary precision/recall/F1: a boundary is a content line (headline, dateline,
  body, tweet) whose article index differs from the previous content line's, as
  ANNOTATION.md scores them; a boundary must be on the same line to count;
* Pk and WindowDiff over the non-blank lines' article indexes (lower is better),
  with the window half the mean gold segment length (Beeferman et al.; Pevzner & Hearst);
* primary-body tokens: whitespace tokens of ``body`` lines in article 0, compared as
  multisets (micro-averaged over pages);
* the share of pages whose number of articles is right, and the share whose primary
  body is reproduced exactly ("clean primary");
* where primary-body errors come from (``segmenter evaluate --errors``): the tokens of
  every line that is primary body in the gold or in the prediction but not in both,
  by what the line is and what it was taken for (counted line by line, so the sums
  can differ a little from the multiset counts of precision and recall).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from segmenter.types import CONTENT_ROLES, Role

SCORED_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.BLANK)

LabelledLine = tuple[Role, int, str]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.tp + self.fn}


def boundary_lines(lines: Sequence[LabelledLine]) -> set[int]:
    """Line numbers where an article starts after another (content lines only)."""
    out = set()
    previous: int | None = None
    for i, (role, article, _) in enumerate(lines):
        if role in CONTENT_ROLES:
            if previous is not None and article != previous:
                out.add(i)
            previous = article
    return out


def _segmentation_errors(gold: Sequence[int], pred: Sequence[int], k: int) -> tuple[int, int, int]:
    """(Pk misses, WindowDiff misses, windows) for index sequences of equal length."""
    pk = wd = windows = 0
    for i in range(len(gold) - k):
        windows += 1
        same_gold = gold[i] == gold[i + k]
        same_pred = pred[i] == pred[i + k]
        if same_gold != same_pred:
            pk += 1
        gold_b = sum(gold[j] != gold[j + 1] for j in range(i, i + k))
        pred_b = sum(pred[j] != pred[j + 1] for j in range(i, i + k))
        if gold_b != pred_b:
            wd += 1
    return pk, wd, windows


def _article_count(lines: Sequence[LabelledLine]) -> int:
    return len({article for role, article, _ in lines if role in CONTENT_ROLES})


def _primary_body_tokens(lines: Sequence[LabelledLine]) -> Counter[str]:
    tokens: Counter[str] = Counter()
    for role, article, text in lines:
        if role is Role.BODY and article == 0:
            tokens.update(text.split())
    return tokens


@dataclass(slots=True)
class PageScore:
    """Scores of one page, for reports and for listing pages worst first."""

    id: str
    line_accuracy: float
    boundary: Counts
    body: Counts
    article_count_right: bool
    clean_primary: bool
    errors: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """Aggregated metrics over a set of pages."""

    pages: int = 0
    lines: int = 0
    roles: dict[Role, Counts] = field(default_factory=lambda: {r: Counts() for r in SCORED_ROLES})
    boundary: Counts = field(default_factory=Counts)
    body: Counts = field(default_factory=Counts)
    pk_misses: int = 0
    wd_misses: int = 0
    windows: int = 0
    count_right: int = 0
    clean_primary: int = 0
    # (gold kind, predicted kind) -> tokens, on lines that are primary body on one side only
    body_errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    page_scores: list[PageScore] = field(default_factory=list)

    @property
    def role_macro_f1(self) -> float:
        present = [c for c in self.roles.values() if c.tp + c.fn + c.fp > 0]
        return sum(c.f1 for c in present) / len(present) if present else 1.0

    @property
    def pk(self) -> float:
        return self.pk_misses / self.windows if self.windows else 0.0

    @property
    def window_diff(self) -> float:
        return self.wd_misses / self.windows if self.windows else 0.0

    @property
    def article_count_accuracy(self) -> float:
        return self.count_right / self.pages if self.pages else 1.0

    @property
    def clean_primary_share(self) -> float:
        return self.clean_primary / self.pages if self.pages else 1.0

    def summary(self) -> dict[str, float]:
        """The headline figures, as the README table shows them."""
        return {
            "pages": self.pages,
            "role_macro_f1": self.role_macro_f1,
            "boundary_precision": self.boundary.precision,
            "boundary_recall": self.boundary.recall,
            "boundary_f1": self.boundary.f1,
            "pk": self.pk,
            "window_diff": self.window_diff,
            "primary_body_precision": self.body.precision,
            "primary_body_recall": self.body.recall,
            "primary_body_f1": self.body.f1,
            "article_count_accuracy": self.article_count_accuracy,
            "clean_primary_share": self.clean_primary_share,
        }

    def body_error_rows(self) -> list[dict[str, Any]]:
        """``body_errors`` as JSON-ready rows, largest first."""
        return [{"gold": g, "predicted": p, "tokens": n} for (g, p), n in self.body_errors.most_common()]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.summary())
        out["roles"] = {str(r): c.to_dict() for r, c in self.roles.items()}
        return out


def _line_kind(role: Role, article: int) -> str:
    """A line's role and whether it is in the primary article, for the error table."""
    if role in CONTENT_ROLES:
        return f"{role} (primary)" if article == 0 else f"{role} (secondary)"
    return str(role)  # furniture: which article it sits in does not matter


PRIMARY_BODY = _line_kind(Role.BODY, 0)


def score_page(report: Report, page_id: str, gold: Sequence[LabelledLine], pred: Sequence[LabelledLine]) -> PageScore:
    """Add one page to ``report`` and return its own scores."""
    if len(gold) != len(pred):
        raise ValueError(f"page {page_id}: gold has {len(gold)} lines, prediction {len(pred)}")
    errors = []
    for i, ((g_role, g_article, g_text), (p_role, p_article, p_text)) in enumerate(zip(gold, pred)):
        if g_text != p_text:
            raise ValueError(f"page {page_id}, line {i}: gold and prediction texts differ")
        if g_role is Role.BLANK and p_role is Role.BLANK:
            continue
        if (g_role is Role.BODY and g_article == 0) != (p_role is Role.BODY and p_article == 0):
            report.body_errors[(_line_kind(g_role, g_article), _line_kind(p_role, p_article))] += len(g_text.split())
        if g_role == p_role:
            report.roles[g_role].tp += 1
        else:
            errors.append(i)
            if g_role is not Role.BLANK:
                report.roles[g_role].fn += 1
            if p_role is not Role.BLANK:
                report.roles[p_role].fp += 1
    gb, pb = boundary_lines(gold), boundary_lines(pred)
    boundary = Counts(len(gb & pb), len(pb - gb), len(gb - pb))
    report.boundary.add(boundary)
    non_blank = [i for i, (role, _, _) in enumerate(gold) if role is not Role.BLANK]
    g_idx = [gold[i][1] for i in non_blank]
    p_idx = [pred[i][1] for i in non_blank]
    n_segments = len(set(g_idx)) or 1
    k = max(2, round(len(g_idx) / n_segments / 2))
    pk, wd, windows = _segmentation_errors(g_idx, p_idx, k)
    report.pk_misses += pk
    report.wd_misses += wd
    report.windows += windows
    g_tok, p_tok = _primary_body_tokens(gold), _primary_body_tokens(pred)
    overlap = sum((g_tok & p_tok).values())
    body = Counts(overlap, sum(p_tok.values()) - overlap, sum(g_tok.values()) - overlap)
    report.body.add(body)
    count_right = _article_count(gold) == _article_count(pred)
    clean = g_tok == p_tok
    report.pages += 1
    report.lines += len(gold)
    report.count_right += count_right
    report.clean_primary += clean
    n_scored = sum(1 for g, p in zip(gold, pred) if not (g[0] is Role.BLANK and p[0] is Role.BLANK)) or 1
    score = PageScore(page_id, 1 - len(errors) / n_scored, boundary, body, count_right, clean, errors)
    report.page_scores.append(score)
    return score


def evaluate(pairs: Iterable[tuple[str, Sequence[LabelledLine], Sequence[LabelledLine]]]) -> Report:
    """A report over ``(page_id, gold_lines, predicted_lines)`` triples."""
    report = Report()
    for page_id, gold, pred in pairs:
        score_page(report, page_id, gold, pred)
    return report


def pooled(reports: Iterable[Report]) -> Report:
    """One report over the pages of several (e.g. the held-out folds of a search).

    Counts are summed before any ratio is taken, so a role that one fold lacks is
    scored on the folds that have it: averaging per-fold macro-F1 instead would give
    that fold's macro-F1 a role F1 of 0 for a single line predicted with it.
    Page-level lists are not kept.
    """
    out = Report()
    for report in reports:
        out.pages += report.pages
        out.lines += report.lines
        for role, counts in report.roles.items():
            out.roles[role].add(counts)
        out.boundary.add(report.boundary)
        out.body.add(report.body)
        out.pk_misses += report.pk_misses
        out.wd_misses += report.wd_misses
        out.windows += report.windows
        out.count_right += report.count_right
        out.clean_primary += report.clean_primary
        out.body_errors.update(report.body_errors)
    return out


def cut4(value: float) -> str:
    """``value`` to four decimals, rounded down: a figure short of a target never prints as it."""
    return f"{math.floor(value * 10_000 + 1e-9) / 10_000:.4f}"


def format_table(reports: dict[str, Report]) -> str:
    """A Markdown table of the headline figures, one column per system.

    The three figures with targets get four decimals, cut rather than rounded: rounded,
    0.98996 would print as the 0.990 (or 0.9900) it falls short of.
    """
    names = list(reports)
    whole, three = "{:.0f}".format, "{:.3f}".format
    rows: list[tuple[str, str, Callable[[float], str]]] = [
        ("pages", "pages", whole),
        ("role macro-F1", "role_macro_f1", cut4),
        ("boundary P", "boundary_precision", three),
        ("boundary R", "boundary_recall", three),
        ("boundary F1", "boundary_f1", cut4),
        ("Pk (lower is better)", "pk", three),
        ("WindowDiff (lower is better)", "window_diff", three),
        ("primary-body P", "primary_body_precision", three),
        ("primary-body R", "primary_body_recall", three),
        ("primary-body F1", "primary_body_f1", cut4),
        ("article count right", "article_count_accuracy", three),
        ("clean primary", "clean_primary_share", three),
    ]
    summaries = {n: reports[n].summary() for n in names}
    out = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label, key, fmt in rows:
        out.append(f"| {label} | " + " | ".join(fmt(summaries[n][key]) for n in names) + " |")
    role_rows = ["", "| role F1 | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for role in SCORED_ROLES:
        role_rows.append(
            f"| {role} | " + " | ".join(f"{reports[n].roles[role].f1:.3f}" for n in names) + " |"
        )
    return "\n".join(out + role_rows)


def format_rows(reports: dict[str, Report]) -> str:
    """A compact Markdown table, one row per report (e.g. per template)."""
    out = [
        "| group | pages | role macro-F1 | boundary P | boundary R | boundary F1 | primary-body F1 | article count right |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, report in reports.items():
        s = report.summary()
        out.append(
            f"| {name} | {report.pages} | {s['role_macro_f1']:.3f} | {s['boundary_precision']:.3f} | "
            f"{s['boundary_recall']:.3f} | {s['boundary_f1']:.3f} | {s['primary_body_f1']:.3f} | "
            f"{s['article_count_accuracy']:.3f} |"
        )
    return "\n".join(out)


def format_errors(reports: dict[str, Report], limit: int = 12) -> str:
    """A Markdown table of where primary-body tokens go wrong, largest first.

    Each row is a kind of line (``body (secondary)``, ``footer``, ...) taken for primary
    body, which costs precision, or primary body taken for another kind, which costs
    recall; one column of tokens per report. Rows past ``limit`` are summed into one.
    """
    names = list(reports)
    totals: Counter[tuple[str, str]] = Counter()
    for report in reports.values():
        totals.update(report.body_errors)
    out = [
        "| gold line | predicted as | costs | " + " | ".join(f"tokens: {n}" for n in names) + " |",
        "|---|---|---|" + "---:|" * len(names),
    ]
    ranked = [pair for pair, _ in totals.most_common()]
    for gold_kind, pred_kind in ranked[:limit]:
        costs = "precision" if pred_kind == PRIMARY_BODY else "recall"
        cells = " | ".join(f"{reports[n].body_errors[(gold_kind, pred_kind)]:,}" for n in names)
        out.append(f"| {gold_kind} | {pred_kind} | {costs} | {cells} |")
    if len(ranked) > limit:
        rest = ranked[limit:]
        cells = " | ".join(f"{sum(reports[n].body_errors[pair] for pair in rest):,}" for n in names)
        out.append(f"| {len(rest)} other kinds | | | {cells} |")
    for label, taken in (("all taken as primary body", True), ("all primary body missed", False)):
        cells = " | ".join(
            f"{sum(v for (g, p), v in reports[n].body_errors.items() if (p == PRIMARY_BODY) == taken):,}" for n in names
        )
        out.append(f"| **{label}** | | {'precision' if taken else 'recall'} | {cells} |")
    return "\n".join(out)
