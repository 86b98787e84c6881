"""Merge datasets in ARFBench's layout into one, e.g. synthetic training questions with real training splits:

    python scripts/merge_datasets.py --out data/mixed data/synth@2000 /work/realbench/nezha/train ...

`DIR@N` takes the first N questions of DIR; `DIR~N` N of them drawn at random (seed 0), in their order.

Series keep their names (a name two datasets both use is refused: the questions would point at the wrong one) and
every question keeps its category, options, answer and metadata; plots are not rendered (`--images` renders them).
"""

import argparse
import sys

import numpy as np

from tsqa.arfbench import load_dataset
from tsqa.arfbench.writer import write_dataset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="+", help="dataset directories in ARFBench's layout (DIR@N: its first N questions, DIR~N: N at random)")
    parser.add_argument("--out", required=True, help="the merged dataset's directory")
    parser.add_argument("--images", action="store_true", help="render the PNG plots")
    args = parser.parse_args()
    samples, owner = [], {}
    for given in args.datasets:
        path, _, first = given.partition("@")
        path, _, drawn = path.partition("~")
        loaded = list(load_dataset(path, check_images=False))[: int(first) if first else None]
        if drawn:
            keep = np.sort(np.random.default_rng(0).choice(len(loaded), size=min(int(drawn), len(loaded)),
                                                            replace=False))
            loaded = [loaded[i] for i in keep]
        for sample in loaded:
            for series in sample.series:
                if owner.setdefault(series.name, path) != path:
                    raise SystemExit(f"series {series.name!r} is in both {owner[series.name]} and {path}")
        samples += loaded
        print(f"{len(loaded)} questions from {path}")
    write_dataset(samples, args.out, images=args.images, overwrite=True)
    print(f"{len(samples)} questions written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
