"""Signature schemes: round trips, tampering, scheme/key mismatches, schemes_for_key, signed content."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from glasstls import errors
from glasstls.crypto import signatures
from glasstls.crypto.signatures import (
    DEFAULT_SIGNATURE_SCHEMES,
    TLS13_CERTIFICATE_VERIFY_SCHEMES,
    describe_public_key,
    scheme_matches_key,
    schemes_for_key,
    sign,
    tls13_signed_content,
    verify,
)
from glasstls.wire.enums import SignatureScheme as S

RSA_KEY = rsa.generate_private_key(65537, 2048)
P256 = ec.generate_private_key(ec.SECP256R1())
P384 = ec.generate_private_key(ec.SECP384R1())
P521 = ec.generate_private_key(ec.SECP521R1())
ED25519 = ed25519.Ed25519PrivateKey.generate()
ED448 = ed448.Ed448PrivateKey.generate()

# (scheme, key, rsa_pss_key)
CASES = [
    (S.ECDSA_SECP256R1_SHA256, P256, False),
    (S.ECDSA_SECP384R1_SHA384, P384, False),
    (S.ECDSA_SECP521R1_SHA512, P521, False),
    (S.ED25519, ED25519, False),
    (S.ED448, ED448, False),
    (S.RSA_PSS_RSAE_SHA256, RSA_KEY, False),
    (S.RSA_PSS_RSAE_SHA384, RSA_KEY, False),
    (S.RSA_PSS_RSAE_SHA512, RSA_KEY, False),
    (S.RSA_PSS_PSS_SHA256, RSA_KEY, True),
    (S.RSA_PSS_PSS_SHA384, RSA_KEY, True),
    (S.RSA_PSS_PSS_SHA512, RSA_KEY, True),
    (S.RSA_PKCS1_SHA256, RSA_KEY, False),
    (S.RSA_PKCS1_SHA384, RSA_KEY, False),
    (S.RSA_PKCS1_SHA512, RSA_KEY, False),
]
MESSAGE = tls13_signed_content(bytes(range(32)), server=True)


def test_every_scheme_is_covered() -> None:
    assert {c[0] for c in CASES} == set(signatures.SUPPORTED_SIGNATURE_SCHEMES) == set(DEFAULT_SIGNATURE_SCHEMES)


@pytest.mark.parametrize(("scheme", "key", "pss"), CASES, ids=[str(c[0]) for c in CASES])
def test_round_trip_and_tamper(scheme: S, key: signatures.PrivateKey, pss: bool) -> None:
    signature = sign(scheme, key, MESSAGE, rsa_pss_key=pss)
    verify(scheme, key.public_key(), MESSAGE, signature, rsa_pss_key=pss)
    flipped = bytearray(signature)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(errors.DecryptError, match="does not verify"):
        verify(scheme, key.public_key(), MESSAGE, bytes(flipped), rsa_pss_key=pss)
    with pytest.raises(errors.DecryptError):
        verify(scheme, key.public_key(), MESSAGE + b"x", signature, rsa_pss_key=pss)
    with pytest.raises(errors.DecryptError):
        verify(scheme, key.public_key(), MESSAGE, b"", rsa_pss_key=pss)


def test_rsa_pss_salt_is_hash_length() -> None:
    """RFC 8446 s4.2.3: salt length = digest length; a signature with another salt must not verify."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    other_salt = RSA_KEY.sign(MESSAGE, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20), hashes.SHA256())
    with pytest.raises(errors.DecryptError):
        verify(S.RSA_PSS_RSAE_SHA256, RSA_KEY.public_key(), MESSAGE, other_salt)
    same_salt = RSA_KEY.sign(MESSAGE, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    verify(S.RSA_PSS_RSAE_SHA256, RSA_KEY.public_key(), MESSAGE, same_salt)


@pytest.mark.parametrize(
    ("scheme", "key", "pss", "words"),
    [
        (S.ECDSA_SECP256R1_SHA256, P384, False, "secp256r1"),
        (S.ECDSA_SECP384R1_SHA384, P256, False, "secp384r1"),
        (S.ECDSA_SECP256R1_SHA256, RSA_KEY, False, "ECDSA"),
        (S.ED25519, ED448, False, "Ed25519"),
        (S.ED448, P256, False, "Ed448"),
        (S.RSA_PSS_RSAE_SHA256, P256, False, "RSA"),
        (S.RSA_PSS_RSAE_SHA256, RSA_KEY, True, "rsaEncryption"),
        (S.RSA_PKCS1_SHA256, RSA_KEY, True, "rsaEncryption"),
        (S.RSA_PSS_PSS_SHA256, RSA_KEY, False, "RSASSA-PSS"),
        (S.RSA_PKCS1_SHA1, RSA_KEY, False, "unsupported"),
        (S.ECDSA_SHA1, P256, False, "unsupported"),
        (S(0x0A0A), P256, False, "unsupported"),
    ],
)
def test_scheme_key_mismatch(scheme: S, key: signatures.PrivateKey, pss: bool, words: str) -> None:
    with pytest.raises(errors.IllegalParameter, match=words):
        sign(scheme, key, MESSAGE, rsa_pss_key=pss)
    with pytest.raises(errors.IllegalParameter, match=words):
        verify(scheme, key.public_key(), MESSAGE, b"\x00" * 64, rsa_pss_key=pss)
    assert not scheme_matches_key(scheme, key, rsa_pss_key=pss)


def test_tls12_ecdsa_any_curve() -> None:
    """In TLS 1.2 0x0403 only names SHA-256 + ECDSA: a P-384 key may use it."""
    signature = sign(S.ECDSA_SECP256R1_SHA256, P384, MESSAGE, tls12=True)
    verify(S.ECDSA_SECP256R1_SHA256, P384.public_key(), MESSAGE, signature, tls12=True)
    assert scheme_matches_key(S.ECDSA_SECP256R1_SHA256, P384, tls12=True)
    assert not scheme_matches_key(S.ECDSA_SECP256R1_SHA256, P384)


def test_schemes_for_key() -> None:
    assert schemes_for_key(P256, tls13=True) == (S.ECDSA_SECP256R1_SHA256,)
    assert schemes_for_key(P384.public_key(), tls13=True) == (S.ECDSA_SECP384R1_SHA384,)
    assert schemes_for_key(P521, tls13=False) == (S.ECDSA_SECP521R1_SHA512,)
    assert schemes_for_key(ED25519, tls13=True) == (S.ED25519,)
    assert schemes_for_key(ED448.public_key(), tls13=True) == (S.ED448,)
    rsae = (S.RSA_PSS_RSAE_SHA256, S.RSA_PSS_RSAE_SHA384, S.RSA_PSS_RSAE_SHA512)
    assert schemes_for_key(RSA_KEY, tls13=True) == rsae
    assert schemes_for_key(RSA_KEY, tls13=False) == (
        *rsae,
        S.RSA_PKCS1_SHA256,
        S.RSA_PKCS1_SHA384,
        S.RSA_PKCS1_SHA512,
    )
    assert schemes_for_key(RSA_KEY, tls13=True, rsa_pss_key=True) == (
        S.RSA_PSS_PSS_SHA256,
        S.RSA_PSS_PSS_SHA384,
        S.RSA_PSS_PSS_SHA512,
    )
    assert schemes_for_key(ec.generate_private_key(ec.SECP256K1()), tls13=True) == ()
    for key in (P256, P384, P521, ED25519, ED448, RSA_KEY):
        for scheme in schemes_for_key(key, tls13=True):
            assert scheme in TLS13_CERTIFICATE_VERIFY_SCHEMES
            assert scheme_matches_key(scheme, key)


def test_tls13_certificate_verify_schemes() -> None:
    assert not any("PKCS1" in s.name or "SHA1" in s.name for s in TLS13_CERTIFICATE_VERIFY_SCHEMES)
    assert S.RSA_PSS_RSAE_SHA256 in TLS13_CERTIFICATE_VERIFY_SCHEMES
    assert S.ED25519 in TLS13_CERTIFICATE_VERIFY_SCHEMES
    assert len(TLS13_CERTIFICATE_VERIFY_SCHEMES) == 11


def test_default_order() -> None:
    assert DEFAULT_SIGNATURE_SCHEMES[:3] == (
        S.ECDSA_SECP256R1_SHA256,
        S.ECDSA_SECP384R1_SHA384,
        S.ECDSA_SECP521R1_SHA512,
    )
    assert DEFAULT_SIGNATURE_SCHEMES[-3:] == (S.RSA_PKCS1_SHA256, S.RSA_PKCS1_SHA384, S.RSA_PKCS1_SHA512)


def test_tls13_signed_content() -> None:
    th = bytes(range(48))
    server = tls13_signed_content(th, server=True)
    assert server == b" " * 64 + b"TLS 1.3, server CertificateVerify" + b"\x00" + th
    client = tls13_signed_content(th, server=False)
    assert client == b" " * 64 + b"TLS 1.3, client CertificateVerify" + b"\x00" + th
    # A server signature is not a client signature (RFC 8446 s4.4.3 context strings).
    signature = sign(S.ED25519, ED25519, server)
    with pytest.raises(errors.DecryptError):
        verify(S.ED25519, ED25519.public_key(), client, signature)


def test_describe_public_key() -> None:
    assert describe_public_key(RSA_KEY.public_key()) == "RSA 2048 bits"
    assert describe_public_key(RSA_KEY) == "RSA 2048 bits"
    assert describe_public_key(P256.public_key()) == "EC secp256r1"
    assert describe_public_key(P521) == "EC secp521r1"
    assert describe_public_key(ED25519.public_key()) == "Ed25519"
    assert describe_public_key(ED448) == "Ed448"
