"""Live interop with OpenSSL (``openssl s_server`` / ``s_client``) on 127.0.0.1, in both directions.

This module also holds the glasstls-side helpers the other ``test_interop_*`` modules import (the tables of
suites and groups, configs from the test PKI, a threaded glasstls server that records what each connection
negotiated, an event spy). Every peer operation has a timeout (``tests/peers.py``); every test has a hard
``pytest-timeout`` on top.

What the peers print, and what we look for:

* ``s_server -state`` (rev mode) prints ``Ciphersuite: ...`` and, from its info callback, each alert it reads or
  writes: ``SSL3 alert read:warning:close notify``, ``SSL3 alert read:fatal:bad certificate``.
* ``s_client -brief -state`` prints ``Ciphersuite:``, ``Server Temp Key: X25519, 253 bits``, ``Signature type:``
  and the alerts the same way; without ``-brief`` it prints ``ALPN protocol: h2``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import selectors
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.errors import AlertReceived, BadCertificate, CertificateRequired, NoApplicationProtocol, TLSError
from glasstls.events import ConnectionClosed, Event, KeyUpdated, Negotiated
from glasstls.io.sync import TLSServer, TLSSocket, connect
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, CipherSuite, NamedGroup, SignatureScheme
from peers import (
    PEER_TIMEOUT,
    PeerError,
    PeerPki,
    PeerProcess,
    PeerResult,
    StrPath,
    free_port,
    in_background,
    openssl_server,
    require_tool,
    run_openssl_client,
)

if TYPE_CHECKING:
    from glasstls.pki.testpki import CredentialFiles, TestPKI

#: Seconds for one glasstls operation (connect, handshake, a blocking recv) in these tests.
TIMEOUT = 10.0
#: Hard limit for a whole test (pytest-timeout), above the per-operation timeouts.
TEST_TIMEOUT = 60

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

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


# ------------------------------------------------------------------------ peer capability checks


def _version_line(argv: Sequence[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "unknown version"


@functools.cache
def _openssl_group_error(name: str) -> str | None:
    openssl = require_tool("openssl")
    # s_client sets its groups before it connects: an unknown group fails right there. The port is closed.
    argv = [openssl, "s_client", "-groups", name, "-connect", f"127.0.0.1:{free_port()}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=PEER_TIMEOUT, stdin=subprocess.DEVNULL)
    if "cannot be set" in done.stderr or "SSL_CONF_cmd(-groups" in done.stderr:
        return f"{_version_line([openssl, 'version'])} does not support the group {name}"
    return None


def skip_unless_openssl_group(group: Group) -> None:
    """Skip (never fail, even under CI) when the installed OpenSSL lacks ``group``; a missing tool still fails."""
    reason = _openssl_group_error(group.openssl)
    if reason is not None:
        pytest.skip(f"peer version lacks the algorithm: {reason}")


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
    """Every event the connection hands to the socket layer from now on (``TLSSocket`` keeps only data and
    closure; KeyUpdated and AlertReceived are otherwise invisible to a blocking-API caller)."""
    seen: list[Event] = []
    conn = tls.connection
    original = conn.events

    def events() -> list[Event]:
        out = original()
        seen.extend(out)
        return out

    conn.events = events  # type: ignore[method-assign]
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
    """``glasstls.io.sync.TLSServer`` on 127.0.0.1 in a thread; ``sessions`` records each connection.

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


# ----------------------------------------------------------------------------- openssl helpers


def s_server(
    pki: TestPKI, kind: str = "ecdsa", *, mode: str = "rev", extra_args: Sequence[StrPath] = (), **kwargs: object
) -> contextlib.AbstractContextManager:  # type: ignore[type-arg]
    """``openssl s_server`` with the test PKI's ``kind`` certificate and ``-state`` (it then prints alerts)."""
    files = creds(pki, kind)
    return openssl_server(files.cert, files.key, mode=mode, extra_args=["-state", *extra_args], **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def s_client_process(port: int, cafile: StrPath, *args: StrPath, brief: bool = True) -> Iterator[PeerProcess]:
    """An ``openssl s_client`` whose stdin the test drives line by line (its command letters work: no
    ``-ign_eof``); stopped and reaped on exit."""
    openssl = require_tool("openssl")
    argv: list[StrPath] = [
        openssl,
        "s_client",
        "-connect",
        f"127.0.0.1:{port}",
        "-servername",
        "localhost",
        "-CAfile",
        cafile,
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-tls1_3",
        "-state",
        *(["-brief"] if brief else []),
        *args,
    ]
    process = PeerProcess(argv, name="openssl s_client")
    try:
        yield process
    finally:
        process.stop()


def wait_output(process: PeerProcess, pattern: str, timeout: float = PEER_TIMEOUT) -> re.Match[str]:
    match = process.wait_for(pattern, timeout)
    if match is None:
        raise PeerError(f"{process.name} did not print {pattern!r} within {timeout:g}s\n{process.describe()}")
    return match


# ================================================================== glasstls client -> s_server


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_client_suite(pki: TestPKI, suite: Suite) -> None:
    """glasstls offers all three suites; s_server allows one."""
    with s_server(pki, extra_args=["-ciphersuites", suite.openssl]) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            assert tls.negotiated.cipher_suite == suite.suite
            tls.sendall(b"suite check\n")
            assert recv_exactly(tls, 12) == b"kcehc etius\n"
        server.wait_for_output(rf"Ciphersuite: {suite.openssl}")
        server.wait_for_output("Protocol version: TLSv1.3")


@pytest.mark.parametrize("group", group_params())
def test_glasstls_client_group(pki: TestPKI, group: Group) -> None:
    """s_server allows one group; glasstls sends a key share for it in its first ClientHello."""
    skip_unless_openssl_group(group)
    config = client_config(pki, key_share_groups=(group.group,))
    with s_server(pki, extra_args=["-groups", group.openssl]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert (tls.negotiated.group, tls.negotiated.hello_retry_request) == (group.group, False)
            tls.sendall(b"abc\n")
            assert recv_exactly(tls, 4) == b"cba\n"
        server.wait_for_output("Protocol version: TLSv1.3")


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_client_certificate_kind(pki: TestPKI, kind: str) -> None:
    with s_server(pki, kind) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
        assert tls.negotiated.peer_certificates[0] == chain(pki, kind).leaf
        tls.sendall(b"cert\n")
        assert recv_exactly(tls, 5) == b"trec\n"


def test_glasstls_client_verifies_openssl_made_rsa_chain(peer_pki: PeerPki) -> None:
    """A chain made by the openssl command (not by glasstls's test PKI) verifies, with SNI and IP names."""
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root))
    with openssl_server(peer_pki.server_rsa, peer_pki.server_rsa_key, mode="rev") as server:
        for name in ("localhost", "127.0.0.1"):
            with glasstls_connect(server.port, config, server_name=name) as tls:
                assert tls.negotiated.verified_chain is not None
                assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND["rsa"]
                tls.sendall(b"ok\n")
                assert recv_exactly(tls, 3) == b"ko\n"


def test_glasstls_client_hello_retry_request(pki: TestPKI) -> None:
    """glasstls sends an X25519 share; s_server accepts only secp384r1 and asks for it."""
    config = client_config(pki, key_share_groups=(NamedGroup.X25519,))
    with s_server(pki, extra_args=["-groups", "P-384"]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.hello_retry_request
            assert tls.negotiated.group == NamedGroup.SECP384R1
            tls.sendall(b"hrr\n")
            assert recv_exactly(tls, 4) == b"rrh\n"
        # The server read two ClientHellos.
        server.wait_for_output("Protocol version: TLSv1.3")
        assert server.output().count("SSL_accept:SSLv3/TLS read client hello") == 2, server.output()


def test_glasstls_client_alpn(pki: TestPKI) -> None:
    config = client_config(pki, alpn_protocols=("glasstls-test", "http/1.1"))
    with s_server(pki, alpn=["h2", "http/1.1"]) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.alpn_protocol == "http/1.1"
        tls.sendall(b"alpn\n")
        assert recv_exactly(tls, 5) == b"npla\n"


def test_glasstls_client_alpn_no_overlap(pki: TestPKI) -> None:
    """s_server finds no protocol in common and refuses with no_application_protocol (RFC 7301 section 3.2)."""
    config = client_config(pki, alpn_protocols=("glasstls-test",))
    with s_server(pki, alpn=["h2"]) as server:
        with pytest.raises(AlertReceived) as info:
            glasstls_connect(server.port, config)
        assert info.value.description == AlertDescription.NO_APPLICATION_PROTOCOL
        server.wait_for_output("SSL3 alert write:fatal:no application protocol")


def test_glasstls_client_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    config = client_config(pki, client_certificate=chain(pki, "client"))
    with s_server(pki, client_ca=pki.files.root) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.client_certificate_requested
        tls.sendall(b"mtls\n")
        assert recv_exactly(tls, 5) == b"sltm\n"
        server.wait_for_output("glasstls test client")


def test_glasstls_client_without_certificate_gets_certificate_required(pki: TestPKI) -> None:
    assert pki.files is not None
    with s_server(pki, client_ca=pki.files.root) as server:
        tls = glasstls_connect(server.port, client_config(pki))  # our side of the handshake completes
        with tls, pytest.raises(AlertReceived) as info:
            tls.recv()
        assert info.value.description == AlertDescription.CERTIFICATE_REQUIRED
        # OpenSSL 3.0 has no name for alert 116: "SSL3 alert write:fatal:unknown".
        server.wait_for_output("peer did not return a certificate")


def test_glasstls_client_initiates_key_update(pki: TestPKI) -> None:
    with s_server(pki) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"before\n")
        assert recv_exactly(tls, 7) == b"erofeb\n"
        tls.key_update(request_peer=True)
        tls.sendall(b"after\n")
        assert recv_exactly(tls, 6) == b"retfa\n"
        tls.key_update(request_peer=False)
        tls.sendall(b"again\n")
        assert recv_exactly(tls, 6) == b"niaga\n"
        # Our two updates and OpenSSL's answer to update_requested (before its reply to "after").
        assert key_updates(events) == ["write", "read", "write"], events


def test_glasstls_client_peer_initiates_key_update(pki: TestPKI) -> None:
    """s_server's interactive commands: "k" sends KeyUpdate, "K" one with update_requested."""
    with s_server(pki, mode="interactive") as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"hello server\n")
        server.wait_for_output("hello server")
        server.send(b"k\n")
        # Wait for the command to run: s_server drops the rest of a stdin read that began with a command.
        server.wait_for_output("write server key update")
        server.send(b"after k\n")
        assert recv_until(tls, b"after k\n").endswith(b"after k\n")
        assert key_updates(events) == ["read"]
        assert not any(isinstance(e, KeyUpdated) and e.requested for e in events)
        server.send(b"K\n")
        server.wait_for_output("(?s)write server key update.*write server key update")
        server.send(b"after K\n")
        assert recv_until(tls, b"after K\n").endswith(b"after K\n")
        assert key_updates(events) == ["read", "read", "write"], events
        tls.sendall(b"new keys from glasstls\n")  # sealed with our updated keys
        server.wait_for_output("new keys from glasstls")


def test_glasstls_client_sends_close_notify(pki: TestPKI) -> None:
    with s_server(pki) as server:
        tls = glasstls_connect(server.port, client_config(pki))
        tls.sendall(b"bye\n")
        assert recv_exactly(tls, 4) == b"eyb\n"
        tls.close()
        server.wait_for_output("SSL3 alert read:warning:close notify")


def test_glasstls_client_peer_sends_close_notify(pki: TestPKI) -> None:
    with s_server(pki) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"CLOSE\n")  # s_server -rev: close the connection
        assert tls.recv() == b""
        assert tls.close_notify_received
        assert ConnectionClosed(clean=True) in events
        server.wait_for_output("SSL3 alert write:warning:close notify")


def test_glasstls_client_one_mib_lines(pki: TestPKI) -> None:
    data = line_payload()
    with s_server(pki, "rsa") as server, glasstls_connect(server.port, client_config(pki)) as tls:
        echo_exchange(tls, data, reversed_lines(data))


def test_glasstls_client_rejects_wrong_host_name(pki: TestPKI) -> None:
    with s_server(pki) as server:
        with pytest.raises(BadCertificate, match=r"wrong\.example"):
            glasstls_connect(server.port, client_config(pki), server_name="wrong.example")
        server.wait_for_output("SSL3 alert read:fatal:bad certificate")


def test_glasstls_client_rejects_untrusted_ca(pki: TestPKI, peer_pki: PeerPki) -> None:
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root))  # another root: not the test PKI's
    with s_server(pki) as server:
        with pytest.raises(TLSError) as info:
            glasstls_connect(server.port, config)
        assert info.value.alert == AlertDescription.UNKNOWN_CA, info.value
        server.wait_for_output("SSL3 alert read:fatal:unknown CA")


# ================================================================== s_client -> glasstls server


def s_client(
    port: int,
    pki: TestPKI,
    *args: StrPath,
    stdin: bytes = b"",
    brief: bool = True,
    ign_eof: bool = True,
    server_name: str = "localhost",
    cafile: StrPath | None = None,
) -> PeerResult:
    """``openssl s_client -state`` against the glasstls server: sends ``stdin``, then (``ign_eof``) reads until
    the server closes, or (not ``ign_eof``) closes with close_notify at the end of its input. Tests where the
    handshake fails send nothing: the harness would fail writing to a client that already exited."""
    assert pki.files is not None
    return run_openssl_client(
        port,
        cafile=cafile or pki.files.root,
        servername=server_name,
        brief=brief,
        ign_eof=ign_eof,
        extra_args=["-state", *args],
        stdin=stdin,
    )


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_server_suite(pki: TestPKI, suite: Suite) -> None:
    with glasstls_server(server_config(pki), echo_n_handler(6)) as server:
        result = s_client(server.port, pki, "-ciphersuites", suite.openssl, stdin=b"suite\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite
    assert f"Ciphersuite: {suite.openssl}" in result.output
    assert b"suite\n" in result.stdout


@pytest.mark.parametrize("group", group_params())
def test_glasstls_server_group(pki: TestPKI, group: Group) -> None:
    """s_client offers (and sends a share for) one group; the glasstls server takes it without a retry."""
    skip_unless_openssl_group(group)
    with glasstls_server(server_config(pki), echo_n_handler(6)) as server:
        result = s_client(server.port, pki, "-groups", group.openssl, stdin=b"group\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (group.group, False)
    assert f"Server Temp Key: {group.openssl_temp_key}" in result.output


@pytest.mark.parametrize(("kind", "signature_type"), [("ecdsa", "ECDSA"), ("rsa", "RSA-PSS"), ("ed25519", "ed25519")])
def test_glasstls_server_certificate_kind(pki: TestPKI, kind: str, signature_type: str) -> None:
    with glasstls_server(server_config(pki, (kind,)), echo_n_handler(5)) as server:
        result = s_client(server.port, pki, stdin=b"cert\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
    assert f"Signature type: {signature_type}" in result.output
    assert "Verification: OK" in result.output


@pytest.mark.parametrize(
    ("sigalgs", "scheme"),
    [
        ("rsa_pss_rsae_sha384", SignatureScheme.RSA_PSS_RSAE_SHA384),
        ("ecdsa_secp256r1_sha256", SignatureScheme.ECDSA_SECP256R1_SHA256),
        ("ed25519", SignatureScheme.ED25519),
    ],
)
def test_glasstls_server_chain_by_signature_algorithms(pki: TestPKI, sigalgs: str, scheme: SignatureScheme) -> None:
    """One glasstls server with ECDSA, RSA and Ed25519 chains; the client's signature_algorithms decide."""
    with glasstls_server(server_config(pki, CERT_KINDS), echo_n_handler(3)) as server:
        result = s_client(server.port, pki, "-sigalgs", sigalgs, stdin=b"ok\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme == scheme
    assert "Verification: OK" in result.output


def test_glasstls_server_hello_retry_request(pki: TestPKI) -> None:
    """s_client sends only an x25519 share (its first group); the glasstls server accepts secp384r1 (and
    secp256r1, which the client does not offer) and asks for a secp384r1 share."""
    config = server_config(pki, groups=(NamedGroup.SECP384R1, NamedGroup.SECP256R1))
    with glasstls_server(config, echo_n_handler(4)) as server:
        result = s_client(server.port, pki, "-groups", "X25519:P-384", stdin=b"hrr\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.hello_retry_request
    assert session.negotiated.group == NamedGroup.SECP384R1
    assert "Server Temp Key: ECDH, secp384r1, 384 bits" in result.output
    assert result.output.count("SSL_connect:SSLv3/TLS write client hello") >= 2, result.output


def test_glasstls_server_alpn(pki: TestPKI) -> None:
    """The server chooses by its own preference among what the client offers."""
    with glasstls_server(server_config(pki, alpn_protocols=("h2", "http/1.1")), echo_n_handler(5)) as server:
        result = s_client(server.port, pki, "-alpn", "http/1.1,h2", stdin=b"alpn\n", brief=False).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "h2"
    assert "ALPN protocol: h2" in result.output


def test_glasstls_server_alpn_no_overlap(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2",))) as server:
        result = s_client(server.port, pki, "-alpn", "glasstls-test")
        session = server.session()
    assert isinstance(session.error, NoApplicationProtocol), session.error
    assert result.returncode != 0
    assert "SSL3 alert read:fatal:no application protocol" in result.output


def test_glasstls_server_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    with glasstls_server(mtls_server_config(pki), echo_n_handler(5)) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            certfile=pki.files.client.cert,
            keyfile=pki.files.client.key,
            stdin=b"mtls\n",
        ).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.peer_certificates[0] == pki.client.certificate
    assert session.negotiated.verified_chain is not None
    assert b"mtls\n" in result.stdout


def test_glasstls_server_requires_client_certificate(pki: TestPKI) -> None:
    with glasstls_server(mtls_server_config(pki)) as server:
        result = s_client(server.port, pki)
        session = server.session()
    assert isinstance(session.error, CertificateRequired), session.error
    assert "tlsv13 alert certificate required" in result.output


def test_glasstls_server_initiates_key_update(pki: TestPKI) -> None:
    def handler(tls: TLSSocket, session: ServerSession) -> None:
        session.received += recv_until(tls, b"one\n")
        tls.key_update(request_peer=True)
        tls.sendall(b"updated\n")
        session.received += recv_until(tls, b"two\n")
        tls.sendall(b"bye\n")

    assert pki.files is not None
    with (
        glasstls_server(server_config(pki), handler) as server,
        s_client_process(server.port, pki.files.root) as client,
    ):
        wait_output(client, "CONNECTION ESTABLISHED")
        client.send(b"one\n")
        wait_output(client, "updated")
        client.send(b"two\n")
        wait_output(client, "bye")
        session = server.session().check()
    # Ours, then OpenSSL's answer to update_requested (it arrives before "two").
    assert key_updates(session.events) == ["write", "read"], session.events
    assert session.received == b"one\ntwo\n"


def test_glasstls_server_peer_initiates_key_update(pki: TestPKI) -> None:
    """s_client's command letters: "k" sends KeyUpdate, "K" one with update_requested."""
    assert pki.files is not None
    with glasstls_server(server_config(pki)) as server, s_client_process(server.port, pki.files.root) as client:
        wait_output(client, "CONNECTION ESTABLISHED")
        client.send(b"first\n")
        wait_output(client, "first\n")
        client.send(b"k\n")
        wait_output(client, "KEYUPDATE")  # s_client drops the rest of a stdin read that began with a command
        client.send(b"second\n")
        wait_output(client, "second\n")
        client.send(b"K\n")
        wait_output(client, "(?s)KEYUPDATE.*KEYUPDATE")
        client.send(b"third\n")
        wait_output(client, "third\n")  # echoed under the glasstls server's updated keys
        client.close_stdin()  # s_client: end of input -> close_notify
        session = server.session().check()
    assert key_updates(session.events) == ["read", "read", "write"], session.events
    assert [e.requested for e in session.events if isinstance(e, KeyUpdated)] == [False, False, False]
    assert session.received == b"first\nsecond\nthird\n"
    assert session.clean_close


def test_glasstls_server_peer_sends_close_notify(pki: TestPKI) -> None:
    """s_client (without -ign_eof) sends close_notify at the end of its input."""
    with glasstls_server(server_config(pki)) as server:
        result = s_client(server.port, pki, stdin=b"bye\n", ign_eof=False).check()
        session = server.session().check()
    assert session.clean_close
    assert session.received == b"bye\n"
    assert "SSL3 alert write:warning:close notify" in result.output


def test_glasstls_server_sends_close_notify(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki), echo_n_handler(4)) as server:
        result = s_client(server.port, pki, stdin=b"bye\n").check()
        server.session().check()
    assert "SSL3 alert read:warning:close notify" in result.output


def test_glasstls_server_one_mib(pki: TestPKI) -> None:
    data = line_payload()
    with glasstls_server(server_config(pki, ("rsa",)), echo_n_handler(len(data))) as server:
        result = s_client(server.port, pki, stdin=data).check()
        session = server.session().check()
    assert session.received == data
    assert data in result.stdout


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "alert", "printed"),
    [
        pytest.param("wrong.example", False, AlertDescription.BAD_CERTIFICATE, "bad certificate", id="wrong-host"),
        pytest.param("localhost", True, AlertDescription.UNKNOWN_CA, "unknown CA", id="untrusted-ca"),
    ],
)
def test_glasstls_server_certificate_rejected_by_peer(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, alert: AlertDescription, printed: str
) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = s_client(server.port, pki, server_name=server_name, cafile=peer_pki.root if use_peer_root else None)
        session = server.session()
    assert result.returncode != 0
    assert f"SSL3 alert write:fatal:{printed}" in result.output
    assert isinstance(session.error, AlertReceived) and session.error.description == alert, session.error
