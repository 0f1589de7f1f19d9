"""`segmenter show`: the HTML view of labelled pages, checked from its DOM.

The unit tests build pages by hand, so they do not depend on what the model
predicts; the end-to-end tests use the shipped model on the seed pages, and the
browser test renders them in headless Chromium (skipped only where it is missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.evaluation import Counts, PageScore
from segmenter.show import GoldMismatchError, ShownPage, render_html, show
from segmenter.types import Article, Line, Page, Role

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEEDS_GOLD = FIXTURES / "seeds-gold.jsonl"
BROWSER_TIMEOUT = 120  # seconds for one headless Chromium run
_CONTROL_PICTURES = {c: 0x2400 + c for c in range(0x20) if c != 0x09} | {0x7F: 0x2421}


class _Dom(HTMLParser):
    """The parts of a rendered document the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.lines: list[dict[str, str | None]] = []
        self.page_links: list[str] = []
        self._line: dict[str, str | None] | None = None
        self._in_text = False
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        classes = (a.get("class") or "").split()
        if tag == "li" and "line" in classes:
            self._line = dict(a)
            self._line["text"] = ""
            self.lines.append(self._line)
        elif tag == "span" and "text" in classes and self._line is not None:
            self._in_text = True
        elif tag == "nav":
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self.page_links.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._in_text:
            self._in_text = False
        elif tag == "li":
            self._line = None
        elif tag == "nav":
            self._in_nav = False

    def handle_data(self, data: str) -> None:
        if self._in_text and self._line is not None:
            self._line["text"] = (self._line["text"] or "") + data


def _parse(document: str) -> _Dom:
    dom = _Dom()
    dom.feed(document)
    dom.close()
    return dom


def _page(
    texts: list[str], roles: list[Role] | None = None, articles: list[int] | None = None, page_id: str = "p"
) -> Page:
    roles = roles or [Role.BODY] * len(texts)
    articles = articles or [0] * len(texts)
    lines, start = [], 0
    for text, role, article in zip(texts, roles, articles):
        lines.append(Line(text, role, article, start, start + len(text), confidence=0.9))
        start += len(text) + 1
    indexes = sorted({a for a, r in zip(articles, roles) if r.is_content})
    arts = [Article(index=i, line_numbers=[n for n, a in enumerate(articles) if a == i]) for i in indexes]
    return Page(lines, arts, id=page_id)


def _score(page_id: str, accuracy: float, errors: int = 0) -> PageScore:
    return PageScore(page_id, accuracy, Counts(1, 0, 0), Counts(5, 0, 0), True, True, list(range(errors)))


# --- unit tests: hand-made pages ---------------------------------------------------


def test_text_and_attributes_are_escaped() -> None:
    nasty = [
        "<script>alert('x')</script>",
        'a & b "quoted" \'single\' <b>bold</b>',
        "<img src=x onerror=alert(1)>",
        "</li></ol><h1>not a heading</h1>",
    ]
    page = _page(nasty, page_id='"><script>alert(1)</script>')
    page.articles[0].headline = "<i>headline</i> & co"
    page.articles[0].source = '"src" <u>'
    page.articles[0].tags = ["<tag>", "&amp;"]
    document = render_html([ShownPage(page)])
    dom = _parse(document)
    assert "<script" not in document.lower()
    assert not [tag for tag, _ in dom.tags if tag in {"script", "img", "b", "i", "u"}]
    assert sum(1 for tag, _ in dom.tags if tag == "h1") == 1  # only the document title
    assert [line["text"] for line in dom.lines] == nasty
    assert "&lt;i&gt;headline&lt;/i&gt; &amp; co" in document
    assert "&amp;amp;" in document
    assert any(a.get("data-page-id") == '"><script>alert(1)</script>' for _, a in dom.tags)


def test_control_characters_are_shown_not_dropped() -> None:
    page = _page(["a\x00b\x0bc\x1bd\x7fe\tf"])
    dom = _parse(render_html([ShownPage(page)]))
    assert dom.lines[0]["text"] == "a\u2400b\u240bc\u241bd\u2421e\tf"


_ANY_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ANY_LINE, min_size=1, max_size=12))
def test_any_text_comes_back_from_the_dom(texts: list[str]) -> None:
    dom = _parse(render_html([ShownPage(_page(texts))]))
    assert [line["text"] for line in dom.lines] == [t.translate(_CONTROL_PICTURES) for t in texts]


def test_every_line_once_with_its_role_and_article() -> None:
    roles = [Role.FOOTER, Role.HEADLINE, Role.DATELINE, Role.BODY, Role.BLANK, Role.TWEET, Role.FOOTER,
             Role.HEADLINE, Role.BODY, Role.RELATED]
    articles = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    texts = [f"سطر {i}" if role is not Role.BLANK else "" for i, role in enumerate(roles)]
    document = render_html([ShownPage(_page(texts, roles, articles))])
    dom = _parse(document)
    assert [line["data-line"] for line in dom.lines] == [str(i) for i in range(len(texts))]
    assert [line["data-role"] for line in dom.lines] == [str(r) for r in roles]
    assert [line["data-article"] for line in dom.lines] == [str(a) for a in articles]
    assert [line["text"] for line in dom.lines] == texts
    assert all("confidence 0.90" in (line["title"] or "") for line in dom.lines)
    separators = [a for tag, a in dom.tags if "sep" in (a.get("class") or "").split()]
    assert [s["data-article"] for s in separators] == ["0", "1"]
    assert '<html lang="ar" dir="rtl">' in document
    for role in Role:  # the legend names every role
        assert f'<span class="ltr">{role}</span>' in document


def test_gold_mismatches_are_marked_with_both_labels() -> None:
    texts = ["عنوان", "نص المقال.", "المصدر: رويترز"]
    page = _page(texts, [Role.HEADLINE, Role.BODY, Role.BODY], [0, 0, 0])
    gold = [(Role.HEADLINE, 0, texts[0]), (Role.BODY, 0, texts[1]), (Role.FOOTER, 0, texts[2])]
    dom = _parse(render_html([ShownPage(page, gold=gold, score=_score("p", 0.667, 1))]))
    marked = [line for line in dom.lines if "mismatch" in (line["class"] or "").split()]
    assert [line["data-line"] for line in marked] == ["2"]
    assert marked[0]["data-role"] == "body" and marked[0]["data-gold-role"] == "footer"
    assert marked[0]["data-gold-article"] == "0"
    assert [line["data-gold-role"] for line in dom.lines] == ["headline", "body", "footer"]
    assert any(a.get("data-line-accuracy") == "0.6670" for _, a in dom.tags)


def test_missed_boundary_is_marked() -> None:
    texts = ["عنوان أول", "نص.", "عنوان ثان", "نص آخر."]
    roles = [Role.HEADLINE, Role.BODY, Role.HEADLINE, Role.BODY]
    page = _page(texts, roles, [0, 0, 0, 0])
    gold = [(r, a, t) for r, a, t in zip(roles, [0, 0, 1, 1], texts)]
    dom = _parse(render_html([ShownPage(page, gold=gold, score=_score("p", 1.0))]))
    assert "b-missed" in (dom.lines[2]["class"] or "").split()


def test_page_list_runs_worst_first() -> None:
    items = [
        ShownPage(_page(["أ"], page_id="good"), gold=[(Role.BODY, 0, "أ")], score=_score("good", 1.0)),
        ShownPage(_page(["ب"], page_id="worst"), gold=[(Role.BODY, 0, "ب")], score=_score("worst", 0.25, 3)),
        ShownPage(_page(["ج"], page_id="middle"), gold=[(Role.BODY, 0, "ج")], score=_score("middle", 0.5, 2)),
    ]
    dom = _parse(render_html(items))
    assert dom.page_links == ["#p1", "#p2", "#p0"]
    sections = {a["id"]: a["data-page-id"] for tag, a in dom.tags if tag == "section"}
    assert sections == {"p0": "good", "p1": "worst", "p2": "middle"}


def test_nothing_is_loaded_from_the_network() -> None:
    texts = [
        "https://t.co/abc123 pic.twitter.com/xyz",
        '<a href="https://example.com/x">link</a> <link rel="stylesheet" href="http://evil/x.css">',
        "<iframe src='https://evil/'></iframe> url(http://evil/bg.png)",
    ]
    page = _page(texts, [Role.TWEET, Role.BODY, Role.BODY])
    page.articles[0].source = "https://example.com/source"
    document = render_html([ShownPage(page, gold=[(r.role, 0, r.text) for r in page.lines], score=_score("p", 1.0))])
    dom = _parse(document)
    assert not [tag for tag, _ in dom.tags if tag in {"script", "link", "img", "iframe", "object", "embed", "base"}]
    for tag, attrs in dom.tags:
        for name, value in attrs.items():
            if name in {"src", "href", "action", "srcset", "poster", "data"}:
                assert (value or "").startswith("#"), (tag, name, value)
            if name == "style":
                assert "url(" not in (value or "")
    assert "default-src 'none'; style-src 'unsafe-inline'" in document
    assert "url(" not in document.split("<body>")[0]
    assert [line["text"] for line in dom.lines] == texts


# --- end to end: the shipped model on the seed pages --------------------------------


def test_show_the_gold_file_itself(tmp_path: Path, segmenter_instance) -> None:
    out = tmp_path / "seeds.html"
    summary = show([SEEDS_GOLD], out, gold=SEEDS_GOLD, segmenter=segmenter_instance)
    assert summary.pages == 5 and not summary.rejected
    assert summary.report is not None and summary.report.pages == 5
    dom = _parse(out.read_text(encoding="utf-8"))
    gold = [json.loads(line) for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(dom.lines) == sum(len(record["lines"]) for record in gold)
    assert len(dom.page_links) == 5


def test_txt_pages_are_matched_to_gold_by_source(tmp_path: Path, seed_pages, segmenter_instance) -> None:
    for page in seed_pages[:2]:
        (tmp_path / page.source).write_text(page.text, encoding="utf-8")
    summary = show([tmp_path], tmp_path / "out.html", gold=SEEDS_GOLD, segmenter=segmenter_instance)
    assert summary.pages == 2
    dom = _parse((tmp_path / "out.html").read_text(encoding="utf-8"))
    assert [line["data-gold-role"] for line in dom.lines] == [str(r) for p in seed_pages[:2] for r in p.roles]


def test_show_limit_and_no_gold(tmp_path: Path, segmenter_instance) -> None:
    summary = show([SEEDS_GOLD], tmp_path / "one.html", segmenter=segmenter_instance, limit=1)
    assert summary.pages == 1 and summary.report is None
    dom = _parse((tmp_path / "one.html").read_text(encoding="utf-8"))
    assert dom.lines and all(line.get("data-gold-role") is None for line in dom.lines)


def test_gold_that_does_not_match_is_an_error(tmp_path: Path, segmenter_instance) -> None:
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"id": "no-such-page", "text": "نص"}) + "\n", encoding="utf-8")
    with pytest.raises(GoldMismatchError, match="no gold page"):
        show([missing], tmp_path / "x.html", gold=SEEDS_GOLD, segmenter=segmenter_instance)
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps({"id": "seed-000", "text": "نص آخر"}) + "\n", encoding="utf-8")
    with pytest.raises(GoldMismatchError, match="not the text of gold page 'seed-000'"):
        show([changed], tmp_path / "x.html", gold=SEEDS_GOLD, segmenter=segmenter_instance)


def test_cli_show(tmp_path: Path) -> None:
    from segmenter.cli import EXIT_OK, EXIT_USAGE, main

    out = tmp_path / "cli.html"
    assert main(["show", str(SEEDS_GOLD), "--gold", str(SEEDS_GOLD), "-o", str(out), "--limit", "2"]) == EXIT_OK
    assert len(_parse(out.read_text(encoding="utf-8")).page_links) == 2
    assert main(["show", str(tmp_path / "nope.jsonl"), "-o", str(out)]) == EXIT_USAGE


# --- the browser: headless Chromium renders the seed pages ----------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium not installed: apt-get install chromium")


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can be fetched
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False)
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
    return result


def test_chromium_renders_every_seed_line_with_its_role(tmp_path: Path, seed_pages, segmenter_instance) -> None:
    binary = _chromium()
    out = tmp_path / "seeds.html"
    show([SEEDS_GOLD], out, gold=SEEDS_GOLD, segmenter=segmenter_instance)
    started = time.perf_counter()
    dumped = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", out.as_uri())
    dom = _parse(dumped.stdout)
    expected = [(page.id, i, role, text) for page in seed_pages for i, (role, _, text) in enumerate(page.lines)]
    assert len(dom.lines) == len(expected), "every gold line is rendered exactly once"
    sections = [a for tag, a in dom.tags if tag == "section"]
    assert [s["data-page-id"] for s in sections] == [page.id for page in seed_pages]
    roles = {str(role) for role in Role}
    for line, (page_id, number, role, text) in zip(dom.lines, expected):
        assert line["data-line"] == str(number), page_id
        assert line["data-gold-role"] == str(role), (page_id, number)
        assert line["data-role"] in roles, (page_id, number)
        assert line["text"] == text, (page_id, number)
    shot = tmp_path / "shot.png"
    _run_chromium(binary, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,2000", out.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000, "the screenshot is not blank"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert time.perf_counter() - started < 2 * BROWSER_TIMEOUT
