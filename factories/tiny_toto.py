"""Random Toto 2.0 checkpoints built from configs, for offline tests and benchmarks (no weights downloaded): tiny
ones, and the published architectures whose config.json values are kept in `factories/published/`."""

from pathlib import Path

from toto2 import Toto2Model, Toto2ModelConfig

from tsqa.factories.seeded import seeded
from tsqa.factories.shapes import published

_RESIDUAL_CONTEXT = 4096  # context length the residual attention ratio is computed for (TotoEncoder's default)
PUBLISHED = {"Datadog/Toto-2.0-22m": "toto_2_22m", "Datadog/Toto-2.0-313m": "toto_2_313m"}


def _config(shape: dict, overrides: dict) -> Toto2ModelConfig:
    fields = {"num_variate_layers_per_group": 1, "variate_layer_first": False, "dropout_p": 0.0, **shape, **overrides}
    ratio = Toto2ModelConfig.compute_residual_attn_ratio(_RESIDUAL_CONTEXT, fields["patch_size"])
    fields.setdefault("residual_attn_ratio", ratio)
    return Toto2ModelConfig(**fields)


def tiny_toto_config(**overrides) -> Toto2ModelConfig:
    """The smallest valid Toto 2.0 (about 12k parameters): patch 4, width 16, one time and one variate layer."""
    shape = dict(patch_size=4, d_model=16, num_heads=2, num_layers=2, layer_group_size=2)
    return _config(shape, overrides)


def published_toto_config(hub_id: str, **overrides) -> Toto2ModelConfig:
    """The published config.json of `hub_id` (Toto-2.0-22m or -313m; the JSON file says where it comes from)."""
    if hub_id not in PUBLISHED:
        raise ValueError(f"no published Toto config for {hub_id!r} (known: {', '.join(PUBLISHED)})")
    fields = published(PUBLISHED[hub_id])
    return Toto2ModelConfig(**{**fields, **overrides})


def random_toto(config: Toto2ModelConfig, seed: int = 0) -> Toto2Model:
    """A Toto2Model with the package's own random initialisation, reproducible from `seed`, in eval mode."""
    return seeded(lambda: Toto2Model(config), seed)


def save_published_toto(hub_id: str, directory: "str | Path", seed: int = 0) -> Path:
    """Write `hub_id`'s architecture with random weights, loadable by `TotoEncoder.from_pretrained`."""
    directory = Path(directory)
    random_toto(published_toto_config(hub_id), seed).save_pretrained(directory)
    return directory


def save_tiny_toto(directory: "str | Path", seed: int = 0, **overrides) -> Path:
    """Write a random tiny checkpoint (config.json + model.safetensors) loadable by `TotoEncoder.from_pretrained`."""
    directory = Path(directory)
    random_toto(tiny_toto_config(**overrides), seed).save_pretrained(directory)
    return directory
