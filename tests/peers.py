"""Real TLS peers for the interop tests: OpenSSL, GnuTLS, Python's ``ssl`` and curl, on 127.0.0.1.

Everything here has a hard timeout: a peer that hangs, never listens or never answers fails the test with a
message that says which peer, what it was waiting for, and what the peer printed so far. Processes run in
their own process group and are killed (group-wide) and reaped on exit, so no test leaves a process behind.

Servers are context managers that yield a handle with ``.port`` and ``.output()``::

    with openssl_server(pki.server_ecdsa, pki.server_ecdsa_key, mode="rev") as server:
        ...  # connect a glasstls client to ("127.0.0.1", server.port)
        server.wait_for_output("Protocol version: TLSv1.3")

Which server mode for which test:

* ``openssl_server(mode="rev")``: echo-style tests. ``s_server`` has no plain echo mode; ``-rev`` sends back
  each received *line* reversed (send ``b"hello\\n"``, expect ``b"olleh\\n"``); a line ``CLOSE`` makes it send
  close_notify. Its output is brief: ``Protocol version: TLSv1.3``, ``Ciphersuite: ...``.
* ``openssl_server(mode="interactive")`` (default): what the client sends appears in ``output()``; what the
  test writes with ``server.send(...)`` goes to the client. Its output has ``CIPHER is TLS_AES_...``,
  ``Shared ciphers:`` and ``Supported groups:`` but no protocol version line (use ``rev`` for that).
  Stdin lines that start with ``Q``/``q`` (or are exactly ``k``, ``K``, ``r``, ``R``) are s_server commands.
* ``openssl_server(mode="www")``: an HTTP server whose page describes the session (``GET / HTTP/1.0``); for
  curl and for HTTP-shaped client tests.
* ``gnutls_server(echo=True)``: a true echo server (line oriented: send newline-terminated data).
* ``python_ssl_server()``: an echo server in a thread that records what it negotiated (``.sessions``).

Clients: ``run_openssl_client``, ``run_gnutls_client``, ``run_curl`` return a :class:`PeerResult`;
``run_python_ssl_client`` returns a :class:`PythonClientResult`. To drive a glasstls server in the test's own
thread while a blocking client runs, start the client with :func:`in_background` and take ``.result()``.

Failures of the harness or of a peer raise :class:`PeerError` (an ``AssertionError``: it fails the test).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, ParamSpec, TypeVar
from urllib.parse import urlsplit

import pytest

#: Default time limit for one peer operation (start, handshake and exchange, a client run).
PEER_TIMEOUT = 15.0
#: How long a server may take to start listening.
STARTUP_TIMEOUT = 10.0
#: Grace period between SIGTERM and SIGKILL when stopping a peer process.
KILL_GRACE = 2.0

TLS13_ONLY_GNUTLS = "NORMAL:-VERS-ALL:+VERS-TLS1.3"

StrPath = str | os.PathLike[str]
P = ParamSpec("P")
T = TypeVar("T")


class PeerError(AssertionError):
    """A peer (or the harness) did not do what the test needed: it fails the test, with the peer's output."""


# ---------------------------------------------------------------------------------------------- tools


def in_ci() -> bool:
    """True under CI (``CI=true``), where every interop test must run: a missing tool is a failure."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_tool(name: str) -> str:
    """The path of the executable ``name``; skip the test when it is missing (fail under ``CI=true``)."""
    path = shutil.which(name)
    if path is None:
        reason = f"interop peer {name!r} is not installed (not found on PATH)"
        if in_ci():
            pytest.fail(f"{reason}; CI=true requires every interop test to run (run `make peers`)")
        pytest.skip(f"{reason}; run `make peers` to install it")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for tools that cannot bind port 0 themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------ processes


class PeerProcess:
    """A peer process in its own process group, with stdout/stderr captured by reader threads.

    ``output()`` is stdout and stderr as text, interleaved in arrival order; ``stdout_bytes()`` is the raw
    stdout (where the tools print received application data).
    """

    def __init__(self, argv: Sequence[StrPath], *, name: str | None = None) -> None:
        self.argv = [os.fspath(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        self._lock = threading.Condition()
        self._stdout = bytearray()
        self._stderr = bytearray()
        self._combined: list[bytes] = []
        self._closed_streams = 0
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, True), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream: object, is_stdout: bool) -> None:
        read = getattr(stream, "read1", None) or getattr(stream, "read")  # noqa: B009
        try:
            while True:
                chunk: bytes = read(65536)
                if not chunk:
                    break
                with self._lock:
                    (self._stdout if is_stdout else self._stderr).extend(chunk)
                    self._combined.append(chunk)
                    self._lock.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._closed_streams += 1
                self._lock.notify_all()

    # -- what it printed

    def output(self) -> str:
        """Stdout and stderr so far, as text (undecodable bytes replaced)."""
        with self._lock:
            return b"".join(self._combined).decode("utf-8", "replace")

    def stdout_bytes(self) -> bytes:
        with self._lock:
            return bytes(self._stdout)

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = PEER_TIMEOUT) -> re.Match[str] | None:
        """Wait until ``pattern`` (a regex) appears in ``output()``, or in stdout or stderr alone; ``None`` on
        timeout or process end.

        Stdout and stderr arrive in chunks from two pipes, so in ``output()`` a chunk of one can land inside a line
        of the other ("gplain hello" once cut "depth=2 O = glasstls ..." in two): a line-anchored pattern for
        what one stream printed is also looked for in that stream alone."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for text in (b"".join(self._combined), self._stdout, self._stderr):
                    match = regex.search(bytes(text).decode("utf-8", "replace"))
                    if match is not None:
                        return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed_streams == 2:
                    return None
                self._lock.wait(min(remaining, 0.1))

    # -- input

    def send(self, data: bytes) -> None:
        """Write ``data`` to the process's stdin."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise PeerError(f"{self.name} stopped reading its input ({exc})\n{self.describe()}") from exc

    def close_stdin(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.close()

    # -- lifetime

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float) -> int | None:
        """Wait for the process to exit; its return code, or ``None`` if it is still running."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self._readers:
            reader.join(1.0)
        return code

    def stop(self) -> None:
        """Terminate the whole process group (SIGTERM, then SIGKILL), reap it, and close the pipes."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(KILL_GRACE)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(KILL_GRACE)
        # Children that outlived the leader still belong to the group.
        self._signal(signal.SIGKILL)
        self.close_stdin()
        for reader in self._readers:
            reader.join(1.0)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def describe(self) -> str:
        """The command line, state and output, for failure messages."""
        state = "running" if self.proc.poll() is None else f"exited with {self.proc.returncode}"
        return f"$ {' '.join(self.argv)}\n[{state}]\n--- output ---\n{self.output()}--- end ---"


# ------------------------------------------------------------------------------------------- results


@dataclass
class PeerResult:
    """What a client process did: its return code, raw stdout (received data and status) and all output."""

    argv: list[str]
    returncode: int | None
    stdout: bytes
    output: str

    def check(self) -> PeerResult:
        """Raise :class:`PeerError` unless the process exited with 0; returns self."""
        if self.returncode != 0:
            raise PeerError(
                f"{self.argv[0]} exited with {self.returncode}\n$ {' '.join(self.argv)}\n{self.output}"
            )
        return self


@dataclass
class PythonClientResult:
    """What a Python ``ssl`` client negotiated and received."""

    version: str | None
    cipher: str | None
    alpn: str | None
    received: bytes
    peer_certificate: bytes | None  # DER of the leaf
    closed_by_peer: bool  # the peer ended the stream (close_notify or EOF) before we stopped reading


@dataclass
class PythonSession:
    """What the Python ``ssl`` server saw on one accepted connection."""

    address: tuple[str, int]
    version: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    server_name: str | None = None
    peer_certificate: bytes | None = None
    received: bytes = b""
    error: str | None = None  # the exception text when the handshake or the exchange failed
    done: bool = False


# --------------------------------------------------------------------------------------- background


class Background(Generic[T]):
    """A function in a daemon thread; ``result(timeout)`` re-raises its exception, or fails on timeout."""

    def __init__(self, func: Callable[..., T], *args: object, **kwargs: object) -> None:
        self._name = getattr(func, "__name__", repr(func))
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func, args, kwargs), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> None:
        try:
            self._value = func(*args, **kwargs)
        except BaseException as exc:
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self, timeout: float = PEER_TIMEOUT) -> T:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise PeerError(f"{self._name} did not finish within {timeout:g}s")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def in_background(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Background[T]:
    """Run ``func(*args, **kwargs)`` in a thread (a blocking peer client while the test drives glasstls)."""
    return Background(func, *args, **kwargs)


# ------------------------------------------------------------------------------------------ servers


class ProcessServer:
    """A running server process: ``.host``, ``.port``, ``.output()``, ``.send()``, ``.wait_for_output()``."""

    def __init__(self, process: PeerProcess, host: str, port: int) -> None:
        self.process = process
        self.host = host
        self.port = port

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def output(self) -> str:
        return self.process.output()

    def send(self, data: bytes) -> None:
        """Write to the server's stdin (openssl interactive mode: sent to the connected client)."""
        self.process.send(data)

    def wait_for_output(self, pattern: str, timeout: float = PEER_TIMEOUT) -> re.Match[str]:
        """Wait until the server printed ``pattern`` (a regex); fail the test with its output otherwise."""
        match = self.process.wait_for(pattern, timeout)
        if match is None:
            name, details = self.process.name, self.process.describe()
            raise PeerError(f"{name} did not print {pattern!r} within {timeout:g}s\n{details}")
        return match


def start_server(
    argv: Sequence[StrPath],
    *,
    ready: str,
    port: int | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    name: str | None = None,
) -> ProcessServer:
    """Start a server process and wait until it prints ``ready`` (a regex); the caller must ``stop()`` it.

    If ``port`` is None the regex's first group is the port the tool chose. Fails with the process's output if
    it exits or is not ready within ``startup_timeout`` (the process is then already stopped).
    """
    process = PeerProcess(argv, name=name)
    try:
        match = process.wait_for(ready, startup_timeout)
        if match is None:
            if process.wait(0.2) is not None:
                what = "exited before it was listening"
            else:
                what = f"did not start listening within {startup_timeout:g}s (waited for {ready!r})"
            raise PeerError(f"{process.name} {what}\n{process.describe()}")
        chosen = port if port is not None else int(match.group(1))
    except BaseException:
        process.stop()
        raise
    return ProcessServer(process, "127.0.0.1", chosen)


@contextlib.contextmanager
def server_process(
    argv: Sequence[StrPath],
    *,
    ready: str,
    port: int | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    name: str | None = None,
) -> Iterator[ProcessServer]:
    """:func:`start_server` as a context manager: the process group is killed and reaped on exit."""
    server = start_server(argv, ready=ready, port=port, startup_timeout=startup_timeout, name=name)
    try:
        yield server
    finally:
        server.process.stop()


def _split_pem_chain(cert: StrPath, directory: Path) -> tuple[Path, Path | None]:
    """OpenSSL's ``-cert`` reads one certificate: split a chain file into leaf and ``-cert_chain`` files."""
    text = Path(cert).read_text()
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)
    if len(blocks) <= 1:
        return Path(cert), None
    leaf, chain = directory / "leaf.pem", directory / "chain.pem"
    leaf.write_text(blocks[0])
    chain.write_text("".join(blocks[1:]))
    return leaf, chain


@contextlib.contextmanager
def openssl_server(
    cert: StrPath,
    key: StrPath,
    *,
    mode: str = "interactive",
    tls13_only: bool = True,
    naccept: int | None = None,
    alpn: Sequence[str] = (),
    client_ca: StrPath | None = None,
    require_client_cert: bool = True,
    extra_args: Sequence[StrPath] = (),
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[ProcessServer]:
    """``openssl s_server`` on 127.0.0.1 (port chosen by OpenSSL, read from its ``ACCEPT`` line).

    ``mode``: ``"interactive"`` (received data printed; ``send()`` writes to the client), ``"rev"`` (line
    reversing echo) or ``"www"`` (HTTP status page). ``cert`` may hold the chain (leaf first). ``client_ca``
    asks for a client certificate (``-Verify``, or ``-verify`` when ``require_client_cert`` is false).
    Do not pass ``-quiet``/``-brief`` in interactive mode: they hide the ``ACCEPT`` line.
    """
    openssl = require_tool("openssl")
    modes = {"interactive": [], "rev": ["-rev"], "www": ["-www"]}
    if mode not in modes:
        raise ValueError(f"unknown openssl_server mode {mode!r}; one of {sorted(modes)}")
    with tempfile.TemporaryDirectory(prefix="glasstls-openssl-") as tmp:
        leaf, chain = _split_pem_chain(cert, Path(tmp))
        argv: list[StrPath] = [openssl, "s_server", "-accept", "127.0.0.1:0", "-cert", leaf, "-key", key]
        if chain is not None:
            argv += ["-cert_chain", chain]
        if tls13_only:
            argv.append("-tls1_3")
        if naccept is not None:
            argv += ["-naccept", str(naccept)]
        if alpn:
            argv += ["-alpn", ",".join(alpn)]
        if client_ca is not None:
            argv += ["-Verify" if require_client_cert else "-verify", "4", "-CAfile", client_ca]
            argv.append("-verify_return_error")
        argv += modes[mode]
        argv += list(extra_args)
        with server_process(
            argv, ready=r"ACCEPT\s+\S*:(\d+)", startup_timeout=startup_timeout, name="openssl s_server"
        ) as server:
            yield server


@contextlib.contextmanager
def gnutls_server(
    cert: StrPath,
    key: StrPath,
    *,
    priority: str = TLS13_ONLY_GNUTLS,
    echo: bool = True,
    http: bool = False,
    alpn: Sequence[str] = (),
    client_ca: StrPath | None = None,
    extra_args: Sequence[StrPath] = (),
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[ProcessServer]:
    """``gnutls-serv`` (3.7): ``--echo`` echoes each line back; ``http=True`` serves a status page instead.

    It cannot bind port 0 and listens on all addresses, so a free port is picked first (retried if taken).
    No client certificate is requested unless ``client_ca`` is given (then one is required and verified).
    """
    gnutls_serv = require_tool("gnutls-serv")
    if echo and http:
        raise ValueError("gnutls_server: echo and http are exclusive")
    argv: list[StrPath] = [gnutls_serv, "--x509certfile", cert, "--x509keyfile", key, "--priority", priority]
    if echo:
        argv.append("--echo")
    elif http:
        argv.append("--http")
    for protocol in alpn:
        argv.append(f"--alpn={protocol}")
    if client_ca is None:
        argv.append("--disable-client-cert")
    else:
        argv += ["--require-client-cert", "--verify-client-cert", "--x509cafile", client_ca]
    argv += list(extra_args)
    for attempt in range(3):
        port = free_port()
        try:
            server = start_server(
                [*argv, "-p", str(port)],
                ready=r"listening on IPv4 .* port (\d+)\.\.\.done",
                port=port,
                startup_timeout=startup_timeout,
                name="gnutls-serv",
            )
        except PeerError as exc:
            # The port was taken between free_port() and gnutls-serv's bind: try another one.
            if attempt == 2 or "bind" not in str(exc).lower():
                raise
            continue
        break
    try:
        yield server
    finally:
        server.process.stop()


class PythonSSLServer:
    """An ``ssl.SSLContext`` server in a thread. ``.sessions``: one :class:`PythonSession` per connection."""

    def __init__(
        self,
        context: ssl.SSLContext,
        handler: Callable[[ssl.SSLSocket, PythonSession], None],
        timeout: float,
    ) -> None:
        self.context = context
        self.handler = handler
        self.timeout = timeout
        self.sessions: list[PythonSession] = []
        self._log: list[str] = []
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._sni: dict[int, str | None] = {}
        context.sni_callback = self._on_sni
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def _on_sni(self, sslobj: object, name: str | None, _ctx: ssl.SSLContext) -> None:
        self._sni[id(sslobj)] = name

    def log(self, line: str) -> None:
        with self._lock:
            self._log.append(line)
            self._lock.notify_all()

    def output(self) -> str:
        """One line per event (accepted, negotiated, received, closed, error)."""
        with self._lock:
            return "".join(line + "\n" for line in self._log)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(self.timeout)
            session = PythonSession(address=address)
            with self._lock:
                self.sessions.append(session)
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn, session), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket, session: PythonSession) -> None:
        self.log(f"accepted {session.address[0]}:{session.address[1]}")
        try:
            with self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False) as tls:
                tls.do_handshake()
                session.version = tls.version()
                cipher = tls.cipher()
                session.cipher = cipher[0] if cipher else None
                session.alpn = tls.selected_alpn_protocol()
                session.server_name = self._sni.pop(id(tls), None)
                session.peer_certificate = tls.getpeercert(binary_form=True)
                self.log(
                    f"negotiated version={session.version} cipher={session.cipher} alpn={session.alpn} "
                    f"server_name={session.server_name}"
                )
                self.handler(tls, session)
        except (OSError, ssl.SSLError, ValueError) as exc:
            session.error = f"{type(exc).__name__}: {exc}"
            self.log(f"error {session.error}")
        finally:
            with self._lock:
                session.done = True
                self._lock.notify_all()
            self.log("closed")

    def wait_for_sessions(self, count: int = 1, timeout: float = PEER_TIMEOUT) -> list[PythonSession]:
        """Wait until ``count`` connections have finished; fail with the server log otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(s.done for s in self.sessions) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerError(
                        f"python ssl server: {count} connection(s) not finished within {timeout:g}s\n"
                        f"{''.join(line + chr(10) for line in self._log)}"
                    )
                self._lock.wait(min(remaining, 0.1))
            return list(self.sessions)

    def start(self) -> None:
        self._acceptor.start()

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._acceptor.join(2.0)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # unblock handlers stuck in recv()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(2.0)


def echo_handler(tls: ssl.SSLSocket, session: PythonSession) -> None:
    """Echo until the client closes, then answer its close_notify with ours."""
    while True:
        data = tls.recv(65536)
        if not data:
            break
        session.received += data
        tls.sendall(data)
    with contextlib.suppress(OSError, ssl.SSLError):
        tls.unwrap()


def _tls13_floor(context: ssl.SSLContext, tls13_only: bool) -> None:
    if tls13_only:
        context.minimum_version = ssl.TLSVersion.TLSv1_3


@contextlib.contextmanager
def python_ssl_server(
    cert: StrPath,
    key: StrPath,
    *,
    alpn: Sequence[str] | None = None,
    client_ca: StrPath | None = None,
    tls13_only: bool = True,
    handler: Callable[[ssl.SSLSocket, PythonSession], None] = echo_handler,
    timeout: float = PEER_TIMEOUT,
    context: ssl.SSLContext | None = None,
) -> Iterator[PythonSSLServer]:
    """A Python ``ssl`` server (echo by default) on 127.0.0.1; each connection in its own thread.

    ``client_ca`` requires and verifies a client certificate. Pass ``context`` to take full control.
    """
    if context is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.fspath(cert), os.fspath(key))
        _tls13_floor(context, tls13_only)
        if alpn:
            context.set_alpn_protocols(list(alpn))
        if client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(os.fspath(client_ca))
    server = PythonSSLServer(context, handler, timeout)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------ clients


def run_client_process(
    argv: Sequence[StrPath],
    *,
    stdin: bytes = b"",
    close_stdin: bool = True,
    until: str | None = None,
    timeout: float = PEER_TIMEOUT,
    name: str | None = None,
) -> PeerResult:
    """Run a client process: write ``stdin``, then wait for it to exit (or to print the regex ``until``,
    after which it is stopped). Fails with its output if it is still running after ``timeout``."""
    process = PeerProcess(argv, name=name)
    try:
        if stdin:
            process.send(stdin)
        if close_stdin:
            process.close_stdin()
        if until is not None:
            if process.wait_for(until, timeout) is None and process.returncode is None:
                raise PeerError(
                    f"{process.name} did not print {until!r} within {timeout:g}s\n{process.describe()}"
                )
            code = process.wait(0.5)
        else:
            code = process.wait(timeout)
            if code is None:
                raise PeerError(f"{process.name} did not finish within {timeout:g}s\n{process.describe()}")
    finally:
        process.stop()
    return PeerResult(process.argv, code, process.stdout_bytes(), process.output())


def run_openssl_client(
    port: int,
    *,
    host: str = "127.0.0.1",
    cafile: StrPath | None,
    servername: str | None = "localhost",
    tls13_only: bool = True,
    alpn: Sequence[str] = (),
    certfile: StrPath | None = None,
    keyfile: StrPath | None = None,
    brief: bool = True,
    ign_eof: bool = True,
    extra_args: Sequence[StrPath] = (),
    stdin: bytes = b"",
    until: str | None = None,
    timeout: float = PEER_TIMEOUT,
) -> PeerResult:
    """``openssl s_client``: verifies the server against ``cafile`` and ``servername`` (``None`` for no SNI;
    an IP address is verified with ``-verify_ip``; ``cafile=None`` does not verify). With ``ign_eof``
    (default) it sends ``stdin`` and reads until the server closes; received data is in ``.stdout``.
    ``brief`` output has ``Protocol version: TLSv1.3`` and ``Ciphersuite: ...``.
    """
    openssl = require_tool("openssl")
    argv: list[StrPath] = [openssl, "s_client", "-connect", f"{host}:{port}"]
    if servername is None or _is_ip(servername):
        argv.append("-noservername")
    else:
        argv += ["-servername", servername]
    if cafile is not None:
        argv += ["-CAfile", cafile, "-verify_return_error"]
        if servername is not None:
            argv += ["-verify_ip" if _is_ip(servername) else "-verify_hostname", servername]
    if tls13_only:
        argv.append("-tls1_3")
    if alpn:
        argv += ["-alpn", ",".join(alpn)]
    if brief:
        argv.append("-brief")
    if ign_eof:
        argv.append("-ign_eof")
    with tempfile.TemporaryDirectory(prefix="glasstls-openssl-") as tmp:
        if certfile is not None:
            leaf, chain = _split_pem_chain(certfile, Path(tmp))
            argv += ["-cert", leaf, "-key", keyfile if keyfile is not None else certfile]
            if chain is not None:
                argv += ["-cert_chain", chain]
        argv += list(extra_args)
        return run_client_process(argv, stdin=stdin, until=until, timeout=timeout, name="openssl s_client")


def run_gnutls_client(
    port: int,
    *,
    host: str = "127.0.0.1",
    cafile: StrPath | None,
    servername: str | None = "localhost",
    priority: str = TLS13_ONLY_GNUTLS,
    alpn: Sequence[str] = (),
    certfile: StrPath | None = None,
    keyfile: StrPath | None = None,
    extra_args: Sequence[StrPath] = (),
    stdin: bytes = b"",
    until: str | None = None,
    timeout: float = PEER_TIMEOUT,
) -> PeerResult:
    """``gnutls-cli``: sends ``stdin`` and, at its end, close_notify; then reads until the server closes.

    ``cafile=None`` means ``--insecure`` (no verification). Output has ``- Description: (TLS1.3-X.509)-...``.
    """
    gnutls_cli = require_tool("gnutls-cli")
    argv: list[StrPath] = [gnutls_cli, "-p", str(port), "--priority", priority]
    if servername is None:
        argv.append("--disable-sni")
    else:
        argv += ["--sni-hostname", servername, "--verify-hostname", servername]
    argv += ["--x509cafile", cafile] if cafile is not None else ["--insecure"]
    for protocol in alpn:
        argv.append(f"--alpn={protocol}")
    if certfile is not None:
        argv += ["--x509certfile", certfile, "--x509keyfile", keyfile if keyfile is not None else certfile]
    argv += list(extra_args)
    argv.append(host)
    return run_client_process(argv, stdin=stdin, until=until, timeout=timeout, name="gnutls-cli")


def run_curl(
    url: str,
    *,
    cafile: StrPath | None,
    tls13_only: bool = True,
    extra_args: Sequence[StrPath] = (),
    timeout: float = PEER_TIMEOUT,
) -> PeerResult:
    """``curl -v``: ``.stdout`` is the body, ``.output`` also has the verbose log (``SSL connection using
    TLSv1.3 / ...``, ``ALPN: server accepted h2``). A host name in ``url`` is resolved to 127.0.0.1."""
    curl = require_tool("curl")
    argv: list[StrPath] = [curl, "-sS", "-v", "--max-time", f"{timeout:g}"]
    argv += ["--cacert", cafile] if cafile is not None else ["--insecure"]
    if tls13_only:
        argv.append("--tlsv1.3")
    parts = urlsplit(url)
    if parts.hostname and not _is_ip(parts.hostname):
        argv += ["--resolve", f"{parts.hostname}:{parts.port or 443}:127.0.0.1"]
    argv += list(extra_args)
    argv.append(url)
    return run_client_process(argv, timeout=timeout + 5, name="curl")


def run_python_ssl_client(
    port: int,
    *,
    host: str = "127.0.0.1",
    cafile: StrPath | None,
    server_name: str | None = "localhost",
    alpn: Sequence[str] | None = None,
    certfile: StrPath | None = None,
    keyfile: StrPath | None = None,
    tls13_only: bool = True,
    send: bytes = b"",
    read: int | None = None,
    timeout: float = PEER_TIMEOUT,
    context: ssl.SSLContext | None = None,
) -> PythonClientResult:
    """A Python ``ssl`` client: handshake, send ``send``, then read ``read`` bytes (``None``: until the server
    closes), then close with close_notify. Every socket operation times out after ``timeout``.

    ``cafile=None`` does not verify (``CERT_NONE``). Blocking: run it with :func:`in_background` when the test
    thread must drive the server.
    """
    if context is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _tls13_floor(context, tls13_only)
        if cafile is None:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context.load_verify_locations(os.fspath(cafile))
            context.check_hostname = server_name is not None
        if alpn:
            context.set_alpn_protocols(list(alpn))
        if certfile is not None:
            context.load_cert_chain(os.fspath(certfile), os.fspath(keyfile) if keyfile else None)
    received = bytearray()
    closed_by_peer = False
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, context.wrap_socket(
            raw, server_hostname=server_name
        ) as tls:
            cipher = tls.cipher()
            result = PythonClientResult(
                version=tls.version(),
                cipher=cipher[0] if cipher else None,
                alpn=tls.selected_alpn_protocol(),
                received=b"",
                peer_certificate=tls.getpeercert(binary_form=True),
                closed_by_peer=False,
            )
            if send:
                tls.sendall(send)
            while read is None or len(received) < read:
                chunk = tls.recv(65536 if read is None else read - len(received))
                if not chunk:
                    closed_by_peer = True
                    break
                received += chunk
            result.received, result.closed_by_peer = bytes(received), closed_by_peer
            if not closed_by_peer:
                with contextlib.suppress(OSError, ssl.SSLError):
                    tls.unwrap()
            return result
    except TimeoutError as exc:
        raise PeerError(
            f"python ssl client to {host}:{port}: no progress within {timeout:g}s "
            f"(received {len(received)} bytes so far: {bytes(received[:200])!r})"
        ) from exc


# ------------------------------------------------------------------------------- certificates (openssl)


@dataclass
class PeerPki:
    """Certificates made with the ``openssl`` command (independent of glasstls, for the harness self-check).

    ``server_*`` and ``client`` files hold the leaf followed by the intermediate; trust ``root``.
    The names match ``glasstls.pki.testpki``'s files.
    """

    directory: Path
    root: Path = field(init=False)
    intermediate: Path = field(init=False)
    server_ecdsa: Path = field(init=False)
    server_ecdsa_key: Path = field(init=False)
    server_rsa: Path = field(init=False)
    server_rsa_key: Path = field(init=False)
    client: Path = field(init=False)
    client_key: Path = field(init=False)

    def __post_init__(self) -> None:
        d = self.directory
        self.root, self.intermediate = d / "root.pem", d / "intermediate.pem"
        self.server_ecdsa, self.server_ecdsa_key = d / "server-ecdsa.pem", d / "server-ecdsa.key"
        self.server_rsa, self.server_rsa_key = d / "server-rsa.pem", d / "server-rsa.key"
        self.client, self.client_key = d / "client.pem", d / "client.key"


def make_openssl_pki(directory: Path, hosts: Sequence[str] = ("localhost", "127.0.0.1")) -> PeerPki:
    """Root -> intermediate -> {ECDSA P-256 server, RSA 2048 server, ECDSA client}, valid for two days."""
    openssl = require_tool("openssl")
    directory.mkdir(parents=True, exist_ok=True)
    pki = PeerPki(directory)

    def run(*args: StrPath) -> None:
        argv = [openssl, *(os.fspath(a) for a in args)]
        done = subprocess.run(argv, capture_output=True, timeout=PEER_TIMEOUT, check=False)
        if done.returncode != 0:
            raise PeerError(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")

    def ext_file(name: str, lines: Sequence[str]) -> Path:
        path = directory / f"{name}.ext"
        path.write_text("\n".join(lines) + "\n")
        return path

    def issue(name: str, subject: str, key_alg: Sequence[str], issuer: str | None, ext: Path) -> None:
        key, csr, pem = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.crt"
        run("genpkey", *key_alg, "-out", key)
        run("req", "-new", "-key", key, "-subj", subject, "-out", csr)
        sign: list[StrPath] = ["-signkey", key]
        if issuer is not None:
            sign = ["-CA", directory / f"{issuer}.crt", "-CAkey", directory / f"{issuer}.key"]
        run("x509", "-req", "-in", csr, *sign, "-days", "2", "-set_serial", str(int(time.time() * 1000)),
            "-sha256", "-extfile", ext, "-out", pem)

    ec = ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    rsa = ("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    ca_ext = ["keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"]
    san = ",".join(f"IP:{h}" if _is_ip(h) else f"DNS:{h}" for h in hosts)
    leaf = ["basicConstraints=critical,CA:FALSE", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"]
    server_ext = [*leaf, "keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth",
                  f"subjectAltName={san}"]
    client_ext = [*leaf, "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]

    root_ext = [*ca_ext, "basicConstraints=critical,CA:TRUE"]
    intermediate_ext = [*ca_ext, "basicConstraints=critical,CA:TRUE,pathlen:0",
                        "authorityKeyIdentifier=keyid"]
    issue("root", "/CN=glasstls peers test root", ec, None, ext_file("root", root_ext))
    issue("intermediate", "/CN=glasstls peers test intermediate", ec, "root",
          ext_file("intermediate", intermediate_ext))
    issue("server-ecdsa", f"/CN={hosts[0]}", ec, "intermediate", ext_file("server", server_ext))
    issue("server-rsa", f"/CN={hosts[0]}", rsa, "intermediate", ext_file("server", server_ext))
    issue("client", "/CN=glasstls test client", ec, "intermediate", ext_file("client", client_ext))

    intermediate = (directory / "intermediate.crt").read_text()
    pki.root.write_text((directory / "root.crt").read_text())
    pki.intermediate.write_text(intermediate)
    for name in ("server-ecdsa", "server-rsa", "client"):
        (directory / f"{name}.pem").write_text((directory / f"{name}.crt").read_text() + intermediate)
    return pki
