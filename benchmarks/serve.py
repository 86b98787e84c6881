"""Server throughput: questions per second `tsqa serve` answers for one client and for 8 concurrent clients.

Starts `tsqa serve` (the bundled tiny demo checkpoint unless --model says otherwise) in a subprocess on a free
loopback port and sends distinct questions, each about its own random series. The one-client pass answers every
question alone (batch 1; untimed single requests first let the server see that the concurrency has ended); the
8-client pass sends the same questions concurrently, and every reply is compared with the one-client answer to
the same question (same option, probabilities within 1e-4). Each round runs both passes; the figures are medians
over the rounds (a busy shared CPU makes single runs noisy).

    python benchmarks/serve.py
    python benchmarks/serve.py --rounds 5 --threads 1 --serve-args "--max-batch 8"
    python benchmarks/serve.py --model out/2b/sft/final --serve-args "--device cuda"
"""

import argparse
import http.client
import warnings
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from statistics import median
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
    environment = {**os.environ, "TSQA_API_KEY": ""}
    if args.threads:
        environment["OMP_NUM_THREADS"] = str(args.threads)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
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


def model_alone(args, name: str, bodies: list[bytes]) -> None:
    """The same questions through the server's backend in this process, no HTTP: batch 1 against batch `clients`,
    the most that batching can give the server."""
    import torch

    warnings.filterwarnings("ignore")  # dependencies' deprecation notes would bury the figure
    from tsqa.serve.backend import TSQABackend
    from tsqa.serve.limits import Limits
    from tsqa.serve.request import parse_chat_request

    if args.threads:
        torch.set_num_threads(args.threads)
    backend = TSQABackend.from_pretrained(args.model)
    questions = [parse_chat_request(json.loads(body), name, Limits()) for body in bodies]
    backend.answer_batch(questions[: args.clients])
    rates: dict[int, list[float]] = {1: [], args.clients: []}
    for _ in range(args.rounds):
        for size in rates:
            start = time.perf_counter()
            for first in range(0, len(questions), size):
                backend.answer_batch(questions[first : first + size])
            rates[size].append(len(questions) / (time.perf_counter() - start))
    alone, together = median(rates[1]), median(rates[args.clients])
    print(f"  model alone (backend in-process, no HTTP): batch 1 {alone:.2f}, batch {args.clients} {together:.2f} "
          f"questions/s, ratio {together / alone:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="checkpoint to serve (default: the bundled tiny demo model)")
    parser.add_argument("--questions", type=int, default=48)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--steps", type=int, default=64, help="steps per series")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads of the server (default: torch's own choice)")
    parser.add_argument("--serve-args", default="", help="extra `tsqa serve` arguments, e.g. '--max-batch 8'")
    parser.add_argument("--model-alone", action="store_true",
                        help="also time the server's backend in this process at batch 1 and batch --clients")
    args = parser.parse_args()
    process, name, url = start_server(args)
    try:
        bodies = [question_body(i, name, args.steps) for i in range(args.questions)]
        warm = [question_body(10_000 + i, name, args.steps) for i in range(args.clients)]
        many_clients(url, warm, args.clients)
        print(f"tsqa serve {args.serve_args or '(defaults)'}, model {name}, torch threads {args.threads or 'default'}, "
              f"{args.questions} distinct questions ({args.steps} steps x 2 channels, 2 options), {args.rounds} rounds")
        rates, differ, gap = {1: [], args.clients: []}, 0, 0.0
        for _ in range(args.rounds):
            one_client(url, warm + warm)  # untimed: the server forgets the previous pass's concurrency first
            alone_s, alone = one_client(url, bodies)
            together_s, together = many_clients(url, bodies, args.clients)
            rates[1].append(args.questions / alone_s)
            rates[args.clients].append(args.questions / together_s)
            round_differ, round_gap = compare(alone, together)
            differ, gap = differ + round_differ, max(gap, round_gap)
        for clients, values in rates.items():
            each = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {clients} client{'s' if clients > 1 else ' '}: {median(values):7.2f} questions/s (rounds: {each})")
        print(f"  ratio    : {median(rates[args.clients]) / median(rates[1]):7.2f}x (per round: "
              f"{', '.join(f'{b / a:.2f}' for a, b in zip(rates[1], rates[args.clients]))})")
        replies = args.questions * args.rounds
        print(f"  replies  : {replies - differ}/{replies} answers equal the one-client answer, "
              f"largest probability difference {gap:.2e}")
    finally:
        process.terminate()
        process.wait(30)
    if args.model_alone:
        model_alone(args, name, bodies)


if __name__ == "__main__":
    main()
