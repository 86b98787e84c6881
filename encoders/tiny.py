"""Random Toto 2.0 checkpoints built from configs, for offline tests and benchmarks (no weights downloaded)."""

from pathlib import Path

import torch
from toto2 import Toto2Model, Toto2ModelConfig

_RESIDUAL_CONTEXT = 4096  # context length the residual attention ratio is computed for (TotoEncoder's default)


def _config(shape: dict, overrides: dict) -> Toto2ModelConfig:
    fields = {"num_variate_layers_per_group": 1, "variate_layer_first": False, "dropout_p": 0.0, **shape, **overrides}
    ratio = Toto2ModelConfig.compute_residual_attn_ratio(_RESIDUAL_CONTEXT, fields["patch_size"])
    fields.setdefault("residual_attn_ratio", ratio)
    return Toto2ModelConfig(**fields)


def tiny_toto_config(**overrides) -> Toto2ModelConfig:
    """The smallest valid Toto 2.0 (about 12k parameters): patch 4, width 16, one time and one variate layer."""
    shape = dict(patch_size=4, d_model=16, num_heads=2, num_layers=2, layer_group_size=2)
    return _config(shape, overrides)


def toto_4m_like_config(**overrides) -> Toto2ModelConfig:
    """Shaped like Toto-2.0-4m (patch 32, width 256, 4 layers); heads and layer grouping are guesses (4, 2 + 2)."""
    shape = dict(patch_size=32, d_model=256, num_heads=4, num_layers=4, layer_group_size=2)
    return _config(shape, overrides)


def toto_22m_like_config(**overrides) -> Toto2ModelConfig:
    """Like Toto-2.0-22m (patch 32, width 512, 6 layers); heads and grouping are guesses: 8, 4 time + 2 variate."""
    shape = dict(patch_size=32, d_model=512, num_heads=8, num_layers=6, layer_group_size=3)
    return _config(shape, overrides)


def random_toto(config: Toto2ModelConfig, seed: int = 0) -> Toto2Model:
    """A Toto2Model with the package's own random initialisation, reproducible from `seed`, in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Toto2Model(config).eval()


def save_tiny_toto(directory: "str | Path", seed: int = 0, **overrides) -> Path:
    """Write a random tiny checkpoint (config.json + model.safetensors) loadable by `TotoEncoder.from_pretrained`."""
    directory = Path(directory)
    random_toto(tiny_toto_config(**overrides), seed).save_pretrained(directory)
    return directory
