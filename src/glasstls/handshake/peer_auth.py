"""Authentication decisions both TLS versions need, each made in one place (DESIGN rule 12).

* :func:`verify_client` and :func:`client_sent_no_certificate`: the server verifying a client's Certificate
  (trust, validity, extendedKeyUsage, revocation: RFC 5246 section 7.4.6, RFC 8446 section 4.4.2.4). The TLS 1.2
  and TLS 1.3 server states both call them, so the two versions cannot check different things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from glasstls.config import ServerConfig
from glasstls.crypto.keys import PublicKey
from glasstls.errors import CertificateRequired, HandshakeFailure
from glasstls.handshake.base import Actions, ServerCertVerified, cert_verified, parse_peer_chain
from glasstls.pki.verify import VerifiedChain, verify_client_chain
from glasstls.wire.enums import ProtocolVersion

__all__ = ["ClientVerified", "client_sent_no_certificate", "verify_client"]


@dataclass(frozen=True)
class ClientVerified:
    """What :func:`verify_client` established: the parsed chain, the leaf's key, the verification proof."""

    chain: tuple[x509.Certificate, ...]
    public_key: PublicKey
    verified: VerifiedChain
    proof: ServerCertVerified


def verify_client(config: ServerConfig, chain_der: Sequence[bytes], step: str, actions: Actions) -> ClientVerified:
    """Verify the client's chain under the server's current policy: ``client_trust``, the clock,
    ``client_revocation`` and ``client_crls`` (RFC 5280 section 6; RFC 8446 section 4.4.2.4, RFC 5246 section
    7.4.6). Failures raise the ``CertificateError`` of the failing check (e.g. certificate_revoked)."""
    chain, public_key = parse_peer_chain(chain_der, "client", step)
    trust = config.client_trust
    assert trust is not None  # ServerConfig refuses client_auth without client_trust
    verified = verify_client_chain(
        chain_der,
        trust=trust,
        at=config.clock(),
        revocation=config.client_revocation,
        crls=config.client_crls,
    )
    for check in verified.checks:
        actions.trace("check", "client certificate verification", check.detail, {"check": check.name}, ok=check.ok)
    return ClientVerified(chain, public_key, verified, cert_verified(verified, skipped=False))


def client_sent_no_certificate(config: ServerConfig, version: ProtocolVersion, step: str, actions: Actions) -> None:
    """An empty client Certificate: refused when ``client_auth`` is "required" (TLS 1.3: certificate_required,
    RFC 8446 section 4.4.2.4; TLS 1.2: handshake_failure, RFC 5246 section 7.4.6), else traced."""
    if config.client_auth == "required":
        reason = "the client sent no certificate, but this server requires one"
        hint = "configure a client certificate and key"
        if version == ProtocolVersion.TLS13:
            raise CertificateRequired(reason, step=step, check="client certificate", hint=hint)
        raise HandshakeFailure(reason, step=step, hint=hint)
    actions.trace("info", step, "client sent no certificate (optional): continuing unauthenticated")
