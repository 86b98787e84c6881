"""Encode each distinct series once: a content-keyed embedding cache in memory (LRU) and optionally on disk.

A series shared by several questions, seen again in every training epoch, or sent again to the server, is encoded
the first time only. Keys hash the values (NaN pattern included), the shape, the encoder's identity and its
max_context. The misses of one call, duplicates merged, go to the wrapped encoder in as few batched calls as
`Encoder.encode_list` makes. Entries live on the CPU, so the memory budget never takes accelerator memory.

A series' forecast band (the evidence's `band` track) is kept the same way, in memory: the pass that makes it also
encodes the series (`TotoEncoder.encode_with_band`), so a question asked with its evidence runs the encoder once.

On disk each key is one safetensors file whose header holds the grid fields, written to a temporary name and
renamed, so a killed process never leaves a half-written entry; an unreadable entry is reported, encoded again and
replaced. The directory's `cache.json` names the encoder it belongs to: another encoder is refused, never mixed in.
"""

import hashlib
import json
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.inputs import as_series_batch, to_float_array
from tsqa.encoders.outliers import ForecastBand

_FORMAT = "tsqa-encoder-cache-v1"
MANIFEST = "cache.json"


class CachedEncoder(Encoder):
    """Wraps an encoder; a series seen before is served from the cache instead of encoded again.

    `misses` counts the series actually run through the encoder, `hits` those served from memory or disk."""

    def __init__(self, encoder: Encoder, cache_dir: "str | Path | None" = None, max_bytes: int = 2**30):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.encoder = encoder
        self.patch_size = encoder.patch_size
        self.d_model = encoder.d_model
        self.identity = encoder.identity
        self.max_context = encoder.max_context
        self.device = torch.device("cpu")
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._memory: OrderedDict[str, EncoderOutput] = OrderedDict()
        self._bytes = 0
        self._bands: OrderedDict[str, ForecastBand] = OrderedDict()
        self._band_bytes = 0
        self.cache_dir = None if cache_dir is None else self._claim(Path(cache_dir))

    def key(self, series: np.ndarray) -> str:
        """Content key of one (channels, time) float64 series."""
        canonical = np.ascontiguousarray(np.where(np.isnan(series), np.nan, series + 0.0))  # one NaN, no -0.0
        digest = hashlib.sha256(f"{_FORMAT}|{self.identity}|{self.max_context}|{series.shape}|".encode())
        digest.update(canonical.tobytes())
        return digest.hexdigest()

    def encode(self, values: "np.ndarray | torch.Tensor") -> EncoderOutput:
        return EncoderOutput.cat(self.encode_list(list(as_series_batch(values))))

    def encode_list(
        self, series: Sequence["np.ndarray | torch.Tensor"], batch_size: int = 16, max_cells: int = 1_000_000
    ) -> list[EncoderOutput]:
        arrays = [to_float_array(values, f"series {index}") for index, values in enumerate(series)]
        keys = [self.key(array) for array in arrays]
        found = {key: self._lookup(key) for key in dict.fromkeys(keys)}
        missing = [key for key, output in found.items() if output is None]
        self.misses += len(missing)
        self.hits += len(keys) - len(missing)
        if missing:
            fresh = self.encoder.encode_list([arrays[keys.index(key)] for key in missing], batch_size, max_cells)
            for key, output in zip(missing, fresh):
                found[key] = output.to("cpu").clone()
                self._store_disk(key, found[key])
        for key in found:
            self._remember(key, found[key])
        return [found[key] for key in keys]

    def forecast_band(self, values: "np.ndarray | torch.Tensor") -> ForecastBand:
        """The forecast band of one (channels, time) series, as the wrapped encoder's `forecast_band` gives it; when
        it is made, the series' encoding from the same pass is kept too, so encoding it afterwards is a hit."""
        array = to_float_array(values, "series")
        key = self.key(array)
        if key in self._bands:
            self._bands.move_to_end(key)
            self.hits += 1
            return self._bands[key]
        if not hasattr(self.encoder, "encode_with_band"):
            raise TypeError(f"{type(self.encoder).__name__} gives no forecast band (no encode_with_band)")
        output, band = self.encoder.encode_with_band(array)
        self.misses += 1
        if self._lookup(key) is None:
            output = output.to("cpu").clone()
            self._store_disk(key, output)
            self._remember(key, output)
        if band.nbytes <= self.max_bytes:
            self._bands[key] = band
            self._band_bytes += band.nbytes
            while self._band_bytes > self.max_bytes:
                _, evicted = self._bands.popitem(last=False)
                self._band_bytes -= evicted.nbytes
        return band

    def _claim(self, directory: Path) -> Path:
        """The cache directory, created for this encoder or checked to be this encoder's."""
        directory.mkdir(parents=True, exist_ok=True)
        manifest = directory / MANIFEST
        expected = {"format": _FORMAT, "identity": self.identity, "max_context": self.max_context}
        if manifest.is_file():
            try:
                recorded = json.loads(manifest.read_text())
            except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deeply
                raise ValueError(f"{manifest}: not a readable encoder cache manifest ({err})") from None
            if not isinstance(recorded, dict):
                raise ValueError(f"{manifest}: not an encoder cache manifest (a JSON {type(recorded).__name__})")
            if recorded != expected:
                raise ValueError(
                    f"{directory}: an encoder cache of another encoder ({recorded.get('identity')!r}, max_context "
                    f"{recorded.get('max_context')}); this one is {self.identity!r}, max_context {self.max_context}: "
                    "give another cache directory, or delete this one"
                )
        else:
            manifest.write_text(json.dumps(expected, indent=2) + "\n")
        from tsqa.arfbench.atomic import remove_stale_temporaries  # the on-disk cache only

        remove_stale_temporaries(directory)  # of entries whose writer was killed before its rename
        return directory

    def _lookup(self, key: str) -> "EncoderOutput | None":
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        return self._load_disk(key)

    def _remember(self, key: str, output: EncoderOutput) -> None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return
        if output.nbytes > self.max_bytes:
            return
        self._memory[key] = output
        self._bytes += output.nbytes
        while self._bytes > self.max_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._bytes -= evicted.nbytes

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
                tensors = {name: entry.get_tensor(name) for name in EncoderOutput.tensor_names()}
                grid = {name: int(value) for name, value in json.loads(metadata["grid"]).items()}
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as err:
            warnings.warn(f"{path}: unreadable cache entry ({err}); encoding again", RuntimeWarning, stacklevel=3)
            return None
        return EncoderOutput(**tensors, **grid)

    def _store_disk(self, key: str, output: EncoderOutput) -> None:
        if self.cache_dir is None:
            return
        metadata = {"format": _FORMAT, "key": key, "identity": self.identity, "grid": json.dumps(output.grid())}
        tensors = {name: getattr(output, name).contiguous() for name in EncoderOutput.tensor_names()}
        from tsqa.arfbench.atomic import atomic_file

        with atomic_file(self._path(key)) as temporary:
            save_file(tensors, str(temporary), metadata=metadata)
