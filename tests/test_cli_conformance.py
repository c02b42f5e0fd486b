"""``--allow-no-ems`` and ``--record-size-limit N`` on ``glasstls serve`` and ``glasstls connect``, live with GnuTLS
(issue 12). OpenSSL 3.0 implements neither RFC 8449 nor a switch to leave out extended_master_secret in its
command-line tools, so GnuTLS (``%NO_SESSION_HASH``; record_size_limit offered by default) is the peer here.

* ``serve --allow-no-ems`` accepts a TLS 1.2 ``gnutls-cli`` without EMS, warns at start and traces the legacy
  master secret; without the option the same client gets handshake_failure. The same for ``connect`` against
  ``gnutls-serv``.
* ``serve --record-size-limit 512``: gnutls-cli (which offers record_size_limit) must send records of at most
  512 bytes of plaintext, or the server would answer record_overflow: 3000 bytes in one write, in TLS 1.3 and 1.2.
  ``connect --record-size-limit 512`` offers it to gnutls-serv, which must keep to it.
* A bad ``--record-size-limit`` is exit status 2 and one line.

The exact extension bytes are checked in memory (tests/test_conformance_hello.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from glasstls.pki.testpki import TestPKIFiles, make_test_pki
from interop_helpers import TEST_TIMEOUT
from peers import PEER_TIMEOUT, TLS13_ONLY_GNUTLS, PeerProcess, gnutls_server, run_gnutls_client
from test_cli_connect_serve import Served, connect

TLS12_GNUTLS = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
NO_EMS_GNUTLS = TLS12_GNUTLS + ":%NO_SESSION_HASH"
PAYLOAD = b"x" * 3000 + b"\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("cli-conformance-pki"))
    assert pki.files is not None
    return pki.files


def _serve(files: TestPKIFiles, *args: str) -> Iterator[Served]:
    served = Served(["--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *args])
    try:
        yield served
    finally:
        assert served.stop() == 0, served.output


def _trusted(files: TestPKIFiles) -> list[str]:
    return ["--cafile", str(files.root), "--servername", "localhost"]


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
def test_serve_allow_no_ems_with_gnutls_client(files: TestPKIFiles) -> None:
    for served in _serve(files, "--allow-no-ems", "--trace"):
        result = run_gnutls_client(served.port, cafile=files.root, priority=NO_EMS_GNUTLS, stdin=b"old peer\n")
        assert result.returncode == 0, result.output
        assert b"old peer" in result.stdout
        log = served.wait_for("NO extended master secret (LEGACY")
        assert "WARNING: --allow-no-ems: LEGACY" in log and "TLS 1.2" in log
    for served in _serve(files):
        result = run_gnutls_client(served.port, cafile=files.root, priority=NO_EMS_GNUTLS)
        assert result.returncode != 0 and "Handshake failed" in result.output
        log = served.wait_for("extended master secret (RFC 7627), which this server requires")
        assert "--allow-no-ems" not in log.splitlines()[0]


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
def test_connect_allow_no_ems_with_gnutls_server(files: TestPKIFiles) -> None:
    cert, key = files.server_ecdsa.cert, files.server_ecdsa.key
    with gnutls_server(cert, key, priority=NO_EMS_GNUTLS) as server:
        proc = connect(server.port, *_trusted(files), "--allow-no-ems", "--trace", data=b"old server\n")
        err = proc.stderr.decode()
        assert proc.returncode == 0, err
        assert proc.stdout == b"old server\n"
        assert "--allow-no-ems: LEGACY" in err and "NO extended master secret (LEGACY" in err
        proc = connect(server.port, *_trusted(files), data=b"old server\n")
        assert proc.returncode == 1
        assert "extended master secret" in proc.stderr.decode()


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
@pytest.mark.parametrize("priority", [TLS13_ONLY_GNUTLS, TLS12_GNUTLS], ids=["tls13", "tls12"])
def test_serve_record_size_limit_with_gnutls_client(files: TestPKIFiles, priority: str) -> None:
    for served in _serve(files, "--record-size-limit", "512", "--trace"):
        # The 3001 bytes go in one write: unless gnutls-cli cuts them into records of at most 512 bytes, the
        # server refuses the first record (record_overflow) before echoing anything. gnutls-cli prints one
        # record per wake-up (it does not drain what it has buffered), so the echo is checked by its first record.
        argv = ["gnutls-cli", "-p", str(served.port), "--priority", priority, "--sni-hostname", "localhost"]
        client = PeerProcess([*argv, "--x509cafile", str(files.root), "127.0.0.1"], name="gnutls-cli")
        try:
            client.send(PAYLOAD)
            echoed = client.wait_for(r"x{500}", PEER_TIMEOUT)
            assert echoed is not None, client.describe()
            assert "alert" not in client.output().lower(), client.describe()
        finally:
            client.stop()
        if priority == TLS13_ONLY_GNUTLS:  # the trace lists EncryptedExtensions' extensions
            served.wait_for("- extensions: SERVER_NAME, RECORD_SIZE_LIMIT")
        assert "record_overflow" not in served.wait_for("handshake ok")


@pytest.mark.interop
@pytest.mark.timeout(TEST_TIMEOUT)
@pytest.mark.parametrize("priority", [TLS13_ONLY_GNUTLS, TLS12_GNUTLS], ids=["tls13", "tls12"])
def test_connect_record_size_limit_with_gnutls_server(files: TestPKIFiles, priority: str) -> None:
    with gnutls_server(files.server_ecdsa.cert, files.server_ecdsa.key, priority=priority) as server:
        proc = connect(server.port, *_trusted(files), "--record-size-limit", "512", "--trace", data=PAYLOAD)
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stdout == PAYLOAD


@pytest.mark.parametrize("value", ["10", "16386", "0"])
def test_bad_record_size_limit_is_exit_2(value: str, tmp_path: Path) -> None:
    proc = connect(1, "--record-size-limit", value)
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert "--record-size-limit" in err and "64..16385" in err and len(err.splitlines()) == 1
