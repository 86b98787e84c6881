"""`tsqa eval`: answer a dataset in the ARFBench layout with a model, an API endpoint or a baseline, into a results
CSV that can be stopped and resumed at any time."""

import argparse

from tsqa.bridges.config import AnswerMode, Modality

HELP = "Evaluate a checkpoint, an OpenAI-compatible endpoint or a baseline on an ARFBench-layout dataset."

_MODEL_FORMS = (
    "random | frequent | detector[:FILE.json] | openai:MODEL | gemini:MODEL | anthropic:MODEL | "
    "http://HOST:PORT/v1::MODEL | CHECKPOINT_DIR | ORG/NAME"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help=f"what answers: {_MODEL_FORMS} (default: the bundled demo checkpoint)")
    parser.add_argument("--data", required=True, help="dataset directory in the ARFBench layout")
    parser.add_argument("--out", required=True, help="results CSV; an existing one is resumed")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight for endpoints (default 8)")
    parser.add_argument("--batch-size", type=int,
                        help="questions per call of the answerer (default 8 for checkpoints, 1 otherwise)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per API request (default 120)")
    parser.add_argument("--retries", type=int, default=6, help="retries per API request (default 6)")
    parser.add_argument("--seed", type=int, default=0, help="option shuffling and random baseline seed (default 0)")
    parser.add_argument("--base-url", help="endpoint base URL (overrides the --model form and $OPENAI_BASE_URL)")
    parser.add_argument("--api-key-env", help="environment variable holding the API key")
    parser.add_argument("--max-tokens", type=int, default=2000, help="completion token limit for endpoints")
    parser.add_argument("--temperature", type=float, help="sampling temperature for endpoints (default: the server's)")
    parser.add_argument("--name", help="model name written in the results (default: from --model)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--mode", choices=[m.value for m in AnswerMode], default=AnswerMode.SCORE.value,
                        help="checkpoints: score every option (default) or generate a JSON answer")
    parser.add_argument("--modality", choices=[m.value for m in Modality],
                        help="checkpoints: plot and time-series tokens, plot only, or series only (default: what the model was trained to see)")
    parser.add_argument("--device", default="cpu", help="checkpoints: torch device (default cpu)")
    parser.add_argument("--evidence", action="store_true",
                        help="append each question's evidence (robust z-scores; Toto's forecast band when an encoder "
                             "is at hand) to its text; results are named NAME+evidence")
    parser.add_argument("--evidence-budget", type=int,
                        help="evidence length: tokens of a checkpoint's tokenizer (default 512), else characters "
                             "(default 2000)")
    parser.add_argument("--evidence-encoder", metavar="TOTO",
                        help="Toto 2.0 directory or Hub id for the band figures of endpoints (checkpoints use their "
                             "own encoder; default for endpoints: z-scores only) and for a band detector")
    parser.add_argument("--evidence-z-only", action="store_true",
                        help="evidence from robust z-scores alone, without the forecast band even where a Toto is at "
                             "hand (what the band adds, measured); results are named NAME+evidence-z")


def run(args: argparse.Namespace) -> int:
    from tsqa import DEMO_MODEL
    from tsqa.arfbench import load_dataset
    from tsqa.eval.answerers import AnswererSettings, check_evidence, make_answerer
    from tsqa.eval.metrics import score_model
    from tsqa.eval.answerers import parse_model_spec
    from tsqa.eval.results import read_results
    from tsqa.eval.runner import run_answerer

    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be > 0 seconds, got {args.timeout}")
    spec = parse_model_spec(args.model or str(DEMO_MODEL))
    check_evidence(spec, args.evidence, args.evidence_budget, args.evidence_encoder, args.evidence_z_only)
    if spec.kind == "endpoint":  # the key, resolved before loading the dataset, so a missing one fails at once
        spec.endpoint(args.base_url, args.api_key_env)
    dataset = load_dataset(args.data)
    samples = dataset[: args.limit]
    if not samples:
        raise ValueError(f"{args.data}: no questions")
    settings = AnswererSettings(
        name=args.name, device=args.device, mode=args.mode, modality=args.modality, base_url=args.base_url,
        api_key_env=args.api_key_env, timeout=args.timeout, retries=args.retries, max_tokens=args.max_tokens,
        temperature=args.temperature, evidence=args.evidence, evidence_budget=args.evidence_budget,
        evidence_z_only=args.evidence_z_only, evidence_encoder=args.evidence_encoder, seed=args.seed,
    )
    answerer = make_answerer(spec, settings, samples)
    summary = run_answerer(
        answerer,
        samples,
        args.out,
        batch_size=args.batch_size or {"checkpoint": 8, "detector": 32}.get(spec.kind, 1),
        concurrency=args.concurrency if spec.kind == "endpoint" else 1,  # local answerers: batched, not threaded
        seed=args.seed,
        progress=not args.no_progress,
        dataset=dataset,
    )
    print(summary.describe())
    scores = score_model([r for r in read_results(args.out) if r.model == answerer.name], args.seed)
    accuracy, f1 = scores.accuracy.overall or 0.0, scores.f1.overall or 0.0
    print(f"{answerer.name}: accuracy {accuracy:.1f}%, F1 {f1:.1f}% on the {scores.n} questions in {args.out}")
    return 0
