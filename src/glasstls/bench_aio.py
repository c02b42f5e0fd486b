"""``python -m glasstls.bench_aio``: one asyncio server holding N TLS connections, glasstls beside Python ssl.

Part of ``make bench`` (a benchmark, never a test). For each server, ``glasstls.io.aio.start_server`` and
``asyncio.start_server(ssl=...)``, the same work: the server runs alone in a child process (an echo server
on 127.0.0.1, one event loop, the same ECDSA P-256 certificate, TLS 1.3); this process opens N client
connections at once with Python's ``ssl`` on asyncio (the same clients for both servers), each completes its
handshake and a 5-byte echo, and all stay open until every one has; then they close. Reported per server:

* ``handshakes/s``: N divided by the wall time from the start until the last echo came back (clients and
  server share the machine's cores, so this is the whole system's rate);
* ``server CPU ms/handshake``: the server process's CPU time (user + system, /proc/PID/stat) over the burst,
  divided by N: what one connection costs the server, whatever else runs;
* ``KiB/connection``: the server's resident memory with all N connections open, minus before the burst,
  divided by N (VmRSS from /proc/PID/status);
* failures (a failed client is counted, never timed).

Bounds: at most :data:`MAX_CONNECTIONS` connections, the burst within :data:`BURST_TIME_LIMIT` seconds, and
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

#: Never more connections than this (each costs a descriptor on both sides; the usual soft limit is 1,024
#: per process, raised here up to the hard limit).
MAX_CONNECTIONS = 5000
#: The burst of one server never runs longer than this.
BURST_TIME_LIMIT = 300.0
HOST = "127.0.0.1"  # loopback only, by design
SERVERS = ("glasstls", "ssl")


def _raise_fd_limit(wanted: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# -- the server child ---------------------------------------------------------------------------------------


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def _serve(kind: str, directory: Path, connections: int) -> None:
    from glasstls.config import CertificateChain, ServerConfig
    from glasstls.io import aio
    from glasstls.io.limits import ServerLimits

    cert, key = directory / "server-ecdsa.pem", directory / "server-ecdsa.key"
    if kind == "glasstls":
        config = ServerConfig(certificates=(CertificateChain.from_files(cert, key),))
        limits = ServerLimits(max_connections=connections + 16, max_handshakes=512)
        server = await aio.start_server(_echo, HOST, 0, config, limits=limits)
        print(server.address[1], flush=True)
        await server.serve_forever()
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(cert, key)
        plain = await asyncio.start_server(_echo, HOST, 0, ssl=ctx, backlog=4096)
        print(plain.sockets[0].getsockname()[1], flush=True)
        await plain.serve_forever()


def _server_child(kind: str, directory: str, connections: int) -> None:
    _raise_fd_limit(connections + 64)
    asyncio.run(_serve(kind, Path(directory), connections))


# -- the clients and the measurements ---------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _burst(port: int, ctx: ssl.SSLContext, count: int, pid: int) -> dict[str, Any]:
    start = asyncio.Event()
    all_up = asyncio.Event()
    up = 0
    failures: list[str] = []
    measured: dict[str, Any] = {}

    async def client(i: int) -> None:
        nonlocal up
        await start.wait()
        writer = None
        try:
            reader, writer = await asyncio.open_connection(
                HOST, port, ssl=ctx, server_hostname="localhost", ssl_handshake_timeout=BURST_TIME_LIMIT
            )
            writer.write(b"ping\n")
            if await reader.readline() != b"ping\n":
                raise ValueError("wrong echo")
        except (OSError, ssl.SSLError, ValueError, asyncio.IncompleteReadError) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            up += 1
            if up == count:
                measured["wall"] = time.perf_counter() - measured["t0"]
                measured["cpu"] = _cpu_seconds(pid) - measured["cpu0"]
                measured["rss_open_kib"] = _rss_kib(pid)
                all_up.set()
            await all_up.wait()
            if writer is not None:
                writer.close()
                try:
                    await writer.wait_closed()
                except (OSError, ssl.SSLError):
                    pass

    tasks = [asyncio.create_task(client(i)) for i in range(count)]
    await asyncio.sleep(0.5)  # every task waits at the start line; the server settles
    measured["rss_idle_kib"] = _rss_kib(pid)
    measured["cpu0"] = _cpu_seconds(pid)
    measured["t0"] = time.perf_counter()
    start.set()
    async with asyncio.timeout(BURST_TIME_LIMIT):
        await asyncio.gather(*tasks)
    n = count - len(failures)
    return {
        "connections": count,
        "failures": len(failures),
        "first_failures": failures[:3],
        "handshakes_per_s": n / measured["wall"] if n else None,
        "server_cpu_ms_per_handshake": measured["cpu"] * 1000 / n if n else None,
        "kib_per_connection": (measured["rss_open_kib"] - measured["rss_idle_kib"]) / n if n else None,
        "server_rss_idle_kib": measured["rss_idle_kib"],
        "server_rss_open_kib": measured["rss_open_kib"],
    }


def _one_server(kind: str, directory: Path, count: int) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, "-m", "glasstls.bench_aio", "--server-child", kind, str(directory), str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the {kind} server did not start")
        ctx = ssl.create_default_context(cafile=str(directory / "root.pem"))
        return asyncio.run(_burst(int(line), ctx, count, child.pid))
    finally:
        child.kill()
        child.wait()


def run(count: int, directory: Path) -> dict[str, Any]:
    from glasstls.pki.testpki import make_test_pki

    make_test_pki(("localhost", "127.0.0.1"), directory=directory)
    _raise_fd_limit(count + 64)
    return {
        "schema": "glasstls.bench_aio/1",
        "connections": count,
        "servers": {kind: _one_server(kind, directory, count) for kind in SERVERS},
    }


def render(result: dict[str, Any]) -> str:
    def fmt(value: float | None, pattern: str) -> str:
        return "-" if value is None else format(value, pattern)

    lines = [
        f"asyncio: one server loop, {result['connections']} concurrent TLS 1.3 connections "
        "(handshake, 5-byte echo, all open at once, then close); clients: Python ssl on asyncio",
        f"{'server':<34}{'handshakes/s':>14}{'server CPU ms/hs':>18}{'KiB/connection':>16}{'failures':>10}",
    ]
    names = {"glasstls": "glasstls.io.aio.start_server", "ssl": "asyncio.start_server(ssl=...)"}
    for kind, row in result["servers"].items():
        lines.append(
            f"{names[kind]:<34}{fmt(row['handshakes_per_s'], '.0f'):>14}"
            f"{fmt(row['server_cpu_ms_per_handshake'], '.2f'):>18}"
            f"{fmt(row['kib_per_connection'], '.1f'):>16}{row['failures']:>10}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glasstls.bench_aio",
        description="one asyncio server holding N TLS connections: glasstls.io.aio beside Python ssl's asyncio",
    )
    parser.add_argument("--connections", type=int, default=1000, help=f"N (default 1000, at most {MAX_CONNECTIONS})")
    parser.add_argument("--quick", action="store_true", help="50 connections (smoke test)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--server-child", nargs=3, metavar=("KIND", "DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.server_child:
        kind, directory, n = args.server_child
        _server_child(kind, directory, int(n))
        return 0
    count = 50 if args.quick else args.connections
    if not 0 < count <= MAX_CONNECTIONS:
        parser.error(f"--connections must be between 1 and {MAX_CONNECTIONS}")
    with tempfile.TemporaryDirectory(prefix="glasstls-bench-aio-") as tmp:
        result = run(count, Path(tmp))
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
