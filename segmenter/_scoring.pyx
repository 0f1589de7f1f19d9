# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Stage 3's state scores as C loops: each feature looked up once, its weight row added.

An optional build (``setup.py``): :func:`segmenter.tagging._sum_rows` runs its NumPy
steps when this module is not built. There, a page's feature strings become an array
of row numbers (one Python call per feature through ``map``), the rows are copied out
of the table (``take``) and summed per line (``reduceat``): three passes over the
features and two temporary arrays. Here the rows are summed where they lie.

:func:`sum_rows` adds a line's rows in the order NumPy's ``add.reduceat`` does (its
first row, plus the pairwise sum of the others: eight running sums, then a fixed tree),
so the scores are the same bit for bit and so are the labels, ties included.
:class:`PageScorer` gives a page's scores from its own and context features in one call,
:class:`LabelScorer` the second pass's scores of the first pass's labels from codes
instead of strings (the walk over the labels made in the same loop); both sum in the
same order, and hold their tables (checked, their buffers taken) from one page to the
next. ``tests/test_compiled.py`` holds all three to the NumPy code.
"""

import numpy as np

from cpython.dict cimport PyDict_GetItemWithError
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from cpython.unicode cimport PyUnicode_CheckExact

cdef Py_ssize_t _BLOCK = 128  # NumPy's PW_BLOCKSIZE: longer runs are split in two


cdef double _pairwise(const double** rows, Py_ssize_t n, Py_ssize_t c) noexcept nogil:
    """Column ``c`` of ``rows[0..n)`` summed as NumPy's ``pairwise_sum`` sums a reduction."""
    cdef Py_ssize_t i, n2
    cdef double res, r0, r1, r2, r3, r4, r5, r6, r7
    if n < 8:
        res = 0.0
        for i in range(n):
            res += rows[i][c]
        return res
    if n <= _BLOCK:
        r0 = rows[0][c]
        r1 = rows[1][c]
        r2 = rows[2][c]
        r3 = rows[3][c]
        r4 = rows[4][c]
        r5 = rows[5][c]
        r6 = rows[6][c]
        r7 = rows[7][c]
        i = 8
        while i < n - (n % 8):
            r0 += rows[i][c]
            r1 += rows[i + 1][c]
            r2 += rows[i + 2][c]
            r3 += rows[i + 3][c]
            r4 += rows[i + 4][c]
            r5 += rows[i + 5][c]
            r6 += rows[i + 6][c]
            r7 += rows[i + 7][c]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += rows[i][c]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(rows, n2, c) + _pairwise(rows + n2, n - n2, c)


cdef double* _room(double** buffer, Py_ssize_t* size, Py_ssize_t needed) except NULL:
    """``buffer`` (of ``size`` doubles) grown to hold ``needed``, kept for the next call."""
    cdef void* grown
    if needed > size[0]:
        grown = PyMem_Realloc(buffer[0], needed * sizeof(double))
        if grown is NULL:
            raise MemoryError()
        buffer[0] = <double*>grown
        size[0] = needed
    return buffer[0]


# A feature's row, remembered by the address of its string. Most feature strings are
# the same few hundred objects on every line (the tables' and the kernels' constants),
# and a dictionary look-up of one was about 130 instructions (its hash, a probe, then a
# comparison of characters with the model's key, a different object): a twentieth of
# the labelling. A string whose address is here is one seen before, and its row is
# read back. The memo holds a reference to each string it knows, so that while it is
# there no other object can have its address; it is emptied when half full (the strings
# made for one line, such as ``w0:<word>``, fill it slowly). Only exact ``str`` objects
# are remembered: any other key is looked up each time.
cdef struct _Known:
    PyObject* feature
    Py_ssize_t row

cdef enum:
    _KNOWN_BITS = 13
    _KNOWN_SLOTS = 1 << _KNOWN_BITS
    _KNOWN_MAX = _KNOWN_SLOTS // 2


cdef inline size_t _first_slot(PyObject* key) noexcept:
    """The slot a string's address is first looked for in (Fibonacci hashing of the
    address, whose low four bits are always zero)."""
    return ((<size_t>key >> 4) * <size_t>0x9E3779B97F4A7C15) >> (64 - _KNOWN_BITS)


cdef class _FeatureRows:
    """The rows of one table's features (``index``; ``len(index)``: unknown), memoised."""

    cdef dict index
    cdef Py_ssize_t unknown, n_rows, used
    cdef _Known* slots

    def __cinit__(self, dict index, Py_ssize_t n_rows, bint remember=True):
        cdef Py_ssize_t i
        self.index = index
        self.unknown = len(index)
        self.n_rows = n_rows
        self.used = 0
        self.slots = NULL
        if not remember:  # one call's look-ups (``sum_rows``): not worth the memo's table
            return
        self.slots = <_Known*>PyMem_Malloc(_KNOWN_SLOTS * sizeof(_Known))
        if self.slots is NULL:
            raise MemoryError()
        for i in range(_KNOWN_SLOTS):
            self.slots[i].feature = NULL

    def __dealloc__(self):
        if self.slots is not NULL:
            self._forget()
            PyMem_Free(self.slots)

    cdef void _forget(self) noexcept:
        cdef Py_ssize_t i
        for i in range(_KNOWN_SLOTS):
            if self.slots[i].feature is not NULL:
                Py_DECREF(<object>self.slots[i].feature)
                self.slots[i].feature = NULL
        self.used = 0

    cdef Py_ssize_t looked_up(self, object feature) except -1:
        """The row of ``feature`` from the dictionary, checked against the table."""
        cdef PyObject* found = PyDict_GetItemWithError(self.index, feature)
        cdef Py_ssize_t row = self.unknown if found is NULL else <Py_ssize_t><object>found
        if row < 0 or row >= self.n_rows:
            raise IndexError(f"row {row} of feature {feature!r} is outside the table")
        return row

    cdef inline Py_ssize_t row_of(self, object feature) except -1:
        cdef PyObject* key = <PyObject*>feature
        cdef size_t at = _first_slot(key)
        cdef _Known* slot
        cdef Py_ssize_t row
        if self.slots is NULL:
            return self.looked_up(feature)
        while True:
            slot = &self.slots[at]
            if slot.feature == key:
                return slot.row
            if slot.feature is NULL:
                break
            at = (at + 1) & (_KNOWN_SLOTS - 1)
        row = self.looked_up(feature)
        if not PyUnicode_CheckExact(feature):
            return row
        if self.used >= _KNOWN_MAX:  # emptied: then the first probe is free
            self._forget()
            slot = &self.slots[_first_slot(key)]
        Py_INCREF(feature)
        slot.feature = key
        slot.row = row
        self.used += 1
        return row


cdef class _Rows:
    """A growable buffer of row pointers (the rows of one line), and room for sums."""

    cdef const double** rows
    cdef Py_ssize_t size
    cdef double* sums  # eight running sums of a line's rows, side by side
    cdef Py_ssize_t sums_size

    def __cinit__(self):
        self.rows = NULL
        self.size = 0
        self.sums = NULL
        self.sums_size = 0
        self._grow(64)

    def __dealloc__(self):
        PyMem_Free(self.rows)
        PyMem_Free(self.sums)

    cdef double* sums_for(self, Py_ssize_t width) except NULL:
        """Room for eight rows of ``width`` (``width`` > 0)."""
        return _room(&self.sums, &self.sums_size, 8 * width)

    cdef int _grow(self, Py_ssize_t size) except -1:
        cdef void* grown = PyMem_Realloc(self.rows, size * sizeof(double*))
        if grown is NULL:
            raise MemoryError()
        self.rows = <const double**>grown
        self.size = size
        return 0

    cdef Py_ssize_t gather(self, const double* base, Py_ssize_t width, _FeatureRows rows_of,
                           line_features) except -1:
        """Point at the rows of ``line_features`` in the table at ``base`` (rows of
        ``width``, found by ``rows_of``); their count."""
        cdef Py_ssize_t m = len(line_features)
        if m > self.size:
            self._grow(2 * m)
        if m == 0:
            return 0
        m = 0
        for feature in line_features:
            self.rows[m] = base + rows_of.row_of(feature) * width
            m += 1
        return m


cdef inline void _reduce_line(const double** rows, Py_ssize_t m, double* line, Py_ssize_t width,
                              double* sums) noexcept nogil:
    """``line`` = the sum of ``rows[0..m)`` as ``add.reduceat`` makes it: the first row,
    plus the pairwise sum of the others (``m`` > 0). ``sums``: room for eight rows.

    Up to NumPy's block the columns are summed side by side, row by row (loops the
    compiler vectorises), each column with the very additions of :func:`_pairwise`;
    longer lines (which split the block) are summed a column at a time."""
    cdef Py_ssize_t c, i, k, n = m - 1
    cdef const double* first = rows[0]
    cdef const double* row
    cdef double* acc
    if m == 1:
        for c in range(width):
            line[c] = first[c]
        return
    if n > _BLOCK:
        for c in range(width):
            line[c] = first[c] + _pairwise(rows + 1, n, c)
        return
    rows += 1
    if n < 8:  # one running sum from 0.0, then the first row added to it
        for c in range(width):
            line[c] = 0.0
        for i in range(n):
            row = rows[i]
            for c in range(width):
                line[c] += row[c]
    else:  # eight running sums, a fixed tree, then the rows past the last eight
        for k in range(8):
            row = rows[k]
            acc = sums + k * width
            for c in range(width):
                acc[c] = row[c]
        i = 8
        while i < n - (n % 8):
            for k in range(8):
                row = rows[i + k]
                acc = sums + k * width
                for c in range(width):
                    acc[c] += row[c]
            i += 8
        for c in range(width):
            line[c] = ((sums[c] + sums[width + c]) + (sums[2 * width + c] + sums[3 * width + c])) + (
                (sums[4 * width + c] + sums[5 * width + c]) + (sums[6 * width + c] + sums[7 * width + c])
            )
        while i < n:
            row = rows[i]
            for c in range(width):
                line[c] += row[c]
            i += 1
    for c in range(width):
        line[c] = first[c] + line[c]


cdef int _check_zero_row(const double[:, ::1] table, dict index) except -1:
    if len(index) >= table.shape[0]:
        raise ValueError("the table needs a zero row after the indexed ones")
    return 0


cdef int _sum_lines(_Rows rows, const double* table, _FeatureRows rows_of, features, double* out,
                    Py_ssize_t n, Py_ssize_t width) except -1:
    """Row i of ``out`` (``n`` rows of ``width``) = the sum of the rows of ``features[i]``
    in ``table`` (``n_rows`` rows of ``width``). Every row of ``out`` is written: it need
    not be zeroed, which for a page's own blocks was a memset of about 40 kB."""
    cdef Py_ssize_t i, c, m
    cdef double* sums = rows.sums_for(width)
    for i in range(n):
        m = rows.gather(table, width, rows_of, features[i])
        if m:
            _reduce_line(rows.rows, m, out + i * width, width, sums)
        else:
            for c in range(width):
                out[i * width + c] = 0.0
    return 0


def sum_rows(const double[:, ::1] table, dict index, features):
    """Per line, the sum of ``table`` rows of its features (one not in ``index``: row ``len(index)``).

    ``features`` is a sequence (one entry per line) of sequences of strings; ``index``
    maps a feature to its row of ``table``, whose row ``len(index)`` is the zero row of
    unknown features. Returns a ``(lines, columns)`` array: what
    :func:`segmenter.tagging._sum_rows` computes with NumPy, bit for bit.
    """
    cdef Py_ssize_t n = len(features)
    cdef Py_ssize_t width = table.shape[1]
    _check_zero_row(table, index)
    out_array = np.zeros((n, width), dtype=np.float64)
    cdef double[:, ::1] out = out_array
    if n and width:
        _sum_lines(_Rows(), &table[0, 0], _FeatureRows(index, table.shape[0], False), features, &out[0, 0], n, width)
    return out_array


cdef class PageScorer:
    """A page's state scores from its own and context features, the tables held.

    ``weights``: a row of state weights per context feature (``index``, row
    ``len(index)`` the zero row of unknown ones); ``own_table``: a row per own feature
    (``own_index``), the feature's weights at offset 0 and then as the neighbour at each
    of ``offsets``, side by side; ``bias``: added to every line. The tables' buffers
    are taken once, not a page, and a page's blocks go to a buffer kept for the next;
    each table's rows are remembered by feature string (:class:`_FeatureRows`).
    """

    cdef const double[:, ::1] weights
    cdef dict index
    cdef const double[:, ::1] own_table
    cdef dict own_index
    cdef const double[::1] bias
    cdef Py_ssize_t width, n_slots
    cdef Py_ssize_t shift[8]
    cdef _Rows rows
    cdef _FeatureRows context_rows, own_rows
    cdef double* blocks
    cdef Py_ssize_t blocks_size

    def __cinit__(self):
        self.blocks = NULL
        self.blocks_size = 0

    def __dealloc__(self):
        PyMem_Free(self.blocks)

    def __init__(self, weights, dict index, own_table, dict own_index, offsets, bias):
        cdef Py_ssize_t slot
        self.weights = weights
        self.index = index
        self.own_table = own_table
        self.own_index = own_index
        self.bias = bias
        self.width = self.weights.shape[1]
        self.n_slots = len(offsets) + 1
        if self.n_slots > 8 or self.own_table.shape[1] != self.n_slots * self.width or self.bias.shape[0] != self.width:
            raise ValueError("the own table holds a block of weights for offset 0 and each offset")
        _check_zero_row(self.weights, index)
        _check_zero_row(self.own_table, own_index)
        self.shift[0] = 0
        for slot in range(1, self.n_slots):
            self.shift[slot] = offsets[slot - 1]
        self.rows = _Rows()
        self.context_rows = _FeatureRows(index, self.weights.shape[0])
        self.own_rows = _FeatureRows(own_index, self.own_table.shape[0])

    def scores(self, context, owns):
        """A page's state scores: :meth:`segmenter.tagging._StateScores.from_parts` in one
        pass. ``context[k]``: line k's context features; ``owns[k]``: its own features. A
        line's score is its context sum, plus its own block at offset 0, plus each
        neighbour's block for its offset in turn, plus the bias: the additions NumPy
        makes there, in the same order, so the same scores bit for bit."""
        cdef Py_ssize_t n = len(context)
        cdef Py_ssize_t width = self.width, n_slots = self.n_slots, block = n_slots * width
        cdef Py_ssize_t k, c, slot, j
        if len(owns) != n:
            raise ValueError("one own feature set per line of context")
        out_array = np.empty((n, width), dtype=np.float64)
        if n == 0 or width == 0:
            return out_array
        cdef double* blocks = _room(&self.blocks, &self.blocks_size, n * block)
        cdef double[:, ::1] out = out_array
        _sum_lines(self.rows, &self.weights[0, 0], self.context_rows, context, &out[0, 0], n, width)
        _sum_lines(self.rows, &self.own_table[0, 0], self.own_rows, owns, blocks, n, block)
        cdef double* line
        for k in range(n):
            line = &out[k, 0]
            for c in range(width):
                line[c] += blocks[k * block + c]
            for slot in range(1, n_slots):
                j = k + self.shift[slot]
                if 0 <= j < n:
                    for c in range(width):
                        line[c] += blocks[j * block + slot * width + c]
            for c in range(width):
                line[c] += self.bias[c]
        return out_array


cdef class LabelScorer:
    """The second pass's scores of the first pass's labels around each line, from codes.

    :func:`segmenter.features.label_context_features` as one code a column and line,
    each a row of ``table`` through ``code_rows[column, code]`` (the columns and codes
    of :func:`segmenter.features.label_context_vocabulary`, ``column_sizes[column]``
    codes in each, padded with any valid row):
    the line's label (``label_id[labels[k]]``, ``n_labels`` of them, ``n_labels`` for none), the
    pairs before and after it, the label at each of ``offsets``, then the codes of
    :func:`segmenter.features.label_walk`, walked here (a label ``opens`` an article,
    or ``holds_body``; the lines since an opening are capped at ``since_max``, the
    article at ``article_max``, the page's articles at ``articles_max``). Rows summed as
    :func:`sum_rows` sums the strings' rows, so the same scores bit for bit. The tables
    are checked and their buffers taken once.
    """

    cdef const double[:, ::1] table
    cdef const Py_ssize_t[:, ::1] code_rows
    cdef const Py_ssize_t[::1] column_sizes
    cdef Py_ssize_t n_labels, n_offsets, n_columns, since_max, article_max, articles_max
    cdef Py_ssize_t shift[16]
    cdef dict label_id
    cdef const unsigned char[::1] opens
    cdef const unsigned char[::1] holds_body
    cdef _Rows room

    def __init__(self, table, code_rows, column_sizes, Py_ssize_t n_labels, offsets, dict label_id, opens,
                 holds_body, Py_ssize_t since_max, Py_ssize_t article_max, Py_ssize_t articles_max):
        cdef Py_ssize_t o, c, code
        self.table = table
        self.code_rows = code_rows
        self.column_sizes = column_sizes
        self.n_labels = n_labels
        self.n_offsets = len(offsets)
        self.n_columns = 3 + self.n_offsets + 4
        self.label_id = label_id
        self.opens = opens
        self.holds_body = holds_body
        self.since_max, self.article_max, self.articles_max = since_max, article_max, articles_max
        if self.n_columns > 16 or self.code_rows.shape[0] != self.n_columns or self.column_sizes.shape[0] != self.n_columns:
            raise ValueError("one row of codes a column")
        if self.opens.shape[0] != n_labels or self.holds_body.shape[0] != n_labels:
            raise ValueError("whether each label opens an article and holds body expected")
        for o in range(self.n_offsets):
            self.shift[o] = offsets[o]
        for c in range(self.n_columns):
            if not 0 <= self.column_sizes[c] <= self.code_rows.shape[1]:
                raise ValueError("a column holds more codes than its row")
            for code in range(self.column_sizes[c]):
                if not 0 <= self.code_rows[c, code] < self.table.shape[0]:
                    raise IndexError(f"the row of code {code} of column {c} is outside the table")
        self.room = _Rows()

    def scores(self, list labels):
        """The scores of ``labels`` (the first pass's, one a line): a ``(lines, width)`` array."""
        cdef Py_ssize_t n = len(labels), n_labels = self.n_labels, n_offsets = self.n_offsets
        cdef Py_ssize_t n_columns = self.n_columns, width = self.table.shape[1]
        cdef Py_ssize_t k, c, j, o, label, none = n_labels, index = -1, last_start = -1, article, articles
        cdef Py_ssize_t[16] codes
        cdef const double* rows[16]
        cdef PyObject* found
        out_array = np.empty((n, width), dtype=np.float64)
        if n == 0 or width == 0:
            return out_array
        # per line its label's code, then per article whether it has body so far (at most n)
        cdef Py_ssize_t* ids = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t) + (n + 1))
        if ids is NULL:
            raise MemoryError()
        cdef unsigned char* with_body = <unsigned char*>(ids + n)
        cdef double[:, ::1] out = out_array
        cdef const double* base = &self.table[0, 0]
        cdef double* sums = self.room.sums_for(width)
        try:
            for k in range(n):
                found = PyDict_GetItemWithError(self.label_id, labels[k])
                if found is NULL:
                    raise KeyError(labels[k])
                ids[k] = <Py_ssize_t><object>found
                if not 0 <= ids[k] < n_labels:
                    raise IndexError(f"line {k}: label {ids[k]} is not one of the {n_labels}")
            for k in range(n):
                if self.opens[ids[k]]:
                    index += 1
            articles = min(index + 1, self.articles_max)
            for k in range(n + 1):
                with_body[k] = 0
            index = -1
            for k in range(n):
                label = ids[k]
                codes[3 + n_offsets] = min(k - last_start, self.since_max) if last_start >= 0 else self.since_max + 1
                if self.opens[label]:
                    index += 1
                    last_start = k
                article = max(index, 0)
                codes[4 + n_offsets] = min(article, self.article_max)
                codes[5 + n_offsets] = articles
                codes[6 + n_offsets] = with_body[article]
                if self.holds_body[label]:
                    with_body[article] = 1
                codes[0] = label
                codes[1] = (ids[k - 1] if k > 0 else none) * n_labels + label
                codes[2] = label * (n_labels + 1) + (ids[k + 1] if k + 1 < n else none)
                for o in range(n_offsets):
                    j = k + self.shift[o]
                    codes[3 + o] = ids[j] if 0 <= j < n else none
                for c in range(n_columns):
                    if not 0 <= codes[c] < self.column_sizes[c]:
                        raise IndexError(f"line {k}: code {codes[c]} of column {c} is out of range")
                    rows[c] = base + self.code_rows[c, codes[c]] * width
                _reduce_line(rows, n_columns, &out[k, 0], width, sums)
        finally:
            PyMem_Free(ids)
        return out_array
