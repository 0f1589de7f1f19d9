"""Stage 7: the command line, a thin layer over the API.

Each subcommand parses its arguments and calls one library function that returns
data; ``main(argv)`` returns an exit code and is testable without a subprocess.
Logs and progress go to standard error; results go to files or standard output.

Exit codes: 0 success; 1 records were rejected (the rest was processed); 2 usage
error (bad arguments, missing input); 3 model error (model missing or mismatched).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from segmenter.types import InputError, ModelError, SegmenterError

log = logging.getLogger("segmenter")

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_MODEL = 3


def _repo_fixtures() -> Path:
    """``fixtures/`` of a source checkout (training needs the annotated pages)."""
    return Path(__file__).resolve().parent.parent / "fixtures"


def _cmd_label(args: argparse.Namespace) -> int:
    from segmenter.io import Rejected, iter_pages, write_jsonl
    from segmenter.pipeline import Options, Segmenter

    seg = Segmenter(args.model, options=Options(confidence=False, metadata=False, second_pass=not args.one_pass))
    rejected: list[Rejected] = []

    def good_pages() -> Iterator[tuple[str, str]]:
        for item in iter_pages(args.inputs, text_field=args.text_field, id_field=args.id_field):
            if isinstance(item, Rejected):
                log.warning("skipped %s:%d: %s", item.source, item.line_number, item.reason)
                rejected.append(item)
            else:
                yield item.id, item.text

    records = (page.to_dict() for page in seg.label_many(good_pages(), n_jobs=args.jobs))
    count = write_jsonl(args.output, records)
    log.info("labelled %d pages into %s; %d records skipped", count, args.output, len(rejected))
    return EXIT_REJECTED if rejected else EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from segmenter.baseline import label_page
    from segmenter.evaluation import format_errors, format_rows, format_table
    from segmenter.io import read_gold
    from segmenter.pipeline import Segmenter
    from segmenter.training import evaluate_system, model_labeller

    label = model_labeller(Segmenter(args.model).model, second_pass=not args.one_pass)
    groups: dict[str, list] = {}  # gold pages by file name, or by record source
    for path in args.gold:
        for page in read_gold(path):
            groups.setdefault((page.source or "unknown") if args.by_source else Path(path).name, []).append(page)
    reports = {}
    for name in sorted(groups) if args.by_source else groups:
        reports[name if args.by_source else f"segmenter ({name})"] = evaluate_system(label, groups[name])
        if args.baseline:
            reports[f"rules ({name})"] = evaluate_system(label_page, groups[name])
    if args.by_source and not args.json:
        print(format_rows(reports))
    elif args.json:
        out = {name: r.to_dict() for name, r in reports.items()}
        if args.errors:
            for name, r in reports.items():
                out[name]["primary_body_errors"] = r.body_error_rows()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_table(reports))
    if args.errors and not args.json:
        print("\nWhere primary-body tokens go wrong (line by line):\n")
        print(format_errors(reports))
    return EXIT_OK


def _cmd_train(args: argparse.Namespace) -> int:
    from segmenter.pipeline import default_model_paths
    from segmenter.training import TrainingConfig, train_model

    fixtures = Path(args.fixtures) if args.fixtures else _repo_fixtures()
    if not fixtures.is_dir():
        raise InputError(f"fixtures directory {fixtures} not found; pass --fixtures DIR")
    # the global --model names the model to write, as it names the one to read elsewhere
    if args.output and args.model and Path(args.output) != Path(args.model):
        raise InputError(f"--model {args.model} and -o {args.output} name different model files; give one")
    output = Path(args.output or args.model or default_model_paths()[0])
    config = TrainingConfig(
        fixtures_dir=fixtures,
        output=output,
        cross_validate=not args.no_cv,
        second_pass=not args.no_second_pass,
        jobs=args.jobs,
    )
    if args.train_files:
        config.train_files = tuple(args.train_files)
    if args.max_iterations:
        config.max_iterations = args.max_iterations
    sidecar = train_model(config)
    print(json.dumps({"model": str(output), "hyperparameters": sidecar["hyperparameters"], "metrics": sidecar["metrics"]}, ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from segmenter.pipeline import Segmenter

    model = Segmenter(args.model).model
    for attr, label, weight in model.top_features(args.top):
        print(f"{weight:+8.3f}  {label:12s}  {attr}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from segmenter.pipeline import Options, Segmenter
    from segmenter.show import show

    summary = show(
        args.inputs,
        args.output,
        gold=args.gold,
        segmenter=Segmenter(args.model, options=Options(second_pass=not args.one_pass)),
        limit=args.limit,
        text_field=args.text_field,
        id_field=args.id_field,
    )
    for reason in summary.rejected:
        log.warning("skipped %s", reason)
    log.info("showed %d pages in %s; %d records skipped", summary.pages, summary.output, len(summary.rejected))
    return EXIT_REJECTED if summary.rejected else EXIT_OK


EXIT_INTERRUPTED = 130  # clean: interrupted (Ctrl-C); no output file was left behind


def _cmd_clean(args: argparse.Namespace) -> int:
    from segmenter.clean import CLEAN_OPTIONS, clean_dump
    from segmenter.pipeline import Segmenter

    try:
        summary = clean_dump(
            args.inputs,
            args.output,
            text_field=args.text_field,
            id_field=args.id_field,
            format=args.format,
            articles=args.articles,
            keep_lines=args.keep_lines,
            jobs=args.jobs,
            max_bytes=args.max_bytes,
            scheduler=args.scheduler,
            progress=not args.quiet,
            segmenter=Segmenter(args.model, options=replace(CLEAN_OPTIONS, second_pass=not args.one_pass)),
        )
    except KeyboardInterrupt:
        log.error("interrupted: %s was not written (no partial file left); run the command again", args.output)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError)):
            raise
        log.error("I/O error: %s; check the input and output paths, their permissions and the free disk space", exc)
        return EXIT_USAGE
    if not args.quiet:
        log.info("%s", summary.line())
    if summary.rejected:
        reasons = ", ".join(f"{kind}: {n}" for kind, n in sorted(summary.rejects_by_reason.items()))
        log.warning("%d records rejected (%s); see %s", summary.rejected, reasons, summary.rejects_path)
        return EXIT_REJECTED
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segmenter",
        description="Split scraped Arabic news pages into clean primary and secondary articles.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to standard error")
    parser.add_argument("--model", type=Path, default=None, help="a .crfsuite model (default: the shipped one)")
    parser.add_argument(
        "--one-pass",
        action="store_true",
        help="label, clean, evaluate and show with the model's first pass only (about 15%% faster, boundaries a little worse)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("label", help="label every line of each page (ANNOTATION.md JSONL out)")
    p.add_argument("inputs", nargs="+", help="JSONL (id/text or ANNOTATION.md), .txt files, directories, or -")
    p.add_argument("-o", "--output", required=True, type=Path, help="output JSONL (.gz/.bz2/.xz compress)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (-1: all cores)")
    p.set_defaults(func=_cmd_label)

    p = sub.add_parser("evaluate", help="score the model against gold ANNOTATION.md files")
    p.add_argument("gold", nargs="+", help="ANNOTATION.md JSONL files")
    p.add_argument("--baseline", action="store_true", help="add the rules baseline to the table")
    p.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    p.add_argument("--by-source", action="store_true", help="one row per record 'source' (e.g. composer template)")
    p.add_argument(
        "--errors", action="store_true", help="also show where primary-body tokens go wrong: what each wrong line is and was taken for"
    )
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("train", help="rebuild the model from fixtures/ (reproducible)")
    p.add_argument("--fixtures", help="directory of annotated JSONL (default: the checkout's fixtures/)")
    p.add_argument("-o", "--output", help="model path (default: the global --model, else the package's model/segmenter.crfsuite)")
    p.add_argument("--train-files", nargs="+", help="training files inside --fixtures")
    p.add_argument("--no-cv", action="store_true", help="skip the searches (c1/c2, decoding offsets) and use their last choices")
    p.add_argument("--no-second-pass", action="store_true", help="one CRF pass only (no stacked second pass)")
    p.add_argument("--max-iterations", type=int)
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("explain", help="print the model's heaviest feature weights")
    p.add_argument("--top", type=int, default=40)
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("show", help="render labelled pages as one self-contained HTML file")
    p.add_argument("inputs", nargs="+", help="JSONL (id/text or ANNOTATION.md), .txt files, directories, or -")
    p.add_argument("-o", "--output", required=True, type=Path, help="the HTML file to write")
    p.add_argument("--gold", type=Path, help="ANNOTATION.md JSONL: mark mismatches, show scores, list pages worst first")
    p.add_argument("--limit", type=int, help="show only the first N pages")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser(
        "clean",
        help="clean whole dumps: one record (or clean text) per page, streaming, in parallel",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Records that cannot be pages go to OUTPUT.rejects.jsonl (source, line, reason).\n"
            "Exit codes: 0 all good; 1 records were rejected (the rest was written);\n"
            "2 usage error; 3 model error; 130 interrupted (no output file left)."
        ),
    )
    p.add_argument("inputs", nargs="+", help="JSONL (plain/.gz/.bz2/.xz; id/text or ANNOTATION.md), .txt files, directories, or -")
    p.add_argument("-o", "--output", required=True, type=Path, help="output file (.gz/.bz2/.xz compress); written atomically")
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl", help="JSONL records (default) or clean text")
    p.add_argument("--articles", choices=("primary", "all"), default="primary", help="--format text: which articles (default: primary)")
    p.add_argument("--keep-lines", action="store_true", help="add the labelled lines ([role, article, text]) to each record")
    p.add_argument("--text-field", default="text", help="JSONL field holding the page text (default: text)")
    p.add_argument("--id-field", default="id", help="JSONL field holding the page id (default: id; missing: FILE:LINENO)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--max-bytes", type=int, default=5_000_000, help="reject records larger than this (default: 5000000)")
    p.add_argument("--scheduler", help="run on an existing Dask cluster: tcp://HOST:PORT (needs segmenter[dask])")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
    p.set_defaults(func=_cmd_clean)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="segmenter: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except ModelError as exc:
        log.error("%s", exc)
        return EXIT_MODEL
    except (InputError, FileNotFoundError, IsADirectoryError) as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except SegmenterError as exc:
        log.error("%s", exc)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
