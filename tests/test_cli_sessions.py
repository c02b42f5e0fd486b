"""``glasstls connect`` as testers use s_client (issue 14): ``--sess-out`` / ``--sess-in`` (a TLS 1.3 ticket
or a TLS 1.2 session, in a 0600 file), ``--reconnect N`` (each resumed or not, and why), ``--commands``
(``k`` / ``K`` lines send a KeyUpdate); and ``kill -USR1`` making ``glasstls serve`` send KeyUpdate. Against
openssl s_server / s_client and glasstls serve, on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from glasstls.pki.testpki import TestPKIFiles, make_test_pki
from peers import PEER_TIMEOUT, PeerProcess, ProcessServer, openssl_server, require_tool, server_process

interop = pytest.mark.interop


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("sessions-pki"))
    assert pki.files is not None
    return pki.files


def connect(port: int, files: TestPKIFiles, *args: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    argv = [
        sys.executable, "-m", "glasstls", "connect", f"127.0.0.1:{port}", "--servername", "localhost",
        "--cafile", str(files.root), "--idle-timeout", "0.5", *args,
    ]  # fmt: skip
    return subprocess.run(argv, input=data, capture_output=True, timeout=PEER_TIMEOUT * 3, check=False)


def as_json(result: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


@contextmanager
def glasstls_serve(files: TestPKIFiles, *extra: str) -> Iterator[ProcessServer]:
    argv = [
        sys.executable, "-m", "glasstls", "serve", "--port", "0",
        "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *extra,
    ]  # fmt: skip
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


@interop
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_sess_out_then_sess_in_resumes_against_openssl(files: TestPKIFiles, tmp_path: Path, version: str) -> None:
    session = tmp_path / "session.json"
    tls13 = version == "1.3"
    with openssl_server(files.server_ecdsa.cert, files.server_ecdsa.key, mode="www", tls13_only=tls13) as server:
        first = connect(server.port, files, "--max-version", version, "--sess-out", str(session), "--json",
                        data=b"GET / HTTP/1.0\r\n\r\n")  # fmt: skip
        assert as_json(first)["ok"], first.stderr
        assert stat.S_IMODE(session.stat().st_mode) == 0o600
        saved = json.loads(session.read_text())
        assert saved["format"] == "glasstls.sessions/1" and saved["sessions"]
        assert {s["version"] for s in saved["sessions"]} == {"TLS13" if tls13 else "TLS12"}
        second = connect(server.port, files, "--max-version", version, "--sess-in", str(session), "--json",
                         data=b"GET / HTTP/1.0\r\n\r\n")  # fmt: skip
    doc = as_json(second)
    assert doc["ok"], second.stderr
    negotiated = doc["negotiated"]
    assert isinstance(negotiated, dict) and negotiated["resumed"] is True
    resumption = doc["resumption"]
    assert isinstance(resumption, dict) and resumption["first"].startswith("resumed with")
    assert "Reused, TLSv1" in str(doc["received"])  # s_server -www's own page says it resumed


@interop
def test_reconnect_resumes_each_time_against_openssl(files: TestPKIFiles) -> None:
    with openssl_server(files.server_ecdsa.cert, files.server_ecdsa.key, mode="rev") as server:
        result = connect(server.port, files, "--reconnect", "3", "--json", data=b"hello\n")
    doc = as_json(result)
    assert doc["ok"], result.stderr
    resumption = doc["resumption"]
    assert isinstance(resumption, dict)
    assert resumption["first"] == "full handshake: there was no stored session for this server to offer"
    reconnects = resumption["reconnects"]
    assert [r["resumed"] for r in reconnects] == [True, True, True], reconnects
    assert all(r["why"] == "resumed with a TLS 1.3 ticket (PSK)" for r in reconnects)


@interop
def test_reconnect_says_why_not_when_the_server_gives_no_tickets(files: TestPKIFiles) -> None:
    with openssl_server(
        files.server_ecdsa.cert, files.server_ecdsa.key, mode="rev", extra_args=["-num_tickets", "0"]
    ) as server:
        result = connect(server.port, files, "--reconnect", "1", data=b"hello\n")
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "reconnect #1: full handshake: there was no stored session for this server to offer" in err


def test_sess_in_refuses_a_file_others_can_read(files: TestPKIFiles, tmp_path: Path) -> None:
    session = tmp_path / "shared.json"
    session.write_text('{"format": "glasstls.sessions/1", "server": "x", "sessions": []}')
    session.chmod(0o644)
    result = connect(1, files, "--sess-in", str(session))
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "must be private" in lines[0]


@interop
def test_commands_send_key_updates_against_openssl(files: TestPKIFiles) -> None:
    """k and K lines become KeyUpdates (in our trace; s_server -msg sees each), the lines around them are data.
    (s_server's -rev mode stops answering after a second KeyUpdate, an s_server quirk: its interactive mode,
    used here, reads everything.)"""
    with openssl_server(
        files.server_ecdsa.cert, files.server_ecdsa.key, mode="interactive", extra_args=["-msg"]
    ) as server:
        result = connect(server.port, files, "--commands", "--json", data=b"one\nk\ntwo\nK\nthree\n")
        server.wait_for_output(r"three")
        output = server.output()
    doc = as_json(result)
    assert doc["ok"], result.stderr
    assert output.count("Handshake [length 0005], KeyUpdate") == 2, output
    assert output.index("one") < output.index("two") < output.index("three")
    assert "\nk\n" not in output and "\nK\n" not in output  # the command lines were not sent as data
    sent = [e for e in doc["trace"] if e["kind"] == "message_sent" and "KEY_UPDATE" in e["summary"]]
    assert len(sent) == 2, [e["summary"] for e in doc["trace"]]


@interop
def test_serve_sends_key_update_on_sigusr1(files: TestPKIFiles) -> None:
    openssl = require_tool("openssl")
    with glasstls_serve(files, "--trace") as server:
        client = PeerProcess(
            [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", "-CAfile", str(files.root),
             "-servername", "localhost", "-msg", "-tls1_3", "-ign_eof"],
            name="openssl s_client",
        )  # fmt: skip
        try:
            assert client.wait_for(r"Verify return code: 0", PEER_TIMEOUT) is not None, client.describe()
            server.wait_for_output(r"#1 .*handshake ok")
            os.kill(server.process.proc.pid, signal.SIGUSR1)
            server.wait_for_output(r"#1: sent KeyUpdate")
            assert client.wait_for(r"KeyUpdate", PEER_TIMEOUT) is not None, client.describe()
            client.send(b"still here\n")
            assert client.wait_for(r"still here", PEER_TIMEOUT) is not None  # the echo, under the new keys
        finally:
            client.stop()
        server.wait_for_output(r"KeyUpdate: fresh traffic keys")  # in the connection's trace
