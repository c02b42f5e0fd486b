"""``glasstls demo`` (``make demo``): a whole TLS 1.3 connection on this machine, explained step by step.

1. A throwaway PKI in a temporary directory: a root CA, an intermediate CA, server and client certificates.
2. A glasstls server on 127.0.0.1 (an ephemeral port, in a thread) and a glasstls client.
3. The handshake as a story (glasstls.trace.render), told from both sides on one clock: what the client
   offered, what the server chose, the certificate chain and each check, the keys (labels only), Finished both
   ways, the encrypted data, the close; each step with the time it took.
4. Two connections that fail (a wrong host name, an untrusted CA), and how each is explained.

Secrets are never printed. With ``--keylog FILE`` (or SSLKEYLOGFILE), the client's secrets go to that file
(and only there). The throwaway PKI is removed when the demo ends, unless ``--keep-pki``.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from glasstls.cli import command_name, open_keylog, pages, throwaway_directory
from glasstls.cli.output import Output
from glasstls.cli.serve import ConnectionReport, Server
from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection
from glasstls.errors import TLSError
from glasstls.events import Negotiated
from glasstls.explain import Explanation, explain
from glasstls.io.sync import TLSSocket
from glasstls.pki.testpki import make_ca, make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.trace.events import TraceEvent
from glasstls.trace.keylog import KeyLogFile
from glasstls.trace.render import build_story, negotiated_summary
from glasstls.wire.enums import CipherSuite, ProtocolVersion

__all__ = ["add_arguments", "run"]

MESSAGE = b"Hello over TLS, from the glasstls demo!\n"


class _Clock:
    """One clock for both sides. Each connection times its steps on its own clock (seconds since it was made,
    ``config.monotonic``); a side's first step is reported (the trace sink) as soon as it ends, which gives the
    offset from that connection's clock to this one."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.events: list[TraceEvent] = []
        self._offsets: dict[str, float] = {}
        self._lock = threading.Lock()

    def sink(self, event: TraceEvent) -> None:
        now = time.perf_counter() - self.t0
        with self._lock:
            if event.seq == 0 or event.side not in self._offsets:  # a new connection on that side
                self._offsets[event.side] = now - (event.time + event.duration)
            self.events.append(dataclasses.replace(event, time=event.time + self._offsets[event.side]))

    def note(self, summary: str) -> None:
        """A step the connection does not trace itself: the client's application data, as the demo sends it."""
        event = TraceEvent(
            seq=-1,
            time=time.perf_counter() - self.t0,
            side="client",
            kind="record",
            step="application data",
            summary=summary,
        )
        with self._lock:
            self.events.append(event)


@dataclass
class _Attempt:
    negotiated: Negotiated | None
    explanation: Explanation | None
    server_explanation: Explanation | None
    conn: ClientConnection


def _client_connect(
    port: int,
    config: ClientConfig,
    server_name: str,
    clock: _Clock | None,
    reports: dict[int, ConnectionReport],
    done: threading.Condition,
) -> _Attempt:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn = ClientConnection(config, server_name=server_name)
    pages.watch(conn)  # bounded; the page is written only with --html
    tls = TLSSocket(sock, conn)
    explanation: Explanation | None = None
    negotiated: Negotiated | None = None
    try:
        tls.do_handshake(5)
        negotiated = tls.negotiated
        if negotiated is not None and negotiated.version == ProtocolVersion.TLS13:
            _await_tickets(tls)
        before = tls.wire_bytes_sent
        tls.sendall(MESSAGE)
        sent = tls.wire_bytes_sent - before
        if clock is not None:
            layout = (
                "record header, 8-byte explicit nonce, ciphertext, 16-byte tag"  # RFC 5288 (TLS 1.2 AES-GCM)
                if negotiated is not None and negotiated.version == ProtocolVersion.TLS12
                else "record header, ciphertext, content type, 16-byte tag"  # RFC 8446 5.2
            )
            clock.note(
                f"client sent {len(MESSAGE)} bytes: {MESSAGE.decode().strip()!r} ({sent} bytes on the wire: {layout})"
            )
        echoed = b""
        try:
            while len(echoed) < len(MESSAGE):
                data = tls.recv(len(MESSAGE) - len(echoed), timeout=5)
                if not data:
                    break
                echoed += data
        except TimeoutError:
            pass  # reported below: fewer bytes came back
        if clock is not None:
            clock.note(f"client received the echo: {len(echoed)} bytes, decrypted and authenticated")
    except TLSError as e:
        explanation = explain(e, side="client")
    finally:
        tls.close(wait_for_peer=1.0)
    # The server reports the connection when it has finished with it.
    with done:
        done.wait_for(lambda: len(reports) >= 1, timeout=3)
        report = next(iter(reports.values()), None)
        reports.clear()
    return _Attempt(negotiated, explanation, report.explanation if report else None, conn)


#: How long the demo waits for the server's TLS 1.3 session tickets before it sends its data.
TICKET_WAIT = 1.0
#: How often it looks whether they have arrived.
TICKET_POLL = 0.01


def _await_tickets(tls: TLSSocket) -> None:
    """Let the server's NewSessionTickets (sent right after it checks the client's Finished, RFC 8446 4.6.1)
    arrive before the demo sends its data, so that the story tells them in the same place on every run, however
    busy the machine. Nothing else can arrive: the echo server sends data only after ours."""
    deadline = time.monotonic() + TICKET_WAIT
    while not tls.session_tickets and time.monotonic() < deadline:
        try:
            tls.recv(1, timeout=TICKET_POLL)  # takes in the records that arrived; no data will
        except TimeoutError:
            continue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-about", action="store_true", help="leave out the one-line explanation of each step")
    parser.add_argument("--tls12", action="store_true", help="show a TLS 1.2 handshake (ECDHE) instead of TLS 1.3")
    parser.add_argument(
        "--rsa-key-exchange",
        action="store_true",
        help="show the TLS 1.2 RSA key exchange: the client encrypts the premaster secret to the server's RSA key "
        "(legacy: no forward secrecy)",
    )
    parser.add_argument(
        "--keylog", metavar="FILE", help="append the client's NSS key log lines (secrets!) to FILE; SSLKEYLOGFILE too"
    )
    parser.add_argument(
        "--keep-pki", action="store_true", help="keep the throwaway test PKI (private keys included) after the demo"
    )
    pages.add_html_option(parser)


def run(args: argparse.Namespace, out: Output) -> int:
    keylog = open_keylog(args.keylog)  # a bad --keylog is a usage error before anything is made or printed
    pages.check_html_target(args.html)
    with ExitStack() as cleanup:
        directory = throwaway_directory("glasstls-demo-", cleanup, keep=args.keep_pki)
        status = _run(args, out, keylog, directory)
        if args.keep_pki:
            out.info(f"the throwaway test PKI is kept in {directory} (--keep-pki); its keys are unencrypted")
        return status
    raise AssertionError("not reached")  # mypy: ExitStack may swallow exceptions


def _run(args: argparse.Namespace, out: Output, keylog: KeyLogFile | None, directory: Path) -> int:
    started = time.perf_counter()
    tls12 = bool(args.tls12 or args.rsa_key_exchange)
    rsa_kx = bool(args.rsa_key_exchange)
    what = (
        "TLS 1.2 connection with the RSA key exchange"
        if rsa_kx
        else ("TLS 1.2 connection" if tls12 else "TLS 1.3 connection")
    )
    out.heading(f"glasstls demo: a {what}, step by step")
    pki = make_test_pki(("localhost", "127.0.0.1"), directory=directory)
    files = pki.files
    assert files is not None
    kept = "kept after the demo (--keep-pki)" if args.keep_pki else "removed when the demo ends"
    out.line(f"1. A throwaway PKI in {directory} ({kept}):")
    out.table(
        [
            ("root.pem", f"root CA: {pki.root.subject} (the client trusts this one)"),
            ("intermediate.pem", f"intermediate CA: {pki.intermediate.subject}, issued by the root"),
            ("server-ecdsa.pem/.key", f"server: {pki.server_ecdsa.subject} for localhost, 127.0.0.1 (ECDSA P-256)"),
            ("server-rsa.pem/.key", f"server: {pki.server_rsa.subject} (RSA 2048)"),
            ("client.pem/.key", f"client: {pki.client.subject}"),
        ]
    )

    clock = _Clock()
    reports: dict[int, ConnectionReport] = {}
    done = threading.Condition()

    def on_done(report: ConnectionReport) -> None:
        with done:
            reports[report.number] = report
            done.notify_all()

    server_files = files.server_rsa if rsa_kx else files.server_ecdsa
    server_chain = CertificateChain.from_files(server_files.cert, server_files.key)
    server_config = ServerConfig(
        certificates=(server_chain,),
        alpn_protocols=("http/1.1",),
        trace=clock.sink,
        allow_rsa_key_exchange=rsa_kx,  # legacy, named: the demo shows the RSA key exchange only when asked
    )
    server = Server(server_config, "127.0.0.1", 0, mode="echo", on_done=on_done)
    server.start()
    out.line("")
    out.line(f"2. A glasstls server listens on 127.0.0.1:{server.port} (echo); a glasstls client connects to it")
    out.info("   as 'localhost', trusting only root.pem, offering ALPN http/1.1.")
    if keylog is not None:
        out.info(f"   Key log: the client's secrets go to {keylog.path} (never to this screen).")
    trust = TrustStore.from_file(files.root)
    legacy: dict[str, object] = {}
    if tls12:
        legacy["max_version"] = ProtocolVersion.TLS12
    if rsa_kx:
        out.warning(
            "   the RSA key exchange has no forward secrecy: whoever later obtains the server's RSA key can decrypt "
            "a recorded session. It is off by default; this demo turns it on to show how it works."
        )
        legacy.update(allow_rsa_key_exchange=True, cipher_suites=(CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,))
    client_config = ClientConfig(
        trust=trust,
        alpn_protocols=("http/1.1",),
        trace=clock.sink,
        keylog=pages.DemoKeyLog(keylog) if args.html else keylog,  # --html: the throwaway secrets on the page
        **legacy,  # type: ignore[arg-type]
    )
    try:
        good = _client_connect(server.port, client_config, "localhost", clock, reports, done)
        out.line("")
        out.heading("3. The handshake (client and server, one clock)")
        out.story(build_story(clock.events, negotiated=good.negotiated), about=not args.no_about)
        pages.print_ladder(out, good.conn)
        if args.html:
            demo_keylog = client_config.keylog if isinstance(client_config.keylog, pages.DemoKeyLog) else None
            title = f"glasstls demo: a {what}"
            pages.write_connection_page(
                args.html, good.conn, out, title=title, explanation=good.explanation, demo_keylog=demo_keylog
            )
        if good.negotiated is not None:
            out.table(negotiated_summary(good.negotiated), title="Negotiated:")
        else:
            assert good.explanation is not None
            out.explanation(good.explanation, "the demo connection failed")
            return 1

        out.line("")
        out.heading("4. Two connections that fail, and how glasstls explains them")
        out.line("a) The client asks for 'wrong.example', a name the server's certificate does not list:")
        wrong = _client_connect(server.port, ClientConfig(trust=trust), "wrong.example", None, reports, done)
        _show_failure(out, wrong)
        _failure_page(args, out, wrong, "wrong-name", "glasstls demo: a connection to a name the certificate lacks")

        out.line("b) The client trusts another CA, not the one that issued the server's certificate:")
        stranger = make_ca("some other root CA")
        other = TrustStore.from_certificates([stranger.certificate], source="a trust store with another root CA")
        untrusted = _client_connect(server.port, ClientConfig(trust=other), "localhost", None, reports, done)
        _show_failure(out, untrusted)
        _failure_page(args, out, untrusted, "untrusted", "glasstls demo: a connection to a server of an unknown CA")
    finally:
        server.shutdown(wait=1.0)
    elapsed = time.perf_counter() - started
    out.line("")
    out.success(f"demo done in {elapsed:.2f} s. Try it yourself, in two terminals:")
    glasstls = command_name()
    out.line(
        f"  {glasstls} certs pki                    # a test PKI in ./pki\n"
        f"  {glasstls} serve --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key --trace\n"
        f"  {glasstls} connect localhost:4433 --cafile pki/root.pem --trace"
    )
    return 0


def _failure_page(args: argparse.Namespace, out: Output, attempt: _Attempt, suffix: str, title: str) -> None:
    """--html FILE: the failed connections' pages beside it (FILE's stem + suffix)."""
    if args.html:
        path = Path(args.html)
        target = path.with_name(f"{path.stem}-{suffix}{path.suffix or '.html'}")
        pages.write_connection_page(target, attempt.conn, out, title=title, explanation=attempt.explanation)


def _show_failure(out: Output, attempt: _Attempt) -> None:
    if attempt.explanation is None:
        out.warning("expected a failure, but the connection succeeded")
        return
    out.explanation(attempt.explanation, title="client: connection failed")
    if attempt.server_explanation is not None:
        out.info(f"   and the server's log says: {attempt.server_explanation.cause}")
    out.line("")
