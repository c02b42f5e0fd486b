"""Reader and Writer for the TLS presentation language (RFC 8446 section 3).

``Reader`` consumes exactly: every read is bounds-checked, ``finish()`` refuses leftover bytes, and each
failure raises :class:`~glasstls.errors.DecodeError` naming the field. Variable-length vectors declare
their length-prefix width and their minimum and maximum length, as ``opaque x<min..max>`` does in the RFC.
"""

from __future__ import annotations

import dataclasses
import enum
import sys
from array import array
from collections.abc import Callable
from typing import TypeVar

from glasstls.errors import DecodeError

T = TypeVar("T")
EnumT = TypeVar("EnumT", bound=enum.IntEnum)
C = TypeVar("C", bound=type)

_LITTLE_ENDIAN = sys.byteorder == "little"
_LOOKUPS: dict[type[enum.IntEnum], Callable[[int], enum.IntEnum]] = {}
#: Set only while wire/spans.py annotates a message (its recorder adopts each new Reader); None otherwise, so a
#: Reader costs one global look-up more and its reads nothing (see glasstls.wire.spans).
_span_hook: Callable[[Reader], None] | None = None


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


def fast_frozen_init(cls: C) -> C:
    """Give a frozen dataclass a faster ``__init__`` with the same signature and effect.

    The ``__init__`` that ``dataclass(frozen=True)`` writes sets each field through ``object.__setattr__``; the
    one made here writes the fields into the instance dict directly (what ``TraceEvent`` does by hand), about
    twice as fast. Handshakes make hundreds of messages, extensions and actions, so it shows. Only for classes
    it can copy exactly: frozen, with an instance dict, every field in ``__init__`` and positional, plain
    defaults (no ``default_factory``) and no ``__post_init__``; for any other class it raises ``TypeError``.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is not None and cls.__dictoffset__ == 0 and "__slots__" not in cls.__dict__:
        return cls  # compiled (make compiled: mypyc classes have no instance dict): its own __init__ is fast
    if params is None or not params.frozen or "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_frozen_init: {cls.__name__} is not a plain frozen dataclass")
    names: list[str] = []
    defaults: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"fast_frozen_init: {cls.__name__}.{f.name} is not a plain positional field")
        if f.default is not dataclasses.MISSING:
            defaults[f"_default_{f.name}"] = f.default
            names.append(f"{f.name}=_default_{f.name}")
        else:
            names.append(f.name)
    lines = [f"def __init__(self{''.join(', ' + n for n in names)}):", "    d = self.__dict__"]
    lines += [f"    d[{f.name!r}] = {f.name}" for f in dataclasses.fields(cls)]
    namespace: dict[str, object] = dict(defaults)
    exec("\n".join(lines), namespace)  # our own field names only, as dataclasses itself does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__  # type: ignore[misc]
    cls.__init__ = init  # type: ignore[misc]
    return cls


def fast_frozen_inits(namespace: dict[str, object], module: str) -> None:
    """:func:`fast_frozen_init` for every dataclass defined in ``module`` (call it at the end of the module
    with ``globals(), __name__``): the message and extension classes of ``wire`` all qualify."""
    for value in list(namespace.values()):
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module:
            fast_frozen_init(value)


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

    __slots__ = ("_base", "_data", "_end", "_pos", "_rec", "_what")  # _base, _rec: set only by wire/spans.py

    def __init__(self, data: bytes | bytearray | memoryview, what: str | Callable[[], str] = "message") -> None:
        self._data = data if type(data) is bytes else bytes(data)
        self._pos = 0
        self._end = len(self._data)
        self._what = what
        if _span_hook is not None:
            _span_hook(self)

    @property
    def what(self) -> str:
        what = self._what
        if not isinstance(what, str):
            what = self._what = what()
        return what

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

    def u8(self, field: str) -> int:
        pos = self._pos
        if pos >= self._end:
            raise self._truncated(1, field)
        self._pos = pos + 1
        return self._data[pos]

    def u16(self, field: str) -> int:
        pos = self._pos
        if pos + 2 > self._end:
            raise self._truncated(2, field)
        self._pos = pos + 2
        data = self._data
        return (data[pos] << 8) | data[pos + 1]

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
        pos = self._pos
        start = pos + width
        if start > self._end:
            raise self._truncated(width, f"{field} length")
        data = self._data
        if width == 2:
            n = (data[pos] << 8) | data[pos + 1]
        elif width == 1:
            n = data[pos]
        else:
            n = int.from_bytes(data[pos:start], "big")
        self._pos = start
        limit = (1 << (8 * width)) - 1 if max_len is None else max_len
        if n < min_len or n > limit:
            raise DecodeError(f"{self.what}: {field} length {n} outside <{min_len}..{limit}>")
        end = start + n
        if end > self._end:
            raise self._truncated(n, field)
        self._pos = end
        return data[start:end]

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
        data = self.vec(width, field, min_len, max_len)
        if len(data) & 1:
            # The last item is one byte short, as the item-by-item reader would find it.
            raise DecodeError(f"{self.what}.{field}: truncated at {item_field} (needs 2 bytes, 1 left)")
        values = array("H", data)
        if _LITTLE_ENDIAN:
            values.byteswap()
        return values.tolist()

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
