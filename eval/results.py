"""One row of a results file: ARFBench's published columns, then ours.

Results files are read the way the reference reads them (`pandas.read_csv` with its default missing-value rules:
an empty cell, and also texts such as "NA" or "None", become missing), so that every metric sees what the
reference's metrics see. Cells are written spreadsheet-safe (`arfbench.cells`: a text such as "=1+1" gets a leading
apostrophe, a number such as "-5" does not) and read back as the original text.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from tsqa.arfbench.cells import original_cell, safe_cell
from tsqa.arfbench.exports.load import check_file_header

PUBLISHED_COLUMNS = (
    "run",
    "model",
    "query_group",
    "question",
    "options",
    "correct_answer",
    "task_category",
    "model_answer",
    "is_correct",
    "has_images",
    "num_images",
    "reasoning",
)
EXTRA_COLUMNS = ("raw_response", "probabilities", "latency_s", "sample_id")
COLUMNS = PUBLISHED_COLUMNS + EXTRA_COLUMNS
MAX_COLUMNS = 64  # ours are 16; room for columns other tools add
REQUIRED_COLUMNS = (
    "model", "query_group", "question", "options", "correct_answer", "task_category", "model_answer", "is_correct",
)  # fmt: skip


@dataclass
class ResultRow:
    """A model's answer to one question. `options` is the JSON list of the options as shown to the model."""

    model: str
    query_group: str
    question: str
    options: str | None
    correct_answer: str | None
    task_category: str
    model_answer: str | None
    is_correct: float | None  # 1.0 / 0.0; None when the file leaves it empty (left out of accuracy)
    run: int | None = 1
    has_images: bool = False
    num_images: int = 0
    reasoning: str | None = None
    raw_response: str | None = None
    probabilities: dict[str, float] | None = None
    latency_s: float | None = None
    sample_id: str | None = None

    def cells(self) -> list[str]:
        """The row's CSV cells in `COLUMNS` order, formatted as pandas' `to_csv` would (None -> "", True -> "True"),
        each spreadsheet-safe (`arfbench.cells.safe_cell`)."""
        values = {
            "run": self.run,
            "model": self.model,
            "query_group": self.query_group,
            "question": self.question,
            "options": self.options,
            "correct_answer": self.correct_answer,
            "task_category": self.task_category,
            "model_answer": self.model_answer,
            "is_correct": None if self.is_correct is None else bool(self.is_correct),
            "has_images": self.has_images,
            "num_images": self.num_images,
            "reasoning": self.reasoning,
            "raw_response": self.raw_response,
            "probabilities": None if self.probabilities is None else _standard_json(self.probabilities),
            "latency_s": None if self.latency_s is None else round(self.latency_s, 4),
            "sample_id": self.sample_id,
        }
        return ["" if values[name] is None else safe_cell(str(values[name])) for name in COLUMNS]


def _standard_json(value: object) -> str:
    """JSON without NaN/Infinity, which standard parsers refuse: a non-finite number is a bug, raised here."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str | None:
    return None if _missing(value) else original_cell(str(value))


def _correctness(value: object, where: str) -> float | None:
    """A True/False cell as 1.0/0.0. pandas reads True/False as bools, 1/0 as numbers; the reference averages them."""
    if _missing(value):
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return float(lowered == "true")
        raise ValueError(f"{where}: expected True or False, got {value!r}")
    if float(value) not in (0.0, 1.0):
        raise ValueError(f"{where}: expected True or False (or 1 or 0), got {value!r}")
    return float(value)


def _run(value: object, where: str) -> int | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: run must be a number, got {value!r}") from None
    return int(number) if number.is_integer() else None


def _probabilities(value: object, where: str) -> dict[str, float] | None:
    if _missing(value):
        return None
    try:
        decoded = json.loads(str(value))
    except (ValueError, RecursionError) as err:  # not JSON, too deep, 4300+ digit numbers
        raise ValueError(f"{where}: probabilities is not JSON ({err})") from None
    if not isinstance(decoded, dict):
        raise ValueError(f"{where}: probabilities must be a JSON object, got {type(decoded).__name__}")
    odd = next((k for k, p in decoded.items() if not _is_finite_number(p)), None)
    if odd is not None:
        raise ValueError(f"{where}: probabilities: option {odd!r} has {decoded[odd]!r}, not a finite number")
    return decoded


def _number(value: object, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{field} must be a finite number, got {value!r}")
    return number


def _is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _row(record: dict, where: str) -> ResultRow:
    category = _text(record["task_category"])
    if category is None:
        raise ValueError(f"{where}: task_category is empty")
    try:
        return ResultRow(
            model=_text(record["model"]) or "",
            query_group=_text(record["query_group"]) or "",
            question=_text(record["question"]) or "",
            options=_text(record["options"]),
            correct_answer=_text(record["correct_answer"]),
            task_category=category,
            model_answer=_text(record["model_answer"]),
            is_correct=_correctness(record["is_correct"], where),
            run=_run(record["run"], where) if "run" in record else 1,
            has_images=_correctness(record.get("has_images"), where) == 1.0,
            num_images=0 if _missing(record.get("num_images")) else int(_number(record["num_images"], "num_images")),
            reasoning=_text(record.get("reasoning")),
            raw_response=_text(record.get("raw_response")),
            probabilities=_probabilities(record.get("probabilities"), where),
            latency_s=None if _missing(record.get("latency_s")) else _number(record["latency_s"], "latency_s"),
            sample_id=_text(record.get("sample_id")),
        )
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(err if str(err).startswith(where) else f"{where}: {err}") from None


def read_results(path: str | Path) -> list[ResultRow]:
    """Rows of a results CSV, in file order. A missing `run` column means every row is run 1 (human answer files)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"results file not found: {path}")
    check_file_header(path, MAX_COLUMNS, "a results file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable CSV ({err})") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (found {list(frame.columns)})")
    return [_row(record, f"{path}, data row {index}") for index, record in enumerate(frame.to_dict("records"), start=1)]
