"""The ``glasstls`` command line: ``demo``, ``connect``, ``serve``, ``certs`` (entry point: cli/main.py).

This package also holds :class:`TLSStream`, the small blocking socket pump the commands use around the sans-I/O
connection, until ``glasstls.io.sync`` exists (then the commands can move to it; the pump has no protocol logic:
bytes in, bytes out, events).
"""

from __future__ import annotations

import argparse
import socket
import time
from collections import deque
from collections.abc import Sequence

from glasstls.connection import ClientConnection, ServerConnection
from glasstls.crypto.groups import SUPPORTED_GROUPS
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.errors import TLSError
from glasstls.events import ConnectionClosed, DataReceived, Event, HandshakeComplete, Negotiated
from glasstls.trace.keylog import KeyLogFile
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion

__all__ = [
    "CliError",
    "TLSStream",
    "add_protocol_options",
    "open_keylog",
    "parse_alpn",
    "parse_cipher_suites",
    "parse_groups",
    "parse_versions",
]


class CliError(Exception):
    """A command line value that cannot be used: printed as ``error: ...``, exit status 2."""


# -- options shared by connect and serve -------------------------------------------------------------------

_GROUP_ALIASES = {
    "P-256": "SECP256R1",
    "P256": "SECP256R1",
    "PRIME256V1": "SECP256R1",
    "P-384": "SECP384R1",
    "P384": "SECP384R1",
    "P-521": "SECP521R1",
    "P521": "SECP521R1",
}


def _split(values: Sequence[str] | None) -> list[str]:
    """Repeatable options that also accept comma- or colon-separated lists (as OpenSSL does)."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.replace(":", ",").split(",") if part.strip())
    return out


def parse_cipher_suites(values: Sequence[str] | None) -> tuple[CipherSuite, ...] | None:
    """IANA names, case-insensitive (TLS_AES_128_GCM_SHA256); None when none were given."""
    names = _split(values)
    if not names:
        return None
    supported = ", ".join(str(s) for s in TLS13_SUITES)
    out: list[CipherSuite] = []
    for name in names:
        suite = CipherSuite.__members__.get(name.upper())
        if suite is None:
            raise CliError(f"unknown cipher suite {name!r} (TLS 1.3 suites glasstls supports: {supported})")
        if suite not in TLS13_SUITES:
            raise CliError(f"cipher suite {suite} is not supported (glasstls supports: {supported})")
        if suite not in out:
            out.append(suite)
    return tuple(out)


def parse_groups(values: Sequence[str] | None) -> tuple[NamedGroup, ...] | None:
    """IANA names, case-insensitive (x25519, secp256r1, X25519MLKEM768; also P-256); None when none given."""
    names = _split(values)
    if not names:
        return None
    supported = ", ".join(str(g) for g in SUPPORTED_GROUPS)
    out: list[NamedGroup] = []
    for name in names:
        upper = _GROUP_ALIASES.get(name.upper(), name.upper())
        group = NamedGroup.__members__.get(upper)
        if group is None:
            raise CliError(f"unknown group {name!r} (groups glasstls supports: {supported})")
        if group not in SUPPORTED_GROUPS:
            raise CliError(f"group {group} is not supported (glasstls supports: {supported})")
        if group not in out:
            out.append(group)
    return tuple(out)


_VERSIONS = {"1.3": ProtocolVersion.TLS13, "1.2": ProtocolVersion.TLS12}


def parse_versions(minimum: str | None, maximum: str | None) -> tuple[ProtocolVersion, ProtocolVersion]:
    """``--min-version`` / ``--max-version``: "1.3" (or "1.2", which is refused clearly: not supported yet)."""
    for option, value in (("--min-version", minimum), ("--max-version", maximum)):
        if value is None:
            continue
        if value not in _VERSIONS:
            raise CliError(f"{option} {value}: unknown TLS version (use 1.3)")
        if value == "1.2":
            raise CliError(
                f"{option} 1.2: TLS 1.2 is not supported yet; glasstls speaks TLS 1.3 only for now "
                "(leave the option out, or use 1.3)"
            )
    return ProtocolVersion.TLS13, ProtocolVersion.TLS13


def parse_alpn(values: Sequence[str] | None) -> tuple[str, ...]:
    names = [v for v in (part.strip() for value in values or () for part in value.split(",")) if v]
    for name in names:
        if not 1 <= len(name.encode()) <= 255:
            raise CliError(f"ALPN protocol name {name!r} must be 1 to 255 bytes")
    return tuple(dict.fromkeys(names))


def open_keylog(path: str | None) -> KeyLogFile | None:
    """``--keylog FILE``, else the SSLKEYLOGFILE environment variable, else no key log."""
    return KeyLogFile(path) if path else KeyLogFile.from_env()


def add_protocol_options(parser: argparse.ArgumentParser) -> None:
    """The protocol options that connect and serve share."""
    group = parser.add_argument_group("protocol")
    group.add_argument("--alpn", action="append", metavar="PROTO", help="application protocol (repeatable, or a,b)")
    group.add_argument("--min-version", choices=sorted(_VERSIONS), help="lowest TLS version (1.2: not yet)")
    group.add_argument("--max-version", choices=sorted(_VERSIONS), help="highest TLS version (1.2: not yet)")
    group.add_argument(
        "--cipher", action="append", metavar="SUITE", help="TLS 1.3 cipher suite, IANA name (repeatable)"
    )
    group.add_argument(
        "--group", action="append", metavar="GROUP", help="key exchange group: x25519, secp256r1, ... (repeatable)"
    )
    group.add_argument(
        "--keylog", metavar="FILE", help="append NSS key log lines (secrets!) to FILE; SSLKEYLOGFILE works too"
    )
    group.add_argument("--trace", action="store_true", help="show the explained handshake, step by step")


_READ_SIZE = 65536


class TLSStream:
    """A connected socket and a sans-I/O connection, pumped with blocking calls.

    Every failure of the connection is a ``TLSError`` (its fatal alert is sent before it propagates); network
    failures are ``OSError`` (``TimeoutError`` when the socket timeout passes).
    """

    def __init__(self, sock: socket.socket, conn: ClientConnection | ServerConnection) -> None:
        self.sock = sock
        self.conn = conn
        try:
            # Handshake flights and small writes go out at once (no Nagle delay waiting for an ACK).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.pending: deque[Event] = deque()
        self.peer_closed = False
        self.clean_close: bool | None = None  # after the peer closed: did it send close_notify first?
        self.bytes_sent = 0  # application data bytes
        self.bytes_received = 0
        self.wire_sent = 0  # bytes on the wire, TLS records included
        self.wire_received = 0

    # -- the pump -----------------------------------------------------------------------------------------

    def _flush(self) -> int:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)
            self.wire_sent += len(data)
        return len(data)

    def _flush_quietly(self) -> None:
        """Send what is queued (e.g. the fatal alert after a failure); the peer may already be gone."""
        try:
            self._flush()
        except OSError:
            pass

    def read_once(self) -> bool:
        """One ``recv`` fed to the connection; False at end of stream. Raises ``TLSError`` on failure."""
        try:
            data = self.sock.recv(_READ_SIZE)
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        if not data:
            self.peer_closed = True
            try:
                self.conn.receive_eof()
            finally:
                self.pending.extend(self.conn.events())
            return False
        self.wire_received += len(data)
        try:
            self.conn.receive_data(data)
        except TLSError:
            self._flush_quietly()
            raise
        finally:
            self.pending.extend(self.conn.events())
        self._flush()  # replies the connection queued (client Finished, KeyUpdate, ...)
        return True

    def handshake(self, timeout: float | None = 10.0) -> Negotiated:
        """Run the handshake to completion (the client's ClientHello is sent first)."""
        self.sock.settimeout(timeout)
        if isinstance(self.conn, ClientConnection):
            self.conn.start()
        self._flush()
        while not self.conn.handshake_complete:
            if not self.read_once():
                break
        negotiated = self.conn.negotiated
        if negotiated is None:  # receive_eof raised before this for an incomplete handshake
            raise TLSError("the handshake did not complete", step="handshake")
        self.pending = deque(e for e in self.pending if not isinstance(e, HandshakeComplete))
        return negotiated

    # -- application data ------------------------------------------------------------------------------

    def send(self, data: bytes) -> int:
        """Encrypt and send ``data``; returns the bytes written to the wire (records and tags included)."""
        self.conn.send_data(data)
        self.bytes_sent += len(data)
        return self._flush()

    def next_data(self, timeout: float | None) -> bytes | None:
        """The next application data; ``b""`` once the peer closed; ``None`` if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            while self.pending:
                event = self.pending.popleft()
                if isinstance(event, DataReceived):
                    self.bytes_received += len(event.data)
                    return event.data
                if isinstance(event, ConnectionClosed):
                    self.peer_closed = True
                    self.clean_close = event.clean
                    return b""
            if self.peer_closed:
                return b""
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                self.read_once()
            except TimeoutError:
                return None

    def close(self, wait: float = 0.0) -> None:
        """Send close_notify; wait up to ``wait`` seconds for the peer's; close the socket."""
        try:
            self.conn.close()
            self._flush()
            if wait > 0 and not self.peer_closed and self.conn.error is None:
                deadline = time.monotonic() + wait
                while not self.peer_closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.next_data(remaining) is None:
                        break
        except (OSError, TLSError):
            pass
        finally:
            self.sock.close()
