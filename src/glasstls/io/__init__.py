"""Thin I/O adapters around the sans-I/O connection (``glasstls.connection``); no protocol logic lives here.

``glasstls.io.sync``: blocking sockets.

* ``connect(host, port, config)`` -> :class:`~glasstls.io.sync.TLSSocket` (TCP connect and handshake).
* ``wrap_socket(sock, config, server_name=..., server_side=...)``: upgrade a connected socket (STARTTLS).

``glasstls.io.server``: :class:`~glasstls.io.server.TLSServer`, the blocking server (on ``glasstls.io.sync``):
listen, ``accept()`` with a handshake timeout, ``serve_forever(handler)``.

``glasstls.io.aio``: asyncio streams (``open_connection``, ``start_server``, ``start_tls``) over a TLS transport
(``glasstls.io.aio_transport``), with asyncio's flow control and the same server limits.

Errors: everything that goes wrong in the protocol or on a connection is a ``glasstls.errors.TLSError``; a socket
failure is ``ConnectionLost`` (its ``__cause__`` is the ``OSError``). The only ``OSError`` that passes through is
``TimeoutError`` from ``recv``/``send`` *after* the handshake, set up with ``settimeout``: the connection is
intact and the call may be retried. Caller mistakes are ``UsageError``.
"""
