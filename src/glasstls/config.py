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
from typing import Literal

from cryptography import x509

from glasstls.crypto import groups as _groups
from glasstls.crypto import signatures as _signatures
from glasstls.crypto import suites as _suites
from glasstls.crypto.keys import (
    PrivateKey,
    certificate_der,
    load_certificates,
    load_private_key,
    private_key_matches_certificate,
)
from glasstls.errors import ConfigError
from glasstls.pki.trust import TrustStore
from glasstls.trace.events import TraceEvent
from glasstls.trace.keylog import KeyLog
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme

Random = Callable[[int], bytes]
Clock = Callable[[], datetime]
Monotonic = Callable[[], float]
TraceSink = Callable[[TraceEvent], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CertificateChain:
    """A certificate chain (leaf first, then intermediates) and the leaf's private key."""

    certificates: tuple[x509.Certificate, ...]
    private_key: PrivateKey = field(repr=False)

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
    ) -> CertificateChain:
        certs = load_certificates(Path(cert_path).read_bytes())
        key = load_private_key(Path(key_path).read_bytes(), password)
        return cls(tuple(certs), key)

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]

    def der_chain(self) -> tuple[bytes, ...]:
        return tuple(certificate_der(c) for c in self.certificates)


def _check_versions(min_version: ProtocolVersion, max_version: ProtocolVersion) -> None:
    supported = (ProtocolVersion.TLS13,)
    for v in (min_version, max_version):
        if v not in supported:
            raise ConfigError(f"TLS version {v} is not supported yet (supported: TLS 1.3)")
    if min_version > max_version:
        raise ConfigError("min_version is above max_version")


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
        if s not in _suites.TLS13_SUITES:
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


@dataclass(frozen=True)
class ClientConfig:
    """What a client offers and how it verifies the server.

    ``trust``: the trust anchors; ``None`` means the system store (loaded on first use).
    ``dangerous_skip_verification``: accept any server certificate. Never use this outside a test lab.
    ``key_share_groups``: the groups for which the first ClientHello carries a key share (the rest are
    offered in supported_groups and reached through HelloRetryRequest).
    """

    trust: TrustStore | None = None
    dangerous_skip_verification: bool = False
    cipher_suites: tuple[CipherSuite, ...] = _suites.DEFAULT_TLS13_SUITES
    groups: tuple[NamedGroup, ...] = _groups.DEFAULT_GROUPS
    key_share_groups: tuple[NamedGroup, ...] = _groups.DEFAULT_KEY_SHARES
    signature_schemes: tuple[SignatureScheme, ...] = _signatures.DEFAULT_SIGNATURE_SCHEMES
    alpn_protocols: tuple[str, ...] = ()
    min_version: ProtocolVersion = ProtocolVersion.TLS13
    max_version: ProtocolVersion = ProtocolVersion.TLS13
    client_certificate: CertificateChain | None = None
    middlebox_compatibility: bool = True
    send_sni: bool = True
    record_size_limit: int | None = None
    max_handshake_message_size: int = 256 * 1024
    max_key_updates_in_a_row: int = 32
    key_update_after_records: int | None = None
    keylog: KeyLog | None = None
    trace: TraceSink | None = None
    random: Random = os.urandom
    clock: Clock = _utc_now
    monotonic: Monotonic = time.perf_counter

    def __post_init__(self) -> None:
        _check_versions(self.min_version, self.max_version)
        _check_common(
            self.cipher_suites,
            self.groups,
            self.signature_schemes,
            self.alpn_protocols,
            self.record_size_limit,
        )
        for g in self.key_share_groups:
            if g not in self.groups:
                raise ConfigError(f"key share group {g} is not in the offered groups")
        if len(set(self.key_share_groups)) != len(self.key_share_groups):
            raise ConfigError("duplicate key share groups")
        if self.key_update_after_records is not None and self.key_update_after_records < 1:
            raise ConfigError("key_update_after_records must be positive")


ClientAuth = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class ServerConfig:
    """What a server accepts and presents.

    ``certificates``: one or more chains (e.g. RSA and ECDSA); the server picks by the client's SNI and
    signature_algorithms. ``alpn_protocols`` in the server's order of preference.
    ``client_auth``: "none", "optional" or "required" (mutual TLS), verified against ``client_trust``.
    ``hello_retry_cookie``: include a cookie in HelloRetryRequest that the client must echo (RFC 8446 4.2.2).
    """

    certificates: tuple[CertificateChain, ...]
    cipher_suites: tuple[CipherSuite, ...] = _suites.DEFAULT_TLS13_SUITES
    groups: tuple[NamedGroup, ...] = _groups.DEFAULT_GROUPS
    signature_schemes: tuple[SignatureScheme, ...] = _signatures.DEFAULT_SIGNATURE_SCHEMES
    alpn_protocols: tuple[str, ...] = ()
    min_version: ProtocolVersion = ProtocolVersion.TLS13
    max_version: ProtocolVersion = ProtocolVersion.TLS13
    client_auth: ClientAuth = "none"
    client_trust: TrustStore | None = None
    hello_retry_cookie: bool = True
    middlebox_compatibility: bool = True
    record_size_limit: int | None = None
    max_handshake_message_size: int = 256 * 1024
    max_key_updates_in_a_row: int = 32
    key_update_after_records: int | None = None
    keylog: KeyLog | None = None
    trace: TraceSink | None = None
    random: Random = os.urandom
    clock: Clock = _utc_now
    monotonic: Monotonic = time.perf_counter

    def __post_init__(self) -> None:
        _check_versions(self.min_version, self.max_version)
        _check_common(
            self.cipher_suites,
            self.groups,
            self.signature_schemes,
            self.alpn_protocols,
            self.record_size_limit,
        )
        if not self.certificates:
            raise ConfigError("a server needs at least one certificate chain")
        if self.client_auth not in ("none", "optional", "required"):
            raise ConfigError("client_auth must be 'none', 'optional' or 'required'")
        if self.client_auth != "none" and self.client_trust is None:
            raise ConfigError("client_auth needs client_trust: the CAs that issue client certificates")
        if self.key_update_after_records is not None and self.key_update_after_records < 1:
            raise ConfigError("key_update_after_records must be positive")
