"""Authentication holds on every path (issue 9, items 1-3): the server verifies a client certificate the same
way in TLS 1.2 and TLS 1.3 (trust, time, revocation), and a resumed session satisfies the resuming side's
current policy (client auth, server name, how the peer was verified).

In memory with ``handshake_pair``; one live test with ``openssl s_client -tls1_2`` on 127.0.0.1.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509

from glasstls.errors import CertificateRevoked
from glasstls.pki.testpki import CLIENT_AUTH, IssuedCertificate, issue_certificate, make_crl
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, ProtocolVersion
from handshake_pair import Pair, chain_of, client_config, pki, server_config
from interop_helpers import TEST_TIMEOUT, glasstls_server
from interop_helpers import server_config as live_server_config
from peers import run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

TLS12 = ProtocolVersion.TLS12
TLS13 = ProtocolVersion.TLS13
VERSIONS = [pytest.param(TLS12, id="tls12"), pytest.param(TLS13, id="tls13")]


def _revoked_client(of: TestPKI) -> tuple[IssuedCertificate, x509.CertificateRevocationList]:
    """A client certificate under ``of``'s intermediate, and the intermediate's CRL that lists it."""
    revoked = issue_certificate(
        of.intermediate,
        hosts=("revoked-client@glasstls.test",),
        common_name="glasstls revoked test client",
        key_name="revoked-client",
        now=of.now,
        eku=(CLIENT_AUTH,),
    )
    return revoked, make_crl(of.intermediate, revoked=[revoked.certificate], now=of.now)


@functools.cache
def revoked_client() -> tuple[IssuedCertificate, x509.CertificateRevocationList]:
    return _revoked_client(pki())


def only(version: ProtocolVersion) -> dict[str, Any]:
    return {"min_version": version, "max_version": version}


def mtls_server(**overrides: Any) -> Any:
    options: dict[str, Any] = {"client_auth": "required", "client_trust": pki().trust_store()}
    options.update(overrides)
    return server_config(**options)


# -- item 1: one client verification for both versions ----------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_revoked_client_certificate_is_refused_in_both_versions(version: ProtocolVersion, policy: str) -> None:
    cert, crl = revoked_client()
    server = mtls_server(client_revocation=policy, client_crls=(crl,))
    client = client_config(client_certificate=chain_of(cert), **only(version))
    pair = Pair(client, server)
    pair.pump()
    assert isinstance(pair.server_error, CertificateRevoked), pair.server_error
    assert pair.server_error.alert == AlertDescription.CERTIFICATE_REVOKED
    assert not pair.server.handshake_complete


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_unrevoked_client_certificate_passes_the_same_checks(version: ProtocolVersion, policy: str) -> None:
    """The control: the same server and CRL accept the client certificate the CRL does not list."""
    _, crl = revoked_client()
    server = mtls_server(client_revocation=policy, client_crls=(crl,))
    client = client_config(client_certificate=chain_of(pki().client), **only(version))
    _c, s = Pair(client, server).handshake()
    assert s.version == version and s.verified_chain is not None
    assert any(check.name == "revocation" and check.ok for check in s.verified_chain.checks)


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
def test_openssl_client_with_revoked_certificate_is_refused_over_tls12(pki: TestPKI, tmp_path: Path) -> None:
    """``openssl s_client -tls1_2`` presents a certificate the server's CRL lists: certificate_revoked."""
    assert pki.files is not None
    cert, crl = _revoked_client(pki)
    cert_file, key_file = tmp_path / "revoked-client.pem", tmp_path / "revoked-client.key"
    cert_file.write_bytes(cert.cert_pem())
    key_file.write_bytes(cert.key_pem())
    key_file.chmod(0o600)
    config = live_server_config(
        pki,
        client_auth="required",
        client_trust=TrustStore.from_file(pki.files.root),
        client_revocation="soft-fail",
        client_crls=(crl,),
    )
    with glasstls_server(config) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            tls13_only=False,
            certfile=cert_file,
            keyfile=key_file,
            extra_args=["-tls1_2", "-state"],
        )
        session = server.session(0)
    assert result.returncode != 0
    assert isinstance(session.error, CertificateRevoked), session.error
    assert "alert read:fatal:certificate revoked" in result.output, result.output
