"""The tiny demo recipe against the same recipe with SmolLM2-135M-Instruct (`recipes/smollm2.toml`) at the same CPU
wall-clock budget, trained on the same data, scored per category on fresh questions.

For each recipe: a probe run measures the seconds of one align and one sft step on this machine; the real run keeps
align's steps and gives sft as many steps as the rest of the budget holds; then `tsqa eval` scores the final model on
the fresh questions and `tsqa report` prints accuracy and F1 per category for both. Step times are printed first, so a
long run can be planned. Hours on a 2-core CPU; the lead schedules it:

    python scripts/compare_smollm2.py --out out/compare --minutes 60
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

RECIPES = ("tiny", "smollm2")


def tsqa(*args: str) -> None:
    print("$ tsqa " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "tsqa", *args], check=True)


def step_seconds(log: Path) -> dict[str, float]:
    """Mean seconds per optimizer step of each stage, from the training log's tokens and tokens per second."""
    seconds: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        if entry["kind"] == "train":
            seconds.setdefault(entry["stage"], []).append(entry["tokens"] / entry["tokens_per_s"])
    return {stage: sum(values) / len(values) for stage, values in seconds.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--minutes", type=float, default=60.0, help="training budget per recipe (the demo's: ~60)")
    parser.add_argument("--train", type=int, default=32000, help="training questions (the demo's: 32,000, seed 5)")
    parser.add_argument("--eval", type=int, default=800, help="fresh questions scored (at least 400)")
    args = parser.parse_args()
    data, fresh = args.out / "data", args.out / "fresh"
    if not data.is_dir():
        tsqa("synth", "--no-images", "--n", str(args.train), "--seed", "5", "--out", str(data))
    if not fresh.is_dir():
        tsqa("synth", "--no-images", "--n", str(args.eval), "--seed", "2027", "--out", str(fresh))
    plans = {}
    for recipe in RECIPES:
        probe = args.out / f"probe-{recipe}"
        if not (probe / "sft" / "final").is_dir():
            tsqa("train", "--recipe", recipe, "--data", str(data), "--out", str(probe), "--resume",
                 "--set", "stages.0.max_steps=2", "--set", "stages.1.max_steps=2", "--set", "stages.0.log_every=1",
                 "--set", "stages.1.log_every=1", "--set", "eval.max_samples=0")
        seconds = step_seconds(probe / "log.jsonl")
        align_steps = 60  # both recipes' align stage
        sft_steps = max(1, math.floor((args.minutes * 60 - align_steps * seconds["align"]) / seconds["sft"]))
        plans[recipe] = (align_steps, sft_steps)
        print(f"{recipe}: {seconds['align']:.1f} s per align step (8 questions), {seconds['sft']:.1f} s per sft step "
              f"(16 questions): {align_steps} align + {sft_steps} sft steps in {args.minutes:.0f} minutes", flush=True)
    results = []
    for recipe, (align_steps, sft_steps) in plans.items():
        run = args.out / recipe
        tsqa("train", "--recipe", recipe, "--data", str(data), "--out", str(run), "--resume",
             "--set", f"stages.0.max_steps={align_steps}", "--set", f"stages.1.max_steps={sft_steps}",
             "--set", "stages.1.epochs=1", "--set", "eval.max_samples=0")
        results.append(args.out / f"{recipe}.csv")
        tsqa("eval", "--model", str(run / "sft" / "final"), "--data", str(fresh), "--out", str(results[-1]),
             "--name", recipe)
    tsqa("report", *map(str, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
