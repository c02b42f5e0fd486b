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

``--half-hellos``: instead, N clients each send part of a 256 KiB ClientHello (``--hello-kib``) and hold it for
``--time-limit`` seconds; then one legitimate client connects. Reports the server's peak memory (VmRSS) and
threads, and how the legitimate client fared.

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
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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
    peak_rss: int = 0  # bytes
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)

    def _status(self, field_name: str) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field_name):
                    return int(line.split()[1])
        return 0

    def threads(self) -> int:
        return self._status("Threads:")

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with contextlib.suppress(OSError, ValueError):
                self.peak_threads = max(self.peak_threads, self.threads())
                self.peak_rss = max(self.peak_rss, self._status("VmRSS:") * 1024)

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


@dataclass
class Served:
    """A running ``glasstls serve`` child: its port, the root to trust, a sampler, its output line count."""

    process: subprocess.Popen[str]
    port: int
    root: Path
    sampler: Sampler
    output_lines: list[int]


@contextlib.contextmanager
def serving(serve_args: list[str]) -> Iterator[Served]:
    """``glasstls serve`` on 127.0.0.1 with a throwaway PKI; stopped (and its PKI removed) on exit."""
    from glasstls.pki.testpki import make_test_pki

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
            output_lines = [0]

            def drain(stream: IO[str]) -> None:
                for _ in stream:
                    output_lines[0] += 1

            for stream in (server.stdout, server.stderr):
                threading.Thread(target=drain, args=(stream,), daemon=True).start()
            sampler = Sampler(server.pid)
            sampler.start()
            try:
                yield Served(server, port, files.root, sampler, output_lines)
            finally:
                sampler.stop()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


def run(count: int, time_limit: float, serve_args: list[str]) -> dict[str, object]:
    """Start the server, run the burst, stop the server; the figures as a dict."""
    count = max(1, min(count, MAX_CONNECTIONS))
    time_limit = max(1.0, min(time_limit, MAX_TIME_LIMIT))
    raise_fd_limit(count)
    with serving(serve_args) as served:
        ctx = ssl.create_default_context(cafile=str(served.root))
        cpu_before = served.sampler.cpu_seconds()
        overflows_before = listen_overflows()
        result, wall = asyncio.run(burst(ctx, served.port, count, time_limit))
        cpu = served.sampler.cpu_seconds() - cpu_before
        overflows_after = listen_overflows()
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
        "server_peak_threads": served.sampler.peak_threads,
        "server_peak_rss_mib": round(served.sampler.peak_rss / 2**20, 1),
        "listen_overflows_system_wide": overflows,
        "server_output_lines": served.output_lines[0],
    }


def half_hellos(count: int, hold: float, serve_args: list[str], kib: int = 240) -> dict[str, object]:
    """``count`` clients each send part of a 256 KiB ClientHello (a handshake header announcing 256 KiB - 1,
    then ``kib`` KiB of it) and hold their connection for ``hold`` seconds; then one legitimate client tries.
    Reports the server's peak memory and threads, and whether the legitimate client was served."""
    count = max(1, min(count, MAX_CONNECTIONS))
    hold = max(0.5, min(hold, MAX_TIME_LIMIT))
    kib = max(1, min(kib, 255))
    raise_fd_limit(count)
    announced = 256 * 1024 - 1
    body = bytes([1]) + announced.to_bytes(3, "big") + bytes(kib * 1024 - 4)
    records = b"".join(
        bytes([22, 3, 1]) + len(part).to_bytes(2, "big") + part
        for part in (body[i : i + 16384] for i in range(0, len(body), 16384))
    )
    with serving(serve_args) as served:
        held: list[socket.socket] = []
        try:
            for _ in range(count):
                sock = socket.create_connection((HOST, served.port), timeout=10)
                sock.setblocking(False)
                held.append(sock)
            deadline = time.monotonic() + hold
            sent = dict.fromkeys(held, 0)
            while time.monotonic() < deadline:  # keep pushing the rest as the server reads
                for sock in held:
                    with contextlib.suppress(BlockingIOError, OSError):
                        if sent[sock] < len(records):
                            sent[sock] += sock.send(records[sent[sock] :])
                time.sleep(0.05)
            ctx = ssl.create_default_context(cafile=str(served.root))
            began = time.perf_counter()
            try:
                with (
                    socket.create_connection((HOST, served.port), timeout=30) as raw,
                    ctx.wrap_socket(raw, server_hostname="localhost") as tls,
                ):
                    legit = f"served in {(time.perf_counter() - began) * 1000:.0f} ms ({tls.version()})"
            except (OSError, ssl.SSLError) as exc:
                legit = f"failed: {type(exc).__name__}: {exc}"
        finally:
            for sock in held:
                sock.close()
    return {
        "half_hellos": count,
        "hello_kib_sent": kib,
        "held_s": hold,
        "server_peak_rss_mib": round(served.sampler.peak_rss / 2**20, 1),
        "server_peak_threads": served.sampler.peak_threads,
        "legitimate_client": legit,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--connections", type=int, default=1000, help=f"concurrent clients (at most {MAX_CONNECTIONS})"
    )
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help=f"seconds for the burst (at most {MAX_TIME_LIMIT:g})"
    )
    parser.add_argument(
        "--half-hellos",
        action="store_true",
        help="instead: --connections clients each hold a half-sent 256 KiB ClientHello for --time-limit seconds",
    )
    parser.add_argument("--hello-kib", type=int, default=240, help="with --half-hellos: KiB of the hello sent")
    parser.add_argument("serve_args", nargs="*", help="more options for glasstls serve (after --)")
    args = parser.parse_args(argv)
    if args.half_hellos:
        figures = half_hellos(args.connections, args.time_limit, list(args.serve_args), args.hello_kib)
    else:
        figures = run(args.connections, args.time_limit, list(args.serve_args))
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if figures.get("failed", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
