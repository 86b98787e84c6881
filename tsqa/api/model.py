"""The Python front door: `TSQA.from_pretrained(...).ask(series, question, options)`, for any answerer, and the
user's question as a `Sample` (the series read from any form `ask` takes, or plot images checked up front)."""

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from tsqa import DEMO_MODEL
from tsqa.arfbench.categories import CORRELATION, PRESENCE
from tsqa.arfbench.exports import SizeLimits, load_series
from tsqa.arfbench.schema import Answer, Sample, Series

MAX_SERIES = 2  # a question is about one series, or a pair


def question_sample(question: str, options: list[str], series: list[Series], images: list[Path],
                    category: str | None = None, sample_id: str = "ask") -> Sample:
    """A user's question as a `Sample`. The category labels it (the detector answers by it; prompts do not depend
    on it); by default presence for one series or image, correlation for two."""
    count = max(len(series), len(images))
    return Sample(
        id=sample_id,
        query_group=", ".join(s.name for s in series) or ", ".join(Path(p).stem for p in images),
        category=category or (CORRELATION if count == 2 else PRESENCE),
        question=question,
        options=options,
        answer=None,
        series=series,
        images=images,
    )


def loaded_series(series: "str | Path | Series | Sequence", strict: bool = False,
                  interval: int | None = None) -> list[Series]:
    """One series or a pair, read from any form `ask` takes (repaired by the stated policy unless `strict`)."""
    sources = list(series) if isinstance(series, (list, tuple)) else [series]
    if not 1 <= len(sources) <= MAX_SERIES:
        raise ValueError(f"series: expected one series or a pair, got {len(sources)}")
    limits = SizeLimits.answerable()
    return [load_series(s, name=_series_name(s, i), strict=strict, interval=interval, limits=limits)
            for i, s in enumerate(sources)]


def checked_images(images: "str | Path | Sequence[str | Path]") -> list[Path]:
    """Plot image files (a screenshot each; two for a pair), each opened and decoded once so that a missing or
    corrupt file is refused here, naming it, before any model is asked."""
    from PIL import Image, UnidentifiedImageError

    paths = [Path(p) for p in (images if isinstance(images, (list, tuple)) else [images])]
    if not 1 <= len(paths) <= MAX_SERIES:
        raise ValueError(f"image: expected one plot image or two (a pair), got {len(paths)}")
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path}: no such image file")
        try:
            with Image.open(path) as image:
                image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
            raise ValueError(f"{path}: not a readable image ({err})") from None
    return paths


def _series_name(source: object, index: int) -> str:
    """A file's stem (shown on the plot and in the prompt), else `series_1` / `series_2`."""
    return Path(source).stem if isinstance(source, (str, Path)) else f"series_{index + 1}"


if TYPE_CHECKING:
    from tsqa.bridges.config import Modality
    from tsqa.eval.answerers import AnswererSettings
    from tsqa.forecasting import SeriesForecast


class TSQA:
    """One answerer behind one `ask` call: a tsqa checkpoint (the answering engine), the detector, a frontier API
    or any OpenAI-compatible server; the same answerers, built the same way, as `tsqa eval --model` runs."""

    def __init__(self, answerer):
        """`answerer`: anything with `name` and `answer(samples)`; those that read evidence (checkpoints, endpoints)
        also take `answer(samples, evidence=...)` and hold their own default (`evidence`)."""
        self.answerer = answerer
        self._forecast_models: dict = {}  # Toto models loaded by `forecast`, by name

    @classmethod
    def from_pretrained(cls, model: "str | Path | None" = None, device: str = "cpu", merge_lora: bool = False,
                        settings: "AnswererSettings | None" = None) -> "TSQA":
        """`model`: what `tsqa eval --model` takes: a checkpoint directory or Hub id (None: the bundled demo),
        `detector[:FILE]`, `openai:MODEL`, `gemini:MODEL`, `anthropic:MODEL` or `http://HOST:PORT/v1::MODEL`.
        `settings` (`eval.answerers.AnswererSettings`) tunes endpoints and names; `device` and `merge_lora` apply
        to checkpoints."""
        from tsqa.eval.answerers import AnswererSettings, make_answerer
        from tsqa.eval.answerers import parse_model_spec

        spec = parse_model_spec(str(DEMO_MODEL if model is None else model))
        settings = replace(settings or AnswererSettings(), device=device, merge_lora=merge_lora)
        return cls(make_answerer(spec, settings))

    @property
    def engine(self):
        """The answering engine of a checkpoint answerer (its model: `engine.model`); None for other answerers."""
        return getattr(self.answerer, "engine", None)

    def ask(
        self,
        series: "str | Path | Series | Sequence | None",
        question: str,
        options: Sequence[str] | None = None,
        *,
        images: "str | Path | Sequence[str | Path] | None" = None,
        plot: "str | Path | None" = None,
        category: str | None = None,
        modality: "Modality | None" = None,
        evidence: bool = False,
        evidence_budget: int | None = None,
        strict: bool = False,
        interval: int | None = None,
    ) -> Answer:
        """Answer a question about one series, or two for a paired question (pass a list of two).

        series: a file path (CSV, parquet, Prometheus / Datadog / CloudWatch JSON), a DataFrame, an array (time,) or
        (time, channels), or an `arfbench.Series`; None with `images`: plot image files alone (a screenshot each),
        for answerers that read plots. Files and frames are repaired by the stated policy
        (`tsqa.arfbench.exports.repair`) and `Answer.repairs` lists what was done; `strict` refuses a file that needs
        a repair, `interval` (seconds) resamples every series onto that grid.
        With options a checkpoint scores every option and returns the most likely; without, it writes an answer.
        The plot drawn from the series is written to `plot` (or a temporary file) and its path returned.
        `category` labels the question (the detector answers by it). `modality` (both, plot, series; checkpoints)
        defaults to what the model was trained to see. `evidence` appends the series' evidence to the question
        (`evidence_budget`: tokens of a checkpoint's tokenizer, default 512; else characters, default 2000); the
        answer carries it in `evidence`.
        """
        if not question.strip():
            raise ValueError("question: empty")
        if (series is None) == (images is None):
            raise ValueError("give the series (a metric file) or plot images, one of the two")
        options = [str(o) for o in options] if options else []
        if len(set(options)) != len(options):
            raise ValueError(f"options: duplicates in {options}")
        if series is None:
            if evidence:
                raise ValueError("evidence is computed from the series' values: pass the series, not images")
            loaded, plot_path = [], None
            sample = question_sample(question, options, [], checked_images(images), category)
        else:
            loaded = loaded_series(series, strict, interval)
            plot_path = _render(loaded, plot)
            sample = question_sample(question, options, loaded, [plot_path], category)
        asked: dict = {}
        if evidence:
            if not hasattr(self.answerer, "evidence"):
                raise ValueError(f"evidence: {self.answerer.name} does not read the question's text")
            from tsqa.evidence.question import EvidenceRequest

            asked["evidence"] = EvidenceRequest(evidence_budget)
        elif evidence_budget is not None:
            raise ValueError("evidence_budget needs evidence=True")
        if modality is not None:
            if self.engine is None:
                raise ValueError(f"modality: {self.answerer.name} is not a tsqa checkpoint; it sees what it is sent")
            asked["modality"] = modality
        (answer,) = self.answerer.answer([sample], **asked)
        return replace(answer, plot=plot_path, repairs=[list(s.repairs) for s in loaded])

    def forecast(self, series: "str | Path | Series | Sequence", horizon: int,
                 model: "str | Path | None" = None) -> "SeriesForecast":
        """The median and 10-90% band of every channel, `horizon` steps past the end of `series`, from the Toto 2.0
        named by `model` (Hub id or folder; default: the bundled small Toto pretrained on metrics, not the answering
        model's encoder, whose head was never trained to forecast)."""
        from tsqa.forecasting import forecast_series, load_forecaster

        key = None if model is None else str(model)
        if key not in self._forecast_models:
            self._forecast_models[key] = load_forecaster(model)
        return forecast_series(self._forecast_models[key], series, horizon)


def _render(series: list[Series], plot: "str | Path | None") -> Path:
    """The plot of the series (a pair stacked), written to `plot` or a temporary file named by its content."""
    from tsqa.arfbench.plot import png_bytes

    data = png_bytes(series[0] if len(series) == 1 else series)
    if plot is None:
        directory = Path(tempfile.gettempdir()) / "tsqa-plots"
        directory.mkdir(exist_ok=True)
        plot = directory / f"plot-{hashlib.sha256(data).hexdigest()[:12]}.png"
    path = Path(plot)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
