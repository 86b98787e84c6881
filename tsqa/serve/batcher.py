"""Concurrent requests gathered into batches for one model worker thread.

Handler threads parse and check their request, then `submit` it; one worker takes up to `max_batch` queued
requests and answers them with one call. The queue is bounded: beyond `max_queue` waiting requests `submit` raises
`QueueFull` (the server answers 503 with Retry-After), so a burst is queued or refused, never reset.

How long a batch waits to fill: a request that arrives while the worker is idle and no other is on its way is
answered at once, so a lone client pays no waiting. When requests are known to be on their way (their bodies are
being read and parsed), or recent batches held more (concurrent clients, which send their next request as soon as
they get an answer, and whose parsing takes turns with the model for the interpreter), the worker waits up to
`max_wait_s` for them: until the batch is as large as the largest of the last `RECENT_BATCHES`, or full.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, Iterator, TypeVar

RECENT_BATCHES = 8  # how many recent batch sizes tell how many clients to expect
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class BatchSettings:
    max_batch: int = 8  # questions per model call
    max_wait_s: float = 0.05  # how long a batch may wait for requests on their way
    max_queue: int = 64  # requests waiting for the model (each holds its parsed series and images); more get 503
    timeout_s: float = 120.0  # a request waits at most this long for its answer, queue included

    def __post_init__(self) -> None:
        if self.max_batch < 1 or self.max_queue < 1:
            raise ValueError(f"max_batch and max_queue must be at least 1, got {self.max_batch}, {self.max_queue}")
        if not 0 <= self.max_wait_s <= 10 or self.timeout_s <= 0:
            raise ValueError(f"max_wait_s must be within 0-10 s and timeout_s positive, got {self.max_wait_s}, "
                             f"{self.timeout_s}")


class QueueFull(Exception):
    """`max_queue` requests are already waiting."""


class Batcher(Generic[Item, Result]):
    """Feeds `answer_batch` (items -> one result or exception per item, in order) from a bounded queue."""

    def __init__(self, answer_batch: Callable[[list[Item]], list["Result | Exception"]], settings: BatchSettings):
        self.answer_batch = answer_batch
        self.settings = settings
        self.batch_sizes: list[int] = []  # every batch answered, for tests and logs
        self._queue: deque[tuple[Item, Future]] = deque()
        self._arriving = 0  # requests being read and parsed, expected in the queue soon
        self._recent: deque[int] = deque([1], maxlen=RECENT_BATCHES)  # sizes of the last batches
        self._closed = False
        self._condition = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="tsqa-model-worker", daemon=True)
        self._worker.start()

    @contextmanager
    def arriving(self) -> Iterator["Arrival"]:
        """A request on its way while its body is read and parsed (a forming batch waits for it); submit it with
        the `Arrival` this yields, which hands it over without a moment in which it is neither on its way nor
        queued."""
        arrival = Arrival(self)
        with self._condition:
            self._arriving += 1
        try:
            yield arrival
        finally:
            arrival.leave()

    def submit(self, item: Item) -> Future:
        """Queue `item`; its future gets the result (or exception). Raises QueueFull when the queue is full."""
        with self._condition:
            return self._enqueue(item)

    def _enqueue(self, item: Item) -> Future:
        if self._closed:
            raise QueueFull("the server is shutting down")
        if len(self._queue) >= self.settings.max_queue:
            raise QueueFull(f"{len(self._queue)} requests are already waiting")
        future: Future = Future()
        self._queue.append((item, future))
        self._condition.notify_all()
        return future

    def close(self) -> None:
        """Stop the worker after its current batch; requests still queued get QueueFull."""
        with self._condition:
            self._closed = True
            waiting = list(self._queue)
            self._queue.clear()
            self._condition.notify_all()
        for _, future in waiting:
            if future.set_running_or_notify_cancel():
                future.set_exception(QueueFull("the server is shutting down"))
        self._worker.join(timeout=self.settings.timeout_s)

    def _take(self) -> list[tuple[Item, Future]]:
        """The next batch: blocks for a first request, then gathers as the module docstring says."""
        with self._condition:
            while not self._queue and not self._closed:
                self._condition.wait()
            if self._closed:
                return []
            batch = [self._queue.popleft()]
            deadline = time.monotonic() + self.settings.max_wait_s
            usual = max(self._recent)
            while len(batch) < self.settings.max_batch:
                if self._queue:
                    batch.append(self._queue.popleft())
                    continue
                left = deadline - time.monotonic()
                expecting = self._arriving > 0 or len(batch) < usual
                if left <= 0 or not expecting or self._closed:
                    break
                self._condition.wait(left)
            self._recent.append(len(batch))
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            live = [(item, future) for item, future in batch if future.set_running_or_notify_cancel()]
            if not live:
                continue
            self.batch_sizes.append(len(live))
            try:
                results = self.answer_batch([item for item, _ in live])
                if len(results) != len(live):
                    raise RuntimeError(f"{len(results)} results for a batch of {len(live)}")
            except Exception as error:  # the batch failed as a whole: each request gets the error
                results = [error] * len(live)
            for (_, future), result in zip(live, results):
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


class Arrival:
    """One request on its way to a `Batcher` (see `Batcher.arriving`)."""

    def __init__(self, batcher: Batcher):
        self._batcher = batcher
        self._here = True

    def submit(self, item) -> Future:
        with self._batcher._condition:
            self._leave_locked()
            return self._batcher._enqueue(item)

    def leave(self) -> None:
        with self._batcher._condition:
            self._leave_locked()

    def _leave_locked(self) -> None:
        if self._here:
            self._here = False
            self._batcher._arriving -= 1
            self._batcher._condition.notify_all()
