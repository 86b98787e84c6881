"""The questions a run trains and evaluates on: a dataset in the ARFBench layout, or freshly generated ones."""

from tsqa import arfbench
from tsqa.arfbench.schema import Sample
from tsqa.training.config import Recipe
from tsqa.training.split import holdout_split


def load_training_data(
    recipe: Recipe, data: str | None, synthetic: int | None, eval_data: str | None
) -> tuple[list[Sample], list[Sample]]:
    """(train, held_out). Without `eval_data`, held-out questions are split off by series (`training.split`)."""
    if (data is None) == (synthetic is None):
        raise ValueError("give exactly one of a data directory and a number of synthetic questions")
    samples = arfbench.load_dataset(data, progress=True) if data else arfbench.generate(synthetic, seed=recipe.seed)
    check_labelled(samples, data or "synthetic data")
    if eval_data:
        held_out = arfbench.load_dataset(eval_data, progress=True)
        check_labelled(held_out, eval_data)
        return samples, held_out
    return holdout_split(samples, recipe.eval.holdout_fraction, recipe.seed)


def check_labelled(samples: list[Sample], source: str) -> None:
    if not samples:
        raise ValueError(f"{source}: no questions")
    unlabelled = [s.id for s in samples if s.answer is None]
    if unlabelled:
        raise ValueError(f"{source}: {len(unlabelled)} question(s) without a correct answer, e.g. {unlabelled[:3]}")
