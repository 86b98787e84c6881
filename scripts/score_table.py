"""Accuracy and F1 per category with standard errors, for results files pooled by model name.

    python scripts/score_table.py results/seed1/*.csv results/seed2/*.csv [--bootstrap 300]

Rows of the same model from several files (e.g. two test seeds) are pooled; random and most-frequent are computed
on the first model's questions, as `tsqa report` does. Accuracy's standard error is sqrt(p (1 - p) / n); F1's comes
from a bootstrap over questions (resampled within each category, the overall F1 re-weighted as ARFBench does).
Prints one markdown table: a row per category and overall, a column per model, cells "accuracy ± se / F1 ± se".
"""

import argparse
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # noqa: E402  run from a checkout without installing

from tsqa.arfbench.categories import CATEGORIES  # noqa: E402
from tsqa.eval.baselines import baseline_tables  # noqa: E402
from tsqa.eval.metrics import category_f1, f1_breakdown, split_by_model  # noqa: E402
from tsqa.eval.results import read_results  # noqa: E402


def _accuracy(rows) -> tuple[float, float]:
    p = sum(r.is_correct for r in rows) / len(rows)
    return 100 * p, 100 * math.sqrt(p * (1 - p) / len(rows))


def f1_scores(rows, categories: list[str]) -> dict[str, float]:
    scores = category_f1(rows, 0)
    overall = f1_breakdown(scores).overall
    return {**{c: 100 * scores[c].f1 for c in categories if c in scores}, "overall": overall}


def _bootstrap_se(rows, categories: list[str], resamples: int, rng: random.Random) -> dict[str, float]:
    by_category = {c: [r for r in rows if r.task_category == c] for c in categories}
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        sample = [row for group in by_category.values() for row in rng.choices(group, k=len(group))]
        for key, value in f1_scores(sample, categories).items():
            draws.setdefault(key, []).append(value)
    return {key: sample_std(values) for key, values in draws.items()}


def sample_std(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--bootstrap", type=int, default=300, help="resamples for F1's standard error (0: none)")
    args = parser.parse_args()
    if args.bootstrap < 0 or args.bootstrap == 1:
        parser.error(f"--bootstrap takes 0 (no F1 standard error) or at least 2 resamples, got {args.bootstrap}")
    tables: dict[str, list] = {}
    for path in args.results:
        for model, rows in split_by_model(read_results(path)).items():
            tables.setdefault(model, []).extend(r for r in rows if r.run == 1)
    first = next(iter(tables.values()))
    tables = {**baseline_tables(first), **tables}
    seen = {r.task_category for r in first}
    categories = [c for c in CATEGORIES if c in seen]
    rng = random.Random(0)
    columns = {}
    for model, rows in tables.items():
        f1, se = f1_scores(rows, categories), _bootstrap_se(rows, categories, args.bootstrap, rng)
        cells = {}
        for key in [*categories, "overall"]:
            chosen = rows if key == "overall" else [r for r in rows if r.task_category == key]
            acc, acc_se = _accuracy(chosen)
            f1_se = f" ± {se[key]:.1f}" if key in se else ""  # --bootstrap 0: no F1 standard error
            cells[key] = f"{acc:.1f} ± {acc_se:.1f} / {f1[key]:.1f}{f1_se}"
        columns[model] = cells
    counts = {c: sum(r.task_category == c for r in first) for c in categories}
    print("| | n | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for key in ["overall", *categories]:
        n = len(first) if key == "overall" else counts[key]
        name = "all" if key == "overall" else key.removeprefix("Anomaly ")
        print(f"| {name} | {n} | " + " | ".join(cells[key] for cells in columns.values()) + " |")


if __name__ == "__main__":
    main()
