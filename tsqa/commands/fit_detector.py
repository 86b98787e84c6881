"""`tsqa fit-detector`: fit the detector baseline's per-category parameters on training questions, into a small
JSON file that `tsqa eval --model detector:FILE` reads."""

import argparse

HELP = "Fit the detector baseline (answers from the evidence alone) on a training set; writes a JSON file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="training questions in the ARFBench layout (never the test set)")
    parser.add_argument("--out", required=True, help="the detector file to write (JSON)")
    parser.add_argument("--source", choices=("z", "band"), default="z",
                        help="the evidence the rules read: robust z-scores of the raw values (default) or the "
                             "forecast band of --encoder")
    parser.add_argument("--encoder", metavar="TOTO", help="Toto 2.0 directory or Hub id (needed for --source band)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--device", default="cpu", help="torch device for the encoder (default cpu)")


def run(args: argparse.Namespace) -> int:
    from tsqa.arfbench import load_dataset
    from tsqa.evidence.detector import fit_detector, questions

    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    if args.source == "band" and not args.encoder:
        raise ValueError("--source band needs --encoder (the Toto whose forecast band the rules read)")
    forecaster = None
    if args.source == "band":
        from tsqa.encoders.toto import TotoEncoder

        forecaster = TotoEncoder.from_pretrained(args.encoder, device=args.device)
    samples = list(load_dataset(args.data))[: args.limit]
    if not samples:
        raise ValueError(f"{args.data}: no questions")
    from pathlib import Path

    data = Path(args.data).name
    detector = fit_detector(questions(samples, args.source, forecaster), args.source, args.encoder, data)
    path = detector.save(args.out)
    for category, params in detector.parameters.items():
        figures = ", ".join(f"{name} {value:g}" for name, value in params.items())
        print(f"{category}: {detector.fit['accuracy'][category]:.1f}% of the training questions ({figures})")
    print(f"wrote {path} (fit on {len(samples)} questions of {args.data})")
    return 0
