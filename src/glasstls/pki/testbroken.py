"""Broken chains for tests: one case per failure the verification report must explain.

Built from the throwaway PKI of :mod:`glasstls.pki.testpki` (NOT FOR PRODUCTION), which does not import this
module: import :class:`BrokenCase` and :func:`broken_cases` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509

from glasstls.pki.testpki import (
    CLIENT_AUTH,
    LEAF_LIFETIME,
    RevocationPKI,
    TestPKI,
    generate_key,
    issue_certificate,
    make_ca,
    make_crl,
    make_revocation_pki,
)
from glasstls.pki.trust import TrustStore  # not under TYPE_CHECKING: a compiled dataclass's field type

__all__ = ["BrokenCase", "broken_cases"]


@dataclass(frozen=True)
class BrokenCase:
    """One broken chain and everything needed to verify it: what a server sends (``chain``, leaf first),
    the trust store, the name, the time, and the revocation inputs."""

    name: str
    description: str
    chain: tuple[bytes, ...]
    trust: TrustStore
    server_name: str | None
    at: datetime
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    ocsp_response: bytes | None = None
    revocation: Literal["off", "soft-fail", "hard-fail"] = "soft-fail"


def broken_cases(pki: TestPKI, revocation: RevocationPKI | None = None) -> dict[str, BrokenCase]:
    """One case per failure the verification report must explain, by name (see the issue's list).

    ``pki`` must cover ``localhost`` and ``127.0.0.1`` (the default hosts). Keys are named per case so that
    no two CAs share a key by accident.
    """
    rev = revocation if revocation is not None else make_revocation_pki(pki)
    now = pki.now
    trust = pki.trust_store()
    good = tuple(pki.server_ecdsa.chain_der())
    cases: list[BrokenCase] = []

    def case(name: str, description: str, chain: Sequence[bytes], **kw: object) -> None:
        fields: dict[str, object] = {"trust": trust, "server_name": "localhost", "at": now}
        fields.update(kw)
        cases.append(BrokenCase(name, description, tuple(chain), **fields))  # type: ignore[arg-type]

    case("expired", "the leaf expired 3 days before the check", good, at=now + LEAF_LIFETIME + timedelta(days=3))
    case("not-yet-valid", "the check is a day before the leaf's notBefore", good, at=now - timedelta(days=1))
    case("wrong-dns-name", "the certificate does not cover the name asked for", good, server_name="api.example.com")
    case("wrong-ip", "the certificate does not cover the IP address asked for", good, server_name="10.0.0.1")
    other_root = make_ca("glasstls unrelated root CA", now=now)
    case(
        "unknown-root",
        "the chain ends at a root the trust store does not hold",
        good,
        trust=TrustStore.from_certificates([other_root.certificate], source="file other-root.pem (1 certificate)"),
    )
    case("missing-intermediate", "the server sends only its leaf", good[:1])
    not_ca = make_ca("glasstls intermediate without CA flag", issuer=pki.root, now=now, ca=False)
    case(
        "intermediate-not-ca",
        "the intermediate has basicConstraints cA=FALSE",
        issue_certificate(not_ca, hosts=pki.hosts, now=now).chain_der(),
    )
    strict_root = make_ca("glasstls strict root CA", now=now, path_length=0)
    middle = make_ca("glasstls middle CA", issuer=strict_root, now=now)
    case(
        "path-length-exceeded",
        "the root allows no intermediate (pathLenConstraint 0) but one is used",
        issue_certificate(middle, hosts=pki.hosts, now=now).chain_der(),
        trust=TrustStore.from_certificates([strict_root.certificate], source="glasstls strict root"),
    )
    case(
        "wrong-eku",
        "the leaf is for client authentication only",
        issue_certificate(pki.intermediate, hosts=pki.hosts, now=now, eku=(CLIENT_AUTH,)).chain_der(),
    )
    case(
        "bad-signature",
        "the leaf names the intermediate as issuer but was signed by another key",
        issue_certificate(
            pki.intermediate, hosts=pki.hosts, now=now, sign_with=generate_key(name="broken:impostor")
        ).chain_der(),
    )
    case(
        "revoked-leaf-crl",
        "the intermediate's CRL lists the leaf",
        rev.revoked_leaf.chain_der(),
        crls=rev.crls,
    )
    case(
        "revoked-intermediate-crl",
        "the root's CRL lists the intermediate",
        rev.leaf_under_revoked_intermediate.chain_der(),
        crls=rev.crls,
    )
    case(
        "revoked-ocsp",
        "the stapled OCSP response says the leaf is revoked",
        rev.revoked_leaf.chain_der(),
        ocsp_response=rev.ocsp_revoked,
    )
    case("stale-ocsp", "the stapled OCSP response is past its nextUpdate", good, ocsp_response=rev.ocsp_stale)
    case(
        "ocsp-other-certificate",
        "the stapled OCSP response is about another certificate",
        good,
        ocsp_response=rev.ocsp_other,
    )
    case(
        "crl-wrong-issuer",
        "the only CRL names the intermediate but is signed by another key (hard-fail: no usable status)",
        good,
        crls=(make_crl(pki.intermediate, now=now, sign_with=generate_key(name="broken:crl-impostor")),),
        revocation="hard-fail",
    )
    case(
        "crl-number-critical",
        "the only CRL has a critical cRLNumber (hard-fail: no usable status)",
        good,
        crls=(make_crl(pki.intermediate, now=now, number_critical=True),),
        revocation="hard-fail",
    )
    return {c.name: c for c in cases}
