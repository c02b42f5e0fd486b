"""Addresses: the listening socket for a host (IPv4, IPv6 or both), its backlog, and ``host:port`` for people.

``listen(host, port)`` picks the address family from the host (RFC 4291 text forms, or a name resolved with
``getaddrinfo``): ``127.0.0.1`` and ``0.0.0.0`` listen on IPv4, ``::1`` on IPv6 only, ``::`` on IPv6 *and* IPv4
(dual stack, IPv4 clients appear as ``::ffff:a.b.c.d``) where the kernel allows it, ``""`` on every IPv4 address.

The listen backlog defaults to the system maximum: a burst of connections waits in the kernel's accept queue
instead of overflowing it (an overflowed queue drops the client's SYN, which it resends only after a second or
more). The kernel caps the value at ``net.core.somaxconn`` anyway, so asking for that is asking for "all".
"""

from __future__ import annotations

import socket
from pathlib import Path

from glasstls.errors import ConnectionLost

__all__ = ["connect_failed", "format_address", "listen", "system_backlog"]

#: Where Linux publishes the largest listen backlog it grants.
_SOMAXCONN_FILE = Path("/proc/sys/net/core/somaxconn")


def system_backlog() -> int:
    """The largest listen backlog the system grants: net.core.somaxconn on Linux, else socket.SOMAXCONN."""
    try:
        value = int(_SOMAXCONN_FILE.read_text().strip())
    except (OSError, ValueError):
        return socket.SOMAXCONN
    return max(value, 1)


def format_address(host: object, port: object) -> str:
    """``host:port`` as people and URLs write it: an IPv6 address in brackets (``[::1]:4433``, RFC 3986 3.2.2)."""
    text = str(host)
    return f"[{text}]:{port}" if ":" in text else f"{text}:{port}"


def connect_failed(host: object, port: object, exc: OSError) -> ConnectionLost:
    """The error for a TCP connect to ``host:port`` that failed with ``exc`` (the caller raises it ``from exc``)."""
    detail = exc.strerror or str(exc) or type(exc).__name__
    return ConnectionLost(f"connecting to {format_address(host, port)} failed: {detail}", step="TCP connect")


def _family(host: str, port: int) -> socket.AddressFamily:
    """The family to listen on for ``host``: an address literal decides by its form; a name by its first
    getaddrinfo answer (``OSError``, a ``socket.gaierror``, when it does not resolve)."""
    if host == "":
        return socket.AF_INET
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.split("%", 1)[0])  # fe80::1%lo: a scope id after the address
            return family
        except OSError:
            continue
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    return socket.AddressFamily(infos[0][0])


def listen(host: str, port: int, backlog: int | None = None) -> socket.socket:
    """A listening TCP socket on ``host:port`` in the family the host calls for; ``backlog`` None: the system
    maximum (:func:`system_backlog`). ``OSError`` when the address cannot be used."""
    family = _family(host, port)
    dual_stack = family == socket.AF_INET6 and host == "::" and socket.has_dualstack_ipv6()
    return socket.create_server(
        (host, port),
        family=family,
        backlog=system_backlog() if backlog is None else backlog,
        dualstack_ipv6=dual_stack,
    )
