"""Loading weights that are already on disk, without transformers' progress bar, and only from safe files.

Loading a local checkpoint takes well under a second for the demo model and seconds for published ones, so
"Loading weights" bars are noise in a one-shot answer. Downloads happen before this (`factories.hub.resolve`) and
keep their progress bars. Pickled weights are refused by name before any loader sees them, and a damaged or
mismatched safetensors file is one error naming it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")  # torch.save / pickle files


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Transformers' progress bars off inside the block, back to how they were after it."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()


def require_safetensors(directory: Path, what: str) -> None:
    """Refuse a model folder whose weights are only pickle files (`pytorch_model.bin`, `adapter_model.bin`):
    unpickling can run code, so tsqa reads safetensors only, and says so here rather than in an unpickling error."""
    if not directory.is_dir() or any(directory.glob("*.safetensors")) or any(directory.glob("*.safetensors.*")):
        return
    pickled = sorted(p.name for p in directory.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
    if pickled:
        raise ValueError(f"{directory}: the {what} weights are pickle files ({', '.join(pickled[:3])}), which tsqa "
                         "never loads (unpickling can run code); save them as safetensors "
                         "(save_pretrained(..., safe_serialization=True)) and try again")


@contextmanager
def loading_weights(path: Path, what: str) -> Iterator[None]:
    """A damaged or mismatched weights file (a truncated safetensors file, tensors of other shapes) as one
    ValueError naming the file, instead of an error from deep inside safetensors or torch."""
    from safetensors import SafetensorError

    try:
        yield
    except (SafetensorError, RuntimeError) as err:
        reason = " ".join(str(err).split())
        raise ValueError(f"{path}: the {what} weights cannot be loaded ({reason[:300]})") from None
