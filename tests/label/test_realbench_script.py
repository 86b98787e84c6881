"""scripts/build_realbench.py on a made-up Nezha snapshot: a crop labels every fault it holds, not only its own."""

import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

SCRIPT = Path(__file__).parents[2] / "scripts" / "build_realbench.py"
spec = importlib.util.spec_from_file_location("build_realbench", SCRIPT)
build_realbench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_realbench)

STEPS = 400  # minutes of metrics per day


def _pod_metrics(day: str, pod: str) -> str:
    stamps = pd.Timestamp(f"{day} 00:00:00", tz="UTC") + pd.to_timedelta(np.arange(STEPS), unit="min")
    frame = pd.DataFrame({"Time": [f"{t:%Y-%m-%d %H:%M:%S}.5 +0000 UTC" for t in stamps],
                          "TimeStamp": (stamps.asi8 // 10**9), "PodName": pod,
                          "CpuUsageRate(%)": 5 + np.sin(np.arange(STEPS)), "NodeCpu": 1.0})
    return frame.to_csv(index=False)


def _snapshot(root: Path) -> Path:
    """Four days (the script's two systems, train and test), two pods, frontend calling cartservice; on each day
    cartservice gets faults at 02:00, 02:10 and 05:30 and frontend one at 02:05."""
    repo = root / "Nezha"
    for day in build_realbench.NEZHA_DAYS:
        folder = repo / "rca_data" / day / "metric"
        folder.mkdir(parents=True)
        for pod in ("cartservice-1a-2b", "frontend-3c-4d"):
            (folder / f"{pod}_metric.csv").write_text(_pod_metrics(day, pod))
        (folder / "dependency.csv").write_text("Source,Target,Weight\nfrontend,cartservice,1\n")
        faults = {"02": [{"inject_time": f"{day} 02:00:30", "inject_pod": "cartservice-1a-2b",
                          "inject_type": "cpu_contention"},
                         {"inject_time": f"{day} 02:05:00", "inject_pod": "frontend-3c-4d", "inject_type": "exception"},
                         {"inject_time": f"{day} 02:10:00", "inject_pod": "cartservice-1a-2b",
                          "inject_type": "network_delay"},
                         {"inject_time": f"{day} 05:30:00", "inject_pod": "cartservice-1a-2b",
                          "inject_type": "exception"}]}  # beyond the two-hour crops of the others
        (repo / "rca_data" / day / f"{day}-fault_list.json").write_text(json.dumps(faults))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "s"],
                   check=True)
    return repo


def test_a_nezha_crop_labels_every_fault_on_its_pod_and_a_callers_crop_those_it_was_cropped_for(tmp_path):
    plans = build_realbench.nezha(_snapshot(tmp_path), tmp_path / "stage", tmp_path / "raw",
                                  np.random.default_rng(0))
    rows = [(time[-8:], component, kind) for time, component, kind in plans["train"]["log"]]
    day = "2022-08-22"
    assert [r for r in rows if r[1] == f"{day}_00_cartservice"] == [
        ("02:00:30", f"{day}_00_cartservice", "cpu_contention"), ("02:10:00", f"{day}_00_cartservice", "network_delay")]
    assert [r for r in rows if r[1] == f"{day}_00_cartservice_caller_frontend"] == [
        ("02:00:30", f"{day}_00_cartservice_caller_frontend", "propagated"),
        ("02:05:00", f"{day}_00_cartservice_caller_frontend", "exception"),
        ("02:10:00", f"{day}_00_cartservice_caller_frontend", "propagated")]
    assert [r for r in rows if r[1] == f"{day}_01_frontend"] == [("02:05:00", f"{day}_01_frontend", "exception")]
    assert [r for r in rows if r[1] == f"{day}_03_cartservice"] == [("05:30:00", f"{day}_03_cartservice", "exception")]
    assert (f"{day}_00_cartservice", f"{day}_00_cartservice_caller_frontend", "shared_cause") in plans["train"]["pairs"]
    test_days = {time[:10] for time, _, _ in plans["test"]["log"]}
    assert test_days == {"2022-08-23", "2023-01-30"}  # split by day
