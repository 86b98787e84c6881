"""`tsqa serve`: serve a checkpoint behind an OpenAI-compatible `/v1/chat/completions` endpoint (see `tsqa.serve`
for the request format), so `tsqa eval --model http://HOST:PORT/v1::NAME` benchmarks it like any API model."""

import argparse
import os
import sys
from pathlib import Path

from tsqa.serve.limits import Limits

HELP = "Serve a checkpoint as an OpenAI-compatible chat-completions endpoint."
KEY_ENV = "TSQA_API_KEY"
DEMO_NAME = "tsqa-demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    limits = Limits()
    parser.add_argument("--model", help="checkpoint directory or Hub id (default: the bundled demo checkpoint)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--api-key", help=f"require 'Authorization: Bearer KEY' on /v1 routes (default: ${KEY_ENV})")
    parser.add_argument("--served-name", help="model id clients send (default: the checkpoint directory's name)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--merge-lora", action="store_true", help="fold LoRA into the base weights (faster)")
    parser.add_argument("--max-request-bytes", type=int, default=limits.max_request_bytes,
                        help=f"largest request body (default {limits.max_request_bytes})")
    parser.add_argument("--max-series-steps", type=int, default=limits.max_series_steps,
                        help=f"longest series, in steps of its grid (default {limits.max_series_steps})")
    parser.add_argument("--max-channels", type=int, default=limits.max_channels,
                        help=f"most channels per series (default {limits.max_channels})")
    parser.add_argument("--max-image-pixels", type=int, default=limits.max_image_pixels,
                        help=f"largest image, width x height (default {limits.max_image_pixels})")
    parser.add_argument("--max-images", type=int, default=limits.max_images,
                        help=f"most images per request (default {limits.max_images})")
    parser.add_argument("--max-new-tokens", type=int, default=limits.max_new_tokens,
                        help=f"cap on generated tokens (default {limits.max_new_tokens})")


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

    limits = Limits(
        max_request_bytes=args.max_request_bytes,
        max_series_steps=args.max_series_steps,
        max_channels=args.max_channels,
        max_image_pixels=args.max_image_pixels,
        max_images=args.max_images,
        max_new_tokens=args.max_new_tokens,
    )
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
