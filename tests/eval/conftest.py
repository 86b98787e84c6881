"""Small builders for the eval tests: samples and results rows made in memory, no dataset on disk; a local fake
OpenAI-compatible server (`serve`)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from tsqa.arfbench import Sample, Series
from tsqa.eval.results import ResultRow


def _sample(index: int, category: str = "Anomaly Presence", options=None, answer=None, images=()) -> Sample:
    options = list(options or ["Yes, there is an anomaly", "No, there is no anomaly"])
    series = Series(f"{index}_0", ["host:a"], np.arange(4) * 60, np.zeros((4, 1)), 60)
    return Sample(
        id=f"{index}_0#{index}",
        query_group=f"{index}_0",
        category=category,
        question=f"Question {index}?\nTime-series: caption {index}",
        options=options,
        answer=answer if answer is not None else options[index % len(options)],
        series=[series],
        images=list(images),
    )


def _row(category: str, options, correct: str | None, answer: str | None, *, run=1, model="m", key=None) -> ResultRow:
    import json

    return ResultRow(
        model=model,
        query_group=key or f"{category}|{correct}|{answer}",
        question="q",
        options=options if isinstance(options, str) or options is None else json.dumps(options),
        correct_answer=correct,
        task_category=category,
        model_answer=answer,
        is_correct=float(answer is not None and answer == correct),
        run=run,
    )


@pytest.fixture
def make_sample():
    return _sample


@pytest.fixture
def make_row():
    return _row


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
