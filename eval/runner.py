"""Runs any `Answerer` over a dataset into a results file, resumably, with a progress bar.

An answerer is anything with a `name` and `answer(samples) -> [Answer, ...]`: our checkpoints, API models, baselines.
An answer's `choice` goes to the results' `model_answer`; an answer with an `error` is recorded as unanswered, and
the run goes on. Options are shuffled before a model sees them (as ARFBench does), deterministically per question and
seed, so reruns and resumed runs show the same order.

Batches go to `concurrency` worker threads (API models: batch 1, many threads; local checkpoints: bigger batches,
one thread). Within windows of `WINDOW_BATCHES` batches, questions are batched with others of similar size
(`Sample.size`), so a batch pads little; single questions go in dataset order. Rows are written in dataset order as soon as every earlier row is answered,
so the file's row order - which the F1 of invalid answers depends on - depends neither on the batching nor on which
request finished first.
"""

import dataclasses
import json
import random
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tsqa.arfbench import Answer, Sample
from tsqa.arfbench.schema import batches_by_size
from tsqa.eval.results import ResultRow
from tsqa.eval.results_writer import ResultsWriter


WINDOW_BATCHES = 16  # batching by size reorders at most this many batches; rows wait at most that long to be written


class Answerer(Protocol):
    """Answers a batch of questions, one `Answer` per sample, in order. The options are shown in the given order."""

    name: str

    def answer(self, samples: list[Sample]) -> list[Answer]: ...


def question_rng(seed: int, sample_id: str) -> random.Random:
    """A generator that depends only on the seed and the question, so reruns and resumed runs draw the same."""
    return random.Random(f"{seed}:{sample_id}")


def shuffled_options(sample: Sample, seed: int) -> Sample:
    """A copy of `sample` whose options are in a seeded random order."""
    options = list(sample.options)
    question_rng(seed, sample.id).shuffle(options)
    return dataclasses.replace(sample, options=options)


@dataclass(frozen=True)
class RunSummary:
    path: Path
    model: str
    total: int  # questions asked for
    resumed: int  # already in the file when the run started
    written: int
    correct: int  # among the rows written by this run
    unanswered: int  # rows written with no answer (invalid for the metrics)
    failed: int  # of those, questions whose answerer gave up with an error (e.g. after its retries)

    def describe(self) -> str:
        text = (
            f"{self.model}: {self.written} rows written to {self.path} ({self.resumed} already there, "
            f"{self.total} asked for); {self.correct} correct, {self.unanswered} without an answer"
        )
        if self.failed:
            text += f", of which {self.failed} failed after retries (recorded as invalid, error in `reasoning`)"
        return text


def _check_samples(samples: Sequence[Sample]) -> None:
    seen = set()
    for sample in samples:
        if sample.id in seen:
            raise ValueError(f"sample id {sample.id!r} appears twice: results are keyed by it")
        seen.add(sample.id)
        if sample.answer is None:
            raise ValueError(f"sample {sample.id!r} has no correct answer: it cannot be scored")
        if sample.answer not in sample.options:
            raise ValueError(f"sample {sample.id!r}: correct answer {sample.answer!r} is not among its options")


def _check_resumed(writer: ResultsWriter, dataset: Sequence[Sample]) -> None:
    """Every row already in the file answers a question the dataset still asks, word for word: a row of another
    dataset, or of a question since edited under the same id, would be scored as if it answered this one."""
    by_id = {sample.id: sample for sample in dataset}
    for sample_id, recorded in writer.recorded.items():
        where = f"{writer.path}: row {recorded.row} (sample_id {sample_id!r})"
        sample = by_id.get(sample_id)
        if sample is None:
            raise ValueError(f"{where} is not a question of this dataset; the file belongs to another dataset: "
                             "write to a new --out")
        asked = {
            "query_group": sample.query_group,
            "question": sample.question,
            "options": tuple(sorted(sample.options)),
            "correct_answer": sample.answer or "",
        }
        changed = [name for name, value in asked.items() if getattr(recorded, name) != value]
        if changed:
            raise ValueError(f"{where} answers a different question than the dataset now asks under that id "
                             f"({', '.join(changed)} changed); delete that row to ask it again, or write to a new "
                             "--out")


def result_row(model: str, sample: Sample, answer: Answer, latency_s: float) -> ResultRow:
    """The results row for `answer` to `sample`, whose options are in the order the model saw them."""
    correct = answer.choice is not None and answer.choice_is_text and answer.choice == sample.answer
    return ResultRow(
        run=1,
        model=model,
        query_group=sample.query_group,
        question=sample.question,
        options=json.dumps(sample.options, ensure_ascii=False),
        correct_answer=sample.answer,
        task_category=sample.category,
        model_answer=answer.choice,
        is_correct=float(correct),
        has_images=bool(sample.images),
        num_images=len(sample.images),
        reasoning=f"ERROR: {answer.error}" if answer.error else answer.reasoning,
        raw_response=answer.text,
        probabilities=answer.probabilities or None,
        latency_s=latency_s,
        sample_id=sample.id,
    )


def _timed_answer(answerer: Answerer, batch: list[Sample]) -> tuple[list[Answer], float]:
    start = time.perf_counter()
    answers = list(answerer.answer(batch))
    if len(answers) != len(batch):
        raise ValueError(f"{answerer.name} returned {len(answers)} answers for {len(batch)} questions")
    return answers, time.perf_counter() - start


def _batches(todo: list[Sample], batch_size: int) -> list[list[Sample]]:
    """Batches of questions of similar size, each drawn from one window of `WINDOW_BATCHES` batches in order;
    questions asked one at a time (API models) keep dataset order."""
    if batch_size == 1:
        return [[sample] for sample in todo]
    plan = batches_by_size([sample.size for sample in todo], batch_size, WINDOW_BATCHES)
    return [[todo[i] for i in batch] for batch in plan]


def _answers_in_order(
    answerer: Answerer, batches: list[list[Sample]], concurrency: int
) -> Iterator[tuple[list[Sample], list[Answer], float]]:
    """(batch, answers, seconds) in batch order, with up to 2 x `concurrency` batches submitted ahead."""
    queued: deque[tuple[list[Sample], Future]] = deque()
    upcoming = iter(batches)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        try:
            while True:
                while len(queued) < 2 * concurrency and (batch := next(upcoming, None)) is not None:
                    queued.append((batch, pool.submit(_timed_answer, answerer, batch)))
                if not queued:
                    return
                batch, future = queued.popleft()
                answers, seconds = future.result()
                yield batch, answers, seconds
        finally:
            for _, future in queued:
                future.cancel()


def run_answerer(
    answerer: Answerer,
    samples: Sequence[Sample],
    out: str | Path,
    *,
    batch_size: int = 1,
    concurrency: int = 1,
    seed: int = 0,
    progress: bool = True,
    dataset: Sequence[Sample] | None = None,
) -> RunSummary:
    """Answer every sample not yet in `out` (a results CSV, created or resumed) and append its row.

    `dataset` (default: `samples`) is every question the file may hold rows for: a run over part of a dataset
    resumes a file written over all of it. A row for any other question, or for a question whose text, options or
    answer changed since, is refused (ValueError naming the row)."""
    from tqdm import tqdm

    if batch_size < 1 or concurrency < 1:
        raise ValueError(f"batch_size and concurrency must be >= 1, got {batch_size} and {concurrency}")
    _check_samples(samples)
    written = correct = unanswered = failed = 0
    with ResultsWriter(out, answerer.name) as writer:
        if writer.torn:
            print(f"{out}: its last row was torn (an interrupted write); moved to {writer.torn}", file=sys.stderr)
        _check_resumed(writer, samples if dataset is None else dataset)
        todo = [shuffled_options(s, seed) for s in samples if s.id not in writer.answered]
        resumed = len(samples) - len(todo)
        batches = _batches(todo, batch_size)
        position = {sample.id: index for index, sample in enumerate(todo)}
        ready: dict[int, tuple[ResultRow, Answer]] = {}
        bar = tqdm(
            total=len(samples), initial=resumed, desc=answerer.name, unit="q", file=sys.stderr, disable=not progress
        )
        with bar:
            for batch, answers, seconds in _answers_in_order(answerer, batches, concurrency):
                for sample, answer in zip(batch, answers):
                    row = result_row(answerer.name, sample, answer, seconds / len(batch))
                    ready[position[sample.id]] = row, answer
                while written in ready:
                    row, answer = ready.pop(written)
                    writer.append(row)
                    written += 1
                    correct += int(row.is_correct)
                    unanswered += int(not answer.choice)
                    failed += int(answer.error is not None)
                    bar.update(1)
    return RunSummary(Path(out), answerer.name, len(samples), resumed, written, correct, unanswered, failed)
