"""The forecast table of recipes/README.md: trained Toto against the random Toto of the same shape, seasonal naive
and last value, on held-out real series (scripts/toto_pretraining_data.py) at three horizons.

Each held-out series gives `--windows` forecast origins spread over its length; each forecast reads at most
`--context` steps before its origin. Scores are per channel and window (`eval.forecast_metrics`): MASE and the scaled
quantile loss (SQL, the CRPS approximation over the 10/50/90% quantiles in MASE's units), aggregated by geometric
mean over channel-windows; channels whose history never changes (no scale) are left out.
Seasons: one day (288 steps) on JumpStarter's 5-minute data, one hour (60 steps) on Nezha's 1-minute data (its days
hold about 20 hours).

    python scripts/forecast_table.py --model tsqa/toto_small --data /tmp/toto-data/held_out.npz
"""

import argparse

import numpy as np

from tsqa.encoders.forecast import forecast_values
from tsqa.factories.tiny_toto import random_toto
from tsqa.eval.forecast_metrics import geometric_mean, mase, scaled_quantile_loss, seasonal_scale
from tsqa.forecasting import load_forecaster

LEVELS = np.array([0.1, 0.5, 0.9])
SEASONS = {"jumpstarter": 288, "nezha": 60}


def naive_quantiles(history: np.ndarray, horizon: int, lag: int) -> np.ndarray:
    """(3, horizon): a point forecast (all quantiles equal) repeating the value `lag` steps back, periodically."""
    lag = min(lag, len(history))
    point = np.resize(history[-lag:], horizon) if lag > 1 else np.full(horizon, history[-1])
    return np.repeat(point[None], 3, axis=0)


def score(data: dict, models: dict, horizons: list[int], windows: int, context: int, max_series: int) -> dict:
    """{(method, horizon): (MASE, SQL, channel-windows)}, geometric means."""
    results: dict = {}
    names = sorted(data)[:: max(1, len(data) // max_series)][:max_series]
    for name in names:
        values = data[name].astype(np.float64)  # (channels, time)
        season = SEASONS[name.split("/")[0]]
        for horizon in horizons:
            first, last = min(context, values.shape[1] // 2), values.shape[1] - horizon
            if last <= first:
                continue
            for origin in np.linspace(first, last, windows).astype(int):
                history, future = values[:, max(0, origin - context) : origin], values[:, origin : origin + horizon]
                keep = np.isfinite(history).any(axis=1) & np.isfinite(future).all(axis=1)
                if not keep.any():
                    continue
                history, future = history[keep], future[keep]
                forecasts = {m: _stack(forecast_values(model, history, horizon)) for m, model in models.items()}
                for c in range(len(history)):
                    finite = history[c][np.isfinite(history[c])]
                    if len(finite) == 0:
                        continue
                    candidates = {"seasonal naive": naive_quantiles(finite, horizon, season),
                                  "last value": naive_quantiles(finite, horizon, 1),
                                  **{m: f[:, c] for m, f in forecasts.items()}}
                    scale = seasonal_scale(finite, season)
                    if not np.isfinite(scale):
                        continue
                    for method, quantiles in candidates.items():
                        entry = results.setdefault((method, horizon), ([], []))
                        entry[0].append(mase(future[c], quantiles[1], scale))
                        entry[1].append(scaled_quantile_loss(future[c], quantiles, LEVELS, scale))
    return {key: (geometric_mean(m), geometric_mean(q), len(m)) for key, (m, q) in results.items()}


def _stack(forecast) -> np.ndarray:
    return np.stack([forecast.low, forecast.median, forecast.high])  # (3, channels, horizon)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the trained Toto (folder or Hub id)")
    parser.add_argument("--data", required=True, help="held_out.npz from scripts/toto_pretraining_data.py")
    parser.add_argument("--horizons", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--windows", type=int, default=3, help="forecast origins per series and horizon")
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--max-series", type=int, default=30)
    args = parser.parse_args()
    trained = load_forecaster(args.model)
    models = {"Toto, random": random_toto(trained.config, seed=0), "Toto, pretrained": trained}
    with np.load(args.data, allow_pickle=False) as archive:
        data = {name: archive[name] for name in archive.files}
    table = score(data, models, args.horizons, args.windows, args.context, args.max_series)
    methods = ["seasonal naive", "last value", *models]
    print("| method | " + " | ".join(f"MASE h={h} | SQL h={h}" for h in args.horizons) + " |")
    print("|---|" + "---|---|" * len(args.horizons))
    for method in methods:
        cells = [f"{table[method, h][0]:.3f} | {table[method, h][1]:.3f}" for h in args.horizons]
        print(f"| {method} | " + " | ".join(cells) + " |")
    print(f"channel-windows per horizon: {', '.join(str(table[methods[0], h][2]) for h in args.horizons)}")


if __name__ == "__main__":
    main()
