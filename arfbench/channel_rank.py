"""Which channels of a wide series stand out, cheaply: what chooses the channels a model encodes and a chart draws
when a series has more of them than a prompt or a plot can show (ARFBench's series reach 2,000 channels).

The series is cut into blocks of 1/64 of its length (at least 4 steps). Each block is forecast by extending the line
through the medians of the two blocks before it, and each step is judged in units of the channel's noise: 1.4826 x
the median over blocks of the MAD inside a block, which a slow trend or daily cycle barely moves. A channel's score
is the largest |z| it holds for two observed steps in a row, so a level shift, a spike, a new cycle or a burst of
variance scores high, and one noisy step, a steady ramp or a smooth seasonal swing does not (a change of slope only
shows where it bends: trend changes are the kind it finds least well).
Robust statistics in float32, a bounded number of channels at a time: memory beyond the values themselves does not
grow with the channel count.
"""

import warnings

import numpy as np

from tsqa.arfbench.deviation import MAD_TO_SIGMA
BLOCKS = 64  # blocks per series
MIN_BLOCK = 4  # steps per block, at least
CHUNK_CELLS = 2_000_000  # steps x channels scored at once (about 8 MB per float32 copy)


def channel_scores(values: np.ndarray) -> np.ndarray:
    """(steps, channels) values, NaN for missing -> (channels,) float32 scores, >= 0 (0 for a channel with fewer
    than two observed steps)."""
    steps, channels = values.shape
    width = max(1, CHUNK_CELLS // max(1, steps))
    scores = [_scores(values[:, first : first + width]) for first in range(0, channels, width)]
    return np.concatenate(scores) if scores else np.zeros(0, np.float32)


def top_channels(values: np.ndarray, count: int) -> np.ndarray:
    """The indices of the `count` highest-scoring channels of (steps, channels) `values`, ascending (ties: the
    earlier channel)."""
    scores = channel_scores(values)
    order = np.argsort(-scores, kind="stable")
    return np.sort(order[: max(0, count)])


def _scores(values: np.ndarray) -> np.ndarray:
    """Scores of one chunk of channels, (steps, chunk) -> (chunk,)."""
    steps, channels = values.shape
    block = max(MIN_BLOCK, -(-steps // BLOCKS))
    blocks = -(-steps // block)
    x = np.full((channels, blocks * block), np.nan, np.float32)  # (chunk, padded steps)
    x[:, :steps] = values.T
    x = x.reshape(channels, blocks, block)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty blocks and channels: NaN, handled below
        median = np.nanmedian(x, axis=2)  # (chunk, blocks)
        spread = np.nanmedian(np.abs(x - median[..., None]), axis=2)  # (chunk, blocks)
        scale = MAD_TO_SIGMA * np.nanmedian(spread, axis=1)  # (chunk,)
        fallback = np.nanstd(x.reshape(channels, -1), axis=1)
    scale = np.where(scale > 0, scale, np.where(fallback > 0, fallback, 1.0)).astype(np.float32)
    forecast = _forecast(median)  # (chunk, blocks)
    z = np.abs(x - forecast[..., None]) / scale[:, None, None]  # (chunk, blocks, block)
    z = z.reshape(channels, -1)[:, :steps]  # (chunk, steps), NaN where missing
    if steps < 2:
        return np.zeros(channels, np.float32)
    last = np.where(np.isnan(z), 0, np.arange(steps))  # (chunk, steps): the last observed step so far
    np.maximum.accumulate(last, axis=1, out=last)
    before = np.take_along_axis(z, last, axis=1)[:, :-1]  # |z| of the observed step before each step
    held = np.nan_to_num(np.minimum(z[:, 1:], before), nan=0.0, posinf=np.finfo(np.float32).max)
    return held.max(axis=1)


def _forecast(median: np.ndarray) -> np.ndarray:
    """(chunk, blocks) block medians -> what each block is expected at: the line through the two blocks before it;
    one block before it alone when the other is missing or absent; the block's own median with none before it."""
    before = np.concatenate([median[:, :1], median[:, :-1]], axis=1)  # block b-1 (block 0: itself)
    earlier = np.concatenate([median[:, :1], median[:, :1], median[:, :-2]], axis=1)[:, : median.shape[1]]
    line = 2 * before - earlier
    line = np.where(np.isnan(earlier), before, line)
    return np.where(np.isnan(line), median, line)
