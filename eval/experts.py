"""Human experts as baselines: the model-expert oracle (best of two), and how often experts agree with each other.

Oracle: a question counts as right when the model or the expert got it right. Questions are matched on
(`query_group`, `question`) between the model's and the expert's run-1 rows (the k-th occurrence of a key with the k-th,
should a key repeat); questions only one of them answered are left out. ARFBench publishes the oracle's F1 but no
code for it; here the oracle's answer is the correct answer when either is right, else the model's answer, and the
oracle's rows are scored like any results table.

Agreement, on the questions both experts answered: the share of identical answers and Cohen's kappa, which discounts
the agreement two people would reach by chance given how often each picks each answer class (classes as the
benchmark's F1 bins them, within each category).
"""

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.eval.metrics import first_run
from tsqa.eval.results import ResultRow


def matched_rows(
    first: Sequence[ResultRow], second: Sequence[ResultRow]
) -> list[tuple[ResultRow, ResultRow]]:
    """The run-1 rows of two tables about the same question, in `first`'s order (see the module docstring)."""
    second_by_key: dict[tuple[str, str], list[ResultRow]] = defaultdict(list)
    for row in first_run(second):
        second_by_key[(row.query_group, row.question)].append(row)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    pairs = []
    for row in first_run(first):
        key = (row.query_group, row.question)
        occurrence = seen[key]
        seen[key] += 1
        if occurrence < len(second_by_key[key]):
            pairs.append((row, second_by_key[key][occurrence]))
    return pairs


def oracle_rows(model_rows: Sequence[ResultRow], expert_rows: Sequence[ResultRow], name: str) -> list[ResultRow]:
    """The oracle's results table (named `name`), in the model's row order."""
    combined = []
    for row, expert in matched_rows(model_rows, expert_rows):
        right = bool(row.is_correct) or bool(expert.is_correct)
        combined.append(
            dataclasses.replace(
                row,
                model=name,
                model_answer=row.correct_answer if right else row.model_answer,
                is_correct=float(right),
            )
        )
    return combined


UNANSWERED = "(no answer)"


@dataclass(frozen=True)
class Agreement:
    experts: tuple[str, str]
    n: int  # questions both answered (run 1), matched on query group and question
    agreement: float | None  # percent of those with the same answer text
    kappa: float | None  # Cohen's kappa over (category, answer class); None when chance agreement is certain
    category: dict[str, float] = field(default_factory=dict)  # percent agreement per category

    def to_json(self) -> dict:
        return {"experts": list(self.experts), "n": self.n, "agreement": self.agreement, "kappa": self.kappa,
                "category": dict(self.category)}


def _label(row: ResultRow) -> tuple[str, str]:
    if not row.model_answer:
        return row.task_category, UNANSWERED
    found = answer_class(row.model_answer, options_from_json(row.options), row.task_category)
    return row.task_category, str(found if found is not None else row.model_answer)


def cohen_kappa(first: Sequence, second: Sequence) -> float | None:
    """Kappa of two equally long label sequences; None when both always give one and the same label."""
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / n
    counts_first, counts_second = Counter(first), Counter(second)
    chance = sum(counts_first[label] * counts_second[label] for label in counts_first) / (n * n)
    return None if chance >= 1 else (observed - chance) / (1 - chance)


def pair_agreement(first: str, first_rows: Sequence[ResultRow], second: str,
                   second_rows: Sequence[ResultRow]) -> Agreement:
    pairs = matched_rows(first_rows, second_rows)
    if not pairs:
        return Agreement((first, second), 0, None, None)
    same = [a.model_answer == b.model_answer for a, b in pairs]
    by_category: dict[str, list[bool]] = {}
    for (a, _), agree in zip(pairs, same):
        by_category.setdefault(a.task_category, []).append(agree)
    kappa = cohen_kappa([_label(a) for a, _ in pairs], [_label(b) for _, b in pairs])
    return Agreement(
        experts=(first, second),
        n=len(pairs),
        agreement=100.0 * sum(same) / len(pairs),
        kappa=kappa,
        category={c: 100.0 * sum(v) / len(v) for c, v in by_category.items()},
    )


def expert_agreement(tables: dict[str, Sequence[ResultRow]]) -> list[Agreement]:
    """Every pair of experts, in the order their tables were given."""
    return [pair_agreement(a, tables[a], b, tables[b]) for a, b in combinations(tables, 2)]
