"""TLS 1.3 server states (RFC 8446 sections 4.1-4.4, 7).

ExpectClientHello ──(no usable key share)──► HelloRetryRequest ──► ExpectClientHello (second)
        │
        ▼  ServerHello, [CCS], EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished
ExpectClientCertificate ──► ExpectClientCertificateVerify ──┐   (only when a certificate was requested)
        │                                                    ▼
        └─────────────────────────────────────────► ExpectClientFinished ──► TrafficState
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from cryptography import x509

from glasstls.config import CertificateChain, ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto import signatures
from glasstls.crypto.groups import exchange_name, respond_key_exchange
from glasstls.crypto.keys import PublicKey, certificate_der, is_rsassa_pss_certificate
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    HandshakeFailure,
    IllegalParameter,
    InappropriateFallback,
    MissingExtension,
    ProtocolVersionError,
)
from glasstls.events import Negotiated
from glasstls.handshake import early_data, hello_checks, resumption13, server12
from glasstls.handshake.base import (
    Actions,
    Context,
    ServerCertVerified,
    SignatureVerified,
    State,
    check_certificate_verify,
    check_finished,
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
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    CipherSuite,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
)
from glasstls.wire.messages import (
    HELLO_RETRY_REQUEST_RANDOM,
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

MAX_PSK_IDENTITIES = resumption13.MAX_PSK_IDENTITIES  # the bounds live with the resumption code
TICKET_AGE_WINDOW_MS = resumption13.TICKET_AGE_WINDOW_MS

#: certificate_covers remembers its verdict per (certificate, SNI name): our certificates live as long as the
#: config and the same names come back on every connection.
_covers = certificate_covers


_Resumption = resumption13.Resumption


@dataclass
class _RetryState:
    """What the server remembers between its HelloRetryRequest and the second ClientHello."""

    suite: CipherSuite
    group: NamedGroup
    cookie: bytes | None
    transcript: Transcript
    first_hello: ClientHello


class ExpectClientHello(State):
    """RFC 8446 section 4.1.2 (and the second ClientHello after a HelloRetryRequest, section 4.1.4)."""

    expects = frozenset({HandshakeType.CLIENT_HELLO})
    step = "ClientHello"

    def __init__(self, ctx: Context, config: ServerConfig, retry: _RetryState | None = None) -> None:
        self.ctx = ctx
        self.config = config
        self.retry = retry

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        ch = cast(ClientHello, msg)
        step = "second ClientHello" if self.retry else "ClientHello"
        config = self.config
        hello_checks.check_client_hello(ch, step)  # RFC 8446 appendix D.5, RFC 6066 section 3
        if self.retry is None:
            self.ctx.client_random = ch.random
        ext.check_extensions_allowed(ch.extensions, HandshakeType.CLIENT_HELLO)
        psk = ext.find_extension(ch.extensions, ExtensionType.PRE_SHARED_KEY)
        if psk is not None and ch.extensions[-1] is not psk:
            # RFC 8446 section 4.2.11: pre_shared_key MUST be the last extension.
            raise IllegalParameter("pre_shared_key is not the last extension of the ClientHello", step=step)

        # Version (RFC 8446 section 4.2.1; RFC 5246 appendix E.1 for a client without supported_versions).
        versions = ext.get_extension(ch.extensions, ext.SupportedVersionsClientHello)
        client_max = hello_checks.client_max_version(ch, versions)  # RFC 8446 section 4.2.1
        if self.retry is None and CipherSuite.TLS_FALLBACK_SCSV in ch.cipher_suites and client_max < config.max_version:
            # RFC 7507 section 3: a fallback retry below our highest version is an attack or a broken middlebox.
            raise InappropriateFallback(
                f"client retried with {client_max} and TLS_FALLBACK_SCSV, "
                f"but this server supports {config.max_version}",
                step=step,
            )
        offers13 = versions is not None and ProtocolVersion.TLS13 in versions.versions
        if self.retry is None and not (offers13 and config.max_version >= ProtocolVersion.TLS13):
            offers12 = (
                ProtocolVersion.TLS12 in versions.versions if versions else ch.legacy_version >= ProtocolVersion.TLS12
            )
            if offers12 and config.min_version <= ProtocolVersion.TLS12:
                return server12.client_hello_received(self.ctx, config, ch, raw, actions)
        if not offers13 or config.max_version < ProtocolVersion.TLS13:
            offered = (
                ", ".join(str(v) for v in versions.versions) if versions else str(ProtocolVersion(ch.legacy_version))
            )
            both = (ProtocolVersion.TLS13, ProtocolVersion.TLS12)
            enabled = " and ".join(str(v) for v in both if config.min_version <= v <= config.max_version)
            raise ProtocolVersionError(
                f"client offers only {offered}; this server speaks {enabled}",
                step=step,
                hint=f"enable {enabled} on the client",
            )
        if ch.legacy_compression_methods != b"\x00":
            raise IllegalParameter("legacy_compression_methods must be exactly [null] in TLS 1.3", step=step)
        actions.check(step, "client offers TLS 1.3 (supported_versions)")

        # Cipher suite: the server's preference among those offered (RFC 8446 section 4.1.1).
        suite_id = next((s for s in config.cipher_suites if s in ch.cipher_suites and s in TLS13_SUITES), None)
        if suite_id is None:
            raise HandshakeFailure(
                "no cipher suite in common: client offers "
                + ", ".join(str(s) for s in ch.cipher_suites if s.known)
                + "; server accepts "
                + ", ".join(str(s) for s in config.cipher_suites),
                step=step,
                hint="configure a TLS 1.3 cipher suite both sides accept",
            )
        if self.retry is not None and suite_id != self.retry.suite:
            raise IllegalParameter(
                "second ClientHello no longer offers the suite chosen in HelloRetryRequest", step=step
            )
        suite = TLS13_SUITES[suite_id]
        actions.trace("choice", step, f"chose cipher suite {suite_id}", {"offered": [str(s) for s in ch.cipher_suites]})

        sni = ext.get_extension(ch.extensions, ext.ServerName)
        server_name = sni.host_name if sni else None
        tickets_wanted = resumption13.tickets_wanted(config, ch)

        # Key exchange (RFC 8446 sections 4.2.7, 4.2.8, 9.2): what the client's shares allow.
        groups = ext.get_extension(ch.extensions, ext.SupportedGroups)
        key_share = ext.get_extension(ch.extensions, ext.KeyShareClientHello)
        if (groups is None) != (key_share is None):
            # RFC 8446 section 9.2: key_share and supported_groups come together.
            raise MissingExtension("client sent only one of supported_groups and key_share", step=step)
        if self.retry is not None and key_share is None:
            # RFC 8446 section 4.1.2: the second ClientHello carries the key share we asked for.
            raise MissingExtension(f"second ClientHello has no key share (we asked for {self.retry.group})", step=step)
        if self.retry is not None:  # RFC 8446 section 4.1.2: the same ClientHello but for the listed changes
            hello_checks.check_second_client_hello(self.retry.first_hello, ch, step)
        mutual: list[NamedGroup] = []
        shares: dict[NamedGroup, ext.KeyShareEntry] = {}
        chosen: NamedGroup | None = None
        if groups is not None and key_share is not None:
            self._check_key_shares(key_share, groups, step)
            mutual = [g for g in config.groups if g in groups.named_group_list]
            shares = {e.group: e for e in key_share.client_shares}
            chosen = next((g for g in mutual if g in shares), None)
            if self.retry is not None:
                if [e.group for e in key_share.client_shares] != [self.retry.group]:
                    raise IllegalParameter(
                        f"second ClientHello must carry one key share, for {self.retry.group}", step=step
                    )
                cookie = ext.get_extension(ch.extensions, ext.Cookie)
                if self.retry.cookie is not None and (
                    cookie is None or not ks.constant_time_equal(cookie.cookie, self.retry.cookie)
                ):
                    raise IllegalParameter("second ClientHello does not echo the HelloRetryRequest cookie", step=step)
                chosen = self.retry.group

        # Resumption (RFC 8446 sections 2.2, 4.2.9, 4.2.11): a ticket we can use, or a full handshake.
        retry_transcript = self.retry.transcript if self.retry else None
        resumption = resumption13.find_psk(config, ch, raw, suite, server_name, retry_transcript, step, actions)
        chain: CertificateChain | None = None
        scheme: SignatureScheme | None = None
        if resumption is None:
            chain, scheme = self._certificate_for(ch, server_name, step, actions)
        needs_share = resumption is None or resumption.mode == PskKeyExchangeMode.PSK_DHE_KE
        if needs_share and chosen is None and mutual and self.retry is None:
            return self._hello_retry(ch, raw, suite, mutual[0], actions)  # the ticket is judged again after it
        if resumption is not None and not resumption13.use_ticket(config, resumption, step, actions):
            resumption = None
            needs_share = True
            chain, scheme = self._certificate_for(ch, server_name, step, actions)
        if needs_share:
            if groups is None or key_share is None:
                raise MissingExtension("client sent no supported_groups or no key_share", step=step)
            if not mutual:
                raise HandshakeFailure(
                    "no key exchange group in common: client supports "
                    + ", ".join(str(g) for g in groups.named_group_list)
                    + "; server accepts "
                    + ", ".join(str(g) for g in config.groups),
                    step=step,
                    hint="enable a group both sides support, e.g. x25519 or secp256r1",
                )
            if chosen is None:
                return self._hello_retry(ch, raw, suite, mutual[0], actions)
        else:
            chosen = None  # psk_ke: no key exchange (RFC 8446 section 4.2.9)

        transcript = self.retry.transcript if self.retry else Transcript()
        if self.retry is None:
            transcript.set_hash(suite)
        transcript.add(raw)
        alpn = self._choose_alpn(ch, step)
        early = None
        if self.retry is None:  # RFC 8446 sections 4.2.10, 8: accept 0-RTT, or skip it
            early = early_data.server_decision(config, ch, raw, suite, resumption, alpn, server_name, step, actions)
        return self._send_flight(
            ch,
            transcript,
            suite,
            chosen,
            shares[chosen].key_exchange if chosen is not None else None,
            chain,
            scheme,
            alpn,
            server_name,
            actions,
            resumption,
            tickets_wanted,
            early,
        )

    # -- choices ---------------------------------------------------------------------------------------

    def _certificate_for(
        self, ch: ClientHello, server_name: str | None, step: str, actions: Actions
    ) -> tuple[CertificateChain, SignatureScheme]:
        """Signature algorithms (RFC 8446 section 4.2.3) and the certificate to present (full handshake)."""
        sig_algs = ext.get_extension(ch.extensions, ext.SignatureAlgorithms)
        if sig_algs is None:
            raise MissingExtension("client sent no signature_algorithms", step=step)
        chain, scheme = self._choose_certificate(server_name, sig_algs.supported_signature_algorithms, step)
        actions.trace(
            "choice",
            step,
            f"will authenticate with {chain.leaf.subject.rfc4514_string()} using {scheme}",
            {"server_name": server_name},
        )
        return chain, scheme

    def _choose_certificate(
        self, server_name: str | None, offered: tuple[SignatureScheme, ...], step: str
    ) -> tuple[CertificateChain, SignatureScheme]:
        """Pick a chain that covers the SNI name and can sign with a scheme the client offered."""
        candidates: list[tuple[int, CertificateChain, SignatureScheme]] = []
        for index, chain in enumerate(self.config.certificates):
            scheme = next(
                (
                    s
                    for s in signatures.schemes_for_key(
                        chain.private_key, tls13=True, rsa_pss_key=is_rsassa_pss_certificate(chain.leaf)
                    )
                    if s in offered and s in self.config.signature_schemes
                ),
                None,
            )
            if scheme is None:
                continue
            name_rank = 0 if server_name is not None and _covers(chain.leaf, server_name) else 1
            candidates.append((name_rank * 1000 + index, chain, scheme))
        if not candidates:
            raise HandshakeFailure(
                "none of our certificates can sign with a scheme the client offers ("
                + ", ".join(str(s) for s in offered)
                + ")",
                step=step,
                hint="add a certificate whose key type the client accepts (e.g. ECDSA P-256 or RSA)",
            )
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]

    def _check_key_shares(self, key_share: ext.KeyShareClientHello, groups: ext.SupportedGroups, step: str) -> None:
        """RFC 8446 section 4.2.8: each share's group is in supported_groups, in the same order, no duplicates."""
        seen: set[NamedGroup] = set()
        positions = {g: i for i, g in enumerate(groups.named_group_list)}
        last = -1
        for entry in key_share.client_shares:
            if entry.group in seen:
                raise IllegalParameter(f"two key shares for {entry.group}", step=step)
            seen.add(entry.group)
            if entry.group not in positions:
                raise IllegalParameter(f"key share for {entry.group}, which is not in supported_groups", step=step)
            if positions[entry.group] < last:
                raise IllegalParameter("key shares are not in the order of supported_groups", step=step)
            last = positions[entry.group]

    def _choose_alpn(self, ch: ClientHello, step: str) -> str | None:
        """RFC 7301 section 3.2 (the same choice in TLS 1.2 and 1.3)."""
        return server12.choose_alpn(self.config, ch, step)

    # -- HelloRetryRequest (RFC 8446 section 4.1.4) -----------------------------------------------------

    def _hello_retry(
        self, ch: ClientHello, raw: bytes, suite: Tls13CipherSuite, group: NamedGroup, actions: Actions
    ) -> State:
        step = "HelloRetryRequest"
        if self.retry is not None:
            raise IllegalParameter("second ClientHello still has no usable key share", step=step)
        early_data.refuse(self.config, ch, "the server asked for another key share (HelloRetryRequest)", step, actions)
        cookie = self.config.random(32) if self.config.hello_retry_cookie else None
        exts: list[ext.Extension] = [
            ext.SupportedVersionsServerHello(ProtocolVersion.TLS13),
            ext.KeyShareHelloRetryRequest(group),
        ]
        if cookie is not None:
            exts.append(ext.Cookie(cookie))
        hrr = ServerHello(
            random=HELLO_RETRY_REQUEST_RANDOM,
            legacy_session_id_echo=ch.legacy_session_id,
            cipher_suite=suite.suite,
            extensions=tuple(exts),
        )
        transcript = Transcript()
        transcript.set_hash(suite)
        transcript.add(raw)
        transcript.hrr_restart()  # RFC 8446 section 4.4.1: message_hash replaces ClientHello1
        transcript.add(actions.send(hrr))
        actions.trace("choice", step, f"no key share we can use: asking the client for one for {group}")
        if self.config.middlebox_compatibility and ch.legacy_session_id:
            actions.send_ccs()  # RFC 8446 appendix D.4: after the server's first handshake message
        actions.allow_ccs(True)
        return ExpectClientHello(self.ctx, self.config, _RetryState(suite.suite, group, cookie, transcript, ch))

    # -- the server's flight ----------------------------------------------------------------------------

    def _send_flight(
        self,
        ch: ClientHello,
        transcript: Transcript,
        suite: Tls13CipherSuite,
        group: NamedGroup | None,
        client_share: bytes | None,
        chain: CertificateChain | None,
        scheme: SignatureScheme | None,
        alpn: str | None,
        server_name: str | None,
        actions: Actions,
        resumption: _Resumption | None = None,
        tickets_wanted: bool = False,
        early: early_data.EarlyAcceptance | None = None,
    ) -> State:
        """ServerHello .. Finished. Resumed (``resumption``): no CertificateRequest, Certificate or
        CertificateVerify (RFC 8446 sections 2.2, 4.3.2); psk_ke (``group`` None): no key share."""
        config = self.config
        sh_exts: list[ext.Extension] = [ext.SupportedVersionsServerHello(ProtocolVersion.TLS13)]
        if group is not None and client_share is not None:
            our_share, shared = respond_key_exchange(group, client_share, config.random)
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
                f"resuming the session of {resumption.state.created_at:%Y-%m-%d %H:%M:%S} UTC with session ticket "
                f"#{resumption.index} ({resumption.mode}): no certificate this time",
            )
        sh = ServerHello(
            random=config.random(32),
            legacy_session_id_echo=ch.legacy_session_id,
            cipher_suite=suite.suite,
            extensions=tuple(sh_exts),
        )
        transcript.add(actions.send(sh))
        if config.middlebox_compatibility and ch.legacy_session_id and self.retry is None:
            actions.send_ccs()  # RFC 8446 appendix D.4
        actions.allow_ccs(True)
        th = transcript.digest()
        # RFC 8446 section 7.1: Early Secret (from the ticket's PSK when resuming, else from 0) -> Handshake Secret.
        early_secret = resumption.early if resumption is not None else ks.EarlySecret(suite)
        handshake_secret = early_secret.handshake_secret(shared)
        c_hs = handshake_secret.client_handshake_traffic_secret(th)
        s_hs = handshake_secret.server_handshake_traffic_secret(th)
        actions.install("write", suite, s_hs, "server handshake traffic", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
        early_data.install_client_read_keys(actions, suite, c_hs, early)  # 0-RTT first, if accepted (RFC 8446 4.5)

        # EncryptedExtensions (RFC 8446 section 4.3.1).
        ee_exts: list[ext.Extension] = []
        if chain is not None and server_name is not None and _covers(chain.leaf, server_name):
            ee_exts.append(ext.ServerNameAck())  # RFC 6066 section 3: we used the name
        if alpn is not None:
            ee_exts.append(ext.ApplicationLayerProtocolNegotiation((alpn.encode(),)))
        client_rsl = ext.get_extension(ch.extensions, ext.RecordSizeLimit)
        peer_limit = None
        if client_rsl is not None:
            if client_rsl.limit < 64:
                raise IllegalParameter(f"record_size_limit {client_rsl.limit} is below 64", step="ClientHello")
            peer_limit = client_rsl.limit
            actions.peer_record_size_limit(client_rsl.limit)
            ee_exts.append(hello_checks.advertised_record_size_limit(config, ProtocolVersion.TLS13))  # RFC 8449 4
        if early is not None:
            ee_exts.append(ext.EarlyData())  # RFC 8446 section 4.2.10: early data accepted
        transcript.add(actions.send(EncryptedExtensions(tuple(ee_exts))))

        request: CertificateRequest | None = None
        if resumption is None and config.client_auth != "none":
            request = CertificateRequest(b"", (ext.SignatureAlgorithms(config.signature_schemes),))
            transcript.add(actions.send(request))

        if chain is not None and scheme is not None:
            # RFC 8446 section 4.4.2.1: staple the OCSP response on the leaf's entry when the client asked.
            staple = chain.ocsp_response if ext.get_extension(ch.extensions, ext.StatusRequest) is not None else None
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
                        signatures.sign(
                            scheme, chain.private_key, content, rsa_pss_key=is_rsassa_pss_certificate(chain.leaf)
                        ),
                    )
                )
            )
        transcript.add(actions.send(Finished(ks.finished_verify_data(suite, s_hs, transcript.digest()))))

        th_server_finished = transcript.digest()
        master = handshake_secret.master_secret()
        c_ap = master.client_application_traffic_secret_0(th_server_finished)
        s_ap = master.server_application_traffic_secret_0(th_server_finished)
        exporter = master.exporter_master_secret(th_server_finished)
        actions.install("write", suite, s_ap, "server application traffic", "SERVER_TRAFFIC_SECRET_0")
        actions.log_secret("EXPORTER_SECRET", exporter)
        flight = _ServerFlight(
            suite=suite,
            transcript=transcript,
            master=master,
            c_hs=c_hs,
            c_ap=c_ap,
            s_ap=s_ap,
            exporter=exporter,
            group=group,
            scheme=scheme,
            alpn=alpn,
            server_name=server_name,
            hello_retry=self.retry is not None,
            request=request,
            peer_record_size_limit=peer_limit,
            resumed=resumption.state if resumption is not None else None,
            tickets_wanted=tickets_wanted,
        )
        if request is not None:
            return ExpectClientCertificate(self.ctx, config, flight)
        finished = ExpectClientFinished(self.ctx, config, flight, None)
        if early is not None:
            return early_data.ExpectEndOfEarlyData(self.ctx, early, transcript, suite, c_hs, finished)
        return finished


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


class ExpectClientCertificate(State):
    """RFC 8446 section 4.4.2 (client side of mutual TLS)."""

    expects = frozenset({HandshakeType.CERTIFICATE})
    step = "client Certificate"

    def __init__(self, ctx: Context, config: ServerConfig, flight: _ServerFlight) -> None:
        self.ctx = ctx
        self.config = config
        self.flight = flight

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


class ExpectClientCertificateVerify(State):
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
        self.ctx = ctx
        self.config = config
        self.flight = flight
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


class ExpectClientFinished(State):
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
        self.ctx = ctx
        self.config = config
        self.flight = flight
        self.client_chain = client_auth[0] if client_auth else None
        self.verification = server_verification(config, self.client_chain, flight.resumed)
        self.peer_certificates = client_auth[0].chain if client_auth else ()
        if flight.resumed is not None:
            self.peer_certificates = tuple(_parse_certificates(flight.resumed.client_certificates))
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


def _parse_certificates(chain_der: tuple[bytes, ...]) -> list[x509.Certificate]:
    out = []
    for der in chain_der:
        try:
            out.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    return out
