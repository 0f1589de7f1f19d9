# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Stage 2's own features of a line as C loops over its characters and tokens.

An optional build (``setup.py``): :func:`segmenter.features._view` runs its own Python
when this module is not built, and is the definition this module follows, check for
check and in the same order. There, each check is a Python call: a method of the line
(``endswith``, ``find``, ``count``), a ``bisect``, a set built from the tokens to meet
a lexicon, ``map`` over the tokens for digits and lede weights. Here the characters
and tokens are read in C loops and the lexicons are looked up token by token; the
regular expressions are the same objects, asked under the same conditions.

:func:`configure` hands this module a function that gives the tables of
:mod:`segmenter.features` (lexicons, weights, regular expressions, feature strings);
it is called on first use, so the lexicons load when the Python would load them.
``tests/test_compiled.py`` holds every line's features to the Python's.
"""

import regex

from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject
from cpython.object cimport PyObject_RichCompareBool, Py_EQ
from cpython.unicode cimport Py_UNICODE_ISALPHA, Py_UNICODE_ISDIGIT, Py_UNICODE_ISSPACE, PyUnicode_Find

cdef extern from "Python.h":
    void PyObject_GC_UnTrack(void* op)
    bint PyObject_IS_GC(object op)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)
    Py_UCS4 PyUnicode_MAX_CHAR_VALUE(object text)
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index)
    void PyUnicode_WRITE(int kind, void* data, Py_ssize_t index, Py_UCS4 value)
    int PyUnicode_4BYTE_KIND
    object PyTuple_New(Py_ssize_t n)
    void PyTuple_SET_ITEM(object t, Py_ssize_t i, PyObject* o)  # steals o
    object PyList_New(Py_ssize_t n)
    void PyList_SET_ITEM(object l, Py_ssize_t i, PyObject* o)  # steals o
    void Py_INCREF(PyObject* o)
    void Py_XDECREF(PyObject* o)

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.string cimport memcpy

cdef object _PROVIDER = None
cdef bint _READY = False

# the tables, from the provider on first use
cdef object _MAKE_VIEWS  # a list of views from a tuple of columns, one a field
cdef list _LENGTH_FEATURES, _ARABIC_FEATURES, _LATIN_FEATURES, _PUNCT_FEATURES, _LEDE_FEATURES
cdef long _LENGTH_EDGES[16]
cdef double _RATIO_EDGES[8]
cdef long _LEDE_EDGES[8]
cdef Py_ssize_t _N_LENGTH_EDGES, _N_RATIO_EDGES, _N_LEDE_EDGES
cdef long _B_DIGIT, _B_EMOJI, _B_MOJIBAKE, _B_PIPE, _B_AT, _B_DOT, _B_HASH, _B_CASELESS_LATIN
cdef long _B_COPYRIGHT, _B_TICKER, _B_DECIMAL, _B_SPACE, _B_HIJRI_WORD, _B_TAWQIT_WORD
cdef const unsigned short[::1] _CHAR_TABLE  # class bits of every code point (features._char_table)
cdef Py_ssize_t _SHORT_TOKENS, _LONG_TOKENS, _TITLE_MAX_TOKENS, _CUE_HEAD, _CUE_TAIL, _DATE_HEAD
cdef Py_ssize_t _NAME_MAX_TOKENS, _NAME_HEAD_TOKENS, _W0_MIN_TOKENS, _OPENER_MIN_TOKENS
cdef Py_ssize_t _OPENER_MAX_TOKENS, _LEDE_MIN_TOKENS, _LEDE_POSITIONS, _LEDE_HEAD_TOKENS, _HEAD_CHARS
cdef dict _END_FEATURES, _PHRASES, _CUE, _CUE_START, _TOKEN_LEX, _DATE, _OPENERS
cdef dict _LEDE_BAG, _LEDE_PAIRS
cdef tuple _LEDE_POSITION_WEIGHTS
cdef long _LEDE_BIAS
cdef frozenset _DIALECT_MONTHS, _GIVEN_NAMES, _OPENER_FIRSTS
cdef str _PIPE_CHARS, _BYLINE_SEPARATORS, _READ_ALSO
cdef object _DIGITS_TO_ZERO
cdef object _MOJIBAKE_RE, _BULLET_RE, _QUOTE_START_RE, _PIPE_RE, _TWEET_SIGNATURE_RE, _PIC_TWITTER_RE
cdef object _HANDLE_RE, _HASHTAG_RE, _URL_HINT_RE, _URL_RE, _FILE_NAME_RE, _DEGREE_RE, _MONEY_RE
cdef object _YEAR_RE, _TIME_RE, _HIJRI_MARK_RE, _HIJRI_YEAR_RE, _NUMERIC_DATE_RE, _AM_PM_RE
cdef object _ENGLISH_ORDINAL_RE, _GMT_RE, _BYLINE_AGENCY_RE, _PAREN_PLACE_RE


def configure(provider) -> None:
    """Take the function that gives the tables of :mod:`segmenter.features` (called on first use)."""
    global _PROVIDER, _READY
    _PROVIDER = provider
    _READY = False


cdef int _load() except -1:
    global _READY, _MAKE_VIEWS, _LENGTH_FEATURES, _ARABIC_FEATURES, _LATIN_FEATURES, _PUNCT_FEATURES
    global _LEDE_FEATURES, _N_LENGTH_EDGES, _N_RATIO_EDGES, _N_LEDE_EDGES
    global _B_DIGIT, _B_EMOJI, _B_MOJIBAKE, _B_PIPE, _B_AT, _B_DOT, _B_HASH, _B_CASELESS_LATIN
    global _B_COPYRIGHT, _B_TICKER, _B_DECIMAL, _B_SPACE, _B_HIJRI_WORD, _B_TAWQIT_WORD, _CHAR_TABLE, _SHORT_TOKENS, _LONG_TOKENS, _TITLE_MAX_TOKENS, _CUE_HEAD
    global _CUE_TAIL, _DATE_HEAD, _NAME_MAX_TOKENS, _NAME_HEAD_TOKENS, _W0_MIN_TOKENS
    global _OPENER_MIN_TOKENS, _OPENER_MAX_TOKENS, _LEDE_MIN_TOKENS, _LEDE_POSITIONS
    global _LEDE_HEAD_TOKENS, _HEAD_CHARS, _END_FEATURES, _PHRASES, _CUE, _CUE_START, _TOKEN_LEX
    global _DATE, _OPENERS, _LEDE_BAG, _LEDE_PAIRS, _LEDE_POSITION_WEIGHTS, _LEDE_BIAS
    global _DIALECT_MONTHS, _GIVEN_NAMES, _OPENER_FIRSTS, _PIPE_CHARS, _BYLINE_SEPARATORS
    global _READ_ALSO, _DIGITS_TO_ZERO
    global _MOJIBAKE_RE, _BULLET_RE, _QUOTE_START_RE, _PIPE_RE, _TWEET_SIGNATURE_RE
    global _PIC_TWITTER_RE, _HANDLE_RE, _HASHTAG_RE, _URL_HINT_RE, _URL_RE, _FILE_NAME_RE
    global _DEGREE_RE, _MONEY_RE, _YEAR_RE, _TIME_RE, _HIJRI_MARK_RE, _HIJRI_YEAR_RE
    global _NUMERIC_DATE_RE, _AM_PM_RE, _ENGLISH_ORDINAL_RE, _GMT_RE, _BYLINE_AGENCY_RE, _PAREN_PLACE_RE
    global _BYLINE_IN_C, _BULLET_IN_C, _QUOTE_IN_C, _PIPE_IN_C, _SITE_GATE, _TICKER_IN_C, _DATES_IN_C
    cdef Py_ssize_t i
    if _PROVIDER is None:
        raise RuntimeError("segmenter._own_features is not configured (segmenter.features configures it)")
    t = _PROVIDER()
    length_edges, ratio_edges, lede_edges = tuple(t["length_edges"]), tuple(t["ratio_edges"]), tuple(t["lede_edges"])
    if len(length_edges) > 16 or len(ratio_edges) > 8 or len(lede_edges) > 8:
        raise ValueError("too many bucket edges")
    _MAKE_VIEWS = t["make_views"]
    _LENGTH_FEATURES = list(t["length_features"])
    _ARABIC_FEATURES = list(t["arabic_features"])
    _LATIN_FEATURES = list(t["latin_features"])
    _PUNCT_FEATURES = list(t["punct_features"])
    _LEDE_FEATURES = list(t["lede_features"])
    if len(_LENGTH_FEATURES) != len(length_edges) + 1 or len(_LEDE_FEATURES) != len(lede_edges) + 1 or not (
        len(_ARABIC_FEATURES) == len(_LATIN_FEATURES) == len(_PUNCT_FEATURES) == len(ratio_edges) + 1
    ):
        raise ValueError("one feature per bucket expected")
    _N_LENGTH_EDGES = len(length_edges)
    for i in range(_N_LENGTH_EDGES):
        _LENGTH_EDGES[i] = length_edges[i]
    _N_RATIO_EDGES = len(ratio_edges)
    for i in range(_N_RATIO_EDGES):
        _RATIO_EDGES[i] = ratio_edges[i]
    _N_LEDE_EDGES = len(lede_edges)
    for i in range(_N_LEDE_EDGES):
        _LEDE_EDGES[i] = lede_edges[i]
    bits = t["bits"]
    _B_DIGIT, _B_EMOJI, _B_MOJIBAKE = bits["digit"], bits["emoji"], bits["mojibake"]
    _B_PIPE, _B_AT, _B_DOT, _B_HASH = bits["pipe"], bits["at"], bits["dot"], bits["hash"]
    _B_CASELESS_LATIN, _B_COPYRIGHT, _B_TICKER = bits["caseless_latin"], bits["copyright"], bits["ticker"]
    _B_DECIMAL, _B_SPACE = bits["decimal"], bits["space"]
    _B_HIJRI_WORD, _B_TAWQIT_WORD = bits["hijri_word"], bits["tawqit_word"]
    if len(t["char_table"]) != 0x110000:
        raise ValueError("a class table of every code point expected")
    _CHAR_TABLE = t["char_table"]
    sizes = t["sizes"]
    _SHORT_TOKENS, _LONG_TOKENS, _TITLE_MAX_TOKENS = sizes["short"], sizes["long"], sizes["title_max"]
    _CUE_HEAD, _CUE_TAIL, _DATE_HEAD = sizes["cue_head"], sizes["cue_tail"], sizes["date_head"]
    _NAME_MAX_TOKENS, _NAME_HEAD_TOKENS = sizes["name_max"], sizes["name_head"]
    _W0_MIN_TOKENS, _OPENER_MIN_TOKENS, _OPENER_MAX_TOKENS = sizes["w0_min"], sizes["opener_min"], sizes["opener_max"]
    _LEDE_MIN_TOKENS, _LEDE_POSITIONS, _LEDE_HEAD_TOKENS = sizes["lede_min"], sizes["lede_positions"], sizes["lede_head"]
    _HEAD_CHARS = sizes["head_chars"]
    if not 0 <= _LEDE_HEAD_TOKENS <= _MAX_LEDE_HEAD:
        raise ValueError(f"a lede bag of at most {_MAX_LEDE_HEAD} words expected")
    _END_FEATURES = dict(t["end_features"])
    words = t.get("lexicon_words") or {}
    _PHRASES = {
        _canonical(words, first): tuple(
            (tuple([_canonical(words, tok) for tok in entry[0]]), entry[1]) for entry in entries
        )
        for first, entries in t["phrases"].items()
    }
    _CUE = {name: f"cue:{name}" for name in t["phrase_lexicons"]}
    _CUE_START = {name: f"cue:{name}@start" for name in t["phrase_lexicons"]}
    _TOKEN_LEX = {_canonical(words, word): names for word, names in t["token_lexicons"].items()}
    _DATE = {name: f"date:{name}" for names in _TOKEN_LEX.values() for name in names}
    _OPENERS = dict(t["openers"])
    weights = t["lede_weights"]
    _LEDE_BIAS = weights.bias
    _LEDE_POSITION_WEIGHTS = tuple(
        {_canonical(words, word): weight for word, weight in position.items()} for position in weights.positions
    )
    if len(_LEDE_POSITION_WEIGHTS) != _LEDE_POSITIONS:
        raise ValueError("one lede weight table per position expected")
    _LEDE_BAG = {_canonical(words, word): weight for word, weight in weights.bag.items()}
    _LEDE_PAIRS = {
        tuple([_canonical(words, word) for word in pair]) if type(pair) is tuple else pair: weight
        for pair, weight in weights.pairs.items()
    }
    _DIALECT_MONTHS = frozenset(t["dialect_months"])
    _GIVEN_NAMES = frozenset([_canonical(words, word) for word in t["given_names"]])
    _OPENER_FIRSTS = frozenset([_canonical(words, word) for word in t["opener_firsts"]])
    _PIPE_CHARS = t["pipe_chars"]
    _BYLINE_SEPARATORS = "".join(t["byline_separators"])
    _READ_ALSO = t["read_also"]
    _DIGITS_TO_ZERO = t["digits_to_zero"]
    r = t["patterns"]
    _MOJIBAKE_RE, _BULLET_RE, _QUOTE_START_RE, _PIPE_RE = r["mojibake"], r["bullet"], r["quote_start"], r["pipe"]
    _TWEET_SIGNATURE_RE, _PIC_TWITTER_RE, _HANDLE_RE = r["tweet_signature"], r["pic_twitter"], r["handle"]
    _HASHTAG_RE, _URL_HINT_RE, _URL_RE, _FILE_NAME_RE = r["hashtag"], r["url_hint"], r["url"], r["file_name"]
    _DEGREE_RE, _MONEY_RE, _YEAR_RE, _TIME_RE = r["degree"], r["money"], r["year"], r["time"]
    _HIJRI_MARK_RE, _HIJRI_YEAR_RE, _NUMERIC_DATE_RE = r["hijri_mark"], r["hijri_year"], r["numeric_date"]
    _AM_PM_RE, _ENGLISH_ORDINAL_RE, _GMT_RE = r["am_pm"], r["english_ordinal"], r["gmt"]
    _BYLINE_AGENCY_RE, _PAREN_PLACE_RE = r["byline_agency"], r["paren_place"]
    _fill_lexicon_filter()
    _fill_sets()
    _load_zeroed(_DIGITS_TO_ZERO)
    _BYLINE_IN_C = _is_pattern(_BYLINE_AGENCY_RE, _BYLINE_PATTERN)
    _BULLET_IN_C = _is_pattern(_BULLET_RE, _BULLET_PATTERN)
    _QUOTE_IN_C = _is_pattern(_QUOTE_START_RE, _QUOTE_PATTERN)
    _PIPE_IN_C = _is_pattern(_PIPE_RE, _PIPE_PATTERN)
    _SITE_GATE = _is_pattern(_URL_HINT_RE, _URL_HINT_PATTERN, regex.I)
    _TICKER_IN_C = _is_pattern(_DEGREE_RE, _DEGREE_PATTERN) and _is_pattern(_MONEY_RE, _MONEY_PATTERN)
    _DATES_IN_C = (
        _is_pattern(_YEAR_RE, r"\b(?:19[5-9]\d|20[0-4]\d)\b")
        and _is_pattern(_TIME_RE, r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
        and _is_pattern(_AM_PM_RE, r"\d\s*(?:ص|م|am|pm|a\.m\.|p\.m\.)(?:\s|$|\b)", regex.I)
        and _is_pattern(_NUMERIC_DATE_RE, r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b")
        and _is_pattern(_ENGLISH_ORDINAL_RE, r"\b\d{1,2}(?:st|nd|rd|th)\b", regex.I)
    )
    _READY = True
    return 0


cdef object _canonical(dict words, object word):
    """The string of ``words`` equal to ``word``, if any (see ``features._lexicon_words``):
    the measuring kernel gives a token equal to a lexicon word as that very string."""
    return words.get(word, word) if type(word) is str else word


# Most tokens are in no lexicon, and a look-up that misses still reads a large table
# (dictionary look-ups were a tenth of this module's time). A byte per hash slot says which
# lexicons hold some key of that slot: a token whose slot lacks a lexicon's bit is not in
# it, and is not looked up. (A string caches its hash; the tokens come from the measuring
# kernel's table, so the hash is made once per distinct token.)
cdef enum:
    _FILTER_SLOTS = 1 << 16
cdef unsigned char _LEXICON_FILTER[_FILTER_SLOTS]
cdef enum:
    _IN_PHRASES = 1  # first word of a cue phrase
    _IN_DATES = 2  # a date, time or weekday word
    _IN_NAMES = 4  # a given name
    _IN_BAG = 8  # a lede word
    _IN_POSITIONS = 16  # a lede word at one of the first positions
    _IN_PAIR_FIRST = 32  # the first word of a lede pair
    _IN_PAIR_SECOND = 64  # the second word of one
    _IN_OPENERS = 128  # the first word of an opener


cdef int _mark(object keys, unsigned char bit) except -1:
    """Set ``bit`` in the slot of each key (in every slot if a key is not a string,
    whose equality with a token the hash cannot vouch for)."""
    cdef Py_ssize_t i
    for key in keys:
        if type(key) is not str:
            for i in range(_FILTER_SLOTS):
                _LEXICON_FILTER[i] |= bit
            return 0
        _LEXICON_FILTER[<size_t>hash(key) & (_FILTER_SLOTS - 1)] |= bit
    return 0


cdef int _fill_lexicon_filter() except -1:
    cdef Py_ssize_t i
    for i in range(_FILTER_SLOTS):
        _LEXICON_FILTER[i] = 0
    _mark(_PHRASES, _IN_PHRASES)
    _mark(_TOKEN_LEX, _IN_DATES)
    _mark(_GIVEN_NAMES, _IN_NAMES)
    _mark(_LEDE_BAG, _IN_BAG)
    for weights in _LEDE_POSITION_WEIGHTS:
        _mark(weights, _IN_POSITIONS)
    for pair in _LEDE_PAIRS:
        if type(pair) is not tuple or len(pair) != 2:
            raise ValueError("a lede pair is two words")
    _mark([pair[0] for pair in _LEDE_PAIRS], _IN_PAIR_FIRST)
    _mark([pair[1] for pair in _LEDE_PAIRS], _IN_PAIR_SECOND)
    _mark(_OPENER_FIRSTS, _IN_OPENERS)
    return 0


cdef inline bint _may_be_in(object token, unsigned char bit) except -1:
    """False if ``token`` (a string) is surely not a key of the lexicons of ``bit``."""
    return _may_be_hashed_in(hash(token), bit)


cdef inline bint _may_be_hashed_in(Py_hash_t h, unsigned char bit) noexcept:
    """:func:`_may_be_in` of a token whose hash is ``h``."""
    return _LEXICON_FILTER[<size_t>h & (_FILTER_SLOTS - 1)] & bit


# Four of the expressions are read in C, each only for its exact pattern (another from
# the tables is asked as it is); ``\s`` and ``\d`` come from the class table's bits,
# built from the expressions' own classes.
cdef bint _is_pattern(expression, str pattern, int flags=0):
    return (expression.pattern, expression.flags) == (pattern, regex.compile(pattern, flags).flags)


# A list item's bullet (features._BULLET_RE, asked with ``match``): white space, then a
# bullet sign, or one or two digits, white space and ``.``, ``)`` or ``-`` (the
# Arabic-Indic branch is within ``\d``'s). Three or more digits meet neither branch.
_BULLET_PATTERN = r"^\s*(?:[•●▪■◦◆◇►▶◀◄▸‣⁃∙·○□➤➢✓✔★☆\-\*–—»>]|\d{1,2}\s*[.)\-]|[\u0660-\u0669]{1,2}\s*[.)\-])\s*"
cdef str _BULLET_SIGNS = u"•●▪■◦◆◇►▶◀◄▸‣⁃∙·○□➤➢✓✔★☆-*–—»>"
cdef bint _BULLET_IN_C = False


cdef inline Py_ssize_t _past_spaces(str line, Py_ssize_t i) noexcept:
    """The first place from ``i`` on that is not ``\\s`` (or the line's end)."""
    cdef Py_ssize_t n = len(line)
    while i < n and _CHAR_TABLE[line[i]] & _B_SPACE:
        i += 1
    return i


cdef bint _bullet(str line) noexcept:
    cdef Py_ssize_t n = len(line), i = _past_spaces(line, 0), digits
    if i == n:
        return False
    if line[i] in _BULLET_SIGNS:
        return True
    digits = 0
    while i < n and _CHAR_TABLE[line[i]] & _B_DECIMAL:
        digits += 1
        i += 1
    if not 1 <= digits <= 2:
        return False
    i = _past_spaces(line, i)
    return i < n and line[i] in u".)-"


# A line opening with a quotation mark (features._QUOTE_START_RE, with ``match``).
_QUOTE_PATTERN = r"^\s*[\"«“”'‘]"
cdef bint _QUOTE_IN_C = False


cdef bint _quote_start(str line) noexcept:
    cdef Py_ssize_t n = len(line), i = _past_spaces(line, 0)
    return i < n and line[i] in u"\"«“”'‘"


# Separators between white space (features._PIPE_RE): its matches, each three
# characters (white space, a separator, white space), found as ``findall`` finds them,
# left to right without overlapping; counted up to two.
_PIPE_PATTERN = r"\s[|•·]\s|\s/\s|\s»\s|\s>\s"
cdef bint _PIPE_IN_C = False


cdef bint _two_separators(str line) noexcept:
    cdef Py_ssize_t n = len(line), i = 0, found = 0
    while i + 2 < n:
        if _CHAR_TABLE[line[i]] & _B_SPACE and line[i + 1] in u"|•·/»>" and _CHAR_TABLE[line[i + 2]] & _B_SPACE:
            found += 1
            if found == 2:
                return True
            i += 3
        else:
            i += 1
    return False


def lexicon_bits(str token) -> dict:
    """Which lexicons the filter lets ``token`` be looked up in (for the tests)."""
    if not _READY:
        _load()
    return {
        name: bool(_may_be_in(token, bit))
        for name, bit in (
            ("phrases", _IN_PHRASES), ("dates", _IN_DATES), ("names", _IN_NAMES), ("bag", _IN_BAG),
            ("positions", _IN_POSITIONS), ("pair_first", _IN_PAIR_FIRST), ("pair_second", _IN_PAIR_SECOND),
            ("openers", _IN_OPENERS),
        )
    }


# The web-address hint (features._URL_HINT_RE, case-insensitive, asked with ``search``;
# it missed on four lines in five it was asked about, 11 µs each): each branch needs
# "://", or a period with a Latin letter, as caseless matching reads one (the
# caseless-Latin class, built from ``[a-z]`` under the same flag), right before it
# ("www.") or right after it (".com"). Lines with neither are not asked. A gate only,
# for this exact pattern.
_URL_HINT_PATTERN = r"://|www\.|\.(?:com|net|org|me|tv|news|sa|iq|eg|ae)\b"
cdef bint _SITE_GATE = False


cdef bint _may_name_a_site(str line) noexcept:
    cdef Py_ssize_t i, n = len(line)
    cdef Py_UCS4 ch
    for i in range(n):
        ch = line[i]
        if ch == u".":
            if (i > 0 and _CHAR_TABLE[line[i - 1]] & _B_CASELESS_LATIN) or (
                i + 1 < n and _CHAR_TABLE[line[i + 1]] & _B_CASELESS_LATIN
            ):
                return True
        elif ch == u":" and i + 2 < n and line[i + 1] == u"/" and line[i + 2] == u"/":
            return True
    return False


def unique_features(list feats) -> tuple:
    """``tuple(dict.fromkeys(feats))``, as a line's features are deduplicated (for the tests)."""
    return _unique(feats)


def features_taken(list items, bint unique) -> tuple:
    """``items`` pushed one by one into a line's feature buffer, then taken as its tuple
    (each once if ``unique``), twice over: the buffer grows and is emptied (for the tests)."""
    cdef _Feats feats = _Feats()
    for item in items:
        feats.push(item)
    feats.take(unique)
    for item in items:
        feats.push(item)
    return feats.take(unique)


def zeroed(str word) -> tuple:
    """A head word with its digits made 0, and whether that was done in C (for the tests)."""
    if not _READY:
        _load()
    return _zeroed(word), _ZEROED_IN_C


# Five date expressions read in C (features._YEAR_RE, _TIME_RE, _AM_PM_RE,
# _NUMERIC_DATE_RE, _ENGLISH_ORDINAL_RE), each only for its exact pattern, and only in a
# text of the BMP (a text with a character past it is asked of the expression): they
# were a twentieth of the labelling, each a search of the line's rest from a place
# where it might match. ``\d``, ``\s`` and ``\w`` are the classes the regex module
# gives them (the class table's bits and _SET_WORD, built from the expressions' own
# classes); ``\b`` looks at the character before the search's start, as the module
# does. A run of digits must be taken whole where a separator, a letter or a boundary
# follows it, so where each of them can match is found without backtracking.
cdef bint _DATES_IN_C = False

cdef inline bint _dec(Py_UCS4 ch) noexcept:
    return _CHAR_TABLE[ch] & _B_DECIMAL


cdef inline bint _word(str text, Py_ssize_t i) noexcept:
    """``\w`` at ``i`` of a BMP text (False past its ends)."""
    return 0 <= i < len(text) and _IN_SET[text[i]] & _SET_WORD


cdef inline Py_ssize_t _digits(str text, Py_ssize_t i, Py_ssize_t most) noexcept:
    """How many ``\d`` start at ``i`` (counted up to ``most``)."""
    cdef Py_ssize_t j = i, n = len(text)
    while j < n and j - i < most and _dec(text[j]):
        j += 1
    return j - i


cdef inline bint _run_start(str text, Py_ssize_t i) noexcept:
    """``\b\d`` at ``i``: a digit with no word character before it."""
    return _dec(text[i]) and not _word(text, i - 1)


cdef bint _year_in(str text, Py_ssize_t start) noexcept:
    """``\b(?:19[5-9]\d|20[0-4]\d)\b`` searched from ``start``."""
    cdef Py_ssize_t i, n = len(text)
    cdef Py_UCS4 a, b, c
    for i in range(max(start, 0), n - 3):
        a = text[i]
        b = text[i + 1]
        c = text[i + 2]
        if not ((a == u"1" and b == u"9" and u"5" <= c <= u"9") or (a == u"2" and b == u"0" and u"0" <= c <= u"4")):
            continue
        if _dec(text[i + 3]) and not _word(text, i - 1) and not _word(text, i + 4):
            return True
    return False


cdef bint _time_in(str text, Py_ssize_t start) noexcept:
    """``\b\d{1,2}:\d{2}(?::\d{2})?\b`` searched from ``start``."""
    cdef Py_ssize_t i, a, j, e, n = len(text)
    for i in range(max(start, 0), n):
        if not _run_start(text, i):
            continue
        a = _digits(text, i, 3)
        if a > 2 or i + a >= n or text[i + a] != u":":
            continue
        j = i + a + 1
        if j + 2 > n or not (_dec(text[j]) and _dec(text[j + 1])):
            continue
        e = j + 2
        if e + 3 <= n and text[e] == u":" and _dec(text[e + 1]) and _dec(text[e + 2]) and not _word(text, e + 3):
            return True
        if not _word(text, e):
            return True
    return False


cdef inline bint _am_pm_end(str text, Py_ssize_t e) noexcept:
    """``(?:\s|$|\b)`` at ``e`` (``e`` > 0)."""
    return e >= len(text) or _CHAR_TABLE[text[e]] & _B_SPACE or _word(text, e - 1) != _word(text, e)


cdef bint _am_pm_in(str text, Py_ssize_t start) noexcept:
    """``\d\s*(?:ص|م|am|pm|a\.m\.|p\.m\.)(?:\s|$|\b)`` (ignoring case) searched from ``start``."""
    cdef Py_ssize_t i, j, n = len(text)
    cdef Py_UCS4 ch
    for i in range(max(start, 0), n):
        if not _dec(text[i]):
            continue
        j = i + 1
        while j < n and _CHAR_TABLE[text[j]] & _B_SPACE:
            j += 1
        if j >= n:
            continue
        ch = text[j]
        if ch == u"ص" or ch == u"م":
            if _am_pm_end(text, j + 1):
                return True
        elif ch == u"a" or ch == u"A" or ch == u"p" or ch == u"P":
            if j + 1 < n and (text[j + 1] == u"m" or text[j + 1] == u"M") and _am_pm_end(text, j + 2):
                return True
            if (
                j + 3 < n
                and text[j + 1] == u"."
                and (text[j + 2] == u"m" or text[j + 2] == u"M")
                and text[j + 3] == u"."
                and _am_pm_end(text, j + 4)
            ):
                return True
    return False


cdef inline bint _date_separator(str text, Py_ssize_t i) noexcept:
    return i < len(text) and (text[i] == u"/" or text[i] == u"." or text[i] == u"-")


cdef bint _numeric_date_in(str text, Py_ssize_t start) noexcept:
    """``\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b`` searched from ``start``."""
    cdef Py_ssize_t i, j, a, n = len(text)
    for i in range(max(start, 0), n):
        if not _run_start(text, i):
            continue
        a = _digits(text, i, 5)
        if a > 4 or not _date_separator(text, i + a):
            continue
        j = i + a + 1
        a = _digits(text, j, 3)
        if not 1 <= a <= 2 or not _date_separator(text, j + a):
            continue
        j += a + 1
        a = _digits(text, j, 5)
        if 1 <= a <= 4 and not _word(text, j + a):
            return True
    return False


cdef bint _ordinal_in(str text, Py_ssize_t start) noexcept:
    """``\b\d{1,2}(?:st|nd|rd|th)\b`` (ignoring case: ``ſ`` is an ``s``) searched from ``start``."""
    cdef Py_ssize_t i, j, a, n = len(text)
    cdef Py_UCS4 x, y
    for i in range(max(start, 0), n):
        if not _run_start(text, i):
            continue
        a = _digits(text, i, 3)
        j = i + a
        if a > 2 or j + 1 >= n:
            continue
        x = text[j]
        y = text[j + 1]
        if (
            ((x == u"s" or x == u"S" or x == u"ſ") and (y == u"t" or y == u"T"))
            or ((x == u"n" or x == u"N" or x == u"r" or x == u"R") and (y == u"d" or y == u"D"))
            or ((x == u"t" or x == u"T") and (y == u"h" or y == u"H"))
        ) and not _word(text, j + 2):
            return True
    return False


cdef inline bint _in_bmp(str text) noexcept:
    return PyUnicode_KIND(text) != PyUnicode_4BYTE_KIND


ctypedef bint (*_DateReader)(str, Py_ssize_t) noexcept


cdef bint _date_found(_DateReader read_in_c, object expression, str norm, Py_ssize_t start) except -1:
    """Does ``expression`` find a match in ``norm`` from ``start``: read in C (``read_in_c``)
    where the expressions are read so and the text is of the BMP, else asked of it."""
    if _DATES_IN_C and _in_bmp(norm):
        return read_in_c(norm, start)
    return expression.search(norm, start) is not None


def read_in_c(str name, str line, Py_ssize_t start=0) -> bool:
    """What the C reading of expression ``name`` says of ``line`` (for the tests; the
    date expressions searched from ``start``)."""
    if not _READY:
        _load()
    if name in ("year", "time", "am_pm", "numeric_date", "english_ordinal"):
        if not _DATES_IN_C:
            raise RuntimeError("the date expressions are not read in C")
        if name == "year":
            return _date_found(_year_in, _YEAR_RE, line, start)
        if name == "time":
            return _date_found(_time_in, _TIME_RE, line, start)
        if name == "am_pm":
            return _date_found(_am_pm_in, _AM_PM_RE, line, start)
        if name == "numeric_date":
            return _date_found(_numeric_date_in, _NUMERIC_DATE_RE, line, start)
        return _date_found(_ordinal_in, _ENGLISH_ORDINAL_RE, line, start)
    if name == "byline_agency":
        return _byline_shape(line)
    if name == "bullet":
        return _bullet(line)
    if name == "quote_start":
        return _quote_start(line)
    if name == "pipe":
        return _two_separators(line)
    if name == "url_hint":  # a gate: False means the expression cannot match
        return _may_name_a_site(line)
    if name == "ticker":  # degree or money
        return _ticker_shape(line)
    raise KeyError(name)


# The separator-byline expression (features._BYLINE_AGENCY_RE), read in C: a name of 2
# to 40 characters with no digit, colon, comma or period, a separator between optional
# white space, a name of 2 to 40 characters with no digit, then an optional colon and
# white space to the end. The regular expression tries every length of either name
# (4.4 µs a line it is asked about, 2% of labelling); here each separator is tried once,
# with the lengths the names can take worked out from the runs of white space around it
# and the line's end. Only this pattern is read so: another is asked as it is.
_BYLINE_PATTERN = r"^[^\d:،,.]{2,40}?\s*[-–—/:]\s*[^\d]{2,40}?\s*:?\s*$"
cdef bint _BYLINE_IN_C = False


cdef bint _byline_shape(str line) noexcept:
    """``_BYLINE_AGENCY_RE.match(line)``, for the pattern ``_BYLINE_PATTERN``."""
    cdef Py_ssize_t n = len(line), p, j, last_digit = -1, spaces = 0, tail = 0, lead, right
    cdef Py_UCS4 ch
    for j in range(n):  # no name holds a digit, and the right one runs to the end
        if _CHAR_TABLE[line[j]] & _B_DECIMAL:
            last_digit = j
    # the longest end the line can close on (\s*:?\s*$): white space, a colon, white space
    j = n
    while j > 0 and _CHAR_TABLE[line[j - 1]] & _B_SPACE:
        j -= 1
    if j > 0 and line[j - 1] == u":":
        j -= 1
        while j > 0 and _CHAR_TABLE[line[j - 1]] & _B_SPACE:
            j -= 1
    tail = n - j
    for p in range(n):
        ch = line[p]
        # a separator at p: the left name ends where white space before it may begin
        # (2 to 40 characters), the right name spans what follows less the white space
        # it may start with and the end it may leave out (2 to 40 characters)
        if ch in u"-–—/:" and p >= 2 and p - spaces <= 40 and last_digit < p:
            right = n - p - 1
            lead = _past_spaces(line, p + 1) - (p + 1)
            if right >= 2 and right - min(tail, right) - lead <= 40:
                return True
        # the left name (and the white space after it) is all before a separator: it
        # cannot hold a digit, a colon, a comma or a period
        if ch in u":،,." or _CHAR_TABLE[ch] & _B_DECIMAL:
            return False
        spaces = spaces + 1 if _CHAR_TABLE[ch] & _B_SPACE else 0
    return False



cdef inline bint _is_digits(str text) noexcept:
    """``str.isdigit``: not empty, and every character a digit."""
    cdef Py_ssize_t i, n = len(text)
    if n == 0:
        return False
    for i in range(n):
        if not Py_UNICODE_ISDIGIT(text[i]):
            return False
    return True


# Membership in the few character sets asked of every character of a line (the pipe
# separators, the byline separators): a bit a set in a byte per BMP code point, so a
# character costs a load, where ``ch in chars`` was a call of ``PyUnicode_FindChar``
# (about 80 instructions; the separators hold "»", so most lines asked it of each
# character). Characters past the BMP are asked of the string.
cdef enum:
    _SET_PIPE = 1
    _SET_BYLINE = 2
    _SET_WORD = 4  # ``\w`` of the date expressions (the regex module's, built from it)
cdef unsigned char _IN_SET[0x10000]


cdef int _fill_sets() except -1:
    cdef Py_ssize_t i
    cdef Py_UCS4 ch
    for i in range(0x10000):
        _IN_SET[i] = 0
    for ch in _PIPE_CHARS:
        if ch < 0x10000:
            _IN_SET[ch] |= _SET_PIPE
    for ch in _BYLINE_SEPARATORS:
        if ch < 0x10000:
            _IN_SET[ch] |= _SET_BYLINE
    # every BMP code point (lone surrogates too, which ``\w`` never matches) in one string
    for match in regex.finditer(r"\w+", "".join(map(chr, range(0x10000)))):
        for i in range(match.start(), match.end()):
            _IN_SET[i] |= _SET_WORD
    return 0


cdef inline bint _in_set(Py_UCS4 ch, unsigned char bit, str chars) noexcept:
    """Is ``ch`` among ``chars``, the set of ``bit``?"""
    if ch < 0x10000:
        return _IN_SET[ch] & bit
    return ch in chars


cdef inline bint _holds_any(str text, unsigned char bit, str chars) noexcept:
    """Does ``text`` hold any of ``chars`` (the set of ``bit``)?"""
    cdef Py_UCS4 ch
    for ch in text:
        if _in_set(ch, bit, chars):
            return True
    return False


cdef inline Py_ssize_t _count_of(str text, unsigned char bit, str chars) noexcept:
    """How many characters of ``text`` are among ``chars`` (the set of ``bit``)."""
    cdef Py_UCS4 ch
    cdef Py_ssize_t count = 0
    for ch in text:
        if _in_set(ch, bit, chars):
            count += 1
    return count



# The price and temperature expressions (features._DEGREE_RE and _MONEY_RE, asked with
# ``search`` about lines holding one of the ticker characters; 50,000 instructions a
# line they were asked about, most of it the expressions' walk over the line). A degree
# sign alone meets the first (``°\s*[cCمس]?``); the second needs a currency sign, or a
# percent sign after white space after digits, a period or comma and a digit: read
# backwards from each percent sign. Only these patterns are read so.
_DEGREE_PATTERN = r"\d\s*°|°\s*[cCمس]?"
_MONEY_PATTERN = r"[$€£¥]|\d+[.,]\d+\s*%"
cdef bint _TICKER_IN_C = False


cdef bint _ticker_shape(str line) noexcept:
    """``_DEGREE_RE.search(line) or _MONEY_RE.search(line)``, for the two patterns above."""
    cdef Py_ssize_t n = len(line), i, j, k
    cdef Py_UCS4 ch
    for i in range(n):
        ch = line[i]
        if ch == u"°" or ch == u"$" or ch == u"€" or ch == u"£" or ch == u"¥":
            return True
        if ch == u"%":
            j = i
            while j > 0 and _CHAR_TABLE[line[j - 1]] & _B_SPACE:
                j -= 1
            k = j
            while k > 0 and _CHAR_TABLE[line[k - 1]] & _B_DECIMAL:
                k -= 1
            if k < j and k >= 2 and (line[k - 1] == u"." or line[k - 1] == u",") and _CHAR_TABLE[line[k - 2]] & _B_DECIMAL:
                return True
    return False


# A line's deduplicated features, its normalised key and its head, made without the
# Python calls that made them (``dict.fromkeys``, ``" ".join``, ``split``, ``translate``:
# together about a fifth of this module's instructions).
cdef enum:
    _MAX_UNIQUE = 64  # features deduplicated here; a line with more goes to dict.fromkeys


cdef tuple _unique(list feats):
    """``tuple(dict.fromkeys(feats))``: each feature once, where it first comes; equal as
    a dictionary's keys are (the same hash, then the same object or ``==``)."""
    cdef Py_ssize_t n = len(feats), i
    cdef PyObject* given[_MAX_UNIQUE]
    if n > _MAX_UNIQUE:
        return tuple(dict.fromkeys(feats))
    for i in range(n):
        given[i] = <PyObject*>feats[i]
    return _unique_items(given, n)


cdef tuple _unique_items(PyObject** given, Py_ssize_t n):
    """:func:`_unique` of the ``n`` features at ``given`` (references borrowed)."""
    cdef Py_ssize_t i, j, kept = 0
    cdef Py_hash_t h
    cdef Py_hash_t hashes[_MAX_UNIQUE]
    cdef PyObject* items[_MAX_UNIQUE]
    cdef PyObject* item
    if n > _MAX_UNIQUE:
        return tuple(dict.fromkeys([<object>given[i] for i in range(n)]))
    for i in range(n):
        item = given[i]
        h = hash(<object>item)
        for j in range(kept):
            if hashes[j] == h and (items[j] == item or PyObject_RichCompareBool(<object>items[j], <object>item, Py_EQ)):
                break
        else:
            hashes[kept] = h
            items[kept] = item
            kept += 1
    out = PyTuple_New(kept)
    for j in range(kept):
        Py_INCREF(items[j])
        PyTuple_SET_ITEM(out, j, items[j])
    return <tuple>out


cdef str _joined(list toks):
    """``" ".join(toks)`` of strings: each copied once into a string of the widest kind."""
    cdef Py_ssize_t n = len(toks), i, k, size, at = 0, total
    cdef Py_UCS4 most = 0x7F  # the separator's
    cdef int kind, item_kind
    cdef char* data
    cdef const void* item_data
    if n == 0:
        return ""
    if n == 1:
        return <str>toks[0]  # as str.join gives back a lone item that is a str
    total = n - 1
    for i in range(n):
        total += len(<str>toks[i])
        most = max(most, PyUnicode_MAX_CHAR_VALUE(toks[i]))
    out = PyUnicode_New(total, most)
    kind = PyUnicode_KIND(out)
    data = <char*>PyUnicode_DATA(out)
    for i in range(n):
        token = <str>toks[i]
        size = len(token)
        if i:
            PyUnicode_WRITE(kind, data, at, u" ")
            at += 1
        item_kind = PyUnicode_KIND(token)
        item_data = PyUnicode_DATA(token)
        if item_kind == kind:
            memcpy(data + at * kind, item_data, size * kind)
        else:
            for k in range(size):
                PyUnicode_WRITE(kind, data, at + k, PyUnicode_READ(item_kind, item_data, k))
        at += size
    return <str>out


cdef Py_ssize_t _N_ZEROED = 0  # the digit table as pairs, when every digit it maps is a
cdef Py_UCS4 _ZEROED_FROM[64]  # _B_DIGIT character and each becomes one character
cdef Py_UCS4 _ZEROED_TO[64]    # (else words are translated by the table itself)
cdef bint _ZEROED_IN_C = False


cdef int _load_zeroed(table) except -1:
    """The digit table's changes as pairs: a dict of code points, or a list indexed by
    them (``str.translate`` leaves a character past its end, or mapped to itself, as it is)."""
    global _N_ZEROED, _ZEROED_IN_C
    _ZEROED_IN_C = False
    _N_ZEROED = 0
    if type(table) is dict:
        changes = list((<dict>table).items())
    elif type(table) is list:
        changes = [(code, value) for code, value in enumerate(<list>table) if value != chr(code)]
    else:
        return 0
    if len(changes) > 64:
        return 0
    for code, value in changes:
        if type(code) is not int or not 0 <= code < 0x110000 or type(value) is not str or len(value) != 1:
            return 0
        if not _CHAR_TABLE[<Py_ssize_t>code] & _B_DIGIT:
            return 0
        _ZEROED_FROM[_N_ZEROED] = code
        _ZEROED_TO[_N_ZEROED] = ord(value)
        _N_ZEROED += 1
    _ZEROED_IN_C = True
    return 0


cdef str _zeroed(str word):
    """``word.translate(_DIGITS_TO_ZERO)``."""
    cdef Py_ssize_t n = len(word), i, z
    cdef Py_UCS4 ch
    cdef Py_UCS4 buffer[128]
    cdef bint changed = False
    if not _ZEROED_IN_C or n > 128:
        return word.translate(_DIGITS_TO_ZERO)
    for i in range(n):
        ch = word[i]
        if _CHAR_TABLE[ch] & _B_DIGIT:
            for z in range(_N_ZEROED):
                if _ZEROED_FROM[z] == ch:
                    ch = _ZEROED_TO[z]
                    changed = True
                    break
        buffer[i] = ch
    if not changed:
        return word
    return <str>PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, n)


cdef bint _is_token(str norm, Py_ssize_t start, Py_ssize_t end, str token, bint digits) noexcept:
    """Is ``norm[start:end]`` the string ``token``, with no digit to make 0 if ``digits``?
    (A digit table not read in C may change any character: then no word with digits is.)"""
    cdef Py_ssize_t i
    cdef Py_UCS4 ch
    if len(token) != end - start or digits and not _ZEROED_IN_C:
        return False
    for i in range(end - start):
        ch = norm[start + i]
        if ch != token[i] or digits and _CHAR_TABLE[ch] & _B_DIGIT:
            return False
    return True


cdef tuple _head(str norm, bint digits, list toks):
    """``tuple(norm[:HEAD_CHARS].split(None, 2)[:2])``, digits made 0 (``_zeroed``) if ``digits``.

    A word that is the line's token of its place (most are) is given as that token's
    string: no new string, and the context's comparisons of heads meet the same object."""
    cdef Py_ssize_t n = min(len(norm), _HEAD_CHARS), i = 0, start, found = 0
    cdef object first = None, second = None
    while found < 2:
        while i < n and Py_UNICODE_ISSPACE(norm[i]):
            i += 1
        if i >= n:
            break
        start = i
        while i < n and not Py_UNICODE_ISSPACE(norm[i]):
            i += 1
        if found < len(toks) and _is_token(norm, start, i, <str>toks[found], digits):
            word = toks[found]
        else:
            word = <str>PyUnicode_Substring(norm, start, i)
            if digits:
                word = _zeroed(word)
        if found == 0:
            first = word
        else:
            second = word
        found += 1
    if found == 0:
        return ()
    if found == 1:
        return (first,)
    return (first, second)


cdef str _end_feature(str stripped):
    cdef Py_ssize_t n = len(stripped)
    cdef Py_UCS4 last
    if n == 0:
        return "end:none"
    last = stripped[n - 1]
    if last == u"…" or (last == u"." and n >= 2 and stripped[n - 2] == u"."):
        return "end:ellipsis"
    cdef PyObject* end = PyDict_GetItemWithError(_END_FEATURES, stripped[n - 1 : n])
    if end is not NULL:
        return <str>end
    if Py_UNICODE_ISDIGIT(last):
        return "end:digit"
    return "end:letter" if Py_UNICODE_ISALPHA(last) else "end:other"


cdef enum:
    _MAX_LEDE_HEAD = 64  # the most opening words of a lede bag (checked on loading)


cdef long _lede_millis(list toks, Py_ssize_t n_tok):
    """``features._lede_millis``: the same integer sum (weights in thousandths)."""
    cdef long score = _LEDE_BIAS
    cdef Py_ssize_t i, j, head
    cdef PyObject* weight
    cdef bint again
    cdef Py_hash_t hashes[_MAX_LEDE_HEAD]
    for i in range(min(_LEDE_POSITIONS, n_tok)):
        if not _may_be_in(toks[i], _IN_POSITIONS):
            continue
        weight = PyDict_GetItemWithError(<dict>_LEDE_POSITION_WEIGHTS[i], toks[i])
        if weight is not NULL:
            score += <long><object>weight
    head = min(_LEDE_HEAD_TOKENS, n_tok)
    for i in range(head):  # each distinct word of the opening once (a bag)
        again = False
        hashes[i] = hash(toks[i])  # equal words have equal hashes: only those are compared
        for j in range(i):
            if hashes[j] == hashes[i] and <str>toks[j] == <str>toks[i]:
                again = True
                break
        if not again and _may_be_hashed_in(hashes[i], _IN_BAG):
            weight = PyDict_GetItemWithError(_LEDE_BAG, toks[i])
            if weight is not NULL:
                score += <long><object>weight
    if n_tok > 1 and _may_be_in(toks[0], _IN_PAIR_FIRST) and _may_be_in(toks[1], _IN_PAIR_SECOND):
        weight = PyDict_GetItemWithError(_LEDE_PAIRS, (toks[0], toks[1]))
        if weight is not NULL:
            score += <long><object>weight
    return score


# what a digit in a line is followed by, for the date expressions that open with one
cdef int _AM_PM_AFTER = 1  # ص, م, a or p: _AM_PM_RE (\d\s*(?:ص|م|am|pm|a\.m\.|p\.m\.)...)
cdef int _DATE_AFTER = 2  # / . or -: _NUMERIC_DATE_RE (\b\d{1,4}[/.\-]\d{1,2}...)
cdef int _HEH_AFTER = 4  # ه: the digit branch of _HIJRI_MARK_RE (\d\s*(?:هـ|ه\b))


cdef int _after_digits(str norm, Py_ssize_t* first_am_pm, Py_ssize_t* first_date) noexcept:
    """Which of the date expressions that open with a digit can match ``norm``: an exact
    gate (each needs a digit followed, past white space for two of them, by one of its
    characters; ``\d`` and ``\s`` read from the class table the expressions built), so
    they are asked only about the lines they may match, not about every line with a digit.
    The first digit each may start at goes to ``first_am_pm`` and ``first_date``: none
    of their matches starts before it, so they are asked from there."""
    cdef Py_ssize_t i, j, n = len(norm)
    cdef Py_UCS4 after
    cdef int found = 0
    for i in range(n):
        if not _CHAR_TABLE[norm[i]] & _B_DECIMAL:
            continue
        if i + 1 < n and norm[i + 1] in u"/.-":
            if not found & _DATE_AFTER:
                first_date[0] = i
            found |= _DATE_AFTER
        j = i + 1
        while j < n and _CHAR_TABLE[norm[j]] & _B_SPACE:
            j += 1
        if j < n:
            after = norm[j]
            if after in u"صمaApP":
                if not found & _AM_PM_AFTER:
                    first_am_pm[0] = i
                found |= _AM_PM_AFTER
            elif after == u"ه":
                found |= _HEH_AFTER
    return found


cdef Py_ssize_t _first_of_two(str text, str one, str other) except -2:
    """Where ``one`` or ``other`` first occurs in ``text`` (-1: neither); ``other`` is
    looked for only where it would start before ``one``."""
    cdef Py_ssize_t a = PyUnicode_Find(text, one, 0, len(text), 1)
    cdef Py_ssize_t b = PyUnicode_Find(text, other, 0, len(text) if a < 0 else a + len(other) - 1, 1)
    return b if b >= 0 else a


cdef inline Py_ssize_t _bucket_long(long value, const long* edges, Py_ssize_t n_edges) noexcept nogil:
    """``bisect_left(edges, value)``."""
    cdef Py_ssize_t i = 0
    while i < n_edges and edges[i] < value:
        i += 1
    return i


cdef inline Py_ssize_t _bucket(double value) noexcept nogil:
    cdef Py_ssize_t i = 0
    while i < _N_RATIO_EDGES and _RATIO_EDGES[i] < value:
        i += 1
    return i


cdef dict _W0 = {}  # "w0:" and a first word, by the word (bounded: emptied when full)
cdef enum:
    _W0_MAX = 20_000


cdef str _w0(str first):
    """``f"w0:{first}"``, the same string each time for the same word: made once, and
    the scorer, which remembers a feature's row by its string, finds it again (a new
    string each line was a new look-up there, its hash computed first)."""
    cdef PyObject* found = PyDict_GetItemWithError(_W0, first)
    if found is not NULL:
        return <str>found
    if len(_W0) >= _W0_MAX:
        _W0.clear()
    feature = "w0:" + first
    _W0[first] = feature
    return feature


cdef class _Feats:
    """A line's features as they are found, a reference to each held in a C array kept
    from line to line: a list a line, grown append by append and then copied into the
    view's tuple, was made and freed for every line."""
    cdef PyObject** items
    cdef Py_ssize_t n, size

    def __cinit__(self):
        self.n = 0
        self.size = 32
        self.items = <PyObject**>PyMem_Malloc(self.size * sizeof(PyObject*))
        if self.items is NULL:
            raise MemoryError()

    def __dealloc__(self):
        self.clear()
        PyMem_Free(self.items)

    cdef int push(self, object item) except -1:
        cdef PyObject** grown
        if self.n == self.size:
            grown = <PyObject**>PyMem_Realloc(self.items, 2 * self.size * sizeof(PyObject*))
            if grown is NULL:
                raise MemoryError()
            self.items = grown
            self.size *= 2
        Py_INCREF(<PyObject*>item)
        self.items[self.n] = <PyObject*>item
        self.n += 1
        return 0

    cdef void clear(self) noexcept:
        cdef Py_ssize_t i
        for i in range(self.n):
            Py_XDECREF(self.items[i])
        self.n = 0

    cdef tuple take(self, bint unique):
        """The features as a tuple, each once if ``unique`` (:func:`_unique`); emptied."""
        cdef Py_ssize_t j
        if unique:
            try:
                return _unique_items(self.items, self.n)
            finally:
                self.clear()
        out = PyTuple_New(self.n)
        for j in range(self.n):
            PyTuple_SET_ITEM(out, j, self.items[j])  # the reference held goes to the tuple
        self.n = 0
        return <tuple>out


cdef inline int _set_item(list column, Py_ssize_t k, object value) except -1:
    """``column[k] = value`` in a list made with empty places (PyList_New)."""
    Py_INCREF(<PyObject*>value)
    PyList_SET_ITEM(column, k, <PyObject*>value)
    return 0


cdef class _Columns:
    """The fields of a batch's views, a list each, in ``LineView``'s order: the views are
    made from them at once (``make_views``), not one call of the class a line. The lists
    are made at their length (``n`` rows) and filled in order (:meth:`add`)."""
    cdef list own, n_tokens, keys, words, read_also, long, head
    cdef Py_ssize_t n, filled
    cdef _Feats feats  # the line being featured

    def __cinit__(self, Py_ssize_t n):
        self.n = n
        self.filled = 0
        self.own, self.n_tokens, self.keys = PyList_New(n), PyList_New(n), PyList_New(n)
        self.words, self.read_also, self.long, self.head = PyList_New(n), PyList_New(n), PyList_New(n), PyList_New(n)
        self.feats = _Feats()

    cdef int add(self, object own, object n_tokens, object key, object words, object read_also, object long,
                 object head) except -1:
        """The next row's fields."""
        cdef Py_ssize_t k = self.filled
        if k >= self.n:
            raise IndexError("more rows than the columns were made for")
        _set_item(self.own, k, own)
        _set_item(self.n_tokens, k, n_tokens)
        _set_item(self.keys, k, key)
        _set_item(self.words, k, words)
        _set_item(self.read_also, k, read_also)
        _set_item(self.long, k, long)
        _set_item(self.head, k, head)
        self.filled = k + 1
        return 0

    cdef tuple columns(self):
        return (self.own, self.n_tokens, self.keys, self.words, self.read_also, self.long, self.head)


cdef int _view(str stripped, str sample, str norm, list toks, object words, long arabic, long latin,
               long punct, long flags, char* digit_token, _Columns out) except -1:
    """``features._view``: a line's own features from its measurements, as a row of ``out``."""
    cdef Py_ssize_t n_tok = len(toks)
    cdef Py_ssize_t n_chars = max(len(sample), 1)
    cdef Py_ssize_t n_stripped = len(stripped)
    cdef Py_ssize_t i, j, size, colon, covered = 0, digit_tokens = 0, date_tokens, n_ends, place
    cdef Py_UCS4 last = 0
    cdef bint has_digit, has_latin, has_at, has_dot, hijri_months = False, read_also_start = False
    cdef bint repeats, matched, hijri_word
    cdef int after_digits
    cdef Py_ssize_t first_am_pm = 0, first_date = 0, year_at, colon_at
    cdef double punct_share
    cdef _Feats feats = out.feats
    cdef tuple phrase, own
    cdef str name, first
    cdef object found
    cdef PyObject* entry
    cdef set seen
    for i in range(n_tok):
        if type(toks[i]) is not str:  # the loops below read them as strings unchecked
            raise TypeError(f"tokens are strings, not {type(toks[i]).__name__}")
        digit_token[i] = _is_digits(<str>toks[i])
        digit_tokens += digit_token[i]
    feats.clear()  # (a line that raised left its features)
    feats.push("bias")
    feats.push(_LENGTH_FEATURES[_bucket_long(n_tok, _LENGTH_EDGES, _N_LENGTH_EDGES)])
    if n_stripped:
        last = stripped[n_stripped - 1]
    if n_tok <= _SHORT_TOKENS:
        feats.push("short")
    if n_tok >= _LONG_TOKENS:
        feats.push("long")
    if n_tok <= _TITLE_MAX_TOKENS and not (n_stripped and last in u".:؟?!"):
        feats.push("title_shape")
    feats.push(_ARABIC_FEATURES[_bucket(<double>arabic / <double>n_chars)])
    feats.push(_LATIN_FEATURES[_bucket(<double>latin / <double>n_chars)])
    punct_share = <double>(4 * punct) / <double>n_chars
    feats.push(_PUNCT_FEATURES[_bucket(punct_share if punct_share < 1.0 else 1.0)])
    if flags & _B_DIGIT:
        feats.push("digits")
    if n_tok and <double>digit_tokens / <double>n_tok >= 0.5:
        feats.push("mostly_numbers")
    if flags & _B_EMOJI:
        feats.push("emoji")
    if flags & _B_MOJIBAKE and _MOJIBAKE_RE.search(sample):
        feats.push("mojibake")
    feats.push(_end_feature(stripped))
    if not (n_stripped and Py_UNICODE_ISALPHA(stripped[0])):
        if _bullet(stripped) if _BULLET_IN_C else _BULLET_RE.match(stripped):
            feats.push("bullet")
        if _quote_start(stripped) if _QUOTE_IN_C else _QUOTE_START_RE.match(stripped):
            feats.push("start:quote")
    colon = PyUnicode_Find(stripped, ":", 0, min(n_stripped, 26), 1)  # only an early one counts
    if 0 < colon <= 25:
        feats.push("colon:early")
        if n_tok > 12:
            feats.push("colon:early_long")
    # (a line without a period in its sample skips the search, unless it runs past it)
    if n_stripped > 2 and (flags & _B_DOT or n_stripped > n_chars) and PyUnicode_Find(stripped, "..", 0, n_stripped - 2, 1) >= 0:
        feats.push("double_dot")
    if flags & _B_PIPE and _count_of(sample, _SET_PIPE, _PIPE_CHARS) >= 2 and (
        _two_separators(sample) if _PIPE_IN_C else len(_PIPE_RE.findall(sample)) >= 2
    ):
        feats.push("many_separators")

    has_at = flags & _B_AT
    has_dot = flags & _B_DOT
    # Latin words in the normalised text need a character of the caseless-Latin class
    # in the line (whatever lowers or normalises to a letter of them is in it: a test
    # holds that over every code point), so most lines skip the searches for them
    has_latin = flags & _B_CASELESS_LATIN
    if has_at and "(@" in sample and _TWEET_SIGNATURE_RE.search(sample):
        feats.push("tweet:signature")
    if has_latin and ("t.co" in norm or "twitter" in norm) and _PIC_TWITTER_RE.search(sample):
        feats.push("tweet:link")
    if has_at and _HANDLE_RE.search(sample):
        feats.push("handle")
    if flags & _B_HASH and _HASHTAG_RE.search(sample):
        feats.push("hashtag")
    if (
        has_dot
        and (has_latin or ":" in sample)
        and (not _SITE_GATE or _may_name_a_site(sample))
        and _URL_HINT_RE.search(sample)
        and _URL_RE.search(sample)
    ):
        feats.push("url")
    if has_dot and has_latin and _FILE_NAME_RE.search(sample):
        feats.push("file_name")
    if flags & _B_COPYRIGHT:
        feats.push("copyright_sign")
    if flags & _B_TICKER and (
        _ticker_shape(sample) if _TICKER_IN_C else (_DEGREE_RE.search(sample) or _MONEY_RE.search(sample))
    ):
        feats.push("ticker_shape")

    # cue lexicons: the phrases opening at a token of the line's ends (its first and last words)
    repeats = False
    seen = None
    if n_tok > _CUE_HEAD + _CUE_TAIL:
        n_ends = _CUE_HEAD + _CUE_TAIL
    else:
        n_ends = n_tok
    for j in range(n_ends):
        place = j if j < _CUE_HEAD else j + n_tok - n_ends
        if not _may_be_in(toks[place], _IN_PHRASES):
            continue
        entry = PyDict_GetItemWithError(_PHRASES, toks[place])
        if entry is NULL:
            continue
        repeats = True
        if seen is None:
            seen = set()
        for found in <tuple><object>entry:
            phrase = <tuple>found[0]
            name = <str>found[1]
            size = len(phrase)
            matched = size == 1
            if not matched and place + size <= n_tok:
                matched = True
                for i in range(1, size):
                    if <str>toks[place + i] != <str>phrase[i]:
                        matched = False
                        break
            if matched:
                if name not in seen:
                    seen.add(name)
                    feats.push(_CUE[name])
                if place == 0:
                    feats.push(_CUE_START[name])
                    if name == _READ_ALSO:
                        read_also_start = True
                    if size > covered:
                        covered = size
    if covered and n_tok and <double>covered / <double>n_tok >= 0.5:
        feats.push("cue@whole")

    # dates, times, weekdays: lexicon words among the opening tokens
    size = min(_DATE_HEAD, n_tok)
    date_tokens = 0
    for i in range(size):
        date_tokens += digit_token[i]
    for i in range(size):
        if not _may_be_in(toks[i], _IN_DATES):
            continue
        entry = PyDict_GetItemWithError(_TOKEN_LEX, toks[i])
        if entry is NULL:
            continue
        repeats = True
        if digit_token[i]:
            date_tokens -= 1
        for found in <tuple><object>entry:
            name = <str>found
            if name in _DIALECT_MONTHS:
                if (i > 0 and digit_token[i - 1]) or (i + 1 < n_tok and digit_token[i + 1]) or (
                    i + 2 < n_tok and digit_token[i + 2]
                ):
                    feats.push(_DATE[name])
                    date_tokens += 1
                    if name == "hijri_months":
                        hijri_months = True
            else:
                feats.push(_DATE[name])
                date_tokens += 1
                if name == "hijri_months":
                    hijri_months = True
    has_digit = digit_tokens > 0 or (flags & _B_DIGIT) != 0
    hijri_word = flags & _B_HIJRI_WORD  # "هجري" in norm (features._FLAG_WORDS)
    after_digits = _after_digits(norm, &first_am_pm, &first_date) if has_digit or hijri_word else 0
    if has_digit:
        # each expression asked from where its first match could start: a year's
        # "19" or "20", a time's two digits before its colon (the characters before
        # are still read, for \b)
        year_at = _first_of_two(norm, "19", "20")
        if year_at >= 0 and _date_found(_year_in, _YEAR_RE, norm, year_at):
            feats.push("date:year")
        colon_at = PyUnicode_Find(norm, ":", 0, len(norm), 1)
        if colon_at >= 0 and _date_found(_time_in, _TIME_RE, norm, max(colon_at - 2, 0)):
            feats.push("date:time")
    if (has_digit or hijri_word) and (
        (after_digits & _HEH_AFTER or hijri_word) and _HIJRI_MARK_RE.search(norm)
        or hijri_months and _HIJRI_YEAR_RE.search(norm)
    ):
        feats.push("date:hijri")
    if has_digit:
        if after_digits & _DATE_AFTER and _date_found(_numeric_date_in, _NUMERIC_DATE_RE, norm, max(first_date - 3, 0)):
            feats.push("date:numeric")
        if after_digits & _AM_PM_AFTER and _date_found(_am_pm_in, _AM_PM_RE, norm, first_am_pm):
            feats.push("date:ampm")
        if has_latin and _date_found(_ordinal_in, _ENGLISH_ORDINAL_RE, norm, 0):
            feats.push("date:ordinal")
    if (has_latin and ("gmt" in norm or "utc" in norm) or flags & _B_TAWQIT_WORD) and _GMT_RE.search(norm):
        feats.push("date:gmt")
    if n_tok and <double>date_tokens / <double>n_tok >= 0.4:
        feats.push("date:dense")

    # byline shapes
    if n_tok <= 10:
        if not flags & _B_DIGIT and _holds_any(stripped, _SET_BYLINE, _BYLINE_SEPARATORS) and (
            _byline_shape(stripped) if _BYLINE_IN_C else _BYLINE_AGENCY_RE.match(stripped)
        ):
            feats.push("byline:sep_shape")
        if "(" in stripped and _PAREN_PLACE_RE.search(stripped):
            feats.push("byline:paren_place")
        if n_stripped and last in u"-–—:":
            feats.push("byline:open_end")
        if n_tok <= _NAME_MAX_TOKENS:
            if n_tok and <str>toks[0] == "د":
                i = 1  # "د. سعيد ...": the name after the title
            else:
                i = 0
            if i < n_tok and _may_be_in(toks[i], _IN_NAMES) and toks[i] in _GIVEN_NAMES:
                feats.push("name@start")
            else:
                for j in range(min(_NAME_HEAD_TOKENS, n_tok)):
                    if _may_be_in(toks[j], _IN_NAMES) and toks[j] in _GIVEN_NAMES:
                        feats.push("name:head")
                        break
    if n_tok >= _W0_MIN_TOKENS:
        first = <str>toks[0]
        feats.push(_w0(first) if len(first) > 1 and not digit_token[0] else "w0:#")
        if len(first) > 3 and first[0] == u"و":
            feats.push("w0:waw")
    if n_tok >= _OPENER_MIN_TOKENS and _may_be_in(toks[0], _IN_OPENERS) and toks[0] in _OPENER_FIRSTS:
        for size in range(min(_OPENER_MAX_TOKENS, n_tok), 0, -1):
            entry = PyDict_GetItemWithError(_OPENERS, " ".join(toks[:size]))
            if entry is not NULL:
                feats.push(<object>entry)
                break
    if n_tok >= _LEDE_MIN_TOKENS:
        feats.push(_LEDE_FEATURES[_bucket_long(_lede_millis(toks, n_tok), _LEDE_EDGES, _N_LEDE_EDGES)])
    head = _head(norm, flags & _B_DIGIT, toks)
    own = feats.take(repeats)
    # A view holds strings, bytes, numbers and tuples of strings only, and is never
    # changed: it can be in no reference cycle, so the cyclic collector need not
    # visit it (CPython stops tracking such tuples and dicts itself). A batch's new
    # views were half the objects its first collection after the batch went over.
    # (The view itself is let go in ``views``, where its words are seen to be bytes.)
    PyObject_GC_UnTrack(<PyObject*>own)
    PyObject_GC_UnTrack(<PyObject*>head)
    out.add(own, n_tok, _joined(toks), words, read_also_start and n_tok <= _SHORT_TOKENS, n_tok >= _LONG_TOKENS, head)
    return 0


def views(list stripped, list samples, list norms, list tokens, list words, list arabic, list latin,
          list punct, list flags) -> list:
    """``features._view`` of each line, from ``features._measure``'s measurements (the
    words of a line: its content words as ``features._word_hashes`` gives them)."""
    cdef Py_ssize_t i, n = len(stripped), most = 0
    if not _READY:
        _load()
    for column in (samples, norms, tokens, words, arabic, latin, punct, flags):
        if len(column) != n:
            raise ValueError("one measurement of each kind per line expected")
    for i in range(n):
        if type(stripped[i]) is not str or type(samples[i]) is not str or type(norms[i]) is not str:
            raise TypeError("a line, its sample and its normalised text are strings")
        if type(tokens[i]) is not list:
            raise TypeError("a line's tokens are a list")
        most = max(most, len(<list>tokens[i]))
    cdef bytearray digit_token = bytearray(most + 1)  # per token of a line: all digits?
    cdef char* digits = digit_token
    cdef _Columns columns = _Columns(n)
    for i in range(n):
        _view(stripped[i], samples[i], norms[i], tokens[i], words[i], arabic[i], latin[i], punct[i], flags[i], digits, columns)
    out = _MAKE_VIEWS(columns.columns())
    if type(out) is not list or len(<list>out) != n:
        raise TypeError("make_views gives a list of one view a row")
    for i in range(n):  # see _view: a view of content words held as bytes is in no cycle
        if type(columns.words[i]) is bytes and PyObject_IS_GC((<list>out)[i]):
            PyObject_GC_UnTrack(<PyObject*>(<list>out)[i])
    return out
