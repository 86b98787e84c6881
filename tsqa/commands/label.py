"""`tsqa label`: label your own incidents on a local web page, turn the labels into ARFBench-style questions, and
record experts' answers to a dataset's questions for `tsqa report --human`.

    tsqa label incidents DIR              brush anomaly windows per series; saved at once to DIR/incident-labels.json
    tsqa label questions DIR --out OUT    questions of all eight categories from those labels, in ARFBench's layout
    tsqa label answers DATA --expert NAME answer DATA's questions one by one into a results CSV
    tsqa label import SHAPE FILE.. --data DIR  the labels a team already has into DIR/incident-labels.json
"""

import argparse
import sys

from tsqa.commands._arguments import port

HELP = "Label incidents on a local page, build questions from the labels, and record expert answers."


def _server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=port, default=0, help="port (default 0: a free one, printed at start)")
    parser.add_argument("--open", action="store_true", help="open the page in the default web browser")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="label_command", metavar="STEP", required=True)
    incidents = sub.add_parser("incidents", help="label anomaly windows on a local web page",
                               description="Label anomaly windows on a local web page; every change is saved at once "
                               "to incident-labels.json in the dataset folder.")
    incidents.add_argument("paths", nargs="+", metavar="PATH",
                           help="a folder of CSV/parquet series, a dataset in ARFBench's layout, or series files")
    _server_arguments(incidents)

    questions = sub.add_parser("questions", help="write questions of all eight categories from the labels",
                               description="Turn the labels of a folder into questions in ARFBench's layout, with "
                               "the option rules, balancing and plots of `tsqa synth`.")
    questions.add_argument("paths", nargs="+", metavar="PATH", help="what `tsqa label incidents` was given")
    questions.add_argument("--out", required=True, help="output directory (ARFBench layout)")
    questions.add_argument("--seed", type=int, default=0, help="random seed; the same seed writes the same files")
    questions.add_argument("--per-series", type=int, default=1,
                           help="questions per series (or pair) and category, each of another answer class (default 1)")
    questions.add_argument("--categories", help="comma-separated categories (default: all eight)")
    questions.add_argument("--no-images", action="store_true", help="skip rendering the PNG plots")
    questions.add_argument("--coarser", type=int, default=1,
                           help="also write each series at this many coarser intervals")
    questions.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")

    answers = sub.add_parser("answers", help="answer a dataset's questions on a local page (human baseline)",
                             description="Show a dataset's questions one by one and record an expert's answers and "
                             "time taken in a results CSV (resumable), for `tsqa report --human`.")
    answers.add_argument("data", help="dataset directory in the ARFBench layout")
    answers.add_argument("--expert", required=True, help="the expert's name: the results' model column")
    answers.add_argument("--out", help="results CSV (default DATA/answers-EXPERT.csv); an existing one is resumed")
    answers.add_argument("--seed", type=int, default=0, help="option order seed, as `tsqa eval --seed` (default 0)")
    answers.add_argument("--limit", type=int, help="only the first N questions")
    _server_arguments(answers)
    _import_arguments(sub)


def _import_arguments(sub) -> None:
    imports = sub.add_parser(
        "import", help="import labels you already have (windows, 0/1 rows, segments, fault logs, pairs)",
        description="Turn labels in the shapes public datasets use into DIR/incident-labels.json, the file the "
        "labelling page writes; direction and size are proposed from the data as the page proposes them. Prints "
        "what was mapped, inferred and skipped.")
    imports.add_argument("shape", choices=["windows", "points", "segments", "faults", "pairs"],
                         help="windows: CSV series,start,end[,channels][,kind], or JSON {file: [[start, end], ...]}; "
                         "points: one 0/1 file per series (a label file, or the series file with a label column); "
                         "segments: one FIRST-LAST:CH,CH file per series; faults: CSV time,component,kind; "
                         "pairs: CSV first,second,relation")
    imports.add_argument("files", nargs="+", metavar="FILE", help="the label files")
    imports.add_argument("--data", required=True, help="the folder of series (CSV/parquet) the labels are about")
    imports.add_argument("--kind-map", action="append", default=[], metavar="SOURCE=KIND",
                         help="map a source's kind name to a benchmark kind (repeatable; unmapped kinds: Other)")
    imports.add_argument("--channel", action="append", default=[], metavar="KIND=COLUMN[;COLUMN]",
                         help="faults: the channels a fault kind affects (default: those that clearly deviate)")
    imports.add_argument("--horizon", type=int, default=30,
                         help="faults: steps after the injection within which its end is looked for (default 30)")
    imports.add_argument("--column", default="label", help="points: the label column's header (default label)")
    imports.add_argument("--hide-column", action="append", default=[], metavar="COLUMN",
                         help="a column of the series files that is not a metric (another label, an id): left out of "
                         "every series read from the folder from now on (repeatable)")
    imports.add_argument("--types", help="segments: a table dataset,anomaly_segment,anomaly_type naming kinds")
    imports.add_argument("--pairs", help="also import pairs from this CSV first,second,relation")
    imports.add_argument("--replace", action="store_true", help="replace the labels of series already labelled")
    imports.add_argument("--dry-run", action="store_true", help="check and report, write nothing")


def run(args: argparse.Namespace) -> int:
    commands = {"incidents": _incidents, "questions": _questions, "answers": _answers, "import": _import}
    return commands[args.label_command](args)


def _serve(app, args: argparse.Namespace, what: str) -> None:
    import logging
    import webbrowser

    from tsqa.label.web import PageServer, exposure_warning

    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = PageServer(app, args.host, args.port)
    app.token = server.token
    print(f"{what}: open {server.url}", flush=True)
    print("Every change is saved at once; Ctrl-C stops the server.", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()


def _incidents(args: argparse.Namespace) -> int:
    from tsqa.label.incidents import IncidentsApp
    from tsqa.label.sources import open_source

    source = open_source(args.paths)
    app = IncidentsApp(source)
    print(f"{len(source.files)} series in {source.root}; labels in {app.store.path}")
    if app.store.removed:
        print(f"removed {len(app.store.removed)} temporary file(s) of saves interrupted before they finished")
    _serve(app, args, "label incidents")
    return 0


def _questions(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from tsqa.arfbench.incident_labels import LABELS_FILE, read_labels
    from tsqa.arfbench.synth import answer_summary, format_summary
    from tsqa.arfbench.synth.labelled import labelled_questions
    from tsqa.arfbench.writer import write_dataset
    from tsqa.label.sources import open_source

    source = open_source(args.paths)
    if Path(args.out).resolve() == source.root:
        raise ValueError(f"--out {args.out} is the labelled folder itself; write the questions to another folder")
    labels_path = source.root / LABELS_FILE
    if not labels_path.is_file():
        raise FileNotFoundError(f"{labels_path}: no labels yet; run `tsqa label incidents` first")
    labels = read_labels(labels_path)
    names = [n for n in labels["series"] if n in source.files]
    series = {name: source.load(name) for name in names}
    categories = [c.strip() for c in args.categories.split(",")] if args.categories else None
    built = labelled_questions(labels, series, args.seed, categories=categories, per_unit=args.per_series,
                               captions=source.captions)
    for reason in built.skipped:
        print(f"skipped: {reason}")
    if not built.samples:
        raise ValueError(f"{labels_path}: no question can be built from these labels")
    csv_path = write_dataset(built.samples, args.out, coarser=args.coarser, images=not args.no_images,
                             overwrite=args.overwrite, progress=True)
    print(format_summary(answer_summary([replace(s, series=[]) for s in built.samples])))
    print(f"wrote {len(built.samples)} questions about {len(series)} labelled series to {csv_path.parent}")
    return 0


def _answers(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tsqa.arfbench import load_dataset
    from tsqa.arfbench.layout import check_name
    from tsqa.label.answers import AnswersApp

    expert = args.expert.strip()
    if not expert:
        raise ValueError("--expert must name the expert")
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    root = Path(args.data).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such dataset directory")
    out = Path(args.out) if args.out else root / f"answers-{check_name(expert.replace(' ', '_'))}.csv"
    samples = list(load_dataset(root))[: args.limit]
    app = AnswersApp(root, samples, expert, out, args.seed)
    print(f"{len(samples)} questions of {root}; {len(app.writer.answered)} already answered by {expert} in {out}")
    if app.writer.torn:
        print(f"its last row was torn (an interrupted write); moved to {app.writer.torn}")
    try:
        _serve(app, args, f"answers of {expert}")
    finally:
        app.close()
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tsqa.label.importing.run import ImportOptions, import_labels

    options = ImportOptions(kind_map=args.kind_map, channels=args.channel, horizon=args.horizon, column=args.column,
                            hide_columns=args.hide_column, types=Path(args.types) if args.types else None,
                            pairs=Path(args.pairs) if args.pairs else None, replace=args.replace)
    doc, report = import_labels(args.shape, [Path(f) for f in args.files], Path(args.data), options,
                                write=not args.dry_run)
    for line in report.lines():
        print(line)
    windows = sum(len(label["windows"]) for label in doc["series"].values())
    verb = "would write" if args.dry_run else "wrote"
    print(f"{verb} {len(doc['series'])} labelled series ({windows} windows) and {len(doc['pairs'])} pairs to "
          f"{Path(args.data) / 'incident-labels.json'}: {len(report.mapped)} mapped, {len(report.inferred)} inferred, "
          f"{len(report.skipped)} skipped")
    return 0
