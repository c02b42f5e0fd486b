"""The client's half of the hello exchange, for both versions: :func:`start_handshake` sends the ClientHello
(what it offers is client_hello.py) and :class:`ExpectServerHello` reads the server's answer, one named step
after the other, in the order of RFC 8446 section 4.1.3::

    start_handshake         the ClientHello: both versions, key shares, tickets  RFC 8446 4.1.2, D.1
    ExpectServerHello.handle(ServerHello | HelloRetryRequest)
      (HelloRequest)        ignored while negotiating                          RFC 5246 7.4.1.1
      _check_version        what the server chose, downgrade sentinels         RFC 8446 4.1.3, 4.2.1
                              TLS 1.2 ──► client12.server_hello_received
      _check_legacy_fields  legacy_session_id_echo, compression                RFC 8446 4.1.3
      _check_suite          a suite we offered (after a retry: the same)       RFC 8446 4.1.3, 4.1.4
      _check_extensions     only extensions we offered                         RFC 8446 4.2
      _hello_retry          HelloRetryRequest: a second ClientHello            RFC 8446 4.1.4
                              ──► ExpectServerHello
      _check_resumption     the ticket the server accepted, if any             RFC 8446 4.2.11
      _check_group          the server's key share, or none (psk_ke)           RFC 8446 4.2.8, 4.2.9
      ──► client13.handshake_keys ──► ExpectEncryptedExtensions

Modules: this one sits above the version modules (it imports client12 and client13 to hand over to them;
neither imports it).
"""

from __future__ import annotations

from typing import cast

from glasstls.config import ClientConfig
from glasstls.crypto.groups import KeyExchange, exchange_name, start_key_exchange
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    IllegalParameter,
    MissingExtension,
    ProtocolVersionError,
    UnexpectedMessage,
    UnsupportedExtension,
)
from glasstls.handshake import client12, client13, early_data_client
from glasstls.handshake.base import Actions, Context, State
from glasstls.handshake.client_hello import ClientHandshake, client_hello, config_offer, offered_versions
from glasstls.handshake.client_psk13 import PskOffer, bind_psk, psk_offer
from glasstls.sessions import ClientSession
from glasstls.trace.times import seconds_text
from glasstls.wire import extensions as ext
from glasstls.wire.describe import describe
from glasstls.wire.enums import CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion
from glasstls.wire.messages import (
    DOWNGRADE_TLS11,
    DOWNGRADE_TLS12,
    ClientHello,
    HandshakeMessage,
    HelloRequest,
    ServerHello,
    decode_handshake,
)


def start_handshake(
    ctx: Context,
    config: ClientConfig,
    server_name: str | None,
    actions: Actions,
    session: ClientSession | None = None,
    *,
    session12: ClientSession | None = None,
    early_data: bytes | None = None,
) -> State:
    """Build and queue the first ClientHello; returns ExpectServerHello. ``session``: a stored TLS 1.3 session
    to offer for resumption (taken from the session store by the connection)."""
    random = config.random(32)
    ctx.client_random = random
    # RFC 8446 appendix D.4: a non-empty legacy_session_id puts us in middlebox compatibility mode.
    session_id = config.random(32) if config.middlebox_compatibility else b""
    session12 = client12.resumable(config, server_name, session12, actions)
    if session12 is not None:
        # RFC 5246 section 7.4.1.2: the session ID to resume; RFC 5077 section 3.4: with a ticket, a fresh ID
        # that the server echoes when it accepts the ticket.
        session_id = session12.session_id or config.random(32)
    # Key shares exist only in TLS 1.3 (RFC 8446 section 4.2.8): a TLS 1.2-only client makes none.
    offers13 = config.max_version >= ProtocolVersion.TLS13
    shares = [start_key_exchange(g, config.random) for g in config.key_share_groups] if offers13 else []
    psk = psk_offer(config, server_name, session, actions)
    early = early_data_client.offer(config, psk, early_data, actions)
    probe = ClientHandshake(ctx, config, server_name, frozenset(), session_id, session12, psk=psk, early=early)
    hello = client_hello(probe, random, shares, None)
    hs = ClientHandshake(
        ctx,
        config,
        server_name,
        frozenset(e.wire_type for e in hello.extensions),
        session_id,
        session12=session12,
        psk=psk,
        early=early,
    )
    hello = bind_psk(hs.psk, hello, None)
    if psk is not None:
        actions.trace(
            "choice",
            "ClientHello",
            f"offering a session ticket from {seconds_text(psk.session.created_at)} UTC for resumption "
            f"({psk.suite.hash_name} binder)",
        )
    transcript = Transcript()
    hello_raw = actions.send(hello)
    transcript.add(hello_raw)
    if early is not None and psk is not None:
        hs.ccs_sent = early_data_client.send(early, psk, hello_raw, config.middlebox_compatibility, actions)
    actions.trace(
        "choice",
        "ClientHello",
        f"offering {' and '.join(str(v) for v in config_offer(config).versions).replace('TLS1', 'TLS 1.')} with "
        f"{len(hello.cipher_suites)} cipher suites"
        + (", key shares for " + ", ".join(str(s.group) for s in shares) if shares else ""),
        {"server_name": server_name, "alpn": list(config.alpn_protocols)},
    )
    actions.allow_ccs(True)  # RFC 8446 section 5: from the first ClientHello until the peer's Finished
    return ExpectServerHello(hs, hello, transcript, {s.group: s for s in shares}, None)


class ExpectServerHello(State):
    """Waiting for ServerHello, or a HelloRetryRequest (RFC 8446 sections 4.1.3, 4.1.4)."""

    expects = frozenset({HandshakeType.SERVER_HELLO})
    step = "ServerHello"

    def __init__(
        self,
        hs: ClientHandshake,
        hello: ClientHello,
        transcript: Transcript,
        shares: dict[NamedGroup, KeyExchange],
        retry_suite: CipherSuite | None,
    ) -> None:
        self.hs = hs
        self.hello = hello
        self.transcript = transcript
        self.shares = shares
        self.retry_suite = retry_suite  # set after a HelloRetryRequest: ServerHello must keep this suite

    def _ignores_hello_request(self) -> bool:
        """RFC 5246 section 7.4.1.1: a client that may still end up in TLS 1.2 ignores HelloRequest while it
        negotiates (TLS 1.3 has no HelloRequest; after a HelloRetryRequest the version is TLS 1.3)."""
        return not self.hs.hello_retry and ProtocolVersion.TLS12 in offered_versions(self.hs.config)

    def check_accepts(self, msg_type: int) -> None:
        if msg_type == HandshakeType.HELLO_REQUEST and self._ignores_hello_request():
            return
        super().check_accepts(msg_type)

    def decode(self, msg_type: int, body: bytes) -> HandshakeMessage:
        if msg_type == HandshakeType.HELLO_REQUEST:
            return decode_handshake(msg_type, body, version=ProtocolVersion.TLS12)
        return super().decode(msg_type, body)

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        if isinstance(msg, HelloRequest):
            client12.ignore_hello_request(self.step, actions)  # RFC 5246 section 7.4.1.1
            return self
        sh = cast(ServerHello, msg)
        step = "HelloRetryRequest" if sh.is_hello_retry_request else "ServerHello"
        version = self._check_version(sh, step)
        actions.check(step, f"server selected {version}")
        if version == ProtocolVersion.TLS12:
            return client12.server_hello_received(self.hs, self.hello, self.transcript, sh, raw, actions)
        self._check_legacy_fields(sh, step)
        suite = self._check_suite(sh, step)
        self._check_extensions(sh, step)
        actions.check(step, f"cipher suite {sh.cipher_suite} is one we offered")
        if sh.is_hello_retry_request:
            return self._hello_retry(sh, raw, suite, actions)
        psk = self._check_resumption(sh, suite, actions)
        shared = self._check_group(sh, suite, psk, actions)
        return client13.handshake_keys(self.hs, self.transcript, sh, raw, suite, psk, shared, actions)

    # -- the steps, in the order handle takes them -------------------------------------------------------

    def _check_version(self, sh: ServerHello, step: str) -> ProtocolVersion:
        """RFC 8446 section 4.2.1: supported_versions names TLS 1.3; without it the server chose TLS 1.2 or
        older, and section 4.1.3's downgrade sentinels are checked first."""
        sv = ext.get_extension(sh.extensions, ext.SupportedVersionsServerHello)
        config = self.hs.config
        if sv is None:
            # The server chose TLS 1.2 or older. RFC 8446 section 4.1.3: a client that offered TLS 1.3 checks the
            # downgrade sentinel first (and a TLS 1.2 client the TLS 1.1 one).
            sentinels = (DOWNGRADE_TLS12, DOWNGRADE_TLS11) if config.max_version == ProtocolVersion.TLS13 else ()
            if sh.legacy_version == ProtocolVersion.TLS12 and config.min_version <= ProtocolVersion.TLS12:
                if sh.random[-8:] in sentinels or sh.random[-8:] == DOWNGRADE_TLS11:
                    raise IllegalParameter(
                        "ServerHello.random carries the TLS 1.3 downgrade sentinel: a server that supports a newer "
                        "version was made to pick TLS 1.2 (possible downgrade attack, RFC 8446 section 4.1.3)",
                        step=step,
                    )
                if sh.is_hello_retry_request:
                    raise IllegalParameter("a HelloRetryRequest must select TLS 1.3", step=step)
                return ProtocolVersion.TLS12
            if sh.random[-8:] in sentinels:
                raise IllegalParameter(
                    "ServerHello.random carries the TLS 1.3 downgrade sentinel: a TLS 1.3 server was "
                    "made to pick an older version (possible downgrade attack)",
                    step=step,
                )
            enabled = " and ".join(str(v) for v in offered_versions(config))
            raise ProtocolVersionError(
                f"server selected {ProtocolVersion(sh.legacy_version)}, but only {enabled} is enabled",
                step=step,
                hint="the server does not support the versions we enabled"
                + (
                    "; enable TLS 1.2 on the client if that is acceptable"
                    if config.min_version > ProtocolVersion.TLS12
                    else ""
                ),
            )
        if sv.selected_version != ProtocolVersion.TLS13 or config.max_version < ProtocolVersion.TLS13:
            raise IllegalParameter(
                f"server selected {sv.selected_version} in supported_versions, which we did not offer",
                step=step,
            )
        if sh.legacy_version != ProtocolVersion.TLS12:
            raise IllegalParameter("legacy_version must be 0x0303 in a TLS 1.3 ServerHello", step=step)
        return sv.selected_version

    def _check_legacy_fields(self, sh: ServerHello, step: str) -> None:
        """RFC 8446 section 4.1.3: legacy_session_id_echo echoes ours; legacy_compression_method is 0."""
        if sh.legacy_session_id_echo != self.hs.session_id:
            raise IllegalParameter("legacy_session_id_echo does not match the session ID we sent", step=step)
        if sh.legacy_compression_method != 0:
            raise IllegalParameter("legacy_compression_method must be 0", step=step)

    def _check_suite(self, sh: ServerHello, step: str) -> Tls13CipherSuite:
        """RFC 8446 section 4.1.3: a cipher suite we did not offer is illegal_parameter; after a
        HelloRetryRequest, the ServerHello keeps its suite (section 4.1.4)."""
        if sh.cipher_suite not in self.hs.config.cipher_suites or sh.cipher_suite not in TLS13_SUITES:
            raise IllegalParameter(f"server selected cipher suite {sh.cipher_suite}, which we did not offer", step=step)
        if self.retry_suite is not None and sh.cipher_suite != self.retry_suite:
            raise IllegalParameter(
                f"ServerHello suite {sh.cipher_suite} differs from the HelloRetryRequest's {self.retry_suite}",
                step=step,
            )
        return TLS13_SUITES[sh.cipher_suite]

    def _check_extensions(self, sh: ServerHello, step: str) -> None:
        """RFC 8446 section 4.2: only extensions allowed in this message, and only those we offered (cookie: only
        in a HelloRetryRequest, server-initiated)."""
        ctx_type = HandshakeType.HELLO_RETRY_REQUEST if sh.is_hello_retry_request else HandshakeType.SERVER_HELLO
        ext.check_extensions_allowed(sh.extensions, ctx_type)
        for e in sh.extensions:
            if e.wire_type not in self.hs.offered_extensions and e.wire_type != ExtensionType.COOKIE:
                raise UnsupportedExtension(f"server sent {e.wire_type}, which we did not offer", step=step)

    def _hello_retry(self, hrr: ServerHello, raw: bytes, suite: Tls13CipherSuite, actions: Actions) -> State:
        """RFC 8446 section 4.1.4: one HelloRetryRequest at most, asking for a share of a group we offered
        (and not one we sent) or echoing a cookie; the transcript restarts (section 4.4.1) and the second
        ClientHello goes out."""
        step = "HelloRetryRequest"
        hs = self.hs
        if hs.hello_retry:
            # RFC 8446 section 4.1.4: a second HelloRetryRequest is unexpected_message.
            raise UnexpectedMessage("server sent a second HelloRetryRequest", step=step)
        key_share = ext.get_extension(hrr.extensions, ext.KeyShareHelloRetryRequest)
        cookie = ext.get_extension(hrr.extensions, ext.Cookie)
        if key_share is None and cookie is None:
            raise IllegalParameter("HelloRetryRequest would not change the ClientHello", step=step)
        shares = dict(self.shares)
        if key_share is not None:
            group = key_share.selected_group
            if group not in hs.config.groups:
                raise IllegalParameter(f"HelloRetryRequest asks for {group}, which we did not offer", step=step)
            if group in self.shares:
                raise IllegalParameter(
                    f"HelloRetryRequest asks for {group}, for which we already sent a key share", step=step
                )
            shares = {group: start_key_exchange(group, hs.config.random)}
        hs.hello_retry = True
        early_data_client.hello_retry(hs.early, actions)  # rejects 0-RTT: back to plaintext writes
        # RFC 8446 section 4.4.1: the transcript restarts with message_hash(ClientHello1).
        self.transcript.set_hash(suite)
        self.transcript.hrr_restart()
        self.transcript.add(raw)
        if hs.psk is not None and hs.psk.suite.hash_name != suite.hash_name:
            # RFC 8446 section 4.1.2: the second ClientHello may drop PSKs the chosen suite cannot use.
            actions.trace("info", step, f"the server's suite uses {suite.hash_name}: no longer offering our ticket")
            hs.psk = None
        actions.trace(
            "choice",
            step,
            "server asked for another ClientHello"
            + (f" with a key share for {key_share.selected_group}" if key_share else "")
            + (" echoing its cookie" if cookie else ""),
        )
        if hs.config.middlebox_compatibility and not hs.ccs_sent:
            actions.send_ccs()  # RFC 8446 appendix D.4: before the second flight
            hs.ccs_sent = True
        hello = client_hello(hs, self.hello.random, list(shares.values()), cookie.cookie if cookie else None)
        # RFC 8446 section 4.1.2: new ticket age and binder; the binder now covers the HelloRetryRequest too.
        hello = bind_psk(hs.psk, hello, self.transcript)
        self.transcript.add(actions.send(hello))
        return ExpectServerHello(hs, hello, self.transcript, shares, hrr.cipher_suite)

    def _check_resumption(self, sh: ServerHello, suite: Tls13CipherSuite, actions: Actions) -> PskOffer | None:
        """RFC 8446 section 4.2.11: the server's selected_identity is one we offered, with the suite's hash."""
        step = "ServerHello"
        hs = self.hs
        selected = ext.get_extension(sh.extensions, ext.PreSharedKeyServerHello)
        if selected is None:
            if hs.psk is not None:
                actions.trace("info", step, "server did not accept our session ticket: full handshake")
            return None
        if hs.psk is None or selected.selected_identity != 0:
            raise IllegalParameter(
                f"server selected PSK identity {selected.selected_identity}, which we did not offer", step=step
            )
        if hs.psk.suite.hash_name != suite.hash_name:
            raise IllegalParameter(
                f"server resumed our {hs.psk.suite.hash_name} ticket with {sh.cipher_suite}, a suite of another hash",
                step=step,
            )
        hs.resumed = hs.psk.session
        actions.check(step, "server accepted our session ticket: resuming (no certificate this time)")
        return hs.psk

    def _check_group(self, sh: ServerHello, suite: Tls13CipherSuite, psk: PskOffer | None, actions: Actions) -> bytes:
        """RFC 8446 section 4.2.8: the server's share is for a group we sent a share for; without one (psk_ke,
        section 4.2.9) only if we offered psk_ke. Returns the (EC)DHE shared secret (zeros for psk_ke)."""
        step = "ServerHello"
        key_share = ext.get_extension(sh.extensions, ext.KeyShareServerHello)
        if key_share is None:
            if psk is None:
                raise MissingExtension("ServerHello has no key_share (and accepted no PSK)", step=step)
            if not self.hs.config.psk_ke_allowed:
                # RFC 8446 section 4.2.11: key_share is required by the modes we offered (psk_dhe_ke only).
                raise IllegalParameter("server resumed without a key share (psk_ke), which we did not offer", step=step)
            actions.trace(
                "key_exchange",
                step,
                "psk_ke: no key exchange; the session keys come from the ticket alone (no forward secrecy)",
            )
            return bytes(suite.hash_len)  # RFC 8446 section 7.1: no (EC)DHE input is 0
        group = key_share.server_share.group
        exchange = self.shares.get(group)
        if exchange is None:
            raise IllegalParameter(f"server's key share is for {group}, for which we sent no share", step=step)
        shared = exchange.exchange(key_share.server_share.key_exchange)
        self.hs.group = group
        actions.trace(
            "key_exchange",
            step,
            f"{exchange_name(group)} over {group}: both sides now share a secret; forward secrecy, since the key "
            "pairs are ephemeral",
            {"group": str(group), "server_share": describe(key_share.server_share.key_exchange)},
        )
        return shared
