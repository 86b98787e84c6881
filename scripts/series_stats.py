"""How a set of series looks, in figures that tell real metrics from the generator's: noise, quantisation, dropouts,
flat and counter-like channels, steps, daily shape and channel correlation. One markdown row per set.

    python scripts/series_stats.py real-nezha=/work/realbench/nezha/test synthetic=data/synth ...

A set is a dataset in ARFBench's layout (its series, each once) or a folder of CSV series (`tsqa ask`'s formats).
Per channel (medians over channels):
- noise: median |first difference| / median |value| (the step-to-step wiggle relative to the level), in percent;
- distinct: distinct values / observed steps (low: quantised or stuck);
- missing: share of steps without a value; zeros: share of steps at exactly 0;
- flat: share of channels with a single value; counter: share that never decrease and grow;
- jumps: share of steps whose difference exceeds 5 x the median |difference| (steps and spikes);
- daily: autocorrelation at one day's lag, for series covering 3 days or more;
- corr: median |Pearson correlation| between the channels of a series.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from tsqa.arfbench import load_dataset
from tsqa.arfbench.exports.load import load_series

MAX_SERIES = 400


def _series(path: Path) -> list:
    if (path / "arfbench-qa.csv").is_file():
        seen, found = set(), []
        for sample in load_dataset(path, check_images=False):
            for series in sample.series:
                if series.name not in seen:
                    seen.add(series.name)
                    found.append(series)
        return found[:MAX_SERIES]
    return [load_series(p, p.stem) for p in sorted(path.glob("*.csv"))[:MAX_SERIES]]


def _channel(values: np.ndarray, steps_per_day: int) -> dict[str, float]:
    observed = values[~np.isnan(values)]
    out = {"missing": float(np.isnan(values).mean()), "zeros": float((observed == 0).mean()) if len(observed) else 0}
    if len(observed) < 3:
        return out
    diffs = np.diff(observed)
    level = float(np.median(np.abs(observed)))
    typical = float(np.median(np.abs(diffs)))
    out["noise"] = 100 * typical / level if level > 0 else np.nan
    out["distinct"] = len(np.unique(observed)) / len(observed)
    out["flat"] = float(np.ptp(observed) == 0)
    out["counter"] = float((diffs >= 0).all() and diffs.sum() > 0)
    out["jumps"] = float((np.abs(diffs) > 5 * typical).mean()) if typical > 0 else float((diffs != 0).mean())
    if steps_per_day and len(values) >= 3 * steps_per_day and np.nanstd(values) > 0:
        filled = np.where(np.isnan(values), np.nanmean(values), values)
        a, b = filled[:-steps_per_day], filled[steps_per_day:]
        if a.std() > 0 and b.std() > 0:
            out["daily"] = float(np.corrcoef(a, b)[0, 1])
    return out


def stats(series_list: list) -> dict[str, float]:
    rows, corrs = [], []
    for series in series_list:
        per_day = 86400 // series.interval if series.interval else 0
        rows += [_channel(series.values[:, c], per_day) for c in range(series.values.shape[1])]
        filled = series.values[:, np.nanstd(series.values, axis=0) > 0]
        if filled.shape[1] >= 2:
            filled = np.where(np.isnan(filled), np.nanmean(filled, axis=0), filled)
            matrix = np.corrcoef(filled.T)
            corrs.append(float(np.nanmedian(np.abs(matrix[np.triu_indices_from(matrix, 1)]))))
    keys = ["noise", "distinct", "missing", "zeros", "flat", "counter", "jumps", "daily"]
    found = {k: float(np.nanmedian([r[k] for r in rows if k in r])) if any(k in r for r in rows) else np.nan
             for k in keys}
    for k in ("missing", "zeros", "flat", "counter", "jumps"):
        found[k] = float(np.nanmean([r[k] for r in rows if k in r]))  # shares: the mean over channels
    found["corr"] = float(np.nanmedian(corrs)) if corrs else np.nan
    found["series"] = len(series_list)
    found["channels"] = len(rows)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", metavar="NAME=PATH")
    args = parser.parse_args()
    columns = ["series", "channels", "noise", "distinct", "missing", "zeros", "flat", "counter", "jumps", "daily",
               "corr"]
    print("| set | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for item in args.sets:
        name, _, path = item.partition("=")
        found = stats(_series(Path(path)))
        cells = [f"{found[c]:.0f}" if c in ("series", "channels") else
                 f"{found[c]:.1f}%" if c == "noise" else f"{found[c]:.2f}" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
