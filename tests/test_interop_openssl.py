"""Live interop with OpenSSL (``openssl s_server`` / ``s_client``) on 127.0.0.1, in both directions.

The glasstls-side helpers all interop modules share (the tables of suites and groups, configs from the test PKI,
a threaded glasstls server that records what each connection negotiated, an event spy) are in
``tests/interop_helpers.py``; the OpenSSL-specific ones are here. Every peer operation has a timeout
(``tests/peers.py``); every test has a hard ``pytest-timeout`` on top.

What the peers print, and what we look for:

* ``s_server -state`` (rev mode) prints ``Ciphersuite: ...`` and, from its info callback, each alert it reads or
  writes: ``SSL3 alert read:warning:close notify``, ``SSL3 alert read:fatal:bad certificate``.
* ``s_client -brief -state`` prints ``Ciphersuite:``, ``Server Temp Key: X25519, 253 bits``, ``Signature type:``
  and the alerts the same way; without ``-brief`` it prints ``ALPN protocol: h2``.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pytest

import interop_helpers
from glasstls.config import ClientConfig
from glasstls.errors import AlertReceived, BadCertificate, CertificateRequired, NoApplicationProtocol, TLSError
from glasstls.events import ConnectionClosed, KeyUpdated
from glasstls.io.sync import TLSSocket
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, NamedGroup, SignatureScheme
from interop_helpers import (
    CERT_KINDS,
    SCHEMES_FOR_KIND,
    TEST_TIMEOUT,
    Group,
    ServerSession,
    Suite,
    chain,
    client_config,
    creds,
    echo_exchange,
    echo_n_handler,
    glasstls_connect,
    glasstls_server,
    group_params,
    key_updates,
    line_payload,
    mtls_server_config,
    recv_exactly,
    recv_until,
    reversed_lines,
    server_config,
    spy_events,
    suite_params,
    wait_output,
)
from peers import (
    PEER_TIMEOUT,
    PeerPki,
    PeerProcess,
    PeerResult,
    StrPath,
    free_port,
    openssl_server,
    require_tool,
    run_openssl_client,
)

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

# Re-exported for the interop modules that still import them from here (test_interop_resumption13 and
# test_interop_ocsp); new code imports every shared helper from interop_helpers.
TIMEOUT = interop_helpers.TIMEOUT
recv_to_eof = interop_helpers.recv_to_eof

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

# ------------------------------------------------------------------------ peer capability checks


def _version_line(argv: Sequence[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "unknown version"


@functools.cache
def _openssl_group_error(name: str) -> str | None:
    openssl = require_tool("openssl")
    # s_client sets its groups before it connects: an unknown group fails right there. The port is closed.
    argv = [openssl, "s_client", "-groups", name, "-connect", f"127.0.0.1:{free_port()}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=PEER_TIMEOUT, stdin=subprocess.DEVNULL)
    if "cannot be set" in done.stderr or "SSL_CONF_cmd(-groups" in done.stderr:
        return f"{_version_line([openssl, 'version'])} does not support the group {name}"
    return None


def skip_unless_openssl_group(group: Group) -> None:
    """Skip (never fail, even under CI) when the installed OpenSSL lacks ``group``; a missing tool still fails."""
    reason = _openssl_group_error(group.openssl)
    if reason is not None:
        pytest.skip(f"peer version lacks the algorithm: {reason}")


# ----------------------------------------------------------------------------- openssl helpers


def s_server(
    pki: TestPKI, kind: str = "ecdsa", *, mode: str = "rev", extra_args: Sequence[StrPath] = (), **kwargs: object
) -> contextlib.AbstractContextManager:  # type: ignore[type-arg]
    """``openssl s_server`` with the test PKI's ``kind`` certificate and ``-state`` (it then prints alerts)."""
    files = creds(pki, kind)
    return openssl_server(files.cert, files.key, mode=mode, extra_args=["-state", *extra_args], **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def s_client_process(port: int, cafile: StrPath, *args: StrPath, brief: bool = True) -> Iterator[PeerProcess]:
    """An ``openssl s_client`` whose stdin the test drives line by line (its command letters work: no
    ``-ign_eof``); stopped and reaped on exit."""
    openssl = require_tool("openssl")
    argv: list[StrPath] = [
        openssl,
        "s_client",
        "-connect",
        f"127.0.0.1:{port}",
        "-servername",
        "localhost",
        "-CAfile",
        cafile,
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-tls1_3",
        "-state",
        *(["-brief"] if brief else []),
        *args,
    ]
    process = PeerProcess(argv, name="openssl s_client")
    try:
        yield process
    finally:
        process.stop()


# ================================================================== glasstls client -> s_server


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_client_suite(pki: TestPKI, suite: Suite) -> None:
    """glasstls offers all three suites; s_server allows one."""
    with s_server(pki, extra_args=["-ciphersuites", suite.openssl]) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            assert tls.negotiated.cipher_suite == suite.suite
            tls.sendall(b"suite check\n")
            assert recv_exactly(tls, 12) == b"kcehc etius\n"
        server.wait_for_output(rf"Ciphersuite: {suite.openssl}")
        server.wait_for_output("Protocol version: TLSv1.3")


@pytest.mark.parametrize("group", group_params())
def test_glasstls_client_group(pki: TestPKI, group: Group) -> None:
    """s_server allows one group; glasstls sends a key share for it in its first ClientHello."""
    skip_unless_openssl_group(group)
    config = client_config(pki, key_share_groups=(group.group,))
    with s_server(pki, extra_args=["-groups", group.openssl]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert (tls.negotiated.group, tls.negotiated.hello_retry_request) == (group.group, False)
            tls.sendall(b"abc\n")
            assert recv_exactly(tls, 4) == b"cba\n"
        server.wait_for_output("Protocol version: TLSv1.3")


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_client_certificate_kind(pki: TestPKI, kind: str) -> None:
    with s_server(pki, kind) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
        assert tls.negotiated.peer_certificates[0] == chain(pki, kind).leaf
        tls.sendall(b"cert\n")
        assert recv_exactly(tls, 5) == b"trec\n"


def test_glasstls_client_verifies_openssl_made_rsa_chain(peer_pki: PeerPki) -> None:
    """A chain made by the openssl command (not by glasstls's test PKI) verifies, with SNI and IP names."""
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root))
    with openssl_server(peer_pki.server_rsa, peer_pki.server_rsa_key, mode="rev") as server:
        for name in ("localhost", "127.0.0.1"):
            with glasstls_connect(server.port, config, server_name=name) as tls:
                assert tls.negotiated.verified_chain is not None
                assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND["rsa"]
                tls.sendall(b"ok\n")
                assert recv_exactly(tls, 3) == b"ko\n"


def test_glasstls_client_hello_retry_request(pki: TestPKI) -> None:
    """glasstls sends an X25519 share; s_server accepts only secp384r1 and asks for it."""
    config = client_config(pki, key_share_groups=(NamedGroup.X25519,))
    with s_server(pki, extra_args=["-groups", "P-384"]) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.hello_retry_request
            assert tls.negotiated.group == NamedGroup.SECP384R1
            tls.sendall(b"hrr\n")
            assert recv_exactly(tls, 4) == b"rrh\n"
        # The server read two ClientHellos.
        server.wait_for_output("Protocol version: TLSv1.3")
        assert server.output().count("SSL_accept:SSLv3/TLS read client hello") == 2, server.output()


def test_glasstls_client_alpn(pki: TestPKI) -> None:
    config = client_config(pki, alpn_protocols=("glasstls-test", "http/1.1"))
    with s_server(pki, alpn=["h2", "http/1.1"]) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.alpn_protocol == "http/1.1"
        tls.sendall(b"alpn\n")
        assert recv_exactly(tls, 5) == b"npla\n"


def test_glasstls_client_alpn_no_overlap(pki: TestPKI) -> None:
    """s_server finds no protocol in common and refuses with no_application_protocol (RFC 7301 section 3.2)."""
    config = client_config(pki, alpn_protocols=("glasstls-test",))
    with s_server(pki, alpn=["h2"]) as server:
        with pytest.raises(AlertReceived) as info:
            glasstls_connect(server.port, config)
        assert info.value.description == AlertDescription.NO_APPLICATION_PROTOCOL
        server.wait_for_output("SSL3 alert write:fatal:no application protocol")


def test_glasstls_client_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    config = client_config(pki, client_certificate=chain(pki, "client"))
    with s_server(pki, client_ca=pki.files.root) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.client_certificate_requested
        tls.sendall(b"mtls\n")
        assert recv_exactly(tls, 5) == b"sltm\n"
        server.wait_for_output("glasstls test client")


def test_glasstls_client_without_certificate_gets_certificate_required(pki: TestPKI) -> None:
    assert pki.files is not None
    with s_server(pki, client_ca=pki.files.root) as server:
        tls = glasstls_connect(server.port, client_config(pki))  # our side of the handshake completes
        with tls, pytest.raises(AlertReceived) as info:
            tls.recv()
        assert info.value.description == AlertDescription.CERTIFICATE_REQUIRED
        # OpenSSL 3.0 has no name for alert 116: "SSL3 alert write:fatal:unknown".
        server.wait_for_output("peer did not return a certificate")


def test_glasstls_client_initiates_key_update(pki: TestPKI) -> None:
    with s_server(pki) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"before\n")
        assert recv_exactly(tls, 7) == b"erofeb\n"
        tls.key_update(request_peer=True)
        tls.sendall(b"after\n")
        assert recv_exactly(tls, 6) == b"retfa\n"
        tls.key_update(request_peer=False)
        tls.sendall(b"again\n")
        assert recv_exactly(tls, 6) == b"niaga\n"
        # Our two updates and OpenSSL's answer to update_requested (before its reply to "after").
        assert key_updates(events) == ["write", "read", "write"], events


def test_glasstls_client_peer_initiates_key_update(pki: TestPKI) -> None:
    """s_server's interactive commands: "k" sends KeyUpdate, "K" one with update_requested."""
    with s_server(pki, mode="interactive") as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"hello server\n")
        server.wait_for_output("hello server")
        server.send(b"k\n")
        # Wait for the command to run: s_server drops the rest of a stdin read that began with a command.
        server.wait_for_output("write server key update")
        server.send(b"after k\n")
        assert recv_until(tls, b"after k\n").endswith(b"after k\n")
        assert key_updates(events) == ["read"]
        assert not any(isinstance(e, KeyUpdated) and e.requested for e in events)
        server.send(b"K\n")
        server.wait_for_output("(?s)write server key update.*write server key update")
        server.send(b"after K\n")
        assert recv_until(tls, b"after K\n").endswith(b"after K\n")
        assert key_updates(events) == ["read", "read", "write"], events
        # Our write update answered s_server's update_requested.
        assert [e.requested for e in events if isinstance(e, KeyUpdated)] == [False, False, True]
        tls.sendall(b"new keys from glasstls\n")  # sealed with our updated keys
        server.wait_for_output("new keys from glasstls")


def test_glasstls_client_sends_close_notify(pki: TestPKI) -> None:
    with s_server(pki) as server:
        tls = glasstls_connect(server.port, client_config(pki))
        tls.sendall(b"bye\n")
        assert recv_exactly(tls, 4) == b"eyb\n"
        tls.close()
        server.wait_for_output("SSL3 alert read:warning:close notify")


def test_glasstls_client_peer_sends_close_notify(pki: TestPKI) -> None:
    with s_server(pki) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"CLOSE\n")  # s_server -rev: close the connection
        assert tls.recv() == b""
        assert tls.close_notify_received
        assert ConnectionClosed(clean=True) in events
        server.wait_for_output("SSL3 alert write:warning:close notify")


def test_glasstls_client_one_mib_lines(pki: TestPKI) -> None:
    data = line_payload()
    with s_server(pki, "rsa") as server, glasstls_connect(server.port, client_config(pki)) as tls:
        echo_exchange(tls, data, reversed_lines(data))


def test_glasstls_client_rejects_wrong_host_name(pki: TestPKI) -> None:
    with s_server(pki) as server:
        with pytest.raises(BadCertificate, match=r"wrong\.example"):
            glasstls_connect(server.port, client_config(pki), server_name="wrong.example")
        server.wait_for_output("SSL3 alert read:fatal:bad certificate")


def test_glasstls_client_rejects_untrusted_ca(pki: TestPKI, peer_pki: PeerPki) -> None:
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root))  # another root: not the test PKI's
    with s_server(pki) as server:
        with pytest.raises(TLSError) as info:
            glasstls_connect(server.port, config)
        assert info.value.alert == AlertDescription.UNKNOWN_CA, info.value
        server.wait_for_output("SSL3 alert read:fatal:unknown CA")


# ================================================================== s_client -> glasstls server


def s_client(
    port: int,
    pki: TestPKI,
    *args: StrPath,
    stdin: bytes = b"",
    brief: bool = True,
    ign_eof: bool = True,
    server_name: str = "localhost",
    cafile: StrPath | None = None,
) -> PeerResult:
    """``openssl s_client -state`` against the glasstls server: sends ``stdin``, then (``ign_eof``) reads until
    the server closes, or (not ``ign_eof``) closes with close_notify at the end of its input. Tests where the
    handshake fails send nothing: the harness would fail writing to a client that already exited."""
    assert pki.files is not None
    return run_openssl_client(
        port,
        cafile=cafile or pki.files.root,
        servername=server_name,
        brief=brief,
        ign_eof=ign_eof,
        extra_args=["-state", *args],
        stdin=stdin,
    )


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_server_suite(pki: TestPKI, suite: Suite) -> None:
    with glasstls_server(server_config(pki), echo_n_handler(6)) as server:
        result = s_client(server.port, pki, "-ciphersuites", suite.openssl, stdin=b"suite\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite
    assert f"Ciphersuite: {suite.openssl}" in result.output
    assert b"suite\n" in result.stdout


@pytest.mark.parametrize("group", group_params())
def test_glasstls_server_group(pki: TestPKI, group: Group) -> None:
    """s_client offers (and sends a share for) one group; the glasstls server takes it without a retry."""
    skip_unless_openssl_group(group)
    with glasstls_server(server_config(pki), echo_n_handler(6)) as server:
        result = s_client(server.port, pki, "-groups", group.openssl, stdin=b"group\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (group.group, False)
    assert f"Server Temp Key: {group.openssl_temp_key}" in result.output


@pytest.mark.parametrize(("kind", "signature_type"), [("ecdsa", "ECDSA"), ("rsa", "RSA-PSS"), ("ed25519", "ed25519")])
def test_glasstls_server_certificate_kind(pki: TestPKI, kind: str, signature_type: str) -> None:
    with glasstls_server(server_config(pki, (kind,)), echo_n_handler(5)) as server:
        result = s_client(server.port, pki, stdin=b"cert\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
    assert f"Signature type: {signature_type}" in result.output
    assert "Verification: OK" in result.output


@pytest.mark.parametrize(
    ("sigalgs", "scheme"),
    [
        ("rsa_pss_rsae_sha384", SignatureScheme.RSA_PSS_RSAE_SHA384),
        ("ecdsa_secp256r1_sha256", SignatureScheme.ECDSA_SECP256R1_SHA256),
        ("ed25519", SignatureScheme.ED25519),
    ],
)
def test_glasstls_server_chain_by_signature_algorithms(pki: TestPKI, sigalgs: str, scheme: SignatureScheme) -> None:
    """One glasstls server with ECDSA, RSA and Ed25519 chains; the client's signature_algorithms decide."""
    with glasstls_server(server_config(pki, CERT_KINDS), echo_n_handler(3)) as server:
        result = s_client(server.port, pki, "-sigalgs", sigalgs, stdin=b"ok\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme == scheme
    assert "Verification: OK" in result.output


def test_glasstls_server_hello_retry_request(pki: TestPKI) -> None:
    """s_client sends only an x25519 share (its first group); the glasstls server accepts secp384r1 (and
    secp256r1, which the client does not offer) and asks for a secp384r1 share."""
    config = server_config(pki, groups=(NamedGroup.SECP384R1, NamedGroup.SECP256R1))
    with glasstls_server(config, echo_n_handler(4)) as server:
        result = s_client(server.port, pki, "-groups", "X25519:P-384", stdin=b"hrr\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.hello_retry_request
    assert session.negotiated.group == NamedGroup.SECP384R1
    assert "Server Temp Key: ECDH, secp384r1, 384 bits" in result.output
    assert result.output.count("SSL_connect:SSLv3/TLS write client hello") >= 2, result.output


def test_glasstls_server_alpn(pki: TestPKI) -> None:
    """The server chooses by its own preference among what the client offers."""
    with glasstls_server(server_config(pki, alpn_protocols=("h2", "http/1.1")), echo_n_handler(5)) as server:
        result = s_client(server.port, pki, "-alpn", "http/1.1,h2", stdin=b"alpn\n", brief=False).check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "h2"
    assert "ALPN protocol: h2" in result.output


def test_glasstls_server_alpn_no_overlap(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2",))) as server:
        result = s_client(server.port, pki, "-alpn", "glasstls-test")
        session = server.session()
    assert isinstance(session.error, NoApplicationProtocol), session.error
    assert result.returncode != 0
    assert "SSL3 alert read:fatal:no application protocol" in result.output


def test_glasstls_server_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    with glasstls_server(mtls_server_config(pki), echo_n_handler(5)) as server:
        result = run_openssl_client(
            server.port,
            cafile=pki.files.root,
            certfile=pki.files.client.cert,
            keyfile=pki.files.client.key,
            stdin=b"mtls\n",
        ).check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.peer_certificates[0] == pki.client.certificate
    assert session.negotiated.verified_chain is not None
    assert b"mtls\n" in result.stdout


def test_glasstls_server_requires_client_certificate(pki: TestPKI) -> None:
    with glasstls_server(mtls_server_config(pki)) as server:
        result = s_client(server.port, pki)
        session = server.session()
    assert isinstance(session.error, CertificateRequired), session.error
    assert "tlsv13 alert certificate required" in result.output


def test_glasstls_server_initiates_key_update(pki: TestPKI) -> None:
    def handler(tls: TLSSocket, session: ServerSession) -> None:
        session.received += recv_until(tls, b"one\n")
        tls.key_update(request_peer=True)
        tls.sendall(b"updated\n")
        session.received += recv_until(tls, b"two\n")
        tls.sendall(b"bye\n")

    assert pki.files is not None
    with (
        glasstls_server(server_config(pki), handler) as server,
        s_client_process(server.port, pki.files.root) as client,
    ):
        wait_output(client, "CONNECTION ESTABLISHED")
        client.send(b"one\n")
        wait_output(client, "updated")
        client.send(b"two\n")
        wait_output(client, "bye")
        session = server.session().check()
    # Ours, then OpenSSL's answer to update_requested (it arrives before "two").
    assert key_updates(session.events) == ["write", "read"], session.events
    assert session.received == b"one\ntwo\n"


def test_glasstls_server_peer_initiates_key_update(pki: TestPKI) -> None:
    """s_client's command letters: "k" sends KeyUpdate, "K" one with update_requested."""
    assert pki.files is not None
    with glasstls_server(server_config(pki)) as server, s_client_process(server.port, pki.files.root) as client:
        wait_output(client, "CONNECTION ESTABLISHED")
        client.send(b"first\n")
        wait_output(client, "first\n")
        client.send(b"k\n")
        wait_output(client, "KEYUPDATE")  # s_client drops the rest of a stdin read that began with a command
        client.send(b"second\n")
        wait_output(client, "second\n")
        client.send(b"K\n")
        wait_output(client, "(?s)KEYUPDATE.*KEYUPDATE")
        client.send(b"third\n")
        wait_output(client, "third\n")  # echoed under the glasstls server's updated keys
        client.close_stdin()  # s_client: end of input -> close_notify
        session = server.session().check()
    assert key_updates(session.events) == ["read", "read", "write"], session.events
    assert [e.requested for e in session.events if isinstance(e, KeyUpdated)] == [False, False, True]
    assert session.received == b"first\nsecond\nthird\n"
    assert session.clean_close


def test_glasstls_server_peer_sends_close_notify(pki: TestPKI) -> None:
    """s_client (without -ign_eof) sends close_notify at the end of its input."""
    with glasstls_server(server_config(pki)) as server:
        result = s_client(server.port, pki, stdin=b"bye\n", ign_eof=False).check()
        session = server.session().check()
    assert session.clean_close
    assert session.received == b"bye\n"
    assert "SSL3 alert write:warning:close notify" in result.output


def test_glasstls_server_sends_close_notify(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki), echo_n_handler(4)) as server:
        result = s_client(server.port, pki, stdin=b"bye\n").check()
        server.session().check()
    assert "SSL3 alert read:warning:close notify" in result.output


def test_glasstls_server_one_mib(pki: TestPKI) -> None:
    data = line_payload()
    with glasstls_server(server_config(pki, ("rsa",)), echo_n_handler(len(data))) as server:
        result = s_client(server.port, pki, stdin=data).check()
        session = server.session().check()
    assert session.received == data
    assert data in result.stdout


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "alert", "printed"),
    [
        pytest.param("wrong.example", False, AlertDescription.BAD_CERTIFICATE, "bad certificate", id="wrong-host"),
        pytest.param("localhost", True, AlertDescription.UNKNOWN_CA, "unknown CA", id="untrusted-ca"),
    ],
)
def test_glasstls_server_certificate_rejected_by_peer(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, alert: AlertDescription, printed: str
) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = s_client(server.port, pki, server_name=server_name, cafile=peer_pki.root if use_peer_root else None)
        session = server.session()
    assert result.returncode != 0
    assert f"SSL3 alert write:fatal:{printed}" in result.output
    assert isinstance(session.error, AlertReceived) and session.error.description == alert, session.error
