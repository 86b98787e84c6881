"""Server throughput: questions per second `tsqa serve` answers for one client and for 8 concurrent clients.

Starts `tsqa serve` (the bundled tiny demo checkpoint unless --model says otherwise) in a subprocess on a free
loopback port and sends distinct questions, each about its own random series. The one-client pass answers every
question alone (batch 1); the 8-client pass sends the same questions concurrently, and every reply is checked
against the one-client answer to the same question (same option, probabilities within 1e-4).

    python benchmarks/serve.py
    python benchmarks/serve.py --questions 96 --clients 8 --serve-args "--max-batch 8"
    python benchmarks/serve.py --model out/2b/sft/final --serve-args "--device cuda"
"""

import argparse
import http.client
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import numpy as np

OPTIONS = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]


def question_body(index: int, model: str, steps: int) -> bytes:
    """A presence question about a 2-channel series of `steps` minutes, with a spike in every other question."""
    rng = np.random.default_rng(index)
    values = rng.uniform(10, 500, size=(1, 2)) + rng.normal(size=(steps, 2)) * 5
    if index % 2:
        values[steps // 2 : steps // 2 + 3, 0] += 300
    series = {"type": "time_series", "time_series": {
        "name": f"service-{index}", "channels": ["host:a", "host:b"], "start": 1_700_000_000, "interval": 60,
        "values": values.round(3).tolist()}}
    text = {"type": "text", "text": "Is there an anomaly in the time-series?"}
    return json.dumps({"model": model, "options": OPTIONS,
                       "messages": [{"role": "user", "content": [series, text]}]}).encode()


class Client:
    """One keep-alive connection; `ask` returns (answer, probabilities) or raises on anything but a 200."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)

    def ask(self, body: bytes) -> tuple[str, dict]:
        self.connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload}")
        answer = json.loads(payload["choices"][0]["message"]["content"])["answer"]
        return answer, payload["tsqa"]["probabilities"]


def start_server(args) -> tuple[subprocess.Popen, str, str]:
    command = [sys.executable, "-m", "tsqa", "serve", "--port", "0", *shlex.split(args.serve_args)]
    if args.model:
        command += ["--model", args.model]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "TSQA_API_KEY": ""})
    line = process.stdout.readline()
    if not line.startswith("serving "):
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    _, name, _, url = line.split()[:4]
    return process, name, url


def one_client(url: str, bodies: list[bytes]) -> tuple[float, list]:
    client = Client(url)
    start = time.perf_counter()
    replies = [client.ask(body) for body in bodies]
    return time.perf_counter() - start, replies


def many_clients(url: str, bodies: list[bytes], clients: int) -> tuple[float, list]:
    """Client k sends questions k, k + clients, ...; all start together."""
    replies: list = [None] * len(bodies)
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients + 1)

    def work(k: int) -> None:
        client = Client(url)
        barrier.wait()
        try:
            for index in range(k, len(bodies), clients):
                replies[index] = client.ask(bodies[index])
        except BaseException as error:  # reported below, after every thread has finished
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} client(s) failed, first: {errors[0]!r}")
    return elapsed, replies


def compare(alone: list, together: list) -> tuple[int, float]:
    """(questions whose answer differs, largest probability difference) between the two passes."""
    differ = sum(a[0] != b[0] for a, b in zip(alone, together))
    gap = max(abs(a[1][o] - b[1][o]) for a, b in zip(alone, together) for o in a[1])
    return differ, gap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="checkpoint to serve (default: the bundled tiny demo model)")
    parser.add_argument("--questions", type=int, default=48)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--steps", type=int, default=64, help="steps per series")
    parser.add_argument("--serve-args", default="", help="extra `tsqa serve` arguments, e.g. '--max-batch 8'")
    args = parser.parse_args()
    process, name, url = start_server(args)
    try:
        bodies = [question_body(i, name, args.steps) for i in range(args.questions)]
        warm = [question_body(10_000 + i, name, args.steps) for i in range(args.clients)]
        many_clients(url, warm, args.clients)
        alone_s, alone = one_client(url, bodies)
        together_s, together = many_clients(url, bodies, args.clients)
        differ, gap = compare(alone, together)
        print(f"tsqa serve {args.serve_args or '(defaults)'}, model {name}, {args.questions} distinct questions "
              f"({args.steps} steps x 2 channels, 2 options)")
        print(f"  1 client : {args.questions / alone_s:7.2f} questions/s")
        print(f"  {args.clients} clients: {args.questions / together_s:7.2f} questions/s")
        print(f"  ratio    : {alone_s / together_s:7.2f}x")
        print(f"  replies  : {args.questions - differ}/{args.questions} answers equal the one-client answer, "
              f"largest probability difference {gap:.2e}")
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
