"""Response bodies in the shapes OpenAI's API returns, so its clients parse them unchanged."""

import time
import uuid

from tsqa.serve.backend import Reply

OWNER = "tsqa"


def chat_completion(reply: Reply, model: str) -> dict:
    """A non-streamed chat completion; token counts are not tracked and read as zeros."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "tsqa": reply.details,
    }


def model_card(model: str, created: int) -> dict:
    return {"id": model, "object": "model", "created": created, "owned_by": OWNER}


def model_list(model: str, created: int) -> dict:
    return {"object": "list", "data": [model_card(model, created)]}
