"""`tsqa ask`: one question about one metric file or plot image (or two, for a paired question), answered by any
answerer `tsqa eval --model` takes."""

import argparse
import json

from tsqa.arfbench.categories import CATEGORIES
from tsqa.bridges.config import Modality

HELP = ("Ask a question about a metric file (CSV, parquet, Prometheus / Datadog / CloudWatch JSON) or a plot image; "
        "prints the answer, how sure the answerer was and what was repaired in the data.")

BAR_WIDTH = 30
_MODEL_FORMS = (
    "CHECKPOINT_DIR | ORG/NAME | detector[:FILE.json] | openai:MODEL | gemini:MODEL | anthropic:MODEL | "
    "http://HOST:PORT/v1::MODEL | random"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--series", action="append", metavar="FILE",
                        help="CSV (timestamp column + one column per channel, or epoch,group,value), parquet, or a "
                             "Prometheus / Datadog / CloudWatch JSON export; give it twice for a paired question")
    source.add_argument("--image", action="append", metavar="PLOT.png",
                        help="a plot image alone (a screenshot), for answerers that read plots: API models and "
                             "checkpoints trained with modality both or plot; give it twice for a pair")
    parser.add_argument("--strict", action="store_true",
                        help="refuse a file that needs a repair (repeated or jittered stamps, a phase change, "
                             "resampling) instead of repairing it")
    parser.add_argument("--interval", type=int, metavar="SECONDS",
                        help="resample every series onto this grid step (default: each file's own dominant step)")
    parser.add_argument("--question", required=True, help="the question, e.g. 'Is there an anomaly?'")
    parser.add_argument("--options", nargs="+", metavar="OPTION",
                        help="answer options; without them the answerer writes its own answer")
    parser.add_argument("--model", help=f"what answers: {_MODEL_FORMS} (default: the bundled demo checkpoint)")
    parser.add_argument("--category", choices=CATEGORIES,
                        help="the question's ARFBench category, which the detector answers by (default: Anomaly "
                             "Presence, or Anomaly Correlation for a pair)")
    parser.add_argument("--plot", metavar="OUT.png", help="where to write the plot drawn from the series")
    parser.add_argument("--modality", choices=[m.value for m in Modality],
                        help="checkpoints: plot and time-series tokens, plot only, or series only (default: what the "
                             "model was trained to see)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--evidence", action="store_true",
                        help="append the series' evidence (robust z-scores; Toto's forecast band from a checkpoint's "
                             "own encoder or --evidence-encoder) to the question, and print it")
    parser.add_argument("--evidence-budget", type=int, metavar="N",
                        help="evidence length: a checkpoint's tokens (default 512), else characters (default 2000)")
    parser.add_argument("--evidence-encoder", metavar="TOTO",
                        help="Toto 2.0 directory or Hub id for the band figures of endpoints and band detectors")
    parser.add_argument("--base-url", help="endpoints: base URL (overrides the --model form and $OPENAI_BASE_URL)")
    parser.add_argument("--api-key-env", help="endpoints: environment variable holding the API key")
    parser.add_argument("--timeout", type=float, default=120.0, help="endpoints: seconds per request (default 120)")


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
    from tsqa import DEMO_MODEL
    from tsqa.api.model import TSQA
    from tsqa.eval.answerers import AnswererSettings, check_evidence
    from tsqa.eval.answerers import parse_model_spec

    sources = args.series or args.image
    if len(sources) > 2:
        raise ValueError(f"--{'series' if args.series else 'image'}: at most two (a pair), got {len(sources)}")
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be > 0 seconds, got {args.timeout}")
    if args.interval is not None and args.interval < 1:
        raise ValueError(f"--interval: a positive number of seconds, got {args.interval}")
    spec = parse_model_spec(args.model or str(DEMO_MODEL))
    check_evidence(spec, args.evidence, args.evidence_budget, args.evidence_encoder)
    if args.image and (args.evidence or args.strict or args.interval is not None):
        raise ValueError("--evidence, --strict and --interval read the series' values: pass --series, not --image")
    if args.modality and spec.kind != "checkpoint":
        raise ValueError(f"--modality applies to tsqa checkpoints; {args.model} sees what it is sent")
    settings = AnswererSettings(base_url=args.base_url, api_key_env=args.api_key_env, timeout=args.timeout,
                                evidence=args.evidence, evidence_encoder=args.evidence_encoder)
    model = TSQA.from_pretrained(args.model, device=args.device, settings=settings)
    result = model.ask(args.series, args.question, args.options, images=args.image, plot=args.plot,
                       category=args.category, modality=args.modality, evidence=args.evidence,
                       evidence_budget=args.evidence_budget, strict=args.strict, interval=args.interval)
    if result.error:
        raise ValueError(f"{', '.join(sources)}: {result.error}; no answer is given")
    if args.json:
        print(json.dumps(result.to_json(), allow_nan=False))
        return 0
    for path, lines in zip(args.series or [], result.repairs):
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
    if result.plot is not None:
        print(f"Plot: {result.plot}")
    return 0
