"""Authentication decisions both TLS versions need, each made in one place (DESIGN rule 12).

* :func:`verify_client` and :func:`client_sent_no_certificate`: the server verifying a client's Certificate
  (trust, validity, extendedKeyUsage, revocation: RFC 5246 section 7.4.6, RFC 8446 section 4.4.2.4). The TLS 1.2
  and TLS 1.3 server states both call them, so the two versions cannot check different things.
* :func:`resumption_refusal`: whether a server may resume a session (a TLS 1.2 session ID or ticket, a TLS 1.3
  ticket) under its CURRENT policy: a ticket may come from another server sharing the ticket keys, or from
  before a configuration change.
* :func:`offer_refusal`: whether a client may offer a stored session: only to a configuration that would have
  accepted the server the way the session's full handshake did.
* :func:`client_verification` / :func:`server_verification`: when and against what the peer's chain was
  verified, for ``Negotiated`` and for the session that a connection leaves behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from glasstls.config import ClientConfig, ServerConfig
from glasstls.crypto.keys import PublicKey, certificate_subject
from glasstls.errors import CertificateRequired
from glasstls.handshake.base import Actions, ServerCertVerified, cert_verified, parse_peer_chain
from glasstls.pki.profile import verification_profile
from glasstls.sessions import ClientSession, ServerSessionState
from glasstls.wire.enums import AlertDescription, ProtocolVersion

if TYPE_CHECKING:  # annotations only: the verifier and the trust store load with the first chain verified
    from cryptography import x509

    from glasstls.pki.trust import TrustStore
    from glasstls.pki.verify import VerifiedChain

__all__ = [
    "ClientVerified",
    "client_profile",
    "client_sent_no_certificate",
    "client_verification",
    "offer_refusal",
    "resumption_refusal",
    "server_profile",
    "server_verification",
    "verify_client",
    "verify_server",
]

#: (when, against what) a peer's chain was verified; (None, None): never.
Verification = tuple[datetime | None, str | None]


class ClientVerified:
    """What :func:`verify_client` established: the parsed chain, the leaf's key, the verification proof.

    A plain class, not a dataclass: the compiled build makes a dataclass's annotations at import, and
    VerifiedChain is not loaded then (it loads with the verifier, issue 17)."""

    __slots__ = ("chain", "proof", "public_key", "verified")

    def __init__(
        self,
        chain: tuple[x509.Certificate, ...],
        public_key: PublicKey,
        verified: VerifiedChain,
        proof: ServerCertVerified,
    ) -> None:
        self.chain = chain
        self.public_key = public_key
        self.verified = verified
        self.proof = proof


def verify_client(config: ServerConfig, chain_der: Sequence[bytes], step: str, actions: Actions) -> ClientVerified:
    """Verify the client's chain under the server's current policy: ``client_trust``, the clock,
    ``client_revocation``, ``client_crls``, ``client_identities`` and ``client_certificate_profile``
    (pki/certificate_profile.py) (RFC 5280 section 6; RFC 8446 section 4.4.2.4, RFC 5246 section 7.4.6).
    Failures raise the ``CertificateError`` of the failing check (e.g. certificate_revoked)."""
    from glasstls.pki.verify import verify_client_chain  # loaded with the first chain to verify (issue 17)

    chain, public_key = parse_peer_chain(chain_der, "client", step)
    trust = config.client_trust
    assert trust is not None  # ServerConfig refuses client_auth without client_trust
    verified = verify_client_chain(
        chain_der,
        trust=trust,
        at=config.clock(),
        revocation=config.client_revocation,
        crls=config.client_crls,
        identities=config.client_identities,
        profile=config.client_certificate_profile,
    )
    for check in verified.checks:
        actions.trace("check", "client certificate verification", check.detail, {"check": check.name}, ok=check.ok)
    return ClientVerified(chain, public_key, verified, cert_verified(verified, skipped=False))


def verify_server(
    config: ClientConfig,
    chain_der: Sequence[bytes],
    server_name: str | None,
    ocsp_response: bytes | None,
    actions: Actions,
) -> ServerCertVerified:
    """Verify the server's chain under the client's policy, the same way in TLS 1.2 and 1.3 (RFC 8446 section
    4.4.2.4, RFC 5246 section 7.4.2, RFC 5280 section 6): trust, name, time, revocation, ``certificate_profile``
    (pki/certificate_profile.py); or, with ``dangerous_skip_verification``, nothing, said in the trace."""
    if config.dangerous_skip_verification:
        actions.trace(
            "check",
            "certificate verification",
            "SKIPPED: verification is turned off (dangerous_skip_verification); the server is not authenticated",
            ok=False,
        )
        return cert_verified(None, skipped=True)
    from glasstls.pki.verify import verify_server_chain  # loaded with the first chain to verify (issue 17)

    verified = verify_server_chain(
        list(chain_der),
        server_name=server_name,
        trust=client_trust_store(config),
        at=config.clock(),
        revocation=config.revocation,
        crls=config.crls,
        ocsp_response=ocsp_response,
        profile=config.certificate_profile,
    )
    for check in verified.checks:
        actions.trace("check", "certificate verification", check.detail, {"check": check.name}, ok=check.ok)
    return cert_verified(verified, skipped=False)


def trace_server_chain(chain: Sequence[x509.Certificate], step: str, actions: Actions) -> None:
    """The server's chain in the trace, leaf first (RFC 8446 section 4.4.2, RFC 5246 section 7.4.2)."""
    subjects = [certificate_subject(c) for c in chain]
    actions.trace(
        "info",
        step,
        f"server sent {len(subjects)} certificate(s); leaf: {subjects[0]}",
        {"chain": [{"subject": subject} for subject in subjects]},
    )


def trace_certificate_request(config: ClientConfig, step: str, actions: Actions) -> None:
    """The server asked for our certificate (RFC 8446 section 4.3.2, RFC 5246 section 7.4.4): what we will send."""
    actions.trace(
        "info",
        step,
        "server asks for a client certificate"
        + ("" if config.client_certificate else "; we have none and will send an empty one"),
    )


def client_sent_no_certificate(config: ServerConfig, version: ProtocolVersion, step: str, actions: Actions) -> None:
    """An empty client Certificate: refused when ``client_auth`` is "required" (TLS 1.3: certificate_required,
    RFC 8446 section 4.4.2.4; TLS 1.2: handshake_failure, RFC 5246 section 7.4.6), else traced."""
    if config.client_auth == "required":
        reason = "the client sent no certificate, but this server requires one"
        hint = "configure a client certificate and key"
        # One error class either way (glasstls.explain tells the operator what is missing); TLS 1.2 has no
        # certificate_required alert, so its alert is handshake_failure.
        alert = None if version == ProtocolVersion.TLS13 else AlertDescription.HANDSHAKE_FAILURE
        raise CertificateRequired(reason, step=step, check="client certificate", hint=hint, alert=alert)
    actions.trace("info", step, "client sent no certificate (optional): continuing unauthenticated")


# -- what a verification is made against -----------------------------------------------------------------

_system_trust: TrustStore | None = None


def client_trust_store(config: ClientConfig) -> TrustStore:
    """The anchors a client verifies servers against: ``config.trust``, else the system store (loaded once)."""
    global _system_trust
    if config.trust is not None:
        return config.trust
    if _system_trust is None:
        from glasstls.pki.trust import TrustStore  # loaded when first needed (issue 17: import time)

        _system_trust = TrustStore.system()
    return _system_trust


def server_profile(config: ServerConfig) -> str | None:
    """The server's client-verification profile (None: it has no ``client_trust``, so verifies no client)."""
    trust = config.client_trust
    if trust is None:
        return None
    return verification_profile(
        trust,
        config.client_revocation,
        config.client_crls,
        identities=config.client_identities,
        certificate_profile=config.client_certificate_profile,
        default_profile="rfc5280",  # the default for client chains: profiles made before the choice still match
    )


def client_profile(config: ClientConfig) -> str | None:
    """The client's server-verification profile (None: ``dangerous_skip_verification``, nothing verified)."""
    if config.dangerous_skip_verification:
        return None
    return verification_profile(
        client_trust_store(config), config.revocation, config.crls, certificate_profile=config.certificate_profile
    )


def client_verification(
    config: ClientConfig, verified: VerifiedChain | None, resumed: ClientSession | None
) -> Verification:
    """The client's (``peer_verified_at``, ``peer_verified_with``): the resumed session's record, else this
    connection's verification (None, None when it was skipped)."""
    if resumed is not None:
        return resumed.verified_at, resumed.verified_with
    if verified is None or verified.report is None:
        return None, None
    return verified.report.at, client_profile(config)


def server_verification(
    config: ServerConfig, verified: VerifiedChain | None, resumed: ServerSessionState | None
) -> Verification:
    """The server's record of the client's verification, as :func:`client_verification`."""
    if resumed is not None:
        return resumed.client_verified_at, resumed.client_verified_with
    if verified is None or verified.report is None:
        return None, None
    return verified.report.at, server_profile(config)


# -- resumption under the current policy -----------------------------------------------------------------


def resumption_refusal(config: ServerConfig, state: ServerSessionState, server_name: str | None) -> str | None:
    """Why this server must not resume ``state`` under its current policy (None: it may). TLS 1.2 (session IDs
    and tickets) and TLS 1.3 (tickets) both ask here; the version-specific checks (suite, EMS, ticket age)
    stay with each version.

    * The server name: a session stays with the name it was made for (RFC 6066 section 3, RFC 8446 section
      4.6.1).
    * ``client_auth="required"``: the session must carry a client certificate (a resumed handshake has no
      CertificateRequest, RFC 8446 section 4.3.2, RFC 5246 section 7.3: it cannot ask again).
    * A client certificate counts only if it was verified under this server's profile (``client_trust``,
      ``client_revocation``, ``client_crls``, ``client_identities``, ``client_certificate_profile``): a server
      sharing ticket keys may trust other CAs or hold client chains to other rules.
    * ALPN is not a property of the session: it is negotiated again on every handshake, resumed or not
      (RFC 7301 section 3.1), so it needs no check here (TLS 1.3 ties it to early data, which we do not accept).
    """
    if state.server_name != server_name:
        return f"it was made for server name {state.server_name!r}, not {server_name!r}"
    if config.client_auth == "none":
        return None
    if not state.client_certificates:
        if config.client_auth == "required":
            return "its session has no client certificate, and this server requires one"
        return None
    ours = server_profile(config)
    if state.client_verified_at is None or state.client_verified_with != ours:
        return (
            f"its client certificate was verified under {state.client_verified_with or 'nothing'}, "
            f"not under this server's {ours}"
        )
    return None


def offer_refusal(config: ClientConfig, session: ClientSession, server_name: str | None) -> str | None:
    """Why a client configuration must not offer ``session`` (None: it may), in TLS 1.2 and TLS 1.3.

    * The server name of the session (RFC 8446 section 4.6.1, RFC 6066 section 3).
    * A configuration that verifies offers only sessions whose server was verified under the same profile
      (trust anchors, revocation policy, CRLs): a session made with ``dangerous_skip_verification``, or
      verified against other anchors, would resume a server this configuration never accepted. Only an
      identical profile is accepted: telling whether another one is at least as strict would mean verifying
      the chain again. A configuration that skips verification may offer anything (it authenticates nothing).
    """
    if session.server_name != server_name:
        return f"it was made for server name {session.server_name!r}, not {server_name!r}"
    if config.dangerous_skip_verification:
        return None
    if session.verified_at is None:
        return "its server was never verified (made with dangerous_skip_verification)"
    ours = client_profile(config)
    if session.verified_with != ours:
        return f"its server was verified under {session.verified_with}, not under this configuration's {ours}"
    return None
