"""The detector baseline: answers every category from the evidence alone, with per-category parameters fitted on
training questions (`fit_detector`) and kept in a small, versioned JSON file.

File (strictly read: an unknown, missing or mistyped field is an error naming it):
    {"format": "tsqa-detector", "version": 1, "source": "z" | "band", "encoder": null | "TOTO_DIR_OR_ID",
     "parameters": {CATEGORY: {"threshold": ..., ...}, ...},
     "fit": {"data": "...", "generator": [{"seed": ..., ...}], "questions": N, "accuracy": {CATEGORY: percent}}}
"""

import copy
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tsqa.arfbench.categories import CATEGORIES
from tsqa.arfbench.schema import Answer, Sample
from tsqa.evidence.excursions import BAND, SOURCES, Forecaster, series_evidence
from tsqa.evidence.rules import GRIDS, THRESHOLDS, Question, answer

FORMAT, VERSION = "tsqa-detector", 1
BUNDLED = Path(__file__).parent / "detector.json"  # `tsqa eval --model detector`: fit by `tsqa fit-detector`


@dataclass
class Detector:
    source: str  # the evidence track the rules read: "z" (raw values) or "band" (a forecaster's band)
    parameters: dict[str, dict[str, float]]  # category -> its rule's parameters
    encoder: str | None = None  # the forecaster the "band" source needs (a Toto directory or Hub id)
    fit: dict = field(default_factory=dict)  # where the parameters came from: data, questions, training accuracy

    def to_json(self) -> dict:
        return copy.deepcopy({"format": FORMAT, "version": VERSION, "source": self.source, "encoder": self.encoder,
                              "parameters": self.parameters, "fit": self.fit})

    def save(self, path: "str | Path") -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n")
        return path

    @classmethod
    def load(cls, path: "str | Path") -> "Detector":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"{path}: cannot read the detector file ({err})") from None
        except (ValueError, RecursionError) as err:  # not JSON, nested too deeply, a number of 4300+ digits
            raise ValueError(f"{path}: not JSON ({str(err) or 'nested too deeply'})") from None
        return cls.from_json(data, str(path))

    @classmethod
    def from_json(cls, data: object, where: str = "detector") -> "Detector":
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
        expected = {"format", "version", "source", "encoder", "parameters", "fit"}
        if set(data) != expected:
            extra, missing = sorted(set(data) - expected), sorted(expected - set(data))
            raise ValueError(f"{where}: unknown fields {extra}, missing fields {missing}")
        if data["format"] != FORMAT or data["version"] != VERSION:
            raise ValueError(f"{where}: format {data['format']!r} version {data['version']!r}; "
                             f"this tsqa reads {FORMAT!r} version {VERSION}")
        if data["source"] not in SOURCES:
            raise ValueError(f"{where}: source must be one of {list(SOURCES)}, got {data['source']!r}")
        if data["source"] == BAND and not isinstance(data["encoder"], str):
            raise ValueError(f"{where}: encoder: the band source needs the forecaster's directory or Hub id")
        if data["encoder"] is not None and not isinstance(data["encoder"], str):
            raise ValueError(f"{where}: encoder must be a string or null")
        if not isinstance(data["fit"], dict):
            raise ValueError(f"{where}: fit must be an object")
        return cls(data["source"], _parameters(data["parameters"], where), data["encoder"], data["fit"])


def _parameters(parameters: object, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(parameters, dict) or set(parameters) != set(CATEGORIES):
        found = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"{where}: parameters must hold exactly the eight categories, got {found}")
    checked = {}
    for category in CATEGORIES:
        values, names = parameters[category], {"threshold", *GRIDS[category]}
        if not isinstance(values, dict) or set(values) != names:
            found = sorted(values) if isinstance(values, dict) else values
            raise ValueError(f"{where}: parameters[{category!r}] must have exactly {sorted(names)}, got {found}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{where}: parameters[{category!r}][{name!r}] must be a number >= 0, got {value!r}")
        checked[category] = {name: float(value) for name, value in values.items()}
    return checked


def questions(samples: Sequence[Sample], source: str, forecaster: Forecaster | None = None) -> list[Question]:
    """Each sample with the evidence of its series (the band track only when a forecaster is given)."""
    if source == BAND and forecaster is None:
        raise ValueError("the band source needs a forecaster (a Toto encoder)")
    return [Question(s, [series_evidence(x, forecaster) for x in s.series], source) for s in samples]


def _accuracy(items: list[Question], params: dict) -> float:
    return sum(answer(q, params) == q.sample.answer for q in items) / len(items)


def fit_detector(items: Sequence[Question], source: str, encoder: str | None = None, data: str = "") -> Detector:
    """Per category, the parameters (from `detector_rules.GRIDS` and `THRESHOLDS`) that answer most training
    questions right; ties go to the first in grid order. A category without training questions is refused."""
    parameters, accuracy = {}, {}
    for category in CATEGORIES:
        chosen = [q for q in items if q.sample.category == category]
        if not chosen:
            raise ValueError(f"no training questions of category {category!r}: the detector fits every category")
        grid = GRIDS[category]
        best: tuple[float, dict] | None = None
        for threshold in THRESHOLDS[source]:
            for values in itertools.product(*grid.values()):
                params = {"threshold": threshold, **dict(zip(grid, values))}
                score = _accuracy(chosen, params)
                if best is None or score > best[0]:
                    best = (score, params)
        parameters[category] = best[1]
        accuracy[category] = round(100 * best[0], 2)
    generators = sorted({  # the synthetic settings the questions came from (seed, profile), without question indices
        json.dumps({k: v for k, v in q.sample.meta["generator"].items() if k != "index"}, sort_keys=True)
        for q in items
        if isinstance(q.sample.meta.get("generator"), dict)
    })
    fit = {"data": data, "generator": [json.loads(g) for g in generators], "questions": len(items),
           "accuracy": accuracy}
    return Detector(source, parameters, encoder, fit)


class DetectorAnswerer:
    """An `Answerer` for the runner: the detector's option for every question, from the evidence of its series."""

    def __init__(self, detector: Detector, forecaster: Forecaster | None = None, name: str = "detector"):
        if detector.source == BAND and forecaster is None:
            raise ValueError("this detector reads the band source: give it the forecaster its file names")
        self.detector, self.forecaster, self.name = detector, forecaster, name

    def answer(self, samples: list[Sample]) -> list[Answer]:
        if unseen := next((s for s in samples if not s.series), None):
            raise ValueError(f"sample {unseen.id!r}: the detector reads the series' values, not images; pass the "
                             "metric file (--series) instead")
        answers = []
        forecaster = self.forecaster if self.detector.source == BAND else None
        for q in questions(samples, self.detector.source, forecaster):
            params = self.detector.parameters.get(q.sample.category)
            choice = answer(q, params) if params is not None else q.sample.options[0]
            answers.append(Answer(text=choice, choice=choice))
        return answers
