"""Where a model comes from: a Hub id (downloaded, or found in the local Hugging Face cache) or a local directory; and
how a checkpoint records it so that it loads on another machine. A model built on first use (`smollm2:smolvlm`) is
recognised here and built by `locate` on first use (`factories.smollm2`, imported then): `resolve` builds nothing.

In memory a reference is a Hub id, a built-model spec, or an absolute path. On disk (`tsqa_config.json`) a local
path becomes relative to the checkpoint directory, and a folder of the Hugging Face cache becomes its Hub id, so a
checkpoint directory copied or moved together with its base models still loads.

Weights already on disk are loaded without transformers' progress bar (a local checkpoint loads in well under a
second for the demo model and seconds for published ones, so "Loading weights" bars are noise in a one-shot answer;
downloads, in `resolve`, keep theirs), and only from safe files: pickled weights are refused by name before any loader
sees them, and a damaged or mismatched safetensors file is one error naming it.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")  # torch.save / pickle files
BUILT_PREFIXES = ("smollm2:",)  # specs of base models built on first use into the tsqa cache
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_CACHE_SNAPSHOT = re.compile(r"models--(?P<org>[^/]+?)--(?P<name>[^/]+)/snapshots/[^/]+$")


def is_built(reference: str) -> bool:
    return reference.startswith(BUILT_PREFIXES)


def is_hub_id(reference: str) -> bool:
    """`org/name` that is not an existing local path."""
    return _HUB_ID.fullmatch(reference) is not None and not Path(reference).exists()


def resolve(reference: "str | Path", base: Path | None = None) -> Path:
    """The local directory holding `reference`. A relative path is looked up in `base` (the checkpoint directory)
    first, then in the working directory; a Hub id is downloaded or taken from the local Hugging Face cache."""
    text = str(reference)
    if is_built(text):
        raise ValueError(f"{text}: a model built on first use, not resolved (factories.hub.locate builds it)")
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute() and (base / path).exists():
        return base / path
    if path.exists():
        return path
    if _HUB_ID.fullmatch(text):
        return download(text)
    raise FileNotFoundError(f"{text}: no such directory, and not a Hub id (org/name)")


def download(hub_id: str) -> Path:
    """`hub_id`'s snapshot: from the local Hugging Face cache ($HF_HUB_CACHE) when it is there, else downloaded."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(snapshot_download(hub_id))
    except RepositoryNotFoundError as err:
        raise FileNotFoundError(f"{hub_id}: no such model on the Hugging Face Hub (or it is gated: log in)") from err
    except (LocalEntryNotFoundError, ConnectionError) as err:
        raise FileNotFoundError(
            f"{hub_id}: not in the local Hugging Face cache and the Hub cannot be reached; run "
            f"`huggingface-cli download {hub_id}` on a machine with network (and copy its cache), or pass a local "
            "directory with the model's files"
        ) from err


def locate(reference: "str | Path", base: Path | None = None) -> Path:
    """The local directory of a model reference: a built spec is built on first use (into the tsqa cache), anything
    else is resolved as `resolve` does (`base`: the checkpoint directory relative paths start from)."""
    if is_built(str(reference)):
        from tsqa.factories.smollm2 import built_model  # imports transformers: only when such a model is named

        return built_model(str(reference))
    return resolve(reference, base)


def anchored(reference: str, base: Path) -> str:
    """A reference read from the checkpoint in `base`, as held in memory: local paths made absolute."""
    if is_built(reference):
        return reference
    path = Path(reference).expanduser()
    local = path if path.is_absolute() else base / path
    return str(local.resolve()) if local.exists() else reference


def portable(reference: str, checkpoint: Path) -> str:
    """A reference as a checkpoint in `checkpoint` records it: Hub ids and built specs as they are, a folder of the
    Hugging Face cache as its Hub id, any other local path relative to the checkpoint directory."""
    if is_built(reference) or is_hub_id(reference):
        return reference
    path = Path(reference).expanduser().resolve()
    snapshot = _CACHE_SNAPSHOT.search(path.as_posix())
    if snapshot:
        return f"{snapshot['org']}/{snapshot['name']}"
    return Path(os.path.relpath(path, checkpoint.resolve())).as_posix()


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
