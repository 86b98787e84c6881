"""Decoding the two non-text content parts of a request: an inline image and a time series.

Both are checked against the server's limits before anything large is built (an image by its header, a series by
the grid its timestamps span), and every refusal names the part.
"""

import base64
import binascii
import io

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from tsqa.arfbench.schema import Series
from tsqa.arfbench.exports.limits import first_bad_epoch
from tsqa.serve.errors import bad_request, shown, too_large
from tsqa.serve.limits import Limits
from tsqa.arfbench.exports import SeriesTooLarge, SizeLimits, load_series
from tsqa.arfbench.exports.load import check_header_text

IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/webp": "WEBP"}
TIME_COLUMN = "timestamp"
MAX_NAME_CHARACTERS = 256  # series and channel names are written into the prompt
MAX_TIMESTAMP_CHARACTERS = 64  # a date string


def decode_image(payload: object, label: str, limits: Limits) -> Image.Image:
    """An RGB image from an `image_url` payload holding a `data:image/...;base64,` URL; remote URLs are refused."""
    url = payload.get("url") if isinstance(payload, dict) else payload
    if not isinstance(url, str):
        raise bad_request(f"{label}: image_url.url must be a string", "invalid_image")
    if not url.startswith("data:"):
        raise bad_request(
            f"{label}: only inline images are accepted (data:image/png;base64,...); this server never fetches URLs",
            "remote_image_refused",
        )
    header, _, data = url.partition(",")
    mime, _, encoding = header[len("data:") :].partition(";")
    if mime.lower() not in IMAGE_TYPES or encoding.lower() != "base64":
        raise bad_request(
            f"{label}: expected a base64 data URL of type {', '.join(sorted(IMAGE_TYPES))}, got {shown(header)}",
            "invalid_image",
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{label}: the data URL is not valid base64", "invalid_image") from None
    try:
        with Image.open(io.BytesIO(raw), formats=[IMAGE_TYPES[mime.lower()]]) as image:
            width, height = image.size  # read from the header: nothing is decoded yet
            if width * height > limits.max_image_pixels:
                raise too_large(
                    f"{label}: {width}x{height} pixels is more than the limit of {limits.max_image_pixels} pixels; "
                    "downscale the image"
                )
            return image.convert("RGB")
    except Image.DecompressionBombError:
        raise too_large(f"{label}: the image is larger than {limits.max_image_pixels} pixels") from None
    except UnidentifiedImageError:
        raise bad_request(f"{label}: not a readable {IMAGE_TYPES[mime.lower()]} image", "invalid_image") from None
    except (OSError, SyntaxError, ValueError) as err:
        kind = IMAGE_TYPES[mime.lower()]
        raise bad_request(f"{label}: not a readable {kind} image ({err})", "invalid_image") from None


def decode_series(payload: object, label: str, name: str, limits: Limits) -> Series:
    """A `Series` from a `time_series` payload: `{"csv": ...}` or `{"values", "timestamps"?, "channels"?, ...}`."""
    if not isinstance(payload, dict):
        raise bad_request(f"{label}: time_series must be an object", "invalid_time_series")
    name = payload.get("name", name)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARACTERS:
        raise bad_request(f"{label}: name must be a non-empty string of at most {MAX_NAME_CHARACTERS} characters",
                          "invalid_time_series")
    frame = _csv_frame(payload, label, limits) if "csv" in payload else _values_frame(payload, label, limits)
    sizes = SizeLimits(limits.max_series_steps, limits.max_channels, limits.max_series_cells)
    strict, interval = payload.get("strict", False), payload.get("interval")
    if not isinstance(strict, bool):
        raise bad_request(f"{label}: strict must be true or false", "invalid_time_series")
    if "timestamps" not in payload and "csv" not in payload:
        interval = None  # without timestamps, interval is the step of the values' own grid
    try:
        series = load_series(frame, name=name, limits=sizes, strict=strict, interval=interval)
    except SeriesTooLarge as err:
        raise too_large(f"{label}: {str(err).removeprefix('DataFrame: ')}") from None
    except (ValueError, TypeError, OverflowError) as err:
        raise bad_request(f"{label}: {str(err).removeprefix('DataFrame: ')}", "invalid_time_series") from None
    long_name = next((c for c in series.channels if len(c) > MAX_NAME_CHARACTERS), None)
    if long_name is not None:
        raise bad_request(f"{label}: channel name {shown(long_name)} is longer than {MAX_NAME_CHARACTERS} characters",
                          "invalid_time_series")
    return series


def _csv_frame(payload: dict, label: str, limits: Limits) -> pd.DataFrame:
    text = payload["csv"]
    if not isinstance(text, str):
        raise bad_request(f"{label}: csv must be a string", "invalid_time_series")
    header = text.lstrip().partition("\n")[0]
    _check_size(max(text.count("\n"), 1), header.count(","), label, limits)  # rows x channels, before parsing
    try:
        check_header_text(header, label, SizeLimits(limits.max_series_steps, limits.max_channels,
                                                    limits.max_series_cells))
    except ValueError as err:
        raise bad_request(str(err), "invalid_time_series") from None
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as err:  # EmptyDataError is a ValueError
        raise bad_request(f"{label}: csv cannot be parsed ({str(err).strip()})", "invalid_time_series") from None
    return frame


def _values_frame(payload: dict, label: str, limits: Limits) -> pd.DataFrame:
    values = payload.get("values")
    if not isinstance(values, list) or not values:
        raise bad_request(f"{label}: values must be a non-empty list (one number, or one list per step)",
                          "invalid_time_series")
    width = len(values[0]) if isinstance(values[0], list) else 1
    _check_size(len(values), width, label, limits)
    try:
        if not _plain_numbers(values):  # numpy would take true as 1 and "inf" as infinity
            raise TypeError
        array = np.array(values, dtype=np.float64)  # null -> NaN, a missing value
    except (TypeError, ValueError, OverflowError):
        raise bad_request(
            f"{label}: values must be numbers or null (not true/false or text), and every step must have one value "
            "per channel",
            "invalid_time_series",
        ) from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise bad_request(f"{label}: values must be a list of steps, each a number or a list of numbers",
                          "invalid_time_series")
    channels = _channels(payload.get("channels"), array.shape[1], label)
    return pd.DataFrame({TIME_COLUMN: _timestamps(payload, len(array), label),
                         **{channel: array[:, c] for c, channel in enumerate(channels)}})


def _plain_numbers(values: list) -> bool:
    """True when every value (of a step, or of a step's list) is a JSON number or null."""
    for step in values:
        for value in step if isinstance(step, list) else (step,):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                return False
    return True


def _check_size(steps: int, channels: int, label: str, limits: Limits) -> None:
    """The payload's own size; `load_series` checks the regular grid it becomes."""
    if steps > limits.max_series_steps:
        raise too_large(f"{label}: {steps} steps is more than the limit of {limits.max_series_steps} steps")
    if channels > limits.max_channels:
        raise too_large(f"{label}: {channels} channels is more than the limit of {limits.max_channels} channels")
    if steps * channels > limits.max_series_cells:
        raise too_large(f"{label}: {steps} steps x {channels} channels is more than the limit of "
                        f"{limits.max_series_cells} cells")


def _channels(channels: object, count: int, label: str) -> list[str]:
    if channels is None:
        return [f"channel_{c}" for c in range(count)]
    if not isinstance(channels, list) or not all(isinstance(c, str) and c.strip() for c in channels):
        raise bad_request(f"{label}: channels must be a list of non-empty strings", "invalid_time_series")
    if len(channels) != count:
        raise bad_request(f"{label}: {len(channels)} channel names for {count} values per step", "invalid_time_series")
    if len(set(channels)) != len(channels):
        duplicate = next(c for c in channels if channels.count(c) > 1)
        raise bad_request(f"{label}: duplicate channel names ({shown(duplicate)} more than once)",
                          "invalid_time_series")
    if TIME_COLUMN in (c.strip().lower() for c in channels):
        raise bad_request(f"{label}: {TIME_COLUMN!r} is reserved; rename that channel", "invalid_time_series")
    return channels


def _timestamps(payload: dict, steps: int, label: str) -> list:
    """The given timestamps (unix seconds or date strings), else a grid from `start` every `interval` seconds."""
    if "timestamps" in payload:
        timestamps = payload["timestamps"]
        if not isinstance(timestamps, list) or len(timestamps) != steps:
            raise bad_request(f"{label}: timestamps must be a list with one entry per step ({steps})",
                              "invalid_time_series")
        odd = next((i for i, t in enumerate(timestamps) if not _is_timestamp(t)), None)
        if odd is not None:
            raise bad_request(f"{label}: timestamps[{odd}] must be unix seconds or a date string, got "
                              f"{shown(timestamps[odd])}", "invalid_time_series")
        return timestamps
    interval, start = payload.get("interval", 60), payload.get("start", 0)
    if not _is_int(interval) or interval < 1 or not _is_int(start):
        raise bad_request(f"{label}: interval must be a positive whole number of seconds and start a unix time",
                          "invalid_time_series")
    outside = first_bad_epoch([start, start + interval * (steps - 1)])
    if outside is not None:
        raise bad_request(f"{label}: the grid from start every {interval}s: {outside[1]}", "invalid_time_series")
    return list(start + interval * np.arange(steps, dtype=np.int64))


def _is_timestamp(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TIMESTAMP_CHARACTERS
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
