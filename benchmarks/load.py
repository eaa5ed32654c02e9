"""A cheap HTTP load generator for the server benchmarks: P processes x T threads, each thread
with its own keep-alive `http.client` connection (reopened when the server closes it, as
gunicorn's sync workers do after every response), for a fixed time. Processes, so that the GIL
of one client process does not become the bottleneck; each reports the CPU time it used, so the
benchmark can show what the client itself cost."""

import http.client
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# One request: (method, path, headers, body bytes or None), chosen per call by the phase.
Request = tuple[str, str, dict, bytes | None]
Chooser = Callable[[int, int], Request]  # (client number, request number) -> Request


@dataclass
class PhaseResult:
    """What one phase measured: latencies (s) of each status, wall time and client CPU time."""

    seconds: float
    latencies: dict[int, list[float]] = field(default_factory=dict)
    client_cpu_s: float = 0.0
    errors: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def count(self, status: int) -> int:
        return len(self.latencies.get(status, []))

    def rate(self, status: int) -> float:
        return self.count(status) / self.seconds

    def percentile(self, status: int | None, q: float) -> float | None:
        """The q-quantile latency (s) of responses with `status` (None: every response)."""
        values = (
            sorted(x for v in self.latencies.values() for x in v)
            if status is None
            else sorted(self.latencies.get(status, []))
        )
        if not values:
            return None
        return values[min(len(values) - 1, int(q * len(values)))]


def _client(host, port, number, choose, stop_at, out, stop_on):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    i = 0
    while time.perf_counter() < stop_at:
        method, path, headers, body = choose(number, i)
        i += 1
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            out.setdefault(-1, []).append(time.perf_counter() - started)
            continue
        out.setdefault(response.status, []).append(time.perf_counter() - started)
        if response.status in stop_on:
            break
    conn.close()


def _process(host, port, first, threads, choose, start_at, seconds, stop_on, queue):
    while time.time() < start_at:  # every process starts together
        time.sleep(0.001)
    stop_at = time.perf_counter() + seconds
    cpu0 = os.times()
    outs = [{} for _ in range(threads)]
    workers = [
        threading.Thread(
            target=_client, args=(host, port, first + t, choose, stop_at, outs[t], stop_on)
        )
        for t in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    cpu1 = os.times()
    merged: dict[int, list[float]] = {}
    for out in outs:
        for status, values in out.items():
            merged.setdefault(status, []).extend(values)
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    queue.put(json.dumps({"latencies": merged, "cpu": cpu}))


def run_phase(
    host: str,
    port: int,
    choose: Chooser,
    *,
    clients: int,
    processes: int,
    seconds: float,
    stop_on: tuple[int, ...] = (),
) -> PhaseResult:
    """Run `clients` clients (spread over `processes` processes) for `seconds`; a client stops
    early when it gets a status in `stop_on` (e.g. 409 when a lot is sold out)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    per = [clients // processes + (1 if p < clients % processes else 0) for p in range(processes)]
    start_at = time.time() + 0.5
    procs, first = [], 0
    for p in range(processes):
        args = (host, port, first, per[p], choose, start_at, seconds, stop_on, queue)
        procs.append(ctx.Process(target=_process, args=args))
        first += per[p]
    for proc in procs:
        proc.start()
    parts = [json.loads(queue.get()) for _ in procs]
    ended = time.time()
    for proc in procs:
        proc.join()
    result = PhaseResult(seconds=min(seconds, ended - start_at))
    for part in parts:
        result.client_cpu_s += part["cpu"]
        for status, values in part["latencies"].items():
            result.latencies.setdefault(int(status), []).extend(values)
    result.errors = result.count(-1)
    return result
