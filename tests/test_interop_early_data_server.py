"""Live TLS 1.3 0-RTT early data against a glasstls server (issue 15), with OpenSSL's ``s_client -early_data``
on 127.0.0.1: accepted (the data reaches the application as replayable early data), refused (the ticket did not
allow it, or the server that issued it restarted with new keys), and replayed (the same ClientHello and 0-RTT
records sent twice, recorded on the wire and played back: the second copy is refused). Each peer operation has
a timeout (tests/peers.py), each test a hard pytest-timeout."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.io.sync import TLSSocket
from glasstls.trace.events import TraceEvent
from interop_helpers import TIMEOUT, ServerSession, glasstls_server, server_config
from peers import ProcessServer, run_gnutls_client, run_openssl_client, server_process

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(90)]

EARLY = b"GET /early HTTP/1.0\r\n\r\n"
LATER = b"after the handshake\n"


def early_echo(tls: TLSSocket, session: ServerSession) -> None:
    """Report the early data (if any) back, tagged, then echo one line and close."""
    session.received += tls.early_data
    tls.sendall(b"early:" + tls.early_data + b"|")
    data = b""
    while not data.endswith(b"\n"):
        chunk = tls.recv(4096)
        if not chunk:
            break
        data += chunk
    tls.sendall(data)


def s_client(pki: TestPKI, port: int, sess: Path, *, sess_in: bool, early: Path | None = None) -> str:
    assert pki.files is not None
    args: list[str | Path] = ["-sess_in" if sess_in else "-sess_out", sess]
    if early is not None:
        args += ["-early_data", early]
    result = run_openssl_client(port, cafile=pki.files.root, brief=False, extra_args=args, stdin=LATER).check()
    return result.output


def test_openssl_early_data_accepted(pki: TestPKI, tmp_path: Path) -> None:
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with glasstls_server(server_config(pki, max_early_data_size=16384), early_echo) as server:
        first = s_client(pki, server.port, sess, sess_in=False)
        assert "Max Early Data: 16384" in first, first  # our ticket allowed early data
        second = s_client(pki, server.port, sess, sess_in=True, early=early)
        resumed = server.session(1).check()
    assert "Reused, TLSv1.3" in second and "Early data was accepted" in second, second
    assert resumed.negotiated is not None and resumed.negotiated.resumed
    assert resumed.received == EARLY
    assert b"early:" + EARLY + b"|" + LATER in second.encode()


def test_openssl_early_data_refused_when_the_ticket_does_not_allow_it(pki: TestPKI, tmp_path: Path) -> None:
    """Tickets of a server without early data carry no max_early_data_size: s_client sends none (it obeys
    the ticket), so resumption works and no early data arrives."""
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with glasstls_server(server_config(pki), early_echo) as server:
        first = s_client(pki, server.port, sess, sess_in=False)
        assert "Max Early Data: 0" in first or "Max Early Data" not in first, first
        second = s_client(pki, server.port, sess, sess_in=True, early=early)
        resumed = server.session(1).check()
    assert "Reused, TLSv1.3" in second and "Early data was accepted" not in second, second
    assert resumed.received == b""


def test_openssl_early_data_refused_after_a_restart(pki: TestPKI, tmp_path: Path) -> None:
    """The server restarted (new ticket keys): the ticket is not ours any more, a full handshake, and the
    early data s_client sent is skipped (RFC 8446 section 4.2.10); the line sent after the handshake arrives."""
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with glasstls_server(server_config(pki, max_early_data_size=16384), early_echo) as server:
        s_client(pki, server.port, sess, sess_in=False)
    with glasstls_server(server_config(pki, max_early_data_size=16384), early_echo) as restarted:
        second = s_client(pki, restarted.port, sess, sess_in=True, early=early)
        session = restarted.session(0).check()
    assert "Early data was rejected" in second, second
    assert session.negotiated is not None and not session.negotiated.resumed
    assert session.received == b""
    assert b"early:|" + LATER in second.encode()


class Recorder:
    """A relay on 127.0.0.1 between s_client and the server that keeps what the client sent (as an attacker on
    the path would), at most :data:`RECORD_BOUND` bytes."""

    RECORD_BOUND = 256 * 1024

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.sent = bytearray()
        self.thread = threading.Thread(target=self._forward, daemon=True)
        self.thread.start()

    def _forward(self) -> None:
        conn, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=TIMEOUT)
        conn.settimeout(TIMEOUT)
        back = threading.Thread(target=self._pump, args=(upstream, conn, False), daemon=True)
        back.start()
        self._pump(conn, upstream, True)
        back.join(TIMEOUT)
        conn.close()
        upstream.close()

    def _pump(self, src: socket.socket, dst: socket.socket, keep: bool) -> None:
        try:
            while data := src.recv(65536):
                if keep and len(self.sent) < self.RECORD_BOUND:
                    self.sent.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> bytes:
        self.thread.join(TIMEOUT)
        self.listener.close()
        return bytes(self.sent)


def replay(port: int, recorded: bytes) -> bytes:
    """Send the recorded client bytes to the server as a new connection; what the server answered."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as attacker:
        attacker.sendall(recorded)
        attacker.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            while chunk := attacker.recv(65536):
                answer += chunk
    return answer


@pytest.mark.parametrize("single_use", [True, False], ids=["single-use-tickets", "client-hello-record-only"])
def test_replayed_client_hello_gets_no_early_data(pki: TestPKI, tmp_path: Path, single_use: bool) -> None:
    """An attacker records the client's flight (ClientHello, 0-RTT records, ...) and sends it again to the same
    server: the early data is refused and skipped. With single-use tickets the ticket is already used (a full
    handshake); without them the ticket resumes, but the ClientHello record (RFC 8446 section 8.2) knows this
    ClientHello, so its early data is still refused."""
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    traces: list[TraceEvent] = []
    config = server_config(pki, max_early_data_size=16384, single_use_tickets=single_use, trace=traces.append)
    with glasstls_server(config, early_echo) as server:
        s_client(pki, server.port, sess, sess_in=False)
        recorder = Recorder(server.port)
        second = s_client(pki, recorder.port, sess, sess_in=True, early=early)
        recorded = recorder.close()
        assert "Early data was accepted" in second, second
        assert server.session(1).check().received == EARLY
        traces.clear()
        answer = replay(server.port, recorded)
        replayed = server.session(2)
    assert replayed.received == b""  # no early data reached the application
    assert answer[:1] == b"\x16"  # a ServerHello (a handshake the attacker cannot finish), nothing else
    refusals = [t.summary for t in traces if "0-RTT early data: refused" in t.summary]
    assert len(refusals) == 1, [t.summary for t in traces]
    if single_use:
        assert "no session ticket was accepted" in refusals[0]
        assert any("already used" in t.summary for t in traces)
    else:
        assert "seen before" in refusals[0]


# -- `glasstls serve --early-data` as a process --------------------------------------------------------------


@contextlib.contextmanager
def glasstls_serve(pki: TestPKI, *args: str) -> Iterator[ProcessServer]:
    assert pki.files is not None
    argv = [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--cert", str(pki.files.server_ecdsa.cert)]
    argv += ["--key", str(pki.files.server_ecdsa.key), *args]
    with server_process(argv, ready=r"listening on 127\.0\.0\.1:(\d+)", name="glasstls serve") as server:
        yield server


def www_client(
    pki: TestPKI, port: int, sess: Path, *, sess_in: bool, early: Path | None = None, resend: bool = False
) -> str:
    """s_client against ``serve --www``: the GET goes as early data when ``early`` is given, else (or also, with
    ``resend``: as after a rejection) on stdin."""
    assert pki.files is not None
    args: list[str | Path] = ["-sess_in" if sess_in else "-sess_out", sess]
    if early is not None:
        args += ["-early_data", early]
    stdin = b"" if early is not None and not resend else EARLY
    return run_openssl_client(port, cafile=pki.files.root, brief=False, extra_args=args, stdin=stdin).check().output


@pytest.mark.parametrize("aio", [False, True], ids=["threads", "aio"])
def test_cli_serve_early_data_with_openssl(pki: TestPKI, tmp_path: Path, aio: bool) -> None:
    """serve --www --early-data: the GET comes as 0-RTT early data and is answered (the canonical use: a
    request without side effects, harmless if replayed); with threads and with --aio."""
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with glasstls_serve(pki, "--www", "--early-data", *(["--aio"] if aio else [])) as server:
        www_client(pki, server.port, sess, sess_in=False)
        second = www_client(pki, server.port, sess, sess_in=True, early=early)
        server.wait_for_output(r"#2 closed: .*23 bytes of 0-RTT early data accepted \(replayable\)")
    assert "Early data was accepted" in second, second
    assert "HTTP/1.0 200 OK" in second, second


def test_cli_serve_without_early_data_skips_it(pki: TestPKI, tmp_path: Path) -> None:
    """A ticket from a server WITH early data, offered to one of the same keys but without: refused, skipped."""
    keyfile = tmp_path / "ticket.key"
    keyfile.write_bytes(os.urandom(80))
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with glasstls_serve(pki, "--www", "--early-data", "--ticket-key-file", str(keyfile)) as server:
        www_client(pki, server.port, sess, sess_in=False)
    with glasstls_serve(pki, "--www", "--ticket-key-file", str(keyfile), "--trace") as server:
        second = www_client(pki, server.port, sess, sess_in=True, early=early, resend=True)
        server.wait_for_output(r"#1 closed")
        output = server.output()
    assert "Reused, TLSv1.3" in second and "Early data was rejected" in second, second
    assert "this server does not accept early data" in output, output
    assert "0-RTT" not in output.split("closed:")[-1]


def test_cli_serve_early_data_with_gnutls(pki: TestPKI) -> None:
    assert pki.files is not None
    with glasstls_serve(pki, "--www", "--early-data") as server, tempfile.TemporaryDirectory() as tmp:
        early = Path(tmp) / "early.txt"
        early.write_bytes(EARLY)
        result = run_gnutls_client(server.port, cafile=pki.files.root, extra_args=["-r", f"--earlydata={early}"])
        result.check()
        server.wait_for_output(r"#2 closed: .*23 bytes of 0-RTT early data accepted \(replayable\)")
    assert "This is a resumed session" in result.output, result.output
