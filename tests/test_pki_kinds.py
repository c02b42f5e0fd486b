"""pki names the kind of each certificate failure itself (errors.CertificateError.kind), so that explain.py and
programs never have to read the wording of the reason."""

from __future__ import annotations

import pytest

from glasstls.errors import CertificateError
from glasstls.pki.testbroken import broken_cases
from glasstls.pki.testpki import TestPKI, issue_certificate, make_test_pki
from glasstls.pki.verify import report_of, verify_server_chain

EXPECTED = {
    "expired": "expired",
    "not-yet-valid": "not-yet-valid",
    "wrong-dns-name": "wrong-host-name",
    "wrong-ip": "wrong-host-name",
    "missing-intermediate": "missing-intermediate",
    "revoked-leaf-crl": "certificate-revoked",
    "revoked-ocsp": "certificate-revoked",
}


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(("localhost", "127.0.0.1"))


@pytest.mark.parametrize(("case", "kind"), sorted(EXPECTED.items()))
def test_kind_of_each_failure(pki: TestPKI, case: str, kind: str) -> None:
    c = broken_cases(pki)[case]
    with pytest.raises(CertificateError) as info:
        verify_server_chain(
            c.chain,
            server_name=c.server_name,
            trust=c.trust,
            at=c.at,
            revocation=c.revocation,
            crls=c.crls,
            ocsp_response=c.ocsp_response,
        )
    assert info.value.kind == kind
    assert report_of(info.value) is not None and info.value.report is report_of(info.value)


def test_self_signed_leaf_is_named_by_pki(pki: TestPKI) -> None:
    leaf = issue_certificate(None, hosts=("localhost",), key_name="kinds-self-signed", now=pki.now)
    with pytest.raises(CertificateError) as info:
        verify_server_chain([leaf.der], server_name="localhost", trust=pki.trust_store(), at=pki.now)
    assert info.value.kind == "self-signed" and info.value.kind_given


def test_missing_intermediate_is_named_by_pki(pki: TestPKI) -> None:
    c = broken_cases(pki)["missing-intermediate"]
    with pytest.raises(CertificateError) as info:
        verify_server_chain(c.chain, server_name=c.server_name, trust=c.trust, at=c.at)
    assert info.value.kind_given


def test_a_v2_certificate_is_a_parse_failure_not_a_crash(pki: TestPKI) -> None:
    """x509.InvalidVersion is not a ValueError: pki must still answer with bad_certificate (check parse)."""
    der = pki.server_ecdsa.der
    v3 = bytes.fromhex("a003020102")
    assert der.count(v3) == 1
    with pytest.raises(CertificateError) as info:
        verify_server_chain(
            [der.replace(v3, bytes.fromhex("a003020101"))], server_name="localhost", trust=pki.trust_store(), at=pki.now
        )
    assert info.value.check == "parse"
