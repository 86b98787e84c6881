"""Plot throughput: PNG/s of the full matplotlib draw the package used before vs the painted chart now, and plots drawn
per unique chart when the VLM's images are made (`bridges.images.question_images`) for an ARFBench-shaped question set
(750 questions over 142 series, a fifth of them about one of 30 pairs).

Charts are the synthetic generator's questions at the size the dataset writer and `tsqa ask` use (960x320, pairs
960x560). Both rates are given per wall-clock second and per CPU second of this process (the machine may be shared).
"Cold" is a fresh painter (its figures, shaped strings and glyph bitmaps all new); "warm" is the next charts, unseen
but after that warm-up. Also printed: how far the painted pixels are from the full draw's on the "before" charts.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/plots.py [--n 200] [--before-n 40]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from tsqa.arfbench.plot import draw_chart, png_bytes
from tsqa.arfbench.synth import generate_questions
from tsqa.bridges.images import plot_cache, question_images, reset_plot_cache

from shaped import arfbench_shaped, unique_charts, unique_series  # noqa: E402  (beside this script)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "arfbench"))
from reference_plot import reference_pixels, reference_png  # noqa: E402  (the old renderer lives with the tests)


def _rate(label: str, draw, groups: list) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    for group in groups:
        draw(group)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rates = f"{len(groups) / wall:6.1f} PNG/s wall  {len(groups) / cpu:6.1f} PNG/s cpu"
    print(f"{label:<31} {len(groups):>4} PNGs  {rates}")
    return len(groups) / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="charts for the painted rates")
    parser.add_argument("--before-n", type=int, default=40, help="charts for the full-draw rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    samples = [g.sample for g in generate_questions(2 * args.n + 200, args.seed)]
    groups = [s.series[0] if len(s.series) == 1 else s.series for s in samples]
    pairs = sum(len(s.series) == 2 for s in samples[: args.n])
    print(f"charts: synthetic questions, {pairs}/{args.n} pairs, 960x320 (pairs 960x560)")
    before = _rate("before: full Figure draw + PIL", reference_png, groups[: args.before_n])
    _rate("after: painted (cold)", png_bytes, groups[args.n : args.n + 20])
    after = _rate("after: painted (warm, unseen)", png_bytes, groups[: args.n])
    print(f"speed-up (cpu): {after / before:.1f}x")

    worst_mean, differing = 0.0, 0
    for group in groups[: args.before_n]:
        difference = np.abs(reference_pixels(group).astype(np.int16) - draw_chart(group)[0].astype(np.int16))
        worst_mean, differing = max(worst_mean, float(difference.mean())), differing + int(difference.any(axis=2).sum())
    print(f"pixels vs the full draw, {args.before_n} charts: largest mean |difference| {worst_mean:.4f} (0..255), "
          f"{differing} pixels differ in all")  # fmt: skip

    shaped = arfbench_shaped(seed=args.seed)
    distinct = unique_charts(shaped)
    reset_plot_cache()
    cache = plot_cache()
    start = time.perf_counter()
    for question in shaped:
        question_images(question)
    seconds = time.perf_counter() - start
    print(f"ARFBench-shaped: {len(shaped)} questions, {unique_series(shaped)} series, {distinct} distinct charts "
          f"(singles and pairs); {cache.renders} renders, images for all questions in {seconds:.1f} s")  # fmt: skip
    print(f"plots per unique series (a pair counts as one chart): {cache.renders / distinct:.2f}   per question: "
          f"{cache.renders / len(shaped):.2f} (without the cache: 1.00)")  # fmt: skip


if __name__ == "__main__":
    main()
