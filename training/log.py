"""Training records to the console and to an append-only JSONL file that a resumed run continues without duplicates."""

import json
import sys
from pathlib import Path


class TrainLog:
    """One JSON object per line: `{"stage", "step", "kind": "train"|"eval", ...}`, flushed as written."""

    def __init__(self, path: Path, stage: str, enabled: bool = True):
        self.path = path
        self.stage = stage
        self.enabled = enabled  # only the main process writes

    def rewind(self, step: int) -> None:
        """Drops this stage's records after `step` (written after the checkpoint a run resumes from)."""
        if not self.enabled or not self.path.exists():
            return
        lines = self.path.read_text(encoding="utf-8").splitlines()
        kept = []
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    continue  # the last line, cut short by the kill
                raise ValueError(f"{self.path}:{number}: corrupt log line") from None
            if record.get("stage") != self.stage or record.get("step", 0) <= step:
                kept.append(line)
        self.path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")

    def write(self, kind: str, step: int, **values) -> None:
        if not self.enabled:
            return
        record = {"stage": self.stage, "kind": kind, "step": step, **values}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
        shown = " ".join(f"{k}={_short(v)}" for k, v in values.items() if not isinstance(v, dict))
        print(f"[{self.stage}] {kind} step {step}: {shown}", file=sys.stderr, flush=True)


def unevaluated_final_step(path: Path, stage: str) -> int | None:
    """The stage's last step when the log has no evaluation at it (a run killed between writing `final/` and
    evaluating it), else None. The last train record is written at the final step, before `final/` is."""
    if not path.exists():
        return None
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a kill
    steps = [r["step"] for r in records if r.get("stage") == stage and r.get("kind") == "train"]
    if not steps or any(r.get("stage") == stage and r.get("kind") == "eval" and r.get("step") == max(steps)
                        for r in records):
        return None
    return max(steps)


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
