"""Checkpoints that resume a stage exactly, in safe formats only (safetensors + JSON; nothing is unpickled).

`<stage dir>/checkpoint-<step>/` holds the model's own `save_pretrained` files (so any checkpoint loads with
`from_pretrained`) and `trainer/`: the trainable weights by parameter name, optimizer and scheduler state, each
process's RNG state, and the data position. A checkpoint is written under a temporary name and renamed when complete,
so a kill while saving never leaves a half-written checkpoint behind.
"""

import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from safetensors.torch import load_file, save_file

from tsqa.arfbench.atomic import commit, staging_path
from tsqa.training.rng import capture_rng, restore_rng
from tsqa.training.safe_state import load_state, save_state

TRAINER_DIR = "trainer"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


@dataclass
class Position:
    """Where the loop stands: `step` optimizer steps done; the next one starts at `step_in_epoch` of `epoch`."""

    step: int
    epoch: int
    step_in_epoch: int


def checkpoints(stage_dir: Path) -> list[Path]:
    """Complete step checkpoints, oldest first."""
    if not stage_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in stage_dir.iterdir() if (m := _CHECKPOINT.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().cpu().contiguous() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(
    directory: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    position: Position,
    accelerator: Accelerator,
) -> None:
    """Called by every process: each writes its RNG state, the main process everything else (shared filesystem)."""
    partial = staging_path(directory)
    trainer = partial / TRAINER_DIR
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        trainer.mkdir(parents=True)
        model.save_pretrained(partial)
        save_file(trainable_state(model), str(trainer / "trainable.safetensors"))
        save_state(optimizer.state_dict(), trainer, "optimizer")
        save_state(scheduler.state_dict(), trainer, "scheduler")
    accelerator.wait_for_everyone()
    save_state(capture_rng(), trainer, f"rng-{accelerator.process_index}")
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (trainer / "position.json").write_text(json.dumps(asdict(position)), encoding="utf-8")
        commit(partial, directory)
    accelerator.wait_for_everyone()


def load_checkpoint(
    directory: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    process_index: int,
) -> Position:
    """Restores trainable weights, optimizer, scheduler and this process's RNG; returns where to continue."""
    trainer = directory / TRAINER_DIR
    weights_path = trainer / "trainable.safetensors"
    if not weights_path.is_file():
        raise FileNotFoundError(f"checkpoint {directory} is missing {weights_path.name}")
    saved = load_file(str(weights_path))
    expected = trainable_state(model)
    if set(saved) != set(expected):
        missing, extra = sorted(set(expected) - set(saved)), sorted(set(saved) - set(expected))
        raise ValueError(
            f"checkpoint {directory}: trainable weights do not match the model "
            f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]})"
        )
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name in saved:
                if saved[name].shape != parameter.shape:
                    raise ValueError(f"checkpoint {directory}: {name} has shape {tuple(saved[name].shape)}, "
                                     f"the model {tuple(parameter.shape)}")
                parameter.copy_(saved[name])
    optimizer.load_state_dict(load_state(trainer, "optimizer"))
    scheduler.load_state_dict(load_state(trainer, "scheduler"))
    restore_rng(load_state(trainer, f"rng-{process_index}"))
    position_path = trainer / "position.json"
    try:
        return Position(**json.loads(position_path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as err:
        raise ValueError(f"checkpoint {directory}: unreadable {position_path.name}: {err}") from err


def prune_checkpoints(stage_dir: Path, keep: int) -> None:
    """Deletes all but the `keep` newest step checkpoints (0 keeps them all)."""
    if keep > 0:
        for old in checkpoints(stage_dir)[:-keep]:
            shutil.rmtree(old)
