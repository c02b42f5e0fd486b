"""NSS key log format (the SSLKEYLOGFILE that Wireshark and tshark read).

Each line: ``<LABEL> <client_random hex> <secret hex>``. TLS 1.3 labels: CLIENT_HANDSHAKE_TRAFFIC_SECRET,
SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET (and
CLIENT_TRAFFIC_SECRET_N / SERVER_TRAFFIC_SECRET_N after key updates). TLS 1.2: CLIENT_RANDOM <master secret>.

This is the only place secrets are ever written. It is used only when the caller configured it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol


class KeyLog(Protocol):
    def log(self, label: str, client_random: bytes, secret: bytes) -> None: ...


class KeyLogFile:
    """Appends NSS key log lines to a file (thread-safe, one line per write, flushed at once)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, variable: str = "SSLKEYLOGFILE") -> KeyLogFile | None:
        value = os.environ.get(variable)
        return cls(value) if value else None

    def log(self, label: str, client_random: bytes, secret: bytes) -> None:
        line = f"{label} {client_random.hex()} {secret.hex()}\n"
        with self._lock, open(self.path, "a", encoding="ascii") as f:
            f.write(line)

    def __repr__(self) -> str:
        return f"KeyLogFile({str(self.path)!r})"


class MemoryKeyLog:
    """Collects key log lines in memory (tests, tools that decrypt their own captures)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, label: str, client_random: bytes, secret: bytes) -> None:
        self.lines.append(f"{label} {client_random.hex()} {secret.hex()}")

    def __repr__(self) -> str:
        return f"MemoryKeyLog({len(self.lines)} lines)"
