"""Signature schemes (RFC 8446 sections 4.2.3 and 4.4.3; RFC 5246 section 7.4.1.4.1 for TLS 1.2).

``sign`` and ``verify`` take a :class:`~glasstls.wire.enums.SignatureScheme`; whether the scheme was
offered, or is allowed in this protocol version, is for the handshake to decide (this module provides
:data:`TLS13_CERTIFICATE_VERIFY_SCHEMES` and :func:`schemes_for_key` to help it).

RSA keys: cryptography loads id-RSASSA-PSS keys (RFC 4055) as ordinary RSA keys, so the caller says
which kind a key is with ``rsa_pss_key=True`` (see :func:`glasstls.crypto.keys.is_rsassa_pss_certificate`).
RFC 8446 section 4.2.3: rsa_pss_rsae_* need an rsaEncryption key, rsa_pss_pss_* an RSASSA-PSS key.

``tls12=True`` relaxes one TLS 1.3 rule: the ECDSA code points name only the hash in TLS 1.2, so a P-384
key may sign with ecdsa_secp256r1_sha256 (0x0403 = sha256/ecdsa, RFC 5246 section 7.4.1.4.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from glasstls import errors
from glasstls.crypto.keys import PrivateKey, PublicKey
from glasstls.crypto.suites import hash_algorithm
from glasstls.wire.enums import SignatureScheme

_STEP: str | None = None  # the connection names the step (the message being processed)


@dataclass(frozen=True)
class _SchemeInfo:
    kind: str  # "ecdsa", "rsa_pkcs1", "rsa_pss_rsae", "rsa_pss_pss", "ed25519", "ed448"
    hash_name: str | None = None
    curve: str | None = None  # for ECDSA in TLS 1.3: the curve the scheme names


S = SignatureScheme
_SCHEMES: dict[SignatureScheme, _SchemeInfo] = {
    S.ECDSA_SECP256R1_SHA256: _SchemeInfo("ecdsa", "sha256", "secp256r1"),
    S.ECDSA_SECP384R1_SHA384: _SchemeInfo("ecdsa", "sha384", "secp384r1"),
    S.ECDSA_SECP521R1_SHA512: _SchemeInfo("ecdsa", "sha512", "secp521r1"),
    S.ED25519: _SchemeInfo("ed25519"),
    S.ED448: _SchemeInfo("ed448"),
    S.RSA_PSS_RSAE_SHA256: _SchemeInfo("rsa_pss_rsae", "sha256"),
    S.RSA_PSS_RSAE_SHA384: _SchemeInfo("rsa_pss_rsae", "sha384"),
    S.RSA_PSS_RSAE_SHA512: _SchemeInfo("rsa_pss_rsae", "sha512"),
    S.RSA_PSS_PSS_SHA256: _SchemeInfo("rsa_pss_pss", "sha256"),
    S.RSA_PSS_PSS_SHA384: _SchemeInfo("rsa_pss_pss", "sha384"),
    S.RSA_PSS_PSS_SHA512: _SchemeInfo("rsa_pss_pss", "sha512"),
    S.RSA_PKCS1_SHA256: _SchemeInfo("rsa_pkcs1", "sha256"),
    S.RSA_PKCS1_SHA384: _SchemeInfo("rsa_pkcs1", "sha384"),
    S.RSA_PKCS1_SHA512: _SchemeInfo("rsa_pkcs1", "sha512"),
}

#: The schemes we advertise in signature_algorithms, in preference order. rsa_pkcs1_* are last: they are
#: for certificates and TLS 1.2 only (RFC 8446 section 4.2.3).
DEFAULT_SIGNATURE_SCHEMES: tuple[SignatureScheme, ...] = (
    S.ECDSA_SECP256R1_SHA256,
    S.ECDSA_SECP384R1_SHA384,
    S.ECDSA_SECP521R1_SHA512,
    S.ED25519,
    S.ED448,
    S.RSA_PSS_RSAE_SHA256,
    S.RSA_PSS_RSAE_SHA384,
    S.RSA_PSS_RSAE_SHA512,
    S.RSA_PSS_PSS_SHA256,
    S.RSA_PSS_PSS_SHA384,
    S.RSA_PSS_PSS_SHA512,
    S.RSA_PKCS1_SHA256,
    S.RSA_PKCS1_SHA384,
    S.RSA_PKCS1_SHA512,
)

#: RFC 8446 section 4.4.3: CertificateVerify never uses RSASSA-PKCS1-v1_5 ("MUST NOT be used in
#: CertificateVerify messages") nor SHA-1.
TLS13_CERTIFICATE_VERIFY_SCHEMES: frozenset[SignatureScheme] = frozenset(
    s for s, info in _SCHEMES.items() if info.kind != "rsa_pkcs1"
)

SUPPORTED_SIGNATURE_SCHEMES: frozenset[SignatureScheme] = frozenset(_SCHEMES)


def _info(scheme: SignatureScheme) -> _SchemeInfo:
    info = _SCHEMES.get(scheme)
    if info is None:
        raise errors.IllegalParameter(f"unsupported signature scheme {scheme}", step=_STEP)
    return info


def _mismatch(scheme: SignatureScheme, key: PrivateKey | PublicKey, *, rsa_pss_key: bool, tls12: bool) -> str | None:
    """Why ``scheme`` cannot be used with ``key``, or None when it can."""
    info = _info(scheme)
    kind = info.kind
    if kind == "ecdsa":
        if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
            return f"{scheme} needs an ECDSA key, not {describe_public_key(key)}"
        if key.curve.name != info.curve and not tls12:
            # RFC 8446 section 4.2.3: in TLS 1.3 the ECDSA scheme fixes the curve. In TLS 1.2 the same code
            # point only names the hash (RFC 5246 section 7.4.1.4.1), so any curve goes.
            return f"{scheme} needs a {info.curve} key, not {describe_public_key(key)}"
        return None
    if kind == "ed25519":
        if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
            return None
        return f"{scheme} needs an Ed25519 key, not {describe_public_key(key)}"
    if kind == "ed448":
        if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
            return None
        return f"{scheme} needs an Ed448 key, not {describe_public_key(key)}"
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"{scheme} needs an RSA key, not {describe_public_key(key)}"
    if kind == "rsa_pss_pss" and not rsa_pss_key:
        return f"{scheme} needs an RSASSA-PSS key, not an rsaEncryption key"
    if kind in ("rsa_pss_rsae", "rsa_pkcs1") and rsa_pss_key:
        return f"{scheme} needs an rsaEncryption key, not an RSASSA-PSS key"
    return None


def scheme_matches_key(
    scheme: SignatureScheme, key: PrivateKey | PublicKey, *, rsa_pss_key: bool = False, tls12: bool = False
) -> bool:
    """True when ``key`` can make / check signatures of ``scheme`` (RFC 8446 section 4.2.3)."""
    if scheme not in _SCHEMES:
        return False
    return _mismatch(scheme, key, rsa_pss_key=rsa_pss_key, tls12=tls12) is None


def _check(scheme: SignatureScheme, key: PrivateKey | PublicKey, rsa_pss_key: bool, tls12: bool) -> _SchemeInfo:
    problem = _mismatch(scheme, key, rsa_pss_key=rsa_pss_key, tls12=tls12)
    if problem is not None:
        raise errors.IllegalParameter(problem, step=_STEP)
    return _SCHEMES[scheme]


def _pss(algorithm: hashes.HashAlgorithm) -> padding.PSS:
    # RFC 8446 section 4.2.3: "The length of the Salt MUST be equal to the length of the output of the
    # digest algorithm"; MGF1 uses the same hash.
    return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)


def sign(
    scheme: SignatureScheme,
    private_key: PrivateKey,
    message: bytes,
    *,
    rsa_pss_key: bool = False,
    tls12: bool = False,
) -> bytes:
    """Sign ``message`` (the whole content, not a digest) with ``scheme``."""
    info = _check(scheme, private_key, rsa_pss_key, tls12)
    if isinstance(private_key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return private_key.sign(message)
    assert info.hash_name is not None  # every non-EdDSA scheme names its hash (table above)
    algorithm = hash_algorithm(info.hash_name)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(message, ec.ECDSA(algorithm))
    if info.kind == "rsa_pkcs1":
        return private_key.sign(message, padding.PKCS1v15(), algorithm)
    return private_key.sign(message, _pss(algorithm), algorithm)


def verify(
    scheme: SignatureScheme,
    public_key: PublicKey,
    message: bytes,
    signature: bytes,
    *,
    rsa_pss_key: bool = False,
    tls12: bool = False,
) -> None:
    """Check ``signature`` over ``message``; raises ``DecryptError`` when it does not verify
    (RFC 8446 section 4.4.3: "If the verification fails, the receiver MUST terminate the handshake with a
    decrypt_error alert"), and ``IllegalParameter`` when the scheme does not fit the key."""
    info = _check(scheme, public_key, rsa_pss_key, tls12)
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            public_key.verify(signature, message)
            return
        assert info.hash_name is not None
        algorithm = hash_algorithm(info.hash_name)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(algorithm))
        elif info.kind == "rsa_pkcs1":
            public_key.verify(signature, message, padding.PKCS1v15(), algorithm)
        else:
            public_key.verify(signature, message, _pss(algorithm), algorithm)
    except (InvalidSignature, ValueError):
        raise errors.DecryptError(
            f"signature ({scheme}, {describe_public_key(public_key)}) does not verify", step=_STEP
        ) from None


_EC_SCHEME = {
    "secp256r1": S.ECDSA_SECP256R1_SHA256,
    "secp384r1": S.ECDSA_SECP384R1_SHA384,
    "secp521r1": S.ECDSA_SECP521R1_SHA512,
}


def schemes_for_key(
    key: PrivateKey | PublicKey, *, tls13: bool, rsa_pss_key: bool = False
) -> tuple[SignatureScheme, ...]:
    """The schemes ``key`` can make, in our preference order.

    ECDSA: the curve's own scheme (RFC 8446 section 4.2.3 ties curve and hash in TLS 1.3; TLS 1.2 allows any
    hash with any curve, but we keep the matching one). RSA: RSA-PSS first; PKCS#1 v1.5 only when not
    TLS 1.3 (section 4.4.3). EdDSA: its one scheme.
    """
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        scheme = _EC_SCHEME.get(key.curve.name)
        return (scheme,) if scheme is not None else ()
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return (S.ED25519,)
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return (S.ED448,)
    if rsa_pss_key:
        return (S.RSA_PSS_PSS_SHA256, S.RSA_PSS_PSS_SHA384, S.RSA_PSS_PSS_SHA512)
    pss = (S.RSA_PSS_RSAE_SHA256, S.RSA_PSS_RSAE_SHA384, S.RSA_PSS_RSAE_SHA512)
    if tls13:
        return pss
    return (*pss, S.RSA_PKCS1_SHA256, S.RSA_PKCS1_SHA384, S.RSA_PKCS1_SHA512)


_SERVER_CONTEXT = b"TLS 1.3, server CertificateVerify"
_CLIENT_CONTEXT = b"TLS 1.3, client CertificateVerify"


def tls13_signed_content(transcript_hash: bytes, *, server: bool) -> bytes:
    """What a TLS 1.3 CertificateVerify signs (RFC 8446 section 4.4.3): 64 spaces, the context string,
    a zero byte, then Transcript-Hash(Handshake Context, Certificate)."""
    return b"\x20" * 64 + (_SERVER_CONTEXT if server else _CLIENT_CONTEXT) + b"\x00" + transcript_hash


def describe_public_key(key: PrivateKey | PublicKey | object) -> str:
    """A short human description: "RSA 2048 bits", "EC secp256r1", "Ed25519", "Ed448"."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__
