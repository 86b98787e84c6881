"""Throughput of the data layer: questions per second for generation, writing, loading and plot rendering.

Run: `OMP_NUM_THREADS=1 .venv/bin/python benchmarks/data.py [--n 10000]`. The target is 10,000 questions generated
(no images) in under 2 minutes on a 2-core machine.
"""

import argparse
import tempfile
import time
from itertools import islice

from tsqa.arfbench.loader import load_dataset
from tsqa.arfbench.plot import png_bytes
from tsqa.arfbench.synth import generate_questions
from tsqa.arfbench.writer import write_dataset


def _rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<28} {count:>6} questions in {seconds:7.2f} s = {count / seconds:8.1f} questions/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="questions to generate")
    parser.add_argument("--io-n", type=int, default=2_000, help="questions to write and load back")
    parser.add_argument("--render-n", type=int, default=100, help="questions to render")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    count = sum(1 for _ in generate_questions(args.n, args.seed, progress=True))
    _rate("generate (no images)", count, time.perf_counter() - start)

    samples = [g.sample for g in generate_questions(max(args.io_n, args.render_n), args.seed)]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        write_dataset(samples[: args.io_n], out, images=False)
        _rate("write (parquet + csv)", args.io_n, time.perf_counter() - start)
        start = time.perf_counter()
        loaded = load_dataset(out)
        _rate("load (csv + parquet)", len(loaded), time.perf_counter() - start)

    start = time.perf_counter()
    for sample in islice(samples, args.render_n):
        png_bytes(sample.series)
    _rate("render (one PNG per question)", args.render_n, time.perf_counter() - start)


if __name__ == "__main__":
    main()
