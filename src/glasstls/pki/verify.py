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
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from cryptography import x509
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, VerificationError

from glasstls.crypto.keys import load_der_certificate
from glasstls.errors import (
    BadCertificate,
    CertificateError,
    ConfigError,
    UnsupportedCertificate,
    UsageError,
)
from glasstls.pki.analysis import _analyse, _category, _Context, _diagnose, _Finding
from glasstls.pki.certificate_profile import PROFILES, ProfileName, Violation, profile_violations, rules_for
from glasstls.pki.client_identity import client_names, match_client_identity
from glasstls.pki.facts import (
    _MEMO_SIZE,
    _der,
    _ext,
    _facts,
    _label,
    _memo,
    _parsed,
    _plural,
    _static_facts,
    _utc,
    describe_certificate,
)
from glasstls.pki.names import ServerIdentity, parse_server_name
from glasstls.pki.paths import select_intermediates
from glasstls.pki.report import (
    _PROOF_TOKEN,
    CHECK_NAMES,
    MAX_PEER_CERTIFICATES,
    STEP,
    CertificateFacts,
    ChainReport,
    CheckResult,
    Role,
    VerifiedChain,
)
from glasstls.pki.revocation import REVOCATION_POLICIES, RevocationResult, _span, _when, check_revocation
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
    """RFC 5280 section 6.3 / RFC 6960: one report entry per certificate checked for revocation (made once per
    result: check_revocation hands the same result back for the same chain when no CRL or staple is involved)."""
    hit = _revocation_memo.get(id(result))
    if hit is not None and hit[0] is result:
        return list(hit[1])
    out = _revocation_entries(result)
    if len(_revocation_memo) >= _MEMO_SIZE:
        _revocation_memo.clear()
    _revocation_memo[id(result)] = (result, tuple(out))  # holds the result, so its id is not reused meanwhile
    return out


#: _revocation_checks' entries by the identity of the result they describe.
_revocation_memo: dict[int, tuple[RevocationResult, tuple[CheckResult, ...]]] = {}


def _revocation_entries(result: RevocationResult) -> list[CheckResult]:
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
    certs: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    ctx: _Context,
    message: str,
    cause: Exception,
    revocation: str,
) -> ChainReport:
    """The report for a chain that cryptography rejected: our analysis explains its verdict."""
    leaf = certs[0]
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
    for name in CHECK_NAMES[1:-2]:
        failing = [primary] if primary.check == name else []
        failing += [f for f in findings if f.check == name and not primary.reason.startswith(f.reason)]
        if failing:
            checks += [CheckResult(name, False, f.reason, f.hint) for f in failing]
        else:
            checks.append(_passed_on_failure(name, path, anchored, ctx))
    checks.append(
        CheckResult("profile", True, f"not checked: the chain did not validate ({ctx.profile} profile)", skipped=True)
    )
    checks.append(
        CheckResult(
            "revocation",
            True,
            "not checked: the chain did not validate, so the issuers that sign revocation data are not established",
            skipped=True,
        )
    )
    not_found = next((f.issuer_facts for f in [primary, *findings] if f.issuer_facts is not None), None)
    used = {_der(c) for c in path}
    report = ChainReport(
        role=ctx.role,
        ok=False,
        server_name=ctx.identity.text if ctx.identity is not None else None,
        at=ctx.at,
        trust_source=ctx.trust.source,
        revocation_policy=revocation,
        certificates=_facts(path, certs, ctx.role, ctx.trust, anchored, ctx.offline),
        checks=tuple(checks),
        anchored=anchored,
        unused=tuple(_label(c) for c in certs if _der(c) not in used),
        verifier_said=message,
        error=error,
        chain=tuple(path),
        profile=ctx.profile,
        issuer_not_found=not_found,
        offline=ctx.offline,
    )
    _attach(error, report)
    return report


def _profile_checks(
    chain: Sequence[x509.Certificate], ctx: _Context
) -> tuple[list[CheckResult], CertificateError | None, tuple[tuple[str, str, str], ...]]:
    """The profile's rules on a validated chain (pki/certificate_profile.py): report entries, the error, and each
    rule's outcome."""
    key = (ctx.profile, ctx.role, *map(id, chain))
    hit = _profile_memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], chain, strict=True)):
        violations, outcomes = hit[1], hit[2]
    else:
        violations = profile_violations(chain, role=ctx.role, profile=ctx.profile)
        failed = {v.rule.id for v in violations}
        skipped = len(chain) < 2
        outcomes = tuple(
            (r.id, r.citation, "failed" if r.id in failed else "skipped" if skipped else "passed")
            for r in rules_for(ctx.profile, ctx.role)
        )
        if len(_profile_memo) >= _MEMO_SIZE:
            _profile_memo.clear()
        # The entry holds the chain, so its ids are not reused meanwhile.
        _profile_memo[key] = (tuple(chain), violations, outcomes)
    direct = len(chain) < 2
    if direct:
        entry = CheckResult(
            "profile",
            True,
            f"not checked: {_label(chain[0])} is itself a trust anchor, trusted directly (RFC 5280 section 6.1.1 (d))",
            skipped=True,
        )
        return [entry], None, outcomes
    if not violations:
        scope = _PROFILE_SCOPE[f"{ctx.profile} client" if ctx.role == "client" else ctx.profile]
        return (
            [CheckResult("profile", True, f"the {ctx.profile} profile's {len(outcomes)} rules hold ({scope})")],
            None,
            outcomes,
        )
    checks = [
        CheckResult(
            "profile",
            False,
            f"{v.certificate}: {v.reason}",
            v.hint,
            certificate=v.certificate,
            rule=v.rule.id,
            citation=v.rule.citation,
        )
        for v in violations
    ]
    first = violations[0]
    # A key or a purpose the profile forbids is a certificate of an unsupported type (RFC 8446 section 6.2
    # unsupported_certificate, as for keyUsage/extendedKeyUsage); any other broken rule is bad_certificate.
    error_class: type[CertificateError] = (
        UnsupportedCertificate if first.rule.kind in ("key", "usage") else BadCertificate
    )
    error = error_class(
        f"the {ctx.role}'s certificate {first.certificate} breaks the {ctx.profile} certificate profile: "
        f"{first.reason} ({first.rule.citation}: {first.rule.requires})",
        check="profile",
        step=STEP,
        hint=first.hint
        + (
            f" (or, for a private PKI, use the rfc5280 profile: --{_PROFILE_OPTION[ctx.role, ctx.offline]} rfc5280)"
            if ctx.profile == "web" and "webpki." in first.rule.id
            else ""
        ),
        kind="profile-violation",
    )
    # The report entry for the deciding rule says exactly what the error says.
    checks[0] = CheckResult(
        "profile",
        False,
        error.reason,
        error.hint,
        certificate=first.certificate,
        rule=first.rule.id,
        citation=first.rule.citation,
    )
    return checks, error, outcomes


_PROFILE_SCOPE = {
    "web": "key sizes and curves, commonName, extendedKeyUsage, wildcards on public suffixes, key identifiers, "
    "serial numbers, critical constraints",
    "rfc5280": "key identifiers, serial numbers, critical constraints",
    "web client": "key sizes and curves, the root's extendedKeyUsage, key identifiers, serial numbers, critical "
    "constraints",
    "rfc5280 client": "key identifiers, serial numbers, critical constraints",
}
#: The option that chooses the profile, by (role, offline): connect's for server chains, serve's for client
#: chains, and verify's (``--profile``, with ``--client``) for chains given in files.
_PROFILE_OPTION = {
    ("server", False): "profile",
    ("client", False): "client-profile",
    ("server", True): "profile",
    ("client", True): "profile",
}

#: profile_violations results and each rule's outcome, by (profile, role, chain identities).
_profile_memo: dict[
    tuple[object, ...],
    tuple[tuple[x509.Certificate, ...], list[Violation], tuple[tuple[str, str, str], ...]],
] = {}


def _client_identity_check(leaf: x509.Certificate, ctx: _Context) -> tuple[CheckResult, CertificateError | None]:
    """The server's expected client identities (``client_names``) against the verified client certificate."""
    match = match_client_identity(leaf, ctx.client_names)
    expected = ", ".join(ctx.client_names)
    if match is not None:
        entry, wanted = match
        return CheckResult("name", True, f"the client certificate's {entry} is the accepted identity {wanted}"), None
    carried = ", ".join(client_names(leaf)) or "no names"
    reason = (
        f"the client certificate {_label(leaf)} is not one of the identities this server accepts ({expected}): "
        f"it carries {carried} (subjectAltName and subject commonName)"
    )
    hint = (
        "the client must present a certificate for an accepted identity; or, if this client should be let in, add "
        "its name to the accepted identities (--client-identity)"
    )
    error = BadCertificate(reason, check="name", step=STEP, hint=hint, kind="wrong-client-identity")
    return CheckResult("name", False, reason, hint), error


def _client_policies(builder: PolicyBuilder) -> PolicyBuilder:
    """Client certificates need no subjectAltName: many carry their identity in the subject CN only (enterprise
    mutual TLS). RFC 5280 section 4.2.1.6 makes the extension optional when the subject is not empty; the
    CA/Browser Forum profile's requirement is for server certificates. Everything else stays the web PKI default."""
    ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
    return builder.extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee)


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
    profile: ProfileName | None = None,
    client_identities: Sequence[str] = (),
    offline: bool = False,
) -> ChainReport:
    if max_depth < 0:
        raise UsageError(f"max_depth must be 0 or more, not {max_depth}")
    if revocation not in REVOCATION_POLICIES:
        raise UsageError(f"revocation must be one of {', '.join(REVOCATION_POLICIES)}, not {revocation!r}")
    chosen: ProfileName = profile if profile is not None else ("web" if role == "server" else "rfc5280")
    if chosen not in PROFILES:
        raise UsageError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    identity = _parse_name(server_name) if server_name is not None else None
    ctx = _Context(
        role=role,
        trust=trust,
        at=_utc(at),
        identity=identity,
        max_depth=max_depth,
        client_names=tuple(client_identities),
        profile=chosen,
        offline=offline,
    )
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
            profile=chosen,
        )
        _attach(exc, report)
        return report
    leaf = certs[0]
    # Only the certificates that can be on a path from the leaf go to the path builder (pki/paths.py).
    intermediates = select_intermediates(leaf, certs[1:], max_depth)
    builder = PolicyBuilder().store(trust.to_store()).time(ctx.at).max_chain_depth(max_depth)
    verifier = None
    if identity is not None:
        try:
            verifier = builder.build_server_verifier(identity.to_subject())
        except ValueError as bad_name:  # the caller's name, not the peer's fault
            raise ConfigError(f"server name {server_name!r} cannot be verified: {bad_name}") from bad_name
    try:
        if role == "server":
            if verifier is None:
                # cryptography's server verifier always checks a name. With no name, verify against a name
                # the leaf covers: every check but the name is still made.
                chain = _verify_server_without_name(builder, leaf, intermediates)
            else:
                chain = verifier.verify(leaf, intermediates)
        else:
            chain = _client_policies(builder).build_client_verifier().verify(leaf, intermediates).chain
    except (VerificationError, ValueError) as refusal:
        return _failure_report(certs, intermediates, ctx, str(refusal), refusal, revocation)
    verified = tuple(chain)
    checks = _success_report(verified, ctx, len(certs))
    identity_error = None
    if role == "client" and ctx.client_names:
        names_check, identity_error = _client_identity_check(leaf, ctx)
        checks = [names_check if c.name == "name" else c for c in checks]
    profile_entries, profile_error, outcomes = _profile_checks(verified, ctx)
    checks += profile_entries
    # RFC 5280 section 6.3, RFC 6960: revocation, on the chain cryptography built.
    rev = check_revocation(verified, policy=revocation, crls=crls, ocsp_response=ocsp_response, at=ctx.at, role=role)
    checks += _revocation_checks(rev)
    # What decides, in order: the identity the server asked for, the profile, then revocation.
    error = identity_error or profile_error or rev.error
    used = {_der(c) for c in verified}
    report = ChainReport(
        role=role,
        ok=error is None,
        server_name=identity.text if identity is not None else None,
        at=ctx.at,
        trust_source=trust.source,
        revocation_policy=revocation,
        certificates=_facts(verified, certs, role, trust, True, offline),
        checks=tuple(checks),
        anchored=True,
        unused=tuple(_label(c) for c in certs if _der(c) not in used),
        error=error,
        chain=verified,
        revocation=rev,
        profile=chosen,
        profile_rules=outcomes,
        offline=offline,
    )
    if error is not None:
        _attach(error, report)
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
    profile: ProfileName | None = None,
    client_identities: Sequence[str] = (),
    offline: bool = False,
) -> ChainReport:
    """The verification report for a chain (leaf first, as sent), valid or not. Never raises for anything in
    the chain, the CRLs or the OCSP response; ``report.ok`` is the verdict and ``report.error`` the error that
    ``verify_*_chain`` would raise. Caller mistakes raise: an invalid ``server_name`` (ConfigError), a
    negative ``max_depth``, an unknown ``revocation`` policy or ``profile`` (UsageError). ``role="client"``
    checks a client chain (clientAuth; ``client_identities``: the names accepted, none: any). ``profile``:
    "web" or "rfc5280" (pki/certificate_profile.py); default "web" for servers, "rfc5280" for clients.
    ``offline``: the chain was given in files (``glasstls verify``), not sent by a peer: the report says "given".
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
        profile=profile,
        client_identities=client_identities if role == "client" else (),
        offline=offline,
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
    return VerifiedChain(_PROOF_TOKEN, report)


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
    profile: ProfileName = "web",
) -> VerifiedChain:
    """Verify a server's Certificate chain (RFC 8446 section 4.4.2.4, RFC 5246 section 7.4.2).

    ``chain_der``: leaf first, as sent. ``server_name``: a DNS name or IP literal to match (RFC 6125), or
    None to skip the name check (recorded in the report). ``at``: the time of the check (injected, never the
    clock). ``max_depth``: the most intermediate certificates allowed. ``revocation``: "off", "soft-fail" or
    "hard-fail" (see glasstls.pki.revocation); ``crls``: CRLs to consult; ``ocsp_response``: the DER OCSP
    response the server stapled (TLS 1.3 CertificateEntry status_request, TLS 1.2 CertificateStatus).
    ``profile``: the certificate profile on top of path validation: "web" (CA/Browser Forum Baseline
    Requirements, the default) or "rfc5280" (pki/certificate_profile.py).

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
        profile=profile,
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
    identities: Sequence[str] = (),
    profile: ProfileName = "rfc5280",
) -> VerifiedChain:
    """Verify a client's Certificate chain (RFC 8446 section 4.4.2.4): trusted, valid, extendedKeyUsage
    clientAuth (when the certificate has the extension), not revoked. A subjectAltName is not required.
    ``identities``: the client identities the server accepts (a name in the certificate's subjectAltName or
    subject CN, pki/client_identity.py); empty: any client the trust store vouches for. Errors as for
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
        profile=profile,
        client_identities=identities,
    )
    return _proof(report)
