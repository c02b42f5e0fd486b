"""STARTTLS: the plain-text preludes that upgrade a connection to TLS, for clients and servers.

A prelude is a generator of operations (send these bytes, read a line, read until a marker, read N bytes) that
ends when TLS may begin, or raises :class:`~glasstls.errors.StartTLSRefused` (the server answered the upgrade
with a refusal) or :class:`~glasstls.errors.StartTLSFailed` (the peer did not speak the protocol, or too
much). It never touches a socket: :func:`run_prelude` drives it over a blocking socket,
:func:`run_prelude_async` over asyncio streams, and both record the exchange as a :class:`Transcript`
(what each side said in plain text, for the trace).

Clients, as ``openssl s_client -starttls`` does: ``smtp`` (RFC 3207), ``imap`` (RFC 3501 section 6.2.1),
``pop3`` (RFC 2595 section 4), ``ftp`` (RFC 4217 section 4), ``xmpp`` (RFC 6120 section 5.4), ``postgres``
(the SSLRequest of PostgreSQL's protocol). Servers: ``smtp``, ``imap``, ``pop3`` answer the greeting,
capabilities and the upgrade; after TLS, :func:`server_session` is a minimal session (accepts and discards a
message, logs anyone in, says goodbye) so that real clients (smtplib, imaplib, poplib) complete.

Pipelining: bytes that arrive after the upgrade's reply and before TLS began are refused (the STARTTLS command
injection of CVE-2011-0411 and the response injection of the NO STARTTLS study, USENIX Security 2021): a
client or server that took them would treat bytes anyone on the path could have written as protected.

Library use, blocking (``starttls_connect``) and asyncio (``open_starttls_connection``)::

    tls, transcript = starttls_connect("mail.example", 587, "smtp", ClientConfig())
    reader, writer, transcript = await open_starttls_connection("mail.example", 587, "smtp", ClientConfig())
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Literal

from glasstls.config import ClientConfig
from glasstls.errors import ConnectionLost, StartTLSFailed, StartTLSRefused
from glasstls.io.address import connect_failed
from glasstls.io.sync import TLSSocket, wrap_socket

__all__ = [
    "CLIENT_PROTOCOLS",
    "SERVER_PROTOCOLS",
    "PlainStep",
    "Transcript",
    "client_prelude",
    "open_starttls_connection",
    "run_prelude",
    "run_prelude_async",
    "server_prelude",
    "server_session",
    "starttls_connect",
]

CLIENT_PROTOCOLS = ("smtp", "imap", "pop3", "ftp", "xmpp", "postgres")
SERVER_PROTOCOLS = ("smtp", "imap", "pop3")
#: Each protocol's usual port with STARTTLS (submission 587, IMAP 143, POP3 110, FTP 21, XMPP 5222, PostgreSQL).
DEFAULT_PORTS = {"smtp": 587, "imap": 143, "pop3": 110, "ftp": 21, "xmpp": 5222, "postgres": 5432}

#: The longest line we read: SMTP limits a reply line to 512 octets (RFC 5321 section 4.5.3.1.5) and a command
#: line to 512; IMAP capability lines and greetings run longer in practice, a few hundred bytes. 8 KiB covers
#: every genuine peer and bounds what a hostile one makes us buffer.
MAX_LINE = 8192
#: The most lines in one reply (an EHLO reply lists one extension a line: a few dozen at most).
MAX_REPLY_LINES = 100
#: The most plain-text bytes a prelude reads in all (XMPP's stream features come in one piece, a few KiB).
MAX_PRELUDE_BYTES = 64 * 1024
#: The most commands a server answers before the upgrade (a client needs EHLO or CAPABILITY, then STARTTLS).
MAX_PLAIN_COMMANDS = 20
#: The most bytes of one message a server-side SMTP session reads after DATA (then it refuses the message).
MAX_MESSAGE = 1024 * 1024
#: Timeout of one read or write while a prelude runs (the peer answers at once or not at all).
PRELUDE_TIMEOUT = 15.0

Sender = Literal["client", "server"]


@dataclass(frozen=True)
class Send:
    data: bytes
    note: str | None = None  # how to show binary data in the transcript


@dataclass(frozen=True)
class ReadLine:
    pass


@dataclass(frozen=True)
class ReadUntil:
    """Read up to and including the first of ``markers`` (XMPP: an XML element, no lines)."""

    markers: tuple[bytes, ...]


@dataclass(frozen=True)
class ReadBytes:
    n: int


Op = Send | ReadLine | ReadUntil | ReadBytes
#: A prelude: yields operations, receives the bytes read (b"" for a Send), returns when TLS may begin.
Prelude = Generator[Op, bytes, None]
#: One command answered in a session after TLS (``_session``): it returns whether the session ends there.
Answer = Generator[Op, bytes, bool]


@dataclass(frozen=True)
class PlainStep:
    """One thing said in plain text: by ``sender``, ``text`` (a line without its CRLF, or a description)."""

    sender: Sender
    text: str


@dataclass
class Transcript:
    """The plain-text part of a connection, before TLS began (``tls_began``: the upgrade was accepted)."""

    protocol: str
    steps: list[PlainStep] = field(default_factory=list)
    tls_began: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "protocol": self.protocol,
            "tls_began": self.tls_began,
            "transcript": [{"sender": s.sender, "text": s.text} for s in self.steps],
        }

    def lines(self) -> list[str]:
        """For people: ``C: EHLO ...`` / ``S: 250 ...``, then where TLS begins."""
        out = [f"{'C' if s.sender == 'client' else 'S'}: {s.text}" for s in self.steps]
        if self.tls_began:
            out.append("--- TLS begins here: the next bytes are the TLS handshake (ClientHello) ---")
        return out


# -- reading replies (shared by the preludes) -----------------------------------------------------------------


def _text(line: bytes) -> str:
    return line.rstrip(b"\r\n").decode("utf-8", "replace")


def _numeric_reply(protocol: str) -> Generator[Op, bytes, tuple[int, list[str]]]:
    """An SMTP (RFC 5321 section 4.2.1) or FTP (RFC 959 section 4.2) reply: ``NNN-text`` lines, ``NNN text``
    last. Returns the code and the lines."""
    lines: list[str] = []
    while True:
        line = _text((yield ReadLine()))
        lines.append(line)
        if len(line) < 3 or not line[:3].isdigit():
            raise StartTLSFailed(
                f"the server's answer {line[:80]!r} is not a {protocol.upper()} reply (three digits first)",
                step="STARTTLS",
                hint=f"is this a {protocol.upper()} server? check the port",
            )
        if line[3:4] != "-":
            return int(line[:3]), lines
        if len(lines) >= MAX_REPLY_LINES:
            raise StartTLSFailed(f"the server's reply has more than {MAX_REPLY_LINES} lines", step="STARTTLS")


def _refused(protocol: str, command: str, answer: str, rfc: str, advertised: bool | None = None) -> StartTLSRefused:
    said = (
        ""
        if advertised is None
        else (
            " (it did not list STARTTLS among its capabilities either)"
            if not advertised
            else " (although it listed STARTTLS among its capabilities)"
        )
    )
    return StartTLSRefused(
        f"the {protocol.upper()} server refused {command}: it answered {answer[:200]!r}{said}; {rfc}",
        step="STARTTLS",
    )


# -- client preludes ---------------------------------------------------------------------------------------------


def _smtp_client(helo_name: str) -> Prelude:
    code, lines = yield from _numeric_reply("smtp")
    if code != 220:
        raise StartTLSFailed(f"the SMTP greeting is {lines[-1]!r}, not 220 (RFC 5321 section 4.3.2)", step="STARTTLS")
    yield Send(f"EHLO {helo_name}\r\n".encode())
    code, lines = yield from _numeric_reply("smtp")
    if code != 250:
        raise StartTLSFailed(f"the server answered EHLO with {lines[-1]!r}", step="STARTTLS")
    advertised = any(line[4:].strip().upper().startswith("STARTTLS") for line in lines[1:])
    yield Send(b"STARTTLS\r\n")
    code, lines = yield from _numeric_reply("smtp")
    if code != 220:
        raise _refused(
            "smtp",
            "STARTTLS",
            lines[-1],
            "RFC 3207 section 4: 220 means go ahead, 454 TLS not available, 501 a syntax error",
            advertised,
        )


def _ftp_client() -> Prelude:
    code, lines = yield from _numeric_reply("ftp")
    if code != 220:
        raise StartTLSFailed(f"the FTP greeting is {lines[-1]!r}, not 220 (RFC 959 section 5.4)", step="STARTTLS")
    yield Send(b"AUTH TLS\r\n")
    code, lines = yield from _numeric_reply("ftp")
    if code != 234:
        raise _refused("ftp", "AUTH TLS", lines[-1], "RFC 4217 section 4: 234 means go ahead; 431 or 5xx a refusal")


def _imap_client() -> Prelude:
    greeting = _text((yield ReadLine()))
    if not greeting.upper().startswith("* OK"):
        raise StartTLSFailed(
            f"the IMAP greeting is {greeting[:200]!r}, not '* OK' (RFC 3501 section 7.1: PREAUTH or BYE leave no "
            "room for STARTTLS)",
            step="STARTTLS",
        )
    yield Send(b"a001 CAPABILITY\r\n")
    advertised = False
    for _ in range(MAX_REPLY_LINES):
        line = _text((yield ReadLine()))
        if line.upper().startswith("* CAPABILITY") and "STARTTLS" in line.upper().split():
            advertised = True
        if line.startswith("a001 "):
            break
    else:
        raise StartTLSFailed(f"no tagged answer to CAPABILITY within {MAX_REPLY_LINES} lines", step="STARTTLS")
    yield Send(b"a002 STARTTLS\r\n")
    for _ in range(MAX_REPLY_LINES):
        line = _text((yield ReadLine()))
        if line.startswith("a002 "):
            if line[5:].upper().startswith("OK"):
                return
            raise _refused(
                "imap", "STARTTLS", line, "RFC 3501 section 6.2.1: OK means go ahead; NO or BAD a refusal", advertised
            )
    raise StartTLSFailed(f"no tagged answer to STARTTLS within {MAX_REPLY_LINES} lines", step="STARTTLS")


def _pop3_client() -> Prelude:
    greeting = _text((yield ReadLine()))
    if not greeting.startswith("+OK"):
        raise StartTLSFailed(f"the POP3 greeting is {greeting[:200]!r}, not +OK (RFC 1939 section 4)", step="STARTTLS")
    yield Send(b"STLS\r\n")
    answer = _text((yield ReadLine()))
    if not answer.startswith("+OK"):
        raise _refused("pop3", "STLS", answer, "RFC 2595 section 4: +OK means go ahead, -ERR a refusal")


def _xmpp_client(domain: str) -> Prelude:
    yield Send(
        f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'>".encode()
    )
    features = yield ReadUntil((b"</stream:features>", b"</stream:stream>", b"<stream:error"))
    if b"</stream:features>" not in features:
        raise StartTLSFailed(f"the XMPP server ended or failed the stream: {_text(features)[-200:]!r}", step="STARTTLS")
    advertised = b"<starttls" in features
    yield Send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    answer = yield ReadUntil((b"<proceed", b"<failure", b"</stream:stream>"))
    closing = yield ReadUntil((b">",))
    if not answer.endswith(b"<proceed"):
        raise _refused(
            "xmpp",
            "<starttls/>",
            _text(answer + closing)[-200:],
            "RFC 6120 section 5.4.2.2: <proceed/> means go ahead, <failure/> a refusal",
            advertised,
        )


#: PostgreSQL's SSLRequest: length 8, then the code 1234 5679 (the protocol's "Message Formats", SSLRequest).
_PG_SSL_REQUEST = struct.pack("!II", 8, 80877103)


def _postgres_client() -> Prelude:
    yield Send(_PG_SSL_REQUEST, note="SSLRequest (8 bytes: length 8, code 80877103)")
    answer = yield ReadBytes(1)
    if answer == b"N":
        raise StartTLSRefused(
            "the PostgreSQL server answered the SSLRequest with 'N': it does not accept TLS (ssl = off in "
            "postgresql.conf, or no certificate configured)",
            step="STARTTLS",
        )
    if answer != b"S":
        raise StartTLSFailed(
            f"the server answered the SSLRequest with {answer!r}, neither 'S' nor 'N': is this PostgreSQL?",
            step="STARTTLS",
        )


def client_prelude(protocol: str, server_name: str | None = None) -> Prelude:
    """The client's prelude for ``protocol`` (one of :data:`CLIENT_PROTOCOLS`). ``server_name``: XMPP's domain."""
    if protocol == "smtp":
        return _smtp_client("glasstls.client")
    if protocol == "imap":
        return _imap_client()
    if protocol == "pop3":
        return _pop3_client()
    if protocol == "ftp":
        return _ftp_client()
    if protocol == "xmpp":
        return _xmpp_client(server_name or "localhost")
    if protocol == "postgres":
        return _postgres_client()
    raise ValueError(f"unknown STARTTLS protocol {protocol!r} (one of {', '.join(CLIENT_PROTOCOLS)})")


# -- server preludes and sessions ---------------------------------------------------------------------------------


def _smtp_server(hostname: str) -> Prelude:
    yield Send(f"220 {hostname} ESMTP glasstls serve --starttls smtp\r\n".encode())
    for _ in range(MAX_PLAIN_COMMANDS):
        command = _text((yield ReadLine()))
        verb = command.split(" ", 1)[0].upper()
        if verb == "EHLO":
            yield Send(f"250-{hostname} greets you\r\n250-8BITMIME\r\n250 STARTTLS\r\n".encode())
        elif verb == "HELO":
            yield Send(f"250 {hostname}\r\n".encode())
        elif verb == "STARTTLS":
            yield Send(b"220 2.0.0 Ready to start TLS\r\n")
            return
        elif verb in ("NOOP", "RSET"):
            yield Send(b"250 2.0.0 OK\r\n")
        elif verb == "QUIT":
            yield Send(b"221 2.0.0 Bye\r\n")
            raise StartTLSRefused("the client quit before STARTTLS", step="STARTTLS")
        else:  # RFC 3207 section 4: a server that requires TLS answers other commands with 530
            yield Send(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
    raise StartTLSFailed(f"no STARTTLS within {MAX_PLAIN_COMMANDS} commands", step="STARTTLS")


def _imap_server(hostname: str) -> Prelude:
    yield Send(f"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] {hostname} glasstls ready\r\n".encode())
    for _ in range(MAX_PLAIN_COMMANDS):
        tag, _, rest = _text((yield ReadLine())).partition(" ")
        verb = rest.split(" ", 1)[0].upper()
        if verb == "CAPABILITY":
            yield Send(f"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n{tag} OK CAPABILITY completed\r\n".encode())
        elif verb == "STARTTLS":
            yield Send(f"{tag} OK Begin TLS negotiation now\r\n".encode())
            return
        elif verb == "NOOP":
            yield Send(f"{tag} OK NOOP completed\r\n".encode())
        elif verb == "LOGOUT":
            yield Send(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
            raise StartTLSRefused("the client logged out before STARTTLS", step="STARTTLS")
        else:
            yield Send(f"{tag} BAD STARTTLS first (RFC 3501 section 6.2.1)\r\n".encode())
    raise StartTLSFailed(f"no STARTTLS within {MAX_PLAIN_COMMANDS} commands", step="STARTTLS")


def _pop3_server(hostname: str) -> Prelude:
    yield Send(f"+OK {hostname} glasstls POP3 ready\r\n".encode())
    for _ in range(MAX_PLAIN_COMMANDS):
        verb = _text((yield ReadLine())).split(" ", 1)[0].upper()
        if verb == "CAPA":
            yield Send(b"+OK capability list follows\r\nSTLS\r\nUSER\r\n.\r\n")
        elif verb == "STLS":
            yield Send(b"+OK Begin TLS negotiation\r\n")
            return
        elif verb == "QUIT":
            yield Send(b"+OK bye\r\n")
            raise StartTLSRefused("the client quit before STLS", step="STARTTLS")
        else:
            yield Send(b"-ERR STLS first (RFC 2595 section 4)\r\n")
    raise StartTLSFailed(f"no STLS within {MAX_PLAIN_COMMANDS} commands", step="STARTTLS")


def server_prelude(protocol: str, hostname: str = "localhost") -> Prelude:
    """The server's prelude for ``protocol`` (one of :data:`SERVER_PROTOCOLS`): greeting, capabilities, the
    upgrade. It raises ``StartTLSRefused`` when the client leaves without upgrading."""
    if protocol == "smtp":
        return _smtp_server(hostname)
    if protocol == "imap":
        return _imap_server(hostname)
    if protocol == "pop3":
        return _pop3_server(hostname)
    raise ValueError(f"unknown STARTTLS server protocol {protocol!r} (one of {', '.join(SERVER_PROTOCOLS)})")


#: The most commands a minimal session answers after TLS (then it says goodbye).
MAX_SESSION_COMMANDS = 1000


def _session(answer: Callable[[str], Answer]) -> Prelude:
    """A minimal session after TLS: each command line the client sends is given to ``answer`` (which says
    whether the session ends), until the client closes or :data:`MAX_SESSION_COMMANDS` were answered."""
    for _ in range(MAX_SESSION_COMMANDS):
        line = yield ReadLine()
        if not line:
            return
        if (yield from answer(_text(line))):
            return


def _smtp_answer(hostname: str, command: str) -> Answer:
    verb = command.split(" ", 1)[0].upper()
    if verb == "EHLO":
        yield Send(f"250-{hostname} greets you over TLS\r\n250-8BITMIME\r\n250 SIZE {MAX_MESSAGE}\r\n".encode())
    elif verb in ("HELO", "MAIL", "RCPT", "NOOP", "RSET"):
        yield Send(b"250 2.0.0 OK\r\n")
    elif verb == "DATA":
        yield Send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        size = 0
        while (data := (yield ReadLine())) not in (b".\r\n", b".\n", b""):
            size += len(data)
            if size > MAX_MESSAGE:
                yield Send(b"552 5.3.4 Message too big\r\n")
                return True
        yield Send(f"250 2.0.0 OK: {size} bytes received and discarded\r\n".encode())
    elif verb == "QUIT":
        yield Send(b"221 2.0.0 Bye\r\n")
        return True
    else:
        yield Send(b"502 5.5.2 Command not implemented\r\n")
    return False


def _imap_answer(hostname: str, command: str) -> Answer:
    tag, _, rest = command.partition(" ")
    verb = rest.split(" ", 1)[0].upper()
    if verb == "CAPABILITY":
        yield Send(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n".encode())
    elif verb in ("LOGIN", "NOOP", "AUTHENTICATE"):
        yield Send(f"{tag} OK {verb} completed\r\n".encode())
    elif verb == "LOGOUT":
        yield Send(f"* BYE {hostname} logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
        return True
    else:
        yield Send(f"{tag} BAD command not implemented by glasstls serve\r\n".encode())
    return False


def _pop3_answer(hostname: str, command: str) -> Answer:
    verb = command.split(" ", 1)[0].upper()
    if verb == "CAPA":
        yield Send(b"+OK capability list follows\r\nUSER\r\n.\r\n")
    elif verb in ("USER", "PASS", "NOOP"):
        yield Send(b"+OK\r\n")
    elif verb == "STAT":
        yield Send(b"+OK 0 0\r\n")
    elif verb == "LIST":
        yield Send(b"+OK 0 messages\r\n.\r\n")
    elif verb == "QUIT":
        yield Send(f"+OK {hostname} says bye\r\n".encode())
        return True
    else:
        yield Send(b"-ERR command not implemented by glasstls serve\r\n")
    return False


def server_session(protocol: str, hostname: str = "localhost") -> Prelude:
    """A minimal session after TLS: SMTP takes messages and discards them, IMAP and POP3 log anyone in to an
    empty mailbox; each says goodbye on QUIT / LOGOUT. Run it with :func:`run_prelude` over the TLS socket."""
    answers: dict[str, Callable[[str, str], Answer]] = {
        "smtp": _smtp_answer,
        "imap": _imap_answer,
        "pop3": _pop3_answer,
    }
    answer = answers[protocol]
    return _session(lambda command: answer(hostname, command))


# -- drivers ------------------------------------------------------------------------------------------------------


class _Buffer:
    """What the driver has read and not yet handed to the prelude; answers an operation or says it needs more."""

    def __init__(self, limit: int | None) -> None:
        self.data = bytearray()
        self.total = 0
        self.limit = limit
        self.eof = False

    def feed(self, data: bytes) -> None:
        if not data:
            self.eof = True
            return
        self.total += len(data)
        if self.limit is not None and self.total > self.limit:
            raise StartTLSFailed(f"the peer sent more than {self.limit} bytes of plain text", step="STARTTLS")
        self.data += data

    def take(self, op: ReadLine | ReadUntil | ReadBytes) -> bytes | None:
        """The bytes ``op`` asks for, or None when more must be read; at EOF what is left (b"" at the end)."""
        data = self.data
        end = -1
        if isinstance(op, ReadLine):
            found = data.find(b"\n")
            end = found + 1 if found >= 0 else -1
            if (end < 0 and len(data) > MAX_LINE) or end > MAX_LINE:
                raise StartTLSFailed(f"a line longer than {MAX_LINE} bytes", step="STARTTLS")
        elif isinstance(op, ReadUntil):
            hits = [(i + len(m)) for m in op.markers if (i := data.find(m)) >= 0]
            end = min(hits) if hits else -1
        elif len(data) >= op.n:
            end = op.n
        if end < 0:
            if not self.eof:
                return None
            end = len(data)
        out = bytes(data[:end])
        del data[:end]
        return out


class _Run:
    """One prelude being driven: the operations, the transcript, the end of stream."""

    def __init__(self, prelude: Prelude, transcript: Transcript, me: Sender, after_tls: bool) -> None:
        self.prelude = prelude
        self.transcript = transcript
        self.me: Sender = me
        self.peer: Sender = "server" if me == "client" else "client"
        self.after_tls = after_tls
        self.buffer = _Buffer(None if after_tls else MAX_PRELUDE_BYTES)
        self.op: Op | None = None
        if after_tls:
            transcript.tls_began = True

    def record(self, sender: Sender, data: bytes, note: str | None = None) -> None:
        if note is not None:
            self.transcript.steps.append(PlainStep(sender, note))
            return
        text = data.decode("utf-8", "replace")
        for line in text.splitlines() or [""]:
            self.transcript.steps.append(PlainStep(sender, line))

    def advance(self, value: bytes) -> bool:
        """Give the prelude ``value``; False when it finished (TLS may begin)."""
        try:
            self.op = self.prelude.send(value) if self.op is not None else next(self.prelude)
        except StopIteration:
            return False
        return True

    def to_send(self) -> bytes | None:
        """The current operation's bytes if it is a Send (recorded), else None (it reads)."""
        op = self.op
        if not isinstance(op, Send):
            return None
        self.record(self.me, op.data, op.note)
        return op.data

    def next_read(self) -> bytes | None:
        """The current read operation's bytes if buffered (recorded), else None."""
        assert self.op is not None and not isinstance(self.op, Send)
        data = self.buffer.take(self.op)
        if data is None:
            return None
        if not data and self.buffer.eof:
            if self.transcript.tls_began:  # a session after TLS: the peer closed
                return b""
            raise StartTLSFailed(
                f"the {self.peer} closed the connection during the plain-text exchange", step="STARTTLS"
            )
        self.record(self.peer, data, "(binary) " + data.hex() if isinstance(self.op, ReadBytes) else None)
        return data

    def finish(self) -> None:
        """The prelude finished: TLS begins now (a session after TLS just ends). Plain text that arrived after
        the upgrade was agreed is refused: anyone on the path could have inserted it (CVE-2011-0411)."""
        if self.after_tls:
            return
        if self.buffer.data:
            raise StartTLSFailed(
                f"{len(self.buffer.data)} bytes of plain text arrived after the upgrade was agreed and before TLS "
                "began; refused: anyone on the path could have inserted them (CVE-2011-0411)",
                step="STARTTLS",
            )
        self.transcript.tls_began = True


def _exchange_failed(exc: OSError) -> ConnectionLost:
    return ConnectionLost(f"the plain-text exchange failed: {exc.strerror or exc}", step="STARTTLS")


def run_prelude(
    sock: socket.socket | TLSSocket,
    prelude: Prelude,
    transcript: Transcript,
    *,
    me: Sender = "client",
    after_tls: bool = False,
) -> None:
    """Drive ``prelude`` over a blocking socket (or, ``after_tls``, a TLS session over a ``TLSSocket``),
    recording the exchange in ``transcript``. Raises ``StartTLSRefused`` / ``StartTLSFailed``;
    ``ConnectionLost`` for a socket failure."""
    run = _Run(prelude, transcript, me, after_tls)
    value = b""
    try:
        while run.advance(value):
            if (out := run.to_send()) is not None:
                sock.sendall(out)
                value = b""
                continue
            while (data := run.next_read()) is None:
                run.buffer.feed(sock.recv(MAX_LINE))
            value = data
    except OSError as exc:
        raise _exchange_failed(exc) from exc
    run.finish()


async def run_prelude_async(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    prelude: Prelude,
    transcript: Transcript,
    *,
    me: Sender = "client",
    after_tls: bool = False,
) -> None:
    """:func:`run_prelude` over asyncio streams (then :func:`glasstls.io.aio.start_tls`)."""
    run = _Run(prelude, transcript, me, after_tls)
    value = b""
    try:
        while run.advance(value):
            if (out := run.to_send()) is not None:
                writer.write(out)
                await writer.drain()
                value = b""
                continue
            while (data := run.next_read()) is None:
                # One byte past what the prelude needs is never read here when the peer waits for us; what a
                # peer pipelines anyway stays in our buffer and is refused below.
                run.buffer.feed(await reader.read(MAX_LINE))
            value = data
    except OSError as exc:
        raise _exchange_failed(exc) from exc
    run.finish()


# -- whole client connections ---------------------------------------------------------------------------------


def starttls_connect(
    host: str,
    port: int,
    protocol: str,
    config: ClientConfig | None = None,
    *,
    server_name: str | None = None,
    timeout: float | None = 30.0,
) -> tuple[TLSSocket, Transcript]:
    """Blocking: TCP connect, the plain-text prelude of ``protocol``, then the TLS handshake (verifying
    ``server_name``, default ``host``). The transcript says what was said before TLS."""
    config = config if config is not None else ClientConfig()
    name = server_name if server_name is not None else host
    prelude = client_prelude(protocol, name)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise connect_failed(host, port, exc) from exc
    transcript = Transcript(protocol)
    try:
        run_prelude(sock, prelude, transcript)
        return wrap_socket(sock, config, server_name=name, handshake_timeout=timeout), transcript
    except BaseException:
        sock.close()
        raise


async def open_starttls_connection(
    host: str,
    port: int,
    protocol: str,
    config: ClientConfig | None = None,
    *,
    server_name: str | None = None,
    timeout: float | None = 30.0,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, Transcript]:
    """asyncio: TCP connect, the prelude of ``protocol``, then ``glasstls.io.aio.start_tls``."""
    from glasstls.io import aio

    config = config if config is not None else ClientConfig()
    name = server_name if server_name is not None else host
    prelude = client_prelude(protocol, name)
    transcript = Transcript(protocol)
    async with asyncio.timeout(timeout):
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            raise connect_failed(host, port, exc) from exc
        try:
            await run_prelude_async(reader, writer, prelude, transcript)
        except BaseException:
            writer.transport.abort()
            raise
    reader, writer = await aio.start_tls(reader, writer, config, server_hostname=name, timeout=timeout)
    return reader, writer, transcript
