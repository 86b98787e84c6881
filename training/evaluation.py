"""Held-out evaluation during training, scored by the evaluator's own ARFBench-exact accuracy and F1."""

from tsqa.arfbench.schema import Sample
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.config import Modality
from tsqa.eval.runner import result_row, shuffled_options
from tsqa.eval.metrics import score_model

MODEL_NAME = "training"


def held_out_metrics(
    engine: AnswerEngine, samples: list[Sample], batch_size: int, seed: int = 0, modality: Modality | None = None
) -> dict:
    """Accuracy and F1 (percent; overall and per category) of the engine's answers by option scoring.

    Options are shuffled with the evaluator's seeded shuffle, the same at every evaluation, so figures compare."""
    shown = [shuffled_options(sample, seed) for sample in samples]
    answers = engine.answer(shown, mode="score", batch_size=batch_size, modality=modality)
    rows = [result_row(MODEL_NAME, sample, answer, 0.0) for sample, answer in zip(shown, answers)]
    scores = score_model(rows)
    return {
        "questions": scores.n,
        "accuracy": scores.accuracy.overall,
        "f1": scores.f1.overall,
        "accuracy_by_category": scores.accuracy.category,
        "f1_by_category": scores.f1.category,
    }
