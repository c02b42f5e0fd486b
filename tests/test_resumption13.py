"""TLS 1.3 PSK resumption between a glasstls client and server in memory (RFC 8446 sections 2.2, 4.2.9,
4.2.11, 4.6.1): tickets issued and stored, resumed on both ends, and every unusable ticket turned into a full
handshake (or the right alert), with the reason in the trace."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection import ClientConnection
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.transcript import Transcript
from glasstls.errors import AlertReceived, ConfigError, DecryptError, IllegalParameter
from glasstls.events import HandshakeComplete, Negotiated, NewSessionTicketReceived
from glasstls.sessions import ClientSession, ClientSessionStore, ServerSessionCache, TicketKeys
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    CipherSuite,
    ContentType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
)
from glasstls.wire.messages import ClientHello, HandshakeMessage, NewSessionTicket, ServerHello, decode_handshake
from handshake_pair import (
    HOST,
    Pair,
    chain_of,
    client_config,
    pki,
    server_config,
    split_handshake,
)

TLS13 = ProtocolVersion.TLS13


class Clock:
    """A settable clock (injected through the configs, never monkeypatched)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def configs(
    client: dict[str, Any] | None = None, server: dict[str, Any] | None = None
) -> tuple[ClientConfig, ServerConfig]:
    return client_config(**(client or {})), server_config(**(server or {}))


def connect(
    client: ClientConfig, server: ServerConfig, *, server_name: str | None = HOST, **kwargs: Any
) -> tuple[Pair, Negotiated, Negotiated]:
    pair = Pair(client, server, server_name=server_name, **kwargs)
    c, s = pair.handshake()
    assert pair.transfer("client", b"ping") == b"ping"  # also delivers the tickets to the client
    assert pair.transfer("server", b"pong") == b"pong"
    return pair, c, s


def store_of(config: ClientConfig) -> ClientSessionStore:
    assert config.session_store is not None
    return config.session_store


def summaries(pair: Pair, side: str) -> list[str]:
    conn = pair.client if side == "client" else pair.server
    return [e.summary for e in conn.trace]


def sent_types(pair: Pair, side: str) -> list[str]:
    conn = pair.client if side == "client" else pair.server
    return [e.step for e in conn.trace if e.kind == "message_sent"]


def client_hellos(pair: Pair) -> list[ClientHello]:
    out = []
    for record in pair.wire.c2s:
        if record[0] == ContentType.HANDSHAKE:
            for raw in split_handshake(record[5:]):
                if raw[0] == HandshakeType.CLIENT_HELLO:
                    msg = decode_handshake(raw[0], raw[4:])
                    assert isinstance(msg, ClientHello)
                    out.append(msg)
    return out


def assert_full(pair: Pair, c: Negotiated, s: Negotiated) -> None:
    assert not c.resumed and not s.resumed
    assert "CERTIFICATE" in sent_types(pair, "server") and "CERTIFICATE_VERIFY" in sent_types(pair, "server")
    assert c.verified_chain is not None


def assert_resumed(pair: Pair, c: Negotiated, s: Negotiated) -> None:
    assert c.resumed and s.resumed
    server_sent = sent_types(pair, "server")
    assert "CERTIFICATE" not in server_sent and "CERTIFICATE_VERIFY" not in server_sent
    assert c.signature_scheme is None and s.signature_scheme is None
    assert c.version == s.version == TLS13 and c.cipher_suite == s.cipher_suite


def rebind(hello: ClientHello, session: ClientSession, transcript: Transcript | None = None) -> ClientHello:
    """Recompute the (single) PSK binder of ``hello`` for ``session``, as a client would (RFC 8446 4.2.11.2)."""
    offer = hello.extensions[-1]
    assert isinstance(offer, ext.PreSharedKeyClientHello)
    suite = TLS13_SUITES[session.cipher_suite]
    truncated = hello.encode()[: -offer.binders_length()]
    th = transcript.digest_with(truncated) if transcript else suite.hash(truncated)
    binder = ks.finished_verify_data(suite, ks.EarlySecret(suite, session.secret).binder_key(external=False), th)
    new_offer = dataclasses.replace(offer, binders=(binder,))
    return dataclasses.replace(hello, extensions=(*hello.extensions[:-1], new_offer))


def peek_session(config: ClientConfig) -> ClientSession:
    """The session the next connection will offer (taken and put back)."""
    store = store_of(config)
    session = store.take(HOST, version=TLS13, now=config.clock())
    assert session is not None
    store.store(HOST, session)
    return session


# -- the happy path ----------------------------------------------------------------------------------------


def test_first_handshake_issues_tickets_and_the_second_resumes_on_both_ends() -> None:
    client, server = configs()
    pair, c1, s1 = connect(client, server)
    assert_full(pair, c1, s1)
    tickets = [e for e in pair.client_events if isinstance(e, NewSessionTicketReceived)]
    assert len(tickets) == server.session_tickets == 2
    assert len({t.ticket.ticket for t in tickets}) == 2 and len({t.ticket.psk for t in tickets}) == 2
    assert len(store_of(client)) == 2
    assert any("stored for resumption" in s for s in summaries(pair, "client"))

    pair2, c2, s2 = connect(client, server)
    assert_resumed(pair2, c2, s2)
    # The resumed client still reports the server it authenticated in the full handshake.
    assert [x.subject for x in c2.peer_certificates] == [x.subject for x in c1.peer_certificates]
    assert c2.verified_chain is None
    assert c2.group == s2.group is not None  # psk_dhe_ke: a fresh ECDHE exchange
    assert any("server accepted our session ticket" in s for s in summaries(pair2, "client"))
    assert any("resuming the session" in s for s in summaries(pair2, "server"))
    assert any("binder verifies" in s for s in summaries(pair2, "server"))
    # The ticket went out of the store (single use) and two fresh ones came in.
    assert len(store_of(client)) == 1 + 2
    hello = client_hellos(pair2)[0]
    modes = ext.get_extension(hello.extensions, ext.PskKeyExchangeModes)
    assert modes is not None and modes.ke_modes == (PskKeyExchangeMode.PSK_DHE_KE,)
    assert isinstance(hello.extensions[-1], ext.PreSharedKeyClientHello)


def test_bound_client_hello_bytes_are_its_encoding() -> None:
    """The PSK ClientHello is encoded once and its binders patched in: the bytes on the wire are exactly what
    the decoded message encodes to from scratch, for the first ClientHello and the one after a retry."""
    client, server = configs(
        client={"key_share_groups": (NamedGroup.X25519,)}, server={"groups": (NamedGroup.SECP384R1,)}
    )
    connect(client, server)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)
    sent = []
    for record in pair.wire.c2s:
        if record[0] == ContentType.HANDSHAKE:
            sent += [raw for raw in split_handshake(record[5:]) if raw[0] == HandshakeType.CLIENT_HELLO]
    assert len(sent) == 2
    for raw in sent:
        hello = decode_handshake(raw[0], raw[4:])
        assert isinstance(hello.extensions[-1], ext.PreSharedKeyClientHello)  # type: ignore[attr-defined]
        assert dataclasses.replace(hello).encode() == raw


def test_resumed_sessions_chain_and_keep_the_peer() -> None:
    client, server = configs()
    _, c1, _ = connect(client, server)
    for _ in range(3):
        pair, c, s = connect(client, server)
        assert_resumed(pair, c, s)
        assert [x.subject for x in c.peer_certificates] == [x.subject for x in c1.peer_certificates]


def test_each_client_config_has_its_own_store_and_keys_are_separate() -> None:
    client, server = configs()
    connect(client, server)
    _, c, s = connect(client_config(), server)
    assert not c.resumed and not s.resumed
    # Same store, another identity (e.g. "host:port" from a socket adapter): nothing to offer.
    pair = Pair(client, server)
    pair.client = ClientConnection(client, server_name=HOST, session_key="localhost:8443")
    c2, s2 = pair.handshake()
    assert not c2.resumed and not s2.resumed
    assert store_of(client).take("localhost:8443", version=TLS13, now=client.clock()) is not None


def test_session_key_defaults_to_server_name() -> None:
    conn = ClientConnection(client_config(), server_name="example.com")
    assert conn.session_key == "example.com"
    assert ClientConnection(client_config(), server_name="example.com", session_key="a:1").session_key == "a:1"
    assert ClientConnection(client_config(dangerous_skip_verification=True)).session_key is None


def test_resumption_with_hello_retry_request() -> None:
    client, server = configs(
        client={"key_share_groups": (NamedGroup.X25519,)}, server={"groups": (NamedGroup.SECP384R1,)}
    )
    connect(client, server)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)
    assert c.hello_retry_request and s.hello_retry_request and c.group == NamedGroup.SECP384R1
    first, second = client_hellos(pair)
    p1, p2 = first.extensions[-1], second.extensions[-1]
    assert isinstance(p1, ext.PreSharedKeyClientHello) and isinstance(p2, ext.PreSharedKeyClientHello)
    assert p1.identities[0].identity == p2.identities[0].identity
    # RFC 8446 section 4.1.2: a new binder, over message_hash(ClientHello1) + HelloRetryRequest + ClientHello2.
    assert p1.binders != p2.binders


def test_wrong_binder_after_hello_retry_is_decrypt_error() -> None:
    client, server = configs(
        client={"key_share_groups": (NamedGroup.X25519,)}, server={"groups": (NamedGroup.SECP384R1,)}
    )
    connect(client, server)
    pair = Pair(client, server)
    seen: list[int] = []

    def second_hello_bad_binder(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ClientHello):
            seen.append(1)
            if len(seen) == 2:
                return _flip_binder(msg)
        return None

    with pair.mutate("client", second_hello_bad_binder):
        pair.pump()
    assert isinstance(pair.server_error, DecryptError)
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.DECRYPT_ERROR


def test_mutual_tls_session_keeps_the_client_certificate() -> None:
    client, server = configs(
        client={"client_certificate": chain_of(pki().client)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )
    _, c1, s1 = connect(client, server)
    assert s1.peer_certificates and c1.client_certificate_requested
    pair, c2, s2 = connect(client, server)
    assert_resumed(pair, c2, s2)
    assert "CERTIFICATE_REQUEST" not in sent_types(pair, "server")  # RFC 8446 section 4.3.2
    assert not c2.client_certificate_requested
    assert [x.subject for x in s2.peer_certificates] == [x.subject for x in s1.peer_certificates]


def test_session_without_client_certificate_is_not_resumed_where_one_is_required() -> None:
    client, open_server = configs()
    connect(client, open_server)
    strict = dataclasses.replace(
        open_server,
        client_auth="required",
        client_trust=pki().trust_store(),
    )
    client_with_cert = dataclasses.replace(client, client_certificate=chain_of(pki().client))
    pair, c, s = connect(client_with_cert, strict)
    assert_full(pair, c, s)
    assert any("requires one" in x for x in summaries(pair, "server"))


def test_trace_says_resumed_at_the_end() -> None:
    client, server = configs()
    first, _, _ = connect(client, server)
    pair, _, _ = connect(client, server)
    for side in ("client", "server"):
        done = [x for x in summaries(pair, side) if x.startswith("handshake complete")]
        assert done and "resumed session" in done[0]
        assert not any("resumed session" in x for x in summaries(first, side))


def test_second_client_hello_without_key_share_is_missing_extension() -> None:
    client, server = configs(
        client={"key_share_groups": (NamedGroup.X25519,), "psk_ke_allowed": True},
        server={"groups": (NamedGroup.SECP384R1,), "psk_ke_allowed": True},
    )
    connect(client, server)
    pair = Pair(client, server)
    seen: list[int] = []

    def drop_shares(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ClientHello):
            seen.append(1)
            if len(seen) == 2:
                exts = tuple(
                    e for e in msg.extensions if not isinstance(e, (ext.KeyShareClientHello, ext.SupportedGroups))
                )
                return dataclasses.replace(msg, extensions=exts)
        return None

    with pair.mutate("client", drop_shares):
        pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AlertDescription.MISSING_EXTENSION


def test_alpn_is_negotiated_again_on_resumption() -> None:
    client, server = configs(client={"alpn_protocols": ("h2", "http/1.1")}, server={"alpn_protocols": ("h2",)})
    connect(client, server)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)
    assert c.alpn_protocol == s.alpn_protocol == "h2"


# -- psk_ke (no key exchange) -----------------------------------------------------------------------------


def _only_psk_ke(session: ClientSession) -> Callable[[HandshakeMessage], HandshakeMessage | None]:
    def mutate(msg: HandshakeMessage) -> HandshakeMessage | None:
        if not isinstance(msg, ClientHello):
            return None
        exts = tuple(
            ext.PskKeyExchangeModes((PskKeyExchangeMode.PSK_KE,)) if isinstance(e, ext.PskKeyExchangeModes) else e
            for e in msg.extensions
        )
        return rebind(dataclasses.replace(msg, extensions=exts), session)

    return mutate


def test_psk_ke_when_both_sides_allow_it() -> None:
    client, server = configs(client={"psk_ke_allowed": True}, server={"psk_ke_allowed": True})
    connect(client, server)
    hello_modes = ext.get_extension(
        client_hellos(connect(client, server)[0])[0].extensions, ext.PskKeyExchangeModes
    )  # our client offers psk_dhe_ke first, then psk_ke; the server prefers psk_dhe_ke
    assert hello_modes is not None
    assert hello_modes.ke_modes == (PskKeyExchangeMode.PSK_DHE_KE, PskKeyExchangeMode.PSK_KE)
    pair = Pair(client, server)
    with pair.mutate("client", _only_psk_ke(peek_session(client))):
        c, s = pair.handshake()
    assert c.resumed and s.resumed
    assert c.group is None and s.group is None  # no key exchange at all
    assert any("psk_ke" in x and "no forward secrecy" in x for x in summaries(pair, "server"))
    assert pair.transfer("client", b"data") == b"data"


def test_server_refuses_psk_ke_by_default() -> None:
    client, server = configs(client={"psk_ke_allowed": True})
    connect(client, server)
    pair = Pair(client, server)
    with pair.mutate("client", _only_psk_ke(peek_session(client))):
        c, s = pair.handshake()
    assert_full(pair, c, s)
    assert any("only psk_ke" in x for x in summaries(pair, "server"))


def test_client_refuses_psk_ke_it_did_not_offer() -> None:
    client, server = configs()
    connect(client, server)
    pair = Pair(client, server)

    def drop_key_share(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ServerHello):
            exts = tuple(e for e in msg.extensions if not isinstance(e, ext.KeyShareServerHello))
            return dataclasses.replace(msg, extensions=exts)
        return None

    with pair.mutate("server", drop_key_share):
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter)
    assert "psk_ke" in pair.client_error.reason


# -- unusable tickets: a full handshake, with the reason in the trace -----------------------------------


def test_wrong_binder_is_decrypt_error() -> None:
    client, server = configs()
    connect(client, server)
    pair = Pair(client, server)
    with pair.mutate("client", lambda m: _flip_binder(m) if isinstance(m, ClientHello) else None):
        pair.pump()
    assert isinstance(pair.server_error, DecryptError)
    assert "binder" in pair.server_error.reason
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.DECRYPT_ERROR


def _flip_binder(hello: ClientHello) -> ClientHello:
    offer = hello.extensions[-1]
    assert isinstance(offer, ext.PreSharedKeyClientHello)
    binder = bytes([offer.binders[0][0] ^ 1]) + offer.binders[0][1:]
    return dataclasses.replace(
        hello, extensions=(*hello.extensions[:-1], dataclasses.replace(offer, binders=(binder,)))
    )


def test_binder_covers_the_whole_client_hello() -> None:
    """Changing any part of the ClientHello before the binders (here: the random) breaks the binder."""
    client, server = configs()
    connect(client, server)
    pair = Pair(client, server)

    def new_random(msg: HandshakeMessage) -> HandshakeMessage | None:
        return dataclasses.replace(msg, random=bytes(32)) if isinstance(msg, ClientHello) else None

    with pair.mutate("client", new_random):
        pair.pump()
    assert isinstance(pair.server_error, DecryptError)


def test_expired_ticket_gives_a_full_handshake() -> None:
    server_clock = Clock(pki().now)
    client, server = configs(server={"clock": server_clock, "ticket_lifetime": 60})
    connect(client, server)
    server_clock.advance(61)  # the client's clock stands still: it still offers the ticket
    pair, c, s = connect(client, server)
    assert_full(pair, c, s)
    assert any("not used: it expired" in x for x in summaries(pair, "server"))


def test_client_does_not_offer_an_expired_ticket() -> None:
    clock = Clock(pki().now)
    client, server = configs(client={"clock": clock}, server={"clock": clock, "ticket_lifetime": 60})
    connect(client, server)
    clock.advance(61)
    pair, c, s = connect(client, server)
    assert_full(pair, c, s)
    assert ext.get_extension(client_hellos(pair)[0].extensions, ext.PreSharedKeyClientHello) is None


def test_ticket_age_far_from_the_servers_gives_a_full_handshake() -> None:
    server_clock = Clock(pki().now)
    client, server = configs(server={"clock": server_clock})
    connect(client, server)
    server_clock.advance(120)  # within the lifetime, but the client says the ticket is ~0 s old
    pair, c, s = connect(client, server)
    assert_full(pair, c, s)
    assert any("ticket age" in x and "far from ours" in x for x in summaries(pair, "server"))


def test_ticket_age_is_obfuscated_and_checked() -> None:
    clock = Clock(pki().now)
    client, server = configs(client={"clock": clock}, server={"clock": clock})
    connect(client, server)
    session = peek_session(client)
    clock.advance(30)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)
    offer = client_hellos(pair)[0].extensions[-1]
    assert isinstance(offer, ext.PreSharedKeyClientHello)
    # RFC 8446 section 4.2.11.1: (age in ms + ticket_age_add) mod 2^32.
    assert offer.identities[0].obfuscated_ticket_age == (30_000 + session.age_add) % 2**32


def test_ticket_under_a_retired_key_gives_a_full_handshake() -> None:
    keys = TicketKeys.generate(keep=2)
    client, server = configs(server={"ticket_keys": keys})
    connect(client, server)
    keys.rotate(server.random)  # one rotation: the previous key still decrypts
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)  # ... and this connection got tickets under the new key
    stale = peek_session(client)
    keys.rotate(server.random)
    keys.rotate(server.random)  # the key of every stored ticket is gone
    store_of(client).store(HOST, stale)
    pair, c, s = connect(client, server)
    assert_full(pair, c, s)
    assert any("not issued under a current key" in x for x in summaries(pair, "server"))


def test_ticket_from_another_server_gives_a_full_handshake() -> None:
    client, server = configs()
    connect(client, server)
    other = dataclasses.replace(server, ticket_keys=TicketKeys.generate(), session_cache=ServerSessionCache())
    pair, c, s = connect(client, other)
    assert_full(pair, c, s)


def test_servers_sharing_a_key_file_resume_each_others_sessions(tmp_path: Any) -> None:
    path = tmp_path / "ticket.key"
    TicketKeys.generate().write_file(path)
    client, one = configs(server={"ticket_keys": TicketKeys.from_file(path)})
    two = dataclasses.replace(one, ticket_keys=TicketKeys.from_file(path), session_cache=ServerSessionCache())
    connect(client, one)
    pair, c, s = connect(client, two)
    assert_resumed(pair, c, s)


def test_modified_ticket_gives_a_full_handshake() -> None:
    client, server = configs()
    connect(client, server)
    store = store_of(client)
    store.take(HOST, version=TLS13, now=client.clock())
    session = store.take(HOST, version=TLS13, now=client.clock())
    assert session is not None and store.take(HOST, version=TLS13, now=client.clock()) is None
    altered = bytearray(session.ticket)
    altered[40] ^= 0x80  # inside the encrypted state
    store.store(HOST, dataclasses.replace(session, ticket=bytes(altered)))
    pair, c, s = connect(client, server)  # the client's binder is fine: only the server can tell
    assert_full(pair, c, s)
    assert any("modified (bad MAC)" in x for x in summaries(pair, "server"))


def test_reused_ticket_is_refused_when_single_use() -> None:
    client, server = configs()
    connect(client, server)
    session = peek_session(client)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)
    store_of(client).forget(HOST)
    store_of(client).store(HOST, session)  # a client that replays the same ticket
    pair, c, s = connect(client, server)
    assert_full(pair, c, s)
    assert any("already used" in x for x in summaries(pair, "server"))


def test_reused_ticket_is_accepted_when_not_single_use() -> None:
    client, server = configs(server={"single_use_tickets": False})
    connect(client, server)
    session = peek_session(client)
    connect(client, server)
    store_of(client).store(HOST, session)
    pair, c, s = connect(client, server)
    assert_resumed(pair, c, s)


def test_suite_with_another_hash_gives_a_full_handshake() -> None:
    sha384 = CipherSuite.TLS_AES_256_GCM_SHA384
    client, server = configs(server={"cipher_suites": (sha384,)})
    _, c1, _ = connect(client, server)
    assert c1.cipher_suite == sha384
    sha256_server = dataclasses.replace(server, cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,))
    pair, c, s = connect(client, sha256_server)
    assert_full(pair, c, s)
    assert any("uses sha384" in x for x in summaries(pair, "server"))
    # Same hash, other suite: fine (RFC 8446 section 4.2.11 only asks for the same hash).
    _, c1, _ = connect(client, dataclasses.replace(server, cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,)))
    chacha = dataclasses.replace(server, cipher_suites=(CipherSuite.TLS_CHACHA20_POLY1305_SHA256,))
    pair, c, s = connect(client, chacha)
    assert_resumed(pair, c, s)
    assert c.cipher_suite == CipherSuite.TLS_CHACHA20_POLY1305_SHA256


def test_client_offers_no_ticket_without_a_suite_of_its_hash() -> None:
    client, server = configs(server={"cipher_suites": (CipherSuite.TLS_AES_256_GCM_SHA384,)})
    connect(client, server)
    sha256_client = dataclasses.replace(client, cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,))
    sha256_server = dataclasses.replace(server, cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,))
    pair, c, s = connect(sha256_client, sha256_server)
    assert_full(pair, c, s)
    assert ext.get_extension(client_hellos(pair)[0].extensions, ext.PreSharedKeyClientHello) is None
    assert any("no offered cipher suite uses its hash" in x for x in summaries(pair, "client"))


def test_hello_retry_to_another_hash_drops_the_ticket() -> None:
    client, server = configs(
        client={"key_share_groups": (NamedGroup.X25519,)},
        server={"cipher_suites": (CipherSuite.TLS_AES_256_GCM_SHA384,)},
    )
    connect(client, server)
    retrying = dataclasses.replace(
        server, cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,), groups=(NamedGroup.SECP256R1,)
    )
    pair, c, s = connect(client, retrying)
    assert_full(pair, c, s)
    first, second = client_hellos(pair)
    assert isinstance(first.extensions[-1], ext.PreSharedKeyClientHello)
    assert ext.get_extension(second.extensions, ext.PreSharedKeyClientHello) is None


def test_server_name_must_match_the_session() -> None:
    client, server = configs()
    connect(client, server)
    session = peek_session(client)
    store_of(client).store("127.0.0.1", session)
    pair, c, s = connect(client, server, server_name="127.0.0.1")
    assert_full(pair, c, s)
    assert any("for server name 'localhost'" in x for x in summaries(pair, "client"))


def test_server_checks_the_server_name_too() -> None:
    client, server = configs()
    connect(client, server)
    session = peek_session(client)
    store_of(client).store("127.0.0.1", dataclasses.replace(session, server_name="127.0.0.1"))
    pair, c, s = connect(client, server, server_name="127.0.0.1")
    assert_full(pair, c, s)
    assert any("for server name 'localhost'" in x for x in summaries(pair, "server"))


def test_tickets_are_tried_in_order_and_the_first_usable_one_wins() -> None:
    client, server = configs()
    connect(client, server)
    session = peek_session(client)
    pair = Pair(client, server)

    def two_identities(msg: HandshakeMessage) -> HandshakeMessage | None:
        if not isinstance(msg, ClientHello):
            return None
        offer = msg.extensions[-1]
        assert isinstance(offer, ext.PreSharedKeyClientHello)
        junk = ext.PskIdentity(b"\x00" * 80, 0)
        two = ext.PreSharedKeyClientHello((junk, offer.identities[0]), (bytes(48), offer.binders[0]))
        hello = dataclasses.replace(msg, extensions=(*msg.extensions[:-1], two))
        # Recompute both binders' positions: the binder of identity 1 covers the new truncated hello.
        suite = TLS13_SUITES[session.cipher_suite]
        truncated = hello.encode()[: -two.binders_length()]
        binder = ks.finished_verify_data(
            suite, ks.EarlySecret(suite, session.secret).binder_key(external=False), suite.hash(truncated)
        )
        final = dataclasses.replace(two, binders=(bytes(48), binder))
        return dataclasses.replace(hello, extensions=(*hello.extensions[:-1], final))

    with pair.mutate("client", two_identities):
        pair.pump()
    # The server selected identity 1; our client offered one identity, so selected_identity 1 is illegal.
    assert isinstance(pair.client_error, IllegalParameter)
    assert "selected PSK identity 1" in pair.client_error.reason
    assert any("session ticket #0 not used" in x for x in summaries(pair, "server"))
    assert any("session ticket #1 is valid" in x for x in summaries(pair, "server"))


def test_server_selecting_an_identity_we_did_not_offer_is_illegal_parameter() -> None:
    client, server = configs()
    connect(client, server)
    pair = Pair(client, server)

    def select_2(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ServerHello):
            exts = tuple(
                ext.PreSharedKeyServerHello(2) if isinstance(e, ext.PreSharedKeyServerHello) else e
                for e in msg.extensions
            )
            return dataclasses.replace(msg, extensions=exts)
        return None

    with pair.mutate("server", select_2):
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter)
    assert isinstance(pair.server_error, AlertReceived)
    assert pair.server_error.description == AlertDescription.ILLEGAL_PARAMETER


def test_server_pre_shared_key_without_an_offer_is_refused() -> None:
    client, server = configs()
    pair = Pair(client, server)

    def add_psk(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ServerHello):
            return dataclasses.replace(msg, extensions=(*msg.extensions, ext.PreSharedKeyServerHello(0)))
        return None

    with pair.mutate("server", add_psk):
        pair.pump()
    assert pair.client_error is not None and pair.client_error.alert in (
        AlertDescription.UNSUPPORTED_EXTENSION,
        AlertDescription.ILLEGAL_PARAMETER,
    )


def test_pre_shared_key_without_modes_is_missing_extension() -> None:
    client, server = configs()
    connect(client, server)
    session = peek_session(client)
    pair = Pair(client, server)

    def drop_modes(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ClientHello):
            exts = tuple(e for e in msg.extensions if not isinstance(e, ext.PskKeyExchangeModes))
            return rebind(dataclasses.replace(msg, extensions=exts), session)
        return None

    with pair.mutate("client", drop_modes):
        pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AlertDescription.MISSING_EXTENSION


def test_binder_count_must_match_identities() -> None:
    client, server = configs()
    connect(client, server)
    pair = Pair(client, server)

    def extra_binder(msg: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(msg, ClientHello):
            offer = msg.extensions[-1]
            assert isinstance(offer, ext.PreSharedKeyClientHello)
            more = dataclasses.replace(offer, binders=(*offer.binders, bytes(32)))
            return dataclasses.replace(msg, extensions=(*msg.extensions[:-1], more))
        return None

    with pair.mutate("client", extra_binder):
        pair.pump()
    assert isinstance(pair.server_error, IllegalParameter)


# -- tickets: how many, and when none ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 3])
def test_ticket_count_is_configurable(count: int) -> None:
    client, server = configs(server={"session_tickets": count})
    pair, _, _ = connect(client, server)
    assert sent_types(pair, "server").count("NEW_SESSION_TICKET") == count
    assert len(store_of(client)) == count


def test_no_tickets_without_ticket_keys() -> None:
    client, server = configs(server={"ticket_keys": None})
    pair, _, _ = connect(client, server)
    assert "NEW_SESSION_TICKET" not in sent_types(pair, "server")


def test_client_without_a_store_neither_asks_for_nor_gets_tickets() -> None:
    client, server = configs(client={"session_store": None})
    pair, _, _ = connect(client, server)
    assert ext.get_extension(client_hellos(pair)[0].extensions, ext.PskKeyExchangeModes) is None
    assert "NEW_SESSION_TICKET" not in sent_types(pair, "server")  # RFC 8446 section 4.2.9


def test_ticket_lifetime_and_contents() -> None:
    client, server = configs(server={"ticket_lifetime": 600})
    pair, _, _ = connect(client, server)
    tickets = [e.ticket for e in pair.client_events if isinstance(e, NewSessionTicketReceived)]
    assert {t.lifetime for t in tickets} == {600}
    assert len({t.nonce for t in tickets}) == len(tickets)
    assert len({t.age_add for t in tickets}) == len(tickets)
    for t in tickets:
        assert t.ticket[:16] in server.ticket_keys.key_names  # type: ignore[union-attr]


def test_zero_lifetime_ticket_is_not_stored() -> None:
    client, server = configs()
    pair = Pair(client, server)

    def zero(msg: HandshakeMessage) -> HandshakeMessage | None:
        return dataclasses.replace(msg, ticket_lifetime=0) if isinstance(msg, NewSessionTicket) else None

    with pair.mutate("server", zero):
        pair.handshake()
        pair.transfer("server", b"x")
    assert len(store_of(client)) == 0


def test_handshake_complete_event_reports_resumption() -> None:
    client, server = configs()
    connect(client, server)
    pair, _, _ = connect(client, server)
    complete = [e for e in pair.client_events if isinstance(e, HandshakeComplete)]
    assert complete and complete[0].negotiated.resumed


# -- configuration ---------------------------------------------------------------------------------------


def test_safe_defaults() -> None:
    client, server = ClientConfig(), server_config()
    assert isinstance(client.session_store, ClientSessionStore) and not client.psk_ke_allowed
    assert server.session_tickets == 2 and server.ticket_lifetime == 7200
    assert server.single_use_tickets and not server.psk_ke_allowed
    assert isinstance(server.ticket_keys, TicketKeys) and isinstance(server.session_cache, ServerSessionCache)
    # Each config gets its own store, keys and cache (no accidental sharing between servers).
    other = server_config()
    assert other.ticket_keys is not server.ticket_keys and other.session_cache is not server.session_cache
    assert ClientConfig().session_store is not client.session_store


@pytest.mark.parametrize(
    "changes",
    [
        {"session_tickets": -1},
        {"session_tickets": 17},
        {"ticket_lifetime": 0},
        {"ticket_lifetime": 604801},
        {"session_cache": None},  # single-use tickets need somewhere to record uses
    ],
)
def test_bad_server_session_settings(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        server_config(**changes)


def test_server_without_cache_and_tickets_is_fine() -> None:
    server_config(session_cache=None, ticket_keys=None)
    server_config(session_cache=None, single_use_tickets=False)
