"""NSS key log format (the SSLKEYLOGFILE that Wireshark and tshark read).

Each line: ``<LABEL> <client_random hex> <secret hex>``. TLS 1.3 labels: CLIENT_HANDSHAKE_TRAFFIC_SECRET,
SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET (and
CLIENT_TRAFFIC_SECRET_N / SERVER_TRAFFIC_SECRET_N after key updates). TLS 1.2: CLIENT_RANDOM <master secret>.

This is the only place secrets are ever written. It is used only when the caller configured it.

The file holds every logged session's secrets, so it is the owner's alone, like a private key: created with mode
0600 (whatever the umask), appended to with ``O_APPEND``. A regular file that already exists with wider
permissions is tightened to 0600 (and a warning logged on the ``glasstls.keylog`` logger); one we cannot tighten
(another user's) is refused with ``PermissionError``. Not regular files (a FIFO, ``/dev/stdout``) are left as
they are: the caller chose where the lines go. ``KeyLogFile(path)`` opens the file at once, so a path that cannot
be written fails when the configuration is made (``OSError``), not in the middle of a handshake.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path
from typing import Protocol


class KeyLog(Protocol):
    def log(self, label: str, client_random: bytes, secret: bytes) -> None: ...


#: The key log's permissions: read and write for the owner only (it holds secrets).
KEYLOG_MODE = 0o600
_OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)

logger = logging.getLogger("glasstls.keylog")


def open_private_append(path: Path) -> int:
    """Open ``path`` for appending, created 0600; an existing regular file readable or writable by others is
    tightened to 0600, and refused (``PermissionError``) when it cannot be. Returns the descriptor."""
    fd = os.open(path, _OPEN_FLAGS, KEYLOG_MODE)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
            try:
                os.fchmod(fd, KEYLOG_MODE)
            except OSError as exc:
                raise PermissionError(
                    exc.errno,
                    f"the key log {path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}) and cannot be "
                    "made private (0600): it would expose every session's secrets; use a file of your own",
                ) from exc
            logger.warning(
                "key log %s was readable by others (mode %o): made it private (0600)",
                path,
                stat.S_IMODE(info.st_mode),
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


class KeyLogFile:
    """Appends NSS key log lines to a file (thread-safe, one line per write, flushed at once), created 0600.

    The file is opened (created, checked) here; ``OSError`` if it cannot be (see the module doc)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        os.close(open_private_append(self.path))

    @classmethod
    def from_env(cls, variable: str = "SSLKEYLOGFILE") -> KeyLogFile | None:
        value = os.environ.get(variable)
        return cls(value) if value else None

    def log(self, label: str, client_random: bytes, secret: bytes) -> None:
        line = f"{label} {client_random.hex()} {secret.hex()}\n"
        data = line.encode("ascii")
        with self._lock:
            fd = open_private_append(self.path)  # each time: a file removed or rotated meanwhile is made again
            try:
                while data:
                    data = data[os.write(fd, data) :]
            finally:
                os.close(fd)

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
