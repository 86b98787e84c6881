"""The `forecast` stage: Toto 2.0 itself trained on metric series with its quantile head's loss, on accelerate (CPU,
one GPU, DDP), with the QA stages' checkpoints, log and exact resume (`training.checkpoint`, `training.log`).

Every checkpoint and `final/` is the model's own `save_pretrained` folder (config.json + model.safetensors), so it
loads with `Toto2Model.from_pretrained` and `TotoEncoder.from_pretrained`, and a recipe's `model.encoder` can name it.
"""

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator, DistributedType
from toto2 import Toto2Model
from tqdm.auto import tqdm

from tsqa.arfbench.atomic import atomic_folder
from tsqa.training.checkpoint import Position, checkpoints, load_checkpoint, prune_checkpoints, save_checkpoint
from tsqa.training.config import StageConfig
from tsqa.training.forecast_loss import ForecastObjective
from tsqa.training.forecast_windows import window_batch
from tsqa.training.log import TrainLog
from tsqa.training.schedule import make_scheduler

FINAL_DIR = "final"
LOG_FILE = "log.jsonl"
EVAL_SEED = 99991  # held-out windows are the same at every evaluation


@dataclass
class ForecastResult:
    final_dir: Path
    steps: int
    losses: list[float] = field(default_factory=list)  # mean loss of each optimizer step run by this call


class ForecastRun:
    """Trains every weight of `model` on windows of `series`; `run()` returns once `final/` is written.

    series: (channels, time) float arrays, NaN missing. `held_out` series, when given, are scored at each
    evaluation on a fixed set of windows (`eval_windows` of them)."""

    def __init__(self, model: Toto2Model, stage: StageConfig, series: list[np.ndarray], stage_dir: Path,
                 accelerator: Accelerator, seed: int, held_out: list[np.ndarray] | None = None,
                 eval_windows: int = 64):
        if not series:
            raise ValueError("stage forecast: no training series")
        if stage.max_steps < 1:
            raise ValueError("stage forecast: set max_steps (windows are drawn afresh at every step; there are no "
                             "epochs)")
        if accelerator.distributed_type == DistributedType.FSDP:
            raise ValueError("FSDP is not supported by this trainer's checkpoints; use DDP (see recipes/README.md)")
        self.stage, self.series, self.held_out = stage, series, held_out or []
        self.stage_dir, self.accelerator, self.seed = stage_dir, accelerator, seed
        self.eval_windows = eval_windows
        self.patch_size = model.config.patch_size
        self.total_steps = stage.max_steps
        model.train().requires_grad_(True)
        self.trainable = list(model.parameters())
        optimizer = torch.optim.AdamW(self.trainable, lr=stage.learning_rate, weight_decay=stage.weight_decay)
        self.scheduler = make_scheduler(optimizer, stage.schedule, stage.warmup_steps, self.total_steps)
        self.objective, self.optimizer = accelerator.prepare(ForecastObjective(model), optimizer)
        self.log = TrainLog(stage_dir.parent / LOG_FILE, stage.kind, enabled=accelerator.is_main_process)

    @property
    def unwrapped(self) -> Toto2Model:
        return self.accelerator.unwrap_model(self.objective).model

    def batch(self, step: int, micro: int) -> dict[str, torch.Tensor]:
        """The windows of micro-batch `micro` of optimizer step `step` on this process (a pure function of both)."""
        seed = (self.seed, step, self.accelerator.process_index, micro)
        batch = window_batch(self.series, self.stage.batch_size, self.stage.forecast, self.patch_size, seed)
        return {name: tensor.to(self.accelerator.device) for name, tensor in batch.items()}

    def start_position(self, resume: bool) -> Position:
        found = checkpoints(self.stage_dir)
        if found and not resume:
            raise ValueError(f"{self.stage_dir} already holds checkpoints: resume, or train into a new directory")
        if not found:
            self.log.rewind(0)
            return Position(step=0, epoch=0, step_in_epoch=0)
        position = load_checkpoint(found[-1], self.unwrapped, self.optimizer, self.scheduler,
                                   self.accelerator.process_index)
        self.log.rewind(position.step)
        return position

    def run(self, resume: bool = False) -> ForecastResult:
        position = self.start_position(resume)
        result = ForecastResult(final_dir=self.stage_dir / FINAL_DIR, steps=self.total_steps)
        progress = tqdm(total=self.total_steps, initial=position.step, desc=str(self.stage.kind),
                        disable=not self.accelerator.is_main_process)
        window: list[float] = []
        started = time.perf_counter()
        while position.step < self.total_steps:
            loss, grad_norm = self._optimizer_step(position.step)
            position = Position(position.step + 1, 0, position.step + 1)
            result.losses.append(loss)
            window.append(loss)
            progress.update(1)
            step = position.step
            if step % self.stage.log_every == 0 or step == self.total_steps:
                self.log.write("train", step, loss=sum(window) / len(window), grad_norm=grad_norm,
                               lr=self.scheduler.get_last_lr()[0], seconds=time.perf_counter() - started)
                window, started = [], time.perf_counter()
            if self.stage.eval_every and step % self.stage.eval_every == 0 and step < self.total_steps:
                self._evaluate(step)
            if self.stage.checkpoint_every and step % self.stage.checkpoint_every == 0 and step < self.total_steps:
                save_checkpoint(self.stage_dir / f"checkpoint-{step}", self.unwrapped, self.optimizer,
                                self.scheduler, position, self.accelerator)
                if self.accelerator.is_main_process:
                    prune_checkpoints(self.stage_dir, self.stage.keep_checkpoints)
                self.accelerator.wait_for_everyone()
        progress.close()
        self._evaluate(self.total_steps)
        self._finish(result)
        return result

    def _optimizer_step(self, step: int) -> tuple[float, float]:
        self.objective.train()
        losses = []
        for micro in range(self.stage.grad_accum):
            last = micro == self.stage.grad_accum - 1
            with contextlib.nullcontext() if last else self.accelerator.no_sync(self.objective):
                loss = self.objective(**self.batch(step, micro))
                self.accelerator.backward(loss / self.stage.grad_accum)
            losses.append(loss.detach().float())
        grad_norm = self.accelerator.clip_grad_norm_(self.trainable, self.stage.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        mean = self.accelerator.reduce(torch.stack(losses).mean(), reduction="mean").item()
        return mean, float(grad_norm)

    def held_out_loss(self) -> float | None:
        """The mean loss on fixed windows of the held-out series (None without them), on the main process."""
        if not self.held_out:
            return None
        model = self.unwrapped
        model.eval()
        losses = []
        with torch.no_grad():
            for start in range(0, self.eval_windows, self.stage.batch_size):
                size = min(self.stage.batch_size, self.eval_windows - start)
                batch = window_batch(self.held_out, size, self.stage.forecast, self.patch_size, (EVAL_SEED, start))
                batch = {name: tensor.to(self.accelerator.device) for name, tensor in batch.items()}
                losses.append(ForecastObjective(model)(**batch).item() * size)
        model.train()
        return sum(losses) / self.eval_windows

    def _evaluate(self, step: int) -> None:
        if self.accelerator.is_main_process:
            loss = self.held_out_loss()
            if loss is not None:
                self.log.write("eval", step, held_out_loss=loss)
        self.accelerator.wait_for_everyone()

    def _finish(self, result: ForecastResult) -> None:
        """`final/` complete or absent: written aside, then renamed."""
        if self.accelerator.is_main_process:
            with atomic_folder(result.final_dir) as partial:
                self.unwrapped.eval().save_pretrained(partial)
        self.accelerator.wait_for_everyone()
