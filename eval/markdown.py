"""The report as markdown tables: overall and per-tier figures per group of rows, then figures per category."""

from tsqa.arfbench.categories import CATEGORIES
from tsqa.eval.published import PUBLISHED
from tsqa.eval.report import Report
from tsqa.eval.scores import ModelScores

_TIERS = ("Tier 1", "Tier 2", "Tier 3")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
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
