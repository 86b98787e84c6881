"""A small dataset in the published ARFBench layout, written by hand (csv module, pyarrow, PIL) rather than by our
writer, so the loader is tested against the format itself."""

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tsqa.arfbench import options as opt

START = 1741370400  # 2025-03-07 18:00:00 UTC
STEPS = 10
HEADER = ["", "query_group", "question", "options_str", "options", "correct_answer", "task_category", "difficulty",
          "interpolate_1", "interpolate_2"]  # fmt: skip
START_OPTIONS = [opt.BEFORE_EARLIEST, "2025-03-07 18:05:00", "2025-03-07 18:03:00", "2025-03-07 18:08:00",
                 opt.NO_ANOMALY]  # fmt: skip
IDENTIFICATION_OPTIONS = ["service:2,track_type:15", "service:1,track_type:41", "a:1 and b:2", "a:1 and b:2 and c:3",
                          opt.NO_ANOMALY_LISTED]  # fmt: skip


def pod_values(step: int, pod: str) -> float:
    return 10.0 * step + (1.0 if pod == "pod_name:198" else 2.0)


def write_long(path: Path, rows: list[tuple[int, str, float]]) -> None:
    epochs, groups, values = zip(*rows)
    table = pa.table({"epoch": pa.array(epochs, pa.int64()), "group": list(groups), "value": list(values)})
    pq.write_table(table, path)


def default_rows() -> list[dict]:
    return [
        {"": "0", "query_group": "100_0", "question": "Is there an anomaly?\nTime-series: pods",
         "options_str": [opt.PRESENCE_YES, opt.PRESENCE_NO], "correct_answer": opt.PRESENCE_YES,
         "task_category": "Anomaly Presence", "difficulty": "easy"},
        {"": "1", "query_group": "100_0", "question": "What is the start time of the anomaly?\nTime-series: pods",
         "options_str": START_OPTIONS, "correct_answer": "2025-03-07 18:05:00", "task_category": "Anomaly Start",
         "interpolate_1": "0"},
        {"": "2", "query_group": "100_1, 200_3", "question": "Correlated?\nTime-series 1: a\nTime-series 2: b",
         "options_str": list(opt.CORRELATION_OPTIONS), "correct_answer": opt.ONLY_FIRST,
         "task_category": "Anomaly Correlation", "interpolate_1": "1", "interpolate_2": "0"},
        {"": "3", "query_group": "100_1", "question": "Which channels are exhibiting anomalies?\nTime-series: t",
         "options_str": IDENTIFICATION_OPTIONS, "correct_answer": "", "task_category": "Anomaly Identification"},
    ]  # fmt: skip


def write_csv(root: Path, rows: list[dict]) -> None:
    """Rows as dicts; `options_str` given as a list is written both as JSON strings and as [{"value": ...}]."""
    with (root / "arfbench-qa.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER + [k for k in rows[0] if k not in HEADER])
        writer.writeheader()
        for row in rows:
            row = dict(row)
            if isinstance(row.get("options_str"), list):
                row.setdefault("options", json.dumps([{"value": o} for o in row["options_str"]]))
                row["options_str"] = json.dumps(row["options_str"])
            writer.writerow(row)


def build_published(root: Path, rows: list[dict] | None = None) -> Path:
    ts_dir, image_dir = root / "arfbench-ts-data", root / "arfbench-images"
    ts_dir.mkdir(parents=True)
    image_dir.mkdir()
    pods = ["pod_name:614", "pod_name:198"]  # not sorted: the loader sorts channels
    rows_100_0 = [(START + 60 * t, p, pod_values(t, p)) for t in range(STEPS) for p in pods if (t, p) != (3, pods[0])]
    write_long(ts_dir / "100_0_60.parquet", rows_100_0)
    write_long(ts_dir / "100_0_300.parquet", [(START + 300 * t, p, 1.0 + t) for t in range(2) for p in pods])
    channel = "service:2,track_type:15"
    rows_100_1 = [(START + 60 * t, channel, float(t * t)) for t in range(STEPS) if t not in (4, 5)]
    write_long(ts_dir / "100_1_60.parquet", rows_100_1)
    write_long(ts_dir / "200_3_60.parquet", [(START + 60 * t, "host:a", float(t)) for t in range(STEPS) if t != 7])
    for name in ("100_0", "100_1", "200_3", "100_1-200_3"):
        Image.new("RGB", (8, 4), "white").save(image_dir / f"{name}.png")
    write_csv(root, rows if rows is not None else default_rows())
    return root


def grid() -> np.ndarray:
    return START + 60 * np.arange(STEPS)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    return build_published(tmp_path / "published")


@pytest.fixture
def kit() -> SimpleNamespace:
    """The fixture's builders and constants, for tests that write variants of it."""
    return SimpleNamespace(
        build=build_published,
        write_csv=write_csv,
        write_long=write_long,
        rows=default_rows,
        grid=grid,
        pod_values=pod_values,
        start=START,
        steps=STEPS,
        start_options=START_OPTIONS,
        identification_options=IDENTIFICATION_OPTIONS,
    )
