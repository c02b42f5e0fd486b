"""TLS 1.3 server states after the ClientHello (RFC 8446 sections 4.1.3-4.4, 7).

server_negotiation.ExpectClientHello chooses (suite, group, ticket, certificate, or a HelloRetryRequest) and
hands its :class:`ServerChoices` to :func:`send_flight`::

    send_flight: ServerHello, [CCS], EncryptedExtensions, [CertificateRequest], [Certificate, CertificateVerify],
                 Finished ──► [early_data.ExpectEndOfEarlyData] (0-RTT accepted)
        │
        ▼
    ExpectClientCertificate ──► ExpectClientCertificateVerify ──┐   (only when a certificate was requested)
        │                                                        ▼
        └─────────────────────────────────────────────► ExpectClientFinished ──► TrafficState
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from glasstls.config import CertificateChain, ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto import signatures
from glasstls.crypto.groups import exchange_name, respond_key_exchange
from glasstls.crypto.keys import PublicKey, certificate_der, is_rsassa_pss_certificate
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    IllegalParameter,
)
from glasstls.events import Negotiated
from glasstls.handshake import early_data, hello_checks, resumption13
from glasstls.handshake.base import (
    Actions,
    Context,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_certificate_verify,
    check_finished,
    parse_stored_chain,
)
from glasstls.handshake.peer_auth import (
    client_sent_no_certificate,
    server_verification,
    verify_client,
)
from glasstls.handshake.traffic import TrafficState
from glasstls.pki.names import certificate_covers
from glasstls.pki.verify import VerifiedChain
from glasstls.sessions import ServerSessionState
from glasstls.trace.times import seconds_text
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateVerify,
    ClientHello,
    EncryptedExtensions,
    Finished,
    HandshakeMessage,
    ServerHello,
)

#: certificate_covers remembers its verdict per (certificate, SNI name): our certificates live as long as the
#: config and the same names come back on every connection.
_covers = certificate_covers


@dataclass
class ServerChoices:
    """What server_negotiation.ExpectClientHello chose for a TLS 1.3 handshake, which the flight answers."""

    hello: ClientHello
    transcript: Transcript  # up to and including the ClientHello (after a retry: message_hash, HRR, ClientHello)
    suite: Tls13CipherSuite
    group: NamedGroup | None  # None: psk_ke, no key exchange (RFC 8446 section 4.2.9)
    client_share: bytes | None
    chain: CertificateChain | None  # None: resumed, the ticket authenticates (RFC 8446 section 2.2)
    scheme: SignatureScheme | None
    alpn: str | None
    server_name: str | None
    hello_retry: bool  # this is the second ClientHello (RFC 8446 section 4.1.4)
    resumption: resumption13.Resumption | None = None
    tickets_wanted: bool = False  # the client named a PSK mode we accept (RFC 8446 section 4.2.9)
    early: early_data.EarlyAcceptance | None = None  # 0-RTT accepted (RFC 8446 section 4.2.10)


def send_flight(ctx: Context, config: ServerConfig, c: ServerChoices, actions: Actions) -> State:
    """The server's flight (RFC 8446 section 2, figure 1): ServerHello, [CCS], EncryptedExtensions,
    [CertificateRequest], [Certificate, CertificateVerify], Finished. Resumed (``c.resumption``): no
    CertificateRequest, Certificate or CertificateVerify (RFC 8446 sections 2.2, 4.3.2); psk_ke (``c.group``
    None): no key share."""
    handshake_secret, c_hs, s_hs = _send_server_hello(config, c, actions)
    peer_limit = _send_encrypted_extensions(config, c, actions)
    request: CertificateRequest | None = None
    if c.resumption is None and config.client_auth != "none":
        request = CertificateRequest(b"", (ext.SignatureAlgorithms(config.signature_schemes),))
        c.transcript.add(actions.send(request))  # RFC 8446 section 4.3.2
    _send_certificate(c, actions)
    transcript, suite = c.transcript, c.suite
    transcript.add(actions.send(Finished(ks.finished_verify_data(suite, s_hs, transcript.digest()))))

    th_server_finished = transcript.digest()
    master = handshake_secret.master_secret()
    c_ap = master.client_application_traffic_secret_0(th_server_finished)
    s_ap = master.server_application_traffic_secret_0(th_server_finished)
    exporter = master.exporter_master_secret(th_server_finished)
    actions.install("write", suite, s_ap, "server application traffic", "SERVER_TRAFFIC_SECRET_0")
    actions.log_secret("EXPORTER_SECRET", exporter)
    resumption = c.resumption
    flight = _ServerFlight(
        suite=suite,
        transcript=transcript,
        master=master,
        c_hs=c_hs,
        c_ap=c_ap,
        s_ap=s_ap,
        exporter=exporter,
        group=c.group,
        scheme=c.scheme,
        alpn=c.alpn,
        server_name=c.server_name,
        hello_retry=c.hello_retry,
        request=request,
        peer_record_size_limit=peer_limit,
        resumed=resumption.state if resumption is not None else None,
        tickets_wanted=c.tickets_wanted,
    )
    if request is not None:
        return ExpectClientCertificate(ctx, config, flight)
    finished = ExpectClientFinished(ctx, config, flight, None)
    if c.early is not None:
        return early_data.ExpectEndOfEarlyData(ctx, c.early, transcript, suite, c_hs, finished)
    return finished


def _send_server_hello(
    config: ServerConfig, c: ServerChoices, actions: Actions
) -> tuple[ks.HandshakeSecret, bytes, bytes]:
    """ServerHello (RFC 8446 section 4.1.3) with our key share (section 4.2.8) and the chosen ticket (section
    4.2.11); then the Handshake Secret and the handshake traffic keys (section 7.1)."""
    suite, group, resumption, transcript = c.suite, c.group, c.resumption, c.transcript
    sh_exts: list[ext.Extension] = [ext.SupportedVersionsServerHello(ProtocolVersion.TLS13)]
    if group is not None and c.client_share is not None:
        our_share, shared = respond_key_exchange(group, c.client_share, config.random)
        kx = f"{exchange_name(group)} over {group}: shared secret computed (forward secret)"
        actions.trace("key_exchange", "ServerHello", kx)
        sh_exts.append(ext.KeyShareServerHello(ext.KeyShareEntry(group, our_share)))
    else:
        shared = bytes(suite.hash_len)  # RFC 8446 section 7.1: no (EC)DHE input is a string of zeros
        actions.trace(
            "key_exchange",
            "ServerHello",
            "psk_ke: no key exchange; keys come from the ticket only (no forward secrecy)",
        )
    if resumption is not None:
        sh_exts.append(ext.PreSharedKeyServerHello(resumption.index))  # RFC 8446 section 4.2.11
        actions.trace(
            "choice",
            "ServerHello",
            f"resuming the session of {seconds_text(resumption.state.created_at)} UTC with session ticket "
            f"#{resumption.index} ({resumption.mode}): no certificate this time",
        )
    sh = ServerHello(
        random=config.random(32),
        legacy_session_id_echo=c.hello.legacy_session_id,
        cipher_suite=suite.suite,
        extensions=tuple(sh_exts),
    )
    transcript.add(actions.send(sh))
    if config.middlebox_compatibility and c.hello.legacy_session_id and not c.hello_retry:
        actions.send_ccs()  # RFC 8446 appendix D.4
    actions.allow_ccs(True)
    th = transcript.digest()
    # RFC 8446 section 7.1: Early Secret (from the ticket's PSK when resuming, else from 0) -> Handshake Secret.
    early_secret = resumption.early if resumption is not None else ks.EarlySecret(suite)
    handshake_secret = early_secret.handshake_secret(shared)
    c_hs = handshake_secret.client_handshake_traffic_secret(th)
    s_hs = handshake_secret.server_handshake_traffic_secret(th)
    actions.install("write", suite, s_hs, "server handshake traffic", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
    early_data.install_client_read_keys(actions, suite, c_hs, c.early)  # 0-RTT first, if accepted (RFC 8446 4.5)
    return handshake_secret, c_hs, s_hs


def _send_encrypted_extensions(config: ServerConfig, c: ServerChoices, actions: Actions) -> int | None:
    """EncryptedExtensions (RFC 8446 section 4.3.1); returns the client's record_size_limit (RFC 8449)."""
    ch = c.hello
    ee_exts: list[ext.Extension] = []
    if c.chain is not None and c.server_name is not None and _covers(c.chain.leaf, c.server_name):
        ee_exts.append(ext.ServerNameAck())  # RFC 6066 section 3: we used the name
    if c.alpn is not None:
        ee_exts.append(ext.ApplicationLayerProtocolNegotiation((c.alpn.encode(),)))
    client_rsl = ext.get_extension(ch.extensions, ext.RecordSizeLimit)
    peer_limit = hello_checks.peer_record_size_limit(client_rsl, "ClientHello", actions)
    if peer_limit is not None:
        ee_exts.append(hello_checks.advertised_record_size_limit(config, ProtocolVersion.TLS13))  # RFC 8449 4
    if c.early is not None:
        ee_exts.append(ext.EarlyData())  # RFC 8446 section 4.2.10: early data accepted
    c.transcript.add(actions.send(EncryptedExtensions(tuple(ee_exts))))
    return peer_limit


def _send_certificate(c: ServerChoices, actions: Actions) -> None:
    """Full handshake: Certificate (RFC 8446 section 4.4.2) and CertificateVerify (section 4.4.3)."""
    chain, scheme, transcript = c.chain, c.scheme, c.transcript
    if chain is None or scheme is None:
        return
    # RFC 8446 section 4.4.2.1: staple the OCSP response on the leaf's entry when the client asked.
    staple = chain.ocsp_response if ext.get_extension(c.hello.extensions, ext.StatusRequest) is not None else None
    entries = tuple(
        CertificateEntry(der, (ext.CertificateStatusOcsp(staple),) if i == 0 and staple else ())
        for i, der in enumerate(chain.der_chain())
    )
    if staple:
        actions.trace("info", "server Certificate", f"stapled an OCSP response ({len(staple)} bytes)")
    transcript.add(actions.send(Certificate(b"", entries)))
    content = signatures.tls13_signed_content(transcript.digest(), server=True)
    transcript.add(
        actions.send(
            CertificateVerify(
                scheme,
                signatures.sign(scheme, chain.private_key, content, rsa_pss_key=is_rsassa_pss_certificate(chain.leaf)),
            )
        )
    )


@dataclass
class _ServerFlight:
    suite: Tls13CipherSuite
    transcript: Transcript
    master: ks.MasterSecret
    c_hs: bytes = field(repr=False)  # secrets: never in a repr (issue 9)
    c_ap: bytes = field(repr=False)
    s_ap: bytes = field(repr=False)
    exporter: bytes = field(repr=False)
    group: NamedGroup | None
    scheme: SignatureScheme | None
    alpn: str | None
    server_name: str | None
    hello_retry: bool
    request: CertificateRequest | None
    peer_record_size_limit: int | None
    resumed: ServerSessionState | None = None  # the session a ticket resumed
    tickets_wanted: bool = False  # the client named a PSK mode we accept (RFC 8446 section 4.2.9)


class _ServerState13(State):
    """A server state after its flight: the connection's context, the config and the flight's facts."""

    def __init__(self, ctx: Context, config: ServerConfig, flight: _ServerFlight) -> None:
        self.ctx = ctx
        self.config = config
        self.flight = flight


class ExpectClientCertificate(_ServerState13):
    """RFC 8446 section 4.4.2 (client side of mutual TLS)."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "client Certificate"

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cert_msg = cast(Certificate, msg)
        step = self.step
        request = self.flight.request
        assert request is not None
        if cert_msg.certificate_request_context != request.certificate_request_context:
            raise IllegalParameter("certificate_request_context does not match our CertificateRequest", step=step)
        for entry in cert_msg.certificate_list:
            ext.check_extensions_allowed(entry.extensions, HandshakeType.CERTIFICATE)
        self.flight.transcript.add(raw)
        if not cert_msg.certificate_list:
            client_sent_no_certificate(self.config, ProtocolVersion.TLS13, step, actions)
            return ExpectClientFinished(self.ctx, self.config, self.flight, None)
        client = verify_client(self.config, [e.cert_data for e in cert_msg.certificate_list], step, actions)
        return ExpectClientCertificateVerify(
            self.ctx, self.config, self.flight, client.proof, client.public_key, client.verified
        )


class ExpectClientCertificateVerify(_ServerState13):
    """RFC 8446 section 4.4.3, client side."""

    expects = frozenset({HandshakeType.CERTIFICATE_VERIFY})
    step = "client CertificateVerify"

    def __init__(
        self,
        ctx: Context,
        config: ServerConfig,
        flight: _ServerFlight,
        cert_proof: ServerCertVerified,
        public_key: PublicKey,
        verified: VerifiedChain,
    ) -> None:
        super().__init__(ctx, config, flight)
        self.cert_proof = cert_proof
        self.public_key = public_key
        self.verified = verified

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        cv = cast(CertificateVerify, msg)
        step = self.step
        sig_proof = check_certificate_verify(
            cv,
            offered=self.config.signature_schemes,
            public_key=self.public_key,
            transcript_hash=self.flight.transcript.digest(),
            signer="client",
            rsa_pss_key=is_rsassa_pss_certificate(self.verified.leaf),
            step=step,
        )
        actions.check(step, f"client's {cv.algorithm} signature is valid: it holds its certificate's key")
        self.flight.transcript.add(raw)
        return ExpectClientFinished(self.ctx, self.config, self.flight, (self.verified, sig_proof))


class ExpectClientFinished(_ServerState13):
    """RFC 8446 section 4.4.4: the last message of the handshake."""

    expects = frozenset({HandshakeType.FINISHED})
    step = "client Finished"

    def __init__(
        self,
        ctx: Context,
        config: ServerConfig,
        flight: _ServerFlight,
        client_auth: tuple[VerifiedChain, SignatureVerified] | None,
    ) -> None:
        """``client_auth``: the client's verified chain and the proof of its CertificateVerify, if it sent one."""
        super().__init__(ctx, config, flight)
        self.client_chain = client_auth[0] if client_auth else None
        self.verification = server_verification(config, self.client_chain, flight.resumed)
        self.peer_certificates = client_auth[0].chain if client_auth else ()
        if flight.resumed is not None:
            self.peer_certificates = parse_stored_chain(flight.resumed.client_certificates)
        self.hash_len = flight.suite.hash_len

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        fin = cast(Finished, msg)
        f = self.flight
        check_finished(f.suite, f.c_hs, f.transcript.digest(), fin, peer="client", step=self.step)
        actions.check(self.step, "client Finished verify_data matches our transcript")
        f.transcript.add(raw)
        actions.allow_ccs(False)
        actions.install("read", f.suite, f.c_ap, "client application traffic", "CLIENT_TRAFFIC_SECRET_0")
        resumption = f.master.resumption_master_secret(f.transcript.digest())
        negotiated = Negotiated(
            version=ProtocolVersion.TLS13,
            cipher_suite=f.suite.suite,
            group=f.group,
            signature_scheme=f.scheme,
            alpn_protocol=f.alpn,
            server_name=f.server_name,
            peer_certificates=self.peer_certificates,
            verified_chain=self.client_chain,
            hello_retry_request=f.hello_retry,
            resumed=f.resumed is not None,
            client_certificate_requested=f.request is not None,
            record_size_limit=f.peer_record_size_limit,
            peer_verified_at=self.verification[0],
            peer_verified_with=self.verification[1],
        )
        actions.done(negotiated, f.exporter, resumption)
        if f.tickets_wanted:
            template = ServerSessionState(
                ProtocolVersion.TLS13,
                f.suite.suite,
                b"",
                False,
                self.config.clock(),
                0,
                0,
                f.alpn,
                f.resumed.server_name if f.resumed is not None else f.server_name,
                tuple(certificate_der(c) for c in self.peer_certificates),
                self.verification[0],
                self.verification[1],
            )
            resumption13.send_tickets(self.config, f.suite, resumption, template, actions)
        return TrafficState(self.ctx, f.suite, f.c_ap, f.s_ap, resumption, self.config.max_key_updates_in_a_row)
