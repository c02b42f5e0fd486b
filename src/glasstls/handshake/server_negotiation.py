"""The server's half of the hello exchange, for both versions: :class:`ExpectClientHello` reads a ClientHello
and makes the server's choices, one named step after the other, in the order of RFC 8446 section 4.1.1
("Cryptographic Negotiation")::

    ExpectClientHello.handle(ClientHello)
      _check_hello          every ClientHello, whatever the version     RFC 8446 4.1.2, D.5; RFC 6066 3
      _choose_version       TLS 1.3 here, or TLS 1.2:                    RFC 8446 4.2.1; RFC 7507; RFC 5246 E.1
                              ──► server12.client_hello_received (its own suite, certificate, resumption)
      _choose_suite         our preference among the offered suites     RFC 8446 4.1.1
      _read_key_shares      what supported_groups and key_share allow   RFC 8446 4.2.7, 4.2.8, 9.2; 4.1.2
      _try_resumption       a ticket we can use, or a full handshake    RFC 8446 4.2.11, 4.2.9
      _choose_certificate   (full handshake) the chain and its scheme   RFC 8446 4.2.3, 4.4.2.2
      _choose_group         the share we answer with                    RFC 8446 4.2.8
        or _hello_retry     no usable share: ask again (HelloRetryRequest, RFC 8446 4.1.4)
                              ──► ExpectClientHello (second)
      _answer               ──► server13.send_flight: ServerHello .. server Finished

Modules: this one sits above the version modules (it imports server12 and server13 to hand over to them;
neither imports it). The TLS 1.2 choices stay in server12: RFC 5246 ties the cipher suite to the certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from glasstls.config import CertificateChain, ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.keys import certificate_subject
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import (
    HandshakeFailure,
    IllegalParameter,
    InappropriateFallback,
    MissingExtension,
    ProtocolVersionError,
)
from glasstls.handshake import early_data, hello_checks, resumption13, server12, server13
from glasstls.handshake.base import Actions, Context, State, tls13_scheme_for
from glasstls.handshake.resumption13 import Resumption
from glasstls.pki.names import certificate_covers
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
from glasstls.wire.messages import HELLO_RETRY_REQUEST_RANDOM, ClientHello, HandshakeMessage, ServerHello


@dataclass
class _RetryState:
    """What the server remembers between its HelloRetryRequest and the second ClientHello."""

    suite: CipherSuite
    group: NamedGroup
    cookie: bytes | None
    transcript: Transcript
    first_hello: ClientHello


@dataclass
class _KeyShares:
    """What the client's supported_groups and key_share allow (RFC 8446 sections 4.2.7, 4.2.8)."""

    groups: ext.SupportedGroups | None
    key_share: ext.KeyShareClientHello | None
    mutual: list[NamedGroup]  # our groups that the client supports, in our order of preference
    shares: dict[NamedGroup, ext.KeyShareEntry]
    usable: NamedGroup | None  # the first mutual group the client sent a share for (after a retry: the asked one)


def _needs_share(resumption: Resumption | None) -> bool:
    """A full handshake and psk_dhe_ke need an (EC)DHE share; psk_ke has none (RFC 8446 section 4.2.9)."""
    return resumption is None or resumption.mode == PskKeyExchangeMode.PSK_DHE_KE


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
        self._check_hello(ch, step)
        if self._choose_version(ch, step, actions) == ProtocolVersion.TLS12:
            return server12.client_hello_received(self.ctx, self.config, ch, raw, actions)
        suite = self._choose_suite(ch, step, actions)
        sni = ext.get_extension(ch.extensions, ext.ServerName)
        server_name = sni.host_name if sni else None
        shares = self._read_key_shares(ch, step)
        resumption = self._try_resumption(ch, raw, suite, server_name, step, actions)
        certificate = self._choose_certificate(ch, server_name, step, actions) if resumption is None else None
        if _needs_share(resumption) and shares.usable is None and shares.mutual and self.retry is None:
            return self._hello_retry(ch, raw, suite, shares.mutual[0], actions)  # the ticket is judged again after it
        if resumption is not None and not resumption13.use_ticket(self.config, resumption, step, actions):
            resumption = None
            certificate = self._choose_certificate(ch, server_name, step, actions)
        group = None  # psk_ke: no key exchange (RFC 8446 section 4.2.9)
        if _needs_share(resumption):
            group = self._choose_group(shares, step)
            if group is None:
                return self._hello_retry(ch, raw, suite, shares.mutual[0], actions)
        client_share = shares.shares[group].key_exchange if group is not None else None
        return self._answer(ch, raw, suite, group, client_share, certificate, resumption, server_name, step, actions)

    # -- the steps, in the order handle takes them -------------------------------------------------------

    def _check_hello(self, ch: ClientHello, step: str) -> None:
        """The checks every ClientHello gets before the version is chosen."""
        hello_checks.check_client_hello(ch, step)  # RFC 8446 appendix D.5, RFC 6066 section 3
        if self.retry is None:
            self.ctx.client_random = ch.random
        ext.check_extensions_allowed(ch.extensions, HandshakeType.CLIENT_HELLO)
        psk = ext.find_extension(ch.extensions, ExtensionType.PRE_SHARED_KEY)
        if psk is not None and ch.extensions[-1] is not psk:
            # RFC 8446 section 4.2.11: pre_shared_key MUST be the last extension.
            raise IllegalParameter("pre_shared_key is not the last extension of the ClientHello", step=step)

    def _choose_version(self, ch: ClientHello, step: str, actions: Actions) -> ProtocolVersion:
        """RFC 8446 section 4.2.1 (RFC 5246 appendix E.1 for a client without supported_versions): TLS 1.3 when
        both sides speak it, else TLS 1.2 (never after a HelloRetryRequest); RFC 7507 for TLS_FALLBACK_SCSV."""
        config = self.config
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
                return ProtocolVersion.TLS12
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
        return ProtocolVersion.TLS13

    def _choose_suite(self, ch: ClientHello, step: str, actions: Actions) -> Tls13CipherSuite:
        """RFC 8446 section 4.1.1: the server's preference among the suites offered; after a HelloRetryRequest,
        the suite it named (section 4.1.4)."""
        config = self.config
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
        actions.trace("choice", step, f"chose cipher suite {suite_id}", {"offered": [str(s) for s in ch.cipher_suites]})
        return TLS13_SUITES[suite_id]

    def _read_key_shares(self, ch: ClientHello, step: str) -> _KeyShares:
        """RFC 8446 sections 4.2.7, 4.2.8, 9.2: what the client's shares allow; after a HelloRetryRequest, the
        second ClientHello is the first but for the changes section 4.1.2 lists, with the one share we asked
        for and our cookie."""
        groups = ext.get_extension(ch.extensions, ext.SupportedGroups)
        key_share = ext.get_extension(ch.extensions, ext.KeyShareClientHello)
        if (groups is None) != (key_share is None):
            # RFC 8446 section 9.2: key_share and supported_groups come together.
            raise MissingExtension("client sent only one of supported_groups and key_share", step=step)
        retry = self.retry
        if retry is not None and key_share is None:
            # RFC 8446 section 4.1.2: the second ClientHello carries the key share we asked for.
            raise MissingExtension(f"second ClientHello has no key share (we asked for {retry.group})", step=step)
        if retry is not None:  # RFC 8446 section 4.1.2: the same ClientHello but for the listed changes
            hello_checks.check_second_client_hello(retry.first_hello, ch, step)
        found = _KeyShares(groups, key_share, [], {}, None)
        if groups is None or key_share is None:
            return found
        _check_key_shares(key_share, groups, step)
        found.mutual = [g for g in self.config.groups if g in groups.named_group_list]
        found.shares = {e.group: e for e in key_share.client_shares}
        found.usable = next((g for g in found.mutual if g in found.shares), None)
        if retry is not None:
            if [e.group for e in key_share.client_shares] != [retry.group]:
                raise IllegalParameter(f"second ClientHello must carry one key share, for {retry.group}", step=step)
            cookie = ext.get_extension(ch.extensions, ext.Cookie)
            if retry.cookie is not None and (cookie is None or not ks.constant_time_equal(cookie.cookie, retry.cookie)):
                raise IllegalParameter("second ClientHello does not echo the HelloRetryRequest cookie", step=step)
            found.usable = retry.group
        return found

    def _try_resumption(
        self, ch: ClientHello, raw: bytes, suite: Tls13CipherSuite, server_name: str | None, step: str, actions: Actions
    ) -> Resumption | None:
        """RFC 8446 sections 2.2, 4.2.9, 4.2.11: the first offered ticket we can use, its binder verified; None
        for a full handshake (its single use is recorded later, once no HelloRetryRequest is needed)."""
        retry_transcript = self.retry.transcript if self.retry else None
        return resumption13.find_psk(self.config, ch, raw, suite, server_name, retry_transcript, step, actions)

    def _choose_certificate(
        self, ch: ClientHello, server_name: str | None, step: str, actions: Actions
    ) -> tuple[CertificateChain, SignatureScheme]:
        """Signature algorithms (RFC 8446 section 4.2.3) and the certificate to present (section 4.4.2.2): one
        that covers the SNI name first, then in configured order, that signs with a scheme the client offered."""
        sig_algs = ext.get_extension(ch.extensions, ext.SignatureAlgorithms)
        if sig_algs is None:
            raise MissingExtension("client sent no signature_algorithms", step=step)
        offered = sig_algs.supported_signature_algorithms
        candidates: list[tuple[int, CertificateChain, SignatureScheme]] = []
        for index, chain in enumerate(self.config.certificates):
            scheme = tls13_scheme_for(chain, offered, self.config.signature_schemes)
            if scheme is None:
                continue
            name_rank = 0 if server_name is not None and certificate_covers(chain.leaf, server_name) else 1
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
        _, chain, scheme = candidates[0]
        actions.trace(
            "choice",
            step,
            f"will authenticate with {certificate_subject(chain.leaf)} using {scheme}",
            {"server_name": server_name},
        )
        return chain, scheme

    def _choose_group(self, shares: _KeyShares, step: str) -> NamedGroup | None:
        """RFC 8446 section 4.2.8: the group of our preference the client sent a share for; None when it sent
        none we can use (a HelloRetryRequest asks for one); no group in common is handshake_failure."""
        if shares.groups is None or shares.key_share is None:
            raise MissingExtension("client sent no supported_groups or no key_share", step=step)
        if not shares.mutual:
            raise HandshakeFailure(
                "no key exchange group in common: client supports "
                + ", ".join(str(g) for g in shares.groups.named_group_list)
                + "; server accepts "
                + ", ".join(str(g) for g in self.config.groups),
                step=step,
                hint="enable a group both sides support, e.g. x25519 or secp256r1",
            )
        return shares.usable

    def _hello_retry(
        self, ch: ClientHello, raw: bytes, suite: Tls13CipherSuite, group: NamedGroup, actions: Actions
    ) -> State:
        """RFC 8446 section 4.1.4: a HelloRetryRequest naming the group we want a share for (and a cookie);
        the transcript restarts with message_hash(ClientHello1) (section 4.4.1)."""
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

    def _answer(
        self,
        ch: ClientHello,
        raw: bytes,
        suite: Tls13CipherSuite,
        group: NamedGroup | None,
        client_share: bytes | None,
        certificate: tuple[CertificateChain, SignatureScheme] | None,
        resumption: Resumption | None,
        server_name: str | None,
        step: str,
        actions: Actions,
    ) -> State:
        """The last choices, ALPN (RFC 7301 section 3.2) and 0-RTT (RFC 8446 sections 4.2.10, 8: first
        ClientHello only), then the server's flight (server13.send_flight)."""
        config = self.config
        transcript = self.retry.transcript if self.retry else Transcript()
        if self.retry is None:
            transcript.set_hash(suite)
        transcript.add(raw)
        alpn = hello_checks.choose_alpn(config, ch, step)
        early = None
        if self.retry is None:  # RFC 8446 sections 4.2.10, 8: accept 0-RTT, or skip it
            early = early_data.server_decision(config, ch, raw, suite, resumption, alpn, server_name, step, actions)
        choices = server13.ServerChoices(
            hello=ch,
            transcript=transcript,
            suite=suite,
            group=group,
            client_share=client_share,
            chain=certificate[0] if certificate is not None else None,
            scheme=certificate[1] if certificate is not None else None,
            alpn=alpn,
            server_name=server_name,
            hello_retry=self.retry is not None,
            resumption=resumption,
            tickets_wanted=resumption13.tickets_wanted(config, ch),
            early=early,
        )
        return server13.send_flight(self.ctx, config, choices, actions)


def _check_key_shares(key_share: ext.KeyShareClientHello, groups: ext.SupportedGroups, step: str) -> None:
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
