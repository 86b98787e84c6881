"""Two answerers on the same questions: the difference in accuracy and F1 (A minus B) with paired standard errors.

    python scripts/paired_diff.py results/A-set1.csv results/A-set2.csv --vs results/B-set1.csv results/B-set2.csv

Two runs scored on the same questions share each question's difficulty, so their difference is far more certain than
either score's own standard error suggests (the demo's two training seeds, 40.9 and 42.0 ± 1.2 on the 1,600 shifted
questions, differ by -1.1 ± 0.6).
Questions are matched by run and `sample_id` within each file pair (the same file order on both sides); accuracy's
standard error is that of the mean per-question difference (over the questions both sides scored), F1's comes from a
bootstrap that resamples the matched questions (within each category, the overall F1 re-weighted as ARFBench does)
and scores both answerers on each resample.
"""

import argparse
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_table import f1_scores, sample_std  # noqa: E402

from tsqa.arfbench.categories import CATEGORIES  # noqa: E402
from tsqa.eval.results import ResultRow, read_results  # noqa: E402


def _keyed(rows: list[ResultRow], path: str) -> dict[tuple, ResultRow]:
    """Rows by (run, sample_id); a row without a sample_id or a question twice in one run is refused."""
    keyed = {}
    for row in rows:
        key = (row.run, row.sample_id)
        if row.sample_id is None:
            raise SystemExit(f"{path}: a row without a sample_id; rows are paired by run and sample_id")
        if key in keyed:
            raise SystemExit(f"{path}: question {row.sample_id!r} twice in run {row.run}; rows are paired by run and "
                             "sample_id")
        keyed[key] = row
    return keyed


def matched(first: list[str], second: list[str]) -> list[tuple[ResultRow, ResultRow]]:
    """Rows of the same questions (and run), pairwise over the files; a question on one side only is refused."""
    pairs = []
    for path_a, path_b in zip(first, second, strict=True):
        rows_a, rows_b = _keyed(read_results(path_a), path_a), _keyed(read_results(path_b), path_b)
        if rows_a.keys() != rows_b.keys():
            odd = sorted(rows_a.keys() ^ rows_b.keys(), key=str)[0]
            raise SystemExit(f"{path_a} and {path_b} do not hold the same questions (run {odd[0]}, sample_id "
                             f"{odd[1]!r} is in one only)")
        pairs += [(row, rows_b[key]) for key, row in rows_a.items()]
    return pairs


def paired_difference(pairs: list[tuple[ResultRow, ResultRow]], resamples: int, seed: int = 0) -> dict[str, float]:
    """Accuracy and F1 differences (percentage points, A - B) and their standard errors."""
    diffs = [a.is_correct - b.is_correct for a, b in pairs if a.is_correct is not None and b.is_correct is not None]
    if not diffs:
        raise SystemExit("no question has is_correct on both sides: nothing to compare")
    mean = sum(diffs) / len(diffs)
    accuracy_se = sample_std(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("nan")
    categories = [c for c in CATEGORIES if any(a.task_category == c for a, _ in pairs)]

    def f1_difference(some: list[tuple[ResultRow, ResultRow]]) -> float:
        return (f1_scores([a for a, _ in some], categories)["overall"]
                - f1_scores([b for _, b in some], categories)["overall"])

    rng = random.Random(seed)
    groups = [[p for p in pairs if p[0].task_category == c] for c in categories]
    draws = [f1_difference([pair for group in groups for pair in rng.choices(group, k=len(group))])
             for _ in range(resamples)]
    return {"n": len(diffs), "accuracy": 100 * mean, "accuracy_se": 100 * accuracy_se, "f1": f1_difference(pairs),
            "f1_se": sample_std(draws) if resamples >= 2 else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="A's results files")
    parser.add_argument("--vs", nargs="+", required=True, help="B's results files, in the same order")
    parser.add_argument("--bootstrap", type=int, default=300, help="resamples for F1's standard error")
    args = parser.parse_args()
    if len(args.results) != len(args.vs):
        parser.error(f"{len(args.results)} files for A but {len(args.vs)} for B; give one B file per A file")
    if args.bootstrap < 2:
        parser.error(f"--bootstrap takes at least 2 resamples, got {args.bootstrap}")
    d = paired_difference(matched(args.results, args.vs), args.bootstrap)
    print(f"n {d['n']}: accuracy {d['accuracy']:+.1f} ± {d['accuracy_se']:.1f}, F1 {d['f1']:+.1f} ± {d['f1_se']:.1f} "
          "(A - B, percentage points)")


if __name__ == "__main__":
    main()
