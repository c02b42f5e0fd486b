"""TLS as an asyncio transport over another transport: the bytes pump of ``glasstls.io.aio``.

Two objects sit between the socket's transport and the application's protocol (usually a
``StreamReaderProtocol``, so that the application sees ordinary ``StreamReader``/``StreamWriter``)::

    socket transport  <->  TLSRecordProtocol  (feeds the sans-I/O connection, writes what it queues)
                              |
                           TLSTransport       (what the application's protocol writes to and pauses)
                              |
                           application protocol (connection_made once the handshake completed)

Every protocol decision is the sans-I/O connection's (``glasstls.connection``); this module moves bytes and
signals, as ``io/sync.py`` does for blocking sockets.

Flow control, both ways:

* Sending: ``TLSTransport.write`` encrypts at once and hands the records to the socket transport, whose buffer
  has the usual high/low water marks. When it fills, the socket transport pauses *us* and we pause the
  application's protocol, so ``StreamWriter.drain()`` waits: a peer that does not read makes the sender wait,
  never buffer without bound. ``get_write_buffer_size`` and ``set_write_buffer_limits`` are the socket
  transport's.
* Receiving: when the application's reader is full it pauses our transport, and we stop reading the socket, so
  TCP pushes back on the peer. What one socket read decrypts (at most what the socket transport reads at once,
  256 KiB in CPython) is delivered before the pause takes effect.

Failures: a ``TLSError`` (peer input, handshake timeout, too many handshake bytes) sends the alert the
connection queued, closes the socket and reaches the application as ``connection_lost(error)``, so a
``StreamReader.read`` raises it; before the handshake completed it fails the handshake waiter instead. A server
that sent a fatal alert keeps reading and discarding for a moment before it closes (see
``glasstls.io.limits.LINGER_BYTES``), so that the client reads the alert rather than a TCP reset.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import ConnectionLost, LimitExceeded, TLSError, UsageError
from glasstls.events import (
    ConnectionClosed,
    DataReceived,
    EarlyDataAccepted,
    EarlyDataReceived,
    EarlyDataRejected,
    Event,
    HandshakeComplete,
    Negotiated,
)
from glasstls.io.limits import LINGER_BYTES, LINGER_QUIET_SECONDS, LINGER_SECONDS, IdleTimeout

logger = logging.getLogger("glasstls.io")

Connection = ClientConnection | ServerConnection
#: ``on_failure(transport, error)``: the handshake failed (the alert was queued); for servers that report it.
FailureHandler = Callable[["TLSTransport", TLSError], None]

#: Events other than application data that a transport keeps until ``events()`` drains them (the oldest go
#: first when full): KeyUpdate, warnings, tickets and the close are each one small object.
MAX_PENDING_EVENTS = 256


class TLSTransport(asyncio.Transport):
    """The transport the application writes to: plaintext in, TLS records out (see the module doc).

    ``get_extra_info`` answers, besides what the socket transport knows (``peername``, ``sockname``,
    ``socket``): ``"negotiated"`` (:class:`~glasstls.events.Negotiated`), ``"connection"`` (the sans-I/O
    connection: its ``trace``, ``state_name``...), ``"trace"`` (the trace so far, a list of ``TraceEvent``),
    ``"peer_certificates"`` (the peer's chain, leaf first, ``cryptography`` certificates), ``"alpn_protocol"``,
    ``"cipher_suite"``, ``"version"``, ``"handshake_time"`` (seconds); ``"early_data"``: TLS 1.3 0-RTT, on a
    server the early data the client sent (bytes, REPLAYABLE: see ``events.EarlyDataReceived``), on a client the
    server's answer (``EarlyDataAccepted`` or ``EarlyDataRejected``, None if none was offered).
    """

    def __init__(self, pump: TLSRecordProtocol) -> None:
        super().__init__()
        self._pump = pump

    @property
    def record_protocol(self) -> TLSRecordProtocol:
        """The protocol under this transport: its counters (``bytes_sent``, ``wire_bytes_received``...),
        ``handshake_time`` and ``connection``."""
        return self._pump

    # -- asyncio.BaseTransport --------------------------------------------------------------------------

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        pump = self._pump
        conn = pump.connection
        negotiated = conn.negotiated
        if name == "connection":
            return conn
        if name == "trace":
            return conn.trace
        if name == "handshake_time":
            return pump.handshake_time
        if name == "early_data":
            return pump.early_data_answer if isinstance(conn, ClientConnection) else pump.early_data_received
        if name in ("negotiated", "peer_certificates", "alpn_protocol", "cipher_suite", "version"):
            if negotiated is None:
                return default
            if name == "negotiated":
                return negotiated
            return getattr(negotiated, name)
        raw = pump.raw
        return raw.get_extra_info(name, default) if raw is not None else default

    def is_closing(self) -> bool:
        return self._pump.closing

    def close(self) -> None:
        """Send close_notify (RFC 8446 section 6.1), flush, close the socket; idempotent."""
        self._pump.close()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._pump.app = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._pump.app

    # -- reading ------------------------------------------------------------------------------------------

    def is_reading(self) -> bool:
        return self._pump.reading

    def pause_reading(self) -> None:
        self._pump.set_reading(False)

    def resume_reading(self) -> None:
        self._pump.set_reading(True)

    # -- writing ------------------------------------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._pump.write(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self._pump.write(b"".join(bytes(d) for d in list_of_data))

    def write_eof(self) -> None:
        """TLS has no half-close of its own: close_notify ends our direction (RFC 8446 section 6.1)."""
        self._pump.close(keep_reading=True)

    def can_write_eof(self) -> bool:
        return True

    def get_write_buffer_size(self) -> int:
        raw = self._pump.raw
        return raw.get_write_buffer_size() if raw is not None else 0

    def get_write_buffer_limits(self) -> tuple[int, int]:
        raw = self._pump.raw
        if raw is None:
            return (0, 0)
        low, high = raw.get_write_buffer_limits()
        return (low, high)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        raw = self._pump.raw
        if raw is not None:
            raw.set_write_buffer_limits(high, low)

    def abort(self) -> None:
        self._pump.abort()

    # -- TLS ----------------------------------------------------------------------------------------------

    def key_update(self, request_peer: bool = True) -> None:
        """Send a KeyUpdate (TLS 1.3, RFC 8446 section 4.6.3), asking the peer to update too by default."""
        self._pump.key_update(request_peer)

    def events(self) -> list[Event]:
        """Events since the last call, oldest first, application data excepted: ``HandshakeComplete``,
        ``KeyUpdated``, ``AlertReceived``, ``NewSessionTicketReceived``, ``ConnectionClosed``."""
        out = list(self._pump.pending_events)
        self._pump.pending_events.clear()
        return out

    def __repr__(self) -> str:
        return f"<glasstls TLSTransport {self._pump.connection.side} {self._pump.connection.state_name}>"


class TLSRecordProtocol(asyncio.Protocol):
    """The protocol of the socket's transport: feeds the TLS connection and drives the application's protocol.

    ``handshake``: a future that completes with the :class:`~glasstls.events.Negotiated` (or the handshake's
    ``TLSError``). ``handshake_timeout`` (seconds, None: none) and ``max_handshake_bytes`` bound what a peer
    gets before its handshake completes; ``idle_timeout`` closes an established connection that moved no
    application data either way for that long (records without any do not count, as in
    ``glasstls.io.limits``).
    """

    def __init__(
        self,
        connection: Connection,
        app: asyncio.BaseProtocol,
        *,
        handshake_timeout: float | None = None,
        max_handshake_bytes: int | None = None,
        idle_timeout: float | None = None,
        on_failure: FailureHandler | None = None,
        on_close: Callable[[TLSRecordProtocol], None] | None = None,
    ) -> None:
        self.connection = connection
        self.app = app
        self.loop = asyncio.get_running_loop()
        self.handshake: asyncio.Future[Negotiated] = self.loop.create_future()
        self.transport = TLSTransport(self)
        self.raw: asyncio.Transport | None = None
        self.handshake_timeout = handshake_timeout
        self.max_handshake_bytes = max_handshake_bytes
        self.idle_timeout = idle_timeout
        self.on_failure = on_failure
        self.on_close = on_close
        self.closing = False
        self.reading = True
        self.handshake_time: float | None = None
        self.pending_events: deque[Event] = deque(maxlen=MAX_PENDING_EVENTS)
        #: Application data bytes written / delivered, and bytes on the socket either way.
        self.bytes_sent = self.bytes_received = 0
        self.wire_bytes_sent = self.wire_bytes_received = 0
        self._app_connected = False
        self._app_lost = False
        self._writing_paused = False
        self._close_reason: BaseException | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._started = time.monotonic()
        self._last_progress = self._started
        self._linger_budget: int | None = None  # set while draining after a fatal alert (server)
        self._linger_until = 0.0
        self._last_data = 0.0
        self._first_byte_at: float | None = None  # when the peer's first bytes came (stalled ClientHello)
        #: start_tls: the plaintext StreamWriter, kept so that its finalizer does not close the socket under us.
        self.plaintext_writer: object = None
        #: TLS 1.3 0-RTT (issue 15): a client's data to send as early data; what a server received; the answer.
        self.early_data: bytes | None = None
        self.early_data_received = b""
        self.early_data_answer: EarlyDataAccepted | EarlyDataRejected | None = None

    # -- asyncio.Protocol (the socket side) ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.raw = transport
        self._started = time.monotonic()
        if self.handshake_timeout is not None:
            self._timer = self.loop.call_later(self.handshake_timeout, self._handshake_timed_out)
        if isinstance(self.connection, ClientConnection):
            connection, early = self.connection, self.early_data
            self._guarded(lambda: connection.start(early))
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.wire_bytes_received += len(data)
        self._last_data = time.monotonic()
        if self._first_byte_at is None:
            self._first_byte_at = self._last_data
        if self._linger_budget is not None:
            self._linger_budget -= len(data)
            if self._linger_budget <= 0 and self.raw is not None:
                self.raw.abort()  # the peer keeps sending after our alert: it gets its reset
            return
        conn = self.connection
        if conn.error is not None or self.raw is None:
            return
        if (
            self.max_handshake_bytes is not None
            and not conn.handshake_complete
            and self.wire_bytes_received > self.max_handshake_bytes
        ):
            self._fail(
                LimitExceeded(
                    f"the peer sent more than {self.max_handshake_bytes} bytes before its handshake completed",
                    step="handshake",
                    hint="raise max_handshake_bytes if a genuine client needs that much (large client certificates)",
                )
            )
            return
        self._guarded(lambda: conn.receive_data(data))
        self._flush()

    def eof_received(self) -> bool | None:
        if self._linger_budget is not None:
            return False  # the peer closed too: nothing unread, no reset
        if self.connection.error is not None:
            return False
        keep_open = self._guarded(self.connection.receive_eof)
        return bool(keep_open)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self.raw = None
        if not self.handshake.done():
            error = self.connection.error
            if error is None:
                error = ConnectionLost(
                    "the connection was closed during the handshake" + (f": {exc}" if exc is not None else ""),
                    step="handshake",
                )
            self.handshake.set_exception(error)
            self.handshake.exception()  # retrieved: a cancelled waiter must not log "never retrieved"
        if self._app_connected and not self._app_lost:
            self._app_lost = True
            reason = self._close_reason
            if reason is None and exc is not None:
                reason = ConnectionLost(f"the connection was lost: {exc}", step="application data")
            self.app.connection_lost(reason if isinstance(reason, Exception) else None)
        if self.on_close is not None:
            on_close, self.on_close = self.on_close, None
            on_close(self)

    def pause_writing(self) -> None:
        self._writing_paused = True
        if self._app_connected and isinstance(self.app, asyncio.Protocol):
            self.app.pause_writing()

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._app_connected and isinstance(self.app, asyncio.Protocol):
            self.app.resume_writing()

    # -- what the TLSTransport asks -------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        conn = self.connection
        if self.closing or conn.error is not None or self.raw is None or not data:
            return  # like a closed asyncio transport: the failure reached the protocol via connection_lost
        if self._guarded(lambda: conn.send_data(data)) is None and conn.error is not None:
            return
        self.bytes_sent += len(data)
        self._last_progress = time.monotonic()
        self._flush()

    def key_update(self, request_peer: bool) -> None:
        if self.raw is None or self.closing:
            raise UsageError("key_update on a closed transport")
        self.connection.key_update(request_peer=request_peer)  # UsageError for TLS 1.2, before the handshake
        self._take_events()
        self._flush()

    def close(self, *, keep_reading: bool = False) -> None:
        if self.closing:
            return
        self.closing = True
        raw = self.raw
        if self.connection.error is None:
            self.connection.close()
            self._flush()
        if raw is not None and not keep_reading:
            self._cancel_timer()
            raw.close()

    def abort(self) -> None:
        self.closing = True
        if self.raw is not None:
            self.raw.abort()

    def set_reading(self, reading: bool) -> None:
        self.reading = reading
        raw = self.raw
        if raw is None or raw.is_closing():
            return
        if reading:
            raw.resume_reading()
        else:
            raw.pause_reading()

    # -- internals --------------------------------------------------------------------------------------------

    def _guarded(self, call: Callable[[], None]) -> bool | None:
        """Run a connection call and deliver its events; a TLSError fails the connection here (never raised)."""
        try:
            call()
        except TLSError as err:
            self._take_events()
            self._fail(err)
            return None
        return self._take_events()

    def _take_events(self) -> bool | None:
        """Hand the connection's events on: application data to the application's protocol, the rest to the
        bounded queue. Returns what the application's ``eof_received`` said (keep our side open?)."""
        keep_open: bool | None = None
        for event in self.connection.events():
            if isinstance(event, DataReceived):
                if event.data:
                    self.bytes_received += len(event.data)
                    self._last_progress = time.monotonic()
                    if self._app_connected and not self._app_lost and isinstance(self.app, asyncio.Protocol):
                        self.app.data_received(event.data)
                continue
            self.pending_events.append(event)
            if isinstance(event, EarlyDataReceived):
                self.early_data_received += event.data  # bounded by the server's max_early_data_size
            elif isinstance(event, EarlyDataAccepted | EarlyDataRejected):
                self.early_data_answer = event
            elif isinstance(event, HandshakeComplete):
                self._handshake_completed(event.negotiated)
            elif isinstance(event, ConnectionClosed) and self._app_connected and not self._app_lost:
                keep_open = bool(self.app.eof_received()) if isinstance(self.app, asyncio.Protocol) else False
                if not keep_open:
                    self.close()
        return keep_open

    def _handshake_completed(self, negotiated: Negotiated) -> None:
        self._cancel_timer()
        self.handshake_time = time.monotonic() - self._started
        self._last_progress = time.monotonic()
        if self.idle_timeout is not None:
            self._timer = self.loop.call_later(self.idle_timeout, self._check_idle)
        self._app_connected = True
        self.app.connection_made(self.transport)
        if self._writing_paused and isinstance(self.app, asyncio.Protocol):
            self.app.pause_writing()
        if not self.handshake.done():
            self.handshake.set_result(negotiated)

    def _flush(self) -> None:
        out = self.connection.data_to_send()
        raw = self.raw
        if out and raw is not None and not raw.is_closing():
            self.wire_bytes_sent += len(out)
            raw.write(out)

    def _fail(self, err: TLSError) -> None:
        """The connection failed (its fatal alert, if any, is queued): send it, close, tell whoever waits."""
        self._cancel_timer()
        self.closing = True
        raw = self.raw
        self._flush()
        if self._close_reason is None:
            self._close_reason = err
        if not self.handshake.done():
            if self.on_failure is not None:
                try:
                    self.on_failure(self.transport, err)
                except Exception:
                    logger.exception("on_failure failed")
            self.handshake.set_exception(err)
            self.handshake.exception()  # retrieved (see connection_lost)
        if raw is None or raw.is_closing():
            return
        if self.connection.side == "server" and err.alert is not None and raw.can_write_eof():
            # Linger (glasstls.io.limits): our alert, then FIN; read and discard what the client still sends.
            raw.write_eof()
            self._linger_budget = LINGER_BYTES
            if not self.reading:
                raw.resume_reading()
            self._linger_until = time.monotonic() + LINGER_SECONDS
            self._last_data = time.monotonic()
            self._timer = self.loop.call_later(LINGER_QUIET_SECONDS, self._linger_check)
            return
        raw.close()

    def _linger_check(self) -> None:
        """Lingering after our alert: close once the peer has been quiet LINGER_QUIET_SECONDS (nothing unread:
        a FIN, no reset), and at LINGER_SECONDS in all whatever it does (glasstls.io.limits)."""
        self._timer = None
        raw = self.raw
        if raw is None:
            return
        now = time.monotonic()
        if now >= self._linger_until:
            raw.abort()
        elif now - self._last_data >= LINGER_QUIET_SECONDS:
            raw.close()
        else:
            wait = min(LINGER_QUIET_SECONDS - (now - self._last_data), self._linger_until - now)
            self._timer = self.loop.call_later(max(wait, 0.01), self._linger_check)

    # -- what glasstls.io.limits.Admission asks of a handshake (servers) ---------------------------------------

    def hello_stalled_for(self) -> float | None:
        """Server side, while a ClientHello the client began is still incomplete (some bytes received, nothing
        sent yet): seconds since its first bytes came; None otherwise (as io.sync.TLSSocket)."""
        began = self._first_byte_at
        if self.connection.side != "server" or self.wire_bytes_sent or began is None:
            return None
        if self.connection.handshake_complete or self.connection.error is not None:
            return None
        return time.monotonic() - began

    def evict(self, reason: str) -> None:
        """Drop this handshake to make room (Admission, at the handshake cap): it fails with ``reason``."""
        self._fail(
            LimitExceeded(
                reason,
                step="ClientHello",
                hint="a real client sends its whole ClientHello at once; if this one is legitimate and slow, "
                "raise the handshake cap (ServerLimits.max_handshakes; glasstls serve --max-handshakes)",
            )
        )

    def _handshake_timed_out(self) -> None:
        self._timer = None
        if self.connection.handshake_complete or self.raw is None:
            return
        self._fail(
            ConnectionLost(
                f"timed out: the handshake did not complete within {self.handshake_timeout:g}s",
                step="handshake",
                hint="the peer is slow or not speaking TLS; raise the handshake timeout if the network is slow",
            )
        )

    def _check_idle(self) -> None:
        self._timer = None
        if self.raw is None or self.idle_timeout is None or self.closing:
            return
        idle = time.monotonic() - self._last_progress
        if idle < self.idle_timeout:
            self._timer = self.loop.call_later(self.idle_timeout - idle, self._check_idle)
            return
        self._close_reason = IdleTimeout(f"no application data for {self.idle_timeout:g}s (the idle budget)")
        self.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


__all__ = ["MAX_PENDING_EVENTS", "FailureHandler", "TLSRecordProtocol", "TLSTransport"]
