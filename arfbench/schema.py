"""The dataset's types: a multivariate `Series`, a multiple-choice `Sample` over one or two of them, and an `Answer`
to a sample from anything that answers (our model, an API model, a baseline, an expert)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tsqa.arfbench.categories import TIER_OF


@dataclass(eq=False)
class Series:
    """A multivariate metric on a regular grid; NaN marks a missing value."""

    name: str  # the query group id, e.g. "35928_0"
    channels: list[str]  # tag sets, e.g. "service:checkout,dc:us1"
    timestamps: np.ndarray  # (time,) int64 unix seconds, strictly increasing
    values: np.ndarray  # (time, channels) float64
    interval: int  # seconds between steps
    repairs: list[str] = field(default_factory=list)  # what its reader repaired, one line per kind (not compared)

    def __post_init__(self) -> None:
        self.timestamps = np.asarray(self.timestamps, dtype=np.int64)
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.values.ndim != 2:
            raise ValueError(f"series {self.name!r}: values must be (time, channels), got shape {self.values.shape}")
        if self.values.shape != (len(self.timestamps), len(self.channels)):
            raise ValueError(
                f"series {self.name!r}: values shape {self.values.shape} does not match "
                f"{len(self.timestamps)} timestamps x {len(self.channels)} channels"
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Series)
            and self.name == other.name
            and self.channels == other.channels
            and self.interval == other.interval
            and np.array_equal(self.timestamps, other.timestamps)
            and np.array_equal(self.values, other.values, equal_nan=True)
        )


@dataclass
class Sample:
    """One benchmark question. `answer` is the exact text of one option, or None when unlabelled."""

    id: str  # unique within a dataset: "<query_group>#<row>"
    query_group: str  # as in the csv: "35928_0", or "35928_4, 36531_3" for a pair
    category: str
    question: str
    options: list[str]
    answer: str | None
    series: list[Series]  # one, or two for paired (Tier 3) questions
    images: list[Path] = field(default_factory=list)  # combined image first for pairs, then the single ones
    meta: dict = field(default_factory=dict)  # generator ground truth and loader flags (JSON-serialisable)

    @property
    def tier(self) -> int:
        return TIER_OF[self.category]

    @property
    def size(self) -> tuple[int, int]:
        """A cheap proxy for the length of this question's prompt, to batch questions of similar length together
        (padding a batch to its longest prompt costs attention quadratic in that length): channels across its
        series, then characters of question and options."""
        return sum(len(s.channels) for s in self.series), len(self.question) + sum(map(len, self.options))


@dataclass(frozen=True)
class Answer:
    """One answer to one question: what the API returns, the evaluator records and the server sends.

    `choice` is the answer proper: the option picked by scoring, or the answer parsed from generated `text` (None
    when there is none: an open question, an unparsable reply, an error). `choice_is_text` is False when a JSON
    answer was not a string (ARFBench keeps the JSON value, which then equals no option). `probabilities` (option ->
    probability) come from option scoring; `error` says why no answer could be had (e.g. an API still failing after
    its retries).
    """

    text: str  # the raw output: generated text, or the chosen option as the JSON answer
    choice: str | None
    sample_id: str = ""
    probabilities: dict[str, float] = field(default_factory=dict)
    reasoning: str | None = None
    error: str | None = None
    choice_is_text: bool = True
    shown_channels: list[list[str]] = field(default_factory=list)  # per series, the channels the prompt showed
    hidden_channels: list[list[str]] = field(default_factory=list)  # per series, those left out by the budget
    plot: Path | None = None  # the plot the question showed, when one was drawn for it
    modality: str | None = None  # what the answering model was shown: both, plot or series (None: not a tsqa model)
    evidence: str | None = None  # the evidence text appended to the question, when it was asked with evidence
    repairs: list[list[str]] = field(default_factory=list)  # per series, what its reader repaired (one line per kind)

    @property
    def answer(self) -> str:
        """The chosen option, else the model's own words."""
        return self.choice if self.choice is not None else self.text.strip()

    def to_json(self) -> dict:
        """Plain JSON types only (`json.dumps(..., allow_nan=False)` accepts it)."""
        return {
            "answer": self.answer,
            "choice": self.choice,
            "probabilities": self.probabilities,
            "text": self.text,
            "reasoning": self.reasoning,
            "error": self.error,
            "shown_channels": self.shown_channels,
            "hidden_channels": self.hidden_channels,
            "plot": None if self.plot is None else str(self.plot),
            "modality": self.modality,
            "repairs": self.repairs,
        } | ({"evidence": self.evidence} if self.evidence is not None else {})


def batches_by_size(
    sizes: Sequence[tuple[int, int]], batch_size: int, window: int | None = None, rng: np.random.Generator | None = None
) -> list[list[int]]:
    """Indices of every batch, in the order they are to be run; the same arguments (and rng state) always give the
    same batches. `sizes`: `Sample.size` of each question."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = rng.permutation(len(sizes)).tolist() if rng is not None else list(range(len(sizes)))
    span = batch_size * window if window else max(len(order), 1)
    batches = []
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: sizes[i])
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches
