"""Random checkpoints from configs: tiny for tests, the published 22m and 313m for benchmarks and rehearsals."""

import json
from functools import partial

import pytest
import torch
from toto2 import Toto2Model

from tsqa.encoders.toto import weight_fingerprint
from tsqa.factories.tiny_toto import published_toto_config, random_toto, save_tiny_toto, tiny_toto_config


def test_saved_tiny_checkpoint_loads_with_the_official_loader(tmp_path):
    directory = save_tiny_toto(tmp_path / "ckpt", seed=3, d_model=32)
    assert json.loads((directory / "config.json").read_text())["d_model"] == 32
    loaded = Toto2Model.from_pretrained(str(directory))
    expected = random_toto(tiny_toto_config(d_model=32), seed=3)
    for (name, a), (_, b) in zip(sorted(loaded.state_dict().items()), sorted(expected.state_dict().items())):
        assert torch.equal(a, b), name


def test_seed_changes_the_weights_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = random_toto(tiny_toto_config(), seed=0), random_toto(tiny_toto_config(), seed=1)
    assert torch.equal(torch.rand(1), before)
    assert weight_fingerprint(a) != weight_fingerprint(b)
    assert weight_fingerprint(a) == weight_fingerprint(random_toto(tiny_toto_config(), seed=0))


@pytest.mark.parametrize(
    ("make", "patch", "width", "layers", "millions"),
    [(tiny_toto_config, 4, 16, 2, 0.012), (partial(published_toto_config, "Datadog/Toto-2.0-22m"), 32, 512, 6, 22),
     (partial(published_toto_config, "Datadog/Toto-2.0-313m"), 32, 1024, 24, 313)],
)
def test_configs_have_the_published_shapes(make, patch, width, layers, millions):
    config = make()
    assert (config.patch_size, config.d_model, config.num_layers, config.dropout_p) == (patch, width, layers, 0.0)
    with torch.device("meta"):
        parameters = sum(p.numel() for p in Toto2Model(config).parameters())
    assert parameters == pytest.approx(millions * 1e6, rel=0.15)  # published 22m / 313m: 21.9M / 312.7M
