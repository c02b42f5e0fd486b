"""glasstls.io.aio: asyncio streams over glasstls, against itself, Python ssl's asyncio and openssl.

Also: cancellation and timeouts leave no task or descriptor behind, flow control both ways, and one event loop
holding 1,000 concurrent connections (bounded in count and time; no timed assertion).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.errors import ConnectionLost, TLSError, UnknownCA
from glasstls.events import KeyUpdated, Negotiated
from glasstls.io import aio
from glasstls.io.aio_transport import TLSTransport
from glasstls.io.limits import ServerLimits
from glasstls.pki.trust import TrustStore
from glasstls.wire.enums import ProtocolVersion
from interop_helpers import wait_output
from peers import PeerPki, openssl_server, run_openssl_client

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

interop = pytest.mark.interop
TIMEOUT = 15.0
T = TypeVar("T")


def server_config(pki: TestPKI, **kwargs: Any) -> ServerConfig:
    assert pki.files is not None
    chain = CertificateChain.from_files(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key)
    return ServerConfig(certificates=(chain,), **kwargs)


def client_config(pki: TestPKI, **kwargs: Any) -> ClientConfig:
    return ClientConfig(trust=pki.trust_store(), **kwargs)


def run(coro: Callable[[], Awaitable[T]], timeout: float = TIMEOUT) -> T:
    """Run ``coro()`` in a fresh loop under a deadline; no task may be left when it returns."""

    async def main() -> T:
        async with asyncio.timeout(timeout):
            result = await coro()
        await asyncio.sleep(0)
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not left, f"tasks left behind: {left}"
        return result

    return asyncio.run(main())


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


def py_server_context(pki: TestPKI) -> ssl.SSLContext:
    assert pki.files is not None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key)
    return ctx


def py_client_context(pki: TestPKI) -> ssl.SSLContext:
    assert pki.files is not None
    return ssl.create_default_context(cafile=str(pki.files.root))


# ------------------------------------------------------------------------------ glasstls to glasstls


def test_echo_and_extra_info(pki: TestPKI) -> None:
    async def main() -> None:
        async with await aio.start_server(echo, "127.0.0.1", 0, server_config(pki, alpn_protocols=("h2",))) as srv:
            reader, writer = await aio.open_connection(
                "127.0.0.1", srv.address[1], client_config(pki, alpn_protocols=("h2",)), server_hostname="localhost"
            )
            writer.write(b"hello over asyncio")
            await writer.drain()
            assert await reader.readexactly(18) == b"hello over asyncio"
            negotiated = writer.get_extra_info("negotiated")
            assert isinstance(negotiated, Negotiated)
            assert negotiated.version == ProtocolVersion.TLS13
            assert writer.get_extra_info("alpn_protocol") == "h2"
            chain = writer.get_extra_info("peer_certificates")
            assert "localhost" in chain[0].subject.rfc4514_string()
            steps = {event.step for event in writer.get_extra_info("trace")}
            assert {"ServerHello", "FINISHED"} <= steps, steps
            assert writer.get_extra_info("peername")[0] == "127.0.0.1"
            assert writer.get_extra_info("handshake_time") > 0
            # KeyUpdate from the client: the server's keys follow (it answers with its own), data still flows.
            transport = writer.transport
            assert isinstance(transport, TLSTransport)
            transport.key_update()
            writer.write(b"after key update")
            await writer.drain()
            assert await reader.readexactly(16) == b"after key update"
            assert any(isinstance(e, KeyUpdated) and e.direction == "read" for e in transport.events())
            writer.close()
            await writer.wait_closed()

    run(main)


def test_handshake_failure_is_the_tls_error(pki: TestPKI, peer_pki: PeerPki) -> None:
    """A client that does not trust the server's CA gets UnknownCA from open_connection, and no socket is left."""
    failures: list[TLSError] = []

    async def main() -> None:
        async with await aio.start_server(
            echo, "127.0.0.1", 0, server_config(pki), on_failure=lambda t, e: failures.append(e)
        ) as srv:
            before = open_fds()
            wrong = ClientConfig(trust=TrustStore.from_file(peer_pki.root))
            with pytest.raises(UnknownCA):
                await aio.open_connection("127.0.0.1", srv.address[1], wrong, server_hostname="localhost")
            await asyncio.sleep(0.05)
            assert open_fds() <= before + 1  # the server side may still be lingering on its alert
        assert failures and "UNKNOWN_CA" in str(failures[0])  # the client's alert, as the server heard it

    run(main)


# ---------------------------------------------------------------------------- Python ssl's asyncio


@interop
def test_client_against_python_ssl_asyncio_server(pki: TestPKI) -> None:
    async def main() -> None:
        server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=py_server_context(pki))
        async with server:
            port = server.sockets[0].getsockname()[1]
            for version in (ProtocolVersion.TLS13, ProtocolVersion.TLS12):
                config = client_config(pki, max_version=version)
                reader, writer = await aio.open_connection("127.0.0.1", port, config, server_hostname="localhost")
                payload = os.urandom(200_000)
                writer.write(payload)
                await writer.drain()
                assert await reader.readexactly(len(payload)) == payload
                assert writer.get_extra_info("version") == version
                writer.close()
                await writer.wait_closed()

    run(main)


@interop
def test_python_ssl_asyncio_client_against_server(pki: TestPKI) -> None:
    async def main() -> None:
        async with await aio.start_server(echo, "127.0.0.1", 0, server_config(pki)) as srv:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", srv.address[1], ssl=py_client_context(pki), server_hostname="localhost"
            )
            payload = os.urandom(300_000)
            writer.write(payload)
            await writer.drain()
            assert await reader.readexactly(len(payload)) == payload
            assert writer.get_extra_info("ssl_object").version() == "TLSv1.3"
            writer.close()
            await writer.wait_closed()

    run(main)


@interop
def test_start_tls_with_python_ssl_on_both_sides(pki: TestPKI) -> None:
    """A plaintext line, then start_tls on each side: glasstls client to Python ssl server and the reverse."""

    async def py_upgrading_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readline() == b"STARTTLS\r\n"
        writer.write(b"GO\r\n")
        await writer.drain()
        await writer.start_tls(py_server_context(pki))
        await echo(reader, writer)

    async def glasstls_upgrading_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readline() == b"STARTTLS\r\n"
        writer.write(b"GO\r\n")
        await writer.drain()
        reader, writer = await aio.start_tls(reader, writer, server_config(pki))
        try:
            await echo(reader, writer)
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(py_upgrading_server, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"STARTTLS\r\n")
            assert await reader.readline() == b"GO\r\n"
            reader, writer = await aio.start_tls(reader, writer, client_config(pki), server_hostname="localhost")
            writer.write(b"secret\n")
            assert await reader.readline() == b"secret\n"
            assert writer.get_extra_info("negotiated").server_name == "localhost"
            writer.close()
            await writer.wait_closed()
        server = await asyncio.start_server(glasstls_upgrading_server, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"STARTTLS\r\n")
            assert await reader.readline() == b"GO\r\n"
            await writer.start_tls(py_client_context(pki), server_hostname="localhost")
            writer.write(b"secret\n")
            assert await reader.readline() == b"secret\n"
            writer.close()
            await writer.wait_closed()

    run(main)


def test_start_tls_refuses_plaintext_pipelined_after_the_command(pki: TestPKI) -> None:
    """Bytes that arrived before TLS began are refused, not taken as TLS-protected (CVE-2011-0411)."""

    async def main() -> None:
        got: list[BaseException] = []

        async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            await asyncio.sleep(0.1)  # the injected bytes arrive meanwhile
            try:
                await aio.start_tls(reader, writer, server_config(pki))
            except TLSError as exc:
                got.append(exc)

        plain = await asyncio.start_server(server, "127.0.0.1", 0)
        async with plain:
            reader, writer = await asyncio.open_connection("127.0.0.1", plain.sockets[0].getsockname()[1])
            writer.write(b"STARTTLS\r\nRCPT TO:<injected>\r\n")
            await writer.drain()
            assert await reader.read() == b""  # the server closed
            writer.close()
            await writer.wait_closed()
            while not got:
                await asyncio.sleep(0.01)
        assert got[0].step == "STARTTLS" and "CVE-2011-0411" in got[0].reason

    run(main)


# ------------------------------------------------------------------------------------------- openssl


@interop
def test_client_against_openssl_s_server(pki: TestPKI) -> None:
    assert pki.files is not None
    with openssl_server(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key, mode="rev") as server:

        async def main() -> None:
            reader, writer = await aio.open_connection(
                "127.0.0.1", server.port, client_config(pki), server_hostname="localhost"
            )
            writer.write(b"hello\n")
            assert await reader.readline() == b"olleh\n"
            writer.close()
            await writer.wait_closed()

        run(main)
        wait_output(server.process, "Protocol version: TLSv1.3")


@interop
def test_openssl_s_client_against_server(pki: TestPKI) -> None:
    assert pki.files is not None
    root = pki.files.root

    async def echo_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())  # then the handler returns and the server closes (close_notify)

    async def main() -> None:
        async with await aio.start_server(echo_line, "127.0.0.1", 0, server_config(pki)) as srv:
            for extra in ([], ["-tls1_2"]):
                result = await asyncio.to_thread(
                    run_openssl_client,
                    srv.address[1],
                    cafile=root,
                    tls13_only=not extra,
                    extra_args=extra,
                    stdin=b"ping from openssl\n",
                )
                assert result.stdout.startswith(b"ping from openssl"), result.output
                assert ("TLSv1.2" if extra else "TLSv1.3") in result.output

    run(main, timeout=40)


# -------------------------------------------------------------------------------- cancel and timeout


def silent_tcp_server() -> tuple[socket.socket, int]:
    listener = socket.create_server(("127.0.0.1", 0))
    return listener, listener.getsockname()[1]


def test_cancelled_open_connection_leaves_nothing_behind(pki: TestPKI) -> None:
    listener, port = silent_tcp_server()  # accepts (kernel queue) and never answers the ClientHello

    async def main() -> None:
        before = open_fds()
        task = asyncio.create_task(aio.open_connection("127.0.0.1", port, client_config(pki), server_hostname="x"))
        await asyncio.sleep(0.2)  # connected, ClientHello sent, waiting
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)  # the transport's close runs on the next loop iterations
        assert open_fds() == before
        peer, _ = listener.accept()  # the server side sees our ClientHello and then EOF
        peer.settimeout(5)
        data = b""
        while chunk := peer.recv(65536):
            data += chunk
        assert data[:1] == b"\x16"  # a handshake record, then the end of the stream
        peer.close()

    try:
        run(main)
    finally:
        listener.close()


def test_open_connection_timeout(pki: TestPKI) -> None:
    listener, port = silent_tcp_server()

    async def main() -> None:
        before = open_fds()
        with pytest.raises(ConnectionLost) as info:
            await aio.open_connection("127.0.0.1", port, client_config(pki), server_hostname="x", timeout=0.3)
        # The message it waited for, in words (never a state's class name), and what it knew (issue 10).
        assert info.value.step == "ServerHello" and "timed out" in info.value.reason
        assert info.value.context is not None and info.value.context.sent == ("ClientHello",)
        await asyncio.sleep(0.05)
        assert open_fds() == before

    try:
        run(main)
    finally:
        listener.close()


def test_server_handshake_timeout_and_byte_budget(pki: TestPKI) -> None:
    """A client that says nothing is dropped at the handshake timeout; one that sends too much, at once."""
    failures: list[TLSError] = []

    async def main() -> None:
        limits = ServerLimits(max_handshake_bytes=1000)
        async with await aio.start_server(
            echo,
            "127.0.0.1",
            0,
            server_config(pki),
            handshake_timeout=0.3,
            limits=limits,
            on_failure=lambda t, e: failures.append(e),
        ) as srv:
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.address[1])
            assert await reader.read() == b""  # closed by the server after its timeout
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.address[1])
            writer.write(b"\x16\x03\x01\x40\x00" + b"\x00" * 5000)  # a record longer than the budget
            await reader.read()
            writer.close()
            assert srv.admission.connections == 0 and srv.admission.handshakes == 0

    run(main)
    assert "timed out" in failures[0].reason
    assert "more than 1000 bytes" in failures[1].reason


def test_idle_budget_closes_with_idle_timeout(pki: TestPKI) -> None:
    ended: list[BaseException] = []

    async def waiting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()
        except TimeoutError as exc:
            ended.append(exc)

    async def main() -> None:
        limits = ServerLimits(idle_timeout=0.3)
        async with await aio.start_server(waiting, "127.0.0.1", 0, server_config(pki), limits=limits) as srv:
            reader, writer = await aio.open_connection(
                "127.0.0.1", srv.address[1], client_config(pki), server_hostname="localhost"
            )
            assert await reader.read() == b""  # the server's close_notify
            writer.close()
            await writer.wait_closed()

    run(main)
    assert ended and "idle budget" in str(ended[0])


# -------------------------------------------------------------------------------------- flow control


def test_flow_control_a_slow_reader_makes_the_sender_wait(pki: TestPKI) -> None:
    """The server does not read: the client's drain() stops returning, with its buffer at the water mark and
    the server's reader at its limit; then the server reads and every byte arrives, in order."""
    total = 16 * 1024 * 1024
    chunk = 64 * 1024
    go = asyncio.Event
    state: dict[str, Any] = {}

    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state["reader"] = reader
        await state["go"].wait()
        received = 0
        digest = bytearray()
        while received < total:
            data = await reader.read(1 << 20)
            assert data
            received += len(data)
            digest[:] = data[-4:]
        writer.write(b"done")
        await writer.drain()

    async def main() -> None:
        state["go"] = go()
        async with await aio.start_server(sink, "127.0.0.1", 0, server_config(pki)) as srv:
            reader, writer = await aio.open_connection(
                "127.0.0.1", srv.address[1], client_config(pki), server_hostname="localhost"
            )
            sent = 0

            async def send_all() -> None:
                nonlocal sent
                block = bytes(chunk)
                while sent < total:
                    writer.write(block)
                    await writer.drain()
                    sent += chunk

            sender = asyncio.create_task(send_all())
            last = -1
            while sent != last:  # until the sender stalls (no progress over a few loop rounds)
                last = sent
                await asyncio.sleep(0.2)
            assert not sender.done() and sent < total
            _low, high = writer.transport.get_write_buffer_limits()
            assert writer.transport.get_write_buffer_size() <= high + 2 * chunk
            server_reader = state["reader"]
            assert len(server_reader._buffer) <= 2 * aio.STREAM_LIMIT + 512 * 1024
            state["go"].set()
            await sender
            assert await reader.readexactly(4) == b"done"
            writer.close()
            await writer.wait_closed()

    run(main, timeout=60)


# ------------------------------------------------------------------------------ 1,000 on one loop


@interop
@pytest.mark.timeout(300)
def test_one_loop_holds_1000_connections(pki: TestPKI) -> None:
    """1,000 Python ssl asyncio clients, all connected at once to one glasstls asyncio server on the same loop:
    each handshakes, echoes, and waits until all are up before closing; none fails."""
    count = 1000
    ctx = py_client_context(pki)
    limits = ServerLimits(max_connections=count + 10, max_handshakes=256)

    async def main() -> None:
        all_up = asyncio.Event()
        up = 0
        async with await aio.start_server(echo, "127.0.0.1", 0, server_config(pki), limits=limits) as srv:
            port = srv.address[1]

            async def client(i: int) -> None:
                nonlocal up
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, ssl=ctx, server_hostname="localhost", ssl_handshake_timeout=200
                )
                message = f"client {i}\n".encode()
                writer.write(message)
                assert await reader.readline() == message
                up += 1
                if up == count:
                    all_up.set()
                await all_up.wait()
                writer.close()
                await writer.wait_closed()

            results = await asyncio.gather(*(client(i) for i in range(count)), return_exceptions=True)
            failures = [r for r in results if r is not None]
            assert not failures, failures[:3]
            assert srv.admission.accepted == count
            while srv.admission.connections:
                await asyncio.sleep(0.05)

    run(main, timeout=280)
