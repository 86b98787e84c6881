"""A PNG chart of accuracy and F1 per category, one bar per model, baseline and oracle."""

from pathlib import Path

from tsqa.arfbench.categories import CATEGORIES
from tsqa.eval.report import Report


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
            axis.bar(positions + (index - (len(everyone) - 1) / 2) * width, values, width, label=name)
        axis.set_ylabel(f"{'Accuracy' if metric == 'accuracy' else 'Macro F1'} (%)")
        axis.set_ylim(0, 100)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[1].set_xticks(positions, [c.replace("Anomaly ", "") for c in categories], rotation=20)
    figure.suptitle("ARFBench per category")
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
