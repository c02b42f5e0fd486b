"""``glasstls serve`` and ``glasstls connect`` as processes, against each other and against OpenSSL.

Each server is started with ``--port 0`` and the port is read from its first "listening on" line; each is
stopped with SIGINT (Ctrl-C), which must exit 0.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from glasstls.cli.connect import JSON_KEYS, JSON_SCHEMA
from glasstls.pki.testpki import TestPKIFiles, make_ca, make_test_pki

GLASSTLS = [sys.executable, "-m", "glasstls"]
ENV = {**os.environ, "NO_COLOR": "1"}
ENV.pop("SSLKEYLOGFILE", None)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> TestPKIFiles:
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("cli-pki"))
    assert pki.files is not None
    return pki.files


@pytest.fixture(scope="module")
def other_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("other-ca") / "other-root.pem"
    path.write_bytes(make_ca("cli test other root").cert_pem())
    return path


class Served:
    """A running ``glasstls serve`` process and the lines it printed."""

    def __init__(self, args: Sequence[str]) -> None:
        self.proc = subprocess.Popen(
            [*GLASSTLS, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=ENV,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.port = 0
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(15):
            self.proc.kill()
            raise AssertionError(f"glasstls serve did not start: {self.lines}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            match = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                self._ready.set()
        self._ready.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return self.output
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not in the server's output:\n{self.output}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        return self.proc.returncode


def serve(files: TestPKIFiles, *args: str) -> Iterator[Served]:
    served = Served(["--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key), *args])
    try:
        yield served
    finally:
        assert served.stop() == 0, served.output  # Ctrl-C is a clean exit


@pytest.fixture(scope="module")
def echo(files: TestPKIFiles) -> Iterator[Served]:
    yield from serve(files, "--alpn", "http/1.1")


def connect(port: int, *args: str, data: bytes = b"", timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*GLASSTLS, "connect", f"127.0.0.1:{port}", "--idle-timeout", "0.5", *args],
        input=data,
        capture_output=True,
        timeout=timeout,
        env=ENV,
    )


def trusted(files: TestPKIFiles) -> list[str]:
    return ["--cafile", str(files.root), "--servername", "localhost"]


# -- glasstls against glasstls ----------------------------------------------------------------------------


def test_echo(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), data=b"hello, echo\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"hello, echo\n"
    status = proc.stderr.decode()
    assert "connected to 127.0.0.1" in status and "TLS_AES_256_GCM_SHA384" in status
    echo.wait_for("handshake ok")


def test_connect_trace(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), "--trace", "--alpn", "http/1.1", data=b"x")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    for step in ("ClientHello: what the client offers", "Certificate verification", "Finished: server to client"):
        assert step in err
    assert proc.stdout == b"x"
    # Issue 10: the tickets and the close too, not only with --json.
    after = err[err.index("after the handshake") :]
    assert "server -> client: NEW_SESSION_TICKET" in after and "sent close_notify" in after


def test_quiet(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), "--quiet", data=b"quiet")
    assert proc.returncode == 0 and proc.stdout == b"quiet" and proc.stderr == b""


def test_json(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), "--json", "--alpn", "http/1.1", data=b"json please")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == set(JSON_KEYS)
    assert doc["schema"] == JSON_SCHEMA and doc["ok"] is True and doc["error"] is None
    assert doc["target"] == {"host": "127.0.0.1", "port": echo.port, "server_name": "localhost"}
    negotiated = doc["negotiated"]
    assert negotiated["version"] == "TLS13" and negotiated["alpn_protocol"] == "http/1.1"
    assert negotiated["peer_certificates"][0]["subject"] == "CN=localhost"
    assert all(check["ok"] for check in negotiated["verification"]["checks"])
    assert doc["received"] == "json please"
    assert doc["bytes"]["sent"] == len(b"json please")
    assert doc["timings"]["handshake_ms"] > 0
    kinds = {event["kind"] for event in doc["trace"]}
    assert {"message_sent", "message_received", "check", "keys_installed"} <= kinds


def test_json_failure(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, "--cafile", str(files.root), "--servername", "wrong.example", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False and doc["negotiated"] is None
    assert doc["error"]["kind"] == "wrong-host-name" and doc["error"]["type"] == "BadCertificate"


def test_wrong_server_name(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, "--cafile", str(files.root), "--servername", "wrong.example")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "failed at: certificate verification" in err
    assert "issued for other names" in err and "wrong.example" in err
    assert "what to try: connect using a name" in err
    echo.wait_for("the client rejected our server certificate")  # the server explains its side, goes on


def test_untrusted_ca(echo: Served, other_root: Path) -> None:
    proc = connect(echo.port, "--cafile", str(other_root), "--servername", "localhost")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "certificate authority we trust" in err and "--cafile" in err


def test_no_common_alpn(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), "--alpn", "h2")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "no_application_protocol" in err and "speaks none of the application protocols" in err
    echo.wait_for("no ALPN protocol in common")


def test_no_common_cipher_suite(files: TestPKIFiles) -> None:
    for served in serve(files, "--cipher", "TLS_AES_128_GCM_SHA256"):
        proc = connect(served.port, *trusted(files), "--cipher", "tls_chacha20_poly1305_sha256")
        assert proc.returncode == 1
        assert "handshake_failure" in proc.stderr.decode()
        served.wait_for("no cipher suite in common")


def test_group_option(echo: Served, files: TestPKIFiles) -> None:
    proc = connect(echo.port, *trusted(files), "--group", "secp256r1", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["negotiated"]["group"] == "SECP256R1"


def test_client_certificate_required(files: TestPKIFiles) -> None:
    for served in serve(files, "--require-client-cert", "--cafile", str(files.root)):
        proc = connect(served.port, *trusted(files))
        assert proc.returncode == 1
        err = proc.stderr.decode()
        assert "certificate_required" in err and "--cert client.pem --key client.key" in err
        served.wait_for("the client sent no certificate, but this server requires one")

        with_cert = ["--cert", str(files.client.cert), "--key", str(files.client.key)]
        proc = connect(served.port, *trusted(files), *with_cert, data=b"mutual")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == b"mutual"
        served.wait_for("client certificate CN=glasstls test client")


def test_www(files: TestPKIFiles) -> None:
    for served in serve(files, "--www", "--alpn", "http/1.1"):
        proc = connect(served.port, *trusted(files), "--alpn", "http/1.1", data=b"GET / HTTP/1.0\r\n\r\n")
        assert proc.returncode == 0, proc.stderr
        page = proc.stdout.decode()
        assert page.startswith("HTTP/1.0 200 OK\r\n")
        assert "<td>TLS_AES_256_GCM_SHA384</td>" in page and "<td>http/1.1</td>" in page
        assert "<td>GET / HTTP/1.0</td>" in page


def test_a_failing_client_never_stops_the_server(echo: Served, files: TestPKIFiles) -> None:
    with socket.create_connection(("127.0.0.1", echo.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to a TLS port
        sock.recv(100)
    with socket.create_connection(("127.0.0.1", echo.port)):
        pass  # connect and hang up: the connection is cut mid-handshake
    echo.wait_for("the client connected and closed again without sending a ClientHello")
    proc = connect(echo.port, *trusted(files), data=b"still here")
    assert proc.returncode == 0 and proc.stdout == b"still here"


def test_connect_to_a_closed_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        proc = connect(port)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "failed at: TCP connect to 127.0.0.1" in err and "nothing is listening" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-version", "1.3", "--max-version", "1.2"], "--min-version 1.3 is above --max-version 1.2"),
        (["--cipher", "TLS_RSA_WITH_AES_256_GCM_SHA384"], "no forward secrecy: add --allow-rsa-key-exchange"),
        (["--cipher", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"], "legacy CBC suite: add --allow-cbc"),
    ],
)
def test_bad_version_and_legacy_options_are_refused_clearly(args: list[str], message: str) -> None:
    proc = connect(1, *args)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()
    assert b"Traceback" not in proc.stderr


def test_tls12_legacy_choices_are_named_live(files: TestPKIFiles) -> None:
    legacy = ["--allow-rsa-key-exchange", "--allow-cbc"]
    rsa = ["--cert", str(files.server_rsa.cert), "--key", str(files.server_rsa.key)]
    served = Served([*rsa, *legacy])
    try:
        suite = ["--max-version", "1.2", "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA", *legacy]
        proc = connect(served.port, *trusted(files), *suite, "--json", data=b"old school")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        assert doc["negotiated"]["version"] == "TLS12"
        assert doc["negotiated"]["cipher_suite"] == "TLS_RSA_WITH_AES_128_CBC_SHA"
        assert doc["negotiated"]["forward_secrecy"] is False and doc["negotiated"]["legacy_cbc"] is True
        assert [w.split(":")[0] for w in doc["warnings"]] == ["no forward secrecy", "legacy CBC"]
        assert doc["received"] == "old school"
        log = served.wait_for("[no forward secrecy; legacy CBC]")
        assert "TLS 1.2, TLS_RSA_WITH_AES_128_CBC_SHA, no ECDHE group (RSA key exchange)" in log

        proc = connect(served.port, *trusted(files), "--max-version", "1.2", data=b"modern")  # no legacy flags
        assert proc.returncode == 0, proc.stderr
        assert "WARNING" not in proc.stderr.decode() and "TLS_ECDHE_RSA_WITH" in proc.stderr.decode()
    finally:
        assert served.stop() == 0, served.output


def test_insecure_warns(echo: Served) -> None:
    proc = connect(echo.port, "--insecure", data=b"x")
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert "NOT verified" in err and "test lab" in err


# -- interop with OpenSSL -------------------------------------------------------------------------------------


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is required in CI")
        pytest.skip("openssl is not installed")
    return path


@pytest.mark.interop
def test_openssl_s_client_against_glasstls_serve(echo: Served, files: TestPKIFiles) -> None:
    client = subprocess.Popen(
        [
            _openssl(),
            "s_client",
            "-connect",
            f"127.0.0.1:{echo.port}",
            "-servername",
            "localhost",
            "-CAfile",
            str(files.root),
            "-verify_return_error",
            "-alpn",
            "http/1.1",
            "-quiet",
            "-no_ign_eof",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert client.stdin is not None and client.stdout is not None
    try:
        # Keep standard input open until the echo is back: s_client stops at its end.
        client.stdin.write(b"hello from openssl\n")
        client.stdin.flush()
        ready, _, _ = select.select([client.stdout], [], [], 10)
        echoed = client.stdout.readline() if ready else b""
        client.stdin.close()
        client.wait(10)
        assert client.stderr is not None
        err = client.stderr.read()
    finally:
        if client.poll() is None:
            client.kill()
    assert echoed == b"hello from openssl\n", err
    assert b"verify error" not in err
    echo.wait_for("ALPN http/1.1, SNI localhost")


@pytest.mark.interop
def test_glasstls_connect_against_openssl_s_server_www(files: TestPKIFiles) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            _openssl(),
            "s_server",
            "-accept",
            f"127.0.0.1:{port}",
            "-cert",
            str(files.server_rsa.cert),
            "-key",
            str(files.server_rsa.key),
            "-cert_chain",
            str(files.intermediate),
            "-www",
            "-tls1_3",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        proc = connect(port, *trusted(files), data=b"GET / HTTP/1.0\r\n\r\n")
    finally:
        server.terminate()
        server.wait(5)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"HTTP/1.0 200 ok")
    assert b"TLSv1.3" in proc.stdout
    assert "RSA_PSS_RSAE" in proc.stderr.decode()
