"""The failure catalogue (glasstls.explain): each failure the core raises or receives maps to its entry.

The realistic cases run a real handshake in memory (client and server connections joined by a loop) and
explain the error the connection raised, so that a change in the core's errors shows up here.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import (
    CERTIFICATE_KINDS,
    AlertReceived,
    BadCertificate,
    BadRecordMac,
    CertificateError,
    CertificateExpired,
    CertificateRequired,
    CertificateRevoked,
    CertificateUnknown,
    ConnectionLost,
    DecodeError,
    FailureContext,
    HandshakeFailure,
    ProtocolVersionError,
    TLSError,
    UnknownCA,
    UnsupportedCertificate,
)
from glasstls.explain import ALERTS, CATALOGUE, Explanation, classify, explain, explain_alert, explain_os_error
from glasstls.pki import testpki as tp
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion

PKI = tp.make_test_pki(("localhost", "127.0.0.1"))
NOW = datetime.now(UTC)


def chain_of(cred: tp.IssuedCertificate) -> CertificateChain:
    return CertificateChain((cred.certificate, *cred.chain), cred.key)


SERVER = ServerConfig((chain_of(PKI.server_ecdsa),))
CLIENT = ClientConfig(trust=PKI.trust_store())


def handshake(
    server: ServerConfig,
    client: ClientConfig,
    server_name: str = "localhost",
    tamper: Callable[[bytes], bytes] | None = None,
) -> tuple[TLSError | None, TLSError | None]:
    """Run a handshake in memory; returns (client error, server error). ``tamper`` alters the server's flight."""
    s, c = ServerConnection(server), ClientConnection(client, server_name=server_name)
    c.start()
    client_error = server_error = None
    for _ in range(8):
        data = c.data_to_send()
        if data:
            try:
                s.receive_data(data)
            except TLSError as e:
                server_error = e
        data = s.data_to_send()
        if data:
            if tamper is not None:
                data = tamper(data)
            try:
                c.receive_data(data)
            except TLSError as e:
                client_error = e
        if client_error or (server_error and not data):
            break
    return client_error, server_error


def client_error(server: ServerConfig = SERVER, client: ClientConfig = CLIENT, name: str = "localhost") -> TLSError:
    error, _ = handshake(server, client, name)
    assert error is not None
    return error


def server_error(server: ServerConfig, client: ClientConfig = CLIENT) -> TLSError:
    _, error = handshake(server, client)
    assert error is not None
    return error


def leaf(**kwargs: object) -> ServerConfig:
    cred = tp.issue_certificate(PKI.intermediate, now=NOW, **kwargs)  # type: ignore[arg-type]
    return ServerConfig((chain_of(cred),))


def check(explanation: Explanation, kind: str, *words: str) -> None:
    assert explanation.kind == kind, explanation
    assert explanation.step and explanation.cause and explanation.fix
    text = str(explanation).lower()
    for word in words:
        assert word.lower() in text, (word, text)


# -- certificates -------------------------------------------------------------------------------------------


def test_wrong_host_name() -> None:
    error = client_error(name="wrong.example")
    assert isinstance(error, CertificateError) and error.kind == "wrong-host-name"
    e = explain(error, side="client")
    check(e, "wrong-host-name", "wrong.example", "subjectAltName", "--servername")
    assert e.step == "certificate verification"
    assert "cryptography's verifier" not in e.cause  # kept for experts in detail, not in the plain cause
    assert e.detail is not None and "verifier" in e.detail


def test_expired() -> None:
    error = client_error(leaf(not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)))
    assert isinstance(error, CertificateError) and error.kind == "expired"
    check(explain(error), "expired", "expired", "renew")


def test_not_yet_valid() -> None:
    error = client_error(leaf(not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=30)))
    assert isinstance(error, CertificateError) and error.kind == "not-yet-valid"
    check(explain(error), "not-yet-valid", "not valid until", "clock")


def test_unknown_ca() -> None:
    other = tp.make_ca("explain test other root")
    error = client_error(client=ClientConfig(trust=TrustStore.from_certificates([other.certificate])))
    assert isinstance(error, CertificateError) and error.kind == "unknown-ca"
    check(explain(error), "unknown-ca", "trust", "--cafile")


def test_missing_intermediate() -> None:
    server = ServerConfig((CertificateChain((PKI.server_ecdsa.certificate,), PKI.server_ecdsa.key),))
    e = explain(client_error(server), side="client")
    check(e, "missing-intermediate", "intermediate", "found neither among the 1 certificate the server sent")
    # Both possibilities, never one stated as fact (issue 10 item 1).
    assert "issued directly by a root CA that is not in the trust store" in e.cause and "did not send" in e.cause


def test_self_signed_leaf() -> None:
    error = client_error(ServerConfig((chain_of(tp.issue_certificate(None, now=NOW)),)))
    check(explain(error), "self-signed", "self-signed", "--cafile")


def test_wrong_usage() -> None:
    error = client_error(leaf(eku=(tp.CLIENT_AUTH,)))
    check(explain(error), "wrong-usage", "serverauth")


def test_certificate_checks_by_name() -> None:
    cases = {
        "name": "wrong-host-name",
        "chain": "unknown-ca",
        "signature": "bad-signature",
        "usage": "wrong-usage",
        "basic constraints": "basic-constraints",
        "parse": "bad-certificate",
    }
    for check_name, kind in cases.items():
        assert classify(CertificateError("x", check=check_name)) == kind


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (CertificateExpired("x", check="validity"), "expired"),
        (BadCertificate("x", check="validity"), "not-yet-valid"),
        (BadCertificate("x", check="name"), "wrong-host-name"),
        (UnknownCA("x", check="chain"), "unknown-ca"),
        (BadCertificate("x", check="signature"), "bad-signature"),
        (UnsupportedCertificate("x", check="usage"), "wrong-usage"),
        (UnsupportedCertificate("x", check="key type"), "unsupported-certificate"),
        (BadCertificate("x", check="basic constraints"), "basic-constraints"),
        (CertificateRevoked("x", check="revocation"), "certificate-revoked"),
        (CertificateUnknown("x", check="revocation"), "revocation-unknown"),
        (
            CertificateError("x", check="revocation", alert=AlertDescription.BAD_CERTIFICATE_STATUS_RESPONSE),
            "bad-ocsp-response",
        ),
        (BadCertificate("x", check="parse"), "bad-certificate"),
        (CertificateRequired("x", check="client certificate"), "client-cert-required"),
        (CertificateExpired("x"), "expired"),
        (CertificateRevoked("x"), "certificate-revoked"),
        (UnknownCA("x"), "unknown-ca"),
        (CertificateUnknown("x"), "certificate-unknown"),
        (BadCertificate("x", check="something new"), "bad-certificate"),
    ],
)
def test_certificate_error_kind_defaults_from_check_and_class(error: CertificateError, kind: str) -> None:
    assert error.kind == kind and not error.kind_given
    assert classify(error) == kind  # the kind is the catalogue key


def test_certificate_error_kind_given_by_the_raiser_wins() -> None:
    given = UnknownCA("the chain does not reach a trust anchor", check="chain", kind="missing-intermediate")
    assert given.kind_given and classify(given) == "missing-intermediate"  # no keyword needed
    # An explicit kind is never second-guessed from the wording of the reason.
    assert classify(UnknownCA("not self-signed at all", check="chain", kind="unknown-ca")) == "unknown-ca"
    # The kind comes from the facts pki gives, never from the words of the reason.
    assert classify(UnknownCA("the leaf is self-signed: ...", check="chain")) == "unknown-ca"
    assert classify(UnknownCA("the server did not send the intermediate", check="chain")) == "unknown-ca"


def test_every_certificate_kind_is_in_the_catalogue() -> None:
    assert set(CERTIFICATE_KINDS) <= set(CATALOGUE)
    for kind in CERTIFICATE_KINDS:
        e = explain(CertificateError("why", kind=kind), side="client")  # type: ignore[arg-type]
        assert e.kind == kind and e.step == CATALOGUE[kind].step and e.fix


# -- negotiation (detected by the server; the client receives an alert) ------------------------------------


def test_no_common_cipher_suite() -> None:
    server = ServerConfig((chain_of(PKI.server_ecdsa),), cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,))
    client = ClientConfig(trust=PKI.trust_store(), cipher_suites=(CipherSuite.TLS_CHACHA20_POLY1305_SHA256,))
    c_err, s_err = handshake(server, client)
    assert isinstance(s_err, HandshakeFailure)
    check(explain(s_err, side="server"), "no-common-cipher", "cipher suite", "--cipher")
    assert isinstance(c_err, AlertReceived)
    check(explain(c_err, side="client"), "handshake-failure", "the server", "handshake_failure", "cipher suite")


def test_no_common_group() -> None:
    server = ServerConfig((chain_of(PKI.server_ecdsa),), groups=(NamedGroup.SECP384R1,))
    client = ClientConfig(trust=PKI.trust_store(), groups=(NamedGroup.X25519,), key_share_groups=(NamedGroup.X25519,))
    check(explain(server_error(server, client), side="server"), "no-common-group", "group", "--group")


def test_no_common_version() -> None:
    e = explain(ProtocolVersionError("client offers only TLS12; this server speaks TLS 1.3", step="ClientHello"))
    check(e, "no-common-version", "TLS 1.3")
    check(explain(AlertReceived(AlertDescription.PROTOCOL_VERSION), side="client"), "no-common-version", "version")


def test_no_common_alpn() -> None:
    server = ServerConfig((chain_of(PKI.server_ecdsa),), alpn_protocols=("h2",))
    client = ClientConfig(trust=PKI.trust_store(), alpn_protocols=("http/1.1",))
    c_err, s_err = handshake(server, client)
    assert s_err is not None and c_err is not None
    check(explain(s_err, side="server"), "no-common-alpn", "ALPN", "h2")
    check(explain(c_err, side="client"), "no-common-alpn", "no_application_protocol", "--alpn")


def test_client_certificate_required_but_not_sent() -> None:
    server = ServerConfig((chain_of(PKI.server_ecdsa),), client_auth="required", client_trust=PKI.trust_store())
    c_err, s_err = handshake(server, CLIENT)
    assert s_err is not None
    check(explain(s_err, side="server"), "client-cert-required", "--cert")
    assert isinstance(c_err, AlertReceived)
    e = explain(c_err, side="client")
    check(e, "client-cert-required", "certificate_required", "--cert client.pem")
    # The server refused our empty Certificate (TLS 1.3: after our Finished, so the client was done).
    assert e.step == "client Certificate (alert received)"
    assert "we sent an empty Certificate" in e.cause


# -- alerts received ------------------------------------------------------------------------------------


@pytest.mark.parametrize("description", list(ALERTS), ids=str)
def test_every_alert_is_explained(description: AlertDescription) -> None:
    for side in ("client", "server", None):
        e = explain_alert(description, side=side, step="ServerHello")
        assert e.kind in CATALOGUE
        assert str(description).lower() in e.cause
        assert e.fix
        assert "{" not in e.cause  # every template filled in


def test_alert_is_phrased_for_our_side() -> None:
    as_client = explain(AlertReceived(AlertDescription.UNKNOWN_CA), side="client")
    as_server = explain(AlertReceived(AlertDescription.UNKNOWN_CA), side="server")
    assert "the server does not trust" in as_client.cause and "our client certificate" in as_client.cause
    assert "the client does not trust" in as_server.cause and "our server certificate" in as_server.cause


def test_unknown_alert_code() -> None:
    e = explain(AlertReceived(AlertDescription(222)))
    assert e.kind == "peer-alert" and "unknown_0xde" in e.cause


# -- the record layer and the transport ----------------------------------------------------------------------


def test_connection_cut_mid_handshake() -> None:
    c = ClientConnection(CLIENT, server_name="localhost")
    c.start()
    with pytest.raises(ConnectionLost) as info:
        c.receive_eof()
    check(explain(info.value), "connection-lost", "closed before the handshake completed", "port")


def test_connection_lost_is_explained_by_the_socket_error_that_caused_it() -> None:
    """io/sync raises ConnectionLost from the OSError: a reset or a timeout is named as such, at the step."""
    reset = ConnectionLost("reading from the socket failed: reset", step="handshake (ExpectServerHello)")
    reset.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    e = explain(reset)
    check(e, "connection-reset", "reset the TCP connection", "crashed")
    assert e.step == "handshake (ExpectServerHello)"
    slow = ConnectionLost("the handshake did not complete within 10s", step="handshake (ExpectServerHello)")
    slow.__cause__ = TimeoutError("handshake deadline of 10s")
    check(explain(slow), "timeout", "did not answer in time", "firewall")
    assert classify(ConnectionLost("eof")) == "connection-lost"  # no socket error: the peer hung up


def test_bad_record_mac() -> None:
    def flip_last_byte(data: bytes) -> bytes:
        # The last record of the server's first flight is encrypted: its last byte is part of the AEAD tag.
        return data[:-1] + bytes([data[-1] ^ 1])

    error, _ = handshake(SERVER, CLIENT, tamper=flip_last_byte)
    assert isinstance(error, BadRecordMac)
    check(explain(error), "bad-record-mac", "integrity", "middlebox")


def test_decode_error() -> None:
    s = ServerConnection(SERVER)
    # A handshake record whose ClientHello body is cut short.
    with pytest.raises(DecodeError) as info:
        s.receive_data(bytes.fromhex("16030100080100000403030000"))
    check(explain(info.value, side="server"), "decode-error", "parsed")


def test_every_error_class_has_an_entry() -> None:
    import glasstls.errors as errors

    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, TLSError) and cls is not AlertReceived:
            kind = classify(cls("something went wrong"))
            assert kind in CATALOGUE, name
            e = explain(cls("something went wrong"))
            assert e.cause and e.fix and e.step


def test_catalogue_templates_fill_in() -> None:
    for kind, entry in CATALOGUE.items():
        for text in (entry.cause, entry.fix):
            assert "{" not in text.format(peer="the server"), kind


def test_os_errors() -> None:
    check(explain_os_error(ConnectionRefusedError(111, "Connection refused"), host="h", port=1), "connection-refused")
    check(explain_os_error(socket.gaierror(-2, "Name or service not known"), host="x.invalid"), "name-resolution")
    check(explain_os_error(TimeoutError("timed out")), "timeout")
    check(explain_os_error(ConnectionResetError(104, "reset")), "connection-reset")
    check(explain_os_error(OSError(1, "other")), "network-error")


def test_explanation_as_dict() -> None:
    e = explain(client_error(name="wrong.example"))
    doc = e.as_dict()
    assert set(doc) == {"kind", "step", "cause", "fix", "detail", "alert"}
    assert doc["alert"] == "bad_certificate"


# -- explanations computed from the failure's context (issue 10 item 3) ---------------------------------------


def _context(**changes: object) -> FailureContext:
    base = FailureContext(
        side="client",
        step="NewSessionTicket",
        version=ProtocolVersion.TLS12,
        min_version=ProtocolVersion.TLS12,
        max_version=ProtocolVersion.TLS12,
        cipher_suites=(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,),
        groups=(NamedGroup.X25519,),
        alpn_protocols=(),
        narrowed=frozenset({"cipher", "group", "version"}),
        legacy_allowed=frozenset(),
        client_certificate=False,
        received=("ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"),
        sent=("ClientHello", "ClientKeyExchange", "Finished"),
        last_flight=("ClientKeyExchange", "Finished"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_an_alert_answering_a_tls12_flight_names_it_and_never_advises_tls13() -> None:
    err = AlertReceived(AlertDescription.HANDSHAKE_FAILURE, step="NewSessionTicket")
    err.context = _context()
    e = explain(err, side="client")
    assert e.step == "our ClientKeyExchange, Finished (alert received)"  # not the state we waited in
    assert "refused our ClientKeyExchange, Finished" in e.cause
    assert "TLS_AES_" not in e.fix and "--cipher" not in e.fix  # no TLS 1.3 suite, not the option just tried


def test_an_alert_without_context_advises_no_fixed_suite() -> None:
    e = explain(AlertReceived(AlertDescription.HANDSHAKE_FAILURE, step="ServerHello"), side="client")
    assert "--cipher TLS_AES_128_GCM_SHA256" not in e.fix and "try the defaults" in e.fix


def test_internal_state_names_never_reach_a_person() -> None:
    """The step of a failure is always the state's step in words, never its class name (io/sync included)."""
    from glasstls.handshake.base import State

    def subclasses(cls: type[State]) -> list[type[State]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    import glasstls.connection  # noqa: F401  (imports every state module)

    for cls in subclasses(State):
        assert not cls.step.startswith("Expect"), cls


def test_an_empty_certificate_with_one_configured_is_not_called_missing() -> None:
    """The client has a certificate, but sent an empty one (it did not fit the request): say that."""
    err = AlertReceived(AlertDescription.HANDSHAKE_FAILURE, step="NewSessionTicket")
    err.context = _context(
        client_certificate=True,
        received=("ServerHello", "Certificate", "ServerKeyExchange", "CertificateRequest", "ServerHelloDone"),
        sent=("ClientHello", "Certificate (empty)", "ClientKeyExchange", "Finished"),
        last_flight=("Certificate (empty)", "ClientKeyExchange", "Finished"),
    )
    e = explain(err, side="client")
    assert e.kind == "client-cert-required" and e.step == "client Certificate (alert received)"
    assert "does not fit what the server asked for" in e.cause and "none is configured" not in e.cause
    assert "--cert client.pem" not in e.fix  # one was given already
