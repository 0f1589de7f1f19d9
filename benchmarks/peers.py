"""Every benchmarked system as one function: page text -> ``[(Role, article, text)]``.

All systems return one triple per line of the page (lines as
:func:`segmenter.reading.split_lines` cuts them), so the same evaluation code
(:func:`segmenter.evaluation.evaluate`) scores all of them, and the speed loop times
the same call for each.

* ``rules``: :func:`segmenter.baseline.label_page`, the regular-expression script.
* ``segmenter``: the CRF pipeline, labels only (``Options(confidence=False,
  metadata=False)``, as ``segmenter label`` runs it).
* ``segmenter-one-pass``: the same without the stacked second pass (``--one-pass``).
* ``segmenter-pure``: ``segmenter`` with its features run from the Python source, not
  the compiled module (``SEGMENTER_PURE_PYTHON=1`` in its process): the same labels
  (``tests/test_compiled.py``), so only its speed is measured; what compiling gains.
* ``justext``: jusText 3 with its Arabic stop list and default thresholds; each
  non-blank line is wrapped as one ``<p>`` of an HTML document; paragraphs it keeps
  are ``body``, the rest ``footer``; everything is article 0.
* ``trafilatura``: ``trafilatura.extract`` (default settings, which include its
  fallback extractors) on the same HTML; a line whose whitespace-normalised text is a
  line of the extracted text is ``body``, the rest ``footer``; article 0.
* ``boilerpy3``: ``ArticleExtractor().get_content`` on the same HTML, scored like
  trafilatura.

The peers cannot split articles or tell headlines, datelines, tweets and related
lists apart: they are scored as they are (all kept text is primary body).
The peers are the ``bench`` extra; :func:`available` says which ones are installed.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Callable
from pathlib import Path

from segmenter.baseline import label_page as rules_label_page
from segmenter.features import is_blank
from segmenter.reading import split_lines
from segmenter.types import Role

Labelled = list[tuple[Role, int, str]]
System = Callable[[str], Labelled]

PEERS = ("justext", "trafilatura", "boilerpy3")
ONE_PASS = "segmenter-one-pass"  # the shipped model's first pass alone (``--one-pass``)
PURE = "segmenter-pure"  # the same labels from the Python source of the features (speed only)
ALL_SYSTEMS = ("rules", "segmenter", ONE_PASS, PURE, *PEERS)
PURE_ENV = {"SEGMENTER_PURE_PYTHON": "1"}  # the environment of a process that runs PURE
_MODULES = {"justext": "justext", "trafilatura": "trafilatura", "boilerpy3": "boilerpy3"}


def available(name: str) -> bool:
    """Whether a system's package is installed (``rules`` and ``segmenter`` always are)."""
    module = _MODULES.get(name)
    if module is None:
        return True
    if importlib.util.find_spec(module) is None:
        return False
    if name == "justext":  # jusText 3 needs lxml's html cleaner, a separate package since lxml 5.2
        try:
            import justext  # noqa: F401
        except ImportError:
            return False
    return True


def wrap_html(texts: list[str]) -> str:
    """The page as an HTML document: each non-blank line one ``<p>``, in order."""
    paragraphs = "".join(f"<p>{html.escape(t)}</p>\n" for t in texts if not is_blank(t))
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title></title></head>'
        f"<body>\n{paragraphs}</body></html>"
    )


def _normal(text: str) -> str:
    return " ".join(text.split())


def _from_kept(texts: list[str], kept: Callable[[int, str], bool]) -> Labelled:
    """Triples from a per-non-blank-line decision (``kept(k, text)`` -> body)."""
    out: Labelled = []
    k = 0
    for t in texts:
        if is_blank(t):
            out.append((Role.BLANK, 0, t))
            continue
        out.append((Role.BODY if kept(k, t) else Role.FOOTER, 0, t))
        k += 1
    return out


def _from_extracted(texts: list[str], extracted: str | None) -> Labelled:
    """Lines found (whitespace-normalised) among the extracted text's lines are body."""
    found = {_normal(line) for line in (extracted or "").splitlines()}
    found.discard("")
    return _from_kept(texts, lambda _k, t: _normal(t) in found)


def rules(text: str) -> Labelled:
    return rules_label_page(text)


def make_segmenter(model_path: str | Path | None = None, *, second_pass: bool = True) -> System:
    """The segmenter's labeller (shipped model unless ``model_path``), labels only."""
    from segmenter.pipeline import Segmenter
    from segmenter.training import model_labeller

    # the model loads here, not inside the timed loop
    return model_labeller(Segmenter(model_path).model, second_pass=second_pass)


def make_justext() -> System:
    import justext

    stoplist = justext.get_stoplist("Arabic")

    def justext_system(text: str) -> Labelled:
        texts = [line.text for line in split_lines(text)]
        kept: set[int] = set()
        if any(not is_blank(t) for t in texts):
            for paragraph in justext.justext(wrap_html(texts), stoplist, encoding="utf-8"):
                # xpath is /html[1]/body[1]/p[N]: N is the 1-based index of the non-blank line
                xpath = paragraph.xpath
                if not paragraph.is_boilerplate and xpath.endswith("]") and "/p[" in xpath:
                    kept.add(int(xpath[xpath.rindex("[") + 1 : -1]) - 1)
        return _from_kept(texts, lambda k, _t: k in kept)

    return justext_system


def make_trafilatura() -> System:
    import trafilatura

    def trafilatura_system(text: str) -> Labelled:
        texts = [line.text for line in split_lines(text)]
        extracted = None
        if any(not is_blank(t) for t in texts):
            extracted = trafilatura.extract(wrap_html(texts))
        return _from_extracted(texts, extracted)

    return trafilatura_system


def make_boilerpy3() -> System:
    from boilerpy3 import extractors

    extractor = extractors.ArticleExtractor(raise_on_failure=False)

    def boilerpy3_system(text: str) -> Labelled:
        texts = [line.text for line in split_lines(text)]
        extracted = None
        if any(not is_blank(t) for t in texts):
            try:
                extracted = extractor.get_content(wrap_html(texts))
            except Exception:  # boilerpy3 raises on pages it cannot parse: nothing kept
                extracted = None
        return _from_extracted(texts, extracted)

    return boilerpy3_system


def make_system(name: str, *, model_path: str | Path | None = None) -> System:
    """The labelling function of system ``name`` (see :data:`ALL_SYSTEMS`)."""
    if name == "rules":
        return rules
    if name == "segmenter":
        return make_segmenter(model_path)
    if name == ONE_PASS:
        return make_segmenter(model_path, second_pass=False)
    if name == PURE:
        import segmenter

        if segmenter.compiled_modules():
            raise RuntimeError(f"{PURE} runs in a process started with {PURE_ENV}: here {segmenter.compiled_modules()} run compiled")
        return make_segmenter(model_path)
    factories = {"justext": make_justext, "trafilatura": make_trafilatura, "boilerpy3": make_boilerpy3}
    if name not in factories:
        raise ValueError(f"unknown system {name!r}; choose from {ALL_SYSTEMS}")
    if not available(name):
        raise ImportError(f"{name} is not installed: pip install -e '.[bench]'")
    return factories[name]()


def versions() -> dict[str, str]:
    """Installed versions of the systems' packages."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("segmenter", "python-crfsuite", "regex", "numpy", "justext", "trafilatura", "boilerpy3", "lxml"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out
