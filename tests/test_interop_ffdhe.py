"""RFC 7919 FFDHE groups live with OpenSSL and GnuTLS, both ways (TLS 1.3 key_share over ffdhe2048 ... 8192).

* glasstls client -> ``openssl s_server -groups ffdheN`` and ``gnutls-serv`` (priority ``+GROUP-FFDHEN``);
* ``openssl s_client -groups ffdheN`` and ``gnutls-cli`` -> glasstls server (groups = that FFDHE group only);
* a HelloRetryRequest from X25519 to ffdhe3072 with each peer as the client.

Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from glasstls.wire.enums import NamedGroup
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
from peers import gnutls_server, openssl_server, run_gnutls_client, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

GROUPS = [NamedGroup.FFDHE2048, NamedGroup.FFDHE3072, NamedGroup.FFDHE4096, NamedGroup.FFDHE6144, NamedGroup.FFDHE8192]
IDS = [g.name.lower() for g in GROUPS]


def _gnutls_priority(*groups: str) -> str:
    return "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:" + ":".join(f"+GROUP-{g}" for g in groups)


@pytest.mark.parametrize("group", GROUPS, ids=IDS)
def test_glasstls_client_with_openssl_server(pki: TestPKI, group: NamedGroup) -> None:
    files = creds(pki, "ecdsa")
    config = client_config(pki, groups=(group,), key_share_groups=(group,))
    with (
        openssl_server(files.cert, files.key, extra_args=["-groups", group.name.lower()]) as server,
        glasstls_connect(server.port, config) as tls,
    ):
        assert tls.negotiated.group == group and not tls.negotiated.hello_retry_request
        server.wait_for_output("CIPHER is")
        server.send(b"from openssl\n")
        assert recv_exactly(tls, 13) == b"from openssl\n"


@pytest.mark.parametrize("group", GROUPS, ids=IDS)
def test_openssl_client_with_glasstls_server(pki: TestPKI, group: NamedGroup) -> None:
    assert pki.files is not None
    with glasstls_server(server_config(pki, groups=(group,)), echo_n_handler(2)) as server:
        result = run_openssl_client(
            server.port, cafile=pki.files.root, brief=False, extra_args=["-groups", group.name.lower()], stdin=b"x\n"
        ).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.group == group
    assert f"Server Temp Key: DH, {group.name[5:]} bits" in result.output, result.output


@pytest.mark.parametrize("group", GROUPS, ids=IDS)
def test_glasstls_client_with_gnutls_server(pki: TestPKI, group: NamedGroup) -> None:
    files = creds(pki, "ecdsa")
    config = client_config(pki, groups=(group,), key_share_groups=(group,))
    with gnutls_server(files.cert, files.key, priority=_gnutls_priority(group.name)) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.group == group
            tls.sendall(b"ffdhe\n")
            assert recv_exactly(tls, 6) == b"ffdhe\n"
        server.wait_for_output(r"- Description: .*")
        assert f"(DHE-{group.name})" in server.output()


@pytest.mark.parametrize("group", GROUPS, ids=IDS)
def test_gnutls_client_with_glasstls_server(pki: TestPKI, group: NamedGroup) -> None:
    assert pki.files is not None
    with glasstls_server(server_config(pki, groups=(group,))) as server:
        result = run_gnutls_client(
            server.port, cafile=pki.files.root, priority=_gnutls_priority(group.name), stdin=b"ffdhe\n"
        ).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.group == group
    assert f"(DHE-{group.name})" in result.output


def test_hello_retry_request_to_ffdhe_with_openssl_and_gnutls_clients(pki: TestPKI) -> None:
    """s_client sends a share for its first group (X25519), gnutls-cli for its first two (X25519, secp256r1); the
    glasstls server takes only ffdhe3072 and asks each for it."""
    assert pki.files is not None
    config = server_config(pki, groups=(NamedGroup.FFDHE3072,))
    with glasstls_server(config, echo_n_handler(2)) as server:
        run_openssl_client(
            server.port, cafile=pki.files.root, extra_args=["-groups", "X25519:ffdhe3072"], stdin=b"x\n"
        ).check()
        run_gnutls_client(
            server.port,
            cafile=pki.files.root,
            priority=_gnutls_priority("X25519", "SECP256R1", "FFDHE3072"),
            stdin=b"x\n",
        ).check()
        sessions = [server.session(0).check(), server.session(1).check()]
    for session in sessions:
        assert session.negotiated is not None
        assert session.negotiated.group == NamedGroup.FFDHE3072 and session.negotiated.hello_retry_request
