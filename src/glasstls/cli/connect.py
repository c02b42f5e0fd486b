"""``glasstls connect HOST[:PORT]``: a TLS 1.3 client (what people use ``openssl s_client`` for, friendlier).

After the handshake, standard input goes to the server and what the server sends goes to standard output. The
end of standard input does not cut the reply short: the client keeps reading until the server closes or
``--idle-timeout`` seconds pass without data. Everything else (status, ``--trace``, failures explained) goes to
standard error, so that ``glasstls connect host:443 > page.html`` keeps only the server's bytes.

With ``--json`` standard output carries one JSON document instead (schema: :data:`JSON_SCHEMA`).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from dataclasses import replace
from typing import BinaryIO

from glasstls.cli import (
    CliError,
    add_protocol_options,
    check_idle_timeout,
    early_connect,
    legacy_flags,
    legacy_warnings,
    no_ems_warning,
    open_keylog,
    pages,
    protocol_settings,
    resume,
)
from glasstls.cli.output import Output, OutputClosed, silence
from glasstls.config import CertificateChain, ClientConfig
from glasstls.connection import ClientConnection
from glasstls.errors import ConfigError, TLSError, UsageError
from glasstls.events import Negotiated
from glasstls.explain import Explanation, explain, explain_os_error
from glasstls.io.address import format_address
from glasstls.io.sync import RECV_SIZE, TLSSocket
from glasstls.pki.crl_files import load_crls
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import ChainReport, report_of
from glasstls.starttls import CLIENT_PROTOCOLS, DEFAULT_PORTS, Transcript, client_prelude, run_prelude
from glasstls.trace.render import build_story, negotiated_as_dict, negotiated_summary

__all__ = ["JSON_SCHEMA", "add_arguments", "build_config", "parse_target", "run"]

#: The ``--json`` document: its ``schema`` value and keys (see the README's CLI reference).
JSON_SCHEMA = "glasstls.connect/1"
JSON_KEYS = (
    "schema",
    "ok",
    "target",
    "negotiated",
    "timings",
    "bytes",
    "received",
    "error",
    "warnings",
    "trace",
    "starttls",
    "resumption",
)

DEFAULT_PORT = 443
CONNECT_TIMEOUT = 10.0
HANDSHAKE_TIMEOUT = 10.0
#: How often the reader looks at the idle timer while the server is silent.
POLL_INTERVAL = 0.1


def parse_target(target: str) -> tuple[str, int]:
    """HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 address."""
    host, port = target, DEFAULT_PORT
    if target.startswith("["):
        end = target.find("]")
        if end < 0:
            raise CliError(f"bad target {target!r}: missing ']'")
        host, rest = target[1:end], target[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise CliError(f"bad target {target!r}")
            port = _port(rest[1:], target)
    elif target.count(":") == 1:
        host, _, text = target.partition(":")
        port = _port(text, target)
    if not host:
        raise CliError(f"bad target {target!r}: no host")
    return host, port


def _port(text: str, target: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise CliError(f"bad port in {target!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="HOST[:PORT]", help="where to connect (port 443 by default)")
    parser.add_argument("--servername", help="the name to ask for (SNI) and verify (default: HOST)")
    parser.add_argument("--cafile", help="trust the CA certificates in this PEM file (instead of the system's)")
    parser.add_argument("--capath", help="trust the CA certificates in this directory")
    parser.add_argument("--cert", help="client certificate chain (PEM), for servers that ask for one")
    parser.add_argument("--key", help="private key of --cert (PEM)")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="DANGEROUS: do not verify the server's certificate (anyone in the middle can read everything)",
    )
    parser.add_argument(
        "--crl", action="append", metavar="FILE", help="a CRL file or directory of CRLs to check the chain against"
    )
    parser.add_argument(
        "--revocation",
        choices=("off", "soft-fail", "hard-fail"),
        default="soft-fail",
        help="off; soft-fail (default: reject what is proven revoked); hard-fail (the leaf needs a fresh status)",
    )
    parser.add_argument(
        "--profile",
        choices=("web", "rfc5280"),
        default="web",
        help="certificate profile on top of path validation: web (default: CA/Browser Forum Baseline "
        "Requirements) or rfc5280 (RFC 5280 section 4 rules only, for private PKIs)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document (trace and result)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the server's data and errors")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="after standard input ends, stop when the server is silent this long (default 3)",
    )
    parser.add_argument(
        "--starttls",
        choices=CLIENT_PROTOCOLS,
        metavar="PROTO",
        help="speak PROTO's plain-text prelude first, then upgrade to TLS (as openssl s_client -starttls): "
        f"{', '.join(CLIENT_PROTOCOLS)}; the port defaults to the protocol's",
    )
    resume.add_arguments(parser)
    add_protocol_options(parser)
    early_connect.add_arguments(parser)  # --early-data FILE
    pages.add_html_option(parser)


def build_config(args: argparse.Namespace) -> ClientConfig:
    check_idle_timeout(args.idle_timeout)
    settings = protocol_settings(args)
    trust: TrustStore | None = None
    if args.cafile and args.capath:
        raise CliError("give --cafile or --capath, not both")
    if args.cafile:
        trust = TrustStore.from_file(args.cafile)
    elif args.capath:
        trust = TrustStore.from_directory(args.capath)
    chain: CertificateChain | None = None
    if bool(args.cert) != bool(args.key):
        raise CliError("give --cert and --key together")
    if args.cert:
        try:
            chain = CertificateChain.from_files(args.cert, args.key)
        except (OSError, ValueError) as e:
            raise CliError(f"cannot load the client certificate or key: {e}") from e
    groups = settings.pop("groups", None)
    config = ClientConfig(
        **settings,
        trust=trust,
        dangerous_skip_verification=bool(args.insecure),
        client_certificate=chain,
        revocation=args.revocation,
        crls=load_crls(args.crl) if args.crl else (),
        certificate_profile=args.profile,
        keylog=open_keylog(args.keylog),
    )
    if groups:
        # The first group named gets the key share in the first ClientHello; the rest via HelloRetryRequest.
        config = replace(config, groups=groups, key_share_groups=groups[:1])
    return config


class _Result:
    def __init__(self, host: str, port: int, server_name: str) -> None:
        self.host, self.port, self.server_name = host, port, server_name
        self.started = time.perf_counter()
        self.connected: float | None = None
        self.handshake: float | None = None
        self.finished: float | None = None
        self.negotiated: Negotiated | None = None
        self.explanation: Explanation | None = None
        self.error_type: str | None = None
        self.report: ChainReport | None = None  # the certificate verification report of a failed check
        self.received = bytearray()
        self.tls: TLSSocket | None = None
        self.conn: ClientConnection | None = None
        self.truncated = False  # the server closed without close_notify
        self.starttls: Transcript | None = None  # --starttls: what was said in plain text before TLS
        #: --sess-in / --reconnect / --sess-out: resumed or not and why, each reconnect, sessions saved.
        self.resumption: dict[str, object] | None = None

    def warnings(self) -> list[str]:
        """What a careful reader should know about a connection that worked: legacy choices, no authentication,
        possible truncation."""
        if self.negotiated is None:
            return []
        out = legacy_warnings(self.negotiated)
        if self.negotiated.verified_chain is None:
            out.append("the server was NOT authenticated (--insecure)")
        if self.truncated:
            out.append("the server closed the connection without close_notify: the data may be truncated")
        return out

    def document(self, include_data: bool) -> dict[str, object]:
        def ms(moment: float | None) -> float | None:
            return None if moment is None else round((moment - self.started) * 1000, 3)

        tls = self.tls
        error: dict[str, object] | None = None
        if self.explanation is not None:
            error = {"type": self.error_type, **self.explanation.as_dict()}
        return {
            "schema": JSON_SCHEMA,
            "ok": self.explanation is None,
            "target": {"host": self.host, "port": self.port, "server_name": self.server_name},
            "negotiated": (
                {**negotiated_as_dict(self.negotiated), **legacy_flags(self.negotiated)}
                if self.negotiated is not None
                else None
            ),
            "timings": {
                "connect_ms": ms(self.connected),
                "handshake_ms": ms(self.handshake),
                "total_ms": ms(self.finished),
            },
            "bytes": {
                "sent": tls.bytes_sent if tls else 0,
                "received": tls.bytes_received if tls else 0,
                "wire_sent": tls.wire_bytes_sent if tls else 0,
                "wire_received": tls.wire_bytes_received if tls else 0,
            },
            "received": self.received.decode("utf-8", "replace") if include_data else None,
            "error": error,
            "warnings": self.warnings(),
            "trace": [e.as_dict() for e in self.conn.trace] if self.conn is not None else [],
            "starttls": self.starttls.as_dict() if self.starttls is not None else None,
            "resumption": self.resumption,
        }


def _stdin_fd() -> int | None:
    try:
        return sys.stdin.fileno() if sys.stdin is not None else None
    except (AttributeError, ValueError, OSError):
        return None


def _stdout_binary() -> BinaryIO:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    raise UsageError("standard output has no binary buffer")


class _StdinPump:
    """Copies standard input to the server in a thread of its own (TLSSocket is full duplex), so that a reply
    is printed while we are still sending, and a server that waits for our request is never kept waiting."""

    def __init__(self, tls: TLSSocket, commands: bool = False, status: Output | None = None) -> None:
        self.tls = tls
        self.commands = commands  # --commands: lines "k" / "K" send a KeyUpdate instead of going to the server
        self.status = status
        self.ended_at: float | None = None  # when standard input ended (monotonic)
        self.error: BaseException | None = None  # a failure while sending; the reader raises it
        fd = _stdin_fd()
        if fd is None:
            self.ended_at = time.monotonic()
            return
        threading.Thread(target=self._run, args=(fd,), name="glasstls-stdin", daemon=True).start()

    def _run(self, fd: int) -> None:
        try:
            while chunk := os.read(fd, 65536):
                if self.commands:
                    self._send_or_command(chunk)
                else:
                    self.tls.sendall(chunk)
        except (TLSError, OSError) as e:  # OSError: standard input itself (a TLSError is the socket's)
            if isinstance(e, TLSError):
                self.error = e
        except UsageError:
            pass  # the connection was closed meanwhile: nothing more to send
        finally:
            self.ended_at = time.monotonic()


    def _send_or_command(self, chunk: bytes) -> None:
        for line in chunk.splitlines(keepends=True):
            if line.rstrip(b"\r\n") in (b"k", b"K"):
                request = line.startswith(b"K")  # RFC 8446 section 4.6.3: update_requested
                try:
                    self.tls.key_update(request_peer=request)
                except UsageError as e:  # TLS 1.2 has no KeyUpdate
                    if self.status is not None:
                        self.status.warning(f"no KeyUpdate: {e}")
                    continue
                if self.status is not None:
                    asked = " (update_requested: the server updates its keys too)" if request else ""
                    self.status.info(f"sent KeyUpdate: new traffic keys for what we send{asked}")
            else:
                self.tls.sendall(line)


def _exchange(
    tls: TLSSocket,
    result: _Result,
    idle_timeout: float,
    to_stdout: bool,
    commands: bool = False,
    status: Output | None = None,
) -> None:
    """Standard input to the server, the server's data to standard output, until the server closes, or standard
    input has ended and the server has then been silent for ``idle_timeout`` seconds."""
    out = _stdout_binary() if to_stdout else None
    tls.settimeout(None)  # sends block; the reader waits with recv(timeout=...) below
    pump = _StdinPump(tls, commands, status)
    last_data = time.monotonic()
    while True:
        try:
            data = tls.recv(RECV_SIZE, timeout=POLL_INTERVAL)
        except TimeoutError:
            if pump.error is not None:
                raise pump.error from None
            ended = pump.ended_at
            if ended is not None and time.monotonic() - max(ended, last_data) >= idle_timeout:
                return
            continue
        if not data:
            return  # the server closed
        last_data = time.monotonic()
        result.received += data
        if out is not None:
            try:
                out.write(data)
                out.flush()
            except BrokenPipeError:  # the reader went away (| head -1): stop quietly, as Unix tools do
                silence(out)
                raise OutputClosed("standard output") from None


def _has_port(target: str) -> bool:
    """Whether HOST[:PORT] names a port (the forms parse_target accepts)."""
    return "]:" in target if target.startswith("[") else target.count(":") == 1


def run(args: argparse.Namespace, err: Output, out: Output) -> int:
    host, port = parse_target(args.target)
    if args.starttls and not _has_port(args.target):
        port = DEFAULT_PORTS[args.starttls]
    server_name = args.servername or host
    try:
        config = build_config(args)
    except ConfigError as e:
        raise CliError(str(e)) from e
    resume.check(args)
    pages.check_html_target(args.html)
    loaded = resume.load_into(config, args.sess_in, server_name) if args.sess_in else None
    if args.insecure:
        err.warning(
            "--insecure: the server's certificate is NOT verified. Anyone between you and the server can read and "
            "change everything. Use this only in a test lab."
        )
    if (legacy_ems := no_ems_warning(args)) is not None:
        err.warning(legacy_ems)
    result = _Result(host, port, server_name)
    status = err if not args.quiet and not args.json else None
    early = early_connect.read(args)  # --early-data FILE: with --sess-in's ticket, or one fetched first
    fetch = early is not None and not loaded
    why = early_connect.fetch_ticket(host, port, config, server_name, HANDSHAKE_TIMEOUT) if fetch else None
    if why is not None:
        err.warning(f"--early-data: {why}; the data will not go as 0-RTT")
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError as e:
        result.explanation, result.error_type = explain_os_error(e, host=host, port=port), type(e).__name__
        return _finish(args, err, out, result)
    result.connected = time.perf_counter()
    if args.starttls:
        result.starttls = Transcript(args.starttls)
        try:
            run_prelude(sock, client_prelude(args.starttls, server_name), result.starttls)
        except TLSError as e:
            sock.close()
            result.explanation, result.error_type = explain(e, side="client"), type(e).__name__
            return _finish(args, err, out, result)
    conn = ClientConnection(config, server_name=server_name)
    if args.html or args.trace:
        pages.watch(conn)  # keep the records for the page and the ladder
    tls = TLSSocket(sock, conn)
    result.conn, result.tls = conn, tls
    try:
        try:
            tls.do_handshake(HANDSHAKE_TIMEOUT, early_data=early)
            result.negotiated = tls.negotiated
            result.handshake = time.perf_counter()
            if status is not None:
                _print_success(status, result, args.trace)
                if (line := early_connect.outcome(tls)) is not None:
                    status.info(line)
            if loaded is not None or args.reconnect:
                result.resumption = {"first": resume.resumption_why(conn.trace, result.negotiated)}
                if loaded is not None:
                    result.resumption["loaded"] = loaded
                if status is not None:
                    status.info(f"session: {result.resumption['first']}")
            _exchange(tls, result, args.idle_timeout, not args.json, args.commands, status)
            result.truncated = tls.peer_closed and not tls.close_notify_received
            if status is not None and result.truncated:
                status.warning("the server closed the connection without close_notify: the data may be truncated")
        except TLSError as e:
            result.explanation, result.error_type = explain(e, side="client"), type(e).__name__
            result.report = report_of(e)
        except OSError as e:
            result.explanation, result.error_type = explain_os_error(e, host=host, port=port), type(e).__name__
        except KeyboardInterrupt:
            tls.close()
            return 130
        except OutputClosed:
            tls.close()
            raise
    finally:
        tls.close(wait_for_peer=0.2 if result.explanation is None else 0.0)
    if result.explanation is None and (args.reconnect or args.sess_out):
        _after(args, result, config, status)
    return _finish(args, err, out, result)


def _after(args: argparse.Namespace, result: _Result, config: ClientConfig, status: Output | None) -> None:
    """--reconnect N (each resumed or not, and why), then --sess-out FILE."""
    resumption = result.resumption if result.resumption is not None else {}
    if args.reconnect:
        reconnects = resume.reconnect(
            args.reconnect, result.host, result.port, result.server_name, config, args.starttls
        )
        resumption["reconnects"] = reconnects
        for entry in reconnects:
            if status is None:
                continue
            if entry["error"] is not None:
                status.warning(f"reconnect #{entry['number']}: failed: {entry['error']['cause']}")
            else:
                status.info(f"reconnect #{entry['number']}: {entry['why']} ({entry['handshake_ms']:.1f} ms)")
    if args.sess_out:
        saved = resume.save_from(config, args.sess_out, result.server_name)
        resumption["saved"] = saved
        if status is not None:
            status.info(f"saved {saved} session(s) to {args.sess_out} (mode 0600: it holds secrets)")
    result.resumption = resumption


def _print_success(status: Output, result: _Result, trace: bool) -> None:
    assert result.negotiated is not None and result.conn is not None
    if trace:
        _print_starttls(status, result)
        status.heading(f"TLS handshake with {format_address(result.host, result.port)}")
        status.story(build_story(result.conn.trace, negotiated=result.negotiated))
        pages.print_ladder(status, result.conn)
    took = ((result.handshake or 0) - (result.connected or 0)) * 1000
    status.table(
        negotiated_summary(result.negotiated),
        title=f"connected to {format_address(result.host, result.port)} ({took:.1f} ms handshake)",
    )
    for warning in result.warnings():  # legacy choices (TLS 1.2 RSA key exchange, CBC), --insecure
        status.warning(warning)
    status.info("--- data from the server follows (standard input goes to the server) ---")


def _print_starttls(err: Output, result: _Result) -> None:
    """--starttls: the plain-text part, line by line, and where TLS begins."""
    if result.starttls is not None:
        err.heading(f"plain text before TLS ({result.starttls.protocol.upper()} STARTTLS)")
        for line in result.starttls.lines():
            err.line(line)


def _print_after_handshake(err: Output, result: _Result) -> None:
    """--trace: what happened after the handshake (tickets, KeyUpdate, the close), as --json reports it too."""
    assert result.conn is not None
    sections = build_story(result.conn.trace, negotiated=result.negotiated)
    keys = [section.key for section in sections]
    later = sections[keys.index("complete") + 1 :] if "complete" in keys else []
    if later:
        err.heading(f"after the handshake with {result.host}:{result.port}")
        err.story(later)


def _finish(args: argparse.Namespace, err: Output, out: Output, result: _Result) -> int:
    result.finished = time.perf_counter()
    if args.html and result.conn is not None:
        title = f"glasstls connect {format_address(result.host, result.port)}"
        pages.write_connection_page(
            args.html, result.conn, err, title=title, explanation=result.explanation, keylog_path=args.keylog
        )
    if args.json:
        out.json(result.document(include_data=True))
    if result.explanation is None and args.trace and not args.json and not args.quiet and result.conn is not None:
        _print_after_handshake(err, result)
    if result.explanation is not None:
        if not args.json:
            _print_starttls(err, result)
            if args.trace and result.conn is not None and result.conn.trace:
                err.heading(f"TLS handshake with {format_address(result.host, result.port)}")
                err.story(build_story(result.conn.trace))
                pages.print_ladder(err, result.conn)
            if result.report is not None:
                # Issue 5: the person sees the whole verification, not only the check that failed.
                err.heading("certificate verification report")
                for line in result.report.to_text().splitlines():
                    err.line(line)
            where = format_address(result.host, result.port)
            err.explanation(result.explanation, title=f"connection to {where} failed")
        return 1
    return 0
