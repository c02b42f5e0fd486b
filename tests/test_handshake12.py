"""TLS 1.2 in memory: every suite (legacy ones included), resumption by session ID and ticket, mutual TLS,
renegotiation refused, downgrade protection, and the bad input the issue names."""

from __future__ import annotations

import dataclasses
import os

import pytest

from glasstls.config import ClientConfig, ServerConfig
from glasstls.crypto.tls12 import TLS12_SUITES, rsa_encrypt_premaster
from glasstls.errors import (
    AlertReceived,
    BadRecordMac,
    CertificateRequired,
    DecryptError,
    HandshakeFailure,
    IllegalParameter,
    InappropriateFallback,
)
from glasstls.events import AlertReceived as AlertEvent
from glasstls.handshake.base import Actions
from glasstls.sessions import ClientSessionStore, TicketKeys
from glasstls.wire import extensions as ext
from glasstls.wire.enums import AlertDescription as AD  # noqa: N817
from glasstls.wire.enums import AlertLevel, CipherSuite, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme
from glasstls.wire.messages import (
    ClientHello,
    ClientKeyExchangeRsa,
    Finished,
    HandshakeMessage,
    HelloRequest,
    ServerHello,
    ServerKeyExchangeEcdhe,
)
from handshake_pair import Pair, chain_of, client_config, server_config, server_credential, split_records

V12 = ProtocolVersion.TLS12
LEGACY = {"allow_rsa_key_exchange": True, "allow_legacy_cbc": True, "allow_dhe": True}


def _kind_for(suite: CipherSuite) -> str:
    return "ecdsa-p256" if TLS12_SUITES[suite].key_exchange == "ECDHE_ECDSA" else "rsa-2048"


def pair12(
    suite: CipherSuite | None = None,
    *,
    client: dict[str, object] | None = None,
    server: dict[str, object] | None = None,
) -> Pair:
    c: dict[str, object] = {"max_version": V12, **LEGACY}
    s: dict[str, object] = {**LEGACY}
    if suite is not None:
        c["cipher_suites"] = (suite,)
        s["certificates"] = (chain_of(server_credential(_kind_for(suite))),)
    c.update(client or {})
    s.update(server or {})
    return Pair(client_config(**c), server_config(**s))


@pytest.mark.parametrize("suite", list(TLS12_SUITES), ids=str)
def test_every_suite_completes_and_carries_data(suite: CipherSuite) -> None:
    pair = pair12(suite)
    c, s = pair.handshake()
    assert c.version == s.version == V12
    assert c.cipher_suite == s.cipher_suite == suite
    assert not c.resumed
    assert pair.transfer("client", b"ping") == b"ping"
    big = bytes(range(256)) * 200
    assert pair.transfer("server", big) == big
    # Both sides derive the same exporter (RFC 5705).
    assert pair.client.export_keying_material(b"EXPORTER-test", b"ctx", 32) == pair.server.export_keying_material(
        b"EXPORTER-test", b"ctx", 32
    )
    kx_names = {"RSA": "RSA key transport", "DHE_RSA": "DHE (RFC 7919 groups"}
    key_exchange = kx_names.get(TLS12_SUITES[suite].key_exchange, "ECDHE")
    assert any(key_exchange in e.summary for e in pair.client.trace)
    # A record-layer close works in TLS 1.2 too.
    pair.call("client", pair.client.close)
    pair.pump()


def test_default_client_against_tls12_only_server_negotiates_ecdhe_aead() -> None:
    pair = Pair(client_config(), server_config(max_version=V12))
    c, _ = pair.handshake()
    assert c.version == V12 and TLS12_SUITES[c.cipher_suite].forward_secret and not TLS12_SUITES[c.cipher_suite].legacy
    assert any("extended master secret" in e.summary for e in pair.client.trace)


def test_legacy_suites_are_not_offered_by_default() -> None:
    hello = []
    pair = Pair(client_config(max_version=V12), server_config())

    def spy(m: HandshakeMessage) -> None:
        if isinstance(m, ClientHello):
            hello.append(m)

    with pair.mutate("client", spy):
        pair.handshake()
    offered = set(hello[0].cipher_suites)
    assert not offered & {s for s, t in TLS12_SUITES.items() if t.legacy or not t.forward_secret}


def test_rsa_key_exchange_needs_its_flag_on_the_server() -> None:
    pair = pair12(
        CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, server={"allow_rsa_key_exchange": False, "allow_legacy_cbc": False}
    )
    pair.pump()
    assert isinstance(pair.server_error, HandshakeFailure)
    assert isinstance(pair.client_error, AlertReceived)


def test_downgrade_sentinel_is_refused_by_a_tls13_client() -> None:
    """A TLS 1.3-capable server that picks TLS 1.2 marks its random (RFC 8446 4.1.3); a client that offered TLS 1.3
    refuses it: here a 1.2-only server's ServerHello is given the sentinel in flight."""
    pair = Pair(client_config(), server_config(max_version=V12))

    def mark(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ServerHello):
            return dataclasses.replace(m, random=m.random[:24] + b"DOWNGRD\x01")
        return None

    with pair.mutate("server", mark):
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter)
    assert "downgrade" in str(pair.client_error)


def test_tls13_server_negotiating_tls12_sets_the_sentinel() -> None:
    pair = Pair(client_config(max_version=V12), server_config())
    randoms = []

    def spy(m: HandshakeMessage) -> None:
        if isinstance(m, ServerHello):
            randoms.append(m.random)

    with pair.mutate("server", spy):
        pair.handshake()
    assert randoms[0].endswith(b"DOWNGRD\x01")


def test_fallback_scsv_is_refused_when_the_server_supports_more() -> None:
    pair = Pair(client_config(max_version=V12), server_config())

    def add_scsv(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            return dataclasses.replace(m, cipher_suites=(*m.cipher_suites, CipherSuite.TLS_FALLBACK_SCSV))
        return None

    with pair.mutate("client", add_scsv):
        pair.pump()
    assert isinstance(pair.server_error, InappropriateFallback)
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AD.INAPPROPRIATE_FALLBACK


def test_extended_master_secret_required_by_default() -> None:
    def strip(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            return dataclasses.replace(
                m, extensions=tuple(e for e in m.extensions if not isinstance(e, ext.ExtendedMasterSecret))
            )
        return None

    pair = pair12()
    with pair.mutate("client", strip):
        pair.pump()
    assert isinstance(pair.server_error, HandshakeFailure)
    assert "extended master secret" in str(pair.server_error)
    # ... and allowed when both sides turn the requirement off.
    pair = pair12(client={"require_extended_master_secret": False}, server={"require_extended_master_secret": False})
    with pair.mutate("client", strip):
        c, _ = pair.handshake()
    assert c.version == V12


def test_wrong_finished_is_decrypt_error() -> None:
    pair = pair12()

    def corrupt(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, Finished):
            return Finished(bytes(b ^ 1 for b in m.verify_data))
        return None

    with pair.mutate("client", corrupt):
        pair.pump()
    assert isinstance(pair.server_error, DecryptError)
    assert pair.server_error.step == "client Finished"


def test_flipped_ciphertext_bit_is_bad_record_mac() -> None:
    pair = pair12(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
    pair.handshake()
    state = {"armed": True}

    def flip(direction: str, index: int, record: bytes) -> bytes:
        if direction == "c2s" and state["armed"] and record[0] == 23:
            state["armed"] = False
            return record[:-1] + bytes([record[-1] ^ 0x80])
        return record

    pair.on_wire = flip
    pair.send("client", b"x" * 100)
    pair.pump()
    assert isinstance(pair.server_error, BadRecordMac)


@pytest.mark.parametrize("bad", ["short", "garbage", "wrong_version"])
def test_malformed_rsa_premaster_changes_nothing_before_finished(bad: str) -> None:
    """RFC 5246 7.4.7.1: the server answers a bad premaster exactly as a good one; only the client's encrypted
    Finished then fails (bad_record_mac: the keys differ), never an earlier, distinguishable alert."""
    suite = CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256
    server_key = server_credential("rsa-2048").certificate.public_key()

    def change(m: HandshakeMessage) -> HandshakeMessage | None:
        if not isinstance(m, ClientKeyExchangeRsa):
            return None
        data = m.encrypted_premaster
        if bad == "short":
            return ClientKeyExchangeRsa(data[:-1])
        if bad == "garbage":
            return ClientKeyExchangeRsa(bytes(len(data)))
        _, wrong = rsa_encrypt_premaster(server_key, 0x0301, os.urandom)  # type: ignore[arg-type]
        return ClientKeyExchangeRsa(wrong)

    good = pair12(suite)
    good.handshake()
    bad_pair = pair12(suite)
    with bad_pair.mutate("client", change):
        bad_pair.pump()
    assert isinstance(bad_pair.server_error, BadRecordMac)
    assert bad_pair.server_error.step == "record layer"
    # Up to the failure, the server sent what it sends in a good handshake: its first flight only.
    assert bad_pair.wire.content_types("s2c")[:-1] == good.wire.content_types("s2c")[:1]
    assert len(bad_pair.wire.records("s2c")[0]) == len(good.wire.records("s2c")[0])


def test_client_refuses_renegotiation_with_a_warning() -> None:
    pair = pair12()
    pair.handshake()
    # The server asks to renegotiate: a HelloRequest from outside the state machine.
    actions = Actions()
    raw = actions.send(HelloRequest())
    pair.server._pending_handshake += raw
    pair.pump()
    assert pair.client_error is None and pair.server_error is None
    got = [e for e in pair.server_events if isinstance(e, AlertEvent)]
    assert got and got[0].level == AlertLevel.WARNING and got[0].description == AD.NO_RENEGOTIATION
    assert pair.transfer("client", b"still here") == b"still here"


def test_mutual_tls12() -> None:
    from handshake_pair import pki

    client_cert = pki().client
    pair = pair12(
        client={"client_certificate": chain_of(client_cert)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )
    c, s = pair.handshake()
    assert s.peer_certificates and s.peer_certificates[0] == client_cert.certificate
    assert c.client_certificate_requested


def test_mutual_tls12_required_without_certificate_fails() -> None:
    from handshake_pair import pki

    pair = pair12(server={"client_auth": "required", "client_trust": pki().trust_store()})
    pair.pump()
    # RFC 5246 section 7.4.6: the alert is handshake_failure; the error says which failure it is.
    assert isinstance(pair.server_error, CertificateRequired)
    assert pair.server_error.alert == AD.HANDSHAKE_FAILURE


# -- resumption ------------------------------------------------------------------------------------------------------


def _resume_pair(client: ClientConfig, server: ServerConfig) -> tuple[Pair, Pair]:
    first = Pair(client, server)
    first.handshake()
    second = Pair(client, server)
    second.handshake()
    return first, second


@pytest.mark.parametrize("via", ["ticket", "session ID"])
def test_tls12_resumption(via: str) -> None:
    store = ClientSessionStore()
    server_options: dict[str, object] = {"max_version": V12}
    if via == "session ID":
        server_options["ticket_keys"] = None
    client = client_config(session_store=store)
    server = server_config(**server_options)
    first, second = _resume_pair(client, server)
    assert not first.client.negotiated.resumed  # type: ignore[union-attr]
    assert second.client.negotiated.resumed and second.server.negotiated.resumed  # type: ignore[union-attr]
    # The resumed session still names the server's certificate, and data flows.
    assert second.client.negotiated.peer_certificates  # type: ignore[union-attr]
    assert second.transfer("client", b"again") == b"again"
    assert any(f"by {via}" in e.summary for e in second.server.trace)
    # No Certificate message the second time.
    assert not any(e.kind == "message_received" and e.step == "Certificate" for e in second.client.trace)


def test_ticket_under_retired_key_gives_a_full_handshake() -> None:
    store = ClientSessionStore()
    client = client_config(session_store=store)
    first = Pair(client, server_config(max_version=V12, session_cache=None, single_use_tickets=False))
    first.handshake()
    second = Pair(
        client,
        server_config(max_version=V12, session_cache=None, single_use_tickets=False, ticket_keys=TicketKeys.generate()),
    )
    c, _ = second.handshake()
    assert not c.resumed
    assert any("cannot open" in e.summary for e in second.server.trace)


def test_modified_ticket_gives_a_full_handshake() -> None:
    store = ClientSessionStore()
    client = client_config(session_store=store)
    server = server_config(max_version=V12, session_cache=None, single_use_tickets=False)
    Pair(client, server).handshake()
    second = Pair(client, server)

    def tamper(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            exts = []
            for e in m.extensions:
                if isinstance(e, ext.SessionTicket) and e.ticket:
                    e = ext.SessionTicket(e.ticket[:-1] + bytes([e.ticket[-1] ^ 1]))
                exts.append(e)
            return dataclasses.replace(m, extensions=tuple(exts))
        return None

    with second.mutate("client", tamper):
        c, _ = second.handshake()
    assert not c.resumed


def test_server_resuming_an_unoffered_session_is_refused() -> None:
    pair = pair12()

    # A server that echoes the client's (random, compatibility-mode) session ID claims a resumption.
    def claim(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ServerHello):
            return dataclasses.replace(m, legacy_session_id_echo=pair._client_session_id)  # type: ignore[attr-defined]
        return None

    def remember(m: HandshakeMessage) -> None:
        if isinstance(m, ClientHello):
            pair._client_session_id = m.legacy_session_id  # type: ignore[attr-defined]

    with pair.mutate("client", remember), pair.mutate("server", claim):
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter)


def test_every_record_split_is_handled() -> None:
    """The whole TLS 1.2 handshake delivered one byte at a time."""
    pair = pair12(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)
    c, s = pair.handshake()
    assert c.cipher_suite == s.cipher_suite
    records = split_records(pair.wire.bytes("s2c"))
    assert records and all(r[1:3] == b"\x03\x03" for r in records)


def test_unexpected_message_in_tls12_state() -> None:
    pair = pair12()

    def swap(m: HandshakeMessage) -> HandshakeMessage | None:
        if m.msg_type == HandshakeType.SERVER_HELLO_DONE:
            return Finished(bytes(12))
        return None

    with pair.mutate("server", swap):
        pair.pump()
    assert pair.client_error is not None and pair.client_error.alert == AD.UNEXPECTED_MESSAGE


# -- regressions found against real peers (tests/test_interop12.py) --------------------------------------------------


@pytest.mark.parametrize("scheme", [SignatureScheme.ECDSA_SECP384R1_SHA384, SignatureScheme.ECDSA_SECP521R1_SHA512])
def test_p256_key_signs_with_the_hash_the_peer_asks_for(scheme: SignatureScheme) -> None:
    """RFC 5246 7.4.1.4.1 / RFC 8446 4.2.3: in TLS 1.2 an ECDSA code point names only the hash. A client that
    accepts only ecdsa+sha384 (``openssl s_client -sigalgs ECDSA+SHA384``) gets a ServerKeyExchange from a P-256
    key signed with SHA-384, and a CertificateRequest asking only for it gets the client's P-256 certificate."""
    from handshake_pair import pki

    suite = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    pair = pair12(
        suite,
        client={"signature_schemes": (scheme,), "client_certificate": chain_of(pki().client)},
        server={"signature_schemes": (scheme,), "client_auth": "required", "client_trust": pki().trust_store()},
    )
    c, s = pair.handshake()
    assert c.signature_scheme == scheme
    assert s.peer_certificates and s.peer_certificates[0] == pki().client.certificate
    assert pair.transfer("client", b"sha384") == b"sha384"


def test_server_without_tls13_suites_sets_no_downgrade_sentinel() -> None:
    """RFC 8446 section 4.1.3 asks a TLS 1.3 server that negotiates TLS 1.2 to mark its random. A server whose
    suites are all TLS 1.2 ones cannot negotiate TLS 1.3 with anyone, so it must not: the sentinel would make
    every TLS 1.3-capable client abort (found with a TLS 1.2-only suite list against openssl s_client)."""
    randoms = []

    def spy(m: HandshakeMessage) -> None:
        if isinstance(m, ServerHello):
            randoms.append(m.random)

    suite = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    pair = Pair(client_config(max_version=V12), server_config(cipher_suites=(suite,)))
    with pair.mutate("server", spy):
        c, _ = pair.handshake()
    assert c.cipher_suite == suite
    assert not randoms[0].endswith(b"DOWNGRD\x01")


@pytest.mark.parametrize("hybrid", [NamedGroup.SECP256R1MLKEM768, NamedGroup.X25519MLKEM768])
def test_tls13_only_hybrid_groups_are_never_used_for_tls12_ecdhe(hybrid: NamedGroup) -> None:
    """RFC 8422 section 5.1.1 lists the curves a TLS 1.2 ECDHE exchange can use; an ML-KEM hybrid share does
    not even fit the ServerKeyExchange's 1-byte point length. A server that prefers SecP256r1MLKEM768 used to
    pick it for TLS 1.2 and fail with internal_error; it now takes the next curve both sides have."""
    pair = Pair(
        client_config(groups=(hybrid, NamedGroup.SECP256R1), key_share_groups=(hybrid,)),
        server_config(max_version=V12, groups=(hybrid, NamedGroup.SECP256R1)),
    )
    c, s = pair.handshake()
    assert c.version == s.version == V12
    assert c.group == s.group == NamedGroup.SECP256R1


def test_client_refuses_a_tls13_only_group_in_server_key_exchange() -> None:
    """Even one the client offers (for TLS 1.3): illegal_parameter before the signature is looked at."""
    groups = (NamedGroup.SECP256R1MLKEM768, NamedGroup.X25519, NamedGroup.SECP256R1)
    pair = pair12(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, client={"groups": groups})

    def hybrid(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ServerKeyExchangeEcdhe):
            return dataclasses.replace(m, named_group=NamedGroup.SECP256R1MLKEM768)
        return None

    with pair.mutate("server", hybrid):
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter), pair.client_error
