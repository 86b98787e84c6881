"""`EvidenceAnswerer`: any answerer asked with its questions' evidence appended, so that a run records it as
`NAME+evidence` beside `NAME`."""

from collections.abc import Callable
from dataclasses import replace

from tsqa.arfbench.schema import Answer, Sample
from tsqa.eval.answerers import EVIDENCE_SUFFIX
from tsqa.eval.runner import Answerer
from tsqa.evidence.excursions import Forecaster
from tsqa.evidence.question import appended, evidence_text


class EvidenceAnswerer:
    """Any answerer, asked every question with its evidence appended; named `NAME+evidence`. Results rows keep the
    question as written (without the evidence), so the same question matches across runs."""

    def __init__(
        self,
        inner: Answerer,
        forecaster: Forecaster | None = None,
        budget: int | None = None,
        count: Callable[[str], int] | None = None,
    ):
        self.inner, self.forecaster, self.budget, self.count = inner, forecaster, budget, count
        self.name = inner.name + EVIDENCE_SUFFIX

    def answer(self, samples: list[Sample], **options) -> list[Answer]:
        """The inner answerer's answers (`options` passed on), each carrying the evidence its question was given."""
        texts = [evidence_text(s, self.forecaster, self.budget, self.count) for s in samples]
        asked = [appended(s, text) for s, text in zip(samples, texts)]
        return [replace(a, evidence=text) for a, text in zip(self.inner.answer(asked, **options), texts)]
