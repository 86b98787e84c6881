from transformers import AutoModelForImageTextToText, AutoProcessor



def test_saved_tiny_vlms_load_through_the_auto_classes(vlm_dirs):
    expected = {
        "qwen3_vl": ("Qwen3VLForConditionalGeneration", True),
        "idefics3": ("Idefics3ForConditionalGeneration", False),
    }
    for family, directory in vlm_dirs.items():
        model = AutoModelForImageTextToText.from_pretrained(directory)
        processor = AutoProcessor.from_pretrained(directory)
        name, mrope = expected[family]
        assert type(model).__name__ == name
        assert hasattr(model.model, "get_rope_index") is mrope  # M-RoPE, as HybridModel.position_ids checks
        assert sum(p.numel() for p in model.parameters()) < 200_000
        tokenizer = processor.tokenizer
        assert len(tokenizer) <= model.get_input_embeddings().weight.shape[0]
        pieces = tokenizer.tokenize("2024-01-05 13:45:00")
        assert [p for p in pieces if p.isdigit()] == list("20240105134500")  # every digit its own token
        assert tokenizer.decode(tokenizer("Level Shift, 42%")["input_ids"]) == "Level Shift, 42%"
