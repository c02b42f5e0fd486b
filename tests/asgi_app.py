"""A tiny ASGI app for the httpx tests (run by hypercorn): ``GET /bytes/N`` answers N bytes, anything else a
line naming the HTTP version the request came over."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

#: The largest body /bytes/N gives (the tests pull a few MiB).
MAX_BYTES = 64 * 1024 * 1024


async def app(
    scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    version = scope["http_version"]
    if path.startswith("/bytes/") and path[7:].isdigit() and int(path[7:]) <= MAX_BYTES:
        size = int(path[7:])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(size).encode()), (b"x-http-version", version.encode())],
            }
        )
        chunk = bytes(range(256)) * 256
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            sent += len(part)
            await send({"type": "http.response.body", "body": part, "more_body": sent < size})
        if size == 0:
            await send({"type": "http.response.body", "body": b""})
        return
    body = f"hello over HTTP/{version}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode()), (b"x-http-version", version.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
