"""The tiny recipe against the same recipe with SmolLM2-135M-Instruct (`recipes/smollm2.toml`) at the same training
budget, on the same data, scored per category on fresh questions.

A probe run measures the seconds of one align and one sft step of SmolLM2 on this machine; the real run then takes
as many steps as the budget holds (align at most 60 steps and a sixth of the budget, sft the rest), on the tiny
run's data. `--tiny-run` reuses a finished tiny run (its `sft/final`); otherwise the tiny recipe is trained too.
Both final models answer the fresh questions with `tsqa eval`, and `tsqa report` prints accuracy and F1 per
category. Run with one torch thread beside other work (`OMP_NUM_THREADS=1`) so that wall-clock and CPU time agree:

    OMP_NUM_THREADS=1 python scripts/compare_smollm2.py --data DIR --fresh D1 D2 --out out/compare --minutes 60 \
        [--tiny-run out/tiny]
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path


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


def plan(recipe: str, data: Path, out: Path, minutes: float) -> tuple[int, int]:
    """(align steps, sft steps) that fit the budget, from two probe steps of each stage."""
    probe = out / f"probe-{recipe}"
    if not (probe / "sft" / "final").is_dir():
        tsqa("train", "--recipe", recipe, "--data", str(data), "--out", str(probe), "--resume",
             "--set", "stages.0.max_steps=2", "--set", "stages.1.max_steps=2", "--set", "stages.0.log_every=1",
             "--set", "stages.1.log_every=1", "--set", "eval.max_samples=0")
    seconds = step_seconds(probe / "log.jsonl")
    budget = minutes * 60
    align = max(1, min(60, math.floor(budget / 6 / seconds["align"])))
    sft = max(1, math.floor((budget - align * seconds["align"]) / seconds["sft"]))
    print(f"{recipe}: {seconds['align']:.1f} s per align step, {seconds['sft']:.1f} s per sft step: {align} align + "
          f"{sft} sft steps in {minutes:.0f} minutes", flush=True)
    return align, sft


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="training data (the tiny run's)")
    parser.add_argument("--fresh", required=True, type=Path, nargs="+", help="fresh question sets to score")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--minutes", type=float, default=60.0, help="training budget (the tiny demo's: about 60)")
    parser.add_argument("--tiny-run", type=Path, help="a finished tiny run to compare with, instead of training one")
    args = parser.parse_args()
    runs = {"smollm2": args.out / "smollm2"}
    recipes = ["smollm2"] if args.tiny_run else ["tiny", "smollm2"]
    for recipe in recipes:
        align, sft = plan(recipe, args.data, args.out, args.minutes)
        runs[recipe] = args.out / recipe
        tsqa("train", "--recipe", recipe, "--data", str(args.data), "--out", str(runs[recipe]), "--resume",
             "--set", f"stages.0.max_steps={align}", "--set", f"stages.1.max_steps={sft}",
             "--set", "stages.1.epochs=1", "--set", "eval.max_samples=0")
    if args.tiny_run:
        runs["tiny"] = args.tiny_run
    for fresh in args.fresh:
        results = []
        for recipe in ("tiny", "smollm2"):
            results.append(args.out / f"{fresh.name}-{recipe}.csv")
            tsqa("eval", "--model", str(runs[recipe] / "sft" / "final"), "--data", str(fresh), "--out",
                 str(results[-1]), "--name", recipe, "--no-progress")
        tsqa("report", *map(str, results), "--json", str(args.out / f"report-{fresh.name}.json"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
