"""The generic runner with fake answerers: order, batching, shuffling, resume, summaries, bad input."""

import json
import threading
import time

import pytest

from tsqa.arfbench import Answer
from tsqa.eval.results import read_results
from tsqa.eval.runner import run_answerer


class FakeAnswerer:
    """Answers with the option at `pick`; later batches finish first, to scramble completion order."""

    def __init__(self, pick=0, name="fake"):
        self.name = name
        self.pick = pick
        self.batches = []
        self.lock = threading.Lock()

    def answer(self, samples):
        with self.lock:
            self.batches.append([s.id for s in samples])
            order = len(self.batches)
        time.sleep(0.02 / order)
        return [
            Answer(
                text=f"raw {s.options[self.pick]}",
                choice=s.options[self.pick],
                probabilities={o: 0.5 for o in s.options},
                reasoning="why",
            )
            for s in samples
        ]


def _samples(make_sample, count):
    options = ["Level Shift", "Transient Spike", "Change in Trend", "Change in Variance", "No Anomaly"]
    return [make_sample(i, "Anomaly Categorization", options) for i in range(count)]


def test_rows_in_dataset_order_with_batches_and_threads(tmp_path, make_sample):
    samples = _samples(make_sample, 10)
    answerer = FakeAnswerer()
    summary = run_answerer(answerer, samples, tmp_path / "r.csv", batch_size=3, concurrency=3, progress=False)
    rows = read_results(tmp_path / "r.csv")
    assert [r.sample_id for r in rows] == [s.id for s in samples]
    assert sorted(len(b) for b in answerer.batches) == [1, 3, 3, 3]
    for row, sample in zip(rows, samples):
        shown = json.loads(row.options)
        assert sorted(shown) == sorted(sample.options)
        assert row.model_answer == shown[0]  # the answerer saw the shuffled order
        assert row.is_correct == float(shown[0] == sample.answer)
        assert row.raw_response == f"raw {shown[0]}"
        assert row.probabilities == {o: 0.5 for o in shown}
        assert row.query_group == sample.query_group and row.task_category == sample.category
        assert row.latency_s is not None and row.latency_s >= 0
    assert any(json.loads(r.options) != s.options for r, s in zip(rows, samples))
    assert summary.written == 10 and summary.resumed == 0
    assert summary.correct == sum(int(r.is_correct) for r in rows)


def test_questions_are_batched_by_size_and_rows_still_written_in_dataset_order(tmp_path, make_sample):
    """Long and short questions alternate in the dataset; the answerer gets batches of one size each, and the file
    keeps dataset order."""
    samples = _samples(make_sample, 12)
    for sample in samples[::2]:
        sample.question += " and a much longer explanation of the incident" * 10
    answerer = FakeAnswerer()
    run_answerer(answerer, samples, tmp_path / "r.csv", batch_size=3, concurrency=2, progress=False)
    long_ids = {s.id for s in samples[::2]}
    assert sorted(len(b) for b in answerer.batches) == [3, 3, 3, 3]
    assert all(len({sample_id in long_ids for sample_id in batch}) == 1 for batch in answerer.batches)
    assert [r.sample_id for r in read_results(tmp_path / "r.csv")] == [s.id for s in samples]


def test_shuffle_is_deterministic_per_seed(tmp_path, make_sample):
    samples = _samples(make_sample, 6)
    for name in ("a", "b"):
        run_answerer(FakeAnswerer(), samples, tmp_path / f"{name}.csv", seed=7, progress=False)
    run_answerer(FakeAnswerer(), samples, tmp_path / "c.csv", seed=8, progress=False)
    a, b, c = ([r.options for r in read_results(tmp_path / f"{n}.csv")] for n in "abc")
    assert a == b
    assert a != c


def test_resume_answers_only_what_is_missing(tmp_path, make_sample):
    samples = _samples(make_sample, 8)
    out = tmp_path / "r.csv"
    run_answerer(FakeAnswerer(), samples[:5], out, progress=False)
    again = FakeAnswerer()
    summary = run_answerer(again, samples, out, batch_size=2, progress=False)
    assert sorted(i for b in again.batches for i in b) == [s.id for s in samples[5:]]
    assert summary.resumed == 5 and summary.written == 3
    assert [r.sample_id for r in read_results(out)] == [s.id for s in samples]


def test_failures_and_non_text_answers_are_recorded_as_invalid(tmp_path, make_sample):
    samples = _samples(make_sample, 3)

    class Flaky:
        name = "flaky"

        def answer(self, batch):
            sample = batch[0]
            if sample.id == samples[0].id:
                return [Answer(text="", choice=None, error="RateLimitError 429: slow down")]
            if sample.id == samples[1].id:
                return [Answer(text='{"answer": 25}', choice=sample.answer, choice_is_text=False)]
            return [Answer(text="", choice="")]

    summary = run_answerer(Flaky(), samples, tmp_path / "r.csv", progress=False)
    rows = read_results(tmp_path / "r.csv")
    assert rows[0].model_answer is None and rows[0].reasoning == "ERROR: RateLimitError 429: slow down"
    assert rows[1].model_answer == samples[1].answer and rows[1].is_correct == 0.0
    assert summary.failed == 1 and summary.unanswered == 2 and summary.correct == 0
    assert "failed after retries" in summary.describe()


def test_bad_input_is_refused_and_written_rows_are_kept(tmp_path, make_sample):
    samples = _samples(make_sample, 4)
    wrong = make_sample(9, "Anomaly Presence", ["Yes", "No"], answer="Maybe")
    with pytest.raises(ValueError, match="not among its options"):
        run_answerer(FakeAnswerer(), [*samples, wrong], tmp_path / "x.csv", progress=False)
    with pytest.raises(ValueError, match="appears twice"):
        run_answerer(FakeAnswerer(), [samples[0], samples[0]], tmp_path / "x.csv", progress=False)

    class Short(FakeAnswerer):
        def answer(self, batch):
            if batch[0].id == samples[2].id:
                return []
            return super().answer(batch)

    with pytest.raises(ValueError, match="returned 0 answers"):
        run_answerer(Short(), samples, tmp_path / "short.csv", progress=False)
    assert [r.sample_id for r in read_results(tmp_path / "short.csv")] == [s.id for s in samples[:2]]


def test_rows_of_questions_not_in_the_dataset_are_refused(tmp_path, make_sample):
    samples = _samples(make_sample, 6)
    out = tmp_path / "r.csv"
    run_answerer(FakeAnswerer(), samples, out, progress=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"r\.csv: row 6 \(sample_id '5_0#5'\) is not a question of this dataset"):
        run_answerer(FakeAnswerer(), samples[:5], out, progress=False)
    # a run over part of the dataset it was written for resumes it
    summary = run_answerer(FakeAnswerer(), samples[:3], out, progress=False, dataset=samples)
    assert summary.written == 0 and summary.resumed == 3
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("question", "Edited: what kind of anomaly?"), ("options", None), ("answer", "No Anomaly"),
     ("query_group", "other_0")],
)
def test_a_row_whose_question_was_edited_under_the_same_id_is_not_reused(tmp_path, make_sample, field, value):
    import dataclasses

    samples = _samples(make_sample, 3)
    out = tmp_path / "r.csv"
    run_answerer(FakeAnswerer(), samples, out, progress=False)
    if field == "options":
        value = [*samples[1].options[:-1], "Something Else"]
        edited = dataclasses.replace(samples[1], options=value, answer=value[0])
    else:
        edited = dataclasses.replace(samples[1], **{field: value})
    with pytest.raises(ValueError, match=rf"row 2 \(sample_id '1_0#1'\) answers a different question .*{field}"):
        run_answerer(FakeAnswerer(), [samples[0], edited, samples[2]], out, progress=False)
    reordered = dataclasses.replace(samples[1], options=list(reversed(samples[1].options)))
    assert run_answerer(FakeAnswerer(), [samples[0], reordered, samples[2]], out, progress=False).resumed == 3
