"""`tsqa validate DIR`: check a dataset in the ARFBench layout, list its problems or summarise it."""

import argparse
import dataclasses
import json

HELP = "Check a dataset in the ARFBench layout; print a summary, or every problem and exit 1."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="dataset directory (or Hub dataset id)")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    parser.add_argument(
        "--max-steps", type=int, default=None, help="load the finest interval with at most this many steps"
    )
    parser.add_argument("--require-images", action="store_true", help="count a missing PNG as a problem")


def _text(summary: dict) -> str:
    lines = [f"{summary['questions']} questions ({summary['labelled']} labelled)"]
    lines += [f"  {category}: {count}" for category, count in summary["questions_per_category"].items()]
    channels, steps = summary["channels"], summary["steps"]
    lines.append(
        f"{summary['series']} series; channels per series min {channels['min']}, median {channels['median']:g}, "
        f"max {channels['max']}; steps min {steps['min']}, median {steps['median']:g}, max {steps['max']}"
    )
    lines.append("intervals: " + ", ".join(f"{interval}s x {n}" for interval, n in summary["intervals"].items()))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from tsqa.arfbench.loader import validate_dataset

    report = validate_dataset(args.path, max_steps=args.max_steps, require_images=args.require_images)
    if args.json:
        payload = {
            "ok": report.ok,
            "rows": report.rows,
            "problems": [dataclasses.asdict(p) for p in report.problems],
            "summary": report.summary(),
        }
        print(json.dumps(payload, indent=2, allow_nan=False))
    elif report.ok:
        print(_text(report.summary()))
    else:
        print(report.error_message(limit=len(report.problems)))
    return 0 if report.ok else 1
