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
from glasstls.connection import ServerConnection
from glasstls.io.sync import TLSSocket
from glasstls.pki.testpki import TestPKI
from glasstls.trace.events import TraceEvent
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from interop_helpers import (
    ServerSession,
    client_config,
    creds,
    echo_handler,
    glasstls_connect,
    glasstls_server,
    mtls_server_config,
    recv_exactly,
    wait_output,
)
from peers import PeerProcess, ProcessServer, StrPath, openssl_server, require_tool

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
    """(type, direction as glasstls saw it, length) from the peer's -msg lines: what the peer logged as
    received (<<<) glasstls sent, and what it sent (>>>) glasstls received."""
    out = []
    for arrow, length, name in _LINE.findall(output):
        direction = "sent" if arrow == "<<<" else "received"
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
        peer = _peer_messages(_stdout(server.process))
        if len(peer) >= expected_count:
            break
        server.process.wait(0.1)
    return _peer_messages(_stdout(server.process))


def _stdout(process: PeerProcess) -> str:
    """The peer's stdout alone (-msg writes there): stderr chunks interleaved with it could cut its lines."""
    return process.stdout_bytes().decode("utf-8", "replace")


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


def test_tls13_server_trace_matches_openssl_s_client_msg(pki: TestPKI) -> None:
    """Our server this time: s_client offers a key share for X25519 only (HelloRetryRequest for P-256), sends
    a client certificate, gets two tickets, and sends KeyUpdate with update_requested ("K")."""
    assert pki.files is not None
    connections: list[ServerConnection] = []

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        connections.append(tls.connection)  # type: ignore[arg-type]
        echo_handler(tls, session)

    config = mtls_server_config(pki, groups=(NamedGroup.SECP256R1,), session_tickets=2)
    client = creds(pki, "client")
    with glasstls_server(config, handler) as server:
        argv: list[StrPath] = [
            require_tool("openssl"),
            "s_client",
            "-connect",
            f"127.0.0.1:{server.port}",
            "-servername",
            "localhost",
            "-CAfile",
            pki.files.root,
            "-tls1_3",
            "-groups",
            "X25519:P-256",
            "-cert",
            client.cert,
            "-key",
            client.key,
            "-cert_chain",
            pki.files.intermediate,
            "-msg",
        ]
        process = PeerProcess(argv, name="openssl s_client")
        try:
            wait_output(process, "Verify return code: 0")
            process.send(b"first\n")
            wait_output(process, "\nfirst\n")
            process.send(b"K\n")
            wait_output(process, "KEYUPDATE")  # s_client drops the rest of a stdin read that began with a command
            process.send(b"second\n")
            wait_output(process, "\nsecond\n")  # echoed under our updated keys
            process.close_stdin()  # end of input: close_notify
            session = server.session().check()
            process.wait(5)
            output = _stdout(process)
        finally:
            process.stop()
    conn = connections[0]
    ours = _trace_messages(conn.trace)
    wire = [("SERVER_HELLO" if name == "HELLO_RETRY_REQUEST" else name, d, n) for name, d, n in ours]
    assert wire == _peer_messages(output), f"\nglasstls: {ours}\nopenssl:  {_peer_messages(output)}"
    names = [name for name, _, _ in ours]
    assert names.count("CLIENT_HELLO") == 2 and "HELLO_RETRY_REQUEST" in names
    assert names.count("NEW_SESSION_TICKET") == 2 and names.count("KEY_UPDATE") == 2
    assert session.clean_close
    _assert_monotonic(conn.trace)
    summaries = [e.summary for e in conn.trace]
    assert any("received change_cipher_spec (middlebox compatibility" in s for s in summaries)
    assert any("received WARNING alert CLOSE_NOTIFY" in s for s in summaries)
