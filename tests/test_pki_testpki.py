"""The test PKI builder: shapes of the certificates, files written, key caching."""

from __future__ import annotations

import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID

from glasstls.pki.testpki import generate_key, issue_certificate, make_ca, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import verify_client_chain, verify_server_chain

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def test_shapes() -> None:
    pki = make_test_pki(now=NOW)
    assert pki.hosts == ("localhost", "127.0.0.1")
    assert isinstance(pki.root.key, ec.EllipticCurvePrivateKey)
    assert isinstance(pki.server_ecdsa.key, ec.EllipticCurvePrivateKey)
    assert isinstance(pki.server_rsa.key, rsa.RSAPrivateKey) and pki.server_rsa.key.key_size == 2048
    assert isinstance(pki.server_ed25519.key, ed25519.Ed25519PrivateKey)
    for leaf in pki.servers.values():
        cert = leaf.certificate
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["localhost"]
        assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
        assert cert.not_valid_before_utc == NOW - timedelta(hours=1)
        assert cert.not_valid_after_utc == NOW + timedelta(days=30)
        assert cert.issuer == pki.intermediate.certificate.subject
        assert leaf.chain == (pki.intermediate.certificate,)
    client_eku = pki.client.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(client_eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert pki.intermediate.chain == ()  # the root is never sent
    assert pki.files is None


def test_all_leaves_verify() -> None:
    pki = make_test_pki(now=NOW)
    store = pki.trust_store()
    for name in ("localhost", "127.0.0.1"):
        for leaf in pki.servers.values():
            verify_server_chain(leaf.chain_der(), server_name=name, trust=store, at=NOW)
    verify_client_chain(pki.client.chain_der(), trust=store, at=NOW)


def test_custom_hosts_including_ipv6() -> None:
    pki = make_test_pki(["svc.test", "::1"], now=NOW)
    store = pki.trust_store()
    verify_server_chain(pki.server_ecdsa.chain_der(), server_name="svc.test", trust=store, at=NOW)
    verify_server_chain(pki.server_ecdsa.chain_der(), server_name="::1", trust=store, at=NOW)
    verify_server_chain(pki.server_ecdsa.chain_der(), server_name="[::1]", trust=store, at=NOW)


def test_needs_a_host() -> None:
    with pytest.raises(ValueError):
        make_test_pki([], now=NOW)


def test_files(tmp_path: Path) -> None:
    pki = make_test_pki(now=NOW, directory=tmp_path / "certs")
    files = pki.files
    assert files is not None
    names = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert names == sorted(
        [
            "root.pem",
            "intermediate.pem",
            "server-ecdsa.pem",
            "server-ecdsa.key",
            "server-rsa.pem",
            "server-rsa.key",
            "server-ed25519.pem",
            "server-ed25519.key",
            "client.pem",
            "client.key",
        ]
    )
    chain = x509.load_pem_x509_certificates(files.server_ecdsa.cert.read_bytes())
    assert chain == [pki.server_ecdsa.certificate, pki.intermediate.certificate]
    assert x509.load_pem_x509_certificates(files.root.read_bytes()) == [pki.root.certificate]
    assert x509.load_pem_x509_certificates(files.intermediate.read_bytes()) == [pki.intermediate.certificate]
    for cred in (files.server_ecdsa, files.server_rsa, files.server_ed25519, files.client):
        data = cred.key.read_bytes()
        assert data.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
        load_pem_private_key(data, password=None)
        assert stat.S_IMODE(cred.key.stat().st_mode) == 0o600
    # The files round-trip through the trust store loader and verify.
    store = TrustStore.from_file(files.root)
    verify_server_chain(pki.server_ecdsa.chain_der(), server_name="localhost", trust=store, at=NOW)


def test_keys_are_cached_certificates_are_fresh() -> None:
    a = make_test_pki(now=NOW)
    start = time.perf_counter()
    b = make_test_pki(now=NOW)
    elapsed = time.perf_counter() - start
    assert a.server_rsa.key is b.server_rsa.key
    assert a.server_rsa.certificate.serial_number != b.server_rsa.certificate.serial_number
    assert elapsed < 5  # generous: no RSA key generation the second time
    assert generate_key("ed25519") is not generate_key("ed25519")
    assert generate_key("ed25519", name="x") is generate_key("ed25519", name="x")


def test_negative_builders() -> None:
    root = make_ca("neg root", now=NOW, path_length=1)
    bc = root.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 1
    not_ca = make_ca("neg not ca", issuer=root, now=NOW, ca=False)
    assert not not_ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    expired = issue_certificate(root, now=NOW, not_before=NOW - timedelta(days=10), not_after=NOW - timedelta(days=1))
    assert expired.certificate.not_valid_after_utc == NOW - timedelta(days=1)
    no_eku = issue_certificate(root, now=NOW, eku=None)
    with pytest.raises(x509.ExtensionNotFound):
        no_eku.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    self_signed = issue_certificate(None, hosts=["a.test"], now=NOW)
    assert self_signed.certificate.issuer == self_signed.certificate.subject
    self_signed.certificate.verify_directly_issued_by(self_signed.certificate)
    forged = issue_certificate(root, now=NOW, sign_with=generate_key(name="neg impostor"))
    assert forged.certificate.issuer == root.certificate.subject
    with pytest.raises(InvalidSignature):
        forged.certificate.verify_directly_issued_by(root.certificate)
    rsa_ca = make_ca("neg rsa root", key_kind="rsa-2048", now=NOW)
    assert isinstance(rsa_ca.key, rsa.RSAPrivateKey)
