"""Pretrain the small Toto bundled as `tsqa/toto_small/` (recipes/toto-small.toml) on synthetic series plus the real
unlabelled metrics of scripts/toto_pretraining_data.py, then bundle its final weights.

    python scripts/pretrain_toto.py --data /tmp/toto-data --work /tmp/toto-run [--steps N] [--resume]

Kill it at any time and rerun with --resume: it continues from its last checkpoint (every 100 steps).
"""

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch

from tsqa import arfbench
from tsqa.arfbench.atomic import atomic_folder
from tsqa.forecasting import BUNDLED_TOTO
from tsqa.training.forecast_stage import question_series
from tsqa.training.pipeline import run_recipe
from tsqa.training.recipes import load_recipe


def synthetic_series(count: int, seed: int) -> list[np.ndarray]:
    """The series of `count` freshly generated questions (incidents of every kind, and calm ones)."""
    return question_series(arfbench.generate(count, seed=seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with train.npz and held_out.npz")
    parser.add_argument("--work", type=Path, required=True, help="training run folder")
    parser.add_argument("--steps", type=int, help="override the recipe's max_steps")
    parser.add_argument("--synthetic", type=int, default=100, help="synthetic questions whose series join training")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on a shared CPU, two contending threads run slower than one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = load_recipe("toto-small", [f"stages.0.max_steps={args.steps}"] if args.steps else [])
    with np.load(args.data / "train.npz", allow_pickle=False) as archive:
        train = [archive[name].astype(np.float64) for name in archive.files]
    with np.load(args.data / "held_out.npz", allow_pickle=False) as archive:
        held_out = [archive[name].astype(np.float64) for name in archive.files]
    synthetic = synthetic_series(args.synthetic, seed=recipe.seed + 1000)
    print(f"{len(train)} real + {len(synthetic)} synthetic training series, {len(held_out)} held out")
    final = run_recipe(recipe, [], [], args.work, resume=args.resume, series=(train + synthetic, held_out))
    with atomic_folder(BUNDLED_TOTO) as staging:
        for name in ("config.json", "model.safetensors"):  # not the generated model card
            shutil.copy2(final / name, staging / name)
    print(f"bundled {final} as {BUNDLED_TOTO}")


if __name__ == "__main__":
    main()
