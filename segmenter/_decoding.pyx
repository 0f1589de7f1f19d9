# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Stage 3's decoding over the constrained lattice as C loops over the allowed transitions.

An optional build (``setup.py``): :mod:`segmenter.tagging` runs its NumPy steps when
this module is not built. A line's step there combines every state with every state
(34 x 34, four in five of the pairs a disallowed transition); here only the allowed
pairs are visited.

* :class:`Lattice`, a model's lattice read once; its ``best_path`` is the Viterbi
  search: the same sums in the same order, and of equal maxima the first kept, as
  ``argmax`` keeps it, so the same paths; its ``best_labels`` the same search from the
  labels' scores, for a page tagged without confidences.
* :func:`chosen_label_mass`, forward-backward for the confidences: the same scaled
  recursion, its sums in another order than NumPy's matrix products, so the same
  probabilities to about 1e-12.

``tests/test_compiled.py`` holds both to the NumPy code.
"""

import numpy as np

from cpython.mem cimport PyMem_Free, PyMem_Malloc


cdef int _best_path(
    const double[:, :, ::1] into,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    const Py_ssize_t* kinds,
    const double[:, :] scores,
    const Py_ssize_t* column,
    const double* start,
    const unsigned char[::1] end_allowed,
    double neg_inf,
    Py_ssize_t n_states,
    Py_ssize_t* path,
) except -1:
    """The Viterbi search of :meth:`Lattice.best_path` into ``path`` (one state a line);
    line t's score in state j is ``scores[t, column[j]]`` (its label's score: no array of
    state scores is built). Its working rows are C buffers, not arrays made a page."""
    cdef Py_ssize_t n = scores.shape[0]
    cdef Py_ssize_t t, i, j, p, k, best_i, low, high
    cdef double best, score
    if n == 0:
        return 0
    cdef double* rows = <double*>PyMem_Malloc(2 * n_states * sizeof(double))
    cdef Py_ssize_t* back = <Py_ssize_t*>PyMem_Malloc(n * n_states * sizeof(Py_ssize_t))
    if rows is NULL or back is NULL:
        PyMem_Free(rows)
        PyMem_Free(back)
        raise MemoryError()
    cdef double* delta = rows
    cdef double* following = rows + n_states
    cdef double* swap
    for j in range(n_states):
        delta[j] = start[j]
        back[j] = 0
    # the inner loops read through plain pointers (a row of transitions, the sources,
    # the scores so far): the same operations in the same order
    cdef const Py_ssize_t* source = &sources[0] if sources.shape[0] else NULL
    cdef const double* row
    cdef Py_ssize_t* back_row
    for t in range(1, n):
        k = kinds[t]
        back_row = back + t * n_states
        for j in range(n_states):
            row = &into[k, j, 0]
            low = first[k, j]
            high = first[k, j + 1]
            if low < high:
                best_i = source[low]
                best = row[best_i] + delta[best_i]
                for p in range(low + 1, high):
                    i = source[p]
                    score = row[i] + delta[i]
                    if score > best:
                        best = score
                        best_i = i
            else:
                best_i = 0
                best = row[0] + delta[0]
                for i in range(1, n_states):
                    score = row[i] + delta[i]
                    if score > best:
                        best = score
                        best_i = i
            back_row[j] = best_i
            following[j] = best + scores[t, column[j]]
        swap = delta
        delta = following
        following = swap
    best_i = 0
    best = delta[0] if end_allowed[0] else neg_inf
    for j in range(1, n_states):
        score = delta[j] if end_allowed[j] else neg_inf
        if score > best:
            best = score
            best_i = j
    j = best_i
    path[n - 1] = j
    for t in range(n - 1, 0, -1):
        j = back[t * n_states + j]
        path[t - 1] = j
    PyMem_Free(rows)
    PyMem_Free(back)
    return 0


cdef int _check_lattice(
    const double[:, :, ::1] into,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    Py_ssize_t n_states,
) except -1:
    """The search reads these unchecked: refuse a lattice it would read past."""
    cdef Py_ssize_t k, j, p
    if into.shape[1] != n_states or into.shape[2] != n_states:
        raise ValueError("one transition score a pair of states")
    if first.shape[0] != into.shape[0] or first.shape[1] != n_states + 1:
        raise ValueError("one range of sources a kind and state")
    for k in range(first.shape[0]):
        for j in range(n_states):
            if not 0 <= first[k, j] <= first[k, j + 1] <= sources.shape[0]:
                raise ValueError("the ranges of sources run outside them")
    for p in range(sources.shape[0]):
        if not 0 <= sources[p] < n_states:
            raise ValueError("a source is not a state")
    return 0


cdef class Lattice:
    """A model's constrained lattice for its searches, its arrays read and checked once.

    ``into[kind, j, i]``: the score of the transition i -> j into a line of that kind;
    ``sources[first[kind, j]:first[kind, j + 1]]``: the states i it is allowed from, in
    increasing order (a state with none is reduced over every state, as NumPy does);
    ``state_label[j]``: the
    label of state j (of ``labels``); ``start_allowed[kind, j]``: a page may open in
    state j on a line of that kind; ``end_allowed[j]``: a page may end in j. A page's
    search had taken the buffers of these seven arrays and made five NumPy arrays of
    its own: about as many instructions as the search.
    """

    cdef const double[:, :, ::1] into
    cdef const Py_ssize_t[:, ::1] first
    cdef const Py_ssize_t[::1] sources
    cdef const Py_ssize_t[::1] state_label
    cdef const unsigned char[:, ::1] start_allowed
    cdef const unsigned char[::1] end_allowed
    cdef double neg_inf
    cdef tuple labels
    cdef Py_ssize_t n_states

    def __init__(self, into, first, sources, state_label, start_allowed, end_allowed, double neg_inf, labels):
        self.into = into
        self.first = first
        self.sources = sources
        self.state_label = state_label
        self.start_allowed = start_allowed
        self.end_allowed = end_allowed
        self.neg_inf = neg_inf
        self.labels = tuple(labels)
        self.n_states = self.state_label.shape[0]
        _check_lattice(self.into, self.first, self.sources, self.n_states)
        if self.end_allowed.shape[0] != self.n_states or self.start_allowed.shape[1] != self.n_states:
            raise ValueError("whether a page may open and end in each state expected")
        if self.start_allowed.shape[0] != self.into.shape[0]:
            raise ValueError("the openings allowed for each kind of line expected")
        for j in range(self.n_states):
            if not 0 <= self.state_label[j] < len(self.labels):
                raise ValueError("a state's label is not one of the labels")

    def best_path(self, const Py_ssize_t[::1] kinds, const double[:, ::1] unary, const double[::1] start) -> list:
        """The best state path of one page (a list of state indexes): ``kinds[t]``, the
        kind of line t's transitions; ``unary[t, j]``, its score in state j; ``start``,
        the first line's scores with the disallowed openings at ``neg_inf``."""
        cdef Py_ssize_t n = unary.shape[0], n_states = self.n_states, j, t
        if unary.shape[1] != n_states or start.shape[0] != n_states or kinds.shape[0] != n:
            raise ValueError("one score a state and one kind a line")
        for t in range(n):
            if not 0 <= kinds[t] < self.into.shape[0]:
                raise ValueError("a line's kind has no transitions")
        if n == 0:
            return []
        cdef Py_ssize_t* column = <Py_ssize_t*>PyMem_Malloc((n_states + n) * sizeof(Py_ssize_t))
        if column is NULL:
            raise MemoryError()
        cdef Py_ssize_t* path = column + n_states
        try:
            for j in range(n_states):
                column[j] = j
            _best_path(
                self.into, self.first, self.sources, &kinds[0], unary, column, &start[0], self.end_allowed,
                self.neg_inf, n_states, path,
            )
            return [path[t] for t in range(n)]
        finally:
            PyMem_Free(column)

    def best_labels(self, line_is_short, const double[:, :] label_scores) -> list:
        """The labels of one page's best path: :meth:`best_path` from the labels' scores.

        ``label_scores[t, l]``: line t's score for label l, a state's score its label's;
        ``line_is_short[t]``: line t is short (the kind of its transitions; None: no
        line is). The same path as :meth:`best_path` of the gathered state scores.
        """
        cdef Py_ssize_t n = label_scores.shape[0], n_states = self.n_states, t, j
        if n == 0:
            return []
        if label_scores.shape[1] != len(self.labels):
            raise ValueError("one score a label")
        if line_is_short is not None and len(line_is_short) != n:
            raise ValueError("one kind a line")
        if self.into.shape[0] < 2 and line_is_short is not None:
            raise ValueError("no transitions into a short line")
        cdef Py_ssize_t* kinds = <Py_ssize_t*>PyMem_Malloc((2 * n) * sizeof(Py_ssize_t) + n_states * sizeof(double))
        if kinds is NULL:
            raise MemoryError()
        cdef Py_ssize_t* path = kinds + n
        cdef double* start = <double*>(kinds + 2 * n)
        try:
            if line_is_short is None:
                for t in range(n):
                    kinds[t] = 0
            else:
                t = 0
                for is_short in line_is_short:
                    kinds[t] = 1 if is_short else 0
                    t += 1
            for j in range(n_states):
                start[j] = label_scores[0, self.state_label[j]] if self.start_allowed[kinds[0], j] else self.neg_inf
            _best_path(
                self.into, self.first, self.sources, kinds, label_scores, &self.state_label[0], start,
                self.end_allowed, self.neg_inf, n_states, path,
            )
            labels = self.labels
            return [labels[self.state_label[path[t]]] for t in range(n)]
        finally:
            PyMem_Free(kinds)


def chosen_label_mass(
    const double[:, :, ::1] into_exp,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    const Py_ssize_t[::1] kinds,
    const double[:, ::1] emit,
    const double[::1] start_exp,
    const unsigned char[::1] end_allowed,
    const Py_ssize_t[::1] state_label,
    const Py_ssize_t[::1] path,
):
    """P(line t has the label of ``path[t]``) for each line, or None if a scale underflows.

    ``into_exp[kind, j, i]``: exp of the transition score i -> j (0 where disallowed);
    ``emit[t]`` and ``start_exp``: exp of the line scores, each less its maximum. The
    forward and backward vectors are scaled to sum to one at every line, as in
    :meth:`segmenter.tagging.CrfModel._label_marginals`.
    """
    cdef Py_ssize_t n = emit.shape[0]
    cdef Py_ssize_t n_states = emit.shape[1]
    cdef Py_ssize_t t, i, j, p, k, label
    cdef double total, value, mass
    alpha_array = np.empty((n, n_states), dtype=np.float64)
    beta_array = np.empty((n, n_states), dtype=np.float64)
    carried_array = np.empty(n_states, dtype=np.float64)
    cdef double[:, ::1] alpha = alpha_array
    cdef double[:, ::1] beta = beta_array
    cdef double[::1] carried = carried_array
    if n == 0:
        return []
    total = 0.0
    for j in range(n_states):
        total += start_exp[j]
    if not total > 0.0:
        return None
    for j in range(n_states):
        alpha[0, j] = start_exp[j] / total
    for t in range(1, n):
        k = kinds[t]
        total = 0.0
        for j in range(n_states):
            value = 0.0
            for p in range(first[k, j], first[k, j + 1]):
                i = sources[p]
                value += alpha[t - 1, i] * into_exp[k, j, i]
            value *= emit[t, j]
            alpha[t, j] = value
            total += value
        if not total > 0.0:
            return None
        for j in range(n_states):
            alpha[t, j] /= total
    for j in range(n_states):
        beta[n - 1, j] = 1.0 if end_allowed[j] else 0.0
    for t in range(n - 2, -1, -1):
        k = kinds[t + 1]
        for j in range(n_states):
            carried[j] = emit[t + 1, j] * beta[t + 1, j]
            beta[t, j] = 0.0
        for j in range(n_states):
            for p in range(first[k, j], first[k, j + 1]):
                i = sources[p]
                beta[t, i] += into_exp[k, j, i] * carried[j]
        total = 0.0
        for i in range(n_states):
            total += beta[t, i]
        if not total > 0.0:
            return None
        for i in range(n_states):
            beta[t, i] /= total
    out = [0.0] * n
    for t in range(n):
        total = 0.0
        for j in range(n_states):
            total += alpha[t, j] * beta[t, j]
        if not total > 0.0 or total != total or total == float("inf"):
            return None
        label = state_label[path[t]]
        mass = 0.0
        for j in range(n_states):
            if state_label[j] == label:
                mass += alpha[t, j] * beta[t, j] / total
        out[t] = min(1.0, mass)
    return out
