"""Reader and Writer for the TLS presentation language (RFC 8446 section 3).

``Reader`` consumes exactly: every read is bounds-checked, ``finish()`` refuses leftover bytes, and each
failure raises :class:`~glasstls.errors.DecodeError` naming the field. Variable-length vectors declare
their length-prefix width and their minimum and maximum length, as ``opaque x<min..max>`` does in the RFC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from glasstls.errors import DecodeError

T = TypeVar("T")


class Reader:
    __slots__ = ("_data", "_end", "_pos", "what")

    def __init__(self, data: bytes | bytearray | memoryview, what: str = "message") -> None:
        self._data = bytes(data)
        self._pos = 0
        self._end = len(self._data)
        self.what = what

    @property
    def remaining(self) -> int:
        return self._end - self._pos

    def at_end(self) -> bool:
        return self._pos >= self._end

    def _take(self, n: int, field: str) -> bytes:
        if n < 0 or self._pos + n > self._end:
            raise DecodeError(
                f"{self.what}: truncated at {field} (needs {n} bytes, {self.remaining} left)"
            )
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self, field: str) -> int:
        return self._take(1, field)[0]

    def u16(self, field: str) -> int:
        return int.from_bytes(self._take(2, field), "big")

    def u24(self, field: str) -> int:
        return int.from_bytes(self._take(3, field), "big")

    def u32(self, field: str) -> int:
        return int.from_bytes(self._take(4, field), "big")

    def uint(self, width: int, field: str) -> int:
        return int.from_bytes(self._take(width, field), "big")

    def fixed(self, n: int, field: str) -> bytes:
        """Exactly ``n`` bytes (``opaque x[n]``)."""
        return self._take(n, field)

    def vec(self, width: int, field: str, min_len: int = 0, max_len: int | None = None) -> bytes:
        """``opaque x<min_len..max_len>`` with a ``width``-byte length prefix."""
        n = self.uint(width, f"{field} length")
        limit = (1 << (8 * width)) - 1 if max_len is None else max_len
        if n < min_len or n > limit:
            raise DecodeError(f"{self.what}: {field} length {n} outside <{min_len}..{limit}>")
        return self._take(n, field)

    def sub(self, width: int, field: str, min_len: int = 0, max_len: int | None = None) -> Reader:
        """A bounded sub-reader over a length-prefixed block; the caller must ``finish()`` it."""
        return Reader(self.vec(width, field, min_len, max_len), f"{self.what}.{field}")

    def list_of(
        self,
        width: int,
        field: str,
        item: Callable[[Reader], T],
        min_len: int = 0,
        max_len: int | None = None,
    ) -> list[T]:
        """A length-prefixed list; ``item`` reads one element from the sub-reader."""
        r = self.sub(width, field, min_len, max_len)
        out: list[T] = []
        while not r.at_end():
            out.append(item(r))
        return out

    def rest(self) -> bytes:
        return self._take(self.remaining, "rest")

    def finish(self) -> None:
        if self._pos != self._end:
            raise DecodeError(f"{self.what}: {self.remaining} unexpected trailing bytes")


class Writer:
    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def u8(self, v: int) -> Writer:
        self._buf.append(v)
        return self

    def u16(self, v: int) -> Writer:
        self._buf += v.to_bytes(2, "big")
        return self

    def u24(self, v: int) -> Writer:
        self._buf += v.to_bytes(3, "big")
        return self

    def u32(self, v: int) -> Writer:
        self._buf += v.to_bytes(4, "big")
        return self

    def uint(self, width: int, v: int) -> Writer:
        self._buf += v.to_bytes(width, "big")
        return self

    def raw(self, data: bytes | bytearray) -> Writer:
        self._buf += data
        return self

    def vec(self, width: int, data: bytes | bytearray) -> Writer:
        if len(data) >= 1 << (8 * width):
            raise ValueError(f"vector of {len(data)} bytes does not fit a {width}-byte length")
        self._buf += len(data).to_bytes(width, "big")
        self._buf += data
        return self

    @contextmanager
    def block(self, width: int) -> Iterator[Writer]:
        """Write a length-prefixed block: the length is patched in when the block closes."""
        start = len(self._buf)
        self._buf += bytes(width)
        yield self
        n = len(self._buf) - start - width
        if n >= 1 << (8 * width):
            raise ValueError(f"block of {n} bytes does not fit a {width}-byte length")
        self._buf[start : start + width] = n.to_bytes(width, "big")

    def __len__(self) -> int:
        return len(self._buf)

    def getvalue(self) -> bytes:
        return bytes(self._buf)
