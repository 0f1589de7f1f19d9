"""The public API end to end, with the shipped model: properties and behaviour."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import ModelError, Page, Role, Segmenter, SegmenterError, segment
from segmenter.reading import sanitize
from segmenter.types import CONTENT_ROLES

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"
MARKS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202e\u2066\u2069\ufeff\u0640\u064b\u064e\u0650\u00a0"
messy_char = st.one_of(
    st.sampled_from(ARABIC + MARKS + "یک٠١٢٣٤٥٦٧٨٩0123456789.,:؛،؟!-—•()«»\"'@#/ \t\r\n?"),
    st.sampled_from(string.ascii_letters),
    st.characters(),  # anything, lone surrogates and NUL included
)
messy_text = st.text(messy_char, max_size=400)
page_like = st.lists(
    st.one_of(
        st.just(""),
        st.text(st.sampled_from(ARABIC + " ،."), min_size=1, max_size=300),
        st.sampled_from(["المصدر: رويترز", "إقرأ أيضاً:", "مقالات مشابهة", "  • عنوان", "تاريخ النشر: 1st, May 2024 GMT"]),
        messy_text,
    ),
    max_size=30,
).map("\n".join)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_invariants(page: Page, text: str) -> None:
    assert page.text == sanitize(text)
    assert all(isinstance(line.role, Role) for line in page.lines)
    articles = [line.article for line in page.lines]
    assert not articles or articles[0] == 0
    assert articles == sorted(articles)
    for line in page.lines:
        assert (line.role is Role.BLANK) == (not line.text.strip())
        assert 0.0 <= line.confidence <= 1.0


@SETTINGS
@given(page_like)
def test_lossless_and_one_role_per_line(segmenter_instance: Segmenter, text: str) -> None:
    page = segmenter_instance.segment(text)
    if "\r" not in text:
        assert "\n".join(line.text for line in page.lines) == page.text
    assert page.text == "".join(l.text + l.newline for l in page.lines)
    _check_invariants(page, text)


@SETTINGS
@given(messy_text)
def test_no_crash_on_arbitrary_unicode(segmenter_instance: Segmenter, text: str) -> None:
    page = segmenter_instance.segment(text)
    page.to_dict()
    assert len(page.lines) == len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@SETTINGS
@given(page_like)
def test_deterministic(segmenter_instance: Segmenter, text: str) -> None:
    a = segmenter_instance.segment(text).to_dict()
    b = segmenter_instance.segment(text).to_dict()
    assert a == b


def test_lone_surrogates_are_replaced_not_fatal(segmenter_instance: Segmenter) -> None:
    page = segmenter_instance.segment("عنوان\ud800\nنص")
    assert page.lines[0].text == "عنوان\ufffd"
    page.text.encode("utf-8")


def test_edge_inputs(segmenter_instance: Segmenter) -> None:
    assert [l.role for l in segmenter_instance.segment("").lines] == [Role.BLANK]
    assert segmenter_instance.segment("").primary is None
    long_line = "كلمة " * 50_000
    page = segmenter_instance.segment(long_line + "\n\x00\n" + "😀" * 10_000)
    assert len(page.lines) == 3


def test_crlf_is_kept_and_offsets_point_into_the_input(segmenter_instance: Segmenter, seed_pages) -> None:
    text = seed_pages[1].text.replace("\n", "\r\n")
    page = segmenter_instance.segment(text)
    assert page.text == text
    for line in page.lines:
        assert text[line.start : line.end] == line.text
        assert "\r" not in line.text
    plain = segmenter_instance.segment(seed_pages[1].text)
    assert [l.role for l in page.lines] == [l.role for l in plain.lines]


def test_seed_page_is_assembled(segmenter_instance: Segmenter, seed_pages) -> None:
    page = segmenter_instance.segment(seed_pages[0].text)
    assert page.primary is not None
    assert page.primary.headline == seed_pages[0].lines[0][2]
    assert len(page.secondary) == 1
    gold_body = [t for r, a, t in seed_pages[0].lines if r is Role.BODY and a == 0]
    assert page.primary.paragraphs == gold_body
    assert page.primary.text.startswith(page.primary.headline + "\n")
    d = page.to_dict()
    assert d["primary"]["headline"] == page.primary.headline and len(d["lines"]) == len(page.lines)


def _nows(text: str) -> str:
    return "".join(text.split())


def test_no_body_text_is_dropped(segmenter_instance: Segmenter, seed_pages) -> None:
    """Every body line reaches its article: whole, split into paragraphs, or dateline + paragraph."""
    for gold in seed_pages:
        page = segmenter_instance.segment(gold.text)
        for article in page.articles:
            paragraphs = _nows("".join(article.paragraphs))
            for i in article.line_numbers:
                line = page.lines[i]
                if line.role is not Role.BODY:
                    continue
                text = _nows(line.text)
                glued = any(_nows(d) + _nows(p) == text for d in article.datelines for p in article.paragraphs)
                assert text in paragraphs or glued, line.text


def test_related_titles_without_bullets_or_headers(segmenter_instance: Segmenter, seed_pages) -> None:
    page = segmenter_instance.segment(seed_pages[1].text)
    assert page.related, "seed 001 has a related list"
    assert all(not r.startswith(("•", " ")) for r in page.related)
    assert "مقالات مشابهة" not in page.related


def test_segment_many_preserves_order_in_parallel(segmenter_instance: Segmenter, seed_pages) -> None:
    texts = [p.text for p in seed_pages] * 8
    serial = [p.to_dict() for p in segmenter_instance.segment_many(texts)]
    parallel = [p.to_dict() for p in segmenter_instance.segment_many(texts, n_jobs=2)]
    assert serial == parallel
    ids = [p.id for p in segmenter_instance.segment_many([("a", texts[0]), ("b", texts[1])])]
    assert ids == ["a", "b"]


@SETTINGS
@given(st.lists(page_like, max_size=6))
def test_segment_many_tags_in_batches_what_segment_tags_alone(segmenter_instance: Segmenter, texts: list[str]) -> None:
    """segment_many tags its pages together; each page comes out as segment gives it."""
    assert [p.to_dict() for p in segmenter_instance.segment_many(texts)] == [
        segmenter_instance.segment(t).to_dict() for t in texts
    ]


@SETTINGS
@given(st.lists(page_like, max_size=6))
def test_label_many_gives_the_lines_segment_many_gives(segmenter_instance: Segmenter, texts: list[str]) -> None:
    """The labels-only path stops before assembly: the same lines, confidences and offsets."""
    from segmenter import LabelledPage

    items = [(f"p{i}", t) for i, t in enumerate(texts)]
    pages = list(segmenter_instance.segment_many(items))
    labelled = list(segmenter_instance.label_many(items))
    assert all(isinstance(p, LabelledPage) for p in labelled)
    assert [(p.id, p.lines) for p in labelled] == [(p.id, p.lines) for p in pages]
    assert [p.to_dict() for p in labelled] == [{"id": p.id, "lines": p.to_dict()["lines"]} for p in pages]
    assert [segmenter_instance.label(t).lines for t in texts] == [p.lines for p in pages]


def test_label_many_in_workers_keeps_order_and_lines(segmenter_instance: Segmenter, seed_pages) -> None:
    items = [(f"p{i}", p.text) for i, p in enumerate(seed_pages)] * 8
    serial = list(segmenter_instance.label_many(items))
    assert list(segmenter_instance.label_many(items, n_jobs=2)) == serial
    assert [p.lines for p in serial] == [p.lines for p in segmenter_instance.segment_many(items)]


@pytest.mark.parametrize("method", ["segment_many", "label_many"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_segment_many_reports_a_bad_item_and_loses_nothing_else(
    segmenter_instance: Segmenter, seed_pages, n_jobs: int, method: str
) -> None:
    from segmenter import SkippedItem

    many = getattr(segmenter_instance, method)
    good = [(f"p{i}", p.text) for i, p in enumerate(seed_pages)]
    items: list = good[:2] + [("bad", None), b"bytes", ("too", "many", "parts")] + good[2:] * 10
    with pytest.raises(SegmenterError, match=f"item 2 of {method}"):
        list(many(items, n_jobs=n_jobs))
    skipped: list[SkippedItem] = []
    pages = list(many(items, n_jobs=n_jobs, errors="skip", skipped=skipped))
    assert [p.id for p in pages] == [i for i, _ in good[:2] + good[2:] * 10]
    assert [(s.index, s.page_id) for s in skipped] == [(2, "bad"), (3, None), (4, "too")]
    assert "page must be str" in skipped[0].reason and "bytes" in skipped[1].reason
    with pytest.raises(SegmenterError, match="errors must be"):
        many(items, errors="ignore")  # checked at the call, before any page
    with pytest.raises(SegmenterError, match="n_jobs must be"):
        many(items, n_jobs=0)


def test_segment_many_does_not_skip_a_model_that_cannot_load(tmp_path: Path, seed_pages) -> None:
    broken = Segmenter(tmp_path / "missing.crfsuite")
    with pytest.raises(ModelError):
        list(broken.segment_many([p.text for p in seed_pages], errors="skip"))


def test_module_level_segment_uses_the_shipped_model(seed_pages) -> None:
    page = segment(seed_pages[3].text)
    assert page.primary is not None and page.primary.headline


def test_content_roles_constant() -> None:
    assert CONTENT_ROLES == {Role.HEADLINE, Role.DATELINE, Role.BODY, Role.TWEET}


def test_one_pass_option_tags_with_the_first_pass_alone() -> None:
    """``Options(second_pass=False)`` is the shipped first pass, unchanged; the default reads both."""
    import gzip
    import json

    from segmenter.pipeline import Options, default_model_paths
    from segmenter.tagging import CrfModel

    pages = gzip.open(Path(__file__).resolve().parents[1] / "fixtures" / "composed-test.jsonl.gz", "rt").readlines()
    texts = ["\n".join(line[2] for line in json.loads(record)["lines"]) for record in pages[:200]]
    first_only = CrfModel.load(*default_model_paths())
    assert first_only.second_pass is not None  # the shipped model has a second pass
    first_only.second_pass = None
    one_pass = Segmenter(options=Options(second_pass=False))
    reference = Segmenter(model=first_only)
    both = Segmenter()

    def labels(seg: Segmenter, text: str) -> list[tuple[Role, int]]:
        return [(line.role, line.article) for line in seg.segment(text).lines]

    assert all(labels(one_pass, t) == labels(reference, t) for t in texts)
    assert any(labels(both, t) != labels(one_pass, t) for t in texts)


def test_segment_many_workers_follow_a_model_changed_in_memory(seed_pages) -> None:
    """Workers reload the model from its files; offsets set since, and a model without
    its second pass, must still tag in the workers as in this process."""
    from segmenter.pipeline import Options, default_model_paths
    from segmenter.tagging import CrfModel, Decoding

    texts = [p.text for p in seed_pages] * 4
    options = Options(confidence=False, metadata=False)
    model = CrfModel.load(*default_model_paths())
    default = [p.to_dict() for p in Segmenter(model=model, options=options).segment_many(texts)]
    model.set_decoding(Decoding(open_second=20.0, open_later=20.0))  # opening articles made cheap
    changed = Segmenter(model=model, options=options)
    serial = [p.to_dict() for p in changed.segment_many(texts)]
    assert serial != default  # the offsets matter on these pages
    assert [p.to_dict() for p in changed.segment_many(texts, n_jobs=2)] == serial
    model.second_pass = None  # the first pass alone, though the sidecar names a second
    serial = [p.to_dict() for p in changed.segment_many(texts)]
    assert [p.to_dict() for p in changed.segment_many(texts, n_jobs=2)] == serial
    # the same spec is what Dask workers build (segmenter.clean)
    rebuilt = changed.worker_spec().build()
    assert [rebuilt.segment(t).to_dict() for t in texts] == serial


def test_segment_many_pauses_the_collector_per_batch_and_restores_it(seed_pages, monkeypatch) -> None:
    """The collector is off while a batch is segmented (unless asked not to), and comes
    back as it was: on if it was on, off if the caller had turned it off."""
    import gc

    from segmenter.pipeline import Options

    texts = [p.text for p in seed_pages]
    seen: list[bool] = []
    original = Segmenter._page

    def spy(self: Segmenter, *args, **kwargs) -> Page:
        seen.append(gc.isenabled())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Segmenter, "_page", spy)
    assert gc.isenabled()
    pages = [p.to_dict() for p in Segmenter().segment_many(texts)]
    assert seen == [False] * len(texts) and gc.isenabled()
    seen.clear()
    assert [p.to_dict() for p in Segmenter(options=Options(pause_gc=False)).segment_many(texts)] == pages
    assert seen == [True] * len(texts) and gc.isenabled()
    seen.clear()
    gc.disable()
    try:
        list(Segmenter().segment_many(texts))
        assert seen == [False] * len(texts) and not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()


def test_segmenting_makes_no_reference_cycles(segmenter_instance: Segmenter, seed_pages) -> None:
    """Why pausing the collector is safe: everything a page makes is freed by reference
    counting, so the collector finds nothing after many pages (metadata included)."""
    import gc
    import gzip
    import json

    with gzip.open(Path(__file__).resolve().parents[1] / "fixtures" / "composed-test.jsonl.gz", "rt") as records:
        test_pages = [json.loads(record)["lines"] for _, record in zip(range(300), records)]
    texts = [p.text for p in seed_pages] + ["\n".join(line[2] for line in lines) for lines in test_pages]
    list(segmenter_instance.segment_many(texts[:20]))  # first use: lexicons, caches, model
    gc.collect()
    gc.disable()
    try:
        for page in segmenter_instance.segment_many(texts):
            page.to_dict()
        for text in texts[:20]:
            segmenter_instance.segment(text)
        assert gc.collect() == 0
    finally:
        gc.enable()
