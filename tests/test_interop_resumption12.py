"""Live TLS 1.2 resumption with real peers on 127.0.0.1, asserting on BOTH ends that the second handshake was
abbreviated: by session ticket (RFC 5077) and by session ID (RFC 5246 section 7.3).

* ``openssl s_client -tls1_2 -sess_out F`` then ``-sess_in F`` against the glasstls server (``-no_ticket``: the
  session ID); s_client prints ``New, TLSv1.2`` / ``Reused, TLSv1.2``.
* The glasstls client twice against ``openssl s_server -tls1_2 -www`` (``-no_ticket``: session IDs), whose status
  page says ``New, TLSv1.2`` or ``Reused, TLSv1.2``.
* Python's ``ssl`` client with ``session=`` against the glasstls server (``session_reused``), and the glasstls
  client against a Python ``ssl`` server.
* ``gnutls-cli --resume`` (it connects twice and prints ``*** This is a resumed session``).

Each peer operation has a timeout (tests/peers.py), each test a hard pytest-timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.config import ClientConfig, ServerConfig
from glasstls.io.sync import TLSSocket
from glasstls.pki.trust import TrustStore
from glasstls.sessions import ClientSessionStore, TicketKeys
from glasstls.wire.enums import CipherSuite, ProtocolVersion
from interop_helpers import (
    TEST_TIMEOUT,
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
from peers import PythonSession, in_background, openssl_server, python_ssl_server, run_gnutls_client, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(TEST_TIMEOUT)]

V12 = ProtocolVersion.TLS12
MESSAGE = b"resume me\n"

#: (suite, OpenSSL name, certificate kind, legacy opt-ins): an ECDHE AEAD suite, and the RSA key exchange with
#: CBC (a resumed CBC session must agree on encrypt_then_mac again, RFC 7366 section 3.1).
CASES = [
    pytest.param(
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdsa", id="ecdhe"
    ),
    pytest.param(CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "rsa", id="rsa-cbc"),
]
LEGACY = {"allow_rsa_key_exchange": True, "allow_legacy_cbc": True}
VIA = [pytest.param("ticket", id="ticket"), pytest.param("session ID", id="session-id")]


def server12(pki: TestPKI, **kwargs: object) -> ServerConfig:
    """A glasstls server (TLS 1.3-capable) with both certificate kinds and the legacy suites allowed."""
    return server_config(pki, ("ecdsa", "rsa"), **LEGACY, **kwargs)


def client12(pki: TestPKI, **kwargs: object) -> ClientConfig:
    """A glasstls client that offers only TLS 1.2 (legacy suites allowed), with its own session store."""
    options: dict[str, object] = {"max_version": V12, "session_store": ClientSessionStore(), **LEGACY}
    options.update(kwargs)
    return client_config(pki, **options)


def summaries(tls: TLSSocket) -> str:
    return "\n".join(e.summary for e in tls.connection.trace)


def openssl_status(output: str) -> tuple[str, str]:
    """("New" or "Reused", cipher) from OpenSSL's session summary (s_client's, or s_server's -www page), which
    must also say ``Protocol  : TLSv1.2``. (The middle field of ``New, SSLv3, Cipher is AES128-SHA`` is the
    version that defined the cipher, not the protocol.)"""
    match = re.search(r"(New|Reused), [^,]+, Cipher is (\S+)", output)
    assert match is not None and "Protocol  : TLSv1.2" in output, output[:3000]
    return match.group(1), match.group(2)


def reply_and_close(traces: list[str]) -> object:
    """A server handler: echo one line, note the connection's trace, then close."""

    def handler(tls: TLSSocket, session: ServerSession) -> None:
        data = recv_exactly(tls, len(MESSAGE))
        session.received += data
        tls.sendall(data)
        traces.append(summaries(tls))

    return handler


# ======================================================================= s_client -> glasstls server


def openssl_client_run(pki: TestPKI, port: int, sess_file: Path, *, sess_in: bool, extra: Sequence[str]) -> str:
    """One ``s_client -tls1_2`` connection that saves (``-sess_out``) or offers (``-sess_in``) its session."""
    assert pki.files is not None
    flag = "-sess_in" if sess_in else "-sess_out"
    result = run_openssl_client(
        port,
        cafile=pki.files.root,
        tls13_only=False,
        brief=False,
        extra_args=["-tls1_2", flag, str(sess_file), *extra],
        stdin=MESSAGE,
    ).check()
    assert result.stdout.count(MESSAGE) >= 1, result.output
    return result.output


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize(("suite", "name", "kind"), CASES)
def test_openssl_client_resumes_with_glasstls_server(
    pki: TestPKI, tmp_path: Path, suite: CipherSuite, name: str, kind: str, via: str
) -> None:
    """s_client saves the session, then offers it: by ticket, or with ``-no_ticket`` by session ID."""
    sess = tmp_path / "openssl.sess"
    extra = ["-cipher", name, *(["-no_ticket"] if via == "session ID" else [])]
    traces: list[str] = []
    with glasstls_server(server12(pki), reply_and_close(traces)) as server:  # type: ignore[arg-type]
        first = openssl_client_run(pki, server.port, sess, sess_in=False, extra=extra)
        assert openssl_status(first) == ("New", name)
        assert sess.exists() and sess.stat().st_size > 0
        second = openssl_client_run(pki, server.port, sess, sess_in=True, extra=extra)
        s1, s2 = server.session(0).check(), server.session(1).check()
    assert openssl_status(second) == ("Reused", name)
    assert s1.negotiated is not None and not s1.negotiated.resumed
    assert s2.negotiated is not None and s2.negotiated.resumed
    assert s2.negotiated.cipher_suite == suite
    assert s2.received == MESSAGE
    assert f"resuming the client's TLS 1.2 session by {via}" in traces[1], traces[1]
    assert ("TLS session ticket:" in first) == (via == "ticket"), first


@pytest.mark.parametrize("via", VIA)
def test_openssl_client_reconnect_resumes_every_time(pki: TestPKI, via: str) -> None:
    """``s_client -reconnect`` connects six times with the first session: a TLS 1.2 ticket or session ID may be
    resumed again and again (single use is a TLS 1.3 rule, RFC 8446 section 8.1)."""
    assert pki.files is not None
    extra = ["-tls1_2", "-reconnect", *(["-no_ticket"] if via == "session ID" else [])]
    with glasstls_server(server12(pki), reply_and_close([])) as server:  # type: ignore[arg-type]
        result = run_openssl_client(
            server.port, cafile=pki.files.root, tls13_only=False, brief=False, extra_args=extra, stdin=MESSAGE
        ).check()
        sessions = [server.session(i) for i in range(6)]
    assert re.findall(r"(New|Reused), ", result.output) == ["New"] + ["Reused"] * 5, result.output
    assert [bool(s.negotiated and s.negotiated.resumed) for s in sessions] == [False] + [True] * 5


def test_openssl_client_resumes_by_session_id_when_the_server_has_no_tickets(pki: TestPKI, tmp_path: Path) -> None:
    """A server without ticket keys does not acknowledge session_ticket; s_client resumes by session ID."""
    sess = tmp_path / "openssl.sess"
    traces: list[str] = []
    with glasstls_server(server12(pki, ticket_keys=None), reply_and_close(traces)) as server:  # type: ignore[arg-type]
        openssl_client_run(pki, server.port, sess, sess_in=False, extra=())
        second = openssl_client_run(pki, server.port, sess, sess_in=True, extra=())
        s2 = server.session(1).check()
    assert openssl_status(second)[0] == "Reused"
    assert s2.negotiated is not None and s2.negotiated.resumed
    assert "by session ID" in traces[1]


def test_openssl_client_resumes_across_servers_sharing_a_key_file(pki: TestPKI, tmp_path: Path) -> None:
    """Two server processes' worth of config load one ticket key file; a ticket from one resumes on the other."""
    keyfile = tmp_path / "ticket.key"
    keyfile.write_bytes(os.urandom(80))  # as `openssl rand 80` would make for nginx
    sess = tmp_path / "openssl.sess"
    traces: list[str] = []
    one = server12(pki, ticket_keys=TicketKeys.from_file(keyfile))
    two = server12(pki, ticket_keys=TicketKeys.from_file(keyfile))
    with glasstls_server(one, reply_and_close(traces)) as server_one:  # type: ignore[arg-type]
        openssl_client_run(pki, server_one.port, sess, sess_in=False, extra=())
    with glasstls_server(two, reply_and_close(traces)) as server_two:  # type: ignore[arg-type]
        second = openssl_client_run(pki, server_two.port, sess, sess_in=True, extra=())
        resumed = server_two.session(0).check()
    assert openssl_status(second)[0] == "Reused"
    assert resumed.negotiated is not None and resumed.negotiated.resumed
    assert "by ticket" in traces[1]


def test_openssl_client_ticket_under_another_key_gets_a_full_handshake(pki: TestPKI, tmp_path: Path) -> None:
    sess = tmp_path / "openssl.sess"
    traces: list[str] = []
    with glasstls_server(server12(pki), reply_and_close(traces)) as server_one:  # type: ignore[arg-type]
        openssl_client_run(pki, server_one.port, sess, sess_in=False, extra=())
    # A fresh server: new ticket keys and an empty session cache.
    with glasstls_server(server12(pki), reply_and_close(traces)) as server_two:  # type: ignore[arg-type]
        second = openssl_client_run(pki, server_two.port, sess, sess_in=True, extra=())
        full = server_two.session(0).check()
    assert openssl_status(second)[0] == "New"
    assert full.negotiated is not None and not full.negotiated.resumed
    assert "session ticket we cannot open" in traces[1], traces[1]


def test_openssl_client_resumes_a_mutual_tls_session(pki: TestPKI, tmp_path: Path) -> None:
    """A resumed session keeps the client's identity: the abbreviated handshake has no Certificate, yet the
    server still names the client certificate of the original handshake."""
    assert pki.files is not None
    sess = tmp_path / "openssl.sess"
    client = creds(pki, "client")
    config = server12(pki, client_auth="required", client_trust=TrustStore.from_file(pki.files.root))
    outputs = []
    with glasstls_server(config, reply_and_close([])) as server:  # type: ignore[arg-type]
        for flag in ("-sess_out", "-sess_in"):
            result = run_openssl_client(
                server.port,
                cafile=pki.files.root,
                tls13_only=False,
                brief=False,
                certfile=client.cert,
                keyfile=client.key,
                extra_args=["-tls1_2", flag, str(sess)],
                stdin=MESSAGE,
            ).check()
            outputs.append(result.output)
        s1, s2 = server.session(0).check(), server.session(1).check()
    assert openssl_status(outputs[1])[0] == "Reused"
    assert s1.negotiated is not None and s2.negotiated is not None and s2.negotiated.resumed
    assert s2.negotiated.peer_certificates == s1.negotiated.peer_certificates
    assert s2.negotiated.peer_certificates[0].subject.rfc4514_string() == "CN=glasstls test client"


def test_openssl_client_session_for_another_server_name_gets_a_full_handshake(pki: TestPKI, tmp_path: Path) -> None:
    """A session made for "localhost" offered with SNI "other.example" (RFC 6066 section 3: a session belongs
    to the name it was made for): a full handshake. (s_client does not verify here: the name is not the
    certificate's.)"""
    sess = tmp_path / "openssl.sess"
    traces: list[str] = []
    with glasstls_server(server12(pki), reply_and_close(traces)) as server:  # type: ignore[arg-type]
        openssl_client_run(pki, server.port, sess, sess_in=False, extra=())
        other = run_openssl_client(
            server.port,
            cafile=None,
            servername="other.example",
            tls13_only=False,
            brief=False,
            extra_args=["-tls1_2", "-sess_in", str(sess)],
            stdin=MESSAGE,
        ).check()
        full = server.session(1).check()
    assert openssl_status(other.output)[0] == "New"
    assert full.negotiated is not None and not full.negotiated.resumed
    assert "it was made for server name 'localhost', not 'other.example'" in traces[1], traces[1]


# ======================================================================= glasstls client -> s_server


def www_page(tls: TLSSocket) -> str:
    """``s_server -www``: GET / returns a status page that says "New, TLSv1.2" or "Reused, TLSv1.2"."""
    tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
    page = recv_to_eof(tls).decode("latin-1")
    assert "HTTP/1.0 200" in page, page[:500]
    return page


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize(("suite", "name", "kind"), CASES)
def test_glasstls_client_resumes_with_openssl_server(
    pki: TestPKI, suite: CipherSuite, name: str, kind: str, via: str
) -> None:
    files = creds(pki, kind)
    extra = ["-tls1_2", "-cipher", name, *(["-no_ticket"] if via == "session ID" else [])]
    config = client12(pki)
    with openssl_server(files.cert, files.key, mode="www", tls13_only=False, extra_args=extra) as server:
        with glasstls_connect(server.port, config) as tls:
            first, first_trace = tls.negotiated, summaries(tls)
            first_page = www_page(tls)
        with glasstls_connect(server.port, config) as tls:
            second, second_trace = tls.negotiated, summaries(tls)
            second_page = www_page(tls)
        # The session (and, if no new one came, the same ticket) resumes again.
        with glasstls_connect(server.port, config) as tls:
            third = tls.negotiated
            third_page = www_page(tls)
    assert openssl_status(first_page) == ("New", name)
    assert openssl_status(second_page) == ("Reused", name)
    assert not first.resumed and first.verified_chain is not None
    assert second.resumed and second.cipher_suite == suite
    assert third.resumed and openssl_status(third_page) == ("Reused", name)
    assert [c.subject for c in second.peer_certificates] == [c.subject for c in first.peer_certificates]
    assert ("server sent a session ticket" in first_trace) == (via == "ticket"), first_trace
    assert f"by {via}" in second_trace, second_trace
    assert "server resumed our earlier session" in second_trace


def test_tls13_capable_glasstls_client_resumes_tls12_with_openssl_server(pki: TestPKI) -> None:
    """The default client offers TLS 1.3 and 1.2 in one ClientHello; s_server speaks TLS 1.2 only. The stored
    TLS 1.2 session is offered (ticket and session ID beside the TLS 1.3 key shares) and resumed."""
    files = creds(pki, "ecdsa")
    config = client_config(pki, session_store=ClientSessionStore())
    with openssl_server(files.cert, files.key, mode="www", tls13_only=False, extra_args=["-tls1_2"]) as server:
        with glasstls_connect(server.port, config) as tls:
            first = tls.negotiated
            www_page(tls)
        with glasstls_connect(server.port, config) as tls:
            second = tls.negotiated
            page = www_page(tls)
    assert first.version == second.version == V12
    assert not first.resumed and second.resumed
    assert openssl_status(page)[0] == "Reused"


def test_glasstls_client_falls_back_to_a_full_handshake_when_the_server_forgot(pki: TestPKI) -> None:
    """A restarted s_server (new ticket keys, empty cache) ignores the offered session: the glasstls client
    completes a full handshake, keeps the new session, and resumes that one next time."""
    files = creds(pki, "ecdsa")
    config = client12(pki)
    results = []
    for restart in range(2):
        with openssl_server(files.cert, files.key, mode="www", tls13_only=False, extra_args=["-tls1_2"]) as server:
            for _ in range(2 if restart else 1):
                with glasstls_connect(server.port, config) as tls:
                    results.append((tls.negotiated.resumed, openssl_status(www_page(tls))[0]))
    assert results == [(False, "New"), (False, "New"), (True, "Reused")]


def test_glasstls_client_without_a_store_never_resumes(pki: TestPKI) -> None:
    files = creds(pki, "ecdsa")
    config = client12(pki, session_store=None)
    with openssl_server(files.cert, files.key, mode="www", tls13_only=False, extra_args=["-tls1_2"]) as server:
        for _ in range(2):
            with glasstls_connect(server.port, config) as tls:
                assert not tls.negotiated.resumed
                assert openssl_status(www_page(tls))[0] == "New"


# ================================================================================ Python's ssl


def python_client_context(pki: TestPKI) -> ssl.SSLContext:
    assert pki.files is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(os.fspath(pki.files.root))
    return context


def python_client_run(
    context: ssl.SSLContext, port: int, session: ssl.SSLSession | None
) -> tuple[bool, ssl.SSLSession, str | None]:
    """Connect, exchange one line, close; (session_reused, session, version)."""
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
        reused, new_session, version = bool(tls.session_reused), tls.session, tls.version()
        with contextlib.suppress(OSError, ssl.SSLError):
            tls.unwrap()
    assert new_session is not None
    return reused, new_session, version


@pytest.mark.parametrize("via", VIA)
def test_python_client_resumes_with_glasstls_server(pki: TestPKI, via: str) -> None:
    context = python_client_context(pki)
    if via == "session ID":
        context.options |= ssl.OP_NO_TICKET
    traces: list[str] = []
    with glasstls_server(server12(pki), reply_and_close(traces)) as server:  # type: ignore[arg-type]
        reused1, session, version = in_background(python_client_run, context, server.port, None).result(TIMEOUT * 2)
        reused2, _, _ = in_background(python_client_run, context, server.port, session).result(TIMEOUT * 2)
        s1, s2 = server.session(0).check(), server.session(1).check()
    assert version == "TLSv1.2"
    assert not reused1 and reused2
    assert s1.negotiated is not None and not s1.negotiated.resumed
    assert s2.negotiated is not None and s2.negotiated.resumed
    assert f"by {via}" in traces[1], traces[1]


@pytest.mark.parametrize("via", VIA)
def test_glasstls_client_resumes_with_python_server(pki: TestPKI, via: str) -> None:
    reused: list[bool] = []

    def handler(tls: ssl.SSLSocket, session: PythonSession) -> None:
        reused.append(bool(tls.session_reused))
        data = tls.recv(len(MESSAGE))
        session.received += data
        tls.sendall(data)
        with contextlib.suppress(OSError, ssl.SSLError):
            tls.unwrap()

    files = creds(pki, "ecdsa")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.fspath(files.cert), os.fspath(files.key))
    if via == "session ID":
        context.options |= ssl.OP_NO_TICKET
    config = client12(pki)
    with python_ssl_server("-", "-", context=context, handler=handler) as server:
        with glasstls_connect(server.port, config) as tls:
            first = tls.negotiated
            echo_exchange(tls, MESSAGE)
        server.wait_for_sessions(1)
        with glasstls_connect(server.port, config) as tls:
            second, trace = tls.negotiated, summaries(tls)
            echo_exchange(tls, MESSAGE)
        server.wait_for_sessions(2)
    assert [s.version for s in server.sessions] == ["TLSv1.2", "TLSv1.2"]
    assert reused == [False, True]
    assert not first.resumed and second.resumed
    assert f"by {via}" in trace, trace


# ======================================================================================== GnuTLS


def test_gnutls_client_resumes_with_glasstls_server(pki: TestPKI) -> None:
    assert pki.files is not None
    traces: list[str] = []
    with glasstls_server(server12(pki), reply_and_close(traces)) as server:  # type: ignore[arg-type]
        result = run_gnutls_client(
            server.port,
            cafile=pki.files.root,
            priority="NORMAL:-VERS-ALL:+VERS-TLS1.2",
            extra_args=["--resume"],
            stdin=MESSAGE,
        ).check()
        s1, s2 = server.session(0), server.session(1)
    assert "*** This is a resumed session" in result.output, result.output
    assert s1.negotiated is not None and not s1.negotiated.resumed
    assert s2.negotiated is not None and s2.negotiated.resumed
    assert "by ticket" in traces[-1], traces


def test_glasstls_client_and_server_resume_over_sockets(pki: TestPKI) -> None:
    config = client12(pki)
    with glasstls_server(server12(pki)) as server:
        results = []
        for _ in range(3):
            with glasstls_connect(server.port, config) as tls:
                echo_exchange(tls, b"abc")
                results.append(tls.negotiated.resumed)
        sessions = [server.session(i).check() for i in range(3)]
    assert results == [False, True, True]
    assert [bool(s.negotiated and s.negotiated.resumed) for s in sessions] == [False, True, True]
