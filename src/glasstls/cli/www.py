"""What ``glasstls serve --www`` answers besides its page: ``GET /bytes/N`` (N bytes, for pulling large bodies
with curl or httpx) and, with ``--root DIR``, the files under DIR (as ``openssl s_server -WWW`` serves files
relative to its directory). Each answer is HTTP/1.0 with a Content-Length, then the server closes."""

from __future__ import annotations

import itertools
import mimetypes
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

__all__ = ["MAX_BYTES", "plan", "reply"]

#: The largest /bytes/N: enough to measure a transfer (curl, httpx), and a bound on what one request can make the
#: server send.
MAX_BYTES = 1 << 30
#: Bodies go out in pieces this large (a few TLS records each), never built whole in memory.
CHUNK = 64 * 1024
_PATTERN = bytes(range(256)) * (CHUNK // 256)


class _Sender(Protocol):
    def sendall(self, data: bytes) -> None: ...


def _head(status: str, content_type: str, length: int) -> bytes:
    return (
        f"HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def _text(status: str, text: str) -> tuple[bytes, Iterator[bytes]]:
    body = text.encode()
    return _head(status, "text/plain; charset=utf-8", len(body)), iter((body,))


def _pattern(size: int) -> Iterator[bytes]:
    while size > 0:
        piece = _PATTERN[: min(size, CHUNK)]
        yield piece
        size -= len(piece)


def _file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def plan(target: str, root: Path | None) -> tuple[bytes, Iterator[bytes]] | None:
    """The answer to a GET of ``target`` if it is ``/bytes/N`` or (with ``root``) a path under ``root``: the
    response head and the body in pieces; None when it is neither (the caller sends its page)."""
    path = unquote(urlsplit(target).path)
    if path.startswith("/bytes/"):
        size_text = path[len("/bytes/") :]
        if not size_text.isdigit() or int(size_text) > MAX_BYTES:
            return _text("400 Bad Request", f"/bytes/N: N is a number of bytes, at most {MAX_BYTES}\n")
        size = int(size_text)
        return _head("200 OK", "application/octet-stream", size), _pattern(size)
    if root is None or path in ("", "/"):
        return None
    base = root.resolve()
    wanted = (base / path.lstrip("/")).resolve()
    if wanted.is_dir():
        wanted = wanted / "index.html"
    # Only files under --root, after symbolic links are followed: /../ and links out of it are not served.
    if not wanted.is_relative_to(base) or not wanted.is_file():
        return _text("404 Not Found", f"{path}: no such file under --root\n")
    content_type = mimetypes.guess_type(wanted.name)[0] or "application/octet-stream"
    return _head("200 OK", content_type, wanted.stat().st_size), _file(wanted)


def reply(request: bytes, root: Path | None, page: Callable[[str], str]) -> Iterator[bytes]:
    """What ``serve --www`` sends back for ``request`` (the bytes up to its blank line), in the pieces to send:
    400 for anything but a GET, :func:`plan`'s answer, else ``page(request_line)`` as an HTML page. A page or a
    refusal goes out as one piece (one TLS record); a planned body streams in pieces after its head."""
    first = request.split(b"\n", 1)[0].decode("latin-1").strip()
    if not first.startswith("GET "):
        refusal = "glasstls serve --www answers GET requests only\n"
        return _whole("400 Bad Request", "text/plain; charset=utf-8", refusal)
    words = first.split()
    planned = plan(words[1] if len(words) > 1 else "/", root)
    if planned is None:
        return _whole("200 OK", "text/html; charset=utf-8", page(first))
    head, body = planned
    return itertools.chain((head,), body)


def _whole(status: str, content_type: str, text: str) -> Iterator[bytes]:
    body = text.encode()
    return iter((_head(status, content_type, len(body)) + body,))
