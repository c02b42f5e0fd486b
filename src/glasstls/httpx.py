"""HTTPS through httpx with glasstls doing the TLS: httpcore network backends and httpx transports.

    import httpx
    from glasstls.httpx import GlasstlsTransport, AsyncGlasstlsTransport, tls_info

    with httpx.Client(transport=GlasstlsTransport(ClientConfig(trust=...), http2=True)) as client:
        response = client.get("https://localhost:8443/")
        info = tls_info(response)            # the TLS connection that carried this response
        info.negotiated.alpn_protocol        # "h2"
        for step in info.trace: ...          # every step of its handshake, explained

Verification, ALPN and everything TLS is glasstls's (the ``ClientConfig``): httpx's own ``verify=`` and SSL
context are not used. ALPN offers ``h2`` then ``http/1.1`` with ``http2=True`` (httpx[http2] speaks HTTP/2 when
the server picks h2), ``http/1.1`` otherwise, unless the config names its own ``alpn_protocols``. httpcore's
connection pool keeps connections alive and reuses them as usual; each response's TLS connection is reachable
with :func:`tls_info` (from ``response.extensions["network_stream"]``).

Errors: a failed handshake is ``httpx.ConnectError`` whose ``__cause__`` chain holds the glasstls ``TLSError``
(``glasstls.explain.explain`` turns it into words; :func:`tls_error` finds it). ``AsyncGlasstlsTransport`` runs
on asyncio (``glasstls.io.aio``), not on trio.

Needs the ``httpx`` extra: ``pip install 'glasstls[httpx]'`` (httpx with HTTP/2).
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import httpcore
import httpx

from glasstls.config import ClientConfig
from glasstls.errors import TLSError
from glasstls.events import Negotiated
from glasstls.io import aio
from glasstls.io.sync import TLSSocket, wrap_socket
from glasstls.trace.events import TraceEvent

__all__ = [
    "AsyncGlasstlsBackend",
    "AsyncGlasstlsTransport",
    "GlasstlsBackend",
    "GlasstlsTransport",
    "TLSInfo",
    "tls_error",
    "tls_info",
]

#: Seconds for a TCP connect and handshake when httpx gives no timeout.
DEFAULT_CONNECT_TIMEOUT = 30.0
_VERSION_NAMES = {"TLS13": "TLSv1.3", "TLS12": "TLSv1.2"}


@dataclass(frozen=True)
class TLSInfo:
    """One TLS connection as glasstls saw it: what was negotiated and the explained trace."""

    negotiated: Negotiated
    trace: list[TraceEvent]
    handshake_time: float | None

    # What httpcore asks of an ``ssl_object`` (it picks HTTP/2 when the server selected h2).
    def selected_alpn_protocol(self) -> str | None:
        return self.negotiated.alpn_protocol

    def version(self) -> str:
        return _VERSION_NAMES.get(self.negotiated.version.name, self.negotiated.version.name)

    def cipher(self) -> tuple[str, str, int | None]:
        return (self.negotiated.cipher_suite.name, self.version(), None)


def tls_info(response: httpx.Response) -> TLSInfo:
    """The TLS connection that carried ``response`` (raises ``LookupError`` for a plain-HTTP one)."""
    stream = response.extensions.get("network_stream")
    info = stream.get_extra_info("glasstls") if stream is not None else None
    if not isinstance(info, TLSInfo):
        raise LookupError("this response did not come over a glasstls TLS connection")
    return info


def tls_error(error: BaseException) -> TLSError | None:
    """The glasstls ``TLSError`` behind an httpx or httpcore exception, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, TLSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _alpn(config: ClientConfig, http2: bool) -> ClientConfig:
    if config.alpn_protocols:
        return config
    return replace(config, alpn_protocols=("h2", "http/1.1") if http2 else ("http/1.1",))


def _info(negotiated: Negotiated | None, trace: list[TraceEvent], took: float | None) -> TLSInfo | None:
    return TLSInfo(negotiated, trace, took) if negotiated is not None else None


# -- blocking ------------------------------------------------------------------------------------------------------


class _SocketStream(httpcore.NetworkStream):
    """A plain TCP connection (http:// URLs, and the start of https:// ones)."""

    def __init__(self, sock: socket.socket, config: ClientConfig) -> None:
        self._sock = sock
        self._config = config

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(timeout)
            return self._sock.recv(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out reading") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(buffer)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out writing") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """The TLS handshake, by glasstls with its config (``ssl_context`` is httpx's and is not used)."""
        try:
            self._sock.settimeout(None)
            tls = wrap_socket(
                self._sock,
                self._config,
                server_name=server_hostname,
                handshake_timeout=timeout if timeout is not None else DEFAULT_CONNECT_TIMEOUT,
            )
        except TLSError as exc:
            self._sock.close()
            raise httpcore.ConnectError(f"TLS handshake with {server_hostname} failed: {exc}") from exc
        return _TLSStream(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return _socket_readable(self._sock)
        if info in ("client_addr", "server_addr"):
            return self._sock.getsockname() if info == "client_addr" else self._sock.getpeername()
        return None


def _socket_readable(sock: socket.socket) -> bool:
    """Whether a read would not block: data, EOF or an error (httpcore then drops an idle connection)."""
    if sock.fileno() < 0:
        return True
    return bool(select.select([sock], [], [], 0)[0])


class _TLSStream(httpcore.NetworkStream):
    """A glasstls TLS connection, as httpcore reads and writes it."""

    def __init__(self, tls: TLSSocket) -> None:
        self._tls = tls

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._tls.recv(max_bytes, timeout=timeout)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "timed out reading") from exc
        except TLSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._tls.settimeout(timeout)
            self._tls.sendall(buffer)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "timed out writing") from exc
        except TLSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    def close(self) -> None:
        self._tls.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("TLS inside TLS (an HTTPS proxy) is not supported by the glasstls backend")

    def get_extra_info(self, info: str) -> Any:
        tls = self._tls
        if info in ("ssl_object", "glasstls"):
            return _info(tls.connection.negotiated, tls.connection.trace, tls.handshake_time)
        if info == "tls_socket":
            return tls
        if info == "is_readable":
            return tls.pending() > 0 or tls.peer_closed or _socket_readable(tls.socket)
        if info == "socket":
            return tls.socket
        if info in ("client_addr", "server_addr"):
            sock = tls.socket
            return sock.getsockname() if info == "client_addr" else sock.getpeername()
        return None


class GlasstlsBackend(httpcore.NetworkBackend):
    """httpcore's blocking network backend, with glasstls for TLS (``config``: verification, ALPN...)."""

    def __init__(self, config: ClientConfig | None = None, *, http2: bool = False) -> None:
        self.config = _alpn(config if config is not None else ClientConfig(), http2)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        source = (local_address, 0) if local_address else None
        try:
            sock = socket.create_connection((host, port), timeout, source_address=source)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _SocketStream(sock, self.config)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("the glasstls backend connects over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# -- asyncio -------------------------------------------------------------------------------------------------------


class _AsyncStream(httpcore.AsyncNetworkStream):
    """asyncio streams: plain TCP until ``start_tls``, then glasstls's TLS (``glasstls.io.aio``)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: ClientConfig) -> None:
        self._reader = reader
        self._writer = writer
        self._config = config

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out reading") from exc
        except (TLSError, OSError) as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out writing") from exc
        except (TLSError, OSError) as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (OSError, TLSError):
            pass

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        if isinstance(self._writer.transport, aio.TLSTransport):
            raise httpcore.UnsupportedProtocol("TLS inside TLS (an HTTPS proxy) is not supported by glasstls")
        try:
            reader, writer = await aio.start_tls(
                self._reader,
                self._writer,
                self._config,
                server_hostname=server_hostname,
                timeout=timeout if timeout is not None else DEFAULT_CONNECT_TIMEOUT,
            )
        except TLSError as exc:
            self._writer.transport.abort()
            raise httpcore.ConnectError(f"TLS handshake with {server_hostname} failed: {exc}") from exc
        return _AsyncStream(reader, writer, self._config)

    def get_extra_info(self, info: str) -> Any:
        writer = self._writer
        if info in ("ssl_object", "glasstls"):
            if not isinstance(writer.transport, aio.TLSTransport):
                return None
            return _info(
                writer.get_extra_info("negotiated"),
                writer.get_extra_info("trace"),
                writer.get_extra_info("handshake_time"),
            )
        if info == "is_readable":
            return self._reader.at_eof() or writer.transport.is_closing()
        if info == "socket":
            return writer.get_extra_info("socket")
        if info in ("client_addr", "server_addr"):
            return writer.get_extra_info("sockname" if info == "client_addr" else "peername")
        return None


class AsyncGlasstlsBackend(httpcore.AsyncNetworkBackend):
    """httpcore's async network backend on asyncio, with glasstls for TLS."""

    def __init__(self, config: ClientConfig | None = None, *, http2: bool = False) -> None:
        self.config = _alpn(config if config is not None else ClientConfig(), http2)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _AsyncStream(reader, writer, self.config)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("the glasstls backend connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# -- httpx transports ----------------------------------------------------------------------------------------------


def _unused_context() -> ssl.SSLContext:
    """httpcore insists on an SSL context for https:// (it sets ALPN on it); glasstls never reads it."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


#: httpx's own default pool limits (the transports take httpx's ``limits=``).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _pool_options(limits: httpx.Limits, http1: bool, http2: bool, retries: int) -> dict[str, Any]:
    """A transport's settings as httpcore's connection pools (blocking and async alike) take them."""
    return {
        "ssl_context": _unused_context(),
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
        "http1": http1,
        "http2": http2,
        "retries": retries,
    }


class GlasstlsTransport(httpx.HTTPTransport):
    """``httpx.Client(transport=GlasstlsTransport(config, http2=True))``: httpx's own transport (connection pool,
    keep-alive, HTTP/1.1 and HTTP/2) over :class:`GlasstlsBackend`."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        retries: int = 0,
    ) -> None:
        super().__init__(http1=http1, http2=http2, limits=limits, retries=retries, trust_env=False)
        self.backend = GlasstlsBackend(config, http2=http2)
        options = _pool_options(limits, http1, http2, retries)
        self._pool = httpcore.ConnectionPool(network_backend=self.backend, **options)


class AsyncGlasstlsTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncClient(transport=AsyncGlasstlsTransport(config, http2=True))`` (asyncio)."""

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        retries: int = 0,
    ) -> None:
        super().__init__(http1=http1, http2=http2, limits=limits, retries=retries, trust_env=False)
        self.backend = AsyncGlasstlsBackend(config, http2=http2)
        options = _pool_options(limits, http1, http2, retries)
        self._pool = httpcore.AsyncConnectionPool(network_backend=self.backend, **options)
