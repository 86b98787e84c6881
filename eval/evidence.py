"""Evidence in every answerer: the evidence text of a question's series, appended to its question.

The question text is what every answerer reads (an API model's prompt, our checkpoints' prompt, the text a client
sends to `tsqa serve`), so one function, `with_evidence`, serves all of them and no model code changes.
`EvidenceAnswerer` wraps any answerer so that a run records it as `NAME+evidence` beside `NAME`.
"""

from collections.abc import Callable
from dataclasses import replace

from tsqa.arfbench.schema import Answer, Sample
from tsqa.encoders.evidence import Forecaster, series_evidence
from tsqa.encoders.evidence_text import TextSettings, render
from tsqa.eval.runner import Answerer
from tsqa.eval.model_spec import EVIDENCE_SUFFIX

CHARACTER_BUDGET = 2000  # without a tokenizer: characters (about 500 tokens of English and digits)
TOKEN_BUDGET = 512  # with a tokenizer: tokens
SEPARATOR = "\n\n"


def token_counter(tokenizer) -> Callable[[str], int]:
    """The number of tokens a text takes with `tokenizer` (a transformers tokenizer), special tokens left out."""
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def evidence_text(
    sample: Sample,
    forecaster: Forecaster | None = None,
    budget: int | None = None,
    count: Callable[[str], int] | None = None,
    settings: TextSettings = TextSettings(),
) -> str:
    """The evidence of the sample's series within `budget` (tokens when `count` is given, else characters;
    default 512 tokens or 2000 characters)."""
    if not sample.series:
        raise ValueError(f"sample {sample.id!r}: no series to compute evidence from")
    if budget is None:
        budget = TOKEN_BUDGET if count is not None else CHARACTER_BUDGET
    if budget < 1:
        raise ValueError(f"evidence budget must be at least 1, got {budget}")
    evidence = [series_evidence(series, forecaster) for series in sample.series]
    return render(evidence, budget, count or len, settings)


def with_evidence(
    sample: Sample,
    forecaster: Forecaster | None = None,
    budget: int | None = None,
    count: Callable[[str], int] | None = None,
) -> Sample:
    """The sample with its evidence text appended to the question (after a blank line); everything else kept.

    `forecaster` (e.g. the checkpoint's `TotoEncoder`) adds the band figures; without it only z-scores are given.
    """
    return _appended(sample, evidence_text(sample, forecaster, budget, count))


def _appended(sample: Sample, evidence: str) -> Sample:
    return replace(sample, question=sample.question + SEPARATOR + evidence)


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
        asked = [_appended(s, text) for s, text in zip(samples, texts)]
        return [replace(a, evidence=text) for a, text in zip(self.inner.answer(asked, **options), texts)]
