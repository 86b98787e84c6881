"""What answers a parsed question: `TSQABackend` runs a loaded checkpoint, one request at a time.

The HTTP layer needs only `answer(question) -> Reply`, so it can be tested and reused apart from the model.
"""

import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tsqa.api import question_sample
from tsqa.serve.request import ChatQuestion

if TYPE_CHECKING:
    from tsqa.api import TSQA


@dataclass
class Reply:
    content: str  # the assistant message: JSON {"answer", "reasoning"} when options were scored
    details: dict = field(default_factory=dict)  # returned beside the choices as the response's `tsqa` field


class Backend(Protocol):
    def answer(self, question: ChatQuestion) -> Reply: ...


class TSQABackend:
    """A `TSQA` checkpoint behind a lock (the model is not thread-safe); requests decode and parse in parallel.

    Questions with options are answered by scoring every option, without options by generation. A question with
    series uses time-series tokens when the checkpoint has an encoder; with images only it is plot-only. Without
    an image the plot is rendered from the series, as the model was trained to see one.
    """

    def __init__(self, tsqa: "TSQA"):
        self.tsqa = tsqa
        self._lock = threading.Lock()

    def answer(self, question: ChatQuestion) -> Reply:
        model = self.tsqa.model
        modality = model.config.modality if question.series and model.encoder is not None else "plot"
        mode = "score" if question.options else "generate"
        with tempfile.TemporaryDirectory(prefix="tsqa-serve-") as directory:
            sample = question_sample(question.text, question.options, question.series,
                                     _saved(question.images, Path(directory)), sample_id="request")
            with self._lock:
                (answer,) = model.answer(
                    [sample], mode=mode, batch_size=1, modality=modality, max_new_tokens=question.max_new_tokens
                )
        details = {
            "mode": mode,
            "modality": modality,
            "probabilities": answer.probabilities,
            "shown_channels": answer.shown_channels,
            "hidden_channels": answer.hidden_channels,
        }
        if answer.choice is None:
            return Reply(answer.text, details)
        probability = answer.probabilities[answer.choice]
        reasoning = f"Scored all {len(question.options)} options; this one is the most likely (p = {probability:.3f})."
        return Reply(json.dumps({"answer": answer.choice, "reasoning": reasoning}, ensure_ascii=False), details)


def _saved(images: list, directory: Path) -> list[Path]:
    """The images as PNG files, the form a `Sample` carries them in."""
    paths = []
    for index, image in enumerate(images):
        path = directory / f"image-{index}.png"
        image.save(path, format="PNG")
        paths.append(path)
    return paths
