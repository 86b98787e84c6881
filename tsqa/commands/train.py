"""`tsqa train`: run a training recipe (adapter alignment, then LoRA + adapter) on a dataset in the ARFBench layout;
a recipe may start with a `forecast` stage that trains Toto itself on metric series (`--series`, or the questions').

Multi-GPU: `accelerate launch --num_processes N -m tsqa train ...` (DDP); see recipes/README.md.
"""

import argparse

HELP = "train the adapter and LoRA on incident QA from a recipe (accelerate: one GPU, many, or CPU)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recipe", required=True, help="a name from recipes/ (e.g. tiny) or a .toml/.json file")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", help="training data: a directory in the ARFBench layout, or a Hub dataset id")
    source.add_argument("--synthetic", type=int, metavar="N", help="train on N freshly generated questions instead")
    parser.add_argument("--series", action="append", default=[], metavar="FILE_OR_DIR",
                        help="metric files (CSV/parquet, or folders of them) for a forecast stage; repeatable. "
                             "Without them it trains on the questions' series")
    parser.add_argument("--eval-data", help="held-out data (same layout); default: a split of the training data")
    parser.add_argument("--out", required=True, help="output directory (checkpoints, log.jsonl, final model)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    parser.add_argument("--init", metavar="CHECKPOINT",
                        help="go on from a trained tsqa checkpoint (Hub id, local dir, or 'demo': the bundled one): "
                             "its encoder, VLM, adapter, LoRA and prompt; same as --set model.init=CHECKPOINT")
    parser.add_argument("--seed", type=int, help="override the recipe's seed (also seeds --synthetic data)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
        help="override one recipe value, e.g. --set model.modality=plot --set stages.1.epochs=2 (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from tsqa.training.data import load_training_data
    from tsqa.training.pipeline import run_recipe
    from tsqa.training.recipes import load_recipe

    overrides = [*args.overrides, *([f"model.init={json.dumps(args.init)}"] if args.init else [])]
    recipe = load_recipe(args.recipe, overrides)
    if args.seed is not None:
        recipe.seed = args.seed
    if args.synthetic is not None and args.synthetic < 1:
        raise ValueError(f"--synthetic needs a positive number of questions, got {args.synthetic}")
    series = None
    if args.series and recipe.stages[0].kind != "forecast":
        raise ValueError(f"--series: recipe {recipe.name!r} has no forecast stage to train on metric series")
    if args.series:
        from tsqa.training.series_data import load_metric_series, split_series

        series = split_series(load_metric_series(args.series), recipe.eval.holdout_fraction, recipe.seed)
    if args.data is None and args.synthetic is None:
        if series is None:
            raise ValueError("give --data, --synthetic, or (for a forecast-only recipe) --series")
        train, held_out = [], []
    else:
        train, held_out = load_training_data(recipe, args.data, args.synthetic, args.eval_data)
    if not train and any(stage.kind != "forecast" for stage in recipe.stages):
        raise ValueError(f"recipe {recipe.name!r} has question stages: give --data or --synthetic")
    final = run_recipe(recipe, train, held_out, Path(args.out), resume=args.resume, series=series)
    print(f"final checkpoint: {final}")
    return 0
