"""Line splitting: lossless, offsets exact, every terminator kept."""

from __future__ import annotations

import pytest

from segmenter.reading import join_lines, sanitize, split_lines


@pytest.mark.parametrize(
    ("text", "expected", "newlines"),
    [
        ("", [""], [""]),
        ("a", ["a"], [""]),
        ("a\n", ["a", ""], ["\n", ""]),
        ("a\nb", ["a", "b"], ["\n", ""]),
        ("a\r\nb\r\n", ["a", "b", ""], ["\r\n", "\r\n", ""]),
        ("a\rb", ["a", "b"], ["\r", ""]),
        ("a\r\r\nb", ["a", "", "b"], ["\r", "\r\n", ""]),
        ("a\u2028b\x0cc", ["a\u2028b\x0cc"], [""]),
        ("\n\n", ["", "", ""], ["\n", "\n", ""]),
    ],
)
def test_split_lines_table(text: str, expected: list[str], newlines: list[str]) -> None:
    lines = split_lines(text)
    assert [l.text for l in lines] == expected
    assert [l.newline for l in lines] == newlines
    assert join_lines(lines) == text
    for line in lines:
        assert text[line.start : line.end] == line.text


def test_newline_only_input_joins_back_with_newline() -> None:
    text = "عنوان\n\nفقرة أولى.\nفقرة ثانية."
    assert "\n".join(l.text for l in split_lines(text)) == text


def test_sanitize_replaces_lone_surrogates_only() -> None:
    assert sanitize("abc\ud800def") == "abc\ufffddef"
    text = "نص عربي 😀 \u200f"
    assert sanitize(text) is text


def test_sanitize_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        sanitize(b"bytes")  # type: ignore[arg-type]


from hypothesis import given
from hypothesis import strategies as st

_LINE_TEXT = st.text(alphabet=st.sampled_from(list("ab ج\u2028\x0c\n\r")), max_size=40)


@given(_LINE_TEXT)
def test_split_lines_offsets_and_terminators_rebuild_the_text(text: str) -> None:
    lines = split_lines(text)
    assert join_lines(lines) == text
    for line in lines:
        assert text[line.start : line.end] == line.text
        assert "\n" not in line.text and "\r" not in line.text
        assert line.newline in ("\n", "\r\n", "\r", "")
    assert [line.newline for line in lines][-1] == ""
