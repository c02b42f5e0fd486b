"""Revocation (pki/revocation.py): CRLs (RFC 5280 section 6.3), OCSP staples (RFC 6960), and the policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls.errors import CertificateRevoked, CertificateUnknown, ConfigError, UsageError
from glasstls.pki.revocation import (
    BadCertificateStatusResponse,
    check_revocation,
    describe_ocsp_response,
    load_crl_file,
    load_crls,
)
from glasstls.pki.testpki import (
    CLIENT_AUTH,
    RevocationPKI,
    TestPKI,
    generate_key,
    issue_certificate,
    make_ca,
    make_crl,
    make_ocsp_responder,
    make_ocsp_response,
    make_revocation_pki,
    make_test_pki,
)
from glasstls.pki.verify import explain_chain, verify_client_chain, verify_server_chain
from glasstls.wire.enums import AlertDescription

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(now=NOW)


@pytest.fixture(scope="module")
def rev(pki: TestPKI) -> RevocationPKI:
    return make_revocation_pki(pki)


def chain(pki: TestPKI) -> list[x509.Certificate]:
    return [pki.server_ecdsa.certificate, pki.intermediate.certificate, pki.root.certificate]


# -- OCSP ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_good_staple_by_issuer_and_by_delegated_responder(pki: TestPKI, rev: RevocationPKI, policy: str) -> None:
    for staple, signer in ((rev.ocsp_good, "signed by the issuer"), (rev.ocsp_delegated, "a responder authorised")):
        result = check_revocation(chain(pki), ocsp_response=staple, at=NOW, policy=policy)  # type: ignore[arg-type]
        assert result.ok
        leaf = result.statuses[0]
        assert leaf.status == "good" and leaf.ok and signer in leaf.detail
        assert result.statuses[1].status == "unknown" and result.statuses[1].ok  # intermediate: no CRL, fine


def test_revoked_staple(pki: TestPKI, rev: RevocationPKI) -> None:
    certs = [rev.revoked_leaf.certificate, pki.intermediate.certificate, pki.root.certificate]
    result = check_revocation(certs, ocsp_response=rev.ocsp_revoked, at=NOW)
    assert isinstance(result.error, CertificateRevoked)
    assert result.error.alert == AlertDescription.CERTIFICATE_REVOKED
    assert result.statuses[0].revoked_at == NOW - timedelta(hours=1)
    assert result.statuses[0].revocation_reason == "keyCompromise"


def test_staple_checked_at_the_injected_time(pki: TestPKI, rev: RevocationPKI) -> None:
    # Fresh at NOW, stale 8 days later (nextUpdate NOW + 7 days), not yet valid 2 hours before thisUpdate.
    assert check_revocation(chain(pki), ocsp_response=rev.ocsp_good, at=NOW).ok
    late = check_revocation(chain(pki), ocsp_response=rev.ocsp_good, at=NOW + timedelta(days=8))
    assert isinstance(late.error, BadCertificateStatusResponse) and "stale" in late.error.reason
    early = check_revocation(chain(pki), ocsp_response=rev.ocsp_good, at=NOW - timedelta(hours=2))
    assert isinstance(early.error, BadCertificateStatusResponse) and "after the time of the check" in early.error.reason


def test_staple_signed_by_a_stranger(pki: TestPKI) -> None:
    forged = make_ocsp_response(
        pki.server_ecdsa.certificate, pki.intermediate, now=NOW, sign_with=generate_key(name="ocsp-forger")
    )
    result = check_revocation(chain(pki), ocsp_response=forged, at=NOW)
    assert isinstance(result.error, BadCertificateStatusResponse)
    assert "signature does not verify" in result.error.reason


def test_delegated_responder_without_ocsp_signing(pki: TestPKI) -> None:
    responder = make_ocsp_responder(pki.intermediate, common_name="not a responder", now=NOW, eku=(CLIENT_AUTH,))
    staple = make_ocsp_response(pki.server_ecdsa.certificate, pki.intermediate, now=NOW, responder=responder)
    result = check_revocation(chain(pki), ocsp_response=staple, at=NOW)
    assert isinstance(result.error, BadCertificateStatusResponse)
    assert "id-kp-OCSPSigning" in result.error.reason


def test_delegated_responder_from_another_ca(pki: TestPKI) -> None:
    other = make_ca("glasstls other CA for OCSP", now=NOW)
    responder = make_ocsp_responder(other, common_name="foreign responder", now=NOW)
    staple = make_ocsp_response(pki.server_ecdsa.certificate, pki.intermediate, now=NOW, responder=responder)
    result = check_revocation(chain(pki), ocsp_response=staple, at=NOW)
    assert isinstance(result.error, BadCertificateStatusResponse)
    assert "was not issued by CN=glasstls test intermediate CA" in result.error.reason


def test_unsuccessful_and_junk_staples(pki: TestPKI) -> None:
    unauthorized = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    der = unauthorized.public_bytes(serialization.Encoding.DER)
    result = check_revocation(chain(pki), ocsp_response=der, at=NOW)
    assert isinstance(result.error, BadCertificateStatusResponse)
    assert "unauthorized, not successful" in result.error.reason
    for junk in (b"", b"\x30\x03\x0a\x01\x00", b"junk"):
        result = check_revocation(chain(pki), ocsp_response=junk, at=NOW)
        assert isinstance(result.error, BadCertificateStatusResponse)
    assert describe_ocsp_response(der)["response_status"] == "unauthorized"
    assert "error" in describe_ocsp_response(b"junk")


def test_unknown_status(pki: TestPKI) -> None:
    staple = make_ocsp_response(pki.server_ecdsa.certificate, pki.intermediate, now=NOW, status="unknown")
    soft = check_revocation(chain(pki), ocsp_response=staple, at=NOW)
    assert soft.ok and soft.statuses[0].status == "unknown" and "does not know" in soft.statuses[0].detail
    hard = check_revocation(chain(pki), ocsp_response=staple, at=NOW, policy="hard-fail")
    assert isinstance(hard.error, CertificateUnknown)
    assert hard.error.alert == AlertDescription.CERTIFICATE_UNKNOWN


def test_staple_without_next_update(pki: TestPKI) -> None:
    # RFC 6960 section 4.2.2.1: no nextUpdate; accepted for MAX_OCSP_AGE_WITHOUT_NEXT_UPDATE (7 days).
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=pki.server_ecdsa.certificate,
        issuer=pki.intermediate.certificate,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus.GOOD,
        this_update=NOW - timedelta(hours=1),
        next_update=None,
        revocation_time=None,
        revocation_reason=None,
    )
    key = pki.intermediate.key
    der = (
        builder.responder_id(ocsp.OCSPResponderEncoding.NAME, pki.intermediate.certificate)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    assert check_revocation(chain(pki), ocsp_response=der, at=NOW).statuses[0].status == "good"  # SHA-256 CertID
    old = check_revocation(chain(pki), ocsp_response=der, at=NOW + timedelta(days=8))
    assert isinstance(old.error, BadCertificateStatusResponse) and "no nextUpdate" in old.error.reason


# -- CRLs ------------------------------------------------------------------------------------------------


def test_crls_leaf_and_intermediate(pki: TestPKI, rev: RevocationPKI) -> None:
    good = check_revocation(chain(pki), crls=rev.crls, at=NOW, policy="hard-fail")
    assert good.ok and [s.status for s in good.statuses] == ["good", "good"]
    leaf = check_revocation(
        [rev.revoked_leaf.certificate, pki.intermediate.certificate, pki.root.certificate], crls=rev.crls, at=NOW
    )
    assert isinstance(leaf.error, CertificateRevoked) and leaf.statuses[0].status == "revoked"
    under = [
        rev.leaf_under_revoked_intermediate.certificate,
        rev.revoked_intermediate.certificate,
        pki.root.certificate,
    ]
    middle = check_revocation(under, crls=rev.crls, at=NOW)
    assert isinstance(middle.error, CertificateRevoked)
    assert [s.status for s in middle.statuses] == ["unknown", "revoked"]
    assert "intermediate CA certificate" in middle.error.reason


def test_revoked_beats_a_bad_staple(pki: TestPKI, rev: RevocationPKI) -> None:
    certs = [rev.revoked_leaf.certificate, pki.intermediate.certificate, pki.root.certificate]
    result = check_revocation(certs, crls=rev.crls, ocsp_response=rev.ocsp_stale, at=NOW)
    assert isinstance(result.error, CertificateRevoked)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: make_crl(p.intermediate, now=NOW, number=None), "no cRLNumber"),
        (lambda p: make_crl(p.intermediate, now=NOW, number_critical=True), "marked critical"),
        (lambda p: make_crl(p.intermediate, now=NOW, sign_with=generate_key(name="crl-forger")), "not signed by"),
        (
            lambda p: make_crl(p.intermediate, now=NOW - timedelta(days=10)),
            "stale: its nextUpdate was 2026-01-12 12:00:00 UTC, 3 days before",
        ),
        (lambda p: make_crl(p.intermediate, now=NOW + timedelta(days=1)), "after the time of the check"),
    ],
)
def test_unusable_crl_fails_under_every_policy(pki: TestPKI, make: object, words: str) -> None:
    crl = make(pki)  # type: ignore[operator]
    # A configured CRL from the leaf's issuer that cannot be used: the status asked for is broken, not missing,
    # so soft-fail does not accept it (issue 13); the error names the CRL and why.
    for policy in ("soft-fail", "hard-fail"):
        result = check_revocation(chain(pki), crls=[crl], at=NOW, policy=policy)  # type: ignore[arg-type]
        error = result.error
        assert isinstance(error, CertificateUnknown) and error.kind == "unusable-crl", policy
        assert words in error.reason and "the CRL from CN=glasstls test intermediate CA" in error.reason
        assert "soft-fail covers a missing status, not a broken one" in error.reason
        assert error.hint and "--crl" in error.hint
        assert result.statuses[0].status == "unknown" and not result.statuses[0].ok
    # Off checks nothing, so nothing is broken.
    assert check_revocation(chain(pki), crls=[crl], at=NOW, policy="off").ok


def test_a_usable_crl_beside_a_broken_one_decides(pki: TestPKI) -> None:
    stale = make_crl(pki.intermediate, now=NOW - timedelta(days=10))
    fresh = make_crl(pki.intermediate, now=NOW)
    root_crl = make_crl(pki.root, now=NOW)
    result = check_revocation(chain(pki), crls=[stale, fresh, root_crl], at=NOW)
    assert result.ok and result.statuses[0].status == "good"
    notes = " ".join(result.statuses[0].notes)
    assert "was ignored" in notes and "stale" in notes


def test_forged_crl_cannot_revoke(pki: TestPKI) -> None:
    forged = make_crl(
        pki.intermediate, revoked=[pki.server_ecdsa.certificate], now=NOW, sign_with=generate_key(name="crl-forger")
    )
    result = check_revocation(chain(pki), crls=[forged], at=NOW)
    # It does not revoke (its signature does not verify), and it is reported as the broken CRL it is.
    assert not isinstance(result.error, CertificateRevoked)
    assert isinstance(result.error, CertificateUnknown) and "not signed by the CA it names" in result.error.reason


def test_issuer_without_crl_sign() -> None:
    root = make_ca("glasstls root without cRLSign", now=NOW, crl_sign=False)
    intermediate = make_ca("glasstls intermediate under no-cRLSign root", issuer=root, now=NOW)
    leaf = issue_certificate(intermediate, hosts=["localhost"], now=NOW)
    crl = make_crl(root, now=NOW)
    result = check_revocation([leaf.certificate, intermediate.certificate, root.certificate], crls=[crl], at=NOW)
    assert isinstance(result.error, CertificateUnknown) and result.error.kind == "unusable-crl"
    assert "without cRLSign" in result.statuses[1].detail and "intermediate CA certificate" in result.error.reason


def test_crl_from_another_issuer_does_not_apply(pki: TestPKI, rev: RevocationPKI) -> None:
    result = check_revocation(chain(pki), crls=[rev.root_crl], at=NOW, policy="hard-fail")
    assert isinstance(result.error, CertificateUnknown)
    assert "no configured CRL is from its issuer" in result.error.reason
    assert result.statuses[1].status == "good"


def test_policy_off_checks_nothing(pki: TestPKI, rev: RevocationPKI) -> None:
    certs = [rev.revoked_leaf.certificate, pki.intermediate.certificate, pki.root.certificate]
    result = check_revocation(certs, crls=rev.crls, ocsp_response=rev.ocsp_revoked, at=NOW, policy="off")
    assert result.ok and all(s.status == "not checked" for s in result.statuses)
    with pytest.raises(UsageError):
        check_revocation(certs, at=NOW, policy="strict")  # type: ignore[arg-type]


def test_hard_fail_without_any_status(pki: TestPKI) -> None:
    result = check_revocation(chain(pki), at=NOW, policy="hard-fail")
    assert isinstance(result.error, CertificateUnknown)
    assert "no OCSP response was stapled" in result.error.reason
    assert "--crl" in (result.error.hint or "")


# -- through verify_*_chain --------------------------------------------------------------------------------


def test_verify_server_chain_revocation_keywords(pki: TestPKI, rev: RevocationPKI) -> None:
    trust = pki.trust_store()
    proof = verify_server_chain(
        pki.server_ecdsa.chain_der(), server_name="localhost", trust=trust, at=NOW, ocsp_response=rev.ocsp_good
    )
    assert proof.report is not None and proof.report.revocation is not None
    assert proof.check("revocation").ok and "stapled OCSP response" in proof.check("revocation").detail
    with pytest.raises(CertificateRevoked):
        verify_server_chain(rev.revoked_leaf.chain_der(), server_name="localhost", trust=trust, at=NOW, crls=rev.crls)
    # Defaults keep old callers working: soft-fail, nothing to consult.
    verify_server_chain(rev.revoked_leaf.chain_der(), server_name="localhost", trust=trust, at=NOW)


def test_client_certificate_revoked(pki: TestPKI) -> None:
    crl = make_crl(pki.intermediate, revoked=[pki.client.certificate], now=NOW)
    with pytest.raises(CertificateRevoked) as info:
        verify_client_chain(pki.client.chain_der(), trust=pki.trust_store(), at=NOW, crls=[crl])
    assert "the client's leaf certificate CN=glasstls test client" in info.value.reason
    report = explain_chain(pki.client.chain_der(), role="client", trust=pki.trust_store(), at=NOW, crls=[crl])
    assert report.failed_check == "revocation"


# -- loading CRLs -----------------------------------------------------------------------------------------


def test_load_crls(tmp_path: Path, rev: RevocationPKI) -> None:
    pem = tmp_path / "both.pem"
    pem.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in rev.crls))
    der = tmp_path / "root.crl"
    der.write_bytes(rev.root_crl.public_bytes(serialization.Encoding.DER))
    assert [c.issuer for c in load_crl_file(pem)] == [c.issuer for c in rev.crls]
    assert load_crl_file(der)[0].issuer == rev.root_crl.issuer
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "a.crl.pem").write_bytes(pem.read_bytes())
    (directory / "1a2b3c4d.r0").write_bytes(der.read_bytes())
    (directory / "ca.pem").write_bytes(rev.pki.root.cert_pem())  # a certificate, skipped
    (directory / "notes.txt").write_text("ignored")
    assert len(load_crls([directory])) == 3
    assert len(load_crls([pem, der])) == 3
    with pytest.raises(ConfigError):
        load_crls([tmp_path / "missing.pem"])
    bad = tmp_path / "bad.crl"
    bad.write_bytes(b"not a crl")
    with pytest.raises(ConfigError):
        load_crl_file(bad)
    cert_only = tmp_path / "cert.pem"
    cert_only.write_bytes(rev.pki.root.cert_pem())
    with pytest.raises(ConfigError):
        load_crl_file(cert_only)


def test_revocation_pki_write(tmp_path: Path, rev: RevocationPKI) -> None:
    files = rev.write(tmp_path)
    names = {p.name for p in files.values()}
    assert {"intermediate.crl.pem", "root.crl.pem", "ocsp-good.der", "ocsp-revoked.der", "revoked-server.pem"} <= names
    assert (tmp_path / "revoked-server.key").stat().st_mode & 0o077 == 0
    assert ocsp.load_der_ocsp_response((tmp_path / "ocsp-good.der").read_bytes()).certificate_status == (
        ocsp.OCSPCertStatus.GOOD
    )
    assert len(load_crls([tmp_path])) == 2


# -- the staple is peer input: it never raises anything but a result -----------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=600))
def test_arbitrary_staple_bytes_never_raise(pki: TestPKI, junk: bytes) -> None:
    result = check_revocation(chain(pki), ocsp_response=junk, at=NOW)
    assert isinstance(result.error, BadCertificateStatusResponse)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_staples_never_raise(pki: TestPKI, rev: RevocationPKI, data: st.DataObject) -> None:
    staple = bytearray(rev.ocsp_good)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(staple) - 1))
        staple[index] = data.draw(st.integers(0, 255))
    result = check_revocation(chain(pki), ocsp_response=bytes(staple), at=NOW)
    # Either the damage did not matter (it was in a part nobody reads) or the staple is refused.
    assert result.ok or isinstance(result.error, BadCertificateStatusResponse)
    if bytes(staple) != rev.ocsp_good and result.ok:
        assert result.statuses[0].status == "good"


def test_a_trust_anchor_alone_is_not_checked(pki: TestPKI) -> None:
    result = check_revocation([pki.root.certificate], at=NOW, policy="hard-fail")
    assert result.ok and result.statuses[0].status == "not checked"
    assert "trusted directly" in result.statuses[0].detail


def test_results_without_sources_are_remembered_but_errors_are_not(pki: TestPKI) -> None:
    soft = check_revocation(chain(pki), at=NOW, policy="soft-fail")
    assert soft.ok and check_revocation(chain(pki), at=NOW + timedelta(days=1), policy="soft-fail") is soft
    assert check_revocation(chain(pki), at=NOW, policy="soft-fail", role="client") is not soft  # another key
    first = check_revocation(chain(pki), at=NOW, policy="hard-fail")
    second = check_revocation(chain(pki), at=NOW, policy="hard-fail")
    assert isinstance(first.error, CertificateUnknown) and isinstance(second.error, CertificateUnknown)
    assert first.error is not second.error  # each connection gets an error object of its own


def test_certificate_label_is_remembered(pki: TestPKI) -> None:
    from glasstls.pki.revocation import certificate_label

    leaf = pki.server_ecdsa.certificate
    assert certificate_label(leaf) == leaf.subject.rfc4514_string()
    assert certificate_label(leaf) is certificate_label(leaf)
