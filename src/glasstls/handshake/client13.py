"""TLS 1.3 client states (RFC 8446 sections 4.1-4.4, 7).

start_handshake ──► ExpectServerHello ──(HRR)──► ExpectServerHello
                          │
                          ▼
              ExpectEncryptedExtensions ──► ExpectCertificateOrCertificateRequest
                                              │             │
                                              │             ▼
                                              │      ExpectCertificate
                                              ▼             │
                                   ExpectCertificateVerify ◄┘
                                              │
                                              ▼
                                        ExpectFinished ──► (client flight) ──► ClientTraffic
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from cryptography import x509

from glasstls.config import ClientConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto import signatures
from glasstls.crypto.groups import KeyExchange, exchange_name, start_key_exchange
from glasstls.crypto.keys import PublicKey, is_rsassa_pss_certificate, load_der_certificate
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    DecodeError,
    IllegalParameter,
    MissingExtension,
    ProtocolVersionError,
    UnexpectedMessage,
    UnsupportedExtension,
)
from glasstls.events import Negotiated
from glasstls.handshake import client12, early_data_client
from glasstls.handshake.base import (
    Actions,
    Context,
    FinishedVerified,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_certificate_verify,
    check_finished,
    parse_peer_chain,
)
from glasstls.handshake.client_hello import (
    ClientHandshake,
    client_hello,
    config_offer,
    offered_versions,
)
from glasstls.handshake.client_psk13 import PskOffer, bind_psk, psk_offer
from glasstls.handshake.peer_auth import client_verification, verify_server
from glasstls.handshake.traffic import TrafficState
from glasstls.pki.verify import VerifiedChain
from glasstls.sessions import ClientSession
from glasstls.wire import extensions as ext
from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    CipherSuite,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    DOWNGRADE_TLS11,
    DOWNGRADE_TLS12,
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateVerify,
    ClientHello,
    EncryptedExtensions,
    Finished,
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
        frozenset(e.ext_type for e in hello.extensions),
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
            f"offering a session ticket from {psk.session.created_at:%Y-%m-%d %H:%M:%S} UTC for resumption "
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
            # Not part of any transcript (RFC 5246 section 7.4.1.1).
            actions.trace(
                "info", self.step, "ignored HelloRequest: a handshake is already in progress (RFC 5246 7.4.1.1)"
            )
            return self
        sh = cast(ServerHello, msg)
        hs = self.hs
        step = "HelloRetryRequest" if sh.is_hello_retry_request else "ServerHello"
        version = self._negotiated_version(sh, step)
        actions.check(step, f"server selected {version}")
        if version == ProtocolVersion.TLS12:
            return client12.server_hello_received(hs, self.hello, self.transcript, sh, raw, actions)
        # RFC 8446 section 4.1.3: legacy_session_id_echo must echo ours.
        if sh.legacy_session_id_echo != hs.session_id:
            raise IllegalParameter("legacy_session_id_echo does not match the session ID we sent", step=step)
        if sh.legacy_compression_method != 0:
            raise IllegalParameter("legacy_compression_method must be 0", step=step)
        # RFC 8446 section 4.1.3: a cipher suite we did not offer is illegal_parameter.
        if sh.cipher_suite not in hs.config.cipher_suites or sh.cipher_suite not in TLS13_SUITES:
            raise IllegalParameter(f"server selected cipher suite {sh.cipher_suite}, which we did not offer", step=step)
        if self.retry_suite is not None and sh.cipher_suite != self.retry_suite:
            raise IllegalParameter(
                f"ServerHello suite {sh.cipher_suite} differs from the HelloRetryRequest's {self.retry_suite}",
                step=step,
            )
        ctx_type = HandshakeType.HELLO_RETRY_REQUEST if sh.is_hello_retry_request else HandshakeType.SERVER_HELLO
        ext.check_extensions_allowed(sh.extensions, ctx_type)
        for e in sh.extensions:
            # RFC 8446 section 4.2: only extensions we offered (cookie: only in HRR, server-initiated).
            if e.ext_type not in self.hs.offered_extensions and e.ext_type != ExtensionType.COOKIE:
                raise UnsupportedExtension(f"server sent {e.ext_type}, which we did not offer", step=step)
        suite = TLS13_SUITES[sh.cipher_suite]
        actions.check(step, f"cipher suite {sh.cipher_suite} is one we offered")
        if sh.is_hello_retry_request:
            return self._hello_retry(sh, raw, suite, actions)
        return self._server_hello(sh, raw, suite, actions)

    def _negotiated_version(self, sh: ServerHello, step: str) -> ProtocolVersion:
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

    def _hello_retry(self, hrr: ServerHello, raw: bytes, suite: Tls13CipherSuite, actions: Actions) -> State:
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

    def _server_hello(self, sh: ServerHello, raw: bytes, suite: Tls13CipherSuite, actions: Actions) -> State:
        step = "ServerHello"
        hs = self.hs
        psk = self._accepted_psk(sh, suite, actions)
        key_share = ext.get_extension(sh.extensions, ext.KeyShareServerHello)
        if key_share is None:
            if psk is None:
                raise MissingExtension("ServerHello has no key_share (and accepted no PSK)", step=step)
            if not hs.config.psk_ke_allowed:
                # RFC 8446 section 4.2.11: key_share is required by the modes we offered (psk_dhe_ke only).
                raise IllegalParameter("server resumed without a key share (psk_ke), which we did not offer", step=step)
            shared = bytes(suite.hash_len)  # RFC 8446 section 7.1: no (EC)DHE input is 0
            actions.trace(
                "key_exchange",
                step,
                "psk_ke: no key exchange; the session keys come from the ticket alone (no forward secrecy)",
            )
        else:
            group = key_share.server_share.group
            exchange = self.shares.get(group)
            if exchange is None:
                raise IllegalParameter(f"server's key share is for {group}, for which we sent no share", step=step)
            shared = exchange.exchange(key_share.server_share.key_exchange)
            hs.group = group
            actions.trace(
                "key_exchange",
                step,
                f"{exchange_name(group)} over {group}: both sides now share a secret; forward secrecy, since the key "
                "pairs are ephemeral",
                {"group": str(group), "server_share": describe(key_share.server_share.key_exchange)},
            )
        self.transcript.set_hash(suite)
        self.transcript.add(raw)
        th = self.transcript.digest()
        # RFC 8446 section 7.1: Early Secret (from the PSK when resuming, else from 0) -> Handshake Secret.
        early = psk.early if psk is not None else ks.EarlySecret(suite)
        handshake_secret = early.handshake_secret(shared)
        c_hs = handshake_secret.client_handshake_traffic_secret(th)
        s_hs = handshake_secret.server_handshake_traffic_secret(th)
        actions.install("read", suite, s_hs, "server handshake traffic", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
        # Our handshake write keys now too: any alert we send from here on is protected (RFC 8446 section 5;
        # the middlebox-compatibility change_cipher_spec still goes out in plaintext).
        early_data_client.handshake_write_keys(hs.early, suite, c_hs, actions)  # later with 0-RTT in flight
        return ExpectEncryptedExtensions(hs, suite, self.transcript, handshake_secret, c_hs, s_hs, sh.cipher_suite)

    def _accepted_psk(self, sh: ServerHello, suite: Tls13CipherSuite, actions: Actions) -> PskOffer | None:
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


class _Keys:
    """The handshake-phase secrets the client states pass along."""

    def __init__(
        self,
        suite: Tls13CipherSuite,
        transcript: Transcript,
        handshake_secret: ks.HandshakeSecret,
        c_hs: bytes,
        s_hs: bytes,
        cipher_suite: CipherSuite,
    ) -> None:
        self.suite = suite
        self.transcript = transcript
        self.handshake_secret = handshake_secret
        self.c_hs = c_hs
        self.s_hs = s_hs
        self.cipher_suite = cipher_suite


class ExpectEncryptedExtensions(State):
    """RFC 8446 section 4.3.1."""

    expects = frozenset({HandshakeType.ENCRYPTED_EXTENSIONS})
    step = "EncryptedExtensions"

    def __init__(
        self,
        hs: ClientHandshake,
        suite: Tls13CipherSuite,
        transcript: Transcript,
        handshake_secret: ks.HandshakeSecret,
        c_hs: bytes,
        s_hs: bytes,
        cipher_suite: CipherSuite,
    ) -> None:
        self.hs = hs
        self.keys = _Keys(suite, transcript, handshake_secret, c_hs, s_hs, cipher_suite)

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        ee = cast(EncryptedExtensions, msg)
        hs = self.hs
        step = self.step
        ext.check_extensions_allowed(ee.extensions, HandshakeType.ENCRYPTED_EXTENSIONS)
        for e in ee.extensions:
            if e.ext_type not in hs.offered_extensions:
                raise UnsupportedExtension(f"server sent {e.ext_type}, which we did not offer", step=step)
        alpn = ext.get_extension(ee.extensions, ext.ApplicationLayerProtocolNegotiation)
        if alpn is not None:
            # RFC 7301 section 3.1: exactly one protocol, and one we offered.
            if len(alpn.protocol_name_list) != 1:
                raise DecodeError("server's ALPN extension must name exactly one protocol", step=step)
            chosen = alpn.protocol_name_list[0].decode("ascii", "replace")
            if chosen not in hs.config.alpn_protocols:
                raise IllegalParameter(f"server selected ALPN protocol {chosen!r}, which we did not offer", step=step)
            hs.alpn = chosen
            actions.check(step, f"server selected ALPN protocol {chosen!r}")
        rsl = ext.get_extension(ee.extensions, ext.RecordSizeLimit)
        if rsl is not None:
            # RFC 8449 section 4: below 64 is illegal_parameter.
            if rsl.limit < 64:
                raise IllegalParameter(f"record_size_limit {rsl.limit} is below 64", step=step)
            hs.peer_record_size_limit = rsl.limit
            actions.peer_record_size_limit(rsl.limit)
        k, resumed = self.keys, hs.resumed is not None
        early_data_client.encrypted_extensions(hs.early, ee, k.suite, k.cipher_suite, resumed, hs.alpn, actions)
        self.keys.transcript.add(raw)
        if hs.resumed is not None:
            # RFC 8446 section 2.2: a resumed handshake has no Certificate/CertificateVerify (the PSK
            # authenticates), and section 4.3.2: no CertificateRequest either.
            return ExpectFinished(hs, self.keys, PskAuthenticated(hs.resumed))
        return ExpectCertificateOrCertificateRequest(hs, self.keys)


class ExpectCertificateOrCertificateRequest(State):
    """After EncryptedExtensions: the server may ask for our certificate first (RFC 8446 section 4.3.2)."""

    expects = frozenset({HandshakeType.CERTIFICATE, HandshakeType.CERTIFICATE_REQUEST})
    step = "server Certificate"

    def __init__(self, hs: ClientHandshake, keys: _Keys) -> None:
        self.hs = hs
        self.keys = keys

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        if isinstance(msg, CertificateRequest):
            step = "CertificateRequest"
            ext.check_extensions_allowed(msg.extensions, HandshakeType.CERTIFICATE_REQUEST)
            if ext.get_extension(msg.extensions, ext.SignatureAlgorithms) is None:
                # RFC 8446 section 4.3.2: signature_algorithms MUST be specified.
                raise MissingExtension("CertificateRequest has no signature_algorithms", step=step)
            if msg.certificate_request_context:
                raise IllegalParameter("certificate_request_context must be empty in the handshake", step=step)
            self.hs.certificate_request = msg
            self.keys.transcript.add(raw)
            actions.trace(
                "info",
                step,
                "server asks for a client certificate"
                + ("" if self.hs.config.client_certificate else "; we have none and will send an empty one"),
            )
            return ExpectCertificate(self.hs, self.keys)
        return ExpectCertificate(self.hs, self.keys).handle(msg, raw, actions)


class ExpectCertificate(State):
    """RFC 8446 section 4.4.2, and verification of the chain (section 4.4.2.4)."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "server Certificate"

    def __init__(self, hs: ClientHandshake, keys: _Keys) -> None:
        self.hs = hs
        self.keys = keys

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cert_msg = cast(Certificate, msg)
        step = self.step
        if cert_msg.certificate_request_context:
            raise IllegalParameter("certificate_request_context must be empty in a server Certificate", step=step)
        if not cert_msg.certificate_list:
            # RFC 8446 section 4.4.2.4: an empty server Certificate is decode_error.
            raise DecodeError("server sent an empty Certificate message", step=step)
        for entry in cert_msg.certificate_list:
            ext.check_extensions_allowed(entry.extensions, HandshakeType.CERTIFICATE)
            for e in entry.extensions:
                if e.ext_type not in self.hs.offered_extensions:
                    raise UnsupportedExtension(f"certificate entry carries {e.ext_type}, not requested", step=step)
        chain_der = [entry.cert_data for entry in cert_msg.certificate_list]
        # Every certificate parsed once, here: for the trace, the checks and the next state (bad_certificate or
        # unsupported_certificate, never internal_error, for a malformed one).
        parsed, public_key = parse_peer_chain(chain_der, "server", step)
        subjects = [c.subject.rfc4514_string() for c in parsed]
        actions.trace(
            "info",
            step,
            f"server sent {len(chain_der)} certificate(s); leaf: {subjects[0]}",
            {"chain": [{"subject": subject} for subject in subjects]},
        )
        # RFC 8446 section 4.4.2.1: an OCSP staple rides in the leaf's CertificateEntry (status_request).
        staple = ext.get_extension(cert_msg.certificate_list[0].extensions, ext.CertificateStatusOcsp)
        ocsp = staple.ocsp_response if staple is not None else None
        proof = verify_server(self.hs.config, chain_der, self.hs.server_name, ocsp, actions)
        self.keys.transcript.add(raw)
        peer_chain = tuple(parsed)
        return ExpectCertificateVerify(self.hs, self.keys, proof, public_key, peer_chain)


def _parse_all(chain_der: Sequence[bytes]) -> list[x509.Certificate]:
    """The certificates that parse (parsed once per DER: the same chains come back on every connection)."""
    out = []
    for der in chain_der:
        try:
            out.append(load_der_certificate(der))
        except ValueError:
            continue
    return out


class ExpectCertificateVerify(State):
    """RFC 8446 section 4.4.3: the server proves it holds the certificate's private key."""

    expects = frozenset({HandshakeType.CERTIFICATE_VERIFY})
    step = "server CertificateVerify"

    def __init__(
        self,
        hs: ClientHandshake,
        keys: _Keys,
        cert_proof: ServerCertVerified,
        public_key: PublicKey,
        peer_chain: tuple[x509.Certificate, ...],
    ) -> None:
        self.hs = hs
        self.keys = keys
        self.cert_proof = cert_proof
        self.public_key = public_key
        self.peer_chain = peer_chain
        self.rsa_pss_key = bool(peer_chain) and is_rsassa_pss_certificate(peer_chain[0])

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cv = cast(CertificateVerify, msg)
        step = self.step
        scheme = cv.algorithm
        sig_proof = check_certificate_verify(
            cv,
            offered=self.hs.config.signature_schemes,
            public_key=self.public_key,
            transcript_hash=self.keys.transcript.digest(),
            signer="server",
            rsa_pss_key=self.rsa_pss_key,
            step=step,
        )
        actions.check(
            step,
            f"{scheme} signature over the handshake transcript is valid: the server holds the certificate's key",
        )
        self.keys.transcript.add(raw)
        auth = CertificateAuthenticated(self.cert_proof, sig_proof, scheme, self.peer_chain)
        return ExpectFinished(self.hs, self.keys, auth)


@dataclass(frozen=True)
class CertificateAuthenticated:
    """How a full handshake authenticated the server: its verified chain and its CertificateVerify."""

    cert_proof: ServerCertVerified
    sig_proof: SignatureVerified
    scheme: SignatureScheme
    peer_chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class PskAuthenticated:
    """How a resumed handshake authenticates the server: it accepted our ticket, so only the holder of the
    original session's PSK can produce its Finished (RFC 8446 section 2.2). Made only by ExpectServerHello
    when the server selected our identity; the session keeps the original peer's certificates."""

    session: ClientSession


class ExpectFinished(State):
    """RFC 8446 section 4.4.4; then the client's second flight."""

    expects = frozenset({HandshakeType.FINISHED})
    step = "server Finished"

    def __init__(self, hs: ClientHandshake, keys: _Keys, auth: CertificateAuthenticated | PskAuthenticated) -> None:
        self.hs = hs
        self.keys = keys
        self.auth = auth
        self.hash_len = keys.suite.hash_len

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        fin = cast(Finished, msg)
        keys = self.keys
        suite = keys.suite
        hs = self.hs
        fin_proof: FinishedVerified = check_finished(
            suite, keys.s_hs, keys.transcript.digest(), fin, peer="server", step=self.step
        )
        actions.check(self.step, "server Finished verify_data matches our transcript")
        keys.transcript.add(raw)
        th_server_finished = keys.transcript.digest()
        # RFC 8446 section 7.1: Master Secret and the application traffic secrets.
        master = keys.handshake_secret.master_secret()
        c_ap = master.client_application_traffic_secret_0(th_server_finished)
        s_ap = master.server_application_traffic_secret_0(th_server_finished)
        exporter = master.exporter_master_secret(th_server_finished)
        actions.allow_ccs(False)
        actions.install("read", suite, s_ap, "server application traffic", "SERVER_TRAFFIC_SECRET_0")
        # The client's second flight (RFC 8446 section 4.4): [EndOfEarlyData] [CCS] [Certificate, CertificateVerify]
        # Finished.
        early_data_client.end_of_early_data(hs.early, keys.transcript, suite, actions)
        if hs.config.middlebox_compatibility and not hs.ccs_sent:
            actions.send_ccs()
            hs.ccs_sent = True
        if hs.certificate_request is not None:
            self._send_client_certificate(actions)
        client_finished = Finished(ks.finished_verify_data(suite, keys.c_hs, keys.transcript.digest()))
        keys.transcript.add(actions.send(client_finished))
        actions.install("write", suite, c_ap, "client application traffic", "CLIENT_TRAFFIC_SECRET_0")
        actions.log_secret("EXPORTER_SECRET", exporter)
        resumption = master.resumption_master_secret(keys.transcript.digest())
        auth = self.auth
        scheme: SignatureScheme | None
        verified: VerifiedChain | None
        if isinstance(auth, PskAuthenticated):
            scheme, verified = None, None
            peer_chain = tuple(_parse_all(auth.session.peer_certificates))
        else:
            scheme, verified, peer_chain = auth.scheme, auth.cert_proof.chain, auth.peer_chain
        resumed = auth.session if isinstance(auth, PskAuthenticated) else None
        verified_at, verified_with = client_verification(hs.config, verified, resumed)
        negotiated = Negotiated(
            version=ProtocolVersion.TLS13,
            cipher_suite=keys.cipher_suite,
            group=hs.group,
            signature_scheme=scheme,
            alpn_protocol=hs.alpn,
            server_name=hs.server_name,
            peer_certificates=peer_chain,
            verified_chain=verified,
            hello_retry_request=hs.hello_retry,
            resumed=resumed is not None,
            client_certificate_requested=hs.certificate_request is not None,
            record_size_limit=hs.peer_record_size_limit,
            peer_verified_at=verified_at,
            peer_verified_with=verified_with,
        )
        actions.done(negotiated, exporter, resumption)
        del fin_proof  # the proofs were required to get here; the traffic state needs none of them
        return TrafficState(hs.ctx, suite, c_ap, s_ap, resumption, hs.config.max_key_updates_in_a_row)

    def _send_client_certificate(self, actions: Actions) -> None:
        """RFC 8446 section 4.4.2: Certificate (possibly empty) and, when not empty, CertificateVerify."""
        hs = self.hs
        keys = self.keys
        request = hs.certificate_request
        assert request is not None
        chain = hs.config.client_certificate
        sig_algs = ext.get_extension(request.extensions, ext.SignatureAlgorithms)
        offered = sig_algs.supported_signature_algorithms if sig_algs else ()
        scheme = None
        if chain is not None:
            for s in signatures.schemes_for_key(
                chain.private_key, tls13=True, rsa_pss_key=is_rsassa_pss_certificate(chain.leaf)
            ):
                if s in offered and s in hs.config.signature_schemes:
                    scheme = s
                    break
        if chain is None or scheme is None:
            if chain is not None:
                actions.trace("info", "client Certificate", "no signature scheme in common for our certificate")
            keys.transcript.add(actions.send(Certificate(request.certificate_request_context, ())))
            return
        entries = tuple(CertificateEntry(der, ()) for der in chain.der_chain())
        keys.transcript.add(actions.send(Certificate(request.certificate_request_context, entries)))
        content = signatures.tls13_signed_content(keys.transcript.digest(), server=False)
        signature = signatures.sign(
            scheme, chain.private_key, content, rsa_pss_key=is_rsassa_pss_certificate(chain.leaf)
        )
        keys.transcript.add(actions.send(CertificateVerify(scheme, signature)))
