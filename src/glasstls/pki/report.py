"""The verification report: each check with its outcome, the facts of each certificate, the verdict.

:class:`ChainReport` is what ``explain_chain`` returns for valid and invalid chains alike; :class:`VerifiedChain`
is the proof object ``verify_*_chain`` return (DESIGN rule 3). The names are re-exported by ``pki.verify``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from cryptography import x509

from glasstls.errors import CertificateError, UsageError
from glasstls.pki.revocation import RevocationResult, _when

__all__ = [
    "CHECK_NAMES",
    "MAX_PEER_CERTIFICATES",
    "STEP",
    "CertificateFacts",
    "ChainReport",
    "CheckResult",
    "Role",
    "VerifiedChain",
]

STEP = "certificate verification"

CheckName = Literal[
    "parse", "chain", "signature", "validity", "name", "usage", "basic constraints", "profile", "revocation"
]
#: The checks of a report, in order. "profile": the certificate profile's rules (pki/certificate_profile.py),
#: checked on a chain that path validation accepted.
CHECK_NAMES: tuple[CheckName, ...] = (
    "parse",
    "chain",
    "signature",
    "validity",
    "name",
    "usage",
    "basic constraints",
    "profile",
    "revocation",
)

#: A peer's Certificate message may carry at most this many certificates (a named limit on attacker-driven
#: work). Real chains have 2-4, but servers also send cross-signs, old roots and whole CA bundles, out of order
#: (RFC 8446 section 4.4.2 permits extra certificates); a valid short path must not be refused because of them,
#: so the bound is generous. The work stays bounded: each certificate is parsed once, and only those that chain
#: by name from the leaf, at most pki.paths.MAX_CANDIDATES_PER_ISSUER per issuer, reach the path builder.
MAX_PEER_CERTIFICATES = 100

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
    #: A profile rule's stable identifier and citation (pki/certificate_profile.py), for "profile" entries.
    rule: str | None = None
    citation: str | None = None

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
            "rule": self.rule,
            "citation": self.citation,
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
    ``profile``: the certificate profile applied ("web" or "rfc5280", pki/certificate_profile.py);
    ``profile_rules``: each rule checked as (identifier, citation, outcome). ``issuer_not_found``: when the path
    stopped because the leaf's issuer was found neither among the certificates sent nor in the trust store, what
    is known of that issuer (its name, the leaf's authorityKeyIdentifier, the caIssuers URL of its authorityInfoAccess).
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
    profile: str = "web"
    profile_rules: tuple[tuple[str, str, str], ...] = ()
    issuer_not_found: dict[str, str | None] | None = None
    #: The chain came from files (``glasstls verify``), not from a peer.
    offline: bool = False

    @property
    def decided_by(self) -> str | None:
        """What decided a rejection: path validation, the profile (and which rule), revocation, or parsing."""
        error = self.error
        if error is None:
            return None
        if error.check == "profile":
            rule = next((c.rule for c in self.checks if c.name == "profile" and not c.ok and c.rule), None)
            return f"the {self.profile} certificate profile, rule {rule}"
        if error.check == "revocation":
            return f"revocation checking (policy {self.revocation_policy})"
        if error.check == "parse":
            return "parsing the certificates"
        return "RFC 5280 path validation (cryptography.x509.verification)"

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
            "profile": self.profile,
            "profile_rules": [
                {"id": rule, "citation": citation, "outcome": outcome} for rule, citation, outcome in self.profile_rules
            ],
            "decided_by": self.decided_by,
            "issuer_not_found": self.issuer_not_found,
        }

    def to_text(self) -> str:
        """The report as plain text: the chain with each certificate's facts, then the checks, then the verdict."""
        who = f"{self.role} certificate chain" + (f" for {self.server_name}" if self.server_name else "")
        lines = [
            f"{who}, checked at {_when(self.at)} against {self.trust_source}",
            f"profile: {_PROFILE_WORDS.get(self.profile, self.profile)}",
            "",
            "chain as built:",
        ]
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
            lines.append(f"  ({'given' if self.offline else 'sent'} but not used: {label})")
        lines += ["", "checks:"]
        marks = {"passed": "[ok]  ", "failed": "[FAIL]", "skipped": "[--]  "}
        for check in self.checks:
            rule = f" [{check.rule}, {check.citation}]" if check.rule and not check.ok else ""
            lines.append(f"  {marks[check.outcome]} {check.name}: {check.detail}{rule}")
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
            lines.append(f"  decided by: {self.decided_by}")
        return "\n".join(lines) + "\n"


_PROFILE_WORDS = {
    "web": "web (CA/Browser Forum Baseline Requirements and RFC 5280 section 4, on top of path validation)",
    "rfc5280": "rfc5280 (RFC 5280 section 4 rules only, on top of path validation)",
}

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

    def __init__(self, token: object = None, report: ChainReport | None = None, **fields: object) -> None:
        """Made by ``pki.verify`` alone, from the report of a chain that passed every check: any other call (the
        fields given one by one, ``dataclasses.replace``) is refused."""
        if token is not _PROOF_TOKEN or report is None or fields:
            raise UsageError(
                "VerifiedChain is a proof object: only verify_server_chain() and verify_client_chain() make one"
            )
        object.__setattr__(self, "chain", report.chain)
        object.__setattr__(self, "checks", report.checks)
        object.__setattr__(self, "trust_source", report.trust_source)
        object.__setattr__(self, "server_name", report.server_name)
        object.__setattr__(self, "report", report)

    def __copy__(self) -> VerifiedChain:
        return self  # immutable, and made only by pki.verify: a copy is the proof itself

    def __deepcopy__(self, memo: dict[int, object]) -> VerifiedChain:
        return self

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
