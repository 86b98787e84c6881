"""Scoring several results files together (each model, the baselines on the same questions, the model-expert
oracles when human answers are given, the experts' agreement), and the report's forms: markdown tables of overall,
tier and category figures beside the published ones, and a PNG chart of accuracy and F1 per category.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tsqa.arfbench.categories import CATEGORIES
from tsqa.eval.baselines import baseline_tables
from tsqa.eval.experts import Agreement, expert_agreement, oracle_rows
from tsqa.eval.metrics import ModelScores, score_model, split_by_model
from tsqa.eval.answerers import DETECTOR, EVIDENCE_SUFFIX
from tsqa.eval.results import ResultRow, read_results


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


PUBLISHED: tuple[tuple[str, float, float | None], ...] = (
    ("Model-expert oracle (best of 2)", 87.2, 82.8),
    ("Domain experts", 72.7, None),
    ("Non-domain experts", 69.7, None),
    ("Toto-1.0-QA-Experimental (Toto 1.0 + Qwen3-VL-32B, LoRA)", 63.9, 48.9),
    ("GPT-5", 62.7, 51.9),
    ("Gemini 3 Pro", 58.1, None),
    ("Qwen3-VL-32B post-trained", 56.9, None),
    ("Claude Opus 4.6", 54.8, None),
    ("Qwen3-VL-32B", 52.8, None),
    ("Qwen3 32B (text only)", 47.9, None),
    ("Qwen3-VL-8B", 45.3, None),
    ("Per-category most frequent choice", 45.1, None),
    ("ChatTS-8B", 31.1, None),
    ("Random choice", 24.5, None),
)


_TIERS = ("Tier 1", "Tier 2", "Tier 3")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


_MARKDOWN_ESCAPES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;",  # no HTML of a model's name reaches a page that renders the report
    "\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`",  # no cell ends early, no link, no code span
    "\n": " ", "\r": " ",  # a row stays one line
})  # fmt: skip


def markdown_cell(text: str) -> str:
    """`text` (a model, expert or category name from a results file) as literal text in a markdown table cell."""
    return text.translate(_MARKDOWN_ESCAPES)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(map(markdown_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(markdown_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _overall_row(name: str, s: ModelScores) -> list[str]:
    tiers = [f"{_pct(s.accuracy.tier.get(t))} / {_pct(s.f1.tier.get(t))}" for t in _TIERS]
    return [
        name, str(s.n), _pct(s.accuracy.overall), _pct(s.f1.overall), _pct(s.precision.overall), _pct(s.recall.overall),
        *tiers, str(sum(s.invalid.values())),
    ]  # fmt: skip


def markdown_report(report: Report) -> str:
    """Models, baselines, oracles and the published figures as separate, labelled tables; then per category."""
    header = ["", "n", "Accuracy", "F1", "Precision", "Recall", *(f"{t} acc / F1" for t in _TIERS), "Invalid"]
    parts = ["## ARFBench scores (percent; F1 = macro F1 per category, question-weighted)"]
    groups = (
        ("Models", {n: s for n, s in report.models.items() if n not in report.humans}),
        ("Human answers", {n: s for n, s in report.models.items() if n in report.humans}),
        ("Baselines (random and most frequent computed on the first model's questions; the detector from its results)",
         report.baselines),
        ("Model-expert oracles (right when the model or the expert is right)", report.oracles),
    )
    for title, scores in groups:
        if scores:
            parts += [f"### {title}", _table(header, [_overall_row(n, s) for n, s in scores.items()])]
    if report.agreement:
        rows = [[" / ".join(a.experts), str(a.n), _pct(a.agreement), "–" if a.kappa is None else f"{a.kappa:.2f}"]
                for a in report.agreement]
        parts += [
            "### Agreement between experts (same answer, on the questions both answered)",
            _table(["Experts", "n", "Agreement", "Cohen's kappa"], rows),
        ]
    published = [[f"{name} (published)", _pct(acc), _pct(f1)] for name, acc, f1 in PUBLISHED]
    parts += [
        "### Published figures (ARFBench paper, 750 questions; quoted, not computed here)",
        _table(["", "Accuracy", "F1"], published),
    ]
    everyone = {**report.models, **report.baselines, **report.oracles}
    seen = [c for s in everyone.values() for c in s.accuracy.category]
    categories = [c for c in CATEGORIES if c in seen] + [c for c in dict.fromkeys(seen) if c not in CATEGORIES]
    rows = [
        [c, *(f"{_pct(s.accuracy.category.get(c))} / {_pct(s.f1.category.get(c))}" for s in everyone.values())]
        for c in categories
    ]
    parts += ["### Per category (accuracy / F1)", _table(["Category", *everyone], rows)]
    return "\n\n".join(parts) + "\n"


def plot_report(report: Report, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    everyone = {**report.models, **report.baselines, **report.oracles}
    seen = {c for s in everyone.values() for c in s.accuracy.category}
    categories = [c for c in CATEGORIES if c in seen] + sorted(seen - set(CATEGORIES))
    positions = np.arange(len(categories))
    width = 0.8 / max(1, len(everyone))
    figure, axes = plt.subplots(2, 1, figsize=(max(8, 1.6 * len(categories)), 8), sharex=True)
    for axis, metric in zip(axes, ("accuracy", "f1")):
        for index, (name, scores) in enumerate(everyone.items()):
            values = [getattr(scores, metric).category.get(c, np.nan) for c in categories]
            label = name.replace("$", r"\$")  # a name is text, never matplotlib's math
            axis.bar(positions + (index - (len(everyone) - 1) / 2) * width, values, width, label=label)
        axis.set_ylabel(f"{'Accuracy' if metric == 'accuracy' else 'Macro F1'} (%)")
        axis.set_ylim(0, 100)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[1].set_xticks(positions, [c.replace("Anomaly ", "").replace("$", r"\$") for c in categories], rotation=20)
    figure.suptitle("ARFBench per category")
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
