"""Response bodies in the shapes OpenAI's API returns, so its clients parse them unchanged."""

import json
import time
import uuid

from tsqa.arfbench import Answer

OWNER = "tsqa"


def chat_completion(answer: Answer, model: str) -> dict:
    """A non-streamed chat completion; token counts are not tracked and read as zeros. The message is the chosen
    option as `{"answer", "reasoning"}` JSON (what `tsqa eval` parses), or the generated text; the `tsqa` field
    carries how it was answered: option probabilities, the channels the prompt showed and, per series, what its reader
    repaired."""
    content = answer.text if answer.choice is None else json.dumps(
        {"answer": answer.choice, "reasoning": answer.reasoning or ""}, ensure_ascii=False, allow_nan=False
    )
    details = {
        "mode": "score" if answer.probabilities else "generate",
        "modality": answer.modality,
        "probabilities": answer.probabilities,
        "shown_channels": answer.shown_channels,
        "hidden_channels": answer.hidden_channels,
        "repairs": answer.repairs,
    }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "tsqa": details,
    }


def model_card(model: str, created: int) -> dict:
    return {"id": model, "object": "model", "created": created, "owned_by": OWNER}


def model_list(model: str, created: int) -> dict:
    return {"object": "list", "data": [model_card(model, created)]}
