"""Answering with a tsqa checkpoint (the answering engine over a hybrid model), in the shape the runner expects."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tsqa.arfbench import Answer, Sample
from tsqa.bridges.config import AnswerMode, Modality

if TYPE_CHECKING:
    from tsqa.evidence.question import EvidenceRequest


class CheckpointAnswerer:
    """Option scoring by default (always one of the options, with probabilities); generation on request, or for a
    question without options, parsed exactly as an API model's text is. `engine`: a `bridges.answering.AnswerEngine`;
    `evidence`: every question asked with its evidence appended, by the engine (a run named NAME+evidence)."""

    def __init__(
        self,
        engine,
        name: str,
        mode: AnswerMode = AnswerMode.SCORE,
        modality: Modality | None = None,
        max_new_tokens: int = 64,
        evidence: "EvidenceRequest | None" = None,
    ):
        self.engine, self.name = engine, name
        self.mode, self.modality, self.max_new_tokens = AnswerMode(mode), modality, max_new_tokens
        self.evidence = evidence

    @classmethod
    def from_pretrained(cls, directory: "str | Path", name: str | None = None, device: str = "cpu",
                        merge_lora: bool = False, **kwargs) -> "CheckpointAnswerer":
        from tsqa.bridges.answering import AnswerEngine
        from tsqa.bridges.hybrid import HybridModel

        model = HybridModel.from_pretrained(directory, device=device, merge_lora=merge_lora)
        return cls(AnswerEngine(model), name or Path(directory).resolve().name, **kwargs)

    def answer(self, samples: list[Sample], modality: Modality | None = None,
               evidence: "EvidenceRequest | None" = None) -> list[Answer]:
        """`modality` and `evidence` override the answerer's own for this call."""
        mode = AnswerMode.GENERATE if self.mode == AnswerMode.GENERATE else None  # None: open questions generate
        answers = self.engine.answer(samples, mode=mode, batch_size=len(samples) or 1,
                                     modality=modality or self.modality, max_new_tokens=self.max_new_tokens,
                                     evidence=evidence or self.evidence)
        return [answer if answer.choice is not None else _parsed(answer) for answer in answers]


def _parsed(answer: Answer) -> Answer:
    """A generated answer with its choice parsed from the text, as ARFBench parses a model's reply."""
    from tsqa.eval.parsing import parse_response

    parsed = parse_response(answer.text)
    return replace(answer, choice=parsed.answer, reasoning=parsed.reasoning, choice_is_text=parsed.answer_is_text)
