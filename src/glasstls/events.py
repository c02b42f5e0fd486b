"""Public events a connection hands to its caller, and the negotiated parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)

if TYPE_CHECKING:  # annotations only: certificates and their verification load when a certificate arrives
    from cryptography import x509

    from glasstls.pki.verify import VerifiedChain


@dataclass(frozen=True)
class Negotiated:
    """What the handshake settled on (both sides fill in what they know).

    ``peer_certificates``: the peer's chain (on a resumed connection, the one from the session's full
    handshake). ``verified_chain``: the chain as verified ON THIS CONNECTION (None when it was not verified
    here: no certificate, verification skipped, or a resumed connection). ``peer_verified_at``: when the
    peer's chain was verified, on this connection or, resumed, in the full handshake that made the session
    (None: never verified); ``peer_verified_with``: against what (trust anchors, revocation policy and CRLs,
    ``pki.profile.verification_profile``).
    """

    version: ProtocolVersion
    cipher_suite: CipherSuite
    group: NamedGroup | None
    signature_scheme: SignatureScheme | None
    alpn_protocol: str | None
    server_name: str | None
    peer_certificates: tuple[x509.Certificate, ...]
    verified_chain: VerifiedChain | None
    hello_retry_request: bool
    resumed: bool = False
    client_certificate_requested: bool = False
    record_size_limit: int | None = None
    peer_verified_at: datetime | None = None
    peer_verified_with: str | None = None
    #: TLS 1.2 CBC suites: encrypt_then_mac was agreed (RFC 7366), so records are MACed after encryption.
    encrypt_then_mac: bool = False


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class HandshakeComplete(Event):
    negotiated: Negotiated


@dataclass(frozen=True)
class DataReceived(Event):
    data: bytes


@dataclass(frozen=True)
class EarlyDataReceived(Event):
    """Server: TLS 1.3 0-RTT data, received before the handshake completed (RFC 8446 section 2.3).

    REPLAYABLE: an attacker can record it and send it again (to this server or another of the fleet), and
    it has no forward secrecy. glasstls accepts each ClientHello once (single-use tickets and a ClientHello
    record, RFC 8446 section 8), but act on it only if doing so twice would be harmless (RFC 8446 section 8)."""

    data: bytes
    replayable: bool = True


@dataclass(frozen=True)
class EarlyDataAccepted(Event):
    """Client: the server accepted our 0-RTT data (RFC 8446 section 4.2.10), ``size`` bytes of it."""

    size: int


@dataclass(frozen=True)
class EarlyDataRejected(Event):
    """Client: the server did not accept our 0-RTT data (``data``: what was sent, for the caller to send again
    after the handshake if it wishes; RFC 8446 section 4.2.10), and ``reason`` why, as far as the client knows."""

    data: bytes = field(repr=False)
    reason: str


@dataclass(frozen=True)
class AlertReceived(Event):
    level: AlertLevel
    description: AlertDescription


@dataclass(frozen=True)
class ConnectionClosed(Event):
    """The peer closed: ``clean`` is True after its close_notify, False on a bare transport EOF."""

    clean: bool


@dataclass(frozen=True)
class SessionTicket:
    """A TLS 1.3 ticket received from a server (RFC 8446 4.6.1); the PSK is kept out of repr."""

    ticket: bytes
    lifetime: int
    age_add: int
    nonce: bytes
    cipher_suite: CipherSuite
    received_at: float
    max_early_data_size: int | None
    psk: bytes = field(repr=False)


@dataclass(frozen=True)
class NewSessionTicketReceived(Event):
    ticket: SessionTicket


@dataclass(frozen=True)
class KeyUpdated(Event):
    """Traffic keys changed: ``direction`` is "read" or "write"; ``requested``: the peer asked for ours."""

    direction: str
    requested: bool = field(default=False)
