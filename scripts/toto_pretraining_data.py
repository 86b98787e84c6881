"""Real unlabelled metrics for pretraining the small Toto, read from the public repositories' snapshots (the search
tool's `fetch` puts bare git directories under /work/.mirror): NetManAIOps/JumpStarter (Dataset2 and Dataset3
`train/`, 19 metrics per service, 5 min) and IntelligentDDS/Nezha (`construct_data/<day>/metric/*_metric.csv`, 19
metrics per pod, 1 min), both MIT. zhhlee/InterFusion is left out: its series ship only as pickles.

Held out by whole series: JumpStarter services 25-29 of each dataset and Nezha's days 2022-08-23 and 2023-01-30 (other
days than the ones trained on). Written as `train.npz` and `held_out.npz`: one float32 (channels, time) array per
series, named `<source>/<series>`.

    python scripts/toto_pretraining_data.py --out /tmp/toto-data
"""

import argparse
import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

MIRRORS = Path("/work/.mirror")
JUMPSTARTER = MIRRORS / "NetManAIOps+JumpStarter" / "repo"
NEZHA = MIRRORS / "IntelligentDDS+Nezha" / "repo"
HELD_OUT_SERVICES = {f"service{i}" for i in range(25, 30)}
HELD_OUT_DAYS = {"2022-08-23", "2023-01-30"}
NEZHA_DROPPED = ("Time", "TimeStamp", "PodName")


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def _files(repo: Path, prefix: str) -> list[str]:
    return _git(repo, "ls-tree", "-r", "--name-only", "HEAD", prefix).decode().split()


def jumpstarter() -> dict[str, tuple[np.ndarray, bool]]:
    """name -> ((channels, time), held out?)"""
    found = {}
    for dataset in ("Dataset2", "Dataset3"):
        for path in _files(JUMPSTARTER, f"dataset/{dataset}/train/"):
            frame = pd.read_csv(io.BytesIO(_git(JUMPSTARTER, "show", f"HEAD:{path}")), header=None)
            service = Path(path).stem
            found[f"jumpstarter/{dataset}/{service}"] = (frame.to_numpy(np.float32).T, service in HELD_OUT_SERVICES)
    return found


def nezha() -> dict[str, tuple[np.ndarray, bool]]:
    found = {}
    for path in _files(NEZHA, "construct_data/"):
        if not path.endswith("_metric.csv"):
            continue
        day = path.split("/")[1]
        frame = pd.read_csv(io.BytesIO(_git(NEZHA, "show", f"HEAD:{path}")))
        frame = frame.sort_values("TimeStamp").drop(columns=[c for c in NEZHA_DROPPED if c in frame])
        values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(np.float32).T
        found[f"nezha/{day}/{Path(path).stem.removesuffix('_metric')}"] = (values, day in HELD_OUT_DAYS)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    series = {**jumpstarter(), **nezha()}
    args.out.mkdir(parents=True, exist_ok=True)
    for split, held in (("train", False), ("held_out", True)):
        chosen = {name: values for name, (values, is_held) in series.items() if is_held == held}
        np.savez(args.out / f"{split}.npz", **chosen)
        steps = sum(v.shape[1] for v in chosen.values())
        print(f"{split}: {len(chosen)} series, {steps} steps, {sum(v.size for v in chosen.values())} values")


if __name__ == "__main__":
    main()
