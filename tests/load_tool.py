"""A bounded loopback load tool: N concurrent TLS handshakes against ``glasstls serve`` (not part of the package).

Run by hand (issue 9, "Proof"); the test suite only runs it with a few connections as a smoke test
(``test_load_tool_smoke`` in tests/test_server_limits.py). Nothing here is a timed assertion.

    .venv/bin/python tests/load_tool.py --connections 1000

What it does: writes a throwaway PKI, starts ``python -m glasstls serve --host 127.0.0.1 --port 0`` (echo mode)
as a child process, then opens all N client connections at once with Python's ``ssl`` on asyncio (C handshakes,
so that the client costs the machine as little as possible). Each client connects, completes the handshake,
sends 5 bytes, reads the echo and closes. It reports:

* connections completed (handshake and echo) and failed (with the first few reasons),
* handshake latency (TCP connect + TLS handshake, measured by the client) p50 / p99 / max,
* the server's CPU time (user + system, from /proc/PID/stat) over the burst and its peak thread count
  (/proc/PID/status, sampled every 20 ms),
* the kernel's listen-queue overflows during the burst (TcpExt ListenOverflows; system-wide).

Bounds: at most MAX_CONNECTIONS connections, the whole burst within ``--time-limit`` seconds (at most
MAX_TIME_LIMIT), and 127.0.0.1 only: the server is told to listen there and the clients connect there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The tool never opens more client connections than this (each costs a descriptor on both sides).
MAX_CONNECTIONS = 5000
#: The burst never runs longer than this, whatever --time-limit says.
MAX_TIME_LIMIT = 300.0
HOST = "127.0.0.1"  # loopback only, by design


@dataclass
class Sampler:
    """Samples a process's thread count and CPU time from /proc until stopped."""

    pid: int
    peak_threads: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)

    def threads(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with contextlib.suppress(OSError, ValueError):
                self.peak_threads = max(self.peak_threads, self.threads())

    def start(self) -> None:
        self.peak_threads = self.threads()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)


def listen_overflows() -> int | None:
    """TcpExt ListenOverflows from /proc/net/netstat (system-wide), None where unavailable."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return None


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)


async def one_client(ctx: ssl.SSLContext, port: int, start: asyncio.Event, result: Result, deadline: float) -> None:
    await start.wait()
    began = time.perf_counter()
    try:
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
            reader, writer = await asyncio.open_connection(HOST, port, ssl=ctx, server_hostname="localhost")
            took = time.perf_counter() - began
            try:
                writer.write(b"ping\n")
                await writer.drain()
                echoed = await reader.readexactly(5)
                if echoed != b"ping\n":
                    raise ValueError(f"echo was {echoed!r}")
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
        result.latencies.append(took)
    except (TimeoutError, OSError, ssl.SSLError, ValueError, asyncio.IncompleteReadError) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:120]
        result.failures[reason] = result.failures.get(reason, 0) + 1


async def burst(ctx: ssl.SSLContext, port: int, count: int, time_limit: float) -> tuple[Result, float]:
    result = Result()
    start = asyncio.Event()
    deadline = time.monotonic() + time_limit
    tasks = [asyncio.create_task(one_client(ctx, port, start, result, deadline)) for _ in range(count)]
    await asyncio.sleep(0)  # every task is waiting on the start line
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return result, time.perf_counter() - began


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(count: int, time_limit: float, serve_args: list[str]) -> dict[str, object]:
    """Start the server, run the burst, stop the server; the figures as a dict."""
    from glasstls.pki.testpki import make_test_pki

    count = max(1, min(count, MAX_CONNECTIONS))
    time_limit = max(1.0, min(time_limit, MAX_TIME_LIMIT))
    raise_fd_limit(count)
    with tempfile.TemporaryDirectory(prefix="glasstls-load-") as tmp:
        files = make_test_pki(("localhost", HOST), directory=Path(tmp)).files
        assert files is not None
        command = [
            sys.executable, "-m", "glasstls", "serve", "--host", HOST, "--port", "0",
            "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *serve_args,
        ]  # fmt: skip
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None and server.stderr is not None
            port = 0
            for line in server.stdout:
                match = re.search(r"listening on \S*:(\d+)", line)
                if match:
                    port = int(match.group(1))
                    break
            if not port:
                raise SystemExit(f"the server did not start: {server.stderr.read()[:2000]}")
            log_lines = [0]

            def drain(stream: object) -> None:
                for _ in stream:  # type: ignore[attr-defined]
                    log_lines[0] += 1

            for stream in (server.stdout, server.stderr):
                threading.Thread(target=drain, args=(stream,), daemon=True).start()
            ctx = ssl.create_default_context(cafile=str(files.root))
            sampler = Sampler(server.pid)
            sampler.start()
            cpu_before = sampler.cpu_seconds()
            overflows_before = listen_overflows()
            result, wall = asyncio.run(burst(ctx, port, count, time_limit))
            cpu = sampler.cpu_seconds() - cpu_before
            overflows_after = listen_overflows()
            sampler.stop()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    lat = result.latencies
    overflows = None if overflows_before is None or overflows_after is None else overflows_after - overflows_before
    return {
        "connections": count,
        "completed": len(lat),
        "failed": count - len(lat),
        "failure_reasons": dict(sorted(result.failures.items(), key=lambda kv: -kv[1])[:5]),
        "handshake_p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "handshake_p99_ms": round(percentile(lat, 0.99) * 1000, 1) if lat else None,
        "handshake_max_ms": round(max(lat) * 1000, 1) if lat else None,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(cpu, 2),
        "server_peak_threads": sampler.peak_threads,
        "listen_overflows_system_wide": overflows,
        "server_output_lines": log_lines[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--connections", type=int, default=1000, help=f"concurrent clients (at most {MAX_CONNECTIONS})"
    )
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help=f"seconds for the burst (at most {MAX_TIME_LIMIT:g})"
    )
    parser.add_argument("serve_args", nargs="*", help="more options for glasstls serve (after --)")
    args = parser.parse_args(argv)
    figures = run(args.connections, args.time_limit, list(args.serve_args))
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if figures["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
