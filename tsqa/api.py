"""The Python front door: `TSQA.from_pretrained(...).ask(series, question, options)`."""

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from tsqa.arfbench.categories import CORRELATION, PRESENCE
from tsqa.arfbench.schema import Answer, Sample, Series
from tsqa.arfbench.exports import SizeLimits, load_series

if TYPE_CHECKING:
    from tsqa.bridges.choices import Modality
    from tsqa.bridges.hybrid import HybridModel
    from tsqa.forecasting import SeriesForecast

DEMO_MODEL = Path(__file__).parent / "demo_model"


class TSQA:
    """A trained hybrid (Toto encoder + adapter + VLM) behind one `ask` call."""

    def __init__(self, model: "HybridModel"):
        self.model = model
        self._forecasters: dict = {}  # Toto models loaded by `forecast`, by name

    @classmethod
    def from_pretrained(cls, path_or_id: "str | Path | None" = None, device: str = "cpu",
                        merge_lora: bool = False) -> "TSQA":
        """A checkpoint directory (or Hub id) written by training; None means the bundled demo model."""
        from tsqa.bridges.hybrid import HybridModel

        model = HybridModel.from_pretrained(DEMO_MODEL if path_or_id is None else path_or_id, device=device)
        if merge_lora:
            model.merge_lora()
        return cls(model)

    def ask(
        self,
        series: "str | Path | Series | Sequence",
        question: str,
        options: Sequence[str] | None = None,
        *,
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
        (time, channels), or an `arfbench.Series`.
        With options, every option is scored and the most likely returned; without, the model generates an answer.
        The plot is written to `plot` (or a temporary file) and its path returned. `modality` (both, plot, series)
        defaults to what the model was trained to see. `evidence` appends the series' evidence (`evidence_text`) to
        the question, within `evidence_budget` tokens of the model's tokenizer (default 512), and returns it as the
        answer's `evidence`; each series is loaded and encoded once for both (the model's encoding cache). Files and
        frames are repaired by the stated policy (`tsqa.arfbench.exports.repair`) and `Answer.repairs` lists what was
        done; `strict` refuses a file that needs a repair, `interval` (seconds) resamples every series onto that grid.
        """
        if not question.strip():
            raise ValueError("question: empty")
        loaded = _loaded(series, strict=strict, interval=interval)
        options = [str(o) for o in options] if options else []
        if len(set(options)) != len(options):
            raise ValueError(f"options: duplicates in {options}")
        plot_path = self._render(loaded, plot)
        sample = question_sample(question, options, loaded, [plot_path], category)
        text = None
        if evidence:
            from tsqa.evidence.question import appended, evidence_text

            text = evidence_text(sample, budget=evidence_budget, **self._evidence_sources())
            sample = appended(sample, text)
        mode = "score" if options else "generate"
        (answer,) = self.model.answer([sample], mode=mode, batch_size=1, modality=modality)
        return replace(answer, plot=plot_path, evidence=text, repairs=[list(s.repairs) for s in loaded])

    def evidence_text(self, series: "str | Path | Series | Sequence", budget: int | None = None) -> str:
        """The evidence `ask(..., evidence=True)` appends for these series: robust z-scores and the model's own Toto
        forecast band, within `budget` of its tokenizer's tokens (default 512)."""
        from tsqa.evidence.question import evidence_text

        sample = question_sample("", [], _loaded(series), [])
        return evidence_text(sample, budget=budget, **self._evidence_sources())

    def forecast(self, series: "str | Path | Series | Sequence", horizon: int,
                 model: "str | Path | None" = None) -> "SeriesForecast":
        """The median and 10-90% band of every channel, `horizon` steps past the end of `series`, from the Toto 2.0
        named by `model` (Hub id or folder; default: the bundled small Toto pretrained on metrics, not the answering
        model's encoder, whose head was never trained to forecast)."""
        from tsqa.forecasting import forecast_series, load_forecaster

        key = None if model is None else str(model)
        if key not in self._forecasters:
            self._forecasters[key] = load_forecaster(model)
        return forecast_series(self._forecasters[key], series, horizon)

    def _evidence_sources(self) -> dict:
        from tsqa.evidence.question import token_counter

        return {"forecaster": self.model.forecaster, "count": token_counter(self.model.processor.tokenizer)}

    @staticmethod
    def _render(series: list[Series], plot: "str | Path | None") -> Path:
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


def question_sample(question: str, options: list[str], series: list[Series], images: list[Path],
                    category: str | None = None, sample_id: str = "ask") -> Sample:
    """A user's question as a `Sample`. The category only labels it: prompts do not depend on it."""
    return Sample(
        id=sample_id,
        query_group=", ".join(s.name for s in series),
        category=category or (CORRELATION if len(series) == 2 else PRESENCE),
        question=question,
        options=options,
        answer=None,
        series=series,
        images=images,
    )


def _loaded(series: "str | Path | Series | Sequence", strict: bool = False,
            interval: int | None = None) -> list[Series]:
    """One series or a pair, read from any form `ask` takes."""
    sources = list(series) if isinstance(series, (list, tuple)) else [series]
    if not 1 <= len(sources) <= 2:
        raise ValueError(f"series: expected one series or a pair, got {len(sources)}")
    limits = SizeLimits.answerable()
    return [load_series(s, name=_series_name(s, i), strict=strict, interval=interval, limits=limits)
            for i, s in enumerate(sources)]


def _series_name(source: object, index: int) -> str:
    """A file's stem (shown on the plot and in the prompt), else `series_1` / `series_2`."""
    return Path(source).stem if isinstance(source, (str, Path)) else f"series_{index + 1}"
