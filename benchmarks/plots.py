"""Plot cost: the first chart of a fresh process (what a one-shot `tsqa ask` pays), PNG/s with a new matplotlib
figure per chart vs the figures `arfbench.plot` reuses per layout, and plots drawn per unique chart when the VLM's
images are made (`bridges.images.question_images`) for an ARFBench-shaped question set (750 questions over 142
series, a fifth of them about one of 30 pairs).

Charts are the synthetic generator's questions at the size the dataset writer and `tsqa ask` use (960x320, pairs
960x560). Rates are given per wall-clock second and per CPU second of this process (the machine may be shared).
"Cold" runs in a new Python process: importing `arfbench.plot`, then its first chart (figure made, fonts loaded).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/plots.py [--n 200] [--fresh-n 40] [--cold 3]
"""

import argparse
import subprocess
import sys
import time

from PIL import Image

from tsqa.arfbench.plot import Chart, as_group, chart_options, chart_panels, encode_png, png_bytes
from tsqa.arfbench.synth import generate_questions
from tsqa.bridges.images import plot_cache, question_images, reset_plot_cache

from shaped import arfbench_shaped, unique_charts, unique_series  # beside this script

_COLD = """
import time
wall, cpu = time.perf_counter(), time.process_time()
from tsqa.arfbench.synth import generate_questions
series = next(generate_questions(1, 0)).sample.series[0]
imported = time.perf_counter() - wall, time.process_time() - cpu
wall, cpu = time.perf_counter(), time.process_time()
png_bytes(series)
print(*imported, time.perf_counter() - wall, time.process_time() - cpu)
"""


def fresh_png(series) -> bytes:
    """The chart on a figure made for it alone."""
    group = as_group(series)
    options = chart_options(group)
    chart = Chart(len(group), options["width_px"], options["height_px"])
    return encode_png(Image.fromarray(chart.draw(chart_panels(group, options))[:, :, :3]))


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
    parser.add_argument("--n", type=int, default=200, help="charts for the reused-figure rate")
    parser.add_argument("--fresh-n", type=int, default=40, help="charts for the new-figure-per-chart rate")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes for the first-chart time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    for _ in range(args.cold):
        timed = subprocess.run([sys.executable, "-c", _COLD], capture_output=True, text=True, check=True)
        import_wall, import_cpu, wall, cpu = map(float, timed.stdout.split())
        print(f"cold process: import {import_wall:.2f} s wall {import_cpu:.2f} s cpu; "
              f"first chart {1000 * wall:.0f} ms wall {1000 * cpu:.0f} ms cpu")  # fmt: skip

    samples = [g.sample for g in generate_questions(args.n + args.fresh_n, args.seed)]
    groups = [s.series[0] if len(s.series) == 1 else s.series for s in samples]
    pairs = sum(len(s.series) == 2 for s in samples[: args.n])
    print(f"charts: synthetic questions, {pairs}/{args.n} pairs, 960x320 (pairs 960x560)")
    fresh = _rate("a new figure per chart", fresh_png, groups[args.n :])
    reused = _rate("figures reused per layout", png_bytes, groups[: args.n])
    print(f"reuse speed-up (cpu): {reused / fresh:.1f}x")

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
