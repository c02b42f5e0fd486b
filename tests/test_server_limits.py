"""What one client may take from a TLSServer (glasstls.io.limits), and the server's socket behaviour (issue 9 items
6, 7, 9; issue 11's IPv6 listening; issue 12's "a fatal alert reaches the peer").

Every server here listens on 127.0.0.1 or ::1 and every wait has a timeout. Nothing asserts a speed: a test that
waits for the server to drop a client waits with a generous bound and checks *that* it happened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls import errors
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ServerConnection
from glasstls.errors import TLSError
from glasstls.io.address import format_address, system_backlog
from glasstls.io.limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HANDSHAKE_BYTES,
    DEFAULT_MAX_HANDSHAKES,
    IdleTimeout,
    ServerLimits,
)
from glasstls.io.server import TLSServer
from glasstls.io.sync import MAX_SESSION_TICKETS, TLSSocket, connect
from glasstls.wire.enums import AlertDescription, ContentType
from peers import in_background, python_ssl_server

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}


def server_config(pki: TestPKI, **kwargs: object) -> ServerConfig:
    assert pki.files is not None
    chain = CertificateChain.from_files(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key)
    return ServerConfig(certificates=(chain,), **kwargs)  # type: ignore[arg-type]


def client_config(pki: TestPKI) -> ClientConfig:
    return ClientConfig(trust=pki.trust_store())


def echo(tls: TLSSocket) -> None:
    while data := tls.recv(65536):
        tls.sendall(data)


@contextlib.contextmanager
def serving(server: TLSServer, **kwargs: object) -> Iterator[TLSServer]:
    thread = threading.Thread(target=server.serve_forever, args=(echo,), kwargs=kwargs, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(TIMEOUT)


def wait_until(condition: object, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout:g}s: {what}")


def client_hello_bytes(pki: TestPKI) -> bytes:
    """The first flight of a real glasstls client (a ClientHello record)."""
    from glasstls.connection import ClientConnection

    conn = ClientConnection(client_config(pki), server_name="localhost")
    conn.start()
    return conn.data_to_send()


def dropped(sock: socket.socket, timeout: float = TIMEOUT) -> bool:
    """Whether the server closed ``sock`` (EOF or reset) within ``timeout``; data it sends is read and skipped."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


# ------------------------------------------------------------------------------ defaults and validation


def test_limits_have_named_defaults_and_refuse_nonsense() -> None:
    limits = ServerLimits()
    assert (limits.max_connections, limits.max_handshakes) == (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HANDSHAKES)
    assert (limits.max_handshake_bytes, limits.idle_timeout) == (DEFAULT_MAX_HANDSHAKE_BYTES, DEFAULT_IDLE_TIMEOUT)
    for bad in ({"max_connections": 0}, {"max_handshakes": -1}, {"max_handshake_bytes": 0}, {"idle_timeout": 0}):
        with pytest.raises(errors.ConfigError):
            ServerLimits(**bad)  # type: ignore[arg-type]


def test_listen_backlog_is_the_system_maximum(pki: TestPKI) -> None:
    somaxconn = Path("/proc/sys/net/core/somaxconn")
    if somaxconn.exists():
        assert system_backlog() == int(somaxconn.read_text())
    assert system_backlog() >= 128
    # A server that is not accepting yet: its queue takes a burst of connections beyond the old backlog of 128
    # (with 128, the 130th connect waits for SYN retries and times out).
    with TLSServer("127.0.0.1", 0, server_config(pki)) as server:
        port = server.address[1]
        held = []
        try:
            for _ in range(min(system_backlog(), 300)):
                held.append(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT))
        finally:
            for sock in held:
                sock.close()
        assert len(held) == min(system_backlog(), 300)


# ----------------------------------------------------------------------------------- connection cap


def test_connection_over_the_cap_waits_in_the_queue_until_one_ends(pki: TestPKI) -> None:
    limits = ServerLimits(max_connections=2, max_handshakes=2)
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, handshake_timeout=TIMEOUT)) as server:
        port = server.address[1]
        first = connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
        second = connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
        wait_until(lambda: server.admission.connections == 2, "two connections")
        third = in_background(connect, "127.0.0.1", port, client_config(pki), server_name="localhost", timeout=30)
        time.sleep(0.5)
        # The third client's TCP connection is in the kernel's queue; the server has not taken it.
        assert not third.done()
        assert server.admission.accepted == 2
        first.close()
        tls = third.result(TIMEOUT)
        assert server.admission.accepted == 3
        tls.sendall(b"third")
        assert tls.recv(100) == b"third"
        second.sendall(b"second")  # the others were served all along
        assert second.recv(100) == b"second"
        tls.close()
        second.close()
        wait_until(lambda: server.admission.connections == 0, "every connection counted out")


# -------------------------------------------------------------------------------- unfinished handshakes


def test_a_connection_that_cannot_be_made_closes_the_client_socket(pki: TestPKI) -> None:
    """Making the connection object fails (a bug, not the peer's doing: an exception that is no TLSError): the
    accepted socket is closed, so the client sees the end of the connection instead of waiting for a handshake
    that never comes, and the server goes on serving."""

    def broken(config: ServerConfig) -> ServerConnection:
        raise RuntimeError("no connection today")

    server = TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=TIMEOUT)
    server.new_connection = broken
    with serving(server):
        with socket.create_connection(server.address, timeout=TIMEOUT) as sock:
            sock.sendall(client_hello_bytes(pki))
            assert dropped(sock), "the client was left waiting on a socket the server forgot"
        wait_until(lambda: server.admission.connections == 0, "the connection counted out")
        server.new_connection = ServerConnection
        tls = connect("127.0.0.1", server.address[1], client_config(pki), server_name="localhost", timeout=TIMEOUT)
        tls.sendall(b"still serving")
        assert tls.recv(100) == b"still serving"
        tls.close()


def test_half_sent_client_hello_is_dropped_at_the_handshake_deadline(pki: TestPKI) -> None:
    hello = client_hello_bytes(pki)
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=1.0)) as server:
        with socket.create_connection(server.address, timeout=TIMEOUT) as slow:
            slow.sendall(hello[: len(hello) // 2])
            assert dropped(slow), "the server kept a half-sent ClientHello past the handshake deadline"
        wait_until(lambda: server.admission.handshakes == 0, "the handshake counted out")


def test_at_the_handshake_cap_a_stalled_client_hello_makes_room_for_a_waiting_client(pki: TestPKI) -> None:
    hello = client_hello_bytes(pki)
    failures: list[TLSError] = []
    limits = ServerLimits(max_handshakes=1)
    server = TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, handshake_timeout=60.0)
    with serving(server, on_failure=lambda tls, address, error: failures.append(error)):
        port = server.address[1]
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as slow:
            slow.sendall(hello[: len(hello) // 2])
            wait_until(lambda: server.admission.handshakes == 1, "the half-sent hello holds the one handshake slot")
            time.sleep(1.5)  # older than STALLED_HELLO_SECONDS, but nobody waits: it is left alone
            assert server.admission.evicted == 0
            # A client waits: the stalled hello (60 s before its deadline) is dropped for it.
            with connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=30) as tls:
                tls.sendall(b"served")
                assert tls.recv(100) == b"served"
            assert dropped(slow)
        assert server.admission.evicted == 1
        wait_until(lambda: bool(failures), "on_failure heard of the dropped one")
        assert isinstance(failures[0], errors.LimitExceeded)
        assert "limit of 1 unfinished handshakes" in str(failures[0])
        wait_until(lambda: server.admission.handshakes == 0, "every handshake counted out")


@pytest.mark.parametrize("first_flight", ["complete hello", "nothing yet"])
def test_at_the_handshake_cap_clients_not_stalled_in_a_hello_are_not_dropped(pki: TestPKI, first_flight: str) -> None:
    """A client whose ClientHello is complete, or which has sent nothing yet (a busy client may be slow to begin),
    is not dropped to make room: the next one waits in the queue."""
    limits = ServerLimits(max_handshakes=1)
    server = TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, handshake_timeout=60.0)
    with serving(server):
        port = server.address[1]
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as slow:
            if first_flight == "complete hello":
                slow.sendall(client_hello_bytes(pki))  # the server answers, then waits for the Finished
                slow.settimeout(TIMEOUT)
                assert slow.recv(5)[:1] == bytes([ContentType.HANDSHAKE])  # the ServerHello
            wait_until(lambda: server.admission.handshakes == 1, "the first client holds the one handshake slot")
            waiting = in_background(
                connect, "127.0.0.1", port, client_config(pki), server_name="localhost", timeout=30
            )
            time.sleep(1.5)
            assert not waiting.done()  # queued behind the handshake in progress
            assert server.admission.evicted == 0
        with waiting.result(TIMEOUT) as tls:  # the first one went: the second is served
            tls.sendall(b"next")
            assert tls.recv(100) == b"next"


def test_client_sending_more_than_the_handshake_byte_budget_is_dropped(pki: TestPKI) -> None:
    failures: list[TLSError] = []
    limits = ServerLimits(max_handshake_bytes=4096)
    server = TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, handshake_timeout=60.0)
    thread = threading.Thread(
        target=server.serve_forever,
        args=(echo,),
        kwargs={"on_failure": lambda tls, addr, error: failures.append(error)},
        daemon=True,
    )
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.address[1]), timeout=TIMEOUT) as sock:
            # A ClientHello that announces 200,000 bytes (under the connection's 256 KiB message limit), sent in
            # full records, never finished: without the budget the server buffers it all for 60 s.
            body = struct.pack(">B", 1) + (200_000).to_bytes(3, "big") + b"\x03\x03" + bytes(16_000)
            for start in range(0, 4 * 16_000, 16_000):
                chunk = body[start : start + 16_000] if start < len(body) else bytes(16_000)
                with contextlib.suppress(OSError):
                    sock.sendall(bytes([ContentType.HANDSHAKE, 3, 1]) + len(chunk).to_bytes(2, "big") + chunk)
            assert dropped(sock), "the server kept reading past its handshake byte budget"
        wait_until(lambda: bool(failures), "on_failure was told")
        assert isinstance(failures[0], errors.LimitExceeded)
        assert "more than 4096 bytes" in str(failures[0])
    finally:
        server.close()
        thread.join(TIMEOUT)


# ------------------------------------------------------------------------------------------ idle budget


def test_empty_record_trickler_is_dropped_after_the_idle_budget(
    pki: TestPKI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="glasstls.io")
    limits = ServerLimits(idle_timeout=1.0)
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, timeout=None)) as server:
        port = server.address[1]
        tls = connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
        with tls:
            records = tls.connection._records  # to seal records with no data, which send_data never makes
            sent = 0
            closed = False
            for _ in range(40):  # 40 * 0.25 s: far past the 1 s budget
                try:
                    tls.socket.sendall(records.seal(ContentType.APPLICATION_DATA, b""))
                except OSError:
                    closed = True
                    break
                sent += 1
                try:
                    closed = tls.recv(100, timeout=0.25) == b""  # b"": the server's close_notify
                except TimeoutError:
                    continue  # nothing but records without data (the server's tickets): wait on
                assert closed, "the server echoed data nobody sent"
                break
            assert closed, "empty records kept an idle connection alive"
            assert sent >= 2  # records arrived within the budget, and none refreshed it
        wait_until(lambda: "idle budget" in caplog.text, "the server logged why")


def test_application_data_is_progress_for_the_idle_budget(pki: TestPKI) -> None:
    limits = ServerLimits(idle_timeout=2.0)
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), limits=limits, timeout=None)) as server:
        tls = connect("127.0.0.1", server.address[1], client_config(pki), server_name="localhost", timeout=TIMEOUT)
        with tls:
            for _ in range(10):  # 10 * 0.3 s: longer than the budget, with data all along
                tls.sendall(b"x")
                assert tls.recv(10) == b"x"
                time.sleep(0.3)


def test_idle_timeout_is_a_timeout_error_on_the_socket(pki: TestPKI) -> None:
    a, b = socket.socketpair()
    with a, b:
        from glasstls.io.sync import wrap_socket

        server = in_background(wrap_socket, b, server_config(pki), server_side=True, handshake_timeout=TIMEOUT)
        client = wrap_socket(a, client_config(pki), server_name="localhost", handshake_timeout=TIMEOUT)
        tls = server.result(TIMEOUT)
        tls.idle_timeout = 0.3
        with pytest.raises(IdleTimeout, match="idle budget"):
            tls.recv(10)
        assert isinstance(IdleTimeout(), TimeoutError)
        client.close()


# ------------------------------------------------------------------------------ the fatal alert arrives


def test_fatal_alert_reaches_a_client_still_sending_a_huge_message(pki: TestPKI) -> None:
    """RFC 8446 section 6: the server sends its fatal alert and closes; it drains what the client still sends so
    that the client's kernel gets no reset, which would discard the alert before the client reads it."""
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=TIMEOUT)) as server:
        sock = socket.create_connection(server.address, timeout=30)
        with sock:
            # A handshake message that announces 16 MiB (2^24 - 1 bytes), then its body, record after record.
            record = bytes(16_384)
            header = bytes([ContentType.HANDSHAKE, 3, 3]) + len(record).to_bytes(2, "big")
            first = bytes([1]) + (0xFFFFFF).to_bytes(3, "big") + record[4:]
            send_error: OSError | None = None
            try:
                sock.sendall(header + first)
                for _ in range(1024):
                    sock.sendall(header + record)
            except OSError as exc:
                send_error = exc
            received = b""
            try:
                while chunk := sock.recv(65536):
                    received += chunk
            except OSError as exc:
                pytest.fail(f"no alert: {exc!r} (while sending: {send_error!r}); received {received.hex()}")
        assert send_error is None, f"the server reset the connection while the client was sending: {send_error!r}"
        assert received[:1] == bytes([ContentType.ALERT]), received.hex()
        assert received[5] == 2  # fatal
        assert AlertDescription(received[6]) in (AlertDescription.DECODE_ERROR, AlertDescription.ILLEGAL_PARAMETER)


# --------------------------------------------------------------------------------------------- EMFILE

EMFILE_SERVER = r"""
import logging, resource, sys, threading, time
from glasstls.config import CertificateChain, ServerConfig
from glasstls.io.server import TLSServer
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="LOG %(levelname)s %(message)s")
cert, key, nofile = sys.argv[1], sys.argv[2], int(sys.argv[3])
kwargs = {}
try:
    from glasstls.io.limits import ServerLimits
    kwargs["limits"] = ServerLimits(max_connections=10_000, max_handshakes=10_000)  # let descriptors run out
except ImportError:
    pass
server = TLSServer("127.0.0.1", 0, ServerConfig(certificates=(CertificateChain.from_files(cert, key),)),
                   handshake_timeout=60, **kwargs)
def echo(tls):
    while data := tls.recv(65536):
        tls.sendall(data)
resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
threading.Thread(target=server.serve_forever, args=(echo,), daemon=True).start()
print("PORT", server.address[1], flush=True)
deadline = time.monotonic() + 60  # bounded whatever happens
while time.monotonic() < deadline and sys.stdin.readline().strip() != "quit":
    pass
server.close()
"""


def test_out_of_descriptors_backs_off_logs_once_and_recovers(pki: TestPKI, tmp_path: Path) -> None:
    assert pki.files is not None
    script = tmp_path / "emfile_server.py"
    script.write_text(EMFILE_SERVER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(pki.files.server_ecdsa.cert), str(pki.files.server_ecdsa.key), "48"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    held: list[socket.socket] = []
    try:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line.startswith("PORT"), line + proc.stderr.read()
        port = int(line.split()[1])
        # Read the server's log as it comes: a flood must not block the server on a full pipe.
        log: list[str] = []
        reader = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        established = connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
        # Hold more connections than the server has descriptors: it accepts until EMFILE, the rest wait.
        for _ in range(80):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT))
        time.sleep(1.5)  # the server is out of descriptors meanwhile
        established.sendall(b"still served")  # an established connection is served during the episode
        assert established.recv(100) == b"still served"
        for sock in held:
            sock.close()
        held.clear()
        # The pressure is gone: a new client is served (after at most one backoff pause).
        with connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=30) as fresh:
            fresh.sendall(b"fresh")
            assert fresh.recv(100) == b"fresh"
        established.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(30)
        reader.join(TIMEOUT)
        stderr = "".join(log)
    finally:
        for sock in held:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    about_accept = [line for line in stderr.splitlines() if "accept" in line.lower() or "Traceback" in line]
    assert about_accept, "the server never ran out of descriptors: the test did not test anything"
    assert len(about_accept) <= 8, f"{len(about_accept)} lines about accept: {about_accept[:6]}"
    assert "Traceback" not in stderr


def test_out_of_threads_drops_the_client_backs_off_and_goes_on(
    pki: TestPKI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """threading.Thread.start raising RuntimeError ("can't start new thread") must not end serve_forever."""
    with serving(TLSServer("127.0.0.1", 0, server_config(pki), handshake_timeout=TIMEOUT)) as server:
        real_start = threading.Thread.start
        refused: list[str] = []

        def start(thread: threading.Thread) -> None:
            if thread.name.startswith("glasstls ") and not refused:
                refused.append(thread.name)
                raise RuntimeError("can't start new thread")
            real_start(thread)

        monkeypatch.setattr(threading.Thread, "start", start)
        with pytest.raises(errors.ConnectionLost):
            connect("127.0.0.1", server.address[1], client_config(pki), server_name="localhost", timeout=TIMEOUT)
        assert refused
        with connect("127.0.0.1", server.address[1], client_config(pki), server_name="localhost", timeout=30) as tls:
            tls.sendall(b"next")
            assert tls.recv(10) == b"next"
        wait_until(lambda: server.admission.connections == 0, "the refused one counted out too")
    assert "cannot start a thread" in caplog.text


def test_serve_idle_timeout_closes_a_silent_client_and_says_so(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files
    proc = subprocess.Popen(
        [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--idle-timeout", "0.5",
         "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        port = int(lines[0].rsplit(":", 1)[1])
        with connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT) as tls:
            assert tls.recv(10, timeout=TIMEOUT) == b""  # the server closed the silent connection
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any("#1 closed" in line for line in lines):
            lines.append(proc.stdout.readline())
        assert any("#1 closed" in line and "0.5 s without application data" in line for line in lines), lines
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


def test_serve_max_connections_queues_the_next_client(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files
    proc = subprocess.Popen(
        [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--max-connections", "1",
         "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        first = connect("127.0.0.1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT)
        first.sendall(b"1")
        assert first.recv(10) == b"1"
        second = in_background(connect, "127.0.0.1", port, client_config(pki), server_name="localhost", timeout=30)
        time.sleep(0.5)
        assert not second.done()  # waiting in the listen queue
        first.close()
        with second.result(TIMEOUT) as tls:
            tls.sendall(b"2")
            assert tls.recv(10) == b"2"
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


# ---------------------------------------------------------------------------------------- IPv6


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="this kernel has no IPv6 loopback")


def test_format_address_brackets_ipv6() -> None:
    assert format_address("::1", 4433) == "[::1]:4433"
    assert format_address("127.0.0.1", 4433) == "127.0.0.1:4433"
    assert format_address("localhost", 1) == "localhost:1"


@needs_ipv6
def test_tls_server_listens_on_ipv6_loopback(pki: TestPKI) -> None:
    with serving(TLSServer("::1", 0, server_config(pki))) as server:
        assert server.address[0] == "::1"
        with connect("::1", server.address[1], client_config(pki), server_name="localhost", timeout=TIMEOUT) as tls:
            assert tls.getpeername()[0] == "::1"
            tls.sendall(b"v6")
            assert tls.recv(10) == b"v6"


@needs_ipv6
@pytest.mark.skipif(not socket.has_dualstack_ipv6(), reason="no dual-stack sockets here")
def test_tls_server_on_any_ipv6_address_is_dual_stack(pki: TestPKI) -> None:
    with serving(TLSServer("::", 0, server_config(pki))) as server:
        port = server.address[1]
        for host in ("::1", "127.0.0.1"):
            with connect(host, port, client_config(pki), server_name="localhost", timeout=TIMEOUT) as tls:
                tls.sendall(host.encode())
                assert tls.recv(100) == host.encode()


@needs_ipv6
def test_serve_command_on_ipv6_prints_bracketed_addresses(pki: TestPKI) -> None:
    assert pki.files is not None
    files = pki.files
    proc = subprocess.Popen(
        [sys.executable, "-m", "glasstls", "serve", "--host", "::1", "--port", "0",
         "--cert", str(files.server_ecdsa.cert), "--key", str(files.server_ecdsa.key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.match(r"listening on \[::1\]:(\d+)$", first.strip())
        assert match, first
        port = int(match.group(1))
        with connect("::1", port, client_config(pki), server_name="localhost", timeout=TIMEOUT) as tls:
            local_port = tls.socket.getsockname()[1]
            tls.sendall(b"hi")
            assert tls.recv(10) == b"hi"
        lines = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any("handshake ok" in line for line in lines):
            lines.append(proc.stdout.readline())
        assert any(f"[::1]:{local_port}: handshake ok" in line for line in lines), lines
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


# --------------------------------------------------------------------------------------- serve --help


def test_serve_help_says_the_limits_and_their_defaults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "glasstls", "serve", "--help"], capture_output=True, text=True, env=ENV, timeout=30
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option, default in (
        ("--max-connections", f"default {DEFAULT_MAX_CONNECTIONS}"),
        ("--max-handshakes", f"default {DEFAULT_MAX_HANDSHAKES}"),
        ("--max-handshake-bytes", f"default {DEFAULT_MAX_HANDSHAKE_BYTES}"),
        ("--handshake-timeout", "default 10"),
        ("--idle-timeout", f"default {DEFAULT_IDLE_TIMEOUT:g}"),
    ):
        assert option in text and default in text, (option, default)
    assert "listen queue" in text and "not refused" in text


@pytest.mark.parametrize(
    "option",
    [["--max-connections", "0"], ["--idle-timeout", "-1"], ["--max-handshakes", "x"], ["--idle-timeout", "nan"]],
)
def test_serve_refuses_a_bad_limit_with_status_2(option: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "glasstls", "serve", "--port", "0", *option],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert option[0] in result.stderr


# ---------------------------------------------------------------------------------- session tickets


@pytest.mark.interop
def test_client_keeps_only_the_newest_session_tickets(pki: TestPKI) -> None:
    import ssl

    assert pki.files is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.num_tickets = 40  # a server that sends many tickets
    files = pki.files
    with (
        python_ssl_server(files.server_ecdsa.cert, files.server_ecdsa.key, context=context) as server,
        connect("127.0.0.1", server.port, client_config(pki), server_name="localhost", timeout=TIMEOUT) as tls,
    ):
        tls.sendall(b"tickets?")
        assert tls.recv(100) == b"tickets?"  # the 40 tickets came before the echo
        assert len(tls.session_tickets) == MAX_SESSION_TICKETS
        assert tls.session_tickets_dropped == 40 - MAX_SESSION_TICKETS
        events = [e for e in tls.events() if type(e).__name__ == "NewSessionTicketReceived"]
        assert tls.session_tickets == [e.ticket for e in events][-MAX_SESSION_TICKETS:]  # the newest ones


# ---------------------------------------------------------------------------------------- load tool


def test_load_tool_smoke() -> None:
    """The hand-run load tool (tests/load_tool.py) works, with a few connections; its figures are not judged."""
    import load_tool

    figures = load_tool.run(20, 60.0, [])
    assert figures["completed"] == 20, figures
    assert figures["failed"] == 0
    for key in ("handshake_p50_ms", "handshake_p99_ms", "server_cpu_s", "server_peak_threads"):
        assert key in figures
