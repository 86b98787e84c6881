"""A user's forecast: a metric file (or frame, array, `Series`) and a horizon in, the median and 10-90% band of each
channel out, on the series' own time grid. Shared by `tsqa forecast`, `TSQA.forecast` and the server's
`POST /v1/forecast`."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tsqa.arfbench.schema import Series
from tsqa.arfbench.exports import load_series

if TYPE_CHECKING:
    from toto2 import Toto2Model

    from tsqa.encoders.forecast import Forecast

# The bundled forecaster: the small Toto 2.0 pretrained on metrics (recipes/README.md, "A Toto that has learned").
BUNDLED_TOTO = Path(__file__).parent / "toto_small"
CSV_COLUMNS = ("timestamp", "channel", "median", "low", "high")


@dataclass
class SeriesForecast:
    """The forecast of one series: timestamps continue its grid; each quantile array is (channels, horizon)."""

    name: str
    channels: list[str]
    timestamps: np.ndarray  # (horizon,) int64 unix seconds
    forecast: "Forecast"
    history: Series

    def to_json(self) -> dict:
        """Plain JSON: one entry per channel, lists of floats (always finite: the model caps its quantiles)."""
        return {
            "series": self.name,
            "horizon": int(len(self.timestamps)),
            "interval": int(self.history.interval),
            "timestamps": [int(t) for t in self.timestamps],
            "quantiles": {"low": 0.1, "median": 0.5, "high": 0.9},
            "channels": [
                {"channel": name, "median": _floats(self.forecast.median[i]), "low": _floats(self.forecast.low[i]),
                 "high": _floats(self.forecast.high[i])}
                for i, name in enumerate(self.channels)
            ],
        }

    def to_csv(self) -> str:
        """Long format, one row per step and channel: timestamp (ISO 8601 UTC), channel, median, low, high."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        stamps = np.asarray(self.timestamps, dtype="datetime64[s]").astype(str)
        for i, name in enumerate(self.channels):
            for t, stamp in enumerate(stamps):
                writer.writerow([f"{stamp}Z", name, *(repr(float(q[i, t])) for q in
                                                      (self.forecast.median, self.forecast.low, self.forecast.high))])
        return out.getvalue()


def load_forecaster(path_or_id: "str | Path | None" = None, device: str = "cpu") -> "Toto2Model":
    """Any Toto 2.0: a Hub id (`Datadog/Toto-2.0-22m`), a folder with config.json + model.safetensors, or None for
    the bundled one. Read through `TotoEncoder.from_pretrained`, which checks the folder first."""
    from tsqa.encoders.toto import TotoEncoder

    return TotoEncoder.from_pretrained(BUNDLED_TOTO if path_or_id is None else path_or_id, device=device).model


def forecast_series(model: "Toto2Model", series: "str | Path | Series | object", horizon: int,
                    max_context: int = 4096) -> SeriesForecast:
    """The next `horizon` steps of every channel of `series` (any form `load_series` reads)."""
    from tsqa.encoders.forecast import forecast_values

    loaded = load_series(series, name=Path(series).stem if isinstance(series, (str, Path)) else "series")
    values = loaded.values.T  # (channels, time)
    forecast = forecast_values(model, values, horizon, max_context=max_context, channels=loaded.channels)
    last = int(loaded.timestamps[-1]) if len(loaded.timestamps) else 0
    timestamps = last + loaded.interval * np.arange(1, horizon + 1, dtype=np.int64)
    return SeriesForecast(loaded.name, list(loaded.channels), timestamps, forecast, loaded)


def _floats(row: np.ndarray) -> list[float]:
    return [float(v) for v in row]
