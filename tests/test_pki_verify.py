"""Chain verification: one case per failure, each checked against cryptography's own verdict."""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, VerificationError

from glasstls.errors import (
    BadCertificate,
    CertificateError,
    CertificateExpired,
    ConfigError,
    UnknownCA,
    UnsupportedCertificate,
    UsageError,
)
from glasstls.pki.testpki import (
    CLIENT_AUTH,
    TestPKI,
    generate_key,
    issue_certificate,
    make_ca,
    make_test_pki,
)
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import (
    CHECK_NAMES,
    CheckResult,
    VerifiedChain,
    describe_certificate,
    report_of,
    verify_client_chain,
    verify_server_chain,
)
from glasstls.wire.enums import AlertDescription

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
STEP = "certificate verification"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(("localhost", "127.0.0.1", "*.example.org", "example.org"), now=NOW)


@pytest.fixture(scope="module")
def trust(pki: TestPKI) -> TrustStore:
    return pki.trust_store()


def _subject(name: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def cryptography_accepts(
    chain: Sequence[bytes],
    trust: TrustStore,
    *,
    server_name: str | None = "localhost",
    at: datetime = NOW,
    client: bool = False,
    max_depth: int = 8,
) -> bool:
    """cryptography's own verdict, asked directly (the reference the explanations must agree with)."""
    certs = [x509.load_der_x509_certificate(d) for d in chain]
    builder = PolicyBuilder().store(trust.to_store()).time(at).max_chain_depth(max_depth)
    try:
        if client:
            builder.build_client_verifier().verify(certs[0], certs[1:])
        else:
            assert server_name is not None
            builder.build_server_verifier(_subject(server_name)).verify(certs[0], certs[1:])
    except VerificationError:
        return False
    return True


def expect_failure(
    error: type[CertificateError],
    alert: AlertDescription,
    check: str,
    chain: Sequence[bytes],
    trust: TrustStore,
    *,
    server_name: str | None = "localhost",
    at: datetime = NOW,
    client: bool = False,
) -> CertificateError:
    assert not cryptography_accepts(chain, trust, server_name=server_name, at=at, client=client)
    with pytest.raises(error) as info:
        if client:
            verify_client_chain(chain, trust=trust, at=at)
        else:
            verify_server_chain(chain, server_name=server_name, trust=trust, at=at)
    exc = info.value
    assert type(exc) is error
    assert exc.alert == alert
    assert exc.check == check
    assert exc.step == STEP
    assert exc.hint
    return exc


# -- good chains ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ecdsa", "rsa", "ed25519"])
@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "a.example.org", "EXAMPLE.org."])
def test_good_chain(pki: TestPKI, trust: TrustStore, kind: str, name: str) -> None:
    cred = pki.servers[kind]
    proof = verify_server_chain(cred.chain_der(), server_name=name, trust=trust, at=NOW)
    assert cryptography_accepts(cred.chain_der(), trust, server_name=name.rstrip(".").lower())
    assert isinstance(proof, VerifiedChain)
    assert proof.chain == (cred.certificate, pki.intermediate.certificate, pki.root.certificate)
    assert proof.leaf == cred.certificate and proof.anchor == pki.root.certificate
    assert proof.trust_source == trust.source
    assert proof.server_name == name.rstrip(".").lower()
    assert list(dict.fromkeys(c.name for c in proof.checks)) == list(CHECK_NAMES)
    assert all(c.ok for c in proof.checks)
    # Revocation: one entry per certificate below the anchor (leaf, intermediate); no status, soft-fail.
    revocation = [c for c in proof.checks if c.name == "revocation"]
    assert [c.certificate for c in revocation] == [cred.subject, pki.intermediate.subject]
    assert all("accepted under soft-fail" in c.detail for c in revocation)
    assert name.rstrip(".").lower() in proof.check("name").detail


def test_good_chain_ip_address_reported_as_ip(pki: TestPKI, trust: TrustStore) -> None:
    proof = verify_server_chain(pki.server_ecdsa.chain_der(), server_name="127.0.0.1", trust=trust, at=NOW)
    assert "IP address 127.0.0.1" in proof.check("name").detail


def test_no_server_name_is_recorded_as_not_checked(pki: TestPKI, trust: TrustStore) -> None:
    proof = verify_server_chain(pki.server_ecdsa.chain_der(), server_name=None, trust=trust, at=NOW)
    name = proof.check("name")
    assert proof.server_name is None
    assert "not checked" in name.detail
    # Every other check still ran: an expired chain still fails without a name.
    with pytest.raises(CertificateExpired):
        verify_server_chain(pki.server_ecdsa.chain_der(), server_name=None, trust=trust, at=NOW + timedelta(days=60))


def test_report_mentions_expiry_and_anchor_source(pki: TestPKI, trust: TrustStore) -> None:
    proof = verify_server_chain(pki.server_rsa.chain_der(), server_name="localhost", trust=trust, at=NOW)
    assert "2026-02-14" in proof.check("validity").detail  # NOW + 30 days
    assert trust.source in proof.check("chain").detail


def test_naive_time_is_utc(pki: TestPKI, trust: TrustStore) -> None:
    naive = NOW.replace(tzinfo=None)
    verify_server_chain(pki.server_ecdsa.chain_der(), server_name="localhost", trust=trust, at=naive)


# -- the proof object --------------------------------------------------------------------------------------


def test_verified_chain_cannot_be_constructed_directly(pki: TestPKI, trust: TrustStore) -> None:
    report = verify_server_chain(pki.server_ecdsa.chain_der(), server_name="localhost", trust=trust, at=NOW).report
    with pytest.raises(UsageError):
        VerifiedChain(chain=(pki.server_ecdsa.certificate,), checks=(), trust_source="forged", server_name="localhost")
    with pytest.raises(UsageError):
        VerifiedChain()
    with pytest.raises(UsageError):
        VerifiedChain(object(), report)  # a genuine report, but not the token only pki.verify holds


def test_verified_chain_cannot_be_altered(pki: TestPKI, trust: TrustStore) -> None:
    proof = verify_server_chain(pki.server_ecdsa.chain_der(), server_name="localhost", trust=trust, at=NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        proof.server_name = "evil.example"  # type: ignore[misc]
    with pytest.raises(UsageError):
        dataclasses.replace(proof, server_name="evil.example")
    assert copy.copy(proof) == proof


# -- failures ----------------------------------------------------------------------------------------------


def test_expired(pki: TestPKI, trust: TrustStore) -> None:
    at = NOW + timedelta(days=33)
    exc = expect_failure(
        CertificateExpired,
        AlertDescription.CERTIFICATE_EXPIRED,
        "validity",
        pki.server_ecdsa.chain_der(),
        trust,
        at=at,
    )
    assert "CN=localhost" in exc.reason
    assert "expired on 2026-02-14 12:00:00 UTC" in exc.reason
    assert "3 days before" in exc.reason
    assert "clock" in (exc.hint or "")


def test_expired_intermediate(pki: TestPKI, trust: TrustStore) -> None:
    old = make_ca(
        "old intermediate",
        issuer=pki.root,
        not_before=NOW - timedelta(days=400),
        not_after=NOW - timedelta(days=2),
    )
    leaf = issue_certificate(old, hosts=["localhost"], now=NOW)
    exc = expect_failure(CertificateExpired, AlertDescription.CERTIFICATE_EXPIRED, "validity", leaf.chain_der(), trust)
    assert "intermediate CA certificate CN=old intermediate" in exc.reason
    assert "2 days before" in exc.reason


def test_not_yet_valid(pki: TestPKI, trust: TrustStore) -> None:
    at = NOW - timedelta(days=2)
    exc = expect_failure(
        BadCertificate,
        AlertDescription.BAD_CERTIFICATE,
        "validity",
        pki.server_ecdsa.chain_der(),
        trust,
        at=at,
    )
    assert "not valid until 2026-01-15 11:00:00 UTC" in exc.reason  # NOW - 1 hour
    assert "CN=localhost" in exc.reason


def test_wrong_dns_name(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(
        BadCertificate,
        AlertDescription.BAD_CERTIFICATE,
        "name",
        pki.server_ecdsa.chain_der(),
        trust,
        server_name="api.example.com",
    )
    assert "api.example.com" in exc.reason
    for covered in ("localhost", "127.0.0.1", "*.example.org", "example.org"):
        assert covered in exc.reason
    assert "subjectAltName" in (exc.hint or "")


def test_wildcard_covers_one_label_only(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(
        BadCertificate,
        AlertDescription.BAD_CERTIFICATE,
        "name",
        pki.server_ecdsa.chain_der(),
        trust,
        server_name="a.b.example.org",
    )
    assert "a.b.example.org" in exc.reason
    assert "exactly one label" in exc.reason


def test_wrong_ip(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(
        BadCertificate,
        AlertDescription.BAD_CERTIFICATE,
        "name",
        pki.server_ecdsa.chain_der(),
        trust,
        server_name="10.0.0.1",
    )
    assert "IP address 10.0.0.1" in exc.reason
    assert "127.0.0.1" in exc.reason


def test_cn_is_not_a_name(pki: TestPKI, trust: TrustStore) -> None:
    leaf = issue_certificate(pki.intermediate, hosts=["other.test"], common_name="localhost", now=NOW)
    exc = expect_failure(BadCertificate, AlertDescription.BAD_CERTIFICATE, "name", leaf.chain_der(), trust)
    assert "other.test" in exc.reason and "RFC 6125 section 6.4.4" in exc.reason


def test_unknown_root(pki: TestPKI) -> None:
    stranger = TrustStore.from_certificates(
        [make_ca("some other root", now=NOW).certificate], source="file other.pem (1 certificate)"
    )
    exc = expect_failure(UnknownCA, AlertDescription.UNKNOWN_CA, "chain", pki.server_ecdsa.chain_der(), stranger)
    assert "CN=glasstls test root CA" in exc.reason  # the issuer the chain needed
    assert "not in the trust store (file other.pem (1 certificate))" in exc.reason
    assert "--cafile" in (exc.hint or "")


def test_chain_ends_at_untrusted_root_that_was_sent(pki: TestPKI) -> None:
    stranger = TrustStore.from_certificates([make_ca("some other root", now=NOW).certificate])
    chain = [*pki.server_ecdsa.chain_der(), pki.root.der]
    exc = expect_failure(UnknownCA, AlertDescription.UNKNOWN_CA, "chain", chain, stranger)
    assert "the chain ends at CN=glasstls test root CA" in exc.reason
    assert "which is not in the trust store (in-memory)" in exc.reason


def test_missing_intermediate(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(UnknownCA, AlertDescription.UNKNOWN_CA, "chain", [pki.server_ecdsa.der], trust)
    assert exc.kind == "missing-intermediate" and exc.kind_given
    assert "found neither among the 1 certificate the server sent nor in the trust store" in exc.reason
    assert "issuer name CN=glasstls test intermediate CA" in exc.reason
    assert "either the server did not send the intermediate" in exc.reason.lower()
    assert "issued directly by a root CA that is not in the trust store" in exc.reason
    hint = exc.hint or ""
    assert "subjectKeyIdentifier" in hint and "glasstls verify" in hint and "--cafile" in hint
    report = report_of(exc)
    assert report is not None and report.issuer_not_found is not None
    assert report.issuer_not_found["issuer"] == "CN=glasstls test intermediate CA,O=glasstls test PKI"
    aki = report.issuer_not_found["authority_key_identifier"]
    assert aki is not None and aki in exc.reason
    assert report.issuer_not_found["ca_issuers_url"] is None


def test_self_signed_leaf(trust: TrustStore) -> None:
    leaf = issue_certificate(None, hosts=["localhost"], now=NOW, key_name="self-signed")
    assert leaf.chain == ()
    exc = expect_failure(UnknownCA, AlertDescription.UNKNOWN_CA, "chain", leaf.chain_der(), trust)
    assert "the leaf is self-signed" in exc.reason
    assert "CN=localhost" in exc.reason


def test_intermediate_without_ca_flag(pki: TestPKI, trust: TrustStore) -> None:
    not_ca = make_ca("not a CA", issuer=pki.root, now=NOW, ca=False)
    leaf = issue_certificate(not_ca, hosts=["localhost"], now=NOW)
    exc = expect_failure(BadCertificate, AlertDescription.BAD_CERTIFICATE, "basic constraints", leaf.chain_der(), trust)
    assert "CN=not a CA" in exc.reason and "cA=FALSE" in exc.reason


def test_path_length_exceeded() -> None:
    root = make_ca("strict root", now=NOW, path_length=0)
    middle = make_ca("middle CA", issuer=root, now=NOW)
    leaf = issue_certificate(middle, hosts=["localhost"], now=NOW)
    store = TrustStore.from_certificates([root.certificate])
    exc = expect_failure(BadCertificate, AlertDescription.BAD_CERTIFICATE, "basic constraints", leaf.chain_der(), store)
    assert "CN=strict root" in exc.reason
    assert "pathLenConstraint 0" in exc.reason
    assert "CN=middle CA" in exc.reason


def test_wrong_eku_server(pki: TestPKI, trust: TrustStore) -> None:
    leaf = issue_certificate(pki.intermediate, hosts=["localhost"], eku=[CLIENT_AUTH], now=NOW)
    exc = expect_failure(
        UnsupportedCertificate, AlertDescription.UNSUPPORTED_CERTIFICATE, "usage", leaf.chain_der(), trust
    )
    assert "clientAuth" in exc.reason and "serverAuth" in exc.reason


def test_bad_signature(pki: TestPKI, trust: TrustStore) -> None:
    forged = issue_certificate(pki.intermediate, hosts=["localhost"], now=NOW, sign_with=generate_key(name="impostor"))
    assert forged.certificate.issuer == pki.intermediate.certificate.subject
    exc = expect_failure(BadCertificate, AlertDescription.BAD_CERTIFICATE, "signature", forged.chain_der(), trust)
    assert "signature on CN=localhost" in exc.reason
    assert "CN=glasstls test intermediate CA" in exc.reason


def test_chain_too_deep(pki: TestPKI, trust: TrustStore) -> None:
    chain = pki.server_ecdsa.chain_der()
    assert not cryptography_accepts(chain, trust, max_depth=0)
    with pytest.raises(UnknownCA) as info:
        verify_server_chain(chain, server_name="localhost", trust=trust, at=NOW, max_depth=0)
    assert info.value.check == "chain"
    assert "limit of 0" in info.value.reason


# -- parse -------------------------------------------------------------------------------------------------


def test_empty_chain(trust: TrustStore) -> None:
    with pytest.raises(BadCertificate) as info:
        verify_server_chain([], server_name="localhost", trust=trust, at=NOW)
    assert info.value.check == "parse" and "sent no certificate" in info.value.reason


@pytest.mark.parametrize("junk", [b"", b"\x30\x03abc", b"not a certificate at all"])
def test_bad_der(pki: TestPKI, trust: TrustStore, junk: bytes) -> None:
    with pytest.raises(BadCertificate) as info:
        verify_server_chain([pki.server_ecdsa.der, junk], server_name="localhost", trust=trust, at=NOW)
    assert info.value.check == "parse"
    assert info.value.step == STEP
    assert "certificate #2" in info.value.reason
    assert info.value.alert == AlertDescription.BAD_CERTIFICATE


def test_truncated_leaf(pki: TestPKI, trust: TrustStore) -> None:
    with pytest.raises(BadCertificate) as info:
        verify_server_chain([pki.server_ecdsa.der[:-10]], server_name="localhost", trust=trust, at=NOW)
    assert info.value.check == "parse" and "leaf certificate" in info.value.reason


# -- client chains -----------------------------------------------------------------------------------------


def test_client_chain_good(pki: TestPKI, trust: TrustStore) -> None:
    chain = pki.client.chain_der()
    assert cryptography_accepts(chain, trust, client=True)
    proof = verify_client_chain(chain, trust=trust, at=NOW)
    assert proof.leaf == pki.client.certificate
    assert proof.server_name is None
    assert "clientAuth" in proof.check("usage").detail


def test_client_chain_wrong_eku(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(
        UnsupportedCertificate,
        AlertDescription.UNSUPPORTED_CERTIFICATE,
        "usage",
        pki.server_ecdsa.chain_der(),
        trust,
        client=True,
    )
    assert "clientAuth" in exc.reason and "serverAuth" in exc.reason


def test_client_chain_expired(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(
        CertificateExpired,
        AlertDescription.CERTIFICATE_EXPIRED,
        "validity",
        pki.client.chain_der(),
        trust,
        client=True,
        at=NOW + timedelta(days=31),
    )
    assert "CN=glasstls test client" in exc.reason


def test_client_missing_intermediate_says_client(pki: TestPKI, trust: TrustStore) -> None:
    exc = expect_failure(UnknownCA, AlertDescription.UNKNOWN_CA, "chain", [pki.client.der], trust, client=True)
    assert "the client did not send" in exc.reason


# -- describe ----------------------------------------------------------------------------------------------


def test_describe_certificate(pki: TestPKI) -> None:
    info = describe_certificate(pki.server_rsa.certificate)
    assert info["subject"] == "CN=localhost"
    assert info["key_type"] == "RSA" and info["key_size"] == 2048
    assert info["is_ca"] is False
    assert "DNS:localhost" in info["subject_alt_names"]  # type: ignore[operator]
    assert "IP:127.0.0.1" in info["subject_alt_names"]  # type: ignore[operator]
    assert info["serial"] == f"{pki.server_rsa.certificate.serial_number:x}"
    assert str(info["not_after"]).startswith("2026-02-14T12:00:00")
    assert describe_certificate(pki.root.certificate)["is_ca"] is True
    assert describe_certificate(pki.server_ed25519.certificate)["key_type"] == "Ed25519"
    text = repr(info)
    assert "PRIVATE" not in text


def test_check_result_is_frozen() -> None:
    result = CheckResult("chain", True, "fine")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = False  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["not a host!", "a..b", "-x.example", "*.example.org"])
def test_invalid_server_name_is_a_caller_error(pki: TestPKI, trust: TrustStore, bad: str) -> None:
    with pytest.raises(ConfigError):
        verify_server_chain(pki.server_ecdsa.chain_der(), server_name=bad, trust=trust, at=NOW)
