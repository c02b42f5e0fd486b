"""Certificate chain verification that explains itself.

The *verdict* always comes from ``cryptography.x509.verification`` (RFC 5280 section 6 path validation with
the CA/Browser Forum profile, RFC 6125 names): a chain it rejects is rejected, a chain it accepts is accepted.
What this module adds is the *explanation*: when cryptography says no, :func:`_diagnose` walks the chain
itself and names the check that failed (``CertificateError.check``), the certificate it failed on, why in
plain words, and what would fix it (``hint``). When it says yes, the :class:`VerifiedChain` proof object
records a report of each check for traces.

Error mapping (the alert is carried by the error class, glasstls/errors.py):

=====================================================  ==========================  =====================
failure                                                error                       ``check``
=====================================================  ==========================  =====================
malformed DER, no certificate                          ``BadCertificate``          ``parse``
expired (RFC 5280 s4.1.2.5)                            ``CertificateExpired``      ``validity``
not yet valid (as OpenSSL reports it)                  ``BadCertificate``          ``validity``
unknown issuer, missing intermediate, untrusted root,
self-signed leaf, chain too long                       ``UnknownCA``               ``chain``
name not covered (RFC 6125 s6.4)                       ``BadCertificate``          ``name``
wrong extendedKeyUsage / keyUsage (s4.2.1.12, 4.2.1.3)  ``UnsupportedCertificate``  ``usage``
issuer not a CA, pathLenConstraint (s4.2.1.9)          ``BadCertificate``          ``basic constraints``
signature does not verify (s6.1.3 (a)(1))              ``BadCertificate``          ``signature``
anything else                                          ``BadCertificate``          (best guess)
=====================================================  ==========================  =====================
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NoReturn

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, VerificationError

from glasstls.errors import (
    BadCertificate,
    CertificateError,
    CertificateExpired,
    ConfigError,
    UnknownCA,
    UnsupportedCertificate,
    UsageError,
)
from glasstls.pki.names import ServerIdentity, explain_name_mismatch, parse_server_name
from glasstls.pki.trust import TrustStore

__all__ = [
    "CHECK_NAMES",
    "MAX_PEER_CERTIFICATES",
    "CheckResult",
    "VerifiedChain",
    "describe_certificate",
    "verify_client_chain",
    "verify_server_chain",
]

STEP = "certificate verification"

CheckName = Literal["parse", "chain", "signature", "validity", "name", "usage", "basic constraints"]
CHECK_NAMES: tuple[CheckName, ...] = (
    "parse",
    "chain",
    "signature",
    "validity",
    "name",
    "usage",
    "basic constraints",
)

#: A peer's Certificate message may carry at most this many certificates. Parsing and path building cost
#: grows with it; real chains have 2-4. (A named limit on attacker-driven work.)
MAX_PEER_CERTIFICATES = 32

Role = Literal["server", "client"]


# -- the report --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One verification check: its ``name`` (one of :data:`CHECK_NAMES`), whether it passed, and why."""

    name: str
    ok: bool
    detail: str
    hint: str | None = None


_PROOF_TOKEN = object()


@dataclass(frozen=True, init=False)
class VerifiedChain:
    """Proof that a peer's chain was verified (DESIGN rule 3). Only ``verify_*_chain`` can make one.

    ``chain``: leaf first, ending at the trust anchor. ``checks``: the report. ``trust_source``: which trust
    store the anchor came from. ``server_name``: the name checked (None: not checked, or a client chain).
    """

    chain: tuple[x509.Certificate, ...]
    checks: tuple[CheckResult, ...]
    trust_source: str
    server_name: str | None

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise UsageError(
            "VerifiedChain is a proof object: only verify_server_chain() and verify_client_chain() make one"
        )

    @classmethod
    def _make(
        cls,
        token: object,
        *,
        chain: tuple[x509.Certificate, ...],
        checks: tuple[CheckResult, ...],
        trust_source: str,
        server_name: str | None,
    ) -> VerifiedChain:
        if token is not _PROOF_TOKEN:
            raise UsageError("VerifiedChain can only be made by glasstls.pki.verify")
        proof = object.__new__(cls)
        object.__setattr__(proof, "chain", chain)
        object.__setattr__(proof, "checks", checks)
        object.__setattr__(proof, "trust_source", trust_source)
        object.__setattr__(proof, "server_name", server_name)
        return proof

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def anchor(self) -> x509.Certificate:
        return self.chain[-1]

    def check(self, name: str) -> CheckResult:
        """The report entry for the check called ``name``."""
        for result in self.checks:
            if result.name == name:
                return result
        raise KeyError(name)


# -- small helpers -----------------------------------------------------------------------------------------


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def _label(cert: x509.Certificate) -> str:
    subject = cert.subject.rfc4514_string()
    return subject if subject else f"(empty subject, serial {cert.serial_number:#x})"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}" + ("" if n == 1 else "s")
    return f"{seconds} second" + ("" if seconds == 1 else "s")


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _ext(cert: x509.Certificate, kind: type[Any]) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        # A malformed extension: cryptography's verifier will reject it; the analysis just can't read it.
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _is_self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key verifies the signature on ``cert`` (RFC 5280 section 6.1.3 (a)(1))."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _key_description(cert: x509.Certificate) -> tuple[str, int | None]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unsupported", None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, x25519.X25519PublicKey):
        return "X25519", 256
    if isinstance(key, x448.X448PublicKey):
        return "X448", 448
    return type(key).__name__, None


def _san_strings(cert: x509.Certificate) -> list[str]:
    san = _ext(cert, x509.SubjectAlternativeName)
    if san is None:
        return []
    out: list[str] = []
    for name in san:
        if isinstance(name, x509.DNSName):
            out.append(f"DNS:{name.value}")
        elif isinstance(name, x509.IPAddress):
            out.append(f"IP:{name.value}")
        elif isinstance(name, x509.RFC822Name):
            out.append(f"email:{name.value}")
        elif isinstance(name, x509.UniformResourceIdentifier):
            out.append(f"URI:{name.value}")
        else:
            out.append(type(name).__name__)
    return out


def _is_ca(cert: x509.Certificate) -> bool:
    bc = _ext(cert, x509.BasicConstraints)
    return bool(bc is not None and bc.ca)


def describe_certificate(cert: x509.Certificate) -> dict[str, object]:
    """Public facts about ``cert`` for traces and reports (nothing here is secret)."""
    key_type, key_size = _key_description(cert)
    return {
        "subject": _label(cert),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": f"{cert.serial_number:x}",
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "subject_alt_names": _san_strings(cert),
        "key_type": key_type,
        "key_size": key_size,
        "is_ca": _is_ca(cert),
        "self_issued": _is_self_issued(cert),
    }


# -- the analysis (explanation only; the verdict is cryptography's) ---------------------------------------


@dataclass(frozen=True)
class _Finding:
    check: str
    error: type[CertificateError]
    reason: str
    hint: str


@dataclass(frozen=True)
class _Context:
    role: Role
    trust: TrustStore
    at: datetime
    identity: ServerIdentity | None
    max_depth: int

    @property
    def peer(self) -> str:
        return self.role

    @property
    def eku(self) -> x509.ObjectIdentifier:
        return ExtendedKeyUsageOID.SERVER_AUTH if self.role == "server" else ExtendedKeyUsageOID.CLIENT_AUTH

    @property
    def eku_name(self) -> str:
        return (
            "serverAuth (TLS server authentication)"
            if self.role == "server"
            else ("clientAuth (TLS client authentication)")
        )


def _build_path(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], ctx: _Context
) -> tuple[list[x509.Certificate], bool, list[_Finding]]:
    """Walk from the leaf towards a trust anchor by issuer name, preferring issuers whose key verifies.

    Returns the path (leaf first), whether it ends at a trust anchor, and the chain/signature findings.
    """
    findings: list[_Finding] = []
    path = [leaf]
    used = {_der(leaf)}
    peer = ctx.peer
    where = f"the trust store ({ctx.trust.source})"
    current = leaf
    while True:
        if current in ctx.trust:
            return path, True, findings
        if len(path) > ctx.max_depth + 2 or len(path) > MAX_PEER_CERTIFICATES:
            findings.append(
                _Finding(
                    "chain",
                    UnknownCA,
                    f"the chain from {_label(leaf)} does not reach {where} within {len(path)} certificates",
                    "send a shorter chain ending at a CA in the trust store",
                )
            )
            return path, False, findings
        candidates = [c for c in intermediates if c.subject == current.issuer and _der(c) not in used] + [
            c for c in ctx.trust.with_subject(current.issuer) if _der(c) not in used
        ]
        if _is_self_issued(current) and _signed_by(current, current):
            # A self-signed certificate that is not an anchor: the path ends here, untrusted.
            if current is leaf:
                findings.append(
                    _Finding(
                        "chain",
                        UnknownCA,
                        f"the leaf is self-signed: {_label(leaf)} is its own issuer, and it is not in {where}",
                        f"give the {peer} a certificate issued by a CA (`glasstls certs` makes a test CA), "
                        "and add that CA to the trust store with --cafile",
                    )
                )
            else:
                findings.append(
                    _Finding(
                        "chain",
                        UnknownCA,
                        f"the chain ends at {_label(current)}, which is not in {where}",
                        "add the issuing CA to the trust store with --cafile, if you trust it",
                    )
                )
            return path, False, findings
        issuer = next((c for c in candidates if _signed_by(current, c)), None)
        if issuer is None and candidates:
            # Right name, wrong key: the signature does not verify under any certificate with that name.
            issuer = candidates[0]
            findings.append(
                _Finding(
                    "signature",
                    BadCertificate,
                    f"the signature on {_label(current)} does not verify with the public key of "
                    f"{_label(issuer)}, the certificate that has its issuer's name",
                    "the certificate was not signed by the CA it names: the chain is corrupt or mixed up "
                    "(e.g. a CA that was re-keyed); reissue the certificate, or send the matching "
                    "intermediate",
                )
            )
        if issuer is None:
            issuer_name = current.issuer.rfc4514_string() or "(empty name)"
            if current is leaf:
                findings.append(
                    _Finding(
                        "chain",
                        UnknownCA,
                        f"the {peer} did not send the intermediate certificate that issued its leaf "
                        f"(issuer: {issuer_name}), and {issuer_name} is not in {where}",
                        f"configure the {peer} to send its intermediate certificate (the full chain file), "
                        f"or, if {issuer_name} is a CA you trust, add it to the trust store with --cafile",
                    )
                )
            else:
                findings.append(
                    _Finding(
                        "chain",
                        UnknownCA,
                        f"the chain ends at {_label(current)}, whose issuer {issuer_name} is not in {where}",
                        "add the issuing CA to the trust store with --cafile, if you trust it",
                    )
                )
            return path, False, findings
        path.append(issuer)
        used.add(_der(issuer))
        current = issuer


def _role_word(index: int, path: Sequence[x509.Certificate], anchored: bool) -> str:
    if index == 0:
        return "the certificate for"
    if anchored and index == len(path) - 1:
        return "the trust anchor"
    return "the intermediate CA certificate"


def _validity_findings(path: Sequence[x509.Certificate], anchored: bool, ctx: _Context) -> list[_Finding]:
    """RFC 5280 section 6.1.3 (a)(2): every certificate on the path is valid at the time of the check."""
    findings: list[_Finding] = []
    for index, cert in enumerate(path):
        what = f"{_role_word(index, path, anchored)} {_label(cert)}"
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        if ctx.at > not_after:
            if index == 0:
                hint = "check the clock, or renew the certificate"
            elif anchored and index == len(path) - 1:
                hint = "check the clock, or update the trust store"
            else:
                hint = f"check the clock, or configure the {ctx.peer} to send the current intermediate certificate"
            findings.append(
                _Finding(
                    "validity",
                    CertificateExpired,
                    f"{what} expired on {_when(not_after)}, {_span(ctx.at - not_after)} before the time of "
                    f"the check ({_when(ctx.at)})",
                    hint,
                )
            )
        elif ctx.at < not_before:
            findings.append(
                _Finding(
                    "validity",
                    BadCertificate,
                    f"{what} is not valid until {_when(not_before)}, {_span(not_before - ctx.at)} after the "
                    f"time of the check ({_when(ctx.at)})",
                    "check the clock on this machine, or wait until the certificate becomes valid",
                )
            )
    return findings


def _constraint_findings(path: Sequence[x509.Certificate], ctx: _Context) -> list[_Finding]:
    """RFC 5280 section 6.1.4 (k), (l), (m), (n): each issuer is a CA, within its path length, may sign."""
    findings: list[_Finding] = []
    for index in range(1, len(path)):
        issuer, issued = path[index], path[index - 1]
        bc = _ext(issuer, x509.BasicConstraints)
        if bc is None or not bc.ca:
            state = "has no basicConstraints extension" if bc is None else "has basicConstraints cA=FALSE"
            findings.append(
                _Finding(
                    "basic constraints",
                    BadCertificate,
                    f"{_label(issuer)} issued {_label(issued)} but is not a CA: it {state} (RFC 5280 section 4.2.1.9)",
                    "the issuing certificate must be a CA (basicConstraints cA=TRUE); reissue it as a CA",
                )
            )
            continue
        # Intermediate CAs between this issuer and the leaf, not counting self-issued ones (6.1.4 (l)).
        below = [c for c in path[1:index] if not _is_self_issued(c)]
        if bc.path_length is not None and len(below) > bc.path_length:
            names = ", ".join(_label(c) for c in below)
            findings.append(
                _Finding(
                    "basic constraints",
                    BadCertificate,
                    f"{_label(issuer)} allows at most {bc.path_length} intermediate CA certificate(s) "
                    "below it "
                    f"(pathLenConstraint {bc.path_length}), but the chain has {len(below)}: {names}",
                    "issue the certificate from a CA higher up, or reissue the CA with a larger path length",
                )
            )
        ku = _ext(issuer, x509.KeyUsage)
        if ku is not None and not ku.key_cert_sign:
            findings.append(
                _Finding(
                    "usage",
                    UnsupportedCertificate,
                    f"{_label(issuer)} issued {_label(issued)} but its keyUsage does not allow keyCertSign "
                    "(RFC 5280 section 4.2.1.3)",
                    "reissue the CA certificate with keyUsage keyCertSign",
                )
            )
    return findings


def _usage_findings(path: Sequence[x509.Certificate], ctx: _Context) -> list[_Finding]:
    """RFC 5280 section 4.2.1.12 (extendedKeyUsage) and 4.2.1.3 (keyUsage) for a TLS peer."""
    findings: list[_Finding] = []
    leaf = path[0]
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if eku is not None and ctx.eku not in eku:
        listed = ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in eku) or "nothing"
        findings.append(
            _Finding(
                "usage",
                UnsupportedCertificate,
                f"the certificate for {_label(leaf)} is not for TLS {ctx.role} authentication: its "
                f"extendedKeyUsage lists {listed}, not {ctx.eku_name}",
                f"use a certificate whose extendedKeyUsage includes {ctx.eku_name}",
            )
        )
    for cert in path[1:]:
        ca_eku = _ext(cert, x509.ExtendedKeyUsage)
        if ca_eku is not None and ctx.eku not in ca_eku and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in ca_eku:
            findings.append(
                _Finding(
                    "usage",
                    UnsupportedCertificate,
                    f"the CA certificate {_label(cert)} restricts its extendedKeyUsage to purposes that "
                    "do not "
                    f"include {ctx.eku_name}",
                    "use a CA whose extendedKeyUsage allows TLS authentication",
                )
            )
    ku = _ext(leaf, x509.KeyUsage)
    if ku is not None and not ku.digital_signature:
        findings.append(
            _Finding(
                "usage",
                UnsupportedCertificate,
                f"the certificate for {_label(leaf)} has a keyUsage without digitalSignature, so its key may "
                "not sign a TLS handshake",
                "reissue the certificate with keyUsage digitalSignature",
            )
        )
    return findings


def _name_findings(leaf: x509.Certificate, ctx: _Context) -> list[_Finding]:
    """RFC 6125 section 6: the server name must be covered by the leaf's subjectAltName."""
    if ctx.identity is None:
        return []
    why = explain_name_mismatch(leaf, ctx.identity, _label(leaf))
    if why is None:
        return []
    return [
        _Finding(
            "name",
            BadCertificate,
            why,
            "connect using a name the certificate covers, or reissue it with that name in subjectAltName",
        )
    ]


def _category(message: str) -> str | None:
    """Which check cryptography's message is about (its wording, matched loosely), or None."""
    text = message.lower()
    if "not valid at validation time" in text or "expired" in text:
        return "validity"
    if "subjectaltname" in text or "2.5.29.17" in text:
        return "name"
    if "signature" in text:
        return "signature"
    if "basicconstraints" in text or "path length" in text:
        return "basic constraints"
    if "eku" in text or "key usage" in text or "keyusage" in text:
        return "usage"
    if "no interior errors" in text or "max depth" in text or "candidates exhausted" in text:
        return "chain"
    return None


def _diagnose(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    ctx: _Context,
    message: str,
) -> _Finding:
    """Explain why cryptography rejected the chain. Picks the finding that matches its verdict."""
    path, anchored, findings = _build_path(leaf, intermediates, ctx)
    findings += _validity_findings(path, anchored, ctx)
    findings += _name_findings(leaf, ctx)
    findings += _usage_findings(path, ctx)
    findings += _constraint_findings(path, ctx)
    if anchored and len(path) - 2 > ctx.max_depth:
        findings.append(
            _Finding(
                "chain",
                UnknownCA,
                f"the chain needs {len(path) - 2} intermediate certificates, more than the limit of {ctx.max_depth}",
                "send a shorter chain, or raise max_depth",
            )
        )
    category = _category(message)
    quoted = f"cryptography's verifier says: {message}"
    if category is not None:
        for finding in findings:
            if finding.check == category:
                return _Finding(finding.check, finding.error, f"{finding.reason} ({quoted})", finding.hint)
        if category == "chain":
            return _Finding(
                "chain",
                UnknownCA,
                f"no chain from {_label(leaf)} to a CA in the trust store ({ctx.trust.source}) could be "
                f"built "
                f"({quoted})",
                "check that the chain the peer sends leads to a CA in the trust store",
            )
    elif findings:
        first = findings[0]
        return _Finding(first.check, first.error, f"{first.reason} ({quoted})", first.hint)
    return _Finding(
        category or "chain",
        BadCertificate,
        f"the certificate chain for {_label(leaf)} was rejected ({quoted})",
        "inspect the certificates (glasstls certs show, or openssl x509 -text) against the message above",
    )


# -- the entry points --------------------------------------------------------------------------------------


def _fail(check: str, error: type[CertificateError], reason: str, hint: str) -> NoReturn:
    raise error(reason, check=check, step=STEP, hint=hint)


def _parse_chain(chain_der: Sequence[bytes], role: Role) -> list[x509.Certificate]:
    """RFC 8446 section 4.4.2: the peer's chain, leaf first. Each entry must be one DER certificate."""
    if not chain_der:
        _fail(
            "parse",
            BadCertificate,
            f"the {role} sent no certificate",
            f"configure the {role} with a certificate",
        )
    if len(chain_der) > MAX_PEER_CERTIFICATES:
        _fail(
            "chain",
            BadCertificate,
            f"the {role} sent {len(chain_der)} certificates, more than the limit of {MAX_PEER_CERTIFICATES}",
            f"configure the {role} to send only its certificate and the intermediates",
        )
    certs: list[x509.Certificate] = []
    for index, der in enumerate(chain_der):
        what = "the leaf certificate" if index == 0 else f"certificate #{index + 1} in the chain"
        try:
            cert = x509.load_der_x509_certificate(bytes(der))
            # Touch the fields the analysis reads, so that a malformed one fails here, as a parse error.
            cert.not_valid_before_utc, cert.not_valid_after_utc, cert.subject, cert.issuer  # noqa: B018
        except (ValueError, TypeError) as exc:
            _fail(
                "parse",
                BadCertificate,
                f"{what} sent by the {role} is not a valid DER X.509 certificate ({len(der)} bytes): {exc}",
                f"the {role}'s certificate file is damaged or in the wrong format; check it with "
                "`openssl x509 -in FILE -text`",
            )
        certs.append(cert)
    return certs


def _success_report(
    chain: Sequence[x509.Certificate], ctx: _Context, identity: ServerIdentity | None, sent: int
) -> tuple[CheckResult, ...]:
    leaf = chain[0]
    labels = " -> ".join(_label(c) for c in chain)
    soonest = min(chain, key=lambda c: c.not_valid_after_utc)
    left = soonest.not_valid_after_utc - ctx.at
    if identity is None:
        if ctx.role == "server":
            name = CheckResult(
                "name",
                True,
                "not checked: no server name was given, so any name the certificate covers was accepted",
                "pass a server name to check that the certificate belongs to the host you meant",
            )
        else:
            name = CheckResult("name", True, "not checked: client certificates are not matched to a name")
    else:
        kind = "IP address" if identity.is_ip else "name"
        name = CheckResult(
            "name",
            True,
            f"the {kind} {identity.text} is covered by the certificate's subjectAltName "
            f"({', '.join(_san_strings(leaf))})",
        )
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    usage = (
        f"extendedKeyUsage includes {ctx.eku_name}"
        if eku is not None
        else "no extendedKeyUsage extension (any purpose allowed)"
    )
    return (
        CheckResult("parse", True, f"the {ctx.role}'s {_plural(sent, 'certificate')} parsed as DER X.509"),
        CheckResult("chain", True, f"{labels}; the last is a trust anchor from {ctx.trust.source}"),
        CheckResult("signature", True, "each certificate's signature verifies with its issuer's key"),
        CheckResult(
            "validity",
            True,
            f"every certificate is valid at {_when(ctx.at)}; the first to expire is {_label(soonest)} on "
            f"{_when(soonest.not_valid_after_utc)} (in {_span(left)})",
        ),
        name,
        CheckResult("usage", True, usage),
        CheckResult("basic constraints", True, "each issuer is a CA (cA=TRUE) within its pathLenConstraint"),
    )


def _verify(
    chain_der: Sequence[bytes],
    *,
    role: Role,
    server_name: str | None,
    trust: TrustStore,
    at: datetime,
    max_depth: int,
) -> VerifiedChain:
    if max_depth < 0:
        raise UsageError(f"max_depth must be 0 or more, not {max_depth}")
    identity = parse_server_name(server_name) if server_name is not None else None
    certs = _parse_chain(chain_der, role)
    leaf, intermediates = certs[0], certs[1:]
    ctx = _Context(role=role, trust=trust, at=_utc(at), identity=identity, max_depth=max_depth)
    builder = PolicyBuilder().store(trust.to_store()).time(ctx.at).max_chain_depth(max_depth)
    verifier = None
    if identity is not None:
        try:
            verifier = builder.build_server_verifier(identity.to_subject())
        except ValueError as exc:  # the caller's name, not the peer's fault
            raise ConfigError(f"server name {server_name!r} cannot be verified: {exc}") from exc
    try:
        if role == "server":
            if verifier is None:
                # cryptography's server verifier always checks a name. With no name, verify against a name
                # the leaf covers: every check but the name is still made.
                chain = _verify_server_without_name(builder, leaf, intermediates)
            else:
                chain = verifier.verify(leaf, intermediates)
        else:
            chain = builder.build_client_verifier().verify(leaf, intermediates).chain
    except (VerificationError, ValueError) as exc:
        try:
            finding = _diagnose(leaf, intermediates, ctx, str(exc))
        except Exception:
            finding = _Finding(
                _category(str(exc)) or "chain",
                BadCertificate,
                f"the certificate chain was rejected (cryptography's verifier says: {exc})",
                "inspect the certificates with `openssl x509 -text` against the message above",
            )
        raise finding.error(finding.reason, check=finding.check, step=STEP, hint=finding.hint) from exc
    verified = tuple(chain)
    return VerifiedChain._make(
        _PROOF_TOKEN,
        chain=verified,
        checks=_success_report(verified, ctx, identity, len(certs)),
        trust_source=trust.source,
        server_name=identity.text if identity is not None else None,
    )


def _verify_server_without_name(
    builder: PolicyBuilder, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """Verify everything except the name: use a name the leaf's subjectAltName covers (RFC 6125 s6)."""
    san = _ext(leaf, x509.SubjectAlternativeName)
    subjects: list[ServerIdentity] = []
    if san is not None:
        for ip in san.get_values_for_type(x509.IPAddress):
            if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
                subjects.append(ServerIdentity(text=str(ip), ip=ip))
        for dns in san.get_values_for_type(x509.DNSName):
            # A wildcard entry is covered by a name in its one label: "*.example.org" -> "x.example.org".
            host = "x" + dns[1:] if dns.startswith("*.") else dns
            try:
                subjects.append(parse_server_name(host))
            except ValueError:
                continue
    if not subjects:
        # No usable name: let cryptography reject the leaf for it (it needs a subjectAltName).
        subjects.append(ServerIdentity(text="invalid", ip=None))
    # Try each covered name; a failure about anything but the name is final, so stop at the first one.
    for subject in subjects[:-1]:
        try:
            return builder.build_server_verifier(subject.to_subject()).verify(leaf, list(intermediates))
        except VerificationError as exc:
            if _category(str(exc)) != "name":
                raise
    return builder.build_server_verifier(subjects[-1].to_subject()).verify(leaf, list(intermediates))


def verify_server_chain(
    chain_der: Sequence[bytes],
    *,
    server_name: str | None,
    trust: TrustStore,
    at: datetime,
    max_depth: int = 8,
) -> VerifiedChain:
    """Verify a server's Certificate chain (RFC 8446 section 4.4.2.4, RFC 5246 section 7.4.2).

    ``chain_der``: leaf first, as sent. ``server_name``: a DNS name or IP literal to match (RFC 6125), or
    None to skip the name check (recorded in the report). ``at``: the time of the check (injected, never the
    clock). ``max_depth``: the most intermediate certificates allowed.

    Raises a :class:`~glasstls.errors.CertificateError` subclass with ``check``, ``reason`` and ``hint``.
    """
    return _verify(chain_der, role="server", server_name=server_name, trust=trust, at=at, max_depth=max_depth)


def verify_client_chain(
    chain_der: Sequence[bytes],
    *,
    trust: TrustStore,
    at: datetime,
    max_depth: int = 8,
) -> VerifiedChain:
    """Verify a client's Certificate chain (RFC 8446 section 4.4.2.4): trusted, valid, extendedKeyUsage
    clientAuth. Client certificates are not matched to a name."""
    return _verify(chain_der, role="client", server_name=None, trust=trust, at=at, max_depth=max_depth)
