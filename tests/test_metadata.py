"""Tests of segmenter.metadata: dates, sources, tags, bylines, posts, glued lines, seeds."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.assembly import assemble
from segmenter.metadata import (
    Byline,
    GREGORIAN_MONTHS,
    HIJRI_MONTHS,
    MAX_YEAR,
    MIN_YEAR,
    enrich_article,
    evaluate_glued,
    parse_byline,
    parse_date,
    parse_source_line,
    parse_tags_line,
    parse_tweet,
    posts_from_lines,
    split_glued,
)
from segmenter.types import Article, Line, Role

ROOT = Path(__file__).resolve().parent.parent
GLUED_FIXTURE = ROOT / "fixtures" / "glued-lines.jsonl"
SEEDS_GOLD = ROOT.parent / "shared" / "data" / "seeds-gold.jsonl"
REFERENCE = datetime.date(2024, 7, 11)  # a Thursday

# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

DATE_CASES = [
    # (text, iso, raw, calendar)
    ("تاريخ النشر: 11th, July 2024 GMT", "2024-07-11", "11th, July 2024 GMT", "gregorian"),
    ("تاريخ النشر: 1st, February 2024 GMT", "2024-02-01", "1st, February 2024 GMT", "gregorian"),
    ("تاريخ النشر: 5th, November 2024 GMT", "2024-11-05", "5th, November 2024 GMT", "gregorian"),
    ("اليوم الجمعة (26 كانون الثاني 2024)", "2024-01-26", "26 كانون الثاني 2024", "gregorian"),
    ("آخر تحديث: 11 يوليوز 2024 - 2:08 م", "2024-07-11T14:08", "11 يوليوز 2024 - 2:08 م", "gregorian"),
    ("— Rojnews بالعربية (@rojnewsarabi) September 30, 2024", "2024-09-30", "September 30, 2024", "gregorian"),
    ("Sep 30, 2024", "2024-09-30", "Sep 30, 2024", "gregorian"),
    ("نشر في 2024-07-11", "2024-07-11", "2024-07-11", "gregorian"),
    ("2024-07-11T14:08:00", "2024-07-11T14:08", "2024-07-11T14:08:00", "gregorian"),
    # Levantine / Iraqi month names
    ("(20 تشرين الثاني 2024)", "2024-11-20", "20 تشرين الثاني 2024", "gregorian"),
    ("1 تشرين الأول 2023", "2023-10-01", "1 تشرين الأول 2023", "gregorian"),
    ("31 كانون الأول 2023", "2023-12-31", "31 كانون الأول 2023", "gregorian"),
    ("3 شباط 2024", "2024-02-03", "3 شباط 2024", "gregorian"),
    ("15 آذار 2024", "2024-03-15", "15 آذار 2024", "gregorian"),
    ("2 نيسان 2024", "2024-04-02", "2 نيسان 2024", "gregorian"),
    ("9 أيار 2024", "2024-05-09", "9 أيار 2024", "gregorian"),
    ("19 حزيران 2024", "2024-06-19", "19 حزيران 2024", "gregorian"),
    ("11 تموز 2024", "2024-07-11", "11 تموز 2024", "gregorian"),
    ("14 آب 2024", "2024-08-14", "14 آب 2024", "gregorian"),
    ("10 أيلول 2024", "2024-09-10", "10 أيلول 2024", "gregorian"),
    # Egyptian / Gulf names and spelling variants
    ("الخميس 11 يناير 2024", "2024-01-11", "11 يناير 2024", "gregorian"),
    ("3 أبريل 2024", "2024-04-03", "3 أبريل 2024", "gregorian"),
    ("3 ابريل 2024", "2024-04-03", "3 ابريل 2024", "gregorian"),
    ("3 إبريل 2024", "2024-04-03", "3 إبريل 2024", "gregorian"),
    ("5 يونيه 2024", "2024-06-05", "5 يونيه 2024", "gregorian"),
    ("5 يوليه 2024", "2024-07-05", "5 يوليه 2024", "gregorian"),
    ("20 اغسطس 2024", "2024-08-20", "20 اغسطس 2024", "gregorian"),
    ("20 أغسطس 2024", "2024-08-20", "20 أغسطس 2024", "gregorian"),
    ("1 ديسمبر 2024م", "2024-12-01", "1 ديسمبر 2024م", "gregorian"),
    # Maghrebi
    ("3 ماي 2024", "2024-05-03", "3 ماي 2024", "gregorian"),
    ("8 غشت 2024", "2024-08-08", "8 غشت 2024", "gregorian"),
    ("8 شتنبر 2024", "2024-09-08", "8 شتنبر 2024", "gregorian"),
    ("8 نونبر 2024", "2024-11-08", "8 نونبر 2024", "gregorian"),
    ("8 دجنبر 2024", "2024-12-08", "8 دجنبر 2024", "gregorian"),
    # Algerian / Tunisian
    ("15 جانفي 2024", "2024-01-15", "15 جانفي 2024", "gregorian"),
    ("15 فيفري 2024", "2024-02-15", "15 فيفري 2024", "gregorian"),
    ("15 أفريل 2024", "2024-04-15", "15 أفريل 2024", "gregorian"),
    ("15 جوان 2024", "2024-06-15", "15 جوان 2024", "gregorian"),
    ("15 جويلية 2024", "2024-07-15", "15 جويلية 2024", "gregorian"),
    ("15 أوت 2024", "2024-08-15", "15 أوت 2024", "gregorian"),
    # double names, Arabic-Indic digits, commas, tatweel, diacritics
    ("7 أكتوبر (تشرين الأول) 2023", "2023-10-07", "7 أكتوبر (تشرين الأول) 2023", "gregorian"),
    ("11 يوليو/تموز 2024", "2024-07-11", "11 يوليو/تموز 2024", "gregorian"),
    ("١١ يوليو ٢٠٢٤", "2024-07-11", "١١ يوليو ٢٠٢٤", "gregorian"),
    ("۱۱ يوليو ۲۰۲۴", "2024-07-11", "۱۱ يوليو ۲۰۲۴", "gregorian"),
    ("نشر في 3 أبريل، 2023", "2023-04-03", "3 أبريل، 2023", "gregorian"),
    ("11 يوليـــو 2024", "2024-07-11", "11 يوليـــو 2024", "gregorian"),
    ("11 يُولْيُو 2024", "2024-07-11", "11 يُولْيُو 2024", "gregorian"),
    # times
    ("نشر في 3 أبريل 2023 - 10:30 ص", "2023-04-03T10:30", "3 أبريل 2023 - 10:30 ص", "gregorian"),
    ("الخميس، 11 يوليو 2024 - 02:08 مساءً", "2024-07-11T14:08", "11 يوليو 2024 - 02:08 مساءً", "gregorian"),
    ("11 يوليو 2024 12:15 ص", "2024-07-11T00:15", "11 يوليو 2024 12:15 ص", "gregorian"),
    ("11 يوليو 2024 الساعة 18:40", "2024-07-11T18:40", "11 يوليو 2024 الساعة 18:40", "gregorian"),
    ("14:08 - 11 يوليو 2024", "2024-07-11T14:08", "14:08 - 11 يوليو 2024", "gregorian"),
    ("٢:٠٨ م ١١ يوليو ٢٠٢٤", "2024-07-11T14:08", "٢:٠٨ م ١١ يوليو ٢٠٢٤", "gregorian"),
    ("Published: July 11, 2024 at 2:08 PM", "2024-07-11T14:08", "July 11, 2024 at 2:08 PM", "gregorian"),
    # labels
    ("آخر تحديث: 12 مارس 2024", "2024-03-12", "12 مارس 2024", "gregorian"),
    ("تاريخ النشر: 12 مارس 2024", "2024-03-12", "12 مارس 2024", "gregorian"),
    ("نشر في 12 مارس 2024", "2024-03-12", "12 مارس 2024", "gregorian"),
    # numeric, unambiguous only
    ("25/12/2024", "2024-12-25", "25/12/2024", "gregorian"),
    ("12/25/2024", "2024-12-25", "12/25/2024", "gregorian"),
    ("05-05-2024", "2024-05-05", "05-05-2024", "gregorian"),
    ("2024/07/11", "2024-07-11", "2024/07/11", "gregorian"),
    # Hijri, converted with the Umm al-Qura calendar
    ("5 محرم 1446 هـ", "2024-07-11", "5 محرم 1446 هـ", "hijri"),
    ("1 رمضان 1445", "2024-03-11", "1 رمضان 1445", "hijri"),
    ("10 ذو الحجة 1445 هـ", "2024-06-16", "10 ذو الحجة 1445 هـ", "hijri"),
    ("12 ربيع الأول 1446", "2024-09-15", "12 ربيع الأول 1446", "hijri"),
    # Gregorian preferred when both calendars are given
    ("5 محرم 1446 هـ الموافق 11 يوليو 2024م", "2024-07-11", "11 يوليو 2024م", "gregorian"),
]


@pytest.mark.parametrize(("text", "iso", "raw", "calendar"), DATE_CASES)
def test_parse_date_formats(text: str, iso: str, raw: str, calendar: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None, text
    assert (parsed.iso, parsed.raw, parsed.calendar) == (iso, raw, calendar)
    assert parsed.raw in text


UNPARSED = [
    "03/04/2024",  # day/month order unknown
    "11/07/2024",
    "30 فبراير 2024",  # impossible day
    "يوليو 2024",  # no day
    "11 يوليو",  # no year
    "11 يوليو 1850",  # out of range
    "11 يوليو 2150",
    "11 يوليو/آب 2024",  # contradicting double name
    "بغداد اليوم - بغداد",  # "اليوم" in an agency name is not a date
    "استهدفت 3 صواريخ قاعدة في 7 أكتوبر (تشرين الأول) الماضي",
    "1 محرم 1200",  # Hijri year outside the converter's range
    "30 شعبان 1445",  # Sha'ban 1445 has 29 days
    "",
]


@pytest.mark.parametrize("text", UNPARSED)
def test_parse_date_refuses_ambiguous_or_impossible(text: str) -> None:
    assert parse_date(text, reference=REFERENCE) is None


def test_twelve_hour_time_without_marker_is_left_out() -> None:
    parsed = parse_date("11 يوليو 2024 - 2:08")
    assert parsed is not None and parsed.iso == "2024-07-11" and parsed.raw == "11 يوليو 2024"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("امس الأربعاء", "2024-07-10"),
        ("أفاد المرصد السوري، امس الأربعاء، بأن", "2024-07-10"),
        ("أعلن الوزير اليوم الخميس أن", "2024-07-11"),
        ("إلتقينا صباح اليوم السفير", "2024-07-11"),
        ("أول أمس", "2024-07-09"),
        ("yesterday", "2024-07-10"),
    ],
)
def test_relative_days_need_a_reference(text: str, iso: str) -> None:
    assert parse_date(text) is None
    parsed = parse_date(text, reference=REFERENCE)
    assert parsed is not None and parsed.iso == iso


def test_relative_day_with_contradicting_weekday_is_dropped() -> None:
    assert parse_date("فجر اليوم الثلاثاء", reference=REFERENCE) is None


def test_absolute_date_beats_relative_word() -> None:
    parsed = parse_date("اليوم الجمعة (26 كانون الثاني 2024)", reference=REFERENCE)
    assert parsed is not None and parsed.iso == "2024-01-26"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parse_date_never_raises_on_arbitrary_text(text: str) -> None:
    parsed = parse_date(text, reference=REFERENCE)
    if parsed is not None:
        assert MIN_YEAR <= int(parsed.iso[:4]) <= MAX_YEAR
        assert parsed.raw in text


_MONTH_NAMES = sorted(GREGORIAN_MONTHS) + sorted(HIJRI_MONTHS)


@settings(max_examples=300, deadline=None)
@given(
    day=st.integers(min_value=-5, max_value=40),
    month=st.sampled_from(_MONTH_NAMES),
    year=st.integers(min_value=0, max_value=9999),
    numeric_month=st.integers(min_value=0, max_value=14),
    sep=st.sampled_from([" ", "/", "-", "، ", ", "]),
)
def test_parse_date_years_stay_in_range(day: int, month: str, year: int, numeric_month: int, sep: str) -> None:
    for text in (f"{day} {month} {year}", f"{month} {day}, {year}", f"{day}{sep}{numeric_month}{sep}{year}",
                 f"{year}-{numeric_month}-{day}", f"{day} {month} {year} هـ"):
        parsed = parse_date(text)
        if parsed is not None:
            assert MIN_YEAR <= int(parsed.iso[:4]) <= MAX_YEAR
            datetime.date.fromisoformat(parsed.iso[:10])


# ---------------------------------------------------------------------------
# Source, tags, bylines, posts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("المصدر: وكالة بغداد اليوم", "وكالة بغداد اليوم"),
        ("المصدر: المرصد السوري", "المرصد السوري"),
        ("المصدر: البوابة نيوز", "البوابة نيوز"),
        ("المصدر : «الشرق الأوسط»", "الشرق الأوسط"),
        ("مصدر الخبر: رويترز", "رويترز"),
        ("Source: Reuters", "Reuters"),
        ("نقلاً عن سكاي نيوز عربية", "سكاي نيوز عربية"),
        ("المصدر أكد أن الاجتماع سيعقد غدا", None),
        ("وقال المصدر: إن الاجتماع سيعقد غدا، بحضور جميع الأطراف المعنية", None),
        ("كلمات دلالية: بین العراق", None),
    ],
)
def test_parse_source_line(text: str, source: str | None) -> None:
    assert parse_source_line(text) == source


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("كلمات دلالية: بین العراق", ["بین العراق"]),
        ("كلمات دلالية: العراق، فرنسا، التحالف الدولي", ["العراق", "فرنسا", "التحالف الدولي"]),
        ("الوسوم: العراق | فرنسا | كوفيد-19", ["العراق", "فرنسا", "كوفيد-19"]),
        ("Tags: Iraq, France", ["Iraq", "France"]),
        ("كلمات مفتاحية: سياسة - اقتصاد", ["سياسة", "اقتصاد"]),
        ("كلمات دلالية: سياسة/اقتصاد", ["سياسة", "اقتصاد"]),
        ("كلمات دلالية:", []),
        ("المصدر: وكالة بغداد اليوم", None),
        (
            "كلمات دلالية: التزام أمريكي الحكومة العراقية تنظیم داعش الإرهابی الحکومة العراقیة "
            "الأمنیة العراقیة التحالف الدولی علاقات ثنائیة ثنائیة مع فی العراق",
            ["التزام أمريكي", "الحكومة العراقية", "تنظیم داعش الإرهابی", "الحکومة العراقیة",
             "الأمنیة العراقیة", "التحالف الدولی", "علاقات ثنائیة", "ثنائیة مع", "فی العراق"],
        ),
    ],
)
def test_parse_tags_line(text: str, tags: list[str] | None) -> None:
    assert parse_tags_line(text) == tags


@pytest.mark.parametrize(
    ("text", "byline"),
    [
        ("بغداد اليوم - بغداد", Byline(agency="بغداد اليوم", place="بغداد")),
        ("بغداد اليوم- بغداد", Byline(agency="بغداد اليوم", place="بغداد")),
        ("بغداد اليوم -", Byline(agency="بغداد اليوم")),
        ("جنيف : (رويترز)", Byline(agency="رويترز", place="جنيف")),
        ("الرياض - الوئام :", Byline(agency="الوئام", place="الرياض")),
        ("كتب : محمد علي", Byline(author="محمد علي")),
        ("بقلم: أحمد حسن - القاهرة", Byline(author="أحمد حسن", place="القاهرة")),
        ("لندن: «الشرق الأوسط»", Byline(agency="الشرق الأوسط", place="لندن")),
        ("الرياض - واس", Byline(agency="واس", place="الرياض")),
        ("\xa0عكاظ (جدة)", Byline(agency="عكاظ", place="جدة")),
        ("دمشق-سانا", Byline(agency="سانا", place="دمشق")),
        ("بغداد- ميل", Byline(agency="ميل", place="بغداد")),
        ("سوريا – أفاد المرصد السوري، امس الأربعاء، بأن التعزيزات", Byline(place="سوريا")),
        ("الرياض - واس: أعلن وزير الصحة اليوم عن حملة", Byline(agency="واس", place="الرياض")),
        ("واشنطن (رويترز) - قال مسؤولون إن", Byline(agency="رويترز", place="واشنطن")),
        ("آخر تحديث: 11 يوليوز 2024 - 2:08 م\xa0بغداد/ شبكة أخبار العراق-",
         Byline(agency="شبكة أخبار العراق", place="بغداد")),
        ("تاريخ النشر: 11th, July 2024 GMT", None),
        ("إقرأ أيضاً:", None),
        ("المصدر: وكالة بغداد اليوم", None),
        ("أكد وزير الخارجية - في بيان - أن", None),
        ("فلان الفلاني - علان", None),
    ],
)
def test_parse_byline(text: str, byline: Byline | None) -> None:
    assert parse_byline(text) == byline


def test_parse_tweet_with_signature() -> None:
    tweet = parse_tweet([
        "????قصف صاروخي يستهدف قاعدة عسكرية في مطار بغداد الدولي",
        "",
        "التفاصيل???? https://t.co/YVtNkEXSil#روج_نيوز pic.twitter.com/iomVGnjvyp",
        "— Rojnews بالعربية (@rojnewsarabi) September 30, 2024",
    ])
    assert tweet.text == "????قصف صاروخي يستهدف قاعدة عسكرية في مطار بغداد الدولي\nالتفاصيل???? #روج_نيوز"
    assert tweet.links == ["https://t.co/YVtNkEXSil", "pic.twitter.com/iomVGnjvyp"]
    assert (tweet.author, tweet.handle) == ("Rojnews بالعربية", "rojnewsarabi")
    assert (tweet.date_raw, tweet.published) == ("September 30, 2024", "2024-09-30")
    assert len(tweet.lines) == 3


def test_parse_tweet_other_platforms() -> None:
    insta = parse_tweet([
        "View this post on Instagram",
        "صورة من حفل الافتتاح https://www.instagram.com/p/C8abc123/",
        "A post shared by Museum of the Future (@museumofthefuture)",
    ])
    assert insta.text == "صورة من حفل الافتتاح"
    assert insta.links == ["https://www.instagram.com/p/C8abc123/"]
    assert (insta.author, insta.handle) == ("Museum of the Future", "museumofthefuture")
    video = parse_tweet(["شاهد الفيديو https://youtu.be/dQw4w9WgXcQ", "Watch on YouTube"])
    assert video.text == "شاهد الفيديو" and video.links == ["https://youtu.be/dQw4w9WgXcQ"]
    x_post = parse_tweet(["نص المنشور https://x.com/user/status/123.", "— Someone (@some_one) Sep 30, 2024"])
    assert x_post.links == ["https://x.com/user/status/123"] and x_post.published == "2024-09-30"


# ---------------------------------------------------------------------------
# Glued lines
# ---------------------------------------------------------------------------

def test_split_glued_seed_lines() -> None:
    seed_002 = "آخر تحديث: 11 يوليوز 2024 - 2:08 م\xa0بغداد/ شبكة أخبار العراق-أكد رئيس تحالف قوى الدولة ، عمار الطباطبائي، اليوم"
    assert seed_002[split_glued(seed_002):].startswith("أكد رئيس")
    seed_004 = "القوات الفرنسية ودعم العراقفي إطار العلاقات الثنائية، أشاد الفريق أول قيس المحمداوي نائب قائد"
    assert seed_004[: split_glued(seed_004)] == "القوات الفرنسية ودعم العراق"
    assert split_glued("الرياض - واس: أعلن وزير الصحة السعودي اليوم عن إطلاق حملة وطنية للتطعيم") is None
    assert split_glued("تاريخ النشر: 11th, July 2024 GMT") is None


def test_glued_fixture_is_well_formed() -> None:
    records = [json.loads(line) for line in GLUED_FIXTURE.read_text(encoding="utf-8").splitlines() if line]
    assert len(records) >= 40
    kinds = {r["kind"] for r in records}
    assert kinds == {"dateline", "subheading", "none"}
    for r in records:
        assert (r["split"] is None) == (r["kind"] == "none")
        if r["split"] is not None:
            assert 0 < r["split"] < len(r["text"])


def test_glued_fixture_score_floor() -> None:
    # measured: exact 0.975 (79/81), precision 1.0, recall 0.953 (41/43)
    scores = evaluate_glued(GLUED_FIXTURE)
    assert scores["exact"] >= 0.95
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.9


# ---------------------------------------------------------------------------
# Seed pages with gold roles
# ---------------------------------------------------------------------------

def _seed_record(page_id: str) -> dict:
    for raw in SEEDS_GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        if record["id"] == page_id:
            return record
    raise AssertionError(page_id)


def _seed_articles(page_id: str) -> list[tuple[Article, list[Line]]]:
    """Gold lines of a seed page grouped into articles, as the assembly stage would."""
    record = _seed_record(page_id)
    lines, pos = [], 0
    for role, index, text in record["lines"]:
        lines.append(Line(text, Role(role), index, pos, pos + len(text)))
        pos += len(text) + 1
    page = assemble(lines)
    out = [(article, [page.lines[i] for i in article.line_numbers]) for article in page.articles]
    return out


def _enriched(page_id: str, reference: datetime.date | None = None) -> list[Article]:
    articles = _seed_articles(page_id)
    for article, lines in articles:
        texts = [line.text for line in lines]
        enrich_article(article, lines, reference=reference)
        assert [line.text for line in lines] == texts  # line texts untouched
    return [article for article, _ in articles]


needs_seeds = pytest.mark.skipif(not SEEDS_GOLD.exists(), reason="shared seeds not present")


def _meta(article: Article) -> tuple:
    return (article.published, article.published_raw, article.source, article.tags,
            article.agency, article.place, article.author)


@needs_seeds
def test_seed_000() -> None:
    first, second = _enriched("seed-000")
    assert _meta(first) == ("2024-07-11", "11th, July 2024 GMT", "وكالة بغداد اليوم", [],
                            "بغداد اليوم", None, None)
    assert _meta(second) == (None, None, "المرصد السوري", [], None, "سوريا", None)
    assert first.tweets == [] and second.tweets == []
    _, second = _enriched("seed-000", reference=REFERENCE)
    assert (second.published, second.published_raw) == ("2024-07-10", "امس الأربعاء")


@needs_seeds
def test_seed_001() -> None:
    first, second = _enriched("seed-001")
    assert _meta(first) == ("2024-01-26", "26 كانون الثاني 2024", "وكالة بغداد اليوم", ["بین العراق"],
                            "بغداد اليوم", "بغداد", None)
    assert _meta(second) == (None, None, None, [], None, None, None)
    assert len(second.tweets) == 1
    tweet = second.tweets[0]
    assert tweet.text == "????قصف صاروخي يستهدف قاعدة عسكرية في مطار بغداد الدولي\nالتفاصيل???? #روج_نيوز"
    assert tweet.links == ["https://t.co/YVtNkEXSil", "pic.twitter.com/iomVGnjvyp"]
    assert (tweet.author, tweet.handle, tweet.date_raw, tweet.published) == (
        "Rojnews بالعربية", "rojnewsarabi", "September 30, 2024", "2024-09-30")
    assert all("t.co" not in p for p in second.paragraphs)


@needs_seeds
def test_seed_002_glued_dateline() -> None:
    first, second = _enriched("seed-002")
    assert first.datelines == ["آخر تحديث: 11 يوليوز 2024 - 2:08 م\xa0بغداد/ شبكة أخبار العراق-"]
    assert first.paragraphs[0].startswith("أكد رئيس تحالف قوى الدولة")
    assert len(first.paragraphs) == 2
    # the split is kept as an offset into the original line: nothing is lost
    ((line_start, offset, kind),) = first.splits
    assert kind == "dateline"
    page_text = "\n".join(t for _, _, t in _seed_record("seed-002")["lines"])
    line_text = page_text[line_start:].split("\n", 1)[0]
    assert line_text[:offset].strip() == first.datelines[0]
    assert line_text[offset:].strip() == first.paragraphs[0]
    assert _meta(first) == ("2024-07-11T14:08", "11 يوليوز 2024 - 2:08 م", "شبكة اخبار العراق", [],
                            "شبكة أخبار العراق", "بغداد", None)
    assert _meta(second) == (None, None, None, [], None, None, None)


@needs_seeds
def test_seed_003() -> None:
    first, second = _enriched("seed-003")
    assert _meta(first) == ("2024-02-01", "1st, February 2024 GMT", "وكالة بغداد اليوم", [],
                            "بغداد اليوم", "بغداد", None)
    assert _meta(second) == ("2024-11-20", "20 تشرين الثاني 2024", None, [], "بغداد اليوم", "بغداد", None)


@needs_seeds
def test_seed_004() -> None:
    first, second = _enriched("seed-004")
    assert _meta(first) == (
        "2024-11-05", "5th, November 2024 GMT", "البوابة نيوز",
        ["التزام أمريكي", "الحكومة العراقية", "تنظیم داعش الإرهابی", "الحکومة العراقیة",
         "الأمنیة العراقیة", "التحالف الدولی", "علاقات ثنائیة", "ثنائیة مع", "فی العراق"],
        None, None, None)
    # the glued subheading became its own paragraph, the rest is untouched
    i = first.paragraphs.index("القوات الفرنسية ودعم العراق")
    assert first.paragraphs[i + 1].startswith("في إطار العلاقات الثنائية")
    assert len(first.paragraphs) == 14
    assert _meta(second) == (None, None, None, [], None, None, None)
    assert len(second.tweets) == 1
    tweet = second.tweets[0]
    assert tweet.links == ["pic.twitter.com/6hFEZUKIX2"]
    assert tweet.text.splitlines()[0] == "◀️فيديو متداول يظهر إنشاء قاعدة جديدة للتحالف الدولي في ريف حلب شمال سوريا"
    assert tweet.text.endswith("دخلت عشرات الشاحنات المحملة بمعدات…")
    assert len(tweet.lines) == 3 and tweet.author is None and tweet.published is None


def test_tweets_are_split_at_signatures() -> None:
    def line(text: str, role: Role) -> Line:
        return Line(text, role, 0, 0, len(text))
    lines = [
        line("نص", Role.BODY),
        line("المنشور الأول", Role.TWEET),
        line("— A (@a) May 1, 2024", Role.TWEET),
        line("", Role.BLANK),
        line("المنشور الثاني pic.twitter.com/xyz", Role.TWEET),
        line("— B (@b) May 2, 2024", Role.TWEET),
        line("نص آخر", Role.BODY),
        line("منشور ثالث بلا توقيع", Role.TWEET),
    ]
    assert [(t.text, t.handle, t.published) for t in posts_from_lines(lines)] == [
        ("المنشور الأول", "a", "2024-05-01"),
        ("المنشور الثاني", "b", "2024-05-02"),
        ("منشور ثالث بلا توقيع", None, None),
    ]


def test_metadata_reads_a_bounded_opening_of_huge_lines() -> None:
    """A 1 MB dateline costs what its opening costs: results depend only on the prefix."""
    from segmenter.metadata import MAX_SCAN_CHARS

    for unit in ("تاريخ النشر: 11 يوليو 2024 ", "كتب: ", "!"):
        huge = unit * (1_000_000 // len(unit))
        prefix = huge[: 4 * MAX_SCAN_CHARS]
        assert parse_byline(huge) == parse_byline(prefix)
        assert split_glued(huge) == split_glued(prefix)


_MESSY = st.sampled_from(list("abcΣİ ًٌَُِّْـ\u200b\u200f\u00a0\ufeff\u3000ﻻأإآىةیک٠١\t-–—،"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(_MESSY)))
def test_fast_normalisation_equals_the_character_walk(text: str) -> None:
    from segmenter.metadata import _normalize_slow, _normalize_with_map

    norm, index = _normalize_with_map(text)
    assert (norm, list(index)) == _normalize_slow(text)


_GLUE_TEXT = st.lists(
    st.sampled_from(["في", "وفي", "من", "على", "وقال", "أكد", "العراق", "اقتصادي", "x", "ال", " ", "  ", "\u00a0", "ً", "3"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_GLUE_TEXT, st.text(_MESSY)), st.integers(min_value=0, max_value=200))
def test_glued_tokens_are_the_pattern_s_matches(text: str, end: int) -> None:
    """The word-gated scan finds exactly what scanning with the pattern finds."""
    from segmenter.metadata import GLUED_TOKEN_RE, _glued_tokens, _normalize_with_map

    norm, _ = _normalize_with_map(text)
    end = min(end, len(norm))
    spans = lambda matches: [(m.span("head"), m.span("opener")) for m in matches]  # noqa: E731
    assert spans(_glued_tokens(norm, end)) == spans(GLUED_TOKEN_RE.finditer(norm, 0, end))
