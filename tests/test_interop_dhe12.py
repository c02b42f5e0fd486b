"""TLS 1.2 DHE_RSA over the RFC 7919 groups, live with OpenSSL and GnuTLS, both ways.

* glasstls client -> ``openssl s_server -tls1_2 -cipher DHE-RSA-... -dhparam ffdhe2048.pem``. OpenSSL 3.0 does not
  negotiate RFC 7919 groups in TLS 1.2 (it ignores supported_groups for DHE): given no ``-dhparam`` it uses a
  group of its own, which the glasstls client refuses with insufficient_security (only RFC 7919 groups, RFC 7919
  section 3) -- checked too.
* ``openssl s_client -tls1_2 -cipher DHE-RSA-...`` -> glasstls server (OpenSSL offers ffdhe2048..8192 in
  supported_groups: the server picks its first, ffdhe2048).
* glasstls client -> ``gnutls-serv`` (+DHE-RSA, +GROUP-FFDHE3072): GnuTLS negotiates the group by RFC 7919.
* ``gnutls-cli`` (+DHE-RSA, +GROUP-FFDHE4096) -> glasstls server configured with ffdhe2048 and ffdhe4096.

Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.errors import InsufficientSecurity
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion
from interop_helpers import (
    TEST_TIMEOUT,
    client_config,
    creds,
    echo_n_handler,
    glasstls_connect,
    glasstls_server,
    recv_exactly,
    server_config,
)
from peers import PEER_TIMEOUT, gnutls_server, openssl_server, require_tool, run_gnutls_client, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

V12 = ProtocolVersion.TLS12
SUITES = [
    (CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE-RSA-AES128-GCM-SHA256", "AES-128-GCM"),
    (CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "DHE-RSA-AES256-GCM-SHA384", "AES-256-GCM"),
    (CipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "DHE-RSA-CHACHA20-POLY1305", "CHACHA20-POLY1305"),
]
IDS = [s[1].lower() for s in SUITES]
GNUTLS_DHE = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-GROUP-ALL"


def _dhparam(tmp_path: Path, group: str) -> Path:
    """The RFC 7919 parameters as OpenSSL writes them for ``group`` (its built-in named groups)."""
    path = tmp_path / f"{group}.pem"
    subprocess.run(
        [
            require_tool("openssl"),
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            f"group:{group}",
            "-out",
            path,
        ],
        check=True,
        timeout=PEER_TIMEOUT,
        capture_output=True,
    )
    return path


def _client(pki: TestPKI, suite: CipherSuite, groups: tuple[NamedGroup, ...]) -> object:
    return client_config(
        pki, max_version=V12, allow_dhe=True, cipher_suites=(suite,), groups=groups, key_share_groups=groups[:1]
    )


@pytest.mark.parametrize(("suite", "openssl_name", "_gnutls"), SUITES, ids=IDS)
def test_glasstls_client_with_openssl_server(
    pki: TestPKI, tmp_path: Path, suite: CipherSuite, openssl_name: str, _gnutls: str
) -> None:
    files = creds(pki, "rsa")
    args = ["-tls1_2", "-cipher", openssl_name, "-dhparam", str(_dhparam(tmp_path, "ffdhe2048"))]
    config = _client(pki, suite, (NamedGroup.X25519, NamedGroup.FFDHE2048))
    with (
        openssl_server(files.cert, files.key, tls13_only=False, extra_args=args) as server,
        glasstls_connect(server.port, config) as tls,  # type: ignore[arg-type]
    ):
        assert tls.negotiated.cipher_suite == suite and tls.negotiated.group == NamedGroup.FFDHE2048
        server.wait_for_output("CIPHER is")
        server.send(b"dhe from openssl\n")
        assert recv_exactly(tls, 17) == b"dhe from openssl\n"


def test_glasstls_client_refuses_openssl_default_dh_group(pki: TestPKI) -> None:
    files = creds(pki, "rsa")
    suite, name, _ = SUITES[0]
    config = _client(pki, suite, (NamedGroup.X25519, NamedGroup.FFDHE2048))
    with openssl_server(files.cert, files.key, tls13_only=False, extra_args=["-tls1_2", "-cipher", name]) as server:
        with pytest.raises(InsufficientSecurity, match="not an RFC 7919 group"):
            glasstls_connect(server.port, config)  # type: ignore[arg-type]
        server.wait_for_output("alert insufficient security")


@pytest.mark.parametrize(("suite", "openssl_name", "_gnutls"), SUITES, ids=IDS)
def test_openssl_client_with_glasstls_server(pki: TestPKI, suite: CipherSuite, openssl_name: str, _gnutls: str) -> None:
    assert pki.files is not None
    config = server_config(pki, ("rsa",), allow_dhe=True)
    with glasstls_server(config, echo_n_handler(4)) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            tls13_only=False,
            brief=False,
            extra_args=["-tls1_2", "-cipher", openssl_name],
            stdin=b"dhe\n",
        ).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.cipher_suite == suite and session.negotiated.group == NamedGroup.FFDHE2048
    assert "Server Temp Key: DH, 2048 bits" in result.output


@pytest.mark.parametrize(("suite", "_openssl", "gnutls_cipher"), SUITES, ids=IDS)
def test_glasstls_client_with_gnutls_server(
    pki: TestPKI, suite: CipherSuite, _openssl: str, gnutls_cipher: str
) -> None:
    files = creds(pki, "rsa")
    prio = f"{GNUTLS_DHE}:+GROUP-FFDHE2048:+GROUP-FFDHE3072:-CIPHER-ALL:+{gnutls_cipher}"
    config = _client(pki, suite, (NamedGroup.X25519, NamedGroup.FFDHE3072))
    with gnutls_server(files.cert, files.key, priority=prio) as server:
        with glasstls_connect(server.port, config) as tls:  # type: ignore[arg-type]
            assert tls.negotiated.cipher_suite == suite and tls.negotiated.group == NamedGroup.FFDHE3072
            tls.sendall(b"dhe\n")
            assert recv_exactly(tls, 4) == b"dhe\n"
        server.wait_for_output(r"- Description: .*")
        assert "(DHE-FFDHE3072)" in server.output()


@pytest.mark.parametrize(("suite", "_openssl", "gnutls_cipher"), SUITES, ids=IDS)
def test_gnutls_client_with_glasstls_server(
    pki: TestPKI, suite: CipherSuite, _openssl: str, gnutls_cipher: str
) -> None:
    assert pki.files is not None
    config = server_config(
        pki, ("rsa",), allow_dhe=True, groups=(NamedGroup.X25519, NamedGroup.FFDHE2048, NamedGroup.FFDHE4096)
    )
    prio = f"{GNUTLS_DHE}:+GROUP-FFDHE4096:-CIPHER-ALL:+{gnutls_cipher}"
    with glasstls_server(config) as server:
        result = run_gnutls_client(server.port, cafile=pki.files.root, priority=prio, stdin=b"dhe\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.cipher_suite == suite and session.negotiated.group == NamedGroup.FFDHE4096
    assert "(DHE-FFDHE4096)" in result.output
