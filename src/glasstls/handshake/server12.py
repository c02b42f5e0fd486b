"""TLS 1.2 server states (RFC 5246 section 7.3, RFC 8422, RFC 7627, RFC 5746, RFC 5077, RFC 6066).

server_negotiation.ExpectClientHello decides the version and hands a TLS 1.2 ClientHello to
:func:`client_hello_received`, which answers with the whole first flight::

    ServerHello Certificate [CertificateStatus] [ServerKeyExchange] [CertificateRequest] ServerHelloDone
        ──► [ExpectClientCertificate12] ──► ExpectClientKeyExchange12 ──► [ExpectClientCertificateVerify12]
        ──► ExpectClientChangeCipherSpec12 ──► ExpectClientFinished12
        ──► [NewSessionTicket] ChangeCipherSpec Finished ──► Traffic12

    Resumed (session ID from the cache, or a ticket, RFC 5246 7.3 / RFC 5077 3.1):
    ServerHello [NewSessionTicket] ChangeCipherSpec Finished
        ──► ExpectClientChangeCipherSpec12 ──► ExpectClientFinished12 ──► Traffic12
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from cryptography import x509

from glasstls.config import CertificateChain, ServerConfig
from glasstls.crypto import signatures, tls12
from glasstls.crypto.groups import KeyExchange, exchange_name
from glasstls.crypto.keys import PublicKey, certificate_der, ec_curve_group, is_rsassa_pss_certificate, key_algorithm
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.tls12 import TLS12_SUITES, Tls12CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import DecodeError, HandshakeFailure, IllegalParameter
from glasstls.handshake import dhe12, hello_checks
from glasstls.handshake.base import (
    Actions,
    Context,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_signature12,
    parse_stored_chain,
)
from glasstls.handshake.hello_checks import choose_alpn
from glasstls.handshake.peer_auth import (
    client_sent_no_certificate,
    resumption_refusal,
    server_verification,
    verify_client,
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
from glasstls.pki.names import certificate_covers
from glasstls.sessions import ServerSessionState
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    CipherSuite,
    ClientCertificateType,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    DOWNGRADE_TLS12,
    Certificate12,
    CertificateRequest12,
    CertificateStatus,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeEcdhe,
    ClientKeyExchangeRsa,
    HandshakeMessage,
    NewSessionTicket12,
    ServerHello,
    ServerHelloDone,
)
from glasstls.wire.messages_dhe import ClientKeyExchangeDhe

#: RFC 8422 section 4: a client that sends no supported_groups is assumed to support the NIST curves.
_DEFAULT_CLIENT_GROUPS = (NamedGroup.SECP256R1, NamedGroup.SECP384R1)


@dataclass
class _Choice:
    suite: Tls12CipherSuite
    chain: CertificateChain
    scheme: SignatureScheme | None  # None: the RSA key exchange signs nothing
    group: NamedGroup | None


def _choose(
    config: ServerConfig,
    ch: ClientHello,
    client_groups: Sequence[NamedGroup],
    client_schemes: Sequence[SignatureScheme],
    server_name: str | None,
    step: str,
) -> _Choice:
    """The server's preferred suite for which it has a certificate and, for ECDHE, a group and a signature
    scheme the client accepts (RFC 5246 section 7.4.1.4.1, RFC 8422 sections 5.1, 5.3)."""
    groups = [g for g in config.groups if g in client_groups and g in TLS12_ECDHE_GROUPS]
    dhe_group = dhe12.server_dhe_group(config.groups, client_groups)  # RFC 7919 section 4
    dhe_refused = False
    # Certificates covering the client's SNI name first (RFC 6066 section 3), then in configured order.
    chains = sorted(
        config.certificates,
        key=lambda chn: 0 if server_name is not None and certificate_covers(chn.leaf, server_name) else 1,
    )
    reasons: list[str] = []
    for suite_id in config.cipher_suites:
        suite = TLS12_SUITES.get(suite_id)
        if suite is None or suite_id not in ch.cipher_suites:
            continue
        dhe = suite.key_exchange == "DHE_RSA"
        kx_group = dhe_group if dhe else (groups[0] if groups else None)
        if suite.forward_secret and kx_group is None:
            reasons.append(f"{suite_id}: no {'FFDHE (RFC 7919)' if dhe else 'ECDHE'} group in common")
            dhe_refused = dhe_refused or dhe
            continue
        wanted = "ECDSA" if suite.key_exchange == "ECDHE_ECDSA" else "RSA"
        why = ""  # the specific reason, where one is known (the curve)
        for chain in chains:
            if key_algorithm(chain.private_key) != wanted:
                continue
            pss_only = is_rsassa_pss_certificate(chain.leaf)
            if suite.key_exchange == "RSA":
                if pss_only:
                    continue
                return _Choice(suite, chain, None, None)
            curve = ec_curve_group(chain.private_key)
            if curve is not None and curve not in client_groups:
                # RFC 8422 sections 5.1, 5.3: the certificate's curve must be one the client supports
                why = f"our ECDSA certificate's curve {curve} is not in the client's supported_groups"
                continue
            scheme = next(
                (
                    s
                    for s in tls12_schemes_for_key(chain.private_key, config.signature_schemes, rsa_pss_key=pss_only)
                    if s in client_schemes
                ),
                None,
            )
            if scheme is not None:
                return _Choice(suite, chain, scheme, kx_group)
        reasons.append(
            f"{suite_id}: " + (why or f"no {wanted} certificate the client can accept" + _sha1_only(client_schemes))
        )
    offered12 = [str(s) for s in ch.cipher_suites if s in TLS12_SUITES]
    ours = [str(s) for s in config.cipher_suites if s in TLS12_SUITES]
    if not offered12 or not set(offered12) & set(ours):
        raise HandshakeFailure(
            "no TLS 1.2 cipher suite in common: client offers "
            + (", ".join(offered12) or "none we know")
            + "; server accepts "
            + ", ".join(ours),
            step=step,
            hint="configure a TLS 1.2 cipher suite both sides accept (the RSA key exchange, CBC and DHE suites are "
            "opt-in: allow_rsa_key_exchange, allow_legacy_cbc, allow_dhe)",
        )
    if dhe_refused and all("FFDHE" in r for r in reasons):
        raise dhe12.no_common_dhe_group(client_groups)  # RFC 7919 section 4: insufficient_security
    raise HandshakeFailure(
        "no TLS 1.2 cipher suite can be used: " + "; ".join(reasons),
        step=step,
        hint=(
            "the client must send signature_algorithms with a SHA-256 (or stronger) scheme, e.g. "
            "rsa_pss_rsae_sha256, rsa_pkcs1_sha256 or ecdsa_secp256r1_sha256 (RFC 9155)"
            if not client_schemes
            else "add a certificate whose key type and curve the client accepts, or enable a common group"
        ),
    )


def _sha1_only(client_schemes: Sequence[SignatureScheme]) -> str:
    """Why a client without signature_algorithms gets no ECDHE suite: RFC 5246 section 7.4.1.4.1 makes its
    default {sha1, rsa} / {sha1, ecdsa}, and RFC 9155 section 2 forbids SHA-1 signatures in TLS 1.2."""
    if client_schemes:
        return ""
    return (
        " (the client sent no signature_algorithms, so by RFC 5246 section 7.4.1.4.1 it accepts only SHA-1 "
        "signatures, which RFC 9155 forbids in TLS 1.2; it must send signature_algorithms listing a SHA-256 "
        "or stronger scheme)"
    )


def client_hello_received(ctx: Context, config: ServerConfig, ch: ClientHello, raw: bytes, actions: Actions) -> State:
    """RFC 5246 section 7.4.1.2: answer a ClientHello with TLS 1.2."""
    step = "ClientHello"
    if 0 not in ch.legacy_compression_methods:
        raise IllegalParameter("the client does not offer null compression (RFC 5246 section 7.4.1.2)", step=step)
    actions.check(
        step, "client offers TLS 1.2" + ("" if config.max_version == ProtocolVersion.TLS12 else " (not TLS 1.3)")
    )

    # Secure renegotiation (RFC 5746 section 3.6).
    reneg = ext.get_extension(ch.extensions, ext.RenegotiationInfo)
    if reneg is not None and reneg.renegotiated_connection:
        raise HandshakeFailure("renegotiation_info is not empty in an initial ClientHello (RFC 5746 3.6)", step=step)
    secure_reneg = reneg is not None or CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV in ch.cipher_suites

    # Extended master secret (RFC 7627 section 5.2).
    ems = ext.get_extension(ch.extensions, ext.ExtendedMasterSecret) is not None
    if not ems and config.require_extended_master_secret:
        raise HandshakeFailure(
            "client does not offer the extended master secret (RFC 7627), which this server requires",
            step=step,
            hint="update the client, or set require_extended_master_secret=False on the server "
            "(--allow-no-ems; weaker)",
        )

    sni = ext.get_extension(ch.extensions, ext.ServerName)
    server_name = sni.host_name if sni else None
    groups_ext = ext.get_extension(ch.extensions, ext.SupportedGroups)
    client_groups = groups_ext.named_group_list if groups_ext is not None else _DEFAULT_CLIENT_GROUPS
    hello_checks.check_ec_point_formats(ch, client_groups, step)  # RFC 8422 section 5.1.2
    sig_ext = ext.get_extension(ch.extensions, ext.SignatureAlgorithms)
    # RFC 5246 section 7.4.1.4.1: without the extension the default is SHA-1, which we do not sign with.
    client_schemes = sig_ext.supported_signature_algorithms if sig_ext is not None else ()
    alpn = choose_alpn(config, ch, step)

    resumed = _try_resume(config, ch, ems, server_name, actions)
    if resumed is not None:
        return _resume(ctx, config, ch, raw, resumed, secure_reneg, alpn, server_name, actions)

    choice = _choose(config, ch, client_groups, client_schemes, server_name, step)
    suite = choice.suite
    actions.trace(
        "choice",
        step,
        f"chose TLS 1.2 with {suite}"
        + ("" if suite.forward_secret else ": RSA key exchange, NO forward secrecy (allowed by allow_rsa_key_exchange)")
        + (" (legacy CBC, allowed by allow_legacy_cbc)" if suite.legacy else ""),
        {"offered": [str(s) for s in ch.cipher_suites], "forward_secrecy": suite.forward_secret},
    )
    etm = _encrypt_then_mac(ch, suite)
    session_id = config.random(32) if config.session_cache is not None else b""
    server_random = _server_random(config)
    stapled = (
        choice.chain.ocsp_response
        if choice.chain.ocsp_response is not None
        and ext.find_extension(ch.extensions, ExtensionType.STATUS_REQUEST) is not None
        else None
    )
    send_ticket = (
        config.ticket_keys is not None and ext.find_extension(ch.extensions, ExtensionType.SESSION_TICKET) is not None
    )
    exts, peer_limit = _server_hello_extensions(
        config, ch, suite, secure_reneg, ems, etm, alpn, send_ticket, stapled is not None, actions
    )
    session = Session12(suite, ch.random, server_random, ems, etm, session_id)
    transcript = _send_server_hello(session, raw, exts, actions)
    transcript.add(actions.send(Certificate12(choice.chain.der_chain())))
    if stapled is not None:
        transcript.add(actions.send(CertificateStatus(stapled)))
        actions.trace(
            "info", "CertificateStatus", f"stapled the OCSP response for our certificate ({len(stapled)} bytes)"
        )
    exchange: KeyExchange | None = None
    if suite.forward_secret:
        assert choice.group is not None and choice.scheme is not None
        exchange = dhe12.start(choice.group, config.random, step="ClientKeyExchange")
        unsigned = dhe12.server_key_exchange(exchange, choice.scheme, b"")
        content = tls12.server_key_exchange_signed_content(ch.random, server_random, unsigned.params_bytes())
        signature = signatures.sign(
            choice.scheme,
            choice.chain.private_key,
            content,
            rsa_pss_key=is_rsassa_pss_certificate(choice.chain.leaf),
            tls12=True,
        )
        transcript.add(actions.send(dhe12.server_key_exchange(exchange, choice.scheme, signature)))
        actions.trace(
            "key_exchange",
            "ServerKeyExchange",
            f"sent our {exchange_name(choice.group)} share over {choice.group}, signed with {choice.scheme}: "
            "forward secrecy",
        )
    request = None
    if config.client_auth != "none":
        request = CertificateRequest12(
            (ClientCertificateType.RSA_SIGN, ClientCertificateType.ECDSA_SIGN),
            config.signature_schemes,
            (),
        )
        transcript.add(actions.send(request))
    transcript.add(actions.send(ServerHelloDone()))
    s = _Server12(
        ctx=ctx,
        config=config,
        session=session,
        transcript=transcript,
        chain=choice.chain,
        group=choice.group,
        scheme=choice.scheme,
        alpn=alpn,
        server_name=server_name,
        client_version=ch.legacy_version,
        send_ticket=send_ticket,
        requested=request is not None,
        peer_record_size_limit=peer_limit,
    )
    if request is not None:
        return ExpectClientCertificate12(s, exchange)
    return ExpectClientKeyExchange12(s, exchange, None)


def _encrypt_then_mac(ch: ClientHello, suite: Tls12CipherSuite) -> bool:
    """RFC 7366 sections 2, 3: encrypt_then_mac when the client offers it, for a CBC suite only (never AEAD)."""
    return not suite.is_aead and ext.find_extension(ch.extensions, ExtensionType.ENCRYPT_THEN_MAC) is not None


def _send_server_hello(
    session: Session12, client_hello_raw: bytes, exts: tuple[ext.Extension, ...], actions: Actions
) -> Transcript:
    """RFC 5246 section 7.4.1.3: the ServerHello, full or abbreviated; the transcript starts with the ClientHello
    and keeps the messages (a client's CertificateVerify signs them, section 7.4.8)."""
    transcript = Transcript()
    transcript.keep_messages()
    transcript.set_hash(session.suite)
    transcript.add(client_hello_raw)
    server_hello = ServerHello(session.server_random, session.session_id, session.suite.suite, exts)
    transcript.add(actions.send(server_hello))
    actions.allow_ccs(False)  # TLS 1.2: change_cipher_spec is a real protocol message from now on
    return transcript


def _server_random(config: ServerConfig) -> bytes:
    random = config.random(32)
    speaks13 = config.max_version >= ProtocolVersion.TLS13 and any(s in TLS13_SUITES for s in config.cipher_suites)
    if speaks13:
        # RFC 8446 section 4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends its random with the sentinel. A
        # server without a TLS 1.3 suite cannot negotiate TLS 1.3 with anyone: the sentinel would only make
        # every TLS 1.3-capable client abort with a false downgrade alarm.
        random = random[:24] + DOWNGRADE_TLS12
    return random


def _server_hello_extensions(
    config: ServerConfig,
    ch: ClientHello,
    suite: Tls12CipherSuite | None,
    secure_reneg: bool,
    ems: bool,
    etm: bool,
    alpn: str | None,
    send_ticket: bool,
    stapling: bool,
    actions: Actions,
) -> tuple[tuple[ext.Extension, ...], int | None]:
    """The ServerHello's extensions, each answering one the client sent; and the client's record_size_limit."""
    exts: list[ext.Extension] = []
    if secure_reneg:
        exts.append(ext.RenegotiationInfo(b""))
    if ems:
        exts.append(ext.ExtendedMasterSecret())
    if etm:
        exts.append(ext.EncryptThenMac())
    if alpn is not None:
        exts.append(ext.ApplicationLayerProtocolNegotiation((alpn.encode(),)))
    if send_ticket:
        exts.append(ext.SessionTicket(b""))
    if stapling:
        exts.append(ext.StatusRequestAck())
    ecc = suite is not None and suite.key_exchange.startswith("ECDHE")  # RFC 8422 section 5.2: for ECC suites
    if ecc and ext.get_extension(ch.extensions, ext.EcPointFormats) is not None:
        exts.append(ext.EcPointFormats((ECPointFormat.UNCOMPRESSED,)))
    client_rsl = ext.get_extension(ch.extensions, ext.RecordSizeLimit)
    peer_limit = hello_checks.peer_record_size_limit(client_rsl, "ClientHello", actions)
    if peer_limit is not None:
        exts.append(hello_checks.advertised_record_size_limit(config, ProtocolVersion.TLS12))  # RFC 8449 section 4
    return tuple(exts), peer_limit


@dataclass
class _Resumable:
    state: ServerSessionState
    via: str  # "ticket" or "session ID"


def _try_resume(
    config: ServerConfig, ch: ClientHello, ems: bool, server_name: str | None, actions: Actions
) -> _Resumable | None:
    """A session the client offered that we can resume (RFC 5246 section 7.4.1.2, RFC 5077 section 3.1):
    from a ticket we sealed, else from the session cache. Anything unusable means a full handshake."""
    now = config.clock()
    found: _Resumable | None = None
    ticket = ext.get_extension(ch.extensions, ext.SessionTicket)
    if ticket is not None and ticket.ticket and config.ticket_keys is not None:
        plaintext = config.ticket_keys.open(ticket.ticket, now=now)
        if plaintext is None:
            actions.trace(
                "info", "ClientHello", "client offered a session ticket we cannot open (retired key or forged)"
            )
        else:
            try:
                found = _Resumable(ServerSessionState.decode(plaintext), "ticket")
            except DecodeError:
                actions.trace("info", "ClientHello", "client offered a session ticket whose contents do not parse")
    if found is None and ch.legacy_session_id and config.session_cache is not None:
        cached = config.session_cache.get(ch.legacy_session_id, now=now)
        if cached is not None:
            found = _Resumable(cached, "session ID")
    if found is None:
        return None
    state = found.state
    why = None
    if state.version != ProtocolVersion.TLS12 or state.cipher_suite not in TLS12_SUITES:
        why = "it is not a TLS 1.2 session"
    elif state.expired(now):
        why = "it has expired"
    elif state.cipher_suite not in ch.cipher_suites or state.cipher_suite not in config.cipher_suites:
        why = f"its cipher suite {state.cipher_suite} is not offered or not allowed any more"
    elif state.extended_master_secret and not ems:
        # RFC 7627 section 5.3: "If the original session used the extension but the new ClientHello does not
        # contain it, the server MUST abort the abbreviated handshake" (handshake_failure: no alert is named).
        raise HandshakeFailure(
            f"client offers to resume an extended-master-secret session ({found.via}) without the "
            "extended_master_secret extension (RFC 7627 section 5.3)",
            step="ClientHello",
            hint="a client must offer extended_master_secret again when it resumes a session that used it",
        )
    elif ems and not state.extended_master_secret:
        # RFC 7627 section 5.3: a session without EMS is not resumed by a ClientHello with it: a full handshake.
        why = "it was made without extended_master_secret and this ClientHello offers it"
    else:
        why = resumption_refusal(config, state, server_name)  # the policy both versions share
    if why is not None:
        actions.trace("info", "ClientHello", f"not resuming the offered session ({found.via}): {why}")
        return None
    return found


def _resume(
    ctx: Context,
    config: ServerConfig,
    ch: ClientHello,
    raw: bytes,
    found: _Resumable,
    secure_reneg: bool,
    alpn: str | None,
    server_name: str | None,
    actions: Actions,
) -> State:
    """RFC 5246 section 7.3, abbreviated handshake: ServerHello, ChangeCipherSpec, Finished. The session ID is
    echoed (RFC 5077 section 3.4 for tickets); the master secret is the stored one, the keys are new."""
    state = found.state
    suite = TLS12_SUITES[state.cipher_suite]
    server_random = _server_random(config)
    etm = _encrypt_then_mac(ch, suite)
    exts, peer_limit = _server_hello_extensions(
        config, ch, suite, secure_reneg, state.extended_master_secret, etm, alpn, False, False, actions
    )
    session = Session12(suite, ch.random, server_random, state.extended_master_secret, etm, ch.legacy_session_id)
    transcript = _send_server_hello(session, raw, exts, actions)
    actions.trace(
        "choice",
        "ClientHello",
        f"resuming the client's TLS 1.2 session by {found.via}: no certificate, no key exchange ({suite})",
        {"resumed": True, "via": found.via},
    )
    session.use_master(state.secret, actions)
    send_finished(actions, session, transcript, "server")
    s = _Server12(
        ctx=ctx,
        config=config,
        session=session,
        transcript=transcript,
        chain=None,
        group=None,
        scheme=None,
        alpn=alpn,
        server_name=server_name,
        client_version=ch.legacy_version,
        send_ticket=False,
        requested=False,
        peer_record_size_limit=peer_limit,
        client_chain=parse_stored_chain(state.client_certificates),
        resumed=state,
    )
    return ExpectClientChangeCipherSpec12(s)


@dataclass
class _Server12:
    ctx: Context
    config: ServerConfig
    session: Session12
    transcript: Transcript
    chain: CertificateChain | None
    group: NamedGroup | None
    scheme: SignatureScheme | None
    alpn: str | None
    server_name: str | None
    client_version: int
    send_ticket: bool
    requested: bool
    client_chain: tuple[x509.Certificate, ...] = ()
    client_verified: ServerCertVerified | None = None
    resumed: ServerSessionState | None = None  # the session an abbreviated handshake resumed
    peer_record_size_limit: int | None = None  # the client's record_size_limit (RFC 8449 section 4)


class _State12(State):
    wire_version = ProtocolVersion.TLS12

    def __init__(self, s: _Server12) -> None:
        self.s = s
        self.key_exchange = dhe12.wire_method(s.session.suite)


class ExpectClientCertificate12(_State12):
    """RFC 5246 section 7.4.6: the client's chain (possibly empty)."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "client Certificate"

    def __init__(self, s: _Server12, exchange: KeyExchange | None) -> None:
        super().__init__(s)
        self.exchange = exchange

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cert_msg = cast(Certificate12, msg)
        s = self.s
        step = self.step
        s.transcript.add(raw)
        if not cert_msg.certificate_list:
            client_sent_no_certificate(s.config, ProtocolVersion.TLS12, step, actions)
            return ExpectClientKeyExchange12(s, self.exchange, None)
        client = verify_client(s.config, cert_msg.certificate_list, step, actions)
        s.client_verified = client.proof
        s.client_chain = client.chain
        return ExpectClientKeyExchange12(
            s, self.exchange, (client.public_key, is_rsassa_pss_certificate(client.chain[0]))
        )


class ExpectClientKeyExchange12(_State12):
    """RFC 5246 section 7.4.7 (RSA: 7.4.7.1; ECDHE: RFC 8422 section 5.7)."""

    expects = frozenset({HandshakeType.CLIENT_KEY_EXCHANGE})
    step = "ClientKeyExchange"

    def __init__(self, s: _Server12, exchange: KeyExchange | None, client_key: tuple[PublicKey, bool] | None) -> None:
        super().__init__(s)
        self.exchange = exchange
        self.client_key = client_key

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        s = self.s
        config = s.config
        if isinstance(msg, ClientKeyExchangeRsa):
            assert s.chain is not None
            # RFC 5246 section 7.4.7.1: on any failure continue with a random premaster (one code path).
            premaster = tls12.rsa_decrypt_premaster(
                s.chain.private_key, msg.encrypted_premaster, s.client_version, config.random
            )
            actions.trace(
                "key_exchange",
                self.step,
                "decrypted the premaster secret the client encrypted to our RSA key (no forward secrecy)",
                {"encrypted_premaster": f"{len(msg.encrypted_premaster)} bytes"},
            )
        else:
            cke = cast(ClientKeyExchangeEcdhe | ClientKeyExchangeDhe, msg)  # both carry .public
            assert self.exchange is not None
            premaster = self.exchange.exchange(cke.public)
            assert s.group is not None
            actions.trace(
                "key_exchange",
                self.step,
                f"received the client's {exchange_name(s.group)} share over {s.group}: premaster computed",
            )
        s.transcript.add(raw)
        s.session.derive_master(premaster, s.transcript.digest(), actions)
        if self.client_key is not None:
            return ExpectClientCertificateVerify12(s, self.client_key)
        return ExpectClientChangeCipherSpec12(s)


class ExpectClientCertificateVerify12(_State12):
    """RFC 5246 section 7.4.8: the client signs every handshake message so far."""

    expects = frozenset({HandshakeType.CERTIFICATE_VERIFY})
    step = "client CertificateVerify"

    def __init__(self, s: _Server12, client_key: tuple[PublicKey, bool]) -> None:
        super().__init__(s)
        self.client_key = client_key

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cv = cast(CertificateVerify, msg)
        s = self.s
        proof: SignatureVerified = check_signature12(
            scheme=cv.algorithm,
            offered=s.config.signature_schemes,
            public_key=self.client_key[0],
            content=s.transcript.messages(),
            signature=cv.signature,
            signer="client",
            rsa_pss_key=self.client_key[1],
            step=self.step,
        )
        actions.check(self.step, f"client's signature over the handshake is valid ({cv.algorithm})")
        s.transcript.add(raw)
        del proof
        return ExpectClientChangeCipherSpec12(s)


class ExpectClientChangeCipherSpec12(_State12):
    """RFC 5246 section 7.1."""

    accepts_ccs = True
    step = "ChangeCipherSpec"

    def handle_ccs(self, actions: Actions) -> State:
        install(actions, self.s.session, "client", "read")
        return ExpectClientFinished12(self.s)


class ExpectClientFinished12(_State12):
    """RFC 5246 section 7.4.9; then (full handshake) the server's [NewSessionTicket] ChangeCipherSpec Finished."""

    expects = frozenset({HandshakeType.FINISHED})
    step = "client Finished"
    hash_len: int | None = tls12.VERIFY_DATA_LEN  # RFC 5246 section 7.4.9: the Finished body length

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        s = self.s
        session = s.session
        proof = check_peer_finished(actions, session, s.transcript, msg, raw, peer="client", step=self.step)
        if not session.resumed:
            _remember(s, actions)
            send_finished(actions, session, s.transcript, "server")
        del proof
        verified = s.client_verified
        verification = server_verification(s.config, verified.chain if verified is not None else None, s.resumed)
        negotiated = negotiated12(
            session,
            verified,
            verification,
            group=s.group,
            scheme=s.scheme,
            alpn=s.alpn,
            server_name=s.server_name,
            peer_chain=s.client_chain,
            client_certificate_requested=s.requested,
            record_size_limit=s.peer_record_size_limit,
        )
        actions.done(negotiated, b"", b"", exporter=session.exporter)
        return Traffic12(s.ctx)


def _remember(s: _Server12, actions: Actions) -> None:
    """Keep the session for resumption: in the session cache under its ID (RFC 5246 section 7.3), and in a
    ticket sealed with our ticket keys, sent before our ChangeCipherSpec (RFC 5077 section 3.3)."""
    config = s.config
    now = config.clock()
    session = s.session
    verified_at, verified_with = server_verification(
        config, s.client_verified.chain if s.client_verified is not None else None, None
    )
    state = ServerSessionState(
        version=ProtocolVersion.TLS12,
        cipher_suite=session.suite.suite,
        secret=session.master_secret,
        extended_master_secret=session.extended_master_secret,
        created_at=now,
        lifetime=config.ticket_lifetime,
        age_add=0,
        alpn=s.alpn,
        server_name=s.server_name,
        client_certificates=tuple(certificate_der(c) for c in s.client_chain),
        client_verified_at=verified_at,
        client_verified_with=verified_with,
    )
    if session.session_id and config.session_cache is not None:
        # Stored once the client's Finished proved the session (a side effect the next handshake sees).
        config.session_cache.put(session.session_id, state)
    if s.send_ticket and config.ticket_keys is not None:
        ticket = config.ticket_keys.seal(state.encode(), now=now, random=config.random)
        s.transcript.add(actions.send(NewSessionTicket12(config.ticket_lifetime, ticket)))
        actions.trace("info", "NewSessionTicket", f"sent a session ticket (lifetime hint {config.ticket_lifetime} s)")


__all__ = ["choose_alpn", "client_hello_received"]
