"""Stage 2: line features for the CRF, as a pure function of the page's lines.

Each line is described by short string features that read like rules
(``cue:source@start``, ``end:colon``, ``-1:len:short``, ``ctx:after_read_also``), so the
learned weights can be printed and understood (``segmenter explain``). Three layers:

1. **Own features** of a line, computed once per line from its normalised text:
   length and shape, Unicode classes (Arabic and Latin letters, digits of any kind,
   emoji, punctuation), final punctuation, bullets, cue lexicons (``segmenter/lexicons``),
   date/time shapes (month names by region, Hijri, weekdays, years, clock times),
   byline and agency shapes, a short line opening with a given name (``name@start``:
   a byline is most often a bare name), social-post signatures, the first word, and
   how a paragraph opens (a lede verb that starts a story, or an attribution that
   carries one on; and a lede score, ``lede:0``..``lede:4``, from weights learned on
   the first and later paragraphs of real articles, see :mod:`segmenter.lede`). What
   a line's characters are is measured for the whole page at once
   (:func:`line_views`): one NumPy table look-up per code point instead of a regex
   call per line and shape.
2. **Neighbour features**: the own features of the previous and next non-blank lines
   (a window of ±2), prefixed ``-2:``, ``-1:``, ``+1:``, ``+2:``, shared, not recomputed.
3. **Page context**: position in the page, whether blank lines stand around the line,
   whether a long (paragraph-like) line or a "read also" marker came before, repeated
   lines (titles shown two or three times, or again inside another line: a browser
   title ``site | headline`` above the headline, or a share or link line
   ``شارك الخبر: <title>`` after the text; since feature version 13 which way the echo
   points is a feature of its own), list items that open alike (the same first word, or first
   two, as the line before or after: a bullet, a number, a ``الآن |`` ticker), and
   lexical cohesion: how many of the
   line's content words occur in the lines before and after it, in the paragraphs
   before it, and — across a short line — how much the next paragraph shares with
   the paragraphs before (TextTiling-style), plus the Jaccard similarity of each
   paragraph with the one before (and of the two paragraphs on either side of a short
   line), which marks where one article ends and another begins when no marker does.

A fourth layer serves the stacked second pass of the tagger: the *first pass's
labels* around each line (:func:`label_context_features`), added to the three above.

Blank lines are not part of the CRF sequence: they are always ``blank`` and carry
no information beyond "there was a gap", which the ``blank_before``/``blank_after``
features keep. Normalisation (for features only; the text given back is never
changed) unifies diacritics, tatweel, alef/hamza forms, Persian yeh/keheh, alef
maqsura, teh marbuta, Arabic-Indic digits, NBSP and zero-width/bidi marks. Diacritics,
tatweel and zero-width/bidi marks are dropped before a line is measured at all, so
they change none of its features (feature version 11): not its share of Arabic
letters, not its last character, not its bullet. Since feature version 12 the digits
a line is written in do not matter either: Arabic-Indic and Persian digits are digits,
not Arabic letters, and one ``digits`` feature stands for both kinds. A test holds every
feature of a page equal with and without the marks, with Persian letters, NBSP and
either kind of digits.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import combinations, repeat
import re
import sys

import numpy as np
import regex
from pyarabic import araby

from segmenter import lexicons
from segmenter._compiled import kernel

FEATURE_VERSION = "13"

# --- normalisation -----------------------------------------------------------------

_INVISIBLE_CHARS = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\ufeff\u061c\u00ad"
)
# what normalisation deletes, and what a line is measured without: diacritics, tatweel
# and the invisible marks (see ``without_marks``)
_MARK_CHARS = "".join(araby.TASHKEEL) + _INVISIBLE_CHARS
_DELETED_CHARS = _MARK_CHARS + araby.TATWEEL
_SPACE_CHARS = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"


def _build_translation() -> dict[int, str | None]:
    """One ``str.translate`` table: pyarabic's letter classes mapped to one form each."""
    table: dict[int, str | None] = {}
    for ch in _DELETED_CHARS:
        table[ord(ch)] = None
    for ch in (araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW, araby.ALEF_MADDA, araby.ALEF_WASLA):
        table[ord(ch)] = araby.ALEF
    table[ord(araby.WAW_HAMZA)] = araby.WAW
    table[ord(araby.YEH_HAMZA)] = araby.YEH
    table[ord(araby.ALEF_MAKSURA)] = araby.YEH
    table[ord(araby.TEH_MARBUTA)] = araby.HEH
    table[ord("\u06cc")] = araby.YEH  # Persian yeh
    table[ord("\u06a9")] = araby.KAF  # Persian keheh
    table[ord("\u06c1")] = araby.HEH  # heh goal
    for digit in range(10):
        table[0x0660 + digit] = str(digit)  # Arabic-Indic
        table[0x06F0 + digit] = str(digit)  # Extended (Persian) Arabic-Indic
    for ch in _SPACE_CHARS:
        table[ord(ch)] = " "
    table[ord("\u060c")] = ","  # Arabic comma
    table[ord("\u061b")] = ";"  # Arabic semicolon
    table[ord("\u061f")] = "?"  # Arabic question mark
    return table


_NORMALISE_TABLE = _build_translation()


def normalize(text: str) -> str:
    """The feature view of ``text``: unified letters and digits, lower-cased Latin."""
    return text.translate(_NORMALISE_TABLE).lower()


_TOKEN_RE = regex.compile(r"[\p{L}\p{N}_]+", regex.V1)


def tokens_of(normalized: str) -> list[str]:
    """Word tokens of a normalised line (punctuation and symbols dropped)."""
    return _TOKEN_RE.findall(normalized)


# --- lexicons ----------------------------------------------------------------------

PHRASE_LEXICONS: tuple[str, ...] = (
    "source",
    "tags",
    "read_also",
    "related_header",
    "promo",
    "copyright",
    "menu",
    "login",
    "comment",
    "controls",
    "ad",
    "photo",
    "byline_prefix",
    "dateline_prefix",
    "agencies",
    "social",
    "market",
    "pagination",
    "end_mark",
)
TOKEN_LEXICONS: tuple[str, ...] = (
    "months_levantine",
    "months_egyptian",
    "months_maghrebi",
    "months_english",
    "hijri_months",
    "weekdays",
    "relative_time",
)


@dataclass(slots=True, frozen=True)
class _PhraseIndex:
    """Phrases of all lexicons keyed by their first token, for one pass over a line."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], str], ...]]


@cache
def _phrase_index() -> _PhraseIndex:
    grouped: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name in PHRASE_LEXICONS:
        for phrase in lexicons.load(name):
            toks = tuple(tokens_of(normalize(phrase)))
            if toks:
                grouped.setdefault(toks[0], []).append((toks, name))
    # longest phrases first, so "coverage" counts the most specific match
    return _PhraseIndex({k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in grouped.items()})


@cache
def _token_lexicon_map() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for name in TOKEN_LEXICONS:
        for word in lexicons.load(name):
            out.setdefault(normalize(word), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


@cache
def _given_names() -> frozenset[str]:
    """Normalised first words of the given-names list (bylines are names)."""
    return frozenset(toks[0] for toks in map(tokens_of, map(normalize, lexicons.load("given_names"))) if toks)


# --- lede weights ------------------------------------------------------------------
#
# A logistic regression over a paragraph's opening words (built from the corpus by
# ``python -m segmenter.lede``; the weights are data in ``lexicons/lede_weights.tsv``).

LEDE_MIN_TOKENS = 7  # lines this long are scored (as for the first-word feature)
LEDE_POSITIONS = 3  # the first words are weighed by place ...
LEDE_HEAD_TOKENS = 12  # ... and the first twelve as a bag
_LEDE_EDGES = (-2.2, -0.85, 0.85, 2.2)  # log-odds: lede probability 0.1, 0.3, 0.7, 0.9
_LEDE_FEATURES = [f"lede:{k}" for k in range(len(_LEDE_EDGES) + 1)]
LEDE_WEIGHTS_FILE = "lede_weights.tsv"


_LEDE_SCALE = 1000  # weights are kept in thousandths: integer sums, exact in any order
_LEDE_EDGES_SCALED = tuple(round(edge * _LEDE_SCALE) for edge in _LEDE_EDGES)


@dataclass(frozen=True)
class LedeWeights:
    """Log-odds weights of ``bias``, ``pN:word``, ``b:word`` and ``bg:word word`` attributes.

    ``items`` are the attributes and weights as written; the rest is the same weights in
    thousandths (integers, so a sum does not depend on the order of the words), indexed
    for scoring without building attribute strings.
    """

    items: tuple[tuple[str, float], ...]
    bias: int
    positions: tuple[dict[str, int], ...]
    bag: dict[str, int]
    pairs: dict[tuple[str, str], int]

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, float]]) -> LedeWeights:
        """Weights from ``(attribute, weight)`` pairs."""
        items = tuple(items)
        bias = 0
        positions: tuple[dict[str, int], ...] = tuple({} for _ in range(LEDE_POSITIONS))
        bag: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        for attr, weight in items:
            kind, _, word = attr.partition(":")
            scaled = round(weight * _LEDE_SCALE)
            if attr == "bias":
                bias = scaled
            elif kind == "b":
                bag[word] = scaled
            elif kind == "bg" and word.count(" ") == 1:
                first, second = word.split(" ")
                pairs[(first, second)] = scaled
            elif kind[:1] == "p" and kind[1:].isdigit() and int(kind[1:]) < LEDE_POSITIONS:
                positions[int(kind[1:])][word] = scaled
            else:
                raise ValueError(f"unknown lede attribute {attr!r}")
        return cls(items, bias, positions, bag, pairs)

    @classmethod
    def from_tsv(cls, text: str) -> LedeWeights:
        """Parse ``attribute<TAB>weight`` lines (``#`` comments)."""
        items = []
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip() or raw.startswith("#"):
                continue
            attr, sep, weight = raw.rpartition("\t")
            try:
                if not sep:
                    raise ValueError
                items.append((attr, float(weight)))
            except ValueError:
                raise ValueError(f"lede weights line {number}: expected 'attribute<TAB>weight', got {raw!r}") from None
        return cls.from_items(items)

    def to_tsv(self) -> str:
        header = (
            "# Lede weights: log-odds that a paragraph opens a story, by its opening words.\n"
            "# Written by `python -m segmenter.lede --data ../shared/data/saudinewsnet`; do not edit.\n"
        )
        return header + "".join(f"{attr}\t{weight}\n" for attr, weight in self.items)


def _lede_millis(weights: LedeWeights, toks: Sequence[str]) -> int:
    # integer look-ups summed by map (no Python frame per word); any order gives the same sum
    score = weights.bias + sum(map(dict.get, weights.positions, toks, repeat(0)))
    score += sum(map(weights.bag.get, set(toks[:LEDE_HEAD_TOKENS]), repeat(0)))
    if len(toks) > 1:
        score += weights.pairs.get((toks[0], toks[1]), 0)
    return score


def lede_score(weights: LedeWeights, toks: Sequence[str]) -> float:
    """Log-odds that a paragraph with these normalised tokens is the first of its story."""
    return _lede_millis(weights, toks) / _LEDE_SCALE


@cache
def _lede_weights() -> LedeWeights:
    return LedeWeights.from_tsv((resources.files(lexicons) / LEDE_WEIGHTS_FILE).read_text(encoding="utf-8"))


@cache
def _opener_map() -> dict[str, str]:
    """Normalised opening phrase -> ``open:lede`` / ``open:continuation`` (longest wins)."""
    out: dict[str, str] = {}
    for name, feature in (("lede_openers", "open:lede"), ("continuation_openers", "open:continuation")):
        for phrase in lexicons.load(name):
            key = " ".join(tokens_of(normalize(phrase)))
            if key and len(key.split()) <= OPENER_MAX_TOKENS:
                out.setdefault(key, feature)
    return out


@cache
def _opener_first_tokens() -> frozenset[str]:
    """First words of the opener phrases: a line opening with none of them has no opener."""
    return frozenset(key.split(" ", 1)[0] for key in _opener_map())


@cache
def _lexicon_words() -> dict[str, str]:
    """Every word the own features look a token up by, each as one string object.

    The compiled kernels share it: the measuring kernel gives a new token that is one
    of these words as this very string, and the own-features kernel keys its lexicons
    by these strings. A look-up of a lexicon word then finds its key by identity, the
    dictionary's first check, where it read the key's hash from the key's own string
    (a wait for memory: half the time of the look-ups, ``perf annotate``)."""
    weights = _lede_weights()
    words: dict[str, str] = {}
    for group in (
        _phrase_index().by_first,
        [tok for phrases in _phrase_index().by_first.values() for phrase, _ in phrases for tok in phrase],
        _token_lexicon_map(),
        _given_names(),
        _opener_first_tokens(),
        weights.bag,
        [word for position in weights.positions for word in position],
        [word for pair in weights.pairs for word in pair],
    ):
        for word in group:
            words.setdefault(word, word)
    return words


_DIALECT_MONTHS = frozenset(
    {"months_levantine", "months_egyptian", "months_maghrebi", "months_english", "hijri_months"}
)

# --- regular expressions, compiled once --------------------------------------------

_TWEET_SIGNATURE_RE = regex.compile(
    r"[—–-]\s*[^\n]{1,80}?\(@\w{1,30}\)\s*[A-Za-z]{3,9}\.?\s+\d{1,2},\s+\d{4}"
)
_PIC_TWITTER_RE = regex.compile(r"pic\.twitter\.com/\w+|https?://t\.co/\w+|\bt\.co/\w+", regex.I)
_URL_RE = regex.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|me|tv|news|sa|iq|eg|ae)\b", regex.I)
_URL_HINT_RE = regex.compile(r"://|www\.|\.(?:com|net|org|me|tv|news|sa|iq|eg|ae)\b", regex.I)
_HANDLE_RE = regex.compile(r"(?<![\w.])@\w{2,}")
_HASHTAG_RE = regex.compile(r"#\w+")
_EMOJI_RE = regex.compile(r"[\p{Extended_Pictographic}\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
_MOJIBAKE_RE = regex.compile(r"\?{3,}|\ufffd|Ã.|Ø.|Ù.")
# Arabic letters, not Arabic-Indic digits (Unicode puts both in the Arabic script): a line
# reads the same whichever digits it is written in (feature version 12)
_ARABIC_RUN_RE = regex.compile(r"[^\P{Arabic}\p{Nd}]+")  # counted by runs: one match per word, not per letter
_LATIN_RUN_RE = regex.compile(r"[A-Za-z]+")
_PUNCT_RUN_RE = regex.compile(r"[\p{P}\p{S}]+")
_DIGIT_RE = regex.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")  # Latin, Arabic-Indic and Persian alike
_BULLET_RE = regex.compile(r"^\s*(?:[•●▪■◦◆◇►▶◀◄▸‣⁃∙·○□➤➢✓✔★☆\-\*–—»>]|\d{1,2}\s*[.)\-]|[\u0660-\u0669]{1,2}\s*[.)\-])\s*")
_TIME_RE = regex.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_YEAR_RE = regex.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
_HIJRI_YEAR_RE = regex.compile(r"\b14\d\d\s*(?:ه|هـ|هجري|هجرية)?")
_HIJRI_MARK_RE = regex.compile(r"\d\s*(?:هـ|ه\b)|هجري")
_NUMERIC_DATE_RE = regex.compile(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b")
_AM_PM_RE = regex.compile(r"\d\s*(?:ص|م|am|pm|a\.m\.|p\.m\.)(?:\s|$|\b)", regex.I)
_ENGLISH_ORDINAL_RE = regex.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", regex.I)
_GMT_RE = regex.compile(r"\b(?:gmt|utc)\b|توقيت|بتوقيت", regex.I)
_PIPE_RE = regex.compile(r"\s[|•·]\s|\s/\s|\s»\s|\s>\s")
_PIPE_CHARS = "|•·/»>"  # each match of _PIPE_RE holds exactly one of them
_BYLINE_AGENCY_RE = regex.compile(r"^[^\d:،,.]{2,40}?\s*[-–—/:]\s*[^\d]{2,40}?\s*:?\s*$")
_PAREN_PLACE_RE = regex.compile(  # a place in brackets: Arabic letters, no digits of any kind
    r"\(\s*[[\p{Arabic}\s]--\p{Nd}]{2,25}\s*\)\s*$|^\s*[[\p{Arabic}\s]--\p{Nd}]{2,20}\(\s*[[\p{Arabic}\s]--\p{Nd}]{2,20}\)",
    regex.V1,
)
_FILE_NAME_RE = regex.compile(r"\.(?:jpe?g|png|gif|webp|mp4)\b", regex.I)
_QUOTE_START_RE = regex.compile(r"^\s*[\"«“”'‘]")
_DEGREE_RE = regex.compile(r"\d\s*°|°\s*[cCمس]?")
_MONEY_RE = regex.compile(r"[$€£¥]|\d+[.,]\d+\s*%")
_TICKER_CHARS = frozenset("°$€£¥%")
_BYLINE_SEPARATORS = frozenset("-–—/:")  # _BYLINE_AGENCY_RE needs one of them

# --- thresholds (named so the docs and the code say the same) ------------------------

SHORT_TOKENS = 6  # "short" lines: menus, labels, markers, bylines
TITLE_MAX_TOKENS = 25  # longer lines are rarely headlines
TITLE_MIN_TOKENS = 3  # shorter lines are too common to count as a title shown again
TITLE_ECHO_WINDOW = 50  # lines within which a title shown again is looked for
LONG_TOKENS = 15  # a "long" line reads like a paragraph
COHESION_WINDOW = 3  # non-blank lines looked at before and after for shared words
WIDE_COHESION_WINDOW = 8  # lines a paragraph is compared with to tell a story going on
DISJOINT_OVERLAP = 0.08  # a paragraph sharing less with the one before is "disjoint" ...
DISJOINT_SHARE = 0.6  # ... and a page where most are reads like a listing of stories
MIN_DISJOINT_PAIRS = 2
MAX_FEATURE_CHARS = 2000  # class ratios are measured on a bounded prefix of huge lines
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
CUE_HEAD_TOKENS = 12  # cue phrases are looked for in a line's first tokens ...
CUE_TAIL_TOKENS = 6  # ... and its last ones
DATE_HEAD_TOKENS = 30  # month and weekday names count in the opening of a line
NAME_MAX_TOKENS = 6  # a line this short opening with a given name reads as a byline
NAME_HEAD_TOKENS = 4  # ... or with one among its first words ("كتب: سعيد ...")
W0_MIN_TOKENS = 7  # lines this long get their first word as a feature
OPENER_MIN_TOKENS = 4  # lines this long are checked for a lede or continuation opener
OPENER_MAX_TOKENS = 4  # longest opener phrase, in tokens

_STOPWORDS = frozenset(
    normalize(w)
    for w in (
        "في من على إلى الى عن أن إن ان ما لا لم لن هذا هذه ذلك تلك التي الذي الذين مع كان كانت "
        "قد و أو او ثم بعد قبل خلال حيث كما بين عند منذ كل أي هو هي هم وقال قال وأضاف أنه انه "
        "إنه التى يوم اليوم عام وفي ومن وعلى فيما أيضا ايضا وذلك له لها به بها عليه عليها"
    ).split()
)


# buckets: a value gets the name of the first edge it does not exceed (the last name
# past them all), i.e. ``names[bisect_left(edges, value)]``
_LENGTH_EDGES = (0, 2, 4, 8, 14, 25, 50)
_LENGTH_NAMES = ("0", "1-2", "3-4", "5-8", "9-14", "15-25", "26-50", "51+")
_RATIO_EDGES = (0.0, 0.2, 0.5, 0.8)
_RATIO_NAMES = ("0", "low", "mid", "high", "all")
# the bucket features as whole strings, indexed like the names: no string built per line
_LENGTH_FEATURES = tuple(f"len:{name}" for name in _LENGTH_NAMES)
_ARABIC_FEATURES = tuple(f"ar:{name}" for name in _RATIO_NAMES)
_LATIN_FEATURES = tuple(f"lat:{name}" for name in _RATIO_NAMES)
_PUNCT_FEATURES = tuple(f"punct:{name}" for name in _RATIO_NAMES)


_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")
_SUFFIXES = ("هما", "ات", "ون", "ين", "ها", "هم", "ان", "ه", "ي")
MIN_STEM = 3
# the affixes by length, longest first: of one length at most one can match a word
def _by_length(affixes: Sequence[str]) -> tuple[tuple[int, frozenset[str]], ...]:
    lengths = sorted({len(a) for a in affixes}, reverse=True)
    return tuple((n, frozenset(a for a in affixes if len(a) == n)) for n in lengths)


_PREFIXES_BY_LENGTH = _by_length(_PREFIXES)
_SUFFIXES_BY_LENGTH = _by_length(_SUFFIXES)


def _light_stem(tok: str) -> str:
    """Strip one common prefix and one suffix (Arabic clitics, plurals) for matching."""
    for n, prefixes in _PREFIXES_BY_LENGTH:
        if tok[:n] in prefixes and len(tok) - n >= MIN_STEM:
            tok = tok[n:]
            break
    for n, suffixes in _SUFFIXES_BY_LENGTH:
        if tok[-n:] in suffixes and len(tok) - n >= MIN_STEM:
            return tok[:-n]
    return tok


CONTENT_MIN_CHARS = 3  # a shorter token is no content word


def _content_word(tok: str) -> str | None:
    """The stem of a content word, None for short words, stop words and numbers."""
    if len(tok) < CONTENT_MIN_CHARS or tok in _STOPWORDS or tok.isdigit():
        return None
    return _light_stem(tok)


class _ContentWordCache(dict[str, "str | None"]):
    """token -> :func:`_content_word`, filled on first look-up (so a line is one ``map``)."""

    def __missing__(self, tok: str) -> str | None:
        stem = self[tok] = _content_word(tok)
        return stem


_CONTENT_WORD_CACHE = _ContentWordCache()
_CONTENT_WORD_CACHE_SIZE = 100_000  # cleared when full: memory stays bounded


def _content_stems(tokens: list[str]) -> list[str | None]:
    """Per token, its :func:`_content_word` (memoised; the cache is bounded)."""
    cache = _CONTENT_WORD_CACHE
    if len(cache) > _CONTENT_WORD_CACHE_SIZE:
        cache.clear()
    return list(map(cache.__getitem__, tokens))


# A line's content words as its view holds them: the sorted, distinct hashes of their
# stems, side by side in a bytes object (a ``Py_hash_t`` each). The page context only asks
# which lines share which words; a set of the stem strings per line held a reference to
# each stem, and made, kept and freed, those sets (each stem a separate object, touched
# again when the set was freed) were a sixth of the labelling time. Two different stems
# are taken for one word only if their hashes are equal: Python's string hash is 64 bits
# keyed at random per process, so one chance in 2**64 for a pair, and none a text can
# aim at (unless PYTHONHASHSEED fixes the key; even then it only makes two words one).
_HASH_CODE = "q" if sys.hash_info.width == 64 else "i"  # the array typecode of a Py_hash_t
assert array(_HASH_CODE).itemsize * 8 == sys.hash_info.width


def _word_hashes(stems: Iterable[str | None]) -> bytes:
    """The ``words`` of a line whose tokens' stems (None: no content word) are ``stems``."""
    return array(_HASH_CODE, sorted({hash(stem) for stem in stems if stem is not None})).tobytes()


def word_set(words: bytes) -> frozenset[int]:
    """A view's ``words`` as a set of stem hashes (for set algebra)."""
    return frozenset(array(_HASH_CODE, words))


def _content_words(tokens: list[str]) -> bytes:
    """Light-stemmed content words of a line, for lexical cohesion (see ``_word_hashes``)."""
    return _word_hashes(_content_stems(tokens))


# every digit (Latin, Arabic-Indic, Persian) as 0: numbered list items share a head
_DIGITS_TO_ZERO = {ord(d): "0" for d in "123456789١٢٣٤٥٦٧٨٩۱۲۳۴۵۶۷۸۹٠۰"}
# the same as a list up to the last digit: ``translate`` indexes it, where a dict look-up
# of each other character raises and catches a KeyError inside (later characters: kept)
_DIGITS_TO_ZERO_LIST = [_DIGITS_TO_ZERO.get(code, chr(code)) for code in range(max(_DIGITS_TO_ZERO) + 1)]
HEAD_CHARS = 64  # a line's first two words are looked for in its opening characters


@dataclass(slots=True)
class LineView:
    """What the context layer needs to know about one line, computed once.

    Shared, never changed: a line's view is cached and handed to every page holding
    the line. It holds only strings, bytes, numbers and tuples of strings, so it can be
    in no reference cycle: the compiled own-features kernel stops the cyclic collector
    tracking it and its tuples. ``words``: its content words, as ``_word_hashes``
    gives them (``word_set`` reads them as a set). (Not ``frozen``: a frozen dataclass
    sets each field through ``object.__setattr__``, which cost about 1 µs a line, 1.6 µs
    against 0.7.)
    """

    own: tuple[str, ...]
    n_tokens: int
    normalized_key: str
    words: bytes
    is_read_also: bool
    is_long: bool
    head: tuple[str, ...]  # the first two normalised words, digits as 0: what list items share


_END_FEATURES = {
    ".": "end:period",
    ":": "end:colon",
    "?": "end:question",
    "؟": "end:question",
    "!": "end:exclaim",
    "،": "end:comma",
    ",": "end:comma",
    "-": "end:dash",
    "–": "end:dash",
    "—": "end:dash",
    '"': "end:quote",
    "»": "end:quote",
    "”": "end:quote",
    ")": "end:paren",
    "|": "end:pipe",
}


def _end_feature(stripped: str) -> str:
    if not stripped:
        return "end:none"
    last = stripped[-1]
    if stripped.endswith(("..", "…")):
        return "end:ellipsis"
    end = _END_FEATURES.get(last)
    if end is not None:
        return end
    return "end:digit" if last.isdigit() else ("end:letter" if last.isalpha() else "end:other")


# --- page-wide measurements -----------------------------------------------------
#
# Most of a line's own features are about which characters it holds. Asking a regular
# expression per line and per shape costs a Python call each (~30 per line); instead
# the whole page is turned into one array of code points and every character is
# classified with one table look-up (NumPy), then counted per line. The table is built
# once from the very regular expressions the features are defined by, so the counts
# are those the expressions would give; a test checks a line measured alone and
# within a page gets the same features.

_B_ARABIC = 1 << 0  # _ARABIC_RUN_RE
_B_LATIN = 1 << 1  # _LATIN_RUN_RE
_B_PUNCT = 1 << 2  # _PUNCT_RUN_RE
_B_DIGIT = 1 << 3  # _DIGIT_RE
_B_EMOJI = 1 << 4  # _EMOJI_RE
_B_TICKER = 1 << 5  # _TICKER_CHARS
_B_MOJIBAKE = 1 << 6  # characters _MOJIBAKE_RE needs
_B_AT = 1 << 7
_B_DOT = 1 << 8
_B_HASH = 1 << 9
_B_COPYRIGHT = 1 << 10
_B_PIPE = 1 << 11  # the separators _PIPE_RE looks for
_B_WORD = 1 << 12  # _TOKEN_RE (on normalised text)
_B_CASELESS_LATIN = 1 << 13  # _CASELESS_LATIN_RE: what the case-insensitive URL and file-name letters can be
_CASELESS_LATIN_RE = regex.compile(r"[a-z]", regex.I)  # ASCII letters, and İ, ſ and the Kelvin sign
_B_DECIMAL = 1 << 14  # ``\d`` of the date expressions (any decimal digit)
_B_SPACE = 1 << 15  # ``\s`` of the date expressions
# words a line's normalised text is searched for (all word characters, so a match is
# inside one token: the compiled kernel marks each token once, the line ORs its tokens)
_B_HIJRI_WORD = 1 << 16
_B_TAWQIT_WORD = 1 << 17
_FLAG_WORDS = (("هجري", _B_HIJRI_WORD), ("توقيت", _B_TAWQIT_WORD))
_DECIMAL_RE = regex.compile(r"\d")
_SPACE_RE = regex.compile(r"\s")
_DELETED = 0xFFFFFFFF
_N_CODE_POINTS = 0x110000
_TABLE_BLOCK = 0x10000


@cache
def _char_table() -> np.ndarray:
    """Class bits of every code point, from the feature regexes themselves (~0.1 s once)."""
    table = np.zeros(_N_CODE_POINTS, dtype=np.uint16)
    patterns = (
        (_B_ARABIC, _ARABIC_RUN_RE),
        (_B_LATIN, _LATIN_RUN_RE),
        (_B_PUNCT, _PUNCT_RUN_RE),
        (_B_DIGIT, _DIGIT_RE),
        (_B_EMOJI, _EMOJI_RE),
        (_B_WORD, _TOKEN_RE),
        (_B_CASELESS_LATIN, _CASELESS_LATIN_RE),
        (_B_DECIMAL, _DECIMAL_RE),
        (_B_SPACE, _SPACE_RE),
    )
    # the code points in blocks, each one string built from an array: a small peak of memory
    for first in range(0, _N_CODE_POINTS, _TABLE_BLOCK):
        block = _from_code_points(np.arange(first, min(first + _TABLE_BLOCK, _N_CODE_POINTS), dtype=np.uint32))
        for bit, pattern in patterns:
            for match in pattern.finditer(block):
                table[first + match.start() : first + match.end()] |= bit
    for bit, chars in (
        (_B_TICKER, "".join(_TICKER_CHARS)),
        (_B_MOJIBAKE, "?\ufffdÃØÙ"),
        (_B_AT, "@"),
        (_B_DOT, "."),
        (_B_HASH, "#"),
        (_B_COPYRIGHT, "©®™"),
        (_B_PIPE, _PIPE_CHARS),
    ):
        table[[ord(c) for c in chars]] |= bit
    return table


@cache
def _normalise_map() -> np.ndarray:
    """``_NORMALISE_TABLE`` as an array over the BMP (no entry lies beyond it)."""
    out = np.arange(0x10000, dtype=np.uint32)
    for code, repl in _NORMALISE_TABLE.items():
        out[code] = _DELETED if repl is None else ord(repl)
    return out


_ASK_PYTHON = 0xFFFFFFFE  # a lower case that is not one fixed character: str.lower decides


@cache
def _fold_table() -> np.ndarray:
    """``normalize`` of every code point: ``_DELETED``, its one character, or
    ``_ASK_PYTHON`` (``İ`` lowers to two characters, ``Σ`` by its neighbours)."""
    out = np.arange(_N_CODE_POINTS, dtype=np.uint32)
    out[:0x10000] = _normalise_map()
    deleted = out == _DELETED
    out[deleted] = np.flatnonzero(deleted)  # a placeholder while the rest is lowered
    for first in range(0, _N_CODE_POINTS, _TABLE_BLOCK):
        mapped = out[first : first + _TABLE_BLOCK]
        text = _from_code_points(mapped)
        lowered = text.lower()
        if len(lowered) == len(text):
            mapped[:] = _code_points(lowered)
        else:
            for k, ch in enumerate(text):
                low = ch.lower()
                mapped[k] = ord(low) if len(low) == 1 else _ASK_PYTHON
    out[0x3A3] = _ASK_PYTHON
    out[deleted] = _DELETED
    return out


def _measure_tables() -> dict[str, object]:
    """What ``segmenter/_measure.pyx`` needs to give :func:`_measure`'s measurements."""
    return {
        "char_table": _char_table(),
        "fold": _fold_table(),
        "deleted": _DELETED,
        "ask_python": _ASK_PYTHON,
        "bits": {"arabic": _B_ARABIC, "latin": _B_LATIN, "punct": _B_PUNCT, "word": _B_WORD},
        "normalise_table": _NORMALISE_TABLE,
        "content_word": _content_word,
        # what _content_word does, for the kernel to do it in C (only while it is this one)
        "content_word_rules": {
            "content_word": _content_word,
            "min_chars": CONTENT_MIN_CHARS,
            "stopwords": _STOPWORDS,
            "prefixes": [a for _, group in _PREFIXES_BY_LENGTH for a in sorted(group)],
            "suffixes": [a for _, group in _SUFFIXES_BY_LENGTH for a in sorted(group)],
            "min_stem": MIN_STEM,
        },
        "memo_limit": _CONTENT_WORD_CACHE_SIZE,
        "lexicon_words": _lexicon_words(),
        "flag_words": _FLAG_WORDS,
        "tatweel": araby.TATWEEL,
        "max_chars": MAX_FEATURE_CHARS,
    }


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _from_code_points(cps: np.ndarray) -> str:
    return cps.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")


@dataclass(slots=True)
class _Measures:
    """What one pass over a page's lines knows about each line's characters."""

    norms: list[str]
    tokens: list[list[str]]
    words: list[bytes]
    arabic: list[int]
    latin: list[int]
    punct: list[int]
    flags: list[int]


# Arabic, Latin and punctuation characters counted at once: each class bit of a
# character lands in its own 20-bit field of one integer (a sample has < 2**20 chars).
_COUNT_FIELD = 20
_COUNT_MASK = (1 << _COUNT_FIELD) - 1
_PACKED_COUNTS = np.array(
    [
        bool(v & _B_ARABIC) + (bool(v & _B_LATIN) << _COUNT_FIELD) + (bool(v & _B_PUNCT) << 2 * _COUNT_FIELD)
        for v in range(8)
    ],
    dtype=np.int64,
)
assert _B_ARABIC | _B_LATIN | _B_PUNCT == 7 and MAX_FEATURE_CHARS < _COUNT_MASK


def _measure(samples: Sequence[str]) -> _Measures:
    """Normalised text, tokens, class counts and character flags of each sample."""
    if _MEASURE is not None:  # the same from one C loop (segmenter/_measure.pyx)
        return _Measures(*_MEASURE.measure(list(samples)))
    table = _char_table()
    n = len(samples)
    lengths = np.fromiter(map(len, samples), dtype=np.int64, count=n)
    bounds = np.empty(2 * n, dtype=np.int64)  # start, end, start, end, ... in the joined text
    bounds[1::2] = (lengths + 1).cumsum() - 1  # lines joined with one separator
    bounds[0::2] = bounds[1::2] - lengths
    empty = lengths == 0
    # a separator after the last line too, so every bound indexes the arrays (reduceat)
    cps = _code_points("\n".join(samples) + "\n")
    classes = table.take(cps)  # take: faster than indexing for a look-up table
    counted = np.add.reduceat(_PACKED_COUNTS.take(classes & 7), bounds)[0::2]
    flags = np.bitwise_or.reduceat(classes, bounds)[0::2]
    counted[empty] = 0
    flags[empty] = 0
    # normalisation (the table of normalize(), then lower()), mapped per code point
    if cps.max() < 0x10000:  # most pages: all in the BMP, one look-up for every character
        mapped = _normalise_map().take(cps)
    else:
        mapped = cps.copy()
        bmp = cps < 0x10000
        mapped[bmp] = _normalise_map()[cps[bmp]]
    kept = mapped != _DELETED
    if kept.all():  # nothing deleted (no diacritics, tatweel or invisible marks): offsets hold
        n_bounds = bounds
    else:
        # a bound moves back by the characters deleted before it
        n_bounds = bounds - np.flatnonzero(~kept).searchsorted(bounds)
        mapped = mapped[kept]
    mapped_text = _from_code_points(mapped)
    lowered = mapped_text.lower()
    if len(lowered) == len(mapped_text):
        n_starts = n_bounds[0::2].tolist()
        n_ends = n_bounds[1::2].tolist()
        norms = [lowered[a:b] for a, b in zip(n_starts, n_ends)]
        # tokens: runs of word characters; one split of the page, then cut per line
        low_cps = mapped if lowered == mapped_text else _code_points(lowered)
        is_word = (table.take(low_cps) & _B_WORD) != 0
        word_text = _from_code_points(np.where(is_word, low_cps, 32))
        token_starts = is_word.copy()
        token_starts[1:] &= ~is_word[:-1]
        # tokens that start before each bound (a search in the starts: no cumulative sum of a mask)
        before = np.flatnonzero(token_starts).searchsorted(n_bounds).tolist()
        flat = word_text.split()
        tokens = [flat[before[2 * i] : before[2 * i + 1]] for i in range(n)]
        stems = _content_stems(flat)
        words = [_word_hashes(stems[before[2 * i] : before[2 * i + 1]]) for i in range(n)]
    else:  # a few letters lower-case to two characters: offsets move, go line by line
        n_list = n_bounds.tolist()
        norms = [mapped_text[n_list[2 * i] : n_list[2 * i + 1]].lower() for i in range(n)]
        tokens = [tokens_of(norm) for norm in norms]
        words = [_content_words(toks) for toks in tokens]
    arabic = (counted & _COUNT_MASK).tolist()
    latin = ((counted >> _COUNT_FIELD) & _COUNT_MASK).tolist()
    punct = (counted >> 2 * _COUNT_FIELD).tolist()
    flag_list = flags.tolist()
    for word, bit in _FLAG_WORDS:
        for i, norm in enumerate(norms):
            if word in norm:
                flag_list[i] |= bit
    return _Measures(norms, tokens, words, arabic, latin, punct, flag_list)


def line_view(text: str) -> LineView:
    """Own features of one non-blank line (pure; no context)."""
    return line_views([text])[0]


# Marks that change how a line looks to a character count but not what it says: bidi
# and zero-width marks, diacritics and tatweel (the characters ``normalize`` deletes).
# They are dropped before a line is measured, so its features (its share of Arabic
# letters, its last character, its bullet) are the same with or without them; the text
# a user gets back keeps them. A tatweel that touches no letter is not stretching a
# word but standing for a dash (``القاهرة ـ أ ش أ``, ``ـ النهاية ـ``): it is read as one.
# (The rule is the regular expressions ``[<marks>]+`` -> "", then
# ``(?<![^\W\d_])\u0640+(?![^\W\d_])`` -> "-" and any other tatweel -> "", as Python's
# ``re`` reads them; ``tests/test_features.py`` holds the code below to them. Run on
# each character, they cost 4 and 9 µs a corpus line.)
_IS_MARK = np.zeros(0x10000, dtype=bool)  # every mark is in the BMP
_IS_MARK[[ord(c) for c in _DELETED_CHARS]] = True
_TATWEEL_RUN_RE = re.compile("\u0640+")


def _tatweel_read(text: str) -> str:
    """Tatweel read run by run: a run with no letter on either side (a letter:
    alphanumeric, not a decimal digit, as ``[^\\W\\d_]`` in ``re``) is a dash, any other
    is dropped."""
    pieces: list[str] = []
    kept_from = 0
    end = len(text)
    for run in _TATWEEL_RUN_RE.finditer(text):
        a, b = run.span()
        pieces.append(text[kept_from:a])
        before = text[a - 1] if a else ""
        after = text[b] if b < end else ""
        if not (before.isalnum() and not before.isdecimal()) and not (after.isalnum() and not after.isdecimal()):
            pieces.append("-")
        kept_from = b
    pieces.append(text[kept_from:])
    return "".join(pieces)


def without_marks(texts: Sequence[str]) -> list[str]:
    """``texts`` as they are measured: marks dropped, a free-standing tatweel a dash.

    The page's characters are looked up at once (NumPy); only lines that hold a mark
    are rewritten (a seventh of corpus lines): the marks are cut out around the places
    found (one or two a line), then tatweel is read run by run.
    """
    out = list(texts)
    if not out:
        return out
    cps = _code_points("\n".join(out))
    hits = np.flatnonzero(_IS_MARK.take(np.minimum(cps, 0xFFFF)))
    if not len(hits):
        return out
    # where each line ends in the joined text (the separator after it): a mark at h is in
    # the line whose end is the first one past h
    lengths = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
    ends = lengths.cumsum() + np.arange(len(out))
    lines_hit, first_hit = np.unique(ends.searchsorted(hits, side="right"), return_index=True)
    starts = (ends - lengths)[lines_hit].tolist()
    bounds = [*first_hit.tolist(), len(hits)]
    places = hits.tolist()
    tatweel = araby.TATWEEL
    for g, i in enumerate(lines_hit.tolist()):
        text = out[i]
        start = starts[g]
        pieces: list[str] = []
        kept_from = 0
        for place in places[bounds[g] : bounds[g + 1]]:
            place -= start
            if text[place] == tatweel:
                continue  # read with its neighbours, once the marks are out
            if place > kept_from:
                pieces.append(text[kept_from:place])
            kept_from = place + 1
        pieces.append(text[kept_from:])
        text = "".join(pieces)
        out[i] = _tatweel_read(text) if tatweel in text else text
    return out


_MEASURED_TOGETHER = 32  # lines measured, then featured, in one go (see line_views)


def line_views(texts: Sequence[str]) -> list[LineView]:
    """:func:`line_view` of each line, the lines measured together (the fast path).

    Compiled, the lines go a few dozen at a time through the measuring kernel and then
    the features' kernel: a line's tokens are still in the processor's cache when its
    features read them. Measured all at once, a batch's tokens were not, and the first
    read of each was a wait for memory: the features' kernel spent half its time on
    one instruction, the check of a token's type (``perf annotate``).
    """
    if not texts:
        return []
    if _MEASURE is not None and _OWN is not None:  # both kernels: their lists passed on as they are
        texts = list(texts)
        out: list[LineView] = []
        for start in range(0, len(texts), _MEASURED_TOGETHER):
            out += _OWN.views(*_MEASURE.measure_lines(texts[start : start + _MEASURED_TOGETHER]))
        return out
    if _MEASURE is not None:  # the same from one C loop over each line (segmenter/_measure.pyx)
        stripped, samples, *measured = _MEASURE.measure_lines(list(texts))
        m = _Measures(*measured)
    else:
        stripped = [t.strip() for t in without_marks(texts)]
        samples = [s[:MAX_FEATURE_CHARS] for s in stripped]
        m = _measure(samples)
    if _OWN is not None:  # the same views from C loops (segmenter/_own_features.pyx)
        return _OWN.views(stripped, samples, m.norms, m.tokens, m.words, m.arabic, m.latin, m.punct, m.flags)
    return [
        _view(stripped[i], samples[i], m.norms[i], m.tokens[i], m.words[i], m.arabic[i], m.latin[i], m.punct[i], m.flags[i])
        for i in range(len(texts))
    ]


def _view(
    stripped: str,
    sample: str,
    norm: str,
    toks: list[str],
    words: bytes,
    arabic: int,
    latin: int,
    punct: int,
    flags: int,
) -> LineView:
    """A line's own features from its measurements (see :func:`line_view`)."""
    n_tok = len(toks)
    n_chars = max(len(sample), 1)
    feats: list[str] = ["bias", _LENGTH_FEATURES[bisect_left(_LENGTH_EDGES, n_tok)]]
    if n_tok <= SHORT_TOKENS:
        feats.append("short")
    if n_tok >= LONG_TOKENS:
        feats.append("long")
    if n_tok <= TITLE_MAX_TOKENS and not stripped.endswith((".", ":", "؟", "?", "!")):
        feats.append("title_shape")

    feats.append(_ARABIC_FEATURES[bisect_left(_RATIO_EDGES, arabic / n_chars)])
    feats.append(_LATIN_FEATURES[bisect_left(_RATIO_EDGES, latin / n_chars)])
    feats.append(_PUNCT_FEATURES[bisect_left(_RATIO_EDGES, min(1.0, 4 * punct / n_chars))])
    if flags & _B_DIGIT:
        feats.append("digits")
    digit_tokens = sum(map(str.isdigit, toks))
    if n_tok and digit_tokens / n_tok >= 0.5:
        feats.append("mostly_numbers")
    if flags & _B_EMOJI:
        feats.append("emoji")
    if flags & _B_MOJIBAKE and _MOJIBAKE_RE.search(sample):  # the flag: one of its characters
        feats.append("mojibake")
    feats.append(_end_feature(stripped))
    # a bullet, a number or an opening quote is never a letter: most lines skip both
    if not stripped[:1].isalpha():
        if _BULLET_RE.match(stripped):
            feats.append("bullet")
        if _QUOTE_START_RE.match(stripped):
            feats.append("start:quote")
    colon = stripped.find(":")
    if 0 < colon <= 25:
        feats.append("colon:early")
        if n_tok > 12:
            feats.append("colon:early_long")
    if ".." in stripped[:-2] if len(stripped) > 2 else False:
        feats.append("double_dot")
    # two matches hold two separators: most lines with one ("عام / ...") skip the regex
    if flags & _B_PIPE and sum(map(sample.count, _PIPE_CHARS)) >= 2 and len(_PIPE_RE.findall(sample)) >= 2:
        feats.append("many_separators")

    # social posts
    has_at = flags & _B_AT
    has_dot = flags & _B_DOT
    if has_at and "(@" in sample and _TWEET_SIGNATURE_RE.search(sample):
        feats.append("tweet:signature")
    if ("t.co" in norm or "twitter" in norm) and _PIC_TWITTER_RE.search(sample):
        feats.append("tweet:link")
    if has_at and _HANDLE_RE.search(sample):
        feats.append("handle")
    if flags & _B_HASH and _HASHTAG_RE.search(sample):
        feats.append("hashtag")
    # both need Latin letters (matched case-insensitively) or "://": not in most Arabic lines
    has_latin = flags & _B_CASELESS_LATIN
    if has_dot and (has_latin or ":" in sample) and _URL_HINT_RE.search(sample) and _URL_RE.search(sample):
        feats.append("url")
    if has_dot and has_latin and _FILE_NAME_RE.search(sample):
        feats.append("file_name")
    if flags & _B_COPYRIGHT:
        feats.append("copyright_sign")
    if flags & _B_TICKER and (_DEGREE_RE.search(sample) or _MONEY_RE.search(sample)):
        feats.append("ticker_shape")

    # cue lexicons, matched token-wise in one pass
    index = _phrase_index().by_first
    covered = 0
    seen: set[str] = set()
    # the middle of a paragraph says nothing about furniture: only its ends are looked at
    if n_tok > CUE_HEAD_TOKENS + CUE_TAIL_TOKENS:
        ends = toks[:CUE_HEAD_TOKENS] + toks[-CUE_TAIL_TOKENS:]
        tail_shift = n_tok - CUE_HEAD_TOKENS - CUE_TAIL_TOKENS  # ends[j] is toks[j + tail_shift] past the head
    else:
        ends = toks
        tail_shift = 0
    # the words that open a cue phrase, found by one set operation; then only their places
    cue_firsts = index.keys() & ends
    cue_positions = (
        [j if j < CUE_HEAD_TOKENS else j + tail_shift for j, tok in enumerate(ends) if tok in cue_firsts]
        if cue_firsts
        else ()
    )
    for i in cue_positions:
        for phrase, name in index[toks[i]]:
            size = len(phrase)
            if size == 1 or tuple(toks[i : i + size]) == phrase:
                if name not in seen:
                    seen.add(name)
                    feats.append(f"cue:{name}")
                if i == 0:
                    feats.append(f"cue:{name}@start")
                    covered = max(covered, len(phrase))
    if covered and n_tok and covered / n_tok >= 0.5:
        feats.append("cue@whole")

    # dates, times, weekdays
    token_lex = _token_lexicon_map()
    head = toks[:DATE_HEAD_TOKENS]
    # numbers in the opening count as date tokens (a short line's opening is all of it)
    date_tokens = digit_tokens if n_tok <= DATE_HEAD_TOKENS else sum(map(str.isdigit, head))
    date_words = token_lex.keys() & head  # most lines: no month or weekday names
    date_positions = [i for i, tok in enumerate(head) if tok in date_words] if date_words else ()
    for i in date_positions:
        tok = head[i]
        if tok.isdigit():
            date_tokens -= 1  # a lexicon word counts by its names below, not as a number
        for name in token_lex[tok]:
            if name in _DIALECT_MONTHS:
                near_number = (i > 0 and toks[i - 1].isdigit()) or (
                    i + 1 < n_tok and toks[i + 1].isdigit()
                ) or (i + 2 < n_tok and toks[i + 2].isdigit())
                if near_number:
                    feats.append(f"date:{name}")
                    date_tokens += 1
            else:
                feats.append(f"date:{name}")
                date_tokens += 1
    has_digit = digit_tokens > 0 or flags & _B_DIGIT != 0  # [0-9] in norm
    if has_digit:
        if ("19" in norm or "20" in norm) and _YEAR_RE.search(norm):  # a year opens with either
            feats.append("date:year")
        if ":" in norm and _TIME_RE.search(norm):
            feats.append("date:time")
    if (has_digit or "هجري" in norm) and (
        _HIJRI_MARK_RE.search(norm) or "date:hijri_months" in feats and _HIJRI_YEAR_RE.search(norm)
    ):
        feats.append("date:hijri")
    if has_digit:
        if _NUMERIC_DATE_RE.search(norm):
            feats.append("date:numeric")
        if _AM_PM_RE.search(norm):
            feats.append("date:ampm")
        if has_latin and _ENGLISH_ORDINAL_RE.search(norm):  # "st", "nd", "rd", "th": Latin letters
            feats.append("date:ordinal")
    if ("gmt" in norm or "utc" in norm or "توقيت" in norm) and _GMT_RE.search(norm):
        feats.append("date:gmt")
    if n_tok and date_tokens / n_tok >= 0.4:
        feats.append("date:dense")

    # byline shapes
    if n_tok <= 10:
        # both shapes need a literal character: a separator, an opening parenthesis; the
        # first has no digit anywhere (the flag: a digit in the line's measured prefix)
        if not flags & _B_DIGIT and not _BYLINE_SEPARATORS.isdisjoint(stripped) and _BYLINE_AGENCY_RE.match(stripped):
            feats.append("byline:sep_shape")
        if "(" in stripped and _PAREN_PLACE_RE.search(stripped):
            feats.append("byline:paren_place")
        if stripped.endswith(("-", "–", "—", ":")):
            feats.append("byline:open_end")
        # a person's name: a byline is most often a bare name, or a name after "كتب:"
        if n_tok <= NAME_MAX_TOKENS:
            names = _given_names()
            head = toks[1:2] if toks and toks[0] == "د" else toks[:1]  # "د. سعيد ..."
            if head and head[0] in names:
                feats.append("name@start")
            elif not names.isdisjoint(toks[:NAME_HEAD_TOKENS]):
                feats.append("name:head")
    # first word of a sentence-like line: verbs and particles that open paragraphs
    # ("وقال", "أكد"); not of short lines, whose words would only memorise furniture
    if n_tok >= W0_MIN_TOKENS:
        first = toks[0]
        feats.append(f"w0:{first}" if len(first) > 1 and not first.isdigit() else "w0:#")
        if first.startswith("و") and len(first) > 3:
            feats.append("w0:waw")
    # how a paragraph opens: a lede verb starts a story, an attribution carries one on
    if n_tok >= OPENER_MIN_TOKENS and toks[0] in _opener_first_tokens():
        openers = _opener_map()
        for n in range(min(OPENER_MAX_TOKENS, n_tok), 0, -1):
            kind = openers.get(" ".join(toks[:n]))
            if kind is not None:
                feats.append(kind)
                break
    # how likely the paragraph opens a story, learned from real first and later paragraphs
    if n_tok >= LEDE_MIN_TOKENS:
        feats.append(_LEDE_FEATURES[bisect_left(_LEDE_EDGES_SCALED, _lede_millis(_lede_weights(), toks))])
    key = " ".join(toks)
    is_read_also = "cue:read_also@start" in feats and n_tok <= SHORT_TOKENS
    # digits are not white space: translating the two words is translating the head, then splitting
    head = tuple(norm[:HEAD_CHARS].split(None, 2)[:2])
    if flags & _B_DIGIT:  # a line without the digit flag has no digit to zero
        head = tuple(word.translate(_DIGITS_TO_ZERO_LIST) for word in head)

    return LineView(
        # only the cue and date loops can add a feature twice; most lines run neither
        own=tuple(dict.fromkeys(feats)) if cue_positions or date_positions else tuple(feats),
        n_tokens=n_tok,
        normalized_key=key,
        words=words,
        is_read_also=is_read_also,
        is_long=n_tok >= LONG_TOKENS,
        head=head,
    )


def _views_from_columns(columns: tuple[list, ...]) -> list[LineView]:
    """A ``LineView`` of each row of ``columns`` (a list a field, in field order): made by
    the line-making kernel where it is built (no ``__init__`` run a view), else by ``map``."""
    if _INSTANCES is not None:
        return _INSTANCES.instances(LineView, columns)
    return list(map(LineView, *columns))


def _own_tables() -> dict[str, object]:
    """What ``segmenter/_own_features.pyx`` needs to give :func:`_view`'s features (asked
    for on its first use, so the lexicons load when they would load here)."""
    return {
        "make_views": _views_from_columns,
        "length_edges": _LENGTH_EDGES,
        "length_features": _LENGTH_FEATURES,
        "ratio_edges": _RATIO_EDGES,
        "arabic_features": _ARABIC_FEATURES,
        "latin_features": _LATIN_FEATURES,
        "punct_features": _PUNCT_FEATURES,
        "lede_edges": _LEDE_EDGES_SCALED,
        "lede_features": _LEDE_FEATURES,
        "bits": {
            "digit": _B_DIGIT,
            "emoji": _B_EMOJI,
            "mojibake": _B_MOJIBAKE,
            "pipe": _B_PIPE,
            "at": _B_AT,
            "dot": _B_DOT,
            "hash": _B_HASH,
            "caseless_latin": _B_CASELESS_LATIN,
            "copyright": _B_COPYRIGHT,
            "ticker": _B_TICKER,
            "decimal": _B_DECIMAL,
            "space": _B_SPACE,
            "hijri_word": _B_HIJRI_WORD,
            "tawqit_word": _B_TAWQIT_WORD,
        },
        "char_table": _char_table(),
        "sizes": {
            "short": SHORT_TOKENS,
            "long": LONG_TOKENS,
            "title_max": TITLE_MAX_TOKENS,
            "cue_head": CUE_HEAD_TOKENS,
            "cue_tail": CUE_TAIL_TOKENS,
            "date_head": DATE_HEAD_TOKENS,
            "name_max": NAME_MAX_TOKENS,
            "name_head": NAME_HEAD_TOKENS,
            "w0_min": W0_MIN_TOKENS,
            "opener_min": OPENER_MIN_TOKENS,
            "opener_max": OPENER_MAX_TOKENS,
            "lede_min": LEDE_MIN_TOKENS,
            "lede_positions": LEDE_POSITIONS,
            "lede_head": LEDE_HEAD_TOKENS,
            "head_chars": HEAD_CHARS,
        },
        "end_features": _END_FEATURES,
        "phrase_lexicons": PHRASE_LEXICONS,
        "phrases": _phrase_index().by_first,
        "token_lexicons": _token_lexicon_map(),
        "dialect_months": _DIALECT_MONTHS,
        "given_names": _given_names(),
        "openers": _opener_map(),
        "opener_firsts": _opener_first_tokens(),
        "lede_weights": _lede_weights(),
        "lexicon_words": _lexicon_words(),
        "pipe_chars": _PIPE_CHARS,
        "byline_separators": _BYLINE_SEPARATORS,
        "read_also": "read_also",
        "digits_to_zero": _DIGITS_TO_ZERO_LIST,
        "patterns": {
            "mojibake": _MOJIBAKE_RE,
            "bullet": _BULLET_RE,
            "quote_start": _QUOTE_START_RE,
            "pipe": _PIPE_RE,
            "tweet_signature": _TWEET_SIGNATURE_RE,
            "pic_twitter": _PIC_TWITTER_RE,
            "handle": _HANDLE_RE,
            "hashtag": _HASHTAG_RE,
            "url_hint": _URL_HINT_RE,
            "url": _URL_RE,
            "file_name": _FILE_NAME_RE,
            "degree": _DEGREE_RE,
            "money": _MONEY_RE,
            "year": _YEAR_RE,
            "time": _TIME_RE,
            "hijri_mark": _HIJRI_MARK_RE,
            "hijri_year": _HIJRI_YEAR_RE,
            "numeric_date": _NUMERIC_DATE_RE,
            "am_pm": _AM_PM_RE,
            "english_ordinal": _ENGLISH_ORDINAL_RE,
            "gmt": _GMT_RE,
            "byline_agency": _BYLINE_AGENCY_RE,
            "paren_place": _PAREN_PLACE_RE,
        },
    }


# Own features not copied to neighbours: lexical identity is too specific at a distance.
_NOT_SHARED_PREFIXES = ("w0:", "bias")


def _shared(view: LineView) -> tuple[str, ...]:
    return tuple(f for f in view.own if not f.startswith(_NOT_SHARED_PREFIXES))


def is_shared(feature: str) -> bool:
    """Whether an own feature is also given to the neighbouring lines."""
    return not feature.startswith(_NOT_SHARED_PREFIXES)


NEIGHBOUR_PREFIXES = {off: f"{off:+d}:" for off in NEIGHBOUR_OFFSETS}
_EDGE_FEATURES = {off: f"{off:+d}:__edge__" for off in NEIGHBOUR_OFFSETS}
_POS_FEATURES = [f"pos:{k}" for k in range(5)] + ["pos:5+"]
_POS_END_FEATURES = [f"pos_end:{k}" for k in range(3)] + ["pos_end:3+"]
_RELPOS_FEATURES = [f"relpos:{k}" for k in range(5)]
_LONG_BEFORE_FEATURES = [f"ctx:long_before:{k}" for k in range(4)]
_SINCE_READ_ALSO_FEATURES = ["ctx:since_read_also:0", "ctx:since_read_also:1", "ctx:since_read_also:2", "ctx:since_read_also:3+"]
_DISTANCE_NAMES = ("1", "2", "3", "4-6", "7+")
_NEXT_LONG_FEATURES = [f"ctx:next_long:{d}" for d in _DISTANCE_NAMES] + ["ctx:next_long:none"]
_PREV_LONG_FEATURES = [f"ctx:prev_long:{d}" for d in _DISTANCE_NAMES] + ["ctx:prev_long:none"]


def _distance_slot(distance: int) -> int:
    """Bucket of a distance in lines (1, 2, 3, 4-6, 7+)."""
    if distance <= 3:
        return distance - 1
    return 3 if distance <= 6 else 4


CACHED_LINE_CHARS = 300  # short lines (furniture, titles) repeat across a dump: cache them
# ~2.3 KB an entry (the view and its key): at most 4,096 entries, about 10 MB per
# process whatever the dump size
_LINE_CACHE_SIZE = 4_096
_LINE_CACHE: dict[str, LineView] = {}  # the lines seen since the cache last turned over
_LINE_CACHE_OLD: dict[str, LineView] = {}  # those of the turn before: a line seen again moves up


def line_views_cached(texts: Sequence[str]) -> list[LineView]:
    """:func:`line_views`, memoised for short lines (bounded cache: memory stays flat).

    The cache keeps two generations of half the cap each: when the newer is full it
    becomes the older and the older is dropped; a line found in the older is moved
    up. So a line that keeps coming back (a site's menu, an app promo, a much-linked
    title) stays, while one seen once leaves after a turn, where emptying the cache
    when full dropped both. A short line twice in the batch is measured once. At the
    same cap of 4,096 lines, the share of the benchmark corpus's lines found went from
    14% to 24%. (The composed corpus repeats its furniture by construction, as a site
    repeats its own; the cap is not raised for it: 8,192 lines would find 29%.)
    """
    global _LINE_CACHE, _LINE_CACHE_OLD
    cache, old = _LINE_CACHE, _LINE_CACHE_OLD
    half = _LINE_CACHE_SIZE // 2
    views: list[LineView | None] = []
    missing: list[int] = []
    pending: dict[str, int] = {}  # a short line missing twice in the batch is measured once
    repeated: list[int] = []
    for i, t in enumerate(texts):
        view = None
        if len(t) <= CACHED_LINE_CHARS:
            view = cache.get(t)
            if view is None:
                view = old.get(t)
                if view is not None:  # seen again: into the newer generation
                    if len(cache) >= half:
                        old = _LINE_CACHE_OLD = cache
                        cache = _LINE_CACHE = {}
                    cache[t] = view
                elif pending.setdefault(t, i) != i:
                    repeated.append(i)
                    views.append(None)
                    continue
        if view is None:
            missing.append(i)
        views.append(view)
    if missing:
        for i, view in zip(missing, line_views([texts[i] for i in missing])):
            views[i] = view
            text = texts[i]
            if len(text) <= CACHED_LINE_CHARS:
                if len(cache) >= half:
                    old = _LINE_CACHE_OLD = cache
                    cache = _LINE_CACHE = {}
                cache[text] = view
    for i in repeated:
        views[i] = views[pending[texts[i]]]
    return views  # type: ignore[return-value]


def clear_line_cache() -> None:
    """Forget every cached line view (tests; a process that wants its memory back)."""
    _LINE_CACHE.clear()
    _LINE_CACHE_OLD.clear()


_COHESION_EDGES = (0.0, 0.08, 0.2, 0.4)
_COHESION_NAMES = ("0", "low", "mid", "high", "top")
_COH_PREV, _COH_NEXT, _COH_STORY, _COH_PARA, _COH_ACROSS, _COH_BODY_NEXT = (
    [f"{name}:{bucket}" for bucket in _COHESION_NAMES]
    for name in ("coh_prev", "coh_next", "coh_story", "coh_para", "coh_across", "coh_body_next")
)
_NO_WORDS: frozenset[int] = frozenset()
# Jaccard similarity of a paragraph's and the previous paragraph's content words: it
# weighs both lengths, so a short paragraph sharing one common word is not "cohesive".
# Fine edges at the low end, where a new story and a story going on part.
_JACCARD_EDGES = (0.0, 0.015, 0.03, 0.05, 0.08, 0.13)
_JACCARD_NAMES = ("0", "1", "2", "3", "4", "5", "6")
_COH_JACCARD = [f"coh_pjac:{name}" for name in _JACCARD_NAMES]
_COH_JACCARD_ACROSS = [f"coh_xjac:{name}" for name in _JACCARD_NAMES]


def _jaccard_slot(words: frozenset[int], other: frozenset[int]) -> int:
    """Bucket (index into ``_JACCARD_NAMES``) of the Jaccard similarity of two word sets."""
    shared = len(words & other)
    return bisect_left(_JACCARD_EDGES, shared / (len(words) + len(other) - shared))


def _overlap_slot(words: frozenset[int], other: frozenset[int] | set[int]) -> int:
    """Bucket (index into ``_COHESION_NAMES``) of the share of ``words`` found in ``other``."""
    return bisect_left(_COHESION_EDGES, len(words & other) / len(words))


def is_blank(text: str) -> bool:
    """A line that is empty or white space only (the ``blank`` role)."""
    return not text.strip()


def _disjoint_paragraphs(line_words: Sequence[frozenset[int]], long_at: Sequence[int]) -> bool:
    """Do most paragraphs share next to nothing with the one before (a listing page)?"""
    pairs = 0
    disjoint = 0
    for previous, current in zip(long_at, long_at[1:]):
        words = line_words[current]
        if not words:
            continue
        pairs += 1
        if len(words & line_words[previous]) / len(words) < DISJOINT_OVERLAP:
            disjoint += 1
    return pairs >= MIN_DISJOINT_PAIRS and disjoint / pairs >= DISJOINT_SHARE


# which way a title echo points: the title is part of a later (or an earlier) line, a
# line holds an earlier (or a later) title
_PART_OF_LATER = "part_of_later"
_PART_OF_EARLIER = "part_of_earlier"
_HOLDS_EARLIER = "holds_earlier"
_HOLDS_LATER = "holds_later"
_ECHO_KINDS = (_PART_OF_LATER, _PART_OF_EARLIER, _HOLDS_EARLIER, _HOLDS_LATER)


def _echo_features(kinds: frozenset[str]) -> list[str]:
    """``dup:part_of_other``/``dup:holds_other`` and which way each points, in a fixed order."""
    out: list[str] = []
    if kinds & {_PART_OF_LATER, _PART_OF_EARLIER}:
        out.append("dup:part_of_other")
    if kinds & {_HOLDS_EARLIER, _HOLDS_LATER}:
        out.append("dup:holds_other")
    out.extend(f"dup:{kind}" for kind in _ECHO_KINDS if kind in kinds)
    return out


# every combination built once (a line's list is shared, never changed)
_ECHO_FEATURES = {
    frozenset(kinds): _echo_features(frozenset(kinds)) for n in range(1, 5) for kinds in combinations(_ECHO_KINDS, n)
}


def _titles_within_lines(views: Sequence[LineView]) -> dict[int, list[str]]:
    """Title-like lines shown again inside another line of the page, and those lines.

    A browser title ``site | headline`` above the headline, or a ticker item quoting it,
    holds the headline's words: the headline is then the same article's, not a new one.
    A share, print or link line after the text (``شارك الخبر: <title>``) holds them too,
    but *after* the headline: which way the echo points tells the two apart. Only short
    lines of at least ``TITLE_MIN_TOKENS`` tokens are compared, as whole words, and only
    within ``TITLE_ECHO_WINDOW`` lines of each other. Returns the ``dup:`` features of
    the lines involved.
    """
    titles = [
        (k, f" {v.normalized_key} ")
        for k, v in enumerate(views)
        if TITLE_MIN_TOKENS <= v.n_tokens <= TITLE_MAX_TOKENS
    ]
    found: dict[int, set[str]] = {}
    for a, (i, key_i) in enumerate(titles):
        for b in range(a + 1, len(titles)):
            j, key_j = titles[b]
            if j - i > TITLE_ECHO_WINDOW:
                break  # far apart: not the same title shown twice (and the cost stays linear)
            # equal keys are repeats (the ``dup:*`` features); only a shorter key can nest
            if len(key_i) < len(key_j) and key_i in key_j:
                found.setdefault(i, set()).add(_PART_OF_LATER)
                found.setdefault(j, set()).add(_HOLDS_EARLIER)
            elif len(key_j) < len(key_i) and key_j in key_i:
                found.setdefault(j, set()).add(_PART_OF_EARLIER)
                found.setdefault(i, set()).add(_HOLDS_LATER)
    return {k: _ECHO_FEATURES[frozenset(kinds)] for k, kinds in found.items()}


def _context_tables() -> dict[str, object]:
    """What ``segmenter/_context.pyx`` needs to give :func:`_page_context`'s features."""
    return {
        "view_type": LineView,
        # where each field's slot is (from the line-making kernel, which vouches for the class)
        "view_slots": _INSTANCES.slot_offsets(LineView) if _INSTANCES is not None else None,
        "pos": _POS_FEATURES,
        "pos_end": _POS_END_FEATURES,
        "relpos": _RELPOS_FEATURES,
        "long_before": _LONG_BEFORE_FEATURES,
        "since_read_also": _SINCE_READ_ALSO_FEATURES,
        "next_long": _NEXT_LONG_FEATURES,
        "prev_long": _PREV_LONG_FEATURES,
        "coh_prev": _COH_PREV,
        "coh_next": _COH_NEXT,
        "coh_story": _COH_STORY,
        "coh_para": _COH_PARA,
        "coh_across": _COH_ACROSS,
        "coh_body_next": _COH_BODY_NEXT,
        "coh_jaccard": _COH_JACCARD,
        "coh_jaccard_across": _COH_JACCARD_ACROSS,
        "cohesion_edges": _COHESION_EDGES,
        "jaccard_edges": _JACCARD_EDGES,
        # the echo features of each set of kinds, indexed by the kinds as bits (in _ECHO_KINDS order)
        "echoes": [
            _ECHO_FEATURES[frozenset(kind for bit, kind in enumerate(_ECHO_KINDS) if mask >> bit & 1)] if mask else []
            for mask in range(1 << len(_ECHO_KINDS))
        ],
        "offsets": NEIGHBOUR_OFFSETS,
        "edge": _EDGE_FEATURES,
        "has_blanks": "page:has_blanks",
        "blank_before": ("blank_before:0", "blank_before:1"),
        "blank_after": ("blank_after:0", "blank_after:1"),
        "after_read_also": "ctx:after_read_also",
        "dup_earlier": "dup:earlier",
        "dup_later": "dup:later",
        "dup_near": "dup:near",
        "disjoint": "page:disjoint_paragraphs",
        "coh_prev_none": "coh_prev:none",
        "coh_next_none": "coh_next:none",
        "same1": ("run:same1_prev", "run:same1_next"),
        "same2": ("run:same2_prev", "run:same2_next"),
        "short_tokens": SHORT_TOKENS,
        "cohesion_window": COHESION_WINDOW,
        "wide_window": WIDE_COHESION_WINDOW,
        "min_disjoint_pairs": MIN_DISJOINT_PAIRS,
        "disjoint_overlap": DISJOINT_OVERLAP,
        "disjoint_share": DISJOINT_SHARE,
        "title_min_tokens": TITLE_MIN_TOKENS,
        "title_max_tokens": TITLE_MAX_TOKENS,
        "title_echo_window": TITLE_ECHO_WINDOW,
    }


# A line's measurements, its own features and a page's context as C loops
# (``segmenter/_measure.pyx``, ``segmenter/_own_features.pyx``, ``segmenter/_context.pyx``),
# if built: the same features in the same order (``tests/test_compiled.py``);
# ``without_marks``, ``_measure``, ``_view`` and ``_page_context`` define them.
_MEASURE = kernel("segmenter._measure")
_INSTANCES = kernel("segmenter._assembly")  # objects of slotted dataclasses made in C
_OWN = kernel("segmenter._own_features")
_CONTEXT = kernel("segmenter._context")


def _configure_kernels() -> None:
    """Hand the kernels this module's tables (again, if another copy of it took them)."""
    if _MEASURE is not None:
        _MEASURE.configure(_measure_tables)
    if _OWN is not None:
        _OWN.configure(_own_tables)
    if _CONTEXT is not None:
        _CONTEXT.configure(_context_tables())


_configure_kernels()


@dataclass(slots=True)
class PageParts:
    """A page's non-blank lines as the tagger sees them.

    ``views[k].own`` are line k's own features; ``context[k]`` its page-context
    features (position, blanks, read-also, repeats, cohesion, page edges). The
    neighbour features of the full set are the neighbours' own features with an
    offset prefix, so the tagger can score them from ``views`` without building the
    strings (see :func:`page_features` for the strings themselves).
    """

    positions: list[int]
    views: list[LineView]
    context: list[list[str]]


def page_parts(texts: Sequence[str]) -> PageParts:
    """Own and context features of every non-blank line of a page (pure)."""
    return page_parts_many([texts])[0]


def page_parts_many(pages: Sequence[Sequence[str]]) -> list[PageParts]:
    """:func:`page_parts` of each page, the lines of all of them measured at once.

    A line's own features do not depend on the lines measured with it, so the pages'
    lines are measured together (one NumPy pass over the batch, not one per page; the
    array calls cost the same for 30 lines as for 2,000) and the context is then added
    page by page. The same parts as :func:`page_parts` of each page.
    """
    if _INSTANCES is not None:  # each page's blank flags and non-blank places in one C pass
        found = [_INSTANCES.blank_lines(texts if type(texts) is list else list(texts)) for texts in pages]
        blanks = [blank for blank, _ in found]
        positions = [at for _, at in found]
    else:
        blanks = [list(map(is_blank, texts)) for texts in pages]
        positions = [[i for i, b in enumerate(blank) if not b] for blank in blanks]
    views = line_views_cached([texts[i] for texts, at in zip(pages, positions) for i in at])
    out: list[PageParts] = []
    start = 0
    for texts, blank, at in zip(pages, blanks, positions):
        out.append(_page_context(texts, blank, at, views[start : start + len(at)]))
        start += len(at)
    return out


def _page_context(texts: Sequence[str], blank: list[bool], positions: list[int], views: list[LineView]) -> PageParts:
    """The page-context features of a page's non-blank lines, from their own (``views``)."""
    if _CONTEXT is not None:  # the same features from C loops (segmenter/_context.pyx)
        return PageParts(positions, views, _CONTEXT.page_context(blank, positions, views))
    n = len(views)
    n_lines = len(texts)
    page_has_blanks = n < n_lines
    context: list[list[str]] = []
    seen_long = 0
    read_also_at = -1
    seen_keys: dict[str, int] = {}
    key_counts: dict[str, int] = {}
    for v in views:
        if v.normalized_key:
            key_counts[v.normalized_key] = key_counts.get(v.normalized_key, 0) + 1
    echoes = _titles_within_lines(views)
    long_at = [k for k, v in enumerate(views) if v.is_long]
    next_long = [-1] * n  # index of the first long line after k (-1: none)
    following = -1
    for k in range(n - 1, -1, -1):
        next_long[k] = following
        if views[k].is_long:
            following = k
    line_words = [word_set(v.words) for v in views]
    disjoint = _disjoint_paragraphs(line_words, long_at)
    # the lines a paragraph is compared with to tell a story going on: not short furniture
    story_words = [w if v.is_long or v.n_tokens >= SHORT_TOKENS else _NO_WORDS for v, w in zip(views, line_words)]
    # the words of each run of COHESION_WINDOW lines: the lines after k are the run at
    # k + 1, the lines before it the run at k - COHESION_WINDOW (one union serves both)
    runs = [_NO_WORDS.union(*line_words[j : j + COHESION_WINDOW]) for j in range(n + 1)]
    # the paragraphs after a line (see below) depend only on the next long line: once each
    body_after: dict[int, set[int]] = {}
    # lines with a missing neighbour: the first and last few
    edge_low = -min(NEIGHBOUR_OFFSETS)
    edge_high = n - max(NEIGHBOUR_OFFSETS)
    previous_long = -1
    story_before = _NO_WORDS
    for k, (pos, view) in enumerate(zip(positions, views)):
        feats = [
            _POS_FEATURES[min(k, 5)],
            _POS_END_FEATURES[min(n - 1 - k, 3)],
            _RELPOS_FEATURES[min(4, (5 * k) // max(n, 1))],
            _LONG_BEFORE_FEATURES[min(seen_long, 3)],
        ]
        if page_has_blanks:
            feats.append("page:has_blanks")
            feats.append("blank_before:1" if pos > 0 and blank[pos - 1] else "blank_before:0")
            feats.append("blank_after:1" if pos + 1 < n_lines and blank[pos + 1] else "blank_after:0")
        if read_also_at >= 0:
            feats.append("ctx:after_read_also")
            feats.append(_SINCE_READ_ALSO_FEATURES[min(k - read_also_at, 3)])
        # repeated titles
        key = view.normalized_key
        if key and key_counts.get(key, 0) > 1:
            feats.append("dup:earlier" if key in seen_keys else "dup:later")
            if key in seen_keys and k - seen_keys[key] <= 3:
                feats.append("dup:near")
        if k in echoes:
            feats.extend(echoes[k])
        # lexical cohesion with the lines around
        words = line_words[k]
        ahead = next_long[k]
        # the story so far: the paragraph-like lines shortly before this one (the window
        # moves one line at a time; its words change only if a line with words enters or leaves)
        if k and (story_words[k - 1] or (k > WIDE_COHESION_WINDOW and story_words[k - 1 - WIDE_COHESION_WINDOW])):
            story_before = _NO_WORDS.union(*story_words[max(0, k - WIDE_COHESION_WINDOW) : k])
        if words:
            before = runs[k - COHESION_WINDOW] if k >= COHESION_WINDOW else _NO_WORDS.union(*line_words[:k])
            feats.append(_COH_PREV[_overlap_slot(words, before)])
            feats.append(_COH_NEXT[_overlap_slot(words, runs[k + 1])])
            if view.is_long:
                if disjoint:
                    feats.append("page:disjoint_paragraphs")
                # a paragraph against the paragraphs before it: does the story go on?
                feats.append(_COH_STORY[_overlap_slot(words, story_before)])
                # ... and against the paragraph just before it (adjacent blocks, TextTiling)
                if previous_long >= 0:
                    feats.append(_COH_PARA[_overlap_slot(words, line_words[previous_long])])
                    feats.append(_COH_JACCARD[_jaccard_slot(words, line_words[previous_long])])
        else:
            feats.append("coh_prev:none")
            feats.append("coh_next:none")
        # does the story go on across this line? (a subheading, not a new article's title:
        # the next paragraph shares words with the paragraphs before the line)
        if not view.is_long and ahead >= 0 and line_words[ahead] and story_before:
            feats.append(_COH_ACROSS[_overlap_slot(line_words[ahead], story_before)])
        # ... and the paragraphs on either side of it, as one paragraph to the next
        if not view.is_long and ahead >= 0 and previous_long >= 0 and line_words[ahead] and line_words[previous_long]:
            feats.append(_COH_JACCARD_ACROSS[_jaccard_slot(line_words[ahead], line_words[previous_long])])
        # where the paragraphs are: headlines stand just before them, menus far before
        feats.append(_NEXT_LONG_FEATURES[_distance_slot(ahead - k) if ahead >= 0 else -1])
        feats.append(_PREV_LONG_FEATURES[_distance_slot(k - previous_long) if previous_long >= 0 else -1])
        if words and ahead >= 0:
            body_words = body_after.get(ahead)
            if body_words is None:
                body_words = body_after[ahead] = set()
                # ahead is the first long line after k: from it on, until a later one adds words
                for j in long_at[bisect_right(long_at, k) :]:
                    body_words |= line_words[j]
                    if body_words and j > ahead:
                        break
            feats.append(_COH_BODY_NEXT[_overlap_slot(words, body_words)])
        # list items open alike (a bullet, a number, a "now |" ticker, a shared label):
        # the same first word, or the same first two, as the line before or after
        head = view.head
        if head:
            for j, side in ((k - 1, "prev"), (k + 1, "next")):
                if 0 <= j < n:
                    other = views[j].head
                    if other[:1] == head[:1]:
                        feats.append(f"run:same1_{side}")
                        if len(head) == 2 and other == head:
                            feats.append(f"run:same2_{side}")
        # page edges, where a neighbour is missing
        if k < edge_low or k >= edge_high:
            for off in NEIGHBOUR_OFFSETS:
                if not 0 <= k + off < n:
                    feats.append(_EDGE_FEATURES[off])
        context.append(feats)
        if view.is_long:
            seen_long += 1
            previous_long = k
        if view.is_read_also:
            read_also_at = k
        if key and key not in seen_keys:
            seen_keys[key] = k
    return PageParts(positions, views, context)


def page_features(texts: Sequence[str]) -> list[list[str]]:
    """Features of every non-blank line of a page, in order, with their context.

    ``texts`` are all the page's lines (blank ones included); the result has one
    feature list per non-blank line: own, context, and the own features of the
    lines at offsets ±1 and ±2 prefixed ``-2:``..``+2:``. Pure: the same lines give
    the same features.
    """
    return features_from_parts(page_parts(texts))


def features_from_parts(parts: PageParts) -> list[list[str]]:
    """The full feature strings of :class:`PageParts` (what training sees)."""
    shared = [_shared(v) for v in parts.views]
    n = len(parts.views)
    out: list[list[str]] = []
    for k, view in enumerate(parts.views):
        feats = list(view.own) + parts.context[k]
        for off in NEIGHBOUR_OFFSETS:
            j = k + off
            if 0 <= j < n:
                prefix = NEIGHBOUR_PREFIXES[off]
                feats.extend(prefix + f for f in shared[j])
        out.append(feats)
    return out


# --- the first pass's labels (the stacked second pass) -------------------------------

LABEL_CONTEXT_OFFSETS = (-3, -2, -1, 1, 2, 3)
SINCE_START_MAX = 6  # lines since the last article opened, capped
WALK_ARTICLE_MAX = 3  # a line's article, capped (the last code: any later one)
WALK_ARTICLES_MAX = 5  # the page's number of articles, capped
_NO_LABEL = "none"


class _LabelStrings(dict):  # type: ignore[type-arg]
    """Feature strings of one template, built once per label (or label pair) and kept."""

    def __init__(self, template: str) -> None:
        super().__init__()
        self.template = template

    def __missing__(self, key: str | tuple[str, str]) -> str:
        value = self.template.format(*key) if isinstance(key, tuple) else self.template.format(key)
        self[key] = value
        return value


_AT_LINE = _LabelStrings("s0:{}")
_PAIR_BEFORE = _LabelStrings("s-1|0:{}|{}")
_PAIR_AFTER = _LabelStrings("s0|+1:{}|{}")
_AT_OFFSET = {off: _LabelStrings(f"s{off:+d}:{{}}") for off in LABEL_CONTEXT_OFFSETS}
_SINCE_START = [f"s:since_start:{k}" for k in range(SINCE_START_MAX + 1)] + ["s:since_start:none"]
_ARTICLE = [f"s:article:{k}" for k in range(WALK_ARTICLE_MAX + 1)]
_ARTICLES = [f"s:articles:{k}" for k in range(WALK_ARTICLES_MAX + 1)]
_BODY_BEFORE = ["s:body_before:0", "s:body_before:1"]


def label_context_features(labels: Sequence[str]) -> list[list[str]]:
    """Features of a first tagging pass's labels around each line, for the second pass.

    A first-order CRF sees only the label just before a line. A second pass over the
    first one's labels sees the labels up to three lines away and the label pairs around
    the line, how far back the last article opened, which article the line is in and
    how many the page has, and whether the line's article already has body text: what
    tells a dateline that closes an article from one that opens the next, or a listing
    page from an article with subheadings. Pure: the same labels give the same features
    (``B-``/``I-`` labels as in :data:`segmenter.tagging.LABELS`).
    """
    n = len(labels)
    padded = [_NO_LABEL] * 3 + list(labels) + [_NO_LABEL] * 3
    since, article_of, body_before, articles = label_walk(labels)
    columns = [
        [_AT_LINE[label] for label in labels],
        [_PAIR_BEFORE[pair] for pair in zip(padded[2 : n + 2], labels)],
        [_PAIR_AFTER[pair] for pair in zip(labels, padded[4 : n + 4])],
        *([table[label] for label in padded[3 + off : n + 3 + off]] for off, table in _AT_OFFSET.items()),
        [_SINCE_START[code] for code in since],
        [_ARTICLE[code] for code in article_of],
        [_ARTICLES[articles]] * n,
        [_BODY_BEFORE[code] for code in body_before],
    ]
    return [list(line) for line in zip(*columns)]


def label_walk(labels: Sequence[str]) -> tuple[list[int], list[int], list[int], int]:
    """The page-wide walk over the first pass's labels, as codes of the features' columns.

    Per line: the lines since the last article opened before it (``SINCE_START_MAX + 1``:
    none opened; for an opening line, the length of the article it closes), its article
    (0-3, the last for any later), whether its article has body before it (0/1); and
    the page's number of articles (0-5, the last for more).
    """
    since: list[int] = []
    article_of: list[int] = []
    body_before: list[int] = []
    with_body: set[int] = set()
    index = -1
    last_start = -1
    for k, label in enumerate(labels):
        since.append(min(k - last_start, SINCE_START_MAX) if last_start >= 0 else SINCE_START_MAX + 1)
        if label.startswith("B-"):
            index += 1
            last_start = k
        article = max(index, 0)
        article_of.append(min(article, WALK_ARTICLE_MAX))
        body_before.append(1 if article in with_body else 0)
        if label.endswith("body"):
            with_body.add(article)
    return since, article_of, body_before, min(index + 1, WALK_ARTICLES_MAX)


def label_context_vocabulary(label_set: Sequence[str]) -> list[list[str]]:
    """Every string :func:`label_context_features` can give over ``label_set``, column by
    column, by code: what lets a tagger score those features from codes, not strings.

    With ``L = len(label_set)``, a label's code its index and ``L`` for no label (before
    the first line or after the last): column 0, the line's label; column 1, the pair of
    the label before and the line's, ``before * L + label``; column 2, the line's and
    the next, ``label * (L + 1) + after``; columns 3-8, the label at each of
    ``LABEL_CONTEXT_OFFSETS``; columns 9-12, the codes of :func:`label_walk` (lines
    since an opening, the article, the page's articles, body before).
    """
    with_none = [*label_set, _NO_LABEL]
    return [
        [_AT_LINE[label] for label in label_set],
        [_PAIR_BEFORE[(before, label)] for before in with_none for label in label_set],
        [_PAIR_AFTER[(label, after)] for label in label_set for after in with_none],
        *([table[label] for label in with_none] for table in _AT_OFFSET.values()),
        list(_SINCE_START),
        list(_ARTICLE),
        list(_ARTICLES),
        list(_BODY_BEFORE),
    ]
