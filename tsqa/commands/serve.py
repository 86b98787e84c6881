"""`tsqa serve`: serve a checkpoint behind an OpenAI-compatible `/v1/chat/completions` endpoint (see `tsqa.serve`
for the request format), so `tsqa eval --model http://HOST:PORT/v1::NAME` benchmarks it like any API model."""

import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

from tsqa.serve.limits import Limits

HELP = "Serve a checkpoint as an OpenAI-compatible chat-completions endpoint."
KEY_ENV = "TSQA_API_KEY"
DEMO_NAME = "tsqa-demo"
_LIMIT_HELP = {  # one --max-... option per `Limits` field
    "max_request_bytes": "largest request body",
    "max_series_steps": "longest series, in steps of its grid",
    "max_channels": "most channels per series",
    "max_image_pixels": "largest image, width x height",
    "max_images": "most images per request",
    "max_new_tokens": "cap on generated tokens",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    limits = Limits()
    parser.add_argument("--model", help="checkpoint directory or Hub id (default: the bundled demo checkpoint)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--api-key", help=f"require 'Authorization: Bearer KEY' on /v1 routes (default: ${KEY_ENV})")
    parser.add_argument("--served-name", help="model id clients send (default: the checkpoint directory's name)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--merge-lora", action="store_true", help="fold LoRA into the base weights (faster)")
    for field in fields(Limits):
        default = getattr(limits, field.name)
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=int, default=default,
                            help=f"{_LIMIT_HELP[field.name]} (default {default})")


def served_name(model: str | None) -> str:
    """The id clients send: a local checkpoint's directory name, a Hub id as written, or `tsqa-demo`."""
    if model is None:
        return DEMO_NAME
    path = Path(model)
    return path.resolve().name if path.is_dir() else model


def run(args: argparse.Namespace) -> int:
    import logging

    from tsqa.api import TSQA
    from tsqa.serve.backend import TSQABackend
    from tsqa.serve.server import ChatServer, exposure_warning

    limits = Limits(**{field.name: getattr(args, field.name) for field in fields(Limits)})
    api_key = args.api_key or os.environ.get(KEY_ENV) or None
    warning = exposure_warning(args.host, api_key)
    if warning:
        print(warning, file=sys.stderr)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    name = args.served_name or served_name(args.model)
    tsqa = TSQA.from_pretrained(args.model, device=args.device, merge_lora=args.merge_lora)
    server = ChatServer(TSQABackend(tsqa), name, args.host, args.port, api_key, limits)
    print(f"serving {name} at {server.url} (key {'required' if api_key else 'not required'}); Ctrl-C stops",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
