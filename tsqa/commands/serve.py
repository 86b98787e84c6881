"""`tsqa serve`: serve a checkpoint behind an OpenAI-compatible `/v1/chat/completions` endpoint (see `tsqa.serve`
for the request format; `POST /v1/forecast` forecasts a series), so `tsqa eval --model http://HOST:PORT/v1::NAME` benchmarks it like any API model."""

import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

from tsqa.commands._arguments import port, positive
from tsqa.serve.batcher import BatchSettings
from tsqa.serve.limits import Limits

HELP = "Serve a checkpoint as an OpenAI-compatible chat-completions endpoint."
KEY_ENV = "TSQA_API_KEY"
DEMO_NAME = "tsqa-demo"
_LIMIT_HELP = {  # one --max-... option per `Limits` field
    "max_request_bytes": "largest request body",
    "max_series_steps": "longest series, in steps of its grid",
    "max_channels": "most channels per series",
    "max_series_cells": "largest series grid, steps x channels",
    "max_image_pixels": "largest image, width x height",
    "max_images": "most images per request",
    "max_question_tokens": "longest question, in the model's tokens",
    "max_options": "most options per question",
    "max_option_tokens": "longest option, in the model's tokens",
    "max_new_tokens": "cap on generated tokens",
    "max_evidence_tokens": "largest evidence a request may ask for (\"evidence\": true), in the model's tokens",
}


def _wait_ms(text: str) -> float:
    """--batch-wait-ms: milliseconds within what `BatchSettings` allows (0 to 10 s)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 10_000:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 10000 milliseconds")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    limits, batching = Limits(), BatchSettings()
    parser.add_argument("--model", help="checkpoint directory or Hub id (default: the bundled demo checkpoint)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=port, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--api-key", help=f"require 'Authorization: Bearer KEY' on /v1 routes (default: ${KEY_ENV})")
    parser.add_argument("--served-name", help="model id clients send (default: the checkpoint directory's name)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--merge-lora", action="store_true", help="fold LoRA into the base weights (faster)")
    parser.add_argument("--forecaster", help="the Toto 2.0 (Hub id or folder) behind POST /v1/forecast "
                                             "(default: the bundled small Toto)")
    for field in fields(Limits):
        default = getattr(limits, field.name)
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=positive(int), default=default,
                            help=f"{_LIMIT_HELP[field.name]} (default {default})")
    parser.add_argument("--max-batch", type=positive(int), default=batching.max_batch,
                        help=f"questions the model answers in one call (default {batching.max_batch})")
    parser.add_argument("--batch-wait-ms", type=_wait_ms, default=1000 * batching.max_wait_s,
                        help="how long a batch may wait for requests already on their way "
                             f"(default {1000 * batching.max_wait_s:g} ms)")
    parser.add_argument("--max-queue", type=positive(int), default=batching.max_queue,
                        help=f"requests waiting for the model before 503s (default {batching.max_queue})")
    parser.add_argument("--request-timeout", type=positive(float), default=batching.timeout_s,
                        help=f"seconds a request may wait for its answer (default {batching.timeout_s:g})")


def checked_api_key(flag: str | None, environment: str | None) -> str | None:
    """The key clients must send (the flag wins over the environment; an empty variable is unset), or None.

    A key with surrounding spaces or characters outside printable ASCII could never be sent back in an HTTP header
    as typed, so every request would get 401: it is refused here instead, with the reason."""
    if flag is not None and not flag:
        raise ValueError("--api-key is empty (an unset variable?); leave it out to serve without a key")
    key, source = (flag, "--api-key") if flag is not None else (environment or None, f"${KEY_ENV}")
    if key is None:
        return None
    if key != key.strip():
        raise ValueError(f"{source} has leading or trailing whitespace; clients would never match it")
    bad = next((c for c in key if not 0x21 <= ord(c) <= 0x7E), None)
    if bad is not None:
        raise ValueError(f"{source} contains {bad!r}: use printable ASCII without spaces (an HTTP header carries it)")
    return key


def served_name(model: str | None) -> str:
    """The id clients send: a local checkpoint's directory name, a Hub id as written, or `tsqa-demo`."""
    if model is None:
        return DEMO_NAME
    path = Path(model)
    return path.resolve().name if path.is_dir() else model


def run(args: argparse.Namespace) -> int:
    import logging

    from tsqa.serve.backend import TSQABackend
    from tsqa.serve.forecast import Forecaster
    from tsqa.serve.server import ChatServer, exposure_warning

    limits = Limits(**{field.name: getattr(args, field.name) for field in fields(Limits)})
    batching = BatchSettings(args.max_batch, args.batch_wait_ms / 1000, args.max_queue, args.request_timeout)
    api_key = checked_api_key(args.api_key, os.environ.get(KEY_ENV))
    warning = exposure_warning(args.host, api_key)
    if warning:
        print(warning, file=sys.stderr)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    name = args.served_name or served_name(args.model)
    backend = TSQABackend.from_pretrained(args.model, device=args.device, merge_lora=args.merge_lora)
    server = ChatServer(backend, name, args.host, args.port, api_key, limits, batching,
                        forecaster=Forecaster(args.forecaster))
    print(f"serving {name} at {server.url} (key {'required' if api_key else 'not required'}); Ctrl-C stops",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
