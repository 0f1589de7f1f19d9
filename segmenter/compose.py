"""Compose labelled training and test pages from clean SaudiNewsNet articles.

Why this exists
---------------
The CRF is trained on scraped pages, but the only labelled real pages we have are a
handful of aggregator dumps (the seeds). Real news pages on the open web look much
broader: a single article wrapped in site furniture (menus, breadcrumbs, the site's
clock with the Hijri date, weather and currency tickers, "most read" boxes, share
controls, counters, ads), aggregator dumps with "read also" articles, listing pages of
headline-less posts. The field notes of a first trial showed that *breadth of realistic
structure* moves the real-page figures, not volume, and that most real errors are
furniture at the TOP of the page taken for the start of an article. So this module
assembles pages from real article text (titles, bylines, paragraphs) and synthetic,
reviewable furniture phrasings, and emits gold labels that follow ANNOTATION.md.

Page shapes and proportions
---------------------------
A page is drawn from one template (the record's ``source`` is
``composed:<template>``). Weights per split (:data:`TEMPLATE_WEIGHTS`):

==========================  ======  =====  =========================================
template                    train   test   shape
==========================  ======  =====  =========================================
``news_site_article``       0.30    0.18   one article, heavy top furniture
``article_with_embeds``     0.12    0.08   one article with 1-3 embedded posts
``mobile_amp_page``         0.13    0.09   one article, compact mobile layout
``opinion_column_page``     --      0.10   one column; columnist byline first (test only)
``print_edition_page``      --      0.10   printer-friendly page (test only)
``aggregator_page``         0.22    0.17   primary + 1-4 "read also" articles (seeds)
``teaser_cards_page``       0.08    0.08   primary + 2-4 headline/teaser cards
``news_digest_page``        --      0.10   agency items split by rules (test only)
``wire_roundup_page``       0.05    --     agency-opened wire items (train only)
``listing_page``            0.10    0.10   3-8 headline-less posts (archive page)
==========================  ======  =====  =========================================

So about 55% of pages carry a single article, about 35% are aggregator-like and 10%
are listings. Within a template everything varies per page: which furniture appears
and in which order, whether the primary has a headline (~15% have none) and whether
it is repeated as a page title or image title, how many dateline/byline lines stand
before the body (in many date formats and month-name families, sometimes glued into
the first paragraph), blank-line style (none, between every line, mixed), captions,
photo credits, in-text subheadings (mostly two or three words of the section they
open, not side by side; else a phrase on another topic), bullets, mid-article promos, embedded X/Facebook/
Instagram/YouTube posts (on train pages some X posts run over two or three emoji-bulleted
lines, as seed 004 shows), end furniture, related lists with various headers and
bullets, truncation of the last article (~5%) and light Unicode messiness (Persian
yeh/keheh, tatweel, diacritics, NBSP, bidi marks, trailing spaces, Arabic-Indic
digits) in a share of pages.

The corpus is used almost as it is (its own bylines, agency date lines, closing stamps
and furniture paragraphs get their gold role: :func:`paragraph_role`); records with
fewer than :data:`MIN_ARTICLE_WORDS` words are skipped as not articles (captions,
counters, bare links).

Train/test split
----------------
The test split measures generalisation, so it shares as little as possible with train:

* **outlets**: test pages draw articles only from :data:`TEST_OUTLETS`, train pages
  only from the other outlets;
* **phrasings**: every phrase list in ``compose_data/`` has a train part and a test
  part (below the ``## test`` line), disjoint after normalisation; closed
  vocabularies (month names, weekdays, Hijri months, the fixed strings of the embed
  platforms) are shared because real pages cannot use others;
* **templates**: three templates (``opinion_column_page``, ``print_edition_page``,
  ``news_digest_page``) and some options (bullet styles of related lists) are test
  only. Their *elements* are not new: train pages also show columnist bylines before
  the title (``news_site_article``), print-view furniture at the end, and wire items
  opened by an agency line (``wire_roundup_page``, train only), each with train
  phrasings, so the test templates measure new arrangements, not unseen element kinds.
  Likewise agency copy's closing lines (end mark, time stamp, editor initials), which
  the corpus shows only in a test outlet, get train-only formats
  (:data:`TRAIN_WIRE_STAMPS`; in code, not in ``compose_data``, whose lists all have a
  test half). So do share, print and source lines that carry the article's own title
  after its text (:data:`TRAIN_TITLE_ECHOES`), which the corpus shows only as a test
  outlet's link line (``رابط الخبر بصحيفة الوئام: <title>``). Train-only options are
  drawn only on train pages, so adding one leaves the test split byte-identical; the
  title echoes draw from a page's side stream (:attr:`PageContext.side`), so adding
  them left every other line of the train split as it was too.

Determinism: every draw goes through a ``random.Random`` seeded from ``(seed, split)``;
articles and outlets are iterated in sorted order; the output files are gzip with
``mtime=0``. The same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from random import Random
from typing import Literal

from segmenter.types import CONTENT_ROLES, Role

Split = Literal["train", "test"]
Triple = tuple[str, int, str]

SPLITS: tuple[Split, ...] = ("train", "test")
TEST_OUTLETS: frozenset[str] = frozenset({"aawsat", "okaz", "alweeam", "was", "arriyadiyah"})
PHRASE_DIR = Path(__file__).with_name("compose_data")
TEST_SEPARATOR = "## test"

HEADLINE, DATELINE, BODY, TWEET = str(Role.HEADLINE), str(Role.DATELINE), str(Role.BODY), str(Role.TWEET)
RELATED, FOOTER, BLANK = str(Role.RELATED), str(Role.FOOTER), str(Role.BLANK)
_CONTENT = frozenset(str(r) for r in CONTENT_ROLES)

# Page-level probabilities (named so a reviewer can tune them in one place).
P_NO_HEADLINE = 0.15
P_TRUNCATED = 0.05
P_MESSY_PAGE = 0.35
P_TRAILING_NEWLINE = 0.3
P_ARABIC_INDIC_DATE = 0.12
MAX_PRIMARY_PARAGRAPHS = 20
MAX_SECONDARY_PARAGRAPHS = 8
P_BYLINE_FIRST = 0.1  # single-article pages whose columnist byline stands before the title
P_PRINT_FURNITURE = 0.12  # pages ending in print-view furniture
TRAIN_RULES = ("• • •", "--------", "=====", "~ ~ ~")  # item separators of train-only layouts
# Train-only options, drawn only when ``ctx.split == "train"`` (tested first, so the test
# split's random stream, and so its pages, stay exactly as they were).
P_TRAIN_WIRE_END = 0.20  # agency copy closing with an end mark and/or its time stamp
P_TRAIN_BYLINE_FIRST = 0.08  # extra share of columnist bylines before the title
# Closing lines of agency copy (train phrasings; the corpus' own are test outlets'):
# the stamp is the article's time (dateline), the end mark and editor initials furniture.
TRAIN_WIRE_STAMPS = (
    "{t24} جمت", "{hhmm} جمت", "{agency} {hhmm} جمت {y}", "الساعة {t24} بتوقيت جرينتش", "{t24} GMT",
    "{t24} (ت.ج)", "{dd}/{mm}/{y} {t24}", "{t24} بتوقيت {city}", "{agency}{dd}{hhmm} جمت",
)
TRAIN_WIRE_END_MARKS = ("(النهاية)", "-النهاية-", "ـ النهاية ـ", "النهاية ///")
TRAIN_WIRE_INITIALS = ("(ي.ع)", "ع.م/ح.س", "ع ا ف/ ي ب", "س م ع / ع ع")
# Share, print and source lines that carry the article's own title after its text
# ("شارك الخبر: <title>"). Sites print them on every article; the corpus shows them only
# as a test outlet's link line ("رابط الخبر بصحيفة الوئام: <title>"), so train pages get
# phrasings of their own (none says رابط), and the title inside is what marks them.
# They are drawn from a page's own side stream (:attr:`PageContext.side`), so adding
# them leaves every other draw, and so every other line of the split, as it was.
P_TRAIN_TITLE_ECHO = 0.08  # an article (with extras) followed by a line carrying its title
TRAIN_TITLE_ECHOES = (
    "شارك الخبر: {title}", "شارك: {title}", "أرسل الخبر لصديق: {title}", "طباعة الخبر: {title}",
    "للمشاركة عبر واتساب: {title}", "انشر على فيسبوك: {title}", "غرّد الخبر: {title}",
    "المصدر: {site} - {title}",
)

TEMPLATE_WEIGHTS: dict[str, dict[Split, float]] = {
    "news_site_article": {"train": 0.30, "test": 0.18},
    "article_with_embeds": {"train": 0.12, "test": 0.08},
    "mobile_amp_page": {"train": 0.13, "test": 0.09},
    "opinion_column_page": {"train": 0.0, "test": 0.10},
    "print_edition_page": {"train": 0.0, "test": 0.10},
    "aggregator_page": {"train": 0.22, "test": 0.17},
    "teaser_cards_page": {"train": 0.08, "test": 0.08},
    "news_digest_page": {"train": 0.0, "test": 0.10},
    "wire_roundup_page": {"train": 0.05, "test": 0.0},
    "listing_page": {"train": 0.10, "test": 0.10},
}
SINGLE_ARTICLE_TEMPLATES = frozenset(
    {"news_site_article", "article_with_embeds", "mobile_amp_page", "opinion_column_page", "print_edition_page"}
)

# Closed vocabularies: shared by both splits (a real page can use no others).
MONTHS: dict[str, tuple[str, ...]] = {
    "gulf": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
    "levant": ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"),
    "maghreb": ("يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر"),
    "algeria": ("جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان", "جويلية", "أوت", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
}
MONTH_FAMILY_WEIGHTS = {"gulf": 0.45, "levant": 0.2, "maghreb": 0.1, "algeria": 0.1, "dual": 0.15}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
WEEKDAYS = ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HIJRI_MONTHS = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EMOJI = ("🔴", "⭕️", "◀️", "📌", "🎥", "⚽", "🇮🇶", "🇸🇦", "👇", "🔥", "✅", "📢")
MOJIBAKE = "????"
BULLETS: dict[Split, tuple[str, ...]] = {"train": ("  • ", "- ", "* ", "", "• "), "test": ("▪ ", "◄ ", "#num", "– ")}
BODY_BULLETS = ("- ", "• ", "* ", "")
DIACRITICS = ("\u064b", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652")
BIDI_MARKS = ("\u200f", "\u200e", "\u200b", "\u202b")
BLANK_TEXTS = ("",) * 12 + (" ", "\xa0", "  ")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MIN_ARTICLE_WORDS = 15  # fewer words in all: a caption or counter, not an article
_ARABIC_LETTER = re.compile(r"[\u0628-\u064a]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class SourceArticle:
    """One clean article of the corpus: the ingredient of composed pages."""

    source: str
    title: str
    author: str
    date: str
    paragraphs: tuple[str, ...]
    url: str = ""


def _one_line(text: str) -> str:
    """Collapse line breaks to spaces: a title or byline must stay a single line."""
    return _LINE_BREAKS.sub(" ", text or "").strip()


def load_articles(data_dir: Path) -> list[SourceArticle]:
    """Read every ``*.zip`` of ``data_dir`` (sorted) into :class:`SourceArticle` objects.

    Cleaning is minimal on purpose (the messiness is part of what the model must
    learn): paragraphs are split on any line break, stripped, and empty ones dropped.
    Records with fewer than :data:`MIN_ARTICLE_WORDS` words in all are skipped: they
    are not articles but what the scraper caught instead of one (303 of the 30,676
    records with text: a photo caption of names, a comment counter ``تعليقات ()``, a bare link line,
    ``Array``), and composing them as an article would make the gold call a caption
    an article's body.
    """
    articles: list[SourceArticle] = []
    for path in sorted(Path(data_dir).glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                for item in json.loads(archive.read(member).decode("utf-8")):
                    paragraphs = tuple(p.strip() for p in _LINE_BREAKS.split(item.get("content") or "") if p.strip())
                    if sum(len(p.split()) for p in paragraphs) < MIN_ARTICLE_WORDS:
                        continue
                    articles.append(
                        SourceArticle(
                            source=item.get("source") or "",
                            title=_one_line(item.get("title") or ""),
                            author=_one_line(item.get("author") or ""),
                            date=_one_line(item.get("date_extracted") or ""),
                            paragraphs=paragraphs,
                            url=item.get("url") or "",
                        )
                    )
    return articles


def outlet_split(outlet: str) -> Split:
    """The split an outlet's articles belong to."""
    return "test" if outlet in TEST_OUTLETS else "train"


def group_by_outlet(articles: Sequence[SourceArticle], split: Split) -> dict[str, list[SourceArticle]]:
    """Articles of ``split``'s outlets, by outlet, in sorted outlet order."""
    grouped: dict[str, list[SourceArticle]] = {}
    for article in articles:
        if outlet_split(article.source) == split:
            grouped.setdefault(article.source, []).append(article)
    return {k: grouped[k] for k in sorted(grouped)}


# ------------------------------------------------------------------------ phrases


def read_phrase_file(path: Path) -> dict[Split, tuple[str, ...]]:
    """Parse one phrase file into its train and test parts (see compose_data/README.md)."""
    parts: dict[Split, list[str]] = {"train": [], "test": []}
    current: Split = "train"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line == TEST_SEPARATOR:
            current = "test"
        elif line and not line.startswith("#"):
            parts[current].append(line)
    return {k: tuple(v) for k, v in parts.items()}


def phrase_names() -> list[str]:
    """Names of every phrase list shipped in ``compose_data/``."""
    return sorted(p.stem for p in PHRASE_DIR.glob("*.txt"))


@cache
def phrases(name: str, split: Split) -> tuple[str, ...]:
    """The ``split`` part of phrase list ``name`` (immutable, so caching is safe)."""
    path = PHRASE_DIR / f"{name}.txt"
    if not path.is_file():
        raise ValueError(f"unknown phrase list {name!r}; known: {', '.join(phrase_names())}")
    found = read_phrase_file(path)[split]
    if not found:
        raise ValueError(f"phrase list {name!r} has no {split} phrases")
    return found


# ------------------------------------------------------------------ page builder


class PageBuilder:
    """Accumulates ``[role, article, text]`` lines and keeps the article index right.

    ``start_article()`` announces that the *next content line* opens a new article;
    furniture and blank lines added before it keep the index of the region they
    stand in, exactly as ANNOTATION.md asks. Blank separators are inserted by the
    page's blank style so templates only say what is on the page, not how it's spaced.
    """

    def __init__(self, rng: Random, blank_style: str) -> None:
        self.rng = rng
        self.blank_style = blank_style  # "none" | "all" | "mixed"
        self.lines: list[Triple] = []
        self.article = 0
        self._pending_new = False
        self._has_content = False
        self._side_at: set[int] = set()  # lines added from a side stream (see ``add``)
        self._core_last = ""  # role of the last line added from the page's own stream

    def start_article(self) -> None:
        if self._has_content:
            self._pending_new = True

    def blank(self, side: Random | None = None) -> None:
        self._append((BLANK, self.article, (side or self.rng).choice(BLANK_TEXTS)), side)

    def _append(self, line: Triple, side: Random | None) -> None:
        if side is None:
            self._core_last = line[0]
        else:
            self._side_at.add(len(self.lines))
        self.lines.append(line)

    def add(self, role: str, text: str, *, glue: bool = False, side: Random | None = None) -> None:
        """Add one line; ``glue`` keeps it tight to the previous line (no blank).

        ``side``: a train-only addition, drawn (with its spacing) from a stream of its
        own; the page's stream then sees the page as if the line were not there.
        """
        if not text.strip():
            return
        rng = side or self.rng
        last = self.lines[-1][0] if side else self._core_last
        if last and not glue and last != BLANK:
            if self.blank_style == "all" or (self.blank_style == "mixed" and rng.random() < 0.5):
                self.blank(side)
                if rng.random() < 0.04:
                    self.blank(side)
        if role in _CONTENT:
            if self._pending_new:
                self.article += 1
                self._pending_new = False
            self._has_content = True
        self._append((role, self.article, text), side)

    def split_side(self) -> tuple[list[Triple], list[tuple[int, Triple]]]:
        """The page's own lines, and the side lines with how many own lines precede each."""
        core: list[Triple] = []
        side: list[tuple[int, Triple]] = []
        for k, line in enumerate(self.lines):
            if k in self._side_at:
                side.append((len(core), line))
            else:
                core.append(line)
        return core, side

    def add_all(self, role: str, texts: Sequence[str], *, glue_items: bool = True) -> None:
        for i, text in enumerate(texts):
            self.add(role, text, glue=glue_items and i > 0)


# ----------------------------------------------------------------------- context


@dataclass
class PageContext:
    """Everything one page's drawing needs: the rng, the split, the page's site style."""

    rng: Random
    split: Split
    articles_by_outlet: Mapping[str, Sequence[SourceArticle]]
    site: str = ""
    month_family: str = "gulf"
    used: set[int] = field(default_factory=set)
    # train-only additions draw from this stream, not ``rng``, so the rest of the page
    # (and of the split) stays byte-identical when one is added
    side: Random = field(default_factory=lambda: Random(0))

    def __post_init__(self) -> None:
        self.outlets = sorted(k for k, v in self.articles_by_outlet.items() if v)
        if not self.outlets:
            raise ValueError(f"no articles for the {self.split} split")
        self.site = self.pick("site_names")
        families = sorted(MONTH_FAMILY_WEIGHTS)
        self.month_family = self.rng.choices(families, [MONTH_FAMILY_WEIGHTS[f] for f in families])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, name: str) -> str:
        phrase = self.rng.choice(phrases(name, self.split))
        # markers such as "المزيد من {site}" are used unfilled; name the page's site
        return phrase.replace("{site}", self.site) if "{site}" in phrase and self.site else phrase

    def article(self, *, min_paragraphs: int = 1) -> SourceArticle:
        """A random article not yet used on this page."""
        for _ in range(50):
            pool = self.articles_by_outlet[self.rng.choice(self.outlets)]
            art = self.rng.choice(pool)
            body = classify_paragraphs(art)[1]
            if id(art) not in self.used and len(body) >= min_paragraphs:
                self.used.add(id(art))
                return art
        return art

    def titles(self, k: int) -> list[str]:
        out: list[str] = []
        for _ in range(k * 3):
            title = self.article().title
            if title and title not in out:
                out.append(title)
            if len(out) == k:
                break
        return out

    def name(self) -> str:
        return f"{self.pick('first_names')} {self.pick('last_names')}"

    def handle(self) -> tuple[str, str]:
        display = self.pick("latin_names")
        handle = re.sub(r"\W", "", display) + (str(self.rng.randint(1, 99)) if self.chance(0.4) else "")
        if self.chance(0.4):
            display = self.name()
        return display, handle

    def token(self, n: int) -> str:
        return "".join(self.rng.choice(_ALNUM) for _ in range(n))

    def month(self, m: int) -> str:
        if self.month_family == "dual":
            return f"{MONTHS['gulf'][m]} ({MONTHS['levant'][m]})"
        return MONTHS[self.month_family][m]

    def fill(self, template: str, **extra: str) -> str:
        """Fill the placeholders of a phrase with fresh random values."""
        rng = self.rng
        d, m, y = rng.randint(1, 28), rng.randrange(12), rng.randint(2015, 2025)
        hour, minute = rng.randint(1, 12), rng.randint(0, 59)
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(d, "th")
        values = {
            "site": self.site,
            "city": self.pick("cities"),
            "agency": self.pick("agencies"),
            "name": self.name(),
            "n": str(rng.choice((rng.randint(1, 12), rng.randint(10, 999), rng.randint(1000, 99999)))),
            "small": str(rng.randint(1, 23)),
            "temp": str(rng.randint(8, 49)),
            "price": rng.choice((str(rng.randint(1, 4000)), f"{rng.uniform(0.2, 400):.2f}")),
            "y": str(y),
            "weekday": rng.choice(WEEKDAYS),
            "d": str(d),
            "dd": f"{d:02d}",
            "mm": f"{m + 1:02d}",
            "mon": self.month(m),
            "mon_en": MONTHS_EN[m],
            "ord": f"{d}{suffix}",
            "t12": f"{hour}:{minute:02d} {rng.choice(('ص', 'م', 'صباحاً', 'مساءً', 'ص', 'م'))}",
            "t24": f"{rng.randint(0, 23):02d}:{minute:02d}",
            "hijri": f"{rng.randint(1, 29)} {rng.choice(HIJRI_MONTHS)} {rng.randint(1436, 1447)}"
            + rng.choice((" هـ", " هـ", "هـ", "")),
            "title": "",
            "topic": "",
        }
        values.update(extra)
        return template.format(**values)

    def date_line(self, name: str = "date_formats") -> str:
        line = self.fill(self.pick(name))
        return line.translate(ARABIC_INDIC) if self.chance(P_ARABIC_INDIC_DATE) else line


# ------------------------------------------------------------------ furniture


def menu(ctx: PageContext, b: PageBuilder, *, top: bool = True) -> None:
    """A site menu: one line with separators, or one item per line."""
    items = ctx.rng.sample(phrases("menu_items", ctx.split), k=min(len(phrases("menu_items", ctx.split)), ctx.rng.randint(4, 9)))
    if top and ctx.chance(0.6) and "الرئيسية" not in items and ctx.split == "train":
        items[0] = "الرئيسية"
    if ctx.chance(0.6):
        b.add(FOOTER, f" {ctx.pick('separators')} ".join(items))
    else:
        b.add_all(FOOTER, items)


def breadcrumbs(ctx: PageContext, b: PageBuilder) -> None:
    items = [ctx.pick("menu_items") for _ in range(ctx.rng.randint(2, 3))]
    if ctx.chance(0.5):
        items.append(ctx.pick("categories"))
    b.add(FOOTER, f" {ctx.pick('separators')} ".join(dict.fromkeys(items)))


def related_list(ctx: PageContext, b: PageBuilder, *, k: tuple[int, int] = (3, 8), header: bool = True) -> None:
    """A list of bare titles (role related, header included)."""
    if header:
        b.add(RELATED, ctx.pick("related_headers"))
    bullet = ctx.rng.choice(BULLETS[ctx.split])
    titles = ctx.titles(ctx.rng.randint(*k))
    glue = ctx.chance(0.7)
    for i, title in enumerate(titles, 1):
        prefix = f"{i}. " if bullet == "#num" else bullet
        b.add(RELATED, prefix + title, glue=glue and i > 1)


def ticker(ctx: PageContext, b: PageBuilder) -> None:
    """Headline ticker ("عاجل | title"): a list of other titles, so related."""
    for title in ctx.titles(ctx.rng.randint(1, 3)):
        b.add(RELATED, f"{ctx.pick('ticker_prefixes')} {title}", glue=True)


def top_furniture(ctx: PageContext, b: PageBuilder, *, amount: tuple[int, int] = (2, 6)) -> None:
    """Site furniture before the first article: footer (or related for title lists)."""
    parts: list[Callable[[], None]] = [
        lambda: menu(ctx, b),
        lambda: breadcrumbs(ctx, b),
        lambda: b.add(FOOTER, ctx.pick("categories")),
        lambda: b.add(FOOTER, ctx.date_line("clock_formats")),
        lambda: b.add_all(FOOTER, [ctx.fill(ctx.pick("market_formats")) for _ in range(ctx.rng.randint(1, 3))]),
        lambda: ticker(ctx, b),
        lambda: related_list(ctx, b, k=(3, 5)),
        lambda: b.add(FOOTER, ctx.pick("login")),
        lambda: b.add_all(FOOTER, ctx.rng.sample(phrases("controls", ctx.split), k=2), glue_items=ctx.chance(0.5)),
        lambda: b.add(FOOTER, ctx.fill(ctx.pick("counters"))),
        lambda: b.add(FOOTER, ctx.pick("ads")),
        lambda: b.add_all(FOOTER, ctx.rng.sample(phrases("social_follow", ctx.split), k=2)),
        lambda: b.add(FOOTER, ctx.site),
    ]
    chosen = ctx.rng.sample(range(len(parts)), k=ctx.rng.randint(*amount))
    if ctx.chance(0.5) and 0 not in chosen:  # a menu is the most common thing on top
        chosen.insert(0, 0)
    if 12 in chosen and ctx.chance(0.7):  # the site name/logo comes first
        chosen.remove(12)
        chosen.insert(0, 12)
    for i in chosen:
        parts[i]()


def end_furniture(ctx: PageContext, b: PageBuilder, *, heavy: bool = True) -> None:
    """Source, tags, promos and the rest of what follows an article (footer/related)."""
    if ctx.chance(0.55):
        b.add(FOOTER, ctx.fill(ctx.pick("source_formats")))
    if ctx.chance(0.35):
        words = [w for w in ctx.article().title.split() if len(w) > 3][: ctx.rng.randint(2, 6)]
        joiner = ctx.rng.choice((" ", "، ", " - ", " , "))
        b.add(FOOTER, f"{ctx.pick('tag_prefixes')} {joiner.join(words)}".strip())
    if ctx.chance(0.35):
        b.add_all(FOOTER, [ctx.fill(ctx.pick("promos")) for _ in range(ctx.rng.randint(1, 2))], glue_items=False)
    if not heavy:
        return
    if ctx.chance(0.35):
        related_list(ctx, b)
    if ctx.chance(0.12):
        b.add_all(FOOTER, ctx.rng.sample(phrases("comment_form", ctx.split), k=ctx.rng.randint(2, 4)), glue_items=ctx.chance(0.5))
    if ctx.chance(0.15):
        menu(ctx, b, top=False)
    if ctx.chance(0.1):
        b.add(FOOTER, ctx.pick("pagination"))
    if ctx.chance(0.1):
        b.add_all(FOOTER, ctx.rng.sample(phrases("social_follow", ctx.split), k=2))
    if ctx.chance(0.3):
        b.add(FOOTER, ctx.fill(ctx.pick("copyright")))


# -------------------------------------------------------------------- embeds


def _post_text(ctx: PageContext, *, english: bool) -> str:
    if english:
        text = ctx.pick("english_tweets")
    else:
        text = ctx.article().paragraphs[0][: ctx.rng.randint(50, 140)].rsplit(" ", 1)[0]
    if ctx.chance(0.5):
        text = ctx.rng.choice(EMOJI) + text
    if ctx.chance(0.4):
        text += " #" + "_".join(ctx.article().title.split()[:2])
    return text


MULTILINE_POST_SHARE = 0.3  # of X posts on train pages: text broken over lines (seed 004)


def _multiline_post(ctx: PageContext, local: Random, link: str) -> list[str]:
    """An X post whose text runs over 2-3 lines, most opened by an emoji bullet.

    Arabic news accounts post like this (``◀️ ...`` / ``⭕️ ...``, the last line cut
    with ``…`` before the picture link), and a scrape keeps the line breaks. Drawn
    from ``local`` (seeded by the post) and only on train pages, so the test split
    stays byte-identical.
    """
    pool = ctx.articles_by_outlet[local.choice(ctx.outlets)]
    paragraphs = [text for _, text in classify_paragraphs(local.choice(pool))[1]] or ["..."]
    words = local.choice(paragraphs).split()
    lines: list[str] = []
    start = 0
    for _ in range(local.randint(2, 3)):
        size = local.randint(7, 24)
        chunk = " ".join(words[start : start + size])
        start += size
        if not chunk:
            break
        lines.append((local.choice(EMOJI) if local.random() < 0.7 else "") + chunk)
    lines[-1] += f"… {link}"
    return lines


def embed_lines(ctx: PageContext) -> list[str]:
    """The lines of one embedded post (all role tweet), in one of several layouts."""
    rng = ctx.rng
    english = ctx.chance(0.3)
    display, handle = ctx.handle()
    d, m, y = rng.randint(1, 28), rng.randrange(12), rng.randint(2015, 2025)
    platform = rng.choices(("x", "facebook", "instagram", "youtube"), (0.6, 0.15, 0.15, 0.1))[0]
    text = _post_text(ctx, english=english)
    if platform == "x":
        if ctx.chance(0.15):  # emoji lost to a wrong encoding, as in seed 001
            emoji = next((e for e in EMOJI if text.startswith(e)), "")
            text = MOJIBAKE + text[len(emoji) :]
        link = f"pic.twitter.com/{ctx.token(10)}"
        tco = f"https://t.co/{ctx.token(10)}"
        sig = f"— {display} (@{handle}) {MONTHS_EN[m]} {d}, {y}"
        layout = rng.randrange(4)
        local = Random(f"post:{text}")
        if ctx.split == "train" and not english and local.random() < MULTILINE_POST_SHARE:
            lines = _multiline_post(ctx, local, link)
            return lines + [sig] if local.random() < 0.5 else lines
        if layout == 0:
            return [text, f"{rng.choice(('التفاصيل', 'Details', ''))} {tco} {link}".strip(), sig]
        if layout == 1:
            return [f"{text} {link}", sig]
        if layout == 2:
            return [f"{display} @{handle}", text, link]
        return [f"{text} {tco} {link} {sig}"]
    if platform == "facebook":
        posted = f"Posted by {display} on {rng.choice(WEEKDAYS_EN)}, {MONTHS_EN[m]} {d}, {y}"
        if ctx.chance(0.3):
            posted = f"تم النشر بواسطة ‏{display}‏ في {rng.choice(WEEKDAYS)}، {d} {MONTHS['gulf'][m]} {y}"
        return [text, posted] if ctx.chance(0.7) else [posted, text]
    if platform == "instagram":
        head = rng.choice(("View this post on Instagram", "عرض هذا المنشور على Instagram"))
        shared = rng.choice((f"A post shared by {display} (@{handle})", f"‏تمت مشاركة منشور بواسطة ‏{display}‏ (@{handle})‏"))
        return [head, text, shared] if ctx.chance(0.6) else [head, shared]
    title = ctx.article().title or text
    lines = ["YouTube video player", title] if ctx.chance(0.6) else [title, f"https://www.youtube.com/watch?v={ctx.token(11)}"]
    return lines


def add_embed(ctx: PageContext, b: PageBuilder) -> None:
    b.add_all(TWEET, embed_lines(ctx), glue_items=ctx.chance(0.5))


# ------------------------------------------------------------------ articles


@dataclass
class ArticleStyle:
    """Per-article options drawn by the templates."""

    headline: bool = True
    repeat_title: int = 0  # extra headline copies (page title / image title)
    datelines: int = 1
    glued_dateline: bool = False
    max_paragraphs: int = MAX_PRIMARY_PARAGRAPHS
    embeds: int = 0
    extras: bool = True  # captions, subheadings, bullets, promos, inline read-also
    dateline_after: bool = False
    teaser: bool = False


def dateline_texts(ctx: PageContext, art: SourceArticle, n: int) -> list[str]:
    """``n`` dateline/byline lines: the real author field, dates, bylines, agencies."""
    kinds = ["date", "byline"] + (["author"] * 2 if art.author else [])
    out: list[str] = []
    for _ in range(n):
        kind = ctx.rng.choice(kinds)
        if kind == "author" and art.author not in out:
            out.append(art.author)
        elif kind == "byline":
            out.append(ctx.fill(ctx.pick("byline_formats")))
        else:
            out.append(ctx.date_line())
    return out


# Lines of the corpus articles that are not body text: agency/byline leads
# ("عين اليوم – جدة", "أحمد البشيري-الباحة", WAS's "الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس"),
# WAS's closing time stamp ("16:10 ت م") and furniture that the scraper kept
# ("// انتهى //", "// يتبع //", separators and stray marks with no letter or digit
# ("***", "* * *", ">"), photo credits "(تصوير: فلان)", SMS-subscription promos and
# their phone numbers, "...المزيد", author e-mails, the link line
# "رابط الخبر بصحيفة الوئام: <title>").
# the dash of a byline: a hyphen or en dash spaced any way, or a tatweel standing apart
# from the words ("جدة ـ عبدالغني الشريف"; inside a word it only stretches it)
_LEAD_BYLINE_RE = re.compile(
    r"^(?:Next Previous\s*)?[^.،:«»]{2,40}?(?:\s*[–-]\s*|\s+ـ+\s*|\s*ـ+\s+)[^.،:«»]{2,30}(?<![–ـ-])$"
)
_LEAD_DATE_RE = re.compile(r"ا?لموافق.{4,40}(?:\.?واس|م)[\s\u200e\u200f]*$")  # also WAS's typo "لموافق"
_TIME_STAMP_RE = re.compile(r"^\d{1,2}:\d{2} ت [مغ](?: NNNN)?$")
_FURNITURE_PARAGRAPH_RE = re.compile(
    r"^(?://\s*(?:انتهى|يتبع)\s*//(?:\s*\d{1,2}:\d{2} ت [مغ])?|[-/\s]*انتهى[-/\s]*|يتبع\s*\.{2,}|[\W_]+|\.{2,}\s*المزيد"
    r"|\d+ - (?:Zain|Stc|Mobily)|.*مسافة ثم (?:نص )?الرسالة.*|للتواصل\s+(?:مع الكاتب|[أا]رسل).*"
    r"|\(?\s*(?:تصوير|عدسة)\s*[:/]\s*[^()]{2,30}\)?"
    r"|لمراسلة الكاتب.*|رابط الخبر بصحيفة .*|[\w.]+@[\w.]+\.\w+|Next Previous)$"
)
LEAD_MAX_CHARS = 100
LEAD_MAX_WORDS = 8


def paragraph_role(index: int, text: str) -> str:
    """Role of a corpus paragraph: body unless it is a known lead, stamp or furniture.

    The corpus is clean article text but keeps some bylines and furniture inside
    ``content``; labelling those ``body`` would teach the model wrong gold.
    """
    if _FURNITURE_PARAGRAPH_RE.match(text):
        return FOOTER
    if _TIME_STAMP_RE.match(text):
        return DATELINE
    if len(text) <= LEAD_MAX_CHARS:
        # WAS's date line is a dateline wherever it stands; a bare byline only as the lead
        if _LEAD_DATE_RE.search(text) and not text.startswith("و"):
            return DATELINE
        if index == 0 and _LEAD_BYLINE_RE.match(text) and len(text.split()) <= LEAD_MAX_WORDS:
            return DATELINE
    return BODY


def classify_paragraphs(art: SourceArticle) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Split an article's paragraphs into (lead, body, tail) ``(role, text)`` runs."""
    classified = [(paragraph_role(i, p), p) for i, p in enumerate(art.paragraphs)]
    lead: list[tuple[str, str]] = []
    while classified and classified[0][0] != BODY:
        lead.append(classified.pop(0))
    tail: list[tuple[str, str]] = []
    while classified and classified[-1][0] != BODY:
        tail.insert(0, classified.pop())
    return lead, classified, tail


def _split_paragraph(rng: Random, text: str) -> list[str]:
    """Split a long paragraph mid-way at a space, as scrapers do at <br> tags."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if len(text) < 150 or len(spaces) < 6:
        return [text]
    cut = spaces[rng.randrange(len(spaces) // 4, 3 * len(spaces) // 4)]
    return [text[:cut], text[cut + 1 :]]


# SPA's category label before its titles ("عام / ...", "اقتصادي / ..."): a title
# convention of its listings, never part of a subheading or a photo caption
_TITLE_CATEGORY_RE = re.compile(r"^(?:عام|اقتصادي|إقتصادي|ثقافي|سياسي|رياضي|اجتماعي|تقرير)\s*/\s*")


def _topic(text: str, rng: Random) -> str:
    """A short phrase from the start of a title (a caption's or subheading's topic)."""
    words = _TITLE_CATEGORY_RE.sub("", text).split()[: rng.randint(3, 6)]
    return " ".join(words).rstrip("،.:؛")


def _section_phrase(paragraph: str, rng: Random) -> str:
    """Two or three words of a paragraph, in order but not side by side: what a
    subheading over it names (``سوروكين: بلاتر شجاع``), not a fragment copied from it."""
    words = [w.strip("،.:؛,!؟?«»\"()") for w in paragraph.split()[:40]]
    picks = [i for i, w in enumerate(words) if len(w) > 3 and not w[0].isdigit()]
    if len(picks) < 6:
        return ""
    chosen = sorted(rng.sample(picks, rng.randint(2, 3)))
    if any(b - a == 1 for a, b in zip(chosen, chosen[1:])):
        return ""  # side by side: a copied fragment, which reads like a repeated title
    return " ".join(words[i] for i in chosen)


def wire_end(ctx: PageContext, b: PageBuilder) -> None:
    """(train only) The closing lines of agency copy: end mark, time stamp, editor initials."""
    rng = ctx.rng
    if ctx.chance(0.5):
        b.add(FOOTER, rng.choice(TRAIN_WIRE_END_MARKS))
    if ctx.chance(0.8):
        hhmm = f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}"
        b.add(DATELINE, ctx.fill(rng.choice(TRAIN_WIRE_STAMPS), hhmm=hhmm), glue=ctx.chance(0.5))
    if ctx.chance(0.3):
        b.add(FOOTER, rng.choice(TRAIN_WIRE_INITIALS), glue=True)


def render_article(
    ctx: PageContext, b: PageBuilder, art: SourceArticle, style: ArticleStyle, *, new_article: bool = True
) -> None:
    """Add one article's content lines (and the furniture that interleaves with them).

    ``new_article=False`` when the template already emitted the article's first line
    (a page title, a columnist byline, an agency line), so the index must not move.
    """
    rng = ctx.rng
    if new_article:
        b.start_article()
    has_title = style.headline and bool(art.title)
    if has_title:
        b.add(HEADLINE, art.title)
        for _ in range(style.repeat_title):
            if ctx.chance(0.3):
                b.add(FOOTER, ctx.pick("categories"))
            b.add(HEADLINE, art.title)
    lead, body, tail = classify_paragraphs(art)
    if len(body) > style.max_paragraphs:
        body, tail = body[: style.max_paragraphs], []  # the page shows part of it: no end lines
    if style.teaser and body:
        first = body[0][1]
        if len(first) > 250:
            first = first[: rng.randint(120, 240)].rsplit(" ", 1)[0] + rng.choice(("...", " ...", "…", ""))
        body, tail = [(BODY, first)], []
    paragraphs = [text for _, text in body]
    datelines = dateline_texts(ctx, art, style.datelines)
    if style.glued_dateline and paragraphs and body[0][0] == BODY:
        if lead and lead[-1][0] == DATELINE and ctx.chance(0.5):
            prefix = lead.pop()[1]
        else:
            prefix = datelines.pop() if datelines else ctx.date_line()
        glue = rng.choice((f"{prefix}\xa0{ctx.pick('cities')}/ {ctx.site}-", f"{ctx.pick('cities')} - {ctx.pick('agencies')}: ", f"{prefix} "))
        if len(paragraphs[0]) > 2 * len(glue):  # mixed-role rule: body must be most of the line
            paragraphs[0] = glue + paragraphs[0]
        else:
            datelines.append(prefix)
    split_dateline = len(datelines) == 1 and ctx.chance(0.08)
    for i, line in enumerate(datelines):
        if split_dateline and " - " in line:
            left, right = line.split(" - ", 1)
            b.add(DATELINE, left + " -")
            b.add(DATELINE, right, glue=True)
        else:
            b.add(DATELINE, line, glue=i > 0 and ctx.chance(0.5))
    for role, text in lead:
        b.add(role, text)
    if style.extras and ctx.chance(0.15):
        b.add_all(FOOTER, [ctx.fill(ctx.pick("counters")) if ctx.chance(0.5) else ctx.pick("controls")])
    if style.extras and ctx.chance(0.18) and paragraphs:
        caption = ctx.fill(ctx.pick("caption_formats"), topic=_topic(art.title or paragraphs[-1], rng))
        b.add(BODY, caption)
        if ctx.chance(0.5):
            b.add(FOOTER, ctx.fill(ctx.pick("photo_credits")), glue=True)
    embed_at = sorted(rng.randrange(1, len(paragraphs) + 1) for _ in range(style.embeds))
    in_bullets = False
    for i, para in enumerate(paragraphs):
        if body[i][0] != BODY:
            b.add(body[i][0], para)
            continue
        if style.extras and i > 0:
            roll = rng.random()
            if roll < 0.05:
                # an in-text subheading: a short phrase, not a copy of the next paragraph;
                # mostly words of the section it opens, as real ones are, else a phrase
                # on another topic (the hard case: it reads like a new headline)
                topic = _section_phrase(para, rng) if ctx.chance(0.7) else ""
                topic = topic or _topic(ctx.article().title or para, rng)
                b.add(BODY, topic + rng.choice((":", "", "")))
            elif roll < 0.08:
                b.add(FOOTER, ctx.fill(ctx.pick("midarticle_promos")))
            elif roll < 0.10:
                b.add(FOOTER, ctx.pick("ads"))
            elif roll < 0.115:
                title = ctx.article().title
                if title:  # a marker and a title on one line: related
                    b.add(RELATED, f"{ctx.pick('read_also')} {title}")
            elif roll < 0.13:
                b.add(FOOTER, ctx.fill(ctx.pick("photo_credits")))
        if style.extras and not in_bullets and i > 0 and ctx.chance(0.03) and para.count("،") >= 2:
            bullet = rng.choice(BODY_BULLETS)
            b.add_all(BODY, [bullet + part.strip() for part in para.split("،") if part.strip()])
            in_bullets = True
            continue
        chunks = _split_paragraph(rng, para) if ctx.chance(0.06) else [para]
        b.add(BODY, chunks[0])
        for chunk in chunks[1:]:
            b.add(BODY, chunk, glue=True)
        while embed_at and embed_at[0] == i + 1:
            embed_at.pop(0)
            add_embed(ctx, b)
    for role, text in tail:
        b.add(role, text)
    if ctx.split == "train" and style.extras and art.title and ctx.side.random() < P_TRAIN_TITLE_ECHO:
        echo = ctx.side.choice(TRAIN_TITLE_ECHOES)
        b.add(FOOTER, echo.format(title=art.title, site=ctx.site), side=ctx.side)
    if ctx.split == "train" and style.extras and ctx.chance(P_TRAIN_WIRE_END):
        wire_end(ctx, b)
    if style.dateline_after:
        b.add(DATELINE, ctx.date_line())


def _headline_style(ctx: PageContext, **kw: object) -> ArticleStyle:
    style = ArticleStyle(**kw)  # type: ignore[arg-type]
    style.headline = not ctx.chance(P_NO_HEADLINE)
    return style


def primary_style(ctx: PageContext, **kw: object) -> ArticleStyle:
    """Style of a primary article: headline ~85%, repeats, 0-3 datelines, glued dateline."""
    style = _headline_style(ctx, **kw)
    style.repeat_title = ctx.rng.choices((0, 1, 2), (0.7, 0.22, 0.08))[0] if style.headline else 0
    style.datelines = ctx.rng.choices((0, 1, 2, 3), (0.15, 0.4, 0.35, 0.1))[0]
    style.glued_dateline = ctx.chance(0.08)
    style.dateline_after = ctx.chance(0.08)
    return style


def page_title(ctx: PageContext, b: PageBuilder, art: SourceArticle) -> bool:
    """A browser-style page title ``title | site`` before the furniture (headline)."""
    if art.title and ctx.chance(0.25):
        b.add(HEADLINE, ctx.fill(ctx.pick("page_title_formats"), title=art.title))
        return True
    return False


# ------------------------------------------------------------------ templates


def news_site_article(ctx: PageContext, b: PageBuilder) -> None:
    """A normal article page: heavy top furniture, one article, end furniture."""
    art = ctx.article(min_paragraphs=2)
    style = primary_style(ctx, embeds=1 if ctx.chance(0.08) else 0)
    titled = style.headline and page_title(ctx, b, art)
    if ctx.chance(0.9):
        top_furniture(ctx, b)
    if titled and not ctx.chance(0.2):
        style.repeat_title = max(0, style.repeat_title - 1)
    if not titled and style.headline and (
        ctx.chance(P_BYLINE_FIRST) or (ctx.split == "train" and ctx.chance(P_TRAIN_BYLINE_FIRST))
    ):
        byline_first(ctx, b, art, style)
    else:
        render_article(ctx, b, art, style, new_article=not titled)
    end_furniture(ctx, b)
    if ctx.chance(P_PRINT_FURNITURE):
        print_furniture(ctx, b)


def article_with_embeds(ctx: PageContext, b: PageBuilder) -> None:
    """One article carrying 1-3 embedded social posts."""
    art = ctx.article(min_paragraphs=2)
    if ctx.chance(0.7):
        top_furniture(ctx, b, amount=(1, 4))
    render_article(ctx, b, art, primary_style(ctx, embeds=ctx.rng.randint(1, 3)))
    end_furniture(ctx, b, heavy=ctx.chance(0.5))


def mobile_amp_page(ctx: PageContext, b: PageBuilder) -> None:
    """A compact mobile page: site name, hamburger menu, relative time, tight body."""
    art = ctx.article()
    b.add(FOOTER, ctx.site)
    if ctx.chance(0.6):
        b.add(FOOTER, ctx.rng.choice(("☰", "القائمة", "☰ القائمة", "بحث")), glue=True)
    if ctx.chance(0.4):
        b.add(FOOTER, ctx.pick("categories"))
    style = primary_style(ctx)
    style.repeat_title = 0
    render_article(ctx, b, art, style)
    if ctx.chance(0.5):
        b.add_all(FOOTER, ctx.rng.sample(phrases("controls", ctx.split), k=2))
    end_furniture(ctx, b, heavy=False)
    if ctx.chance(0.4):
        related_list(ctx, b, k=(2, 5))
    if ctx.chance(0.4):
        b.add(FOOTER, ctx.fill(ctx.pick("copyright")))


def byline_first(ctx: PageContext, b: PageBuilder, art: SourceArticle, style: ArticleStyle) -> None:
    """A columnist's byline (and column label) standing before the title: the byline opens the article."""
    column = phrases("column_furniture", ctx.split)
    if ctx.chance(0.5):
        b.add(FOOTER, column[0])
    b.start_article()
    b.add(DATELINE, art.author or ctx.name())
    style.datelines = ctx.rng.randint(0, 1)
    render_article(ctx, b, art, style, new_article=False)
    if ctx.chance(0.5):
        b.add(RELATED, ctx.rng.choice(column[1:3]))


def print_furniture(ctx: PageContext, b: PageBuilder) -> None:
    """Print-view furniture after the article: article link, print and close controls."""
    furniture = phrases("print_furniture", ctx.split)
    if ctx.chance(0.6):
        b.add(FOOTER, f"{furniture[2]} https://www.example-news.com/{ctx.token(6)}")
    b.add_all(FOOTER, ctx.rng.sample([furniture[0], furniture[1], furniture[3]], k=2), glue_items=ctx.chance(0.5))


def opinion_column_page(ctx: PageContext, b: PageBuilder) -> None:
    """(test only) An opinion column: the columnist's name stands before the title."""
    art = ctx.article(min_paragraphs=2)
    top_furniture(ctx, b, amount=(1, 4))
    b.add(FOOTER, phrases("column_furniture", ctx.split)[0])
    b.start_article()
    b.add(DATELINE, art.author or ctx.name())
    style = primary_style(ctx)
    style.datelines = ctx.rng.randint(0, 1)
    style.repeat_title = 0
    render_article(ctx, b, art, style, new_article=False)
    b.add(FOOTER, phrases("column_furniture", ctx.split)[3])
    b.add(RELATED, ctx.rng.choice(phrases("column_furniture", ctx.split)[1:3]))
    related_list(ctx, b, header=False, k=(2, 5))
    end_furniture(ctx, b, heavy=ctx.chance(0.5))


def print_edition_page(ctx: PageContext, b: PageBuilder) -> None:
    """(test only) A printer-friendly page: site and print furniture, bare article, link."""
    art = ctx.article()
    furniture = phrases("print_furniture", ctx.split)
    b.add(FOOTER, ctx.site)
    b.add(FOOTER, furniture[0])
    style = primary_style(ctx)
    style.extras = False
    render_article(ctx, b, art, style)
    b.add(FOOTER, f"{furniture[2]} https://www.example-news.com/{ctx.token(6)}")
    b.add(FOOTER, ctx.fill(ctx.pick("copyright")))
    b.add_all(FOOTER, [furniture[1], furniture[3]], glue_items=ctx.chance(0.5))


def _transition(ctx: PageContext, b: PageBuilder) -> None:
    """What stands between two articles of an aggregator: marker, list, or nothing."""
    roll = ctx.rng.random()
    if roll < 0.55:
        b.add(FOOTER, ctx.pick("read_also"))  # lone marker followed by a full article
    elif roll < 0.65:
        related_list(ctx, b, k=(2, 5))
    elif roll < 0.7:
        b.add(FOOTER, ctx.pick("ads"))
    # else: run on with no marker; the new headline or dateline starts the article


def aggregator_page(ctx: PageContext, b: PageBuilder) -> None:
    """The seeds' layout: primary, source/tags, then 1-4 "read also" articles."""
    if ctx.chance(0.4):
        top_furniture(ctx, b, amount=(1, 3))
    primary = primary_style(ctx, max_paragraphs=ctx.rng.randint(2, 12))
    render_article(ctx, b, ctx.article(), primary)
    end_furniture(ctx, b, heavy=False)
    for _ in range(ctx.rng.randint(1, 4)):
        _transition(ctx, b)
        style = _headline_style(ctx, max_paragraphs=ctx.rng.randint(1, MAX_SECONDARY_PARAGRAPHS))
        style.headline = not ctx.chance(0.1)
        style.datelines = ctx.rng.choices((0, 1, 2), (0.55, 0.35, 0.1))[0]
        if not style.headline:
            style.datelines = max(1, style.datelines)
        style.embeds = 1 if ctx.chance(0.12) else 0
        style.extras = ctx.chance(0.5)
        render_article(ctx, b, ctx.article(), style)
        if ctx.chance(0.3):
            b.add(FOOTER, ctx.fill(ctx.pick("source_formats")))
    if ctx.chance(0.5):
        related_list(ctx, b)
    if ctx.chance(0.2):
        b.add(FOOTER, ctx.fill(ctx.pick("copyright")))


def teaser_cards_page(ctx: PageContext, b: PageBuilder) -> None:
    """A primary, then cards of headline + teaser (short secondary articles)."""
    if ctx.chance(0.7):
        top_furniture(ctx, b, amount=(1, 4))
    render_article(ctx, b, ctx.article(min_paragraphs=2), primary_style(ctx))
    end_furniture(ctx, b, heavy=False)
    if ctx.chance(0.7):
        # header of cards that have their own text: a marker before articles, footer
        b.add(FOOTER, ctx.pick("related_headers"))
    for _ in range(ctx.rng.randint(2, 4)):
        style = ArticleStyle(teaser=True, extras=False, datelines=1 if ctx.chance(0.3) else 0)
        render_article(ctx, b, ctx.article(), style)
        if ctx.chance(0.3):
            b.add(FOOTER, ctx.pick("pagination"), glue=True)
    if ctx.chance(0.4):
        related_list(ctx, b)


def news_digest_page(ctx: PageContext, b: PageBuilder) -> None:
    """(test only) Agency items without headlines, separated by rule lines."""
    top_furniture(ctx, b, amount=(1, 3))
    rule = ctx.rng.choice(("* * *", "ـــــــــــــــ", "—————", "***"))
    for i in range(ctx.rng.randint(2, 5)):
        if i:
            b.add(FOOTER, rule)
        art = ctx.article()
        b.start_article()
        b.add(DATELINE, f"{ctx.pick('cities')} - {ctx.pick('agencies')}")
        style = ArticleStyle(headline=i == 0 and ctx.chance(0.5), datelines=0, extras=False, max_paragraphs=ctx.rng.randint(1, 3))
        render_article(ctx, b, art, style, new_article=False)
    end_furniture(ctx, b, heavy=ctx.chance(0.5))


def wire_roundup_page(ctx: PageContext, b: PageBuilder) -> None:
    """(train only) Wire items each opened by an agency line, some titled, some separated by rules."""
    if ctx.chance(0.8):
        top_furniture(ctx, b, amount=(1, 3))
    rule = ctx.rng.choice(TRAIN_RULES)
    for i in range(ctx.rng.randint(2, 5)):
        if i and ctx.chance(0.5):
            b.add(FOOTER, rule)
        art = ctx.article()
        b.start_article()
        titled = ctx.chance(0.3)
        if titled:
            b.add(HEADLINE, art.title)
        b.add(DATELINE, ctx.fill(ctx.rng.choice(("{city} - {agency}", "{city} ({agency})", "{agency} - {city}"))))
        style = ArticleStyle(headline=False, datelines=0, extras=False, max_paragraphs=ctx.rng.randint(1, 3))
        render_article(ctx, b, art, style, new_article=False)
        if ctx.chance(0.4):
            wire_end(ctx, b)
        if ctx.chance(0.3):
            b.add(FOOTER, ctx.fill(ctx.pick("source_formats")))
    end_furniture(ctx, b, heavy=ctx.chance(0.5))


def listing_page(ctx: PageContext, b: PageBuilder) -> None:
    """An archive/listing page: 3-8 short posts with no headlines, one per article."""
    if ctx.chance(0.9):
        top_furniture(ctx, b, amount=(1, 3))
    if ctx.chance(0.6):
        b.add(FOOTER, ctx.pick("categories"))
    more = ctx.pick("pagination")
    for _ in range(ctx.rng.randint(3, 8)):
        art = ctx.article()
        style = ArticleStyle(headline=False, extras=False, max_paragraphs=ctx.rng.randint(1, 2))
        style.datelines = 1 if ctx.chance(0.5) else 0
        render_article(ctx, b, art, style)
        if ctx.chance(0.25):
            b.add(FOOTER, more)
    if ctx.chance(0.5):
        b.add(FOOTER, ctx.pick("pagination"))


TEMPLATES: dict[str, Callable[[PageContext, PageBuilder], None]] = {
    "news_site_article": news_site_article,
    "article_with_embeds": article_with_embeds,
    "mobile_amp_page": mobile_amp_page,
    "opinion_column_page": opinion_column_page,
    "print_edition_page": print_edition_page,
    "aggregator_page": aggregator_page,
    "teaser_cards_page": teaser_cards_page,
    "news_digest_page": news_digest_page,
    "wire_roundup_page": wire_roundup_page,
    "listing_page": listing_page,
}


# ------------------------------------------------------------- post-processing


def truncate(rng: Random, lines: list[Triple]) -> list[Triple]:
    """Cut the page inside the last article's body, mid-paragraph or mid-word."""
    last = max(a for _, a, _ in lines)
    candidates = [i for i, (r, a, t) in enumerate(lines) if r == BODY and a == last and len(t) > 40]
    if not candidates:
        return lines
    i = rng.choice(candidates[-3:])
    role, art, text = lines[i]
    cut = rng.randint(len(text) * 3 // 10, len(text) * 9 // 10)
    if rng.random() < 0.6 and " " in text[:cut]:
        cut = text.rindex(" ", 0, cut)
    kept = text[:cut].rstrip()
    if not kept.strip():
        kept = text[: len(text) // 2]
    return lines[:i] + [(role, art, kept)]


def _messy(rng: Random, text: str) -> str:
    """One light Unicode perturbation that real scraped text shows."""
    kind = rng.randrange(7)
    if kind == 0:
        return text.replace("ي", "ی").replace("ك", "ک")
    if kind in (1, 2):
        positions = [m.end() for m in _ARABIC_LETTER.finditer(text)]
        if not positions:
            return text
        mark = "ـ" if kind == 1 else rng.choice(DIACRITICS)
        for pos in sorted(rng.sample(positions, k=min(len(positions), rng.randint(1, 3))), reverse=True):
            if pos < len(text) and _ARABIC_LETTER.match(text, pos):
                text = text[:pos] + mark + text[pos:]
        return text
    if kind == 3:
        return re.sub(" ", lambda m: "\xa0" if rng.random() < 0.3 else " ", text)
    if kind == 4:
        mark = rng.choice(BIDI_MARKS)
        return mark + text if rng.random() < 0.5 else text + mark
    if kind == 5:
        return text + " " * rng.randint(1, 3)
    return text.translate(ARABIC_INDIC)


def messify(rng: Random, lines: list[Triple]) -> list[Triple]:
    rate = rng.uniform(0.03, 0.12)
    return [(r, a, _messy(rng, t)) if r != BLANK and rng.random() < rate else (r, a, t) for r, a, t in lines]


def _choose_template(rng: Random, split: Split) -> str:
    names = [n for n in TEMPLATES if TEMPLATE_WEIGHTS[n][split] > 0]
    return rng.choices(names, [TEMPLATE_WEIGHTS[n][split] for n in names])[0]


def _with_side_lines(side: Random, lines: list[Triple], side_lines: list[tuple[int, Triple]], truncated: bool) -> list[Triple]:
    """Put the side lines back where they stood (none after a cut), lightly messed up too."""
    keep = [(at, line) for at, line in side_lines if at < len(lines) or not truncated]
    if not keep:
        return lines
    texts = messify(side, [line for _, line in keep]) if side.random() < P_MESSY_PAGE else [line for _, line in keep]
    out: list[Triple] = []
    queue = list(zip((min(at, len(lines)) for at, _ in keep), texts))
    q = 0
    for k, line in enumerate(lines):
        while q < len(queue) and queue[q][0] == k:
            out.append(queue[q][1])
            q += 1
        out.append(line)
    out.extend(line for _, line in queue[q:])
    while out and out[-1][0] == BLANK:
        out.pop()
    return out


def compose_named_page(
    rng: Random,
    articles_by_outlet: Mapping[str, Sequence[SourceArticle]],
    split: Split,
    template: str | None = None,
    side: Random | None = None,
) -> tuple[str, list[Triple]]:
    """One page and the name of the template that drew it (``side``: the train-only stream)."""
    name = template or _choose_template(rng, split)
    if TEMPLATE_WEIGHTS[name][split] <= 0:
        raise ValueError(f"template {name!r} is not used in the {split} split")
    ctx = PageContext(rng, split, articles_by_outlet, side=side or Random(0))
    blank_style = rng.choices(("none", "all", "mixed"), (0.4, 0.4, 0.2))[0]
    b = PageBuilder(rng, blank_style)
    if rng.random() < 0.05:
        b.blank()
    TEMPLATES[name](ctx, b)
    # the page's own lines go through the page's stream as if no side line were there
    lines, side_lines = b.split_side()
    while lines and lines[-1][0] == BLANK:
        lines.pop()
    truncated = rng.random() < P_TRUNCATED
    if truncated:
        lines = truncate(rng, lines)
    if rng.random() < P_MESSY_PAGE:
        lines = messify(rng, lines)
    if side_lines:
        lines = _with_side_lines(ctx.side, lines, side_lines, truncated)
    if rng.random() < P_TRAILING_NEWLINE:
        lines.append((BLANK, lines[-1][1], ""))
    return name, lines


def compose_page(
    rng: Random, articles_by_outlet: Mapping[str, Sequence[SourceArticle]], split: Split, *, template: str | None = None
) -> list[Triple]:
    """One page as ``(role, article, text)`` triples; ``template`` forces a template."""
    return compose_named_page(rng, articles_by_outlet, split, template)[1]


def compose_pages(articles: Sequence[SourceArticle], n: int, *, split: Split, seed: int) -> Iterator[dict]:
    """``n`` records of ``split``, drawn from that split's outlets only."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = Random(f"{seed}:{split}")
    by_outlet = group_by_outlet(articles, split)
    for i in range(n):
        name, lines = compose_named_page(rng, by_outlet, split, side=Random(f"{seed}:{split}:{i}:side"))
        yield {"id": f"{split}-{i:05d}", "source": f"composed:{name}", "lines": [list(t) for t in lines]}


# ------------------------------------------------------------------------ CLI


def write_jsonl_gz(path: Path, records: Iterator[dict]) -> Counter:
    """Write records reproducibly (gzip mtime 0, no file name); return role counts."""
    roles: Counter = Counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as out:
            for record in records:
                roles.update(r for r, _, _ in record["lines"])
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return roles


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segmenter.compose", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory of SaudiNewsNet *.zip files")
    parser.add_argument("--out-dir", type=Path, default=Path("fixtures"))
    parser.add_argument("--train", type=int, default=24000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    articles = load_articles(args.data)
    print(f"loaded {len(articles)} articles in {time.perf_counter() - start:.1f}s", file=sys.stderr)
    for split, n in (("train", args.train), ("test", args.test)):
        t0 = time.perf_counter()
        path = args.out_dir / f"composed-{split}.jsonl.gz"
        roles = write_jsonl_gz(path, compose_pages(articles, n, split=split, seed=args.seed))
        print(
            f"{path}: {n} pages, {path.stat().st_size} bytes, {time.perf_counter() - t0:.1f}s, roles {dict(sorted(roles.items()))}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
