"""The verification report: one case per failure in the issue's list, verdict (cryptography's), error class,
alert and explanation; and a test that holds the verdict and the explanation in agreement on every case."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, VerificationError

from glasstls.errors import (
    BadCertificate,
    CertificateError,
    CertificateExpired,
    CertificateRevoked,
    CertificateUnknown,
    UnknownCA,
    UnsupportedCertificate,
)
from glasstls.pki.revocation import BadCertificateStatusResponse
from glasstls.pki.testbroken import BrokenCase, broken_cases
from glasstls.pki.testpki import RevocationPKI, TestPKI, make_revocation_pki, make_test_pki
from glasstls.pki.verify import CHECK_NAMES, ChainReport, explain_chain, report_of, verify_server_chain
from glasstls.wire.enums import AlertDescription as A
from test_pki_profile import BROKEN as PROFILE_CASES

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)

# name -> (error class, alert, failed check, words the explanation must contain)
EXPECTED: dict[str, tuple[type[CertificateError], A, str, tuple[str, ...]]] = {
    "expired": (CertificateExpired, A.CERTIFICATE_EXPIRED, "validity", ("CN=localhost", "expired on", "3 days before")),
    "not-yet-valid": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "validity",
        ("CN=localhost", "is not valid until", "23 hours"),
    ),
    "wrong-dns-name": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "name",
        ("covers localhost, 127.0.0.1 but not api.example.com",),
    ),
    "wrong-ip": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "name",
        ("covers localhost, 127.0.0.1 but not the IP address 10.0.0.1",),
    ),
    "unknown-root": (
        UnknownCA,
        A.UNKNOWN_CA,
        "chain",
        ("CN=glasstls test root CA", "not in the trust store (file other-root.pem (1 certificate))"),
    ),
    "missing-intermediate": (
        UnknownCA,
        A.UNKNOWN_CA,
        "chain",
        (
            "found neither among the 1 certificate the server sent nor in the trust store",
            "CN=glasstls test intermediate CA",
            "authority key identifier",
            "did not send the intermediate CA certificate",
            "issued directly by a root CA that is not in the trust store",
        ),
    ),
    "intermediate-not-ca": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "basic constraints",
        ("CN=glasstls intermediate without CA flag", "is not a CA", "cA=FALSE"),
    ),
    "path-length-exceeded": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "basic constraints",
        ("CN=glasstls strict root CA", "pathLenConstraint 0", "CN=glasstls middle CA"),
    ),
    "wrong-eku": (UnsupportedCertificate, A.UNSUPPORTED_CERTIFICATE, "usage", ("clientAuth", "not serverAuth")),
    "bad-signature": (
        BadCertificate,
        A.BAD_CERTIFICATE,
        "signature",
        ("signature on CN=localhost does not verify", "CN=glasstls test intermediate CA"),
    ),
    "revoked-leaf-crl": (
        CertificateRevoked,
        A.CERTIFICATE_REVOKED,
        "revocation",
        (
            "leaf certificate CN=localhost",
            "is revoked since",
            "keyCompromise",
            "the CRL from CN=glasstls test intermediate",
        ),
    ),
    "revoked-intermediate-crl": (
        CertificateRevoked,
        A.CERTIFICATE_REVOKED,
        "revocation",
        ("intermediate CA certificate CN=glasstls revoked intermediate CA", "the CRL from CN=glasstls test root CA"),
    ),
    "revoked-ocsp": (
        CertificateRevoked,
        A.CERTIFICATE_REVOKED,
        "revocation",
        ("leaf certificate CN=localhost", "is revoked", "the stapled OCSP response", "signed by the issuer"),
    ),
    "stale-ocsp": (
        BadCertificateStatusResponse,
        A.BAD_CERTIFICATE_STATUS_RESPONSE,
        "revocation",
        ("stapled an OCSP response that cannot be used", "stale", "3 days before"),
    ),
    "ocsp-other-certificate": (
        BadCertificateStatusResponse,
        A.BAD_CERTIFICATE_STATUS_RESPONSE,
        "revocation",
        ("it is for another certificate", "not for CN=localhost"),
    ),
    "crl-wrong-issuer": (
        CertificateUnknown,
        A.CERTIFICATE_UNKNOWN,
        "revocation",
        ("cannot be used", "not signed by the CA it names", "soft-fail covers a missing status"),
    ),
    "crl-number-critical": (
        CertificateUnknown,
        A.CERTIFICATE_UNKNOWN,
        "revocation",
        ("cannot be used", "cRLNumber extension is marked critical", "soft-fail covers a missing status"),
    ),
}

REVOCATION_CASES = {name for name, (_, _, check, _) in EXPECTED.items() if check == "revocation"}


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(now=NOW)


@pytest.fixture(scope="module")
def rev(pki: TestPKI) -> RevocationPKI:
    return make_revocation_pki(pki)


@pytest.fixture(scope="module")
def cases(pki: TestPKI, rev: RevocationPKI) -> dict[str, BrokenCase]:
    return broken_cases(pki, rev)


def path_validation_accepts(case: BrokenCase) -> bool:
    """cryptography's own verdict on the path (it does no revocation checking)."""
    certs = [x509.load_der_x509_certificate(d) for d in case.chain]
    builder = PolicyBuilder().store(case.trust.to_store()).time(case.at)
    assert case.server_name is not None
    try:
        subject: x509.DNSName | x509.IPAddress = x509.IPAddress(ipaddress.ip_address(case.server_name))
    except ValueError:
        subject = x509.DNSName(case.server_name)
    try:
        builder.build_server_verifier(subject).verify(certs[0], certs[1:])
    except VerificationError:
        return False
    return True


def explain(case: BrokenCase) -> ChainReport:
    return explain_chain(
        case.chain,
        server_name=case.server_name,
        trust=case.trust,
        at=case.at,
        revocation=case.revocation,
        crls=case.crls,
        ocsp_response=case.ocsp_response,
    )


def test_the_catalogue_covers_the_issue_list(cases: dict[str, BrokenCase]) -> None:
    assert set(cases) == set(EXPECTED)
    assert all(c.description for c in cases.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_case(cases: dict[str, BrokenCase], name: str) -> None:
    case = cases[name]
    error, alert, check, words = EXPECTED[name]
    # The verdict on the path is cryptography's: it rejects the path failures and accepts the revocation cases
    # (revocation is ours, on top of a path cryptography accepted).
    assert path_validation_accepts(case) is (name in REVOCATION_CASES)
    with pytest.raises(CertificateError) as info:
        verify_server_chain(
            case.chain,
            server_name=case.server_name,
            trust=case.trust,
            at=case.at,
            revocation=case.revocation,
            crls=case.crls,
            ocsp_response=case.ocsp_response,
        )
    exc = info.value
    assert type(exc) is error
    assert exc.alert == alert
    assert exc.check == check
    assert exc.step == "certificate verification"
    assert exc.hint
    for word in words:
        assert word in exc.reason, (word, exc.reason)
    # The error carries its report; the report says the same thing.
    report = report_of(exc)
    assert report is not None and report.ok is False and report.error is exc
    failed = [c for c in report.checks if not c.ok]
    assert any(c.name == check and c.detail == exc.reason and c.hint == exc.hint for c in failed)
    text = report.to_text()
    assert "verdict: INVALID" in text and f"alert {alert}" in text
    assert words[0] in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict_and_explanation_agree(cases: dict[str, BrokenCase], name: str) -> None:
    case = cases[name]
    report = explain(case)
    # The verdict: cryptography's path validation, then revocation.
    assert report.ok is False
    assert path_validation_accepts(case) is (name in REVOCATION_CASES)
    # The explanation agrees: a failed check of the error's kind, every check reported once per name.
    assert report.error is not None and report.failed_check == EXPECTED[name][2]
    assert any(c.name == report.failed_check and not c.ok for c in report.checks)
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    assert all(c.hint for c in report.checks if not c.ok)
    if name not in REVOCATION_CASES:
        assert report.verifier_said  # cryptography's own words are kept
        assert report.check("revocation").skipped


@pytest.mark.parametrize("kind", ["ecdsa", "rsa", "ed25519"])
def test_valid_chains_agree(pki: TestPKI, rev: RevocationPKI, kind: str) -> None:
    cred = pki.servers[kind]
    case = BrokenCase("good", "a valid chain", tuple(cred.chain_der()), pki.trust_store(), "localhost", NOW, rev.crls)
    assert path_validation_accepts(case)
    report = explain(case)
    assert report.ok and report.error is None and report.failed_check is None
    assert all(c.ok for c in report.checks)
    revocation = [c for c in report.checks if c.name == "revocation"]
    assert len(revocation) == 2 and all("is not revoked, says the CRL" in c.detail for c in revocation)
    assert "verdict: VALID" in report.to_text()


def test_report_describes_each_certificate(pki: TestPKI) -> None:
    report = explain_chain(pki.server_rsa.chain_der(), server_name="localhost", trust=pki.trust_store(), at=NOW)
    leaf, intermediate, root = report.certificates
    assert (leaf.role, intermediate.role, root.role) == ("leaf", "intermediate CA", "trust anchor")
    assert leaf.origin == "sent by the server" and intermediate.origin == "sent by the server"
    assert root.origin == "from the trust store (glasstls test PKI root)"
    assert leaf.subject == "CN=localhost" and leaf.issuer == pki.intermediate.subject
    assert leaf.serial == f"{pki.server_rsa.certificate.serial_number:x}"
    assert (leaf.key_type, leaf.key_size) == ("RSA", 2048)
    assert leaf.subject_alt_names == ("DNS:localhost", "IP:127.0.0.1")
    assert leaf.key_usage == ("digitalSignature", "keyEncipherment")
    assert leaf.extended_key_usage == ("serverAuth",)
    assert leaf.basic_constraints == "cA=FALSE, critical"
    assert intermediate.basic_constraints == "cA=TRUE, pathLenConstraint=0, critical"
    assert intermediate.key_usage == ("digitalSignature", "keyCertSign", "cRLSign")
    assert root.extended_key_usage is None
    assert leaf.not_after == datetime(2026, 2, 14, 12, 0, 0, tzinfo=UTC)
    document = report.as_dict()
    assert document["ok"] is True and document["error"] is None
    assert document["chain"] == [c.as_dict() for c in report.certificates]
    assert document["checks"] == [c.as_dict() for c in report.checks]
    text = report.to_text()
    for word in ("key usage: digitalSignature, keyEncipherment", "extended key usage: serverAuth", "serial:"):
        assert word in text


def test_failure_report_shows_the_partial_chain_and_unused_certificates(
    pki: TestPKI, cases: dict[str, BrokenCase]
) -> None:
    report = explain(cases["unknown-root"])
    assert not report.anchored
    assert [c.role for c in report.certificates] == ["leaf", "intermediate CA"]
    assert report.check("chain").ok is False and "other-root.pem" in report.check("chain").detail
    assert "does not reach a trust anchor" in report.check("signature").detail
    extra = explain_chain(
        [*pki.server_ecdsa.chain_der(), pki.server_rsa.der], server_name="localhost", trust=pki.trust_store(), at=NOW
    )
    assert extra.ok and extra.unused == ("CN=localhost",)


def test_two_problems_are_both_reported(pki: TestPKI, cases: dict[str, BrokenCase]) -> None:
    case = cases["expired"]
    report = explain_chain(case.chain, server_name="api.example.com", trust=case.trust, at=case.at)
    failed = {c.name for c in report.failures()}
    assert {"validity", "name"} <= failed
    assert report.failed_check in failed


def test_explain_never_raises_for_junk(pki: TestPKI) -> None:
    for chain in ([], [b"junk"], [pki.server_ecdsa.der, b"\x30\x00"]):
        report = explain_chain(chain, server_name="localhost", trust=pki.trust_store(), at=NOW)
        assert not report.ok and report.failed_check == "parse"
        assert report.check("parse").ok is False
        assert all(c.skipped for c in report.checks[1:])
    report = explain_chain(
        pki.server_ecdsa.chain_der(), server_name="localhost", trust=pki.trust_store(), at=NOW, ocsp_response=b"junk"
    )
    assert isinstance(report.error, BadCertificateStatusResponse)
    assert "not a DER OCSP response" in report.error.reason


def test_client_role(pki: TestPKI) -> None:
    report = explain_chain(pki.client.chain_der(), role="client", trust=pki.trust_store(), at=NOW)
    assert report.ok and report.role == "client" and report.server_name is None
    assert report.check("name").skipped and "clientAuth" in report.check("usage").detail


# -- the profile rules, the unusable CRL and the client identity: the same agreement (issue 13) ------------


@pytest.mark.parametrize("rule", sorted(PROFILE_CASES))
def test_verdict_and_explanation_agree_on_profile_rules(rule: str) -> None:
    case = PROFILE_CASES[rule]()  # type: ignore[operator]
    rule = rule.split()[0]  # "webpki.rsa-key-too-small (root)": the rule, on another certificate of the chain
    # cryptography's path validation accepts the chain; the profile on top of it refuses it, and says which rule.
    assert case.cryptography_accepts()
    report = case.report()
    assert report.ok is False and report.failed_check == "profile" and report.verifier_said is None
    assert report.error is not None and report.error.kind == "profile-violation"
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    assert all(c.hint for c in report.checks if not c.ok)
    failed = [c for c in report.checks if not c.ok]
    assert failed[0].detail == report.error.reason and failed[0].rule == rule
    assert all(c.ok for c in report.checks if c.name not in ("profile",))  # path validation passed every check
    assert report.decided_by == f"the web certificate profile, rule {rule}"


def test_verdict_and_explanation_agree_on_an_unusable_crl(pki: TestPKI, cases: dict[str, BrokenCase]) -> None:
    soft = cases["crl-number-critical"]
    report = explain_chain(
        soft.chain, server_name=soft.server_name, trust=soft.trust, at=soft.at, revocation="soft-fail", crls=soft.crls
    )
    assert path_validation_accepts(soft)
    assert report.ok is False and report.failed_check == "revocation" and report.error is not None
    assert report.error.kind == "unusable-crl" and "cRLNumber extension is marked critical" in report.error.reason
    assert any(c.name == "revocation" and not c.ok and c.detail == report.error.reason for c in report.checks)
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    assert report.decided_by == "revocation checking (policy soft-fail)"


def test_verdict_and_explanation_agree_on_a_client_identity(pki: TestPKI) -> None:
    report = explain_chain(
        pki.client.chain_der(), role="client", trust=pki.trust_store(), at=NOW, client_identities=("someone else",)
    )
    assert report.ok is False and report.failed_check == "name" and report.error is not None
    assert report.error.kind == "wrong-client-identity"
    assert [c.name for c in report.checks if not c.ok] == ["name"]
    assert list(dict.fromkeys(c.name for c in report.checks)) == list(CHECK_NAMES)
    accepted = explain_chain(
        pki.client.chain_der(),
        role="client",
        trust=pki.trust_store(),
        at=NOW,
        client_identities=(pki.client.subject[3:],),
    )
    assert accepted.ok, accepted.to_text()
