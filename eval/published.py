"""Figures published with ARFBench (paper arXiv 2604.21199, 750 questions): overall accuracy and F1, in percent.

Shown beside our own figures, always labelled as published and never recomputed; None where no F1 was published.
"""

PUBLISHED: tuple[tuple[str, float, float | None], ...] = (
    ("Model-expert oracle (best of 2)", 87.2, 82.8),
    ("Domain experts", 72.7, None),
    ("Non-domain experts", 69.7, None),
    ("Toto-1.0-QA-Experimental (Toto 1.0 + Qwen3-VL-32B, LoRA)", 63.9, 48.9),
    ("GPT-5", 62.7, 51.9),
    ("Gemini 3 Pro", 58.1, None),
    ("Qwen3-VL-32B post-trained", 56.9, None),
    ("Claude Opus 4.6", 54.8, None),
    ("Qwen3-VL-32B", 52.8, None),
    ("Qwen3 32B (text only)", 47.9, None),
    ("Qwen3-VL-8B", 45.3, None),
    ("Per-category most frequent choice", 45.1, None),
    ("ChatTS-8B", 31.1, None),
    ("Random choice", 24.5, None),
)
