"""`tsqa eval`: answer a dataset in the ARFBench layout with a model, an API endpoint or a baseline, into a results
CSV that can be stopped and resumed at any time."""

import argparse

from tsqa.bridges.choices import AnswerMode, Modality

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


def _answerer(args: argparse.Namespace, spec, endpoint, samples: list):
    """The answerer for a parsed --model: a baseline (needs the samples) or an endpoint (already resolved)."""
    from tsqa.eval.api import ChatCompletionsAnswerer, RetryPolicy
    from tsqa.eval.baselines import MostFrequentAnswerer, RandomAnswerer
    from tsqa.eval.prompt import system_prompt

    if spec.kind == "checkpoint":
        from tsqa.eval.checkpoint import CheckpointAnswerer

        return CheckpointAnswerer.from_pretrained(spec.name, name=args.name, device=args.device, mode=args.mode,
                                                  modality=args.modality)
    if spec.kind == "detector":
        from tsqa.evidence.detector import BUNDLED, Detector, DetectorAnswerer

        detector = Detector.load(spec.name or BUNDLED)
        encoder = args.evidence_encoder or detector.encoder
        forecaster = _forecaster(encoder, args.device) if detector.source == "band" else None
        return DetectorAnswerer(detector, forecaster, name=args.name or "detector")
    if spec.kind == "baseline" and spec.name == "random":
        return RandomAnswerer(args.seed, name=args.name or "random")
    if spec.kind == "baseline":
        return MostFrequentAnswerer(samples, name=args.name or "most-frequent")
    return ChatCompletionsAnswerer(
        endpoint.model,
        api_key=endpoint.api_key,
        base_url=endpoint.base_url,
        timeout=args.timeout,
        retry=RetryPolicy(retries=args.retries),
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        name=args.name,
        system=system_prompt(evidence=args.evidence),
    )


def _forecaster(encoder: str | None, device: str):
    """The Toto encoder that gives the band figures, or None without one."""
    if encoder is None:
        return None
    from tsqa.encoders.toto import TotoEncoder

    return TotoEncoder.from_pretrained(encoder, device=device)


def _with_evidence(args: argparse.Namespace, spec, answerer):
    """The answerer asked with evidence appended: a checkpoint's own encoder and tokenizer, else characters."""
    from tsqa.eval.evidence import EvidenceAnswerer
    from tsqa.evidence.question import token_counter

    if spec.kind == "checkpoint":
        model = answerer.model
        return EvidenceAnswerer(answerer, model.forecaster, args.evidence_budget,
                                token_counter(model.processor.tokenizer))
    return EvidenceAnswerer(answerer, _forecaster(args.evidence_encoder, args.device), args.evidence_budget)


def run(args: argparse.Namespace) -> int:
    from tsqa.arfbench import load_dataset
    from tsqa.eval.model_spec import parse_model_spec
    from tsqa.eval.results import read_results
    from tsqa.eval.runner import run_answerer
    from tsqa.eval.metrics import score_model
    from tsqa.api import DEMO_MODEL

    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    if args.evidence_budget is not None and args.evidence_budget < 1:
        raise ValueError(f"--evidence-budget must be >= 1, got {args.evidence_budget}")
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be > 0 seconds, got {args.timeout}")
    spec = parse_model_spec(args.model or str(DEMO_MODEL))
    if args.evidence_budget is not None and not args.evidence:
        raise ValueError("--evidence-budget needs --evidence")
    if args.evidence_encoder and not (args.evidence or spec.kind == "detector"):
        raise ValueError("--evidence-encoder needs --evidence (or a detector reading the band)")
    if args.evidence and spec.kind in ("baseline", "detector"):
        raise ValueError(f"--evidence: {spec.kind} answers do not read the question text (the detector computes "
                         "the evidence itself)")
    if args.evidence and args.evidence_encoder and spec.kind == "checkpoint":
        raise ValueError("--evidence-encoder: a checkpoint's evidence uses its own encoder")
    # resolved before loading the dataset, so a missing key fails at once
    endpoint = spec.endpoint(args.base_url, args.api_key_env) if spec.kind == "endpoint" else None
    dataset = load_dataset(args.data)
    samples = dataset[: args.limit]
    if not samples:
        raise ValueError(f"{args.data}: no questions")
    answerer = _answerer(args, spec, endpoint, samples)
    if args.evidence:
        answerer = _with_evidence(args, spec, answerer)
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
