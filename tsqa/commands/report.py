"""`tsqa report`: ARFBench scores of results CSVs beside baselines, oracles and the published figures."""

import argparse

HELP = "Score results CSVs (accuracy, F1 per category and tier) against baselines and published figures."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", help="results CSVs (one or more models each)")
    parser.add_argument("--human", action="append",
                        help="human answers in the results format (one file per expert, or one with several; repeat "
                        "--human for more files): scored, combined into oracles, and compared with each other")
    parser.add_argument("--json", help="write all figures (percent) to this JSON file")
    parser.add_argument("--plot", help="write a PNG chart of accuracy and F1 per category")
    parser.add_argument("--seed", type=int, default=0, help="seed for invalid answers in F1 (published: 0)")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from tsqa.eval.report import build_report, markdown_report, plot_report

    report = build_report(args.results, args.human, args.seed)
    print(markdown_report(report), end="")
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_json(), indent=2, allow_nan=False) + "\n")
    if args.plot:
        plot_report(report, args.plot)
    return 0
