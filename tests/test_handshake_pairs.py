"""TLS 1.3 client and server joined in memory: what each side negotiates, and the features around it.

Each test checks both sides (negotiated values, events, bytes on the wire), so a one-sided regression fails.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from glasstls.errors import (
    AlertReceived,
    BadCertificate,
    CertificateExpired,
    CertificateRequired,
    NoApplicationProtocol,
    TLSError,
    UnexpectedMessage,
    UnknownCA,
)
from glasstls.events import (
    AlertReceived as AlertReceivedEvent,
)
from glasstls.events import (
    ConnectionClosed,
    DataReceived,
    HandshakeComplete,
    KeyUpdated,
)
from glasstls.pki.testpki import issue_certificate
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    ContentType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import ClientHello, decode_handshake
from handshake_pair import (
    HOST,
    Pair,
    chain_of,
    client_config,
    fixed_random,
    keylog_secret,
    open_record,
    pki,
    protection,
    server_config,
    server_credential,
    split_handshake,
)

SUITES = (
    CipherSuite.TLS_AES_128_GCM_SHA256,
    CipherSuite.TLS_AES_256_GCM_SHA384,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
)
GROUPS = (
    NamedGroup.X25519,
    NamedGroup.X448,
    NamedGroup.SECP256R1,
    NamedGroup.SECP384R1,
    NamedGroup.SECP521R1,
    NamedGroup.X25519MLKEM768,
)


def assert_data_both_ways(pair: Pair) -> None:
    assert pair.transfer("client", b"ping from the client") == b"ping from the client"
    assert pair.transfer("server", b"pong from the server") == b"pong from the server"


def data_received(events: list[object]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, DataReceived))


# -- suites x groups, and each signature scheme -------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS, ids=str)
@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_every_suite_with_every_group(suite: CipherSuite, group: NamedGroup) -> None:
    pair = Pair(
        client_config(cipher_suites=(suite,), key_share_groups=(group,)),
        server_config(cipher_suites=SUITES),
    )
    client, server = pair.handshake()
    for n in (client, server):
        assert n.version == ProtocolVersion.TLS13
        assert n.cipher_suite == suite
        assert n.group == group
        assert n.signature_scheme == SignatureScheme.ECDSA_SECP256R1_SHA256
        assert n.hello_retry_request is False
    assert [HandshakeComplete(client)] == [e for e in pair.client_events if isinstance(e, HandshakeComplete)]
    assert [HandshakeComplete(server)] == [e for e in pair.server_events if isinstance(e, HandshakeComplete)]
    assert_data_both_ways(pair)


SCHEME_CASES = [
    ("ecdsa-p256", SignatureScheme.ECDSA_SECP256R1_SHA256),
    ("ecdsa-p384", SignatureScheme.ECDSA_SECP384R1_SHA384),
    ("ecdsa-p521", SignatureScheme.ECDSA_SECP521R1_SHA512),
    ("rsa-2048", SignatureScheme.RSA_PSS_RSAE_SHA256),
    ("rsa-2048", SignatureScheme.RSA_PSS_RSAE_SHA384),
    ("rsa-2048", SignatureScheme.RSA_PSS_RSAE_SHA512),
    ("ed25519", SignatureScheme.ED25519),
    ("ed448", SignatureScheme.ED448),
]


@pytest.mark.parametrize(("kind", "scheme"), SCHEME_CASES, ids=[str(s) for _, s in SCHEME_CASES])
def test_every_signature_scheme(kind: str, scheme: SignatureScheme) -> None:
    cred = server_credential(kind)  # type: ignore[arg-type]
    # The client offers only this scheme: the server must find it for its key, or fail.
    pair = Pair(client_config(signature_schemes=(scheme,)), server_config(certificates=(chain_of(cred),)))
    client, server = pair.handshake()
    assert client.signature_scheme == server.signature_scheme == scheme
    assert client.peer_certificates[0] == cred.certificate
    assert_data_both_ways(pair)


def test_a_scheme_the_certificate_cannot_make_is_handshake_failure() -> None:
    """Negative control for the scheme matrix: an ECDSA-only server and an RSA-only client do not agree."""
    pair = Pair(client_config(signature_schemes=(SignatureScheme.RSA_PSS_RSAE_SHA256,)))
    pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AlertDescription.HANDSHAKE_FAILURE
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.HANDSHAKE_FAILURE


# -- HelloRetryRequest ----------------------------------------------------------------------------------------


def _client_hellos(pair: Pair) -> list[ClientHello]:
    hellos = []
    for record in pair.wire.c2s:
        if record[0] == ContentType.HANDSHAKE:
            for raw in split_handshake(record[5:]):
                if raw[0] == HandshakeType.CLIENT_HELLO:
                    msg = decode_handshake(raw[0], raw[4:])
                    assert isinstance(msg, ClientHello)
                    hellos.append(msg)
    return hellos


@pytest.mark.parametrize("cookie", [True, False])
def test_hello_retry_request(cookie: bool) -> None:
    pair = Pair(
        client_config(key_share_groups=(NamedGroup.X25519,)),
        server_config(groups=(NamedGroup.SECP384R1,), hello_retry_cookie=cookie),
    )
    client, server = pair.handshake()
    assert client.hello_retry_request and server.hello_retry_request
    assert client.group == server.group == NamedGroup.SECP384R1
    first, second = _client_hellos(pair)
    first_shares = ext.get_extension(first.extensions, ext.KeyShareClientHello)
    second_shares = ext.get_extension(second.extensions, ext.KeyShareClientHello)
    assert first_shares and [e.group for e in first_shares.client_shares] == [NamedGroup.X25519]
    assert second_shares and [e.group for e in second_shares.client_shares] == [NamedGroup.SECP384R1]
    assert first.random == second.random and first.legacy_session_id == second.legacy_session_id
    echoed = ext.get_extension(second.extensions, ext.Cookie)
    assert ext.get_extension(first.extensions, ext.Cookie) is None
    if cookie:
        assert echoed is not None and len(echoed.cookie) > 0
    else:
        assert echoed is None
    assert_data_both_ways(pair)


# -- ALPN and SNI ----------------------------------------------------------------------------------------------


def test_alpn_server_preference_wins() -> None:
    pair = Pair(
        client_config(alpn_protocols=("http/1.1", "h2", "acme")),
        server_config(alpn_protocols=("h2", "http/1.1")),
    )
    client, server = pair.handshake()
    assert client.alpn_protocol == server.alpn_protocol == "h2"


def test_alpn_not_offered_by_the_client_is_none() -> None:
    pair = Pair(client_config(), server_config(alpn_protocols=("h2",)))
    client, server = pair.handshake()
    assert client.alpn_protocol is None and server.alpn_protocol is None


def test_alpn_without_overlap_is_no_application_protocol() -> None:
    pair = Pair(client_config(alpn_protocols=("http/1.1",)), server_config(alpn_protocols=("h2",)))
    pair.pump()
    assert isinstance(pair.server_error, NoApplicationProtocol)
    assert pair.server_error.step == "ClientHello"
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.NO_APPLICATION_PROTOCOL
    assert AlertReceivedEvent(AlertLevel.FATAL, AlertDescription.NO_APPLICATION_PROTOCOL) in pair.client_events
    assert not pair.client.handshake_complete and not pair.server.handshake_complete


def _sni_server() -> tuple[object, object, object]:
    rsa = issue_certificate(pki().intermediate, hosts=("rsa.test",), key_kind="rsa-2048", key_name="server-rsa")
    ecdsa = issue_certificate(pki().intermediate, hosts=("ecdsa.test",), key_kind="ecdsa-p256", key_name="sni-ec")
    return rsa, ecdsa, server_config(certificates=(chain_of(ecdsa), chain_of(rsa)))


@pytest.mark.parametrize("name", ["rsa.test", "ecdsa.test"])
def test_sni_selects_the_certificate(name: str) -> None:
    rsa, ecdsa, config = _sni_server()
    pair = Pair(client_config(), config, server_name=name)  # type: ignore[arg-type]
    client, server = pair.handshake()
    expected = rsa if name == "rsa.test" else ecdsa
    assert client.peer_certificates[0] == expected.certificate  # type: ignore[attr-defined]
    assert server.server_name == client.server_name == name
    if name == "rsa.test":
        assert client.signature_scheme == SignatureScheme.RSA_PSS_RSAE_SHA256
    else:
        assert client.signature_scheme == SignatureScheme.ECDSA_SECP256R1_SHA256


@pytest.mark.parametrize(
    ("schemes", "expected"),
    [
        ((SignatureScheme.RSA_PSS_RSAE_SHA384,), "rsa"),
        ((SignatureScheme.ECDSA_SECP256R1_SHA256,), "ecdsa"),
        ((SignatureScheme.ED25519,), "ed25519"),
        # Both acceptable to the client: the server's configured order decides (ecdsa, rsa, ed25519).
        ((SignatureScheme.ED25519, SignatureScheme.RSA_PSS_RSAE_SHA256), "rsa"),
    ],
)
def test_signature_algorithms_select_the_certificate(schemes: tuple[SignatureScheme, ...], expected: str) -> None:
    creds = pki().servers
    config = server_config(certificates=tuple(chain_of(c) for c in creds.values()))
    pair = Pair(client_config(signature_schemes=schemes), config)
    client, server = pair.handshake()
    assert client.peer_certificates[0] == creds[expected].certificate
    assert client.signature_scheme == server.signature_scheme
    assert client.signature_scheme in schemes


# -- mutual TLS -------------------------------------------------------------------------------------------------


def _mtls_server(mode: str) -> object:
    return server_config(client_auth=mode, client_trust=pki().trust_store())


@pytest.mark.parametrize("mode", ["required", "optional"])
def test_mutual_tls_with_a_client_certificate(mode: str) -> None:
    pair = Pair(client_config(client_certificate=chain_of(pki().client)), _mtls_server(mode))  # type: ignore[arg-type]
    client, server = pair.handshake()
    assert client.client_certificate_requested and server.client_certificate_requested
    assert server.peer_certificates[0] == pki().client.certificate
    assert server.verified_chain is not None
    assert_data_both_ways(pair)


def test_mutual_tls_optional_without_a_certificate() -> None:
    pair = Pair(client_config(), _mtls_server("optional"))  # type: ignore[arg-type]
    client, server = pair.handshake()
    assert client.client_certificate_requested
    assert server.peer_certificates == () and server.verified_chain is None
    assert_data_both_ways(pair)


def test_mutual_tls_required_without_a_certificate() -> None:
    pair = Pair(client_config(), _mtls_server("required"))  # type: ignore[arg-type]
    pair.pump()
    assert isinstance(pair.server_error, CertificateRequired)
    assert pair.server_error.step == "client Certificate"
    assert not pair.server.handshake_complete
    # The client finished its side, then the server's certificate_required alert arrived.
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.CERTIFICATE_REQUIRED


def test_no_certificate_request_without_client_auth() -> None:
    pair = Pair(client_config(client_certificate=chain_of(pki().client)), server_config())
    client, server = pair.handshake()
    assert not client.client_certificate_requested and server.peer_certificates == ()


# -- KeyUpdate --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("initiator", ["client", "server"])
@pytest.mark.parametrize("request_peer", [True, False])
def test_key_update(initiator: str, request_peer: bool) -> None:
    pair = Pair()
    pair.handshake()
    responder = "server" if initiator == "client" else "client"
    init_conn = pair.conn(initiator)  # type: ignore[arg-type]
    pair.call(initiator, lambda: init_conn.key_update(request_peer=request_peer))  # type: ignore[arg-type]
    pair.pump()
    assert pair.client_error is None and pair.server_error is None
    init_events = [e for e in pair.events(initiator) if isinstance(e, KeyUpdated)]  # type: ignore[arg-type]
    resp_events = [e for e in pair.events(responder) if isinstance(e, KeyUpdated)]  # type: ignore[arg-type]
    if request_peer:
        # The peer updated its read keys and answered with its own KeyUpdate (RFC 8446 section 4.6.3).
        assert [e.direction for e in init_events] == ["write", "read"]
        assert [e.direction for e in resp_events] == ["read", "write"]
    else:
        assert [e.direction for e in init_events] == ["write"]
        assert [e.direction for e in resp_events] == ["read"]
    labels = {line.split()[0] for line in pair.client_keylog.lines}
    side_label = "CLIENT_TRAFFIC_SECRET_1" if initiator == "client" else "SERVER_TRAFFIC_SECRET_1"
    other_label = "SERVER_TRAFFIC_SECRET_1" if initiator == "client" else "CLIENT_TRAFFIC_SECRET_1"
    assert side_label in labels
    assert (other_label in labels) is request_peer
    assert_data_both_ways(pair)


def test_automatic_key_updates_during_a_large_transfer() -> None:
    config = {"key_update_after_records": 3}
    pair = Pair(client_config(**config), server_config(**config))
    pair.handshake()
    payload = bytes(range(256)) * 4096  # 1 MiB
    assert pair.transfer("client", payload) == payload
    assert pair.transfer("server", payload) == payload
    sent_updates = [e for e in pair.client.trace if e.kind == "message_sent" and e.step == "KEY_UPDATE"]
    # 1 MiB in 2^14-byte records is 64 records: a KeyUpdate after every 3 of them.
    assert len(sent_updates) >= 64 // 3
    assert len([e for e in pair.server.trace if e.kind == "message_sent" and e.step == "KEY_UPDATE"]) >= 64 // 3
    assert pair.client_error is None and pair.server_error is None


def test_key_update_flood_is_refused() -> None:
    pair = Pair(client_config(), server_config(max_key_updates_in_a_row=5))
    pair.handshake()
    for _ in range(5):
        pair.call("client", lambda: pair.client.key_update(request_peer=False))
    pair.pump()
    assert pair.server_error is None  # five in a row are allowed
    pair.call("client", lambda: pair.client.key_update(request_peer=False))
    pair.pump()
    assert isinstance(pair.server_error, UnexpectedMessage)
    assert pair.server_error.step == "KeyUpdate"
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.UNEXPECTED_MESSAGE


def test_application_data_resets_the_key_update_count() -> None:
    pair = Pair(client_config(), server_config(max_key_updates_in_a_row=2))
    pair.handshake()
    for _ in range(3):
        for _ in range(2):
            pair.call("client", lambda: pair.client.key_update(request_peer=False))
        assert pair.transfer("client", b"data") == b"data"
    assert pair.server_error is None


# -- closure, record sizes, middlebox compatibility, bulk --------------------------------------------------------


@pytest.mark.parametrize("first", ["client", "server"])
def test_close_notify_both_ways(first: str) -> None:
    pair = Pair()
    pair.handshake()
    second = "server" if first == "client" else "client"
    pair.conn(first).close()  # type: ignore[arg-type]
    pair.pump()
    assert ConnectionClosed(clean=True) in pair.events(second)  # type: ignore[arg-type]
    assert AlertReceivedEvent(AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY) in pair.events(second)  # type: ignore[arg-type]
    assert pair.conn(second).closed  # type: ignore[arg-type]
    # The other direction stays open until its own close_notify (RFC 8446 section 6.1).
    assert pair.transfer(second, b"last words") == b"last words"  # type: ignore[arg-type]
    pair.conn(second).close()  # type: ignore[arg-type]
    pair.pump()
    assert ConnectionClosed(clean=True) in pair.events(first)  # type: ignore[arg-type]
    assert pair.client_error is None and pair.server_error is None


def test_eof_without_close_notify_is_unclean() -> None:
    pair = Pair()
    pair.handshake()
    pair.client.receive_eof()
    assert ConnectionClosed(clean=False) in pair.client.events()


def test_record_size_limit_both_ways() -> None:
    pair = Pair(client_config(record_size_limit=512), server_config(record_size_limit=1000))
    client, server = pair.handshake()
    assert client.record_size_limit == 1000 and server.record_size_limit == 512
    n_c2s, n_s2c = len(pair.wire.c2s), len(pair.wire.s2c)
    payload = bytes(range(256)) * 40
    assert pair.transfer("client", payload) == payload
    assert pair.transfer("server", payload) == payload
    c2s = pair.wire.c2s[n_c2s:]
    s2c = pair.wire.s2c[n_s2c:]
    tag = 16
    # RFC 8449 section 4 (TLS 1.3): the limit bounds TLSInnerPlaintext: content + type byte.
    assert max(len(r) - 5 for r in c2s) == 1000 + tag
    assert max(len(r) - 5 for r in s2c) == 512 + tag
    assert len(c2s) == -(-len(payload) // 999)
    assert len(s2c) == -(-len(payload) // 511)


def test_no_record_size_limit_means_full_records() -> None:
    pair = Pair()
    pair.handshake()
    n = len(pair.wire.c2s)
    payload = b"x" * 40000
    assert pair.transfer("client", payload) == payload
    assert max(len(r) - 5 for r in pair.wire.c2s[n:]) == 2**14 + 1 + 16


@pytest.mark.parametrize("compat", [True, False])
def test_middlebox_compatibility(compat: bool) -> None:
    pair = Pair(client_config(middlebox_compatibility=compat), server_config(middlebox_compatibility=compat))
    pair.handshake()
    ccs = ContentType.CHANGE_CIPHER_SPEC
    c2s, s2c = pair.wire.content_types("c2s"), pair.wire.content_types("s2c")
    if compat:
        # RFC 8446 appendix D.4: one CCS each, the server's right after ServerHello, the client's before its
        # first encrypted record.
        assert c2s.count(ccs) == 1 and s2c.count(ccs) == 1
        assert s2c[:2] == [ContentType.HANDSHAKE, ccs]
        assert c2s[:3] == [ContentType.HANDSHAKE, ccs, ContentType.APPLICATION_DATA]
        assert len(_client_hellos(pair)[0].legacy_session_id) == 32
    else:
        assert ccs not in c2s and ccs not in s2c
        assert _client_hellos(pair)[0].legacy_session_id == b""


def test_middlebox_compatibility_with_hello_retry_request() -> None:
    pair = Pair(client_config(), server_config(groups=(NamedGroup.SECP256R1,)))
    pair.handshake()
    ccs = ContentType.CHANGE_CIPHER_SPEC
    assert pair.wire.content_types("c2s").count(ccs) == 1
    assert pair.wire.content_types("s2c").count(ccs) == 1


def test_one_mebibyte_echo() -> None:
    pair = Pair()
    pair.handshake()
    payload = (b"0123456789abcdef" * 65536)[: 1 << 20]
    received = pair.transfer("client", payload)
    assert received == payload
    assert pair.transfer("server", received) == payload


def test_empty_send_is_harmless() -> None:
    pair = Pair()
    pair.handshake()
    assert pair.transfer("client", b"") == b""
    assert_data_both_ways(pair)


# -- key log, trace, exporter ---------------------------------------------------------------------------------------


KEYLOG_LABELS = {
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
}


def test_key_log_and_no_secret_in_the_trace() -> None:
    pair = Pair(client_config(alpn_protocols=("h2",)), server_config(alpn_protocols=("h2",)))
    pair.handshake()
    assert_data_both_ways(pair)
    pair.call("client", lambda: pair.client.key_update(request_peer=True))
    pair.pump()
    for log in (pair.client_keylog, pair.server_keylog):
        labels = {line.split()[0] for line in log.lines}
        assert labels >= KEYLOG_LABELS
        assert {"CLIENT_TRAFFIC_SECRET_1", "SERVER_TRAFFIC_SECRET_1"} <= labels
        randoms = {line.split()[1] for line in log.lines}
        assert randoms == {_client_hellos(pair)[0].random.hex()}
    # Both sides derived the same secrets.
    assert sorted(pair.client_keylog.lines) == sorted(pair.server_keylog.lines)
    secrets = {bytes.fromhex(line.split()[2]) for line in pair.client_keylog.lines}
    for conn in (pair.client, pair.server):
        for event in conn.trace:
            text = str(event) + json.dumps(event.as_dict(), default=repr)
            for secret in secrets:
                assert secret.hex() not in text.lower(), event
                assert repr(secret) not in text, event
                assert secret.hex(" ") not in text.lower(), event


def test_the_key_log_secrets_decrypt_the_wire() -> None:
    """The logged secrets are the real ones: they open the server's first encrypted record."""
    pair = Pair(client_config(middlebox_compatibility=False), server_config(middlebox_compatibility=False))
    client, _ = pair.handshake()
    prot = protection(client.cipher_suite, keylog_secret(pair.client_keylog, "SERVER_HANDSHAKE_TRAFFIC_SECRET"))
    ctype, content = open_record(prot, pair.wire.s2c[1])
    assert ctype == ContentType.HANDSHAKE and content[0] == HandshakeType.ENCRYPTED_EXTENSIONS


CLIENT_SENDS = ["CLIENT_HELLO", "FINISHED"]
SERVER_SENDS = [
    "SERVER_HELLO",
    "ENCRYPTED_EXTENSIONS",
    "CERTIFICATE",
    "CERTIFICATE_VERIFY",
    "FINISHED",
    "NEW_SESSION_TICKET",  # two tickets by default (ServerConfig.session_tickets)
    "NEW_SESSION_TICKET",
]


@pytest.mark.parametrize("mtls", [False, True])
def test_trace_has_every_handshake_message(mtls: bool) -> None:
    if mtls:
        pair = Pair(client_config(client_certificate=chain_of(pki().client)), _mtls_server("required"))  # type: ignore[arg-type]
        client_sends = ["CLIENT_HELLO", "CERTIFICATE", "CERTIFICATE_VERIFY", "FINISHED"]
        server_sends = [*SERVER_SENDS[:2], "CERTIFICATE_REQUEST", *SERVER_SENDS[2:]]
    else:
        pair = Pair()
        client_sends, server_sends = CLIENT_SENDS, SERVER_SENDS
    pair.handshake()

    def steps(conn: object, kind: str) -> list[str]:
        return [e.step for e in conn.trace if e.kind == kind]  # type: ignore[attr-defined]

    assert steps(pair.client, "message_sent") == client_sends
    assert steps(pair.server, "message_received") == client_sends
    assert steps(pair.server, "message_sent") == server_sends
    assert steps(pair.client, "message_received") == server_sends
    for conn in (pair.client, pair.server):
        assert [e.seq for e in conn.trace] == list(range(len(conn.trace)))
        assert all(e.side == conn.side for e in conn.trace)
        assert any(e.kind == "keys_installed" for e in conn.trace)


def test_trace_sink_sees_every_event() -> None:
    seen: list[object] = []
    pair = Pair(client_config(trace=seen.append), server_config())
    pair.handshake()
    assert seen == pair.client.trace


def test_export_keying_material() -> None:
    pair = Pair()
    pair.handshake()
    a = pair.client.export_keying_material(b"EXPERIMENTAL test", b"context", 42)
    b = pair.server.export_keying_material(b"EXPERIMENTAL test", b"context", 42)
    assert a == b and len(a) == 42
    assert pair.client.export_keying_material(b"EXPERIMENTAL test", b"other", 42) != a
    assert pair.client.export_keying_material(b"EXPERIMENTAL other", b"context", 42) != a
    # A different connection exports different material.
    other = Pair()
    other.handshake()
    assert other.client.export_keying_material(b"EXPERIMENTAL test", b"context", 42) != a


# -- certificate verification -------------------------------------------------------------------------------------


def _untrusted_server() -> object:
    self_signed = issue_certificate(None, hosts=(HOST,), key_name="untrusted-self-signed")
    return server_config(certificates=(chain_of(self_signed),))


def test_untrusted_certificate_is_refused() -> None:
    pair = Pair(client_config(), _untrusted_server())  # type: ignore[arg-type]
    pair.pump()
    assert isinstance(pair.client_error, UnknownCA)
    assert isinstance(pair.server_error, AlertReceived) and pair.server_error.description == AlertDescription.UNKNOWN_CA
    assert not pair.client.handshake_complete


def test_dangerous_skip_verification_lets_it_through_and_says_so() -> None:
    pair = Pair(client_config(trust=None, dangerous_skip_verification=True), _untrusted_server())  # type: ignore[arg-type]
    client, _ = pair.handshake()
    assert client.verified_chain is None
    skipped = [e for e in pair.client.trace if e.kind == "check" and "SKIPPED" in e.summary]
    assert len(skipped) == 1 and skipped[0].ok is False
    assert_data_both_ways(pair)


def test_wrong_host_name_is_bad_certificate() -> None:
    pair = Pair(server_name="wrong.example")
    pair.pump()
    assert isinstance(pair.client_error, BadCertificate)
    assert pair.client_error.step == "certificate verification"
    assert pair.client_error.check == "name"
    assert "wrong.example" in str(pair.client_error)
    assert not pair.client.handshake_complete
    # The client's alert is protected with its handshake keys; the server reads it (RFC 8446 section 6).
    assert isinstance(pair.server_error, AlertReceived), repr(pair.server_error)
    assert pair.server_error.description == AlertDescription.BAD_CERTIFICATE
    assert not pair.server.handshake_complete


def test_clock_in_the_future_is_certificate_expired() -> None:
    later = pki().now + timedelta(days=365)
    pair = Pair(client_config(clock=lambda: later))
    pair.pump()
    assert isinstance(pair.client_error, CertificateExpired)
    assert pair.client_error.alert == AlertDescription.CERTIFICATE_EXPIRED
    assert isinstance(pair.server_error, AlertReceived), repr(pair.server_error)
    assert pair.server_error.description == AlertDescription.CERTIFICATE_EXPIRED


def test_clock_in_the_future_on_the_server_refuses_the_client_certificate() -> None:
    later = pki().now + timedelta(days=365)
    server = dataclasses.replace(_mtls_server("required"), clock=lambda: later)  # type: ignore[type-var]
    pair = Pair(client_config(client_certificate=chain_of(pki().client)), server)  # type: ignore[arg-type]
    pair.pump()
    assert isinstance(pair.server_error, CertificateExpired)
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.CERTIFICATE_EXPIRED


# -- determinism ----------------------------------------------------------------------------------------------------


def _deterministic_run() -> tuple[bytes, bytes, list[str]]:
    clock_value = pki().now
    pair = Pair(
        client_config(
            random=fixed_random(b"client"),
            clock=lambda: clock_value,
            monotonic=lambda: 0.0,
            key_share_groups=(NamedGroup.X25519,),
        ),
        # Ed25519 signatures and X25519 are deterministic given the random bytes (ECDSA, RSA-PSS and the
        # ML-KEM encapsulation draw their own randomness).
        server_config(
            certificates=(chain_of(pki().server_ed25519),),
            random=fixed_random(b"server"),
            clock=lambda: clock_value,
            monotonic=lambda: 0.0,
        ),
    )
    pair.handshake()
    pair.transfer("client", b"same bytes")
    return pair.wire.bytes("c2s"), pair.wire.bytes("s2c"), pair.client_keylog.lines


def test_deterministic_handshake_with_fixed_random() -> None:
    first = _deterministic_run()
    second = _deterministic_run()
    assert first == second
    # Negative control: the default random source gives different bytes.
    a, b = Pair(), Pair()
    a.handshake()
    b.handshake()
    assert a.wire.bytes("c2s") != b.wire.bytes("c2s")


# -- API misuse is not a TLS error ------------------------------------------------------------------------------------


def test_send_before_handshake_is_usage_error() -> None:
    from glasstls.errors import UsageError

    pair = Pair()
    pair.start()
    with pytest.raises(UsageError):
        pair.client.send_data(b"too early")
    with pytest.raises(UsageError):
        pair.client.export_keying_material(b"x", b"", 8)
    assert not issubclass(UsageError, TLSError)
