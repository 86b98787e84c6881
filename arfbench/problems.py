"""What is wrong with a dataset, collected rather than raised one at a time, so one run lists every fix needed."""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from tsqa.arfbench.categories import CATEGORIES
from tsqa.arfbench.schema import Sample


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the dataset root
    row: int | None  # the csv index, when the problem belongs to a question
    field: str  # column, or part of a file ("value", "epoch", "png")
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}: row {self.row}"
        return f"{where}: {self.field}: {self.message}"


@dataclass
class DatasetReport:
    """The valid samples of a dataset and the problems of the others."""

    root: str
    samples: list[Sample] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # rows in the csv, valid or not

    @property
    def ok(self) -> bool:
        return not self.problems

    def error_message(self, limit: int = 50) -> str:
        lines = [f"{self.root}: {len(self.problems)} problem(s) in {self.rows} question(s):"]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ValueError(self.error_message())

    def summary(self) -> dict:
        """Counts a reader checks first: questions per category, distinct series, channels and intervals."""
        series = {s.name: s for sample in self.samples for s in sample.series}
        channels = np.array([len(s.channels) for s in series.values()] or [0])
        steps = np.array([len(s.timestamps) for s in series.values()] or [0])
        per_category = Counter(s.category for s in self.samples)
        return {
            "questions": len(self.samples),
            "questions_per_category": {c: per_category[c] for c in CATEGORIES if per_category[c]},
            "series": len(series),
            "channels": {"min": int(channels.min()), "median": float(np.median(channels)), "max": int(channels.max())},
            "steps": {"min": int(steps.min()), "median": float(np.median(steps)), "max": int(steps.max())},
            "intervals": dict(sorted(Counter(s.interval for s in series.values()).items())),
            "labelled": sum(s.answer is not None for s in self.samples),
        }


class FileFormatError(ValueError):
    """A data file that cannot be used; keeps the field at fault apart so a report can say where."""

    def __init__(self, path, field: str, detail: str) -> None:
        super().__init__(f"{path}: {field}: {detail}")
        self.path, self.field, self.detail = path, field, detail
