"""The expert-answering page's routes: the questions of a dataset one at a time, each answer appended to a results
file in the published format (model = the expert's name), with the seconds the expert took.

    GET  /                the page          GET /static/NAME   its script and style
    GET  /api/next        the first unanswered question (options in the order models see them), or done
    GET  /api/image/I     the plot of question I (the dataset's PNG, else drawn by `arfbench.plot`)
    POST /api/answer      {"id", "answer"} -> the next question

The results file is the evaluator's own (`ResultsWriter`, `result_row`): it resumes after a kill, and
`tsqa report --human` scores it like any model and combines it into the model-expert oracles.
"""

import dataclasses
import threading
import time
from pathlib import Path

from tsqa.arfbench.layout import image_paths, split_query_group
from tsqa.arfbench.plot import png_bytes
from tsqa.arfbench.schema import Answer, Sample
from tsqa.eval.results_writer import ResultsWriter
from tsqa.eval.runner import result_row, shuffled_options
from tsqa.label.web import HTTPError, Reply, Request, allow, json_reply, page_reply


class AnswersApp:
    """Routes of the answering page for one expert over `samples` (answered in order, resumed from `out`)."""

    def __init__(self, root: Path, samples: list[Sample], expert: str, out: Path, seed: int = 0,
                 token: str = "") -> None:
        if not samples:
            raise ValueError(f"{root}: no questions to answer")
        missing = [s.id for s in samples if s.answer is None]
        if missing:
            raise ValueError(f"{root}: question {missing[0]!r} has no correct answer, so it cannot be scored")
        self.root, self.expert, self.out, self.token = root, expert, out, token
        self.samples = [shuffled_options(s, seed) for s in samples]  # the order `tsqa eval` shows models
        self.index = {s.id: i for i, s in enumerate(self.samples)}
        self.writer = ResultsWriter(out, expert)
        self.shown: dict[str, float] = {}  # sample id -> when it was first sent (monotonic seconds)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.writer.close()

    def __call__(self, request: Request) -> Reply:
        page = page_reply(request, "answers.html", self.token)
        if page is not None:
            return page
        parts = request.parts
        if parts == ["api", "next"]:
            allow(request, "GET")
            return json_reply(self._next())
        if parts == ["api", "answer"]:
            allow(request, "POST")
            return json_reply(self._answer(request.json()))
        if len(parts) == 3 and parts[:2] == ["api", "image"]:
            allow(request, "GET")
            return Reply(self._image(parts[2]), "image/png")
        raise HTTPError(404, f"no route /{'/'.join(parts)}")

    def _next(self) -> dict:
        with self._lock:
            answered = self.writer.answered
            position = next((i for i, s in enumerate(self.samples) if s.id not in answered), None)
            progress = {"expert": self.expert, "total": len(self.samples), "answered": len(answered),
                        "results_file": self.out.name}
            if position is None:
                return {"done": True, **progress}
            sample = self.samples[position]
            self.shown.setdefault(sample.id, time.monotonic())
            question = {"id": sample.id, "index": position, "category": sample.category,
                        "question": sample.question, "options": sample.options, "image": f"api/image/{position}"}
            return {"done": False, **progress, "question": question}

    def _answer(self, body: object) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not isinstance(body.get("answer"), str):
            raise HTTPError(400, "expected {\"id\": question id, \"answer\": the text of one option}")
        position = self.index.get(body["id"])
        if position is None:
            raise HTTPError(404, f"no question {body['id'][:80]!r} in this dataset")
        sample = self.samples[position]
        if body["answer"] not in sample.options:
            raise HTTPError(400, f"{body['answer'][:80]!r} is not one of the options of question {sample.id!r}")
        with self._lock:
            if sample.id in self.writer.answered:
                raise HTTPError(409, f"question {sample.id!r} is already answered")
            shown = self.shown.pop(sample.id, None)
            seconds = None if shown is None else time.monotonic() - shown
            row = result_row(self.expert, sample, Answer(text=body["answer"], choice=body["answer"]), seconds)
            self.writer.append(dataclasses.replace(row, has_images=True, num_images=1, latency_s=seconds))
        return self._next()

    def _image(self, text: str) -> bytes:
        digits = text.isascii() and text.isdigit() and len(text) <= len(str(len(self.samples)))  # not "²", not 5000
        if not digits or int(text) >= len(self.samples):
            raise HTTPError(404, f"no question {text[:40]!r}; questions are numbered 0 to {len(self.samples) - 1}")
        sample = self.samples[int(text)]
        path = image_paths(self.root, split_query_group(sample.query_group))[0]  # a pair's combined plot first
        return path.read_bytes() if path.is_file() else png_bytes(sample.series)
