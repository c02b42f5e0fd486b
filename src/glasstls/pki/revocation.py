"""Revocation: is a certificate on a validated chain still good? CRLs (RFC 5280) and OCSP staples (RFC 6960).

Nothing here fetches anything from the network: CRLs are the ones the user configured (files or a
directory, :func:`load_crls`), and the OCSP response is the one the peer stapled (RFC 6066 section 8,
RFC 8446 section 4.4.2.1). :func:`check_revocation` runs on a chain that path validation already accepted
(leaf first, trust anchor last), so each certificate's issuer is known; trust anchors themselves are trusted
directly and never checked (RFC 5280 section 6.1.1 (d)).

**CRLs** (RFC 5280 section 6.3.3). A CRL is used for a certificate when its issuer name is the certificate's
issuer and it passes every check: the issuer's key verifies its signature (6.3.3 (g)); the issuer has
cRLSign when it has a keyUsage extension (6.3.3 (f), section 4.2.1.3); the cRLNumber is present and not
critical (section 5.2.3); thisUpdate is not in the future and nextUpdate is present and not past (6.3.3 (a)(2),
section 5.1.2.5); no unsupported critical extension (section 5.2), no delta CRL (5.2.4) or partitioned CRL
(5.2.5). A CRL that fails a check is *ignored* and the reason noted: the status it would give is undetermined
(6.3.3 (k)); if no usable CRL from the same issuer is configured, the check fails (see Errors). The leaf and
every intermediate are checked.

**OCSP staple** (RFC 6960, leaf only). Accepted when: it parses and its responseStatus is successful (4.2.1);
a SingleResponse's CertID matches the leaf (issuer name hash, issuer key hash, serial; 3.2 (1), 4.1.1); it
is signed by the issuer, or by a responder certificate the issuer issued with id-kp-OCSPSigning that is valid
now (3.2 (2)-(4), 4.2.2.2); thisUpdate is not in the future and nextUpdate, when present, not past (3.2 (5),
(6), 4.2.2.1). Its certStatus is then good, revoked or unknown (4.2.1).

**Policy.** ``"off"``: nothing is checked. ``"soft-fail"`` (the default): use whatever status is available and
reject only what is proven revoked. ``"hard-fail"``: additionally require a fresh status for the leaf.

**Errors, and why these alerts** (the alert comes with the error class, glasstls/errors.py):

* revoked by a usable CRL or staple: :class:`~glasstls.errors.CertificateRevoked` (certificate_revoked,
  RFC 8446 section 6.2), under soft-fail and hard-fail.
* the peer stapled a response that is unusable (unparsable, unsuccessful, another certificate's, stale, badly
  signed): :class:`BadCertificateStatusResponse` (bad_certificate_status_response) under soft-fail *and*
  hard-fail. RFC 6066 section 8 says a client that receives an unsatisfactory staple MUST abort with this
  alert, and RFC 8446 section 6.2 defines it for "an invalid or unacceptable OCSP response provided by the
  server". It is the peer's fault, and the alert tells its operator exactly what to fix.
* hard-fail and no usable status for the leaf (nothing stapled, no applicable CRL, or OCSP said "unknown"):
  :class:`~glasstls.errors.CertificateUnknown` (certificate_unknown). There is no invalid response to blame,
  so bad_certificate_status_response would be wrong; certificate_unknown is RFC 8446's "some other issue
  arose in processing the certificate, rendering it unacceptable".

* a configured CRL from the certificate's issuer that cannot be used (no cRLNumber or a critical one, an
  issuer without cRLSign, a bad signature, stale, ...; RFC 5280 sections 5.2.3, 6.3.3) and no usable CRL
  from that issuer beside it: :class:`~glasstls.errors.CertificateUnknown` (certificate_unknown, kind
  ``unusable-crl``) under soft-fail *and* hard-fail. The user asked for that status and it is broken; soft-fail
  covers "no status available", not "the status I was given is broken". It is not the peer's fault, so no
  alert that blames the peer's data (bad_certificate_status_response) fits; certificate_unknown does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID

from glasstls.crypto.keys import certificate_serial
from glasstls.errors import (
    BadCertificateStatusResponse,
    CertificateError,
    CertificateKind,
    CertificateRevoked,
    CertificateUnknown,
    UsageError,
)
from glasstls.pki.crl_files import load_crl_file, load_crls

if TYPE_CHECKING:
    from glasstls.config import RevocationPolicy

__all__ = [
    "CLOCK_SKEW",
    "MAX_OCSP_AGE_WITHOUT_NEXT_UPDATE",
    "REVOCATION_POLICIES",
    "BadCertificateStatusResponse",
    "CertificateStatus",
    "RevocationResult",
    "certificate_label",
    "check_revocation",
    "describe_ocsp_response",
    "load_crl_file",
    "load_crls",
]

STEP = "certificate verification"

REVOCATION_POLICIES: tuple[str, ...] = ("off", "soft-fail", "hard-fail")

#: How far in the future a thisUpdate may lie and still be accepted (clocks differ a little).
CLOCK_SKEW = timedelta(minutes=5)
#: An OCSP response without nextUpdate is accepted for this long after its thisUpdate (RFC 6960 section 4.2.2.1
#: leaves it to local policy).
MAX_OCSP_AGE_WITHOUT_NEXT_UPDATE = timedelta(days=7)


Status = Literal["good", "revoked", "unknown", "not checked"]


@dataclass(frozen=True)
class CertificateStatus:
    """The revocation status of one certificate on the chain, and how it was (or was not) established.

    ``position``: 0 for the leaf, 1 for the first intermediate... ``status``: "good", "revoked", "unknown"
    (no usable status) or "not checked" (policy off). ``source``: the CRL or OCSP response that gave it.
    ``ok``: whether this status is acceptable under the policy. ``notes``: sources that were ignored and why.
    """

    position: int
    subject: str
    serial: int
    status: Status
    ok: bool
    detail: str
    hint: str | None = None
    source: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevocationResult:
    """What :func:`check_revocation` found: one status per checked certificate, and the error if any."""

    policy: str
    statuses: tuple[CertificateStatus, ...]
    error: CertificateError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# -- small helpers ---------------------------------------------------------------------------------------


#: Bound on the memo tables below (emptied when full: peers send ever new certificates at no gain).
_MEMO_SIZE = 512
#: certificate_label results by certificate identity; each entry holds its certificate, so an id is not reused
#: while its entry exists.
_labels: dict[int, tuple[x509.Certificate, str]] = {}


def certificate_label(cert: x509.Certificate) -> str:
    """How reports name a certificate: its subject (RFC 4514), or its serial when the subject is empty.
    Made once per certificate object (the same chains and anchors come back on every connection); pki.verify
    names certificates with it too."""
    hit = _labels.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    subject = cert.subject.rfc4514_string()
    label = subject if subject else f"(empty subject, serial {certificate_serial(cert):#x})"
    if len(_labels) >= _MEMO_SIZE:
        _labels.clear()
    _labels[id(cert)] = (cert, label)
    return label


_label = certificate_label


def _name(name: x509.Name) -> str:
    return name.rfc4514_string() or "(empty name)"


def _when(moment: datetime) -> str:  # "%Y-%m-%d %H:%M:%S UTC" without libc strftime (~5 us a call in situ)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "seconds") + " UTC"


def _span(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}" + ("" if n == 1 else "s")
    return f"{seconds} second" + ("" if seconds == 1 else "s")


def _ext(obj: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[x509.ExtensionType] | None:
    try:
        return obj.extensions.get_extension_for_class(kind)
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None


def _verify_signature(
    key: object, signature: bytes, data: bytes, hash_algorithm: hashes.HashAlgorithm | None, oid: x509.ObjectIdentifier
) -> bool:
    """Whether ``key`` verifies ``signature`` over ``data`` (the algorithm named by ``oid``)."""
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if hash_algorithm is None:
                return False
            pad: padding.AsymmetricPadding
            if oid == SignatureAlgorithmOID.RSASSA_PSS:
                pad = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, data, pad, hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if hash_algorithm is None:
                return False
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


_REASONS = {
    x509.ReasonFlags.unspecified: "unspecified",
    x509.ReasonFlags.key_compromise: "keyCompromise",
    x509.ReasonFlags.ca_compromise: "cACompromise",
    x509.ReasonFlags.affiliation_changed: "affiliationChanged",
    x509.ReasonFlags.superseded: "superseded",
    x509.ReasonFlags.cessation_of_operation: "cessationOfOperation",
    x509.ReasonFlags.certificate_hold: "certificateHold",
    x509.ReasonFlags.privilege_withdrawn: "privilegeWithdrawn",
    x509.ReasonFlags.aa_compromise: "aACompromise",
    x509.ReasonFlags.remove_from_crl: "removeFromCRL",
}


# -- CRLs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    """What one source (a CRL or the staple) says about one certificate; ``problem`` set when unusable."""

    source: str
    kind: Literal["crl", "ocsp"]
    status: Literal["good", "revoked", "unknown"] | None = None
    problem: str | None = None
    revoked_at: datetime | None = None
    reason: str | None = None


def _crl_source(crl: x509.CertificateRevocationList) -> str:
    number = "no number"
    try:
        number = f"number {crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number}"
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension):
        pass
    return f"the CRL from {_name(crl.issuer)} ({number}, issued {_when(crl.last_update_utc)})"


def _crl_problem(
    crl: x509.CertificateRevocationList, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
) -> str | None:
    """Why ``crl`` cannot be used for ``cert`` (RFC 5280 section 6.3.3), or None when it can."""
    who = _label(issuer)
    try:
        extensions = list(crl.extensions)
    except (ValueError, x509.DuplicateExtension) as exc:
        return f"its extensions cannot be read ({exc})"
    # RFC 5280 section 5.2.3: conforming CRL issuers MUST include the cRLNumber and mark it non-critical.
    number = next((e for e in extensions if isinstance(e.value, x509.CRLNumber)), None)
    if number is None:
        return "it has no cRLNumber extension, which every CRL must carry (RFC 5280 section 5.2.3)"
    if number.critical:
        return "its cRLNumber extension is marked critical, which RFC 5280 section 5.2.3 forbids"
    for e in extensions:
        # RFC 5280 section 5.2.4: delta CRLs; 5.2.5: partitioned (issuing distribution point) CRLs.
        if isinstance(e.value, x509.DeltaCRLIndicator):
            return "it is a delta CRL, which glasstls does not combine with a base CRL (RFC 5280 section 5.2.4)"
        if isinstance(e.value, x509.IssuingDistributionPoint):
            idp = e.value
            if idp.only_contains_user_certs and _is_ca(cert):
                return "its issuingDistributionPoint says it covers only end-entity certificates"
            if idp.only_contains_ca_certs and not _is_ca(cert):
                return "its issuingDistributionPoint says it covers only CA certificates"
            if idp.indirect_crl or idp.only_some_reasons or idp.only_contains_attribute_certs:
                return "it is a partitioned or indirect CRL, which glasstls does not support (RFC 5280 section 5.2.5)"
        elif e.critical and isinstance(e.value, x509.UnrecognizedExtension):
            # RFC 5280 section 5.2: a CRL with a critical extension we cannot process MUST NOT be used.
            return f"it has a critical extension glasstls does not know ({e.oid.dotted_string}; RFC 5280 section 5.2)"
    # RFC 5280 section 6.3.3 (f): the CRL issuer may sign CRLs (keyUsage cRLSign when keyUsage is present).
    ku = _ext(issuer, x509.KeyUsage)
    if ku is not None and not getattr(ku.value, "crl_sign", False):
        return f"its issuer {who} has a keyUsage without cRLSign, so it may not sign CRLs (RFC 5280 section 4.2.1.3)"
    # RFC 5280 section 6.3.3 (g): the signature verifies with the issuer's public key.
    try:
        valid = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        return (
            f"its signature does not verify with the public key of {who}: it was not signed by the CA it names "
            "(RFC 5280 section 6.3.3 (g))"
        )
    # RFC 5280 section 6.3.3 (a)(2), 5.1.2.4, 5.1.2.5: current at the time of the check.
    this_update = crl.last_update_utc
    if this_update > at + CLOCK_SKEW:
        return f"its thisUpdate {_when(this_update)} is {_span(this_update - at)} after the time of the check"
    next_update = crl.next_update_utc
    if next_update is None:
        return "it has no nextUpdate, so its freshness cannot be judged (RFC 5280 section 5.1.2.5)"
    if at > next_update:
        return (
            f"it is stale: its nextUpdate was {_when(next_update)}, {_span(at - next_update)} before the time of the "
            "check; get a newer CRL"
        )
    return None


def _is_ca(cert: x509.Certificate) -> bool:
    bc = _ext(cert, x509.BasicConstraints)
    return bool(bc is not None and getattr(bc.value, "ca", False))


def _crl_findings(
    cert: x509.Certificate, issuer: x509.Certificate, crls: Sequence[x509.CertificateRevocationList], at: datetime
) -> list[_Finding]:
    """What each configured CRL from ``cert``'s issuer says about it (RFC 5280 section 6.3.3)."""
    out: list[_Finding] = []
    for crl in crls:
        if crl.issuer != cert.issuer:
            continue  # RFC 5280 section 6.3.3 (a): only CRLs from the certificate's issuer (no indirect CRLs).
        source = _crl_source(crl)
        problem = _crl_problem(crl, cert, issuer, at)
        if problem is not None:
            out.append(_Finding(source, "crl", problem=problem))
            continue
        entry = crl.get_revoked_certificate_by_serial_number(certificate_serial(cert))
        if entry is None:
            out.append(_Finding(source, "crl", status="good"))
            continue
        reason = None
        try:
            flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            reason = _REASONS.get(flag, str(flag))
        except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension):
            pass
        if reason == "removeFromCRL":  # only meaningful in delta CRLs (RFC 5280 section 5.3.1)
            out.append(_Finding(source, "crl", status="good"))
            continue
        out.append(_Finding(source, "crl", status="revoked", revoked_at=entry.revocation_date_utc, reason=reason))
    return out


# -- OCSP ------------------------------------------------------------------------------------------------

_OCSP_STATUS: dict[ocsp.OCSPCertStatus, Literal["good", "revoked", "unknown"]] = {
    ocsp.OCSPCertStatus.GOOD: "good",
    ocsp.OCSPCertStatus.REVOKED: "revoked",
    ocsp.OCSPCertStatus.UNKNOWN: "unknown",
}


def _cert_id(leaf: x509.Certificate, issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """The CertID hashes for ``leaf`` (RFC 6960 section 4.1.1), computed by cryptography's request builder."""
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, algorithm).build()
    return request.issuer_name_hash, request.issuer_key_hash


def _key_hash(cert: x509.Certificate) -> bytes | None:
    """SHA-1 of the subjectPublicKey BIT STRING (RFC 6960 section 4.2.1 ResponderID byKey)."""
    try:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None


def _responder_is(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return response.responder_name == cert.subject
    return response.responder_key_hash is not None and response.responder_key_hash == _key_hash(cert)


def _responder_name(response: ocsp.OCSPResponse) -> str:
    if response.responder_name is not None:
        return _name(response.responder_name)
    key_hash = response.responder_key_hash or b""
    return f"the responder with key hash {key_hash.hex()}"


def _ocsp_signer(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, at: datetime
) -> tuple[x509.Certificate | None, str]:
    """The certificate whose key must verify the response (RFC 6960 section 4.2.2.2), or None and why not."""
    if _responder_is(response, issuer):
        return issuer, f"signed by the issuer {_label(issuer)}"
    who = _responder_name(response)
    for cert in response.certificates:
        if not _responder_is(response, cert):
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            return None, (
                f"it is signed by {who}, whose certificate was not issued by {_label(issuer)}: only the issuer, or a "
                "responder it authorised, may answer for its certificates (RFC 6960 section 4.2.2.2)"
            )
        eku = _ext(cert, x509.ExtendedKeyUsage)
        if eku is None or ExtendedKeyUsageOID.OCSP_SIGNING not in eku.value:  # type: ignore[operator]
            return None, (
                f"it is signed by {who}, whose certificate lacks extendedKeyUsage id-kp-OCSPSigning, so "
                f"{_label(issuer)} did not authorise it to answer OCSP requests (RFC 6960 section 4.2.2.2)"
            )
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            return None, (
                f"the responder certificate {_label(cert)} is not valid at {_when(at)} (valid "
                f"{_when(cert.not_valid_before_utc)} to {_when(cert.not_valid_after_utc)})"
            )
        return cert, f"signed by {_label(cert)}, a responder authorised by {_label(issuer)} (id-kp-OCSPSigning)"
    return None, (
        f"it is signed by {who}, which is neither the issuer {_label(issuer)} nor a responder certificate included "
        "in the response (RFC 6960 section 4.2.2.2)"
    )


def _ocsp_finding(der: bytes, leaf: x509.Certificate, issuer: x509.Certificate, at: datetime) -> _Finding:
    """What the stapled OCSP response says about ``leaf`` (RFC 6960 section 3.2), or why it is unusable."""
    base = "the stapled OCSP response"
    try:
        response = ocsp.load_der_ocsp_response(bytes(der))
    except ValueError as exc:
        return _Finding(base, "ocsp", problem=f"it is not a DER OCSP response ({len(der)} bytes): {exc}")
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        # RFC 6960 section 4.2.1: only a successful response carries a (signed) status.
        status = response.response_status.name.lower()
        return _Finding(
            base, "ocsp", problem=f"its responseStatus is {status}, not successful (RFC 6960 section 4.2.1)"
        )
    try:
        singles = list(response.responses)
        produced = response.produced_at_utc
    except ValueError as exc:
        return _Finding(base, "ocsp", problem=f"it cannot be read: {exc}")
    source = f"{base} (produced {_when(produced)} by {_responder_name(response)})"
    # RFC 6960 section 3.2 (1), 4.1.1: the CertID identifies this certificate.
    single = None
    for candidate in singles:
        if candidate.serial_number != certificate_serial(leaf):
            continue
        try:
            name_hash, key_hash = _cert_id(leaf, issuer, candidate.hash_algorithm)
        except (ValueError, UnsupportedAlgorithm):
            continue
        if candidate.issuer_name_hash == name_hash and candidate.issuer_key_hash == key_hash:
            single = candidate
            break
    if single is None:
        listed = ", ".join(f"serial {s.serial_number:x}" for s in singles) or "no certificate"
        return _Finding(
            source,
            "ocsp",
            problem=(
                f"it is for another certificate: it answers for {listed}, not for {_label(leaf)} (serial "
                f"{certificate_serial(leaf):x}, issued by {_label(issuer)}; RFC 6960 section 3.2)"
            ),
        )
    # RFC 6960 section 3.2 (2)-(4), 4.2.2.2: signed by the issuer or a responder it authorised.
    signer, how = _ocsp_signer(response, issuer, at)
    if signer is None:
        return _Finding(source, "ocsp", problem=how)
    try:
        hash_algorithm = response.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        hash_algorithm = None
    signed = _verify_signature(
        signer.public_key(),
        response.signature,
        response.tbs_response_bytes,
        hash_algorithm,
        response.signature_algorithm_oid,
    )
    if not signed:
        return _Finding(
            source,
            "ocsp",
            problem=f"its signature does not verify with the public key of {_label(signer)} (RFC 6960 section 3.2 (2))",
        )
    # RFC 6960 section 3.2 (5), (6), 4.2.2.1: thisUpdate recent and not in the future; nextUpdate not past.
    this_update, next_update = single.this_update_utc, single.next_update_utc
    if this_update > at + CLOCK_SKEW:
        return _Finding(
            source,
            "ocsp",
            problem=f"its thisUpdate {_when(this_update)} is {_span(this_update - at)} after the time of the check",
        )
    if next_update is not None and at > next_update:
        return _Finding(
            source,
            "ocsp",
            problem=(
                f"it is stale: its nextUpdate was {_when(next_update)}, {_span(at - next_update)} before the time of "
                f"the check ({_when(at)}); the server must refresh its staple (RFC 6960 section 4.2.2.1)"
            ),
        )
    if next_update is None and at - this_update > MAX_OCSP_AGE_WITHOUT_NEXT_UPDATE:
        return _Finding(
            source,
            "ocsp",
            problem=(
                f"it is stale: it has no nextUpdate and its thisUpdate {_when(this_update)} is "
                f"{_span(at - this_update)} old (glasstls accepts at most {_span(MAX_OCSP_AGE_WITHOUT_NEXT_UPDATE)})"
            ),
        )
    status = _OCSP_STATUS.get(single.certificate_status, "unknown")
    source = f"{source}, {how}"
    if status == "revoked":
        reason = None
        if single.revocation_reason is not None:
            reason = _REASONS.get(single.revocation_reason, str(single.revocation_reason))
        return _Finding(source, "ocsp", status="revoked", revoked_at=single.revocation_time_utc, reason=reason)
    return _Finding(source, "ocsp", status=status)


def describe_ocsp_response(der: bytes) -> dict[str, object]:
    """Public facts about a DER OCSP response for traces and reports (never raises; ``error`` if unreadable)."""
    try:
        response = ocsp.load_der_ocsp_response(bytes(der))
        facts: dict[str, object] = {"response_status": response.response_status.name.lower(), "bytes": len(der)}
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return facts
        facts["responder"] = _responder_name(response)
        facts["produced_at"] = response.produced_at_utc.isoformat()
        facts["responses"] = [
            {
                "serial": f"{s.serial_number:x}",
                "cert_status": _OCSP_STATUS.get(s.certificate_status, "unknown"),
                "this_update": s.this_update_utc.isoformat(),
                "next_update": s.next_update_utc.isoformat() if s.next_update_utc is not None else None,
            }
            for s in response.responses
        ]
        return facts
    except ValueError as exc:
        return {"error": f"not a DER OCSP response: {exc}", "bytes": len(der)}


# -- the check -------------------------------------------------------------------------------------------


def _revoked_text(cert: x509.Certificate, finding: _Finding) -> str:
    text = f"{_label(cert)} (serial {certificate_serial(cert):x}) is revoked"
    if finding.revoked_at is not None:
        text += f" since {_when(finding.revoked_at)}"
    if finding.reason is not None:
        text += f", reason {finding.reason}"
    return text + f", says {finding.source}"


def _status_for(
    position: int,
    cert: x509.Certificate,
    findings: Sequence[_Finding],
    policy: str,
    role: str,
) -> tuple[CertificateStatus, CertificateError | None]:
    """Combine the sources' findings for one certificate under ``policy``."""
    is_leaf = position == 0
    what = "leaf" if is_leaf else "intermediate CA"
    notes = tuple(f"{f.source} was ignored: {f.problem}" for f in findings if f.problem is not None)

    def status(
        value: Status, ok: bool, detail: str, hint: str | None = None, source: _Finding | None = None
    ) -> CertificateStatus:
        return CertificateStatus(
            position=position,
            subject=_label(cert),
            serial=certificate_serial(cert),
            status=value,
            ok=ok,
            detail=detail,
            hint=hint,
            source=source.source if source is not None else None,
            revoked_at=source.revoked_at if source is not None else None,
            revocation_reason=source.reason if source is not None else None,
            notes=notes,
        )

    def refused(
        value: Status,
        error: type[CertificateError],
        reason: str,
        hint: str,
        source: _Finding | None,
        kind: CertificateKind | None = None,
    ) -> tuple[CertificateStatus, CertificateError]:
        failure = error(reason, check="revocation", step=STEP, hint=hint, kind=kind)
        return status(value, False, reason, hint, source), failure

    revoked = next((f for f in findings if f.status == "revoked"), None)
    if revoked is not None:
        reason = f"the {role}'s {what} certificate {_revoked_text(cert, revoked)}"
        hint = (
            f"the {role} must get a new certificate; a revoked certificate must not be trusted"
            if is_leaf
            else f"the {role} must use a chain from an intermediate CA that is not revoked"
        )
        return refused("revoked", CertificateRevoked, reason, hint, revoked)
    bad_staple = next((f for f in findings if f.problem is not None and f.kind == "ocsp"), None)
    if bad_staple is not None:
        reason = f"the {role} stapled an OCSP response that cannot be used: {bad_staple.problem}"
        hint = (
            f"configure the {role} with a current OCSP response for this certificate, signed by its issuer or "
            "the issuer's responder (or stop stapling)"
        )
        return refused("unknown", BadCertificateStatusResponse, reason, hint, bad_staple)
    broken = next((f for f in findings if f.problem is not None and f.kind == "crl"), None)
    usable_crl = any(f.kind == "crl" and f.problem is None for f in findings)
    if broken is not None and not usable_crl:
        # The user configured a CRL from this certificate's issuer and it cannot be used (RFC 5280 section
        # 6.3.3): the status asked for is broken, not missing, so soft-fail does not excuse it. (A usable CRL
        # from the same issuer, e.g. a newer one beside a stale one, gives the status instead.)
        reason = (
            f"{broken.source}, configured for revocation checking, cannot be used for the {role}'s {what} "
            f"certificate {_label(cert)}: {broken.problem}. A configured CRL that is broken is a failure under "
            "every policy: soft-fail covers a missing status, not a broken one"
        )
        hint = (
            f"replace it with a current CRL signed by {_name(cert.issuer)} (with a non-critical cRLNumber), or "
            "remove it from the configured CRLs (--crl)"
        )
        return refused("unknown", CertificateUnknown, reason, hint, broken, kind="unusable-crl")
    good = next((f for f in findings if f.status == "good"), None)
    if good is not None:
        return status("good", True, f"{_label(cert)} is not revoked, says {good.source}", source=good), None
    said_unknown = next((f for f in findings if f.status == "unknown"), None)
    if said_unknown is not None:
        why = f"an unknown status: {said_unknown.source} does not know the certificate (RFC 6960 section 2.2)"
    elif notes:
        why = "no usable revocation status: " + "; ".join(notes)
    elif is_leaf:
        why = "no revocation status: no OCSP response was stapled and no configured CRL is from its issuer"
    else:
        why = "no revocation status: no configured CRL is from its issuer"
    if policy == "hard-fail" and is_leaf:
        reason = f"hard-fail revocation policy: the {role}'s leaf certificate {_label(cert)} has {why}"
        hint = (
            f"give a current CRL from {_name(cert.issuer)} (--crl), have the {role} staple an OCSP response, "
            "or use the soft-fail policy"
        )
        return refused("unknown", CertificateUnknown, reason, hint, said_unknown)
    accepted = (
        "accepted under soft-fail"
        if policy == "soft-fail"
        else "accepted (hard-fail requires a status for the leaf only)"
    )
    return status("unknown", True, f"{_label(cert)} has {why}; {accepted}", source=said_unknown), None


def check_revocation(
    chain: Sequence[x509.Certificate],
    *,
    policy: RevocationPolicy = "soft-fail",
    crls: Sequence[x509.CertificateRevocationList] = (),
    ocsp_response: bytes | None = None,
    at: datetime,
    role: str = "server",
) -> RevocationResult:
    """Check each certificate of a *validated* chain (leaf first, trust anchor last) for revocation.

    Never raises for peer input or CRL contents: the error, if any, is in :attr:`RevocationResult.error`
    (the first by severity: revoked, then an unusable staple, then a missing status under hard-fail).
    An unknown ``policy`` is the caller's mistake (:class:`~glasstls.errors.UsageError`).
    """
    if policy not in REVOCATION_POLICIES:
        raise UsageError(f"revocation policy must be one of {', '.join(REVOCATION_POLICIES)}, not {policy!r}")
    if crls or ocsp_response is not None:
        return _check_revocation(chain, policy, crls, ocsp_response, at, role)
    # With no CRL and no staple nothing depends on the time: the same chain gets the same result, remembered
    # (only a result without an error: errors are raised, and get the connection's step and report).
    key = (policy, role, *map(id, chain))
    hit = _results.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], chain, strict=True)):
        return hit[1]
    result = _check_revocation(chain, policy, crls, ocsp_response, at, role)
    if result.error is None:
        if len(_results) >= _MEMO_SIZE:
            _results.clear()
        _results[key] = (tuple(chain), result)  # the entry holds the chain, so the ids are not reused meanwhile
    return result


#: check_revocation results without CRLs or a staple, by (policy, role, chain identities).
_results: dict[tuple[object, ...], tuple[tuple[x509.Certificate, ...], RevocationResult]] = {}


def _check_revocation(
    chain: Sequence[x509.Certificate],
    policy: RevocationPolicy,
    crls: Sequence[x509.CertificateRevocationList],
    ocsp_response: bytes | None,
    at: datetime,
    role: str,
) -> RevocationResult:
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if len(chain) == 1:
        # The leaf is itself a trust anchor: trusted directly, so there is nothing to revoke it against.
        only = chain[0]
        anchor = CertificateStatus(
            position=0,
            subject=_label(only),
            serial=certificate_serial(only),
            status="not checked",
            ok=True,
            detail=f"{_label(only)} is itself a trust anchor: trusted directly (RFC 5280 section 6.1.1 (d))",
        )
        return RevocationResult(policy=policy, statuses=(anchor,))
    checked = list(chain[:-1])
    if policy == "off":
        statuses = tuple(
            CertificateStatus(
                position=i,
                subject=_label(c),
                serial=certificate_serial(c),
                status="not checked",
                ok=True,
                detail=f"{_label(c)}: not checked (revocation checking is off)",
            )
            for i, c in enumerate(checked)
        )
        return RevocationResult(policy=policy, statuses=statuses)
    out: list[CertificateStatus] = []
    errors: list[CertificateError] = []
    for position, cert in enumerate(checked):
        issuer = chain[position + 1] if position + 1 < len(chain) else cert
        findings: list[_Finding] = []
        if position == 0 and ocsp_response is not None:
            findings.append(_ocsp_finding(ocsp_response, cert, issuer, moment))
        findings.extend(_crl_findings(cert, issuer, crls, moment))
        status, error = _status_for(position, cert, findings, policy, role)
        out.append(status)
        if error is not None:
            errors.append(error)
    rank = {CertificateRevoked: 0, BadCertificateStatusResponse: 1}
    errors.sort(key=lambda e: rank.get(type(e), 2))
    return RevocationResult(policy=policy, statuses=tuple(out), error=errors[0] if errors else None)
