"""What the runner needs from anything that answers questions: our checkpoints, API models, baselines.

An answer's `choice` goes to the results' `model_answer`; an answer with an `error` is recorded as unanswered, and the
run goes on."""

from typing import Protocol

from tsqa.arfbench import Answer, Sample


class Answerer(Protocol):
    """Answers a batch of questions, one `Answer` per sample, in order. The options are shown in the given order."""

    name: str

    def answer(self, samples: list[Sample]) -> list[Answer]: ...
