"""Tiny random VLMs with real processors, built offline from configs, for tests, benchmarks and the demo.

Each family gets a small byte-level BPE vocabulary trained on a corpus (digits split into single characters, so
timestamps tokenise as in Qwen), a chat template, and the family's own image processor, so that saving with
`save_pretrained` and loading with `AutoModelForImageTextToText` / `AutoProcessor` runs the real loading path.
"""

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3Processor,
    PreTrainedTokenizerFast,
    Qwen3VLConfig,
    Qwen3VLForConditionalGeneration,
    Qwen3VLProcessor,
)
from transformers.models.idefics3.image_processing_idefics3 import Idefics3ImageProcessor
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

from tsqa.arfbench import options
from tsqa.factories import chat_template
from tsqa.factories.seeded import seeded
from tsqa.factories.sizes import TinySizes

FAMILIES = ("qwen3_vl", "idefics3")


# Words the prompts and the benchmark's options use, so the tiny vocabulary merges them into few tokens.
DEFAULT_CORPUS: tuple[str, ...] = (
    "You are an expert site reliability engineer. Answer the multiple-choice question about the time series.",
    'Reply with JSON: {"answer": "<the exact text of one option>"}.',
    "Time-series 1: interval 60 s, from 2024-01-01 00:00:00 to 2024-01-02 23:59:00, 1440 steps.",
    "Time-series 2: channels service:checkout,dc:us1 pod_name:614 host:web-3 (5 more channels not shown: a, b)",
    "Question: Is there an anomaly in the time-series? When does the anomaly start? When does it end?",
    "Which channel has an anomaly? What is the magnitude of the anomaly? What kind of anomaly is it?",
    "Options: - Before the earliest timestamp - Not resolved",
    *(text for name, text in vars(options).items() if name.isupper() and isinstance(text, str)),
)

_QWEN_SPECIALS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
    "<|video_pad|>",
)
_IDEFICS3_SPECIALS = (
    "<|endoftext|>", "<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>",
    *(f"<row_{row}_col_{col}>" for row in range(1, 7) for col in range(1, 7)),
)

def train_tokenizer(
    corpus: Iterable[str], special_tokens: Iterable[str], eos_token: str, vocab_size: int = 512
) -> PreTrainedTokenizerFast:
    """A byte-level BPE fast tokenizer: any text encodes (no unknown token), digits are single tokens."""
    specials = list(special_tokens)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(corpus), trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=eos_token, pad_token=specials[0])


def tiny_qwen3_vl(
    corpus: Iterable[str] | None = None, sizes: TinySizes | None = None, seed: int = 0
) -> tuple[Qwen3VLForConditionalGeneration, Qwen3VLProcessor]:
    """A random Qwen3-VL (3-D M-RoPE, deepstack) and its processor; images become 4 x 4 = 16 tokens at most."""
    sizes = sizes or TinySizes()
    hidden_size = sizes.hidden_size
    tokenizer = train_tokenizer(corpus or DEFAULT_CORPUS, _QWEN_SPECIALS, "<|im_end|>", sizes.vocab_size)
    image_processor = Qwen2VLImageProcessor(
        min_pixels=32 * 32, max_pixels=64 * 64, patch_size=16, merge_size=1, temporal_patch_size=2
    )
    video_processor = Qwen3VLVideoProcessor(patch_size=16, merge_size=1, temporal_patch_size=2)
    processor = Qwen3VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=chat_template.QWEN3_VL,
    )
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in _QWEN_SPECIALS}
    head_dim = 8
    config = Qwen3VLConfig(
        text_config=dict(
            vocab_size=len(tokenizer),
            hidden_size=hidden_size,
            intermediate_size=hidden_size + 5,
            num_hidden_layers=sizes.num_layers,
            num_attention_heads=hidden_size // head_dim,
            num_key_value_heads=max(1, hidden_size // head_dim // 2),
            head_dim=head_dim,
            max_position_embeddings=8192,
            # mrope_section must sum to head_dim / 2
            rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1],
                             "mrope_interleaved": True},
            pad_token_id=ids["<|endoftext|>"],
            initializer_range=sizes.initializer_range,
        ),
        vision_config=dict(
            depth=2, hidden_size=32, intermediate_size=37, out_hidden_size=hidden_size, num_heads=4, patch_size=16,
            spatial_merge_size=1, temporal_patch_size=2, num_position_embeddings=16, deepstack_visual_indexes=[0, 1],
        ),
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    return seeded(lambda: Qwen3VLForConditionalGeneration(config), seed), processor


def tiny_smolvlm(
    corpus: Iterable[str] | None = None, sizes: TinySizes | None = None, seed: int = 0
) -> tuple[Idefics3ForConditionalGeneration, Idefics3Processor]:
    """A random SmolVLM (Idefics3 architecture, Llama text model with 1-D RoPE); one 32 x 32 image = 4 tokens."""
    sizes = sizes or TinySizes()
    hidden_size = sizes.hidden_size
    tokenizer = train_tokenizer(corpus or DEFAULT_CORPUS, _IDEFICS3_SPECIALS, "<end_of_utterance>", sizes.vocab_size)
    image_processor = Idefics3ImageProcessor(
        size={"longest_edge": 32}, max_image_size={"longest_edge": 32}, do_image_splitting=False
    )
    image_size, patch_size, scale_factor = 32, 8, 2
    image_seq_len = (image_size // patch_size) ** 2 // scale_factor**2
    processor = Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=image_seq_len,
        chat_template=chat_template.IDEFICS3,
    )
    config = Idefics3Config(
        text_config=dict(
            model_type="llama",
            vocab_size=len(tokenizer),
            hidden_size=hidden_size,
            intermediate_size=hidden_size + 5,
            num_hidden_layers=sizes.num_layers,
            num_attention_heads=hidden_size // 8,
            num_key_value_heads=max(1, hidden_size // 16),
            head_dim=8,
            max_position_embeddings=8192,
            pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
            initializer_range=sizes.initializer_range,
        ),
        vision_config=dict(
            hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
            image_size=image_size, patch_size=patch_size,
        ),
        scale_factor=scale_factor,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    return seeded(lambda: Idefics3ForConditionalGeneration(config), seed), processor


def save_tiny_vlm(
    family: str,
    directory: "str | Path",
    corpus: Iterable[str] | None = None,
    seed: int = 0,
    sizes: TinySizes | None = None,
) -> Path:
    """Write model + processor with `save_pretrained`."""
    builders = {"qwen3_vl": tiny_qwen3_vl, "idefics3": tiny_smolvlm}
    if family not in builders:
        raise ValueError(f"unknown VLM family {family!r}; expected one of {FAMILIES}")
    model, processor = builders[family](corpus, sizes, seed)
    directory = Path(directory)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory

