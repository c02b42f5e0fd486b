"""Live TLS 1.3 resumption with real peers on 127.0.0.1, asserting on BOTH ends that the second handshake
resumed: OpenSSL (``s_client -sess_out/-sess_in``, ``s_server``) and Python's ``ssl`` (``session=``), in both
directions. Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.config import ServerConfig
from glasstls.io.sync import TLSSocket
from glasstls.sessions import TicketKeys
from interop_helpers import (
    TIMEOUT,
    ServerSession,
    client_config,
    creds,
    echo_exchange,
    glasstls_connect,
    glasstls_server,
    recv_exactly,
    recv_to_eof,
    server_config,
)
from peers import PythonSession, in_background, python_ssl_server, run_openssl_client
from test_interop_openssl import s_server

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(90)]

MESSAGE = b"resume me\n"


def reply_and_close(tls: TLSSocket, session: ServerSession) -> None:
    """Echo one line, then close (s_client with -ign_eof reads until the server closes)."""
    data = recv_exactly(tls, len(MESSAGE))
    session.received += data
    tls.sendall(data)


def openssl_client_run(pki: TestPKI, port: int, sess_file: Path, *, sess_in: bool) -> str:
    """One ``s_client`` connection that saves (``-sess_out``) or offers (``-sess_in``) a session."""
    assert pki.files is not None
    flag = "-sess_in" if sess_in else "-sess_out"
    result = run_openssl_client(
        port,
        cafile=pki.files.root,
        brief=False,
        extra_args=[flag, str(sess_file)],
        stdin=MESSAGE,
    ).check()
    assert result.stdout.count(MESSAGE) >= 1, result.output
    return result.output


def test_openssl_client_resumes_with_glasstls_server(pki: TestPKI, tmp_path: Path) -> None:
    sess = tmp_path / "openssl.sess"
    with glasstls_server(server_config(pki), reply_and_close) as server:
        first = openssl_client_run(pki, server.port, sess, sess_in=False)
        assert "New, TLSv1.3" in first, first
        assert sess.exists() and sess.stat().st_size > 0  # s_client stored our ticket
        second = openssl_client_run(pki, server.port, sess, sess_in=True)
        s1, s2 = server.session(0).check(), server.session(1).check()
    assert "Reused, TLSv1.3" in second, second
    assert s1.negotiated is not None and not s1.negotiated.resumed
    assert s2.negotiated is not None and s2.negotiated.resumed
    assert s2.received == MESSAGE


def test_openssl_client_ticket_is_single_use(pki: TestPKI, tmp_path: Path) -> None:
    """s_client -sess_in offers the same ticket every time: the second use gets a full handshake."""
    sess = tmp_path / "openssl.sess"
    with glasstls_server(server_config(pki), reply_and_close) as server:
        openssl_client_run(pki, server.port, sess, sess_in=False)
        assert "Reused, TLSv1.3" in openssl_client_run(pki, server.port, sess, sess_in=True)
        third = openssl_client_run(pki, server.port, sess, sess_in=True)
        s3 = server.session(2).check()
    assert "New, TLSv1.3" in third, third
    assert s3.negotiated is not None and not s3.negotiated.resumed


def test_openssl_client_resumes_across_servers_sharing_a_key_file(pki: TestPKI, tmp_path: Path) -> None:
    keyfile = tmp_path / "ticket.key"
    keyfile.write_bytes(os.urandom(80))  # as `openssl rand 80` would make for nginx
    sess = tmp_path / "openssl.sess"
    one = server_config(pki, ticket_keys=TicketKeys.from_file(keyfile))
    two = server_config(pki, ticket_keys=TicketKeys.from_file(keyfile))
    with glasstls_server(one, reply_and_close) as server_one:
        openssl_client_run(pki, server_one.port, sess, sess_in=False)
    with glasstls_server(two, reply_and_close) as server_two:
        second = openssl_client_run(pki, server_two.port, sess, sess_in=True)
        resumed = server_two.session(0).check()
    assert "Reused, TLSv1.3" in second, second
    assert resumed.negotiated is not None and resumed.negotiated.resumed


def www_page(tls: TLSSocket) -> str:
    """``s_server -www``: GET / returns a status page that says "New, TLSv1.3" or "Reused, TLSv1.3"."""
    tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
    page = recv_to_eof(tls).decode("latin-1")
    assert "HTTP/1.0 200" in page, page[:500]
    return page


def test_glasstls_client_resumes_with_openssl_server(pki: TestPKI) -> None:
    config = client_config(pki)
    with s_server(pki, mode="www") as server:
        with glasstls_connect(server.port, config) as tls:
            first = tls.negotiated
            first_page = www_page(tls)  # reading the page also reads the tickets sent before it
        with glasstls_connect(server.port, config) as tls:
            second = tls.negotiated
            second_page = www_page(tls)
    assert "New, TLSv1.3" in first_page and "Reused, TLSv1.3" in second_page, second_page[:2000]
    assert not first.resumed and first.verified_chain is not None
    assert second.resumed
    assert [c.subject for c in second.peer_certificates] == [c.subject for c in first.peer_certificates]


def test_glasstls_client_offers_nothing_when_the_store_is_off(pki: TestPKI) -> None:
    config = client_config(pki, session_store=None)
    with s_server(pki, mode="www") as server:
        for _ in range(2):
            with glasstls_connect(server.port, config) as tls:
                assert not tls.negotiated.resumed
                assert "New, TLSv1.3" in www_page(tls)


# -- Python's ssl --------------------------------------------------------------------------------------


def python_client_context(pki: TestPKI) -> ssl.SSLContext:
    assert pki.files is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_verify_locations(os.fspath(pki.files.root))
    return context


def python_client_run(
    context: ssl.SSLContext, port: int, session: ssl.SSLSession | None
) -> tuple[bool, ssl.SSLSession]:
    """Connect, exchange one line (which also reads the tickets), close; (session_reused, session)."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="localhost", session=session) as tls,
    ):
        tls.sendall(MESSAGE)
        got = b""
        while len(got) < len(MESSAGE):
            chunk = tls.recv(len(MESSAGE) - len(got))
            assert chunk, "the server closed early"
            got += chunk
        assert got == MESSAGE
        reused, new_session = bool(tls.session_reused), tls.session
        with contextlib.suppress(OSError, ssl.SSLError):
            tls.unwrap()
    assert new_session is not None
    return reused, new_session


def test_python_client_resumes_with_glasstls_server(pki: TestPKI) -> None:
    context = python_client_context(pki)
    with glasstls_server(server_config(pki), reply_and_close) as server:
        reused1, session = in_background(python_client_run, context, server.port, None).result(TIMEOUT * 2)
        reused2, _ = in_background(python_client_run, context, server.port, session).result(TIMEOUT * 2)
        s1, s2 = server.session(0).check(), server.session(1).check()
    assert not reused1 and reused2
    assert s1.negotiated is not None and not s1.negotiated.resumed
    assert s2.negotiated is not None and s2.negotiated.resumed


def _server_context(pki: TestPKI) -> ssl.SSLContext:
    files = creds(pki, "ecdsa")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(os.fspath(files.cert), os.fspath(files.key))
    return context


def test_glasstls_client_resumes_with_python_server(pki: TestPKI) -> None:
    reused: list[bool] = []

    def handler(tls: ssl.SSLSocket, session: PythonSession) -> None:
        reused.append(bool(tls.session_reused))
        data = tls.recv(len(MESSAGE))
        session.received += data
        tls.sendall(data)
        with contextlib.suppress(OSError, ssl.SSLError):
            tls.unwrap()

    config = client_config(pki)
    with python_ssl_server("-", "-", context=_server_context(pki), handler=handler) as server:
        with glasstls_connect(server.port, config) as tls:
            first = tls.negotiated
            echo_exchange(tls, MESSAGE)
        server.wait_for_sessions(1)
        with glasstls_connect(server.port, config) as tls:
            second = tls.negotiated
            echo_exchange(tls, MESSAGE)
        server.wait_for_sessions(2)
    assert reused == [False, True]
    assert not first.resumed and second.resumed


def test_glasstls_server_config_is_usable_by_many_threads(pki: TestPKI) -> None:
    """Several Python clients resume at once against one threaded glasstls server (shared keys and cache)."""
    context = python_client_context(pki)
    config: ServerConfig = server_config(pki, session_tickets=4)
    with glasstls_server(config, reply_and_close) as server:
        _, first = in_background(python_client_run, context, server.port, None).result(TIMEOUT * 2)
        runs = [in_background(python_client_run, context, server.port, first) for _ in range(3)]
        results = [r.result(TIMEOUT * 2) for r in runs]
        sessions = [server.session(i).check() for i in range(4)]
    # One ticket, offered three times at once: single use lets exactly one of them resume.
    assert sum(reused for reused, _ in results) == 1
    assert sum(bool(s.negotiated and s.negotiated.resumed) for s in sessions) == 1


def test_glasstls_server_and_client_resume_over_sockets(pki: TestPKI) -> None:
    config = client_config(pki)
    with glasstls_server(server_config(pki)) as server:
        results = []
        for _ in range(3):
            with glasstls_connect(server.port, config) as tls:
                echo_exchange(tls, b"abc")
                results.append(tls.negotiated.resumed)
        sessions = [server.session(i).check() for i in range(3)]
    assert results == [False, True, True]
    assert [bool(s.negotiated and s.negotiated.resumed) for s in sessions] == [False, True, True]
