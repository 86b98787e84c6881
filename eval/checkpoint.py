"""Answering with a tsqa checkpoint (the hybrid model), in the shape the runner expects."""

from dataclasses import replace
from pathlib import Path

from tsqa.arfbench import Answer, Sample
from tsqa.bridges.choices import AnswerMode, Modality
from tsqa.eval.parsing import parse_response


class CheckpointAnswerer:
    """Option scoring by default (always one of the options, with probabilities); generation on request, parsed
    exactly as an API model's text is."""

    def __init__(
        self,
        model,
        name: str,
        mode: AnswerMode = AnswerMode.SCORE,
        modality: Modality | None = None,
        max_new_tokens: int = 64,
    ):
        self.model, self.name = model, name
        self.mode, self.modality, self.max_new_tokens = mode, modality, max_new_tokens

    @classmethod
    def from_pretrained(cls, directory: "str | Path", name: str | None = None, device: str = "cpu",
                        **kwargs) -> "CheckpointAnswerer":
        from tsqa.bridges.hybrid import HybridModel

        model = HybridModel.from_pretrained(directory, device=device)
        return cls(model, name or Path(directory).resolve().name, **kwargs)

    def answer(self, samples: list[Sample]) -> list[Answer]:
        answers = self.model.answer(samples, mode=self.mode, batch_size=len(samples), modality=self.modality,
                                    max_new_tokens=self.max_new_tokens)
        return [answer if answer.choice is not None else _parsed(answer) for answer in answers]


def _parsed(answer: Answer) -> Answer:
    """A generated answer with its choice parsed from the text, as ARFBench parses a model's reply."""
    parsed = parse_response(answer.text)
    return replace(answer, choice=parsed.answer, reasoning=parsed.reasoning, choice_is_text=parsed.answer_is_text)
