"""A real ``redis-server`` for the fleet tests (issue 15), in the style of tests/peers.py: started on 127.0.0.1 on
a free port, no persistence, in its own process group, stopped (and reaped) by the context manager; startup
bounded by a timeout. Under CI=true a missing redis-server fails (``make peers`` installs it)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from peers import STARTUP_TIMEOUT, PeerProcess, free_port, require_tool, server_process


@dataclass
class RedisServer:
    process: PeerProcess
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.stop()


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    binary = require_tool("redis-server")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with server_process(
        argv, ready=r"Ready to accept connections", port=port, startup_timeout=STARTUP_TIMEOUT, name="redis-server"
    ) as server:
        yield RedisServer(server.process, port)


def store_key(directory: Path) -> Path:
    """A 32-byte session-store key file (mode 0600), as `openssl rand 32 > FILE` would make."""
    path = directory / "store.key"
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    return path


def glasstls_serve_argv(cert: Path, key: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--cert", str(cert), "--key", str(key), *args]
