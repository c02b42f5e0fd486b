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
revoked by a CRL or the OCSP staple                    ``CertificateRevoked``      ``revocation``
unusable OCSP staple (RFC 6066 s8)                     ``BadCertificateStatus...``  ``revocation``
hard-fail and no revocation status for the leaf        ``CertificateUnknown``      ``revocation``
anything else                                          ``BadCertificate``          (best guess)
=====================================================  ==========================  =====================

Revocation (pki/revocation.py) runs only on a chain that cryptography accepted; its checks join the report.

:func:`explain_chain` never raises for anything in the chain, the CRLs or the staple: it returns a
:class:`ChainReport` for valid and invalid chains alike (the chain as built, the facts of each certificate, each
check with its outcome). ``verify_*_chain`` raise the report's error with the report attached (:func:`report_of`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, VerificationError

from glasstls.crypto.keys import certificate_der, load_der_certificate
from glasstls.errors import (
    BadCertificate,
    CertificateError,
    CertificateExpired,
    CertificateKind,
    ConfigError,
    UnknownCA,
    UnsupportedCertificate,
    UsageError,
)
from glasstls.pki.names import ServerIdentity, explain_name_mismatch, parse_server_name
from glasstls.pki.revocation import REVOCATION_POLICIES, RevocationResult, certificate_label, check_revocation
from glasstls.pki.trust import TrustStore

if TYPE_CHECKING:
    from glasstls.config import RevocationPolicy

__all__ = [
    "CHECK_NAMES",
    "MAX_PEER_CERTIFICATES",
    "CertificateFacts",
    "ChainReport",
    "CheckResult",
    "VerifiedChain",
    "describe_certificate",
    "explain_chain",
    "report_of",
    "verify_client_chain",
    "verify_server_chain",
]

STEP = "certificate verification"

CheckName = Literal["parse", "chain", "signature", "validity", "name", "usage", "basic constraints", "revocation"]
CHECK_NAMES: tuple[CheckName, ...] = (
    "parse",
    "chain",
    "signature",
    "validity",
    "name",
    "usage",
    "basic constraints",
    "revocation",
)

#: A peer's Certificate message may carry at most this many certificates. Parsing and path building cost
#: grows with it; real chains have 2-4. (A named limit on attacker-driven work.)
MAX_PEER_CERTIFICATES = 32

Role = Literal["server", "client"]


# -- the report --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One verification check: its ``name`` (one of :data:`CHECK_NAMES`), whether it passed, and why.

    ``hint``: what would fix a failure. ``certificate``: the certificate the check is about, when it is about
    one (revocation has one result per certificate). ``skipped``: the check was not made (the detail says why).
    """

    name: str
    ok: bool
    detail: str
    hint: str | None = None
    certificate: str | None = None
    skipped: bool = False

    @property
    def outcome(self) -> Literal["passed", "failed", "skipped"]:
        if self.skipped:
            return "skipped"
        return "passed" if self.ok else "failed"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "ok": self.ok,
            "detail": self.detail,
            "hint": self.hint,
            "certificate": self.certificate,
        }


@dataclass(frozen=True)
class CertificateFacts:
    """What the report says about one certificate of the chain as built (public facts only).

    ``role``: "leaf", "intermediate CA", "trust anchor" or "certificate"; ``origin``: where it came from
    (sent by the peer, or the trust store).
    """

    position: int
    role: str
    origin: str
    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    key_type: str
    key_size: int | None
    subject_alt_names: tuple[str, ...]
    key_usage: tuple[str, ...] | None
    extended_key_usage: tuple[str, ...] | None
    basic_constraints: str
    self_issued: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "role": self.role,
            "origin": self.origin,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_type": self.key_type,
            "key_size": self.key_size,
            "subject_alt_names": list(self.subject_alt_names),
            "key_usage": list(self.key_usage) if self.key_usage is not None else None,
            "extended_key_usage": list(self.extended_key_usage) if self.extended_key_usage is not None else None,
            "basic_constraints": self.basic_constraints,
            "self_issued": self.self_issued,
        }


@dataclass(frozen=True)
class ChainReport:
    """The verification report, for valid and invalid chains alike (made by :func:`explain_chain`).

    ``ok``: the verdict: cryptography's path validation accepted the chain and revocation found nothing wrong.
    ``certificates``: the chain as built, leaf first (to the trust anchor when one was reached).
    ``checks``: each check with its outcome, in :data:`CHECK_NAMES` order. ``error``: the error a ``verify_*``
    call raises for this chain (None when ``ok``); ``verifier_said``: cryptography's own message on rejection.
    """

    role: str
    ok: bool
    server_name: str | None
    at: datetime
    trust_source: str
    revocation_policy: str
    certificates: tuple[CertificateFacts, ...]
    checks: tuple[CheckResult, ...]
    anchored: bool
    unused: tuple[str, ...] = ()
    verifier_said: str | None = None
    error: CertificateError | None = field(default=None, compare=False)
    chain: tuple[x509.Certificate, ...] = field(default=(), repr=False, compare=False)
    revocation: RevocationResult | None = field(default=None, repr=False, compare=False)

    @property
    def failed_check(self) -> str | None:
        """The check that decided the verdict (the error's ``check``), or None for a valid chain."""
        return self.error.check if self.error is not None else None

    def check(self, name: str) -> CheckResult:
        """The first report entry for the check called ``name``."""
        for result in self.checks:
            if result.name == name:
                return result
        raise KeyError(name)

    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def as_dict(self) -> dict[str, object]:
        error = self.error
        return {
            "ok": self.ok,
            "role": self.role,
            "server_name": self.server_name,
            "at": self.at.isoformat(),
            "trust_source": self.trust_source,
            "revocation_policy": self.revocation_policy,
            "anchored": self.anchored,
            "chain": [c.as_dict() for c in self.certificates],
            "unused_certificates": list(self.unused),
            "checks": [c.as_dict() for c in self.checks],
            "error": None
            if error is None
            else {
                "type": type(error).__name__,
                "check": error.check,
                "alert": str(error.alert) if error.alert is not None else None,
                "reason": error.reason,
                "hint": error.hint,
            },
            "verifier_said": self.verifier_said,
        }

    def to_text(self) -> str:
        """The report as plain text: the chain with each certificate's facts, then the checks, then the verdict."""
        who = f"{self.role} certificate chain" + (f" for {self.server_name}" if self.server_name else "")
        lines = [f"{who}, checked at {_when(self.at)} against {self.trust_source}", "", "chain as built:"]
        for facts in self.certificates:
            key = facts.key_type + (f" {facts.key_size} bits" if facts.key_size else "")
            lines.append(f"  [{facts.position}] {facts.subject} ({facts.role}, {facts.origin})")
            lines.append(f"      issuer: {facts.issuer}")
            lines.append(f"      serial: {facts.serial}")
            lines.append(f"      valid: {_when(facts.not_before)} to {_when(facts.not_after)}")
            lines.append(f"      key: {key}")
            if facts.subject_alt_names:
                lines.append(f"      names: {', '.join(facts.subject_alt_names)}")
            ku = ", ".join(facts.key_usage) if facts.key_usage is not None else "(no extension)"
            eku = ", ".join(facts.extended_key_usage) if facts.extended_key_usage is not None else "(no extension)"
            lines.append(f"      key usage: {ku}")
            lines.append(f"      extended key usage: {eku}")
            lines.append(f"      basic constraints: {facts.basic_constraints}")
        if not self.certificates:
            lines.append("  (no certificate could be read)")
        for label in self.unused:
            lines.append(f"  (sent but not used: {label})")
        lines += ["", "checks:"]
        marks = {"passed": "[ok]  ", "failed": "[FAIL]", "skipped": "[--]  "}
        for check in self.checks:
            lines.append(f"  {marks[check.outcome]} {check.name}: {check.detail}")
            if check.hint and not check.ok:
                lines.append(f"         fix: {check.hint}")
        lines.append("")
        if self.error is None:
            lines.append("verdict: VALID")
        else:
            alert = str(self.error.alert) if self.error.alert is not None else "none"
            lines.append(f"verdict: INVALID ({type(self.error).__name__}, alert {alert}, check {self.error.check})")
            lines.append(f"  why: {self.error.reason}")
            if self.error.hint:
                lines.append(f"  fix: {self.error.hint}")
        return "\n".join(lines) + "\n"


_PROOF_TOKEN = object()


@dataclass(frozen=True, init=False)
class VerifiedChain:
    """Proof that a peer's chain was verified (DESIGN rule 3). Only ``verify_*_chain`` can make one.

    ``chain``: leaf first, ending at the trust anchor. ``checks``: the report's checks. ``trust_source``: which
    trust store the anchor came from. ``server_name``: the name checked (None: not checked, or a client chain).
    ``report``: the full :class:`ChainReport`.
    """

    chain: tuple[x509.Certificate, ...]
    checks: tuple[CheckResult, ...]
    trust_source: str
    server_name: str | None
    report: ChainReport | None

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
        report: ChainReport | None = None,
    ) -> VerifiedChain:
        if token is not _PROOF_TOKEN:
            raise UsageError("VerifiedChain can only be made by glasstls.pki.verify")
        proof = object.__new__(cls)
        object.__setattr__(proof, "chain", chain)
        object.__setattr__(proof, "checks", checks)
        object.__setattr__(proof, "trust_source", trust_source)
        object.__setattr__(proof, "server_name", server_name)
        object.__setattr__(proof, "report", report)
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


class _Memo:
    """What this module derives from one certificate alone (its DER and public facts), computed once.

    Chains repeat (a server sends the same chain on every connection; anchors live as long as the trust
    store) and re-encoding or re-describing a certificate costs more than cryptography's whole path check.
    """

    __slots__ = ("cert", "der", "facts")

    def __init__(self, cert: x509.Certificate) -> None:
        self.cert = cert  # held, so that id(cert) is not reused while the memo exists
        self.der: bytes | None = None
        self.facts: dict[str, Any] | None = None


#: Bounds on the memo tables below (emptied when full: a peer sending ever new certificates gains nothing).
_MEMO_SIZE = 512
_memos: dict[int, _Memo] = {}
#: Certificates parsed from peers' DER, by DER: the same chain parses once.
_parsed: dict[bytes, x509.Certificate] = {}


def _memo(cert: x509.Certificate) -> _Memo:
    memo = _memos.get(id(cert))
    if memo is None or memo.cert is not cert:
        if len(_memos) >= _MEMO_SIZE:
            _memos.clear()
        memo = _memos[id(cert)] = _Memo(cert)
    return memo


def _der(cert: x509.Certificate) -> bytes:
    memo = _memo(cert)
    if memo.der is None:
        memo.der = certificate_der(cert)
    return memo.der


#: How a report names a certificate (remembered per certificate object, shared with the revocation report).
_label = certificate_label


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


_KEY_USAGE_NAMES = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


def _key_usage(cert: x509.Certificate) -> list[str] | None:
    """RFC 5280 section 4.2.1.3 bits that are set, by their RFC names; None without the extension."""
    ku = _ext(cert, x509.KeyUsage)
    if ku is None:
        return None
    out = [name for attr, name in _KEY_USAGE_NAMES if getattr(ku, attr)]
    if ku.key_agreement:
        out += [
            name
            for attr, name in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
            if getattr(ku, attr)
        ]
    return out


def _eku_names(cert: x509.Certificate) -> list[str] | None:
    """RFC 5280 section 4.2.1.12 purposes by name (dotted OID when unnamed); None without the extension."""
    eku = _ext(cert, x509.ExtendedKeyUsage)
    if eku is None:
        return None
    return [str(getattr(oid, "_name", "")) or oid.dotted_string for oid in eku]


def _basic_constraints(cert: x509.Certificate) -> str:
    """RFC 5280 section 4.2.1.9 in words."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return "absent (not a CA)"
    except (ValueError, x509.DuplicateExtension):
        return "unreadable"
    bc = ext.value
    text = "cA=TRUE" if bc.ca else "cA=FALSE"
    if bc.ca:
        text += f", pathLenConstraint={bc.path_length}" if bc.path_length is not None else ", no path length limit"
    return text + (", critical" if ext.critical else "")


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
        "key_usage": _key_usage(cert),
        "extended_key_usage": _eku_names(cert),
        "basic_constraints": _basic_constraints(cert),
        "is_ca": _is_ca(cert),
        "self_issued": _is_self_issued(cert),
    }


#: _facts results by the identities of their inputs (the same chain, sent list and trust store: the same facts).
_facts_memo: dict[tuple[object, ...], tuple[tuple[object, ...], tuple[CertificateFacts, ...]]] = {}


def _facts(
    chain: Sequence[x509.Certificate], sent: Sequence[x509.Certificate], role: Role, trust: TrustStore, anchored: bool
) -> tuple[CertificateFacts, ...]:
    refs = (trust, *chain, None, *sent)
    key = (role, anchored, *map(id, refs))
    hit = _facts_memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], refs, strict=True)):
        return hit[1]
    facts = _compute_facts(chain, sent, role, trust, anchored)
    if len(_facts_memo) >= _MEMO_SIZE:
        _facts_memo.clear()
    _facts_memo[key] = (refs, facts)  # the entry holds its inputs, so their ids are not reused meanwhile
    return facts


def _compute_facts(
    chain: Sequence[x509.Certificate], sent: Sequence[x509.Certificate], role: Role, trust: TrustStore, anchored: bool
) -> tuple[CertificateFacts, ...]:
    sent_der = {_der(c) for c in sent}
    out: list[CertificateFacts] = []
    for position, cert in enumerate(chain):
        if position == 0:
            what = "leaf"
        elif anchored and position == len(chain) - 1:
            what = "trust anchor"
        else:
            what = "intermediate CA" if _is_ca(cert) else "certificate"
        if _der(cert) in sent_der:
            origin = f"sent by the {role}"
        elif cert in trust:
            origin = f"from the trust store ({trust.source})"
        else:
            origin = "found elsewhere"
        out.append(CertificateFacts(position=position, role=what, origin=origin, **_static_facts(cert)))
    return tuple(out)


def _static_facts(cert: x509.Certificate) -> dict[str, Any]:
    """The :class:`CertificateFacts` fields that depend on the certificate alone (memoized)."""
    memo = _memo(cert)
    if memo.facts is None:
        key_type, key_size = _key_description(cert)
        ku, eku = _key_usage(cert), _eku_names(cert)
        memo.facts = {
            "subject": _label(cert),
            "issuer": cert.issuer.rfc4514_string() or "(empty name)",
            "serial": f"{cert.serial_number:x}",
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
            "key_type": key_type,
            "key_size": key_size,
            "subject_alt_names": tuple(_san_strings(cert)),
            "key_usage": tuple(ku) if ku is not None else None,
            "extended_key_usage": tuple(eku) if eku is not None else None,
            "basic_constraints": _basic_constraints(cert),
            "self_issued": _is_self_issued(cert),
        }
    return memo.facts


# -- the analysis (explanation only; the verdict is cryptography's) ---------------------------------------


@dataclass(frozen=True)
class _Finding:
    check: str
    error: type[CertificateError]
    reason: str
    hint: str
    kind: CertificateKind | None = None  # when the check and class do not say it (errors.CertificateError.kind)


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
                        "self-signed",
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
                        "missing-intermediate",
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


def _analyse(
    leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], ctx: _Context
) -> tuple[list[x509.Certificate], bool, list[_Finding]]:
    """Our own reading of the chain: the path as built, whether it reached an anchor, and every finding."""
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
    return path, anchored, findings


def _diagnose(leaf: x509.Certificate, findings: Sequence[_Finding], ctx: _Context, message: str) -> _Finding:
    """Explain why cryptography rejected the chain. Picks the finding that matches its verdict."""
    category = _category(message)
    quoted = f"cryptography's verifier says: {message}"
    if category is not None:
        for finding in findings:
            if finding.check == category:
                return _Finding(
                    finding.check, finding.error, f"{finding.reason} ({quoted})", finding.hint, finding.kind
                )
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
        return _Finding(first.check, first.error, f"{first.reason} ({quoted})", first.hint, first.kind)
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
            cert = _load_der(bytes(der))
        except (ValueError, TypeError, x509.InvalidVersion) as exc:  # InvalidVersion: not v1 or v3
            _fail(
                "parse",
                BadCertificate,
                f"{what} sent by the {role} is not a valid DER X.509 certificate ({len(der)} bytes): {exc}",
                f"the {role}'s certificate file is damaged or in the wrong format; check it with "
                "`openssl x509 -in FILE -text`",
            )
        certs.append(cert)
    return certs


#: parse_server_name, remembered (ServerIdentity is frozen; a name that does not parse is not remembered).
_parse_name = functools.lru_cache(maxsize=_MEMO_SIZE)(parse_server_name)


def _load_der(der: bytes) -> x509.Certificate:
    """One DER certificate, parsed (or the certificate parsed from the same bytes before)."""
    cert = _parsed.get(der)
    if cert is None:
        cert = load_der_certificate(der)  # shared with the handshake states, which parse the same chains
        # Touch the fields the analysis reads, so that a malformed one fails here, as a parse error.
        cert.not_valid_before_utc, cert.not_valid_after_utc, cert.subject, cert.issuer  # noqa: B018
        if len(_parsed) >= _MEMO_SIZE:
            _parsed.clear()
        _parsed[der] = cert
        _memo(cert).der = der
    return cert


def _name_passed(leaf: x509.Certificate, ctx: _Context) -> CheckResult:
    identity = ctx.identity
    if identity is None:
        if ctx.role == "server":
            return CheckResult(
                "name",
                True,
                "not checked: no server name was given, so any name the certificate covers was accepted",
                "pass a server name to check that the certificate belongs to the host you meant",
                skipped=True,
            )
        return CheckResult("name", True, "not checked: client certificates are not matched to a name", skipped=True)
    kind = "IP address" if identity.is_ip else "name"
    return CheckResult(
        "name",
        True,
        f"the {kind} {identity.text} is covered by the certificate's subjectAltName "
        f"({', '.join(_static_facts(leaf)['subject_alt_names'])})",
    )


def _usage_passed(leaf: x509.Certificate, ctx: _Context) -> CheckResult:
    eku = _static_facts(leaf)["extended_key_usage"]  # None exactly when the extension is absent (_eku_names)
    usage = (
        f"extendedKeyUsage includes {ctx.eku_name}"
        if eku is not None
        else "no extendedKeyUsage extension (any purpose allowed)"
    )
    return CheckResult("usage", True, usage)


#: The success-report entries that do not depend on the time, by the identities of their inputs.
_checks_memo: dict[tuple[object, ...], tuple[tuple[object, ...], tuple[Any, ...]]] = {}


def _success_report(chain: Sequence[x509.Certificate], ctx: _Context, sent: int) -> list[CheckResult]:
    refs = (ctx.trust, ctx.identity, *chain)
    key = (ctx.role, sent, *map(id, refs))
    hit = _checks_memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], refs, strict=True)):
        fixed = hit[1]
    else:
        labels = " -> ".join(_label(c) for c in chain)
        soonest = min(chain, key=lambda c: _static_facts(c)["not_after"])  # not_after is not_valid_after_utc
        not_after = _static_facts(soonest)["not_after"]
        fixed = (
            CheckResult("parse", True, f"the {ctx.role}'s {_plural(sent, 'certificate')} parsed as DER X.509"),
            CheckResult("chain", True, f"{labels}; the last is a trust anchor from {ctx.trust.source}"),
            CheckResult("signature", True, "each certificate's signature verifies with its issuer's key"),
            _name_passed(chain[0], ctx),
            _usage_passed(chain[0], ctx),
            CheckResult("basic constraints", True, "each issuer is a CA (cA=TRUE) within its pathLenConstraint"),
            _label(soonest),
            not_after,
            _when(not_after),
        )
        if len(_checks_memo) >= _MEMO_SIZE:
            _checks_memo.clear()
        _checks_memo[key] = (refs, fixed)  # the entry holds its inputs, so their ids are not reused meanwhile
    parse, chain_check, signature, name, usage, constraints, soonest_label, not_after, not_after_text = fixed
    return [
        parse,
        chain_check,
        signature,
        CheckResult(
            "validity",
            True,
            f"every certificate is valid at {_when(ctx.at)}; the first to expire is {soonest_label} on "
            f"{not_after_text} (in {_span(not_after - ctx.at)})",
        ),
        name,
        usage,
        constraints,
    ]


def _passed_on_failure(name: str, path: Sequence[x509.Certificate], anchored: bool, ctx: _Context) -> CheckResult:
    """A check that found nothing wrong on a chain that failed for another reason."""
    partial = "" if anchored else " (on the path built so far; it does not reach a trust anchor)"
    if name == "chain":
        return CheckResult("chain", True, f"{' -> '.join(_label(c) for c in path)}; the last is a trust anchor")
    if name == "signature":
        return CheckResult("signature", True, f"each certificate's signature verifies with its issuer's key{partial}")
    if name == "validity":
        return CheckResult("validity", True, f"every certificate is valid at {_when(ctx.at)}{partial}")
    if name == "name":
        return _name_passed(path[0], ctx)
    if name == "usage":
        return _usage_passed(path[0], ctx)
    return CheckResult(
        "basic constraints", True, f"each issuer is a CA (cA=TRUE) within its pathLenConstraint{partial}"
    )


def _revocation_checks(result: RevocationResult) -> list[CheckResult]:
    """RFC 5280 section 6.3 / RFC 6960: one report entry per certificate checked for revocation."""
    out: list[CheckResult] = []
    for status in result.statuses:
        detail = status.detail
        if status.notes and status.status in ("good", "revoked"):
            detail += " (also: " + "; ".join(status.notes) + ")"
        out.append(
            CheckResult(
                "revocation",
                status.ok,
                detail,
                status.hint,
                certificate=status.subject,
                skipped=status.status == "not checked",
            )
        )
    return out


def _attach(error: CertificateError, report: ChainReport) -> CertificateError:
    error.report = report
    return error


def report_of(error: BaseException) -> ChainReport | None:
    """The :class:`ChainReport` attached to an error raised by ``verify_*_chain`` (None for other errors)."""
    report = getattr(error, "report", None)
    return report if isinstance(report, ChainReport) else None


def _failure_report(
    certs: Sequence[x509.Certificate], ctx: _Context, message: str, cause: Exception, revocation: str
) -> ChainReport:
    """The report for a chain that cryptography rejected: our analysis explains its verdict."""
    leaf, intermediates = certs[0], certs[1:]
    try:
        path, anchored, findings = _analyse(leaf, intermediates, ctx)
        primary = _diagnose(leaf, findings, ctx, message)
    except Exception:  # the analysis must never turn a rejection into a crash
        path, anchored, findings = [leaf], False, []
        primary = _Finding(
            _category(message) or "chain",
            BadCertificate,
            f"the certificate chain was rejected (cryptography's verifier says: {message})",
            "inspect the certificates with `openssl x509 -text` against the message above",
        )
    error = primary.error(primary.reason, check=primary.check, step=STEP, hint=primary.hint, kind=primary.kind)
    error.__cause__ = cause
    checks = [CheckResult("parse", True, f"the {ctx.role}'s {_plural(len(certs), 'certificate')} parsed as DER X.509")]
    for name in CHECK_NAMES[1:-1]:
        failing = [primary] if primary.check == name else []
        failing += [f for f in findings if f.check == name and not primary.reason.startswith(f.reason)]
        if failing:
            checks += [CheckResult(name, False, f.reason, f.hint) for f in failing]
        else:
            checks.append(_passed_on_failure(name, path, anchored, ctx))
    checks.append(
        CheckResult(
            "revocation",
            True,
            "not checked: the chain did not validate, so the issuers that sign revocation data are not established",
            skipped=True,
        )
    )
    used = {_der(c) for c in path}
    report = ChainReport(
        role=ctx.role,
        ok=False,
        server_name=ctx.identity.text if ctx.identity is not None else None,
        at=ctx.at,
        trust_source=ctx.trust.source,
        revocation_policy=revocation,
        certificates=_facts(path, certs, ctx.role, ctx.trust, anchored),
        checks=tuple(checks),
        anchored=anchored,
        unused=tuple(_label(c) for c in certs if _der(c) not in used),
        verifier_said=message,
        error=error,
        chain=tuple(path),
    )
    _attach(error, report)
    return report


def _explain(
    chain_der: Sequence[bytes],
    *,
    role: Role,
    server_name: str | None,
    trust: TrustStore,
    at: datetime,
    max_depth: int,
    revocation: RevocationPolicy,
    crls: Sequence[x509.CertificateRevocationList],
    ocsp_response: bytes | None,
) -> ChainReport:
    if max_depth < 0:
        raise UsageError(f"max_depth must be 0 or more, not {max_depth}")
    if revocation not in REVOCATION_POLICIES:
        raise UsageError(f"revocation must be one of {', '.join(REVOCATION_POLICIES)}, not {revocation!r}")
    identity = _parse_name(server_name) if server_name is not None else None
    ctx = _Context(role=role, trust=trust, at=_utc(at), identity=identity, max_depth=max_depth)
    try:
        certs = _parse_chain(chain_der, role)
    except CertificateError as exc:
        checks = [CheckResult("parse", False, exc.reason, exc.hint)]
        checks += [
            CheckResult(name, True, "not checked: the chain could not be read", skipped=True)
            for name in CHECK_NAMES[1:]
        ]
        report = ChainReport(
            role=role,
            ok=False,
            server_name=identity.text if identity is not None else None,
            at=ctx.at,
            trust_source=trust.source,
            revocation_policy=revocation,
            certificates=(),
            checks=tuple(checks),
            anchored=False,
            error=exc,
        )
        _attach(exc, report)
        return report
    leaf, intermediates = certs[0], certs[1:]
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
        return _failure_report(certs, ctx, str(exc), exc, revocation)
    verified = tuple(chain)
    checks = _success_report(verified, ctx, len(certs))
    # RFC 5280 section 6.3, RFC 6960: revocation, on the chain cryptography built.
    rev = check_revocation(verified, policy=revocation, crls=crls, ocsp_response=ocsp_response, at=ctx.at, role=role)
    checks += _revocation_checks(rev)
    used = {_der(c) for c in verified}
    report = ChainReport(
        role=role,
        ok=rev.error is None,
        server_name=identity.text if identity is not None else None,
        at=ctx.at,
        trust_source=trust.source,
        revocation_policy=revocation,
        certificates=_facts(verified, certs, role, trust, True),
        checks=tuple(checks),
        anchored=True,
        unused=tuple(_label(c) for c in certs if _der(c) not in used),
        error=rev.error,
        chain=verified,
        revocation=rev,
    )
    if rev.error is not None:
        _attach(rev.error, report)
    return report


def explain_chain(
    chain_der: Sequence[bytes],
    *,
    role: Role = "server",
    server_name: str | None = None,
    trust: TrustStore,
    at: datetime,
    max_depth: int = 8,
    revocation: RevocationPolicy = "soft-fail",
    crls: Sequence[x509.CertificateRevocationList] = (),
    ocsp_response: bytes | None = None,
) -> ChainReport:
    """The verification report for a chain (leaf first, as sent), valid or not. Never raises for anything in
    the chain, the CRLs or the OCSP response; ``report.ok`` is the verdict and ``report.error`` the error that
    ``verify_*_chain`` would raise. Caller mistakes raise: an invalid ``server_name`` (ConfigError), a
    negative ``max_depth`` or unknown ``revocation`` policy (UsageError). ``role="client"`` checks a client
    chain (clientAuth, no name).
    """
    if role not in ("server", "client"):
        raise UsageError(f"role must be 'server' or 'client', not {role!r}")
    return _explain(
        chain_der,
        role=role,
        server_name=server_name if role == "server" else None,
        trust=trust,
        at=at,
        max_depth=max_depth,
        revocation=revocation,
        crls=crls,
        ocsp_response=ocsp_response,
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


def _proof(report: ChainReport) -> VerifiedChain:
    if report.error is not None:
        raise report.error
    return VerifiedChain._make(
        _PROOF_TOKEN,
        chain=report.chain,
        checks=report.checks,
        trust_source=report.trust_source,
        server_name=report.server_name,
        report=report,
    )


def verify_server_chain(
    chain_der: Sequence[bytes],
    *,
    server_name: str | None,
    trust: TrustStore,
    at: datetime,
    max_depth: int = 8,
    revocation: RevocationPolicy = "soft-fail",
    crls: Sequence[x509.CertificateRevocationList] = (),
    ocsp_response: bytes | None = None,
) -> VerifiedChain:
    """Verify a server's Certificate chain (RFC 8446 section 4.4.2.4, RFC 5246 section 7.4.2).

    ``chain_der``: leaf first, as sent. ``server_name``: a DNS name or IP literal to match (RFC 6125), or
    None to skip the name check (recorded in the report). ``at``: the time of the check (injected, never the
    clock). ``max_depth``: the most intermediate certificates allowed. ``revocation``: "off", "soft-fail" or
    "hard-fail" (see glasstls.pki.revocation); ``crls``: CRLs to consult; ``ocsp_response``: the DER OCSP
    response the server stapled (TLS 1.3 CertificateEntry status_request, TLS 1.2 CertificateStatus).

    Raises a :class:`~glasstls.errors.CertificateError` subclass with ``check``, ``reason`` and ``hint``, and
    the full report attached (:func:`report_of`).
    """
    report = _explain(
        chain_der,
        role="server",
        server_name=server_name,
        trust=trust,
        at=at,
        max_depth=max_depth,
        revocation=revocation,
        crls=crls,
        ocsp_response=ocsp_response,
    )
    return _proof(report)


def verify_client_chain(
    chain_der: Sequence[bytes],
    *,
    trust: TrustStore,
    at: datetime,
    max_depth: int = 8,
    revocation: RevocationPolicy = "soft-fail",
    crls: Sequence[x509.CertificateRevocationList] = (),
    ocsp_response: bytes | None = None,
) -> VerifiedChain:
    """Verify a client's Certificate chain (RFC 8446 section 4.4.2.4): trusted, valid, extendedKeyUsage
    clientAuth, not revoked. Client certificates are not matched to a name. Errors as for
    :func:`verify_server_chain`."""
    report = _explain(
        chain_der,
        role="client",
        server_name=None,
        trust=trust,
        at=at,
        max_depth=max_depth,
        revocation=revocation,
        crls=crls,
        ocsp_response=ocsp_response,
    )
    return _proof(report)
