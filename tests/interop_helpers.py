"""The glasstls-side helpers of the live interop tests (``tests/test_interop_*.py``).

The tables of TLS 1.3 suites and groups with their names in each peer, configs from the test PKI, a threaded
glasstls server that records what each connection negotiated (and keeps handshake failures), an event spy, and
small receive helpers. The peers themselves (OpenSSL, GnuTLS, Python's ``ssl``, curl) are started by
``tests/peers.py``; OpenSSL-specific helpers stay in ``test_interop_openssl.py``.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.errors import TLSError
from glasstls.events import ConnectionClosed, Event, KeyUpdated, Negotiated
from glasstls.io.server import TLSServer
from glasstls.io.sync import TLSSocket, connect
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import CipherSuite, NamedGroup, SignatureScheme
from peers import PEER_TIMEOUT, PeerError, PeerProcess, in_background

if TYPE_CHECKING:
    from glasstls.pki.testpki import CredentialFiles, TestPKI

#: Seconds for one glasstls operation (connect, handshake, a blocking recv) in these tests.
TIMEOUT = 10.0
#: Hard limit for a whole test (pytest-timeout), above the per-operation timeouts.
TEST_TIMEOUT = 60

ONE_MIB = 1 << 20


# ------------------------------------------------------------------------------------ the matrix


@dataclass(frozen=True)
class Suite:
    """A TLS 1.3 cipher suite and its names in each peer."""

    suite: CipherSuite
    gnutls: str  # the cipher in a GnuTLS priority string and in its "Description:" line

    @property
    def openssl(self) -> str:  # OpenSSL and Python's ssl use the IANA name
        return self.suite.name

    def __str__(self) -> str:
        return self.suite.name


SUITES = (
    Suite(CipherSuite.TLS_AES_128_GCM_SHA256, "AES-128-GCM"),
    Suite(CipherSuite.TLS_AES_256_GCM_SHA384, "AES-256-GCM"),
    Suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, "CHACHA20-POLY1305"),
)


@dataclass(frozen=True)
class Group:
    """A key exchange group and its names in each peer."""

    group: NamedGroup
    openssl: str  # -groups / curl --curves
    openssl_temp_key: str  # s_client's "Server Temp Key:" line
    gnutls: str  # priority string keyword (GROUP-...), also in "Description: ...-(ECDHE-<name>)-..."
    python: str | None  # SSLContext.set_ecdh_curve name (None: not settable through Python's ssl)

    @property
    def hybrid(self) -> bool:
        return self.group == NamedGroup.X25519MLKEM768

    def __str__(self) -> str:
        return self.group.name


GROUPS = (
    Group(NamedGroup.X25519, "X25519", "X25519, 253 bits", "GROUP-X25519", "X25519"),
    Group(NamedGroup.X448, "X448", "X448, 448 bits", "GROUP-X448", "X448"),
    Group(NamedGroup.SECP256R1, "P-256", "ECDH, prime256v1, 256 bits", "GROUP-SECP256R1", "prime256v1"),
    Group(NamedGroup.SECP384R1, "P-384", "ECDH, secp384r1, 384 bits", "GROUP-SECP384R1", "secp384r1"),
    Group(NamedGroup.SECP521R1, "P-521", "ECDH, secp521r1, 521 bits", "GROUP-SECP521R1", "secp521r1"),
    Group(NamedGroup.X25519MLKEM768, "X25519MLKEM768", "X25519MLKEM768", "GROUP-X25519-MLKEM768", None),
)

#: Server certificate kinds in the test PKI, and the CertificateVerify schemes each may negotiate.
CERT_KINDS = ("ecdsa", "rsa", "ed25519")
SCHEMES_FOR_KIND = {
    "ecdsa": {SignatureScheme.ECDSA_SECP256R1_SHA256},
    "rsa": {
        SignatureScheme.RSA_PSS_RSAE_SHA256,
        SignatureScheme.RSA_PSS_RSAE_SHA384,
        SignatureScheme.RSA_PSS_RSAE_SHA512,
    },
    "ed25519": {SignatureScheme.ED25519},
}


def suite_params() -> list[object]:
    return [pytest.param(s, id=s.gnutls.lower()) for s in SUITES]


def group_params() -> list[object]:
    return [pytest.param(g, id=g.openssl.lower()) for g in GROUPS]


# -------------------------------------------------------------------------- glasstls-side helpers


def creds(pki: TestPKI, kind: str) -> CredentialFiles:
    """The files of the test PKI's ``server_<kind>`` (or ``client``) credentials."""
    assert pki.files is not None
    return getattr(pki.files, kind if kind == "client" else f"server_{kind}")  # type: ignore[no-any-return]


def chain(pki: TestPKI, kind: str) -> CertificateChain:
    files = creds(pki, kind)
    return CertificateChain.from_files(files.cert, files.key)


def client_config(pki: TestPKI, **kwargs: object) -> ClientConfig:
    """A glasstls client that trusts the test PKI's root."""
    return ClientConfig(trust=pki.trust_store(), **kwargs)  # type: ignore[arg-type]


def server_config(pki: TestPKI, kinds: Sequence[str] = ("ecdsa",), **kwargs: object) -> ServerConfig:
    """A glasstls server with the test PKI's ``kinds`` of certificates."""
    return ServerConfig(certificates=tuple(chain(pki, k) for k in kinds), **kwargs)  # type: ignore[arg-type]


def mtls_server_config(pki: TestPKI, **kwargs: object) -> ServerConfig:
    """A glasstls server that requires a client certificate issued under the test PKI."""
    assert pki.files is not None
    trust = TrustStore.from_file(pki.files.root)
    return server_config(pki, ("ecdsa",), client_auth="required", client_trust=trust, **kwargs)


def glasstls_connect(port: int, config: ClientConfig, server_name: str = "localhost") -> TLSSocket:
    return connect("127.0.0.1", port, config, server_name=server_name, timeout=TIMEOUT)


def spy_events(tls: TLSSocket) -> list[Event]:
    """Every event the socket layer takes from the connection from now on, application data included, in a list
    that keeps growing (``TLSSocket.events()`` gives the others too, but drains them: one reader only). The spy
    wraps the socket's own intake (Python in every build): a compiled connection's methods cannot be replaced."""
    seen: list[Event] = []
    take = tls._take_events

    def take_events(events: list[Event]) -> None:
        seen.extend(events)
        take(events)

    tls._take_events = take_events  # type: ignore[method-assign]
    return seen


def key_updates(events: Sequence[Event]) -> list[str]:
    """The directions of the KeyUpdated events, in order ("read": the peer updated, "write": we did)."""
    return [e.direction for e in events if isinstance(e, KeyUpdated)]


def recv_exactly(tls: TLSSocket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = tls.recv(n - len(out))
        if not chunk:
            raise AssertionError(f"the peer closed after {len(out)} of {n} bytes: {bytes(out[-200:])!r}")
        out += chunk
    return bytes(out)


def recv_until(tls: TLSSocket, marker: bytes) -> bytes:
    out = bytearray()
    while marker not in out:
        chunk = tls.recv()
        if not chunk:
            raise AssertionError(f"the peer closed before sending {marker!r}; got {bytes(out[-200:])!r}")
        out += chunk
    return bytes(out)


def recv_to_eof(tls: TLSSocket) -> bytes:
    out = bytearray()
    while chunk := tls.recv():
        out += chunk
    return bytes(out)


def line_payload(size: int = ONE_MIB, width: int = 64) -> bytes:
    """``size`` bytes of random hex lines, ``width`` bytes each with the newline (line-oriented peers)."""
    hexed = os.urandom(size // 2).hex().encode()
    return b"".join(hexed[i : i + width - 1] + b"\n" for i in range(0, size, width))


def reversed_lines(data: bytes) -> bytes:
    """What ``s_server -rev`` sends back for ``data``: each line reversed."""
    return b"".join(line[::-1] + b"\n" for line in data.split(b"\n")[:-1])


def echo_exchange(tls: TLSSocket, data: bytes, expected: bytes | None = None) -> None:
    """Send ``data`` from a helper thread while this one reads the echo (no deadlock on full TCP buffers)."""
    sender = in_background(tls.sendall, data)
    expected = data if expected is None else expected
    got = recv_exactly(tls, len(expected))
    sender.result(TIMEOUT)
    assert got == expected, "the echo differs from what was sent"


# ------------------------------------------------------------------------------ a glasstls server


@dataclass
class ServerSession:
    """What the glasstls server saw on one connection."""

    negotiated: Negotiated | None = None
    error: BaseException | None = None
    received: bytes = b""
    close_notify: bool | None = None  # after the peer closed: True for close_notify, False for a bare EOF
    events: list[Event] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def check(self) -> ServerSession:
        """Fail unless the handshake and the handler succeeded."""
        if self.error is not None:
            raise AssertionError(f"the glasstls server failed: {self.error!r}") from self.error
        assert self.negotiated is not None
        return self

    @property
    def clean_close(self) -> bool:
        """The peer closed with close_notify: ``TLSSocket.close_notify_received`` mirrors the connection's
        ``ConnectionClosed(clean=True)`` (which may have come with the handshake's last flight, before
        ``events`` was spied on), and no unclean closure was seen."""
        return self.close_notify is True and ConnectionClosed(clean=False) not in self.events


Handler = Callable[[TLSSocket, ServerSession], None]


def echo_handler(tls: TLSSocket, session: ServerSession) -> None:
    """Echo until the peer closes (the ``with`` around the handler then sends our close_notify)."""
    while data := tls.recv():
        session.received += data
        tls.sendall(data)


def echo_n_handler(n: int) -> Handler:
    """Echo ``n`` bytes, then close first (for clients that read until the server closes)."""

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        while len(session.received) < n:
            data = tls.recv()
            if not data:
                break
            session.received += data
            tls.sendall(data)

    return handler


class GlasstlsServer:
    """``glasstls.io.server.TLSServer`` on 127.0.0.1 in a thread; ``sessions`` records each connection.

    Unlike ``serve_forever`` it keeps handshake failures (``session.error``), so that a test can assert the
    alert the peer sent or the error glasstls raised.
    """

    def __init__(self, config: ServerConfig, handler: Handler) -> None:
        self.server = TLSServer("127.0.0.1", 0, config, handshake_timeout=TIMEOUT, timeout=TIMEOUT)
        self.port = self.server.address[1]
        self.handler = handler
        self.sessions: list[ServerSession] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._run, name="glasstls interop server", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.server.fileno(), selectors.EVENT_READ)
            while not self._stop.is_set():
                if not selector.select(timeout=0.1) or self._stop.is_set():
                    continue
                session = ServerSession()
                with self._cond:
                    self.sessions.append(session)
                    self._cond.notify_all()
                try:
                    tls, _ = self.server.accept()
                except TLSError as exc:  # the handshake failed: its alert was sent, the socket closed
                    session.error = exc
                    session.done.set()
                    continue
                except OSError as exc:
                    session.error = exc
                    session.done.set()
                    if self._stop.is_set():
                        return
                    continue
                worker = threading.Thread(target=self._serve, args=(tls, session), daemon=True)
                self._workers.append(worker)
                worker.start()

    def _serve(self, tls: TLSSocket, session: ServerSession) -> None:
        session.negotiated = tls.negotiated
        session.events = spy_events(tls)
        try:
            with tls:
                self.handler(tls, session)
        except BaseException as exc:
            session.error = exc
        finally:
            tls.connection.events()  # collect (into the spy) events no socket call has drained yet
            if tls.peer_closed:
                session.close_notify = tls.close_notify_received
            session.done.set()

    def session(self, index: int = 0, timeout: float = PEER_TIMEOUT) -> ServerSession:
        """Connection ``index`` once it is finished (handshake failed, or the handler returned)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sessions) <= index:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerError(f"glasstls server: no connection #{index} within {timeout:g}s")
                self._cond.wait(remaining)
            session = self.sessions[index]
        if not session.done.wait(max(deadline - time.monotonic(), 0.1)):
            raise PeerError(f"glasstls server: connection #{index} did not finish within {timeout:g}s")
        return session

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.server.close()
        for worker in self._workers:
            worker.join(2.0)


@contextlib.contextmanager
def glasstls_server(config: ServerConfig, handler: Handler = echo_handler) -> Iterator[GlasstlsServer]:
    server = GlasstlsServer(config, handler)
    try:
        yield server
    finally:
        server.close()


# ------------------------------------------------------------------------------------ peer output


def wait_output(process: PeerProcess, pattern: str, timeout: float = PEER_TIMEOUT) -> re.Match[str]:
    match = process.wait_for(pattern, timeout)
    if match is None:
        raise PeerError(f"{process.name} did not print {pattern!r} within {timeout:g}s\n{process.describe()}")
    return match
