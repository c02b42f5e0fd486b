"""``python -m glasstls.bench_fleet`` (part of ``make bench``): TLS 1.3 resumption handshakes per second with the
in-memory session store beside the Redis store of a fleet (issue 15).

Client and server run in this one process over memory (sans-I/O, no sockets between them), so the figure is the
CPU cost of a resumed handshake (PSK binder, ticket decryption, psk_dhe_ke key exchange, new tickets) plus, with
Redis, the store's round trips to a ``redis-server`` this command starts on 127.0.0.1 (a free port, no
persistence; stopped at the end): the single-use record (``SET NX``), and the ticket key (cached after the first
use). Without redis-server installed (``make peers``) only the in-memory row is printed.

Bounded: ``--count`` resumptions per store (default 300), each handshake at most a few round trips.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from glasstls.bench.contenders import glasstls_handshake
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.sessions import ClientSessionStore

#: How long redis-server may take to start.
REDIS_STARTUP = 5.0


def _connect(client: ClientConfig, server: ServerConfig) -> bool:
    """One connection over memory (the bench's own in-memory handshake); whether it resumed."""
    c, _ = glasstls_handshake(client, server)
    assert c.negotiated is not None  # complete: glasstls_handshake returns established connections
    return c.negotiated.resumed


def measure(client: ClientConfig, server: ServerConfig, count: int) -> dict[str, Any]:
    """``count`` resumptions in a row (each takes one ticket and gets new ones)."""
    _connect(client, server)  # the full handshake that hands out the first tickets
    resumed = 0
    started = time.perf_counter()
    for _ in range(count):
        resumed += _connect(client, server)
    elapsed = time.perf_counter() - started
    return {"handshakes": count, "resumed": resumed, "seconds": round(elapsed, 3), "per_s": round(count / elapsed, 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start_redis() -> tuple[subprocess.Popen[bytes], str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = _free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + REDIS_STARTUP
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    proc.wait(5)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glasstls.bench_fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300, help="resumptions per store (default 300)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 100_000:
        parser.error("--count must be 1..100000")
    from glasstls.pki.testpki import make_test_pki

    with tempfile.TemporaryDirectory(prefix="glasstls-bench-fleet-") as tmp:
        pki = make_test_pki(("localhost",), directory=Path(tmp))
        leaf = pki.server_ecdsa
        server = ServerConfig(certificates=(CertificateChain((leaf.certificate, *leaf.chain), leaf.key),))
        client = ClientConfig(trust=pki.trust_store(), session_store=ClientSessionStore())
        rows: dict[str, Any] = {"in-memory": measure(client, server, args.count)}
        started = _start_redis()
        if started is None:
            rows["redis"] = {"skipped": "redis-server is not installed (make peers)"}
        else:
            proc, url = started
            try:
                from glasstls.sessions_redis import RedisSessionStore, RedisStore, RedisTicketKeys

                store = RedisStore(url, os.urandom(32))
                shared = replace(server, session_cache=RedisSessionStore(store), ticket_keys=RedisTicketKeys(store))
                fresh = replace(client, session_store=ClientSessionStore())
                rows["redis"] = measure(fresh, shared, args.count)
                store.close()
            finally:
                proc.terminate()
                proc.wait(5)
    if args.json:
        print(json.dumps({"resumption": rows}, indent=2))
        return 0
    print(f"TLS 1.3 resumption (psk_dhe_ke, X25519), client and server in one process, {args.count} handshakes:")
    for name, row in rows.items():
        if "skipped" in row:
            print(f"  {name:10} skipped: {row['skipped']}")
        else:
            print(f"  {name:10} {row['per_s']:8.1f} handshakes/s  ({row['resumed']} of {row['handshakes']} resumed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
