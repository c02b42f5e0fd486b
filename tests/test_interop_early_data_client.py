"""Live TLS 1.3 0-RTT early data from a glasstls client (issue 15) to ``openssl s_server -early_data`` and
``gnutls-serv --earlydata`` on 127.0.0.1: accepted (the server prints or echoes the early data), not sent (the
ticket does not allow it), rejected (a restarted server: the ticket is unknown, a full handshake), and
``glasstls connect --early-data FILE``. Each peer operation has a timeout, each test a hard pytest-timeout."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.config import ClientConfig
from glasstls.connection import ClientConnection
from glasstls.events import EarlyDataAccepted, EarlyDataRejected
from glasstls.io.sync import TLSSocket
from interop_helpers import TIMEOUT, client_config, creds, recv_exactly
from peers import gnutls_server, openssl_server

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(90)]

EARLY = b"early bird 0-RTT\n"
LATER = b"after the handshake\n"
KEY = "the server"  # one session key, whatever port the (restarted) server listens on


def resume_with_early_data(port: int, config: ClientConfig, data: bytes = EARLY) -> TLSSocket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    tls = TLSSocket(sock, ClientConnection(config, server_name="localhost", session_key=KEY))
    tls.do_handshake(TIMEOUT, early_data=data)
    return tls


def test_openssl_server_accepts_glasstls_early_data(pki: TestPKI) -> None:
    cert = creds(pki, "ecdsa")
    config = client_config(pki)
    with openssl_server(cert.cert, cert.key, extra_args=["-early_data"]) as server:
        _ticket(server.port, config)
        with resume_with_early_data(server.port, config) as tls:
            assert isinstance(tls.early_data_answer, EarlyDataAccepted), tls.early_data_answer
            assert tls.negotiated is not None and tls.negotiated.resumed
            tls.sendall(LATER)
            server.wait_for_output(r"after the handshake")
        output = server.output()
    assert "early bird 0-RTT" in output.split("after the handshake")[0], output


def test_openssl_server_without_early_data_gets_none(pki: TestPKI) -> None:
    """s_server's tickets then carry no max_early_data_size: glasstls does not send the data, and says so."""
    cert = creds(pki, "ecdsa")
    config = client_config(pki)
    with openssl_server(cert.cert, cert.key) as server:
        _ticket(server.port, config)
        with resume_with_early_data(server.port, config) as tls:
            answer = tls.early_data_answer
            assert tls.negotiated is not None and tls.negotiated.resumed
    assert isinstance(answer, EarlyDataRejected) and "does not allow early data" in answer.reason


def test_restarted_openssl_server_rejects_early_data(pki: TestPKI) -> None:
    """The ticket came from a server that restarted (new ticket keys): full handshake, early data rejected,
    reported with the data so the caller can send it again, which it does here."""
    cert = creds(pki, "ecdsa")
    config = client_config(pki)
    with openssl_server(cert.cert, cert.key, extra_args=["-early_data"]) as server:
        _ticket(server.port, config)
    with (
        openssl_server(cert.cert, cert.key, extra_args=["-early_data"]) as restarted,
        resume_with_early_data(restarted.port, config) as tls,
    ):
        answer = tls.early_data_answer
        assert tls.negotiated is not None and not tls.negotiated.resumed
        assert isinstance(answer, EarlyDataRejected)
        tls.sendall(answer.data)  # the caller's choice: send it again, now with forward secrecy
        restarted.wait_for_output(r"early bird 0-RTT")
    assert "did not accept the ticket" in answer.reason


def test_gnutls_server_accepts_glasstls_early_data(pki: TestPKI) -> None:
    cert = creds(pki, "ecdsa")
    config = client_config(pki)
    with gnutls_server(cert.cert, cert.key, extra_args=["--earlydata"]) as server:
        _ticket(server.port, config)
        with resume_with_early_data(server.port, config) as tls:
            assert isinstance(tls.early_data_answer, EarlyDataAccepted), tls.early_data_answer
            assert tls.negotiated is not None and tls.negotiated.resumed
            tls.sendall(LATER)
            echoed = recv_exactly(tls, len(LATER))
    assert echoed == LATER


def test_glasstls_connect_early_data_against_openssl(pki: TestPKI, tmp_path: Path) -> None:
    assert pki.files is not None
    cert = creds(pki, "ecdsa")
    early = tmp_path / "early.txt"
    early.write_bytes(EARLY)
    with openssl_server(cert.cert, cert.key, extra_args=["-early_data"]) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "glasstls", "connect", f"localhost:{server.port}", "--cafile",
             str(pki.files.root), "--early-data", str(early), "--idle-timeout", "0.5"],
            input=LATER, capture_output=True, timeout=60, check=False,
        )
        server.wait_for_output(r"after the handshake")
        output = server.output()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "0-RTT early data accepted" in proc.stderr.decode(), proc.stderr.decode()
    assert "early bird 0-RTT" in output, output


def _ticket(port: int, config: ClientConfig) -> None:
    """A first, full connection that leaves the server's tickets in ``config``'s store under :data:`KEY`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    with TLSSocket(sock, ClientConnection(config, server_name="localhost", session_key=KEY)) as tls:
        tls.do_handshake(TIMEOUT)
        for _ in range(40):
            if tls.session_tickets:
                break
            try:
                tls.recv(1, timeout=0.05)
            except TimeoutError:
                continue
        assert tls.session_tickets, "the server sent no ticket"
