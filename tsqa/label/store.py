"""The labels file of one dataset folder, shared by the server's threads.

Each change is checked, applied to a copy, written atomically (`incident_labels.write_labels`) and only then becomes
the state, under one lock: saves from many threads at once queue up and each lands whole. A file that something
else changed on disk since it was loaded is never overwritten (nothing is lost; the change is refused with why).
"""

import copy
import threading
from pathlib import Path

from tsqa.arfbench.atomic import remove_stale_temporaries
from tsqa.arfbench.incident_labels import (
    LABELS_FILE,
    check_pair,
    check_series_label,
    read_labels,
    write_labels,
)


class LabelsConflict(Exception):
    """The labels file changed on disk behind the server's back."""


class LabelStore:
    def __init__(self, root: Path) -> None:
        self.path = root / LABELS_FILE
        self.removed = remove_stale_temporaries(root)  # left by saves killed before their rename
        self._lock = threading.Lock()
        self._doc = read_labels(self.path)  # LabelsError (a ValueError naming the field) when tampered
        self._on_disk = self.path.read_bytes() if self.path.exists() else None

    def snapshot(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._doc)

    def _commit(self, doc: dict) -> None:
        """Write `doc` unless the file on disk is no longer the one last read or written here."""
        current = self.path.read_bytes() if self.path.exists() else None
        if current != self._on_disk:
            raise LabelsConflict(
                f"{self.path.name} was changed outside this page since it was loaded; nothing was saved. "
                "Restart the command to load the file as it is now."
            )
        self._on_disk = write_labels(self.path, doc)
        self._doc = doc

    def set_series(self, name: str, label: object) -> dict:
        """Replace the label of series `name` (checked here; checked against the series by the caller). An empty
        label (no windows, not marked, no caption) removes the series from the file."""
        checked = check_series_label(label, f"series {name!r}")
        with self._lock:
            doc = copy.deepcopy(self._doc)
            if checked["windows"] or checked["no_anomaly"] or checked["caption"]:
                doc["series"][name] = checked
            else:
                doc["series"].pop(name, None)
            self._commit(doc)
        return checked

    def set_pair(self, first: str, second: str, relation: str | None) -> list[dict]:
        """Mark how the anomalies of two series relate; relation None removes the mark."""
        with self._lock:
            doc = copy.deepcopy(self._doc)
            kept = [p for p in doc["pairs"] if set(p["series"]) != {first, second}]
            if relation is not None:
                kept.append(check_pair({"series": [first, second], "relation": relation}, "pair"))
            doc["pairs"] = kept
            self._commit(doc)
            return copy.deepcopy(kept)
