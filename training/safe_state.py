"""Nested training state (optimizer, scheduler, RNG) as safetensors + JSON, so resuming never unpickles anything.

Tensors go to `<stem>.safetensors` under generated keys; the structure around them goes to `<stem>.json`, with tuples
and dicts with non-string keys tagged so they come back as they were (optimizer state is keyed by int).
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

_TENSOR, _TUPLE, _DICT = "__tensor__", "__tuple__", "__dict__"


def save_state(state: object, directory: Path, stem: str) -> None:
    tensors: dict[str, torch.Tensor] = {}
    skeleton = _encode(state, tensors)
    directory.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(directory / f"{stem}.safetensors"))
    (directory / f"{stem}.json").write_text(json.dumps(skeleton), encoding="utf-8")


def load_state(directory: Path, stem: str) -> object:
    json_path, tensor_path = directory / f"{stem}.json", directory / f"{stem}.safetensors"
    for path in (json_path, tensor_path):
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint is missing {path}")
    try:
        skeleton = json.loads(json_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{json_path}: corrupt JSON: {err}") from err
    return _decode(skeleton, load_file(str(tensor_path)), json_path)


def _encode(value: object, tensors: dict):
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = value.detach().contiguous().cpu()
        return {_TENSOR: key}
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(v, tensors) for v in value]}
    if isinstance(value, list):
        return [_encode(v, tensors) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, tensors) for k, v in value.items()}
        return {_DICT: [[k, _encode(v, tensors)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save {type(value).__name__} in a training state (only tensors and plain data)")


def _decode(value: object, tensors: dict, source: Path):
    if isinstance(value, list):
        return [_decode(v, tensors, source) for v in value]
    if not isinstance(value, dict):
        return value
    if _TENSOR in value:
        if value[_TENSOR] not in tensors:
            raise ValueError(f"{source}: refers to tensor {value[_TENSOR]!r} missing from its .safetensors file")
        return tensors[value[_TENSOR]]
    if _TUPLE in value:
        return tuple(_decode(v, tensors, source) for v in value[_TUPLE])
    if _DICT in value:
        return {_decode(k, tensors, source): _decode(v, tensors, source) for k, v in value[_DICT]}
    return {k: _decode(v, tensors, source) for k, v in value.items()}
