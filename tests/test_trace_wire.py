"""The trace against the wire (issue 10): the handshake messages glasstls's trace lists (type, direction,
length) are the ones a real peer logged (``openssl s_server -msg``), once each and in order; and each side's
step times never go backwards.

One TLS 1.3 connection with a HelloRetryRequest (we offer a key share for X25519 only, s_server accepts only
P-256), client authentication, s_server's two tickets, KeyUpdate both ways (update_requested: OpenSSL answers
with its own) and close_notify; one TLS 1.2 connection with client authentication.
"""

from __future__ import annotations

import itertools
import re

from glasstls.config import CertificateChain
from glasstls.pki.testpki import TestPKI
from glasstls.trace.events import TraceEvent
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from interop_helpers import client_config, creds, glasstls_connect, recv_exactly
from peers import ProcessServer, openssl_server

#: s_server -msg names -> glasstls's message names (HandshakeType).
_OPENSSL_NAMES = {
    "ClientHello": "CLIENT_HELLO",
    "ServerHello": "SERVER_HELLO",
    "HelloRetryRequest": "HELLO_RETRY_REQUEST",
    "EncryptedExtensions": "ENCRYPTED_EXTENSIONS",
    "Certificate": "CERTIFICATE",
    "CertificateRequest": "CERTIFICATE_REQUEST",
    "CertificateVerify": "CERTIFICATE_VERIFY",
    "Finished": "FINISHED",
    "NewSessionTicket": "NEW_SESSION_TICKET",
    "KeyUpdate": "KEY_UPDATE",
    "ServerKeyExchange": "SERVER_KEY_EXCHANGE",
    "ServerHelloDone": "SERVER_HELLO_DONE",
    "ClientKeyExchange": "CLIENT_KEY_EXCHANGE",
}
_LINE = re.compile(r"^(<<<|>>>) (?:TLS|SSL) [0-9.]+, Handshake \[length ([0-9a-f]+)\], (\w+)", re.M)
_SUMMARY = re.compile(r"^(sent|received) (\w+) \((\d+) bytes\)$")


def _peer_messages(output: str) -> list[tuple[str, str, int]]:
    """(type, direction as the client sees it, length) from s_server's -msg lines (<<< received, >>> sent)."""
    out = []
    for arrow, length, name in _LINE.findall(output):
        direction = "sent" if arrow == "<<<" else "received"  # the server received what the client sent
        out.append((_OPENSSL_NAMES.get(name, name), direction, int(length, 16)))
    return out


def _trace_messages(trace: list[TraceEvent]) -> list[tuple[str, str, int]]:
    out = []
    for event in trace:
        if event.kind in ("message_sent", "message_received"):
            match = _SUMMARY.match(event.summary)
            assert match is not None, event.summary
            name = str(event.details.get("type", match.group(2)))
            out.append((name, match.group(1), int(match.group(3))))
    return out


def _assert_monotonic(trace: list[TraceEvent]) -> None:
    for before, after in itertools.pairwise(trace):
        assert after.duration >= 0 and after.time >= before.time + before.duration - 1e-9, (before, after)


def _client_chain(pki: TestPKI) -> CertificateChain:
    return CertificateChain((pki.client.certificate, *pki.client.chain), pki.client.key)


def _finish(server: ProcessServer, expected_count: int) -> list[tuple[str, str, int]]:
    """Wait until s_server has logged ``expected_count`` handshake messages, then compare."""
    for _ in range(50):
        peer = _peer_messages(server.output())
        if len(peer) >= expected_count:
            break
        server.process.wait(0.1)
    return _peer_messages(server.output())


def test_tls13_trace_matches_openssl_msg(pki: TestPKI) -> None:
    assert pki.files is not None
    files = creds(pki, "ecdsa")
    extra = ["-msg", "-groups", "P-256", "-rev"]
    with openssl_server(
        files.cert, files.key, mode="interactive", client_ca=pki.files.root, extra_args=extra
    ) as server:
        config = client_config(
            pki,
            groups=(NamedGroup.X25519, NamedGroup.SECP256R1),
            key_share_groups=(NamedGroup.X25519,),
            client_certificate=_client_chain(pki),
        )
        with glasstls_connect(server.port, config) as tls:
            tls.sendall(b"before\n")
            assert recv_exactly(tls, 7) == b"erofeb\n"  # the tickets came before the reply
            tls.key_update(request_peer=True)
            tls.sendall(b"after\n")
            assert recv_exactly(tls, 6) == b"retfa\n"  # OpenSSL's KeyUpdate answer came before it
            conn = tls.connection
            assert conn.negotiated is not None and conn.negotiated.hello_retry_request
        ours = _trace_messages(conn.trace)
        peer = _finish(server, len(ours))
    # On the wire a HelloRetryRequest is a ServerHello (RFC 8446 4.1.4); OpenSSL 3.0 logs it so.
    assert ours[1][0] == "HELLO_RETRY_REQUEST"
    wire = [("SERVER_HELLO" if name == "HELLO_RETRY_REQUEST" else name, d, n) for name, d, n in ours]
    assert wire == peer, f"\nglasstls: {ours}\nopenssl:  {peer}"
    names = [name for name, _, _ in ours]
    assert names.count("CLIENT_HELLO") == 2 and names.count("NEW_SESSION_TICKET") == 2
    assert ("KEY_UPDATE", "sent", 5) in ours and ("KEY_UPDATE", "received", 5) in ours
    _assert_monotonic(conn.trace)
    summaries = [e.summary for e in conn.trace]
    assert any("received change_cipher_spec (middlebox compatibility" in s for s in summaries)
    assert any("sent close_notify" in s for s in summaries)


def test_tls12_trace_with_client_authentication_matches_openssl_msg(pki: TestPKI) -> None:
    assert pki.files is not None
    files = creds(pki, "ecdsa")
    extra = ["-msg", "-tls1_2", "-rev"]
    with openssl_server(
        files.cert, files.key, mode="interactive", tls13_only=False, client_ca=pki.files.root, extra_args=extra
    ) as server:
        config = client_config(pki, max_version=ProtocolVersion.TLS12, client_certificate=_client_chain(pki))
        with glasstls_connect(server.port, config) as tls:
            tls.sendall(b"hello\n")
            assert recv_exactly(tls, 6) == b"olleh\n"
            conn = tls.connection
            assert conn.negotiated is not None and conn.negotiated.version == ProtocolVersion.TLS12
        ours = _trace_messages(conn.trace)
        peer = _finish(server, len(ours))
    assert ours == peer, f"\nglasstls: {ours}\nopenssl:  {peer}"
    names = [name for name, _, _ in ours]
    assert names.index("SERVER_KEY_EXCHANGE") < names.index("CERTIFICATE_REQUEST") < names.index("SERVER_HELLO_DONE")
    assert names.count("CERTIFICATE") == 2 and "CERTIFICATE_VERIFY" in names
    _assert_monotonic(conn.trace)
