# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Stage 3's decoding over the constrained lattice as C loops over the allowed transitions.

An optional build (``setup.py``): :mod:`segmenter.tagging` runs its NumPy steps when
this module is not built. A line's step there combines every state with every state
(34 x 34, four in five of the pairs a disallowed transition); here only the allowed
pairs are visited.

* :func:`best_path`, the Viterbi search: the same sums in the same order, and of equal
  maxima the first kept, as ``argmax`` keeps it, so the same paths; :func:`best_labels`,
  the same search from the labels' scores, for a page tagged without confidences.
* :func:`chosen_label_mass`, forward-backward for the confidences: the same scaled
  recursion, its sums in another order than NumPy's matrix products, so the same
  probabilities to about 1e-12.

``tests/test_compiled.py`` holds both to the NumPy code.
"""

import numpy as np


cdef list _best_path(
    const double[:, :, ::1] into,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    const Py_ssize_t[::1] kinds,
    const double[:, :] scores,
    const Py_ssize_t[::1] column,
    const double[::1] start,
    const unsigned char[::1] end_allowed,
    double neg_inf,
):
    """The Viterbi search of :func:`best_path`; line t's score in state j is
    ``scores[t, column[j]]`` (its label's score: no array of state scores is built)."""
    cdef Py_ssize_t n = scores.shape[0]
    cdef Py_ssize_t n_states = start.shape[0]
    cdef Py_ssize_t t, i, j, p, k, best_i, low, high
    cdef double best, score
    if n == 0:
        return []
    delta_array = np.array(start, dtype=np.float64)
    next_array = np.empty(n_states, dtype=np.float64)
    cdef double[::1] delta = delta_array
    cdef double[::1] following = next_array
    cdef double[::1] swap
    back_array = np.zeros((n, n_states), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] back = back_array
    # the inner loops read through plain pointers (a row of transitions, the sources,
    # the scores so far): the same operations in the same order
    cdef const Py_ssize_t* source = &sources[0] if sources.shape[0] else NULL
    cdef const double* row
    cdef const double* before
    cdef double* after
    for t in range(1, n):
        k = kinds[t]
        before = &delta[0]
        after = &following[0]
        for j in range(n_states):
            row = &into[k, j, 0]
            low = first[k, j]
            high = first[k, j + 1]
            if low < high:
                best_i = source[low]
                best = row[best_i] + before[best_i]
                for p in range(low + 1, high):
                    i = source[p]
                    score = row[i] + before[i]
                    if score > best:
                        best = score
                        best_i = i
            else:
                best_i = 0
                best = row[0] + before[0]
                for i in range(1, n_states):
                    score = row[i] + before[i]
                    if score > best:
                        best = score
                        best_i = i
            back[t, j] = best_i
            after[j] = best + scores[t, column[j]]
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
    path = [0] * n
    j = best_i
    path[n - 1] = j
    for t in range(n - 1, 0, -1):
        j = back[t, j]
        path[t - 1] = j
    return path


def best_path(
    const double[:, :, ::1] into,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    const Py_ssize_t[::1] kinds,
    const double[:, ::1] unary,
    const double[::1] start,
    const unsigned char[::1] end_allowed,
    double neg_inf,
):
    """The best state path of one page (a list of state indexes).

    ``into[kind, j, i]``: the score of the transition i -> j into a line of that kind;
    ``sources[first[kind, j]:first[kind, j + 1]]``: the states i it is allowed from, in
    increasing order (a state with none is reduced over every state, as NumPy does);
    ``unary[t, j]``: line t's score in state j; ``start``: the first line's scores with
    the disallowed openings at ``neg_inf``; ``end_allowed[j]``: a page may end in j.
    """
    if unary.shape[1] != start.shape[0]:
        raise ValueError("one score a state")
    return _best_path(
        into, first, sources, kinds, unary, np.arange(start.shape[0], dtype=np.intp), start, end_allowed, neg_inf
    )


def best_labels(
    const double[:, :, ::1] into,
    const Py_ssize_t[:, ::1] first,
    const Py_ssize_t[::1] sources,
    line_is_short,
    const double[:, :] label_scores,
    const Py_ssize_t[::1] state_label,
    const unsigned char[:, ::1] start_allowed,
    const unsigned char[::1] end_allowed,
    double neg_inf,
    labels,
):
    """The labels of one page's best path: :func:`best_path` from the labels' scores.

    ``label_scores[t, l]``: line t's score for label l, a state's score its label's
    (``state_label``); ``line_is_short[t]``: line t is short (the kind of its
    transitions; None: no line is); ``start_allowed[kind, j]``: a page may open in
    state j on a line of that kind. The same path as :func:`best_path` of the gathered
    state scores.
    """
    cdef Py_ssize_t n = label_scores.shape[0]
    cdef Py_ssize_t n_states = state_label.shape[0]
    cdef Py_ssize_t t, j
    if n == 0:
        return []
    kinds_array = np.zeros(n, dtype=np.intp)
    cdef Py_ssize_t[::1] kinds = kinds_array
    if line_is_short is not None:
        if len(line_is_short) != n:
            raise ValueError("one kind a line")
        for t, is_short in enumerate(line_is_short):
            kinds[t] = 1 if is_short else 0
    start_array = np.empty(n_states, dtype=np.float64)
    cdef double[::1] start = start_array
    for j in range(n_states):
        start[j] = label_scores[0, state_label[j]] if start_allowed[kinds[0], j] else neg_inf
    path = _best_path(into, first, sources, kinds, label_scores, state_label, start, end_allowed, neg_inf)
    return [labels[state_label[j]] for j in path]


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
