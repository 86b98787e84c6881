"""What one request may carry; each limit has a `tsqa serve` flag. Every limit is checked before any model work,
so the work and memory of one request are bounded whatever its body says."""

from dataclasses import dataclass

MAX_CHARACTERS_PER_TOKEN = 16  # text longer than this many characters per allowed token is refused untokenised


@dataclass(frozen=True)
class Limits:
    max_request_bytes: int = 20_000_000  # the whole JSON body
    max_series_steps: int = 100_000  # per series, after placing it on its regular grid
    max_channels: int = 512  # per series
    max_series_cells: int = 500_000  # steps x channels of a series' grid: encoder time and memory grow with it
    max_image_pixels: int = 1500 * 1500  # width x height of each image
    max_images: int = 4  # a pair question shows three (the combined plot, then each series)
    max_question_tokens: int = 2048  # the question text, counted with the model's tokenizer
    max_options: int = 32  # options scored per question (ARFBench asks at most 6)
    max_option_tokens: int = 128  # each option, counted with the model's tokenizer
    max_new_tokens: int = 256  # cap on generated tokens, whatever the client asks
    max_evidence_tokens: int = 1024  # the evidence text a request may ask to be appended to its question

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {name} must be a positive integer, got {value!r}")
