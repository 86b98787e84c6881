"""Everything the report shows for one model's results table: accuracy, F1, precision, recall, invalid counts."""

from collections.abc import Sequence
from dataclasses import dataclass

from tsqa.eval.accuracy import accuracy, first_run
from tsqa.eval.breakdown import Breakdown
from tsqa.eval.f1 import category_f1, f1_breakdown
from tsqa.eval.results import ResultRow


@dataclass(frozen=True)
class ModelScores:
    n: int  # questions in run 1
    accuracy: Breakdown
    f1: Breakdown
    precision: Breakdown
    recall: Breakdown
    invalid: dict[str, int]  # category -> answers without a valid class (all runs, as F1 counts them)

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "accuracy": self.accuracy.to_json(),
            "f1": self.f1.to_json(),
            "precision": self.precision.to_json(),
            "recall": self.recall.to_json(),
            "invalid": dict(self.invalid),
        }


def score_model(rows: Sequence[ResultRow], seed: int = 0) -> ModelScores:
    """Scores of ONE model's table; `seed` drives the replacement of invalid answers (0 as published)."""
    per_category = category_f1(rows, seed)
    return ModelScores(
        n=len(first_run(rows)),
        accuracy=accuracy(rows),
        f1=f1_breakdown(per_category, "f1"),
        precision=f1_breakdown(per_category, "precision"),
        recall=f1_breakdown(per_category, "recall"),
        invalid={category: s.invalid for category, s in per_category.items()},
    )


def split_by_model(rows: Sequence[ResultRow]) -> dict[str, list[ResultRow]]:
    """Each model's rows in file order: each model is scored as its own table, with its own RNG."""
    tables: dict[str, list[ResultRow]] = {}
    for row in rows:
        tables.setdefault(row.model, []).append(row)
    return tables
