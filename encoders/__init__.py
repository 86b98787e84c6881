"""Time-series encoders behind one small interface.

`TotoEncoder` is imported on first use: `import toto2` takes seconds (it pulls in gluonts and lightning).
"""

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.cache import CachedEncoder

__all__ = ["CachedEncoder", "Encoder", "EncoderOutput", "TotoEncoder"]


def __getattr__(name: str):
    if name == "TotoEncoder":
        from tsqa.encoders.toto import TotoEncoder

        return TotoEncoder
    raise AttributeError(f"module 'tsqa.encoders' has no attribute {name!r}")
