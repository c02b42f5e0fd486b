"""Private keys and certificates: loading them, and the key types glasstls signs and verifies with.

Loading happens when a config is built, so failures are :class:`~glasstls.errors.ConfigError` (a caller
mistake, never an alert).
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning

from glasstls import errors
from glasstls.wire.enums import NamedGroup

if TYPE_CHECKING:  # annotations only: cryptography.x509 loads with the first certificate (issue 17: import time)
    from cryptography import x509

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey

_PRIVATE_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
_PUBLIC_TYPES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)

#: id-RSASSA-PSS (RFC 4055): a certificate key restricted to RSA-PSS (the rsa_pss_pss_* schemes).
RSASSA_PSS_OID = "1.2.840.113549.1.1.10"

_PEM_MARKER = b"-----BEGIN"


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKey:
    """A private key from PEM or DER (PKCS#8, or the traditional RSA/EC forms), optionally encrypted."""
    try:
        if _PEM_MARKER in data:
            key = serialization.load_pem_private_key(data, password)
        else:
            key = serialization.load_der_private_key(data, password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise errors.ConfigError(f"cannot load the private key: {exc}") from None
    if not isinstance(key, _PRIVATE_TYPES):
        raise errors.ConfigError(
            f"unsupported private key type {type(key).__name__}: use RSA, ECDSA (P-256/384/521), Ed25519 or Ed448"
        )
    return key


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from a PEM bundle (one or many) or a single DER certificate, in file order."""
    from cryptography import x509  # loaded with the first certificate (issue 17: import time)

    try:
        pem = _PEM_MARKER in data
        certs = x509.load_pem_x509_certificates(data) if pem else [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise errors.ConfigError(f"cannot load certificates: {exc}") from None
    if not certs:
        raise errors.ConfigError("no certificate found")
    return certs


def public_key_of(cert: x509.Certificate) -> PublicKey:
    """The certificate's public key, if it is a type glasstls can verify with."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise errors.UnsupportedCertificate(f"cannot read the certificate's public key: {exc}") from None
    if not isinstance(key, _PUBLIC_TYPES):
        raise errors.UnsupportedCertificate(f"unsupported certificate key type {type(key).__name__}")
    return key


def is_rsassa_pss_certificate(cert: x509.Certificate) -> bool:
    """True when the certificate key is id-RSASSA-PSS (only rsa_pss_pss_* may be used, RFC 8446 s4.2.3)."""
    return cert.public_key_algorithm_oid.dotted_string == RSASSA_PSS_OID


def private_key_matches_certificate(key: PrivateKey, cert: x509.Certificate) -> bool:
    """True when ``key`` is the private half of the certificate's public key."""
    try:
        return bool(key.public_key() == cert.public_key())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


#: DER encodings by certificate identity: the same certificate objects (a config's chain, a trust store's
#: anchors, a session's peer chain) are encoded on every connection. Each entry holds its certificate, so an
#: id is not reused while its entry exists; emptied when full (bounded whatever the peers send).
_DER_MEMO_SIZE = 512
_ders: dict[int, tuple[x509.Certificate, bytes]] = {}
#: Certificates parsed from DER, by DER (see :func:`load_der_certificate`).
_parsed: dict[bytes, x509.Certificate] = {}


def certificate_der(cert: x509.Certificate) -> bytes:
    """The certificate's DER encoding (what a TLS Certificate message carries), encoded once per object."""
    hit = _ders.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    der = cert.public_bytes(serialization.Encoding.DER)
    remember_der(cert, der)
    return der


#: Subjects as RFC 4514 text by certificate identity: cryptography formats a Name in Python (escaping each
#: attribute), 2% of a compiled handshake pair for the two trace lines that name a chain's subjects (py-spy).
#: Entries hold their certificate and are bounded, as _ders.
_subjects: dict[int, tuple[x509.Certificate, str]] = {}


def certificate_subject(cert: x509.Certificate) -> str:
    """``cert.subject.rfc4514_string()``, formatted once per certificate object (empty for an empty subject)."""
    hit = _subjects.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    subject = cert.subject.rfc4514_string()
    if len(_subjects) >= _DER_MEMO_SIZE:
        _subjects.clear()
    _subjects[id(cert)] = (cert, subject)
    return subject


def remember_der(cert: x509.Certificate, der: bytes) -> None:
    """Record that ``cert`` was parsed from (or encodes to) ``der``, so that :func:`certificate_der` need not
    encode it again."""
    if len(_ders) >= _DER_MEMO_SIZE:
        _ders.clear()
    _ders[id(cert)] = (cert, der)


#: Held while a certificate is parsed with the warnings filter changed (warnings.catch_warnings is process-wide).
_quiet_lock = threading.Lock()


def _load_der_quietly(der: bytes) -> x509.Certificate:
    """Parse a DER certificate without leaking ``cryptography``'s deprecation warning for a serial number that
    is not positive (RFC 5280 section 4.1.2.2 forbids it; cryptography warns today and will refuse later).

    A negative serial is refused now, as the ``ValueError`` of any unparsable certificate: no CA issues one, and
    it is what random bytes in a certificate produce. Zero is accepted: some roots in Mozilla's store carry
    serial 0, and servers may send their root; the verification profile (pki/certificate_profile.py) judges it.
    """
    from cryptography import x509  # loaded with the first certificate (issue 17: import time)

    with _quiet_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        cert = x509.load_der_x509_certificate(der)
        if cert.serial_number < 0:
            raise ValueError("the certificate's serial number is negative, which RFC 5280 section 4.1.2.2 forbids")
    return cert


#: Serial numbers by certificate identity (each entry holds its certificate, as ``_ders`` does); bounded.
_serials: dict[int, tuple[x509.Certificate, int]] = {}


def certificate_serial(cert: x509.Certificate) -> int:
    """``cert.serial_number`` without ``cryptography``'s deprecation warning for a serial that is not positive
    (zero, as on some roots in Mozilla's store): reports and the verification profile say so in words instead of
    a warning leaking to the user. Read once per certificate object."""
    hit = _serials.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    with _quiet_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        serial = cert.serial_number
    if len(_serials) >= _DER_MEMO_SIZE:
        _serials.clear()
    _serials[id(cert)] = (cert, serial)
    return serial


def load_der_certificate(der: bytes) -> x509.Certificate:
    """``x509.load_der_x509_certificate(der)``, remembered per DER (the same chain comes back on every
    connection, e.g. a resumed session's peer chain). Raises ``ValueError`` as the loader does, also for a
    negative serial number (RFC 5280 section 4.1.2.2); a failure is not remembered."""
    cert = _parsed.get(der)
    if cert is None:
        cert = _load_der_quietly(der)
        if len(_parsed) >= _DER_MEMO_SIZE:
            _parsed.clear()
        _parsed[der] = cert
        remember_der(cert, der)
    return cert


def key_algorithm(key: PrivateKey | PublicKey) -> str:
    """The signature family of a key, for choosing a TLS 1.2 cipher suite (RFC 5246 section 7.4.2, RFC 8422
    section 5.3): "ECDSA" (ECDSA and EdDSA keys, which the ECDHE_ECDSA suites use), "RSA", or "other"."""
    if isinstance(
        key,
        ec.EllipticCurvePrivateKey
        | ec.EllipticCurvePublicKey
        | ed25519.Ed25519PrivateKey
        | ed25519.Ed25519PublicKey
        | ed448.Ed448PrivateKey
        | ed448.Ed448PublicKey,
    ):
        return "ECDSA"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA"
    return "other"


_CURVE_GROUPS = {
    "secp256r1": NamedGroup.SECP256R1,
    "secp384r1": NamedGroup.SECP384R1,
    "secp521r1": NamedGroup.SECP521R1,
}


def ec_curve_group(key: PrivateKey | PublicKey) -> NamedGroup | None:
    """The named group of an ECDSA key's curve (RFC 8422 section 5.1.1), None for other keys and curves: what
    the TLS 1.2 ECDHE_ECDSA suites check against the client's supported_groups (RFC 8422 section 5.3)."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return _CURVE_GROUPS.get(key.curve.name)
    return None
