"""X25519MLKEM768 (the hybrid post-quantum group, draft-ietf-tls-ecdhe-mlkem) against a real OpenSSL that has it.

Debian's OpenSSL 3.0, GnuTLS 3.7 and Python's ssl (linked to the system OpenSSL) lack ML-KEM. pyca
`cryptography` wheels bundle a recent OpenSSL (4.x here), and pyOpenSSL drives that library's TLS stack: a real
OpenSSL peer, in process, over a real TCP socket on 127.0.0.1. OpenSSL 3.5+ puts X25519MLKEM768 first in its
default groups, so the peer needs no configuration to prefer it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from glasstls.config import ClientConfig, ServerConfig
from glasstls.io.server import TLSServer
from glasstls.io.sync import connect
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from handshake_pair import chain_of, pki, server_credential

SSL = pytest.importorskip("OpenSSL.SSL", reason="pyOpenSSL (test extra) drives the bundled OpenSSL")
crypto = pytest.importorskip("OpenSSL.crypto")

pytestmark = pytest.mark.interop

TIMEOUT = 10.0
HYBRID = NamedGroup.X25519MLKEM768


def _openssl_has_mlkem() -> bool:
    version = SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode()
    major, minor = (int(x) for x in version.split()[1].split(".")[:2])
    return (major, minor) >= (3, 5)


if not _openssl_has_mlkem():  # pragma: no cover - depends on the cryptography wheel
    pytest.skip("the OpenSSL bundled with cryptography predates ML-KEM (3.5)", allow_module_level=True)


def _server_context() -> object:
    ic = server_credential("ecdsa-p256")
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
    ctx.use_certificate(ic.certificate)
    for cert in ic.chain:
        ctx.add_extra_chain_cert(cert)
    ctx.use_privatekey(ic.key)
    return ctx


@contextmanager
def openssl_echo_server() -> Iterator[tuple[int, dict[str, str]]]:
    """One connection: handshake, echo one read upper-cased, close. Reports the group OpenSSL negotiated."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    seen: dict[str, str] = {}

    def serve() -> None:
        try:
            raw, _ = listener.accept()
            raw.settimeout(None)  # pyOpenSSL needs a blocking socket (a timeout makes it raise WantReadError)
            conn = SSL.Connection(_server_context(), raw)
            conn.set_accept_state()
            conn.do_handshake()
            seen["group"] = conn.get_group_name() or ""
            seen["version"] = conn.get_protocol_version_name()
            conn.sendall(conn.recv(1024).upper())
            conn.shutdown()
            raw.close()
        except Exception as e:  # reported through `seen`, asserted by the test
            seen["error"] = repr(e)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        thread.join(TIMEOUT)
        listener.close()


def test_glasstls_client_with_the_hybrid_key_share() -> None:
    config = ClientConfig(trust=pki().trust_store(), groups=(HYBRID,), key_share_groups=(HYBRID,))
    with openssl_echo_server() as (port, seen), connect("127.0.0.1", port, config, server_name="localhost") as tls:
        assert tls.negotiated is not None
        assert tls.negotiated.version == ProtocolVersion.TLS13 and tls.negotiated.group == HYBRID
        tls.sendall(b"post-quantum hello")
        assert tls.recv(100) == b"POST-QUANTUM HELLO"
    assert seen.get("group") == "X25519MLKEM768", seen
    assert "error" not in seen


def test_glasstls_client_is_asked_for_the_hybrid_share_by_hello_retry() -> None:
    """We send an x25519 share but list the hybrid first; OpenSSL prefers the hybrid and may ask for it."""
    config = ClientConfig(
        trust=pki().trust_store(), groups=(HYBRID, NamedGroup.X25519), key_share_groups=(NamedGroup.X25519,)
    )
    with openssl_echo_server() as (port, seen), connect("127.0.0.1", port, config, server_name="localhost") as tls:
        assert tls.negotiated is not None
        tls.sendall(b"x")
        assert tls.recv(10) == b"X"
        group = tls.negotiated.group
        assert group in (HYBRID, NamedGroup.X25519)
        assert tls.negotiated.hello_retry_request == (group == HYBRID)
    assert seen.get("group") in ("X25519MLKEM768", "x25519"), seen


def test_openssl_client_negotiates_the_hybrid_with_the_glasstls_server() -> None:
    config = ServerConfig(certificates=(chain_of(server_credential("ecdsa-p256")),), groups=(HYBRID, NamedGroup.X25519))
    with TLSServer("127.0.0.1", 0, config, handshake_timeout=TIMEOUT) as server:
        port = server.address[1]
        results: dict[str, object] = {}

        def accept() -> None:
            tls, _ = server.accept()
            with tls:
                results["negotiated"] = tls.negotiated
                tls.sendall(tls.recv(100).upper())

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        ctx = SSL.Context(SSL.TLS_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
        ctx.set_verify(SSL.VERIFY_PEER)
        store = ctx.get_cert_store()
        assert store is not None
        store.add_cert(crypto.X509.from_cryptography(pki().root.certificate))
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        raw.settimeout(None)  # see above; the glasstls server side has its own timeouts
        conn = SSL.Connection(ctx, raw)
        conn.set_tlsext_host_name(b"localhost")
        conn.set_connect_state()
        conn.do_handshake()
        assert conn.get_group_name() == "X25519MLKEM768"
        conn.sendall(b"hybrid")
        assert conn.recv(100) == b"HYBRID"
        conn.shutdown()
        raw.close()
        thread.join(TIMEOUT)
    negotiated = results["negotiated"]
    assert getattr(negotiated, "group", None) == HYBRID
