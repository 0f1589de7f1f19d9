# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Stage 3's constrained Viterbi search as C loops over the allowed transitions only.

An optional build (``setup.py``): :mod:`segmenter.tagging` runs its NumPy steps when
this module is not built. A line's step there adds every transition score to every
state's score (34 x 34 sums, four in five of them into a disallowed transition); here
only the allowed ones are summed. The sums are the same, in the same order, and of
equal maxima the first is kept, as ``argmax`` keeps it, so the paths are the same
(``tests/test_compiled.py``).
"""

import numpy as np


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
    cdef Py_ssize_t n = unary.shape[0]
    cdef Py_ssize_t n_states = unary.shape[1]
    cdef Py_ssize_t t, i, j, p, k, best_i
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
    for t in range(1, n):
        k = kinds[t]
        for j in range(n_states):
            p = first[k, j]
            if p < first[k, j + 1]:
                best_i = sources[p]
                best = into[k, j, best_i] + delta[best_i]
                for p in range(p + 1, first[k, j + 1]):
                    i = sources[p]
                    score = into[k, j, i] + delta[i]
                    if score > best:
                        best = score
                        best_i = i
            else:
                best_i = 0
                best = into[k, j, 0] + delta[0]
                for i in range(1, n_states):
                    score = into[k, j, i] + delta[i]
                    if score > best:
                        best = score
                        best_i = i
            back[t, j] = best_i
            following[j] = best + unary[t, j]
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
