"""What a connection knew when it failed: the facts an explanation needs to be true and its advice useful.

The connection keeps a small :class:`Progress` record while the handshake runs (the messages each way, the
client's offer on a server, the certificate we sent) and, when it fails, turns it with its configuration into
an :class:`glasstls.errors.FailureContext` that it attaches to the error (``error.context``). glasstls.explain
reads it to name the step the peer's alert answered, what the peer offered that we lack (or the reverse), and
to advise an action that differs from what was already tried. Only public facts: names, never a key or secret.
"""

from __future__ import annotations

from typing import Literal

from glasstls.config import DEFAULT_CIPHER_SUITES, CertificateChain, ClientConfig, ServerConfig
from glasstls.crypto.groups import DEFAULT_GROUPS
from glasstls.crypto.keys import ec_curve_group
from glasstls.crypto.signatures import describe_public_key
from glasstls.errors import FailureContext, OurCertificate, PeerOffer
from glasstls.wire import extensions as ext
from glasstls.wire.enums import ProtocolVersion, message_label
from glasstls.wire.messages import Certificate, Certificate12, ClientHello, HandshakeMessage

__all__ = ["MAX_LOGGED_MESSAGES", "Progress", "failure_context", "message_label"]

#: The handshake messages remembered each way: a full handshake has at most a dozen; the bound keeps a peer
#: that sends endless post-handshake messages (tickets, KeyUpdates) from growing the record.
MAX_LOGGED_MESSAGES = 32

#: How an empty Certificate message is labelled: a client that has none sends one (RFC 8446 4.4.2, RFC 5246 7.4.6).
EMPTY_CERTIFICATE = "Certificate (empty)"


class Progress:
    """The handshake so far, as the connection saw it (bounded by :data:`MAX_LOGGED_MESSAGES`)."""

    __slots__ = ("client_hello", "last_flight", "leaf_sent", "received", "sent")

    def __init__(self) -> None:
        self.received: list[str] = []
        self.sent: list[str] = []
        self.last_flight: list[str] = []  # ours since the peer's last message
        self.client_hello: ClientHello | None = None  # a server: the client's (last) ClientHello
        self.leaf_sent: bytes | None = None  # the DER of the leaf certificate we sent

    def on_received(self, msg_type: int, message: HandshakeMessage) -> None:
        if len(self.received) < MAX_LOGGED_MESSAGES:
            self.received.append(message_label(msg_type))
        if self.last_flight:
            self.last_flight = []
        if isinstance(message, ClientHello):
            self.client_hello = message

    def on_sent(self, message: HandshakeMessage) -> None:
        label = message_label(message.msg_type)
        if isinstance(message, Certificate | Certificate12):
            if not message.certificate_list:
                label = EMPTY_CERTIFICATE
            else:
                first = message.certificate_list[0]
                self.leaf_sent = first if isinstance(first, bytes) else first.cert_data
        if len(self.sent) < MAX_LOGGED_MESSAGES:
            self.sent.append(label)
            self.last_flight.append(label)


def _narrowed(config: ClientConfig | ServerConfig) -> frozenset[str]:
    out = set()
    if not set(DEFAULT_CIPHER_SUITES) <= set(config.cipher_suites):
        out.add("cipher")
    if not set(DEFAULT_GROUPS) <= set(config.groups):
        out.add("group")
    if config.min_version != ProtocolVersion.TLS12 or config.max_version != ProtocolVersion.TLS13:
        out.add("version")
    return frozenset(out)


def _our_certificate(chain: CertificateChain) -> OurCertificate:
    from glasstls.pki.names import certificate_names  # with cryptography.x509: only when a handshake fails

    names = certificate_names(chain.leaf)
    listed = () if names is None else (*names[0], *(str(ip) for ip in names[1]))
    return OurCertificate(
        key=describe_public_key(chain.private_key),
        curve=ec_curve_group(chain.private_key),
        names=listed,
        subject=chain.leaf.subject.rfc4514_string(),
    )


def _offer(ch: ClientHello) -> PeerOffer:
    versions_ext = ext.get_extension(ch.extensions, ext.SupportedVersionsClientHello)
    versions = versions_ext.versions if versions_ext is not None else (ch.legacy_version,)
    groups_ext = ext.get_extension(ch.extensions, ext.SupportedGroups)
    sig_ext = ext.get_extension(ch.extensions, ext.SignatureAlgorithms)
    alpn_ext = ext.get_extension(ch.extensions, ext.ApplicationLayerProtocolNegotiation)
    sni = ext.get_extension(ch.extensions, ext.ServerName)
    return PeerOffer(
        versions=tuple(versions),
        cipher_suites=tuple(ch.cipher_suites),
        groups=groups_ext.named_group_list if groups_ext is not None else (),
        signature_schemes=tuple(sig_ext.supported_signature_algorithms) if sig_ext is not None else (),
        alpn_protocols=tuple(p.decode("ascii", "replace") for p in alpn_ext.protocol_name_list)
        if alpn_ext is not None
        else (),
        server_name=sni.host_name if sni is not None else None,
    )


def failure_context(
    side: Literal["client", "server"],
    config: ClientConfig | ServerConfig,
    progress: Progress,
    *,
    step: str,
    wire_version: ProtocolVersion,
    negotiated_version: ProtocolVersion | None,
    record_progress: tuple[int, int] | None,
) -> FailureContext:
    """The facts of a failed connection (see :class:`glasstls.errors.FailureContext`)."""
    hellos_done = "ServerHello" in (progress.received if side == "client" else progress.sent)
    version = negotiated_version or (wire_version if hellos_done else None)
    legacy = frozenset(
        name
        for name, on in (
            ("cbc", config.allow_legacy_cbc),
            ("rsa-key-exchange", config.allow_rsa_key_exchange),
            ("dhe", config.allow_dhe),
        )
        if on
    )
    certificates: tuple[OurCertificate, ...] = ()
    sent_certificate: OurCertificate | None = None
    offer: PeerOffer | None = None
    if isinstance(config, ServerConfig):
        certificates = tuple(_our_certificate(c) for c in config.certificates)
        for chain, ours in zip(config.certificates, certificates, strict=True):
            if progress.leaf_sent is not None and chain.der_chain()[0] == progress.leaf_sent:
                sent_certificate = ours
        if progress.client_hello is not None:
            offer = _offer(progress.client_hello)
    return FailureContext(
        side=side,
        step=step,
        version=version,
        min_version=config.min_version,
        max_version=config.max_version,
        cipher_suites=config.cipher_suites,
        groups=config.groups,
        alpn_protocols=config.alpn_protocols,
        narrowed=_narrowed(config),
        legacy_allowed=legacy,
        client_certificate=isinstance(config, ClientConfig) and config.client_certificate is not None,
        received=tuple(progress.received),
        sent=tuple(progress.sent),
        last_flight=tuple(progress.last_flight),
        offer=offer,
        certificates=certificates,
        sent_certificate=sent_certificate,
        record_progress=record_progress,
    )
