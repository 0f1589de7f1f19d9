# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Stage 2's page-context features as C loops over a page's content words.

An optional build (``setup.py``): :func:`segmenter.features._page_context` runs its own
Python when this module is not built, and is the definition this module follows. There,
lexical cohesion is set algebra on each line's content words (``features.word_set``
of its view's ``words``): for every line a union of the three lines after it, of up to
eight paragraphs before it, and the intersections with them, each a new set. A fifth of
the labelling went there.

Here each of the page's content words (a view holds them as the sorted hashes of their
stems, ``features._word_hashes``) gets a number (one pass over the page's hashes), and
the windows of lines before and after a line are counts per word, slid one
line at a time: a line's share of words found in a window is a count of its words with
a count above zero. The other page-context features (positions, blanks, repeats, title
echoes, list runs, page edges) follow the Python line for line, in the same order, with
the same strings: :func:`configure` hands this module the feature tables of
:mod:`segmenter.features`, and ``tests/test_compiled.py`` holds every page's features to
the Python's.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from libc.string cimport memcmp, memcpy
from cpython.unicode cimport PyUnicode_Find
from cpython.ref cimport Py_INCREF, Py_XDECREF

cdef extern from "Python.h":
    object PyList_New(Py_ssize_t n)
    void PyList_SET_ITEM(object l, Py_ssize_t i, PyObject* o)  # steals o
    PyObject* PyList_GET_ITEM(object l, Py_ssize_t i)  # borrowed
    PyObject* PyTuple_GET_ITEM(object t, Py_ssize_t i)  # borrowed
    Py_ssize_t PyTuple_GET_SIZE(object t)
    bint PyUnicode_CheckExact(PyObject* o)
    char* PyBytes_AS_STRING(PyObject* o)
    Py_ssize_t PyBytes_GET_SIZE(PyObject* o)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* o)
    int PyUnicode_KIND(PyObject* o)
    void* PyUnicode_DATA(PyObject* o)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index)

# A view's fields read from its slots (``features.LineView`` is slotted): each read by
# name was a look-up of the name in the class, then of the member, about a tenth of
# this module's time. Only for views of exactly that class (:func:`_view_layout`).
cdef type _VIEW_TYPE = None
cdef enum:
    _WORDS, _N_TOKENS, _KEY, _HEAD, _LONG, _READ_ALSO, _N_FIELDS
cdef tuple _FIELD_NAMES = ("words", "n_tokens", "normalized_key", "head", "is_long", "is_read_also")
cdef Py_ssize_t _FIELD_OFFSETS[_N_FIELDS]


cdef int _view_layout(object cls, object slots) except -1:
    """Take the slot offset of each field the context reads (``slots``: a field's name
    and offset, as the line-making kernel's ``slot_offsets`` gives them for ``cls``);
    without them, views are read by name."""
    global _VIEW_TYPE
    cdef Py_ssize_t f
    _VIEW_TYPE = None
    if type(cls) is not type or type(slots) is not dict:
        return 0
    for f in range(_N_FIELDS):
        if _FIELD_NAMES[f] not in slots:
            return 0
        _FIELD_OFFSETS[f] = slots[_FIELD_NAMES[f]]
    _VIEW_TYPE = <type>cls
    return 0


cdef inline object _field(object view, Py_ssize_t f):
    """Field ``f`` of ``view``: from its slot for a view of the class laid out, else by name."""
    cdef PyObject* value
    if type(view) is _VIEW_TYPE:
        value = (<PyObject**>((<char*>(<PyObject*>view)) + _FIELD_OFFSETS[f]))[0]
        if value is not NULL:
            return <object>value
    return getattr(view, _FIELD_NAMES[f])  # an unset slot raises AttributeError here

# filled by configure(): the feature strings and thresholds of segmenter.features
cdef list _POS, _POS_END, _RELPOS, _LONG_BEFORE, _SINCE_READ_ALSO, _NEXT_LONG, _PREV_LONG
cdef list _COH_PREV, _COH_NEXT, _COH_STORY, _COH_PARA, _COH_ACROSS, _COH_BODY_NEXT
cdef list _COH_JACCARD, _COH_JACCARD_ACROSS, _ECHOES, _EDGES, _OFFSETS
cdef str _HAS_BLANKS, _AFTER_READ_ALSO, _DUP_EARLIER, _DUP_LATER, _DUP_NEAR, _DISJOINT
cdef str _COH_PREV_NONE, _COH_NEXT_NONE
cdef tuple _BLANK_BEFORE, _BLANK_AFTER, _SAME1, _SAME2  # (feature for 0/prev, for 1/next)
cdef double _COHESION_EDGES[8]
cdef double _JACCARD_EDGES[8]
cdef Py_ssize_t _N_COHESION_EDGES = 0, _N_JACCARD_EDGES = 0
cdef Py_ssize_t _SHORT_TOKENS, _COHESION_WINDOW, _WIDE_WINDOW, _MIN_DISJOINT_PAIRS
cdef Py_ssize_t _TITLE_MIN_TOKENS, _TITLE_MAX_TOKENS, _TITLE_ECHO_WINDOW
cdef double _DISJOINT_OVERLAP, _DISJOINT_SHARE
cdef bint _CONFIGURED = False

# which way a title echo points (bits of a line's echo mask; _ECHOES is indexed by it)
cdef int _PART_OF_LATER = 1, _PART_OF_EARLIER = 2, _HOLDS_EARLIER = 4, _HOLDS_LATER = 8


def configure(tables: dict) -> None:
    """Take the feature strings and thresholds of :mod:`segmenter.features` (done on its import)."""
    global _HAS_BLANKS, _AFTER_READ_ALSO, _DUP_EARLIER, _DUP_LATER, _DUP_NEAR, _DISJOINT
    global _COH_PREV_NONE, _COH_NEXT_NONE, _BLANK_BEFORE, _BLANK_AFTER, _SAME1, _SAME2
    global _POS, _POS_END, _RELPOS, _LONG_BEFORE, _SINCE_READ_ALSO, _NEXT_LONG, _PREV_LONG
    global _COH_PREV, _COH_NEXT, _COH_STORY, _COH_PARA, _COH_ACROSS, _COH_BODY_NEXT
    global _COH_JACCARD, _COH_JACCARD_ACROSS, _ECHOES, _EDGES, _OFFSETS
    global _N_COHESION_EDGES, _N_JACCARD_EDGES, _SHORT_TOKENS, _COHESION_WINDOW, _WIDE_WINDOW
    global _MIN_DISJOINT_PAIRS, _TITLE_MIN_TOKENS, _TITLE_MAX_TOKENS, _TITLE_ECHO_WINDOW
    global _DISJOINT_OVERLAP, _DISJOINT_SHARE, _CONFIGURED
    cdef Py_ssize_t i
    cohesion_edges = tuple(tables["cohesion_edges"])
    jaccard_edges = tuple(tables["jaccard_edges"])
    if len(cohesion_edges) > 8 or len(jaccard_edges) > 8:
        raise ValueError("at most eight bucket edges")
    echoes = list(tables["echoes"])
    if len(echoes) != 16:
        raise ValueError("the echo features are one list per mask of four kinds")
    _HAS_BLANKS, _AFTER_READ_ALSO = tables["has_blanks"], tables["after_read_also"]
    _DUP_EARLIER, _DUP_LATER, _DUP_NEAR = tables["dup_earlier"], tables["dup_later"], tables["dup_near"]
    _DISJOINT, _COH_PREV_NONE, _COH_NEXT_NONE = tables["disjoint"], tables["coh_prev_none"], tables["coh_next_none"]
    _BLANK_BEFORE, _BLANK_AFTER = tuple(tables["blank_before"]), tuple(tables["blank_after"])
    _SAME1, _SAME2 = tuple(tables["same1"]), tuple(tables["same2"])
    if not len(_BLANK_BEFORE) == len(_BLANK_AFTER) == len(_SAME1) == len(_SAME2) == 2:
        raise ValueError("two features each for the blank and list-run pairs expected")
    _POS, _POS_END, _RELPOS = list(tables["pos"]), list(tables["pos_end"]), list(tables["relpos"])
    _LONG_BEFORE, _SINCE_READ_ALSO = list(tables["long_before"]), list(tables["since_read_also"])
    _NEXT_LONG, _PREV_LONG = list(tables["next_long"]), list(tables["prev_long"])
    _COH_PREV, _COH_NEXT = list(tables["coh_prev"]), list(tables["coh_next"])
    _COH_STORY, _COH_PARA = list(tables["coh_story"]), list(tables["coh_para"])
    _COH_ACROSS, _COH_BODY_NEXT = list(tables["coh_across"]), list(tables["coh_body_next"])
    _COH_JACCARD, _COH_JACCARD_ACROSS = list(tables["coh_jaccard"]), list(tables["coh_jaccard_across"])
    _ECHOES = echoes
    _OFFSETS = list(tables["offsets"])
    _EDGES = [tables["edge"][off] for off in _OFFSETS]
    for name, size in (("pos", 6), ("pos_end", 4), ("relpos", 5), ("long_before", 4), ("since_read_also", 4),
                       ("next_long", 6), ("prev_long", 6)):
        if len(tables[name]) != size:
            raise ValueError(f"{name}: {size} features expected")
    for name in ("coh_prev", "coh_next", "coh_story", "coh_para", "coh_across", "coh_body_next"):
        if len(tables[name]) != len(cohesion_edges) + 1:
            raise ValueError(f"{name}: one feature per cohesion bucket expected")
    for name in ("coh_jaccard", "coh_jaccard_across"):
        if len(tables[name]) != len(jaccard_edges) + 1:
            raise ValueError(f"{name}: one feature per Jaccard bucket expected")
    _N_COHESION_EDGES = len(cohesion_edges)
    for i in range(_N_COHESION_EDGES):
        _COHESION_EDGES[i] = cohesion_edges[i]
    _N_JACCARD_EDGES = len(jaccard_edges)
    for i in range(_N_JACCARD_EDGES):
        _JACCARD_EDGES[i] = jaccard_edges[i]
    _SHORT_TOKENS = tables["short_tokens"]
    _COHESION_WINDOW = tables["cohesion_window"]
    _WIDE_WINDOW = tables["wide_window"]
    _MIN_DISJOINT_PAIRS = tables["min_disjoint_pairs"]
    _DISJOINT_OVERLAP = tables["disjoint_overlap"]
    _DISJOINT_SHARE = tables["disjoint_share"]
    _TITLE_MIN_TOKENS = tables["title_min_tokens"]
    _TITLE_MAX_TOKENS = tables["title_max_tokens"]
    _TITLE_ECHO_WINDOW = tables["title_echo_window"]
    _view_layout(tables.get("view_type"), tables.get("view_slots"))
    _CONFIGURED = True


cdef inline Py_ssize_t _slot(double value, const double* edges, Py_ssize_t n_edges) noexcept nogil:
    """``bisect_left(edges, value)``: the number of edges below ``value``."""
    cdef Py_ssize_t i = 0
    while i < n_edges and edges[i] < value:
        i += 1
    return i


cdef inline Py_ssize_t _distance_slot(Py_ssize_t distance) noexcept nogil:
    if distance <= 3:
        return distance - 1
    return 3 if distance <= 6 else 4


cdef struct _Page:
    Py_ssize_t n  # lines
    Py_ssize_t* start  # line k's word numbers are ids[start[k] .. start[k + 1])
    int* ids
    int* before  # per word: lines of the window before the line holding it
    int* after  # ... of the window after it
    int* story  # ... of the paragraphs before it
    int* mark  # per word: the stamp of the last pair of lines it was marked in
    int* body  # per word: the stamp of the paragraphs after a line it was marked in
    int stamp


cdef inline Py_ssize_t _size(_Page* p, Py_ssize_t k) noexcept nogil:
    return p.start[k + 1] - p.start[k]


cdef inline void _count(_Page* p, int* counts, Py_ssize_t k, int step) noexcept nogil:
    """Add line ``k``'s words to a window's counts (``step`` 1), or take them out (-1)."""
    cdef Py_ssize_t i
    for i in range(p.start[k], p.start[k + 1]):
        counts[p.ids[i]] += step


cdef inline Py_ssize_t _found(_Page* p, Py_ssize_t k, const int* counts) noexcept nogil:
    """How many of line ``k``'s words are in a window (a count above zero)."""
    cdef Py_ssize_t i, found = 0
    for i in range(p.start[k], p.start[k + 1]):
        if counts[p.ids[i]] > 0:
            found += 1
    return found


cdef inline Py_ssize_t _shared(_Page* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """How many words lines ``a`` and ``b`` share."""
    cdef Py_ssize_t i, shared = 0
    p.stamp += 1
    for i in range(p.start[b], p.start[b + 1]):
        p.mark[p.ids[i]] = p.stamp
    for i in range(p.start[a], p.start[a + 1]):
        if p.mark[p.ids[i]] == p.stamp:
            shared += 1
    return shared


cdef inline Py_ssize_t _jaccard_slot(_Page* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t shared = _shared(p, a, b)
    return _slot(<double>shared / <double>(_size(p, a) + _size(p, b) - shared), _JACCARD_EDGES, _N_JACCARD_EDGES)


cdef inline Py_ssize_t _overlap_slot(Py_ssize_t found, Py_ssize_t size) noexcept nogil:
    return _slot(<double>found / <double>size, _COHESION_EDGES, _N_COHESION_EDGES)


cdef bint _disjoint_paragraphs(_Page* p, const Py_ssize_t* long_at, Py_ssize_t n_long) noexcept nogil:
    """Do most paragraphs share next to nothing with the one before (a listing page)?"""
    cdef Py_ssize_t q, current, pairs = 0, disjoint = 0
    for q in range(1, n_long):
        current = long_at[q]
        if _size(p, current) == 0:
            continue
        pairs += 1
        if <double>_shared(p, current, long_at[q - 1]) / <double>_size(p, current) < _DISJOINT_OVERLAP:
            disjoint += 1
    return pairs >= _MIN_DISJOINT_PAIRS and <double>disjoint / <double>pairs >= _DISJOINT_SHARE


# The page's words numbered in order of first appearance: an open-addressing table keyed
# by each word's hash (a word is its stem's hash: see features._word_hashes).
cdef struct _Numbers:
    Py_ssize_t mask
    Py_hash_t* hashes
    int* numbers  # -1: an empty slot
    int count


cdef inline int _number(_Numbers* t, Py_hash_t h) noexcept:
    cdef Py_ssize_t i = <Py_ssize_t>(<size_t>h & <size_t>t.mask)
    while True:
        if t.numbers[i] < 0:
            t.hashes[i] = h
            t.numbers[i] = t.count
            t.count += 1
            return t.count - 1
        if t.hashes[i] == h:
            return t.numbers[i]
        i = (i + 1) & t.mask


# A page's lines grouped by equal keys, for the repeated-line features. A dictionary
# hashed each key whole (most are new strings, a paragraph long) and was asked twice a
# line: about a twentieth of the labelling. Here a key's slot comes from its length and
# its first and last few characters (equal keys: equal slots), and keys are compared
# whole only where they meet there.
cdef enum:
    _KEY_ENDS = 8  # characters read at each end of a key


cdef inline size_t _key_hash(PyObject* key) noexcept:
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(key), ends = min(n, <Py_ssize_t>_KEY_ENDS)
    cdef int kind = PyUnicode_KIND(key)
    cdef const void* data = PyUnicode_DATA(key)
    cdef size_t h = <size_t>14695981039346656037ULL ^ <size_t>n
    for i in range(ends):
        h = (h ^ <size_t>PyUnicode_READ(kind, data, i)) * <size_t>1099511628211ULL
    for i in range(max(ends, n - _KEY_ENDS), n):
        h = (h ^ <size_t>PyUnicode_READ(kind, data, i)) * <size_t>1099511628211ULL
    return h ^ (h >> 29)


cdef inline bint _same_string(PyObject* a, PyObject* b) noexcept:
    """``a == b`` for two exact strings (equal strings have one kind: their bytes are
    compared); keys and head words alike."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(a)
    cdef int kind = PyUnicode_KIND(a)
    return a == b or (n == PyUnicode_GET_LENGTH(b) and kind == PyUnicode_KIND(b)
                      and memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), n * kind) == 0)


cdef inline bint _read_head(object head, char* n_words, PyObject** words) noexcept:
    """Read a head that is a tuple of at most two strings into ``n_words`` and ``words``
    (borrowed); False for any other head (the heads are then compared as objects)."""
    cdef Py_ssize_t i, n
    if type(head) is not tuple:
        return False
    n = PyTuple_GET_SIZE(head)
    if n > 2:
        return False
    for i in range(n):
        words[i] = PyTuple_GET_ITEM(head, i)
        if not PyUnicode_CheckExact(words[i]):
            return False
    n_words[0] = <char>n
    return True


cdef int _key_groups(list keys, Py_ssize_t n, Py_ssize_t* first, Py_ssize_t* count) except -1:
    """Per line ``k``: ``first[k]``, the first line whose key equals line k's, and
    ``count[k]``, how many lines' keys do (0 for an empty key). Keys are strings."""
    cdef Py_ssize_t k, i, j, size = 8
    cdef size_t h
    cdef PyObject* key
    while size < 2 * n:
        size *= 2
    cdef Py_ssize_t* lines = <Py_ssize_t*>PyMem_Malloc(size * sizeof(Py_ssize_t))  # a group's first line, -1: empty
    cdef size_t* hashes = <size_t*>PyMem_Malloc(size * sizeof(size_t))
    if lines is NULL or hashes is NULL:
        PyMem_Free(lines)
        PyMem_Free(hashes)
        raise MemoryError()
    for i in range(size):
        lines[i] = -1
    for k in range(n):
        key = PyList_GET_ITEM(keys, k)
        count[k] = 0
        first[k] = k
        if PyUnicode_GET_LENGTH(key) == 0:
            continue
        h = _key_hash(key)
        i = <Py_ssize_t>(h & <size_t>(size - 1))
        while True:
            j = lines[i]
            if j < 0:
                lines[i] = k
                hashes[i] = h
                count[k] = 1
                break
            if hashes[i] == h and _same_string(PyList_GET_ITEM(keys, j), key):
                first[k] = j
                count[j] += 1
                break
            i = (i + 1) & (size - 1)
    for k in range(n):
        count[k] = count[first[k]]
    PyMem_Free(lines)
    PyMem_Free(hashes)
    return 0


cdef unsigned long long _word_signature(str key) noexcept:
    """One bit (of 64) for each run of characters other than the space in ``key``, by a
    hash of the run: if " A " occurs in " B ", every run of A is a run of B, so A's bits
    are among B's. Most title pairs share no such containment, and are told apart by
    their bits without a substring search."""
    cdef unsigned long long signature = 0, h = 14695981039346656037ULL
    cdef bint in_run = False
    cdef Py_UCS4 ch
    for ch in key:
        if ch == u" ":
            if in_run:
                signature |= 1ULL << (h >> 58)
                h = 14695981039346656037ULL
                in_run = False
        else:
            h = (h ^ <unsigned long long>ch) * 1099511628211ULL
            in_run = True
    if in_run:
        signature |= 1ULL << (h >> 58)
    return signature


cdef bint _holds_words(str a, str b) except -1:
    """``f" {a} " in f" {b} "`` without making either: ``a`` found in ``b`` where a space
    or an end of ``b`` stands on each side."""
    cdef Py_ssize_t p = 0, na = len(a), nb = len(b)
    while p <= nb - na:
        p = PyUnicode_Find(b, a, p, nb, 1)
        if p < 0:
            return False
        if (p == 0 or b[p - 1] == u" ") and (p + na == nb or b[p + na] == u" "):
            return True
        p += 1
    return False


cdef int _echo_masks(list line_keys, list n_tokens, int* masks) except -1:
    """Title-like lines shown again inside another line, as in ``_titles_within_lines``
    (its padded keys read in place: a space around a key adds no run to its signature)."""
    cdef Py_ssize_t a, b, i, j, n = len(line_keys), n_titles = 0, size
    cdef str key_i, key_j
    cdef Py_ssize_t* at = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t) + 1)
    cdef unsigned long long* signatures = <unsigned long long*>PyMem_Malloc(n * sizeof(unsigned long long) + 1)
    try:
        if at is NULL or signatures is NULL:
            raise MemoryError()
        for i in range(n):
            size = n_tokens[i]
            if _TITLE_MIN_TOKENS <= size <= _TITLE_MAX_TOKENS:
                at[n_titles] = i
                signatures[n_titles] = _word_signature(<str>line_keys[i])
                n_titles += 1
        for a in range(n_titles):
            i = at[a]
            key_i = <str>line_keys[i]
            for b in range(a + 1, n_titles):
                j = at[b]
                if j - i > _TITLE_ECHO_WINDOW:
                    break
                key_j = <str>line_keys[j]
                if len(key_i) < len(key_j):
                    if signatures[a] & ~signatures[b] == 0 and _holds_words(key_i, key_j):
                        masks[i] |= _PART_OF_LATER
                        masks[j] |= _HOLDS_EARLIER
                elif len(key_j) < len(key_i):
                    if signatures[b] & ~signatures[a] == 0 and _holds_words(key_j, key_i):
                        masks[j] |= _PART_OF_EARLIER
                        masks[i] |= _HOLDS_LATER
    finally:
        PyMem_Free(at)
        PyMem_Free(signatures)
    return 0


cdef enum:
    _MAX_CONTEXT_FEATURES = 64  # a line has at most about 30


cdef inline int _put(PyObject** feats, Py_ssize_t* n_feats, object feature) except -1:
    """Add ``feature`` to a line's (a reference held until :func:`_as_list` or :func:`_drop`)."""
    if n_feats[0] >= _MAX_CONTEXT_FEATURES:
        raise RuntimeError("more context features for a line than room for them")
    Py_INCREF(feature)
    feats[n_feats[0]] = <PyObject*>feature
    n_feats[0] += 1
    return 0


cdef list _as_list(PyObject** feats, Py_ssize_t* n_feats):
    """A line's features as a list of its length, the references held passed to it
    (appends grew a list two or three times a line)."""
    cdef Py_ssize_t i
    out = PyList_New(n_feats[0])
    for i in range(n_feats[0]):
        PyList_SET_ITEM(out, i, feats[i])
    n_feats[0] = 0
    return <list>out


cdef inline int _set_item(list column, Py_ssize_t k, object value) except -1:
    """``column[k] = value`` in a list made with empty places (PyList_New)."""
    Py_INCREF(value)
    PyList_SET_ITEM(column, k, <PyObject*>value)
    return 0


cdef void _drop(PyObject** feats, Py_ssize_t* n_feats) noexcept:
    """Let go of the features of a line left unfinished (an error)."""
    cdef Py_ssize_t i
    for i in range(n_feats[0]):
        Py_XDECREF(feats[i])
    n_feats[0] = 0


def page_context(list blank, list positions, list views) -> list:
    """The page-context features of a page's non-blank lines (``views``, at ``positions``
    of the page's ``blank`` flags): ``segmenter.features._page_context``'s, in its order."""
    if not _CONFIGURED:
        raise RuntimeError("segmenter._context is not configured (segmenter.features configures it)")
    cdef Py_ssize_t n = len(views)
    cdef Py_ssize_t n_lines = len(blank)
    if len(positions) != n:
        raise ValueError("one position per view expected")
    for pos_object in positions:  # the blank flags are read around each, unchecked
        if not 0 <= pos_object < n_lines:
            raise ValueError(f"position {pos_object} is not a line of the page ({n_lines} lines)")
    cdef list context = []
    if n == 0:
        return context
    cdef Py_ssize_t k, i, j, q, total = 0, n_words, pos, ahead, previous_long = -1, seen_long = 0
    cdef Py_ssize_t read_also_at = -1, size, found, story_size = 0, body_of = -1, n_long = 0
    cdef Py_ssize_t edge_low = -min(_OFFSETS), edge_high = n - max(_OFFSETS)
    cdef bint page_has_blanks = n < n_lines, disjoint, is_long, body_found
    # per line, in lists made at their length (appends grew each five times a page)
    cdef list word_sets = PyList_New(n), n_tokens = PyList_New(n), keys = PyList_New(n), heads = PyList_New(n)
    context = PyList_New(n)
    cdef PyObject* feats[_MAX_CONTEXT_FEATURES]  # a line's features (a reference held to each)
    cdef Py_ssize_t n_feats = 0
    cdef _Numbers numbers
    cdef Py_hash_t word_hash
    cdef const char* word_data
    numbers.hashes = NULL
    numbers.numbers = NULL
    cdef object view, words, key, head, other, first, offset
    cdef _Page p
    p.n = n
    p.start = NULL
    p.ids = NULL
    p.before = NULL
    p.after = NULL
    p.story = NULL
    p.mark = NULL
    p.body = NULL
    p.stamp = 0
    cdef int body_stamp = 0
    cdef Py_ssize_t* long_at = NULL
    cdef Py_ssize_t* next_long = NULL
    cdef char* long_line = NULL
    cdef char* story_line = NULL
    cdef char* read_also = NULL
    cdef int* echo = NULL
    cdef Py_ssize_t* key_first = NULL
    cdef Py_ssize_t* key_count = NULL
    # each line's head as its number of words and the words (borrowed: the heads list
    # holds the tuples, the tuples the words), if every head is a tuple of at most two strings
    cdef char* head_n = <char*>PyMem_Malloc(n + 1)
    cdef PyObject** head_words = <PyObject**>PyMem_Malloc((2 * n + 1) * sizeof(PyObject*))
    cdef bint plain_heads = True
    try:
        if head_n is NULL or head_words is NULL:
            raise MemoryError()
        # read from a snapshot: a view of another class is read by name, which may run
        # its code, and the list is indexed unchecked
        snapshot = tuple(views)
        for k in range(n):
            view = snapshot[k]
            words = _field(view, _WORDS)
            if type(words) is not bytes:  # read below as bytes, unchecked
                raise TypeError(f"a view's words are bytes, not {type(words).__name__}")
            if len(<bytes>words) % sizeof(Py_hash_t):
                raise ValueError("a view's words are whole hashes")
            _set_item(word_sets, k, words)
            total += len(<bytes>words) // sizeof(Py_hash_t)
            _set_item(n_tokens, k, _field(view, _N_TOKENS))
            key = _field(view, _KEY)
            if type(key) is not str:  # read below as a string, unchecked
                raise TypeError(f"a view's key is a str, not {type(key).__name__}")
            _set_item(keys, k, key)
            head = _field(view, _HEAD)
            _set_item(heads, k, head)
            plain_heads = plain_heads and _read_head(head, &head_n[k], &head_words[2 * k])
        p.start = <Py_ssize_t*>PyMem_Malloc((n + 1) * sizeof(Py_ssize_t))
        p.ids = <int*>PyMem_Malloc((total + 1) * sizeof(int))
        long_at = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        next_long = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        long_line = <char*>PyMem_Malloc(n)
        story_line = <char*>PyMem_Malloc(n)
        read_also = <char*>PyMem_Malloc(n)
        echo = <int*>PyMem_Malloc(n * sizeof(int))
        key_first = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        key_count = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        if not (p.start and p.ids and long_at and next_long and long_line and story_line and read_also and echo and key_first and key_count):
            raise MemoryError()
        # the page's words numbered in order of first appearance (a table at most half full)
        size = 4
        while size < 2 * total + 2:
            size *= 2
        numbers.mask = size - 1
        numbers.count = 0
        numbers.hashes = <Py_hash_t*>PyMem_Malloc(size * sizeof(Py_hash_t))
        numbers.numbers = <int*>PyMem_Malloc(size * sizeof(int))
        if not (numbers.hashes and numbers.numbers):
            raise MemoryError()
        for i in range(size):
            numbers.numbers[i] = -1
        i = 0
        for k in range(n):
            p.start[k] = i
            word_data = PyBytes_AS_STRING(<PyObject*>PyList_GET_ITEM(word_sets, k))
            for j in range(PyBytes_GET_SIZE(<PyObject*>PyList_GET_ITEM(word_sets, k)) // sizeof(Py_hash_t)):
                memcpy(&word_hash, word_data + j * sizeof(Py_hash_t), sizeof(Py_hash_t))
                p.ids[i] = _number(&numbers, word_hash)
                i += 1
            view = snapshot[k]
            long_line[k] = bool(_field(view, _LONG))
            read_also[k] = bool(_field(view, _READ_ALSO))
            story_line[k] = long_line[k] or n_tokens[k] >= _SHORT_TOKENS
            echo[k] = 0
            if long_line[k]:
                long_at[n_long] = k
                n_long += 1
        p.start[n] = i
        n_words = numbers.count
        p.before = <int*>PyMem_Malloc((n_words + 1) * sizeof(int))
        p.after = <int*>PyMem_Malloc((n_words + 1) * sizeof(int))
        p.story = <int*>PyMem_Malloc((n_words + 1) * sizeof(int))
        p.mark = <int*>PyMem_Malloc((n_words + 1) * sizeof(int))
        p.body = <int*>PyMem_Malloc((n_words + 1) * sizeof(int))
        if not (p.before and p.after and p.story and p.mark and p.body):
            raise MemoryError()
        for i in range(n_words + 1):
            p.before[i] = 0
            p.after[i] = 0
            p.story[i] = 0
            p.mark[i] = 0
            p.body[i] = 0
        _echo_masks(keys, n_tokens, echo)
        _key_groups(keys, n, key_first, key_count)
        j = -1
        for k in range(n - 1, -1, -1):
            next_long[k] = j
            if long_line[k]:
                j = k
        disjoint = _disjoint_paragraphs(&p, long_at, n_long)
        # the window after line 0: lines 1 .. COHESION_WINDOW
        for j in range(1, min(n, 1 + _COHESION_WINDOW)):
            _count(&p, p.after, j, 1)
        q = 0  # long_at[q]: the first long line after the line (its ``ahead``)
        for k in range(n):
            # slide the windows to line k: before, [k - W, k); after, (k, k + W]; the
            # story so far, the paragraph-like lines of [k - WIDE, k)
            if k > 0:
                _count(&p, p.before, k - 1, 1)
                if k - 1 - _COHESION_WINDOW >= 0:
                    _count(&p, p.before, k - 1 - _COHESION_WINDOW, -1)
                _count(&p, p.after, k, -1)
                if k + _COHESION_WINDOW < n:
                    _count(&p, p.after, k + _COHESION_WINDOW, 1)
                if story_line[k - 1]:
                    for i in range(p.start[k - 1], p.start[k]):
                        if p.story[p.ids[i]] == 0:
                            story_size += 1
                        p.story[p.ids[i]] += 1
                if k - 1 - _WIDE_WINDOW >= 0 and story_line[k - 1 - _WIDE_WINDOW]:
                    for i in range(p.start[k - 1 - _WIDE_WINDOW], p.start[k - _WIDE_WINDOW]):
                        p.story[p.ids[i]] -= 1
                        if p.story[p.ids[i]] == 0:
                            story_size -= 1
            while q < n_long and long_at[q] <= k:
                q += 1
            is_long = long_line[k]
            pos = positions[k]
            n_feats = 0
            _put(feats, &n_feats, _POS[min(k, 5)])
            _put(feats, &n_feats, _POS_END[min(n - 1 - k, 3)])
            _put(feats, &n_feats, _RELPOS[min(4, (5 * k) // n)])
            _put(feats, &n_feats, _LONG_BEFORE[min(seen_long, 3)])
            if page_has_blanks:
                _put(feats, &n_feats, _HAS_BLANKS)
                _put(feats, &n_feats, _BLANK_BEFORE[1 if pos > 0 and blank[pos - 1] else 0])
                _put(feats, &n_feats, _BLANK_AFTER[1 if pos + 1 < n_lines and blank[pos + 1] else 0])
            if read_also_at >= 0:
                _put(feats, &n_feats, _AFTER_READ_ALSO)
                _put(feats, &n_feats, _SINCE_READ_ALSO[min(k - read_also_at, 3)])
            if key_count[k] > 1:  # a repeated line: after its first (earlier), or the first (later)
                _put(feats, &n_feats, _DUP_EARLIER if key_first[k] < k else _DUP_LATER)
                if key_first[k] < k and k - key_first[k] <= 3:
                    _put(feats, &n_feats, _DUP_NEAR)
            if echo[k]:
                for echo_feature in _ECHOES[echo[k]]:
                    _put(feats, &n_feats, echo_feature)
            ahead = next_long[k]
            size = _size(&p, k)
            if size:
                _put(feats, &n_feats, _COH_PREV[_overlap_slot(_found(&p, k, p.before), size)])
                _put(feats, &n_feats, _COH_NEXT[_overlap_slot(_found(&p, k, p.after), size)])
                if is_long:
                    if disjoint:
                        _put(feats, &n_feats, _DISJOINT)
                    _put(feats, &n_feats, _COH_STORY[_overlap_slot(_found(&p, k, p.story), size)])
                    if previous_long >= 0:
                        _put(feats, &n_feats, _COH_PARA[_overlap_slot(_shared(&p, k, previous_long), size)])
                        _put(feats, &n_feats, _COH_JACCARD[_jaccard_slot(&p, k, previous_long)])
            else:
                _put(feats, &n_feats, _COH_PREV_NONE)
                _put(feats, &n_feats, _COH_NEXT_NONE)
            if not is_long and ahead >= 0 and _size(&p, ahead) and story_size:
                _put(feats, &n_feats, _COH_ACROSS[_overlap_slot(_found(&p, ahead, p.story), _size(&p, ahead))])
            if not is_long and ahead >= 0 and previous_long >= 0 and _size(&p, ahead) and _size(&p, previous_long):
                _put(feats, &n_feats, _COH_JACCARD_ACROSS[_jaccard_slot(&p, ahead, previous_long)])
            _put(feats, &n_feats, _NEXT_LONG[_distance_slot(ahead - k) if ahead >= 0 else 5])
            _put(feats, &n_feats, _PREV_LONG[_distance_slot(k - previous_long) if previous_long >= 0 else 5])
            if size and ahead >= 0:
                # the paragraphs after the line: the next long line, then the long lines
                # after it until one adds words (marked once for each next long line)
                if body_of != ahead:
                    body_of = ahead
                    body_stamp += 1
                    body_found = _size(&p, ahead) > 0
                    for i in range(p.start[ahead], p.start[ahead + 1]):
                        p.body[p.ids[i]] = body_stamp
                    j = q + 1
                    while j < n_long:
                        for i in range(p.start[long_at[j]], p.start[long_at[j] + 1]):
                            p.body[p.ids[i]] = body_stamp
                        if body_found or _size(&p, long_at[j]):
                            break
                        j += 1
                found = 0
                for i in range(p.start[k], p.start[k + 1]):
                    if p.body[p.ids[i]] == body_stamp:
                        found += 1
                _put(feats, &n_feats, _COH_BODY_NEXT[_overlap_slot(found, size)])
            if plain_heads:  # the same comparisons on the words read before
                if head_n[k]:
                    for j, side in ((k - 1, 0), (k + 1, 1)):
                        if 0 <= j < n and head_n[j] and _same_string(head_words[2 * j], head_words[2 * k]):
                            _put(feats, &n_feats, _SAME1[side])
                            if head_n[k] == 2 and head_n[j] == 2 and _same_string(head_words[2 * j + 1], head_words[2 * k + 1]):
                                _put(feats, &n_feats, _SAME2[side])
            else:
                head = heads[k]
                if head:
                    first = head[0]
                    for j, side in ((k - 1, 0), (k + 1, 1)):
                        if 0 <= j < n:
                            other = heads[j]
                            if other and other[0] == first:
                                _put(feats, &n_feats, _SAME1[side])
                                if len(head) == 2 and other == head:
                                    _put(feats, &n_feats, _SAME2[side])
            if k < edge_low or k >= edge_high:
                for i in range(len(_OFFSETS)):
                    offset = _OFFSETS[i]
                    if not 0 <= k + <Py_ssize_t>offset < n:
                        _put(feats, &n_feats, _EDGES[i])
            _set_item(context, k, _as_list(feats, &n_feats))
            if is_long:
                seen_long += 1
                previous_long = k
            if read_also[k]:
                read_also_at = k
    finally:
        _drop(feats, &n_feats)
        PyMem_Free(p.start)
        PyMem_Free(p.ids)
        PyMem_Free(p.before)
        PyMem_Free(p.after)
        PyMem_Free(p.story)
        PyMem_Free(p.mark)
        PyMem_Free(p.body)
        PyMem_Free(long_at)
        PyMem_Free(next_long)
        PyMem_Free(long_line)
        PyMem_Free(story_line)
        PyMem_Free(read_also)
        PyMem_Free(echo)
        PyMem_Free(key_first)
        PyMem_Free(key_count)
        PyMem_Free(head_n)
        PyMem_Free(head_words)
        PyMem_Free(numbers.hashes)
        PyMem_Free(numbers.numbers)
    return context
