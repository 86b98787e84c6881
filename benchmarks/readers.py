"""Time and peak memory of the readers of a user's series: a wide CSV (clean and jittered), a long parquet through
the dataset loader's reader, and the refusal of a million-column header.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/readers.py [--steps 4096] [--channels 1000]

Each case runs in a fresh process so its peak memory is its own.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

START = 1_700_000_040  # a multiple of 60


def _write(directory: Path, steps: int, channels: int) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((steps, channels)).round(4)
    names = [f"pod:{i}" for i in range(channels)]
    for label, jitter in (("clean", 0), ("jittered", 5)):
        frame = pd.DataFrame(values, columns=names)
        frame.insert(0, "timestamp", START + 60 * np.arange(steps) + rng.integers(-jitter, jitter + 1, steps))
        frame.to_csv(directory / f"{label}.csv", index=False)
    from tsqa.arfbench.schema import Series
    from tsqa.arfbench.series_io import write_series

    long_steps = 10 * steps // 4
    write_series(Series("long", names, START + 60 * np.arange(long_steps),
                        rng.standard_normal((long_steps, channels)), 60), directory / "long_60.parquet")
    (directory / "wide_header.csv").write_text("timestamp," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n")


def _case(name: str, directory: Path) -> None:
    """One measurement, printed as a line (run in a child process)."""
    from tsqa.arfbench.exports import SeriesTooLarge, load_series
    from tsqa.arfbench.series_io import read_series

    wall, cpu = time.perf_counter(), time.process_time()
    if name == "long parquet (dataset reader)":
        shape = read_series(directory / "long_60.parquet", "long", 60).values.shape
    elif name == "1,000,000-column header":
        try:
            load_series(directory / "wide_header.csv")
        except SeriesTooLarge:
            shape = "refused"
    else:
        series = load_series(directory / f"{name.split()[0]}.csv")
        shape = f"{series.values.shape} {series.repairs}"
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name:32s} {wall:7.2f} s wall {cpu:7.2f} s cpu  peak {peak:6.0f} MiB  {shape}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4096)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case == "write":
        _write(Path(args.dir), args.steps, args.channels)
        return
    if args.case:
        _case(args.case, Path(args.dir))
        return
    with tempfile.TemporaryDirectory() as directory:  # the parent stays small: a child's peak memory starts from it
        sizes = ["--steps", str(args.steps), "--channels", str(args.channels)]
        subprocess.run([sys.executable, __file__, "--case", "write", "--dir", directory, *sizes], check=True)
        print(f"wide CSV: {args.steps} steps x {args.channels} channels; long parquet: {10 * args.steps // 4} steps")
        for case in ("clean wide CSV", "jittered wide CSV", "long parquet (dataset reader)", "1,000,000-column header"):
            subprocess.run([sys.executable, __file__, "--case", case, "--dir", directory], check=True)


if __name__ == "__main__":
    main()
