"""Benchmark ``segmenter`` against its peers: accuracy, speed, scaling; tables and plot.

    python -m benchmarks.run                 # full run (about 15 minutes on 2 cores)
    python -m benchmarks.run --quick         # a few hundred pages, for development

Steps (see ``benchmarks/README.md`` for what each number means):

1. the corpus: :mod:`benchmarks.corpus` (>= 20,000 pages, >= 100 MiB), built once;
2. accuracy of every system on ``fixtures/composed-test.jsonl.gz`` and
   ``fixtures/seeds-gold.jsonl`` with :func:`segmenter.evaluation.evaluate`;
3. labelling speed of every system, each in its own subprocess pinned to one core
   (so peak RSS is its own): warm-up, then one timed pass (``time.perf_counter``)
   over the pages; ``--repeats`` rounds in which every system runs once in turn, the
   median pass reported, and the ratio to rules as the median of the per-round ratios;
4. ``segmenter clean --jobs 1`` and ``--jobs 2`` end to end (JSONL in, JSONL out) in
   a subprocess, wall time and peak RSS;
5. scaling: time against page length (1..2,000 lines) and against dump size
   (1k..20k pages, with ``clean``'s peak RSS);
6. ``results.json`` and ``tables.md`` in ``--out``, the plot in ``docs/``; the tables
   also replace the results block of ``benchmarks/README.md`` on full runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import corpus as corpus_mod
from benchmarks.peers import ALL_SYSTEMS, PEERS, PURE, PURE_ENV, available, make_system, versions

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
ACCURACY_SETS = {"composed-test": FIXTURES / "composed-test.jsonl.gz", "seeds": FIXTURES / "seeds-gold.jsonl"}
README = ROOT / "benchmarks" / "README.md"
PLOT = ROOT / "docs" / "accuracy-vs-speed.png"
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
MB = 2**20

FULL = {
    "slow_pages": 2000,  # pages timed for jusText, trafilatura, boilerpy3
    "clean_pages": 2000,  # pages of the dump given to `segmenter clean` for the speed table
    "lengths": [1, 10, 50, 100, 250, 500, 1000, 2000],
    "length_lines": 8000,  # lines per page-length point (pages = lines / length, at least 3)
    "dump_sizes": [1000, 2000, 5000, 10000, 20000],
    "warmup": 200,
    "interleaved_pages": 10000,  # pages labelled by rules and the segmenter in turn, chunk by chunk
}
QUICK = {
    "slow_pages": 100,
    "clean_pages": 300,
    "lengths": [1, 10, 100, 500],
    "length_lines": 1000,
    "dump_sizes": [30, 300],
    "warmup": 20,
    "interleaved_pages": 300,
    "pages": 300,
}
INTERLEAVE_CHUNK = 100  # pages per turn: well under a second of the segmenter's time


# ----------------------------------------------------------------------------- helpers


def _timed_passes(label: Any, pages: list[str], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` passes of ``label`` over ``pages``.

    A system that labels many pages at once (``label.many``: the segmenter, as
    ``segmenter label`` runs it) is timed that way; the others page by page.
    """
    many = getattr(label, "many", None)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if many is not None:
            for _ in many(pages):  # an iterator: nothing is kept
                pass
        else:
            for text in pages:
                label(text)
        times.append(time.perf_counter() - start)
    return times


def _proc_status_kb(field: str, pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _child_env(pure: bool = False) -> dict[str, str]:
    env = dict(os.environ, **PURE_ENV) if pure else dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def _run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run a worker (this module, ``--worker``) in a fresh process; return its JSON."""
    pure = PURE in (spec.get("system"), *spec.get("systems", ()))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--worker", json.dumps(spec)],
        cwd=ROOT,
        env=_child_env(pure),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {spec.get('mode')}/{spec.get('system')} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pin_one_core() -> int | None:
    """Pin this process to one core (the last one); return it."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[-1]})
    return cores[-1]


def _linear_fit(xs: list[float], ys: list[float]) -> dict[str, float]:
    """Least squares ``y = a + b x`` and its R^2."""
    n = len(xs)
    if n < 2:
        return {"intercept": 0.0, "slope": 0.0, "r2": 1.0}
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    return {"intercept": intercept, "slope": slope, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0}


# ----------------------------------------------------------------------------- workers


def _worker_speed(spec: dict[str, Any]) -> dict[str, Any]:
    """Time one system over the first ``limit`` pages of the corpus, on one core."""
    core = _pin_one_core()
    label = make_system(spec["system"], model_path=spec.get("model"))
    warm = corpus_mod.read_pages(Path(spec["corpus"]), limit=spec["warmup"])
    for _, text in warm:
        label(text)
    del warm
    rss_system = _proc_status_kb("VmRSS")
    pages = [text for _, text in corpus_mod.read_pages(Path(spec["corpus"]), limit=spec["limit"])]
    rss_loaded = _proc_status_kb("VmRSS")
    n_bytes = sum(len(t.encode("utf-8")) for t in pages)
    n_lines = sum(t.count("\n") + 1 for t in pages)
    times = _timed_passes(label, pages, spec["repeats"])
    hwm = _proc_status_kb("VmHWM")
    return {
        "system": spec["system"],
        "core": core,
        "pages": len(pages),
        "lines": n_lines,
        "bytes": n_bytes,
        "times": times,
        "rss_system_kb": rss_system,
        "rss_loaded_kb": rss_loaded,
        "hwm_kb": hwm,
        # peak RSS of the labeller: the process peak less the pages' own memory
        "peak_rss_kb": hwm - (rss_loaded - rss_system),
    }


def _worker_interleaved(spec: dict[str, Any]) -> dict[str, Any]:
    """Time several systems chunk by chunk in turn, in one process on one core.

    Each chunk of pages is labelled by every system, one after the other, so a change
    in the shared machine's speed lasting more than a few seconds reaches them alike:
    the ratio of their total times is steadier than one of separate runs.
    """
    core = _pin_one_core()
    labels = {name: make_system(name, model_path=spec.get("model")) for name in spec["systems"]}
    warm = [text for _, text in corpus_mod.read_pages(Path(spec["corpus"]), limit=spec["warmup"])]
    for label in labels.values():
        _timed_passes(label, warm, 1)
    pages = [text for _, text in corpus_mod.read_pages(Path(spec["corpus"]), limit=spec["limit"])]
    seconds = dict.fromkeys(labels, 0.0)
    for start in range(0, len(pages), spec["chunk"]):
        chunk = pages[start : start + spec["chunk"]]
        for name, label in labels.items():
            seconds[name] += _timed_passes(label, chunk, 1)[0]
    return {"core": core, "pages": len(pages), "chunk": spec["chunk"], "seconds": seconds}


def length_pages(corpus: Path, length: int, n_pages: int) -> list[str]:
    """``n_pages`` pages of exactly ``length`` lines, cut from consecutive corpus lines."""
    pool: list[str] = []
    need = length + n_pages * max(1, min(length, 37))
    with corpus_mod._open_read(corpus) as fh:
        for raw in fh:
            pool.extend(json.loads(raw)["text"].split("\n"))
            if len(pool) >= need + length:
                break
    pages = []
    for i in range(n_pages):
        start = (i * 37) % max(1, len(pool) - length)
        pages.append("\n".join(pool[start : start + length]))
    return pages


def _worker_length(spec: dict[str, Any]) -> dict[str, Any]:
    """Time one system on pages of each length; median over repeats."""
    core = _pin_one_core()
    label = make_system(spec["system"], model_path=spec.get("model"))
    for _, text in corpus_mod.read_pages(Path(spec["corpus"]), limit=20):
        label(text)
    points = []
    for length in spec["lengths"]:
        n_pages = max(3, spec["lines"] // length)
        pages = length_pages(Path(spec["corpus"]), length, n_pages)
        for text in pages[:2]:
            label(text)
        times = _timed_passes(label, pages, spec["repeats"])
        t = statistics.median(times)
        points.append(
            {
                "lines_per_page": length,
                "pages": n_pages,
                "times": times,
                "ms_per_page": 1000 * t / n_pages,
                "us_per_line": 1e6 * t / (n_pages * length),
            }
        )
    return {"system": spec["system"], "core": core, "points": points}


# ------------------------------------------------------------------------ clean, end to end


def _cli_has(command: str) -> bool:
    from segmenter.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return command in action.choices
    return False


class _TreeRss(threading.Thread):
    """Samples the summed RSS of a process and its descendants (every 50 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                    for child in fh.read().split():
                        out.extend(self._tree(int(child)))
        except OSError:
            pass
        return out

    def run(self) -> None:
        while not self._done.is_set():
            total = sum(_proc_status_kb("VmRSS", p) for p in self._tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self._done.wait(0.05)

    def stop(self) -> None:
        self._done.set()
        self.join()


_RUSAGE_WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(json.dumps({'rc': rc, 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


def run_clean(dump: Path, jobs: int, *, model: str | None, command: str) -> dict[str, Any]:
    """``segmenter COMMAND dump -o out --jobs N`` once: wall seconds and peak RSS.

    ``maxrss_kb`` is the largest single process (getrusage of the children: with
    ``--jobs 2``, the biggest of the parent and its workers); ``tree_rss_kb`` the
    sampled sum over the whole process tree.
    """
    with tempfile.TemporaryDirectory(prefix="bench-clean-") as tmp:
        out = Path(tmp) / "out.jsonl"
        argv = [sys.executable, "-m", "segmenter.cli"]
        if model:
            argv += ["--model", model]
        argv += [command, str(dump), "-o", str(out), "--jobs", str(jobs)]
        if command == "clean":
            argv.append("--quiet")  # no progress line on standard error
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _RUSAGE_WRAPPER, *argv],
            cwd=ROOT,
            env=_child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sampler = _TreeRss(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        sampler.stop()
        report = json.loads(stdout.strip().splitlines()[-1])
        if report["rc"] not in (0, 1):
            raise RuntimeError(f"segmenter {command} failed (exit {report['rc']}):\n{stderr[-3000:]}")
        out_records = sum(1 for _ in open(out, encoding="utf-8")) if out.exists() else 0
    return {
        "seconds": seconds,
        "maxrss_kb": report["maxrss_kb"],
        "tree_rss_kb": sampler.peak_kb,
        "records_out": out_records,
    }


# ----------------------------------------------------------------------------- accuracy


def run_accuracy(systems: list[str], model: str | None, limit: int | None) -> dict[str, dict[str, Any]]:
    from segmenter.io import read_gold
    from segmenter.training import evaluate_system

    results: dict[str, dict[str, Any]] = {}
    reports: dict[str, dict[str, Any]] = {}
    for set_name, path in ACCURACY_SETS.items():
        pages = list(read_gold(path))
        if limit is not None and set_name != "seeds":
            pages = pages[:limit]
        results[set_name] = {}
        reports[set_name] = {}
        for name in systems:
            if name == PURE:  # the same labels as "segmenter" (tests/test_compiled.py): timed only
                continue
            report = evaluate_system(make_system(name, model_path=model), pages)
            results[set_name][name] = report.to_dict()
            reports[set_name][name] = report
    return {"results": results, "reports": reports}


# ----------------------------------------------------------------------------- tables


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def accuracy_tables(accuracy: dict[str, dict[str, Any]]) -> str:
    from segmenter.evaluation import format_table

    out = []
    for set_name, reports in accuracy.items():
        pages = next(iter(reports.values())).pages if reports else 0
        out.append(f"#### Accuracy on {set_name} ({pages} pages)\n")
        out.append(format_table(reports))
        out.append("")
    return "\n".join(out)


def speed_table(speed: dict[str, Any]) -> str:
    rows = [
        "| system | pages timed | pages/s | MB/s | lines/s | peak RSS (MB) | × rules | × rules, interleaved |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = speed["labelling"].get("rules", {}).get("pages_per_s")
    for name, r in speed["labelling"].items():
        if r.get("x_rules") is not None:
            ratio = f"{r['x_rules']:.3f}"
        else:
            ratio = f"{r['pages_per_s'] / base:.3f}" if base else "n/a"
        interleaved = f"{r['x_rules_interleaved']:.3f}" if "x_rules_interleaved" in r else ("1.000" if name == "rules" else "—")
        rows.append(
            f"| {name} (labelling, 1 core) | {_fmt(r['pages'])} | {_fmt(r['pages_per_s'])} | {r['mb_per_s']:.2f} | "
            f"{_fmt(r['lines_per_s'])} | {r['peak_rss_mb']:.0f} | {ratio} | {interleaved} |"
        )
    for name, r in speed.get("clean", {}).items():
        ratio = f"{r['pages_per_s'] / base:.3f}" if base else "n/a"
        rows.append(
            f"| {name} (end to end) | {_fmt(r['pages'])} | {_fmt(r['pages_per_s'])} | {r['mb_per_s']:.2f} | "
            f"{_fmt(r['lines_per_s'])} | {r['maxrss_mb']:.0f} (tree {r['tree_rss_mb']:.0f}) | {ratio} | — |"
        )
    mixed = speed.get("peers_interleaved")
    if mixed:
        peers = list(mixed["x_peer"])
        rows += [
            "",
            f"The segmenter against each peer, interleaved (the same first {mixed['pages']:,} pages, "
            f"{mixed['chunk']} at a time, in one process on one core; total seconds):",
            "",
            "| | segmenter | " + " | ".join(peers) + " |",
            "|---|---:|" + "---:|" * len(peers),
            f"| seconds | {mixed['seconds']['segmenter']:.2f} | "
            + " | ".join(f"{mixed['seconds'][p]:.2f}" for p in peers)
            + " |",
            "| segmenter × the peer's speed | 1.00 | " + " | ".join(f"{mixed['x_peer'][p]:.2f}" for p in peers) + " |",
        ]
    return "\n".join(rows)


def scaling_tables(scaling: dict[str, Any]) -> str:
    out = []
    lengths = scaling.get("length", {})
    if lengths:
        systems = list(lengths)
        out.append("#### Time against page length (one core)\n")
        out.append("| lines/page | " + " | ".join(f"{s} ms/page | {s} µs/line" for s in systems) + " |")
        out.append("|---:|" + "---:|---:|" * len(systems))
        by_len = {s: {p["lines_per_page"]: p for p in lengths[s]["points"]} for s in systems}
        for length in sorted(by_len[systems[0]]):
            cells = []
            for s in systems:
                p = by_len[s][length]
                cells.append(f"{p['ms_per_page']:.3f} | {p['us_per_line']:.1f}")
            out.append(f"| {length} | " + " | ".join(cells) + " |")
        out.append("")
        for s in systems:
            fit = lengths[s]["fit"]
            out.append(
                f"- {s}: ms/page = {fit['intercept']:.3f} + {1000 * fit['slope']:.3f} µs × lines "
                f"(R² {fit['r2']:.4f}); µs/line at {lengths[s]['growth_between'][1]:,} lines ÷ at "
                f"{lengths[s]['growth_between'][0]:,} lines = {lengths[s]['growth']:.2f}"
            )
        out.append("")
    dumps = scaling.get("dump")
    if dumps:
        out.append(f"#### `{dumps['command']}` against dump size (--jobs {dumps['jobs']}, one run each)\n")
        out.append("| pages | MB | seconds | pages/s | peak RSS (MB) | tree RSS (MB) |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for p in dumps["points"]:
            out.append(
                f"| {_fmt(p['pages'])} | {p['mb']:.1f} | {p['seconds']:.1f} | {_fmt(p['pages_per_s'])} | "
                f"{p['maxrss_kb'] / 1024:.0f} | {p['tree_rss_kb'] / 1024:.0f} |"
            )
        fit = dumps["fit"]
        out.append(
            f"\nseconds = {fit['intercept']:.2f} + {1000 * fit['slope']:.2f} ms × pages (R² {fit['r2']:.4f}); "
            f"peak RSS at the largest dump ÷ at the smallest = {dumps['rss_growth']:.2f} "
            f"for {dumps['size_growth']:.0f}× more pages"
        )
    return "\n".join(out)


def render_tables(results: dict[str, Any], accuracy_reports: dict[str, dict[str, Any]]) -> str:
    m = results["machine"]
    head = [
        f"Run {results['date']} ({'quick' if results['quick'] else 'full'}); machine: {m['cpu']} × {m['cores']} cores, "
        f"{m['os']}, Python {m['python']}; model `{results['model']['path']}` "
        f"(sha256 {results['model']['sha256'][:12]}…, feature version {results['model']['feature_version']}); "
        f"git {results['git']}.",
        "",
        f"Corpus: {results['corpus']['pages']:,} pages, {results['corpus']['text_bytes'] / MB:.1f} MiB of text, "
        f"{results['corpus']['lines']:,} lines (seed {results['corpus']['seed']}).",
        "",
    ]
    parts = ["### Accuracy\n", accuracy_tables(accuracy_reports)]
    if results.get("speed"):
        sp = results["speed"]
        parts += [
            f"### Speed (median of {results['repeats']} runs)\n",
            speed_table(sp),
            "",
            "; ".join(sp["notes"]),
            "",
        ]
    if results.get("scaling"):
        parts += ["### Scaling\n", scaling_tables(results["scaling"]), ""]
    return "\n".join(head + parts)


# ----------------------------------------------------------------------------- plot


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    acc = results["accuracy"]["composed-test"]
    speed = results["speed"]["labelling"]
    names = [n for n in speed if n in acc]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, title in (
        (axes[0], "primary_body_f1", "primary-body token F1"),
        (axes[1], "role_macro_f1", "role macro-F1"),
    ):
        placed: list[tuple[float, float]] = []
        for name in names:
            x, y = speed[name]["pages_per_s"], acc[name][key]
            ax.scatter([x], [y], s=60, color="tab:red" if name.startswith("segmenter") else "tab:blue")
            # a point close to one already labelled gets its label below, not on top of the other
            near = any(abs(math.log10(x / px)) < 0.1 and abs(y - py) < 0.06 for px, py in placed)
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, -13 if near else 4))
            placed.append((x, y))
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        xs = [speed[n]["pages_per_s"] for n in names]
        ax.set_xlim(min(xs) / 1.6, max(xs) * 1.8)
        ax.set_xlabel("labelling speed, pages/s on one core (log)")
        ax.set_ylabel(f"{title} (composed-test)")
        ax.set_ylim(0, 1.05)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(title)
    fig.suptitle(f"Accuracy against speed ({results['date'][:10]}, {results['corpus']['pages']:,}-page corpus)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ----------------------------------------------------------------------------- main


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem = int(fh.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu or "unknown",
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions(),
    }


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "segmenter"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes in segmenter/" if dirty else "")
    except OSError:
        return "unknown"


def _model_info(model: str | None) -> dict[str, Any]:
    from segmenter.pipeline import Segmenter

    seg = Segmenter(model)
    m = seg.model
    return {
        "path": str(m.model_path),
        "sha256": m.metadata.get("model_sha256", ""),
        "feature_version": m.metadata.get("feature_version"),
        "training_pages": m.metadata.get("training_pages"),
        "hyperparameters": m.metadata.get("hyperparameters"),
    }


def _summarise_speed(raw: dict[str, Any], rules: dict[str, Any] | None = None) -> dict[str, Any]:
    t = statistics.median(raw["times"])
    paired = None
    if rules is not None and len(rules["times"]) == len(raw["times"]):
        # pages/s of this system over pages/s of rules, round by round
        paired = statistics.median(
            (raw["pages"] / mine) / (rules["pages"] / theirs) for mine, theirs in zip(raw["times"], rules["times"])
        )
    return {
        "x_rules": paired,
        "pages": raw["pages"],
        "seconds": t,
        "times": raw["times"],
        "pages_per_s": raw["pages"] / t,
        "mb_per_s": raw["bytes"] / MB / t,
        "lines_per_s": raw["lines"] / t,
        "peak_rss_mb": raw["peak_rss_kb"] / 1024,
        "rss_system_mb": raw["rss_system_kb"] / 1024,
        "hwm_mb": raw["hwm_kb"] / 1024,
        "core": raw["core"],
    }


def _dump_stats(path: Path) -> tuple[int, int, int]:
    pages = lines = size = 0
    with corpus_mod._open_read(path) as fh:
        for raw in fh:
            text = json.loads(raw)["text"]
            pages += 1
            lines += text.count("\n") + 1
            size += len(text.encode("utf-8"))
    return pages, lines, size


def _write_dump(corpus: Path, path: Path, n: int) -> None:
    """The first ``n`` records of the corpus, copied verbatim."""
    with corpus_mod._open_read(corpus) as src, open(path, "w", encoding="utf-8") as dst:
        for i, raw in enumerate(src):
            if i >= n:
                break
            dst.write(raw)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    cfg = dict(QUICK if args.quick else FULL)
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    systems = [s.strip() for s in args.systems.split(",")] if args.systems else list(ALL_SYSTEMS)
    skipped = {s: "not installed (pip install -e '.[bench]')" for s in systems if not available(s)}
    for s, why in skipped.items():
        log(f"skipping {s}: {why}")
    systems = [s for s in systems if s not in skipped]
    model = str(args.model) if args.model else None

    # 1. corpus
    if args.corpus:
        corpus_path = args.corpus
        pages, lines, size = _dump_stats(corpus_path)
        corpus_meta = {"path": str(corpus_path), "pages": pages, "lines": lines, "text_bytes": size, "seed": None}
    else:
        if args.quick:
            corpus_path = out_dir / "corpus-quick.jsonl"
            n = args.pages or cfg["pages"]
            corpus_meta = corpus_mod.build_corpus(corpus_path, data_dir=args.data, min_pages=n, min_bytes=0)
        else:
            corpus_path = out_dir / "corpus.jsonl"
            corpus_meta = corpus_mod.build_corpus(corpus_path, data_dir=args.data)
        corpus_meta = dict(corpus_meta, path=str(corpus_path))
    n_pages = min(args.pages or corpus_meta["pages"], corpus_meta["pages"])
    log(f"corpus {corpus_path}: {corpus_meta['pages']} pages, {corpus_meta['text_bytes'] / MB:.1f} MiB")

    results: dict[str, Any] = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeats": args.repeats,
        "machine": _machine(),
        "git": _git(),
        "model": _model_info(model),
        "corpus": corpus_meta,
        "systems": systems,
        "skipped": skipped,
        "config": cfg,
    }

    # 2. accuracy
    log("accuracy")
    acc = run_accuracy(systems, model, args.accuracy_pages)
    results["accuracy"] = acc["results"]

    # 3. labelling speed, one subprocess per system
    speed: dict[str, Any] = {"labelling": {}, "clean": {}, "notes": []}
    slow_pages = min(args.slow_pages or cfg["slow_pages"], n_pages)
    # rounds: every system once per round, in turn, so a drift of the shared machine's
    # speed reaches all of them alike; a system's ratio to rules is the median of its
    # per-round ratios (each against the rules pass of the same round)
    raws: dict[str, dict[str, Any]] = {}
    for round_no in range(args.repeats):
        for name in systems:
            limit = slow_pages if name in PEERS else n_pages
            log(f"speed {name} on {limit} pages, round {round_no + 1} of {args.repeats}")
            raw = _run_worker(
                {
                    "mode": "speed",
                    "system": name,
                    "model": model,
                    "corpus": str(corpus_path),
                    "limit": limit,
                    "warmup": min(cfg["warmup"], limit),
                    "repeats": 1,
                }
            )
            if name not in raws:
                raws[name] = raw
            else:
                raws[name]["times"] += raw["times"]
                raws[name]["peak_rss_kb"] = max(raws[name]["peak_rss_kb"], raw["peak_rss_kb"])
    for name, raw in raws.items():
        speed["labelling"][name] = _summarise_speed(raw, raws.get("rules"))
    own = [s for s in systems if s.startswith("segmenter")] if "rules" in systems else []
    for name in own:
        # one process per segmenter system: two of them in one process would share the
        # feature caches, and the second would label each chunk with the first's lines cached
        limit = min(n_pages, cfg["interleaved_pages"])
        log(f"speed interleaved: rules and {name} on {limit} pages, {INTERLEAVE_CHUNK} at a time")
        mixed = _run_worker(
            {
                "mode": "interleaved",
                "systems": ["rules", name],
                "model": model,
                "corpus": str(corpus_path),
                "limit": limit,
                "warmup": min(cfg["warmup"], limit),
                "chunk": INTERLEAVE_CHUNK,
            }
        )
        speed["labelling"][name]["x_rules_interleaved"] = mixed["seconds"]["rules"] / mixed["seconds"][name]
        speed.setdefault("interleaved", {})[name] = mixed
    peers = [s for s in systems if s in PEERS]
    if "segmenter" in systems and peers:
        # the speed targets are ratios to the peers: the segmenter and every peer label the
        # same pages in turn, chunk by chunk, in one process, as the rules script does above
        limit = slow_pages
        log(f"speed interleaved: segmenter and {', '.join(peers)} on {limit} pages, {INTERLEAVE_CHUNK} at a time")
        mixed = _run_worker(
            {
                "mode": "interleaved",
                "systems": ["segmenter", *peers],
                "model": model,
                "corpus": str(corpus_path),
                "limit": limit,
                "warmup": min(cfg["warmup"], limit),
                "chunk": INTERLEAVE_CHUNK,
            }
        )
        speed["peers_interleaved"] = {
            "pages": mixed["pages"],
            "chunk": mixed["chunk"],
            "seconds": mixed["seconds"],
            # how many times as fast as each peer the segmenter is
            "x_peer": {peer: mixed["seconds"][peer] / mixed["seconds"]["segmenter"] for peer in peers},
        }
    if any(s in PEERS for s in systems) and slow_pages < n_pages:
        speed["notes"].append(
            f"jusText, trafilatura and boilerpy3 are timed on the first {slow_pages:,} corpus pages, "
            f"rules and segmenter on {n_pages:,}"
        )
    speed["notes"].append(
        "labelling = text in, one (role, article, text) per line out, pages already in memory, one process pinned to one core"
    )
    if "interleaved" in speed:
        mixed = next(iter(speed["interleaved"].values()))
        speed["notes"].append(
            f"× rules, interleaved = the rules script and the segmenter labelling the same first {mixed['pages']:,} "
            f"pages in turn, {mixed['chunk']} pages at a time, in one process on one core (a process for each "
            "segmenter system): the ratio of their total times, which a drift of the machine's speed reaches alike"
        )
    speed["notes"].append(
        "peak RSS of labelling = the process peak less the memory of the loaded pages; "
        "of clean = the largest single process (getrusage), 'tree' = sampled sum over parent and workers"
    )

    # 4. clean end to end
    clean_command = "clean" if _cli_has("clean") else "label"
    results["clean_command"] = clean_command
    if clean_command != "clean":
        speed["notes"].append("`segmenter clean` is not in the CLI yet: `segmenter label` is timed in its place")
    if not args.no_clean:
        clean_pages = min(args.clean_pages or cfg["clean_pages"], n_pages)
        dump = out_dir / f"dump-{clean_pages}.jsonl"
        _write_dump(corpus_path, dump, clean_pages)
        d_pages, d_lines, d_bytes = _dump_stats(dump)
        for jobs in (1, 2):
            log(f"{clean_command} --jobs {jobs} on {clean_pages} pages × {args.repeats}")
            runs = [run_clean(dump, jobs, model=model, command=clean_command) for _ in range(args.repeats)]
            t = statistics.median(r["seconds"] for r in runs)
            speed["clean"][f"segmenter {clean_command} --jobs {jobs}"] = {
                "pages": d_pages,
                "seconds": t,
                "times": [r["seconds"] for r in runs],
                "pages_per_s": d_pages / t,
                "mb_per_s": d_bytes / MB / t,
                "lines_per_s": d_lines / t,
                "maxrss_mb": max(r["maxrss_kb"] for r in runs) / 1024,
                "tree_rss_mb": max(r["tree_rss_kb"] for r in runs) / 1024,
                "records_out": runs[0]["records_out"],
            }
        speed["notes"].append(
            f"`{clean_command}` is timed end to end (Python start-up, model load, JSONL in and out) on the first "
            f"{clean_pages:,} corpus pages"
        )
    results["speed"] = speed

    # 5. scaling
    if not args.no_scaling:
        scaling: dict[str, Any] = {"length": {}}
        for name in [s for s in ("rules", "segmenter") if s in systems]:
            log(f"page-length scaling {name}")
            raw = _run_worker(
                {
                    "mode": "length",
                    "system": name,
                    "model": model,
                    "corpus": str(corpus_path),
                    "lengths": cfg["lengths"],
                    "lines": cfg["length_lines"],
                    "repeats": args.repeats,
                }
            )
            pts = raw["points"]
            fit = _linear_fit([p["lines_per_page"] for p in pts], [p["ms_per_page"] for p in pts])
            by_len = {p["lines_per_page"]: p["us_per_line"] for p in pts}
            hi = max(by_len)
            lo = 100 if 100 in by_len else min(by_len)
            raw["fit"] = fit
            raw["growth"] = by_len[hi] / by_len[lo] if by_len[lo] else 0.0
            raw["growth_between"] = [lo, hi]
            scaling["length"][name] = raw
        if not args.no_clean:
            sizes = [s for s in cfg["dump_sizes"] if s <= corpus_meta["pages"]]
            if args.quick:  # a tenth of the corpus and all of it
                sizes = sorted({max(1, corpus_meta["pages"] // 10), corpus_meta["pages"]})
            points = []
            for size in sizes:
                dump = out_dir / f"dump-{size}.jsonl"
                _write_dump(corpus_path, dump, size)
                d_pages, _, d_bytes = _dump_stats(dump)
                log(f"dump-size scaling: {clean_command} --jobs {args.scaling_jobs} on {size} pages")
                r = run_clean(dump, args.scaling_jobs, model=model, command=clean_command)
                points.append(
                    dict(r, pages=d_pages, mb=d_bytes / MB, pages_per_s=d_pages / r["seconds"])
                )
            if points:
                scaling["dump"] = {
                    "command": f"segmenter {clean_command}",
                    "jobs": args.scaling_jobs,
                    "points": points,
                    "fit": _linear_fit([p["pages"] for p in points], [p["seconds"] for p in points]),
                    "rss_growth": points[-1]["maxrss_kb"] / max(points[0]["maxrss_kb"], 1),
                    "size_growth": points[-1]["pages"] / max(points[0]["pages"], 1),
                }
        results["scaling"] = scaling

    # 6. outputs
    tables = render_tables(results, acc["reports"])
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "tables.md").write_text(tables + "\n", encoding="utf-8")
    # the shipped plot is the README's: a run that leaves the README alone leaves it alone too
    plot_path = args.plot or (out_dir / "accuracy-vs-speed.png" if args.quick or not args.update_readme else PLOT)
    try:
        plot(results, plot_path)
        results["plot"] = str(plot_path)
    except ImportError:
        log("matplotlib is not installed: no plot (pip install -e '.[bench]')")
    if not args.quick and args.update_readme and README.exists():
        text = README.read_text(encoding="utf-8")
        if RESULTS_START in text and RESULTS_END in text:
            head, rest = text.split(RESULTS_START, 1)
            _, tail = rest.split(RESULTS_END, 1)
            README.write_text(f"{head}{RESULTS_START}\n{tables}\n{RESULTS_END}{tail}", encoding="utf-8")
    print(tables)
    return results


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small corpus and short runs, for development")
    p.add_argument("--pages", type=int, help="corpus pages to time (quick: size of the generated corpus)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (the median is reported)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out", help="results directory")
    p.add_argument("--data", type=Path, default=corpus_mod.DEFAULT_DATA, help="SaudiNewsNet directory")
    p.add_argument("--corpus", type=Path, help="use this JSONL dump instead of generating one")
    p.add_argument("--model", type=Path, help="a .crfsuite model (default: the shipped one)")
    p.add_argument("--systems", help=f"comma-separated subset of {','.join(ALL_SYSTEMS)}")
    p.add_argument("--accuracy-pages", type=int, help="score only the first N composed-test pages")
    p.add_argument("--slow-pages", type=int, help="pages timed for jusText/trafilatura/boilerpy3")
    p.add_argument("--clean-pages", type=int, help="pages of the dump timed with `segmenter clean`")
    p.add_argument("--scaling-jobs", type=int, default=2, help="--jobs of clean in the dump-size scaling (default 2)")
    p.add_argument("--no-clean", action="store_true", help="skip the `segmenter clean` runs")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling runs")
    p.add_argument("--plot", type=Path, help=f"plot path (default {PLOT.relative_to(ROOT)}; with --quick or --no-readme: in --out)")
    p.add_argument("--no-readme", dest="update_readme", action="store_false", help="do not rewrite README's tables nor the shipped plot (the plot goes into --out)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        worker = {"speed": _worker_speed, "length": _worker_length, "interleaved": _worker_interleaved}[spec["mode"]]
        print(json.dumps(worker(spec)))
        return 0
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
