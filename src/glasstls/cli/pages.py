"""``--html``: the page of a connection (glasstls.page) from ``connect``, ``demo`` and ``serve`` (issue 16).

Secret values go on a page only when the user passed a key log explicitly (``--keylog FILE``: the page reads this
connection's lines back from it) or in the demo (whose keys are throwaway); never from SSLKEYLOGFILE alone.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from glasstls.cli import CliError
from glasstls.cli.output import Output
from glasstls.cli.serve_common import ConnectionServer
from glasstls.config import ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.explain import Explanation
from glasstls.page import NO_SECRETS, build_picture, client_random, parse_keylog, read_secrets, watch, write_page
from glasstls.page.ladder import ladder_lines
from glasstls.record.capture import CapturingRecordLayer, RecordCapture
from glasstls.trace.keylog import KeyLog

__all__ = [
    "DemoKeyLog",
    "add_html_option",
    "capture_of",
    "check_html_target",
    "print_ladder",
    "watch",
    "watch_connections",
    "watched_server_connection",
    "write_connection_page",
]

KEYLOG_NOTE = (
    "Secret values are shown because you passed a key log (--keylog {path}): they are this connection's lines "
    "from it. Anyone with this page can decrypt a capture of this connection."
)
DEMO_NOTE = (
    "Secret values are shown because this is the demo: its keys are throwaway, made for this run and gone after "
    "it. A real connection's page shows them only when you pass a key log yourself (--keylog FILE)."
)


def add_html_option(parser: argparse.ArgumentParser, *, directory: bool = False) -> None:
    if directory:
        parser.add_argument(
            "--html",
            metavar="DIR",
            help="write one self-contained HTML page per connection into DIR (every byte "
            "annotated, the ladder of messages, the key schedule, each check)",
        )
    else:
        parser.add_argument(
            "--html",
            metavar="FILE",
            help="write a self-contained HTML page of the connection to FILE (every byte "
            "annotated, the ladder of messages, the key schedule, each check)",
        )


def check_html_target(path: str | None, *, directory: bool = False) -> None:
    """A bad ``--html`` is a usage error before anything happens (exit status 2, one line)."""
    if path is None:
        return
    target = Path(path)
    if directory:
        if target.exists() and not target.is_dir():
            raise CliError(f"--html {path}: not a directory")
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CliError(f"--html {path}: cannot create the directory ({e.strerror or e})") from e
        return
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir() or not parent.is_dir():
        raise CliError(f"--html {path}: not a file in an existing directory")


def capture_of(conn: ClientConnection | ServerConnection) -> RecordCapture | None:
    records = conn._records
    return records.capture if isinstance(records, CapturingRecordLayer) else None


def watched_server_connection(config: ServerConfig) -> ServerConnection:
    """A ServerConnection that keeps its records for its page (``serve --html``)."""
    conn = ServerConnection(config)
    watch(conn)
    return conn


def watch_connections(server: ConnectionServer) -> None:
    """``serve --html/--trace``: the connections ``server`` makes from now on keep their records."""
    server.make_connections_with(watched_server_connection)


class DemoKeyLog:
    """The demo's key log: lines kept in memory for the page (throwaway keys), and passed on to ``inner``
    (the user's --keylog file) if any."""

    def __init__(self, inner: KeyLog | None) -> None:
        self.inner = inner
        self.lines: list[str] = []

    def log(self, label: str, client_random: bytes, secret: bytes) -> None:
        self.lines.append(f"{label} {client_random.hex()} {secret.hex()}")
        if self.inner is not None:
            self.inner.log(label, client_random, secret)

    def __repr__(self) -> str:
        return f"DemoKeyLog({len(self.lines)} lines)"


def print_ladder(out: Output, conn: ClientConnection | ServerConnection) -> None:
    """--trace: the ladder of the connection's records and messages (rich on a terminal, plain when piped)."""
    capture = capture_of(conn)
    if capture is None or not capture.records:
        return
    out.line("")
    out.line(f"The records on the wire, as the {conn.side} saw them (time from its first record):")
    for text, style in ladder_lines(build_picture(capture.records, conn.side, capture.dropped)):
        out.line(text, style)
    out.line("")


def write_connection_page(
    path: str | os.PathLike[str],
    conn: ClientConnection | ServerConnection,
    out: Output | None,
    *,
    title: str,
    explanation: Explanation | None = None,
    keylog_path: str | None = None,
    demo_keylog: DemoKeyLog | None = None,
) -> Path | None:
    """Write the page of ``conn`` (watched from its start) to ``path``; tell ``out`` where it went."""
    capture = capture_of(conn)
    if capture is None:
        return None
    secrets: dict[str, bytes] | None = None
    note = NO_SECRETS
    random = client_random(capture)
    if random is not None and demo_keylog is not None:
        secrets, note = parse_keylog(demo_keylog.lines, random), DEMO_NOTE
    elif random is not None and keylog_path:
        secrets, note = read_secrets(keylog_path, random), KEYLOG_NOTE.format(path=keylog_path)
    if not secrets:
        secrets, note = None, NO_SECRETS
    try:
        written = write_page(
            path, conn, capture, title=title, explanation=explanation, secrets=secrets, secrets_note=note
        )
    except OSError as e:
        if out is not None:
            out.warning(f"could not write the page {path}: {e.strerror or e}")
        return None
    if out is not None:
        out.info(f"page of the connection written to {written}")
    return written
