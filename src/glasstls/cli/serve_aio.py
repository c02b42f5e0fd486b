"""``glasstls serve --aio``: the same server on one asyncio event loop (glasstls.io.aio), no thread per client.

It keeps the threaded server's options, limits and output: ``--max-connections``, ``--max-handshakes`` (with the
stalled-ClientHello eviction at that cap), ``--max-handshake-bytes``, ``--handshake-timeout``,
``--idle-timeout`` mean the same (``glasstls.io.limits.Admission`` counts both), and each connection gets the
same status line, explanation, ``--trace`` story and closing line. ``--echo`` and ``--www`` (with ``/bytes/N``
and ``--root``) run here; ``--starttls`` runs on the threaded server only (its plain-text prelude comes before
TLS, and this server starts TLS at accept).

:class:`AsyncServer` has :class:`glasstls.cli.serve.Server`'s interface (``serve_forever``, ``shutdown``,
``key_update_all``, ``make_connections_with``, ``on_handshake`` / ``on_done``), so ``serve.run`` drives either.
What both share (the connection report, the --www page) is in cli/serve_common.py; this module does not import
cli/serve.py, which imports it.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

from glasstls.cli import www
from glasstls.cli.serve_common import HANDSHAKE_TIMEOUT, MAX_REQUEST, ConnectionReport, Mode, key_update_all, www_page
from glasstls.config import ServerConfig
from glasstls.connection import ServerConnection
from glasstls.errors import TLSError
from glasstls.explain import explain
from glasstls.io import aio
from glasstls.io.address import format_address
from glasstls.io.aio_transport import TLSRecordProtocol, TLSTransport
from glasstls.io.limits import IdleTimeout, ServerLimits

__all__ = ["AsyncServer"]

#: How long a client may take to read what we send it before we give up on it (a stalled reader must not hold
#: its connection forever; the idle budget counts only bytes that moved).
WRITE_TIMEOUT = 60.0


class _Listener:
    """What ``serve.run`` closes (``server.server.close()``), thread-safe."""

    def __init__(self, owner: AsyncServer) -> None:
        self._owner = owner

    def close(self) -> None:
        self._owner.stop()


class AsyncServer:
    """The CLI's server on asyncio: listens at construction, serves in :meth:`serve_forever` (blocking)."""

    def __init__(
        self,
        config: ServerConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        mode: Mode = "echo",
        on_done: Callable[[ConnectionReport], None] | None = None,
        on_handshake: Callable[[ConnectionReport], None] | None = None,
        limits: ServerLimits | None = None,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        root: Path | None = None,
    ) -> None:
        self.config = config
        self.mode: Mode = mode
        self.on_done = on_done
        self.on_handshake = on_handshake
        self.limits = limits if limits is not None else ServerLimits()
        self.handshake_timeout = handshake_timeout
        self.root = root
        self.server = _Listener(self)
        self._loop = asyncio.new_event_loop()
        self._counter = itertools.count(1)
        self._live: dict[int, TLSTransport] = {}
        self._stopped = threading.Event()
        self._tls = self._loop.run_until_complete(self._listen(host, port))
        self.host, self.port = self._tls.address

    async def _listen(self, host: str, port: int) -> aio.AsyncTLSServer:
        return aio.AsyncTLSServer(
            self._handle,
            host,
            port,
            self.config,
            limits=self.limits,
            handshake_timeout=self.handshake_timeout,
            on_failure=self._failed,
        )

    # -- running ----------------------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` (or Ctrl-C, which propagates as KeyboardInterrupt)."""
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._tls.serve_forever())
        finally:
            self._tls.close()

    def stop(self) -> None:
        """Stop accepting (from any thread, or a signal handler)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._loop.is_closed():
            return
        try:
            self._loop.call_soon_threadsafe(self._tls.close)
        except RuntimeError:  # the loop is closing
            pass

    def shutdown(self, wait: float = 2.0) -> None:
        """Stop accepting; give the connections in progress up to ``wait`` seconds to end, then close the loop."""
        self.stop()
        if self._loop.is_closed() or self._loop.is_running():
            return
        try:
            self._loop.run_until_complete(self._drain(wait))
        finally:
            self._loop.close()

    async def _drain(self, wait: float) -> None:
        tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=wait)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def key_update_all(self, request_peer: bool = True) -> list[str]:
        """A KeyUpdate on every established TLS 1.3 connection (from another thread: runs on the loop)."""
        future = asyncio.run_coroutine_threadsafe(self._key_update_all(request_peer), self._loop)
        return future.result(10)

    def make_connections_with(self, factory: Callable[[ServerConfig], ServerConnection]) -> None:
        """Make each new connection with ``factory`` (serve_common.ConnectionServer)."""
        self._tls.new_connection = factory

    async def _key_update_all(self, request_peer: bool) -> list[str]:
        return key_update_all(sorted(self._live.items()), request_peer)

    # -- one connection ----------------------------------------------------------------------------------------

    def _report(self, transport: TLSTransport) -> ConnectionReport:
        pump = transport.record_protocol
        conn = pump.connection
        assert isinstance(conn, ServerConnection)
        peer = transport.get_extra_info("peername")
        where = format_address(peer[0], peer[1]) if isinstance(peer, tuple) else "?"
        started = time.perf_counter() - (pump.handshake_time or 0.0)
        report = ConnectionReport(next(self._counter), where, conn, started, pump.handshake_time)
        report.negotiated = conn.negotiated
        return report

    def _failed(self, transport: TLSTransport, error: TLSError) -> None:
        report = self._report(transport)
        report.explanation = explain(error, side="server")
        self._done(report, transport.record_protocol)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        transport = writer.transport
        assert isinstance(transport, TLSTransport)
        report = self._report(transport)
        self._live[report.number] = transport
        early = transport.get_extra_info("early_data") or b""  # accepted 0-RTT data: replayable (RFC 8446 8)
        if early:
            report.notes.append(f"{len(early)} bytes of 0-RTT early data accepted (replayable)")
        try:
            if self.on_handshake is not None:
                self.on_handshake(report)
            if self.mode == "www":
                await self._www(reader, writer, report, early)
            else:
                writer.write(early)
                while data := await reader.read(65536):
                    writer.write(data)
                    async with asyncio.timeout(WRITE_TIMEOUT):
                        await writer.drain()
        except IdleTimeout:
            report.notes.append(f"closed after {self.limits.idle_timeout:g} s without application data")
        except TimeoutError:
            report.notes.append(f"closed: the client read nothing for {WRITE_TIMEOUT:g} s")
        except TLSError as e:
            report.explanation = explain(e, side="server")
        except ConnectionError as e:
            report.notes.append(f"connection lost: {e}")
        finally:
            del self._live[report.number]
            writer.close()
            try:
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
            except (TimeoutError, OSError, TLSError):
                pass
            self._done(report, transport.record_protocol)

    async def _www(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, report: ConnectionReport, early: bytes
    ) -> None:
        request = early  # a GET sent as 0-RTT early data
        while b"\r\n\r\n" not in request and b"\n\n" not in request and len(request) <= MAX_REQUEST:
            data = await reader.read(65536)
            if not data:
                return
            request += data
        negotiated = report.negotiated
        assert negotiated is not None
        for piece in www.reply(request, self.root, lambda first: www_page(negotiated, first, report)):
            writer.write(piece)
            async with asyncio.timeout(WRITE_TIMEOUT):
                await writer.drain()  # flow control: a slow client makes us wait, not buffer the body

    def _done(self, report: ConnectionReport, pump: TLSRecordProtocol) -> None:
        report.bytes_in, report.bytes_out = pump.bytes_received, pump.bytes_sent
        if self.on_done is not None:
            self.on_done(report)
