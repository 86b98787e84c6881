"""A question's evidence: the evidence text of its series, appended to its question.

The question text is what every answerer reads (an API model's prompt, our checkpoints' prompt, the text a client
sends to `tsqa serve`), so one function, `evidence_text`, serves all of them and no model code changes. An answerer
is asked with evidence by an `EvidenceRequest`: the answering engine (`bridges.answering`) computes it with its own
Toto and tokenizer, an endpoint answerer with its optional Toto and characters.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from tsqa.arfbench.schema import Sample
from tsqa.evidence.excursions import Forecaster, series_evidence
from tsqa.evidence.text import TextSettings, render

CHARACTER_BUDGET = 2000  # without a tokenizer: characters (about 500 tokens of English and digits)
TOKEN_BUDGET = 512  # with a tokenizer: tokens
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class EvidenceRequest:
    """Answer a question with its series' evidence appended: within `budget` (tokens where the answerer counts them
    with its tokenizer, default `TOKEN_BUDGET`; else characters, default `CHARACTER_BUDGET`). `band`: False gives
    z-scores alone even where a Toto is at hand, to measure what the forecast band adds."""

    budget: int | None = None
    band: bool = True


class EvidenceError(ValueError):
    """A question whose evidence cannot be computed (no series, a budget below 1, ...)."""


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
        raise EvidenceError(f"sample {sample.id!r}: no series to compute evidence from")
    if budget is None:
        budget = TOKEN_BUDGET if count is not None else CHARACTER_BUDGET
    if budget < 1:
        raise EvidenceError(f"evidence budget must be at least 1, got {budget}")
    try:
        evidence = [series_evidence(series, forecaster) for series in sample.series]
    except ValueError as err:  # a series the evidence cannot be read from: that question's refusal, not the batch's
        raise EvidenceError(str(err)) from None
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
    return appended(sample, evidence_text(sample, forecaster, budget, count))


def appended(sample: Sample, evidence: str) -> Sample:
    """The sample with `evidence` appended to its question after a blank line; everything else kept."""
    return replace(sample, question=sample.question + SEPARATOR + evidence)
