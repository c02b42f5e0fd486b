"""Loading private keys and certificates (PEM/DER), matching keys to certificates."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from glasstls import errors
from glasstls.crypto.keys import (
    is_rsassa_pss_certificate,
    load_certificates,
    load_private_key,
    private_key_matches_certificate,
    public_key_of,
)


def make_cert(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = datetime.datetime.now(datetime.UTC)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, algorithm)
    )


EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()


@pytest.mark.parametrize("key", [EC_KEY, ED_KEY, rsa.generate_private_key(65537, 2048)])
@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER])
def test_load_private_key(key: object, encoding: serialization.Encoding) -> None:
    data = key.private_bytes(encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())  # type: ignore[attr-defined]
    loaded = load_private_key(data)
    assert type(loaded) is type(key)


def test_encrypted_key() -> None:
    data = EC_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert load_private_key(data, b"pw").public_key() == EC_KEY.public_key()
    with pytest.raises(errors.ConfigError):
        load_private_key(data, b"wrong")
    with pytest.raises(errors.ConfigError):
        load_private_key(data)


def test_bad_and_unsupported_keys() -> None:
    with pytest.raises(errors.ConfigError):
        load_private_key(b"not a key")
    with pytest.raises(errors.ConfigError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    dsa_key = dsa.generate_private_key(2048)
    data = dsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(errors.ConfigError, match="unsupported private key type"):
        load_private_key(data)


def test_load_certificates() -> None:
    a, b = make_cert(EC_KEY), make_cert(ED_KEY)
    bundle = a.public_bytes(serialization.Encoding.PEM) + b.public_bytes(serialization.Encoding.PEM)
    assert load_certificates(bundle) == [a, b]
    assert load_certificates(a.public_bytes(serialization.Encoding.DER)) == [a]
    with pytest.raises(errors.ConfigError):
        load_certificates(b"\x30\x03\x02\x01\x01")
    with pytest.raises(errors.ConfigError):
        load_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


def test_key_matches_certificate() -> None:
    cert = make_cert(EC_KEY)
    assert private_key_matches_certificate(EC_KEY, cert)
    assert not private_key_matches_certificate(ec.generate_private_key(ec.SECP256R1()), cert)
    assert not private_key_matches_certificate(ED_KEY, cert)
    assert public_key_of(cert) == EC_KEY.public_key()
    assert not is_rsassa_pss_certificate(cert)


def test_rsassa_pss_certificate(tmp_path: Path) -> None:
    """An id-RSASSA-PSS certificate (RFC 4055) made by openssl is recognised as such."""
    key_path, cert_path = tmp_path / "k.pem", tmp_path / "c.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048",
             "-keyout", str(key_path), "-out", str(cert_path), "-nodes", "-subj", "/CN=pss", "-days", "1"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl cannot make an RSA-PSS certificate here")
    (cert,) = load_certificates(cert_path.read_bytes())
    key = load_private_key(key_path.read_bytes())
    assert is_rsassa_pss_certificate(cert)
    assert private_key_matches_certificate(key, cert)
    assert isinstance(public_key_of(cert), rsa.RSAPublicKey)


def test_certificate_der_and_load_der_certificate_are_remembered() -> None:
    from glasstls.crypto.keys import certificate_der, load_der_certificate

    cert = make_cert(ec.generate_private_key(ec.SECP256R1()))
    der = cert.public_bytes(serialization.Encoding.DER)
    assert certificate_der(cert) == der
    assert certificate_der(cert) is certificate_der(cert)  # encoded once per object
    parsed = load_der_certificate(der)
    assert parsed == cert and load_der_certificate(der) is parsed  # parsed once per DER
    assert certificate_der(parsed) is der  # the DER it was parsed from, not a re-encoding
    other = make_cert(ec.generate_private_key(ec.SECP256R1()))
    assert certificate_der(other) == other.public_bytes(serialization.Encoding.DER) != der
    with pytest.raises(ValueError):
        load_der_certificate(b"\x30\x03\x02\x01\x00")  # a failure raises as the loader does, every time
    with pytest.raises(ValueError):
        load_der_certificate(b"\x30\x03\x02\x01\x00")
