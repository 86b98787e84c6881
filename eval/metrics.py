"""ARFBench's metrics, exactly as the reference computes them: accuracy over the first run's rows, per-category
macro F1 with its seeded replacement of invalid answers, their tier and overall figures, and the scores a report shows
for one model's results table.

Accuracy: the mean of `is_correct` over run 1, in percent; rows whose `is_correct` is empty are left out (as pandas'
`mean` does in the reference). Tiers follow `arfbench.categories`; a category outside the eight still gets its own
figures and counts in the overall ones.

F1: for each category (in order of first appearance in the table), answers and correct answers are mapped to classes
(`arfbench.answer_classes`); rows whose correct answer has no class are left out. The label set is the sorted classes
of the correct answers. An answer with no class, or one outside the label set, is invalid: it is counted and replaced
by `rng.choice(sorted labels without the true class)`, with ONE `random.Random(seed)` for the whole table, rows in
file order. Like the reference, F1 uses every row of the table, whatever its `run`.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.arfbench.categories import TIER_OF, tier_name
from tsqa.eval.results import ResultRow


@dataclass(frozen=True)
class Breakdown:
    overall: float | None  # None when nothing could be scored
    tier: dict[str, float] = field(default_factory=dict)  # "Tier 1" -> %, only tiers with questions
    category: dict[str, float] = field(default_factory=dict)  # category -> %, in order of first appearance

    def to_json(self) -> dict:
        return {"overall": self.overall, "tier": dict(self.tier), "category": dict(self.category)}


def _percent(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) * 100.0 if known else None  # this order of operations, as the reference


def first_run(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """Rows of run 1, the only run ARFBench's accuracy uses."""
    return [row for row in rows if row.run == 1]


def accuracy(rows: Sequence[ResultRow]) -> Breakdown:
    """Accuracy of one model's rows (all runs may be given; only run 1 counts)."""
    scored = first_run(rows)
    categories = list(dict.fromkeys(row.task_category for row in scored))
    tiers = sorted({TIER_OF[c] for c in categories if c in TIER_OF})
    by_category = {c: _percent(r.is_correct for r in scored if r.task_category == c) for c in categories}
    by_tier = {
        tier_name(t): _percent(r.is_correct for r in scored if TIER_OF.get(r.task_category) == t) for t in tiers
    }
    return Breakdown(
        overall=_percent(r.is_correct for r in scored),
        tier={k: v for k, v in by_tier.items() if v is not None},
        category={k: v for k, v in by_category.items() if v is not None},
    )


@dataclass(frozen=True)
class CategoryF1:
    """Macro scores over `labels` as fractions in [0, 1]; `n` rows scored, `invalid` of them replaced."""

    f1: float
    precision: float
    recall: float
    n: int
    invalid: int
    labels: tuple[str, ...]


def _scores(truth: list[str], predicted: list[str], labels: list[str]) -> tuple[float, float, float]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    common = {"labels": labels, "average": "macro", "zero_division": 0}
    return (
        float(f1_score(truth, predicted, **common)),
        float(precision_score(truth, predicted, **common)),
        float(recall_score(truth, predicted, **common)),
    )


def category_f1(rows: Sequence[ResultRow], seed: int = 0) -> dict[str, CategoryF1]:
    """Per-category scores of ONE model's results table (see the module docstring for the exact procedure)."""
    rng = random.Random(seed)
    results = {}
    for category in dict.fromkeys(row.task_category for row in rows):
        pairs = []
        for row in rows:
            if row.task_category != category:
                continue
            options = options_from_json(row.options)
            truth = answer_class(row.correct_answer, options, category)
            if truth is not None:
                pairs.append((truth, answer_class(row.model_answer, options, category)))
        if not pairs:
            continue
        labels = sorted({truth for truth, _ in pairs})
        predicted, invalid = [], 0
        for truth, guess in pairs:
            if guess not in labels:
                invalid += 1
                wrong = [label for label in labels if label != truth]
                guess = rng.choice(wrong) if wrong else labels[0]
            predicted.append(guess)
        f1, precision, recall = _scores([truth for truth, _ in pairs], predicted, labels)
        results[category] = CategoryF1(f1, precision, recall, len(pairs), invalid, tuple(labels))
    return results


def _weighted(scores: dict[str, CategoryF1], metric: str, categories: list[str], pairwise: bool) -> float | None:
    """Mean of `metric` over `categories`, each weighted by its number of scored rows; in percent.

    The reference sums the overall figure with numpy (pairwise) and tier figures with Python's `sum`; doing the
    same keeps even the last digit equal.
    """
    chosen = [scores[c] for c in categories if c in scores]
    total = sum(s.n for s in chosen)
    if not total:
        return None
    terms = [s.n * getattr(s, metric) for s in chosen]
    weighted = float(np.sum(np.array(terms, dtype=np.float64))) if pairwise else sum(terms)
    return weighted / total * 100.0


def f1_breakdown(scores: dict[str, CategoryF1], metric: str = "f1") -> Breakdown:
    """Overall and tier figures of `metric` ("f1", "precision" or "recall") as n-weighted category averages."""
    tiers = sorted({TIER_OF[c] for c in scores if c in TIER_OF})
    by_tier = {
        tier_name(t): _weighted(scores, metric, [c for c in TIER_OF if TIER_OF[c] == t], pairwise=False) for t in tiers
    }
    return Breakdown(
        overall=_weighted(scores, metric, list(scores), pairwise=True),
        tier={k: v for k, v in by_tier.items() if v is not None},
        category={c: getattr(s, metric) * 100.0 for c, s in scores.items()},
    )


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
