"""The one chat-template builder: every factory's template is a turn format and the text an image becomes."""


def chat_template(image: str, turn_start: str, turn_end: str, assistant: str) -> str:
    """A Jinja chat template: each message as `turn_start` (which may read `m['role']`), its text parts and `image`
    for each image part, then `turn_end`; `assistant` opens the reply when a generation prompt is asked for."""
    return (
        f"{{% for m in messages %}}{turn_start}"
        "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
        f"{{% if c['type'] == 'image' %}}{image}{{% else %}}{{{{ c['text'] }}}}{{% endif %}}"
        f"{{% endfor %}}{{% endif %}}{turn_end}{{% endfor %}}"
        f"{{% if add_generation_prompt %}}{assistant}{{% endif %}}"
    )


def chatml(image: str) -> str:
    """ChatML (`<|im_start|>role ... <|im_end|>`), as Qwen and SmolLM2 write turns, with `image` for an image."""
    return chat_template(image, "<|im_start|>{{ m['role'] }}\n", "<|im_end|>\n", "<|im_start|>assistant\n")


# Each family's own turn format; images come first in a message, as the prompts place them.
QWEN3_VL = chatml("<|vision_start|><|image_pad|><|vision_end|>")
IDEFICS3 = chat_template("<image>", "{{ m['role'] | capitalize }}:", "<end_of_utterance>\n", "Assistant:")
