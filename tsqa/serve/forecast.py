"""`POST /v1/forecast`, the server's one route outside OpenAI's API: `{"time_series": {...}, "horizon": N}` in (the
series as in a chat request's `time_series` part), the forecast's JSON (`SeriesForecast.to_json`) out.

Forecasts run in the connection's thread, one at a time (a lock), with the bundled small Toto unless the server
was started with another (`tsqa serve --forecaster`), loaded at the first forecast; they never wait behind the
answering model's queue."""

import threading
from dataclasses import dataclass, field

from tsqa.arfbench.schema import Series
from tsqa.serve.errors import APIError, bad_request, shown
from tsqa.serve.limits import Limits
from tsqa.serve.parts import decode_series

FORECAST_PATH = "/v1/forecast"


def parse_forecast_request(body: object, limits: Limits) -> tuple[Series, int]:
    """(series, horizon) from a request body, refused with a 400 naming the field."""
    from tsqa.encoders.forecast import MAX_HORIZON

    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object with time_series and horizon")
    unknown = sorted(set(body) - {"time_series", "horizon"})
    if unknown:
        raise bad_request(f"unknown field(s) {', '.join(unknown)}; expected time_series and horizon")
    horizon = body.get("horizon")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 0 < horizon <= MAX_HORIZON:
        raise bad_request(f"horizon: expected a whole number of steps from 1 to {MAX_HORIZON}, got {shown(horizon)}",
                          "invalid_horizon")
    return decode_series(body.get("time_series"), "time_series", "series", limits), horizon


@dataclass
class Forecaster:
    """Forecasts for the server: one Toto 2.0, loaded once, behind a lock (one forward at a time on its device)."""

    model: str | None = None  # a Toto 2.0 Hub id or folder; None: the bundled small Toto
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: object = None

    def __call__(self, series: Series, horizon: int) -> dict:
        from tsqa.forecasting import forecast_series, load_forecaster

        with self.lock:
            if self.loaded is None:
                self.loaded = load_forecaster(self.model)
            try:
                return forecast_series(self.loaded, series, horizon).to_json()
            except ValueError as error:
                raise APIError(400, f"cannot forecast this series: {error}", "unforecastable") from None
