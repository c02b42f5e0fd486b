"""Frozen, validated configurations for clients and servers.

A config is checked when it is built (``ConfigError`` for a bad value), never mid-handshake. Everything the
protocol core needs from the outside world is injected here: randomness (``random``), the wall clock used
for certificate validity (``clock``), and the monotonic clock used for trace timings (``monotonic``).

Safe by default. The dangerous choices are named as such: ``dangerous_skip_verification``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from glasstls.crypto import groups as _groups
from glasstls.crypto import signatures as _signatures
from glasstls.crypto import suites as _suites
from glasstls.crypto import tls12 as _tls12
from glasstls.crypto.keys import (
    PrivateKey,
    certificate_der,
    load_certificates,
    load_private_key,
    private_key_matches_certificate,
)
from glasstls.errors import ConfigError
from glasstls.pki.profile_names import PROFILES, ProfileName
from glasstls.session_store import ServerSessionStore, TicketSealer
from glasstls.sessions import ClientSessionStore, ServerSessionCache, TicketKeys
from glasstls.trace.events import TraceEvent
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme

if TYPE_CHECKING:  # annotations only: each loads where it is used (a certificate, a trust store, a key log)
    from cryptography import x509

    from glasstls.pki.trust import TrustStore
    from glasstls.trace.keylog import KeyLog

Random = Callable[[int], bytes]
Clock = Callable[[], datetime]
Monotonic = Callable[[], float]
TraceSink = Callable[[TraceEvent], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CertificateChain:
    """A certificate chain (leaf first, then intermediates) and the leaf's private key.

    ``ocsp_response``: a DER OCSP response for the leaf, stapled when the client asks (RFC 6066 section 8,
    RFC 8446 section 4.4.2.1).
    """

    certificates: tuple[x509.Certificate, ...]
    private_key: PrivateKey = field(repr=False)
    ocsp_response: bytes | None = None

    def __post_init__(self) -> None:
        if not self.certificates:
            raise ConfigError("a certificate chain needs at least the leaf certificate")
        if not private_key_matches_certificate(self.private_key, self.certificates[0]):
            raise ConfigError("the private key does not match the leaf certificate's public key")

    @classmethod
    def from_files(
        cls,
        cert_path: str | os.PathLike[str],
        key_path: str | os.PathLike[str],
        password: bytes | None = None,
        ocsp_response_path: str | os.PathLike[str] | None = None,
    ) -> CertificateChain:
        certs = load_certificates(Path(cert_path).read_bytes())
        key = load_private_key(Path(key_path).read_bytes(), password)
        ocsp = Path(ocsp_response_path).read_bytes() if ocsp_response_path is not None else None
        return cls(tuple(certs), key, ocsp)

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]

    def der_chain(self) -> tuple[bytes, ...]:
        """The DER of each certificate, leaf first (what a Certificate message carries; each certificate is
        encoded once, see ``certificate_der``)."""
        return tuple(certificate_der(c) for c in self.certificates)


RevocationPolicy = Literal["off", "soft-fail", "hard-fail"]

#: The suites offered by default: the TLS 1.3 ones, then the forward-secret TLS 1.2 ECDHE AEAD ones.
DEFAULT_CIPHER_SUITES: tuple[CipherSuite, ...] = _suites.DEFAULT_TLS13_SUITES + _tls12.DEFAULT_TLS12_SUITES


def _check_versions(min_version: ProtocolVersion, max_version: ProtocolVersion) -> None:
    supported = (ProtocolVersion.TLS12, ProtocolVersion.TLS13)
    for v in (min_version, max_version):
        if v not in supported:
            raise ConfigError(f"TLS version {v} is not supported (supported: TLS 1.2 and TLS 1.3)")
    if min_version > max_version:
        raise ConfigError("min_version is above max_version")


def _legacy_suites(
    cipher_suites: tuple[CipherSuite, ...],
    *,
    allow_rsa_key_exchange: bool,
    allow_legacy_cbc: bool,
    allow_dhe: bool = False,
) -> tuple[CipherSuite, ...]:
    """The configured suites, with the opt-in legacy ones added when the defaults are in use.

    The RSA key exchange (no forward secrecy) and the CBC suites (MAC-then-encrypt, Lucky13-prone) are never
    used unless asked for by name: a suite list that contains one without its flag is a ConfigError.
    """
    for s in cipher_suites:
        t12 = _tls12.TLS12_SUITES.get(s)
        if t12 is None:
            continue
        if t12.key_exchange == "RSA" and not allow_rsa_key_exchange:
            raise ConfigError(
                f"{s} uses the RSA key exchange, which has no forward secrecy: set allow_rsa_key_exchange to use it"
            )
        if t12.legacy and not allow_legacy_cbc:
            raise ConfigError(f"{s} is a legacy CBC suite: set allow_legacy_cbc to use it")
        if t12.key_exchange == "DHE_RSA" and not allow_dhe:
            raise ConfigError(f"{s} uses finite-field DHE (RFC 7919), a legacy choice: set allow_dhe to use it")
    if cipher_suites != DEFAULT_CIPHER_SUITES:
        return cipher_suites
    extra: list[CipherSuite] = []
    if allow_dhe:
        extra += _tls12.DHE_SUITES
    if allow_rsa_key_exchange:
        extra += _tls12.RSA_KEY_EXCHANGE_SUITES
    if allow_legacy_cbc:
        extra += [
            s
            for s in _tls12.LEGACY_CBC_SUITES
            if allow_rsa_key_exchange or _tls12.TLS12_SUITES[s].key_exchange != "RSA"
        ]
    return cipher_suites + tuple(extra)


def _check_common(
    cipher_suites: Sequence[CipherSuite],
    groups: Sequence[NamedGroup],
    signature_schemes: Sequence[SignatureScheme],
    alpn_protocols: Sequence[str],
    record_size_limit: int | None,
) -> None:
    if not cipher_suites:
        raise ConfigError("no cipher suites configured")
    for s in cipher_suites:
        if s not in _suites.TLS13_SUITES and s not in _tls12.TLS12_SUITES:
            raise ConfigError(f"cipher suite {s} is not supported")
    if not groups:
        raise ConfigError("no key exchange groups configured")
    for g in groups:
        if g not in _groups.SUPPORTED_GROUPS:
            raise ConfigError(f"group {g} is not supported")
    if len(set(groups)) != len(groups) or len(set(cipher_suites)) != len(cipher_suites):
        raise ConfigError("duplicate cipher suites or groups")
    if not signature_schemes:
        raise ConfigError("no signature schemes configured")
    for scheme in signature_schemes:
        if scheme not in _signatures.SUPPORTED_SIGNATURE_SCHEMES:
            raise ConfigError(f"signature scheme {scheme} is not supported")
    for p in alpn_protocols:
        if not 1 <= len(p.encode()) <= 255:
            raise ConfigError(f"ALPN protocol name {p!r} must be 1..255 bytes")
    if record_size_limit is not None and not 64 <= record_size_limit <= 2**14 + 1:
        raise ConfigError("record_size_limit must be 64..16385 (RFC 8449 section 4)")


def _check_suites_for_versions(
    suites: Sequence[CipherSuite], min_version: ProtocolVersion, max_version: ProtocolVersion
) -> None:
    usable13 = any(s in _suites.TLS13_SUITES for s in suites)
    usable12 = any(s in _tls12.TLS12_SUITES for s in suites)
    if max_version == ProtocolVersion.TLS13 and not usable13 and min_version == ProtocolVersion.TLS13:
        raise ConfigError("no TLS 1.3 cipher suite configured, and TLS 1.3 is the only version enabled")
    if max_version == ProtocolVersion.TLS12 and not usable12:
        raise ConfigError("no TLS 1.2 cipher suite configured, and TLS 1.2 is the only version enabled")
    if not usable12 and not usable13:
        raise ConfigError("no cipher suite for the enabled TLS versions")


@dataclass(frozen=True, kw_only=True)
class SharedConfig:
    """The settings a client and a server share (the base of :class:`ClientConfig` and :class:`ServerConfig`;
    keyword-only, so that each side's own first field stays its first positional one).

    ``cipher_suites``, ``groups``, ``signature_schemes``, ``alpn_protocols``: what is offered (client) or
    accepted (server), ALPN in order of preference; ``min_version`` / ``max_version``: the TLS versions.
    ``allow_rsa_key_exchange``: also use the TLS 1.2 suites with the RSA key exchange, which has NO forward
    secrecy (whoever gets the server's key later can decrypt recorded traffic). ``allow_legacy_cbc``: also use
    the TLS 1.2 CBC suites (HMAC-SHA1, MAC-then-encrypt unless the peers agree to encrypt_then_mac).
    ``allow_dhe``: also use the TLS 1.2 DHE_RSA suites (RFC 7919 groups only; legacy: large, slow, for peers
    that lack ECDHE). The RFC 7919 groups themselves are named in ``groups`` (TLS 1.3 and TLS 1.2 alike).
    ``require_extended_master_secret``: refuse a TLS 1.2 handshake without RFC 7627 (on by default).
    ``middlebox_compatibility``: RFC 8446 appendix D.4 (a session ID and ChangeCipherSpec records).
    ``psk_ke_allowed``: also offer (client) or accept (server) TLS 1.3 resumption WITHOUT a fresh key exchange
    (psk_ke, RFC 8446 section 4.2.9): no forward secrecy for that connection, off by default.
    ``record_size_limit``: our RFC 8449 limit (``None``: not sent). ``max_handshake_message_size``,
    ``max_key_updates_in_a_row``: bounds on what the peer may make us hold or do; ``key_update_after_records``:
    update our TLS 1.3 keys after this many records (``None``: at the AEAD's confidentiality limit).
    ``keylog``, ``trace``: where secrets (NSS key log) and trace events go; ``random``, ``clock``,
    ``monotonic``: the randomness and the clocks (injectable for tests).
    """

    cipher_suites: tuple[CipherSuite, ...] = DEFAULT_CIPHER_SUITES
    groups: tuple[NamedGroup, ...] = _groups.DEFAULT_GROUPS
    signature_schemes: tuple[SignatureScheme, ...] = _signatures.DEFAULT_SIGNATURE_SCHEMES
    alpn_protocols: tuple[str, ...] = ()
    min_version: ProtocolVersion = ProtocolVersion.TLS12
    max_version: ProtocolVersion = ProtocolVersion.TLS13
    allow_rsa_key_exchange: bool = False
    allow_legacy_cbc: bool = False
    allow_dhe: bool = False
    require_extended_master_secret: bool = True
    middlebox_compatibility: bool = True
    psk_ke_allowed: bool = False
    record_size_limit: int | None = None
    max_handshake_message_size: int = 256 * 1024
    max_key_updates_in_a_row: int = 32
    key_update_after_records: int | None = None
    keylog: KeyLog | None = None
    trace: TraceSink | None = None
    random: Random = os.urandom
    clock: Clock = _utc_now
    monotonic: Monotonic = time.perf_counter


def _settle_protocol(config: SharedConfig) -> None:
    """The checks and settlings both configs share: versions, the suites (legacy ones only with their flags),
    groups, schemes, ALPN, limits. Run from ``__post_init__``; fields are set with ``object.__setattr__``."""
    _check_versions(config.min_version, config.max_version)
    suites = _legacy_suites(
        config.cipher_suites,
        allow_rsa_key_exchange=config.allow_rsa_key_exchange,
        allow_legacy_cbc=config.allow_legacy_cbc,
        allow_dhe=config.allow_dhe,
    )
    object.__setattr__(config, "cipher_suites", suites)
    _check_suites_for_versions(suites, config.min_version, config.max_version)
    if config.max_version == ProtocolVersion.TLS13 and not any(s in _suites.TLS13_SUITES for s in suites):
        # Only TLS 1.2 suites: offering (or accepting) TLS 1.3 could only fail (OpenSSL behaves the same).
        object.__setattr__(config, "max_version", ProtocolVersion.TLS12)
    _check_common(suites, config.groups, config.signature_schemes, config.alpn_protocols, config.record_size_limit)
    if config.key_update_after_records is not None and config.key_update_after_records < 1:
        raise ConfigError("key_update_after_records must be positive")


@dataclass(frozen=True)
class ClientConfig(SharedConfig):
    """What a client offers and how it verifies the server (and the settings of :class:`SharedConfig`).

    ``trust``: the trust anchors; ``None`` means the system store (loaded on first use).
    ``dangerous_skip_verification``: accept any server certificate. Never use this outside a test lab.
    ``revocation``: "off", "soft-fail" (reject only what is proven revoked) or "hard-fail" (a fresh status for
    the leaf is required); ``crls``: CRLs to consult; ``request_ocsp_staple``: ask for an OCSP staple.
    ``certificate_profile``: the rules on top of path validation (pki/certificate_profile.py): "web" (the
    CA/Browser Forum Baseline Requirements, the default) or "rfc5280" (RFC 5280 section 4 only, private PKIs).
    ``key_share_groups``: the groups for which the first ClientHello carries a key share (the rest are
    offered in supported_groups and reached through HelloRetryRequest).
    ``session_store``: where sessions are kept for resumption, keyed by server identity (``None``: never
    resume, never offer a ticket).
    """

    trust: TrustStore | None = None
    dangerous_skip_verification: bool = False
    key_share_groups: tuple[NamedGroup, ...] = _groups.DEFAULT_KEY_SHARES
    revocation: RevocationPolicy = "soft-fail"
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    certificate_profile: ProfileName = "web"
    request_ocsp_staple: bool = True
    client_certificate: CertificateChain | None = None
    send_sni: bool = True
    session_store: ClientSessionStore | None = field(default_factory=ClientSessionStore)
    max_early_data_size: int = 0

    def __post_init__(self) -> None:
        _settle_protocol(self)
        for g in self.key_share_groups:
            if g not in self.groups:
                raise ConfigError(f"key share group {g} is not in the offered groups")
        if len(set(self.key_share_groups)) != len(self.key_share_groups):
            raise ConfigError("duplicate key share groups")
        if self.certificate_profile not in PROFILES:
            raise ConfigError(f"certificate_profile must be one of {', '.join(PROFILES)}")


ClientAuth = Literal["none", "optional", "required"]


#: The most 0-RTT data a server may allow per ticket: it reaches the application before the client's Finished
#: (and can be replayed), so it is attacker-driven work; 64 KiB is four full records, past OpenSSL's default of 16384.
MAX_EARLY_DATA_SIZE = 64 * 1024


@dataclass(frozen=True)
class ServerConfig(SharedConfig):
    """What a server accepts and presents (and the settings of :class:`SharedConfig`).

    ``certificates``: one or more chains (e.g. RSA and ECDSA); the server picks by the client's SNI and
    signature_algorithms. ``alpn_protocols`` in the server's order of preference.
    ``client_auth``: "none", "optional" or "required" (mutual TLS), verified against ``client_trust``.
    ``client_revocation``, ``client_crls``: revocation checking of client certificates.
    ``client_identities``: the client identities accepted (a name in the client certificate's subjectAltName
    or subject CN; pki/client_identity.py); empty: any client whose chain verifies.
    ``client_certificate_profile``: the rules on client chains on top of path validation
    (pki/certificate_profile.py): "rfc5280" (RFC 5280 section 4 only, the default) or "web" (also the CA/Browser
    Forum key and root rules; not the host-name and serverAuth rules of a server leaf).
    ``hello_retry_cookie``: include a cookie in HelloRetryRequest that the client must echo (RFC 8446 4.2.2).
    ``session_tickets``: how many TLS 1.3 NewSessionTickets to send after a handshake (0: none);
    ``ticket_lifetime``: their lifetime in seconds (at most 7 days, RFC 8446 section 4.6.1); ``ticket_keys``:
    the keys that encrypt tickets (``None``: no tickets, in either version; share a key file between
    processes with ``TicketKeys.from_file``). ``session_cache``: TLS 1.2 session IDs and the record of used
    TLS 1.3 tickets (``None``: no session-ID resumption). ``single_use_tickets``: accept each TLS 1.3 ticket
    once (RFC 8446 section 8.1, appendix C.4; needs ``session_cache``).
    ``max_early_data_size``: TLS 1.3 0-RTT (``handshake/early_data.py``): tickets allow this many bytes of early
    data, which the server accepts under the rules of RFC 8446 sections 4.2.10 and 8 (0: off, the default;
    early data is replayable and not forward secret).
    """

    certificates: tuple[CertificateChain, ...]
    client_auth: ClientAuth = "none"
    client_trust: TrustStore | None = None
    client_revocation: RevocationPolicy = "soft-fail"
    client_crls: tuple[x509.CertificateRevocationList, ...] = ()
    client_identities: tuple[str, ...] = ()
    client_certificate_profile: ProfileName = "rfc5280"
    hello_retry_cookie: bool = True
    session_tickets: int = 2
    ticket_lifetime: int = 7200
    ticket_keys: TicketSealer | None = field(default_factory=TicketKeys.generate)
    session_cache: ServerSessionStore | None = field(default_factory=ServerSessionCache)  # or sessions_redis
    single_use_tickets: bool = True
    max_early_data_size: int = 0

    def __post_init__(self) -> None:
        _settle_protocol(self)
        if not self.certificates:
            raise ConfigError("a server needs at least one certificate chain")
        if self.client_auth not in ("none", "optional", "required"):
            raise ConfigError("client_auth must be 'none', 'optional' or 'required'")
        if self.client_auth != "none" and self.client_trust is None:
            raise ConfigError("client_auth needs client_trust: the CAs that issue client certificates")
        if self.client_identities and self.client_auth == "none":
            raise ConfigError("client_identities needs client_auth: the server must ask for a client certificate")
        if any(not isinstance(n, str) or not n for n in self.client_identities):
            raise ConfigError("client_identities must be non-empty strings (names in SAN or CN)")
        if self.client_certificate_profile not in PROFILES:
            raise ConfigError(f"client_certificate_profile must be one of {', '.join(PROFILES)}")
        if not 0 <= self.session_tickets <= 16:
            raise ConfigError("session_tickets must be 0..16")
        if not 1 <= self.ticket_lifetime <= 604800:
            raise ConfigError("ticket_lifetime must be 1..604800 seconds (RFC 8446 section 4.6.1: at most 7 days)")
        if not 0 <= self.max_early_data_size <= MAX_EARLY_DATA_SIZE:
            raise ConfigError(f"max_early_data_size must be 0..{MAX_EARLY_DATA_SIZE} bytes")
        if self.single_use_tickets and self.session_cache is None and self.ticket_keys is not None:
            raise ConfigError(
                "single_use_tickets needs a session_cache to remember used tickets "
                "(or set ticket_keys=None for no tickets, or single_use_tickets=False)"
            )
