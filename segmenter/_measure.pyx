# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Stage 2's measurements of a page's lines as one C loop over their characters.

An optional build (``setup.py``): :func:`segmenter.features.line_views` drops marks
(``without_marks``) and measures (``_measure``) in NumPy and Python when this module is
not built, and those are the definition this module follows. There, a page is measured
in vector steps (the class table, the normalisation map, ``lower``, a split into
tokens), each a pass over the page with its own arrays, and then every token is a new
string, hashed and looked up in a dictionary for its content-word stem. A third of the
labelling went there.

Here each line's characters are read once for its marks (most lines have none), then
once to be classed, counted, normalised and lower-cased through two tables, and cut
into tokens. A token is looked up by its characters in a table of the tokens seen so
far (bounded: when full it keeps the tokens found again since it was last full, where
the Python's memo starts again; see ``_sweep``), which holds the token's string and its
stem's hash: a token seen before makes no new object, and its string keeps its hash for
the lexicons downstream. A line's content words are the sorted, distinct hashes of its
stems in a bytes object (``features._word_hashes``). The table is larger than the
caches, so a line's slots are asked for from memory before they are read. A new token is stemmed
in C by the rules of the Python's ``_content_word`` (its length, stop words, digits,
one prefix and one suffix, longest first), read from its characters: the Python made
a slice and a look-up for each affix length, about 4,800 instructions a new token,
and a corpus page holds about 30 new tokens even once the table is warm. (Given
another ``content_word``, the kernel calls it instead.) A line holding a character
whose lower case is not one fixed character (``İ``, ``Σ``) is lower-cased by Python's
``str.lower``.

:func:`configure` hands this module a function that gives the tables of
:mod:`segmenter.features`; it is called on first use. ``tests/test_compiled.py`` holds
every page's measurements to the Python's.
"""

from cpython.dict cimport PyDict_GetItemWithError
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISDIGIT
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memset
from cpython.bytes cimport PyBytes_FromStringAndSize

cdef extern from *:
    void __builtin_prefetch(const void* address) nogil

cdef enum:
    _AHEAD = 4  # tokens whose string is asked for ahead of the one looked up

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* o)
    int PyUnicode_KIND_P "PyUnicode_KIND"(PyObject* o)
    void* PyUnicode_DATA_P "PyUnicode_DATA"(PyObject* o)
    void PyList_SET_ITEM(object l, Py_ssize_t i, PyObject* o)
    object PyList_New(Py_ssize_t n)
    int PyUnicode_4BYTE_KIND

cdef object _PROVIDER = None
cdef bint _READY = False

# the tables, from the provider on first use
cdef const unsigned short[::1] _CHAR_TABLE  # class bits of every code point (features._char_table)
cdef const uint32_t[::1] _FOLD  # lower(normalise(c)) of every code point; _DELETED, or _ASK_PYTHON
cdef uint32_t _DELETED, _ASK_PYTHON
cdef unsigned int _B_ARABIC, _B_LATIN, _B_PUNCT, _B_WORD
cdef object _NORMALISE_TABLE  # str.translate table of features.normalize (for a line Python lowers)
cdef object _CONTENT_WORD  # features._content_word: a new token's stem, or None
cdef bint _STEM_IN_C  # _CONTENT_WORD is the one whose rules follow (_content_word_rules)
cdef Py_ssize_t _CONTENT_MIN_CHARS, _MIN_STEM
cdef frozenset _STOPWORDS
cdef enum:
    _MAX_AFFIXES = 16
    _MAX_AFFIX_CHARS = 4
cdef Py_ssize_t _N_PREFIXES, _N_SUFFIXES
cdef Py_ssize_t _PREFIX_LENGTH[_MAX_AFFIXES]
cdef Py_ssize_t _SUFFIX_LENGTH[_MAX_AFFIXES]
cdef uint32_t _PREFIX_CHARS[_MAX_AFFIXES][_MAX_AFFIX_CHARS]
cdef uint32_t _SUFFIX_CHARS[_MAX_AFFIXES][_MAX_AFFIX_CHARS]
cdef Py_ssize_t _MEMO_LIMIT  # tokens remembered before the table makes room
cdef dict _LEXICON_WORDS  # a new token equal to one of these words is given as that string
cdef Py_UCS4 _TATWEEL  # the one deleted character without_marks may read as a dash
cdef Py_ssize_t _MAX_CHARS  # a line's sample: its first characters (features.MAX_FEATURE_CHARS)


def configure(provider) -> None:
    """Take the function that gives the tables of :mod:`segmenter.features` (called on first use)."""
    global _PROVIDER, _READY
    _PROVIDER = provider
    _READY = False


cdef int _load() except -1:
    global _READY, _CHAR_TABLE, _FOLD, _DELETED, _ASK_PYTHON, _B_ARABIC, _B_LATIN, _B_PUNCT, _B_WORD
    global _NORMALISE_TABLE, _CONTENT_WORD, _MEMO_LIMIT, _TATWEEL, _MAX_CHARS, _LEXICON_WORDS
    if _PROVIDER is None:
        raise RuntimeError("segmenter._measure is not configured (segmenter.features configures it)")
    t = _PROVIDER()
    if len(t["char_table"]) != 0x110000 or len(t["fold"]) != 0x110000:
        raise ValueError("a class and a fold of every code point expected")
    bits = t["bits"]
    if not 0 < t["memo_limit"] < _SLOTS // 2:
        raise ValueError(f"at most {_SLOTS // 2 - 1} tokens can be remembered")
    _CHAR_TABLE = t["char_table"]
    _FOLD = t["fold"]
    _DELETED, _ASK_PYTHON = t["deleted"], t["ask_python"]
    _B_ARABIC, _B_LATIN, _B_PUNCT, _B_WORD = bits["arabic"], bits["latin"], bits["punct"], bits["word"]
    _NORMALISE_TABLE = t["normalise_table"]
    _CONTENT_WORD = t["content_word"]
    _content_word_rules(t.get("content_word_rules"))
    _MEMO_LIMIT = t["memo_limit"]
    words = t.get("lexicon_words")
    if words is not None and type(words) is not dict:
        raise TypeError("the lexicon words are a dict")
    _LEXICON_WORDS = words
    _flag_words(t["flag_words"])
    if words is not None:
        for key, word in words.items():
            if type(key) is not str or type(word) is not str or key != word:
                raise ValueError("the lexicon words map each word to an equal string")
    _TATWEEL = ord(t["tatweel"])
    if _FOLD[_TATWEEL] != _DELETED:
        raise ValueError("tatweel is among the deleted characters")
    _MAX_CHARS = t["max_chars"]
    if _MAX_CHARS < 0:
        raise ValueError("a sample has a length")
    _forget()
    if _TABLE is NULL:
        raise MemoryError("no room for the table of tokens")
    _READY = True
    return 0


cdef Py_ssize_t _affixes(list affixes, Py_ssize_t* lengths, uint32_t (*chars)[_MAX_AFFIX_CHARS]) except -1:
    """Copy ``affixes`` (longest first) into C arrays; their count."""
    cdef Py_ssize_t i, j
    if len(affixes) > _MAX_AFFIXES:
        raise ValueError(f"at most {_MAX_AFFIXES} affixes of each kind")
    previous = _MAX_AFFIX_CHARS
    for i, affix in enumerate(affixes):
        if type(affix) is not str or not 0 < len(affix) <= previous:
            raise ValueError(f"affixes are strings of 1 to {_MAX_AFFIX_CHARS} characters, longest first")
        previous = len(affix)
        lengths[i] = len(affix)
        for j in range(len(affix)):
            chars[i][j] = ord(affix[j])
    return len(affixes)


cdef int _content_word_rules(object rules) except -1:
    """Stem in C if ``rules`` are those of the content-word function in use."""
    global _STEM_IN_C, _CONTENT_MIN_CHARS, _MIN_STEM, _STOPWORDS, _N_PREFIXES, _N_SUFFIXES
    _STEM_IN_C = False
    if rules is None or rules["content_word"] is not _CONTENT_WORD:
        return 0
    _CONTENT_MIN_CHARS = rules["min_chars"]
    _MIN_STEM = rules["min_stem"]
    _STOPWORDS = frozenset(rules["stopwords"])
    _N_PREFIXES = _affixes(list(rules["prefixes"]), _PREFIX_LENGTH, _PREFIX_CHARS)
    _N_SUFFIXES = _affixes(list(rules["suffixes"]), _SUFFIX_LENGTH, _SUFFIX_CHARS)
    _STEM_IN_C = True
    return 0


cdef inline bint _has_affix(const uint32_t* chars, const uint32_t* affix, Py_ssize_t n) noexcept:
    cdef Py_ssize_t j
    for j in range(n):
        if chars[j] != affix[j]:
            return False
    return True


cdef object _stem(object token, const uint32_t* chars, Py_ssize_t n):
    """``features._content_word(token)`` (``token`` is ``chars[:n]``) by its rules."""
    cdef Py_ssize_t i, j, start = 0, end = n, length
    if n < _CONTENT_MIN_CHARS or token in _STOPWORDS:
        return None
    for j in range(n):
        if not Py_UNICODE_ISDIGIT(chars[j]):
            break
    else:
        return None  # str.isdigit: every character a digit
    for i in range(_N_PREFIXES):  # longest first: the first that leaves a stem
        length = _PREFIX_LENGTH[i]
        if n - length >= _MIN_STEM and _has_affix(chars, _PREFIX_CHARS[i], length):
            start = length
            break
    for i in range(_N_SUFFIXES):
        length = _SUFFIX_LENGTH[i]
        if end - start - length >= _MIN_STEM and _has_affix(chars + end - length, _SUFFIX_CHARS[i], length):
            end -= length
            break
    if start == 0 and end == n:
        return token
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars + start, end - start)


# --- the tokens seen so far: an open-addressing table keyed by a token's characters ---

cdef enum:
    _SLOTS = 1 << 18  # a power of two, over twice the most tokens remembered

cdef struct _Entry:
    uint64_t hash  # the token's hash (_HASH_BITS), its _WORD_MARKS, and _USED if found since the last sweep
    PyObject* token  # a str (owned); NULL: an empty slot
    Py_hash_t stem_hash  # the hash of its stem (a str), -1 if it is no content word

cdef uint64_t _USED = 1ULL << 63
cdef uint64_t _WORD_MARKS = 3ULL << 61  # which of the flag words the token holds
cdef uint64_t _HASH_BITS = (1ULL << 61) - 1
cdef _Entry* _TABLE = NULL
cdef Py_ssize_t _REMEMBERED = 0


cdef void _forget() noexcept:
    """Empty the table (it is made on first use)."""
    global _TABLE, _REMEMBERED
    cdef Py_ssize_t i
    if _TABLE is NULL:
        _TABLE = <_Entry*>PyMem_Malloc(_SLOTS * sizeof(_Entry))
        if _TABLE is not NULL:
            memset(_TABLE, 0, _SLOTS * sizeof(_Entry))
        _REMEMBERED = 0
        return
    for i in range(_SLOTS):
        if _TABLE[i].token is not NULL:
            Py_DECREF(<object>_TABLE[i].token)
            _TABLE[i].token = NULL
    _REMEMBERED = 0


cdef int _sweep() except -1:
    """Make room in the full table: keep the tokens found again since the last sweep
    (at most three quarters of the limit), drop the others.

    A dump's common words come back page after page and stay; most of the rest were
    seen once. Emptying the whole table dropped both, and the common words were then
    made again (a string, a stem and their hashes: about 400 ns a token). On the
    benchmark corpus, a page's new tokens went from about 30 to about 20 (a simulation
    of both over its first 10,000 pages)."""
    global _REMEMBERED
    cdef Py_ssize_t i, j, kept = 0, most = _MEMO_LIMIT * 3 // 4
    cdef _Entry* keep = <_Entry*>PyMem_Malloc((most + 1) * sizeof(_Entry))
    if keep is NULL:
        _forget()  # no room to sort them: start again, as before
        return 0
    for i in range(_SLOTS):
        if _TABLE[i].token is NULL:
            continue
        if _TABLE[i].hash & _USED and kept < most:
            keep[kept].hash = _TABLE[i].hash & ~_USED  # its marks kept
            keep[kept].token = _TABLE[i].token
            keep[kept].stem_hash = _TABLE[i].stem_hash
            kept += 1
        else:
            Py_DECREF(<object>_TABLE[i].token)
        _TABLE[i].token = NULL
    for j in range(kept):  # into the emptied table, each where a look-up starts for it
        i = <Py_ssize_t>(keep[j].hash & _HASH_BITS & (_SLOTS - 1))
        while _TABLE[i].token is not NULL:
            i = (i + 1) & (_SLOTS - 1)
        _TABLE[i] = keep[j]
    PyMem_Free(keep)
    _REMEMBERED = kept
    return 0


def remembered() -> int:
    """How many tokens the table holds now."""
    return _REMEMBERED


cdef inline uint64_t _hash(const uint32_t* chars, Py_ssize_t n) noexcept:
    cdef uint64_t h = 0xcbf29ce484222325ULL
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ chars[i]) * 0x100000001b3ULL
    return (h ^ (h >> 29)) & _HASH_BITS


cdef inline bint _same(PyObject* token, const uint32_t* chars, Py_ssize_t n) noexcept:
    """Is the string ``token`` the characters ``chars[:n]``?"""
    if PyUnicode_GET_LENGTH(token) != n:
        return False
    cdef int kind = PyUnicode_KIND_P(token)
    cdef void* data = PyUnicode_DATA_P(token)
    cdef Py_ssize_t i
    for i in range(n):
        if PyUnicode_READ(kind, data, i) != chars[i]:
            return False
    return True


cdef enum:
    _MAX_FLAG_WORDS = 2  # the marks' bits in an entry
    _MAX_FLAG_CHARS = 16
cdef Py_ssize_t _N_FLAG_WORDS = 0
cdef Py_ssize_t _FLAG_LENGTH[_MAX_FLAG_WORDS]
cdef uint32_t _FLAG_CHARS[_MAX_FLAG_WORDS][_MAX_FLAG_CHARS]
cdef unsigned int _FLAG_BIT[_MAX_FLAG_WORDS]  # the line's flag of each word


cdef int _flag_words(object pairs) except -1:
    """Take the ``(word, flag)`` pairs of ``features._FLAG_WORDS``."""
    global _N_FLAG_WORDS
    cdef Py_ssize_t i, j
    pairs = list(pairs)
    if len(pairs) > _MAX_FLAG_WORDS:
        raise ValueError(f"at most {_MAX_FLAG_WORDS} flag words")
    for i, (word, bit) in enumerate(pairs):
        if type(word) is not str or not 0 < len(word) <= _MAX_FLAG_CHARS:
            raise ValueError("a flag word is a few normalised word characters")
        for ch in word:
            if not (_CHAR_TABLE[ord(ch)] & _B_WORD and _FOLD[ord(ch)] == ord(ch)):
                raise ValueError("a flag word is a few normalised word characters")
        if type(bit) is not int or not 1 << 16 <= bit < 1 << 32 or bit & (bit - 1):
            raise ValueError("a flag word's flag is a bit of its own, past the class bits")
        for j in range(i):
            if bit == _FLAG_BIT[j]:
                raise ValueError("a flag word's flag is a bit of its own, past the class bits")
        _FLAG_LENGTH[i] = len(word)
        for j in range(len(word)):
            _FLAG_CHARS[i][j] = ord(word[j])
        _FLAG_BIT[i] = bit
    _N_FLAG_WORDS = len(pairs)
    return 0


cdef uint64_t _word_marks(const uint32_t* chars, Py_ssize_t n) noexcept:
    """The marks of the flag words the token ``chars[:n]`` holds. Each is all word
    characters, so where a line's normalised text holds one, one token holds it."""
    cdef Py_ssize_t w, i, length
    cdef uint64_t marks = 0
    for w in range(_N_FLAG_WORDS):
        length = _FLAG_LENGTH[w]
        for i in range(n - length + 1):
            if _has_affix(chars + i, _FLAG_CHARS[w], length):
                marks |= 1ULL << (61 + w)
                break
    return marks


cdef inline unsigned int _line_flags(uint64_t marks) noexcept:
    """A line's flags of the flag words its tokens' ``marks`` say it holds."""
    cdef Py_ssize_t w
    cdef unsigned int flags = 0
    for w in range(_N_FLAG_WORDS):
        if marks & (1ULL << (61 + w)):
            flags |= _FLAG_BIT[w]
    return flags


cdef _Entry* _token(const uint32_t* chars, Py_ssize_t n, uint64_t h) except NULL:
    """The entry of the token ``chars[:n]`` (``h``: its :func:`_hash`), made (string and
    stem's hash) if it is new; valid until the next call (which may empty the table)."""
    global _REMEMBERED
    cdef Py_ssize_t i = <Py_ssize_t>(h & (_SLOTS - 1))
    cdef PyObject* found
    cdef _Entry* entry
    while True:
        entry = &_TABLE[i]
        if entry.token is NULL:
            break
        if entry.hash & _HASH_BITS == h and _same(entry.token, chars, n):
            entry.hash |= _USED
            return entry
        i = (i + 1) & (_SLOTS - 1)
    if _REMEMBERED >= _MEMO_LIMIT:  # full: keep what comes back (the Python memo starts again)
        _sweep()
        return _token(chars, n, h)
    token = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, n)
    if _LEXICON_WORDS is not None:  # a lexicon word: its own string (see features._lexicon_words)
        found = PyDict_GetItemWithError(_LEXICON_WORDS, token)
        if found is not NULL:
            token = <object>found
    stem = _stem(token, chars, n) if _STEM_IN_C else _CONTENT_WORD(token)
    if stem is not None and type(stem) is not str:
        raise TypeError("a content word is a string or None")
    entry.stem_hash = -1 if stem is None else hash(stem)  # a str's hash is never -1
    Py_INCREF(token)
    entry.hash = h | _word_marks(chars, n)
    entry.token = <PyObject*>token
    _REMEMBERED += 1
    return entry


# --- a page ----------------------------------------------------------------------

cdef uint32_t* _FOLDED = NULL  # a line's characters as normalised and lower-cased
cdef Py_ssize_t _FOLDED_SIZE = 0


cdef Py_ssize_t* _SPANS = NULL  # a line's tokens: start and end in _FOLDED, in pairs
cdef uint64_t* _HASHES = NULL  # and their hashes
cdef Py_hash_t* _STEMS = NULL  # and their stems' hashes
cdef Py_ssize_t _TOKENS_SIZE = 0


cdef void* _grown(void* buffer, size_t size) except NULL:
    """``buffer`` reallocated to ``size`` bytes (a line's scratch space)."""
    cdef void* grown = PyMem_Realloc(buffer, size)
    if grown is NULL:
        raise MemoryError()
    return grown


cdef int _room(Py_ssize_t n) except -1:
    """Buffers for a line of ``n`` characters (and its tokens: at most one in two)."""
    global _FOLDED, _FOLDED_SIZE, _SPANS, _HASHES, _STEMS, _TOKENS_SIZE
    cdef Py_ssize_t most = n // 2 + 1
    if n > _FOLDED_SIZE:
        _FOLDED = <uint32_t*>_grown(_FOLDED, n * sizeof(uint32_t))
        _FOLDED_SIZE = n
    if most > _TOKENS_SIZE:
        _SPANS = <Py_ssize_t*>_grown(_SPANS, 2 * most * sizeof(Py_ssize_t))
        _HASHES = <uint64_t*>_grown(_HASHES, most * sizeof(uint64_t))
        _STEMS = <Py_hash_t*>_grown(_STEMS, most * sizeof(Py_hash_t))
        _TOKENS_SIZE = most
    return 0


cdef Py_ssize_t _folded_from(str norm) except -1:
    """A normalised text Python lowered, as code points in the buffer; its length."""
    cdef Py_ssize_t i, n = len(norm)
    cdef int kind = PyUnicode_KIND(norm)
    cdef void* data = PyUnicode_DATA(norm)
    _room(n)
    for i in range(n):
        _FOLDED[i] = PyUnicode_READ(kind, data, i)
    return n


cdef int _measure_into(str sample, Py_ssize_t i, list norms, list tokens, list words, list arabic,
                       list latin, list punct, list flag_list) except -1:
    """Line ``i``'s measurements, into the columns (lists of their final length)."""
    cdef Py_ssize_t j, k, n_chars = len(sample), n_folded = 0, start = 0, n_tok = 0, n_stems = 0
    cdef int kind = PyUnicode_KIND(sample)
    cdef void* data = PyUnicode_DATA(sample)
    cdef Py_UCS4 ch
    cdef uint32_t folded
    cdef unsigned int classes, flags = 0
    cdef long n_arabic = 0, n_latin = 0, n_punct = 0
    cdef bint ask_python = False, in_word = False
    cdef const unsigned short[::1] table = _CHAR_TABLE
    cdef const uint32_t[::1] fold = _FOLD
    cdef _Entry* entry
    cdef uint64_t marks = 0
    _room(n_chars)
    for j in range(n_chars):
        ch = PyUnicode_READ(kind, data, j)
        classes = table[ch]
        flags |= classes
        n_arabic += (classes & _B_ARABIC) != 0
        n_latin += (classes & _B_LATIN) != 0
        n_punct += (classes & _B_PUNCT) != 0
        folded = fold[ch]
        if folded == _DELETED:
            continue
        if folded == _ASK_PYTHON:
            ask_python = True
        _FOLDED[n_folded] = folded
        n_folded += 1
    if ask_python:  # a lower case that is not one fixed character: Python lowers the line
        norm = sample.translate(_NORMALISE_TABLE).lower()
        n_folded = _folded_from(norm)
    else:
        norm = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, _FOLDED, n_folded)
    # tokens: runs of word characters of the normalised text; words: their stems. The
    # table is larger than the caches, and most of a token's look-up was the wait for
    # its slot, then for its string: the line's slots are all asked for from memory
    # first (prefetched), then each token's string a few tokens ahead, so that the
    # waits overlap instead of following one another.
    for j in range(n_folded + 1):
        if j < n_folded and table[_FOLDED[j]] & _B_WORD:
            if not in_word:
                in_word = True
                start = j
            continue
        if in_word:
            in_word = False
            _SPANS[2 * n_tok] = start
            _SPANS[2 * n_tok + 1] = j
            _HASHES[n_tok] = _hash(&_FOLDED[start], j - start)
            __builtin_prefetch(&_TABLE[_HASHES[n_tok] & (_SLOTS - 1)])
            n_tok += 1
    line_tokens = PyList_New(n_tok)
    for k in range(n_tok):
        if k + _AHEAD < n_tok:
            entry = &_TABLE[_HASHES[k + _AHEAD] & (_SLOTS - 1)]
            if entry.token is not NULL:
                __builtin_prefetch(entry.token)
        start = _SPANS[2 * k]
        entry = _token(&_FOLDED[start], _SPANS[2 * k + 1] - start, _HASHES[k])
        marks |= entry.hash
        _set(line_tokens, k, <object>entry.token)
        if entry.stem_hash != -1:
            _STEMS[n_stems] = entry.stem_hash
            n_stems += 1
    _set(norms, i, norm)
    _set(tokens, i, line_tokens)
    _set(words, i, _word_hashes(_STEMS, n_stems))
    _set(arabic, i, n_arabic)
    _set(latin, i, n_latin)
    _set(punct, i, n_punct)
    _set(flag_list, i, flags | _line_flags(marks & _WORD_MARKS))
    return 0


cdef void _sort(Py_hash_t* a, Py_ssize_t n) noexcept nogil:
    """Sort ``a[:n]`` ascending in place: by insertion for a line's few words, by heap
    for more (the C library's ``qsort`` merged through a buffer, calling back to compare:
    it took a quarter of this module's time)."""
    cdef Py_ssize_t i, j, end
    cdef Py_hash_t x
    if n <= 32:
        for i in range(1, n):
            x = a[i]
            j = i
            while j > 0 and a[j - 1] > x:
                a[j] = a[j - 1]
                j -= 1
            a[j] = x
        return
    for i in range(n // 2 - 1, -1, -1):  # a heap, its largest first
        _sift(a, i, n)
    for end in range(n - 1, 0, -1):
        x = a[0]
        a[0] = a[end]
        a[end] = x
        _sift(a, 0, end)


cdef inline void _sift(Py_hash_t* a, Py_ssize_t root, Py_ssize_t n) noexcept nogil:
    """Move ``a[root]`` down the heap ``a[:n]`` to its place."""
    cdef Py_ssize_t child
    cdef Py_hash_t x = a[root]
    while True:
        child = 2 * root + 1
        if child >= n:
            break
        if child + 1 < n and a[child + 1] > a[child]:
            child += 1
        if a[child] <= x:
            break
        a[root] = a[child]
        root = child
    a[root] = x


cdef bytes _word_hashes(Py_hash_t* stems, Py_ssize_t n):
    """``features._word_hashes``: the stems' hashes ``stems[:n]`` sorted, each once (in place)."""
    cdef Py_ssize_t j, kept = 0
    _sort(stems, n)
    for j in range(n):
        if kept == 0 or stems[j] != stems[kept - 1]:
            stems[kept] = stems[j]
            kept += 1
    return PyBytes_FromStringAndSize(<char*>stems, kept * sizeof(Py_hash_t))


cdef int _ready_for(list items, str refusal) except -1:
    """Load the tables on first use, and refuse items that are not strings (they are
    read below as strings, unchecked)."""
    if not _READY:
        _load()
    for item in items:
        if type(item) is not str:
            raise TypeError(refusal)
    return 0


def measure(list samples) -> tuple:
    """``features._measure`` of each sample: its normalised text, tokens, content words (bytes),
    counts of Arabic, Latin and punctuation characters, and class flags, as seven lists."""
    cdef Py_ssize_t i, n = len(samples)
    _ready_for(samples, "a sample is a string")
    cdef list norms = PyList_New(n), tokens = PyList_New(n), words = PyList_New(n)
    cdef list arabic = PyList_New(n), latin = PyList_New(n), punct = PyList_New(n), flag_list = PyList_New(n)
    for i in range(n):
        _measure_into(<str>samples[i], i, norms, tokens, words, arabic, latin, punct, flag_list)
    return norms, tokens, words, arabic, latin, punct, flag_list


def measure_lines(list texts) -> tuple:
    """What ``features.line_views`` measures of each line, as nine lists: the line
    without its marks (``features.without_marks``) and stripped, its sample (its first
    ``MAX_FEATURE_CHARS`` characters), then :func:`measure`'s seven lists of the samples."""
    cdef Py_ssize_t i, n = len(texts)
    _ready_for(texts, "a line is a string")
    cdef list stripped = PyList_New(n), samples = PyList_New(n)
    cdef list norms = PyList_New(n), tokens = PyList_New(n), words = PyList_New(n)
    cdef list arabic = PyList_New(n), latin = PyList_New(n), punct = PyList_New(n), flag_list = PyList_New(n)
    cdef str line, sample
    for i in range(n):
        line = _without_marks(<str>texts[i]).strip()
        sample = line if len(line) <= _MAX_CHARS else line[:_MAX_CHARS]
        _set(stripped, i, line)
        _set(samples, i, sample)
        _measure_into(sample, i, norms, tokens, words, arabic, latin, punct, flag_list)
    return stripped, samples, norms, tokens, words, arabic, latin, punct, flag_list


# --- marks -------------------------------------------------------------------------

cdef uint32_t* _CLEAN = NULL  # a line without its marks
cdef Py_ssize_t _CLEAN_SIZE = 0


cdef inline bint _is_letter(Py_UCS4 ch) noexcept:
    """``ch.isalnum() and not ch.isdecimal()``: what a tatweel stretching a word touches."""
    return Py_UNICODE_ISALNUM(ch) and not Py_UNICODE_ISDECIMAL(ch)


cdef str _without_marks(str text):
    """``features.without_marks`` of one line: marks dropped, then each run of tatweel
    dropped, or read as one dash where it touches no letter on either side."""
    global _CLEAN, _CLEAN_SIZE
    cdef Py_ssize_t j, n = len(text), m = 0, k = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 ch, before
    cdef bint tatweel = False, after_letter
    cdef const uint32_t[::1] fold = _FOLD
    for j in range(n):
        if fold[PyUnicode_READ(kind, data, j)] == _DELETED:
            break
    else:
        return text  # most lines: nothing to drop
    if n > _CLEAN_SIZE:
        _CLEAN = <uint32_t*>_grown(_CLEAN, n * sizeof(uint32_t))
        _CLEAN_SIZE = n
    for j in range(n):
        ch = PyUnicode_READ(kind, data, j)
        if fold[ch] == _DELETED and ch != _TATWEEL:
            continue  # a mark
        tatweel |= ch == _TATWEEL
        _CLEAN[m] = ch
        m += 1
    if tatweel:  # runs of tatweel, read in place (what is written never passes what is read)
        j = 0
        before = 0
        after_letter = False  # is the character before the current one a letter?
        while j < m:
            ch = _CLEAN[j]
            if ch != _TATWEEL:
                _CLEAN[k] = ch
                k += 1
                j += 1
                after_letter = _is_letter(ch)
                continue
            while j < m and _CLEAN[j] == _TATWEEL:
                j += 1
            if not after_letter and not (j < m and _is_letter(_CLEAN[j])):
                _CLEAN[k] = 0x2D  # "-"
                k += 1
                after_letter = False
        m = k
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, _CLEAN, m)


cdef inline int _set(list column, Py_ssize_t i, object value) except -1:
    """``column[i] = value`` in a list made with empty slots (PyList_New)."""
    Py_INCREF(value)
    PyList_SET_ITEM(column, i, <PyObject*>value)
    return 0
