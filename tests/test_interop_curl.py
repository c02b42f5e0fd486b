"""Live interop: curl (libcurl with OpenSSL) against the glasstls server, with a small HTTP/1.1 handler.

The handler answers every request with a body that states what glasstls negotiated, so each test checks both
ends: curl's verbose log (``SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256``, ``ALPN: server accepted``,
``TLSv1.3 (OUT), TLS alert, unknown CA (560)``) and glasstls's ``negotiated``.

curl is only a client; the other direction is covered by the other peers.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from glasstls.errors import AlertReceived, CertificateRequired, NoApplicationProtocol
from glasstls.io.sync import TLSSocket
from glasstls.pki.testpki import TestPKI
from glasstls.wire.enums import AlertDescription, NamedGroup
from interop_helpers import (
    CERT_KINDS,
    ONE_MIB,
    SCHEMES_FOR_KIND,
    TEST_TIMEOUT,
    Group,
    Handler,
    ServerSession,
    Suite,
    glasstls_server,
    group_params,
    key_updates,
    mtls_server_config,
    recv_exactly,
    server_config,
    suite_params,
)
from peers import PEER_TIMEOUT, PeerPki, PeerResult, StrPath, require_tool, run_curl

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]


def _curl_openssl_version() -> tuple[int, int] | None:
    curl = require_tool("curl")
    done = subprocess.run([curl, "--version"], capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False)
    match = re.search(r"OpenSSL/(\d+)\.(\d+)", done.stdout)
    return (int(match.group(1)), int(match.group(2))) if match else None


def skip_unless_curl_group(group: Group) -> None:
    """Skip (never fail, even under CI) when curl's OpenSSL lacks ``group``; a missing curl still fails."""
    version = _curl_openssl_version()
    if group.hybrid and version is not None and version < (3, 5):
        pytest.skip(
            f"peer version lacks the algorithm: curl is built with OpenSSL {version[0]}.{version[1]}, "
            f"which has no {group.group.name} (OpenSSL 3.5 added it)"
        )


# --------------------------------------------------------------------------- the HTTP handler


def describe(tls: TLSSocket) -> bytes:
    n = tls.negotiated
    peer = n.peer_certificates[0].subject.rfc4514_string() if n.peer_certificates else "-"
    return (
        f"suite={n.cipher_suite.name} group={n.group.name if n.group else '-'} alpn={n.alpn_protocol or '-'} "
        f"hrr={n.hello_retry_request} client={peer}\n"
    ).encode()


def http_handler(*, key_update: bool = False, content_length: bool = True) -> Handler:
    """Read one HTTP/1.1 request; answer with its body (a POST) or with ``describe()`` (a GET), then close.
    Without ``content_length`` the end of the body is the end of the connection (the client reads to the close)."""

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        request = bytearray()
        while b"\r\n\r\n" not in request:
            chunk = tls.recv()
            if not chunk:
                return  # closed without a (complete) request: what the client sent stays in session.received
            request += chunk
            session.received = bytes(request)
        head, _, body = bytes(request).partition(b"\r\n\r\n")
        match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
        length = int(match.group(1)) if match else 0
        body += recv_exactly(tls, length - len(body)) if length > len(body) else b""
        session.received = head + b"\r\n\r\n" + body
        if key_update:
            tls.key_update(request_peer=True)
        answer = body if head.startswith(b"POST") else describe(tls)
        tls.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + (f"Content-Length: {len(answer)}\r\n".encode() if content_length else b"")
            + b"Connection: close\r\n\r\n"
            + answer
        )

    return handler


def curl(pki: TestPKI, port: int, *args: StrPath, host: str = "localhost", cafile: StrPath | None = None) -> PeerResult:
    assert pki.files is not None
    return run_curl(f"https://{host}:{port}/", cafile=cafile or pki.files.root, extra_args=list(args))


# ============================================================================== the tests


@pytest.mark.parametrize("suite", suite_params())
def test_curl_suite(pki: TestPKI, suite: Suite) -> None:
    with glasstls_server(server_config(pki), http_handler()) as server:
        result = curl(pki, server.port, "--tls13-ciphers", suite.openssl).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite
    assert f"SSL connection using TLSv1.3 / {suite.openssl}" in result.output
    assert f"suite={suite.openssl} ".encode() in result.stdout


@pytest.mark.parametrize("group", group_params())
def test_curl_group(pki: TestPKI, group: Group) -> None:
    """curl offers one group (and its key share); glasstls takes it without a retry."""
    skip_unless_curl_group(group)
    with glasstls_server(server_config(pki), http_handler()) as server:
        result = curl(pki, server.port, "--curves", group.openssl).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (group.group, False)
    assert f"group={group.group.name} ".encode() in result.stdout and b"hrr=False" in result.stdout


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_curl_certificate_kind(pki: TestPKI, kind: str) -> None:
    with glasstls_server(server_config(pki, (kind,)), http_handler()) as server:
        result = curl(pki, server.port).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
    assert "SSL certificate verify ok." in result.output
    assert 'subjectAltName: host "localhost" matched' in result.output


def test_curl_hello_retry_request(pki: TestPKI) -> None:
    """curl sends an x25519 share (OpenSSL's default); the glasstls server accepts only secp384r1."""
    config = server_config(pki, groups=(NamedGroup.SECP384R1,))
    with glasstls_server(config, http_handler()) as server:
        result = curl(pki, server.port).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (NamedGroup.SECP384R1, True)
    assert b"group=SECP384R1" in result.stdout and b"hrr=True" in result.stdout
    assert result.output.count("TLS handshake, Client hello (1)") == 2, result.output


def test_curl_alpn(pki: TestPKI) -> None:
    """The server prefers h2, but curl --http1.1 offers only http/1.1."""
    with glasstls_server(server_config(pki, alpn_protocols=("h2", "http/1.1")), http_handler()) as server:
        result = curl(pki, server.port, "--http1.1").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "http/1.1"
    assert "ALPN: server accepted http/1.1" in result.output
    assert b"alpn=http/1.1" in result.stdout


def test_curl_alpn_no_overlap(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2",)), http_handler()) as server:
        result = curl(pki, server.port, "--http1.1")
        session = server.session()
    assert isinstance(session.error, NoApplicationProtocol), session.error
    assert result.returncode == 35  # CURLE_SSL_CONNECT_ERROR
    assert "alert no application protocol" in result.output


def test_curl_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files.client
    with glasstls_server(mtls_server_config(pki), http_handler()) as server:
        result = curl(pki, server.port, "--cert", files.cert, "--key", files.key).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.peer_certificates[0] == pki.client.certificate
    assert b"client=CN=glasstls test client" in result.stdout


def test_curl_without_certificate_is_refused(pki: TestPKI) -> None:
    with glasstls_server(mtls_server_config(pki), http_handler()) as server:
        result = curl(pki, server.port)
        session = server.session()
    assert isinstance(session.error, CertificateRequired), session.error
    assert result.returncode != 0
    assert "alert certificate required" in result.output


def test_curl_server_key_update(pki: TestPKI) -> None:
    """glasstls updates its keys (asking curl to update too) before it sends the response."""
    with glasstls_server(server_config(pki), http_handler(key_update=True)) as server:
        result = curl(pki, server.port, "--http1.1").check()
        session = server.session().check()
    assert b"suite=" in result.stdout
    # The response was sealed under the updated keys. OpenSSL defers its answering KeyUpdate to its next write,
    # and curl writes nothing more than close_notify, so glasstls may never see curl's update.
    assert key_updates(session.events)[:1] == ["write"], session.events


def test_curl_one_mib_post_echo(pki: TestPKI, tmp_path: Path) -> None:
    data = bytes(range(256)) * (ONE_MIB // 256)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(data)
    with glasstls_server(server_config(pki, ("rsa",)), http_handler()) as server:
        # "Expect:" off: curl would otherwise wait for a "100 Continue" before sending the body.
        result = curl(pki, server.port, "--http1.1", "--data-binary", f"@{upload}", "-H", "Expect:").check()
        session = server.session().check()
    assert session.received.endswith(data)
    assert result.stdout == data


def test_curl_close_notify(pki: TestPKI) -> None:
    """A response delimited by the end of the connection: curl reads to glasstls's close_notify (a bare EOF
    would be OpenSSL's "unexpected eof while reading", an error)."""
    with glasstls_server(server_config(pki), http_handler(content_length=False)) as server:
        result = curl(pki, server.port, "--http1.1").check()
        server.session().check()
    assert "TLSv1.3 (IN), TLS alert, close notify (256)" in result.output, result.output
    assert result.stdout.startswith(b"suite=")


def test_curl_rejects_untrusted_ca(pki: TestPKI, peer_pki: PeerPki) -> None:
    with glasstls_server(server_config(pki), http_handler()) as server:
        result = curl(pki, server.port, cafile=peer_pki.root)
        session = server.session()
    assert result.returncode == 60, result.output  # CURLE_PEER_FAILED_VERIFICATION
    assert "SSL certificate problem: unable to get local issuer certificate" in result.output
    assert "TLSv1.3 (OUT), TLS alert, unknown CA (560)" in result.output
    assert isinstance(session.error, AlertReceived), session.error
    assert session.error.description == AlertDescription.UNKNOWN_CA


def test_curl_rejects_wrong_host_name(pki: TestPKI) -> None:
    """curl checks the name itself after the handshake (no alert): it closes with close_notify, sends no request."""
    with glasstls_server(server_config(pki), http_handler()) as server:
        result = run_curl(f"https://wrong.example:{server.port}/", cafile=pki.files.root if pki.files else None)
        session = server.session().check()
    assert result.returncode == 60, result.output  # CURLE_PEER_FAILED_VERIFICATION
    assert "no alternative certificate subject name matches target host name 'wrong.example'" in result.output
    assert session.received == b""
    assert session.clean_close
