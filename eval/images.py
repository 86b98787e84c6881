"""Plots sent to API models: PNG, downscaled so neither side exceeds a limit, as a base64 data URL."""

import base64
import io
from pathlib import Path

MAX_SIDE = 1500


def png_data_url(path: str | Path, max_side: int = MAX_SIDE) -> str:
    """`data:image/png;base64,...` of the image at `path`, resized (aspect kept) when a side exceeds `max_side`."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    try:
        with Image.open(path) as image:
            image.load()
            width, height = image.size
            if max(width, height) > max_side:
                scale = max_side / max(width, height)
                size = (max(1, int(width * scale)), max(1, int(height * scale)))
                image = image.resize(size, Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise ValueError(f"{path}: not a readable image ({err})") from None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
