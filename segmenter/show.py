"""See what the segmenter did: labelled pages as one self-contained HTML file.

Every line is shown right to left, tinted by its role, with its confidence (the CRF's
marginal probability) as a faint bar and on hover; article boundaries are separators
carrying the article index, and each article's assembled metadata stands beside its
lines. With gold annotations, lines whose role differs are marked with both labels,
each page shows its scores, and the page list at the top runs worst first.

The file loads nothing: no script, no font, no image; a Content-Security-Policy
forbids any network load, and every piece of page text is escaped, so a page that
holds ``<script>`` shows it as text. Each line element carries ``data-role``,
``data-article`` and ``data-line`` (and ``data-gold-role``/``data-gold-article``
with gold) so the output can be checked from the DOM.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from segmenter.evaluation import LabelledLine, PageScore, Report, boundary_lines, score_page
from segmenter.types import Article, InputError, Line, Page, Role, SegmenterError

if TYPE_CHECKING:  # the pipeline loads lexicons and the model: import it only when showing
    from segmenter.pipeline import Segmenter

LOW_CONFIDENCE = 0.6  # lines below this marginal probability get a dotted outline
_MAX_TEXT_IN_ERROR = 80

ROLE_COLOURS: dict[Role, str] = {
    Role.HEADLINE: "#fcd34d",
    Role.DATELINE: "#93c5fd",
    Role.BODY: "#d1fae5",
    Role.TWEET: "#d8b4fe",
    Role.RELATED: "#fdba74",
    Role.FOOTER: "#d1d5db",
    Role.BLANK: "transparent",
}

ROLE_NAMES_AR: dict[Role, str] = {
    Role.HEADLINE: "عنوان",
    Role.DATELINE: "تاريخ/توقيع",
    Role.BODY: "متن",
    Role.TWEET: "تغريدة",
    Role.RELATED: "مقالات ذات صلة",
    Role.FOOTER: "هوامش الصفحة",
    Role.BLANK: "سطر فارغ",
}

# C0 controls (except tab) and DEL would be dropped or mangled by the HTML parser:
# show them as their Unicode "control pictures" instead.
_CONTROL_PICTURES = {c: 0x2400 + c for c in range(0x20) if c != 0x09}
_CONTROL_PICTURES[0x7F] = 0x2421


class GoldMismatchError(SegmenterError):
    """A page to show has no gold annotation, or its gold text is not the page's text."""


@dataclass(slots=True)
class ShownPage:
    """A segmented page, with its gold lines and scores when there are any."""

    page: Page
    gold: Sequence[LabelledLine] | None = None
    score: PageScore | None = None
    source: str | None = None


@dataclass(slots=True)
class ShowSummary:
    """What :func:`show` wrote: the page count, the output, and what was skipped."""

    output: Path
    pages: int = 0
    rejected: list[str] = field(default_factory=list)
    report: Report | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"output": str(self.output), "pages": self.pages, "rejected": len(self.rejected)}
        if self.report is not None:
            out["scores"] = self.report.summary()
        return out


def _esc(value: object) -> str:
    """Text or attribute value, escaped (quotes too) with control characters made visible."""
    return html.escape(str(value), quote=True).translate(_CONTROL_PICTURES)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


_CSS = """
:root { --line-gap: 2px; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 40px; background: #f4f4f5; color: #111827;
  font: 16px/1.6 "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", "Arial", sans-serif; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 0; }
.ltr { direction: ltr; unicode-bidi: isolate; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0 10px;
  font-size: 13px; }
.swatch { display: inline-block; padding: 0 8px; border-radius: 4px; border: 1px solid #9ca3af; }
.note { color: #4b5563; font-size: 13px; margin: 2px 0; }
.overall, .pagelist { background: #fff; border: 1px solid #d4d4d8; border-radius: 6px; padding: 8px 12px;
  margin: 8px 0; font-size: 14px; }
.pagelist ol { margin: 4px 0; padding-inline-start: 28px; columns: 2 320px; }
.pagelist a { color: #1d4ed8; }
.page { background: #fff; border: 1px solid #d4d4d8; border-radius: 8px; margin: 16px 0; padding: 10px 14px; }
.page-head { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: baseline;
  border-bottom: 1px solid #e4e4e7; padding-bottom: 6px; margin-bottom: 6px; }
.stats { font-size: 13px; color: #374151; }
.scores { font-size: 13px; border-collapse: collapse; margin: 4px 0 6px; }
.scores td, .scores th { border: 1px solid #e4e4e7; padding: 1px 8px; text-align: start; }
.scores th { background: #f4f4f5; font-weight: 600; }
.bad { color: #b91c1c; font-weight: 600; }
.block { display: grid; grid-template-columns: minmax(0, 1fr) 260px; gap: 12px; align-items: start; }
.sep { display: flex; align-items: center; gap: 8px; margin: 12px 0 4px; color: #1e3a8a; font-weight: 700;
  font-size: 14px; }
.sep::before, .sep::after { content: ""; flex: 1; border-top: 3px double #1e3a8a; }
.lines { list-style: none; margin: 0; padding: 0; }
.line { position: relative; display: flex; gap: 8px; align-items: baseline; margin: var(--line-gap) 0;
  padding: 1px 6px 3px; border-radius: 3px; min-height: 1.2em; }
.line:hover { outline: 2px solid #111827; }
.num { flex: none; width: 2.6em; color: #6b7280; font-size: 11px; text-align: end; direction: ltr; }
.tag { flex: none; width: 6.2em; white-space: nowrap; font-size: 11px; color: #374151; direction: ltr; text-align: left; }
.text { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; }
.conf { position: absolute; inset-inline-start: 0; bottom: 0; height: 2px; background: #111827; opacity: 0.28; }
.low { outline: 1px dotted #b45309; }
.r-headline .text { font-weight: 700; }
.r-blank { min-height: 0.7em; border: 1px dashed #e4e4e7; }
.r-blank .text::after { content: "·"; color: #d4d4d8; }
.mismatch { box-shadow: inset -5px 0 0 #dc2626; }
.gold { flex: none; font-size: 11px; direction: ltr; color: #991b1b; font-weight: 700; white-space: nowrap; }
.b-missed { border-top: 3px dashed #dc2626; }
.b-spurious { border-top: 3px dotted #f59e0b; }
.meta { position: sticky; top: 8px; background: #fafafa; border: 1px solid #e4e4e7; border-radius: 6px;
  padding: 6px 10px; font-size: 13px; }
.meta h3 { font-size: 13px; margin: 0 0 4px; color: #1e3a8a; }
.meta dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
.meta dt { color: #6b7280; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.empty { color: #9ca3af; }
"""


def _legend() -> str:
    items = []
    for role in Role:
        items.append(
            f'<span class="swatch" style="background:{ROLE_COLOURS[role]}">'
            f'<span class="ltr">{_esc(role)}</span> · {_esc(ROLE_NAMES_AR[role])}</span>'
        )
    return (
        '<div class="legend" id="legend"><strong>الأدوار:</strong> ' + " ".join(items) + "</div>"
        '<p class="note">الشريط الرمادي أسفل كل سطر = ثقة النموذج (الاحتمال الهامشي)، وتظهر قيمتها عند مرور المؤشر؛ '
        f"إطار منقط = ثقة أقل من {LOW_CONFIDENCE:.0%}. أرقام الأسطر تبدأ من 0 كما في ملفات JSONL.</p>"
    )


def _gold_legend() -> str:
    return (
        '<p class="note">مع التوسيم المرجعي (gold): شريط أحمر على الجانب = دور مختلف عن المرجع، ويُكتب '
        '<span class="ltr">gold: role · article</span> بجانبه؛ خط أحمر متقطع فوق السطر = بداية مقال فاتت النموذج؛ '
        "خط برتقالي منقط = بداية مقال زائدة.</p>"
    )


def _meta_panel(article: Article | None, index: int) -> str:
    if article is None:
        return (
            f'<aside class="meta" data-article="{index}"><h3>منطقة {index}</h3>'
            '<p class="empty">لا مقال (أسطر هوامش أو فراغ فقط)</p></aside>'
        )
    kind = "المقال الرئيسي" if article.is_primary else "مقال ثانوي"
    fields: list[tuple[str, str | None]] = [
        ("العنوان", article.headline),
        ("النشر", article.published or article.published_raw),
        ("المصدر", article.source),
        ("الوكالة", article.agency),
        ("المكان", article.place),
        ("الكاتب", article.author),
        ("الوسوم", "، ".join(article.tags) if article.tags else None),
        ("فقرات", str(len(article.paragraphs))),
        ("تغريدات", str(len(article.tweets)) if article.tweets else None),
    ]
    if article.published and article.published_raw and article.published_raw != article.published:
        fields.insert(2, ("نص التاريخ", article.published_raw))
    rows = []
    for name, value in fields:
        shown = f"<dd>{_esc(value)}</dd>" if value else '<dd class="empty">—</dd>'
        rows.append(f"<dt>{_esc(name)}</dt>{shown}")
    return (
        f'<aside class="meta" data-article="{article.index}"><h3>{_esc(kind)} · {article.index}</h3>'
        f"<dl>{''.join(rows)}</dl></aside>"
    )


def _line_html(
    number: int,
    line: Line,
    gold: LabelledLine | None,
    boundary_mark: str,
) -> str:
    classes = ["line", f"r-{line.role}"]
    conf = max(0.0, min(1.0, line.confidence))
    if conf < LOW_CONFIDENCE:
        classes.append("low")
    attrs = [
        f'data-line="{number}"',
        f'data-role="{_esc(line.role)}"',
        f'data-article="{line.article}"',
        f'data-confidence="{conf:.3f}"',
    ]
    title = f"line {number} · {line.role} · article {line.article} · confidence {conf:.2f}"
    gold_badge = ""
    if gold is not None:
        g_role, g_article, _ = gold
        attrs.append(f'data-gold-role="{_esc(g_role)}"')
        attrs.append(f'data-gold-article="{g_article}"')
        title += f" · gold {g_role} · article {g_article}"
        if g_role != line.role:
            classes.append("mismatch")
            gold_badge = f'<span class="gold">gold: {_esc(g_role)} · {g_article}</span>'
    if boundary_mark:
        classes.append(boundary_mark)
    style = f' style="background:{ROLE_COLOURS[line.role]}"' if line.role is not Role.BLANK else ""
    return (
        f'<li class="{" ".join(classes)}" {" ".join(attrs)} title="{_esc(title)}"{style}>'
        f'<span class="num">{number}</span>'
        f'<span class="tag">{_esc(line.role)} · {line.article}</span>'
        f'<span class="text" dir="auto">{_esc(line.text)}</span>'
        f"{gold_badge}"
        f'<span class="conf" style="width:{100 * conf:.1f}%"></span>'
        "</li>"
    )


def _regions(page: Page) -> Iterator[tuple[int, list[int]]]:
    """Runs of consecutive lines with the same predicted article index."""
    current: int | None = None
    numbers: list[int] = []
    for i, line in enumerate(page.lines):
        if current is not None and line.article != current:
            yield current, numbers
            numbers = []
        current = line.article
        numbers.append(i)
    if current is not None:
        yield current, numbers


def _scores_html(score: PageScore) -> str:
    acc_class = ' class="bad"' if score.line_accuracy < 1 else ""
    rows = [
        ("دقة الأسطر", f"<span{acc_class}>{_pct(score.line_accuracy)}</span> ({len(score.errors)} خطأ)"),
        (
            "حدود المقالات P / R / F1",
            f"{score.boundary.precision:.3f} / {score.boundary.recall:.3f} / {score.boundary.f1:.3f}",
        ),
        (
            "كلمات متن المقال الرئيسي P / R / F1",
            f"{score.body.precision:.3f} / {score.body.recall:.3f} / {score.body.f1:.3f}",
        ),
        ("عدد المقالات صحيح", "نعم" if score.article_count_right else '<span class="bad">لا</span>'),
        ("المتن الرئيسي مطابق", "نعم" if score.clean_primary else '<span class="bad">لا</span>'),
    ]
    body = "".join(f"<tr><th>{_esc(name)}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<table class="scores" data-line-accuracy="{score.line_accuracy:.4f}">{body}</table>'


def _page_html(position: int, item: ShownPage) -> str:
    page = item.page
    gold = item.gold
    articles = {a.index: a for a in page.articles}
    gold_b: set[int] = set()
    pred_b: set[int] = set()
    if gold is not None:
        if len(gold) != len(page.lines):
            raise GoldMismatchError(f"page {page.id!r} has {len(page.lines)} lines but its gold has {len(gold)}")
        gold_b = boundary_lines(gold)
        pred_b = boundary_lines([(line.role, line.article, line.text) for line in page.lines])
    counts = page.role_counts()
    stats = " · ".join(f"{role}: {counts[str(role)]}" for role in Role if counts[str(role)])
    head = [
        f'<div class="page-head"><h2><span class="ltr">{_esc(page.id or f"page {position}")}</span></h2>',
        f'<span class="stats">{len(page.lines)} سطر · {len(page.articles)} مقال · '
        f'{len(page.related)} عنوان ذي صلة · <span class="ltr">{_esc(stats)}</span></span>',
    ]
    if item.source:
        head.append(f'<span class="stats ltr">{_esc(item.source)}</span>')
    head.append("</div>")
    if item.score is not None:
        head.append(_scores_html(item.score))
    blocks = []
    for index, numbers in _regions(page):
        label = f"مقال {index}" + (" (الرئيسي)" if index == 0 else "")
        lines_html = []
        for i in numbers:
            mark = ""
            if gold is not None:
                if i in gold_b and i not in pred_b:
                    mark = "b-missed"
                elif i in pred_b and i not in gold_b:
                    mark = "b-spurious"
            lines_html.append(_line_html(i, page.lines[i], gold[i] if gold is not None else None, mark))
        blocks.append(
            f'<div class="sep" data-article="{index}" role="separator">{_esc(label)}</div>'
            f'<div class="block" data-article="{index}">'
            f'<ol class="lines" start="{numbers[0]}">{"".join(lines_html)}</ol>'
            f"{_meta_panel(articles.get(index), index)}</div>"
        )
    page_id = _esc(page.id or "")
    return (
        f'<section class="page" id="p{position}" data-page-id="{page_id}" data-lines="{len(page.lines)}">'
        + "".join(head)
        + "".join(blocks)
        + "</section>"
    )


def _page_list(items: Sequence[ShownPage]) -> str:
    order = list(range(len(items)))
    graded = all(item.score is not None for item in items)
    if graded:
        order.sort(key=lambda i: (items[i].score.line_accuracy, items[i].score.body.f1, i))  # type: ignore[union-attr]
    entries = []
    for i in order:
        item = items[i]
        label = _esc(item.page.id or f"page {i}")
        extra = ""
        if item.score is not None:
            extra = f" — {_pct(item.score.line_accuracy)} ({len(item.score.errors)} خطأ)"
        entries.append(f'<li><a href="#p{i}"><span class="ltr">{label}</span></a>{extra}</li>')
    title = "الصفحات، الأسوأ أولاً (حسب دقة الأسطر)" if graded else "الصفحات"
    return f'<nav class="pagelist" id="pages"><strong>{title}</strong><ol>{"".join(entries)}</ol></nav>'


def _overall(items: Sequence[ShownPage]) -> str:
    scores = [item.score for item in items if item.score is not None]
    if not scores:
        return ""
    report = Report()
    for item in items:
        assert item.gold is not None
        score_page(report, item.page.id or "", item.gold, [(l.role, l.article, l.text) for l in item.page.lines])
    s = report.summary()
    return (
        '<div class="overall" id="overall"><strong>المجموع:</strong> '
        f'<span class="ltr">{report.pages} pages · role macro-F1 {s["role_macro_f1"]:.3f} · '
        f'boundary P/R/F1 {s["boundary_precision"]:.3f}/{s["boundary_recall"]:.3f}/{s["boundary_f1"]:.3f} · '
        f'primary-body F1 {s["primary_body_f1"]:.3f} · article count right {s["article_count_accuracy"]:.3f}</span>'
        "</div>"
    )


def render_html(items: Sequence[ShownPage], *, title: str = "segmenter show") -> str:
    """One self-contained HTML document showing every page (no script, no network)."""
    has_gold = any(item.gold is not None for item in items)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ar" dir="rtl">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f'<h1>{_esc(title)} <span class="stats">— {len(items)} صفحة</span></h1>',
        _legend(),
    ]
    if has_gold:
        parts.append(_gold_legend())
        parts.append(_overall(items))
    if len(items) > 1 or has_gold:
        parts.append(_page_list(items))
    parts.extend(_page_html(i, item) for i, item in enumerate(items))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT_IN_ERROR else text[:_MAX_TEXT_IN_ERROR] + "…"


def _check_gold(page: Page, gold_id: str, gold: Sequence[LabelledLine], gold_path: str) -> None:
    texts = [line.text for line in page.lines]
    gold_texts = [text for _, _, text in gold]
    if texts == gold_texts:
        return
    if len(texts) != len(gold_texts):
        where = f"the page has {len(texts)} lines, gold {gold_id!r} has {len(gold_texts)}"
    else:
        i = next(i for i, (a, b) in enumerate(zip(texts, gold_texts)) if a != b)
        where = f"line {i} differs: page {_short(texts[i])!r}, gold {_short(gold_texts[i])!r}"
    raise GoldMismatchError(
        f"page {page.id!r}: its text is not the text of gold page {gold_id!r} in {gold_path} ({where}); "
        "show the gold file itself, or the exact pages it annotates"
    )


def show(
    inputs: Iterable[str | Path],
    output: str | Path,
    *,
    gold: str | Path | None = None,
    segmenter: Segmenter | None = None,
    limit: int | None = None,
    text_field: str = "text",
    id_field: str = "id",
) -> ShowSummary:
    """Segment the pages of ``inputs`` and write them as one HTML file to ``output``.

    ``gold``: an ANNOTATION.md JSONL file; each page is matched to the gold page with
    its id (or, for ``.txt`` inputs, whose ``source`` is the file name), scored, and
    its mismatches marked. A page without gold, or whose text differs from its gold,
    raises :class:`GoldMismatchError`. ``limit`` keeps the first N pages.
    """
    from segmenter.io import Rejected, iter_pages, read_gold
    from segmenter.pipeline import Segmenter  # noqa: F811 (runtime import of the TYPE_CHECKING name)

    if limit is not None and limit < 1:
        raise SegmenterError(f"limit must be a positive number of pages, got {limit}")
    seg = segmenter if segmenter is not None else Segmenter()
    inputs = list(inputs)
    by_id: dict[str, tuple[str, list[LabelledLine]]] = {}
    by_source: dict[str, tuple[str, list[LabelledLine]]] = {}
    if gold is not None:
        for gp in read_gold(gold):
            by_id.setdefault(gp.id, (gp.id, gp.lines))
            if gp.source:
                by_source.setdefault(Path(gp.source).name, (gp.id, gp.lines))
    output = Path(output)
    summary = ShowSummary(output=output, report=Report() if gold is not None else None)
    items: list[ShownPage] = []
    for record in iter_pages(inputs, text_field=text_field, id_field=id_field):
        if isinstance(record, Rejected):
            summary.rejected.append(f"{record.source}:{record.line_number}: {record.reason}")
            continue
        page = seg.segment(record.text, page_id=record.id)
        item = ShownPage(page, source=record.source)
        if gold is not None:
            match = by_id.get(record.id) or by_source.get(Path(record.id).name)
            if match is None:
                raise GoldMismatchError(
                    f"page {record.id!r} ({record.source}:{record.line_number}) has no gold page in {gold} "
                    "(matched by id, or by 'source' for .txt files); show only pages the gold file annotates"
                )
            gold_id, gold_lines = match
            _check_gold(page, gold_id, gold_lines, str(gold))
            assert summary.report is not None
            item.gold = gold_lines
            item.score = score_page(
                summary.report, record.id, gold_lines, [(l.role, l.article, l.text) for l in page.lines]
            )
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise InputError(f"no page to show in {', '.join(map(str, inputs))}")
    document = render_html(items)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8", errors="replace")
    summary.pages = len(items)
    return summary
