"""Features: normalisation, cue lexicons, date/tweet/byline shapes, context, purity."""

from __future__ import annotations

import re

import numpy as np
import pytest

from segmenter import lexicons
from segmenter.features import line_view, normalize, page_features, tokens_of
from segmenter.tagging import LABELS
from segmenter.types import SegmenterError


def own(text: str) -> set[str]:
    return set(line_view(text).own)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("إقرأ أيضاً", "اقرا ايضا"),
        ("العـــراق", "العراق"),
        ("كلمات دلالية: تنظیم الحکومة", "كلمات دلاليه: تنظيم الحكومه"),
        ("٢٠٢٤", "2024"),
        ("a\u00a0b\u200fc", "a bc"),
        ("مؤتمر رئيس مستشفى", "موتمر رييس مستشفي"),
        ("READ", "read"),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize(raw) == normalized


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("المصدر: وكالة بغداد اليوم", "cue:source@start"),
        ("المصدر : وكالات", "cue:source@start"),
        ("كلمات دلالية: بین العراق", "cue:tags@start"),
        ("الوسوم: العراق، سوريا", "cue:tags@start"),
        ("إقرأ أيضاً:", "cue:read_also@start"),
        ("اقرأ ايضا", "cue:read_also@start"),
        ("مقالات مشابهة", "cue:related_header@start"),
        ("الأكثر قراءة", "cue:related_header@start"),
        ("تابع أحدث الأخبار عبر تطبيق", "cue:promo@start"),
        ("انضم لقناتنا على تيليجرام", "cue:promo@start"),
        ("جميع الحقوق محفوظة © 2024", "cue:copyright@start"),
        ("جميع الحقوق محفوظة © 2024", "copyright_sign"),
        ("الرئيسية | أخبار | رياضة | اقتصاد", "many_separators"),
        ("تاريخ النشر: 11th, July 2024 GMT", "date:months_english"),
        ("تاريخ النشر: 11th, July 2024 GMT", "date:ordinal"),
        ("تاريخ النشر: 11th, July 2024 GMT", "date:gmt"),
        ("تاريخ النشر: 11th, July 2024 GMT", "cue:dateline_prefix@start"),
        ("الجمعة 26 كانون الثاني 2024", "date:months_levantine"),
        ("11 يوليوز 2024 - 2:08 م", "date:months_maghrebi"),
        ("11 يوليوز 2024 - 2:08 م", "date:time"),
        ("5 جانفي 2024", "date:months_maghrebi"),
        ("3 مارس ٢٠٢٤", "date:months_egyptian"),
        ("3 مارس ٢٠٢٤", "digits"),
        ("15 رمضان 1445 هـ", "date:hijri"),
        ("— Rojnews بالعربية (@rojnewsarabi) September 30, 2024", "tweet:signature"),
        ("التفاصيل https://t.co/YVtNkEXSil pic.twitter.com/iomVGnjvyp", "tweet:link"),
        ("????قصف صاروخي يستهدف قاعدة", "mojibake"),
        ("◀️فيديو متداول", "emoji"),
        ("  • الحكيم يثمّن قرار الحكومة", "bullet"),
        ("بغداد اليوم - بغداد", "byline:sep_shape"),
        ("دمشق-سانا", "cue:agencies"),
        ("كتب : محمد علي", "cue:byline_prefix@start"),
        ("عكاظ (جدة)", "byline:paren_place"),
    ],
)
def test_cues_and_shapes(text: str, feature: str) -> None:
    assert feature in own(text)


def test_month_names_need_a_number_nearby() -> None:
    assert "date:months_egyptian" not in own("مارس الرجل الرياضة طويلا")
    assert "date:months_egyptian" in own("في 3 مارس الماضي")


def test_body_line_has_no_furniture_cues_in_the_middle() -> None:
    body = (
        "قالت الحكومة البريطانية الإثنين إن عددا كبيرا من البلدان أعرب عن استعداده لإرسال قوات "
        "لضمان وقف محتمل لإطلاق النار في أوكرانيا وفق المصدر الذي تحدث لوكالة الأنباء في العاصمة "
        "لندن مساء اليوم بعد اجتماع طويل."
    )
    feats = own(body)
    assert "long" in feats and "end:period" in feats
    assert not any(f.startswith("cue:source") for f in feats)


def test_page_features_one_list_per_non_blank_line_with_context() -> None:
    lines = ["عنوان الخبر", "", "نص طويل " * 12 + ".", "إقرأ أيضاً:", "عنوان آخر", "نص " * 20 + "."]
    feats = page_features(lines)
    assert len(feats) == 5
    assert "blank_after:1" in feats[0]
    assert "-1:__edge__" in feats[0] and "+1:long" in feats[0]
    assert "ctx:after_read_also" in feats[3]
    assert "ctx:since_read_also:1" in feats[3]
    assert "ctx:long_before:1" in feats[3]


def test_repeated_titles_are_marked() -> None:
    feats = page_features(["عنوان مكرر هنا", "عنوان مكرر هنا", "نص " * 20 + "."])
    assert "dup:later" in feats[0]
    assert "dup:earlier" in feats[1] and "dup:near" in feats[1]


def test_paragraph_similarity_features_tell_a_story_going_on_from_a_new_one() -> None:
    story = "أعلنت وزارة الصحة السعودية اليوم تسجيل حالات جديدة بفيروس كورونا في منطقة الرياض والمدينة المنورة وجدة"
    going_on = "وأوضحت وزارة الصحة أن الحالات الجديدة بفيروس كورونا سجلت في الرياض وجدة خلال الأسبوع الماضي بحسب البيان"
    new_story = "فاز فريق الهلال على ضيفه النصر بثلاثة أهداف مقابل هدف واحد في المباراة التي جمعتهما مساء أمس بالدوري"
    same = page_features([story, going_on])[1]
    other = page_features([story, new_story])[1]
    assert "coh_pjac:0" in other and not any(f.startswith("coh_pjac:0") for f in same)
    # across a short line, the paragraphs on either side are compared as well
    across = page_features([story, "عنوان فرعي قصير", going_on])[1]
    assert any(f.startswith("coh_xjac:") and f != "coh_xjac:0" for f in across)


def test_a_title_shown_inside_another_line_is_marked_on_both() -> None:
    feats = page_features(
        ["سكاي نيوز عربية | خادم الحرمين يشيد بتميز العلاقات", "الدخول", "خادم الحرمين يشيد بتميز العلاقات", "نص " * 20]
    )
    assert "dup:holds_other" in feats[0] and "dup:part_of_other" in feats[2]
    assert not any(f.startswith(("dup:part", "dup:holds")) for f in feats[1] + feats[3])
    # whole words only, and two-word lines are too common to count
    feats = page_features(["خادم الحرمينين يشيد", "خادم الحرمين", "نص " * 20])
    assert not any(f.startswith(("dup:part", "dup:holds")) for line in feats for f in line)


def test_which_way_a_title_echo_points_tells_a_browser_title_from_a_share_line() -> None:
    title = "خادم الحرمين يشيد بتميز العلاقات"
    browser, headline, body, share = page_features(["سكاي نيوز عربية | " + title, title, "نص " * 20, "شارك الخبر: " + title])
    # the browser title holds a title that comes after it, the share line one that came before
    assert "dup:holds_later" in browser and "dup:holds_earlier" not in browser
    assert "dup:holds_earlier" in share and "dup:holds_later" not in share
    assert {"dup:part_of_later", "dup:part_of_earlier", "dup:part_of_other"} <= set(headline)
    assert not any(f.startswith("dup:") for f in body)


def test_page_features_is_pure() -> None:
    lines = ["المصدر: رويترز", "نص " * 30 + ".", ""]
    assert page_features(lines) == page_features(list(lines))


def test_empty_page_has_no_features() -> None:
    assert page_features([""]) == []


def test_tokens_drop_punctuation() -> None:
    assert tokens_of(normalize("«الشرق الأوسط»: خبر!")) == ["الشرق", "الاوسط", "خبر"]


def test_lexicons_load_by_name_and_unknown_names_list_the_known_ones() -> None:
    assert "المصدر" in lexicons.load("source")
    with pytest.raises(SegmenterError, match="known lexicons: .*source"):
        lexicons.load("no_such_list")


def test_every_lexicon_phrase_matches_itself() -> None:
    """A phrase a normalisation change would make unmatchable is a silent bug."""
    from segmenter.features import PHRASE_LEXICONS

    for name in PHRASE_LEXICONS:
        for phrase in lexicons.load(name):
            feats = own(phrase)
            assert f"cue:{name}@start" in feats, (name, phrase)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة", "open:lede"),
        ("وأضاف أن الوزارة ستواصل العمل على ذلك", "open:continuation"),
        ("من جهته قال المتحدث إن الأمر طبيعي", "open:continuation"),
        ("يُذكر أنّ المشروع بدأ قبل عامين", "open:continuation"),
        ("السلام عليكم ورحمة الله وبركاته جميعا", None),
        ("أعلن", None),  # too short to be a paragraph opening
    ],
)
def test_paragraph_openers(text: str, expected: str | None) -> None:
    feats = own(text)
    found = {f for f in feats if f.startswith("open:")}
    assert found == ({expected} if expected else set())


def test_every_opener_phrase_is_recognised() -> None:
    from segmenter.features import OPENER_MIN_TOKENS

    for name, feature in (("lede_openers", "open:lede"), ("continuation_openers", "open:continuation")):
        for phrase in lexicons.load(name):
            padded = phrase + " " + " ".join(["كلمة"] * OPENER_MIN_TOKENS)
            assert feature in own(padded), (name, phrase)


def test_opener_lists_do_not_overlap() -> None:
    def keys(name: str) -> set[str]:
        return {" ".join(tokens_of(normalize(p))) for p in lexicons.load(name)}

    assert not keys("lede_openers") & keys("continuation_openers")


def test_huge_lines_are_described_by_a_bounded_prefix() -> None:
    """Regex work is bounded: a 1 MB line costs what a MAX_FEATURE_CHARS line costs."""
    from segmenter.features import MAX_FEATURE_CHARS

    for unit in ("!", "😀", "كلمة "):
        huge = unit * (1_000_000 // len(unit))
        bounded = unit * (2 * MAX_FEATURE_CHARS // len(unit))
        assert line_view(huge).own == line_view(bounded).own


# --- the page-wide fast path measures each line as the regexes would -----------------

from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter import features as F

_MESSY_PIECES = st.one_of(
    st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآىةـًٌٍَُِّْیک٠١٢٣٤٥٦٧٨٩۰۱۲")),
    st.sampled_from(list("abcXYZİΣςß 0123456789.,:;|•·/»>@#©®™?\ufffdÃØÙ°$€%()-—\t\xa0\u200b\u200f\x1c\x85")),
    st.sampled_from(["t.co/x", "pic.twitter.com/a1", "www.site.com", "(@user) May 3, 2020", "10:30 م", "1440 هـ", "🔥", "❤\ufe0f"]),
    st.characters(blacklist_categories=("Cs",)),
)
_MESSY_TEXT = st.lists(_MESSY_PIECES, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_MESSY_TEXT, min_size=1, max_size=6))
def test_a_line_has_the_same_features_alone_and_within_a_page(texts: list[str]) -> None:
    together = F.line_views(texts)
    assert together == [F.line_views([t])[0] for t in texts]


@settings(max_examples=300, deadline=None)
@given(_MESSY_TEXT)
def test_page_wide_measures_match_the_regexes(text: str) -> None:
    sample = text.strip()
    m = F._measure([sample])
    assert m.norms == [normalize(sample)]
    assert m.tokens == [tokens_of(normalize(sample))]
    assert m.arabic == [sum(map(len, F._ARABIC_RUN_RE.findall(sample)))]
    assert m.latin == [sum(map(len, F._LATIN_RUN_RE.findall(sample)))]
    assert m.punct == [sum(map(len, F._PUNCT_RUN_RE.findall(sample)))]
    assert bool(m.flags[0] & F._B_DIGIT) == bool(F._DIGIT_RE.search(sample))
    assert bool(m.flags[0] & F._B_EMOJI) == bool(F._EMOJI_RE.search(sample))


def test_line_views_cached_equals_uncached() -> None:
    lines = ["عاجل", "نص الخبر " * 30, "عاجل", "", "تابعونا على تويتر @site"]
    assert F.line_views_cached(lines) == F.line_views(lines)


def test_shortcut_gates_are_exact() -> None:
    """The cheap checks that skip expressions in :func:`line_view` never skip a match."""
    from segmenter import features as f

    # a bullet, a number or an opening quote never starts with a letter
    for code in range(0x110000):
        ch = chr(code)
        if 0xD800 <= code < 0xE000 or not ch.isalpha():
            continue
        for text in (ch, ch + "•", ch + ")", ch + '"'):
            assert not f._BULLET_RE.match(text) and not f._QUOTE_START_RE.match(text), hex(code)
    table = f._char_table()
    # a list item's head is translated only when the line has the digit flag: every
    # character the translation changes carries it
    assert all(table[code] & f._B_DIGIT for code in f._DIGITS_TO_ZERO)
    # the URL and file-name expressions need "://" or a letter of the caseless-Latin flag
    for text in ("see www.x", "a.COM b", "x.ſa", "pic.JPG", "a.mp4", "x://y", "\u212aa.com"):
        flags = int(np.bitwise_or.reduce(table[f._code_points(text)]))
        assert flags & f._B_CASELESS_LATIN or ":" in text
    for code in range(0x80, 0x110000):
        if 0xD800 <= code < 0xE000 or table[code] & f._B_CASELESS_LATIN:
            continue
        ch = chr(code)
        assert not f._URL_HINT_RE.search(f"a.{ch}om") and not f._URL_HINT_RE.search(f"{ch}ww.x")
        assert not f._FILE_NAME_RE.search(f"a.{ch}ng") and not f._FILE_NAME_RE.search(f"a.{ch}p4")
        # an English ordinal's suffix is two letters of the flag
        for suffix in ("st", "nd", "rd", "th"):
            assert not f._ENGLISH_ORDINAL_RE.search(f"1{ch}{suffix[1]}") and not f._ENGLISH_ORDINAL_RE.search(f"1{suffix[0]}{ch}")
    # each separator match is white space, one of the counted characters, white space: a
    # line with fewer than two of them cannot hold two matches
    assert not any(c.isspace() for c in f._PIPE_CHARS)
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        if f._PIPE_RE.fullmatch(f" {chr(code)} ") or f._PIPE_RE.fullmatch(f"\u00a0{chr(code)}\t"):
            assert chr(code) in f._PIPE_CHARS, hex(code)
    assert all(table[ord(c)] & f._B_PIPE for c in f._PIPE_CHARS)
    # a byline of the separator shape holds no digit (of the flag's kinds, nor any other)
    for digit in "0٣۷":
        assert not f._BYLINE_AGENCY_RE.match(f"كتب{digit} - سعيد العلي") and not f._BYLINE_AGENCY_RE.match(f"كتب - سعيد{digit}")


def test_list_header_length_bound() -> None:
    """Lower-casing at most doubles a line (:func:`segmenter.assembly.is_list_header`)."""
    assert max(len(chr(c).lower()) for c in range(0x110000) if not 0xD800 <= c < 0xE000) <= 2
    assert max(len(v) for v in _normalise_values() if v is not None) <= 1


def _normalise_values() -> list[str | None]:
    from segmenter.features import _NORMALISE_TABLE

    return list(_NORMALISE_TABLE.values())


def test_list_items_that_open_alike_are_marked() -> None:
    feats = page_features(
        ["الآن | وزير الخارجية يلتقي نظيره", "الآن | أمطار على مكة", "1. أمطار غزيرة اليوم", "2. خبر ثان هنا", "نص " * 20]
    )
    assert "run:same2_next" in feats[0] and "run:same2_prev" in feats[1]
    assert "run:same1_next" not in feats[1]  # "الآن" and "1." differ
    assert "run:same1_next" in feats[2] and "run:same1_prev" in feats[3]  # digits count as one shape
    assert "run:same2_prev" not in feats[3]
    assert not any(f.startswith("run:") for f in feats[4])


def test_a_short_line_opening_with_a_given_name_reads_as_a_name() -> None:
    assert "name@start" in line_view("سعيد السريحي").own
    assert "name@start" in line_view("د. غازي قهوجي").own
    assert "name:head" in line_view("كتب: هدى الدوسري").own
    assert not any(f.startswith("name") for f in line_view("الرياض - واس").own)
    # a long line opening with a name is a sentence, not a byline
    assert not any(f.startswith("name") for f in line_view("محمد " + "نص " * 12).own)



_FEATURES_DIGEST = """
import gzip, hashlib, itertools, json, sys
from segmenter.features import page_features
digest = hashlib.sha256()
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as fh:
    for line in itertools.islice(fh, 500):
        texts = [text for _, _, text in json.loads(line)["lines"]]
        digest.update(json.dumps(page_features(texts), ensure_ascii=False).encode())
print(digest.hexdigest())
"""


def test_features_do_not_depend_on_the_hash_seed() -> None:
    """Sets and dicts iterate in hash order: no feature may depend on it (models must rebuild byte for byte)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    pages = Path(__file__).resolve().parents[1] / "fixtures" / "composed-test.jsonl.gz"
    digests = {
        subprocess.run(
            [sys.executable, "-c", _FEATURES_DIGEST, str(pages)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1, digests


def test_label_context_features_read_the_first_pass_around_each_line() -> None:
    from segmenter.features import label_context_features

    labels = ["footer", "B-headline", "B-body", "I-dateline", "B-dateline", "I-body", "related"]
    feats = label_context_features(labels)
    assert len(feats) == len(labels)
    assert feats[0][:3] == ["s0:footer", "s-1|0:none|footer", "s0|+1:footer|B-headline"]
    assert {"s-3:none", "s+3:I-dateline", "s:since_start:none", "s:article:0", "s:articles:3"} <= set(feats[0])
    # the trailing dateline of article 1 (its article has body), then the next one's opening dateline
    assert {"s:article:1", "s:body_before:1", "s:since_start:1"} <= set(feats[3])
    assert {"s:article:2", "s:body_before:0", "s:since_start:2", "s-2:B-body", "s+1:I-body"} <= set(feats[4])
    assert "s:body_before:1" in feats[6]  # the list after article 2's body
    assert label_context_features([]) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(LABELS), max_size=30))
def test_the_label_context_vocabulary_holds_each_feature_at_its_code(labels: list[str]) -> None:
    """The codes a tagger scores the label features by (documented in
    ``label_context_vocabulary``) name the very strings ``label_context_features`` gives."""
    from segmenter.features import LABEL_CONTEXT_OFFSETS, label_context_features, label_context_vocabulary, label_walk

    vocabulary = label_context_vocabulary(LABELS)
    n_labels = len(LABELS)
    ids = [LABELS.index(label) for label in labels]
    since, article_of, body_before, articles = label_walk(labels)
    for k, feats in enumerate(label_context_features(labels)):
        def at(j: int) -> int:
            return ids[j] if 0 <= j < len(ids) else n_labels

        codes = [ids[k], at(k - 1) * n_labels + ids[k], ids[k] * (n_labels + 1) + at(k + 1)]
        codes += [at(k + off) for off in LABEL_CONTEXT_OFFSETS]
        codes += [since[k], article_of[k], articles, body_before[k]]
        assert feats == [vocabulary[column][code] for column, code in enumerate(codes)]


def test_the_line_cache_never_holds_more_than_its_cap() -> None:
    """A page longer than the cache cap must not grow the cache past it (memory stays flat)."""
    lines = [f"سطر قصير رقم {k}" for k in range(F._LINE_CACHE_SIZE + 500)]
    F.page_parts(lines)
    F.page_parts(lines[::-1])  # every line found again in the older generation, moved up
    assert len(F._LINE_CACHE) + len(F._LINE_CACHE_OLD) <= F._LINE_CACHE_SIZE


def _counting_measures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines :func:`features.line_views` measures from now on (the cache's misses)."""
    measured: list[str] = []
    real = F.line_views

    def counted(texts: list[str]) -> list[F.LineView]:
        measured.extend(texts)
        return real(texts)

    monkeypatch.setattr(F, "line_views", counted)
    return measured


def test_a_line_that_comes_back_outlives_the_cache_turning_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line seen again is kept when the lines seen once are dropped; one never seen
    again is dropped; a long line is never kept; a repeat within a batch is measured once."""
    F.clear_line_cache()
    monkeypatch.setattr(F, "_LINE_CACHE_SIZE", 8)
    measured = _counting_measures(monkeypatch)
    menu, once, long_line = "الرئيسية", "سطر مرة واحدة", "نص الخبر " * 40
    views = F.line_views_cached([menu, once, long_line, menu, long_line])
    assert measured == [menu, once, long_line, long_line]
    assert views[3] is views[0] and views == F.line_views([menu, once, long_line, menu, long_line])
    for k in range(3):  # the first four lines fill the newer generation: it turns over
        F.line_views_cached([f"سطر {k}.{j}" for j in range(2)] + [menu])
    measured.clear()
    F.line_views_cached([menu, once, long_line])
    assert measured == [once, long_line]
    assert len(F._LINE_CACHE) + len(F._LINE_CACHE_OLD) <= 8
    F.clear_line_cache()
    assert not F._LINE_CACHE and not F._LINE_CACHE_OLD


# --- marks that do not change what a line says do not change its features ------------

_STRETCH = "ـ"
_DIACRITICS = "ًٌٍَُِّْ"
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2069\ufeff\u061c"


@st.composite
def _page_and_messier_copy(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A page, and the same page as scraped text shows it: words stretched with tatweel,
    diacritics on letters, zero-width and bidi marks anywhere in a line, Persian yeh and
    keheh, NBSP for spaces, Arabic-Indic or Persian digits for Latin ones."""
    texts = draw(st.lists(_MESSY_TEXT, min_size=1, max_size=6))
    messier = []
    for text in texts:
        if not text.strip():
            messier.append(text)  # a mark would make a blank line a line
            continue
        out = []
        for i, ch in enumerate(text):
            out.append(ch)
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch.isalpha() and nxt.isalpha() and draw(st.integers(0, 9)) == 0:
                out.append(_STRETCH * draw(st.integers(1, 3)))  # inside a word: stretching
            if ch.isalpha() and draw(st.integers(0, 9)) == 0:
                out.append(draw(st.sampled_from(_DIACRITICS)))
            if draw(st.integers(0, 19)) == 0:
                out.append(draw(st.sampled_from(_INVISIBLE)))
        messy = "".join(out)
        if draw(st.booleans()):
            messy = messy.replace("ي", "ی").replace("ك", "ک")
        if draw(st.booleans()):
            messy = messy.replace(" ", "\xa0")
        if draw(st.booleans()):
            messy = messy.translate(draw(st.sampled_from([_ARABIC_INDIC, _PERSIAN_DIGITS])))
        messier.append(draw(st.sampled_from(["", "\u200f", "\ufeff"])) + messy + draw(st.sampled_from(["", "\u200e", "\u200b"])))
    return texts, messier


@settings(max_examples=300, deadline=None)
@given(_page_and_messier_copy())
def test_marks_tatweel_diacritics_persian_letters_nbsp_and_digits_change_no_feature(pages: tuple[list[str], list[str]]) -> None:
    texts, messier = pages
    assert page_features(messier) == page_features(texts)


def test_a_free_standing_tatweel_reads_as_a_dash_and_a_stretching_one_as_nothing() -> None:
    assert own("القاهرة ـ أ ش أ") == own("القاهرة - أ ش أ")
    assert "byline:sep_shape" in own("جدة ـ عبدالغني الشريف")
    assert own("العـــراق يعلن النتائج") == own("العراق يعلن النتائج")
    assert F.without_marks(["1440هـ", "ـ النهاية ـ"]) == ["1440ه", "- النهاية -"]


# the rule without_marks follows, as regular expressions run on every character
_MARKS_RE = re.compile("[" + re.escape(F._MARK_CHARS) + "]+")
_DASH_TATWEEL_RE = re.compile(r"(?<![^\W\d_])\u0640+(?![^\W\d_])")


def _without_marks(text: str) -> str:
    text = _MARKS_RE.sub("", text)
    if "\u0640" in text:
        text = _DASH_TATWEEL_RE.sub("-", text).replace("\u0640", "")
    return text


@settings(max_examples=300, deadline=None)
@given(st.lists(_MESSY_TEXT, max_size=8))
def test_the_page_wide_mark_search_rewrites_exactly_the_lines_that_hold_a_mark(texts: list[str]) -> None:
    assert F.without_marks(texts) == [_without_marks(t) for t in texts]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("ـــاب٣3²_ ً\u200f-.x")), max_size=20).map("".join), max_size=6))
def test_tatweel_is_read_run_by_run_as_the_regular_expression_reads_it(texts: list[str]) -> None:
    """Runs of tatweel beside letters, digits of both kinds, ``²`` (a digit, not a
    decimal one: a letter to the pattern), ``_``, marks, space and line ends."""
    assert F.without_marks(texts) == [_without_marks(t) for t in texts]


def test_pages_measured_together_get_the_parts_of_each_page_alone(seed_pages) -> None:
    """:func:`page_parts_many` (the batch path of ``segment_many``) equals :func:`page_parts` page by page."""
    pages = [[text for _, _, text in page.lines] for page in seed_pages]
    pages += [[], [""], ["  ", ""], ["عاجل", "", "عاجل"], pages[0][:3]]
    F.clear_line_cache()
    together = F.page_parts_many(pages)
    F.clear_line_cache()
    assert together == [F.page_parts(texts) for texts in pages]
