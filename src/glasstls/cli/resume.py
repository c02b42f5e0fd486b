"""``glasstls connect`` as testers use ``openssl s_client``: sessions across runs (``--sess-out`` /
``--sess-in``), ``--reconnect N`` (N more connections that try to resume, each told resumed or not, and why),
and ``--commands`` (standard input lines ``k`` / ``K`` send a KeyUpdate, as s_client's)."""

from __future__ import annotations

import argparse
import re
import socket
import time
from datetime import UTC, datetime
from typing import Any

from glasstls.cli import CliError
from glasstls.config import ClientConfig
from glasstls.connection import ClientConnection
from glasstls.errors import ConfigError, TLSError
from glasstls.events import Negotiated
from glasstls.explain import explain, explain_os_error
from glasstls.io.sync import TLSSocket
from glasstls.session_file import load_sessions, save_sessions, take_sessions
from glasstls.starttls import Transcript, client_prelude, run_prelude
from glasstls.trace.events import TraceEvent

__all__ = ["MAX_RECONNECT", "add_arguments", "load_into", "reconnect", "resumption_line", "save_from"]

#: --reconnect N: at most this many more connections (s_client makes 5; a tester needs a handful).
MAX_RECONNECT = 100
#: After a reconnect's handshake, how long we wait for the server's TLS 1.3 tickets before closing.
TICKET_WAIT = 1.0
CONNECT_TIMEOUT = 10.0

# What the client's trace says about the session it offered (handshake/client12.py, client13.py).
_ABOUT_SESSIONS = re.compile(
    r"not offering|no longer offering|did not accept|offering a session ticket|offering the TLS 1\.2 session|"
    r"resumed our earlier session"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sess-out",
        metavar="FILE",
        help="save the sessions the server gave (TLS 1.3 tickets, TLS 1.2 session) to FILE, created 0600: "
        "it holds secrets",
    )
    parser.add_argument("--sess-in", metavar="FILE", help="offer the sessions saved in FILE (resumption)")
    parser.add_argument(
        "--reconnect",
        type=int,
        default=0,
        metavar="N",
        help="then N more connections that try to resume, each shown resumed or not and why (as s_client)",
    )
    parser.add_argument(
        "--commands",
        action="store_true",
        help="standard input lines 'k' and 'K' send a KeyUpdate (K asks the server to update too), as s_client",
    )


def check(args: argparse.Namespace) -> None:
    if not 0 <= args.reconnect <= MAX_RECONNECT:
        raise CliError(f"--reconnect N: N between 0 and {MAX_RECONNECT}")


def load_into(config: ClientConfig, path: str, key: str) -> int:
    """Put the sessions of ``path`` in ``config``'s store under ``key``; how many (``CliError`` for a bad file)."""
    if config.session_store is None:
        return 0
    try:
        _server, sessions = load_sessions(path)
    except ConfigError as e:
        raise CliError(f"--sess-in {e}") from None
    for session in sessions:
        config.session_store.store(key, session)
    return len(sessions)


def save_from(config: ClientConfig, path: str, key: str) -> int:
    """Save what ``config``'s store holds for ``key`` to ``path`` (0600); how many sessions."""
    if config.session_store is None:
        return 0
    sessions = take_sessions(config.session_store, key, datetime.now(UTC))
    save_sessions(path, key, sessions)
    for session in sessions:  # still usable by this run
        config.session_store.store(key, session)
    return len(sessions)


def resumption_why(trace: list[TraceEvent], negotiated: Negotiated | None) -> str:
    """Why a handshake resumed or not, from the client's trace."""
    said = [event.summary for event in trace if _ABOUT_SESSIONS.search(event.summary)]
    if negotiated is not None and negotiated.resumed:
        how = "a TLS 1.3 ticket (PSK)" if negotiated.version.name == "TLS13" else "the TLS 1.2 session"
        return f"resumed with {how}"
    if not said:
        return "full handshake: there was no stored session for this server to offer"
    offered = [s for s in said if s.startswith("offering")]
    refused = [s for s in said if not s.startswith("offering")]
    if refused:
        return "full handshake: " + "; ".join(refused)
    if offered:
        return "full handshake: we offered a session, the server chose not to resume it"
    return "full handshake"


def resumption_line(trace: list[TraceEvent], negotiated: Negotiated | None) -> str:
    return resumption_why(trace, negotiated)


def _one(
    number: int, host: str, port: int, server_name: str, config: ClientConfig, starttls: str | None
) -> dict[str, Any]:
    started = time.perf_counter()
    entry: dict[str, Any] = {"number": number, "resumed": False, "why": None, "handshake_ms": None, "error": None}
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError as e:
        entry["error"] = explain_os_error(e, host=host, port=port).as_dict()
        return entry
    conn = ClientConnection(config, server_name=server_name)
    tls = TLSSocket(sock, conn)
    try:
        if starttls is not None:
            run_prelude(sock, client_prelude(starttls, server_name), Transcript(starttls))
        tls.do_handshake(CONNECT_TIMEOUT)
        entry["handshake_ms"] = round((time.perf_counter() - started) * 1000, 3)
        entry["resumed"] = tls.negotiated.resumed
        entry["version"] = tls.negotiated.version.name
        if tls.negotiated.version.name == "TLS13":  # the server's tickets, for the next reconnect
            deadline = time.monotonic() + TICKET_WAIT
            while not tls.session_tickets and not tls.peer_closed and time.monotonic() < deadline:
                try:
                    tls.recv(65536, timeout=0.1)
                except TimeoutError:
                    continue
    except TLSError as e:
        entry["error"] = explain(e, side="client").as_dict()
    except OSError as e:
        entry["error"] = explain_os_error(e, host=host, port=port).as_dict()
    finally:
        tls.close()
    entry["why"] = resumption_why(conn.trace, conn.negotiated)
    return entry


def reconnect(
    count: int, host: str, port: int, server_name: str, config: ClientConfig, starttls: str | None
) -> list[dict[str, Any]]:
    """``count`` more connections with the same configuration (and session store), each told."""
    return [_one(i, host, port, server_name, config, starttls) for i in range(1, count + 1)]
