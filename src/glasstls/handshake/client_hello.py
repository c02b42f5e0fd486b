"""What a TLS 1.3 (and 1.2) client offers: the ClientHello (RFC 8446 section 4.1.2; one hello offers both
versions, section D.1) and the facts of the handshake that several client states read (:class:`ClientHandshake`).

Imports client12 (the TLS 1.2 extensions it offers); client13 and client_negotiation import it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from glasstls.config import ClientConfig
from glasstls.crypto.groups import KeyExchange
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.tls12 import TLS12_SUITES
from glasstls.handshake import client12, early_data_client
from glasstls.handshake.base import Context
from glasstls.handshake.client_psk13 import PskOffer, psk_extension
from glasstls.sessions import ClientSession
from glasstls.wire import extensions as ext
from glasstls.wire.enums import CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode
from glasstls.wire.messages import CertificateRequest, ClientHello


@dataclass
class ClientHandshake:
    """Facts of this handshake that several client states read (the offer, and what was chosen)."""

    ctx: Context
    config: ClientConfig
    server_name: str | None
    offered_extensions: frozenset[ExtensionType]
    session_id: bytes
    session12: ClientSession | None = None  # a TLS 1.2 session offered for resumption (RFC 5246 7.4.1.2, RFC 5077)
    ccs_sent: bool = False
    hello_retry: bool = False
    group: NamedGroup | None = None
    alpn: str | None = None
    peer_record_size_limit: int | None = None
    certificate_request: CertificateRequest | None = None
    psk: PskOffer | None = None
    resumed: ClientSession | None = None  # set when the server accepted our ticket
    early: early_data_client.EarlyOffer | None = None  # 0-RTT data sent (issue 15)


class _Offer:
    """What a config offers in every ClientHello: versions, suites and the extensions that depend on the
    config alone, made once per config (configs are frozen) so that each connection reuses the objects
    (and their encodings)."""

    __slots__ = (
        "alpn",
        "config",
        "groups",
        "modes",
        "record_size_limit",
        "signature_algorithms",
        "status_request",
        "suites",
        "versions",
        "versions_ext",
    )

    def __init__(self, config: ClientConfig) -> None:
        self.config = config  # held, so that id(config) is not reused while the entry exists
        versions = offered_versions(config)
        self.versions = versions
        self.suites = offered_suites(config, versions)
        self.versions_ext = ext.SupportedVersionsClientHello(versions)
        self.groups = ext.SupportedGroups(client12.hello_groups(config.groups, versions))
        self.signature_algorithms = ext.SignatureAlgorithms(config.signature_schemes)
        self.alpn = (
            ext.ApplicationLayerProtocolNegotiation(tuple(p.encode() for p in config.alpn_protocols))
            if config.alpn_protocols
            else None
        )
        self.record_size_limit = (
            ext.RecordSizeLimit(config.record_size_limit) if config.record_size_limit is not None else None
        )
        # RFC 6066 section 8, RFC 8446 section 4.4.2.1: ask for an OCSP staple.
        wants_staple = config.request_ocsp_staple and config.revocation != "off"
        self.status_request = ext.StatusRequest() if wants_staple and not config.dangerous_skip_verification else None
        # RFC 8446 section 4.2.9: the modes we accept; servers send tickets only to clients that name one.
        modes = (PskKeyExchangeMode.PSK_DHE_KE,) + ((PskKeyExchangeMode.PSK_KE,) if config.psk_ke_allowed else ())
        self.modes = (
            ext.PskKeyExchangeModes(modes)
            if config.session_store is not None and config.max_version >= ProtocolVersion.TLS13
            else None
        )


_offers: dict[int, _Offer] = {}


def config_offer(config: ClientConfig) -> _Offer:
    offer = _offers.get(id(config))
    if offer is None or offer.config is not config:
        if len(_offers) >= 256:
            _offers.clear()
        offer = _offers[id(config)] = _Offer(config)
    return offer


@functools.lru_cache(maxsize=256)
def _server_name_extension(host_name: str) -> ext.ServerName:
    return ext.ServerName(host_name)


def client_hello(
    hs: ClientHandshake, random: bytes, shares: Sequence[KeyExchange], cookie: bytes | None
) -> ClientHello:
    """RFC 8446 section 4.1.2; when TLS 1.2 is enabled too, one ClientHello offers both (RFC 8446 section D.1)."""
    config = hs.config
    offer = config_offer(config)
    versions = offer.versions
    offers13 = ProtocolVersion.TLS13 in versions
    offers12 = ProtocolVersion.TLS12 in versions
    exts: list[ext.Extension] = []
    if hs.server_name is not None and config.send_sni and not _is_ip(hs.server_name):
        exts.append(_server_name_extension(hs.server_name))  # RFC 6066 section 3: no IP literals in SNI
    if offers13:
        exts.append(offer.versions_ext)
    exts.append(offer.groups)
    exts.append(offer.signature_algorithms)
    if offers13:
        exts.append(ext.KeyShareClientHello(tuple(ext.KeyShareEntry(s.group, s.public_bytes()) for s in shares)))
    if offers12:
        exts.extend(client12.hello_extensions(config, hs.session12))
    if offer.alpn is not None:
        exts.append(offer.alpn)
    if offer.record_size_limit is not None:
        exts.append(offer.record_size_limit)
    if offer.status_request is not None:
        exts.append(offer.status_request)
    if cookie is not None:
        exts.append(ext.Cookie(cookie))
    if offer.modes is not None:
        exts.append(offer.modes)
    exts += early_data_client.hello_extension(hs.early)  # RFC 8446 section 4.2.10
    if hs.psk is not None:
        exts.append(psk_extension(hs.psk, config))  # RFC 8446 section 4.2.11: pre_shared_key MUST be last
    return ClientHello(
        random=random,
        legacy_session_id=hs.session_id,
        cipher_suites=offer.suites,
        extensions=tuple(exts),
    )


def offered_versions(config: ClientConfig) -> tuple[ProtocolVersion, ...]:
    """The versions between min_version and max_version, newest first (RFC 8446 section 4.2.1)."""
    both = (ProtocolVersion.TLS13, ProtocolVersion.TLS12)
    return tuple(v for v in both if config.min_version <= v <= config.max_version)


def offered_suites(config: ClientConfig, versions: Sequence[ProtocolVersion]) -> tuple[CipherSuite, ...]:
    """The configured suites usable with the offered versions, in the configured order."""
    return tuple(
        s
        for s in config.cipher_suites
        if (s in TLS13_SUITES and ProtocolVersion.TLS13 in versions)
        or (s in TLS12_SUITES and ProtocolVersion.TLS12 in versions)
    )


@functools.lru_cache(maxsize=256)
def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
