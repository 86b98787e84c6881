"""Encode each distinct series once: a content-keyed embedding cache in memory (LRU) and optionally on disk."""

import hashlib
import json
import os
import tempfile
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.inputs import as_series_batch

_FORMAT = "tsqa-encoder-cache-v1"


class CachedEncoder(Encoder):
    """Wraps an encoder; a series (one batch entry) seen before is served from the cache instead of re-encoded.

    Keys hash the values (NaN pattern included), the shape, the encoder's identity and its max_context. Misses of
    one call, duplicates merged, go to the wrapped encoder in a single batch. On disk each key is one safetensors
    file whose header metadata holds the grid fields; files are written to a temporary name and renamed, so a
    killed process never leaves a half-written entry. An unreadable entry is reported, encoded again and replaced.
    """

    def __init__(self, encoder: Encoder, cache_dir: "str | Path | None" = None, max_items: int = 1024):
        if max_items < 0:
            raise ValueError(f"max_items must be >= 0, got {max_items}")
        self.encoder = encoder
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.max_items = max_items
        self.patch_size = encoder.patch_size
        self.d_model = encoder.d_model
        self.identity = encoder.identity
        self.max_context = encoder.max_context
        self.device = encoder.device
        self.hits = 0
        self.misses = 0
        self._memory: OrderedDict[str, EncoderOutput] = OrderedDict()

    def key(self, series: np.ndarray) -> str:
        """Content key of one (channels, time) float64 series."""
        canonical = np.ascontiguousarray(np.where(np.isnan(series), np.nan, series + 0.0))  # one NaN, no -0.0
        digest = hashlib.sha256(f"{_FORMAT}|{self.identity}|{self.max_context}|{series.shape}|".encode())
        digest.update(canonical.tobytes())
        return digest.hexdigest()

    def encode(self, values: "np.ndarray | torch.Tensor") -> EncoderOutput:
        batch = as_series_batch(values)
        keys = [self.key(series) for series in batch]
        found = {key: self._lookup(key) for key in dict.fromkeys(keys)}
        missing = [key for key, output in found.items() if output is None]
        self.misses += len(missing)  # series actually encoded; everything else was served from the cache
        self.hits += len(keys) - len(missing)
        if missing:
            fresh = self.encoder.encode(batch[[keys.index(key) for key in missing]]).unbatch()
            for key, output in zip(missing, fresh):
                found[key] = output.clone()
                self._store_disk(key, found[key])
        for key, output in found.items():
            self._remember(key, output)
        return EncoderOutput.cat([found[key] for key in keys])

    def _lookup(self, key: str) -> "EncoderOutput | None":
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        return self._load_disk(key)

    def _remember(self, key: str, output: EncoderOutput) -> None:
        if self.max_items == 0:
            return
        self._memory[key] = output
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_items:
            self._memory.popitem(last=False)

    def _path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.safetensors"

    def _load_disk(self, key: str) -> "EncoderOutput | None":
        if self.cache_dir is None or not self._path(key).is_file():
            return None
        path = self._path(key)
        try:
            with safe_open(str(path), framework="pt", device="cpu") as entry:
                metadata = entry.metadata() or {}
                if metadata.get("key") != key or metadata.get("identity") != self.identity:
                    raise ValueError("its metadata names another series or encoder")
                tensors = {name: entry.get_tensor(name).to(self.device) for name in EncoderOutput.tensor_names()}
                grid = {name: int(value) for name, value in json.loads(metadata["grid"]).items()}
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as err:
            warnings.warn(f"{path}: unreadable cache entry ({err}); encoding again", RuntimeWarning, stacklevel=3)
            return None
        return EncoderOutput(**tensors, **grid)

    def _store_disk(self, key: str, output: EncoderOutput) -> None:
        if self.cache_dir is None:
            return
        metadata = {"format": _FORMAT, "key": key, "identity": self.identity, "grid": json.dumps(output.grid())}
        tensors = {name: getattr(output, name).contiguous().cpu() for name in EncoderOutput.tensor_names()}
        handle, temporary = tempfile.mkstemp(dir=self.cache_dir, prefix=f".{key[:16]}.", suffix=".tmp")
        os.close(handle)
        try:
            save_file(tensors, temporary, metadata=metadata)
            os.replace(temporary, self._path(key))
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)

