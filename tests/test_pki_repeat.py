"""The same chain verified again (every connection to one server): what depends on the certificates alone is
worked out once, and the report says the same thing as the first time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from glasstls.crypto.keys import load_der_certificate
from glasstls.pki import paths, verify
from glasstls.pki.testpki import TestPKI, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import verify_server_chain

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(("localhost",), now=NOW)


@pytest.fixture(scope="module")
def trust(pki: TestPKI) -> TrustStore:
    return pki.trust_store()


def test_intermediates_are_chosen_once_per_chain(pki: TestPKI) -> None:
    """RFC 5280 section 6.1: the path candidates depend on the certificates alone, so the same objects (one per
    DER, crypto/keys.py) get the same choice without comparing names or reading key identifiers again."""
    leaf, *sent = (load_der_certificate(der) for der in pki.server_ecdsa.chain_der())
    first = paths.select_intermediates(leaf, sent, 8)
    assert first == sent  # the intermediate, which issued the leaf
    # Choices made are the memo's entries (counted there, not by replacing a function of paths: the compiled
    # build calls its own functions directly).
    choices = len(paths._selected)
    again = paths.select_intermediates(leaf, sent, 8)
    assert again == first and again is not first  # a list of the caller's own
    again.clear()
    assert paths.select_intermediates(leaf, sent, 8) == first
    assert len(paths._selected) == choices
    assert paths.select_intermediates(leaf, sent, 0) == first  # another depth is another choice
    assert len(paths._selected) == choices + 1


def test_a_repeated_verification_reports_the_same_checks(pki: TestPKI, trust: TrustStore) -> None:
    chain = pki.server_ecdsa.chain_der()
    first = verify_server_chain(chain, server_name="localhost", trust=trust, at=NOW)
    later = NOW + timedelta(hours=1)
    second = verify_server_chain(chain, server_name="localhost", trust=trust, at=later)
    assert [c.name for c in first.checks] == [c.name for c in second.checks]
    for a, b in zip(first.checks, second.checks, strict=True):
        if a.name == "validity":  # the one entry that names the time of the check
            assert "2026-01-15 12:00:00 UTC" in a.detail and "2026-01-15 13:00:00 UTC" in b.detail
        else:
            assert a == b
    assert first.report.profile_rules == second.report.profile_rules
    assert all(outcome == "passed" for _, _, outcome in second.report.profile_rules)
    profile = [c for c in second.checks if c.name == "profile"]
    assert len(profile) == 1 and f"{len(second.report.profile_rules)} rules hold" in profile[0].detail


def test_revocation_entries_are_made_once_per_result(pki: TestPKI, trust: TrustStore) -> None:
    """check_revocation hands back the same result for the same chain without CRLs or a staple; its report
    entries are made from it once (CheckResult is frozen, so sharing them is safe)."""
    chain = pki.server_ecdsa.chain_der()
    first = verify_server_chain(chain, server_name="localhost", trust=trust, at=NOW)
    second = verify_server_chain(chain, server_name="localhost", trust=trust, at=NOW)
    assert first.report.revocation is second.report.revocation
    entries = [c for c in first.checks if c.name == "revocation"]
    assert entries and all(
        a is b for a, b in zip(entries, [c for c in second.checks if c.name == "revocation"], strict=True)
    )
    assert verify._revocation_checks(first.report.revocation) is not verify._revocation_checks(
        first.report.revocation
    )  # a list of the caller's own each time


def test_report_times_are_utc_iso_8601_to_the_second() -> None:
    """How reports write a time (every verification's validity entry names one): UTC, to the second, the year
    in four digits as ISO 8601 writes it (C strftime wrote year 999 as "999"); without libc's strftime, which
    cost ~5 us a call in a handshake."""
    from datetime import timezone

    from glasstls.pki.revocation import _when

    assert _when(datetime(2026, 1, 15, 12, 0, 0, 999999, tzinfo=UTC)) == "2026-01-15 12:00:00 UTC"
    assert _when(datetime(2026, 1, 15, 1, 2, 3, tzinfo=timezone(timedelta(hours=5)))) == "2026-01-14 20:02:03 UTC"
    assert _when(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02 03:04:05 UTC"


def test_a_certificates_subject_text_is_formatted_once(pki: TestPKI) -> None:
    """The trace names the server's chain (client) and the certificate chosen (server) on every handshake; the
    RFC 4514 text of a certificate object's subject is made once."""
    from glasstls.crypto.keys import certificate_subject

    leaf, intermediate = (load_der_certificate(der) for der in pki.server_ecdsa.chain_der())
    first = certificate_subject(leaf)
    assert first == leaf.subject.rfc4514_string() and "CN=" in first
    assert certificate_subject(leaf) is first
    assert certificate_subject(intermediate) == intermediate.subject.rfc4514_string() != first
