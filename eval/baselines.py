"""Reference points every report shows: a seeded random choice and the per-category most frequent choice.

Most frequent choice: ARFBench's options change from question to question (timestamps, numbers, channel names), so
"the most frequent answer" is taken over answer CLASSES, the same classes F1 uses (`arfbench.answer_classes`): per category,
the class that the correct answers fall in most often (e.g. "No Anomaly", "earliest", "one_channel_small"). Each
question is then answered with its option in the most frequent class its options offer (ties broken by class name,
then option text, so the choice does not depend on the option order). For Presence,
Correlation and Indicator a class is the option text itself. The counts come from the questions being evaluated,
as a majority-class baseline does; the published figure for this baseline is 45.1%.
"""

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

from tsqa.arfbench import Answer, Sample
from tsqa.eval.metrics import first_run
from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.eval.results import ResultRow
from tsqa.eval.runner import question_rng


def random_choice(options: Sequence[str], key: str, seed: int) -> str | None:
    """A uniformly random option, fixed by the seed and the question key and independent of the option order."""
    if not options:
        return None
    return question_rng(seed, key).choice(sorted(options))


class ClassFrequencies:
    """How often each answer class is correct, per category."""

    def __init__(self, questions: Iterable[tuple[str, Sequence[str], str | None]]) -> None:
        """`questions`: (category, options, correct answer) triples."""
        self.counts: dict[str, Counter] = {}
        for category, options, correct in questions:
            label = answer_class(correct, list(options), category)
            if label is not None:
                self.counts.setdefault(category, Counter())[label] += 1

    def most_frequent(self, category: str, options: Sequence[str]) -> str | None:
        """The option of the most frequent class among `options` (see the module docstring); None without options."""
        counts = self.counts.get(category, Counter())
        ranked = []
        for option in options:
            label = answer_class(option, list(options), category)
            ranked.append((-counts[label] if label is not None else 1, label or "", option))
        return min(ranked)[2] if ranked else None


class RandomAnswerer:
    """Picks an option uniformly at random, reproducibly per question."""

    def __init__(self, seed: int = 0, name: str = "random") -> None:
        self.seed = seed
        self.name = name

    def answer(self, samples: list[Sample]) -> list[Answer]:
        answers = []
        for sample in samples:
            choice = random_choice(sample.options, sample.id, self.seed)
            answers.append(Answer(text=choice or "", choice=choice))
        return answers


class MostFrequentAnswerer:
    """Answers each question with the per-category most frequent class, learnt from `reference` samples."""

    def __init__(self, reference: Iterable[Sample], name: str = "most-frequent") -> None:
        self.name = name
        self.frequencies = ClassFrequencies((s.category, s.options, s.answer) for s in reference)

    def answer(self, samples: list[Sample]) -> list[Answer]:
        answers = []
        for sample in samples:
            choice = self.frequencies.most_frequent(sample.category, sample.options)
            answers.append(Answer(text=choice or "", choice=choice))
        return answers


def _baseline_row(row: ResultRow, name: str, choice: str | None) -> ResultRow:
    return dataclasses.replace(
        row,
        model=name,
        model_answer=choice,
        is_correct=float(choice is not None and choice == row.correct_answer),
        reasoning=None,
        raw_response=choice,
        probabilities=None,
        latency_s=None,
    )


def baseline_tables(rows: Sequence[ResultRow], seed: int = 0) -> dict[str, list[ResultRow]]:
    """Random and most-frequent answers to the run-1 questions of a results table, as results tables."""
    questions = first_run(rows)
    options = [options_from_json(row.options) for row in questions]
    frequencies = ClassFrequencies((r.task_category, o, r.correct_answer) for r, o in zip(questions, options))
    return {
        "random": [
            _baseline_row(r, "random", random_choice(o, r.sample_id or f"{r.query_group}|{r.question}", seed))
            for r, o in zip(questions, options)
        ],
        "most-frequent": [
            _baseline_row(r, "most-frequent", frequencies.most_frequent(r.task_category, o))
            for r, o in zip(questions, options)
        ],
    }
