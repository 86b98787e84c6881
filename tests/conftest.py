"""Fixtures shared across packages: one tiny random tsqa checkpoint (tiny Toto + tiny Qwen3-VL) per session; a
local fake OpenAI-compatible server on 127.0.0.1 (`serve`, `completion`)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from tsqa.bridges.hybrid import HybridModel
    from tsqa.factories.tiny_vlm import save_tiny_vlm
    from tsqa.factories.tiny_toto import save_tiny_toto

    root = tmp_path_factory.mktemp("tiny-checkpoint")
    model = HybridModel.create(save_tiny_toto(root / "toto"), save_tiny_vlm("qwen3_vl", root / "vlm"))
    return model.save_pretrained(root / "tiny-tsqa")


@pytest.fixture
def one_torch_thread():
    """Small models on a shared 2-core machine run many times faster on one torch thread than on two that contend."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

def _completion(content: str) -> bytes:
    """A chat-completions response body whose message is `content`."""
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        }
    ).encode()


class _Server:
    """Answers request k with script[k] (the last entry repeats): (status, body bytes, content type, delay)."""

    def __init__(self, script):
        self.script = script
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                status, payload, kind, delay = outer.script[min(len(outer.requests), len(outer.script)) - 1]
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(script):
        servers.append(_Server(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def completion():
    """completion(content) -> the bytes of a chat-completions response whose message is `content`."""
    return _completion
