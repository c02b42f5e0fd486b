"""asyncio streams over glasstls: ``open_connection``, ``start_server``, ``start_tls``.

The shapes asyncio users know, with glasstls doing the TLS (and explaining it)::

    reader, writer = await aio.open_connection("localhost", 4433, ClientConfig(trust=...))
    writer.write(b"hello"); await writer.drain()
    data = await reader.read(100)
    writer.get_extra_info("negotiated")        # version, suite, group, ALPN, peer chain, verification report
    writer.get_extra_info("trace")             # every step of the handshake, explained
    writer.close(); await writer.wait_closed()

    server = await aio.start_server(handler, "127.0.0.1", 4433, ServerConfig(...))   # handler(reader, writer)
    async with server: await server.serve_forever()

    reader, writer = await aio.start_tls(reader, writer, ClientConfig(...), server_hostname="mail.example")

The reader and writer are asyncio's own ``StreamReader``/``StreamWriter``; the transport under the writer is a
:class:`~glasstls.io.aio_transport.TLSTransport` (``writer.transport.key_update()``, ``.events()``). Flow
control, timeouts and failures: see ``glasstls.io.aio_transport``. Cancelling ``open_connection`` or
``start_tls`` (or their ``timeout``) closes the socket; nothing is left running.

Which to use: ``glasstls.io.sync`` (``connect``) and ``glasstls.io.server`` (``TLSServer``) for scripts and for
servers with up to a few hundred clients, one thread each; this module inside an asyncio program, or for many mostly
idle connections (each costs a few objects, not a thread). Both run the same sans-I/O core, with the same limits
(``glasstls.io.limits.ServerLimits``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import ConnectionLost, TLSError, UnexpectedMessage, UsageError
from glasstls.io.address import connect_failed, format_address, listen
from glasstls.io.aio_transport import FailureHandler, TLSRecordProtocol, TLSTransport
from glasstls.io.limits import AcceptBackoff, Admission, ServerLimits

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "STREAM_LIMIT",
    "AsyncTLSServer",
    "TLSTransport",
    "open_connection",
    "start_server",
    "start_tls",
]

logger = logging.getLogger("glasstls.io")

#: Default deadline for a whole handshake (as glasstls.io.sync).
DEFAULT_HANDSHAKE_TIMEOUT = 30.0
#: The StreamReader's buffer limit (asyncio's default): past twice this the reader pauses the transport.
STREAM_LIMIT = 64 * 1024

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None] | None]


def _streams(limit: int) -> tuple[asyncio.StreamReader, asyncio.StreamReaderProtocol]:
    reader = asyncio.StreamReader(limit=limit)
    return reader, asyncio.StreamReaderProtocol(reader)


def _writer(pump: TLSRecordProtocol, protocol: asyncio.StreamReaderProtocol, reader: asyncio.StreamReader) -> Any:
    return asyncio.StreamWriter(pump.transport, protocol, reader, asyncio.get_running_loop())


async def _await_handshake(pump: TLSRecordProtocol, raw: asyncio.Transport) -> None:
    """Wait for the handshake; on failure, timeout or cancellation the socket is closed before we return."""
    try:
        await pump.handshake
    except BaseException:
        raw.abort()
        raise


async def open_connection(
    host: str,
    port: int,
    config: ClientConfig | None = None,
    *,
    server_hostname: str | None = None,
    timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    limit: int = STREAM_LIMIT,
    family: int = 0,
    early_data: bytes | None = None,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``host:port`` and run the TLS handshake; ``(reader, writer)`` once it completed.

    ``server_hostname`` (default: ``host``) is sent as SNI and verified against the certificate; sessions for
    resumption are kept under ``"host:port"`` in ``config.session_store``, as ``io.sync.connect`` does.
    ``timeout`` bounds the TCP connect and the handshake together. A failed TCP connect is ``ConnectionLost``
    (its ``__cause__`` the ``OSError``); a failed handshake its ``TLSError``; a timeout ``ConnectionLost``.
    ``early_data``: sent as TLS 1.3 0-RTT if a stored ticket allows it (replayable, not forward secret);
    ``writer.get_extra_info("early_data")`` is then the server's answer (EarlyDataAccepted / EarlyDataRejected,
    whose ``data`` the caller may send again: it is not resent automatically).
    """
    config = config if config is not None else ClientConfig()
    name = server_hostname if server_hostname is not None else host
    connection = ClientConnection(config, server_name=name, session_key=f"{host}:{port}")  # UsageError now
    loop = asyncio.get_running_loop()
    reader, protocol = _streams(limit)
    pump: TLSRecordProtocol | None = None

    def factory() -> TLSRecordProtocol:
        nonlocal pump
        pump = TLSRecordProtocol(connection, protocol)
        pump.early_data = early_data
        return pump

    try:
        async with asyncio.timeout(timeout):
            try:
                raw, _ = await loop.create_connection(factory, host, port, family=family)
            except OSError as exc:
                raise connect_failed(host, port, exc) from exc
            assert pump is not None
            await _await_handshake(pump, raw)
    except TimeoutError as exc:
        lost = ConnectionLost(
            f"timed out after {timeout:g}s connecting to {format_address(host, port)} and handshaking",
            step="TCP connect" if pump is None else connection.step,  # the message we waited for, in words
            hint="the server is slow or not speaking TLS; raise the timeout if the network is slow",
        )
        if pump is not None:
            lost.context = connection.failure_context()  # what it knew (glasstls.explain)
        raise lost from exc
    assert pump is not None
    return reader, _writer(pump, protocol, reader)


async def start_tls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    config: ClientConfig | ServerConfig,
    *,
    server_hostname: str | None = None,
    timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    limit: int = STREAM_LIMIT,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Upgrade an open plaintext connection to TLS (STARTTLS) and run the handshake: a new ``(reader, writer)``.

    ``config``: a ``ClientConfig`` (client side; ``server_hostname`` is the name to verify) or a
    ``ServerConfig`` (server side). The old reader and writer must not be used afterwards. Plaintext that
    arrived after the command and before TLS began is refused (``UnexpectedMessage``, step STARTTLS): a man in
    the middle could have inserted it, and it would be taken as sent under TLS (the STARTTLS command injection
    of CVE-2011-0411; RFC 3207 section 4.2 lets no command follow STARTTLS in a pipeline). On failure, timeout or
    cancellation the connection is closed.
    """
    transport = writer.transport
    if not isinstance(transport, asyncio.Transport) or isinstance(transport, TLSTransport):
        raise UsageError("start_tls needs a plaintext asyncio stream (this one is already TLS or not a transport)")
    buffered = bytes(getattr(reader, "_buffer", b""))  # asyncio keeps no public view of unread bytes
    if buffered:
        transport.abort()
        raise UnexpectedMessage(
            f"{len(buffered)} bytes of plaintext arrived after the STARTTLS exchange, before TLS began; refused: "
            "they could have been inserted by anyone on the path (CVE-2011-0411, RFC 3207 section 4.2)",
            step="STARTTLS",
            alert=None,
        )
    connection: ClientConnection | ServerConnection
    if isinstance(config, ServerConfig):
        if server_hostname is not None:
            raise UsageError("server_hostname is for the client side")
        connection = ServerConnection(config)
    else:
        host = writer.get_extra_info("peername")
        name = server_hostname
        if name is None and not config.dangerous_skip_verification:
            raise UsageError("start_tls for a client needs server_hostname (the name to verify)")
        key = f"{name}:{host[1]}" if name is not None and isinstance(host, tuple) else name
        connection = ClientConnection(config, server_name=name, session_key=key)
    new_reader, protocol = _streams(limit)
    pump = TLSRecordProtocol(connection, protocol)
    # The plaintext writer closes its transport when it is garbage collected (asyncio's StreamWriter.__del__):
    # the TLS side keeps it alive for as long as it runs over that transport.
    pump.plaintext_writer = writer
    transport.set_protocol(pump)
    pump.connection_made(transport)
    if not transport.is_reading():
        transport.resume_reading()
    try:
        async with asyncio.timeout(timeout):
            await _await_handshake(pump, transport)
    except TimeoutError as exc:
        raise ConnectionLost(
            f"timed out after {timeout:g}s waiting for the TLS handshake after STARTTLS", step="handshake"
        ) from exc
    return new_reader, _writer(pump, protocol, new_reader)


class AsyncTLSServer:
    """A listening TLS server on one event loop (made by :func:`start_server`).

    It accepts while there is room under ``limits`` (connections, unfinished handshakes): at a cap it stops
    accepting and new clients wait in the kernel's listen queue until a connection ends, as
    ``glasstls.io.server.TLSServer`` does; ``max_handshake_bytes``, the handshake timeout and the idle budget
    apply to each connection. ``close()`` stops listening (connections in progress go on); ``async with``
    closes on exit.
    """

    def __init__(
        self,
        handler: Handler,
        host: str,
        port: int,
        config: ServerConfig,
        *,
        limits: ServerLimits | None = None,
        handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
        backlog: int | None = None,
        limit: int = STREAM_LIMIT,
        on_failure: FailureHandler | None = None,
        on_close: Callable[[TLSRecordProtocol], None] | None = None,
    ) -> None:
        if not isinstance(config, ServerConfig):
            raise UsageError("start_server needs a ServerConfig")
        self.handler = handler
        self.config = config
        #: Makes the connection of each accepted client (``serve --html``: one that keeps its records).
        self.new_connection: Callable[[ServerConfig], ServerConnection] = ServerConnection
        self.limits = limits if limits is not None else ServerLimits()
        self.handshake_timeout = handshake_timeout
        self.limit = limit
        self.on_failure = on_failure
        self.on_close = on_close
        #: Connections and unfinished handshakes now, and accepted so far (``admission.accepted``).
        self.admission = Admission(self.limits)
        self._room = asyncio.Event()
        self._room.set()
        self._backoff = AcceptBackoff()
        self._listener = listen(host, port, backlog)
        self._listener.setblocking(False)
        self._accepting: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._handlers: set[asyncio.Task[Any]] = set()

    @property
    def address(self) -> tuple[str, int]:
        name = self._listener.getsockname()
        return (name[0], name[1])

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return () if self._closed.is_set() else (self._listener,)

    def is_serving(self) -> bool:
        return self._accepting is not None and not self._accepting.done()

    async def start_serving(self) -> None:
        if self._accepting is None and not self._closed.is_set():
            self._accepting = asyncio.get_running_loop().create_task(self._accept_loop(), name="glasstls accept")

    async def serve_forever(self) -> None:
        """Serve until :meth:`close` (or cancellation, which also closes)."""
        await self.start_serving()
        try:
            await self._closed.wait()
        finally:
            self.close()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._accepting is not None:
            self._accepting.cancel()
        self._listener.close()

    async def wait_closed(self) -> None:
        """Wait until the accept loop has stopped (after :meth:`close`)."""
        await self._closed.wait()
        if self._accepting is not None:
            await asyncio.gather(self._accepting, return_exceptions=True)

    async def __aenter__(self) -> AsyncTLSServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        await self.wait_closed()

    # -- internals --------------------------------------------------------------------------------------------

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closed.is_set():
            # Room under the caps; at the handshake cap Admission drops a stalled ClientHello to make some
            # (glasstls.io.limits). Look again when a connection ends, or soon: a handshake stalls with time.
            while not self.admission.wait_for_room(0):
                self._room.clear()
                try:
                    async with asyncio.timeout(0.1):
                        await self._room.wait()
                except TimeoutError:
                    pass
            try:
                raw, _address = await loop.sock_accept(self._listener)
            except OSError as exc:
                if self._closed.is_set():
                    return
                await asyncio.sleep(self._backoff.failed(exc))
                continue
            self._backoff.succeeded()
            self.admission.admitted()
            try:
                await loop.connect_accepted_socket(lambda: self._protocol(), raw)
            except OSError:
                raw.close()
                self.admission.handshake_done()
                self._connection_done()

    def _protocol(self) -> TLSRecordProtocol:
        reader = asyncio.StreamReader(limit=self.limit)
        app = asyncio.StreamReaderProtocol(reader, self._run_handler)
        pump = TLSRecordProtocol(
            self.new_connection(self.config),
            app,
            handshake_timeout=self.handshake_timeout,
            max_handshake_bytes=self.limits.max_handshake_bytes,
            idle_timeout=self.limits.idle_timeout,
            on_failure=self.on_failure if self.on_failure is not None else _log_failure,
            on_close=self._closed_one,
        )
        self.admission.handshaking(pump)
        pump.handshake.add_done_callback(lambda _f: self._handshake_done(pump))
        return pump

    def _run_handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._handle(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            result = self.handler(reader, writer)
            if result is not None:
                await result
        except (TLSError, ConnectionError, TimeoutError) as exc:
            logger.info("connection %s ended: %s", writer.get_extra_info("peername"), exc)
        except Exception:
            logger.exception("handler failed for %s", writer.get_extra_info("peername"))
        finally:
            writer.close()

    def _handshake_done(self, pump: TLSRecordProtocol) -> None:
        self.admission.handshake_done(pump)
        self._room.set()

    def _closed_one(self, pump: TLSRecordProtocol) -> None:
        self._connection_done()
        if self.on_close is not None:
            self.on_close(pump)

    def _connection_done(self) -> None:
        self.admission.connection_done()
        self._room.set()


def _log_failure(transport: TLSTransport, error: TLSError) -> None:
    logger.warning("handshake with %s failed: %s", transport.get_extra_info("peername"), error)


async def start_server(
    handler: Handler,
    host: str,
    port: int,
    config: ServerConfig,
    *,
    limits: ServerLimits | None = None,
    handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    backlog: int | None = None,
    limit: int = STREAM_LIMIT,
    on_failure: FailureHandler | None = None,
    on_close: Callable[[TLSRecordProtocol], None] | None = None,
) -> AsyncTLSServer:
    """Listen on ``host:port`` and call ``handler(reader, writer)`` (a coroutine function, or a plain one) for
    each client whose handshake completed; the writer is closed when the handler returns. Serving starts at
    once; ``await server.serve_forever()`` keeps it going. A failed handshake is logged on ``glasstls.io`` (or
    given to ``on_failure(transport, error)``, whose ``transport.get_extra_info("trace")`` tells what
    happened); ``on_close(protocol)`` is called as each connection ends (its counters, its connection).
    """
    server = AsyncTLSServer(
        handler,
        host,
        port,
        config,
        limits=limits,
        handshake_timeout=handshake_timeout,
        backlog=backlog,
        limit=limit,
        on_failure=on_failure,
        on_close=on_close,
    )
    await server.start_serving()
    return server
