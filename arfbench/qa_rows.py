"""`arfbench-qa.csv` rows to checked question specs; every problem of a row is collected, none raised.

No path is built here: query-group names are checked as plain names first, so the loader only ever opens files
inside the dataset directory.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tsqa.arfbench import categories as cat
from tsqa.arfbench.cells import original_cell
from tsqa.arfbench.exports.load import check_file_header
from tsqa.arfbench.gaps import FILL_OF_FLAG
from tsqa.arfbench.layout import QA_CSV, split_query_group
from tsqa.arfbench.problems import Problem

REQUIRED = ("query_group", "question", "correct_answer", "task_category")
INDEX_HEADERS = ("", "Unnamed: 0")
MAX_COLUMNS = 64  # the published file has 10, ours 11
META_COLUMN = "meta"  # this project's extension: the generator's ground truth as JSON; absent in the published csv


@dataclass
class QuestionRow:
    index: int
    query_group: str
    names: list[str]  # one or two series names, checked
    category: str
    question: str
    options: list[str]
    answer: str | None
    fills: list[str | None]  # per series: "linear", "ffill", or None (leave gaps as NaN)
    meta: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.query_group}#{self.index}"


def parse_option_list(text: str) -> list[str]:
    """A JSON list of strings or of {"value": ...} objects -> the option texts."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError, TypeError):  # not JSON, too deep, 4300+ digit numbers
        raise ValueError(f"not valid JSON (or nested too deeply): {text[:80]!r}") from None
    if not isinstance(parsed, list):
        raise ValueError(f"expected a JSON list, got {type(parsed).__name__}")
    result = []
    for item in parsed:
        if isinstance(item, dict) and "value" in item:
            item = item["value"]
        if not isinstance(item, str):
            raise ValueError(f"option {item!r} is not a string or a {{'value': ...}} object")
        result.append(item)
    return result


def _parse_flag(text: str) -> int | None:
    cleaned = text.strip().lower()
    if cleaned in ("", "nan", "none"):
        return None
    aliases = {"1": 1, "1.0": 1, "true": 1, "0": 0, "0.0": 0, "false": 0}
    if cleaned not in aliases:
        raise ValueError(f"expected 0 or 1, got {text!r}")
    return aliases[cleaned]


class _RowChecker:
    """Collects the problems of one row while its fields are parsed."""

    def __init__(self, row: dict, index: int) -> None:
        self.row, self.index, self.problems = row, index, []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(QA_CSV, self.index, column, message))

    def options(self, category: str | None) -> list[str] | None:
        parsed = {}
        for column in ("options_str", "options"):
            text = self.row.get(column, "")
            if text.strip():
                try:
                    parsed[column] = parse_option_list(text)
                except ValueError as err:
                    self.problem(column, str(err))
        if not parsed:
            if not any(p.field in ("options_str", "options") for p in self.problems):
                self.problem("options_str", "no options (both options_str and options are empty or missing)")
            return None
        if len(parsed) == 2 and parsed["options_str"] != parsed["options"]:
            self.problem("options", f"disagrees with options_str: {parsed['options']} vs {parsed['options_str']}")
        options = parsed.get("options_str", parsed.get("options"))
        if len(set(options)) != len(options):
            self.problem("options_str", f"repeated option(s) in {options}")
        if category in cat.OPTION_COUNT and len(options) != cat.OPTION_COUNT[category]:
            self.problem(
                "options_str", f"{category} needs {cat.OPTION_COUNT[category]} options, got {len(options)}: {options}"
            )
        return options

    def names(self, category: str | None) -> list[str] | None:
        try:
            names = split_query_group(self.row["query_group"])
        except ValueError as err:
            self.problem("query_group", str(err))
            return None
        wanted = 2 if category in cat.PAIRED else 1
        if category is not None and len(names) != wanted:
            self.problem("query_group", f"{category} needs {wanted} series, got {len(names)}: {names}")
        return names

    def fills(self, count: int) -> list[str | None]:
        fills = []
        for k in range(1, count + 1):
            try:
                flag = _parse_flag(self.row.get(f"interpolate_{k}", ""))
            except ValueError as err:
                self.problem(f"interpolate_{k}", str(err))
                flag = None
            fills.append(None if flag is None else FILL_OF_FLAG[flag])
        return fills

    def meta(self) -> dict:
        text = self.row.get(META_COLUMN, "").strip()
        meta: dict = {}
        if text:
            try:
                meta = json.loads(text)
            except (ValueError, RecursionError) as err:
                self.problem(META_COLUMN, f"not valid JSON ({err})")
            if not isinstance(meta, dict):
                self.problem(META_COLUMN, "expected a JSON object")
                meta = {}
        if self.row.get("difficulty", "").strip():
            meta["difficulty"] = self.row["difficulty"].strip()
        return meta


def _check_row(row: dict, index: int) -> tuple[QuestionRow | None, list[Problem]]:
    check = _RowChecker(row, index)
    category = row["task_category"].strip()
    if category not in cat.TIER_OF:
        check.problem("task_category", f"unknown category {category!r}; expected one of {list(cat.CATEGORIES)}")
        category = None
    names = check.names(category)
    options = check.options(category)
    question = row["question"]
    if not question.strip():
        check.problem("question", "empty question")
    answer = row["correct_answer"] if row["correct_answer"].strip() else None
    if answer is not None and options is not None and answer not in options:
        check.problem("correct_answer", f"{answer!r} is not among the options {options}")
    fills = check.fills(len(names) if names else 0)
    meta = check.meta()
    if any(fills):
        meta["fill"] = fills
    if check.problems:
        return None, check.problems
    spec = QuestionRow(index, row["query_group"].strip(), names, category, question, options, answer, fills, meta)
    return spec, []


def read_qa_rows(root: Path) -> tuple[list[QuestionRow], list[Problem], int]:
    """(valid rows, problems, number of rows). A missing or unreadable csv is fatal: FileNotFoundError / ValueError."""
    path = root / QA_CSV
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no {QA_CSV} (is this a dataset in the ARFBench layout?)")
    check_file_header(path, MAX_COLUMNS, f"an ARFBench {QA_CSV}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"{path}: not a readable csv ({err})") from None
    frame = frame.map(original_cell)  # cells written spreadsheet-safe by `writer`, as they were given
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "options_str" not in frame.columns and "options" not in frame.columns:
        missing.append("options_str")
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
    index_column = frame.columns[0] if frame.columns[0] in INDEX_HEADERS else None
    specs, problems, seen = [], [], {}
    for position, row in enumerate(frame.to_dict("records")):
        index = position
        if index_column is not None:
            try:
                index = int(row[index_column])
            except ValueError:
                problems.append(Problem(QA_CSV, position, "index", f"{row[index_column]!r} is not an integer"))
                continue
        if index in seen:
            problems.append(Problem(QA_CSV, index, "index", f"repeats the index of csv line {seen[index] + 2}"))
            continue
        seen[index] = position
        spec, row_problems = _check_row(row, index)
        problems += row_problems
        if spec is not None:
            specs.append(spec)
    return specs, problems, len(frame)
