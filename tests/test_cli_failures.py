"""The failure catalogue through the real command line: each failure of issue 3's list, one by one.

Every case runs ``python -m glasstls connect`` as a process against a real peer (``glasstls serve`` as a
process, ``openssl s_server``, or a small socket peer in this file: a server that hangs up mid-handshake, a TCP
proxy that flips one bit of a ciphertext) and asserts what a person sees: the exit status, the step that
failed, the cause in plain words and what to try. Where the *server* is the side that detects the failure (no
common suite, group or ALPN protocol; no client certificate), its explanation in the ``glasstls serve`` log is
asserted too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from glasstls.pki import testpki as tp
from peers import PEER_TIMEOUT, ProcessServer, openssl_server, server_process

GLASSTLS = [sys.executable, "-m", "glasstls"]
ENV = {**os.environ, "NO_COLOR": "1"}
ENV.pop("SSLKEYLOGFILE", None)
NOW = datetime.now(UTC)


# -- the PKI: a good one, and the broken certificates ---------------------------------------------------------


@dataclass(frozen=True)
class Files:
    root: Path  # the CA the client trusts
    good: tp.TestPKIFiles
    other_root: Path  # a CA nobody in these tests trusts
    expired: Path  # leaf + intermediate PEM files, keys beside them (.key)
    not_yet_valid: Path
    leaf_only: Path  # a good leaf without its intermediate
    self_signed: Path
    stranger_client: Path  # a client certificate from a CA the server does not trust


def _write(directory: Path, name: str, cred: tp.IssuedCertificate, *, with_chain: bool = True) -> Path:
    cert = directory / f"{name}.pem"
    cert.write_bytes(cred.cert_pem(with_chain=with_chain))
    cert.with_suffix(".key").write_bytes(cred.key_pem())
    return cert


def key_of(cert: Path) -> Path:
    return cert.with_suffix(".key")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    directory = tmp_path_factory.mktemp("cli-failures")
    pki = tp.make_test_pki(("localhost", "127.0.0.1"), directory=directory / "good", now=NOW)
    assert pki.files is not None
    other = tp.make_ca("cli failures untrusted root", now=NOW)  # its own name: its own key
    other_root = directory / "other-root.pem"
    other_root.write_bytes(other.cert_pem())

    def leaf(**kwargs: object) -> tp.IssuedCertificate:
        return tp.issue_certificate(pki.intermediate, hosts=("localhost",), now=NOW, **kwargs)  # type: ignore[arg-type]

    stranger_ca = tp.make_ca("cli failures stranger client CA", now=NOW)
    stranger = tp.issue_certificate(
        stranger_ca, hosts=("stranger@glasstls.test",), common_name="stranger client", now=NOW, eku=(tp.CLIENT_AUTH,)
    )
    return Files(
        root=pki.files.root,
        good=pki.files,
        other_root=other_root,
        expired=_write(
            directory, "expired", leaf(not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=2))
        ),
        not_yet_valid=_write(
            directory, "not-yet-valid", leaf(not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=60))
        ),
        leaf_only=_write(directory, "leaf-only", pki.server_ecdsa, with_chain=False),
        self_signed=_write(directory, "self-signed", tp.issue_certificate(None, hosts=("localhost",), now=NOW)),
        stranger_client=_write(directory, "stranger-client", stranger),
    )


# -- running the command line -----------------------------------------------------------------------------------


def connect(port: int, *args: str, data: bytes = b"", trust: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``glasstls connect 127.0.0.1:PORT --servername localhost --cafile TRUST ARGS`` with ``data`` on stdin."""
    argv = [*GLASSTLS, "connect", f"127.0.0.1:{port}", "--idle-timeout", "0.5", "--servername", "localhost"]
    if trust is not None:
        argv += ["--cafile", str(trust)]
    return subprocess.run(
        [*argv, *args], input=data.decode(), capture_output=True, text=True, timeout=PEER_TIMEOUT, env=ENV
    )


@dataclass(frozen=True)
class Explained:
    """The explanation block the CLI prints on standard error (plain text: not a terminal)."""

    title: str
    rows: dict[str, str]

    @property
    def step(self) -> str:
        return self.rows["failed at"]

    @property
    def cause(self) -> str:
        return self.rows["cause"]

    @property
    def fix(self) -> str:
        return self.rows["what to try"]


def explained(text: str, title: str = "failed:") -> Explained:
    """The first block whose title line ends with ``title``: its "label: value" rows."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip().endswith(title):
            rows: dict[str, str] = {}
            for row in lines[index + 1 :]:
                if not row.startswith("  ") or ": " not in row:
                    break
                label, _, value = row.strip().partition(": ")
                rows[label] = value
            return Explained(line.strip(), rows)
    raise AssertionError(f"no explanation titled {title!r} in:\n{text}")


def failed(proc: subprocess.CompletedProcess[str], *, step: str, cause: list[str], fix: list[str]) -> Explained:
    """The connection failed (exit status 1, no traceback) with this step, cause words and hint words."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == "", proc.stdout  # nothing from the server reached standard output
    e = explained(proc.stderr)
    assert e.title.startswith("connection to 127.0.0.1:"), e
    assert step in e.step, (step, e)
    for word in cause:
        assert word in e.cause, (word, e)
    for word in fix:
        assert word in e.fix, (word, e)
    return e


def server_explained(server: ProcessServer, cause: str, *, fix: str) -> Explained:
    """The ``glasstls serve`` log explains a failed client: "#N HOST:PORT: connection failed:" and its rows."""
    match = server.wait_for_output(
        rf"#\d+ 127\.0\.0\.1:\d+: connection failed:\n(  .*\n)*  cause: [^\n]*{cause}[^\n]*\n"
    )
    block = server.output()[match.start() :]
    e = explained(block, "connection failed:")
    assert cause in e.cause and fix in e.fix, e
    return e


@contextlib.contextmanager
def glasstls_serve(*args: str) -> Iterator[ProcessServer]:
    argv = [*GLASSTLS, "serve", "--port", "0", *args]
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


@pytest.fixture(scope="module")
def good_server(files: Files) -> Iterator[ProcessServer]:
    cert = files.good.server_ecdsa
    with glasstls_serve("--cert", str(cert.cert), "--key", str(cert.key), "--alpn", "http/1.1") as server:
        yield server


# -- certificates (the client verifies the server) -----------------------------------------------------------


def test_wrong_host_name(files: Files, good_server: ProcessServer) -> None:
    proc = connect(good_server.port, "--servername", "wrong.example", trust=files.root)
    e = failed(
        proc,
        step="certificate verification",
        cause=["issued for other names", "wrong.example", "subjectAltName"],
        fix=["--servername", "reissue the certificate"],
    )
    assert "localhost" in e.cause  # it says which names the certificate does cover
    # The whole verification report is shown, not only the failing check (issue 5).
    assert "certificate verification report" in proc.stderr
    assert "verdict: INVALID" in proc.stderr and "CN=localhost" in proc.stderr
    good_server.wait_for_output(r"the client rejected our server certificate")


def test_unknown_ca(files: Files, good_server: ProcessServer) -> None:
    proc = connect(good_server.port, trust=files.other_root)
    failed(
        proc,
        step="certificate verification",
        cause=["does not lead to a certificate authority we trust"],
        fix=["--cafile"],
    )


def test_expired(files: Files) -> None:
    with openssl_server(files.expired, key_of(files.expired)) as server:
        proc = connect(server.port, trust=files.root)
    failed(
        proc,
        step="certificate verification",
        cause=["past its notAfter date", "expired on"],
        fix=["renew the certificate", "clock"],
    )


def test_not_yet_valid(files: Files) -> None:
    with openssl_server(files.not_yet_valid, key_of(files.not_yet_valid)) as server:
        proc = connect(server.port, trust=files.root)
    failed(
        proc,
        step="certificate verification",
        cause=["not valid yet", "notBefore", "not valid until"],
        fix=["clock"],
    )


def test_missing_intermediate(files: Files) -> None:
    with openssl_server(files.leaf_only, key_of(files.leaf_only)) as server:
        proc = connect(server.port, trust=files.root)
    failed(
        proc,
        step="certificate verification",
        cause=["found neither among the 1 certificate the server sent nor in the trust store", "did not send"],
        fix=["subjectKeyIdentifier", "full chain", "--cafile"],
    )


def test_self_signed_leaf(files: Files) -> None:
    with openssl_server(files.self_signed, key_of(files.self_signed)) as server:
        proc = connect(server.port, trust=files.root)
    failed(
        proc,
        step="certificate verification",
        cause=["signed itself", "self-signed"],
        fix=["issued by a CA", "--cafile"],
    )


# -- negotiation (the glasstls server detects it; the client hears an alert) -----------------------------------


@pytest.fixture(scope="module")
def narrow_server(files: Files) -> Iterator[ProcessServer]:
    """One suite (AES-128-GCM), one group (secp384r1), one protocol (http/1.1)."""
    cert = files.good.server_ecdsa
    narrow = ["--cipher", "TLS_AES_128_GCM_SHA256", "--group", "secp384r1", "--alpn", "http/1.1"]
    with glasstls_serve("--cert", str(cert.cert), "--key", str(cert.key), *narrow) as server:
        yield server


def test_no_common_cipher_suite(files: Files, narrow_server: ProcessServer) -> None:
    proc = connect(narrow_server.port, "--cipher", "TLS_CHACHA20_POLY1305_SHA256", trust=files.root)
    e = failed(
        proc,
        step="ClientHello (alert received)",  # the server refused our hello
        cause=["refused our ClientHello", "cipher suite", "handshake_failure", "TLS_CHACHA20_POLY1305_SHA256"],
        fix=["drop --cipher", "TLS_AES_128_GCM_SHA256"],
    )
    assert "--cipher TLS_CHACHA20_POLY1305_SHA256" not in e.fix  # never the setting that just failed
    server_explained(narrow_server, "cipher suites and ours have none in common", fix="TLS_CHACHA20_POLY1305_SHA256")


def test_no_common_group(files: Files, narrow_server: ProcessServer) -> None:
    proc = connect(narrow_server.port, "--group", "x25519", trust=files.root)
    failed(
        proc,
        step="(alert received)",
        cause=["key exchange group", "handshake_failure", "groups X25519"],
        fix=["drop --group"],
    )
    server_explained(narrow_server, "key exchange groups and ours have none in common", fix="--group secp384r1,x25519")


def test_no_common_alpn(files: Files, narrow_server: ProcessServer) -> None:
    proc = connect(narrow_server.port, "--alpn", "h2", trust=files.root)
    failed(
        proc,
        step="(alert received)",
        cause=["speaks none of the application protocols we offered (ALPN: h2)", "no_application_protocol"],
        fix=["--alpn"],
    )
    server_explained(narrow_server, "the client asked for h2", fix="add it to --alpn")


def test_no_common_version(files: Files) -> None:
    cert = files.good.server_ecdsa
    with openssl_server(cert.cert, cert.key, tls13_only=False, extra_args=["-tls1_2"]) as server:
        proc = connect(server.port, "--min-version", "1.3", trust=files.root)
    failed(
        proc,
        step="(alert received)",
        cause=["supports none of the TLS versions we offered (only TLS 1.3)", "protocol_version"],
        fix=["drop --min-version 1.3"],
    )


# -- client certificates and alerts from the peer --------------------------------------------------------------


def test_client_certificate_required_but_not_sent(files: Files) -> None:
    cert = files.good.server_ecdsa
    mutual = ["--require-client-cert", "--cafile", str(files.root)]
    with glasstls_serve("--cert", str(cert.cert), "--key", str(cert.key), *mutual) as server:
        proc = connect(server.port, trust=files.root, data=b"hello?")
        failed(
            proc,
            step="(alert received)",
            cause=["asked for a client certificate", "we sent an empty Certificate", "certificate_required"],
            fix=["--cert client.pem --key client.key"],
        )
        server.wait_for_output(r"the client sent no certificate, but this server requires one")


def test_tls12_client_certificate_required_but_not_sent(files: Files) -> None:
    """Issue 10 item 2 through both command lines: TLS 1.2 has no certificate_required alert."""
    cert = files.good.server_ecdsa
    mutual = ["--max-version", "1.2", "--require-client-cert", "--cafile", str(files.root)]
    with glasstls_serve("--cert", str(cert.cert), "--key", str(cert.key), *mutual) as server:
        proc = connect(server.port, trust=files.root, data=b"hello?")
        e = failed(
            proc,
            step="client Certificate (alert received)",
            cause=["asked for a client certificate", "we sent an empty Certificate", "handshake_failure"],
            fix=["--cert client.pem --key client.key"],
        )
        assert "NewSessionTicket" not in e.step and "--cipher" not in e.fix
        s = server_explained(server, "the client sent no certificate", fix="--request-client-cert")
        assert s.step == "client Certificate" and "RFC 5246 section 7.4.6" in s.cause


def test_alert_received_from_the_peer(files: Files) -> None:
    """openssl s_server does not trust our client certificate's CA: it says so with unknown_ca."""
    cert = files.good.server_ecdsa
    with openssl_server(cert.cert, cert.key, client_ca=files.root) as server:
        client = ["--cert", str(files.stranger_client), "--key", str(key_of(files.stranger_client))]
        proc = connect(server.port, *client, trust=files.root, data=b"hello?")
    e = failed(
        proc,
        step="(alert received)",
        cause=["the server does not trust the certificate authority that issued our client certificate", "unknown_ca"],
        fix=["add our CA", "trust store"],
    )
    assert e.rows["detail"] == "the peer sent a fatal alert: unknown_ca"


# -- the transport and the record layer: small peers of our own -----------------------------------------------


class HangUpServer:
    """Accepts one connection, reads the ClientHello, and closes without a word (no alert)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(PEER_TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.got = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.listener, self.listener.accept()[0] as conn:
            conn.settimeout(PEER_TIMEOUT)
            self.got = conn.recv(65536)


def test_connection_cut_mid_handshake(files: Files) -> None:
    peer = HangUpServer()
    proc = connect(peer.port, trust=files.root)
    peer.thread.join(PEER_TIMEOUT)
    assert peer.got[:1] == b"\x16"  # it did receive a ClientHello
    failed(
        proc,
        step="ServerHello",  # the message we were waiting for
        cause=["closed before the handshake completed", "without a TLS alert"],
        fix=["may not speak TLS on this port", "--trace"],
    )


class BitFlipProxy:
    """A TCP proxy to ``port`` that flips one bit in the last byte (the AEAD tag) of the server's first
    encrypted record (TLS 1.3: content type application_data on the wire, RFC 8446 section 5.2)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(PEER_TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.flipped = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        with self.listener:
            client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.target), timeout=PEER_TIMEOUT)
        threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
        self._tamper(server, client)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _tamper(self, src: socket.socket, dst: socket.socket) -> None:
        buffer = b""
        try:
            while data := src.recv(65536):
                buffer += data
                while len(buffer) >= 5 and len(buffer) >= 5 + int.from_bytes(buffer[3:5], "big"):
                    size = 5 + int.from_bytes(buffer[3:5], "big")
                    record, buffer = bytearray(buffer[:size]), buffer[size:]
                    if record[0] == 23 and not self.flipped.is_set():
                        record[-1] ^= 0x01
                        self.flipped.set()
                    dst.sendall(record)
            dst.sendall(buffer)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            src.close()
            dst.close()


def test_bad_record_mac(files: Files, good_server: ProcessServer) -> None:
    proxy = BitFlipProxy(good_server.port)
    proc = connect(proxy.port, trust=files.root)
    assert proxy.flipped.is_set()
    failed(
        proc,
        step="record layer",
        cause=["failed its integrity check", "altered in transit"],
        fix=["middlebox"],
    )
    good_server.wait_for_output(r"bad_record_mac")  # the server got our alert, and says so
