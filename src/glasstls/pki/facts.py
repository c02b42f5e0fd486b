"""What the report says about each certificate: public facts read once per certificate (memoized).

Nothing here decides a verdict; ``pki.analysis`` and ``pki.certificate_profile`` read these facts to explain one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from glasstls.crypto.keys import certificate_der, certificate_serial
from glasstls.pki.report import CertificateFacts, Role
from glasstls.pki.revocation import certificate_label
from glasstls.pki.trust import TrustStore

__all__ = ["describe_certificate"]

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
        "serial": f"{certificate_serial(cert):x}",
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
    chain: Sequence[x509.Certificate],
    sent: Sequence[x509.Certificate],
    role: Role,
    trust: TrustStore,
    anchored: bool,
    offline: bool = False,
) -> tuple[CertificateFacts, ...]:
    refs = (trust, *chain, None, *sent)
    key = (role, anchored, offline, *map(id, refs))
    hit = _facts_memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], refs, strict=True)):
        return hit[1]
    facts = _compute_facts(chain, sent, role, trust, anchored, offline)
    if len(_facts_memo) >= _MEMO_SIZE:
        _facts_memo.clear()
    _facts_memo[key] = (refs, facts)  # the entry holds its inputs, so their ids are not reused meanwhile
    return facts


def _compute_facts(
    chain: Sequence[x509.Certificate],
    sent: Sequence[x509.Certificate],
    role: Role,
    trust: TrustStore,
    anchored: bool,
    offline: bool,
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
            origin = "given (the chain file)" if offline else f"sent by the {role}"
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
            "serial": f"{certificate_serial(cert):x}",
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
