"""Rebuild the real-data benchmark from fetched repositories: crops of real metrics around labelled incidents, their
labels in the source's own shape, `tsqa label import`, then `tsqa label questions`, split by incident and time.

    python scripts/build_realbench.py --mirrors /work/.mirror --out /work/realbench

Sources (the first three MIT; snapshots fetched with the search tool's `fetch`, read with `git show`):
- nezha: IntelligentDDS/Nezha, per-pod metrics at 1 min and the fault-injection lists (time, pod, kind) of two
  systems; each fault's pod is cropped around it and imported as a fault log (end inferred by the stated rule), one
  caller from `dependency.csv` (OnlineBoutique) gets the same crop and the pair is a shared cause. Faults come every
  few minutes, so a two-hour crop holds others: every fault logged on the crop's pod is labelled in it (its kind), and
  in a caller's crop every fault on the pod it was cropped for (propagated); effects of faults elsewhere are not.
  Split by day: the first day of each system trains, the second tests.
- interfusion: zhhlee/InterFusion ASD (omi-1..12, 19 metrics, 5 min) and the 8 SMD machines whose data the snapshot
  holds (38 metrics, 1 min), values scaled 0-1, no stamps; its test part
  with per-segment channel lists; imported as segments. Split by time: segments in the first 60% of the test part
  train, the rest test (a segment across the cut is left out).
- jumpstarter: NetManAIOps/JumpStarter Dataset2 (30 services x 19 metrics, 5 min, no stamps), test part with a 0/1
  label per row; imported as points. Split by time at half the test part (an incident shared by many services sits
  at the same rows in all of them, so it falls on one side).
- skab: waico/SKAB (GPL-3.0: built and scored locally, nothing derived from it is committed; a test set only, never
  trained on): a water-pump test rig, 8 sensors at 1 s, one file per experiment with its `anomaly` and `changepoint`
  columns beside the values; each file is a series, imported from the series files themselves (`points --column
  anomaly --hide-column changepoint`), plus crops of the anomaly-free run as incident-free series. A domain none of
  tsqa's training data covers, at a step (1 s) none of it has.
Series without stamps get a 5-minute grid from 2021-01-01 UTC. Crops of one split never overlap those of the other.
Unlabelled series for pretraining (the training days / training parts only, never a test split) go to OUT/raw/.
"""

import argparse
import contextlib
import csv
import io
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsqa.cli import main as tsqa

NEZHA = "IntelligentDDS+Nezha"
INTERFUSION = "zhhlee+InterFusion"
JUMPSTARTER = "NetManAIOps+JumpStarter"
SKAB = "waico+SKAB"
SKAB_FREE_ROWS = 1150  # crops of the anomaly-free run: about as long as an experiment's file
NO_STAMPS_START = 1_609_459_200  # 2021-01-01 00:00:00 UTC
NEZHA_DAYS = {"2022-08-22": "train", "2022-08-23": "test", "2023-01-29": "train", "2023-01-30": "test"}
NEZHA_CHANNELS = {"cpu_contention": "CpuUsageRate(%)", "cpu_consumed": "CpuUsageRate(%)"}  # root_cause_*.json
CROP = {"nezha": 120, "interfusion": 144, "jumpstarter": 144}
TRAIN_SHARE = {"interfusion": 0.6, "jumpstarter": 0.5}  # of the test part's rows, in time order
NEGATIVES_PER_POSITIVE = 0.7
SMD_MACHINES = ("machine-1-6", "machine-1-7", "machine-2-1", "machine-2-2", "machine-2-7", "machine-2-8", "machine-3-3",
                "machine-3-4")  # the SMD machines whose data the snapshot holds


def git_bytes(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def git_list(repo: Path, folder: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD", folder], check=True,
                         capture_output=True, text=True).stdout
    return out.split()


class ArrayUnpickler(pickle.Unpickler):
    """Reads a pickled numpy array and nothing else: any other class in the stream is refused."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused {module}.{name}: only numpy arrays are read")
        return super().find_class(module.replace("numpy.core", "numpy._core"), name)


def read_array(repo: Path, path: str) -> np.ndarray:
    return np.asarray(ArrayUnpickler(io.BytesIO(git_bytes(repo, path))).load())


def write_frame(path: Path, stamps: np.ndarray, values: np.ndarray, channels: list[str]) -> None:
    frame = pd.DataFrame(values, columns=channels)
    frame.insert(0, "timestamp", stamps.astype(np.int64))
    frame.to_csv(path, index=False, float_format="%.6g")


def crop_start(rng: np.random.Generator, first: int, last: int, length: int, low: int, high: int) -> int | None:
    """A crop [s, s + length) inside [low, high) holding rows [first, last], the incident at a random place."""
    lo, hi = max(low, last + 1 - length + length // 8), min(high - length, first - length // 8)
    if hi < lo:
        lo, hi = max(low, last + 1 - length), min(high - length, first)
    return None if hi < lo else int(rng.integers(lo, hi + 1))


def free_crops(rng: np.random.Generator, busy: np.ndarray, length: int, low: int, high: int, count: int,
               margin: int) -> list[int]:
    """Up to `count` crop starts in [low, high) with no labelled row within `margin` rows."""
    padded = np.convolve(busy.astype(int), np.ones(2 * margin + 1, dtype=int), mode="same") > 0
    starts = [s for s in range(low, high - length + 1, length // 2) if not padded[s : s + length].any()]
    chosen = rng.choice(len(starts), size=min(count, len(starts)), replace=False) if starts else []
    return [starts[i] for i in sorted(chosen)]


# ---- nezha: fault logs ------------------------------------------------------------------------------------------


def nezha_metrics(repo: Path, day: str) -> dict[str, pd.DataFrame]:
    """service -> its pod's metrics on a minute grid (pod-level columns only), for one day."""
    found = {}
    for path in git_list(repo, f"rca_data/{day}/metric"):
        if not path.endswith("_metric.csv"):
            continue
        frame = pd.read_csv(io.BytesIO(git_bytes(repo, path)))
        minute = pd.to_datetime(frame["Time"].str[:19], utc=True).dt.floor("min")
        epochs = (minute - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy().astype(np.int64)
        metrics = frame.drop(columns=["Time", "TimeStamp", "PodName"])
        metrics = metrics[[c for c in metrics.columns if not c.startswith("Node")]]
        metrics.index = epochs
        metrics = metrics[~metrics.index.duplicated()]
        grid = np.arange(metrics.index.min(), metrics.index.max() + 60, 60)
        pod = Path(path).name.removesuffix("_metric.csv")
        service = pod.rsplit("-", 2)[0]
        found[service] = metrics.reindex(grid)
    return found


def nezha_callers(repo: Path, day: str) -> dict[str, list[str]]:
    path = f"rca_data/{day}/metric/dependency.csv"
    if path not in git_list(repo, f"rca_data/{day}/metric"):
        return {}
    edges = pd.read_csv(io.BytesIO(git_bytes(repo, path)))
    callers: dict[str, list[str]] = {}
    for source, target in zip(edges["Source"], edges["Target"]):
        callers.setdefault(target, []).append(source)
    return callers


def nezha(repo: Path, stage: Path, raw: Path, rng: np.random.Generator) -> dict[str, dict]:
    """Per split: the folder of crops and the import commands that label it."""
    plans: dict[str, dict] = {}
    length = CROP["nezha"]
    for day, split in NEZHA_DAYS.items():
        folder = stage / split / "series"
        folder.mkdir(parents=True, exist_ok=True)
        plan = plans.setdefault(split, {"folder": folder, "log": [], "pairs": []})
        metrics = nezha_metrics(repo, day)
        callers = nezha_callers(repo, day)
        listed = json.loads(git_bytes(repo, f"rca_data/{day}/{day}-fault_list.json")).values()
        logged = [(int(pd.Timestamp(f["inject_time"], tz="UTC").timestamp()), f["inject_pod"].rsplit("-", 2)[0],
                   f["inject_time"], f["inject_type"]) for group in listed for f in group]  # (epoch, service, time, kind)
        last_fault = max((epoch for epoch, *_ in logged), default=0)
        roots: list[tuple[str, str]] = []

        def label_all(name: str, crop: pd.DataFrame, kinds: dict[str, str | None]) -> None:
            """A log row for every fault inside the crop on a service of `kinds` (None: the fault's own kind)."""
            first, last = crop.index[0], crop.index[-1]
            for epoch, where, stamp, kind in logged:
                if where in kinds and first <= epoch <= last:
                    plan["log"].append((stamp, name, kinds[where] or kind))

        for index, (epoch, service, _, _) in enumerate(logged):
            if service not in metrics:
                continue
            frame = metrics[service]
            row = int(np.searchsorted(frame.index.to_numpy(), epoch))
            if not length // 4 <= row < len(frame) - length // 4:
                continue  # too near the edge of the recorded metrics for a crop around it
            start = crop_start(rng, row, row + 8, length, 0, len(frame))
            if start is None:
                continue
            name = f"{day}_{index:02d}_{service}"
            crop = frame.iloc[start : start + length]
            write_frame(folder / f"{name}.csv", crop.index.to_numpy(), crop.to_numpy(), list(crop.columns))
            label_all(name, crop, {service: None})
            roots.append((name, service))
            neighbours = [c for c in callers.get(service, []) if c in metrics]
            if neighbours:
                other = neighbours[int(rng.integers(len(neighbours)))]
                dep = f"{name}_caller_{other}"
                crop = metrics[other].reindex(crop.index)
                write_frame(folder / f"{dep}.csv", crop.index.to_numpy(), crop.to_numpy(), list(crop.columns))
                label_all(dep, crop, {other: None, service: "propagated"})
                plan["pairs"].append((name, dep, "shared_cause"))
        linked = {(a, b) for b, sources in callers.items() for a in sources}
        for (first, s1), (second, s2) in zip(roots, roots[2:]):
            if s1 != s2 and (s1, s2) not in linked and (s2, s1) not in linked and rng.random() < 0.5:
                plan["pairs"].append((first, second, "unrelated"))
        services = sorted(metrics)
        after = last_fault + 3600
        for i in range(int(len(roots) * NEGATIVES_PER_POSITIVE)):
            frame = metrics[services[int(rng.integers(len(services)))]]
            stamps = frame.index.to_numpy()
            first = int(np.searchsorted(stamps, after)) + i * length
            if first + length > len(stamps):
                break
            crop = frame.iloc[first : first + length]
            name = f"{day}_normal_{i:02d}"
            write_frame(folder / f"{name}.csv", crop.index.to_numpy(), crop.to_numpy(), list(crop.columns))
            plan.setdefault("normal", []).append(name)
        if split == "train":
            (raw / "nezha").mkdir(parents=True, exist_ok=True)
            for service, frame in metrics.items():
                write_frame(raw / "nezha" / f"{day}_{service}.csv", frame.index.to_numpy(), frame.to_numpy(),
                            list(frame.columns))
    for split, plan in plans.items():
        log = stage / split / "faults.csv"
        with log.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["time", "component", "kind"])
            writer.writerows(plan["log"])
        pairs = stage / split / "pairs.csv"
        with pairs.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["first", "second", "relation"])
            writer.writerows(plan["pairs"])
        normals = stage / split / "normal.csv"
        normals.write_text("series,start,end,kind\n" + "".join(f"{n},,,normal\n" for n in plan.get("normal", [])))
        channel_args = [a for kind, column in NEZHA_CHANNELS.items() for a in ("--channel", f"{kind}={column}")]
        plan["imports"] = [["faults", str(log), "--horizon", "15", "--pairs", str(pairs), *channel_args],
                           ["windows", str(normals)]]
    return plans


# ---- interfusion (segments) and jumpstarter (points): series without stamps, split by time ------------------------


def _unstamped(stage: Path, source: str, name: str, values: np.ndarray, labelled: list[tuple[int, int]],
               rng: np.random.Generator, write_labels, interval: int = 300) -> dict[str, list[str]]:
    """Crops of one unstamped series around its labelled segments (rows [first, last]) and free of them; returns
    the written crop names per split."""
    length = CROP[source]
    rows = len(values)
    cut = int(rows * TRAIN_SHARE[source])
    busy = np.zeros(rows, dtype=bool)
    for first, last in labelled:
        busy[first : last + 1] = True
    channels = [f"m{c + 1:02d}" for c in range(values.shape[1])]
    stamps = NO_STAMPS_START + interval * np.arange(rows)
    written: dict[str, list[str]] = {"train": [], "test": []}
    taken_until = {"train": -1, "test": -1}
    for number, (first, last) in enumerate(labelled):
        split, low, high = ("train", 0, cut) if last < cut else ("test", cut, rows)
        if first < cut <= last or first <= taken_until[split]:
            continue
        span = max(length, 2 * (last - first + 1))
        start = crop_start(rng, first, last, span, low, high)
        if start is None:
            continue
        inside = [(f - start, l - start) for f, l in labelled if f >= start and l < start + span]
        cut_through = [1 for f, l in labelled if f < start <= l or f < start + span <= l]
        if cut_through:
            continue
        crop = f"{name}_{number:03d}"
        folder = stage / split / "series"
        folder.mkdir(parents=True, exist_ok=True)
        write_frame(folder / f"{crop}.csv", stamps[start : start + span], values[start : start + span], channels)
        write_labels(stage / split / "labels", crop, start, span, inside)
        taken_until[split] = start + span
        written[split].append(crop)
    for split, low, high in (("train", 0, cut), ("test", cut, rows)):
        count = max(1, int(len(written[split]) * NEGATIVES_PER_POSITIVE))
        for i, start in enumerate(free_crops(rng, busy, length, low, high, count, length // 4)):
            crop = f"{name}_normal_{i:02d}"
            folder = stage / split / "series"
            folder.mkdir(parents=True, exist_ok=True)
            write_frame(folder / f"{crop}.csv", stamps[start : start + length], values[start : start + length],
                        channels)
            write_labels(stage / split / "labels", crop, start, length, [])
            written[split].append(crop)
    return written


def merge_overlaps(segments: list[tuple[int, int, str]], server: str) -> list[tuple[int, int, str]]:
    """Segments that overlap (some SMD labels nest one inside another) merged into one: the union of their rows and
    channels, so the import does not refuse them as overlapping windows."""
    merged: list[tuple[int, int, str]] = []
    for first, last, listed in sorted(segments):
        if merged and first <= merged[-1][1]:
            f, l, ch = merged.pop()
            union = sorted({int(c) for c in ch.split(",")} | {int(c) for c in listed.split(",")})
            print(f"{server}: segments {f}-{l} and {first}-{last} overlap: merged")
            merged.append((f, max(l, last), ",".join(map(str, union))))
        else:
            merged.append((first, last, listed))
    return merged


def interfusion(repo: Path, stage: Path, raw: Path, rng: np.random.Generator) -> dict[str, dict]:
    types = {}
    for row in csv.DictReader(io.StringIO(git_bytes(repo, "data/interpretation_label/anomaly_type.txt").decode())):
        types[(row["dataset"], row["anomaly_segment"])] = row["anomaly_type"]
    typed: dict[str, list[tuple[str, str, str]]] = {"train": [], "test": []}
    (raw / "interfusion").mkdir(parents=True, exist_ok=True)
    for server in [f"omi-{i}" for i in range(1, 13)] + list(SMD_MACHINES):
        interval = 60 if server.startswith("machine") else 300
        values = read_array(repo, f"data/processed/{server}_test.pkl").astype(np.float64)
        lines = git_bytes(repo, f"data/interpretation_label/{server}.txt").decode().split()
        segments = merge_overlaps([(int(s.split(":")[0].split("-")[0]), int(s.split(":")[0].split("-")[1]),
                                    s.split(":")[1]) for s in lines], server)

        def write_labels(folder: Path, crop: str, start: int, span: int, inside, segments=segments, server=server):
            folder.mkdir(parents=True, exist_ok=True)
            text = []
            for first, last in inside:
                listed = next(ch for f, l, ch in segments if f == first + start and l == last + start)
                text.append(f"{first}-{last}:{listed}")
                kind = types.get((server, f"{first + start}-{last + start}"), "")
                typed[folder.parent.name].append((crop, f"{first}-{last}", kind))
            (folder / f"{crop}.txt").write_text("".join(f"{t}\n" for t in text))

        _unstamped(stage, "interfusion", server.replace("-", ""), values, [(f, l) for f, l, _ in segments], rng,
                   write_labels, interval)
        train = read_array(repo, f"data/processed/{server}_train.pkl").astype(np.float64)
        write_frame(raw / "interfusion" / f"{server}_train.csv", NO_STAMPS_START + interval * np.arange(len(train)),
                    train,
                    [f"m{c + 1:02d}" for c in range(train.shape[1])])
    plans = {}
    for split in ("train", "test"):
        table = stage / split / "types.csv"
        with table.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["dataset", "anomaly_segment", "anomaly_type"])
            writer.writerows(typed[split])
        files = sorted(str(p) for p in (stage / split / "labels").glob("*.txt"))
        plans[split] = {"folder": stage / split / "series", "imports": [["segments", *files, "--types", str(table)]]}
    return plans


def jumpstarter(repo: Path, stage: Path, raw: Path, rng: np.random.Generator) -> dict[str, dict]:
    (raw / "jumpstarter").mkdir(parents=True, exist_ok=True)
    for index in range(30):
        service = f"service{index}"
        values = pd.read_csv(io.BytesIO(git_bytes(repo, f"dataset/Dataset2/test/{service}.csv")),
                             header=None).to_numpy(dtype=np.float64)
        labels = pd.read_csv(io.BytesIO(git_bytes(repo, f"dataset/Dataset2/test_label/{service}.csv")),
                             header=None)[0].to_numpy(dtype=np.int8)
        edges = np.diff(np.concatenate([[0], labels, [0]]))
        runs = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))

        def write_labels(folder: Path, crop: str, start: int, span: int, inside, labels=labels):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{crop}.csv").write_text("".join(f"{v}\n" for v in labels[start : start + span]))

        _unstamped(stage, "jumpstarter", f"js{index:02d}", values, [(int(f), int(l)) for f, l in runs], rng,
                   write_labels)
        train = pd.read_csv(io.BytesIO(git_bytes(repo, f"dataset/Dataset2/train/{service}.csv")),
                            header=None).to_numpy(dtype=np.float64)
        write_frame(raw / "jumpstarter" / f"{service}_train.csv", NO_STAMPS_START + 300 * np.arange(len(train)),
                    train, [f"m{c + 1:02d}" for c in range(train.shape[1])])
    return {split: {"folder": stage / split / "series",
                    "imports": [["points", *sorted(str(p) for p in (stage / split / "labels").glob("*.csv"))]]}
            for split in ("train", "test")}


def skab(repo: Path, stage: Path, raw: Path, rng: np.random.Generator) -> dict[str, dict]:
    folder = stage / "test" / "series"
    folder.mkdir(parents=True)
    for path in git_list(repo, "data"):
        group, _, file = path.removeprefix("data/").partition("/")
        if group in ("valve1", "valve2", "other") and file.endswith(".csv"):
            (folder / f"{group}_{Path(file).stem}.csv").write_bytes(git_bytes(repo, path))
    free = pd.read_csv(io.BytesIO(git_bytes(repo, "data/anomaly-free/anomaly-free.csv")), sep=";")
    free["anomaly"], free["changepoint"] = 0, 0
    for number, start in enumerate(range(0, len(free) - SKAB_FREE_ROWS + 1, SKAB_FREE_ROWS)):
        free.iloc[start : start + SKAB_FREE_ROWS].to_csv(folder / f"free_{number}.csv", sep=";", index=False)
    files = sorted(str(p) for p in folder.glob("*.csv"))
    return {"test": {"folder": folder, "imports": [["points", *files, "--column", "anomaly",
                                                    "--hide-column", "changepoint"]]}}


SOURCES = {"nezha": (NEZHA, nezha), "interfusion": (INTERFUSION, interfusion), "jumpstarter": (JUMPSTARTER, jumpstarter),
           "skab": (SKAB, skab)}


def run_tsqa(argv: list[str], log: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = tsqa(argv)
    with log.open("a") as handle:
        handle.write(f"$ tsqa {' '.join(argv[:3])} ...\n{out.getvalue()}{err.getvalue()}\n")
    if code:
        raise SystemExit(f"tsqa {' '.join(argv[:3])} failed: {err.getvalue().strip()}")
    print(out.getvalue().strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", default="/work/.mirror", help="folder of fetched snapshots (owner+name/repo)")
    parser.add_argument("--out", default="/work/realbench", help="OUT/<source>/{train,test}/ and OUT/raw/")
    parser.add_argument("--sources", default="nezha,interfusion,jumpstarter",
                        help=f"comma-separated, of {', '.join(SOURCES)} (default: the three MIT sources)")
    parser.add_argument("--per-series", type=int, default=3, help="questions per series and category (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", action="store_true", help="render the PNG plots too")
    args = parser.parse_args()
    out = Path(args.out)
    built = []
    for source in args.sources.split(","):
        mirror, build = SOURCES[source]
        stage = out / "stage" / source
        if stage.exists():
            subprocess.run(["rm", "-rf", str(stage)], check=True)
        rng = np.random.default_rng([args.seed, len(source)])
        plans = build(Path(args.mirrors) / mirror / "repo", stage, out / "raw", rng)
        for split, plan in sorted(plans.items()):
            log = stage / f"{split}-import.log"
            for command in plan["imports"]:
                run_tsqa(["label", "import", *command, "--data", str(plan["folder"])], log)
            target = out / source / split
            run_tsqa(["label", "questions", str(plan["folder"]), "--out", str(target), "--overwrite",
                      "--per-series", str(args.per_series), "--seed", str(args.seed),
                      *([] if args.images else ["--no-images"])], log)
            built.append(str(target))
    ready = out / "READY"
    listed = set(ready.read_text().split()) if ready.exists() else set()
    ready.write_text("".join(f"{p}\n" for p in sorted(listed | set(built))))
    print(f"{len(built)} sets; listed in {ready}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
