"""Blocking sockets over the sans-I/O connection: ``connect``, ``wrap_socket``, ``TLSSocket``.

This module moves bytes between a socket and a :class:`~glasstls.connection.ClientConnection` or
:class:`~glasstls.connection.ServerConnection`; every protocol decision is the connection's. The loop is the one
the connection documents: write ``data_to_send()``, read from the socket into ``receive_data()``, drain
``events()``.

Error rule (one for the whole module):

* A ``TLSError`` from the connection: its fatal alert is already queued; we write it to the socket (ignoring
  socket errors while doing so) and raise the same error. Every later call raises it again.
* An ``OSError`` from the socket becomes ``ConnectionLost`` naming the step and the operation, with the
  ``OSError`` as ``__cause__``: during the TCP connect, the handshake, and afterwards in ``send``/``recv``.
* Except: a ``TimeoutError`` in ``send``/``recv`` *after* the handshake propagates unchanged. It comes from a
  timeout the caller set (``settimeout``); nothing was consumed, the connection is intact, the call may be
  retried. A timeout during the handshake is ``ConnectionLost`` (the handshake has a deadline).

Events: application data goes to ``recv``; every other event of the connection (``HandshakeComplete``,
``KeyUpdated``, ``AlertReceived`` for a warning or the fatal alert that ended the connection,
``NewSessionTicketReceived``, ``ConnectionClosed``) is kept, in order, for :meth:`TLSSocket.events`. The queue is
bounded (:data:`MAX_PENDING_EVENTS`): a caller that never drains it loses the oldest events, counted in
``events_dropped``, never memory.

Servers: :class:`TLSServer` is in ``glasstls.io.server``, which builds on this module; it bounds what its clients get
(connections, unfinished handshakes and their bytes, the idle budget, accept failures, the drain after a fatal
alert): see ``glasstls.io.limits``. It listens on IPv4, IPv6 or both as the host says (``glasstls.io.address``).

Threads: one thread may ``recv`` while another ``send``s (full duplex); the connection object is guarded by a
lock and socket writes keep the order in which records were sealed. Two threads reading, or two writing to the
same ``TLSSocket``, is not supported.
"""

from __future__ import annotations

import select
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import ConnectionLost, LimitExceeded, TLSError, UsageError
from glasstls.events import (
    ConnectionClosed,
    DataReceived,
    EarlyDataAccepted,
    EarlyDataReceived,
    EarlyDataRejected,
    Event,
    Negotiated,
    NewSessionTicketReceived,
    SessionTicket,
)
from glasstls.io.address import format_address
from glasstls.io.limits import (
    LINGER_BYTES,
    LINGER_QUIET_SECONDS,
    LINGER_SECONDS,
    IdleTimeout,
    ServerLimits,
)

#: How much we ask the socket for at a time (a full TLS record is 16 KiB + header + tag).
RECV_SIZE = 65536
#: Default deadline for a whole handshake (connect, wrap_socket and TLSServer.accept).
DEFAULT_HANDSHAKE_TIMEOUT = 30.0
#: How many events (other than application data) a TLSSocket keeps until ``events()`` drains them.
MAX_PENDING_EVENTS = 256
#: How many NewSessionTickets a TLSSocket keeps (the newest): a server may send any number of them (RFC 8446
#: section 4.6.1), each is single-use, and a client resumes with one; a few cover reconnecting more than once.
MAX_SESSION_TICKETS = 8

Connection = ClientConnection | ServerConnection
Address = Any  # what socket.accept() returns for the listener's family: (host, port) or (host, port, flow, scope)
#: ``on_failure(tls_socket, address, error)``: a client's handshake failed (see TLSServer.serve_forever).
FailureHandler = Callable[["TLSSocket", Address, TLSError], None]


def _readable(sock: socket.socket, timeout: float) -> bool:
    """Whether ``sock`` has bytes (or EOF) to read within ``timeout`` seconds. poll() where there is one: it
    needs no descriptor of its own (an epoll selector does, which fails when descriptors run out) and, unlike
    select(), takes descriptors above 1023."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(max(timeout * 1000.0, 0.0)))
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(max(timeout, 0.0)))


def _lost(step: str, what: str, exc: OSError) -> ConnectionLost:
    """Wrap a socket error (``what`` failed) as ``ConnectionLost``; the caller raises it ``from exc``."""
    if isinstance(exc, TimeoutError):
        return ConnectionLost(
            f"timed out {what}",
            step=step,
            hint="the peer is slow or not speaking TLS; raise the timeout if the network is slow",
        )
    detail = exc.strerror or str(exc) or type(exc).__name__
    return ConnectionLost(f"{what} failed: {detail}", step=step)


class TLSSocket:
    """A TLS connection over a blocking socket. Made by :func:`connect`, :func:`wrap_socket` or
    :meth:`TLSServer.accept`; the handshake is complete when you get one.

    ``recv`` returns ``b""`` once the peer has closed: after its close_notify (``close_notify_received`` is
    True) or on a bare transport EOF (False: the peer's data may have been truncated).
    """

    def __init__(self, sock: socket.socket, connection: Connection) -> None:
        """Wrap ``sock`` and ``connection``; call :meth:`do_handshake` next (the module functions do)."""
        self._sock = sock
        self._conn = connection
        self._buffer = bytearray()
        self._lock = threading.Lock()  # guards the connection and the buffers
        self._write_lock = threading.Lock()  # keeps socket writes in the order they were drained
        self._peer_closed = False
        self._closed = False
        self.close_notify_received = False
        #: Session tickets the server sent (client side), kept for resumption: the newest
        #: :data:`MAX_SESSION_TICKETS`; older ones are dropped (counted in ``session_tickets_dropped``).
        self.session_tickets: list[SessionTicket] = []
        self.session_tickets_dropped = 0
        #: Idle budget after the handshake, in seconds (None: none): ``recv`` raises :class:`IdleTimeout` when no
        #: application data moved either way for this long. Records without application data do not count.
        self.idle_timeout: float | None = None
        self._last_progress = time.monotonic()
        self._reading = False  # blocked in a handshake read (see hello_stalled_for)
        self._first_byte_at: float | None = None  # when the peer's first bytes arrived (time.monotonic())
        #: Why the server dropped this handshake to make room for others (None: it did not).
        self.evicted: str | None = None
        #: ``close()`` after our fatal alert drains the peer first (:meth:`linger_after_alert`); TLSServer sets it.
        self.linger_after_fatal_alert = False
        self._events: deque[Event] = deque(maxlen=MAX_PENDING_EVENTS)
        #: Server: the client's 0-RTT data, accepted (RFC 8446 section 2.3): REPLAYABLE, see EarlyDataReceived.
        self.early_data = b""
        #: Client: the server's answer to our 0-RTT data (None: none offered); EarlyDataRejected has the reason.
        self.early_data_answer: EarlyDataAccepted | EarlyDataRejected | None = None
        #: Events lost because the queue was full (the oldest go first).
        self.events_dropped = 0
        #: Application data bytes given to ``sendall`` / returned by ``recv`` (decrypted, buffered included).
        self.bytes_sent = 0
        self.bytes_received = 0
        #: Bytes written to / read from the socket: records, headers, tags, handshake and alerts included.
        self.wire_bytes_sent = 0
        self.wire_bytes_received = 0
        #: How long ``do_handshake`` took, in seconds (None until it completed).
        self.handshake_time: float | None = None
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                # Handshake flights and small writes go out at once, not after Nagle's wait for an ACK.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    # -- what it is -----------------------------------------------------------------------------------

    @property
    def socket(self) -> socket.socket:
        """The underlying socket (do not read or write it directly)."""
        return self._sock

    @property
    def connection(self) -> Connection:
        """The sans-I/O connection: its ``trace``, ``state_name``, ``error``..."""
        return self._conn

    @property
    def server_side(self) -> bool:
        return isinstance(self._conn, ServerConnection)

    @property
    def negotiated(self) -> Negotiated:
        negotiated = self._conn.negotiated
        if negotiated is None:
            raise UsageError("the handshake has not completed")
        return negotiated

    @property
    def peer_closed(self) -> bool:
        """The peer closed its side (close_notify or EOF): ``recv`` returns ``b""`` from now on."""
        return self._peer_closed

    @property
    def closed(self) -> bool:
        """:meth:`close` was called."""
        return self._closed

    def fileno(self) -> int:
        return self._sock.fileno()

    def settimeout(self, timeout: float | None) -> None:
        """Timeout for each later ``recv``/``send`` (``TimeoutError``, connection intact; see the module doc)."""
        self._sock.settimeout(timeout)

    def gettimeout(self) -> float | None:
        return self._sock.gettimeout()

    def pending(self) -> int:
        """Decrypted bytes buffered and ready for ``recv`` without touching the socket."""
        with self._lock:
            return len(self._buffer)

    def events(self) -> list[Event]:
        """The events received since the last call, oldest first, application data excepted (that is what
        ``recv`` returns): ``HandshakeComplete``, ``KeyUpdated``, ``AlertReceived``, ``NewSessionTicketReceived``,
        ``ConnectionClosed``. Events arrive while ``do_handshake``/``recv`` read the socket; this never reads."""
        with self._lock:
            out = list(self._events)
            self._events.clear()
            return out

    def getpeername(self) -> Address:
        return self._sock.getpeername()

    def __repr__(self) -> str:
        side = "server" if self.server_side else "client"
        state = "closed" if self._closed else self._conn.state_name
        return f"<TLSSocket {side} fd={self._sock.fileno()} {state}>"

    # -- handshake ------------------------------------------------------------------------------------

    def do_handshake(
        self,
        timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
        *,
        max_bytes: int | None = None,
        early_data: bytes | None = None,
    ) -> None:
        """Run the handshake to completion within ``timeout`` seconds in all (``None``: no deadline).

        Raises the connection's ``TLSError`` (after sending its alert) or ``ConnectionLost`` for a socket error,
        the deadline, or a peer that sent more than ``max_bytes`` (None: no limit but the connection's own) without
        completing the handshake. The socket's own timeout is restored afterwards. Client: ``early_data`` goes as
        TLS 1.3 0-RTT if a stored ticket allows it (``early_data_answer`` then tells the outcome).
        """
        conn = self._conn
        if conn.handshake_complete:
            return
        started = time.perf_counter()
        if isinstance(conn, ClientConnection):
            with self._lock:
                self._guard(lambda: conn.start(early_data))
        deadline = None if timeout is None else time.monotonic() + timeout
        saved_timeout = self._sock.gettimeout()
        try:
            while True:
                self._flush(step=self._handshake_step())
                if conn.handshake_complete:
                    break
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise ConnectionLost(
                            f"the handshake did not complete within {timeout:g}s",
                            step=self._handshake_step(),
                            hint="the peer is slow or not speaking TLS",
                        ) from TimeoutError(f"handshake deadline of {timeout:g}s")
                    per_read = remaining if saved_timeout is None else min(remaining, saved_timeout)
                    self._sock.settimeout(per_read)
                self._reading = True
                try:
                    data = self._read(step=self._handshake_step())
                except ConnectionLost:
                    if self.evicted is None:
                        raise
                finally:
                    self._reading = False
                if self.evicted is not None:
                    raise LimitExceeded(
                        self.evicted,
                        step=self._handshake_step(),
                        hint="a real client sends its whole ClientHello at once; if this one is legitimate and slow, "
                        "raise the handshake cap (ServerLimits.max_handshakes; glasstls serve --max-handshakes)",
                    )
                if max_bytes is not None and self.wire_bytes_received > max_bytes:
                    raise LimitExceeded(
                        f"the peer sent more than {max_bytes} bytes without completing the handshake",
                        step=self._handshake_step(),
                        hint="if this client is legitimate (a very long certificate chain), raise the limit "
                        "(ServerLimits.max_handshake_bytes; glasstls serve --max-handshake-bytes)",
                    )
                self._process(data)
        except ConnectionLost as e:
            if e.context is None:  # a socket failure or deadline: what the connection knew (glasstls.explain)
                e.context = conn.failure_context()
            raise
        finally:
            try:
                self._sock.settimeout(saved_timeout)
            except OSError:
                pass
        # Post-handshake messages queued with the last flight (e.g. the server's NewSessionTicket).
        self._flush(step="after the handshake")
        self.handshake_time = time.perf_counter() - started
        self._last_progress = time.monotonic()

    def hello_stalled_for(self) -> float | None:
        """Server side, blocked reading the rest of a ClientHello the client began (nothing sent yet, some bytes
        received): seconds since its first bytes came. None otherwise (a client that has sent nothing yet is
        bounded by the handshake deadline only: a busy client may be slow to begin)."""
        began = self._first_byte_at
        if not (self._reading and self.server_side and self.wire_bytes_sent == 0) or began is None:
            return None
        return time.monotonic() - began

    def evict(self, reason: str) -> None:
        """Stop the handshake from another thread: its read returns and it fails with ``reason``."""
        self.evicted = reason
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handshake_step(self) -> str:
        return self._conn.step  # the message we wait for, in words (never a state's class name)

    # -- data -----------------------------------------------------------------------------------------

    def send(self, data: bytes) -> int:
        """Send all of ``data`` (as one or more records); returns ``len(data)``."""
        self.sendall(data)
        return len(data)

    def sendall(self, data: bytes) -> None:
        """Encrypt and send ``data``."""
        self._check_open("sendall")
        with self._lock:
            self._guard(lambda: self._conn.send_data(bytes(data)))
            self._take_events(self._conn.events())  # e.g. KeyUpdated: an automatic key update before a limit
            self.bytes_sent += len(data)
            if data:
                self._last_progress = time.monotonic()
            out = self._conn.data_to_send()
            self._write_lock.acquire()  # taken before the connection lock is released: keeps record order
        self._write_locked(out, step="sending application data")

    def recv(self, bufsize: int = RECV_SIZE, *, timeout: float | None = None) -> bytes:
        """Up to ``bufsize`` bytes of application data; ``b""`` once the peer has closed. Blocks until data
        arrives (or the socket timeout expires: ``TimeoutError``, see the module doc).

        ``timeout``: wait at most this many seconds for application data in this call, else ``TimeoutError``
        (connection intact). Unlike ``settimeout`` it leaves the socket's own timeout alone, so a ``sendall`` in
        another thread is not cut short; records without application data (a NewSessionTicket, a KeyUpdate) are
        processed meanwhile and do not end the wait."""
        self._check_open("recv")
        if bufsize <= 0:
            return b""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if self._buffer:
                    out = bytes(self._buffer[:bufsize])
                    del self._buffer[:bufsize]
                    self.bytes_received += len(out)
                    return out
                if self._peer_closed:
                    return b""
            idle_deadline = None if self.idle_timeout is None else self._last_progress + self.idle_timeout
            if idle_deadline is not None and (deadline is None or idle_deadline <= deadline):
                self._wait_readable(idle_deadline, idle=True)
            elif deadline is not None:
                self._wait_readable(deadline)
            data = self._read(step="receiving application data")
            self._process(data)
            self._flush(step="receiving application data")  # e.g. our KeyUpdate in answer to the peer's

    def key_update(self, request_peer: bool = True) -> None:
        """Send KeyUpdate (RFC 8446 section 4.6.3) and switch to new sending keys; ``request_peer`` asks the peer
        to update its keys too."""
        self._check_open("key_update")
        with self._lock:
            self._guard(lambda: self._conn.key_update(request_peer=request_peer))
            self._take_events(self._conn.events())  # KeyUpdated("write")
            out = self._conn.data_to_send()
            self._write_lock.acquire()
        self._write_locked(out, step="key update")

    def close(self, *, wait_for_peer: float = 0.0) -> None:
        """Send close_notify (unless the connection failed) and close the socket. Idempotent; never raises for
        a socket error (the peer may already be gone).

        ``wait_for_peer``: after our close_notify, wait up to this many seconds for the peer to close its side
        too (its close_notify, or EOF; RFC 8446 section 6.1), discarding any data it still sends. Then the
        peer has read everything we sent before our socket goes away, and ``close_notify_received`` tells
        whether it closed cleanly."""
        if self._closed:
            return
        self._closed = True
        try:
            with self._lock:
                self._conn.close()
                out = self._conn.data_to_send()
            if out:
                with self._write_lock:
                    self._sock.sendall(out)
                    self.wire_bytes_sent += len(out)
            if wait_for_peer > 0:
                self._drain_until_peer_closes(wait_for_peer)
        except (OSError, TLSError):
            pass
        finally:
            if self.linger_after_fatal_alert:
                self.linger_after_alert()
            self._sock.close()

    def linger_after_alert(self) -> None:
        """Server side, after we sent a fatal alert: end our direction (the alert, then FIN) and read and discard
        what the peer still sends, up to :data:`~glasstls.io.limits.LINGER_BYTES` and
        :data:`~glasstls.io.limits.LINGER_SECONDS` (sooner when it sends nothing for ``LINGER_QUIET_SECONDS``).
        Closing with unread data would make the kernel answer with a TCP reset, and a reset makes the peer's
        kernel drop the alert before the peer reads it. No TLS processing happens here: the connection is closed
        (RFC 8446 section 6); this is the TCP close done gently. Never raises for a socket error."""
        error = self._conn.error
        if not self.server_side or error is None or error.alert is None or self._sock.fileno() < 0:
            return
        try:
            self._sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            budget = LINGER_BYTES
            while budget > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._sock.settimeout(min(remaining, LINGER_QUIET_SECONDS))
                data = self._sock.recv(min(RECV_SIZE, budget))
                if not data:
                    return  # the peer closed too: nothing unread, no reset
                budget -= len(data)
        except OSError:
            pass  # including the quiet timeout: nothing unread, our close sends a plain FIN

    def _drain_until_peer_closes(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while not self._peer_closed and self._conn.error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._sock.settimeout(remaining)
            try:
                data = self._sock.recv(RECV_SIZE)
            except TimeoutError:
                return
            self.wire_bytes_received += len(data)
            self._process(data or None)
            with self._lock:
                self._buffer.clear()  # we closed: nobody reads it any more

    def __enter__(self) -> TLSSocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------------

    def _check_open(self, what: str) -> None:
        """Refuse use after close(); re-raise the connection's failure without touching the socket."""
        if self._closed:
            raise UsageError(f"{what} after close()")
        error = self._conn.error
        if error is not None:
            raise error

    def _wait_readable(self, deadline: float, *, idle: bool = False) -> None:
        """Wait until the socket has bytes (or EOF) to read; ``TimeoutError`` at ``deadline`` (``IdleTimeout``
        with ``idle``: the deadline is the idle budget's, checked even while records keep arriving)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if idle:
                    raise IdleTimeout(f"no application data for {self.idle_timeout:g}s (the idle budget)")
                raise TimeoutError("no application data within the recv timeout")
            if _readable(self._sock, remaining):
                return

    def _read(self, *, step: str) -> bytes | None:
        """One read from the socket; ``None`` at EOF. Timeouts after the handshake propagate (module doc)."""
        try:
            data = self._sock.recv(RECV_SIZE)
        except TimeoutError as exc:
            if self._conn.handshake_complete:
                raise
            raise _lost(step, "waiting for the peer", exc) from exc
        except OSError as exc:
            raise _lost(step, "reading from the socket", exc) from exc
        self.wire_bytes_received += len(data)
        if self._first_byte_at is None and data:
            self._first_byte_at = time.monotonic()
        return data or None

    def _process(self, data: bytes | None) -> None:
        """Feed received bytes (or EOF) to the connection and take in its events."""
        with self._lock:
            try:
                if data is None:
                    self._guard(self._conn.receive_eof)
                else:
                    self._guard(lambda: self._conn.receive_data(data))
            finally:
                # Also on failure: e.g. the AlertReceived event of the fatal alert that ended the connection.
                self._take_events(self._conn.events())

    def _take_events(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, DataReceived):
                if event.data:
                    self._buffer += event.data
                    self._last_progress = time.monotonic()
                continue
            if isinstance(event, EarlyDataReceived):  # server: 0-RTT, replayable (bounded by max_early_data_size)
                self.early_data += event.data
            elif isinstance(event, EarlyDataAccepted | EarlyDataRejected):  # client: the server's answer
                self.early_data_answer = event
            elif isinstance(event, ConnectionClosed):
                self._peer_closed = True
                self.close_notify_received = event.clean
            elif isinstance(event, NewSessionTicketReceived):
                self.session_tickets.append(event.ticket)
                if len(self.session_tickets) > MAX_SESSION_TICKETS:
                    del self.session_tickets[0]
                    self.session_tickets_dropped += 1
            if len(self._events) == self._events.maxlen:
                self.events_dropped += 1
            self._events.append(event)

    def _guard(self, call: Callable[[], None]) -> None:
        """Run a connection call (with ``self._lock`` held); on ``TLSError`` send the queued alert, re-raise."""
        try:
            call()
        except TLSError:
            alert = self._conn.data_to_send()
            if alert:
                with self._write_lock:
                    try:
                        self._sock.sendall(alert)
                        self.wire_bytes_sent += len(alert)
                    except OSError:
                        pass  # the peer may be gone already; the TLSError is what matters
            raise

    def _flush(self, *, step: str) -> None:
        with self._lock:
            out = self._conn.data_to_send()
            if not out:
                return
            self._write_lock.acquire()
        self._write_locked(out, step=step)

    def _write_locked(self, out: bytes, *, step: str) -> None:
        """Write ``out``; the caller acquired ``_write_lock``, released here."""
        try:
            if out:
                self._sock.sendall(out)
                self.wire_bytes_sent += len(out)
        except TimeoutError as exc:
            if self._conn.handshake_complete:
                raise
            raise _lost(step, "waiting to send to the peer", exc) from exc
        except OSError as exc:
            raise _lost(step, "writing to the socket", exc) from exc
        finally:
            self._write_lock.release()


def wrap_socket(
    sock: socket.socket,
    config: ClientConfig | ServerConfig,
    *,
    server_name: str | None = None,
    server_side: bool = False,
    handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
) -> TLSSocket:
    """Start TLS on an already connected blocking socket (e.g. after STARTTLS) and run the handshake.

    Client side: ``config`` is a ``ClientConfig`` and ``server_name`` is the name to verify (and send as SNI).
    Server side: ``config`` is a ``ServerConfig``. On failure the error is raised and the socket is left open:
    it is the caller's (close it).
    """
    if sock.gettimeout() == 0.0:
        raise UsageError("wrap_socket needs a blocking socket (this one is non-blocking)")
    connection: Connection
    if server_side:
        if not isinstance(config, ServerConfig):
            raise UsageError("wrap_socket(server_side=True) needs a ServerConfig")
        if server_name is not None:
            raise UsageError("server_name is for the client side")
        connection = ServerConnection(config)
    else:
        if not isinstance(config, ClientConfig):
            raise UsageError("wrap_socket for a client needs a ClientConfig")
        connection = ClientConnection(config, server_name=server_name)
    tls = TLSSocket(sock, connection)
    tls.do_handshake(handshake_timeout)
    return tls


def connect(
    host: str,
    port: int,
    config: ClientConfig | None = None,
    *,
    server_name: str | None = None,
    timeout: float | None = 30,
    early_data: bytes | None = None,
    resend_early_data: bool = False,
) -> TLSSocket:
    """Open a TCP connection to ``host:port`` and run the TLS handshake.

    ``server_name`` (default: ``host``) is verified against the certificate and sent as SNI. ``config``
    defaults to ``ClientConfig()`` (the system trust store). ``timeout`` bounds the TCP connect, the whole
    handshake, and then stays the socket timeout for ``send``/``recv``. A failed connect is ``ConnectionLost``.
    ``early_data``: sent as TLS 1.3 0-RTT when a stored ticket of this server allows it (replayable, not forward
    secret); ``tls.early_data_answer`` says whether the server took it; if not, it is sent again after the
    handshake only with ``resend_early_data`` (RFC 8446 section 4.2.10: the application decides).
    """
    config = config if config is not None else ClientConfig()
    name = server_name if server_name is not None else host
    # Sessions for resumption are kept per "host:port" (the server identity), not only per name.
    connection = ClientConnection(config, server_name=name, session_key=f"{host}:{port}")  # UsageError now
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise _lost("TCP connect", f"connecting to {format_address(host, port)}", exc) from exc
    tls = TLSSocket(sock, connection)
    try:
        tls.do_handshake(timeout, early_data=early_data)
        if early_data and resend_early_data and not isinstance(tls.early_data_answer, EarlyDataAccepted):
            tls.sendall(early_data)
    except BaseException:
        sock.close()
        raise
    return tls


__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "MAX_PENDING_EVENTS",
    "MAX_SESSION_TICKETS",
    "IdleTimeout",
    "ServerLimits",
    "TLSSocket",
    "connect",
    "wrap_socket",
]
