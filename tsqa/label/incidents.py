"""The incident-labelling page's routes: list the series, send a zoomed view of one, propose a window's direction
and size from the data, and save a series' label or a pair's relation at once.

    GET  /                       the page          GET /static/NAME   its script and style
    GET  /api/state              series names, their labels, the kinds and relations
    GET  /api/series/NAME        ?from=EPOCH&to=EPOCH&points=N: the view, each channel thinned to N points
    POST /api/propose/NAME       {"start", "end", "channels"?, "kind"?} -> direction, magnitude_pct, channels
    PUT  /api/labels/NAME        {"no_anomaly", "windows", "caption"} -> the label as saved
    PUT  /api/pairs              {"series": [A, B], "relation": R or null} -> every pair mark
"""

import numpy as np

from tsqa.arfbench.deviation import propose
from tsqa.arfbench.exports import ExportError
from tsqa.arfbench.incident_labels import KINDS, LABELS_FILE, RELATIONS, LabelsError, check_window, place_window
from tsqa.arfbench.plot import thin
from tsqa.arfbench.schema import Series
from tsqa.label.sources import SeriesSource
from tsqa.label.store import LabelsConflict, LabelStore
from tsqa.label.web import HTTPError, Reply, Request, allow, json_reply, page_reply, plain_name

DEFAULT_POINTS = 1200
MAX_POINTS = 5000
MAX_CELLS = 600_000  # points x channels per view: a series with many channels gets fewer points each


def _status(label: dict | None) -> str:
    if not label:
        return "unlabelled"
    return "no_anomaly" if label["no_anomaly"] else "anomaly" if label["windows"] else "unlabelled"


def _nullable(values: np.ndarray) -> list:
    """(channels, points) floats as JSON lists, NaN as null."""
    rounded = np.round(values.astype(np.float64), 6)
    return np.where(np.isnan(rounded), None, rounded).tolist()


class IncidentsApp:
    """Routes of the labelling page over one folder's series and its labels file."""

    def __init__(self, source: SeriesSource, token: str = "") -> None:
        self.source = source
        self.store = LabelStore(source.root)
        self.token = token
        self._check_windows()

    def _check_windows(self) -> None:
        """Each window of the file lies on its series (a hand edit may name a channel or a time it does not have):
        refused at start with the file, series, window and field, not at the first question built from it."""
        for name, label in self.store.snapshot()["series"].items():
            if name in self.source.files and label["windows"]:
                try:
                    series = self.source.load(name)
                except (ValueError, OSError):
                    continue  # unreadable now: its view says why when it is opened
                for i, window in enumerate(label["windows"]):
                    place_window(window, series, f"{self.store.path}, series {name!r}, window {i}")

    def __call__(self, request: Request) -> Reply:
        page = page_reply(request, "incidents.html", self.token)
        if page is not None:
            return page
        parts = request.parts
        route = "/".join(parts[:2])
        if route == "api/state" and len(parts) == 2:
            allow(request, "GET")
            return json_reply(self._state())
        if route == "api/pairs" and len(parts) == 2:
            allow(request, "PUT")
            return json_reply({"pairs": self._set_pair(request.json())})
        if len(parts) == 3 and route in ("api/series", "api/propose", "api/labels"):
            name = self._series_name(parts[2])
            if route == "api/series":
                allow(request, "GET")
                return json_reply(self._view(name, request))
            if route == "api/propose":
                allow(request, "POST")
                return json_reply(self._propose(name, request.json()))
            allow(request, "PUT")
            return json_reply({"label": self._save(name, request.json())})
        raise HTTPError(404, f"no route /{'/'.join(parts)}")

    def _series_name(self, text: str) -> str:
        name = plain_name(text, "series name")
        if name not in self.source.files:
            raise HTTPError(404, f"no series {name!r} in {self.source.root.name}")
        return name

    def _series(self, name: str) -> Series:
        try:
            return self.source.load(name)
        except ExportError as err:  # the reason and the row, never a cell of the file
            raise HTTPError(422, f"series {name!r} cannot be read: {err.shown(self.source.files[name].path.name)}") \
                from None
        except (ValueError, OSError) as err:
            raise HTTPError(422, f"series {name!r} cannot be read: {err}") from None

    def _state(self) -> dict:
        labels = self.store.snapshot()
        return {
            "folder": self.source.root.name,
            "labels_file": LABELS_FILE,
            "series": [{"name": n, "status": _status(labels["series"].get(n)),
                        "caption": self.source.captions.get(n, "")} for n in self.source.names],
            "labels": labels,
            "kinds": list(KINDS),
            "relations": list(RELATIONS),
        }

    def _view(self, name: str, request: Request) -> dict:
        series = self._series(name)
        stamps = series.timestamps
        first, last = int(stamps[0]), int(stamps[-1])
        start, stop = request.number("from", first), request.number("to", last)
        points = int(request.number("points", DEFAULT_POINTS))
        if not 2 <= points <= MAX_POINTS:
            raise HTTPError(400, f"points must be between 2 and {MAX_POINTS}, got {points}")
        if stop < start:
            raise HTTPError(400, f"'to' ({stop:g}) is before 'from' ({start:g})")
        low = max(0, int(np.searchsorted(stamps, start, side="right")) - 2)  # one step beyond each edge of the view
        high = min(len(stamps), int(np.searchsorted(stamps, stop, side="left")) + 2)
        points = max(2, min(points, MAX_CELLS // max(1, len(series.channels))))
        x, values = thin(stamps[low:high].astype(np.float64), series.values[low:high], points)
        return {
            "name": name,
            "channels": series.channels,
            "interval": series.interval,
            "first": first,
            "last": last,
            "steps": len(stamps),
            "timestamps": x.astype(np.int64).tolist(),
            "values": _nullable(values.T),
            "thinned": len(x) < high - low,
            "repairs": series.repairs,
        }

    def _window_steps(self, series: Series, body: object) -> tuple[int, int | None, list[int]]:
        if not isinstance(body, dict):
            raise HTTPError(400, "expected a JSON object with 'start' and 'end'")
        probe = {"channels": body.get("channels") or series.channels[:1], "start": body.get("start"),
                 "end": body.get("end"), "kind": KINDS[0], "direction": "up", "magnitude_pct": 1}
        try:
            return place_window(check_window(probe, "window"), series, "window")
        except LabelsError as err:
            raise HTTPError(400, str(err)) from None

    def _propose(self, name: str, body: object) -> dict:
        series = self._series(name)
        onset, stop, channels = self._window_steps(series, body)
        kind = body.get("kind")
        if kind is not None and kind not in KINDS:
            raise HTTPError(400, f"kind {kind!r} is not one of {list(KINDS)}")
        chosen = channels if body.get("channels") else None
        found = propose(series.channels, series.values, onset, stop or len(series.timestamps), chosen, kind)

        def finite(value: float) -> float | None:
            return None if value is None or not np.isfinite(value) else round(float(value), 6)

        return {
            "direction": found.direction,
            "magnitude_pct": finite(found.magnitude_pct),
            "suggested_channels": found.suggested_channels,
            "channels": [{"channel": d.channel, "level": finite(d.level), "spread": finite(d.spread),
                          "shift": finite(d.shift), "peak": finite(d.peak), "score": finite(min(d.score, 1e6))}
                         for d in found.channels],
        }

    def _save(self, name: str, body: object) -> dict:
        series = self._series(name)
        try:
            if isinstance(body, dict) and isinstance(body.get("windows"), list):
                for i, window in enumerate(body["windows"]):
                    place_window(check_window(window, f"window {i}"), series, f"window {i}")
            return self.store.set_series(name, body)
        except LabelsError as err:
            raise HTTPError(400, str(err)) from None
        except LabelsConflict as err:
            raise HTTPError(409, str(err)) from None

    def _set_pair(self, body: object) -> list[dict]:
        if not isinstance(body, dict) or not isinstance(body.get("series"), list) or len(body["series"]) != 2:
            raise HTTPError(400, "expected {\"series\": [A, B], \"relation\": R or null}")
        first, second = (self._series_name(str(n)) for n in body["series"])
        relation = body.get("relation")
        try:
            return self.store.set_pair(first, second, relation)
        except LabelsError as err:
            raise HTTPError(400, str(err)) from None
        except LabelsConflict as err:
            raise HTTPError(409, str(err)) from None
