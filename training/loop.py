"""One training stage on `accelerate`: seeded length-aware batches, gradient accumulation, logging, evaluation,
checkpoints every N steps and exact resume. Which weights train is decided before (`requires_grad`), not here.

Batches are planned per epoch from the seed (`arfbench.schema.batches_by_size`) and dealt round-robin to processes, so the data
position is just (epoch, step in epoch) and resuming skips ahead without reading the skipped data.
"""

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator, DistributedType
from tqdm.auto import tqdm

from tsqa.arfbench.schema import Sample, batches_by_size
from tsqa.arfbench.atomic import atomic_folder
from tsqa.bridges.hybrid import HybridModel
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.config import Modality
from tsqa.training.checkpoint import Position, checkpoints, load_checkpoint, prune_checkpoints, save_checkpoint
from tsqa.training.collator import Collator, Preparer
from tsqa.training.config import StageConfig
from tsqa.training.log import TrainLog
from tsqa.training.objective import TrainingObjective
from tsqa.training.rng import capture_rng, restore_rng
from tsqa.training.schedule import make_scheduler

FINAL_DIR = "final"
LOG_FILE = "log.jsonl"


@dataclass
class StageResult:
    final_dir: Path
    steps: int
    losses: list[float] = field(default_factory=list)  # mean loss of each optimizer step run by this call


class StageRun:
    """Trains `model` through one stage; `run()` returns when the stage's steps are done and `final/` is written.
    `builder` makes its batches (default: the model's `InputBuilder`, encoder outputs cached in memory)."""

    def __init__(
        self,
        model: HybridModel,
        stage: StageConfig,
        samples: list[Sample],
        stage_dir: Path,
        accelerator: Accelerator,
        seed: int,
        evaluate: Callable[[HybridModel], dict] | None = None,
        modality: Modality = Modality.BOTH,
        builder: Preparer | None = None,
    ):
        if not samples:
            raise ValueError(f"stage {stage.kind}: no training samples")
        if accelerator.distributed_type == DistributedType.FSDP:
            raise ValueError("FSDP is not supported by this trainer's checkpoints; use DDP (see recipes/README.md)")
        self.stage = stage
        self.samples = samples
        self.stage_dir = stage_dir
        self.accelerator = accelerator
        self.seed = seed
        self.evaluate = evaluate
        builder = builder or InputBuilder.for_model(model)
        self.collator = Collator(builder, seed, stage.shuffle_options, modality, choice=stage.choice_loss > 0)
        self.sizes = [s.size for s in samples]
        self.steps_per_epoch = self._batches_per_process() // stage.grad_accum
        if self.steps_per_epoch == 0:
            raise ValueError(
                f"stage {stage.kind}: {len(samples)} samples give no full optimizer step with batch_size "
                f"{stage.batch_size} x grad_accum {stage.grad_accum} x {accelerator.num_processes} processes"
            )
        self.total_steps = stage.max_steps or stage.epochs * self.steps_per_epoch
        self.trainable = [p for p in model.parameters() if p.requires_grad]
        if not self.trainable:
            raise ValueError(f"stage {stage.kind}: the model has no trainable parameters")
        optimizer = torch.optim.AdamW(self.trainable, lr=stage.learning_rate, weight_decay=stage.weight_decay)
        self.scheduler = make_scheduler(optimizer, stage.schedule, stage.warmup_steps, self.total_steps)
        self.objective, self.optimizer = accelerator.prepare(TrainingObjective(model, stage.choice_loss), optimizer)
        self.log = TrainLog(stage_dir.parent / LOG_FILE, stage.kind, enabled=accelerator.is_main_process)

    def _batches_per_process(self) -> int:
        return len(self._plan(0)) // self.accelerator.num_processes

    def _plan(self, epoch: int) -> list[list[int]]:
        """Every micro-batch of `epoch`: a fresh seeded order each epoch, similar sizes batched together."""
        rng = np.random.default_rng([self.seed, epoch])
        return batches_by_size(self.sizes, self.stage.batch_size, self.stage.length_group, rng)

    def _epoch_batches(self, epoch: int) -> list[list[int]]:
        """This process's micro-batches of `epoch`; every process gets the same count, leftovers are dropped."""
        plan = self._plan(epoch)
        mine = plan[self.accelerator.process_index :: self.accelerator.num_processes]
        return mine[: self.steps_per_epoch * self.stage.grad_accum]

    @property
    def unwrapped(self) -> HybridModel:
        return self.accelerator.unwrap_model(self.objective).model

    def start_position(self, resume: bool) -> Position:
        found = checkpoints(self.stage_dir)
        if found and not resume:
            raise ValueError(f"{self.stage_dir} already holds checkpoints: resume, or train into a new directory")
        if not found:
            self.log.rewind(0)  # records of an attempt killed before its first checkpoint
            return Position(step=0, epoch=0, step_in_epoch=0)
        position = load_checkpoint(
            found[-1], self.unwrapped, self.optimizer, self.scheduler, self.accelerator.process_index
        )
        self.log.rewind(position.step)
        return position

    def run(self, resume: bool = False) -> StageResult:
        position = self.start_position(resume)
        result = StageResult(final_dir=self.stage_dir / FINAL_DIR, steps=self.total_steps)
        window = _Window()
        self.objective.train()
        progress = tqdm(
            total=self.total_steps, initial=position.step, desc=self.stage.kind,
            disable=not self.accelerator.is_main_process,
        )
        while position.step < self.total_steps:
            batches = self._epoch_batches(position.epoch)
            while position.step_in_epoch < self.steps_per_epoch and position.step < self.total_steps:
                first = position.step_in_epoch * self.stage.grad_accum
                loss = self._optimizer_step(batches[first : first + self.stage.grad_accum], position.epoch, window)
                position = Position(position.step + 1, position.epoch, position.step_in_epoch + 1)
                result.losses.append(loss)
                progress.update(1)
                self._after_step(position, window)
            if position.step_in_epoch >= self.steps_per_epoch:
                position = Position(position.step, position.epoch + 1, 0)
        progress.close()
        self._finish(position, result)
        return result

    def _optimizer_step(self, micro_batches: list[list[int]], epoch: int, window: "_Window") -> float:
        started = time.perf_counter()
        losses, choice_losses, tokens = [], [], 0
        for i, indices in enumerate(micro_batches):
            batch = self.collator([self.samples[j] for j in indices], epoch)
            tokens += _token_count(batch)
            last = i == len(micro_batches) - 1
            with contextlib.nullcontext() if last else self.accelerator.no_sync(self.objective):
                output = self.objective(**batch)
                if output.choice is not None:
                    choice_losses.append(output.choice.detach().float())
                self.accelerator.backward(output.total / len(micro_batches))
            losses.append(output.total.detach().float())
        grad_norm = self.accelerator.clip_grad_norm_(self.trainable, self.stage.max_grad_norm)
        window.lr = self.scheduler.get_last_lr()[0]
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        step_loss = self.accelerator.reduce(torch.stack(losses).mean(), reduction="mean").item()
        if choice_losses:
            window.choice_losses.append(self.accelerator.reduce(torch.stack(choice_losses).mean(), "mean").item())
        window.add(step_loss, float(grad_norm), tokens, time.perf_counter() - started)
        return step_loss

    def _after_step(self, position: Position, window: "_Window") -> None:
        step = position.step
        if step % self.stage.log_every == 0 or step == self.total_steps:
            tokens = self.accelerator.reduce(torch.tensor(window.tokens, device=self.accelerator.device), "sum")
            self.log.write("train", step, **window.summary(int(tokens.item())))
            window.reset()
        if self.stage.eval_every and step % self.stage.eval_every == 0 and step < self.total_steps:
            self._evaluate(step)
        if self.stage.checkpoint_every and step % self.stage.checkpoint_every == 0 and step < self.total_steps:
            save_checkpoint(
                self.stage_dir / f"checkpoint-{step}", self.unwrapped, self.optimizer, self.scheduler, position,
                self.accelerator,
            )
            if self.accelerator.is_main_process:
                prune_checkpoints(self.stage_dir, self.stage.keep_checkpoints)

    def _evaluate(self, step: int) -> None:
        """Main process only; restores the RNG and train mode afterwards so evaluating never changes training."""
        if self.evaluate is not None and self.accelerator.is_main_process:
            rng = capture_rng()
            self.objective.eval()
            metrics = self.evaluate(self.unwrapped)
            self.objective.train()
            restore_rng(rng)
            self.log.write("eval", step, **metrics)
        self.accelerator.wait_for_everyone()

    def _finish(self, position: Position, result: StageResult) -> None:
        """Writes `final/` (complete or absent: written aside, then renamed), then evaluates it."""
        if self.accelerator.is_main_process:
            with atomic_folder(result.final_dir) as partial:
                self.unwrapped.save_pretrained(partial)
        self.accelerator.wait_for_everyone()
        self._evaluate(position.step)
        self.accelerator.free_memory()


class _Window:
    """Running figures between two log lines."""

    def __init__(self):
        self.reset()
        self.lr = 0.0

    def reset(self) -> None:
        self.losses: list[float] = []
        self.choice_losses: list[float] = []  # the choice objective's part, when it is on
        self.grad_norms: list[float] = []
        self.tokens = 0
        self.seconds = 0.0  # time spent in optimizer steps (evaluation and checkpoints excluded)

    def add(self, loss: float, grad_norm: float, tokens: int, seconds: float) -> None:
        self.losses.append(loss)
        self.grad_norms.append(grad_norm)
        self.tokens += tokens
        self.seconds += seconds

    def summary(self, all_tokens: int) -> dict:
        """`all_tokens`: this window's tokens summed over processes, which ran in parallel."""
        elapsed = max(self.seconds, 1e-9)
        summary = {
            "loss": sum(self.losses) / len(self.losses),
            "lr": self.lr,
            "grad_norm": max(self.grad_norms),
            "tokens_per_s": all_tokens / elapsed,
            "tokens": all_tokens,
        }
        if self.choice_losses:
            summary["choice_loss"] = sum(self.choice_losses) / len(self.choice_losses)
        return summary


def _token_count(collated: dict) -> int:
    """Prompt and answer (or all options') tokens processed, padding excluded."""
    options = sum(len(ids) for question in collated.get("option_ids", []) for ids in question)
    prompts = collated.get("batch", collated)
    return int(prompts["attention_mask"].sum().item()) + options
