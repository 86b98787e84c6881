"""An append-only results CSV that survives being killed at any moment.

Each row is one `write` followed by flush and fsync, so after a crash the file holds every finished row and at most
one torn row at its end. Opening the file again drops that torn tail, checks what is there, and reports which
questions (by `sample_id`) are already answered, so a restarted run neither loses nor repeats a row.
"""

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tsqa.eval.results import COLUMNS, ResultRow


def _complete_length(data: bytes) -> int:
    """Bytes up to the end of the last complete CSV record: its newline is outside quotes.

    A torn record is a prefix of one record whose only unquoted newline is its last byte, so it never ends at one.
    """
    in_quotes = False
    end = 0
    for position, byte in enumerate(data):
        if byte == 0x22:  # '"': a doubled quote inside a quoted field toggles twice
            in_quotes = not in_quotes
        elif byte == 0x0A and not in_quotes:
            end = position + 1
    return end


def _cell(text: str) -> str:
    """Quoted when it holds a comma, quote, CR or LF (the csv module leaves a lone CR bare, which pandas splits on)."""
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _encode(cells: list[str] | tuple[str, ...]) -> bytes:
    return (",".join(_cell(cell) for cell in cells) + "\n").encode("utf-8")


@dataclass(frozen=True)
class RecordedQuestion:
    """What a row says was asked, so a resumed run can tell whether the dataset still asks the same."""

    row: int  # data row number in the file, from 1
    query_group: str
    question: str
    options: tuple[str, ...]  # sorted: the file holds them in the shuffled order shown
    correct_answer: str


def recorded_options(cell: str) -> tuple[str, ...]:
    """A row's `options` cell (a JSON list as `result_row` writes it) as a sorted tuple; unreadable -> empty."""
    try:
        options = json.loads(cell)
    except (json.JSONDecodeError, RecursionError):
        return ()
    return tuple(sorted(str(o) for o in options)) if isinstance(options, list) else ()


class ResultsWriter:
    """Appends rows of one model to `path`, creating it with the header; see the module docstring.

    `recorded` maps each answered sample_id to the question its row records.
    """

    def __init__(self, path: str | Path, model: str) -> None:
        self.path = Path(path)
        self.model = model
        self.answered: set[str] = set()
        self.recorded: dict[str, RecordedQuestion] = {}
        self._file = None
        self._recover()

    def _recover(self) -> None:
        data = self.path.read_bytes() if self.path.exists() else b""
        keep = _complete_length(data)
        # a cell may be as long as the file (a verbose model's raw response): the csv module's default stops at 128 KiB
        csv.field_size_limit(max(csv.field_size_limit(), keep))
        try:
            records = list(csv.reader(io.StringIO(data[:keep].decode("utf-8"), newline="")))
        except (UnicodeDecodeError, csv.Error) as err:
            raise ValueError(f"{self.path}: not a results CSV written by tsqa ({err})") from None
        if records and tuple(records[0]) != COLUMNS:
            raise ValueError(f"{self.path}: header {records[0]} is not the results header {list(COLUMNS)}")
        for number, record in enumerate(records[1:], start=1):
            if len(record) != len(COLUMNS):
                raise ValueError(f"{self.path}: row {number} has {len(record)} cells, expected {len(COLUMNS)}")
            cells = dict(zip(COLUMNS, record))
            if cells["model"] != self.model:
                raise ValueError(f"{self.path}: row {number} is from model {cells['model']!r}, not {self.model!r}")
            if cells["sample_id"] in self.answered:
                raise ValueError(f"{self.path}: row {number} repeats sample_id {cells['sample_id']!r}")
            self.answered.add(cells["sample_id"])
            self.recorded[cells["sample_id"]] = RecordedQuestion(
                number, cells["query_group"], cells["question"], recorded_options(cells["options"]),
                cells["correct_answer"],
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "r+b" if self.path.exists() else "w+b")  # noqa: SIM115 (closed in close())
        self._file.truncate(keep)  # drop a torn last row
        self._file.seek(keep)
        if not records:
            self._write(_encode(COLUMNS))

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, row: ResultRow) -> None:
        if row.model != self.model:
            raise ValueError(f"row for model {row.model!r} cannot go to {self.path} (model {self.model!r})")
        if not row.sample_id:
            raise ValueError(f"row for {row.query_group!r} has no sample_id: a run cannot resume without it")
        if row.sample_id in self.answered:
            raise ValueError(f"{self.path}: sample_id {row.sample_id!r} is already answered")
        self._write(_encode(row.cells()))
        self.answered.add(row.sample_id)
        self.recorded[row.sample_id] = RecordedQuestion(
            len(self.recorded) + 1, row.query_group, row.question, recorded_options(row.options or "[]"),
            row.correct_answer or "",
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()
