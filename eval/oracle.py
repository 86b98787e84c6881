"""The model-expert oracle (best of two): a question counts as right when the model or the expert got it right.

Questions are matched on (`query_group`, `question`) between the model's and the expert's run-1 rows (the k-th
occurrence of a key with the k-th, should a key repeat); questions only one of them answered are left out.
ARFBench publishes the oracle's F1 but no code for it; here the oracle's answer is the correct answer when either is
right, else the model's answer, and the oracle's rows are scored like any results table.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from tsqa.eval.accuracy import first_run
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
