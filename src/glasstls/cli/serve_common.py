"""What ``glasstls serve``'s two servers share: the threaded one (cli/serve.py) and the asyncio one (cli/serve_aio.py).

The report of one connection (:class:`ConnectionReport`, handed to ``on_handshake`` and ``on_done``), the modes
and request bound, the ``--www`` page and the KeyUpdate on every connection. The layers: serve.py (the command,
the threaded server) imports serve_aio.py and pages.py; all three import this module, which imports none of them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from glasstls.cli import legacy_warnings
from glasstls.config import ServerConfig
from glasstls.connection import ServerConnection
from glasstls.errors import TLSError, UsageError
from glasstls.events import Negotiated
from glasstls.explain import Explanation
from glasstls.starttls import Transcript
from glasstls.trace.render import negotiated_summary

__all__ = [
    "HANDSHAKE_TIMEOUT",
    "MAX_REQUEST",
    "ConnectionReport",
    "ConnectionServer",
    "Mode",
    "key_update_all",
    "www_page",
]

Mode = Literal["echo", "www"]

#: A client has this long to complete its handshake (a person typing into openssl s_client needs less; a
#: client that sends its hello a byte at a time is dropped after this).
HANDSHAKE_TIMEOUT = 10.0
#: The most a --www request may be before its blank line.
MAX_REQUEST = 16 * 1024


@dataclass
class ConnectionReport:
    """What happened on one connection (handed to ``on_done`` when it ends)."""

    number: int
    peer: str
    conn: ServerConnection
    started: float
    handshake_time: float | None = None
    negotiated: Negotiated | None = None
    explanation: Explanation | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    notes: list[str] = field(default_factory=list)
    #: --starttls: what was said in plain text before TLS began.
    plaintext: Transcript | None = None


class ConnectionServer(Protocol):
    """What both servers offer the command's other parts (cli/pages.py watches their connections)."""

    def make_connections_with(self, factory: Callable[[ServerConfig], ServerConnection]) -> None:
        """Make each new connection with ``factory`` from now on (``serve --html/--trace`` keeps its records)."""


class _KeyUpdating(Protocol):
    def key_update(self, request_peer: bool = True) -> None: ...


def key_update_all(live: Iterable[tuple[int, _KeyUpdating]], request_peer: bool) -> list[str]:
    """A KeyUpdate on each of the ``live`` connections, by number (RFC 8446 section 4.6.3; ``request_peer``:
    update_requested, the client updates its keys too); one line per connection saying what happened."""
    lines: list[str] = []
    for number, tls in live:
        try:
            tls.key_update(request_peer=request_peer)
        except (UsageError, TLSError, OSError) as e:
            lines.append(f"#{number}: no KeyUpdate: {e}")
            continue
        asked = " (update_requested: the client updates its keys too)" if request_peer else ""
        lines.append(f"#{number}: sent KeyUpdate: new traffic keys for what the server sends{asked}")
    return lines or ["no established connection to send a KeyUpdate on"]


def www_page(negotiated: Negotiated, request_line: str, report: ConnectionReport) -> str:
    """A small HTML page describing the negotiated connection (public facts only)."""
    rows = [
        ("client certificate", value) if label == "peer certificate" else (label, value)
        for label, value in negotiated_summary(negotiated)
    ]
    if not negotiated.peer_certificates:
        rows.append(("client certificate", "none"))
    rows += [("warning", text) for text in legacy_warnings(negotiated)]
    if report.handshake_time is not None:
        rows.append(("handshake time", f"{report.handshake_time * 1000:.2f} ms"))
    rows.append(("request", request_line))
    cells = "\n".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in rows)
    return (
        "<!doctype html>\n<html><head><title>glasstls</title></head><body>\n"
        "<h1>glasstls: your TLS connection</h1>\n"
        f"<table>\n{cells}\n</table>\n</body></html>\n"
    )
