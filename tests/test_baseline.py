"""The rules baseline: a fair afternoon script, scored by the same evaluation code."""

from __future__ import annotations

from segmenter.baseline import label_page
from segmenter.evaluation import evaluate
from segmenter.types import Role


def test_baseline_labels_every_line_losslessly(seed_pages) -> None:
    for page in seed_pages:
        lines = label_page(page.text)
        assert "\n".join(t for _, _, t in lines) == page.text
        articles = [a for _, a, _ in lines]
        assert articles == sorted(articles) and articles[0] == 0


def test_baseline_rules_on_typical_lines() -> None:
    text = "\n".join(
        [
            "عنوان قصير للخبر",
            "نص " * 25 + ".",
            "المصدر: رويترز",
            "  • عنوان في قائمة",
            "— Name (@handle) September 30, 2024",
        ]
    )
    roles = [r for r, _, _ in label_page(text)]
    assert roles == [Role.HEADLINE, Role.BODY, Role.FOOTER, Role.RELATED, Role.TWEET]


def test_baseline_is_measured_not_assumed(seed_pages) -> None:
    report = evaluate((p.id, p.lines, label_page(p.text)) for p in seed_pages)
    assert 0.0 < report.role_macro_f1 < 1.0
