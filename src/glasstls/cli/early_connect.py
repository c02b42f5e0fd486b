"""``glasstls connect --early-data FILE`` (issue 15): TLS 1.3 0-RTT from the command line.

Early data needs a session ticket from an earlier connection to the same server, and ``glasstls connect`` keeps no
sessions between runs, so (like ``gnutls-cli --resume --earlydata``) it first makes one ordinary connection that
only collects the server's tickets, then connects again, resuming, with the file's contents as early data. The
outcome (accepted, or rejected and why) is printed; rejected data is NOT sent again (the server did not process
it: send it yourself, on standard input, if doing so is safe).
"""

from __future__ import annotations

import argparse
import socket
import time
from pathlib import Path

from glasstls.cli import CliError
from glasstls.config import ClientConfig
from glasstls.connection import ClientConnection
from glasstls.errors import TLSError
from glasstls.events import EarlyDataRejected
from glasstls.io.sync import TLSSocket

#: How long the first connection waits for the server's TLS 1.3 tickets (sent right after the handshake).
TICKET_WAIT = 2.0
#: Bound on the file given to --early-data: the protocol allows at most 2^32 - 1, servers far less (OpenSSL and
#: GnuTLS default to 16384); more than this is a mistake on the command line.
MAX_EARLY_DATA_FILE = 1 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--early-data",
        metavar="FILE",
        help="send FILE as TLS 1.3 0-RTT early data (as s_client -early_data): a first connection collects a "
        "session ticket, the second resumes with FILE sent before the handshake completes (replayable, no "
        "forward secrecy)",
    )


def read(args: argparse.Namespace) -> bytes | None:
    path = getattr(args, "early_data", None)
    if not path:
        return None
    try:
        data = Path(path).read_bytes()[: MAX_EARLY_DATA_FILE + 1]
    except OSError as e:
        raise CliError(f"--early-data {path}: {e.strerror or e}") from None
    if not data or len(data) > MAX_EARLY_DATA_FILE:
        raise CliError(f"--early-data {path}: give a file of 1..{MAX_EARLY_DATA_FILE} bytes")
    return data


def fetch_ticket(host: str, port: int, config: ClientConfig, server_name: str, timeout: float) -> str | None:
    """One connection that waits for the server's session tickets (stored in ``config.session_store`` under
    ``server_name``, where the next ClientConnection looks); None, or why no ticket came."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            tls = TLSSocket(sock, ClientConnection(config, server_name=server_name))
            tls.do_handshake(timeout)
            deadline = time.monotonic() + TICKET_WAIT
            while not tls.session_tickets and time.monotonic() < deadline and not tls.peer_closed:
                try:
                    tls.recv(1, timeout=0.05)
                except TimeoutError:
                    continue
            tls.close(wait_for_peer=0.0)
            return None if tls.session_tickets else "the server sent no TLS 1.3 session ticket"
    except (OSError, TLSError) as e:
        return f"the first connection (for a ticket) failed: {e}"


def outcome(tls: TLSSocket) -> str | None:
    """One line: what became of the early data (None: none was offered)."""
    answer = tls.early_data_answer
    if answer is None:
        return None
    if isinstance(answer, EarlyDataRejected):
        return f"0-RTT early data NOT accepted: {answer.reason} (not sent again)"
    return f"0-RTT early data accepted: {answer.size} bytes, sent before the handshake finished (replayable)"
