"""Live interop with GnuTLS (``gnutls-serv`` / ``gnutls-cli``) on 127.0.0.1, in both directions.

What the peers print, and what we look for:

* Both print ``- Description: (TLS1.3-X.509)-(ECDHE-X448)-(EdDSA-Ed25519)-(AES-256-GCM)`` for each session
  (group, CertificateVerify scheme, cipher) and ``- Application protocol: h2``.
* ``gnutls-serv -d 5`` logs each alert it reads: ``Alert[1|0] - Close notify - was received``,
  ``Alert[2|42] - Certificate is bad - was received``. (Only where needed: at that level it logs every record.)
* ``gnutls-cli`` prints ``*** Received alert [120]: ...`` and ``- Peer has closed the GnuTLS connection``; with
  ``--inline-commands`` a line ``^rekey1^`` sends KeyUpdate and ``^rekey^`` one with update_requested.

Not covered: a KeyUpdate initiated by ``gnutls-serv`` (it has no command for it); ``gnutls-serv --echo`` never
closes first, so the peer-closes-first case uses ``--http`` (which closes with close_notify after its page).
"""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
from collections.abc import Iterator, Sequence

import pytest

from glasstls.config import ClientConfig
from glasstls.errors import AlertReceived, BadCertificate, CertificateRequired, NoApplicationProtocol, TLSError
from glasstls.events import ConnectionClosed
from glasstls.io.sync import TLSSocket
from glasstls.pki.testpki import TestPKI
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, NamedGroup
from interop_helpers import (
    CERT_KINDS,
    ONE_MIB,
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
    recv_to_eof,
    recv_until,
    server_config,
    spy_events,
    suite_params,
    wait_output,
)
from peers import (
    TLS13_ONLY_GNUTLS,
    PeerPki,
    PeerProcess,
    PeerResult,
    ProcessServer,
    StrPath,
    gnutls_server,
    require_tool,
    run_gnutls_client,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

#: gnutls's names of the CertificateVerify scheme, in its "Description:" line.
DESCRIPTION_SCHEME = {"ecdsa": "ECDSA-SECP256R1-SHA256", "rsa": "RSA-PSS-RSAE-SHA256", "ed25519": "EdDSA-Ed25519"}


def description(output: str) -> tuple[str, str, str, str]:
    """(kind, group, signature, cipher) from gnutls's ``- Description:`` line."""
    match = re.search(r"- Description: \((TLS1\.3-X\.509)\)-\(ECDHE-([^)]+)\)-\(([^)]+)\)-\(([^)]+)\)", output)
    assert match is not None, f"no TLS 1.3 Description line in:\n{output}"
    return match.group(1), match.group(2), match.group(3), match.group(4)


# ------------------------------------------------------------------------ peer capability checks


@functools.cache
def _gnutls_groups() -> tuple[str, frozenset[str]]:
    gnutls_cli = require_tool("gnutls-cli")
    listing = subprocess.run([gnutls_cli, "--list"], capture_output=True, text=True, timeout=15, check=False).stdout
    version = subprocess.run([gnutls_cli, "--version"], capture_output=True, text=True, timeout=15, check=False)
    line = next((ln for ln in listing.splitlines() if ln.startswith("Groups:")), "Groups:")
    groups = frozenset(g.strip() for g in line.removeprefix("Groups:").split(","))
    return version.stdout.splitlines()[0] if version.stdout else "gnutls (unknown version)", groups


def skip_unless_gnutls_group(group: Group) -> None:
    """Skip (never fail, even under CI) when the installed GnuTLS lacks ``group``; a missing tool still fails."""
    version, groups = _gnutls_groups()
    if group.gnutls not in groups:
        pytest.skip(f"peer version lacks the algorithm: {version} does not list {group.gnutls} in `gnutls-cli --list`")


def priority(*, suite: Suite | None = None, groups: Sequence[str] = ()) -> str:
    """A TLS 1.3-only GnuTLS priority string, optionally with one cipher and/or only ``groups``."""
    text = TLS13_ONLY_GNUTLS
    if suite is not None:
        text += f":-CIPHER-ALL:+{suite.gnutls}"
    if groups:
        text += ":-GROUP-ALL:" + ":".join(f"+{g}" for g in groups)
    return text


def serv(pki: TestPKI, kind: str = "ecdsa", **kwargs: object) -> contextlib.AbstractContextManager[ProcessServer]:
    files = creds(pki, kind)
    return gnutls_server(files.cert, files.key, **kwargs)  # type: ignore[arg-type]


# ================================================================== glasstls client -> gnutls-serv


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_client_suite(pki: TestPKI, suite: Suite) -> None:
    with serv(pki, priority=priority(suite=suite)) as server:
        with glasstls_connect(server.port, client_config(pki)) as tls:
            assert tls.negotiated.cipher_suite == suite.suite
            tls.sendall(b"suite\n")
            assert recv_exactly(tls, 6) == b"suite\n"
        assert description(server.wait_for_output(r"- Description: .*").string)[3] == suite.gnutls


@pytest.mark.parametrize("group", group_params())
def test_glasstls_client_group(pki: TestPKI, group: Group) -> None:
    skip_unless_gnutls_group(group)
    config = client_config(pki, key_share_groups=(group.group,))
    with serv(pki, priority=priority(groups=[group.gnutls])) as server:
        with glasstls_connect(server.port, config) as tls:
            assert (tls.negotiated.group, tls.negotiated.hello_retry_request) == (group.group, False)
            tls.sendall(b"group\n")
            assert recv_exactly(tls, 6) == b"group\n"
        server.wait_for_output(r"- Description: .*")
        assert description(server.output())[1] == group.gnutls.removeprefix("GROUP-")


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_client_certificate_kind(pki: TestPKI, kind: str) -> None:
    with serv(pki, kind) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        assert tls.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
        assert tls.negotiated.peer_certificates[0] == chain(pki, kind).leaf
        tls.sendall(b"cert\n")
        assert recv_exactly(tls, 5) == b"cert\n"
        server.wait_for_output(r"- Description: .*")
        assert description(server.output())[2] == DESCRIPTION_SCHEME[kind]


def test_glasstls_client_hello_retry_request(pki: TestPKI) -> None:
    config = client_config(pki, key_share_groups=(NamedGroup.X25519,))
    with serv(pki, priority=priority(groups=["GROUP-SECP384R1"])) as server:
        with glasstls_connect(server.port, config) as tls:
            assert tls.negotiated.hello_retry_request
            assert tls.negotiated.group == NamedGroup.SECP384R1
            tls.sendall(b"hrr\n")
            assert recv_exactly(tls, 4) == b"hrr\n"
        server.wait_for_output(r"- Description: .*")
        assert description(server.output())[1] == "SECP384R1"


def test_glasstls_client_alpn(pki: TestPKI) -> None:
    config = client_config(pki, alpn_protocols=("glasstls-test", "h2"))
    with serv(pki, alpn=["h2"]) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.alpn_protocol == "h2"
        tls.sendall(b"alpn\n")
        assert recv_exactly(tls, 5) == b"alpn\n"
        server.wait_for_output("- Application protocol: h2")


def test_glasstls_client_alpn_no_overlap(pki: TestPKI) -> None:
    config = client_config(pki, alpn_protocols=("glasstls-test",))
    with serv(pki, alpn=["h2"], extra_args=["--alpn-fatal", "-d", "5"]) as server:
        with pytest.raises(AlertReceived) as info:
            glasstls_connect(server.port, config)
        assert info.value.description == AlertDescription.NO_APPLICATION_PROTOCOL
        server.wait_for_output(r"Sending Alert\[2\|120\]")


def test_glasstls_client_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    config = client_config(pki, client_certificate=chain(pki, "client"))
    with serv(pki, client_ca=pki.files.root) as server, glasstls_connect(server.port, config) as tls:
        assert tls.negotiated.client_certificate_requested
        tls.sendall(b"mtls\n")
        assert recv_exactly(tls, 5) == b"mtls\n"
        server.wait_for_output("glasstls test client")


def test_glasstls_client_without_certificate_is_refused(pki: TestPKI) -> None:
    """gnutls-serv --require-client-cert: an empty Certificate gets certificate_required (116)."""
    assert pki.files is not None
    with serv(pki, client_ca=pki.files.root, extra_args=["-d", "5"]) as server:
        tls = glasstls_connect(server.port, client_config(pki))  # our side of the handshake completes
        with tls, pytest.raises(AlertReceived) as info:
            tls.recv()
        assert info.value.description == AlertDescription.CERTIFICATE_REQUIRED
        server.wait_for_output(r"Sending Alert\[2\|116\]")


def test_glasstls_client_initiates_key_update(pki: TestPKI) -> None:
    with serv(pki) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"before\n")
        assert recv_exactly(tls, 7) == b"before\n"
        tls.key_update(request_peer=True)
        tls.sendall(b"after\n")
        assert recv_exactly(tls, 6) == b"after\n"
        tls.key_update(request_peer=False)
        tls.sendall(b"again\n")
        assert recv_exactly(tls, 6) == b"again\n"
        assert key_updates(events) == ["write", "read", "write"], events


def test_glasstls_client_sends_close_notify(pki: TestPKI) -> None:
    with serv(pki, extra_args=["-d", "5"]) as server:
        tls = glasstls_connect(server.port, client_config(pki))
        tls.sendall(b"bye\n")
        assert recv_exactly(tls, 4) == b"bye\n"
        tls.close()
        server.wait_for_output(r"Alert\[1\|0\] - Close notify - was received")


def test_glasstls_client_peer_sends_close_notify(pki: TestPKI) -> None:
    """gnutls-serv --http answers one request and closes with close_notify."""
    with serv(pki, echo=False, http=True) as server, glasstls_connect(server.port, client_config(pki)) as tls:
        events = spy_events(tls)
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        page = recv_to_eof(tls)
        assert page.startswith(b"HTTP/1.0 200 OK"), page[:200]
        assert b"TLS1.3" in page  # the page describes the session
        assert tls.close_notify_received
        assert ConnectionClosed(clean=True) in events, events


def test_glasstls_client_one_mib_echo(pki: TestPKI) -> None:
    data = line_payload()
    with serv(pki, "rsa") as server, glasstls_connect(server.port, client_config(pki)) as tls:
        echo_exchange(tls, data)


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "error", "logged"),
    [
        pytest.param("wrong.example", False, BadCertificate, r"Alert\[2\|42\]", id="wrong-host"),
        pytest.param("localhost", True, TLSError, r"Alert\[2\|48\]", id="untrusted-ca"),
    ],
)
def test_glasstls_client_rejects_server_certificate(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, error: type[TLSError], logged: str
) -> None:
    config = ClientConfig(trust=TrustStore.from_file(peer_pki.root)) if use_peer_root else client_config(pki)
    with serv(pki, extra_args=["-d", "5"]) as server:
        with pytest.raises(error) as info:
            glasstls_connect(server.port, config, server_name=server_name)
        expected = AlertDescription.UNKNOWN_CA if use_peer_root else AlertDescription.BAD_CERTIFICATE
        assert info.value.alert == expected, info.value
        server.wait_for_output(rf"{logged} - .* - was received")
        server.wait_for_output("Error in handshake: A TLS fatal alert has been received")


# ================================================================== gnutls-cli -> glasstls server


def cli(port: int, pki: TestPKI, *, stdin: bytes = b"", prio: str = TLS13_ONLY_GNUTLS, **kwargs: object) -> PeerResult:
    """``gnutls-cli`` trusting the test PKI: sends ``stdin``, then close_notify, then reads until we close."""
    assert pki.files is not None
    kwargs.setdefault("cafile", pki.files.root)
    return run_gnutls_client(port, priority=prio, stdin=stdin, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", suite_params())
def test_glasstls_server_suite(pki: TestPKI, suite: Suite) -> None:
    with glasstls_server(server_config(pki)) as server:
        result = cli(server.port, pki, prio=priority(suite=suite), stdin=b"suite\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.cipher_suite == suite.suite
    assert description(result.output)[3] == suite.gnutls
    assert b"suite\n" in result.stdout


@pytest.mark.parametrize("group", group_params())
def test_glasstls_server_group(pki: TestPKI, group: Group) -> None:
    skip_unless_gnutls_group(group)
    with glasstls_server(server_config(pki)) as server:
        result = cli(server.port, pki, prio=priority(groups=[group.gnutls]), stdin=b"group\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert (session.negotiated.group, session.negotiated.hello_retry_request) == (group.group, False)
    assert description(result.output)[1] == group.gnutls.removeprefix("GROUP-")


@pytest.mark.parametrize("kind", CERT_KINDS)
def test_glasstls_server_certificate_kind(pki: TestPKI, kind: str) -> None:
    with glasstls_server(server_config(pki, (kind,))) as server:
        result = cli(server.port, pki, stdin=b"cert\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.signature_scheme in SCHEMES_FOR_KIND[kind]
    assert description(result.output)[2] == DESCRIPTION_SCHEME[kind]
    assert "- Status: The certificate is trusted." in result.output


def test_glasstls_server_hello_retry_request(pki: TestPKI) -> None:
    """gnutls-cli sends shares for its first two groups (x25519, secp256r1); the glasstls server accepts only
    secp521r1, the client's third, and asks for a share of it."""
    config = server_config(pki, groups=(NamedGroup.SECP521R1,))
    with glasstls_server(config) as server:
        prio = priority(groups=["GROUP-X25519", "GROUP-SECP256R1", "GROUP-SECP521R1"])
        result = cli(server.port, pki, prio=prio, stdin=b"hrr\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.hello_retry_request
    assert session.negotiated.group == NamedGroup.SECP521R1
    assert description(result.output)[1] == "SECP521R1"


def test_glasstls_server_alpn(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2", "http/1.1"))) as server:
        result = cli(server.port, pki, alpn=["http/1.1", "h2"], stdin=b"alpn\n").check()
        session = server.session().check()
    assert session.negotiated is not None and session.negotiated.alpn_protocol == "h2"
    assert "- Application protocol: h2" in result.output


def test_glasstls_server_alpn_no_overlap(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki, alpn_protocols=("h2",))) as server:
        result = cli(server.port, pki, alpn=["glasstls-test"])
        session = server.session()
    assert isinstance(session.error, NoApplicationProtocol), session.error
    assert result.returncode != 0
    assert "*** Received alert [120]" in result.output


def test_glasstls_server_mutual_tls(pki: TestPKI) -> None:
    assert pki.files is not None
    with glasstls_server(mtls_server_config(pki)) as server:
        files = pki.files.client
        result = cli(server.port, pki, certfile=files.cert, keyfile=files.key, stdin=b"mtls\n").check()
        session = server.session().check()
    assert session.negotiated is not None
    assert session.negotiated.peer_certificates[0] == pki.client.certificate
    assert b"mtls\n" in result.stdout


def test_glasstls_server_requires_client_certificate(pki: TestPKI) -> None:
    with glasstls_server(mtls_server_config(pki)) as server:
        result = cli(server.port, pki)
        session = server.session()
    assert isinstance(session.error, CertificateRequired), session.error
    assert "*** Received alert [116]" in result.output


@contextlib.contextmanager
def cli_process(port: int, pki: TestPKI, *args: StrPath) -> Iterator[PeerProcess]:
    """``gnutls-cli --inline-commands`` whose stdin the test drives line by line."""
    assert pki.files is not None
    gnutls_cli = require_tool("gnutls-cli")
    argv: list[StrPath] = [
        gnutls_cli,
        "-p",
        str(port),
        "--priority",
        TLS13_ONLY_GNUTLS,
        "--sni-hostname",
        "localhost",
        "--verify-hostname",
        "localhost",
        "--x509cafile",
        pki.files.root,
        "--inline-commands",
        *args,
        "127.0.0.1",
    ]
    process = PeerProcess(argv, name="gnutls-cli")
    try:
        yield process
    finally:
        process.stop()


def test_glasstls_server_initiates_key_update(pki: TestPKI) -> None:
    """GnuTLS answers our update_requested with its own KeyUpdate before its next data."""

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        session.received += recv_until(tls, b"one\n")
        tls.key_update(request_peer=True)
        tls.sendall(b"updated\n")
        session.received += recv_until(tls, b"two\n")
        tls.sendall(b"bye\n")

    with glasstls_server(server_config(pki), handler) as server, cli_process(server.port, pki) as client:
        wait_output(client, "Simple Client Mode")
        client.send(b"one\n")
        wait_output(client, "(?m)^updated$")
        client.send(b"two\n")
        wait_output(client, "(?m)^bye$")
        session = server.session().check()
    assert key_updates(session.events) == ["write", "read"], session.events
    assert session.received == b"one\ntwo\n"


def test_glasstls_server_peer_initiates_key_update(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki)) as server, cli_process(server.port, pki) as client:
        wait_output(client, "Simple Client Mode")
        client.send(b"first\n")
        wait_output(client, "(?m)^first$")
        client.send(b"^rekey1^\n")  # KeyUpdate, update_not_requested
        wait_output(client, "Rekey was completed")
        client.send(b"second\n")
        wait_output(client, "(?m)^second$")
        client.send(b"^rekey^\n")  # KeyUpdate, update_requested
        wait_output(client, "(?s)Rekey was completed.*Rekey was completed")
        client.send(b"third\n")
        wait_output(client, "(?m)^third$")  # echoed under our updated keys
        client.close_stdin()  # end of input: close_notify
        session = server.session().check()
    assert key_updates(session.events) == ["read", "read", "write"], session.events
    assert session.received == b"first\nsecond\nthird\n"
    assert session.clean_close


def test_glasstls_server_peer_sends_close_notify(pki: TestPKI) -> None:
    with glasstls_server(server_config(pki)) as server:
        cli(server.port, pki, stdin=b"bye\n").check()
        session = server.session().check()
    assert session.clean_close
    assert session.received == b"bye\n"


def test_glasstls_server_sends_close_notify(pki: TestPKI) -> None:
    """The server closes first (gnutls-cli has sent its line but keeps reading)."""
    with glasstls_server(server_config(pki), echo_n_handler(4)) as server:
        result = cli(server.port, pki, stdin=b"bye\n").check()
        server.session().check()
    assert "- Peer has closed the GnuTLS connection" in result.output
    assert "non-properly terminated" not in result.output


def test_glasstls_server_one_mib_echo(pki: TestPKI) -> None:
    data = line_payload(ONE_MIB)
    with glasstls_server(server_config(pki, ("rsa",))) as server:
        result = cli(server.port, pki, stdin=data).check()
        session = server.session().check()
    assert session.received == data
    assert data in result.stdout
    assert session.clean_close


@pytest.mark.parametrize(
    ("server_name", "use_peer_root", "alert"),
    [
        pytest.param("wrong.example", False, AlertDescription.BAD_CERTIFICATE, id="wrong-host"),
        # GnuTLS answers every verification failure with bad_certificate, an unknown issuer too.
        pytest.param("localhost", True, AlertDescription.BAD_CERTIFICATE, id="untrusted-ca"),
    ],
)
def test_glasstls_server_certificate_rejected_by_peer(
    pki: TestPKI, peer_pki: PeerPki, server_name: str, use_peer_root: bool, alert: AlertDescription
) -> None:
    with glasstls_server(server_config(pki)) as server:
        cafile = peer_pki.root if use_peer_root else pki.files.root if pki.files else None
        result = cli(server.port, pki, servername=server_name, cafile=cafile)
        session = server.session()
    assert result.returncode != 0
    assert "*** PKI verification of server certificate failed" in result.output
    assert isinstance(session.error, AlertReceived) and session.error.description == alert, session.error
