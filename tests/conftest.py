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
