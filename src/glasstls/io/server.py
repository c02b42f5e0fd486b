"""The blocking server: :class:`TLSServer` (listen, ``accept()``, ``serve_forever(handler)``).

Its clients are :class:`~glasstls.io.sync.TLSSocket` objects; the error rule, events and threads are those of
``glasstls.io.sync``, which this module builds on (it does not import this one). What the server bounds
(connections, unfinished handshakes and their bytes, the idle budget, accept failures) is in
``glasstls.io.limits``: admission and the accept backoff act here, the handshake byte budget and the drain after
our fatal alert (``TLSSocket.linger_after_alert``) act on each socket. It listens on IPv4, IPv6 or both as the
host says (``glasstls.io.address``).
"""

from __future__ import annotations

import errno
import logging
import selectors
import socket
import threading
from collections.abc import Callable

from glasstls.config import ServerConfig
from glasstls.connection import ServerConnection
from glasstls.errors import TLSError, UsageError
from glasstls.io.address import format_address, listen
from glasstls.io.limits import AcceptBackoff, Admission, IdleTimeout, ServerLimits
from glasstls.io.sync import DEFAULT_HANDSHAKE_TIMEOUT, Address, FailureHandler, TLSSocket

logger = logging.getLogger("glasstls.io")


class TLSServer:
    """A listening TLS server: ``accept()`` one connection, or ``serve_forever(handler)``.

    ``host``: an IPv4 or IPv6 address or a name (``::`` is IPv6 and IPv4, see ``glasstls.io.address``).
    ``backlog``: the listen backlog (None: the system maximum). ``handshake_timeout`` bounds each handshake;
    ``timeout`` is then the socket timeout of each send/recv of accepted connections (``None``: block forever).
    ``limits``: connections, unfinished handshakes, bytes per handshake, idle budget (``glasstls.io.limits``).
    Use as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        host: str,
        port: int,
        config: ServerConfig,
        *,
        backlog: int | None = None,
        handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
        timeout: float | None = 300.0,
        limits: ServerLimits | None = None,
    ) -> None:
        if not isinstance(config, ServerConfig):
            raise UsageError("TLSServer needs a ServerConfig")
        self.config = config
        #: Makes the connection of each accepted client (``serve --html``: one that keeps its records).
        self.new_connection: Callable[[ServerConfig], ServerConnection] = ServerConnection
        self.handshake_timeout = handshake_timeout
        self.timeout = timeout
        self.limits = limits if limits is not None else ServerLimits()
        #: Connections and unfinished handshakes now, and accepted so far (``admission.accepted``).
        self.admission = Admission(self.limits)
        self._backoff = AcceptBackoff()
        self._listener = listen(host, port, backlog)
        self._closed = threading.Event()
        #: Called with each accepted socket before its handshake, in the client's thread (STARTTLS: the
        #: plain-text prelude, glasstls.starttls); a TLSError it raises ends that client without a handshake.
        self.before_handshake: Callable[[socket.socket, Address], None] | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound (useful with port 0); for IPv6 the host is the bare address."""
        name = self._listener.getsockname()
        return (name[0], name[1])

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def fileno(self) -> int:
        return self._listener.fileno()

    def accept(self) -> tuple[TLSSocket, Address]:
        """Wait for a client and run the handshake with it. A failed handshake raises its ``TLSError`` (the
        alert was sent and that client's socket is closed); the server itself goes on. An ``OSError`` of the
        listening socket itself (e.g. too many open files) propagates unchanged."""
        if self._closed.is_set():
            raise UsageError("accept after close()")
        raw, address = self._accept_raw()
        return self._handshake(raw, address), address

    def serve_forever(
        self,
        handler: Callable[[TLSSocket], None],
        *,
        threads: bool = True,
        on_failure: FailureHandler | None = None,
    ) -> None:
        """Accept clients until :meth:`close` and call ``handler(tls_socket)`` for each, then close it.

        With ``threads`` each client (handshake and handler) runs in its own daemon thread; otherwise one at a
        time in this thread. At ``limits.max_connections`` connections or ``limits.max_handshakes`` unfinished
        handshakes the loop stops accepting: new clients wait in the listen queue until one ends. An accept()
        that fails for lack of descriptors backs off (one log line per episode). A failing client (handshake
        error, handler exception) is logged on the ``glasstls.io`` logger and never stops the server.
        ``on_failure(tls_socket, address, error)`` is called instead of the warning for a failed handshake, after
        the alert was sent and before the socket is closed (the socket's ``connection`` has the trace of what
        happened); an exception it raises is logged, never propagated.
        """
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._closed.is_set():
                # Re-check closed every 0.2 s: close() from another thread does not wake accept(). A client
                # waits first: only then may wait_for_room drop a stalled handshake to make room for it.
                if not selector.select(timeout=0.2) or not self.admission.wait_for_room(0.2):
                    continue
                try:
                    raw, address = self._accept_raw()
                except OSError as exc:
                    if self._closed.is_set():
                        return
                    self._closed.wait(self._backoff.failed(exc))
                    continue
                self.admission.admitted()
                if not threads:
                    self._backoff.succeeded()
                    self._serve_one(raw, address, handler, on_failure)
                    continue
                worker = threading.Thread(
                    target=self._serve_one,
                    args=(raw, address, handler, on_failure),
                    name=f"glasstls {address}",
                    daemon=True,
                )
                try:
                    worker.start()
                except RuntimeError as exc:  # out of threads: as out of descriptors, drop this one and back off
                    raw.close()
                    self.admission.handshake_done()
                    self.admission.connection_done()
                    self._closed.wait(self._backoff.failed(OSError(errno.ENOMEM, f"cannot start a thread ({exc})")))
                    continue
                self._backoff.succeeded()

    def close(self) -> None:
        """Stop listening (``serve_forever`` returns). Connections already accepted are not touched."""
        self._closed.set()
        self._listener.close()

    def __enter__(self) -> TLSServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------------

    def _accept_raw(self) -> tuple[socket.socket, Address]:
        raw, address = self._listener.accept()
        raw.settimeout(None)  # blocking; do_handshake applies the handshake deadline
        return raw, address

    def _handshake(
        self, raw: socket.socket, address: Address, on_failure: FailureHandler | None = None, *, admitted: bool = False
    ) -> TLSSocket:
        """The handshake with an accepted client; ``admitted``: counted by ``self.admission`` (serve_forever)."""
        if self.before_handshake is not None:
            try:
                self.before_handshake(raw, address)
            except BaseException:
                raw.close()
                if admitted:
                    self.admission.handshake_done()
                raise
        try:
            tls = TLSSocket(raw, self.new_connection(self.config))
        except BaseException:
            raw.close()  # the client must not wait for a handshake that will never come
            if admitted:
                self.admission.handshake_done()
            raise
        tls.linger_after_fatal_alert = True
        if admitted:
            self.admission.handshaking(tls)
        try:
            try:
                tls.do_handshake(self.handshake_timeout, max_bytes=self.limits.max_handshake_bytes)
            finally:
                if admitted:
                    self.admission.handshake_done(tls)
        except BaseException as exc:
            try:
                if on_failure is not None and isinstance(exc, TLSError):
                    on_failure(tls, address, exc)
            except Exception:
                logger.exception("on_failure failed for %s", address)
            finally:
                tls.linger_after_alert()
                raw.close()
            raise
        raw.settimeout(self.timeout)
        tls.idle_timeout = self.limits.idle_timeout
        return tls

    def _serve_one(
        self,
        raw: socket.socket,
        address: Address,
        handler: Callable[[TLSSocket], None],
        on_failure: FailureHandler | None,
    ) -> None:
        try:
            tls = self._handshake(raw, address, on_failure, admitted=True)
        except TLSError as exc:
            # A warning, unless on_failure took the report (then a debug line: the caller says it its way).
            level = logging.WARNING if on_failure is None else logging.DEBUG
            logger.log(level, "handshake with %s failed: %s", address, exc)
            self.admission.connection_done()
            return
        except Exception:
            logger.exception("handshake with %s failed", address)
            self.admission.connection_done()
            return
        try:
            with tls:
                handler(tls)
        except IdleTimeout as exc:
            logger.info("closed %s: %s", format_address(address[0], address[1]), exc)
        except Exception:
            logger.exception("handler failed for %s", address)
        finally:
            self.admission.connection_done()


__all__ = ["TLSServer"]
