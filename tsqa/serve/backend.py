"""What answers parsed questions: `TSQABackend` runs a loaded checkpoint on batches of them.

The HTTP layer needs only `check(question, limits)` (token counts, before a question is queued) and
`answer_batch(questions) -> [Answer or APIError, ...]`, so it can be tested and reused apart from the model. This is
the only module of the server that touches the model, through the answering engine (`bridges.answering`), whose
input builder encodes each distinct series of a batch once, in batched encoder calls.
"""

import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tsqa.api.model import question_sample
from tsqa.arfbench import Answer
from tsqa.serve.errors import APIError, bad_request, too_large
from tsqa.serve.limits import Limits
from tsqa.serve.request import ChatQuestion

if TYPE_CHECKING:
    from tsqa.bridges.answering import AnswerEngine


class Backend(Protocol):
    def check(self, question: ChatQuestion, limits: Limits) -> None: ...

    def answer_batch(self, questions: list[ChatQuestion]) -> list["Answer | APIError"]: ...


class TSQABackend:
    """The answering engine of a checkpoint answering batches; only the server's one model worker thread calls
    `answer_batch`.

    Questions with options are answered by scoring every option, without options by generation. A question with
    series uses what the checkpoint was trained to see; with images only it is plot-only (a series-only checkpoint
    refuses it, saying to send the series). Without an image the plot is rendered from the series, as the model was
    trained to see one. A batch is split by generation length and each part is one call of the engine.
    """

    def __init__(self, engine: "AnswerEngine"):
        self.engine = engine

    @classmethod
    def from_pretrained(cls, model: "str | Path | None" = None, device: str = "cpu",
                        merge_lora: bool = False) -> "TSQABackend":
        """A checkpoint directory or Hub id (None: the bundled demo model)."""
        from tsqa import DEMO_MODEL
        from tsqa.bridges.answering import AnswerEngine
        from tsqa.bridges.hybrid import HybridModel

        hybrid = HybridModel.from_pretrained(DEMO_MODEL if model is None else model, device=device,
                                             merge_lora=merge_lora)
        return cls(AnswerEngine(hybrid))

    def check(self, question: ChatQuestion, limits: Limits) -> None:
        """Token limits, counted with the model's tokenizer, and no control tokens in the text: a refused question
        costs no model work."""
        names = [name for series in question.series for name in (series.name, *series.channels)]
        token = self.engine.builder.control_token_in([question.text, *question.options, *names])
        if token is not None:
            raise bad_request(f"the question, an option or a name holds {token!r}, a control token of the model; "
                              "remove it", "control_token")
        tokens = self.engine.count_tokens(question.text)
        if tokens > limits.max_question_tokens:
            raise too_large(f"the question is {tokens} tokens; the limit is {limits.max_question_tokens}")
        if question.options:
            longest = max(self.engine.count_tokens(option) for option in question.options)
            if longest > limits.max_option_tokens:
                raise too_large(f"an option is {longest} tokens; the limit is {limits.max_option_tokens} per option")

    def answer_batch(self, questions: list[ChatQuestion]) -> list["Answer | APIError"]:
        groups: dict[int, list[int]] = defaultdict(list)
        for index, question in enumerate(questions):
            groups[0 if question.options else question.max_new_tokens].append(index)
        replies: list = [None] * len(questions)
        with tempfile.TemporaryDirectory(prefix="tsqa-serve-") as directory:
            samples = [question_sample(q.text, q.options, q.series, _saved(q.images, Path(directory) / str(i)),
                                       sample_id=f"request-{i}") for i, q in enumerate(questions)]
            evidence = [_evidence(q) for q in questions]
            for max_new_tokens, indices in groups.items():
                answers = self._answers([samples[i] for i in indices], [evidence[i] for i in indices],
                                        max(max_new_tokens, 1))
                for index, answer in zip(indices, answers):
                    if isinstance(answer, Answer):
                        answer = replace(answer, repairs=[list(s.repairs) for s in questions[index].series])
                    replies[index] = _checked(answer)
        return replies

    def _answers(self, samples: list, evidence: list, max_new_tokens: int) -> list:
        """The engine's answers (each question with its evidence when the request asked for it, `tsqa eval
        --evidence` does the same for any model); when the batch is refused (one question the model cannot take, or
        whose evidence cannot be computed), each question is answered alone, so only that one gets the refusal."""
        from tsqa.evidence.question import EvidenceError

        try:
            return self.engine.answer(samples, batch_size=len(samples), max_new_tokens=max_new_tokens,
                                      evidence=evidence)
        except EvidenceError as error:
            if len(samples) == 1:
                return [bad_request(f"evidence: {error}", "invalid_evidence")]
        except ValueError as error:
            if len(samples) == 1:
                return [bad_request(f"the model cannot answer this request: {error}", "unanswerable")]
        return [answer for sample, request in zip(samples, evidence)
                for answer in self._answers([sample], [request], max_new_tokens)]


def _evidence(question: ChatQuestion):
    """The evidence request of a question that asked for it (`"evidence": true`), else None."""
    if question.evidence is None:
        return None
    from tsqa.evidence.question import EvidenceRequest

    return EvidenceRequest(question.evidence)


def _checked(answer: "Answer | APIError") -> "Answer | APIError":
    """An answer the model could not give (scores beyond its arithmetic) is the client's 400, not a reply."""
    if isinstance(answer, Answer) and answer.error:
        return bad_request(f"{answer.error}; no answer is given", "non_finite_scores")
    return answer


def _saved(images: list, directory: Path) -> list[Path]:
    """The images as PNG files, the form a `Sample` carries them in."""
    paths = []
    for index, image in enumerate(images):
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"image-{index}.png"
        image.save(path, format="PNG")
        paths.append(path)
    return paths
