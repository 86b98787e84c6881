"""Scoring several results files together: each model, the baselines on the same questions, and the
model-expert oracles when human answers are given."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tsqa.eval.agreement import Agreement, expert_agreement
from tsqa.eval.baselines import baseline_tables
from tsqa.eval.model_spec import DETECTOR, EVIDENCE_SUFFIX
from tsqa.eval.oracle import oracle_rows
from tsqa.eval.results import ResultRow, read_results
from tsqa.eval.scores import ModelScores, score_model, split_by_model


@dataclass
class Report:
    models: dict[str, ModelScores] = field(default_factory=dict)  # models (NAME+evidence after NAME), then humans
    baselines: dict[str, ModelScores] = field(default_factory=dict)  # random, most-frequent, then detector results
    oracles: dict[str, ModelScores] = field(default_factory=dict)  # "MODEL+HUMAN"
    humans: list[str] = field(default_factory=list)  # which of `models` are human answers
    agreement: list[Agreement] = field(default_factory=list)  # every pair of human answer tables

    def to_json(self) -> dict:
        """All figures in percent; `models` includes the human answer files."""
        return {
            "models": {name: s.to_json() for name, s in self.models.items()},
            "baselines": {name: s.to_json() for name, s in self.baselines.items()},
            "oracles": {name: s.to_json() for name, s in self.oracles.items()},
            "humans": list(self.humans),
            "agreement": [a.to_json() for a in self.agreement],
        }


def _tables(paths: Sequence[str | Path]) -> dict[str, list[ResultRow]]:
    tables: dict[str, list[ResultRow]] = {}
    for path in paths:
        for model, rows in split_by_model(read_results(path)).items():
            if model in tables:
                raise ValueError(f"{path}: model {model!r} also appears in an earlier results file")
            tables[model] = rows
    return tables


def is_detector(name: str) -> bool:
    """Results of the detector baseline (`tsqa eval --model detector`) are shown with the baselines."""
    return name == DETECTOR or name.startswith(f"{DETECTOR}-") or name.startswith(f"{DETECTOR}:")


def side_by_side(names: list[str]) -> list[str]:
    """Model names in file order, each `NAME+evidence` right after `NAME` (when both are there)."""
    plain = [n for n in names if not (n.endswith(EVIDENCE_SUFFIX) and n.removesuffix(EVIDENCE_SUFFIX) in names)]
    ordered = []
    for name in plain:
        ordered += [name] + ([name + EVIDENCE_SUFFIX] if name + EVIDENCE_SUFFIX in names else [])
    return ordered


def build_report(
    results: Sequence[str | Path], human: str | Path | Sequence[str | Path] | None = None, seed: int = 0
) -> Report:
    """Scores of every model in `results`; baselines on the first model's questions; oracles for every model with
    every human table in `human` (one file or several, each with one or more experts), and the experts' agreement
    when there are two or more. `seed` drives the F1 replacement of invalid answers and the random baseline."""
    if not results:
        raise ValueError("no results file given")
    models = _tables(results)
    if not models:
        raise ValueError(f"{results[0]}: no rows")
    human_files = [] if human is None else [human] if isinstance(human, (str, Path)) else list(human)
    humans = _tables(human_files)
    clash = set(humans) & set(models)
    if clash:
        raise ValueError(f"{human}: human answers are named like a model ({sorted(clash)}): rename one")
    report = Report(humans=list(humans), agreement=expert_agreement(humans))
    first = next(iter(models.values()))
    for name, rows in baseline_tables(first, seed).items():
        report.baselines[name] = score_model(rows, seed)
    for name in side_by_side(list(models)):
        group = report.baselines if is_detector(name) else report.models
        group[name] = score_model(models[name], seed)
    for name, rows in humans.items():
        report.models[name] = score_model(rows, seed)
    for model, rows in models.items():
        for expert, expert_rows in humans.items():
            name = f"{model}+{expert}"
            combined = oracle_rows(rows, expert_rows, name)
            if combined:
                report.oracles[name] = score_model(combined, seed)
    return report
