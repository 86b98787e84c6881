"""Held-out accuracy per category against training step, one line per run, from the runs' `log.jsonl`.

Where a category stays flat while others climb, the limit is what the model can read, not how long it trained:

    python scripts/plot_learning_curves.py out/grounded out/plain --out docs/learning-curves.png
"""

import argparse
import json
from pathlib import Path

from tsqa.arfbench.categories import CATEGORIES


def held_out_curves(run: Path) -> list[dict]:
    """The run's held-out evaluations in order, each with a global step (align steps, then sft steps after them)."""
    log = run / "log.jsonl"
    if not log.is_file():
        raise SystemExit(f"{run}: no log.jsonl (not a tsqa training run)")
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    align_steps = max((e["step"] for e in entries if e["stage"] == "align"), default=0)
    return [
        {**e, "global_step": e["step"] + (align_steps if e["stage"] == "sft" else 0)}
        for e in entries if e["kind"] == "eval"
    ]


def plot(runs: dict[str, list[dict]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = ["overall", *CATEGORIES]
    fig, axes = plt.subplots(3, 3, figsize=(12, 9), sharex=True, sharey=True)
    for ax, panel in zip(axes.flat, panels):
        for name, curve in runs.items():
            steps = [e["global_step"] for e in curve]
            values = [e["accuracy"] if panel == "overall" else e["accuracy_by_category"].get(panel) for e in curve]
            ax.plot(steps, values, marker="o", markersize=3, label=name)
        ax.set_title(panel.removeprefix("Anomaly "), fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_ylim(0, 100)
    for ax in axes[-1]:
        ax.set_xlabel("step (align, then sft)")
    for ax in axes[:, 0]:
        ax.set_ylabel("held-out accuracy (%)")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="training run directories (with log.jsonl)")
    parser.add_argument("--names", nargs="*", help="a label per run (default: the directory names)")
    parser.add_argument("--out", required=True, type=Path, help="the PNG to write")
    args = parser.parse_args()
    names = args.names or [run.name for run in args.runs]
    if len(names) != len(args.runs):
        raise SystemExit(f"{len(names)} names for {len(args.runs)} runs")
    print(plot({name: held_out_curves(run) for name, run in zip(names, args.runs)}, args.out))


if __name__ == "__main__":
    main()
