"""A small HTTP/1.1 load generator: raw keep-alive connections on asyncio streams with uvloop.

Requests are pre-encoded bytes, so the client spends its time on the socket, not on
building requests. The open loop schedules every request at a fixed time and measures
latency from that time (no coordinated omission); the closed loop finds the maximum rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import uvloop

OnResponse = Callable[[int, int, bytes], None]  # (request index, status, body)


def post(host: str, port: int, path: str, body: bytes, *, headers: str = "") -> bytes:
    """One complete POST request, ready to write to a keep-alive connection."""
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n")
    return head.encode() + body


class Connection:
    """One keep-alive connection; `request` writes pre-encoded bytes and reads one response."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        start = lowered.find(b"content-length:")
        if start < 0 and b"transfer-encoding: chunked" in lowered:  # a streaming proxy (infra/launch.py's front)
            return status, await self._chunks()
        length = int(lowered[start + 15:lowered.index(b"\r\n", start)]) if start >= 0 else 0
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    async def _chunks(self) -> bytes:
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append((await self.reader.readexactly(size + 2))[:-2])
        await self.reader.readuntil(b"\r\n")  # the empty line after the last chunk (no trailers)
        return b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Result:
    """What one load run saw: latencies in seconds, unexpected statuses, wall time, client CPU."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0  # client CPU seconds / wall seconds: near 1.0 means the client is the bottleneck
    late: int = 0  # open loop: requests still unanswered at the cutoff (their latency is a lower bound)
    lags: list[float] = field(default_factory=list)  # open loop: scheduled time to send time, the client's own delay

    @property
    def rate(self) -> float:
        answered = len(self.latencies) - self.late
        return answered / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        return _percentile(self.latencies, q)

    def summary(self) -> dict:
        ms = lambda seconds: round(seconds * 1e3, 3)  # noqa: E731
        return {"requests": len(self.latencies), "answered": len(self.latencies) - self.late, "late": self.late,
                "errors": self.errors, "elapsed_s": round(self.elapsed, 3), "rate": round(self.rate, 1),
                "p50_ms": ms(self.percentile(0.50)), "p99_ms": ms(self.percentile(0.99)),
                "max_ms": ms(max(self.latencies, default=0)), "client_cpu": round(self.client_cpu, 2),
                "send_lag_p50_ms": ms(_percentile(self.lags, 0.5)), "send_lag_p99_ms": ms(_percentile(self.lags, 0.99))}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _connections(host: str, port: int, count: int) -> list[Connection]:
    return list(await asyncio.gather(*(Connection(host, port).open() for _ in range(count))))


async def open_loop(host: str, port: int, requests: Sequence[bytes], *, rate: float, duration: float,
                    connections: int = 32, expect: int = 200, grace: float = 2.0) -> Result:
    """Offer `rate` req/s for `duration` s; each latency counts from the request's scheduled time.

    A server that cannot keep up is not waited for past `duration + grace`: every request still
    unanswered then is counted at the latency it had reached (a lower bound) and in `late`.
    """
    pool = await _connections(host, port, connections)
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    result = Result()
    total = int(rate * duration)
    pending: dict[int, float] = {}  # scheduled times of requests not answered yet

    async def worker(connection: Connection) -> None:
        while True:
            index, scheduled = await queue.get()
            result.lags.append(time.perf_counter() - scheduled)
            status, _ = await connection.request(requests[index % len(requests)])
            result.latencies.append(time.perf_counter() - scheduled)
            result.errors += status != expect
            del pending[index]

    tasks = [asyncio.create_task(worker(c)) for c in pool]
    cpu0, start = time.process_time(), time.perf_counter() + 0.01
    sent = 0
    while sent < total:  # release every request whose time has come, then sleep until the next one
        now = time.perf_counter()
        while sent < total and start + sent / rate <= now:
            pending[sent] = start + sent / rate
            queue.put_nowait((sent, pending[sent]))
            sent += 1
        # event-loop timers tick in whole milliseconds: a shorter sleep would spin and steal the server's CPU
        await asyncio.sleep(max(0.001, start + sent / rate - time.perf_counter()))
    cutoff = start + duration + grace
    while pending and time.perf_counter() < cutoff:
        await asyncio.sleep(0.005)
    end = time.perf_counter()
    for task in tasks:
        task.cancel()
    result.late = len(pending)
    result.latencies.extend(end - scheduled for scheduled in pending.values())
    result.elapsed = end - start
    result.client_cpu = (time.process_time() - cpu0) / result.elapsed
    for connection in pool:
        connection.close()
    return result


async def closed_loop(host: str, port: int, requests: Sequence[bytes], *, duration: float | None = None,
                      count: int | None = None, connections: int = 32, expect: int = 200,
                      on_response: OnResponse | None = None) -> Result:
    """Each connection sends its next request as soon as the last one is answered, for a time or a count."""
    pool = await _connections(host, port, connections)
    result = Result()
    total = count if count is not None else 1 << 62
    cursor = 0
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + duration if duration is not None else float("inf")

    async def worker(connection: Connection) -> None:
        nonlocal cursor
        while cursor < total and time.perf_counter() < deadline:
            index, cursor = cursor, cursor + 1
            sent = time.perf_counter()
            status, body = await connection.request(requests[index % len(requests)])
            result.latencies.append(time.perf_counter() - sent)
            result.errors += status != expect
            if on_response is not None:
                on_response(index, status, body)

    await asyncio.gather(*(worker(c) for c in pool))
    result.elapsed = time.perf_counter() - start
    result.client_cpu = (time.process_time() - cpu0) / result.elapsed
    for connection in pool:
        connection.close()
    return result


def run(coroutine):
    """Run a load coroutine on uvloop (the client must be at least as fast as the server)."""
    return uvloop.run(coroutine)
