"""What the runner needs from anything that answers questions: our checkpoints, API models, baselines."""

from dataclasses import dataclass
from typing import Protocol

from tsqa.arfbench import Sample


@dataclass(frozen=True)
class Answer:
    """One answer. `choice` is what goes to `model_answer`: the parsed answer, or the picked option.

    `probabilities` (option text -> probability) comes from option scoring. `error` says why no answer could be had
    (e.g. an API still failing after its retries); such a question is recorded as unanswered, and the run goes on.
    `choice_is_text` is False when a JSON answer was not a string (see `eval.parsing.ParsedResponse`).
    """

    text: str
    choice: str | None
    probabilities: dict[str, float] | None = None
    reasoning: str | None = None
    error: str | None = None
    choice_is_text: bool = True


class Answerer(Protocol):
    """Answers a batch of questions, one `Answer` per sample, in order. The options are shown in the given order."""

    name: str

    def answer(self, samples: list[Sample]) -> list[Answer]: ...
