# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Lines made in C: a page's :class:`segmenter.types.Line` objects from columns (stage 4),
and its :class:`segmenter.reading.RawLine` tuples from its text (stage 1).

An optional build (``setup.py``): :func:`segmenter.assembly.build_lines` maps ``Line``
over its columns when this module is not built, and that is the definition followed
here. There, each line is a call of the dataclass's ``__init__``, which ``dataclasses``
writes as Python source and ``exec``-s: a frame and seven attribute stores run as
bytecode for every line of every page, blank lines included (about 2,500 instructions
a line, a twentieth of the labelling).

Here each object is allocated by its type and its fields are written into their slots,
as that ``__init__`` writes them. This is done only for a class it can vouch for: a
slotted dataclass whose fields are all set by ``__init__`` (no defaults made by a
factory are skipped: every field is given), with no ``__post_init__``, and whose
fields are plain slots of the class itself. Anything else is refused, and the caller
calls the class. ``tests/test_compiled.py`` holds the lines to those ``map`` makes.

:func:`raw_lines` reads a page as :func:`segmenter.reading.read_lines` does in Python
(``split_lines(sanitize(text))``): there the check for lone surrogates encoded the
page to UTF-8, and the split made each line's tuple through ``map`` and ``zip``
(about 30 µs a corpus page, a twentieth of the labelling; 19 here). Here one pass over
the characters finds both.
"""

import dataclasses
from types import MemberDescriptorType

from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF
from libc.stdint cimport uint8_t, uint16_t, uint32_t

cdef extern from "Python.h":
    ctypedef PyObject* (*allocfunc)(PyTypeObject* cls, Py_ssize_t n_items)
    ctypedef struct PyTypeObject:
        allocfunc tp_alloc
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    int T_OBJECT_EX
    int READONLY
    object PyList_New(Py_ssize_t n)
    void PyList_SET_ITEM(object l, Py_ssize_t i, PyObject* o)  # steals o
    PyObject* PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    int PyTuple_CheckExact(object o)
    int PyTuple_Check(object o)
    Py_ssize_t PyTuple_GET_SIZE(object o)
    PyObject* PyTuple_GET_ITEM(object o, Py_ssize_t i)
    int PyList_CheckExact(object o)
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)
    object PyUnicode_Substring(object s, Py_ssize_t start, Py_ssize_t end)
    int PyUnicode_1BYTE_KIND
    int PyUnicode_2BYTE_KIND
    void PyTuple_SET_ITEM(PyObject* t, Py_ssize_t i, PyObject* o)  # steals o
    unsigned long Py_TPFLAGS_TUPLE_SUBCLASS
    unsigned long PyType_GetFlags(PyTypeObject* t)

cdef enum:
    _MAX_FIELDS = 16

cdef dict _LAYOUTS = {}  # class -> tuple of its fields' slot offsets, in field order


cdef tuple _layout(type cls):
    """The slot offset of each field of ``cls``, in ``__init__``'s order; refuses a class
    whose ``__init__`` may do more than store its arguments."""
    found = _LAYOUTS.get(cls)
    if found is not None:
        return <tuple>found
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    fields = dataclasses.fields(cls)
    if len(fields) > _MAX_FIELDS:
        raise TypeError(f"{cls.__name__} has more than {_MAX_FIELDS} fields")
    offsets = []
    for field in fields:
        if not field.init:
            raise TypeError(f"{cls.__name__}.{field.name} is not set by __init__")
        descr = cls.__dict__.get(field.name)
        if type(descr) is not MemberDescriptorType or descr.__objclass__ is not cls:
            raise TypeError(f"{cls.__name__}.{field.name} is not a slot of the class")
        member = (<PyMemberDescrObject*>descr).d_member
        if member.type != T_OBJECT_EX or member.flags & READONLY:
            raise TypeError(f"{cls.__name__}.{field.name} is not a writable object slot")
        offsets.append(member.offset)
    layout = tuple(offsets)
    _LAYOUTS[cls] = layout
    return layout


def slot_offsets(type cls) -> dict:
    """Each field of ``cls`` (a slotted dataclass this module vouches for, as for
    :func:`instances`) and the offset of its slot, for a kernel that reads them."""
    return {field.name: offset for field, offset in zip(dataclasses.fields(cls), _layout(cls))}


cdef PyObject* _made(PyTypeObject* tp, const Py_ssize_t* offsets, PyObject** values,
                     Py_ssize_t n_fields) except NULL:
    """A new ``tp`` with ``values[f]`` (a reference taken to each) in the slot at ``offsets[f]``."""
    cdef Py_ssize_t f
    cdef PyObject* obj = tp.tp_alloc(tp, 0)
    if obj is NULL:
        raise MemoryError()
    for f in range(n_fields):
        Py_INCREF(<object>values[f])
        (<PyObject**>((<char*>obj) + offsets[f]))[0] = values[f]
    return obj


def instances(type cls, tuple columns) -> list:
    """``list(map(cls, *columns))`` for a slotted dataclass ``cls`` (see the module's
    docstring): one column (a list or tuple) per field, in field order, of one length."""
    layout = _layout(cls)
    cdef Py_ssize_t n_fields = len(layout), f, i, n
    cdef Py_ssize_t offsets[_MAX_FIELDS]
    if len(columns) != n_fields:
        raise TypeError(f"{cls.__name__} takes {n_fields} columns, got {len(columns)}")
    for f in range(n_fields):
        offsets[f] = layout[f]
        column = columns[f]
        if not (PyList_CheckExact(column) or PyTuple_CheckExact(column)):
            raise TypeError("a column is a list or a tuple")
    n = PySequence_Fast_GET_SIZE(columns[0]) if n_fields else 0
    for f in range(n_fields):
        if PySequence_Fast_GET_SIZE(columns[f]) != n:
            raise ValueError("the columns are of different lengths")
    cdef PyTypeObject* tp = <PyTypeObject*>cls
    cdef PyObject* values[_MAX_FIELDS]
    out = PyList_New(n)  # on an error, its empty places are NULL, which it can free
    for i in range(n):
        for f in range(n_fields):
            values[f] = PySequence_Fast_GET_ITEM(columns[f], i)
        PyList_SET_ITEM(out, i, _made(tp, offsets, values, n_fields))
    return out


def labelled_lines(type cls, list raw, list positions, list labels, list confidence, dict role_of, object blank):
    """``build_lines(raw, *line_labels(...))`` of :mod:`segmenter.pipeline` in one pass
    (see there): each of ``raw``'s lines (tuples of text, start, end and newline) as a
    ``cls`` (:class:`segmenter.types.Line`). The line at ``positions[t]`` has the role of
    ``labels[t]`` (``role_of``) and ``confidence[t]``; another line is ``blank``, with
    confidence 1.0, in the article of the tagged line before it. A label starting "B-"
    opens the next article; the lines before the first article opened are in article 0.
    The Python made three lists a page and then mapped them (about 15 µs a corpus page).
    """
    layout = _layout(cls)
    if len(layout) != 7:
        raise TypeError(f"{cls.__name__} is not a line of seven fields")
    cdef Py_ssize_t offsets[7]
    cdef Py_ssize_t f, k, t = 0, index = -1, current = 0, next_at = -1, previous = -1
    cdef Py_ssize_t n_lines = len(raw), n_tagged = len(positions)
    for f in range(7):
        offsets[f] = layout[f]
    if len(labels) != n_tagged or len(confidence) != n_tagged:
        raise ValueError("one label and one confidence per tagged line expected")
    # read from snapshots, indexed unchecked: a label's look-up may run its code
    cdef tuple rows = tuple(raw), places = tuple(positions), tags = tuple(labels), confs = tuple(confidence)
    cdef PyTypeObject* tp = <PyTypeObject*>cls
    cdef PyObject* values[7]
    cdef PyObject* found
    cdef object row, label, role, conf, article
    cdef object one = 1.0
    if n_tagged:
        next_at = places[0]
    out = PyList_New(n_lines)
    for k in range(n_lines):
        row = rows[k]
        if not PyTuple_Check(row) or PyTuple_GET_SIZE(row) != 4:
            raise TypeError("a raw line is a tuple of text, start, end and newline")
        if k == next_at:
            label = tags[t]
            found = PyDict_GetItemWithError(role_of, label)
            if found is NULL:
                raise KeyError(label)
            role = <object>found
            if type(label) is str and (<str>label).startswith("B-"):
                index += 1
            current = index if index > 0 else 0
            conf = confs[t]
            t += 1
            previous = next_at
            if t < n_tagged:
                next_at = places[t]
                if next_at <= previous:
                    raise ValueError("the tagged lines' positions go up")
        else:
            role = blank
            conf = one
        article = current
        values[0] = PyTuple_GET_ITEM(row, 0)
        values[1] = <PyObject*>role
        values[2] = <PyObject*>article
        values[3] = PyTuple_GET_ITEM(row, 1)
        values[4] = PyTuple_GET_ITEM(row, 2)
        values[5] = <PyObject*>conf
        values[6] = PyTuple_GET_ITEM(row, 3)
        PyList_SET_ITEM(out, k, _made(tp, offsets, values, 7))
    if t < n_tagged:
        raise ValueError(f"tagged line {t} at {places[t]} is not a line of the page ({n_lines} lines)")
    return out


def blank_lines(list texts) -> tuple:
    """``features.page_parts_many``'s first steps for a page: whether each line is blank
    (empty or white space only, as ``str.strip`` reads white space: ``features.is_blank``)
    and the places of the others, in two lists made at their length."""
    cdef Py_ssize_t n = len(texts), i, j, k = 0, kept = 0
    cdef Py_ssize_t size
    cdef int kind
    cdef void* data
    cdef object text, flag
    cdef bytearray marks = bytearray(n)  # 1: a line with something other than white space
    cdef unsigned char* full = marks
    for i in range(n):
        text = texts[i]
        if type(text) is not str:
            raise TypeError("a line is a string")
        size = PyUnicode_GET_LENGTH(text)
        kind = PyUnicode_KIND(text)
        data = PyUnicode_DATA(text)
        for j in range(size):
            if not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j)):
                full[i] = 1
                kept += 1
                break
    blank = PyList_New(n)
    positions = PyList_New(kept)
    for i in range(n):
        flag = not full[i]
        Py_INCREF(flag)
        PyList_SET_ITEM(blank, i, <PyObject*>flag)
        if full[i]:
            flag = i
            Py_INCREF(flag)
            PyList_SET_ITEM(positions, k, <PyObject*>flag)
            k += 1
    return blank, positions


cdef tuple _NEWLINES = ("\n", "\r\n", "\r", "")


cdef inline int _append_raw(list out, PyTypeObject* tp, str text, Py_ssize_t start, Py_ssize_t end,
                            str newline) except -1:
    """``out.append(cls((text[start:end], start, end, newline)))`` for the tuple type ``tp``.
    Its items are made first, so a failure leaves no half-made tuple."""
    cdef object line = PyUnicode_Substring(text, start, end)
    cdef object first = start
    cdef object last = end
    cdef PyObject* row = tp.tp_alloc(tp, 4)
    if row is NULL:
        raise MemoryError()
    # each item's reference taken here is the one the tuple keeps (SET_ITEM steals it)
    Py_INCREF(line)
    PyTuple_SET_ITEM(row, 0, <PyObject*>line)
    Py_INCREF(first)
    PyTuple_SET_ITEM(row, 1, <PyObject*>first)
    Py_INCREF(last)
    PyTuple_SET_ITEM(row, 2, <PyObject*>last)
    Py_INCREF(newline)
    PyTuple_SET_ITEM(row, 3, <PyObject*>newline)
    out.append(<object>row)
    Py_DECREF(<object>row)  # the list's reference is the one left
    return 0


ctypedef fused _char:  # the code units of a string of each kind
    uint8_t
    uint16_t
    uint32_t


cdef object _split(const _char* data, Py_ssize_t n, str text, PyTypeObject* tp):
    """The lines of ``text`` (its ``n`` characters at ``data``), or None at a lone surrogate."""
    cdef Py_ssize_t j = 0, start = 0
    cdef uint32_t ch
    cdef list out = []
    while j < n:
        ch = data[j]
        if ch <= 0x0D:
            if ch == 0x0A:
                _append_raw(out, tp, text, start, j, <str>_NEWLINES[0])
                start = j + 1
            elif ch == 0x0D:
                if j + 1 < n and data[j + 1] == 0x0A:
                    _append_raw(out, tp, text, start, j, <str>_NEWLINES[1])
                    j += 1
                else:
                    _append_raw(out, tp, text, start, j, <str>_NEWLINES[2])
                start = j + 1
        elif _char is not uint8_t and 0xD800 <= ch <= 0xDFFF:  # a lone surrogate
            return None
        j += 1
    _append_raw(out, tp, text, start, n, <str>_NEWLINES[3])
    return out


def raw_lines(str text, type cls):
    """``split_lines(text)`` as tuples of ``cls`` (a subclass of ``tuple`` with four
    fields), or None if ``text`` holds a lone surrogate (the caller sanitizes it first).
    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``, as in :mod:`segmenter.reading`."""
    if not PyType_GetFlags(<PyTypeObject*>cls) & Py_TPFLAGS_TUPLE_SUBCLASS:
        raise TypeError(f"{cls.__name__} is not a tuple")
    cdef Py_ssize_t n = len(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef PyTypeObject* tp = <PyTypeObject*>cls
    if kind == PyUnicode_1BYTE_KIND:
        return _split(<const uint8_t*>data, n, text, tp)
    if kind == PyUnicode_2BYTE_KIND:
        return _split(<const uint16_t*>data, n, text, tp)
    return _split(<const uint32_t*>data, n, text, tp)
