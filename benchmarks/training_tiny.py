"""Held-out accuracy of the `tiny` recipe before training, after `align` and after `sft`, per category, beside chance.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/training_tiny.py --n 2000 --out /tmp/tiny_run

The data are synthetic questions (`arfbench.generate`), split by series into train and held-out parts; the models
are tiny and random (see recipes/tiny.toml). Prints a table of accuracy in percent. Resumes a killed run.
"""

import argparse
import json
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed

from tsqa import arfbench
from tsqa.arfbench.categories import CATEGORIES, OPTION_COUNT
from tsqa.bridges.answering import AnswerEngine
from tsqa.training.evaluation import held_out_metrics
from tsqa.training.log import read_log
from tsqa.training.pipeline import prepare_bases, run_recipe, stage_model
from tsqa.training.recipes import load_recipe
from tsqa.training.split import holdout_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="synthetic questions (train + held out)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--recipe", default="tiny")
    args = parser.parse_args()

    recipe = load_recipe(args.recipe)
    samples = arfbench.generate(args.n, seed=recipe.seed)
    train, held_out = holdout_split(samples, recipe.eval.holdout_fraction, recipe.seed)
    held_out = held_out[: recipe.eval.max_samples]
    print(f"{len(train)} training questions, {len(held_out)} held out")
    before_path = args.out / "before.json"
    if not before_path.is_file():  # the model the first stage starts from: same bases, same seed
        bases, _ = prepare_bases(recipe, train, held_out, args.out.resolve(), Accelerator())
        set_seed(recipe.seed)
        fresh = stage_model(recipe.model, recipe.stages[0], bases, None, torch.device("cpu"), torch.float32)
        before_path.write_text(json.dumps(held_out_metrics(AnswerEngine(fresh), held_out, recipe.eval.batch_size)))
    run_recipe(recipe, train, held_out, args.out, resume=True)

    finals = {r["stage"]: r for r in read_log(args.out / "log.jsonl") if r["kind"] == "eval"}
    columns = {"before": json.loads(before_path.read_text()), **finals}
    print(f"{'category':<26}{'n':>5}{'chance':>8}" + "".join(f"{name:>9}" for name in columns))
    for category in CATEGORIES:
        n = sum(s.category == category for s in held_out)
        cells = "".join(f"{c['accuracy_by_category'].get(category, float('nan')):9.1f}" for c in columns.values())
        print(f"{category:<26}{n:>5}{100 / OPTION_COUNT[category]:8.1f}{cells}")
    print(f"{'overall accuracy':<39}" + "".join(f"{c['accuracy']:9.1f}" for c in columns.values()))
    print(f"{'overall F1':<39}" + "".join(f"{c['f1']:9.1f}" for c in columns.values()))


if __name__ == "__main__":
    main()
