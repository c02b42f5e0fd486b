"""rsa_pss_pss_* signature schemes: a certificate whose key is id-RSASSA-PSS (RFC 8446 section 4.2.3).

cryptography cannot generate RSASSA-PSS keys, so the real ``openssl`` makes the key and certificate; glasstls
must then sign CertificateVerify with rsa_pss_pss_* (not rsa_pss_rsae_*), in memory and against OpenSSL.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.crypto.keys import is_rsassa_pss_certificate, load_certificates, load_private_key
from glasstls.errors import HandshakeFailure
from glasstls.io.sync import connect
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import SignatureScheme
from peers import openssl_server, require_tool


@pytest.fixture(scope="module")
def pss_credentials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = require_tool("openssl")
    d = tmp_path_factory.mktemp("rsa-pss")
    key, cert = d / "key.pem", d / "cert.pem"
    run = dict(check=True, capture_output=True, timeout=60)
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key], **run
    )  # type: ignore[call-overload]
    subprocess.run(  # type: ignore[call-overload]
        [
            openssl,
            "req",
            "-x509",
            "-new",
            "-key",
            key,
            "-subj",
            "/CN=localhost",
            "-days",
            "30",
            "-out",
            cert,
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ],
        **run,
    )
    return cert, key


def _configs(cert: Path, key: Path) -> tuple[ClientConfig, ServerConfig]:
    certificate = load_certificates(cert.read_bytes())[0]
    assert is_rsassa_pss_certificate(certificate)
    chain = CertificateChain((certificate,), load_private_key(key.read_bytes()))
    return ClientConfig(trust=TrustStore.from_certificates([certificate])), ServerConfig(certificates=(chain,))


def test_in_memory_pair_signs_with_rsa_pss_pss(pss_credentials: tuple[Path, Path]) -> None:
    client_config, server_config = _configs(*pss_credentials)
    client, server = ClientConnection(client_config, "localhost"), ServerConnection(server_config)
    client.start()
    for _ in range(4):
        server.receive_data(client.data_to_send())
        client.receive_data(server.data_to_send())
    assert client.negotiated is not None and server.negotiated is not None
    assert client.negotiated.signature_scheme == SignatureScheme.RSA_PSS_PSS_SHA256


def test_rsa_pss_rsae_is_refused_for_a_pss_key(pss_credentials: tuple[Path, Path]) -> None:
    client_config, server_config = _configs(*pss_credentials)
    only_rsae = ClientConfig(trust=client_config.trust, signature_schemes=(SignatureScheme.RSA_PSS_RSAE_SHA256,))
    client, server = ClientConnection(only_rsae, "localhost"), ServerConnection(server_config)
    client.start()
    with pytest.raises(HandshakeFailure):
        server.receive_data(client.data_to_send())


@pytest.mark.interop
def test_glasstls_client_verifies_rsa_pss_pss_from_openssl(pss_credentials: tuple[Path, Path]) -> None:
    cert, key = pss_credentials
    client_config, _ = _configs(cert, key)
    with (
        openssl_server(cert, key, mode="rev") as server,
        connect("127.0.0.1", server.port, client_config, server_name="localhost", timeout=15) as tls,
    ):
        assert tls.negotiated is not None
        assert tls.negotiated.signature_scheme in (
            SignatureScheme.RSA_PSS_PSS_SHA256,
            SignatureScheme.RSA_PSS_PSS_SHA384,
            SignatureScheme.RSA_PSS_PSS_SHA512,
        )
        tls.sendall(b"pss\n")
        assert tls.recv(100) == b"ssp\n"
