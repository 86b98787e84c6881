"""Encoder throughput and peak memory: random Toto 2.0 models shaped like 4m and 22m, batched vs one by one.

    .venv/bin/python benchmarks/encoder.py --quick          # a few minutes on a 2-core CPU
    .venv/bin/python benchmarks/encoder.py --device cuda    # the full grid

Peak memory includes the model and everything already allocated: on CPU the process's peak resident set during the
measurement (Linux resets the peak through /proc/self/clear_refs; elsewhere it is the lifetime peak), on CUDA
torch.cuda.max_memory_allocated. Timings on a shared machine vary from run to run; compare rows of one run.
"""

import argparse
import resource
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch

from tsqa.encoders.toto import TotoEncoder
from tsqa.factories.tiny_toto import published_toto_config, random_toto, tiny_toto_config

# "4m": shaped like Toto-2.0-4m (patch 32, width 256, 4 layers); heads and layer grouping are guesses (4, 2 + 2)
TOTO_4M_LIKE = dict(patch_size=32, d_model=256, num_heads=4, num_layers=4, layer_group_size=2)
CONFIGS = {
    "4m": partial(tiny_toto_config, **TOTO_4M_LIKE),
    "22m": partial(published_toto_config, "Datadog/Toto-2.0-22m"),
}
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


class PeakMemory:
    """Peak memory in MiB during a `with` block: process resident set on CPU, allocated tensors on CUDA."""

    def __init__(self, device: torch.device):
        self.device = device
        self.mib = float("nan")

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            self._resettable = _reset_peak_rss()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.mib = torch.cuda.max_memory_allocated(self.device) / 2**20
        elif self._resettable:
            self.mib = _status_kib("VmHWM") / 1024
        else:
            self.mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux; lifetime peak


def _reset_peak_rss() -> bool:
    """Linux: set the recorded peak resident set back to the current one."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def random_walks(count: int, channels: int, time_steps: int, seed: int = 0) -> np.ndarray:
    """(count, channels, time) metric-like random walks with 2% of steps missing."""
    rng = np.random.default_rng(seed)
    walks = rng.standard_normal((count, channels, time_steps)).cumsum(axis=-1)
    walks += rng.uniform(0, 100, (count, channels, 1))
    walks[rng.random(walks.shape) < 0.02] = np.nan
    return walks


def measure(encoder: TotoEncoder, series: np.ndarray, batched: bool, repeats: int) -> tuple[float, float]:
    """Best series per second over `repeats` runs after one warm-up, and the peak MiB of the timed runs."""
    inputs = [series] if batched else list(series)
    for values in inputs:  # warm-up: allocator pools, kernel selection for these shapes
        encoder.encode(values)
    best = float("inf")
    with PeakMemory(encoder.device) as peak:
        for _ in range(repeats):
            start = time.perf_counter()
            for values in inputs:
                encoder.encode(values)
            if encoder.device.type == "cuda":
                torch.cuda.synchronize(encoder.device)
            best = min(best, time.perf_counter() - start)
    return len(series) / best, peak.mib


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=sorted(CONFIGS), default=["4m", "22m"])
    parser.add_argument("--times", nargs="+", type=int, default=[512, 2048, 8192], help="input steps per series")
    parser.add_argument("--channels", nargs="+", type=int, default=[1, 16, 128])
    parser.add_argument("--series", type=int, default=8, help="series per measurement (the batch size)")
    parser.add_argument("--max-context", type=int, default=4096, help="longer series are bucketed to this")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per row; the fastest is reported")
    parser.add_argument("--quick", action="store_true", help="4m only, times 512 2048, channels 1 16, 4 series, 2 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.times, args.channels, args.series, args.repeats = ["4m"], [512, 2048], [1, 16], 4, 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = torch.device(args.device)
    threads = torch.get_num_threads()
    print(f"device {device}, dtype {args.dtype}, {threads} CPU threads, {args.series} series per measurement")
    header = f"{'model':>5} {'time':>6} {'grid':>5} {'channels':>8} {'mode':>10} {'series/s':>10} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    for name in args.models:
        model = random_toto(CONFIGS[name]()).to(device=device, dtype=DTYPES[args.dtype])
        encoder = TotoEncoder(model, name=f"random-{name}", max_context=args.max_context)
        for time_steps in args.times:
            grid = min(time_steps, args.max_context)
            for channels in args.channels:
                series = random_walks(args.series, channels, time_steps)
                for batched in (True, False):
                    rate, mib = measure(encoder, series, batched, args.repeats)
                    mode = "batched" if batched else "one-by-one"
                    print(f"{name:>5} {time_steps:>6} {grid:>5} {channels:>8} {mode:>10} {rate:>10.2f} {mib:>9.1f}")
                    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
