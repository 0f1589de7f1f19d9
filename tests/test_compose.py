"""Tests of the training-data composer: determinism, ANNOTATION.md invariants, split hygiene."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from random import Random

import pytest

from segmenter import compose
from segmenter.compose import SourceArticle
from segmenter.reading import split_lines
from segmenter.types import CONTENT_ROLES, Role

DATA_DIR = Path("/work/shared/data/saudinewsnet")
ROLES = {str(r) for r in Role}
CONTENT = {str(r) for r in CONTENT_ROLES}
OUTLETS = ("alriyadh", "sabq", "alyaum", "aawsat", "okaz", "was")
N_PAGES = 300


def _article(outlet: str, i: int) -> SourceArticle:
    """A hand-made article whose every text carries its outlet tag (to trace leaks)."""
    tag = f"OUT{outlet}"
    paragraphs = tuple(
        f"{tag} قال المتحدث الرسمي في الفقرة رقم {j} من الخبر {i}، إن الاجتماع ناقش عدداً من القضايا المهمة، "
        f"وأكد أن العمل مستمر لتحقيق الأهداف المرسومة في الخطة الموضوعة منذ مطلع العام الماضي."
        for j in range(1 + i % 5)
    )
    return SourceArticle(
        source=outlet,
        title=f"{tag} عنوان الخبر رقم {i} عن الاجتماع",
        author="الرياض - واس" if i % 3 == 0 else "",
        date="2015-07-21 02:51:32",
        paragraphs=paragraphs,
    )


@pytest.fixture(scope="module")
def articles() -> list[SourceArticle]:
    return [_article(o, i) for o in OUTLETS for i in range(40)]


@pytest.fixture(scope="module")
def pages(articles: list[SourceArticle]) -> dict[str, list[dict]]:
    return {split: list(compose.compose_pages(articles, N_PAGES, split=split, seed=7)) for split in compose.SPLITS}


def _norm(text: str) -> str:
    """Loose normalisation: the same phrasing with other hamza/diacritics/punctuation."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub("[إأآا]", "ا", text).replace("ى", "ي").replace("ة", "ه").replace("ـ", "")
    return re.sub(r"[\W_]+", " ", text).strip().lower()


def _key(phrase: str) -> str:
    """Compare plain phrasings loosely, but formats and symbols (``{city} – {agency}:``,
    ``|``) exactly: their punctuation is the phrasing."""
    norm = _norm(phrase)
    return norm if norm and "{" not in phrase else " ".join(phrase.split())


def check_record(record: dict) -> None:
    """Every invariant of ANNOTATION.md that a single record can be checked for."""
    lines = record["lines"]
    assert lines, record["id"]
    assert lines[0][1] == 0
    previous = 0
    seen_content = False
    for role, article, text in lines:
        assert role in ROLES
        assert isinstance(article, int)
        assert "\n" not in text and "\r" not in text
        assert (role == "blank") == (text.strip() == ""), (record["id"], role, text)
        assert article >= previous
        if article != previous:
            assert role in CONTENT, (record["id"], role, text)
            assert article == previous + 1
        if role in CONTENT:
            seen_content = True
        previous = article
    assert seen_content
    page = "\n".join(text for _, _, text in lines)
    assert [raw.text for raw in split_lines(page)] == [text for _, _, text in lines]


def test_same_seed_same_pages(articles: list[SourceArticle]) -> None:
    first = list(compose.compose_pages(articles, 40, split="train", seed=3))
    again = list(compose.compose_pages(articles, 40, split="train", seed=3))
    other = list(compose.compose_pages(articles, 40, split="train", seed=4))
    assert first == again
    assert first != other


def test_main_writes_byte_identical_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, articles) -> None:
    monkeypatch.setattr(compose, "load_articles", lambda _: articles)
    outputs = []
    for name in ("a", "b"):
        assert compose.main(["--data", "x", "--out-dir", str(tmp_path / name), "--train", "20", "--test", "10", "--seed", "5"]) == 0
        outputs.append([(tmp_path / name / f"composed-{s}.jsonl.gz").read_bytes() for s in compose.SPLITS])
    assert outputs[0] == outputs[1]
    records = [json.loads(line) for line in gzip.decompress(outputs[0][0]).decode("utf-8").splitlines()]
    assert [r["id"] for r in records] == [f"train-{i:05d}" for i in range(20)]


@pytest.mark.parametrize("split", compose.SPLITS)
def test_records_obey_annotation_invariants(pages: dict[str, list[dict]], split: str) -> None:
    for record in pages[split]:
        assert record["source"].startswith("composed:")
        check_record(record)


def test_test_split_uses_only_test_outlets_and_templates(pages: dict[str, list[dict]]) -> None:
    train_tags = {f"OUT{o}" for o in OUTLETS if o not in compose.TEST_OUTLETS}
    test_tags = {f"OUT{o}" for o in OUTLETS if o in compose.TEST_OUTLETS}
    for split, own, foreign in (("test", test_tags, train_tags), ("train", train_tags, test_tags)):
        text = "\n".join(t for r in pages[split] for _, _, t in r["lines"])
        assert any(tag in text for tag in own)
        assert not any(tag in text for tag in foreign), split
    train_templates = {r["source"] for r in pages["train"]}
    test_only = {f"composed:{n}" for n, w in compose.TEMPLATE_WEIGHTS.items() if w["train"] == 0}
    assert len(test_only) >= 2 and not train_templates & test_only
    assert test_only <= {r["source"] for r in pages["test"]}


def test_phrase_lists_train_and_test_parts_are_disjoint() -> None:
    train_all = {_key(p) for name in compose.phrase_names() for p in compose.read_phrase_file(compose.PHRASE_DIR / f"{name}.txt")["train"]}
    for name in compose.phrase_names():
        parts = compose.read_phrase_file(compose.PHRASE_DIR / f"{name}.txt")
        assert parts["test"], name
        leaked = {p for p in parts["test"] if _key(p) in train_all}
        assert not leaked, (name, leaked)


def test_test_pages_use_no_train_marker_phrasing(pages: dict[str, list[dict]]) -> None:
    markers = {_norm(p) for name in ("read_also", "related_headers", "categories", "ads") for p in compose.phrases(name, "train")}
    for record in pages["test"]:
        for role, _, text in record["lines"]:
            if role in ("footer", "related"):
                assert _norm(text) not in markers, (record["id"], text)


def test_page_shape_proportions(pages: dict[str, list[dict]]) -> None:
    for split in compose.SPLITS:
        records = pages[split]
        n_articles = [max(a for _, a, _ in r["lines"]) + 1 for r in records]
        single = sum(n == 1 for n in n_articles) / len(records)
        assert 0.42 <= single <= 0.68, (split, single)
        listing = sum(r["source"] == "composed:listing_page" for r in records) / len(records)
        assert 0.04 <= listing <= 0.18, (split, listing)
        assert max(n_articles) <= 9
        no_headline = sum(not any(role == "headline" and a == 0 for role, a, _ in r["lines"]) for r in records) / len(records)
        assert 0.08 <= no_headline <= 0.45, (split, no_headline)
        roles = Counter(role for r in records for role, _, _ in r["lines"])
        assert set(roles) == ROLES, (split, roles)
        top = [r["lines"][0][0] for r in records]
        assert sum(role in ("footer", "related") for role in top) / len(top) > 0.35  # furniture on top


def _roles(lines: list[tuple[str, int, str]]) -> list[tuple[str, int]]:
    return [(r, a) for r, a, _ in lines if r != "blank"]


def test_hand_built_single_article_page(articles: list[SourceArticle]) -> None:
    ctx = compose.PageContext(Random(1), "train", {"sabq": [articles[1 * 40 + 4]]})
    b = compose.PageBuilder(ctx.rng, "all")
    b.add("footer", "الرئيسية | أخبار | رياضة")
    art = ctx.article()
    compose.render_article(ctx, b, art, compose.ArticleStyle(repeat_title=1, datelines=1, extras=False))
    b.add("footer", "المصدر: وكالات")
    got = _roles(b.lines)
    assert got[:4] == [("footer", 0), ("headline", 0), ("headline", 0), ("dateline", 0)]
    assert got[-1] == ("footer", 0)
    assert {r for r, _ in got[4:-1]} == {"body"} and len(got) == 4 + len(art.paragraphs) + 1
    assert b.lines[1][0] == "blank"


def test_hand_built_read_also_and_run_on_articles(articles: list[SourceArticle]) -> None:
    b = compose.PageBuilder(Random(2), "none")
    ctx = compose.PageContext(b.rng, "train", {"sabq": articles[40:80]})
    plain = compose.ArticleStyle(datelines=0, extras=False, max_paragraphs=2)
    compose.render_article(ctx, b, ctx.article(), plain)
    b.add("footer", "إقرأ أيضاً:")  # lone marker, a full article follows
    compose.render_article(ctx, b, ctx.article(), plain)
    compose.render_article(ctx, b, ctx.article(), compose.ArticleStyle(headline=False, datelines=1, extras=False))
    compose.related_list(ctx, b, k=(2, 2))
    got = _roles(b.lines)
    marker = got.index(("footer", 0))
    assert got[marker + 1] == ("headline", 1)
    third = [i for i, (_, a) in enumerate(got) if a == 2][0]
    assert got[third] == ("dateline", 2)  # no headline: its dateline opens the article
    assert got[-3:] == [("related", 2)] * 3


def test_hand_built_listing_and_truncation(articles: list[SourceArticle]) -> None:
    b = compose.PageBuilder(Random(3), "all")
    ctx = compose.PageContext(b.rng, "test", {"was": articles[200:240]})
    compose.listing_page(ctx, b)
    content = [(r, a) for r, a in _roles(b.lines) if r in CONTENT]
    starts = [content[i] for i in range(len(content)) if i == 0 or content[i][1] != content[i - 1][1]]
    assert len(starts) >= 3 and all(r in ("dateline", "body") for r, _ in starts)
    cut = compose.truncate(Random(0), b.lines)
    assert cut[-1][0] == "body" and len(cut) <= len(b.lines) and cut[-1][2] in b.lines[len(cut) - 1][2]


def test_corpus_leads_and_stamps_are_not_body() -> None:
    assert compose.paragraph_role(0, "عين اليوم – جدة") == "dateline"
    assert compose.paragraph_role(0, "الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس") == "dateline"
    assert compose.paragraph_role(5, "16:10 ت م") == "dateline"
    assert compose.paragraph_role(5, "// انتهى //") == "footer"
    assert compose.paragraph_role(0, "أعلن وزير المالية اليوم عن ميزانية جديدة للعام المقبل.") == "body"


def test_byline_dashes_of_every_spacing_and_the_tatweel_dash() -> None:
    for lead in ("جدة ـ عبدالغني الشريف", "أحمد البشيري-الباحة", "تبوك -واس", "دبي- الرياضية", "إبراهيم خلف ــ عين اليوم"):
        assert compose.paragraph_role(0, lead) == "dateline", lead
    # a tatweel inside a word only stretches it; a title with a dash in quotes; a closing prayer
    for text in ("ســيد حــكم", "انطلاق «هافينغتون بوست ـ عربي» اليوم", "الملك عبدالعزيز - رحمة الله -"):
        assert compose.paragraph_role(0, text) == "body", text


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="corpus not available")
def test_load_articles_reads_one_zip(tmp_path: Path) -> None:
    (tmp_path / "one.zip").symlink_to(sorted(DATA_DIR.glob("*.zip"))[-1])
    loaded = compose.load_articles(tmp_path)
    assert len(loaded) > 500
    assert all(a.paragraphs and all(p == p.strip() and p and "\n" not in p for p in a.paragraphs) for a in loaded)
    assert {a.source for a in loaded} & compose.TEST_OUTLETS


def test_posts_broken_over_lines_are_train_only_and_all_tweet(pages: dict[str, list[dict]]) -> None:
    """X posts whose text runs over several lines (seed 004's layout): train pages only."""

    def broken_posts(records: list[dict]) -> list[tuple[list, int]]:
        found = []
        for record in records:
            content = [line for line in record["lines"] if line[2].strip()]
            for k, (role, _, text) in enumerate(content):
                if "… pic.twitter.com/" in text:
                    found.append((content, k))
        return found

    train = broken_posts(pages["train"])
    assert train and not broken_posts(pages["test"])
    for content, k in train:
        assert content[k][0] == "tweet" and content[k - 1][0] == "tweet"
        assert content[k - 1][1] == content[k][1]


def test_title_echo_lines_are_train_only_footer_after_their_article(pages: dict[str, list[dict]]) -> None:
    """Share/print/source lines carrying the article's own title: train pages only, footer."""
    shapes = [re.compile(re.escape(e).replace(r"\{title\}", "(?P<title>.+)").replace(r"\{site\}", ".+")) for e in compose.TRAIN_TITLE_ECHOES]

    def echoes(records: list[dict]) -> list[tuple[dict, int, str]]:
        found = []
        for record in records:
            for k, (_, _, text) in enumerate(record["lines"]):
                for shape in shapes:
                    m = shape.fullmatch(text)
                    if m and "OUT" in m["title"]:
                        found.append((record, k, m["title"]))
                        break
        return found

    train = echoes(pages["train"])
    assert not echoes(pages["test"])
    assert len(train) >= 5, len(train)
    for record, k, title in train:
        role, article, _ = record["lines"][k]
        assert role == "footer"
        # it follows its own article: that article's headline, where it has one, is the title
        heads = [t for r, a, t in record["lines"][:k] if r == "headline" and a == article]
        assert not heads or title in heads, (heads, title)


def test_train_only_side_lines_leave_every_other_line_as_it_was(
    articles: list[SourceArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a side-stream line must not move the page's own draws (nor the next pages')."""
    with_echoes = list(compose.compose_pages(articles, 120, split="train", seed=11))
    monkeypatch.setattr(compose, "P_TRAIN_TITLE_ECHO", 0.0)
    without = list(compose.compose_pages(articles, 120, split="train", seed=11))
    changed = 0
    for a, b in zip(without, with_echoes):
        if a == b:
            continue
        changed += 1
        # the page's own lines are all there, in order and untouched; the rest is the additions
        extra, i = [], 0
        for line in b["lines"]:
            if i < len(a["lines"]) and line == a["lines"][i]:
                i += 1
            else:
                extra.append(line)
        assert i == len(a["lines"]), a["id"]
        assert {role for role, _, _ in extra} <= {"footer", "blank"}
        assert any(role == "footer" for role, _, _ in extra)
    assert changed >= 3
