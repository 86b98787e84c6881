"""Time-series encoders behind one small interface.

`TotoEncoder` lives in `encoders.toto`, imported only where it is needed: `import toto2` takes seconds (it pulls in
gluonts and lightning).
"""

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.cache import CachedEncoder

__all__ = ["CachedEncoder", "Encoder", "EncoderOutput"]
