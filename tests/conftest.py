"""Fixtures shared across packages: one tiny random tsqa checkpoint (tiny Toto + tiny Qwen3-VL) per session."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from tsqa.bridges.hybrid import HybridModel
    from tsqa.factories.tiny_vlm import save_tiny_vlm
    from tsqa.factories.tiny_toto import save_tiny_toto

    root = tmp_path_factory.mktemp("tiny-checkpoint")
    model = HybridModel.create(save_tiny_toto(root / "toto"), save_tiny_vlm("qwen3_vl", root / "vlm"))
    return model.save_pretrained(root / "tiny-tsqa")


@pytest.fixture
def one_torch_thread():
    """Small models on a shared 2-core machine run many times faster on one torch thread than on two that contend."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
