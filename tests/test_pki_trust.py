"""Trust stores: files, directories, certifi, the system bundle."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import Store

from glasstls.errors import ConfigError
from glasstls.pki.testpki import TestPKI, make_ca, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import verify_server_chain

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
DEBIAN_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(now=NOW)


def test_from_file_pem_bundle(pki: TestPKI, tmp_path: Path) -> None:
    other = make_ca("second root", now=NOW)
    path = tmp_path / "bundle.pem"
    path.write_bytes(b"junk before\n" + pki.root.cert_pem() + b"\ncomment\n" + other.cert_pem())
    store = TrustStore.from_file(path)
    assert store.certificates == (pki.root.certificate, other.certificate)
    assert store.source == f"file {path} (2 certificates)"
    assert pki.root.certificate in store and pki.intermediate.certificate not in store
    assert len(store) == 2


def test_from_file_der(pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "root.der"
    path.write_bytes(pki.root.der)
    store = TrustStore.from_file(path)
    assert store.certificates == (pki.root.certificate,)
    assert "(1 certificate)" in store.source


def test_from_file_dedupes_and_counts_unreadable(pki: TestPKI, tmp_path: Path) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    path = tmp_path / "bundle.pem"
    path.write_bytes(pki.root.cert_pem() + broken + pki.root.cert_pem())
    store = TrustStore.from_file(path)
    assert store.certificates == (pki.root.certificate,)
    assert "1 unreadable skipped" in store.source


def test_from_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        TrustStore.from_file(tmp_path / "missing.pem")
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"no certificates here")
    with pytest.raises(ConfigError, match="no readable certificates"):
        TrustStore.from_file(empty)


def test_from_directory(pki: TestPKI, tmp_path: Path) -> None:
    other = make_ca("dir root", now=NOW)
    (tmp_path / "a.pem").write_bytes(pki.root.cert_pem())
    (tmp_path / "0123abcd.0").write_bytes(other.cert_pem())  # OpenSSL hashed name
    (tmp_path / "b.crt").write_bytes(pki.root.der)  # duplicate, DER
    (tmp_path / "junk.pem").write_bytes(b"this is not a certificate")
    (tmp_path / "notes.txt").write_bytes(other.cert_pem())  # ignored: not a certificate file name
    (tmp_path / "sub.pem").mkdir()
    store = TrustStore.from_directory(tmp_path)
    assert set(store.certificates) == {pki.root.certificate, other.certificate}
    assert store.source.startswith(f"directory {tmp_path} (2 certificates")
    assert "1 unreadable skipped" in store.source


def test_from_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        TrustStore.from_directory(tmp_path / "nope")
    with pytest.raises(ConfigError, match="no readable certificates"):
        TrustStore.from_directory(tmp_path)


def test_from_certificates_and_store(pki: TestPKI) -> None:
    store = TrustStore.from_certificates([pki.root.certificate, pki.root.certificate])
    assert store.source == "in-memory"
    assert store.certificates == (pki.root.certificate,)
    assert isinstance(store.to_store(), Store)
    assert store.to_store() is store.to_store()  # cached
    with pytest.raises(ConfigError):
        TrustStore.from_certificates([])


def test_store_is_frozen(pki: TestPKI) -> None:
    store = pki.trust_store()
    with pytest.raises(AttributeError):
        store.source = "other"  # type: ignore[misc]


def test_loaded_store_verifies(pki: TestPKI, tmp_path: Path) -> None:
    path = tmp_path / "root.pem"
    path.write_bytes(pki.root.cert_pem())
    store = TrustStore.from_file(path)
    proof = verify_server_chain(pki.server_ecdsa.chain_der(), server_name="localhost", trust=store, at=NOW)
    assert proof.trust_source == store.source


def test_certifi() -> None:
    certifi = pytest.importorskip("certifi")
    store = TrustStore.certifi()
    assert len(store) > 50
    assert store.source.startswith(f"certifi {certifi.__version__}")
    assert certifi.where() in store.source


def test_certifi_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "certifi", None)  # makes `import certifi` raise ImportError
    with pytest.raises(ConfigError, match="certifi"):
        TrustStore.certifi()


@pytest.mark.skipif(not DEBIAN_BUNDLE.exists(), reason="no system CA bundle at /etc/ssl/certs")
def test_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    store = TrustStore.system()
    assert len(store) > 50
    assert store.source.startswith("system store ")
    # No store entry is a test certificate.
    der = {c.public_bytes(Encoding.DER) for c in store.certificates}
    assert make_test_pki(now=NOW).root.der not in der


def test_system_follows_ssl_cert_file(pki: TestPKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "custom.pem"
    path.write_bytes(pki.root.cert_pem())
    monkeypatch.setenv("SSL_CERT_FILE", os.fspath(path))
    store = TrustStore.system()
    assert store.certificates == (pki.root.certificate,)
    assert store.source == f"system store {path} (1 certificate)"


def test_system_none_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ssl

    import glasstls.pki.trust as trust_module

    monkeypatch.setenv("SSL_CERT_FILE", os.fspath(tmp_path / "missing.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", os.fspath(tmp_path / "missing-dir"))
    monkeypatch.setattr(trust_module, "SYSTEM_BUNDLE_PATHS", ())
    monkeypatch.setattr(
        ssl,
        "get_default_verify_paths",
        lambda: ssl.DefaultVerifyPaths(os.fspath(tmp_path / "x.pem"), "", "SSL_CERT_FILE", "", "SSL_CERT_DIR", ""),
    )
    with pytest.raises(ConfigError, match="no system trust store found"):
        TrustStore.system()


def test_contains_by_identity_and_by_der(pki: TestPKI) -> None:
    from cryptography import x509

    store = TrustStore.from_certificates([pki.root.certificate])
    assert pki.root.certificate in store  # the same object
    copy = x509.load_der_x509_certificate(pki.root.certificate.public_bytes(Encoding.DER))
    assert copy is not pki.root.certificate and copy in store  # another object, same DER
    assert pki.intermediate.certificate not in store
    assert "not a certificate" not in store
