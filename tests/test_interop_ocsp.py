"""OCSP stapling and revocation in the TLS 1.3 handshake (RFC 8446 section 4.4.2.1, RFC 6066 section 8).

In memory (glasstls to glasstls): the client asks with status_request, the server staples its configured DER
response on the leaf's CertificateEntry, the client checks it; revoked and unusable staples get their alerts;
mutual TLS checks client certificates against the server's CRLs.

Live: ``openssl s_server -status_file`` stapling to the glasstls client (good, and revoked ->
certificate_revoked), and the glasstls server stapling to ``openssl s_client -status`` (its output shows
"OCSP Response Status: successful" and "Cert Status: good").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from glasstls.config import CertificateChain, ServerConfig
from glasstls.errors import AlertReceived, CertificateRevoked, CertificateUnknown, TLSError
from glasstls.pki.revocation import BadCertificateStatusResponse
from glasstls.pki.testpki import RevocationPKI, make_crl, make_revocation_pki
from glasstls.wire import extensions as ext
from glasstls.wire.enums import AlertDescription, ExtensionType
from glasstls.wire.messages import Certificate, ClientHello, HandshakeMessage
from handshake_pair import Pair, chain_of, client_config, pki, server_config
from peers import openssl_server, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = pytest.mark.timeout(60)

TIMEOUT = 10.0

M = TypeVar("M", bound=HandshakeMessage)


@functools.cache
def rev() -> RevocationPKI:
    return make_revocation_pki(pki())


def staple_server(staple: bytes | None, leaf: str = "good") -> ServerConfig:
    cred = rev().revoked_leaf if leaf == "revoked" else pki().server_ecdsa
    chain = chain_of(cred)
    config: ServerConfig = server_config(
        certificates=(CertificateChain(chain.certificates, chain.private_key, staple),)
    )
    return config


class Recorder:
    """Every handshake message each side sends (a pass-through mutator from handshake_pair)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[HandshakeMessage]] = {"client": [], "server": []}

    def handshake(self, pair: Pair) -> tuple[Any, Any]:
        def keep(side: str) -> Callable[[HandshakeMessage], None]:
            return lambda message: self.sent[side].append(message)

        with pair.mutate("client", keep("client")), pair.mutate("server", keep("server")):
            return pair.handshake()

    def first(self, side: str, kind: type[M]) -> M:
        return next(m for m in self.sent[side] if isinstance(m, kind))


# -- in memory ---------------------------------------------------------------------------------------------


def test_good_staple_is_requested_sent_and_checked() -> None:
    recorder = Recorder()
    client, _ = recorder.handshake(Pair(client_config(revocation="hard-fail"), staple_server(rev().ocsp_good)))
    hello = recorder.first("client", ClientHello)
    assert ext.get_extension(hello.extensions, ext.StatusRequest) is not None
    certificate = recorder.first("server", Certificate)
    leaf_entry, *others = certificate.certificate_list
    staple = ext.get_extension(leaf_entry.extensions, ext.CertificateStatusOcsp)
    assert staple is not None and staple.ocsp_response == rev().ocsp_good
    assert all(not e.extensions for e in others)  # RFC 8446 section 4.4.2.1: the leaf's entry only
    revocation = [c for c in client.verified_chain.checks if c.name == "revocation"]
    assert revocation[0].ok and "says the stapled OCSP response" in revocation[0].detail


def test_revoked_staple_gets_certificate_revoked() -> None:
    pair = Pair(client_config(), staple_server(rev().ocsp_revoked, leaf="revoked"))
    pair.pump()
    assert isinstance(pair.client_error, CertificateRevoked)
    assert pair.client_error.alert == AlertDescription.CERTIFICATE_REVOKED
    assert "is revoked" in pair.client_error.reason
    assert isinstance(pair.server_error, AlertReceived)
    assert pair.server_error.description == AlertDescription.CERTIFICATE_REVOKED


def test_stale_staple_gets_bad_certificate_status_response() -> None:
    pair = Pair(client_config(), staple_server(rev().ocsp_stale))
    pair.pump()
    assert isinstance(pair.client_error, BadCertificateStatusResponse)
    assert isinstance(pair.server_error, AlertReceived)
    assert pair.server_error.description == AlertDescription.BAD_CERTIFICATE_STATUS_RESPONSE


def test_no_staple_unless_asked() -> None:
    recorder = Recorder()
    client, _ = recorder.handshake(Pair(client_config(request_ocsp_staple=False), staple_server(rev().ocsp_good)))
    hello = recorder.first("client", ClientHello)
    assert all(e.ext_type != ExtensionType.STATUS_REQUEST for e in hello.extensions)
    certificate = recorder.first("server", Certificate)
    assert all(not e.extensions for e in certificate.certificate_list)
    assert "accepted under soft-fail" in client.verified_chain.check("revocation").detail


def test_hard_fail_without_staple_is_certificate_unknown() -> None:
    pair = Pair(client_config(revocation="hard-fail"), staple_server(None))
    pair.pump()
    assert isinstance(pair.client_error, CertificateUnknown)
    assert isinstance(pair.server_error, AlertReceived)
    assert pair.server_error.description == AlertDescription.CERTIFICATE_UNKNOWN


def test_client_crls_are_used() -> None:
    pair = Pair(
        client_config(crls=rev().crls),
        server_config(certificates=(chain_of(rev().revoked_leaf),)),
    )
    pair.pump()
    assert isinstance(pair.client_error, CertificateRevoked)
    assert "the CRL from CN=glasstls test intermediate CA" in pair.client_error.reason


def test_revocation_off_ignores_a_revoked_staple() -> None:
    pair = Pair(client_config(revocation="off"), staple_server(rev().ocsp_revoked, leaf="revoked"))
    client, _ = pair.handshake()
    assert client.verified_chain.check("revocation").skipped


def test_mutual_tls_client_certificate_revoked_by_server_crl() -> None:
    the_pki = pki()
    crl = make_crl(the_pki.intermediate, revoked=[the_pki.client.certificate], now=the_pki.now)
    client = client_config(client_certificate=chain_of(the_pki.client))
    server = server_config(client_auth="required", client_trust=the_pki.trust_store(), client_crls=(crl,))
    pair = Pair(client, server)
    pair.pump()
    assert isinstance(pair.server_error, CertificateRevoked)
    assert "the client's leaf certificate CN=glasstls test client" in pair.server_error.reason
    assert isinstance(pair.client_error, AlertReceived)
    assert pair.client_error.description == AlertDescription.CERTIFICATE_REVOKED
    # The same client with a CRL that does not list it, under hard-fail: accepted.
    clean = make_crl(the_pki.intermediate, now=the_pki.now)
    server = server_config(
        client_auth="required", client_trust=the_pki.trust_store(), client_crls=(clean,), client_revocation="hard-fail"
    )
    _, negotiated = Pair(client, server).handshake()
    assert negotiated.verified_chain.check("revocation").ok


# -- live: openssl -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> tuple[TestPKI, RevocationPKI, Path]:
    """The session's test PKI (files written) and its revocation material, written next to it."""
    directory = tmp_path_factory.mktemp("ocsp")
    material = make_revocation_pki(pki)
    material.write(directory)
    return pki, material, directory


def test_openssl_server_staples_good_to_glasstls_client(files: tuple[TestPKI, RevocationPKI, Path]) -> None:
    from test_interop_openssl import glasstls_connect

    the_pki, _, directory = files
    assert the_pki.files is not None
    cred = the_pki.files.server_ecdsa
    extra = ["-status_file", str(directory / "ocsp-good.der"), "-state"]
    with openssl_server(cred.cert, cred.key, mode="rev", extra_args=extra) as server:
        config = client_config(trust=the_pki.trust_store(), revocation="hard-fail")
        with glasstls_connect(server.port, config) as tls:
            verified = tls.negotiated.verified_chain
            assert verified is not None
            checks = verified.checks
            leaf = next(c for c in checks if c.name == "revocation")
            assert leaf.ok and "is not revoked, says the stapled OCSP response" in leaf.detail
            tls.sendall(b"stapled\n")
            assert tls.recv(64) == b"delpats\n"


def test_openssl_server_staples_revoked_to_glasstls_client(files: tuple[TestPKI, RevocationPKI, Path]) -> None:
    from test_interop_openssl import glasstls_connect

    the_pki, _, directory = files
    extra = ["-status_file", str(directory / "ocsp-revoked.der"), "-state"]
    with openssl_server(
        directory / "revoked-server.pem", directory / "revoked-server.key", mode="rev", extra_args=extra
    ) as server:
        with pytest.raises(TLSError) as info:
            glasstls_connect(server.port, client_config(trust=the_pki.trust_store()))
        assert isinstance(info.value, CertificateRevoked), info.value
        assert "says the stapled OCSP response" in info.value.reason
        server.wait_for_output("SSL3 alert read:fatal:certificate revoked")


def test_glasstls_server_staples_to_openssl_client(files: tuple[TestPKI, RevocationPKI, Path]) -> None:
    from test_interop_openssl import glasstls_server

    the_pki, _, directory = files
    assert the_pki.files is not None
    cred = the_pki.files.server_ecdsa
    chain = CertificateChain.from_files(cred.cert, cred.key, ocsp_response_path=directory / "ocsp-good.der")
    with glasstls_server(server_config(certificates=(chain,))) as server:
        result = run_openssl_client(
            server.port,
            cafile=the_pki.files.root,
            brief=False,
            extra_args=["-status"],
            stdin=b"stapled hello\n",
            until="(?m)^stapled hello$",
            timeout=TIMEOUT,
        )
    assert "OCSP Response Status: successful" in result.output, result.output
    assert "Cert Status: good" in result.output, result.output
    assert "Verify return code: 0 (ok)" in result.output
    # Without -status the client does not ask, and nothing is stapled.
    with glasstls_server(server_config(certificates=(chain,))) as server:
        plain = run_openssl_client(
            server.port, cafile=the_pki.files.root, brief=False, stdin=b"plain hello\n", until="(?m)^plain hello$"
        )
    assert "OCSP response" not in plain.output
