"""Answering with a tsqa checkpoint (the hybrid model), in the shape the runner expects."""

import json
import math
from pathlib import Path

from tsqa.arfbench import Sample
from tsqa.eval.answerer import Answer
from tsqa.eval.parsing import parse_response


class CheckpointAnswerer:
    """Option scoring by default (always one of the options, with probabilities); generation on request, parsed
    exactly as an API model's text is."""

    def __init__(
        self, model, name: str, mode: str = "score", modality: str | None = None, max_new_tokens: int = 64
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
        return [self._converted(a) for a in answers]

    @staticmethod
    def _converted(answer) -> Answer:
        if not all(math.isfinite(p) for p in answer.probabilities.values()):
            return Answer(text=answer.raw_text, choice=None, error="the model's option scores are not finite numbers")
        if answer.choice is not None:
            return Answer(text=answer.raw_text, choice=answer.choice, probabilities=answer.probabilities,
                          reasoning=json.dumps({"shown_channels": answer.shown_channels}))
        parsed = parse_response(answer.raw_text)
        return Answer(text=answer.raw_text, choice=parsed.answer, reasoning=parsed.reasoning,
                      choice_is_text=parsed.answer_is_text)
