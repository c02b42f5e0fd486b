"""``glasstls serve``: a TLS 1.3 server for tests and learning (what people use ``openssl s_server`` for).

Each connection runs in its own thread; a failing client never stops the server: its failure is explained
(glasstls.explain) and the server goes on. ``--echo`` (default) sends back what it receives; ``--www`` answers a
GET request with a small page describing the negotiated connection (as ``openssl s_server -www`` does).
Ctrl-C stops the server cleanly.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from glasstls.cli import (
    CliError,
    add_protocol_options,
    check_listen_address,
    check_port,
    command_name,
    fleet_options,
    legacy_warnings,
    no_ems_warning,
    open_keylog,
    pages,
    protocol_settings,
    throwaway_directory,
    www,
)
from glasstls.cli.output import Output, OutputClosed
from glasstls.cli.serve_aio import AsyncServer
from glasstls.cli.serve_common import (
    HANDSHAKE_TIMEOUT,
    MAX_REQUEST,
    ConnectionReport,
    Mode,
    key_update_all,
    www_page,
)
from glasstls.config import CertificateChain, ClientAuth, ServerConfig
from glasstls.connection import ServerConnection
from glasstls.errors import ConfigError, TLSError
from glasstls.explain import explain
from glasstls.io.address import format_address, system_backlog
from glasstls.io.limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HANDSHAKE_BYTES,
    DEFAULT_MAX_HANDSHAKES,
    STALLED_HELLO_SECONDS,
    ServerLimits,
)
from glasstls.io.server import TLSServer
from glasstls.io.sync import Address, TLSSocket
from glasstls.pki.revocation import describe_ocsp_response
from glasstls.pki.testpki import make_test_pki
from glasstls.pki.trust import TrustStore
from glasstls.starttls import SERVER_PROTOCOLS, Transcript, run_prelude, server_prelude, server_session
from glasstls.trace.render import build_story

__all__ = ["ConnectionReport", "Server", "add_arguments", "run"]

#: An established connection that moves no application data for this long is closed (glasstls.io.limits).
IDLE_TIMEOUT = DEFAULT_IDLE_TIMEOUT
#: The largest --ocsp-response file read (a real OCSP response is a few kilobytes).
MAX_OCSP_RESPONSE = 1024 * 1024
#: What --www speaks: it answers in HTTP/1.0, which an HTTP/1.1 client accepts (RFC 9112 section 2.6).
WWW_PROTOCOLS = ("http/1.1", "http/1.0")


class Server:
    """A threaded TLS server on ``host:port`` (port 0: an ephemeral port, see ``.port``), on
    :class:`glasstls.io.server.TLSServer`: one thread per connection, and a failing client never stops it."""

    def __init__(
        self,
        config: ServerConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        mode: Mode = "echo",
        on_done: Callable[[ConnectionReport], None] | None = None,
        on_handshake: Callable[[ConnectionReport], None] | None = None,
        limits: ServerLimits | None = None,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        starttls: str | None = None,
        root: Path | None = None,
    ) -> None:
        self.config = config
        self.root = root  # --www --root DIR
        self.starttls = starttls
        self.handshake_timeout = handshake_timeout
        self.mode: Mode = mode
        self.on_done = on_done
        self.on_handshake = on_handshake
        self.limits = limits if limits is not None else ServerLimits()
        self.server = TLSServer(
            host,
            port,
            config,
            handshake_timeout=handshake_timeout,
            timeout=self.limits.idle_timeout,  # also bounds a send to a client that stopped reading
            limits=self.limits,
        )
        self.host, self.port = self.server.address
        self._counter = itertools.count(1)
        self._threads: set[threading.Thread] = set()
        self._threads_lock = threading.Lock()
        self._transcripts: dict[socket.socket, Transcript] = {}
        self._live: dict[int, TLSSocket] = {}  # established connections by number (key_update_all)
        if starttls is not None:
            self.server.before_handshake = self._prelude

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever(self._handle, on_failure=self._failed)
        finally:
            self.server.close()

    def start(self) -> threading.Thread:
        """Serve in a background thread (the demo and tests); ``shutdown()`` stops it."""
        thread = threading.Thread(target=self.serve_forever, name="glasstls-server", daemon=True)
        thread.start()
        return thread

    def shutdown(self, wait: float = 2.0) -> None:
        """Stop accepting; give the connections in progress up to ``wait`` seconds to end."""
        self.server.close()
        deadline = time.monotonic() + wait
        with self._threads_lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))

    # -- one connection -------------------------------------------------------------------------------

    def _report(self, tls: TLSSocket, address: Address) -> ConnectionReport:
        assert isinstance(tls.connection, ServerConnection)
        handshake = tls.handshake_time
        started = time.perf_counter() - (handshake or 0.0)
        peer = format_address(address[0], address[1])
        return ConnectionReport(next(self._counter), peer, tls.connection, started, handshake)

    def _failed(self, tls: TLSSocket, address: Address, error: TLSError) -> None:
        """A client whose handshake failed (TLSServer already sent the alert)."""
        report = self._report(tls, address)
        report.explanation = explain(error, side="server")
        with self._threads_lock:
            report.plaintext = self._transcripts.pop(tls.socket, None)
        self._done(report, tls)

    def _prelude(self, raw: socket.socket, address: Address) -> None:
        """--starttls: the plain-text greeting, capabilities and upgrade, before the handshake (bounded by the
        handshake timeout and glasstls.starttls's limits). A client that leaves or fails here is reported."""
        assert self.starttls is not None
        transcript = Transcript(self.starttls)
        raw.settimeout(self.handshake_timeout)
        try:
            run_prelude(raw, server_prelude(self.starttls), transcript, me="server")
        except TLSError as e:
            peer = format_address(address[0], address[1])
            report = ConnectionReport(next(self._counter), peer, ServerConnection(self.config), time.perf_counter())
            report.explanation, report.plaintext = explain(e, side="server"), transcript
            if self.on_done is not None:
                self.on_done(report)
            raise
        finally:
            raw.settimeout(None)
        with self._threads_lock:
            self._transcripts[raw] = transcript

    def _handle(self, tls: TLSSocket) -> None:
        """A client that completed its handshake (TLSServer closes the socket after this returns)."""
        current = threading.current_thread()
        with self._threads_lock:
            self._threads.add(current)
        try:
            address: Address = tls.getpeername()
        except OSError:  # the client is already gone (its socket was reset)
            address = ("?", "?")
        report = self._report(tls, address)
        report.negotiated = tls.negotiated
        with self._threads_lock:
            report.plaintext = self._transcripts.pop(tls.socket, None)
            self._live[report.number] = tls
        try:
            if tls.early_data:  # accepted 0-RTT: replayable (RFC 8446 section 8); echoed like any data
                report.notes.append(f"{len(tls.early_data)} bytes of 0-RTT early data accepted (replayable)")
            if self.on_handshake is not None:
                self.on_handshake(report)
            if self.starttls is not None:  # the protocol's minimal session, over TLS now
                run_prelude(tls, server_session(self.starttls), Transcript(self.starttls), me="server", after_tls=True)
            elif self.mode == "www":
                self._www(tls, report)
            else:
                self._echo(tls)
        except TLSError as e:
            report.explanation = explain(e, side="server")
        except TimeoutError:
            report.notes.append(f"closed after {self.limits.idle_timeout:g} s without application data")
        finally:
            with self._threads_lock:
                self._live.pop(report.number, None)
            tls.close(wait_for_peer=0.0)
            self._done(report, tls)
            with self._threads_lock:
                self._threads.discard(current)

    def make_connections_with(self, factory: Callable[[ServerConfig], ServerConnection]) -> None:
        """Make each new connection with ``factory`` (serve_common.ConnectionServer)."""
        self.server.new_connection = factory

    def key_update_all(self, request_peer: bool = True) -> list[str]:
        """Send a KeyUpdate on every established TLS 1.3 connection (RFC 8446 section 4.6.3; ``request_peer``:
        update_requested, the client updates its keys too); one line per connection saying what happened."""
        with self._threads_lock:
            live = sorted(self._live.items())
        return key_update_all(live, request_peer)

    def _done(self, report: ConnectionReport, tls: TLSSocket) -> None:
        report.bytes_in, report.bytes_out = tls.bytes_received, tls.bytes_sent
        if self.on_done is not None:
            self.on_done(report)

    @staticmethod
    def _echo(tls: TLSSocket) -> None:
        if tls.early_data:
            tls.sendall(tls.early_data)
        while data := tls.recv(65536):  # b"": the client closed
            tls.sendall(data)

    def _www(self, tls: TLSSocket, report: ConnectionReport) -> None:
        request = tls.early_data  # a GET sent as 0-RTT early data (replayable: fine for a page without effects)
        while b"\r\n\r\n" not in request and b"\n\n" not in request:
            data = tls.recv(65536)
            if not data:
                return
            request += data
            if len(request) > MAX_REQUEST:
                break
        negotiated = report.negotiated
        assert negotiated is not None
        for piece in www.reply(request, self.root, lambda first: www_page(negotiated, first, report)):
            tls.sendall(piece)


# -- the command -----------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4433, help="port (default 4433; 0 picks a free one)")
    parser.add_argument("--cert", action="append", metavar="FILE", help="certificate chain, PEM (repeatable)")
    parser.add_argument("--key", action="append", metavar="FILE", help="private key for the --cert before it")
    parser.add_argument(
        "--ocsp-response",
        action="append",
        metavar="FILE",
        help="DER OCSP response to staple for the leaf of the --cert in the same position (repeatable, in order)",
    )
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--require-client-cert", action="store_true", help="mutual TLS: a client certificate is required")
    auth.add_argument("--request-client-cert", action="store_true", help="ask for a client certificate (optional)")
    parser.add_argument("--cafile", help="CA certificates that issue client certificates (PEM)")
    parser.add_argument(
        "--client-identity",
        action="append",
        metavar="NAME",
        help="accept only client certificates with this name in subjectAltName or subject CN (repeatable)",
    )
    parser.add_argument(
        "--client-profile",
        choices=("rfc5280", "web"),
        help="certificate profile for client chains on top of path validation: rfc5280 (default: RFC 5280 "
        "section 4 rules only) or web (also the CA/Browser Forum key-size, curve and root rules)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--echo", dest="mode", action="store_const", const="echo", help="echo data back (default)")
    mode.add_argument(
        "--www",
        dest="mode",
        action="store_const",
        const="www",
        help="answer GET with a page; GET /bytes/N answers N bytes; with --root, the files under DIR",
    )
    parser.add_argument("--root", metavar="DIR", help="with --www: serve the files under DIR (as s_server -WWW)")
    parser.set_defaults(mode="echo")
    parser.add_argument(
        "--aio",
        action="store_true",
        help="serve on one asyncio event loop instead of a thread per client (thousands of idle clients; the same "
        "limits and output; not with --starttls)",
    )
    parser.add_argument(
        "--starttls",
        choices=SERVER_PROTOCOLS,
        metavar="PROTO",
        help=f"speak PROTO in plain text first ({', '.join(SERVER_PROTOCOLS)}: greeting, capabilities, the "
        "upgrade), then TLS and a minimal session of that protocol",
    )
    parser.add_argument(
        "--keep-pki",
        action="store_true",
        help="without --cert: keep the throwaway test PKI (private keys included) when the server stops",
    )
    add_limit_options(parser)
    add_protocol_options(parser)
    fleet_options.add_server_options(parser)  # --early-data, --session-store
    pages.add_html_option(parser, directory=True)


def _positive(kind: Callable[[str], int | float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r}: give a positive number")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """What one client may take (glasstls.io.limits); the help says the defaults and why."""
    group = parser.add_argument_group(
        "limits",
        "What one client may take. At the connection or handshake cap new clients wait in the listen queue "
        f"(the system maximum, {system_backlog()} here) until a connection ends: they are not refused. At the "
        f"handshake cap, a handshake whose ClientHello began over {STALLED_HELLO_SECONDS:g} s ago and is still "
        "incomplete is dropped for a waiting client.",
    )
    group.add_argument(
        "--max-connections",
        type=_positive(int),
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"concurrent connections, one thread each (default {DEFAULT_MAX_CONNECTIONS})",
    )
    group.add_argument(
        "--max-handshakes",
        type=_positive(int),
        default=DEFAULT_MAX_HANDSHAKES,
        metavar="N",
        help=f"concurrent unfinished handshakes (default {DEFAULT_MAX_HANDSHAKES})",
    )
    group.add_argument(
        "--max-handshake-bytes",
        type=_positive(int),
        default=DEFAULT_MAX_HANDSHAKE_BYTES,
        metavar="BYTES",
        help=f"bytes a client may send before its handshake completes (default {DEFAULT_MAX_HANDSHAKE_BYTES}; "
        "a client sending more is dropped)",
    )
    group.add_argument(
        "--handshake-timeout",
        type=_positive(float),
        default=HANDSHAKE_TIMEOUT,
        metavar="SECONDS",
        help=f"time a client has to complete its handshake (default {HANDSHAKE_TIMEOUT:g})",
    )
    group.add_argument(
        "--idle-timeout",
        type=_positive(float),
        default=IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"close a connection after this long without application data either way (default {IDLE_TIMEOUT:g}); "
        "records that carry none (empty records, key updates) do not count",
    )


def build_limits(args: argparse.Namespace) -> ServerLimits:
    return ServerLimits(
        max_connections=args.max_connections,
        max_handshakes=args.max_handshakes,
        max_handshake_bytes=args.max_handshake_bytes,
        idle_timeout=args.idle_timeout,
    )


def _read_ocsp_response(path: str) -> bytes:
    """An ``--ocsp-response`` file: readable, and a DER OCSP response (RFC 6960 section 4.2.1)."""
    try:
        with open(path, "rb") as f:
            der = f.read(MAX_OCSP_RESPONSE + 1)
    except OSError as e:
        raise CliError(f"--ocsp-response {path}: cannot read the OCSP response file: {e.strerror or e}") from None
    if len(der) > MAX_OCSP_RESPONSE:
        raise CliError(f"--ocsp-response {path}: larger than {MAX_OCSP_RESPONSE} bytes, not an OCSP response")
    if "error" in describe_ocsp_response(der):
        raise CliError(
            f"--ocsp-response {path}: not a DER OCSP response (RFC 6960); `glasstls certs DIR --revocation` "
            "writes examples (ocsp-good.der)"
        )
    return der


def _www_alpn(alpn: tuple[str, ...], out: Output) -> tuple[str, ...]:
    """--www answers HTTP/1.x only: offer only those of the --alpn protocols (RFC 7301 section 3.2: a server
    must not select a protocol it does not speak, or the client talks h2 to an HTTP/1.0 answer)."""
    spoken = tuple(p for p in alpn if p in WWW_PROTOCOLS)
    dropped = [p for p in alpn if p not in WWW_PROTOCOLS]
    if alpn and not spoken:
        raise CliError(f"--www answers HTTP/1.x only: --alpn {','.join(alpn)} leaves nothing it speaks (http/1.1)")
    if dropped:
        out.warning(f"--www answers HTTP/1.x only: not offering {', '.join(dropped)}")
    return spoken


def build_config(args: argparse.Namespace, out: Output, *, cleanup: ExitStack | None = None) -> ServerConfig:
    """The server's configuration from the command line (``out``: where warnings go, standard error)."""
    return prepare(args, out, cleanup)[0]


def prepare(
    args: argparse.Namespace, out: Output, cleanup: ExitStack | None = None
) -> tuple[ServerConfig, Path | None]:
    """The configuration, and the throwaway PKI's directory when there is no --cert (removed when ``cleanup``
    closes, or at exit, unless --keep-pki)."""
    # Start-up checks first: nothing is made, opened or printed before the whole command line is good.
    check_port(args.port)
    check_listen_address(args.host, args.port)
    if getattr(args, "root", None) and (args.mode != "www" or not Path(args.root).is_dir()):
        raise CliError(f"--root {args.root}: give --www and an existing directory")
    if getattr(args, "aio", False) and getattr(args, "starttls", None):
        raise CliError("--starttls runs on the threaded server only: leave out --aio")
    if getattr(args, "starttls", None) and args.mode == "www":
        raise CliError("give --starttls or --www, not both (--starttls runs that protocol's session after TLS)")
    certs: list[str] = args.cert or []
    keys: list[str] = args.key or []
    if len(certs) != len(keys):
        raise CliError("give --cert and --key in pairs: one --key after each --cert")
    staples: list[str] = args.ocsp_response or []
    if len(staples) > len(certs):
        raise CliError("give at most one --ocsp-response per --cert, in the same order as the --cert options")
    settings = protocol_settings(args)
    if args.mode == "www":
        settings["alpn_protocols"] = _www_alpn(settings["alpn_protocols"], out)
    client_auth: ClientAuth = (
        "required" if args.require_client_cert else ("optional" if args.request_client_cert else "none")
    )
    if client_auth != "none" and certs and not args.cafile:
        raise CliError("--require-client-cert / --request-client-cert need --cafile (the CAs of the clients)")
    identities = tuple(args.client_identity or ())
    if identities and client_auth == "none":
        raise CliError("--client-identity needs --require-client-cert or --request-client-cert")
    if args.client_profile and client_auth == "none":
        raise CliError("--client-profile needs --require-client-cert or --request-client-cert")
    ocsp_responses = [_read_ocsp_response(path) for path in staples]
    client_trust = TrustStore.from_file(args.cafile) if args.cafile else None
    keylog = open_keylog(args.keylog)
    directory: Path | None = None
    if certs:
        try:
            loaded = [CertificateChain.from_files(c, k) for c, k in zip(certs, keys, strict=True)]
        except (OSError, ValueError) as e:
            raise CliError(f"cannot load the certificate or key: {e}") from e
        chains = tuple(
            replace(chain, ocsp_response=ocsp_responses[i]) if i < len(ocsp_responses) else chain
            for i, chain in enumerate(loaded)
        )
    else:
        hosts = ["localhost", "127.0.0.1"]
        if args.host not in ("0.0.0.0", "::", "") and args.host not in hosts:
            hosts.append(args.host)
        directory = throwaway_directory("glasstls-serve-", cleanup, keep=args.keep_pki)
        pki = make_test_pki(tuple(hosts), directory=directory)
        chains = tuple(CertificateChain((c.certificate, *c.chain), c.key) for c in (pki.server_ecdsa, pki.server_rsa))
        if client_trust is None and client_auth != "none":
            client_trust = pki.trust_store()  # the throwaway PKI's root, which issued its client.pem
        kept = "kept after the server stops (--keep-pki)" if args.keep_pki else "removed when the server stops"
        out.warning(
            f"no --cert given: serving throwaway test certificates for {', '.join(hosts)} from {directory} ({kept}); "
            f"clients trust them with --cafile {directory / 'root.pem'} "
            f"(client certificate: {directory / 'client.pem'}, {directory / 'client.key'})"
        )
    config = ServerConfig(
        **settings,
        certificates=chains,
        client_auth=client_auth,
        client_trust=client_trust,
        client_identities=identities,
        client_certificate_profile=args.client_profile or "rfc5280",
        keylog=keylog,
    )
    return fleet_options.apply_server_options(config, args), directory


def report_line(report: ConnectionReport) -> str:
    n = report.negotiated
    assert n is not None
    client_cert = n.peer_certificates[0].subject.rfc4514_string() if n.peer_certificates else "none"
    took = f"{(report.handshake_time or 0) * 1000:.1f} ms"
    version = str(n.version).replace("TLS1", "TLS 1.")  # TLS13 -> TLS 1.3
    if n.group is not None:
        group = str(n.group)
    elif n.resumed:
        group = "resumed TLS 1.2 session (no new key exchange)"  # the earlier master secret is reused
    else:
        group = "no ECDHE group (RSA key exchange)"
    line = (
        f"#{report.number} {report.peer}: handshake ok in {took}: {version}, {n.cipher_suite}, {group}, "
        f"ALPN {n.alpn_protocol or 'none'}, SNI {n.server_name or 'none'}, client certificate {client_cert}"
    )
    legacy = [text.split(":", 1)[0] for text in legacy_warnings(n)]  # "no forward secrecy", "legacy CBC"
    return line + (f" [{'; '.join(legacy)}]" if legacy else "")


def run(args: argparse.Namespace, out: Output, err: Output | None = None) -> int:
    """Serve until Ctrl-C (or SIGTERM). Connection reports go to ``out``; warnings to ``err`` (standard error),
    so that ``listening on HOST:PORT`` is the first line on standard output."""
    err = err if err is not None else out
    pages.check_html_target(args.html, directory=True)
    with ExitStack() as cleanup:
        try:
            config, directory = prepare(args, err, cleanup)
        except ConfigError as e:
            raise CliError(str(e)) from e
        if (legacy_ems := no_ems_warning(args)) is not None:
            err.warning(legacy_ems)
        try:
            server: Server | AsyncServer
            if args.aio:  # one asyncio loop, no thread per client (cli/serve_aio.py)
                server = AsyncServer(
                    config,
                    args.host,
                    args.port,
                    mode=args.mode,
                    limits=build_limits(args),
                    handshake_timeout=args.handshake_timeout,
                    root=Path(args.root) if args.root else None,
                )
            else:
                server = Server(
                    config,
                    args.host,
                    args.port,
                    mode=args.mode,
                    limits=build_limits(args),
                    handshake_timeout=args.handshake_timeout,
                    starttls=args.starttls,
                    root=Path(args.root) if args.root else None,
                )
        except OSError as e:
            raise CliError(f"cannot listen on {format_address(args.host, args.port)}: {e.strerror or e}") from e
        if args.html or args.trace:
            pages.watch_connections(server)  # each connection keeps its records, for its page and ladder
        if directory is not None:
            host = "localhost" if args.host in ("127.0.0.1", "localhost", "0.0.0.0", "::", "") else args.host
            target = format_address(host, server.port)
            err.info(f"try: {command_name()} connect {target} --cafile {directory / 'root.pem'}")
            if args.keep_pki:
                cleanup.callback(err.info, f"the throwaway test PKI is kept in {directory} (--keep-pki)")
        return _serve(args, server, out, err)
    raise AssertionError("not reached")  # mypy: ExitStack may swallow exceptions


def _key_update_on_signal(server: Server | AsyncServer, out: Output) -> None:
    """SIGUSR1 (``kill -USR1 PID``): a KeyUpdate with update_requested on every established connection, as
    s_server's ``K`` command; told per connection, and in each connection's --trace."""
    if not hasattr(signal, "SIGUSR1") or threading.current_thread() is not threading.main_thread():
        return

    def send() -> None:
        for line in server.key_update_all(request_peer=True):
            out.info(line)

    def on_signal(signum: int, frame: object) -> None:
        threading.Thread(target=send, name="glasstls-key-update", daemon=True).start()  # not in the handler

    signal.signal(signal.SIGUSR1, on_signal)


def _serve(args: argparse.Namespace, server: Server | AsyncServer, out: Output, err: Output) -> int:
    stdout_closed = threading.Event()

    def reporting(report_to: Callable[[ConnectionReport], None]) -> Callable[[ConnectionReport], None]:
        """A connection thread's report; when standard output is gone (``| head -1``), stop the server
        quietly, as a Unix tool stops when its pipe closes."""

        def report(report: ConnectionReport) -> None:
            try:
                report_to(report)
            except OutputClosed:
                stdout_closed.set()
                server.server.close()

        return report

    def on_handshake(report: ConnectionReport) -> None:
        out.success(report_line(report))
        assert report.negotiated is not None
        for warning in legacy_warnings(report.negotiated):
            err.warning(f"#{report.number}: {warning}")

    def on_done(report: ConnectionReport) -> None:
        if report.plaintext is not None and (args.trace or report.negotiated is None):
            out.heading(f"#{report.number} {report.peer}: plain text before TLS ({report.plaintext.protocol.upper()})")
            for line in report.plaintext.lines():
                out.line(line)
        if report.explanation is not None:
            out.explanation(report.explanation, title=f"#{report.number} {report.peer}: connection failed")
        if args.trace:
            out.heading(f"#{report.number} {report.peer}: the handshake, as the server saw it")
            out.story(
                build_story(report.conn.trace, negotiated=report.negotiated, negotiated_side="server"), about=False
            )
            pages.print_ladder(out, report.conn)
        if args.html:
            page = Path(args.html) / f"connection-{report.number}.html"
            title = f"glasstls serve: connection #{report.number} from {report.peer}"
            pages.write_connection_page(
                page, report.conn, out, title=title, explanation=report.explanation, keylog_path=args.keylog
            )
        if report.explanation is None:
            notes = "".join(f"; {note}" for note in report.notes)  # e.g. the idle budget ran out
            out.info(f"#{report.number} closed: {report.bytes_in} bytes received, {report.bytes_out} bytes sent{notes}")

    server.on_handshake = reporting(on_handshake)
    server.on_done = reporting(on_done)
    _key_update_on_signal(server, out)
    try:
        # Tests read this line to learn the port: keep its form, and flush it at once.
        out.line(f"listening on {format_address(server.host, server.port)}")
        mode = f"STARTTLS {args.starttls.upper()}" if args.starttls else args.mode
        out.info(f"mode: {mode}; Ctrl-C to stop; kill -USR1 {os.getpid()} sends a KeyUpdate on each connection")
        server.serve_forever()
    except KeyboardInterrupt:
        err.info("stopping (Ctrl-C)")
        server.shutdown(wait=1.0)
    finally:
        server.server.close()
    if stdout_closed.is_set():
        server.shutdown(wait=1.0)  # let the connections in progress end
        raise OutputClosed("standard output")
    return 0
