"""glasstls.io.sync: blocking sockets over the sans-I/O connection.

glasstls against itself over socketpair() and loopback, and against Python's ssl peers from tests/peers.py.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import TYPE_CHECKING, TypeVar

import pytest

from glasstls import errors
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection
from glasstls.events import AlertReceived as AlertReceivedEvent
from glasstls.events import ConnectionClosed, HandshakeComplete, KeyUpdated, NewSessionTicketReceived
from glasstls.io import sync
from glasstls.io.server import TLSServer
from glasstls.io.sync import TLSSocket, connect, wrap_socket
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import AlertDescription, AlertLevel, ContentType, ProtocolVersion
from peers import PeerPki, in_background, python_ssl_server, run_openssl_client, run_python_ssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

T = TypeVar("T")
interop = pytest.mark.interop
TIMEOUT = 10.0


# ------------------------------------------------------------------------------------------ helpers


def server_config(pki: TestPKI, **kwargs: object) -> ServerConfig:
    assert pki.files is not None
    chain = CertificateChain.from_files(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key)
    return ServerConfig(certificates=(chain,), **kwargs)  # type: ignore[arg-type]


def client_config(pki: TestPKI, **kwargs: object) -> ClientConfig:
    return ClientConfig(trust=pki.trust_store(), **kwargs)  # type: ignore[arg-type]


def recv_exactly(tls: TLSSocket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = tls.recv(n - len(out))
        assert chunk, f"EOF after {len(out)} of {n} bytes"
        out += chunk
    return bytes(out)


def echo(tls: TLSSocket) -> None:
    while data := tls.recv(65536):
        tls.sendall(data)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)
    with closing(a), closing(b):
        yield a, b


def handshake_pair(
    pki: TestPKI, a: socket.socket, b: socket.socket, **client_kwargs: object
) -> tuple[TLSSocket, TLSSocket]:
    """Client on ``a``, server on ``b``; both handshakes run concurrently."""
    server = in_background(wrap_socket, b, server_config(pki), server_side=True, handshake_timeout=TIMEOUT)
    client = wrap_socket(a, client_config(pki, **client_kwargs), server_name="localhost", handshake_timeout=TIMEOUT)
    return client, server.result(TIMEOUT)


@pytest.fixture
def echo_server(pki: TestPKI) -> Iterator[TLSServer]:
    """A TLSServer on 127.0.0.1 echoing each client (serve_forever in a thread)."""
    with TLSServer("127.0.0.1", 0, server_config(pki, alpn_protocols=("h2", "http/1.1")), handshake_timeout=5) as srv:
        thread = threading.Thread(target=srv.serve_forever, args=(echo,), daemon=True)
        thread.start()
        yield srv
        srv.close()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "serve_forever did not return after close()"


@pytest.fixture
def raw_listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(TIMEOUT)
        yield listener


def in_thread(func: Callable[[], T]) -> Callable[[float], T]:
    task = in_background(func)
    return task.result


# ------------------------------------------------------------------------------- over socketpair()


def test_socketpair_handshake_echo_and_clean_close(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = handshake_pair(pki, *pair)
    assert client.negotiated.version == ProtocolVersion.TLS13
    assert client.negotiated.server_name == "localhost"
    assert server.server_side and not client.server_side
    assert isinstance(client.connection, ClientConnection)
    assert client.socket is pair[0]
    assert client.fileno() == pair[0].fileno()

    assert client.send(b"hello") == 5
    assert recv_exactly(server, 5) == b"hello"
    server.sendall(b"world!")
    assert recv_exactly(client, 6) == b"world!"

    client.close()
    assert server.recv(100) == b""
    assert server.recv(100) == b""  # stays at EOF
    assert server.close_notify_received
    assert server.peer_closed
    server.close()
    assert client.closed and server.closed
    client.close()  # idempotent


def test_recv_returns_at_most_bufsize_and_buffers_the_rest(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    client.sendall(b"abcdefgh")
    first = server.recv(3)
    assert first == b"abc"
    assert server.pending() == 5
    assert server.recv(100) == b"defgh"
    assert server.recv(0) == b""
    client.close()
    server.close()


def test_large_transfer_full_duplex(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    """1 MiB each way at once: a writer thread and a reader thread on each side (records keep their order)."""
    client, server = handshake_pair(pki, *pair)
    payload_c, payload_s = os.urandom(1 << 20), os.urandom(1 << 20)
    sending = [in_background(client.sendall, payload_c), in_background(server.sendall, payload_s)]
    assert recv_exactly(server, len(payload_c)) == payload_c
    assert recv_exactly(client, len(payload_s)) == payload_s
    for task in sending:
        task.result(TIMEOUT)
    client.close()
    server.close()


def test_key_update_both_ways(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = handshake_pair(pki, *pair)
    client.key_update(request_peer=True)
    client.sendall(b"after update")
    assert recv_exactly(server, 12) == b"after update"
    server.sendall(b"reply")  # the server answered the request with its own KeyUpdate first
    assert recv_exactly(client, 5) == b"reply"
    server.key_update(request_peer=False)
    server.sendall(b"again")
    assert recv_exactly(client, 5) == b"again"
    client.close()
    server.close()


def test_bare_eof_after_handshake_is_b_empty_but_not_clean(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    server.sendall(b"last words")
    pair[1].shutdown(socket.SHUT_WR)  # transport EOF without close_notify
    assert recv_exactly(client, 10) == b"last words"
    assert client.recv(10) == b""
    assert client.peer_closed and not client.close_notify_received
    client.close()
    server.close()


def test_peer_alert_on_bad_record_reaches_peer(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    """A TLSError in recv: the fatal alert goes to the peer before the error is raised, and sticks."""
    a, b = pair
    server_task = in_background(wrap_socket, b, server_config(pki), server_side=True, handshake_timeout=TIMEOUT)
    conn = ClientConnection(client_config(pki), server_name="localhost")  # driven by hand (sans I/O)
    conn.start()
    while not conn.handshake_complete:
        a.sendall(conn.data_to_send())
        conn.receive_data(a.recv(65536))
    a.sendall(conn.data_to_send())
    server = server_task.result(TIMEOUT)

    a.sendall(b"\x17\x03\x03\x00\x20" + bytes(32))  # application_data record that cannot authenticate
    with pytest.raises(errors.BadRecordMac) as info:
        server.recv(100)
    with pytest.raises(errors.BadRecordMac) as again:
        server.recv(100)
    assert again.value is info.value  # the first failure is permanent

    with pytest.raises(errors.AlertReceived) as alert:
        while True:
            data = a.recv(65536)
            assert data, "EOF before the alert"
            conn.receive_data(data)
    assert alert.value.description == AlertDescription.BAD_RECORD_MAC
    server.close()


def test_usage_errors(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    with pytest.raises(errors.UsageError):
        wrap_socket(b, client_config(pki), server_side=True)
    with pytest.raises(errors.UsageError):
        wrap_socket(a, server_config(pki), server_name="localhost")
    a.setblocking(False)
    with pytest.raises(errors.UsageError, match="blocking"):
        wrap_socket(a, client_config(pki), server_name="localhost")
    with pytest.raises(errors.UsageError):
        TLSServer("127.0.0.1", 0, client_config(pki))  # type: ignore[arg-type]


def test_use_after_close_is_a_usage_error(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = handshake_pair(pki, *pair)
    client.close()
    with pytest.raises(errors.UsageError):
        client.recv(10)
    with pytest.raises(errors.UsageError):
        client.sendall(b"x")
    server.close()


def test_recv_timeout_after_handshake_leaves_the_connection_usable(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    client.settimeout(0.2)
    assert client.gettimeout() == 0.2
    with pytest.raises(TimeoutError):
        client.recv(10)
    server.sendall(b"late")
    assert recv_exactly(client, 4) == b"late"
    client.close()
    server.close()


# ------------------------------------------------------------------------------- events()


def test_events_keep_handshake_key_updates_tickets_and_close(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    first = client.events()
    assert isinstance(first[0], HandshakeComplete)
    assert first[0].negotiated == client.negotiated
    assert isinstance(server.events()[0], HandshakeComplete)
    assert client.events() == []  # drained

    client.key_update(request_peer=True)
    assert client.events() == [KeyUpdated("write")]  # our own update, without touching the socket
    client.sendall(b"ping")
    assert recv_exactly(server, 4) == b"ping"
    # The peer's, then our answer to its update_requested (KeyUpdated.requested, RFC 8446 section 4.6.3).
    assert server.events() == [KeyUpdated("read"), KeyUpdated("write", requested=True)]
    server.sendall(b"pong")
    assert recv_exactly(client, 4) == b"pong"
    received = client.events()
    assert KeyUpdated("read") in received
    tickets = [e for e in received if isinstance(e, NewSessionTicketReceived)]
    assert [e.ticket for e in tickets] == client.session_tickets  # tickets are events too

    client.close()
    assert server.recv(10) == b""
    closing_events = server.events()
    assert AlertReceivedEvent(AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY) in closing_events
    assert closing_events[-1] == ConnectionClosed(clean=True)
    server.close()


def test_events_keep_a_warning_alert_and_the_fatal_alert_that_ended_the_connection(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    client.events()
    # A user_canceled warning (RFC 8446 section 6.1) does not end the connection: only events() shows it.
    # (Sealed with the server's record layer by hand: the connection has no API to send a warning.)
    pair[1].sendall(server.connection._records.seal(ContentType.ALERT, bytes([1, AlertDescription.USER_CANCELED])))
    server.sendall(b"still here")
    assert recv_exactly(client, 10) == b"still here"
    # (The server's session tickets arrive as events too; this test is about alerts.)
    assert [e for e in client.events() if not isinstance(e, NewSessionTicketReceived)] == [
        AlertReceivedEvent(AlertLevel.WARNING, AlertDescription.USER_CANCELED)
    ]

    pair[0].sendall(b"\x17\x03\x03\x00\x20" + bytes(32))  # the server cannot authenticate this record
    with pytest.raises(errors.BadRecordMac):
        server.recv(10)
    with pytest.raises(errors.AlertReceived):
        client.recv(10)
    assert client.events() == [AlertReceivedEvent(AlertLevel.FATAL, AlertDescription.BAD_RECORD_MAC)]
    client.close()
    server.close()


def test_events_queue_is_bounded_and_counts_what_it_dropped(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "MAX_PENDING_EVENTS", 4)
    client, server = handshake_pair(pki, *pair)
    client.events()
    assert client.events_dropped == 0
    for _ in range(10):
        client.key_update(request_peer=False)
    kept = client.events()
    assert kept == [KeyUpdated("write")] * 4
    assert client.events_dropped == 6
    client.sendall(b"x")  # the server takes the ten updates in stride
    assert recv_exactly(server, 1) == b"x"
    client.close()
    server.close()


# ------------------------------------------------------------------------------- counters, timeouts, close


def test_byte_counters_and_handshake_time(pki: TestPKI, pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = handshake_pair(pki, *pair)
    assert client.handshake_time is not None and client.handshake_time > 0
    assert server.handshake_time is not None
    handshake_out = client.wire_bytes_sent
    assert handshake_out > 100 and client.wire_bytes_received > 500  # ClientHello; the server's flight
    client.sendall(b"12345")
    assert client.bytes_sent == 5
    assert client.wire_bytes_sent - handshake_out == 5 + 5 + 1 + 16  # header, data, content type, tag
    assert recv_exactly(server, 5) == b"12345"
    assert server.bytes_received == 5
    assert server.wire_bytes_received == client.wire_bytes_sent
    client.close()
    server.close()


def test_recv_timeout_leaves_the_socket_timeout_and_skips_records_without_data(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)
    client.settimeout(None)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.recv(10, timeout=0.2)
    assert 0.15 < time.monotonic() - started < 5
    assert client.gettimeout() is None  # the socket itself still blocks (a sender thread is not cut short)

    server.key_update(request_peer=False)  # a record with no application data: the wait goes on
    with pytest.raises(TimeoutError):
        client.recv(10, timeout=0.2)
    assert KeyUpdated("read") in client.events()
    late = threading.Timer(0.1, server.sendall, args=(b"late",))
    late.start()
    assert client.recv(10, timeout=5) == b"late"
    late.join()
    client.close()
    server.close()


def test_close_waiting_for_the_peer_sees_its_close_notify(
    pki: TestPKI, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = handshake_pair(pki, *pair)

    def answer_close() -> None:
        assert server.recv(10) == b""  # our close_notify
        server.close()  # and its own

    answering = in_background(answer_close)
    client.close(wait_for_peer=5)
    answering.result(TIMEOUT)
    assert client.close_notify_received and client.closed

    client, server = handshake_pair(pki, *socket.socketpair())
    started = time.monotonic()
    client.close(wait_for_peer=0.2)  # a peer that never answers: we give up after the wait
    assert 0.15 < time.monotonic() - started < 5
    assert not client.close_notify_received
    server.close()


def test_serve_forever_on_failure_gets_the_socket_and_the_error(pki: TestPKI, caplog: pytest.LogCaptureFixture) -> None:
    failures: list[tuple[TLSSocket, object, errors.TLSError]] = []
    seen = threading.Event()

    def on_failure(tls: TLSSocket, address: object, error: errors.TLSError) -> None:
        failures.append((tls, address, error))
        seen.set()
        raise RuntimeError("a broken hook is only logged")

    with TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=2) as server:
        loop = threading.Thread(target=server.serve_forever, args=(echo,), kwargs={"on_failure": on_failure})
        loop.start()
        port = server.address[1]
        with socket.create_connection(("127.0.0.1", port)) as junk:
            junk.sendall(b"GET / HTTP/1.0\r\n\r\n")
            junk.settimeout(TIMEOUT)
            assert junk.recv(100)[:1] == b"\x15"  # the alert went out before the hook ran
        assert seen.wait(TIMEOUT)
        with connect("127.0.0.1", port, client_config(pki), server_name="localhost") as good:
            good.sendall(b"ok")
            assert recv_exactly(good, 2) == b"ok"
        server.close()
        loop.join(TIMEOUT)
    [(tls, address, error)] = failures
    assert "on_failure failed" in caplog.text  # a broken hook is logged
    assert not [r for r in caplog.records if r.levelno == logging.WARNING and "handshake with" in r.message]
    assert isinstance(error, errors.DecodeError | errors.UnexpectedMessage | errors.ProtocolVersionError)
    assert tls.connection.error is error
    assert tls.connection.trace  # what happened, for an explanation
    assert address[0] == "127.0.0.1"  # type: ignore[index]


# ------------------------------------------------------------------------------- handshake failures


def test_untrusted_server_certificate_fails_and_the_server_gets_the_alert(
    pki: TestPKI, peer_pki: PeerPki, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    other_root = TrustStore.from_file(peer_pki.root)  # a different root CA (made by openssl)
    server = in_background(wrap_socket, b, server_config(pki), server_side=True, handshake_timeout=TIMEOUT)
    with pytest.raises(errors.CertificateError) as info:
        wrap_socket(a, ClientConfig(trust=other_root), server_name="localhost")
    assert info.value.alert == AlertDescription.UNKNOWN_CA
    # The server fails too (it gets the client's alert), with a TLSError rather than an OSError or a hang.
    with pytest.raises(errors.TLSError):
        server.result(TIMEOUT)


def test_peer_that_is_not_tls_gives_a_tls_error(pki: TestPKI, raw_listener: socket.socket) -> None:
    def http_server() -> None:
        conn, _ = raw_listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            time.sleep(0.5)

    result = in_thread(http_server)
    port = raw_listener.getsockname()[1]
    with pytest.raises(errors.TLSError) as info:
        connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
    assert not isinstance(info.value, errors.ConnectionLost), info.value
    result(TIMEOUT)


def test_peer_closing_mid_handshake_is_connection_lost(pki: TestPKI, raw_listener: socket.socket) -> None:
    def closer() -> None:
        conn, _ = raw_listener.accept()
        conn.recv(65536)
        conn.close()

    result = in_thread(closer)
    with pytest.raises(errors.ConnectionLost) as info:
        connect("127.0.0.1", raw_listener.getsockname()[1], client_config(pki), server_name="localhost", timeout=5)
    assert info.value.step  # says which step
    result(TIMEOUT)


def test_silent_peer_hits_the_handshake_deadline(pki: TestPKI, raw_listener: socket.socket) -> None:
    accepted: list[socket.socket] = []
    result = in_thread(lambda: accepted.append(raw_listener.accept()[0]))
    started = time.monotonic()
    with pytest.raises(errors.ConnectionLost, match=r"timed out|did not complete") as info:
        connect("127.0.0.1", raw_listener.getsockname()[1], client_config(pki), server_name="localhost", timeout=0.5)
    assert time.monotonic() - started < 3
    assert info.value.step == "ServerHello"  # the message we waited for, never a state's class name
    assert isinstance(info.value.__cause__, (TimeoutError, type(None)))
    result(TIMEOUT)
    for conn in accepted:
        conn.close()


def test_refused_connect_is_connection_lost_with_the_os_error_as_cause(pki: TestPKI) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(errors.ConnectionLost) as info:
        connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=5)
    assert info.value.step == "TCP connect"
    assert isinstance(info.value.__cause__, ConnectionRefusedError)


def test_reset_during_handshake_is_connection_lost_not_os_error(pki: TestPKI, raw_listener: socket.socket) -> None:
    def resetter() -> None:
        conn, _ = raw_listener.accept()
        conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()  # RST

    result = in_thread(resetter)
    with pytest.raises(errors.ConnectionLost):
        connect("127.0.0.1", raw_listener.getsockname()[1], client_config(pki), server_name="localhost", timeout=5)
    result(TIMEOUT)


def test_missing_server_name_is_a_usage_error_before_any_traffic(pki: TestPKI) -> None:
    a, b = socket.socketpair()
    with closing(a), closing(b), pytest.raises(errors.UsageError):
        wrap_socket(a, client_config(pki))


# ------------------------------------------------------------------------------------ TLSServer


def test_connect_to_tls_server_echo_with_alpn(pki: TestPKI, echo_server: TLSServer) -> None:
    host, port = echo_server.address
    assert host == "127.0.0.1" and port > 0
    with connect(host, port, client_config(pki, alpn_protocols=("h2",)), server_name="localhost") as tls:
        assert tls.negotiated.alpn_protocol == "h2"
        assert tls.gettimeout() == 30
        for i in range(3):
            message = f"message {i}".encode()
            tls.sendall(message)
            assert recv_exactly(tls, len(message)) == message
        tls.key_update()
        tls.sendall(b"post-update")
        assert recv_exactly(tls, 11) == b"post-update"
    assert tls.closed


def test_server_name_defaults_to_host(pki: TestPKI, echo_server: TLSServer) -> None:
    # The test PKI's leaves carry IP:127.0.0.1, so verifying the host itself succeeds.
    with connect("127.0.0.1", echo_server.address[1], client_config(pki)) as tls:
        assert tls.negotiated.server_name in ("127.0.0.1", None)
        tls.sendall(b"ip")
        assert recv_exactly(tls, 2) == b"ip"


def test_accept_returns_the_handshaken_socket_and_address(pki: TestPKI) -> None:
    with TLSServer("127.0.0.1", 0, server_config(pki)) as server:
        client = in_background(connect, "127.0.0.1", server.address[1], client_config(pki), server_name="localhost")
        tls, address = server.accept()
        with tls, client.result(TIMEOUT) as peer:
            assert address[0] == "127.0.0.1"
            assert tls.server_side
            assert tls.negotiated.version == ProtocolVersion.TLS13
            peer.sendall(b"ping")
            assert recv_exactly(tls, 4) == b"ping"


def test_accept_handshake_timeout(pki: TestPKI) -> None:
    with (
        TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=0.5) as server,
        socket.create_connection(server.address),
    ):
        started = time.monotonic()
        with pytest.raises(errors.ConnectionLost):
            server.accept()
        assert time.monotonic() - started < 3


def test_serve_forever_survives_failing_clients(pki: TestPKI, caplog: pytest.LogCaptureFixture) -> None:
    def handler(tls: TLSSocket) -> None:
        data = tls.recv(100)
        if data == b"boom":
            raise RuntimeError("handler exploded")
        tls.sendall(data)

    caplog.set_level(logging.WARNING, logger="glasstls.io")
    for threads in (True, False):
        with TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=2) as server:
            loop = threading.Thread(target=server.serve_forever, args=(handler,), kwargs={"threads": threads})
            loop.start()
            port = server.address[1]
            with socket.create_connection(("127.0.0.1", port)) as junk:  # not TLS at all
                junk.sendall(b"GET / HTTP/1.0\r\n\r\n")
                junk.settimeout(TIMEOUT)
                assert junk.recv(100)[:1] == b"\x15"  # it got a fatal alert record
            with connect("127.0.0.1", port, client_config(pki), server_name="localhost") as bad:
                bad.sendall(b"boom")
                assert bad.recv(100) == b""  # the handler failed: the server closed with close_notify
            with connect("127.0.0.1", port, client_config(pki), server_name="localhost") as good:
                good.sendall(b"still serving")
                assert recv_exactly(good, 13) == b"still serving"
            server.close()
            loop.join(TIMEOUT)
            assert not loop.is_alive()
    assert "handler exploded" in caplog.text
    assert "handshake with" in caplog.text


# --------------------------------------------------------------------------- python ssl peers


@interop
def test_connect_to_python_ssl_server(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files
    with python_ssl_server(files.server_rsa.cert, files.server_rsa.key, alpn=["http/1.1"]) as server:
        config = client_config(pki, alpn_protocols=("h2", "http/1.1"))
        with connect("127.0.0.1", server.port, config, server_name="localhost", timeout=TIMEOUT) as tls:
            assert tls.negotiated.alpn_protocol == "http/1.1"
            tls.sendall(b"hello python\n")
            assert recv_exactly(tls, 13) == b"hello python\n"
        (session,) = server.wait_for_sessions(1)
    assert session.error is None, session.error
    assert (session.version, session.alpn, session.server_name) == ("TLSv1.3", "http/1.1", "localhost")
    assert session.received == b"hello python\n"


@interop
def test_python_ssl_client_against_tls_server(pki: TestPKI, echo_server: TLSServer) -> None:
    assert pki.files is not None
    result = run_python_ssl_client(
        echo_server.address[1], cafile=pki.files.root, alpn=["h2"], send=b"from python", read=11
    )
    assert (result.version, result.alpn, result.received) == ("TLSv1.3", "h2", b"from python")


@interop
def test_openssl_client_against_tls_server(pki: TestPKI, echo_server: TLSServer) -> None:
    assert pki.files is not None
    result = run_openssl_client(echo_server.address[1], cafile=pki.files.root, stdin=b"from openssl\n", until="openssl")
    assert b"from openssl" in result.stdout
    assert "Protocol version: TLSv1.3" in result.output
    assert "Verification: OK" in result.output


def test_accept_after_close_is_a_usage_error(pki: TestPKI) -> None:
    server = TLSServer("127.0.0.1", 0, server_config(pki))
    server.close()
    assert server.closed
    with pytest.raises(errors.UsageError):
        server.accept()
