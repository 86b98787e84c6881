"""What one request may carry; each limit has a `tsqa serve` flag."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_request_bytes: int = 20_000_000  # the whole JSON body
    max_series_steps: int = 100_000  # per series, after placing it on its regular grid
    max_channels: int = 512  # per series
    max_image_pixels: int = 1500 * 1500  # width x height of each image
    max_images: int = 4  # a pair question shows three (the combined plot, then each series)
    max_new_tokens: int = 256  # cap on generated tokens, whatever the client asks

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive integer, got {value!r}")
