"""A tiny random Toto encoder, built once per session, for the band track."""

import pytest


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory):
    from tsqa.encoders.toto import TotoEncoder
    from tsqa.factories.tiny_toto import save_tiny_toto

    return TotoEncoder.from_pretrained(save_tiny_toto(tmp_path_factory.mktemp("toto"), seed=0))
