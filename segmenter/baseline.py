"""The rules baseline: the regular-expression script a user would write in an afternoon.

It is scored beside the CRF, in the same tables, so the README can say where the
model earns its keep. Rules, first match wins: blank; social-post shapes; furniture
phrases at the line start (source, tags, read-also, promos, copyright); bullets and
list headers as related; short lines with a date or a ``place - agency`` shape as
datelines; short lines without final punctuation followed by a long line as
headlines; other lines under eight words as furniture; the rest body. A headline (or, failing that, a dateline) that follows body
text opens a new article.
"""

from __future__ import annotations

import regex

from segmenter.reading import split_lines
from segmenter.types import Role

_TWEET_RE = regex.compile(r"pic\.twitter\.com|t\.co/|\(@\w+\)|twitter\.com|instagram", regex.I)
_FOOTER_RE = regex.compile(
    r"^\s*(?:المصدر|مصدر|كلمات دلالية|الكلمات الدلالية|الوسوم|وسوم|Tags|[إا]قر[أا] [أا]يض[اًا]?|تابع|تابعونا|شارك|"
    r"حمل تطبيق|جميع الحقوق|حقوق|©|الرئيسية|تسجيل الدخول|طباعة|إعلان|اعلان)"
)
_RELATED_RE = regex.compile(r"^\s*(?:[•▪●◄►\*]|\d+\.\s)|^\s*(?:مقالات مشابهة|مقالات ذات صلة|أخبار ذات صلة|الأكثر قراءة)\s*:?\s*$")
_DATE_RE = regex.compile(
    r"\d{4}|\d{1,2}:\d{2}|(?:يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
    r"كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)"
)
_BYLINE_RE = regex.compile(r"^\s*\S+(?:\s\S+)?\s*[-–—:]\s*\S+(?:\s\S+)?\s*[-–—:]?\s*$|^\s*(?:كتب|بقلم|متابعة)\s*:")
_END_PUNCT = (".", "!", "؟", "?", ":", "،")
SHORT_WORDS = 15
LONG_WORDS = 20
MIN_BODY_WORDS = 8


def _role(text: str, next_text: str | None) -> Role:
    stripped = text.strip()
    if not stripped:
        return Role.BLANK
    words = len(stripped.split())
    if _TWEET_RE.search(stripped):
        return Role.TWEET
    if _FOOTER_RE.match(stripped):
        return Role.FOOTER
    if _RELATED_RE.search(stripped):
        return Role.RELATED
    if words <= 8 and (_BYLINE_RE.match(stripped) or _DATE_RE.search(stripped)):
        return Role.DATELINE
    next_long = next_text is not None and len(next_text.split()) >= LONG_WORDS
    if words <= SHORT_WORDS and not stripped.endswith(_END_PUNCT) and next_long:
        return Role.HEADLINE
    if words < MIN_BODY_WORDS:
        return Role.FOOTER  # short leftovers: menus, labels, buttons
    return Role.BODY


def label_page(text: str) -> list[tuple[Role, int, str]]:
    """Label every line of ``text`` as ``(role, article, text)``."""
    texts = [line.text for line in split_lines(text)]
    non_blank = [t for t in texts if t.strip()]
    next_of: dict[int, str | None] = {}
    k = 0
    for i, t in enumerate(texts):
        if t.strip():
            k += 1
            next_of[i] = non_blank[k] if k < len(non_blank) else None
    out: list[tuple[Role, int, str]] = []
    article = 0
    started = False
    has_body = False
    previous_role: Role | None = None
    for i, t in enumerate(texts):
        role = _role(t, next_of.get(i))
        if role in (Role.HEADLINE, Role.DATELINE):
            opens = role is Role.HEADLINE or previous_role is not Role.HEADLINE
            if started and has_body and opens:
                article += 1
                has_body = False
            started = True
        elif role in (Role.BODY, Role.TWEET):
            started = True
            if role is Role.BODY:
                has_body = True
        out.append((role, article, t))
        if role is not Role.BLANK:
            previous_role = role
    return out
