"""TLS 1.2 client states (RFC 5246 section 7.3, RFC 8422, RFC 7627, RFC 5746, RFC 5077, RFC 6066).

The ClientHello is shared with TLS 1.3 (client_negotiation.start_handshake offers both); when the ServerHello
picks TLS 1.2, client_negotiation.ExpectServerHello hands over to :func:`server_hello_received`::

    ServerHello ──► ExpectCertificate12 ──► [ExpectCertificateStatus12] ──► ExpectServerKeyExchange12 (ECDHE)
                                                                                  │
                     ExpectCertificateRequestOrDone12 ◄─────────────────────────┘ (RSA key exchange: no SKE)
                            │ [CertificateRequest ──► ExpectServerHelloDone12]
                            ▼
         ServerHelloDone: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished
                            ▼
         [ExpectNewSessionTicket12] ──► ExpectChangeCipherSpec12 ──► ExpectServerFinished12 ──► Traffic12

    Resumed (the server echoed our session ID, RFC 5246 section 7.3 / RFC 5077 section 3.1):
    ServerHello ──► [ExpectNewSessionTicket12] ──► ExpectChangeCipherSpec12 ──► ExpectServerFinished12
                    ──► ChangeCipherSpec Finished ──► Traffic12
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

from glasstls.config import CertificateChain, ClientConfig
from glasstls.crypto import signatures, tls12
from glasstls.crypto.ffdhe import is_ffdhe
from glasstls.crypto.groups import KeyExchange, exchange_name
from glasstls.crypto.keys import (
    PublicKey,
    ec_curve_group,
    is_rsassa_pss_certificate,
    key_algorithm,
)
from glasstls.crypto.tls12 import TLS12_SUITES, Tls12CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    DecodeError,
    HandshakeFailure,
    IllegalParameter,
    UnsupportedCertificate,
    UnsupportedExtension,
)
from glasstls.handshake import dhe12
from glasstls.handshake.base import (
    Actions,
    Context,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_signature12,
    parse_peer_chain,
    parse_stored_chain,
)
from glasstls.handshake.hello_checks import accepted_alpn, peer_record_size_limit
from glasstls.handshake.peer_auth import (
    Verification,
    client_verification,
    offer_refusal,
    trace_certificate_request,
    trace_server_chain,
    verify_server,
)
from glasstls.handshake.traffic12 import (
    TLS12_ECDHE_GROUPS,
    Session12,
    Traffic12,
    check_peer_finished,
    install,
    negotiated12,
    send_finished,
    tls12_schemes_for_key,
)
from glasstls.sessions import ClientSession
from glasstls.trace.times import seconds_text
from glasstls.wire import extensions as ext
from glasstls.wire.describe import describe
from glasstls.wire.enums import (
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    Certificate12,
    CertificateRequest12,
    CertificateStatus,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeRsa,
    HandshakeMessage,
    HelloRequest,
    NewSessionTicket12,
    ServerHello,
    ServerKeyExchangeEcdhe,
)
from glasstls.wire.messages_dhe import ServerKeyExchangeDhe

if TYPE_CHECKING:  # annotations only: certificates load when a certificate arrives
    from cryptography import x509


class ClientHandshake(Protocol):
    """What the TLS 1.2 client states read and set of the hello's facts (client_hello.ClientHandshake: the
    ClientHello offers both versions). Declared here, so that this module does not depend on client_hello,
    which imports it."""

    ctx: Context
    config: ClientConfig
    server_name: str | None
    offered_extensions: frozenset[ExtensionType]
    session_id: bytes
    session12: ClientSession | None
    group: NamedGroup | None
    alpn: str | None
    peer_record_size_limit: int | None

#: TLS 1.3-only extensions that must not appear in a TLS 1.2 ServerHello (RFC 8446 section 4.2).
_TLS13_ONLY = frozenset(
    {ExtensionType.KEY_SHARE, ExtensionType.PRE_SHARED_KEY, ExtensionType.SUPPORTED_VERSIONS, ExtensionType.COOKIE}
)


def hello_groups(groups: Sequence[NamedGroup], versions: Sequence[ProtocolVersion]) -> tuple[NamedGroup, ...]:
    """The supported_groups a ClientHello offers: a TLS 1.2-only hello lists only groups TLS 1.2 can use (RFC 8422
    section 5.1; the RFC 7919 FFDHE groups, RFC 7919 section 3), never a TLS 1.3-only one such as an ML-KEM hybrid."""
    if ProtocolVersion.TLS13 in versions:
        return tuple(groups)
    return tuple(g for g in groups if g in TLS12_ECDHE_GROUPS or is_ffdhe(g))


def hello_extensions(config: ClientConfig, session: ClientSession | None) -> list[ext.Extension]:
    """The ClientHello extensions TLS 1.2 needs (RFC 8422 5.1.2, RFC 7627 5.1, RFC 5746 3.4, RFC 5077 3.1,
    RFC 7366 2)."""
    exts: list[ext.Extension] = [
        ext.EcPointFormats((ECPointFormat.UNCOMPRESSED,)),
        ext.ExtendedMasterSecret(),
        ext.RenegotiationInfo(b""),
    ]
    if config.session_store is not None:
        exts.append(ext.SessionTicket(session.ticket if session is not None else b""))
    if any(s in TLS12_SUITES and TLS12_SUITES[s].legacy for s in config.cipher_suites):
        exts.append(ext.EncryptThenMac())
    return exts


def resumable(
    config: ClientConfig, server_name: str | None, session: ClientSession | None, actions: Actions
) -> ClientSession | None:
    """Whether a stored TLS 1.2 session can be offered (RFC 5246 section 7.4.1.2, RFC 5077 section 3.4)."""
    if session is None:
        return None
    why = None
    if session.cipher_suite not in config.cipher_suites:
        why = f"its cipher suite {session.cipher_suite} is no longer offered"
    elif not session.extended_master_secret and config.require_extended_master_secret:
        why = "it has no extended master secret (RFC 7627 section 5.3)"
    elif not session.session_id and not session.ticket:
        why = "it has neither a session ID nor a ticket"
    else:
        why = offer_refusal(config, session, server_name)  # the policy both versions share
    if why is not None:
        actions.trace("info", "ClientHello", f"not offering the stored TLS 1.2 session: {why}")
        return None
    how = "ticket" if session.ticket else "session ID"
    actions.trace(
        "choice",
        "ClientHello",
        f"offering the TLS 1.2 session from {seconds_text(session.created_at)} UTC by {how}",
    )
    return session


def _key_fits_suite(key: PublicKey, suite: Tls12CipherSuite, *, pss_only: bool) -> str | None:
    """RFC 5246 section 7.4.2 / RFC 8422 section 5.3: the certificate's key must fit the key exchange."""
    if suite.key_exchange == "ECDHE_ECDSA":
        if key_algorithm(key) == "ECDSA":
            return None
        return "an ECDHE_ECDSA suite needs an ECDSA or EdDSA certificate"
    if key_algorithm(key) != "RSA":
        return f"an {suite.key_exchange} suite needs an RSA certificate"
    if suite.key_exchange == "RSA" and pss_only:
        return "the RSA key exchange cannot encrypt to an RSASSA-PSS-only key"
    return None


@dataclass
class _Client12:
    """Per-handshake facts of the TLS 1.2 client states."""

    hs: ClientHandshake
    session: Session12
    transcript: Transcript
    ticket_expected: bool
    status_expected: bool
    group: NamedGroup | None = None
    scheme: SignatureScheme | None = None
    peer_chain: tuple[x509.Certificate, ...] = ()
    peer_chain_der: tuple[bytes, ...] = ()
    verified: ServerCertVerified | None = None
    new_ticket: bytes = field(default=b"", repr=False)
    ticket_lifetime: int = 0
    certificate_request: CertificateRequest12 | None = None
    verification: Verification = (None, None)  # when and against what the server's chain was verified

    @property
    def config(self) -> ClientConfig:
        return self.hs.config


def server_hello_received(
    hs: ClientHandshake, hello: ClientHello, transcript: Transcript, sh: ServerHello, raw: bytes, actions: Actions
) -> State:
    """RFC 5246 section 7.4.1.3: the server chose TLS 1.2."""
    step = "ServerHello"
    config = hs.config
    if sh.cipher_suite not in hello.cipher_suites or sh.cipher_suite not in TLS12_SUITES:
        raise IllegalParameter(
            f"server selected cipher suite {sh.cipher_suite}, which we did not offer for TLS 1.2", step=step
        )
    suite = TLS12_SUITES[sh.cipher_suite]
    if sh.legacy_compression_method != 0:
        raise IllegalParameter("compression_method must be null (0)", step=step)
    # Not the TLS 1.3 table of RFC 8446 section 4.2: a TLS 1.2 ServerHello also answers server_name, ALPN,
    # status_request and record_size_limit (RFC 6066, 7301, 8449). What we did not offer is refused below.
    for e in sh.extensions:
        if e.wire_type in _TLS13_ONLY:
            raise IllegalParameter(f"TLS 1.3 extension {e.wire_type} in a TLS 1.2 ServerHello", step=step)
        if e.wire_type not in hs.offered_extensions:
            # RFC 5246 section 7.4.1.4: an extension the client did not offer -> unsupported_extension.
            raise UnsupportedExtension(f"server sent {e.wire_type}, which we did not offer", step=step)
    actions.check(step, f"cipher suite {sh.cipher_suite} is one we offered")
    actions.allow_ccs(False)  # TLS 1.2: change_cipher_spec is a real protocol message from now on

    # Secure renegotiation (RFC 5746 section 3.4): an initial handshake's renegotiation_info is empty.
    reneg = ext.get_extension(sh.extensions, ext.RenegotiationInfo)
    if reneg is not None and reneg.renegotiated_connection:
        raise HandshakeFailure("renegotiation_info is not empty in an initial handshake (RFC 5746 3.4)", step=step)
    if reneg is None:
        actions.trace(
            "check", step, "server does not signal secure renegotiation (RFC 5746); we never renegotiate", ok=None
        )
    else:
        actions.check(step, "server supports secure renegotiation (RFC 5746); renegotiation stays refused")

    ems = ext.get_extension(sh.extensions, ext.ExtendedMasterSecret) is not None
    if not ems and config.require_extended_master_secret:
        raise HandshakeFailure(
            "server did not agree to the extended master secret (RFC 7627), which this client requires",
            step=step,
            hint="the server is old or misconfigured; set require_extended_master_secret=False (--allow-no-ems) to "
            "accept it (weaker: the session is then open to triple-handshake attacks)",
        )
    etm = ext.get_extension(sh.extensions, ext.EncryptThenMac) is not None
    if etm and suite.is_aead:
        # RFC 7366 section 3: a server MUST NOT answer encrypt_then_mac for an AEAD suite.
        raise IllegalParameter("encrypt_then_mac answered for an AEAD cipher suite (RFC 7366 section 3)", step=step)
    formats = ext.get_extension(sh.extensions, ext.EcPointFormats)
    if formats is not None and ECPointFormat.UNCOMPRESSED not in formats.ec_point_format_list:
        raise IllegalParameter("ec_point_formats lacks uncompressed (RFC 8422 section 5.2)", step=step)
    alpn = ext.get_extension(sh.extensions, ext.ApplicationLayerProtocolNegotiation)
    if alpn is not None:
        hs.alpn = accepted_alpn(config, alpn, step, actions)  # RFC 7301 section 3.1
    rsl = ext.get_extension(sh.extensions, ext.RecordSizeLimit)
    hs.peer_record_size_limit = peer_record_size_limit(rsl, step, actions)  # RFC 8449 section 4
    ticket_ack = ext.get_extension(sh.extensions, ext.SessionTicket)
    if ticket_ack is not None and ticket_ack.ticket:
        raise DecodeError("session_ticket in ServerHello must be empty (RFC 5077 section 3.2)", step=step)

    transcript.keep_messages()
    transcript.set_hash(suite)
    transcript.add(raw)
    session = Session12(
        suite=suite,
        client_random=hello.random,
        server_random=sh.random,
        extended_master_secret=ems,
        encrypt_then_mac=etm,
        session_id=sh.legacy_session_id_echo,
    )
    c = _Client12(
        hs=hs,
        session=session,
        transcript=transcript,
        ticket_expected=ticket_ack is not None,
        status_expected=ext.find_extension(sh.extensions, ExtensionType.STATUS_REQUEST) is not None,
    )
    kx = {"RSA": "RSA key transport", "DHE_RSA": "DHE (RFC 7919 groups; legacy, allowed by allow_dhe)"}.get(
        suite.key_exchange, "ECDHE"
    )
    actions.trace(
        "choice",
        step,
        f"server chose TLS 1.2 with {suite}: {kx}"
        + ("" if suite.forward_secret else " (no forward secrecy)")
        + (", legacy CBC" if suite.legacy else "")
        + (", extended master secret" if ems else "")
        + (", encrypt-then-MAC" if etm else ""),
        {"cipher_suite": str(suite), "key_exchange": suite.key_exchange, "forward_secrecy": suite.forward_secret},
    )

    offered = hs.session12
    echoed = bool(sh.legacy_session_id_echo) and sh.legacy_session_id_echo == hs.session_id
    if echoed and offered is None:
        raise IllegalParameter("server resumed a session we did not offer (it echoed our session ID)", step=step)
    if echoed and offered is not None:
        # RFC 5246 section 7.4.1.3: a resumed session keeps its cipher suite; RFC 7627 section 5.3: and its EMS.
        if offered.cipher_suite != sh.cipher_suite:
            raise IllegalParameter("server resumed the session with a different cipher suite", step=step)
        if offered.extended_master_secret != ems:
            raise HandshakeFailure(
                "server resumed a session with a different extended_master_secret setting (RFC 7627 5.3)", step=step
            )
        session.use_master(offered.secret, actions)
        c.peer_chain_der = offered.peer_certificates
        c.peer_chain = parse_stored_chain(offered.peer_certificates)
        actions.trace("choice", step, "server resumed our earlier session: no certificate, no key exchange")
        if c.ticket_expected:
            return ExpectNewSessionTicket12(c)
        return ExpectChangeCipherSpec12(c)
    return ExpectCertificate12(c)


def ignore_hello_request(step: str, actions: Actions) -> None:
    """RFC 5246 section 7.4.1.1: a HelloRequest is ignored while a handshake is in progress, and is never part
    of the handshake hashes (the TLS 1.2 states here, and the hello state while TLS 1.2 may still be chosen)."""
    actions.trace("info", step, "ignored HelloRequest: a handshake is already in progress (RFC 5246 7.4.1.1)")


class _State12(State):
    wire_version = ProtocolVersion.TLS12

    def __init__(self, c: _Client12) -> None:
        self.c = c
        self.key_exchange = dhe12.wire_method(c.session.suite)

    def check_accepts(self, msg_type: int) -> None:
        # RFC 5246 section 7.4.1.1: HelloRequest "will be ignored by the client if the client is currently
        # negotiating a session" (handled below); every other type is the state's own business.
        if msg_type != HandshakeType.HELLO_REQUEST:
            super().check_accepts(msg_type)

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        if isinstance(msg, HelloRequest):
            ignore_hello_request(self.step, actions)
            return self
        return self._handle(msg, raw, actions)

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        raise NotImplementedError


class ExpectCertificate12(_State12):
    """RFC 5246 section 7.4.2: the server's chain, leaf first."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "server Certificate"

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cert_msg = cast(Certificate12, msg)
        c = self.c
        step = self.step
        if not cert_msg.certificate_list:
            raise DecodeError("server sent an empty Certificate message", step=step)
        chain_der = tuple(cert_msg.certificate_list)
        chain, public_key = parse_peer_chain(chain_der, "server", step)
        leaf = chain[0]
        problem = _key_fits_suite(public_key, c.session.suite, pss_only=is_rsassa_pss_certificate(leaf))
        if problem is not None:
            raise UnsupportedCertificate(
                f"{problem}; the server sent {signatures.describe_public_key(public_key)}", step=step, check="key type"
            )
        group = ec_curve_group(public_key)
        if group is not None and group not in c.config.groups:
            # RFC 8422 section 5.3: the ECDSA certificate's curve must be one the client offered.
            raise UnsupportedCertificate(
                f"the server's ECDSA certificate uses {group}, which is not in our supported_groups",
                step=step,
                check="key type",
            )
        c.peer_chain_der = chain_der
        c.peer_chain = chain
        trace_server_chain(chain, step, actions)
        c.transcript.add(raw)
        if c.status_expected:
            return ExpectCertificateStatus12(c)
        c.verified = _verify_chain(c, None, actions)
        return _after_certificate(c)


def _verify_chain(c: _Client12, ocsp_response: bytes | None, actions: Actions) -> ServerCertVerified:
    """RFC 5246 section 7.4.2 / RFC 5280 section 6: the chain, the name, the validity, revocation (one check for
    both versions: peer_auth.verify_server)."""
    return verify_server(c.config, c.peer_chain_der, c.hs.server_name, ocsp_response, actions)


def _after_certificate(c: _Client12) -> State:
    if c.session.suite.key_exchange == "RSA":
        return ExpectCertificateRequestOrDone12(c, None, b"")
    return ExpectServerKeyExchange12(c)


#: What may follow the server's Certificate (or CertificateStatus): ServerKeyExchange (ECDHE, DHE), or with
#: the RSA key exchange CertificateRequest or ServerHelloDone (RFC 5246 section 7.3).
_SERVER_KEY_EXCHANGE = frozenset({HandshakeType.SERVER_KEY_EXCHANGE})
_CERTIFICATE_REQUEST_OR_DONE = frozenset({HandshakeType.CERTIFICATE_REQUEST, HandshakeType.SERVER_HELLO_DONE})

class ExpectCertificateStatus12(_State12):
    """RFC 6066 section 8: the stapled OCSP response, sent because the server acknowledged status_request. The
    server "MAY also choose not to send" it: the message that would follow it is accepted as well."""

    expects = frozenset({HandshakeType.CERTIFICATE_STATUS})
    step = "CertificateStatus"

    def __init__(self, c: _Client12) -> None:
        super().__init__(c)
        rsa = c.session.suite.key_exchange == "RSA"
        following = _CERTIFICATE_REQUEST_OR_DONE if rsa else _SERVER_KEY_EXCHANGE
        self.expects = self.expects | following  # per-suite

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        c = self.c
        if not isinstance(msg, CertificateStatus):
            actions.trace("info", self.step, "server acknowledged status_request but stapled nothing (RFC 6066 8)")
            c.verified = _verify_chain(c, None, actions)
            return _after_certificate(c).handle(msg, raw, actions)
        status = msg
        c.transcript.add(raw)
        actions.trace("info", self.step, f"server stapled an OCSP response ({len(status.response)} bytes)")
        c.verified = _verify_chain(c, status.response, actions)
        return _after_certificate(c)


class ExpectServerKeyExchange12(_State12):
    """RFC 8422 section 5.4: the server's ephemeral ECDH public value, signed with its certificate key."""

    expects = _SERVER_KEY_EXCHANGE
    step = "ServerKeyExchange"

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        ske = cast(ServerKeyExchangeEcdhe | ServerKeyExchangeDhe, msg)
        c = self.c
        step = self.step
        config = c.config
        if isinstance(ske, ServerKeyExchangeDhe):
            group = dhe12.client_dhe_group(config.groups, ske, step)  # RFC 7919 section 3
        elif ske.named_group not in config.groups or ske.named_group not in TLS12_ECDHE_GROUPS:
            raise IllegalParameter(f"server chose {ske.named_group}, which we did not offer for TLS 1.2", step=step)
        else:
            group = ske.named_group
        leaf = c.peer_chain[0]
        content = tls12.server_key_exchange_signed_content(
            c.session.client_random, c.session.server_random, ske.params_bytes()
        )
        proof: SignatureVerified = check_signature12(
            scheme=ske.signature_scheme,
            offered=config.signature_schemes,
            public_key=cast(PublicKey, leaf.public_key()),
            content=content,
            signature=ske.signature,
            signer="server",
            rsa_pss_key=is_rsassa_pss_certificate(leaf),
            step=step,
        )
        kx = exchange_name(group)
        actions.check(step, f"the {kx} parameters are signed by the server's key ({ske.signature_scheme})")
        exchange = dhe12.start(group, config.random, step=step)
        premaster = exchange.exchange(ske.public)
        c.group = group
        c.scheme = ske.signature_scheme
        c.hs.group = group
        c.transcript.add(raw)
        actions.trace(
            "key_exchange",
            step,
            f"{kx} share over {group}: both sides will share a secret; forward secrecy, since the key "
            "pairs are ephemeral",
            {"group": str(group), "server_share": describe(ske.public)},
        )
        del proof
        return ExpectCertificateRequestOrDone12(c, exchange, premaster)


class ExpectCertificateRequestOrDone12(_State12):
    """RFC 5246 sections 7.4.4 and 7.4.5."""

    expects = _CERTIFICATE_REQUEST_OR_DONE
    step = "ServerHelloDone"

    def __init__(self, c: _Client12, exchange: KeyExchange | None, premaster: bytes) -> None:
        super().__init__(c)
        self.exchange = exchange
        self.premaster = premaster

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        c = self.c
        if isinstance(msg, CertificateRequest12):
            if c.certificate_request is not None:
                raise IllegalParameter("a second CertificateRequest", step="CertificateRequest")
            c.certificate_request = msg
            c.transcript.add(raw)
            trace_certificate_request(c.config, "CertificateRequest", actions)
            state = ExpectCertificateRequestOrDone12(c, self.exchange, self.premaster)
            state.expects = frozenset({HandshakeType.SERVER_HELLO_DONE})
            return state
        c.transcript.add(raw)
        return self._client_flight(actions)

    def _client_flight(self, actions: Actions) -> State:
        """RFC 5246 section 7.3: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished."""
        c = self.c
        config = c.config
        session = c.session
        chain = None
        scheme = None
        if c.certificate_request is not None:
            chain, scheme = _client_certificate(config, c.certificate_request)
            certs = chain.der_chain() if chain is not None else ()
            c.transcript.add(actions.send(Certificate12(tuple(certs))))
        if session.suite.key_exchange == "RSA":
            leaf_key = cast(PublicKey, c.peer_chain[0].public_key())
            premaster, encrypted = tls12.rsa_encrypt_premaster(leaf_key, ProtocolVersion.TLS12, config.random)
            c.transcript.add(actions.send(ClientKeyExchangeRsa(encrypted)))
            actions.trace(
                "key_exchange",
                "ClientKeyExchange",
                "premaster secret encrypted to the server's RSA key: no forward secrecy (whoever gets that key "
                "later can decrypt this session)",
                {"encrypted_premaster": f"{len(encrypted)} bytes"},
            )
        else:
            assert self.exchange is not None
            premaster = self.premaster
            c.transcript.add(actions.send(dhe12.client_key_exchange(self.exchange)))
            kx = exchange_name(self.exchange.group)
            actions.trace("key_exchange", "ClientKeyExchange", f"sent our {kx} share; premaster secret computed")
        session.derive_master(premaster, c.transcript.digest(), actions)
        if chain is not None and scheme is not None:
            signature = signatures.sign(
                scheme,
                chain.private_key,
                c.transcript.messages(),
                rsa_pss_key=is_rsassa_pss_certificate(chain.leaf),
                tls12=True,
            )
            c.transcript.add(actions.send(CertificateVerify(scheme, signature)))
        send_finished(actions, session, c.transcript, "client")
        if c.ticket_expected:
            return ExpectNewSessionTicket12(c)
        return ExpectChangeCipherSpec12(c)


def _client_certificate(
    config: ClientConfig, request: CertificateRequest12
) -> tuple[CertificateChain | None, SignatureScheme | None]:
    """RFC 5246 section 7.4.6: a certificate whose key can sign with a scheme the server asked for, else none."""
    chain = config.client_certificate
    if chain is None:
        return None, None
    pss_only = is_rsassa_pss_certificate(chain.leaf)
    for s in tls12_schemes_for_key(chain.private_key, config.signature_schemes, rsa_pss_key=pss_only):
        if s in request.signature_algorithms:
            return chain, s
    return None, None


class ExpectNewSessionTicket12(_State12):
    """RFC 5077 section 3.3: a server that acknowledged session_ticket sends NewSessionTicket before its CCS."""

    expects = frozenset({HandshakeType.NEW_SESSION_TICKET})
    step = "NewSessionTicket"

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        nst = cast(NewSessionTicket12, msg)
        c = self.c
        c.transcript.add(raw)
        c.new_ticket = nst.ticket
        c.ticket_lifetime = nst.lifetime_hint
        if nst.ticket:
            actions.trace("info", self.step, f"server sent a session ticket (lifetime hint {nst.lifetime_hint} s)")
        return ExpectChangeCipherSpec12(c)


class ExpectChangeCipherSpec12(_State12):
    """RFC 5246 section 7.1: from the server's change_cipher_spec on, its records use the new keys."""

    accepts_ccs = True
    step = "ChangeCipherSpec"

    def handle_ccs(self, actions: Actions) -> State:
        install(actions, self.c.session, "server", "read")
        return ExpectServerFinished12(self.c)


class ExpectServerFinished12(_State12):
    """RFC 5246 section 7.4.9."""

    expects = frozenset({HandshakeType.FINISHED})
    step = "server Finished"
    hash_len: int | None = tls12.VERIFY_DATA_LEN  # RFC 5246 section 7.4.9: the Finished body length

    def _handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        c = self.c
        session = c.session
        proof = check_peer_finished(actions, session, c.transcript, msg, raw, peer="server", step=self.step)
        if session.resumed:
            # RFC 5246 section 7.3 (abbreviated handshake): the client answers with its CCS and Finished.
            send_finished(actions, session, c.transcript, "client")
        del proof
        hs = c.hs
        verified = c.verified
        c.verification = client_verification(
            c.config, verified.chain if verified is not None else None, hs.session12 if session.resumed else None
        )
        negotiated = negotiated12(
            session,
            verified,
            c.verification,
            group=c.group,
            scheme=c.scheme,
            alpn=hs.alpn,
            server_name=hs.server_name,
            peer_chain=c.peer_chain,
            client_certificate_requested=c.certificate_request is not None,
            record_size_limit=hs.peer_record_size_limit,
        )
        _remember_session(c, actions)
        actions.done(negotiated, b"", b"", exporter=session.exporter)
        return Traffic12(hs.ctx)


#: How long a client keeps a TLS 1.2 session without a ticket lifetime hint (RFC 5246 appendix F.1.4: at most
#: 24 hours is suggested; we use the common server default of 2 hours).
SESSION_LIFETIME = 7200


def _remember_session(c: _Client12, actions: Actions) -> None:
    """Keep the session for resumption (RFC 5246 section 7.3, RFC 5077 section 3.4): by the server's session
    ID, its ticket, or both. A resumed session keeps its original ticket unless the server sent a new one."""
    session = c.session
    offered = c.hs.session12
    ticket = c.new_ticket or (offered.ticket if session.resumed and offered is not None else b"")
    if not session.session_id and not ticket:
        return
    lifetime = min(c.ticket_lifetime or SESSION_LIFETIME, 7 * 24 * 3600)
    created = offered.created_at if session.resumed and offered is not None and not c.new_ticket else None
    actions.remember(
        ClientSession(
            version=ProtocolVersion.TLS12,
            cipher_suite=session.suite.suite,
            secret=session.master_secret,
            ticket=ticket,
            session_id=session.session_id,
            extended_master_secret=session.extended_master_secret,
            created_at=created or c.config.clock(),
            lifetime=lifetime,
            age_add=0,
            alpn=c.hs.alpn,
            server_name=c.hs.server_name,
            peer_certificates=c.peer_chain_der,
            verified_at=c.verification[0],
            verified_with=c.verification[1],
        )
    )


__all__ = ["hello_extensions", "server_hello_received"]
