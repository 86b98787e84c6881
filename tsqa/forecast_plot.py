"""The picture of a forecast: each channel's recent history, then its median and shaded 10-90% band, one panel per
channel. matplotlib's object API on the Agg canvas (no pyplot, no global state, no display)."""

from pathlib import Path

import numpy as np

from tsqa.arfbench.plot import PALETTE
from tsqa.forecasting import SeriesForecast

MAX_PANELS = 8  # channels drawn; the CSV and JSON hold them all
HISTORY_PER_HORIZON = 4  # history shown: this many horizons back (at least 64 steps), so the band stays readable


def plot_forecast(result: SeriesForecast, path: "str | Path") -> Path:
    """Writes a PNG of history plus band to `path` and returns it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = min(len(result.channels), MAX_PANELS)
    figure = Figure(figsize=(9, 1.2 + 1.6 * shown), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    history = result.history
    keep = max(64, HISTORY_PER_HORIZON * len(result.timestamps))
    past_x = history.timestamps[-keep:].astype("datetime64[s]")
    future_x = np.asarray(result.timestamps).astype("datetime64[s]")
    axes = figure.subplots(shown, 1, sharex=True, squeeze=False)[:, 0]
    for i, axis in enumerate(axes):
        color = PALETTE[i % len(PALETTE)]
        axis.plot(past_x, history.values[-keep:, i], color=color, linewidth=1.0, label="history")
        axis.fill_between(future_x, result.forecast.low[i], result.forecast.high[i], color=color, alpha=0.25,
                          linewidth=0, label="10-90% band")
        axis.plot(future_x, result.forecast.median[i], color=color, linewidth=1.2, linestyle="--", label="median")
        axis.set_title(result.channels[i], fontsize=9, loc="left")
        axis.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, loc="upper left")
    hidden = len(result.channels) - shown
    figure.suptitle(f"{result.name}: forecast of {len(result.timestamps)} steps"
                    + (f" ({hidden} more channel(s) in the CSV/JSON)" if hidden else ""), fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
    return path
