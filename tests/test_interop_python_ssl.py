"""Live interop with Python's ``ssl`` module (OpenSSL underneath) on 127.0.0.1, in both directions.

The Python peers report what they negotiated themselves: the server's ``.sessions`` (version, cipher, ALPN,
client certificate, and the exception text when something failed), the client's ``PythonClientResult``.

Limits of the ``ssl`` API, and what we do instead:

* TLS 1.3 cipher suites cannot be set from Python: the glasstls side offers (or accepts) only one suite and
  the Python peer reports it.
* Groups: ``SSLContext.set_ecdh_curve`` restricts the peer to one group (OpenSSL's SSL_CTX_set1_groups).
  ``X25519MLKEM768`` has no curve name there; it is in OpenSSL's default groups from 3.5 on.
* The Python peer cannot initiate a KeyUpdate (no API); it answers ours.
* ``ssl`` reports a clean close only indirectly: ``unwrap()`` succeeds after the peer's close_notify and fails
  (``SHUTDOWN_WHILE_IN_INIT``) after a bare EOF; a client made with ``suppress_ragged_eofs=False`` raises on a
  bare EOF instead of returning ``b""``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
from collections.abc import Sequence

import pytest

from glasstls.config import ClientConfig
from glasstls.errors import AlertReceived, BadCertificate, CertificateRequired, NoApplicationProtocol, TLSError
from glasstls.events import ConnectionClosed
from glasstls.io.sync import TLSSocket
from glasstls.pki.testpki import TestPKI
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, NamedGroup
from interop_helpers import (
    CERT_KINDS,
    ONE_MIB,
    SCHEMES_FOR_KIND,
    TEST_TIMEOUT,
    Group,
    ServerSession,
    Suite,
    chain,
    client_config,
    creds,
    echo_exchange,
    echo_n_handler,
    glasstls_connect,
    glasstls_server,
    group_params,
    key_updates,
    mtls_server_config,
    recv_exactly,
    recv_until,
    server_config,
    spy_events,
    suite_params,
)
from peers import (
    PEER_TIMEOUT,
    PeerPki,
    PythonClientResult,
    PythonSession,
    PythonSSLServer,
    in_background,
    python_ssl_server,
    run_python_ssl_client,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]


def skip_unless_python_group(group: Group) -> None:
    """Skip (never fail, even under CI) when Python's OpenSSL lacks ``group``."""
    if group.python is None and ssl.OPENSSL_VERSION_INFO < (3, 5):
        pytest.skip(
            f"peer version lacks the algorithm: Python's ssl uses {ssl.OPENSSL_VERSION}, which has no "
            f"{group.group.name} (OpenSSL 3.5 added it)"
        )


def server_context(pki: TestPKI, kind: str = "ecdsa", *, curve: str | None = None) -> ssl.SSLContext:
    files = creds(pki, kind)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(files.cert, files.key)
    if curve is not None:
        context.set_ecdh_curve(curve)
    return context


def client_context(pki: TestPKI, *, curve: str | None = None, alpn: Sequence[str] = ()) -> ssl.SSLContext:
    assert pki.files is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_verify_locations(pki.files.root)
    if curve is not None:
        context.set_ecdh_curve(curve)
    if alpn:
        context.set_alpn_protocols(list(alpn))
    return context


def py_server(
    pki: TestPKI, kind: str = "ecdsa", **kwargs: object
) -> contextlib.AbstractContextManager[PythonSSLServer]:
    files = creds(pki, kind)
    return python_ssl_server(files.cert, files.key, **kwargs)  # type: ignore[arg-type]


def echo_then_unwrap(tls: ssl.SSLSocket, session: PythonSession) -> None:
    """Echo until the client closes; ``error`` tells whether it closed with close_notify."""
    while data := tls.recv(65536):
        session.received += data
        tls.sendall(data)
    try:
        tls.unwrap()
    except (OSError, ssl.SSLError) as exc:
        session.error = f"no close_notify from the client: {type(exc).__name__}: {exc}"


def one_session(server: PythonSSLServer) -> PythonSession:
    (session,) = server.wait_for_sessions(1)
    return session


# ============================================================== glasstls client -> Python server


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_client_suite(pki: TestPKI, suite: Suite) -> None:
    config = client_config(pki, cipher_suites=(suite.suite,))
    with py_server(pki) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.cipher_suite == suite.suite
            echo_exchange(tls, b"suite")
        session = one_session(server)
    assert (session.version, session.cipher, session.error) == ("TLSv1.3", suite.openssl, None)


@pytest.mark.parametrize("group", group_params())
def test_glasstls_client_group(pki: TestPKI, group: Group) -> None:
    """The Python server allows one group; glasstls sends a share for it first."""
    skip_unless_python_group(group)
    config = client_config(pki, key_share_groups=(group.group,))
    with python_ssl_server("-", "-", context=server_context(pki, curve=group.python)) as server:
        with glasstls_connect(server.port, config) as tls:
            assert (tls.negotiated.group, tls.negotiated.hello_retry_request) == (group.group, False)
            echo_exchange(tls, b"group")
        session = one_session(server)
    assert (session.version, session.error, session.received) == ("TLSv1.3", None, b"group")


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_client_certificate_kind(pki: TestPKI, kind: str) -> None:
    with py_server(pki, kind) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
            assert tls.negotiated.peer_certificates[0] == chain(pki, kind).leaf
            echo_exchange(tls, b"cert")
        assert one_session(server).error is None


def test_glasstls_client_hello_retry_request(pki: TestPKI) -> None:
    config = client_config(pki, key_share_groups=(NamedGroup.X25519,))
    with python_ssl_server("-", "-", context=server_context(pki, curve="secp384r1")) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.hello_retry_request
            assert tls.negotiated.group == NamedGroup.SECP384R1
            echo_exchange(tls, b"hrr")
        assert one_session(server).error is None


def test_glasstls_client_alpn(pki: TestPKI) -> None:
    config = client_config(pki, alpn_protocols=("glasstls-test", "http/1.1"))
    with py_server(pki, alpn=["h2", "http/1.1"]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.alpn_protocol == "http/1.1"
            echo_exchange(tls, b"alpn")
        session = one_session(server)
    assert (session.alpn, session.server_name) == ("http/1.1", "localhost")


def test_glasstls_client_alpn_no_overlap(pki: TestPKI) -> None:
    """CPython's server ignores an ALPN mismatch (it selects nothing, no alert); glasstls then has no ALPN."""
    config = client_config(pki, alpn_protocols=("glasstls-test",))
    with py_server(pki, alpn=["h2"]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.alpn_protocol is None
            echo_exchange(tls, b"none")
        session = one_session(server)
    assert (session.alpn, session.error) == (None, None)


def test_glasstls_client_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    config = client_config(pki, client_certificate=chain(pki, "client"))
    with py_server(pki, client_ca=pki.files.root) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.client_certificate_requested
            echo_exchange(tls, b"mtls")
        session = one_session(server)
    assert session.error is None
    assert session.peer_certificate == pki.client.der


def test_glasstls_client_without_certificate_is_refused(pki: TestPKI) -> None:
    assert pki.files is not None
    with py_server(pki, client_ca=pki.files.root) as server:
        tls = glasstls_connect(server.port, client_config(pki))  # our side of the handshake completes
        with tls, pytest.raises(AlertReceived) as info:
            tls.recv()
        assert info.value.description == AlertDescription.CERTIFICATE_REQUIRED
        session = one_session(server)
    assert session.error is not None and "PEER_DID_NOT_RETURN_A_CERTIFICATE" in session.error


def test_glasstls_client_initiates_key_update(pki: TestPKI) -> None:
    with py_server(pki) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            events = spy_events(tls)
            echo_exchange(tls, b"before")
            tls.key_update(request_peer=True)
            echo_exchange(tls, b"after")
            tls.key_update(request_peer=False)
            echo_exchange(tls, b"again")
            assert key_updates(events) == ["write", "read", "write"], events
        session = one_session(server)
    assert (session.error, session.received) == (None, b"beforeafteragain")


def test_glasstls_client_sends_close_notify(pki: TestPKI) -> None:
    with py_server(pki, handler=echo_then_unwrap) as server:
        tls = glasstls_connect(server.port, client_config(pki))
        echo_exchange(tls, b"bye")
        tls.close()
        session = one_session(server)
    assert session.error is None  # unwrap() completed: our close_notify arrived


def test_glasstls_client_bare_eof_is_not_a_clean_close(pki: TestPKI) -> None:
    """The negative control of the test above: the same server notices a close without close_notify."""
    with py_server(pki, handler=echo_then_unwrap) as server:
        tls = glasstls_connect(server.port, client_config(pki))
        echo_exchange(tls, b"bye")
        tls.socket.close()
        session = one_session(server)
    assert session.error is not None and "no close_notify" in session.error


def test_glasstls_client_peer_sends_close_notify(pki: TestPKI) -> None:
    def send_then_close(tls: ssl.SSLSocket, session: PythonSession) -> None:
        session.received = tls.recv(100)
        tls.sendall(b"closing now")
        tls.unwrap()  # close_notify, then wait for the client's

    with py_server(pki, handler=send_then_close) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            events = spy_events(tls)
            tls.sendall(b"hi")
            assert recv_exactly(tls, 11) == b"closing now"
            assert tls.recv() == b""
            assert tls.close_notify_received
            assert ConnectionClosed(clean=True) in events
        session = one_session(server)
    assert session.error is None  # its unwrap() completed: our close_notify answered


def test_glasstls_client_one_mib_echo(pki: TestPKI) -> None:
    data = os.urandom(ONE_MIB)
    with py_server(pki, "rsa") as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            echo_exchange(tls, data)
        session = one_session(server)
    assert session.received == data


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "error", "printed"),
    [
        pytest.param("wrong.example", False, BadCertificate, "SSLV3_ALERT_BAD_CERTIFICATE", id="wrong-host"),
        pytest.param("localhost", True, TLSError, "TLSV1_ALERT_UNKNOWN_CA", id="untrusted-ca"),
    ],
)
def test_glasstls_client_rejects_server_certificate(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, error: type[TLSError], printed: str
) -> None:
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root)) if use_peer_root else client_config(pki)
    with py_server(pki) as server:
        with pytest.raises(error) as info:
            glasstls_connect(server.port, config, server_name=server_name)
        expected = AlertDescription.UNKNOWN_CA if use_peer_root else AlertDescription.BAD_CERTIFICATE
        assert info.value.alert == expected, info.value
        session = one_session(server)
    assert session.error is not None and printed in session.error, session.error


# ============================================================== Python client -> glasstls server


def py_client(port: int, pki: TestPKI, **kwargs: object) -> PythonClientResult:
    assert pki.files is not None
    kwargs.setdefault("cafile", pki.files.root)
    return run_python_ssl_client(port, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_server_suite(pki: TestPKI, suite: Suite) -> None:
    with glasstls_server(server_config(pki, cipher_suites=(suite.suite,))) as server:
        result = py_client(server.port, pki, send=b"suite", read=5)
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite
    assert (result.version, result.cipher, result.received) == ("TLSv1.3", suite.openssl, b"suite")


@pytest.mark.parametrize("group", group_params())
def test_glasstls_server_group(pki: TestPKI, group: Group) -> None:
    """The Python client offers one group (its key share); glasstls takes it without a retry."""
    skip_unless_python_group(group)
    context = client_context(pki, curve=group.python)
    with glasstls_server(server_config(pki)) as server:
        result = py_client(server.port, pki, context=context, send=b"group", read=5)
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (group.group, False)
    assert result.received == b"group"


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_server_certificate_kind(pki: TestPKI, kind: str) -> None:
    with glasstls_server(server_config(pki, (kind,))) as server:
        result = py_client(server.port, pki, send=b"cert", read=4)
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
    assert result.peer_certificate == chain(pki, kind).der_chain()[0]


def test_glasstls_server_hello_retry_request(pki: TestPKI) -> None:
    """Python's client sends one x25519 share (OpenSSL's default); the glasstls server accepts only secp384r1."""
    config = server_config(pki, groups=(NamedGroup.SECP384R1,))
    with glasstls_server(config) as server:
        result = py_client(server.port, pki, send=b"hrr", read=3)
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.hello_retry_request
    assert session.negotiated.group == NamedGroup.SECP384R1
    assert result.received == b"hrr"


def test_glasstls_server_alpn(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2", "http/1.1"))) as server:
        result = py_client(server.port, pki, alpn=["http/1.1", "h2"], send=b"alpn", read=4)
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "h2"
    assert result.alpn == "h2"


def test_glasstls_server_alpn_no_overlap(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2",))) as server:
        with pytest.raises(ssl.SSLError, match="alert no application protocol"):
            py_client(server.port, pki, alpn=["glasstls-test"], send=b"x", read=1)
        session = server.session()
    assert isinstance(session.error, NoApplicationProtocol), session.error


def test_glasstls_server_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files.client
    with glasstls_server(mtls_server_config(pki)) as server:
        result = py_client(server.port, pki, certfile=files.cert, keyfile=files.key, send=b"mtls", read=4)
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.peer_certificates[0] == pki.client.certificate
    assert result.received == b"mtls"


def test_glasstls_server_requires_client_certificate(pki: TestPKI) -> None:
    with glasstls_server(mtls_server_config(pki)) as server:
        # TLS 1.3: the client's handshake is done before the server's verdict; the alert arrives on read.
        with pytest.raises(ssl.SSLError, match="CERTIFICATE_REQUIRED"):
            py_client(server.port, pki, send=b"x", read=1)
        session = server.session()
    assert isinstance(session.error, CertificateRequired), session.error


def test_glasstls_server_initiates_key_update(pki: TestPKI) -> None:
    def handler(tls: TLSSocket, session: ServerSession) -> None:
        session.received += recv_until(tls, b"one")
        tls.key_update(request_peer=True)
        tls.sendall(b"updated")
        session.received += recv_until(tls, b"two")
        tls.sendall(b"bye")

    def client(port: int) -> bytes:
        context = client_context(pki)
        with (
            socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"one")
            got = tls.recv(7)
            tls.sendall(b"two")  # OpenSSL sends its answering KeyUpdate first
            return got + tls.recv(3)

    with glasstls_server(server_config(pki), handler) as server:
        assert client(server.port) == b"updatedbye"
        session = server.session().check()
    assert key_updates(session.events) == ["write", "read"], session.events
    assert session.received == b"onetwo"


def test_glasstls_server_peer_sends_close_notify(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = py_client(server.port, pki, send=b"bye", read=3)  # then unwrap(): close_notify
        session = server.session().check()
    assert result.received == b"bye"
    assert session.clean_close


def read_to_close(port: int, pki: TestPKI, send: bytes) -> bytes:
    """A Python client that treats a bare EOF as an error (``suppress_ragged_eofs=False``): it reads until
    the server's close_notify, then answers it."""
    context = client_context(pki)
    received = bytearray()
    with (
        socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as tls,
    ):
        tls.sendall(send)
        while chunk := tls.recv(65536):  # SSLEOFError on a bare EOF
            received += chunk
        tls.unwrap()
    return bytes(received)


def test_glasstls_server_sends_close_notify(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki), echo_n_handler(3)) as server:
        assert read_to_close(server.port, pki, b"bye") == b"bye"
        server.session().check()


def test_glasstls_server_bare_eof_is_not_a_clean_close(pki: TestPKI) -> None:
    """The negative control of the test above: the same client notices a close without close_notify."""

    def drop(tls: TLSSocket, session: ServerSession) -> None:
        session.received = recv_exactly(tls, 3)
        tls.sendall(b"bye")
        tls.socket.shutdown(socket.SHUT_RDWR)

    with glasstls_server(server_config(pki), drop) as server:
        with pytest.raises(ssl.SSLEOFError):
            read_to_close(server.port, pki, b"bye")
        server.session()


def test_glasstls_server_one_mib(pki: TestPKI) -> None:
    data = os.urandom(ONE_MIB)

    def read_all_then_echo(tls: TLSSocket, session: ServerSession) -> None:
        # The Python client sends everything before it reads: echo once all has arrived (no TCP deadlock).
        session.received = recv_exactly(tls, len(data))
        tls.sendall(session.received)
        while tls.recv():
            pass

    with glasstls_server(server_config(pki, ("rsa",)), read_all_then_echo) as server:
        result = py_client(server.port, pki, send=data, read=len(data))
        session = server.session().check()
    assert session.received == data
    assert result.received == data
    assert session.clean_close


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "alert"),
    [
        pytest.param("wrong.example", False, AlertDescription.BAD_CERTIFICATE, id="wrong-host"),
        pytest.param("localhost", True, AlertDescription.UNKNOWN_CA, id="untrusted-ca"),
    ],
)
def test_glasstls_server_certificate_rejected_by_peer(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, alert: AlertDescription
) -> None:
    with glasstls_server(server_config(pki)) as server:
        cafile = peer_pki.root if use_peer_root else None
        trust = {"cafile": cafile} if cafile else {}
        client = in_background(py_client, server.port, pki, server_name=server_name, **trust)
        with pytest.raises(ssl.SSLCertVerificationError):
            client.result(PEER_TIMEOUT)
        session = server.session()
    assert isinstance(session.error, AlertReceived) and session.error.description == alert, session.error
