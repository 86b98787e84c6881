"""`tsqa ask`: one question about one metric file (or two, for a paired question), answered by a checkpoint."""

import argparse
import json

from tsqa.bridges.choices import Modality

HELP = ("Ask a question about a metric file (CSV, parquet, Prometheus / Datadog / CloudWatch JSON); prints the answer, "
        "how sure the model is and what was repaired in the data.")

BAR_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--series", action="append", required=True, metavar="FILE",
                        help="CSV (timestamp column + one column per channel, or epoch,group,value), parquet, or a "
                             "Prometheus / Datadog / CloudWatch JSON export; give it twice for a paired question")
    parser.add_argument("--strict", action="store_true",
                        help="refuse a file that needs a repair (repeated or jittered stamps, a phase change, "
                             "resampling) instead of repairing it")
    parser.add_argument("--interval", type=int, metavar="SECONDS",
                        help="resample every series onto this grid step (default: each file's own dominant step)")
    parser.add_argument("--question", required=True, help="the question, e.g. 'Is there an anomaly?'")
    parser.add_argument("--options", nargs="+", metavar="OPTION",
                        help="answer options; without them the model writes its own answer")
    parser.add_argument("--model", help="checkpoint directory or Hub id (default: the bundled demo model)")
    parser.add_argument("--plot", metavar="OUT.png", help="where to write the plot the model looks at")
    parser.add_argument("--modality", choices=[m.value for m in Modality],
                        help="what the model sees: plot and time-series tokens, plot only, or series only (default: what the model was trained to see)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--evidence", action="store_true",
                        help="append the series' evidence (robust z-scores and the model's Toto forecast band) to the "
                             "question, and print it")
    parser.add_argument("--evidence-budget", type=int, metavar="TOKENS",
                        help="evidence length in the model's tokens (default 512)")


def probability_bars(probabilities: dict[str, float], chosen: str) -> list[str]:
    """One line per option, most likely first: a bar, the percentage and the option, the chosen one marked."""
    width = max(len(option) for option in probabilities)
    lines = []
    for option, p in sorted(probabilities.items(), key=lambda item: -item[1]):
        bar = "#" * round(p * BAR_WIDTH)
        mark = "*" if option == chosen else " "
        lines.append(f"{mark} {option:<{width}}  {bar:<{BAR_WIDTH}} {100 * p:5.1f}%")
    return lines


def run(args: argparse.Namespace) -> int:
    if args.evidence_budget is not None and not args.evidence:
        raise ValueError("--evidence-budget needs --evidence")
    if args.interval is not None and args.interval < 1:
        raise ValueError(f"--interval: a positive number of seconds, got {args.interval}")
    if len(args.series) > 2:
        raise ValueError(f"--series: at most two files (a pair), got {len(args.series)}")
    from tsqa.api import TSQA

    model = TSQA.from_pretrained(args.model, device=args.device)
    result = model.ask(args.series, args.question, args.options, plot=args.plot, modality=args.modality,
                       evidence=args.evidence, evidence_budget=args.evidence_budget, strict=args.strict,
                       interval=args.interval)
    if result.error:
        raise ValueError(f"{', '.join(args.series)}: {result.error}; no answer is given")
    if args.json:
        print(json.dumps(result.to_json(), allow_nan=False))
        return 0
    for path, lines in zip(args.series, result.repairs):
        if lines:
            print(f"Repaired {path}:\n" + "\n".join(f"  {line}" for line in lines) + "\n")
    if result.evidence is not None:
        print(f"Evidence (appended to the question):\n{result.evidence}\n")
    print(f"Answer: {result.answer}")
    if result.probabilities:
        print("\n".join(probability_bars(result.probabilities, result.answer)))
    hidden = sum(len(channels) for channels in result.hidden_channels)
    if hidden:
        print(f"({hidden} channel(s) did not fit the model's token budget and were shown in the plot only)")
    print(f"Plot: {result.plot}")
    return 0
