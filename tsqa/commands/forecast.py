"""`tsqa forecast`: the median and 10-90% band of every channel of a metric file, `--horizon` steps ahead, from any
Toto 2.0 (the bundled small one by default)."""

import argparse
import json
from pathlib import Path

HELP = "forecast a metric file with Toto 2.0: median and 10-90%% band per channel, as a table, CSV/JSON and a plot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--series", required=True, metavar="FILE",
                        help="CSV (timestamp column + one column per channel, or epoch,group,value) or parquet")
    parser.add_argument("--horizon", required=True, type=int, metavar="N", help="steps to forecast (the file's interval)")
    parser.add_argument("--model", help="a Toto 2.0 Hub id (e.g. Datadog/Toto-2.0-22m) or a folder with config.json "
                                        "and model.safetensors (default: the bundled small Toto)")
    parser.add_argument("--out", metavar="FILE.csv", help="write the forecast as CSV (timestamp, channel, median, low, "
                                                          "high); default: <series stem>.forecast.csv beside it")
    parser.add_argument("--plot", metavar="FILE.png", help="the plot of history and band (default: beside --out)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--context", type=int, default=4096, metavar="STEPS",
                        help="at most this many recent steps are read (default 4096)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")


def run(args: argparse.Namespace) -> int:
    if args.horizon <= 0:
        raise ValueError(f"--horizon: expected a positive number of steps, got {args.horizon}")
    if args.context <= 0:
        raise ValueError(f"--context: expected a positive number of steps, got {args.context}")
    from tsqa.forecast_plot import plot_forecast
    from tsqa.forecasting import forecast_series, load_forecaster

    series = Path(args.series)
    result = forecast_series(load_forecaster(args.model, args.device), series, args.horizon, args.context)
    out = Path(args.out) if args.out else series.with_name(f"{series.stem}.forecast.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result.to_csv(), encoding="utf-8")
    plot = plot_forecast(result, Path(args.plot) if args.plot else out.with_suffix(".png"))
    if args.json:
        print(json.dumps(result.to_json() | {"csv": str(out), "plot": str(plot)}, allow_nan=False))
        return 0
    print("\n".join(summary_lines(result)))
    print(f"CSV: {out}\nPlot: {plot}")
    return 0


def summary_lines(result) -> list[str]:
    """Per channel: the median and band at the first, middle and last forecast step."""
    stamps = result.timestamps.astype("datetime64[s]").astype(str)
    picks = sorted({0, len(stamps) // 2, len(stamps) - 1})
    lines = [f"{result.name}: {len(stamps)} steps from {stamps[0]} to {stamps[-1]} (median [10% .. 90%])"]
    for i, channel in enumerate(result.channels):
        cells = [f"{stamps[t]} {result.forecast.median[i, t]:.4g} [{result.forecast.low[i, t]:.4g} .. "
                 f"{result.forecast.high[i, t]:.4g}]" for t in picks]
        lines.append(f"  {channel}: " + "; ".join(cells))
    return lines
