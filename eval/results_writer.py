"""An append-only results CSV that survives being killed at any moment.

Each row is one `write` followed by flush and fsync, so after a crash the file holds every finished row and at most
one torn row at its end. Opening the file again checks what is there and reports which questions (by `sample_id`)
are already answered, so a restarted run neither loses nor repeats a row. A last row that is whole but lacks its
final newline (as an editor may save it) is a row like any other: it is kept and the newline added. A torn last row
(cut inside a quoted cell, or short of cells) was never acknowledged; it is moved, byte for byte, to `NAME.torn`
beside the file, so nothing that was in the file is destroyed, and the question is asked again.
"""

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tsqa.arfbench.cells import original_cell
from tsqa.eval.results import COLUMNS, ResultRow


def _complete_length(data: bytes) -> int:
    """Bytes up to the end of the last complete CSV record: the last newline outside quotes (an even number of
    quotes before it: a doubled quote inside a quoted cell counts twice). One pass from the end."""
    quotes_before = data.count(b'"')  # quotes before `end`, as `end` moves back
    end = len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        quotes_before -= data.count(b'"', newline, end)
        if quotes_before % 2 == 0:
            return newline + 1
        end = newline
    return 0


def _records(data: bytes, path: Path) -> list[list[str]]:
    """The records of `data`, without blank lines (an editor may leave one at the end); a byte-order mark at the
    start (as some editors save) is not part of the header."""
    try:
        return [r for r in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) if r]
    except (UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"{path}: not a results CSV written by tsqa ({err})") from None


def _whole(tail: bytes, expected: int) -> bool:
    """True when `tail` (the bytes after the last newline) is a record of `expected` cells that only lacks its
    newline: its quotes are closed and it decodes and parses to exactly that many cells."""
    if tail.count(b'"') % 2:
        return False
    try:
        records = list(csv.reader(io.StringIO(tail.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return False
    return len(records) == 1 and len(records[0]) == expected


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
    except (ValueError, RecursionError):  # not JSON, too deep, 4300+ digit numbers
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
        self.torn: Path | None = None  # where a torn last row's bytes were moved, when there was one
        self._file = None
        self._recover()

    def _recover(self) -> None:
        data = self.path.read_bytes() if self.path.exists() else b""
        keep = _complete_length(data)
        # a cell may be as long as the file (a verbose model's raw response): the csv module's default stops at 128 KiB
        csv.field_size_limit(max(csv.field_size_limit(), len(data)))
        records = _records(data[:keep], self.path)
        whole_tail = keep < len(data) and _whole(data[keep:], len(COLUMNS))
        if whole_tail:
            records += _records(data[keep:], self.path)
        if records and tuple(records[0]) != COLUMNS:
            raise ValueError(f"{self.path}: header {records[0]} is not the results header {list(COLUMNS)}")
        for number, record in enumerate(records[1:], start=1):
            if len(record) != len(COLUMNS):
                raise ValueError(f"{self.path}: row {number} has {len(record)} cells, expected {len(COLUMNS)}")
            cells = dict(zip(COLUMNS, map(original_cell, record)))
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
        # unbuffered: `_write` sees how much of a row reached the file  # noqa below: closed in close()
        self._file = open(self.path, "r+b" if self.path.exists() else "w+b", buffering=0)  # noqa: SIM115
        if keep < len(data) and not whole_tail:
            if records:  # a torn data row; a torn header is only ours, and is written again below
                self._set_aside(data[keep:])
            self._file.truncate(keep)
            data = data[:keep]
        self._file.seek(len(data))
        if whole_tail:
            self._write(b"\n")  # the last row was whole, only its newline missing
        if not records:
            self._write(_encode(COLUMNS))

    def _set_aside(self, torn: bytes) -> None:
        """Keep a torn last row's bytes in `NAME.torn` (appended, on disk) before they leave the results file."""
        self.torn = self.path.with_name(self.path.name + ".torn")
        with open(self.torn, "ab") as file:
            file.write(torn + b"\n")
            file.flush()
            os.fsync(file.fileno())

    def _write(self, data: bytes) -> None:
        """Append `data` whole, or not at all: after a failed write (a full disk) the file is cut back to where it
        was, so the next row does not continue a torn one."""
        start = self._file.tell()
        rest = memoryview(data)
        try:
            while rest:
                rest = rest[self._file.write(rest) :]
            os.fsync(self._file.fileno())
        except OSError:
            self._file.seek(start)
            self._file.truncate(start)
            raise

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
