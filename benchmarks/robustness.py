"""How steady the labels stay when a page's text is as messy as scraped text gets.

    python -m benchmarks.robustness                 # seeds and the composed test split
    python -m benchmarks.robustness --limit 300     # the first 300 test pages only

Each perturbation rewrites the lines of a gold page the way scraped pages differ from
clean ones, and keeps the gold roles and articles: words stretched with tatweel,
diacritics, zero-width and bidi marks, Persian yeh and keheh, NBSP for spaces,
Arabic-Indic digits, trailing white space, Windows line endings, and two changes of
layout (every blank line removed, a blank line after every line). Every system is
scored on each variant with :func:`segmenter.evaluation.evaluate`, and the share of
non-blank lines whose role or article differs from what the same system gave the
clean page is reported too ("changed"). The text variations carry no meaning, so a
good labeller changes nothing on them; the two layout changes may move a label or
two, as blank lines are a signal.

The perturbations are seeded by page id: two runs print the same table.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from segmenter.compose import ARABIC_INDIC
from segmenter.evaluation import cut4, evaluate
from segmenter.io import GoldPage, read_gold
from segmenter.types import Role

ROOT = Path(__file__).resolve().parents[1]
GOLD_FILES = {"seeds": ROOT / "fixtures" / "seeds-gold.jsonl", "composed-test": ROOT / "fixtures" / "composed-test.jsonl.gz"}

_ARABIC_LETTERS = frozenset("ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآىةئؤ")
_DIACRITICS = "ًٌٍَُِّْ"  # all eight (the composer's noise uses six)
_LINE_START_MARKS = ("\u200f", "\u202b", "\ufeff", "\u2067")
_LINE_END_MARKS = ("\u200e", "\u200b", "\u202c", "\u2069")

Lines = list[tuple[Role, int, str]]
# a perturbation: gold lines -> (gold lines as changed, the text the labeller is given)
Perturbation = Callable[[Lines, random.Random], tuple[Lines, str]]


def _joined(lines: Lines) -> tuple[Lines, str]:
    return lines, "\n".join(text for _, _, text in lines)


def _per_line(change: Callable[[str, random.Random], str]) -> Perturbation:
    """Apply ``change`` to the text of every non-blank line."""

    def perturb(lines: Lines, rng: random.Random) -> tuple[Lines, str]:
        return _joined([(r, a, change(t, rng) if t.strip() else t) for r, a, t in lines])

    return perturb


def _stretch(text: str, rng: random.Random) -> str:
    """Tatweel between two Arabic letters of a word, at one joint in ten."""
    out = []
    for ch, nxt in itertools.zip_longest(text, text[1:], fillvalue=""):
        out.append(ch)
        if ch in _ARABIC_LETTERS and nxt in _ARABIC_LETTERS and rng.random() < 0.1:
            out.append("ـ" * rng.randint(1, 3))
    return "".join(out)


def _diacritics(text: str, rng: random.Random) -> str:
    return "".join(ch + (rng.choice(_DIACRITICS) if ch in _ARABIC_LETTERS and rng.random() < 0.2 else "") for ch in text)


def _marks(text: str, rng: random.Random) -> str:
    inner = "".join(ch + ("\u200c" if ch == " " and rng.random() < 0.1 else "") for ch in text)
    return rng.choice(_LINE_START_MARKS) + inner + rng.choice(_LINE_END_MARKS)


def _persian(text: str, rng: random.Random) -> str:
    return text.replace("ي", "ی").replace("ك", "ک")


def _nbsp(text: str, rng: random.Random) -> str:
    return "".join("\xa0" if ch == " " and rng.random() < 0.3 else ch for ch in text)


def _digits(text: str, rng: random.Random) -> str:
    return text.translate(ARABIC_INDIC)


def _trailing(text: str, rng: random.Random) -> str:
    return text + rng.choice((" ", "  ", "\t", "\xa0"))


def _crlf(lines: Lines, rng: random.Random) -> tuple[Lines, str]:
    return lines, "\r\n".join(text for _, _, text in lines)


def _no_blank_lines(lines: Lines, rng: random.Random) -> tuple[Lines, str]:
    return _joined([line for line in lines if line[2].strip()])


def _blank_after_every_line(lines: Lines, rng: random.Random) -> tuple[Lines, str]:
    out: Lines = []
    for role, article, text in lines:
        out.append((role, article, text))
        if text.strip():
            out.append((Role.BLANK, article, ""))
    return _joined(out)


PERTURBATIONS: dict[str, Perturbation] = {
    "clean": lambda lines, rng: _joined(lines),
    "tatweel in words": _per_line(_stretch),
    "diacritics": _per_line(_diacritics),
    "zero-width and bidi marks": _per_line(_marks),
    "Persian yeh and keheh": _per_line(_persian),
    "NBSP for spaces": _per_line(_nbsp),
    "Arabic-Indic digits": _per_line(_digits),
    "trailing white space": _per_line(_trailing),
    "Windows line endings": _crlf,
    "no blank lines": _no_blank_lines,
    "a blank line after every line": _blank_after_every_line,
}
# the variations that carry no meaning at all: a labeller should change nothing on them
TEXT_ONLY = tuple(name for name in PERTURBATIONS if name not in ("clean", "no blank lines", "a blank line after every line"))


def perturbed(pages: Iterable[GoldPage], name: str) -> list[tuple[GoldPage, str]]:
    """Each page changed by perturbation ``name`` (seeded by the page id), with its text."""
    out = []
    for page in pages:
        lines, text = PERTURBATIONS[name](list(page.lines), random.Random(f"{name}:{page.id}"))
        out.append((GoldPage(page.id, lines, page.source), text))
    return out


def _changed(before: Lines, after: Lines) -> tuple[int, int]:
    """(non-blank lines whose role or article differ, non-blank lines): the n-th against the n-th.

    Every perturbation keeps the non-blank lines and their order, so they pair up even
    where blank lines were removed or added.
    """
    a = [(r, i) for r, i, t in before if t.strip()]
    b = [(r, i) for r, i, t in after if t.strip()]
    return sum(x != y for x, y in zip(a, b)), len(a)


def run(label: Callable[[str], Lines], pages: list[GoldPage]) -> dict[str, dict[str, float]]:
    """Metrics of ``label`` on every perturbation of ``pages``, and the share of changed lines."""
    clean = {page.id: label(page.text) for page in pages}
    rows: dict[str, dict[str, float]] = {}
    for name in PERTURBATIONS:
        predicted = []
        changed = total = 0
        for page, text in perturbed(pages, name):
            labels = label(text)
            predicted.append((page.id, page.lines, labels))
            c, n = _changed(clean[page.id], labels)
            changed, total = changed + c, total + n
        summary = evaluate(predicted).summary()
        summary["changed"] = changed / max(total, 1)
        rows[name] = summary
    return rows


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """One Markdown table per gold set: a row per perturbation, columns per system and metric."""
    out = []
    for gold, by_system in results.items():
        systems = list(by_system)
        head = "| perturbation | " + " | ".join(
            f"{s} role | {s} boundary | {s} body | {s} changed" for s in systems
        ) + " |"
        out += [f"#### {gold}", "", head, "|---|" + "---:|" * (4 * len(systems))]
        for name in PERTURBATIONS:
            cells = []
            for s in systems:
                row = by_system[s][name]
                cells += [cut4(row["role_macro_f1"]), cut4(row["boundary_f1"]), cut4(row["primary_body_f1"]), f"{100 * row['changed']:.1f}%"]
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from segmenter.baseline import label_page as rules
    from segmenter.pipeline import Options, Segmenter

    parser = argparse.ArgumentParser(prog="python -m benchmarks.robustness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="pages of the composed test split (default: all)")
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    args = parser.parse_args(argv)
    seg = Segmenter(args.model, options=Options(confidence=False, metadata=False))

    def segmenter(text: str) -> Lines:
        return [(line.role, line.article, line.text) for line in seg.segment(text).lines]

    results: dict[str, dict[str, dict[str, float]]] = {}
    for gold, path in GOLD_FILES.items():
        pages = list(itertools.islice(read_gold(path), args.limit if gold != "seeds" else None))
        results[f"{gold} ({len(pages)} pages)"] = {"segmenter": run(segmenter, pages), "rules": run(rules, pages)}
        print(f"{gold}: done", file=sys.stderr)
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
