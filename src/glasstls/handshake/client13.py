"""TLS 1.3 client states after the ServerHello (RFC 8446 sections 4.3-4.4, 7).

client_negotiation.ExpectServerHello checks the ServerHello (or answers a HelloRetryRequest) and calls
:func:`handshake_keys`::

    handshake_keys ──► ExpectEncryptedExtensions ──► ExpectCertificateOrCertificateRequest
                              │ (resumed)                 │             │
                              │                           │             ▼
                              │                           │      ExpectCertificate
                              │                           ▼             │
                              │                ExpectCertificateVerify ◄┘
                              ▼                           │
                        ExpectFinished ◄──────────────────┘ ──► (client flight) ──► TrafficState
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from glasstls.crypto import key_schedule as ks
from glasstls.crypto import signatures
from glasstls.crypto.keys import PublicKey, is_rsassa_pss_certificate
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    DecodeError,
    IllegalParameter,
    MissingExtension,
    UnsupportedExtension,
)
from glasstls.events import Negotiated
from glasstls.handshake import early_data_client
from glasstls.handshake.base import (
    Actions,
    FinishedVerified,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_certificate_verify,
    check_finished,
    parse_peer_chain,
    parse_stored_chain,
    tls13_scheme_for,
)
from glasstls.handshake.client_hello import (
    ClientHandshake,
)
from glasstls.handshake.client_psk13 import PskOffer
from glasstls.handshake.hello_checks import accepted_alpn, peer_record_size_limit
from glasstls.handshake.peer_auth import (
    client_verification,
    trace_certificate_request,
    trace_server_chain,
    verify_server,
)
from glasstls.handshake.traffic import TrafficState
from glasstls.sessions import ClientSession
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    CipherSuite,
    HandshakeType,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateVerify,
    EncryptedExtensions,
    Finished,
    HandshakeMessage,
    ServerHello,
)

if TYPE_CHECKING:  # annotations only: certificates and their verification load when a certificate arrives
    from cryptography import x509

    from glasstls.pki.verify import VerifiedChain


def handshake_keys(
    hs: ClientHandshake,
    transcript: Transcript,
    sh: ServerHello,
    raw: bytes,
    suite: Tls13CipherSuite,
    psk: PskOffer | None,
    shared: bytes,
    actions: Actions,
) -> State:
    """After a TLS 1.3 ServerHello (client_negotiation.ExpectServerHello checked it): the Handshake Secret and
    the handshake traffic keys (RFC 8446 section 7.1); ``psk``: the ticket the server accepted, ``shared``: the
    (EC)DHE shared secret (zeros for psk_ke)."""
    transcript.set_hash(suite)
    transcript.add(raw)
    th = transcript.digest()
    # RFC 8446 section 7.1: Early Secret (from the PSK when resuming, else from 0) -> Handshake Secret.
    early = psk.early if psk is not None else ks.EarlySecret(suite)
    handshake_secret = early.handshake_secret(shared)
    c_hs = handshake_secret.client_handshake_traffic_secret(th)
    s_hs = handshake_secret.server_handshake_traffic_secret(th)
    actions.install("read", suite, s_hs, "server handshake traffic", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
    # Our handshake write keys now too: any alert we send from here on is protected (RFC 8446 section 5;
    # the middlebox-compatibility change_cipher_spec still goes out in plaintext).
    early_data_client.handshake_write_keys(hs.early, suite, c_hs, actions)  # later with 0-RTT in flight
    return ExpectEncryptedExtensions(hs, _Keys(suite, transcript, handshake_secret, c_hs, s_hs, sh.cipher_suite))


@dataclass
class _Keys:
    """The handshake-phase secrets the client states pass along (RFC 8446 section 7.1)."""

    suite: Tls13CipherSuite
    transcript: Transcript
    handshake_secret: ks.HandshakeSecret = field(repr=False)  # secrets: never in a repr (issue 9)
    c_hs: bytes = field(repr=False)
    s_hs: bytes = field(repr=False)
    cipher_suite: CipherSuite


class _ClientState13(State):
    """A client state after the ServerHello: the hello's facts and the handshake keys (RFC 8446 section 7.1)."""

    def __init__(self, hs: ClientHandshake, keys: _Keys) -> None:
        self.hs = hs
        self.keys = keys


class ExpectEncryptedExtensions(_ClientState13):
    """RFC 8446 section 4.3.1."""

    expects = frozenset({HandshakeType.ENCRYPTED_EXTENSIONS})
    step = "EncryptedExtensions"

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        ee = cast(EncryptedExtensions, msg)
        hs = self.hs
        step = self.step
        ext.check_extensions_allowed(ee.extensions, HandshakeType.ENCRYPTED_EXTENSIONS)
        for e in ee.extensions:
            if e.wire_type not in hs.offered_extensions:
                raise UnsupportedExtension(f"server sent {e.wire_type}, which we did not offer", step=step)
        alpn = ext.get_extension(ee.extensions, ext.ApplicationLayerProtocolNegotiation)
        if alpn is not None:
            hs.alpn = accepted_alpn(hs.config, alpn, step, actions)  # RFC 7301 section 3.1
        rsl = ext.get_extension(ee.extensions, ext.RecordSizeLimit)
        hs.peer_record_size_limit = peer_record_size_limit(rsl, step, actions)  # RFC 8449 section 4
        k, resumed = self.keys, hs.resumed is not None
        early_data_client.encrypted_extensions(hs.early, ee, k.suite, k.cipher_suite, resumed, hs.alpn, actions)
        self.keys.transcript.add(raw)
        if hs.resumed is not None:
            # RFC 8446 section 2.2: a resumed handshake has no Certificate/CertificateVerify (the PSK
            # authenticates), and section 4.3.2: no CertificateRequest either.
            return ExpectFinished(hs, self.keys, PskAuthenticated(hs.resumed))
        return ExpectCertificateOrCertificateRequest(hs, self.keys)


class ExpectCertificateOrCertificateRequest(_ClientState13):
    """After EncryptedExtensions: the server may ask for our certificate first (RFC 8446 section 4.3.2)."""

    expects = frozenset({HandshakeType.CERTIFICATE, HandshakeType.CERTIFICATE_REQUEST})
    step = "server Certificate"

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
            trace_certificate_request(self.hs.config, step, actions)
            return ExpectCertificate(self.hs, self.keys)
        return ExpectCertificate(self.hs, self.keys).handle(msg, raw, actions)


class ExpectCertificate(_ClientState13):
    """RFC 8446 section 4.4.2, and verification of the chain (section 4.4.2.4)."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "server Certificate"

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
                if e.wire_type not in self.hs.offered_extensions:
                    raise UnsupportedExtension(f"certificate entry carries {e.wire_type}, not requested", step=step)
        chain_der = [entry.cert_data for entry in cert_msg.certificate_list]
        # Every certificate parsed once, here: for the trace, the checks and the next state (bad_certificate or
        # unsupported_certificate, never internal_error, for a malformed one).
        parsed, public_key = parse_peer_chain(chain_der, "server", step)
        trace_server_chain(parsed, step, actions)
        # RFC 8446 section 4.4.2.1: an OCSP staple rides in the leaf's CertificateEntry (status_request).
        staple = ext.get_extension(cert_msg.certificate_list[0].extensions, ext.CertificateStatusOcsp)
        ocsp = staple.ocsp_response if staple is not None else None
        proof = verify_server(self.hs.config, chain_der, self.hs.server_name, ocsp, actions)
        self.keys.transcript.add(raw)
        peer_chain = tuple(parsed)
        return ExpectCertificateVerify(self.hs, self.keys, proof, public_key, peer_chain)


class ExpectCertificateVerify(_ClientState13):
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
        super().__init__(hs, keys)
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


class ExpectFinished(_ClientState13):
    """RFC 8446 section 4.4.4; then the client's second flight."""

    expects = frozenset({HandshakeType.FINISHED})
    step = "server Finished"

    def __init__(self, hs: ClientHandshake, keys: _Keys, auth: CertificateAuthenticated | PskAuthenticated) -> None:
        super().__init__(hs, keys)
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
            peer_chain = parse_stored_chain(auth.session.peer_certificates)
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
        scheme = tls13_scheme_for(chain, offered, hs.config.signature_schemes) if chain is not None else None
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
