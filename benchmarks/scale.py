"""Wide and long series: wall time and peak memory of one question, asked of the bundled demo model.

Three series files are written to a temporary folder: `examples/incident.csv` as it is (370 steps x 4 channels), a
1000-channel x 4096-step metric (a level shift on three channels among 1000 noisy daily cycles) and a 100,000-step x
4-channel one (a spike on one channel). Each question runs in its own child process, through `tsqa ask` and through
`TSQA.ask` in Python, and is measured from outside: wall time, CPU time and peak resident memory (the child's
`ru_maxrss`, from `os.wait4`). The ratio to the incident's wall time of the same run is printed beside each.

`--ranking N` instead measures how well `arfbench.channel_rank` (what picks the channels a wide series is encoded
on) finds the anomalous channels of N synthetic questions (two seeds): per anomaly kind, the share of a series' anomalous
channels among its k top-scoring ones (k = how many are anomalous), beside what a random pick gets.

    nice -n 10 .venv/bin/python benchmarks/scale.py [--channels 1000] [--steps 4096] [--long-steps 100000]
                                                    [--repeat 1] [--only wide long]
                                                    [--entries cli python]
    .venv/bin/python benchmarks/scale.py --ranking 600

Run it against another checkout by putting that checkout first on PYTHONPATH (`tsqa` is imported from there);
`--python` picks the interpreter of the children.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Is there an anomaly in the time-series?"
OPTIONS = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]
PYTHON_ASK = (
    "import sys; from tsqa.api.model import TSQA; "
    "answer = TSQA.from_pretrained(None).ask(sys.argv[1], sys.argv[3], sys.argv[4:], plot=sys.argv[2]); "
    "print('Answer:', answer.answer)"
)


def wide_metric(path: Path, channels: int, steps: int, seed: int = 0) -> None:
    """A (steps, channels) CSV of daily cycles with noise, at 60 s; channels 7, 300 and 901 (those that exist)
    shift up by eight noise widths over the last third."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    base = 50 + 10 * np.sin(2 * np.pi * t / 1440)[:, None] + rng.normal(0, 2, (steps, channels))
    for channel in (7, 300, 901):
        if channel < channels:
            base[2 * steps // 3 :, channel] += 16
    frame = pd.DataFrame(base.astype(np.float32), columns=[f"host:{c:04d}" for c in range(channels)])
    frame.insert(0, "timestamp", 1_700_000_000 + 60 * t)
    frame.to_csv(path, index=False, float_format="%.3f")


def long_metric(path: Path, steps: int, seed: int = 1) -> None:
    """A (steps, 4) CSV at 60 s with a spike on the second channel at 70% of the series."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    base = 100 + 20 * np.sin(2 * np.pi * t / 1440)[:, None] + rng.normal(0, 3, (steps, 4))
    spike = int(0.7 * steps)
    base[spike : spike + 30, 1] += 60
    frame = pd.DataFrame(base, columns=["dc:ap1", "dc:eu1", "dc:us1", "dc:us5"])
    frame.insert(0, "timestamp", 1_700_000_000 + 60 * t)
    frame.to_csv(path, index=False, float_format="%.3f")


def ranking_recall(n: int, seed: int) -> None:
    """Recall at k of the channel ranking on the anomalous series (4+ channels, at most half anomalous) of `n`
    synthetic questions, per anomaly kind."""
    from collections import defaultdict

    from tsqa.arfbench.channel_rank import channel_scores
    from tsqa.arfbench.synth import generate_questions

    found, chance = defaultdict(list), defaultdict(list)
    for generated in generate_questions(n, seed):
        for series, meta in zip(generated.sample.series, generated.sample.meta["series"]):
            anomaly = meta.get("anomaly")
            if not anomaly or len(series.channels) < 4 or 2 * len(anomaly["channels"]) > len(series.channels):
                continue
            truth = {series.channels.index(name) for name in anomaly["channels"]}
            top = np.argsort(-channel_scores(series.values), kind="stable")[: len(truth)]
            found[anomaly["kind"]].append(len(truth & set(top.tolist())) / len(truth))
            chance[anomaly["kind"]].append(len(truth) / len(series.channels))
    print(f"channel ranking, {n} synthetic questions (seed {seed}): recall at k, k = anomalous channels of a series")
    for kind in sorted(found):
        hits = np.array(found[kind])
        print(f"{kind:<22} {len(hits):4d} series  {hits.mean():.3f} ± {hits.std(ddof=1) / np.sqrt(len(hits)):.3f}  "
              f"random {np.mean(chance[kind]):.3f}")


def measure(command: list[str], env: dict) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS GiB, last output line) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed:\n{output[-2000:]}")
    answer = next((line for line in output.splitlines() if line.startswith("Answer:")), "")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20, answer.removeprefix("Answer:").strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=4096)
    parser.add_argument("--long-steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest wall time is kept")
    parser.add_argument("--only", nargs="+", choices=["wide", "long"], default=["wide", "long"],
                        help="cases besides the incident (always run: the reference)")
    parser.add_argument("--entries", nargs="+", choices=["cli", "python"], default=["cli", "python"],
                        help="ask through `tsqa ask`, `TSQA.ask` or both")
    parser.add_argument("--ranking", type=int, metavar="N", help="measure the channel ranking on N questions instead")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the children")
    args = parser.parse_args()
    if args.ranking:
        for seed in (5, 6):
            ranking_recall(args.ranking, seed)
        return

    env = dict(os.environ, PYTHONWARNINGS="ignore")
    tsqa = [args.python, "-m", "tsqa", "ask"]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tsqa-scale-") as folder:
        folder = Path(folder)
        files = {"incident": ROOT / "examples" / "incident.csv"}
        if "wide" in args.only:
            files["wide"] = folder / f"wide-{args.channels}x{args.steps}.csv"
            wide_metric(files["wide"], args.channels, args.steps)
        if "long" in args.only:
            files["long"] = folder / f"long-{args.long_steps}x4.csv"
            long_metric(files["long"], args.long_steps)
        shapes = {"incident": "370 x 4", "wide": f"{args.steps} x {args.channels}", "long": f"{args.long_steps} x 4"}
        print(f"load average {load:.1f} at the start; {os.cpu_count()} cores; python {args.python}")
        print(f"{'case':<9} {'steps x channels':>17} {'entry':>7} {'wall s':>7} {'cpu s':>7} {'peak GiB':>9} "
              f"{'x incident':>10}  answer")
        reference: dict[str, float] = {}
        for case in ["incident", *[c for c in ("wide", "long") if c in args.only]]:
            path = str(files[case])
            for entry, command in (
                ("cli", [*tsqa, "--series", path, "--plot", str(folder / f"{case}-cli.png"), "--question", QUESTION,
                         "--options", *OPTIONS]),
                ("python", [args.python, "-c", PYTHON_ASK, path, str(folder / f"{case}-python.png"), QUESTION,
                            *OPTIONS]),
            ):
                if entry not in args.entries:
                    continue
                runs = [measure(command, env) for _ in range(args.repeat)]
                wall, cpu, peak, answer = min(runs, key=lambda run: run[0])
                reference.setdefault(entry, wall)
                ratio = wall / reference[entry]
                print(f"{case:<9} {shapes[case]:>17} {entry:>7} {wall:7.1f} {cpu:7.1f} {max(r[2] for r in runs):9.2f} "
                      f"{ratio:10.2f}  {answer[:60]}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
