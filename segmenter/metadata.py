"""Stage 4 helpers: read dates, sources, tags, bylines and embedded posts from lines.

Everything here is a pure function of the text it is given: no line text is ever
changed, offsets and raw substrings always refer to the original string. Matching
runs on a *normalised* copy (diacritics, tatweel and invisible marks dropped,
hamza-alef forms unified, ى→ي, ة→ه, Persian yeh/keheh unified, Arabic-Indic digits
made ASCII, Latin lower-cased, every space made a plain space, dashes made ``-``),
built one character at a time with a map back to the original, so a match in the
normalised copy gives the exact raw substring.

Dates follow one rule above all: a wrong date is worse than none. Ambiguous
numeric dates (``03/04/2024``), 12-hour times without ``ص``/``م`` and relative words
without a reference date are left unresolved.

Glued-line convention (see ``fixtures/glued-lines.jsonl``): a line is *glued* when
it starts with a date stamp (optionally labelled ``آخر تحديث:``, ``تاريخ النشر:``,
``نشر في`` ...) and runs on into a paragraph, or when a subheading is stuck to the
paragraph without a space (``...العراقفي إطار``). When a date stamp is glued, a
place/agency byline that follows it (``بغداد/ شبكة أخبار العراق-``) belongs to the
dateline block and the body starts after it. A line that merely *opens* with a
byline (``الرياض - واس: أعلن ...``, ``سوريا – أفاد ...``) is the ordinary wire-story
lede and is NOT glued: the byline stays in the paragraph and is only read for
``agency``/``place``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain
import json
from pathlib import Path

import regex
from hijridate import Hijri
from pyarabic import araby

from segmenter import lexicons
from segmenter.types import Article, Line, Role, Tweet

# ---------------------------------------------------------------------------
# Normalisation with an offset map
# ---------------------------------------------------------------------------

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_SCAN_CHARS = 400  # bylines, date stamps and glued heads sit in a line's opening

_DROPPED_CHARS: frozenset[str] = frozenset(
    set(araby.TASHKEEL)
    | {araby.TATWEEL, araby.MINI_ALEF, "\u0653", "\u0654", "\u0655", "\u0656", "\u0657", "\u0658"}
    | {"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u2066", "\u2067", "\u2068",
       "\u2069", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\ufeff"}
)
_CHAR_MAP: dict[str, str] = {
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
    araby.TEH_MARBUTA: araby.HEH,
    "\u06cc": araby.YEH,  # Persian yeh, as in seed 004's tags
    "\u06a9": araby.KAF,  # keheh
    "\u06c1": araby.HEH,
    "\u060c": ",",  # Arabic comma
    "\u061b": ";",
    "\u066b": ".",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2015": "-", "\u2212": "-", "\u2010": "-",
    "\u2011": "-",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}


def _normalize_char(char: str) -> str:
    """One original character as one normalised character, or '' when it is dropped."""
    if char in _DROPPED_CHARS:
        return ""
    mapped = _CHAR_MAP.get(char)
    if mapped is not None:
        return mapped
    if char.isspace():
        return " "
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _build_fast_table() -> dict[int, str | None]:
    """``str.translate`` table doing what :func:`_normalize_char` does, but lower-casing."""
    table: dict[int, str | None] = {ord(c): None for c in _DROPPED_CHARS}
    table.update({ord(c): m for c, m in _CHAR_MAP.items()})
    for code in range(0x3001):  # every white-space character lies below U+3001
        if chr(code).isspace():
            table[code] = " "
    return table


_FAST_TABLE = _build_fast_table()
# The same table as a list for the code points below U+3001 (every white space, all of
# Arabic): ``translate`` indexes a list where a dict look-up of an unmapped character
# raises and catches a KeyError inside; the few entries above (U+FEFF) are replaced after.
_LIST_END = 0x3001
_FAST_LIST = [_FAST_TABLE.get(code, chr(code)) for code in range(_LIST_END)]
_FAST_BEYOND = tuple((chr(code), value or "") for code, value in _FAST_TABLE.items() if code >= _LIST_END)
# The expressions are compiled once here: asked by their pattern strings, the regex
# module looks each one up in its cache at every call (about 100 µs a call).
_SPACES_RE = regex.compile(r"\s+")
_STAMP_GAP_RE = regex.compile(r"[\s|\-,]*")  # between a date stamp and what follows it
_OPENING_RE = regex.compile(r"[(«\"“]")  # a bracket or quotation mark opening in a byline
_DROPPED_RE = regex.compile("[" + "".join(regex.escape(c) for c in sorted(_DROPPED_CHARS)) + "]")


def _normalize_with_map(text: str) -> tuple[str, Sequence[int]]:
    """The normalised text and, per normalised char, its index in ``text`` (plus len(text)).

    Most lines hold nothing that is dropped or changes length when lower-cased: then
    one ``translate`` and ``lower`` give the same result as the per-character walk,
    and the index map is the identity (a ``range``: nothing to build).
    """
    fast = text.translate(_FAST_LIST)  # characters past its end are left as they are ...
    for char, value in _FAST_BEYOND:
        if char in fast:
            fast = fast.replace(char, value)  # ... and mapped here
    if "Σ" not in fast:
        lowered = fast.lower()
        if len(lowered) == len(fast):
            if len(fast) == len(text):
                return lowered, range(len(text) + 1)
            # only drops changed the length: keep the indexes of the characters kept
            # the runs of kept characters between the dropped ones (and the end, len(text))
            bounds = [-1, *(m.start() for m in _DROPPED_RE.finditer(text)), len(text) + 1]
            return lowered, list(chain.from_iterable(map(range, [b + 1 for b in bounds[:-1]], bounds[1:])))
    return _normalize_slow(text)


def _normalize_slow(text: str) -> tuple[str, list[int]]:
    """Character by character, for lines with dropped or length-changing characters."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        norm = _normalize_char(char)
        if norm:
            out.append(norm)
            index.append(i)
    index.append(len(text))
    return "".join(out), index


def normalize(text: str) -> str:
    """Text in the form every pattern of this module is written against."""
    return _normalize_with_map(text)[0]


def _raw_span(index: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Original offsets of the normalised span [start, end)."""
    if end <= start:
        return index[start], index[start]
    return index[start], index[end - 1] + 1


# ---------------------------------------------------------------------------
# Month, weekday and label tables (normalised forms are computed below)
# ---------------------------------------------------------------------------

GREGORIAN_MONTHS: dict[str, int] = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Egypt and the Gulf, with common spelling variants
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "ابريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Morocco
    "ماي": 5, "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    # Algeria and Tunisia
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "جوان": 6, "جويلية": 7, "جويليه": 7, "أوت": 8,
    # Levant and Iraq (Syriac names)
    "كانون الثاني": 1, "كانون ثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين أول": 10,
    "تشرين الثاني": 11, "تشرين ثاني": 11, "كانون الأول": 12, "كانون أول": 12,
}

HIJRI_MONTHS: dict[str, int] = {
    "محرم": 1, "المحرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع أول": 3, "ربيع الآخر": 4,
    "ربيع الثاني": 4, "ربيع آخر": 4, "ربيع ثاني": 4, "جمادى الأولى": 5, "جمادى الأول": 5,
    "جمادى الآخرة": 6, "جمادى الثانية": 6, "جمادى الآخر": 6, "جمادى الثاني": 6, "رجب": 7,
    "شعبان": 8, "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12,
    "ذي الحجة": 12,
}

WEEKDAYS: dict[str, int] = {
    "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4,
    "السبت": 5, "الأحد": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}

# Relative day words and their offset in days from the reference date.
RELATIVE_DAYS: dict[str, int] = {"اليوم": 0, "today": 0, "أمس": -1, "البارحة": -1,
                                 "yesterday": -1, "أول أمس": -2}

PUBLISHED_LABELS = ("تاريخ النشر", "نشر في", "نشر بتاريخ", "نشر", "منشور", "published", "posted",
                    "بتاريخ", "التاريخ", "تاريخ")
UPDATED_LABELS = ("آخر تحديث", "اخر تحديث", "تاريخ التحديث", "تم التحديث", "تحديث", "محدث",
                  "last updated", "updated")


def _alternation(names: list[str]) -> str:
    """A regex alternation of normalised names, longest first, spaces made flexible."""
    forms = sorted({normalize(n) for n in names}, key=len, reverse=True)
    return "|".join(regex.escape(f).replace(r"\ ", r"\s+") for f in forms)


def _lookup(table: dict[str, int]) -> dict[str, int]:
    """A table keyed by normalised, single-spaced names."""
    return {normalize(k): v for k, v in table.items()}


_GREG_LOOKUP = _lookup(GREGORIAN_MONTHS)
_HIJRI_LOOKUP = _lookup(HIJRI_MONTHS)
_WEEKDAY_LOOKUP = _lookup(WEEKDAYS)
_RELATIVE_LOOKUP = _lookup(RELATIVE_DAYS)

_GREG_ALT = _alternation(list(GREGORIAN_MONTHS))
_HIJRI_ALT = _alternation(list(HIJRI_MONTHS))
_WEEKDAY_ALT = _alternation(list(WEEKDAYS))
_LABEL_ALT = _alternation(list(PUBLISHED_LABELS + UPDATED_LABELS))

# Word boundaries that work for Arabic script (\b treats some marks oddly).
_WB_BEFORE = r"(?<![\p{L}\p{N}_])"
_WB_AFTER = r"(?![\p{L}\p{N}_])"

# ---------------------------------------------------------------------------
# Date patterns, all over normalised text
# ---------------------------------------------------------------------------

_DAY = r"(?<![\d/.:-])(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_DM_SEP = r"(?:\s*[,\-/.]\s*|\s+)"
_GREG_SUFFIX = rf"(?:\s*م{_WB_AFTER})?"  # "2024م": the Gregorian-era mark
_HIJRI_SUFFIX = rf"\s*ه{_WB_AFTER}"  # "1446هـ" (tatweel is dropped by normalisation)

# "26 كانون الثاني 2024", "11th, July 2024", "7 أكتوبر (تشرين الأول) 2023", "11 يوليو/تموز 2024"
DAY_MONTH_YEAR_RE = regex.compile(
    rf"{_DAY}\s*,?{_DM_SEP}{_WB_BEFORE}(?P<m>{_GREG_ALT}){_WB_AFTER}"
    rf"(?:\s*(?:/|\()\s*(?P<m2>{_GREG_ALT}){_WB_AFTER}\s*\)?)?"
    rf"{_DM_SEP}(?P<y>\d{{4}})(?!\d){_GREG_SUFFIX}"
)
# "September 30, 2024", "Sep 30 2024"
MONTH_DAY_YEAR_RE = regex.compile(
    rf"{_WB_BEFORE}(?P<m>{_GREG_ALT})\.?\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)\s*,?\s*"
    rf"(?P<y>\d{{4}})(?!\d){_GREG_SUFFIX}"
)
# "2024-07-11", "2024-07-11T14:08:00+03:00", "2024/07/11"
ISO_DATE_RE = regex.compile(
    r"(?<![\d/.:-])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?![\d/.-])"
    r"(?:[t ](?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?(?!\d))?"
)
# "11/07/2024", "25-12-2024": parsed only when the day/month order is certain
NUMERIC_DATE_RE = regex.compile(
    r"(?<![\d/.:-])(?P<a>\d{1,2})(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?![\d/.-])"
    rf"(?P<hijri>{_HIJRI_SUFFIX})?"
)
# what each of the patterns above and below can start with (see _date_stamp_end), and
# what each of them holds
_DATE_START_RE = regex.compile(rf"\d|{_WB_BEFORE}(?:{_GREG_ALT})")
_ANY_DIGIT_RE = regex.compile(r"\d")
# "5 محرم 1446 هـ", "12 ربيع الأول 1445"
HIJRI_DATE_RE = regex.compile(
    rf"{_DAY}\s*,?{_DM_SEP}{_WB_BEFORE}(?P<m>{_HIJRI_ALT}){_WB_AFTER}{_DM_SEP}(?P<y>\d{{4}})(?!\d)"
    rf"(?:{_HIJRI_SUFFIX})?"
)
# "اليوم الجمعة", "صباح اليوم", "أمس الأربعاء", "أول أمس", "yesterday"
RELATIVE_DAY_RE = regex.compile(
    rf"{_WB_BEFORE}(?:"
    rf"(?:(?:صباح|مساء|فجر|ظهر|عصر|ليل|ليله|ظهيره|يوم)\s+)(?P<rel>اليوم|امس){_WB_AFTER}"
    rf"|(?P<rel>اليوم)(?=\s*,?\s*(?:{_WEEKDAY_ALT}){_WB_AFTER})"
    rf"|(?P<rel>اول\s+امس|امس|البارحه|today|yesterday){_WB_AFTER})"
    rf"(?:\s*,?\s*(?P<wd>{_WEEKDAY_ALT}){_WB_AFTER})?"
)
# "2:08 م", "14:08", "02:08 pm", "10:30 صباحا"
TIME_RE = regex.compile(
    r"(?<![\d:])(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?![\d:])"
    r"(?:\s*(?P<ampm>صباحا|صباح|مساء|مساءا|ص|م|am|pm|a\.m\.|p\.m\.)(?![\p{L}]))?"
)
# What may stand between a date and its time: dashes, bars, commas, "at", "الساعة"
_TIME_GAP_RE = regex.compile(r"[\s\-|,@/]*(?:(?:at|في|الساعه|على\s+الساعه)\s*)?:?\s*")
# A time zone word after a date or time; read into the raw string, not into the ISO value
TIMEZONE_RE = regex.compile(
    r"\s*\(?(?:gmt|utc|بتوقيت\s+\S+|توقيت\s+\S+|ت\s*غ|غرينتش)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\)?(?![a-z0-9_])"
)
# A publication/update label at the start of a line: "تاريخ النشر:", "آخر تحديث :", "نشر في"
DATE_LABEL_RE = regex.compile(rf"\s*(?P<label>{_LABEL_ALT}){_WB_AFTER}\s*[:\-]?\s*")
_PUBLISHED_LABEL_RE = regex.compile(rf"^\s*(?:{_alternation(list(PUBLISHED_LABELS))}){_WB_AFTER}")
# A weekday (with optional comma) that may precede a date at the start of a stamp
_LEADING_WEEKDAY_RE = regex.compile(rf"\s*(?:{_WEEKDAY_ALT}){_WB_AFTER}\s*,?\s*")


@dataclass(slots=True, frozen=True)
class ParsedDate:
    """A date read from text: the exact raw substring, its ISO value and the calendar used."""

    raw: str  # the exact substring that was parsed
    iso: str  # ISO 8601 date or datetime ("2024-07-11" or "2024-07-11T14:08")
    calendar: str  # "gregorian" or "hijri" (what the text used)


@dataclass(slots=True, frozen=True)
class _Candidate:
    """A date found in the normalised text, before the choice among candidates."""

    start: int  # normalised offsets
    end: int
    date: datetime.date
    calendar: str
    time: tuple[int, int] | None = None


def _valid_date(year: int, month: int, day: int) -> datetime.date | None:
    """A Gregorian date, or None when impossible or outside 1900-2100."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _hijri_to_gregorian(year: int, month: int, day: int) -> datetime.date | None:
    """Umm al-Qura conversion via hijridate (1343-1500 AH); None when out of its range."""
    try:
        gregorian = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):
        return None
    return _valid_date(gregorian.year, gregorian.month, gregorian.day)


def _clock(match: regex.Match[str]) -> tuple[int, int] | None:
    """24-hour (hour, minute) of a time match; None when 12-hour and AM/PM is unknown."""
    hour, minute = int(match["H"]), int(match["M"])
    if minute > 59 or hour > 23:
        return None
    ampm = match["ampm"]
    if ampm:
        is_pm = ampm in {"م", "مساء", "مساءا", "pm", "p.m."}
        if hour == 0 or hour > 12:
            return (hour, minute) if (hour > 12) == is_pm or hour == 0 and not is_pm else None
        return ((hour % 12) + 12 if is_pm else hour % 12), minute
    # No marker: only a 24-hour reading that cannot be a 12-hour one is trusted.
    if hour == 0 or hour > 12 or match["H"].startswith("0"):
        return hour, minute
    return None


def _time_after(norm: str, pos: int) -> tuple[int, tuple[int, int] | None] | None:
    """A time standing right after a date (within a short gap): its end and clock value."""
    gap = _TIME_GAP_RE.match(norm, pos)
    start = gap.end() if gap and gap.end() - pos <= 16 else pos
    match = TIME_RE.match(norm, start)
    if not match:
        return None
    return match.end(), _clock(match)


def _gregorian_candidates(norm: str) -> list[_Candidate]:
    """Every unambiguous Gregorian date in the normalised text."""
    found: list[_Candidate] = []
    if not _ANY_DIGIT_RE.search(norm):
        return found  # every pattern below needs a digit: most prose sentences have none
    for match in DAY_MONTH_YEAR_RE.finditer(norm, overlapped=True):
        month = _GREG_LOOKUP[_SPACES_RE.sub(" ", match["m"])]
        if match["m2"] and _GREG_LOOKUP[_SPACES_RE.sub(" ", match["m2"])] != month:
            continue  # "يوليو/آب": the two names disagree, so trust neither
        date = _valid_date(int(match["y"]), month, int(match["d"]))
        if date:
            found.append(_Candidate(match.start(), match.end(), date, "gregorian"))
    for match in MONTH_DAY_YEAR_RE.finditer(norm, overlapped=True):
        month = _GREG_LOOKUP[_SPACES_RE.sub(" ", match["m"])]
        date = _valid_date(int(match["y"]), month, int(match["d"]))
        if date:
            found.append(_Candidate(match.start(), match.end(), date, "gregorian"))
    for match in ISO_DATE_RE.finditer(norm):
        date = _valid_date(int(match["y"]), int(match["m"]), int(match["d"]))
        if not date:
            continue
        time = None
        if match["H"] is not None and int(match["H"]) <= 23 and int(match["M"]) <= 59:
            time = (int(match["H"]), int(match["M"]))
        found.append(_Candidate(match.start(), match.end(), date, "gregorian", time))
    for match in NUMERIC_DATE_RE.finditer(norm):
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        if first > 12 and second <= 12:
            day, month = first, second
        elif second > 12 and first <= 12:
            day, month = second, first
        elif first == second:
            day = month = first
        else:
            continue  # 03/04/2024: day/month order unknown, so leave it unparsed
        if match["hijri"]:
            date = _hijri_to_gregorian(year, month, day)
            calendar = "hijri"
        else:
            date = _valid_date(year, month, day)
            calendar = "gregorian"
        if date:
            found.append(_Candidate(match.start(), match.end(), date, calendar))
    return found


def _hijri_candidates(norm: str) -> list[_Candidate]:
    """Every Hijri date written with a month name, converted to Gregorian."""
    found: list[_Candidate] = []
    if not _ANY_DIGIT_RE.search(norm):
        return found  # a day and a year in digits
    for match in HIJRI_DATE_RE.finditer(norm):
        month = _HIJRI_LOOKUP[_SPACES_RE.sub(" ", match["m"])]
        date = _hijri_to_gregorian(int(match["y"]), month, int(match["d"]))
        if date:
            found.append(_Candidate(match.start(), match.end(), date, "hijri"))
    return found


def _relative_candidates(norm: str, reference: datetime.date) -> list[_Candidate]:
    """Relative day words resolved against ``reference``; a contradicting weekday drops one."""
    found = []
    for match in RELATIVE_DAY_RE.finditer(norm):
        word = _SPACES_RE.sub(" ", match["rel"])
        date = reference + datetime.timedelta(days=_RELATIVE_LOOKUP[word])
        if match["wd"] and _WEEKDAY_LOOKUP[match["wd"]] != date.weekday():
            continue
        if _valid_date(date.year, date.month, date.day):
            found.append(_Candidate(match.start(), match.end(), date, "gregorian"))
    return found


def _best(candidates: list[_Candidate]) -> _Candidate | None:
    """The earliest candidate; at one position the longest."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.start, -c.end))


# a time (and weekday) closing the text before a date
_TIME_BEFORE_RE = regex.compile(rf"(?:{TIME_RE.pattern})[\s\-|,]*(?:(?:{_WEEKDAY_ALT}){_WB_AFTER}\s*,?\s*)?$")


def _with_time(norm: str, start: int, end: int, clock: tuple[int, int] | None = None
               ) -> tuple[int, int, tuple[int, int] | None]:
    """Extend a date span over an adjacent time (after it, else just before it)."""
    date_end = end
    if clock is None:
        after = _time_after(norm, end)
        if after:
            end, clock = after
            if clock is None:
                end = date_end  # an ambiguous 12-hour time stays out of raw and ISO
        else:
            before = _TIME_BEFORE_RE.search(norm[max(0, start - 40):start])
            if before:
                value = _clock(before)
                if value is not None:
                    start, clock = max(0, start - 40) + before.start(), value
    zone = TIMEZONE_RE.match(norm, end)
    if zone:
        end = zone.end()
    return start, end, clock


def parse_date(text: str, *, reference: datetime.date | None = None) -> ParsedDate | None:
    """The first unambiguous date stated in ``text`` (Gregorian preferred over Hijri).

    Relative words (``اليوم الجمعة``, ``أمس``) count only when ``reference`` is given
    and only when the text states no absolute date.
    """
    if not isinstance(text, str) or not text:
        return None
    norm, index = _normalize_with_map(text)
    cand = _best(_gregorian_candidates(norm)) or _best(_hijri_candidates(norm))
    if cand is None and reference is not None:
        cand = _best(_relative_candidates(norm, reference))
    if cand is None:
        return None
    start, end, clock = _with_time(norm, cand.start, cand.end, cand.time)
    raw_start, raw_end = _raw_span(index, start, end)
    while raw_end < len(text) and text[raw_end] in _DROPPED_CHARS:
        raw_end += 1  # keep a trailing tatweel or tanween ("هـ", "مساءً") in the raw string
    iso = cand.date.isoformat()
    if clock is not None:
        iso += f"T{clock[0]:02d}:{clock[1]:02d}"
    return ParsedDate(raw=text[raw_start:raw_end], iso=iso, calendar=cand.calendar)


STAMP_WINDOW_CHARS = 120  # far longer than any date with its weekday and time


def _date_stamp_end(norm: str) -> int | None:
    """End (normalised offset) of the date stamp that opens ``norm``, labels and times included.

    A stamp is an optional label, an optional weekday, then a date starting right
    there; several stamps may follow one another (``نشر في ... | آخر تحديث ...``).
    """
    pos = 0
    found = False
    while True:
        label = DATE_LABEL_RE.match(norm, pos)
        cursor = label.end() if label else pos
        weekday = _LEADING_WEEKDAY_RE.match(norm, cursor)
        if weekday:
            cursor = weekday.end()
        cursor = len(norm) - len(norm[cursor:].lstrip(" ,-|"))
        # the extent of a stamp does not depend on day/month order, so 03/04/2024 counts here
        # only dates starting at the cursor count: look at a window cut at white space far
        # past the longest date, so no date starting there is cut and none is created
        cut = norm.find(" ", cursor + STAMP_WINDOW_CHARS)
        window = norm if cut < 0 else norm[:cut]
        # every date pattern starts with a digit or a month name: most lines (prose) open
        # with neither, and no date can start at their cursor
        spans = (
            [(c.end, c.time) for c in _gregorian_candidates(window) + _hijri_candidates(window) if c.start == cursor]
            if _DATE_START_RE.match(norm, cursor)
            else []
        )
        numeric = NUMERIC_DATE_RE.match(norm, cursor)
        if numeric:
            spans.append((numeric.end(), None))
        if not spans:
            return pos if found else None
        date_end, clock = max(spans, key=lambda s: s[0])
        _, end, _ = _with_time(norm, cursor, date_end, clock)
        found = True
        follow = _STAMP_GAP_RE.match(norm[end:])
        nxt = end + (follow.end() if follow else 0)
        if DATE_LABEL_RE.match(norm, nxt) and nxt < len(norm):
            pos = nxt
            continue
        return end


# ---------------------------------------------------------------------------
# Source and tag lines
# ---------------------------------------------------------------------------

MAX_SOURCE_WORDS = 10
# Labels that need no colon because the preposition already joins them to the name.
_OPEN_SOURCE_LABELS = ("نقلا عن", "نقلا من", "منقول عن", "بتصرف عن")
_SOURCE_LABEL_ALT = _alternation(
    [p for p in lexicons.load("source") if not p.startswith("عن ") and p != "وكالات"]
)
SOURCE_LINE_RE = regex.compile(rf"^\s*(?P<label>{_SOURCE_LABEL_ALT}){_WB_AFTER}\s*(?P<sep>[:：\-]\s*)?")
_TAG_LABEL_ALT = _alternation([p for p in lexicons.load("tags") if p != "ذات صله ب"])
TAGS_LINE_RE = regex.compile(rf"^\s*(?:{_TAG_LABEL_ALT}){_WB_AFTER}\s*[:：]\s*")
# Explicit tag separators; a hyphen counts only with a space on one side ("كوفيد-19" stays whole)
TAG_SEPARATOR_RE = regex.compile(r"\s*(?:[,،|/;؛•·#]|\s-\s*|\s*-\s)\s*")
_WRAPPING_RE = regex.compile(r"^[\s\"'«»“”()\[\].:\-]+|[\s\"'«»“”()\[\].:\-]+$")
_SENTENCE_MARK_RE = regex.compile(r"[,،.!?؟]\s")

# Words that glue to their neighbour in space-separated tag lists (prepositions, particles).
TAG_FUNCTION_WORDS = frozenset(normalize(w) for w in (
    "في", "فی", "من", "الى", "إلى", "على", "عن", "مع", "بين", "بین", "ضد", "حول", "بعد", "قبل",
    "لدى", "عند", "و", "أو", "ثم", "دون", "بدون"))
MAX_TAG_WORDS = 3


def _strip_wrapping(value: str) -> str:
    """A value without surrounding quotes, brackets, stops and spaces."""
    return _WRAPPING_RE.sub("", value)


def parse_source_line(text: str) -> str | None:
    """The attributed source of a line such as ``المصدر: وكالة بغداد اليوم``; None otherwise.

    A label needs a colon (``المصدر أكد ...`` is a sentence), except ``نقلا عن``-style
    labels; long or comma-punctuated remainders are sentences, not attributions.
    """
    norm, index = _normalize_with_map(text)
    match = SOURCE_LINE_RE.match(norm)
    if not match:
        return None
    label = _SPACES_RE.sub(" ", match["label"])
    if not match["sep"] and label not in {normalize(p) for p in _OPEN_SOURCE_LABELS}:
        return None
    rest = text[index[match.end()]:]
    value = _strip_wrapping(rest)
    if not value or len(value.split()) > MAX_SOURCE_WORDS or _SENTENCE_MARK_RE.search(value + " "):
        return None
    return value


def _is_nisba(word: str) -> bool:
    """An adjective of relation (العراقية، الدولی، أمريكي) that follows the noun it describes."""
    norm = normalize(word)
    stem = norm[2:] if norm.startswith("ال") else norm
    return len(stem) >= 4 and (stem.endswith("ي") or stem.endswith("يه"))


def _group_space_separated_tags(words: list[str]) -> list[str]:
    """Whole-word heuristic for tags separated by spaces only (seed 004).

    Rules, in order: a preposition glues to the next word (``فی العراق``), or to the
    previous one when the next is a preposition too (``ثنائیة مع``); a nisba
    adjective glues to the previous word unless that word is itself a nisba
    adjective or the same word (``علاقات ثنائیة`` | ``ثنائیة``); an indefinite noun
    takes the following noun (idafa: ``تنظیم داعش``); a tag has at most three words.
    """
    tags: list[list[str]] = []
    pending: list[str] = []  # prepositions waiting for their noun
    for i, word in enumerate(words):
        norm = normalize(word)
        nxt = normalize(words[i + 1]) if i + 1 < len(words) else None
        if norm in TAG_FUNCTION_WORDS:
            if (nxt is None or nxt in TAG_FUNCTION_WORDS) and tags and not pending:
                tags[-1].append(word)
            else:
                pending.append(word)
            continue
        if pending:
            tags.append(pending + [word])
            pending = []
            continue
        last = tags[-1] if tags else None
        if last and len(last) < MAX_TAG_WORDS and normalize(last[-1]) not in TAG_FUNCTION_WORDS:
            prev = normalize(last[-1])
            if _is_nisba(word) and prev != norm and (not _is_nisba(last[-1]) or len(last) == 1):
                last.append(word)
                continue
            if (len(last) == 1 and not prev.startswith("ال") and not _is_nisba(last[-1])
                    and not _is_nisba(word) and len(prev) >= 3):
                last.append(word)
                continue
        tags.append([word])
    if pending:
        tags.append(pending)
    return [" ".join(t) for t in tags]


def parse_tags_line(text: str) -> list[str] | None:
    """Tags of a line such as ``كلمات دلالية: أ، ب``; None when the line is not a tag line.

    Explicit separators (``، , | / ; • #``, spaced hyphens) are used when present;
    a hyphen-only list without spaces splits on hyphens; otherwise the space-only
    heuristic of :func:`_group_space_separated_tags` applies.
    """
    norm, index = _normalize_with_map(text)
    match = TAGS_LINE_RE.match(norm)
    if not match:
        return None
    rest = text[index[match.end()]:].strip()
    if not rest:
        return []
    if TAG_SEPARATOR_RE.search(rest):
        parts = TAG_SEPARATOR_RE.split(rest)
    elif "-" in rest and " " not in rest.strip():
        parts = rest.split("-")
    else:
        parts = _group_space_separated_tags(rest.split())
    tags: list[str] = []
    for part in parts:
        tag = _strip_wrapping(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


# ---------------------------------------------------------------------------
# Bylines: agency, place, author
# ---------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class Byline:
    """Who filed a story and from where, as read from a byline."""

    agency: str | None = None
    place: str | None = None
    author: str | None = None


def _load_data_list(name: str) -> tuple[str, ...]:
    """Entries of ``segmenter/metadata_data/NAME.txt``, comments dropped."""
    path = resources.files("segmenter").joinpath("metadata_data", f"{name}.txt")
    return lexicons.parse_word_list(path.read_text(encoding="utf-8"))


def _key(segment: str) -> str:
    """A byline segment as a lookup key: normalised, single-spaced, unwrapped."""
    return " ".join(_strip_wrapping(normalize(segment)).split())


@cache
def _places() -> frozenset[str]:
    """Place names that open datelines, normalised."""
    return frozenset(_key(p) for p in _load_data_list("places"))


@cache
def _agencies() -> frozenset[str]:
    """Agencies and outlets named in bylines, normalised (shared lexicon plus our own)."""
    return frozenset(_key(a) for a in lexicons.load("agencies") + _load_data_list("agencies"))


# A segment opening with one of these words names an outlet ("وكالة الأنباء العراقية").
MEDIA_WORDS_RE = regex.compile(r"^(?:وكاله|شبكه|صحيفه|جريده|موقع|قناه|مجله|اذاعه|تلفزيون|راديو)\s")
AUTHOR_PREFIX_RE = regex.compile(
    rf"^\s*(?:{_alternation(list(lexicons.load('byline_prefix')))}){_WB_AFTER}\s*(?P<sep>[:\-]\s*)?"
)
# Segment separators in a byline: dashes, colon, slash, bar (spaced or not)
BYLINE_SEPARATOR_RE = regex.compile(r"\s*[\-–—:/|]+\s*")
# A bracketed or quoted segment: "(رويترز)", "«الشرق الأوسط»", "\"واس\""
BRACKETED_RE = regex.compile(r"\s*(?:\((?P<a>[^()]{1,40})\)|«(?P<b>[^«»]{1,40})»|\"(?P<c>[^\"]{1,40})\"|“(?P<d>[^“”]{1,40})”)\s*")
MAX_SEGMENT_WORDS = 5
MAX_STANDALONE_BYLINE_WORDS = 9
MAX_AUTHOR_WORDS = 5
_NOT_BYLINE_RE = regex.compile(r"^\s*(?:اقرا\s+ايضا|المزيد|تابع|شاهد|اقرا)")


def _is_place(segment: str) -> bool:
    return _key(segment) in _places()


def _is_agency(segment: str) -> bool:
    key = _key(segment)
    return key in _agencies() or bool(MEDIA_WORDS_RE.match(key + " ")) and len(key.split()) >= 2


def _segments(text: str) -> tuple[list[tuple[str, bool, bool]], str]:
    """Leading byline segments as (text, bracketed, followed_by_separator), and the rest.

    Segmenting stops at the first segment longer than MAX_SEGMENT_WORDS: that is prose.
    """
    segments: list[tuple[str, bool, bool]] = []
    pos = 0
    while pos < len(text):
        bracket = BRACKETED_RE.match(text, pos)
        if bracket:
            inner = next(g for g in bracket.groups() if g is not None)
            pos = bracket.end()
            sep = BYLINE_SEPARATOR_RE.match(text, pos)
            if sep:
                pos = sep.end()
            segments.append((inner.strip(), True, bool(sep) or pos >= len(text)))
            continue
        sep = BYLINE_SEPARATOR_RE.search(text, pos)
        paren = regex.compile(r"[(«\"“]").search(text, pos)
        stop = min(x for x in (sep.start() if sep else len(text), paren.start() if paren else len(text)))
        chunk = text[pos:stop].strip()
        if not chunk or len(chunk.split()) > MAX_SEGMENT_WORDS:
            break
        if sep and sep.start() == stop:
            segments.append((chunk, False, True))
            pos = sep.end()
        else:
            segments.append((chunk, False, stop >= len(text)))
            pos = stop
    return segments, text[pos:]


def _assign(segments: list[tuple[str, bool, bool]], *, standalone: bool) -> tuple[str | None, str | None]:
    """(agency, place) from byline segments; unknown segments only fill a standalone pair."""
    agency = place = None
    unknown: list[str] = []
    for chunk, bracketed, _ in segments:
        if place is None and _is_place(chunk) and not (bracketed and _is_agency(chunk)):
            place = chunk
        elif agency is None and (bracketed or _is_agency(chunk)):
            agency = _strip_wrapping(chunk)
        else:
            unknown.append(chunk)
    if standalone and len(unknown) == 1 and (agency or place):
        if agency is None:
            agency = unknown[0]
        elif place is None:
            place = unknown[0]
    return agency, place


def parse_byline(text: str) -> Byline | None:
    """Agency, place and author of a byline, or of the byline that opens a first sentence.

    A byline line (``بغداد اليوم - بغداد``, ``جنيف : (رويترز)``, ``عكاظ (جدة)``,
    ``كتب : محمد علي``) is read whole; one segment may be unknown when the other is a
    known place or agency. A sentence (``سوريا – أفاد المرصد ...``) only yields the
    known place/agency segments that open it. A leading date stamp is skipped.
    Lines with no recognisable part give None (a wrong byline is worse than none).
    Only the first ``MAX_SCAN_CHARS`` characters are read: bylines are short, and the
    work stays bounded on pathological lines.
    """
    text = text[:MAX_SCAN_CHARS]
    norm, index = _normalize_with_map(text)
    start = 0
    stamp_end = _date_stamp_end(norm)
    if stamp_end is not None:
        start = index[stamp_end]
    elif DATE_LABEL_RE.match(norm) and parse_date(text):
        return None
    body = text[start:].strip(" \t\xa0\u200f\u200e-–—|:")
    if not body:
        return None
    bnorm, bindex = _normalize_with_map(body)
    if (SOURCE_LINE_RE.match(bnorm) and parse_source_line(body)) or TAGS_LINE_RE.match(bnorm) or _NOT_BYLINE_RE.match(bnorm):
        return None
    author = None
    author_match = AUTHOR_PREFIX_RE.match(bnorm)
    if author_match:
        rest = body[bindex[author_match.end()]:]
        segments, prose = _segments(rest)
        if segments and not segments[0][1] and (author_match["sep"] or not prose.strip()):
            name = segments[0][0]
            if len(name.split()) <= MAX_AUTHOR_WORDS and not _ANY_DIGIT_RE.search(name):
                author = name
                agency, place = _assign(segments[1:], standalone=not prose.strip())
                return Byline(agency=agency, place=place, author=author)
        return None
    segments, prose = _segments(body)
    if not segments:
        return None
    standalone = not prose.strip() and len(body.split()) <= MAX_STANDALONE_BYLINE_WORDS
    if standalone and _SENTENCE_MARK_RE.search(body + " "):
        return None
    if not standalone:
        # Only the separated, recognisable segments that open the sentence count.
        kept = []
        for chunk, bracketed, separated in segments:
            if not separated or not (bracketed or _is_place(chunk) or _is_agency(chunk)):
                break
            kept.append((chunk, bracketed, separated))
        segments = kept
    agency, place = _assign(segments, standalone=standalone)
    if agency is None and place is None:
        return None
    return Byline(agency=agency, place=place, author=None)


# ---------------------------------------------------------------------------
# Embedded social-media posts
# ---------------------------------------------------------------------------

# Links of posts and the platforms they embed; t.co and pic.twitter.com ids end at the
# first non-alphanumeric ("https://t.co/YVtNkEXSil#روج_نيوز").
LINK_RE = regex.compile(
    r"(?<![\w.])(?:https?://)?(?:www\.)?(?:t\.co/[A-Za-z0-9]+|pic\.twitter\.com/[A-Za-z0-9]+"
    r"|(?:twitter|x|instagram|facebook|fb|youtube|tiktok)\.com/[^\s\"'<>«»]+|youtu\.be/[^\s\"'<>«»]+"
    r"|fb\.watch/[^\s\"'<>«»]+)"
    r"|https?://[^\s\"'<>«»]+"
)
_LINK_TRAIL = ".,;:!?)]}»\"'…،"
# "— Rojnews بالعربية (@rojnewsarabi) September 30, 2024"
TWEET_SIGNATURE_RE = regex.compile(
    r"^\s*[—–-]\s*(?P<author>[^()\n]*?)\s*\(\s*@(?P<handle>[A-Za-z0-9_]{1,15})\s*\)\s*(?P<date>.*?)\s*$"
)
# Instagram / Facebook credit lines that name the author
POST_CREDIT_RE = regex.compile(
    r"^\s*(?:a\s+post\s+shared\s+by|منشور\s+مشترك\s+(?:بواسطة|من)|posted\s+by|نشره)\s*"
    r"(?P<author>[^()\n]*?)\s*(?:\(\s*@(?P<handle>[\w.]{1,30})\s*\))?"
    r"(?:\s+(?:on|في)\s+(?P<date>.+?))?\s*$",
    flags=regex.IGNORECASE,
)
# Embed furniture that is not post text
POST_BOILERPLATE_RE = regex.compile(
    r"^\s*(?:view\s+this\s+post\s+on\s+instagram|شاهد\s+هذا\s+المنشور\s+على\s+(?:instagram|انستغرام|إنستغرام)"
    r"|watch\s+on\s+youtube|youtube\s+video\s+player|watch\s+on\s+facebook)\s*$",
    flags=regex.IGNORECASE,
)


def _links(text: str) -> list[str]:
    """Links in a post line, trailing punctuation dropped."""
    return [m.group().rstrip(_LINK_TRAIL) for m in LINK_RE.finditer(text)]


def _signature(line: str) -> tuple[str | None, str | None, str | None] | None:
    """(author, handle, date text) of a signature or credit line; None for other lines."""
    match = TWEET_SIGNATURE_RE.match(line)
    if match:
        return match["author"] or None, match["handle"], match["date"] or None
    match = POST_CREDIT_RE.match(line)
    if match and (match["author"] or match["handle"]):
        return match["author"] or None, match["handle"], match["date"]
    return None


def parse_tweet(lines: list[str]) -> Tweet:
    """One embedded post from its lines: text without links/signature, links, author, date."""
    kept = [line for line in lines if line.strip()]
    text_lines: list[str] = []
    links: list[str] = []
    author = handle = date_raw = published = None
    for line in kept:
        links.extend(_links(line))
        sig = _signature(line)
        if sig:
            author = author or sig[0]
            handle = handle or sig[1]
            if sig[2] and date_raw is None:
                parsed = parse_date(sig[2])
                date_raw = parsed.raw if parsed else sig[2]
                published = parsed.iso if parsed else None
            continue
        if POST_BOILERPLATE_RE.match(line):
            continue
        clean = " ".join(LINK_RE.sub(" ", line).split())
        if clean:
            text_lines.append(clean)
    return Tweet(text="\n".join(text_lines), lines=kept, links=links, author=author,
                 handle=handle, date_raw=date_raw, published=published)


def _is_link_only(line: str) -> bool:
    """A line holding nothing but links (a stray ``pic.twitter.com`` after a signature)."""
    return bool(line.strip()) and not LINK_RE.sub("", line).strip()


def group_posts(lines: list[str]) -> list[list[str]]:
    """Consecutive post lines cut into posts: a signature/credit line ends a post.

    Lines after the last signature open a new post, except link-only lines, which
    belong to the post just signed.
    """
    posts: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if not current and posts and _is_link_only(line) and _signature(posts[-1][-1]):
            posts[-1].append(line)
            continue
        current.append(line)
        if _signature(line):
            posts.append(current)
            current = []
    if current:
        posts.append(current)
    return posts


# ---------------------------------------------------------------------------
# Glued lines
# ---------------------------------------------------------------------------

# Words that open a paragraph and get stuck to a subheading ("العراقفي إطار").
GLUE_OPENERS: tuple[str, ...] = (
    "في", "وفي", "من", "ومن", "على", "وعلى", "مع", "بعد", "وبعد", "خلال", "وخلال", "منذ",
    "أكد", "وأكد", "أكدت", "قال", "وقال", "قالت", "وقالت", "أعلن", "وأعلن", "أعلنت", "وأعلنت",
    "أشار", "وأشار", "أشاد", "وأشاد", "كشف", "وكشف", "كشفت", "أفاد", "أفادت", "تأتي", "يأتي",
    "ويأتي", "وتأتي", "بدأ", "بدأت", "شهد", "شهدت", "يشهد", "تشهد", "وسط", "بحسب", "وبحسب",
)
_GLUE_OPENERS_ALT = _alternation(list(GLUE_OPENERS))
# A token made of a word (>= 4 stem letters, not ending in a weak letter) plus an opener
GLUED_TOKEN_RE = regex.compile(
    rf"(?<=^|\s)(?P<head>\p{{Arabic}}+?)(?P<opener>{_GLUE_OPENERS_ALT})(?=\s)"
)
# every opener's last two letters: a word that ends otherwise holds no glued opener
_GLUE_OPENER_ENDINGS = frozenset(normalize(w)[-2:] for w in GLUE_OPENERS)
MIN_GLUED_STEM = 4
LONG_OPENER = 4  # openers this long rarely end a real word, so a 3-letter stem is enough
# Openers that also end many real words (nisba "-في": الجغرافي، الوظيفي; "-من": المتزامن):
# a head ending in a long vowel or hamza before them is one word, not a glue.
WORD_FINAL_OPENERS = frozenset(normalize(w) for w in ("في", "وفي", "من", "ومن"))
WEAK_LETTERS = frozenset("اويىئؤء")
# Real words that look like word + opener and pass the other checks.
GLUE_FALSE_FRIENDS: tuple[str, ...] = ("رحمن",)
MIN_SUBHEADING_WORDS = 2
MAX_SUBHEADING_WORDS = 10
_FIRST_WORDS_RE = regex.compile(rf"(?:\s*\S+){{{MAX_SUBHEADING_WORDS}}}\s")
MIN_BODY_WORDS = 6
_DEFINITE_PREFIX_RE = regex.compile(r"^(?:وال|بال|فال|كال|لل|ال)")
_SUBHEADING_PUNCT_RE = regex.compile(r"[,.:;!?؟\d]")


@dataclass(slots=True, frozen=True)
class GluedSplit:
    """Where a glued line splits and what its head is ("dateline" or "subheading")."""

    offset: int
    kind: str


def _skip_spaces(text: str, offset: int) -> int:
    """The first non-space offset at or after ``offset`` (NBSP and marks count as space)."""
    while offset < len(text) and (text[offset].isspace() or normalize(text[offset]) == ""):
        offset += 1
    return offset


def _skip_separators(text: str, offset: int) -> int:
    """The first offset at or after ``offset`` that is not space or a stamp separator."""
    while offset < len(text) and (text[offset] in "-–—|:,،" or text[offset].isspace()
                                  or normalize(text[offset]) == ""):
        offset += 1
    return offset


def _glued_dateline(text: str, normalized: tuple[str, Sequence[int]] | None = None) -> int | None:
    """Body offset of a line that opens with a date stamp (and maybe a byline) then prose."""
    norm, index = normalized or _normalize_with_map(text[:MAX_SCAN_CHARS])
    lead = len(norm) - len(norm.lstrip())
    stamp_end = _date_stamp_end(norm[lead:])
    if stamp_end is None:
        return None
    stamp_end += lead
    offset = _skip_separators(text, index[stamp_end])
    rest = text[offset : offset + MAX_SCAN_CHARS]
    rest_norm = normalize(rest)
    # a byline standing between the stamp and the body belongs to the dateline block
    segments, _prose = _segments(rest)
    consumed = 0
    kept = 0
    for chunk, bracketed, separated in segments:
        if not separated or not (bracketed or _is_place(chunk) or _is_agency(chunk)):
            break
        kept += 1
    if kept:
        # find where the kept segments end in the raw rest, by re-walking the separators
        pos = 0
        for _ in range(kept):
            bracket = BRACKETED_RE.match(rest, pos)
            if bracket:
                pos = bracket.end()
                sep = BYLINE_SEPARATOR_RE.match(rest, pos)
                pos = sep.end() if sep else pos
                continue
            sep = BYLINE_SEPARATOR_RE.search(rest, pos)
            paren = _OPENING_RE.search(rest[pos:])
            if paren and (not sep or pos + paren.start() < sep.start()):
                pos = pos + paren.start()
            else:
                pos = sep.end() if sep else len(rest)
        consumed = pos
    if kept:
        # "دمشق-سانا بحث ...": an agency can end the byline with a mere space before the body
        words = rest[consumed:].split()
        for size in range(min(4, len(words)), 0, -1):
            if _is_agency(" ".join(words[:size])):
                match = regex.match(r"\s*" + r"\s+".join(regex.escape(w) for w in words[:size]), rest[consumed:])
                consumed += match.end() if match else 0
                break
    body_start = _skip_separators(text, offset + consumed)
    body = text[body_start:]
    if len(body.split()) < MIN_BODY_WORDS or not rest_norm:
        return None
    return body_start


def _glued_tokens(norm: str, end: int) -> Iterator[regex.Match[str]]:
    """``GLUED_TOKEN_RE.finditer(norm, 0, end)``, the pattern tried only where it can match.

    A match is a whole word (the opener ends it: white space must follow), and in
    normalised text white space is a plain space; so only the start of a word that ends
    like an opener is tried, with the pattern itself.
    """
    start = 0
    for word in norm[:end].split(" "):
        if len(word) > 2 and word[-2:] in _GLUE_OPENER_ENDINGS:
            match = GLUED_TOKEN_RE.match(norm, start, end)
            if match:
                yield match
        start += len(word) + 1


def _glued_subheading(text: str, normalized: tuple[str, Sequence[int]] | None = None) -> int | None:
    """Offset of a paragraph opener stuck to a short subheading (``...العراقفي إطار``)."""
    norm, index = normalized or _normalize_with_map(text[:MAX_SCAN_CHARS])
    # a subheading is at most MAX_SUBHEADING_WORDS words: scan no further than that
    first_words = _FIRST_WORDS_RE.match(norm)
    for match in _glued_tokens(norm, first_words.end() if first_words else len(norm)):
        n_head_words = len(norm[: match.start()].split()) + 1
        if n_head_words > MAX_SUBHEADING_WORDS:
            break  # later matches stand after even more words
        if n_head_words < MIN_SUBHEADING_WORDS:
            continue
        if _SUBHEADING_PUNCT_RE.search(norm[: match.end("head")]):
            return None
        stem = _DEFINITE_PREFIX_RE.sub("", match["head"])
        token = match["head"] + match["opener"]
        min_stem = MIN_GLUED_STEM - 1 if len(match["opener"]) >= LONG_OPENER else MIN_GLUED_STEM
        if len(stem) < min_stem or token.endswith(GLUE_FALSE_FRIENDS):
            continue
        if match["opener"] in WORD_FINAL_OPENERS and match["head"][-1] in WEAK_LETTERS:
            continue
        if len(norm[match.start("opener"):].split()) < MIN_BODY_WORDS:
            return None
        return index[match.start("opener")]
    return None


def classify_glued(text: str) -> GluedSplit | None:
    """Where and why a line is glued (dateline stamp first, then subheading); None if not."""
    normalized = _normalize_with_map(text[:MAX_SCAN_CHARS])
    offset = _glued_dateline(text, normalized)
    if offset is not None:
        return GluedSplit(offset, "dateline")
    offset = _glued_subheading(text, normalized)
    if offset is not None:
        return GluedSplit(offset, "subheading")
    return None


def split_glued(text: str) -> int | None:
    """Offset where the body begins in a glued line; None if the line is not glued."""
    found = classify_glued(text)
    return found.offset if found else None


def evaluate_glued(path: str | Path) -> dict[str, float]:
    """Score :func:`split_glued` on a gold JSONL: exact-offset share, precision/recall of "glued"."""
    total = exact = tp = fp = fn = 0
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        gold, pred = record["split"], split_glued(record["text"])
        total += 1
        exact += gold == pred
        if pred is not None and gold is not None:
            tp += 1
        elif pred is not None:
            fp += 1
        elif gold is not None:
            fn += 1
    return {
        "n": total,
        "exact": exact / total if total else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


# ---------------------------------------------------------------------------
# Article enrichment
# ---------------------------------------------------------------------------

MAX_FIRST_SENTENCE_CHARS = 300
_SENTENCE_END_RE = regex.compile(r"(?<!\d)[.!?؟](?=\s|$)|\n")


def first_sentence(paragraph: str) -> str:
    """The opening sentence of a paragraph (where a lede states its date and byline)."""
    match = _SENTENCE_END_RE.search(paragraph)
    end = match.end() if match else len(paragraph)
    return paragraph[: min(end, MAX_FIRST_SENTENCE_CHARS)]


def _paragraph_index(paragraphs: list[str], text: str) -> int | None:
    """Where the assembly stage put this body line's text (as is, or stripped)."""
    for i, paragraph in enumerate(paragraphs):
        if paragraph == text or paragraph == text.strip():
            return i
    return None


def _split_glued_paragraphs(article: Article, lines: list[Line]) -> None:
    """Move glued date stamps to datelines and split glued subheadings off their paragraph."""
    datelines_before = 0
    for line in lines:
        if line.role is Role.DATELINE:
            datelines_before += 1
            continue
        if line.role is not Role.BODY:
            continue
        glued = classify_glued(line.text)
        if glued is None:
            continue
        i = _paragraph_index(article.paragraphs, line.text)
        if i is None:
            continue
        stripped = article.paragraphs[i] != line.text
        article.splits.append((line.start, glued.offset, glued.kind))
        head = line.text[: glued.offset].strip()
        body = line.text[glued.offset:]
        body = body.strip() if stripped else body
        if glued.kind == "dateline":
            article.paragraphs[i] = body
            article.datelines.insert(min(datelines_before, len(article.datelines)), head)
            datelines_before += 1
        else:
            article.paragraphs[i : i + 1] = [head, body]


def _published(article: Article, reference: datetime.date | None) -> ParsedDate | None:
    """Publication date: a "published" dateline, else any dateline, else the lede sentence."""
    dated = [(d, parse_date(d, reference=reference)) for d in article.datelines]
    dated = [(d, p) for d, p in dated if p is not None]
    for text, parsed in dated:
        if _PUBLISHED_LABEL_RE.match(normalize(text)):
            return parsed
    if dated:
        return dated[0][1]
    for paragraph in article.paragraphs:
        if paragraph.strip():
            return parse_date(first_sentence(paragraph), reference=reference)
    return None


def enrich_article(article: Article, lines: list[Line], *, reference: datetime.date | None = None) -> None:
    """Fill an assembled article's metadata from its lines, in place; line texts are untouched."""
    _split_glued_paragraphs(article, lines)

    parsed = _published(article, reference)
    if parsed is not None:
        article.published, article.published_raw = parsed.iso, parsed.raw

    for line in lines:
        if line.role in (Role.FOOTER, Role.DATELINE) and article.source is None:
            article.source = parse_source_line(line.text)
        if line.role is Role.FOOTER:
            tags = parse_tags_line(line.text)
            if tags:
                article.tags.extend(t for t in tags if t not in article.tags)

    bylines = [parse_byline(d) for d in article.datelines]
    lede = next((p for p in article.paragraphs if p.strip()), None)
    if lede is not None and not any(b and (b.agency or b.place) for b in bylines):
        bylines.append(parse_byline(first_sentence(lede)))
    for byline in bylines:
        if byline is None:
            continue
        article.agency = article.agency or byline.agency
        article.place = article.place or byline.place
        article.author = article.author or byline.author


def posts_from_lines(lines: list[Line]) -> list[Tweet]:
    """Posts from runs of tweet lines; blank lines inside a run do not break it."""
    runs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.role is Role.TWEET:
            current.append(line.text)
        elif line.role is Role.BLANK or not line.text.strip():
            continue
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [parse_tweet(post) for run in runs for post in group_posts(run)]
