"""Reader and Writer for the TLS presentation language (RFC 8446 section 3).

``Reader`` consumes exactly: every read is bounds-checked, ``finish()`` refuses leftover bytes, and each
failure raises :class:`~glasstls.errors.DecodeError` naming the field. Variable-length vectors declare
their length-prefix width and their minimum and maximum length, as ``opaque x<min..max>`` does in the RFC.
"""

from __future__ import annotations

import enum
import sys
from array import array
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from glasstls.errors import DecodeError

T = TypeVar("T")
EnumT = TypeVar("EnumT", bound=enum.IntEnum)

_LITTLE_ENDIAN = sys.byteorder == "little"
_LOOKUPS: dict[type[enum.IntEnum], Callable[[int], enum.IntEnum]] = {}
#: Set only while wire/spans.py annotates a message (its recorder adopts each new Reader); None otherwise, so a
#: Reader costs one global look-up more and each read one test (see glasstls.wire.spans).
_span_hook: Callable[[Reader], None] | None = None


class ReadNotes(Protocol):
    """What a recording Reader tells of each read (wire/spans.py's SpanRecorder): where in its data (``pos``),
    which field, the value read."""

    def scalar(self, reader: Reader, pos: int, length: int, field: str, value: int) -> None: ...

    def block(self, reader: Reader, pos: int, field: str, value: bytes) -> None: ...

    def vector(self, reader: Reader, pos: int, width: int, field: str, value: bytes) -> None: ...

    def u16_items(self, reader: Reader, pos: int, width: int, field: str, item_field: str, values: list[int]) -> None:
        ...


def set_span_hook(hook: Callable[[Reader], None] | None) -> None:
    """Install (or remove, ``None``) the hook that every new :class:`Reader` is handed to (wire/spans.py)."""
    global _span_hook
    _span_hook = hook


def member_lookup(cls: type[EnumT]) -> Callable[[int], EnumT]:
    """``cls(value)`` for an IntEnum, with the named members looked up in a dict first (the Enum call
    costs ~10 times more); other values still go through ``cls(value)`` (open enums make pseudo-members)."""
    lookup = _LOOKUPS.get(cls)
    if lookup is None:
        members: dict[int, EnumT] = {int(m): m for m in cls}
        get = members.get
        other: Callable[[int], EnumT] = getattr(cls, "pseudo_member", cls)  # open enums: no Enum call

        def lookup(value: int) -> EnumT:
            member = get(value)
            return member if member is not None else other(value)

        _LOOKUPS[cls] = lookup
    return lookup  # type: ignore[return-value]


def length_prefixed(width: int, data: bytes) -> bytes:
    """``data`` with its ``width``-byte length in front: ``Writer().vec(width, data).getvalue()`` (same bytes,
    same error) in one step."""
    n = len(data)
    if n >= 1 << (8 * width):
        raise ValueError(f"vector of {n} bytes does not fit a {width}-byte length")
    return n.to_bytes(width, "big") + data


class Reader:
    """Reads ``data`` front to back. ``what`` names the structure in error messages; it may be given as a
    zero-argument callable, called only when a message needs it (most reads never fail)."""

    __slots__ = ("_data", "_end", "_notes", "_pos", "_what")

    def __init__(self, data: bytes | bytearray | memoryview, what: str | Callable[[], str] = "message") -> None:
        self._data = data if type(data) is bytes else bytes(data)
        self._pos = 0
        self._end = len(self._data)
        self._what = what
        #: Told of each read while wire/spans.py records (``record_into``); None otherwise.
        self._notes: ReadNotes | None = None
        if _span_hook is not None:
            _span_hook(self)

    @property
    def what(self) -> str:
        what = self._what
        if not isinstance(what, str):
            what = self._what = what()
        return what

    def record_into(self, notes: ReadNotes) -> None:
        self._notes = notes

    @property
    def remaining(self) -> int:
        return self._end - self._pos

    def at_end(self) -> bool:
        return self._pos >= self._end

    def _truncated(self, n: int, field: str) -> DecodeError:
        return DecodeError(f"{self.what}: truncated at {field} (needs {n} bytes, {self.remaining} left)")

    def _take(self, n: int, field: str) -> bytes:
        pos = self._pos
        end = pos + n
        if n < 0 or end > self._end:
            raise self._truncated(n, field)
        self._pos = end
        return self._data[pos:end]

    def uint(self, width: int, field: str) -> int:
        """A ``width``-byte unsigned integer, big-endian (RFC 8446 section 3.3)."""
        pos = self._pos
        value = int.from_bytes(self._take(width, field), "big")
        if self._notes is not None:
            self._notes.scalar(self, pos, width, field, value)
        return value

    def u8(self, field: str) -> int:
        return self.uint(1, field)

    def u16(self, field: str) -> int:
        return self.uint(2, field)

    def u24(self, field: str) -> int:
        return self.uint(3, field)

    def u32(self, field: str) -> int:
        return self.uint(4, field)

    def fixed(self, n: int, field: str) -> bytes:
        """Exactly ``n`` bytes (``opaque x[n]``)."""
        pos = self._pos
        value = self._take(n, field)
        if self._notes is not None:
            self._notes.block(self, pos, field, value)
        return value

    def vec(self, width: int, field: str, min_len: int = 0, max_len: int | None = None) -> bytes:
        """``opaque x<min_len..max_len>`` with a ``width``-byte length prefix."""
        pos, data = self._pos, self._data
        start = pos + width
        if start > self._end:
            raise self._truncated(width, f"{field} length")
        n = int.from_bytes(data[pos:start], "big")
        if n < min_len or (max_len is not None and n > max_len):
            limit = (1 << (8 * width)) - 1 if max_len is None else max_len
            raise DecodeError(f"{self.what}: {field} length {n} outside <{min_len}..{limit}>")
        self._pos = start
        value = self._take(n, field)
        if self._notes is not None:
            self._notes.vector(self, pos, width, field, value)
        return value

    def sub(self, width: int, field: str, min_len: int = 0, max_len: int | None = None) -> Reader:
        """A bounded sub-reader over a length-prefixed block; the caller must ``finish()`` it."""
        return Reader(self.vec(width, field, min_len, max_len), lambda: f"{self.what}.{field}")

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
        while r._pos < r._end:
            out.append(item(r))
        return out

    def u16_list(
        self, width: int, field: str, item_field: str, min_len: int = 0, max_len: int | None = None
    ) -> list[int]:
        """A length-prefixed list of uint16 values (``uint16 x<min..max>``), read in one go: the same values
        and the same errors as ``list_of(width, field, lambda s: s.u16(item_field), ...)``."""
        pos = self._pos
        data = self.vec(width, field, min_len, max_len)
        if len(data) & 1:
            # The last item is one byte short, as the item-by-item reader would find it.
            raise DecodeError(f"{self.what}.{field}: truncated at {item_field} (needs 2 bytes, 1 left)")
        values = array("H", data)
        if _LITTLE_ENDIAN:
            values.byteswap()
        items = values.tolist()
        if self._notes is not None:
            self._notes.u16_items(self, pos, width, field, item_field, items)
        return items

    def rest(self) -> bytes:
        pos = self._pos
        value = self._take(self.remaining, "rest")
        if self._notes is not None:
            self._notes.block(self, pos, "rest", value)
        return value

    def finish(self) -> None:
        if self._pos != self._end:
            raise DecodeError(f"{self.what}: {self.remaining} unexpected trailing bytes")

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        """``with Reader(data) as r: ...`` reads all of ``data``: leftover bytes are a decode_error."""
        if exc_type is None:
            self.finish()


def written(write: Callable[[Writer], object]) -> bytes:
    """The bytes that ``write`` writes into a new :class:`Writer` (``written(message.write_body)``)."""
    w = Writer()
    write(w)
    return w.getvalue()


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

    def u16_list(self, width: int, values: Iterable[int]) -> Writer:
        """``uint16 x<..>`` with a ``width``-byte length prefix (the writer of :meth:`Reader.u16_list`)."""
        with self.block(width):
            for v in values:
                self.u16(v)
        return self

    def vec_list(self, width: int, item_width: int, items: Iterable[bytes]) -> Writer:
        """``opaque item<..>`` items in a list with a ``width``-byte length prefix, each with an
        ``item_width``-byte one (ALPN names, distinguished names, certificates, PSK binders)."""
        with self.block(width):
            for item in items:
                self.vec(item_width, item)
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

    def block(self, width: int) -> _Block:
        """Write a length-prefixed block: the length is patched in when the block closes
        (``with w.block(2): ...``; the ``with`` gives the writer itself)."""
        return _Block(self, width)

    def __len__(self) -> int:
        return len(self._buf)

    def getvalue(self) -> bytes:
        return bytes(self._buf)


class _Block:
    """The context manager of :meth:`Writer.block` (a class: cheaper than a generator-based one)."""

    __slots__ = ("_start", "_width", "_writer")

    def __init__(self, writer: Writer, width: int) -> None:
        self._writer = writer
        self._width = width
        self._start = 0

    def __enter__(self) -> Writer:
        buf = self._writer._buf
        self._start = len(buf)
        buf += bytes(self._width)
        return self._writer

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            return  # as a generator-based block: an exception leaves the length unpatched
        buf = self._writer._buf
        width = self._width
        start = self._start
        n = len(buf) - start - width
        if n >= 1 << (8 * width):
            raise ValueError(f"block of {n} bytes does not fit a {width}-byte length")
        buf[start : start + width] = n.to_bytes(width, "big")
