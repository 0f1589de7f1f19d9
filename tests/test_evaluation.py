"""Metrics computed by hand on tiny pages, at the edges of each definition."""

from __future__ import annotations

import pytest

from segmenter.baseline import label_page
from segmenter.evaluation import Counts, evaluate, format_errors, format_table, pooled
from segmenter.io import read_gold
from segmenter.evaluation import Report
from segmenter.types import Role

H, D, B, T, R, F, X = (Role.HEADLINE, Role.DATELINE, Role.BODY, Role.TWEET, Role.RELATED, Role.FOOTER, Role.BLANK)

GOLD = [(H, 0, "t0"), (B, 0, "a b c"), (X, 0, ""), (F, 0, "src"), (H, 1, "t1"), (B, 1, "d e")]


def lines(roles_articles):
    return [(r, a, g[2]) for (r, a), g in zip(roles_articles, GOLD)]


def test_perfect_prediction_scores_one() -> None:
    report = evaluate([("p", GOLD, GOLD)])
    s = report.summary()
    assert s["role_macro_f1"] == 1.0 and s["boundary_f1"] == 1.0 and s["primary_body_f1"] == 1.0
    assert s["pk"] == 0.0 and s["window_diff"] == 0.0
    assert s["article_count_accuracy"] == 1.0 and s["clean_primary_share"] == 1.0


def test_missed_boundary_and_body_swallowed_into_primary() -> None:
    pred = lines([(H, 0), (B, 0), (X, 0), (F, 0), (H, 0), (B, 0)])
    report = evaluate([("p", GOLD, pred)])
    assert report.boundary.tp == 0 and report.boundary.fn == 1 and report.boundary.fp == 0
    assert report.body.tp == 3 and report.body.fp == 2 and report.body.fn == 0
    assert report.body.precision == pytest.approx(3 / 5)
    assert report.count_right == 0 and report.clean_primary == 0
    assert report.roles[H].f1 == 1.0  # roles are right, only indexes are wrong


def test_role_errors_count_on_both_sides() -> None:
    pred = lines([(B, 0), (B, 0), (X, 0), (F, 0), (H, 1), (B, 1)])
    report = evaluate([("p", GOLD, pred)])
    assert report.roles[H].fn == 1 and report.roles[B].fp == 1
    assert report.roles[H].recall == 0.5
    assert report.page_scores[0].errors == [0]


def test_blank_is_not_scored_but_a_blank_mismatch_is() -> None:
    pred = lines([(H, 0), (B, 0), (B, 0), (F, 0), (H, 1), (B, 1)])
    report = evaluate([("p", GOLD, pred)])
    assert Role.BLANK not in report.roles
    assert report.roles[B].fp == 1


def test_boundaries_only_on_content_lines() -> None:
    """A footer carrying the next index is not a boundary; the next headline is."""
    pred = lines([(H, 0), (B, 0), (X, 0), (F, 1), (H, 1), (B, 1)])
    report = evaluate([("p", GOLD, pred)])
    assert report.boundary.f1 == 1.0


def test_length_and_text_mismatches_raise() -> None:
    with pytest.raises(ValueError, match="lines"):
        evaluate([("p", GOLD, GOLD[:-1])])
    with pytest.raises(ValueError, match="texts differ"):
        evaluate([("p", GOLD, GOLD[:-1] + [(B, 1, "other")])])


def test_counts_edge_cases() -> None:
    empty = Counts()
    assert empty.precision == 1.0 and empty.recall == 1.0 and empty.f1 == 1.0
    assert Counts(0, 1, 1).f1 == 0.0


def test_table_has_one_column_per_system() -> None:
    table = format_table({"a": evaluate([("p", GOLD, GOLD)]), "b": Report()})
    assert table.splitlines()[0] == "| metric | a | b |"
    assert "| boundary F1 | 1.0000 |" in table


def test_a_figure_just_short_of_a_target_does_not_print_as_the_target() -> None:
    report = Report()
    report.body.tp, report.body.fp, report.body.fn = 98996, 1004, 1004  # F1 0.98996
    table = format_table({"a": report})
    assert "| primary-body F1 | 0.9899 |" in table
    report.body.tp, report.body.fp, report.body.fn = 99000, 1000, 1000  # F1 0.99 exactly
    assert "| primary-body F1 | 0.9900 |" in format_table({"a": report})


def test_pooled_reports_score_as_one_report_over_all_their_pages(fixtures_dir) -> None:
    pages = list(read_gold(fixtures_dir / "seeds-gold.jsonl"))
    predicted = [(p.id, p.lines, label_page(p.text)) for p in pages]
    whole = evaluate(predicted)
    parts = pooled([evaluate(predicted[:2]), evaluate(predicted[2:])])
    assert parts.summary() == whole.summary()
    assert {r: c.to_dict() for r, c in parts.roles.items()} == {r: c.to_dict() for r, c in whole.roles.items()}


def test_a_role_one_part_lacks_is_scored_on_the_parts_that_have_it() -> None:
    tweet_page = [(Role.BODY, 0, "نص"), (Role.TWEET, 0, "تغريدة")]
    plain_page = [(Role.BODY, 0, "نص"), (Role.BODY, 0, "نص آخر")]
    wrong = [(Role.BODY, 0, "نص"), (Role.TWEET, 0, "نص آخر")]  # one tweet where the gold has none
    with_tweets = evaluate([("a", tweet_page, tweet_page)])
    without = evaluate([("b", plain_page, wrong)])
    assert without.roles[Role.TWEET].f1 == 0.0  # on its own, that part's macro-F1 counts a tweet F1 of 0
    both = pooled([with_tweets, without])
    assert both.roles[Role.TWEET].precision == 0.5 and both.roles[Role.TWEET].recall == 1.0
    assert both.role_macro_f1 > (with_tweets.role_macro_f1 + without.role_macro_f1) / 2


def test_primary_body_errors_say_what_each_wrong_line_is_and_was_taken_for() -> None:
    # the second article's body run into the primary, the source line read as body,
    # and the primary's body read as a footer on a second page
    swallowed = lines([(H, 0), (B, 0), (X, 0), (B, 0), (H, 1), (B, 0)])
    cut = lines([(H, 0), (F, 0), (X, 0), (F, 0), (H, 1), (B, 1)])
    report = evaluate([("a", GOLD, swallowed), ("b", GOLD, cut)])
    assert dict(report.body_errors) == {
        ("footer", "body (primary)"): 1,  # "src"
        ("body (secondary)", "body (primary)"): 2,  # "d e"
        ("body (primary)", "footer"): 3,  # "a b c"
    }
    # line by line, these are exactly the multiset losses when no token recurs on the page
    assert report.body.fp == 3 and report.body.fn == 3
    table = format_errors({"model": report})
    assert "| body (secondary) | body (primary) | precision | 2 |" in table
    assert "| **all taken as primary body** | | precision | 3 |" in table
    assert "| **all primary body missed** | | recall | 3 |" in table
    assert pooled([evaluate([("a", GOLD, swallowed)]), evaluate([("b", GOLD, cut)])]).body_errors == report.body_errors


def test_the_error_table_sums_the_rows_past_its_limit() -> None:
    report = evaluate([("a", GOLD, lines([(H, 0), (F, 0), (X, 0), (B, 0), (H, 1), (B, 0)]))])
    table = format_errors({"model": report}, limit=1)
    assert "| 2 other kinds | | | 3 |" in table  # "src" (1) and "d e" (2) past the first row
