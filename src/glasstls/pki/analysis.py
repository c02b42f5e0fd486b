"""Our own reading of a chain that cryptography rejected: the path as we build it, and every finding.

The verdict is cryptography's (``pki.verify``); this module only explains it: :func:`_analyse` walks the chain
and lists what is wrong with it, :func:`_diagnose` picks the finding that matches the verifier's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from glasstls.errors import (
    BadCertificate,
    CertificateError,
    CertificateExpired,
    CertificateKind,
    UnknownCA,
    UnsupportedCertificate,
)
from glasstls.pki.certificate_profile import ProfileName, _key_violations
from glasstls.pki.facts import _der, _ext, _is_self_issued, _label, _plural, _signed_by
from glasstls.pki.names import ServerIdentity, explain_name_mismatch
from glasstls.pki.paths import MAX_CANDIDATES_PER_ISSUER
from glasstls.pki.report import MAX_PEER_CERTIFICATES, Role
from glasstls.pki.revocation import _span, _when
from glasstls.pki.trust import TrustStore

# -- the analysis (explanation only; the verdict is cryptography's) ---------------------------------------


@dataclass(frozen=True)
class _Finding:
    check: str
    error: type[CertificateError]
    reason: str
    hint: str
    kind: CertificateKind | None = None  # when the check and class do not say it (errors.CertificateError.kind)
    #: The leaf's issuer was found neither among the certificates sent nor in the trust store: what is known.
    issuer_facts: dict[str, str | None] | None = None


@dataclass(frozen=True)
class _Context:
    role: Role
    trust: TrustStore
    at: datetime
    identity: ServerIdentity | None
    max_depth: int
    #: The client identities a server accepts (names in the client certificate's subjectAltName or CN).
    client_names: tuple[str, ...] = ()
    profile: ProfileName = "web"
    #: The chain comes from files (``glasstls verify``), not from a peer: say "given", not "sent".
    offline: bool = False

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
        # A bound on the signature checks a peer can make us do per step (pki/paths.py explains the number).
        candidates = candidates[:MAX_CANDIDATES_PER_ISSUER]
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
                findings.append(_issuer_not_found(leaf, len(intermediates) + 1, ctx))
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


def _hex(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def _ca_issuers(cert: x509.Certificate) -> list[str]:
    """The caIssuers URLs of the authorityInfoAccess extension (RFC 5280 section 4.2.2.1)."""
    aia = _ext(cert, x509.AuthorityInformationAccess)
    if aia is None:
        return []
    return [
        str(d.access_location.value)
        for d in aia
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def issuer_facts(leaf: x509.Certificate) -> dict[str, str | None]:
    """What the leaf says about its issuer: the name, the authorityKeyIdentifier (the issuer's
    subjectKeyIdentifier, RFC 5280 section 4.2.1.1), and the first caIssuers URL (section 4.2.2.1)."""
    aki = _ext(leaf, x509.AuthorityKeyIdentifier)
    key_id = aki.key_identifier if aki is not None else None
    urls = _ca_issuers(leaf)
    return {
        "issuer": leaf.issuer.rfc4514_string() or "(empty name)",
        "authority_key_identifier": _hex(key_id) if key_id else None,
        "ca_issuers_url": urls[0] if urls else None,
    }


def _issuer_not_found(leaf: x509.Certificate, sent: int, ctx: _Context) -> _Finding:
    """The leaf's issuer is neither among the certificates sent nor in the trust store. From here two causes
    look the same: the peer did not send the intermediate that issued its leaf, or the leaf was issued by a
    root CA we do not trust. Say what is known, both possibilities, and how to tell them apart."""
    peer = ctx.peer
    facts = issuer_facts(leaf)
    name, key_id, url = facts["issuer"], facts["authority_key_identifier"], facts["ca_issuers_url"]
    known = f"issuer name {name}" + (
        f", authority key identifier {key_id}" if key_id else ", no authority key identifier"
    )
    among = f"the {_plural(sent, 'certificate')} " + ("given" if ctx.offline else f"the {peer} sent")
    reason = (
        f"the issuer of {_label(leaf)} was found neither among {among} nor in the trust store "
        f"({ctx.trust.source}): {known}. Either the {peer} did not send the intermediate CA certificate that issued "
        "its leaf, or the leaf was issued directly by a root CA that is not in the trust store"
    )
    how = (
        f"to tell them apart, find the certificate named {name}"
        + (f" whose subjectKeyIdentifier is {key_id}" if key_id else "")
        + (f" (the leaf says where: {url}, its authorityInfoAccess caIssuers)" if url else "")
        + ": if it is self-signed it is a root CA; add it to the trust store with --cafile if you trust it. "
        f"If it is an intermediate CA, the {peer} must send it after its leaf (the full chain file)"
        # Offline, this is glasstls verify already: never suggest the command that is running.
        + ("" if ctx.offline else ". `glasstls verify CHAIN.pem --cafile CA.pem` explains a chain file offline")
    )
    return _Finding("chain", UnknownCA, reason, how, "missing-intermediate", facts)


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
    findings += _issuer_key_findings(path)
    if anchored and len(path) - 2 > ctx.max_depth:
        findings.append(
            _Finding(
                "chain",
                UnknownCA,
                f"the chain needs {len(path) - 2} intermediate certificates, more than the limit of {ctx.max_depth}",
                "send a shorter chain, or raise the limit (--max-depth; max_depth in the library)",
            )
        )
    return path, anchored, findings


def _issuer_key_findings(path: Sequence[x509.Certificate]) -> list[_Finding]:
    """A CA key too weak to verify signatures with: cryptography's verifier refuses RSA keys under 2048 bits and
    curves other than P-256/P-384/P-521 (its web PKI policy; BR 6.1.5), and then says only that no chain could
    be built. Name the certificate and its key instead."""
    findings: list[_Finding] = []
    for rule, cert, reason, _hint in _key_violations(path[1:], None):
        if rule == "webpki.rsa-modulus-not-multiple-of-8":
            continue  # not a reason to refuse a signature; the profile reports it on a valid chain
        findings.append(
            _Finding(
                "chain",
                UnsupportedCertificate,
                f"the CA certificate {_label(cert)} cannot vouch for the chain: {reason} (BR 6.1.5), so its "
                "signatures are not accepted",
                "use a CA whose key is RSA of 2048 bits or more, or ECDSA on P-256 or P-384",
                "unsupported-certificate",
            )
        )
    return findings


def _diagnose(leaf: x509.Certificate, findings: Sequence[_Finding], ctx: _Context, message: str) -> _Finding:
    """Explain why cryptography rejected the chain. Picks the finding that matches its verdict."""
    category = _category(message)
    quoted = f"cryptography's verifier says: {message}"
    if category is not None:
        for finding in findings:
            if finding.check == category:
                return replace(finding, reason=f"{finding.reason} ({quoted})")
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
        return replace(first, reason=f"{first.reason} ({quoted})")
    return _Finding(
        category or "chain",
        BadCertificate,
        f"the certificate chain for {_label(leaf)} was rejected ({quoted})",
        "inspect the certificates (`glasstls verify CHAIN.pem`, or `openssl x509 -text`) against the message above",
    )
