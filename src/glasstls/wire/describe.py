"""A JSON-friendly view of wire objects, for traces.

``describe(obj)`` turns a handshake message, an extension, an alert or any value inside them into plain
dicts, lists, strings and numbers: open enums become their names (``X25519``, ``GREASE_0x0a0a``), bytes
become lowercase hex (values longer than 64 bytes are cut to their first 32 bytes and their length).
Messages carry only public values, so nothing here is secret (DESIGN rule 9).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from glasstls.wire.extensions import Extension
from glasstls.wire.messages import HandshakeMessage, ServerHello

__all__ = ["MAX_BYTES_SHOWN", "describe"]

#: Byte strings longer than this are truncated in a description.
MAX_BYTES_SHOWN = 64
_TRUNCATED_PREFIX = 32


def _hex(data: bytes | bytearray | memoryview) -> str:
    data = bytes(data)
    if len(data) > MAX_BYTES_SHOWN:
        return f"{data[:_TRUNCATED_PREFIX].hex()}…({len(data)} bytes)"
    return data.hex()


def _fields(obj: Any) -> dict[str, object]:
    return {f.name: describe(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def describe(obj: object) -> object:
    """A JSON-friendly view of ``obj`` (see the module docstring).

    - handshake message -> ``{"type": "CLIENT_HELLO", <fields>}`` (``HELLO_RETRY_REQUEST`` for an HRR);
    - extension -> ``{"extension": "KEY_SHARE", <fields>}`` (an unknown one: its type name and ``data``);
    - other dataclass -> ``{"type": <class name>, <fields>}``;
    - open enum -> its name; bytes -> hex; tuple/list -> list; int/str/bool/None unchanged.
    """
    if isinstance(obj, HandshakeMessage):
        name = str(obj.msg_type)
        if isinstance(obj, ServerHello) and obj.is_hello_retry_request:
            name = "HELLO_RETRY_REQUEST"
        return {"type": name, **_fields(obj)}
    if isinstance(obj, Extension):
        out: dict[str, object] = {"extension": str(obj.wire_type)}
        out.update((k, v) for k, v in _fields(obj).items() if k != "ext_type_value")
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"type": type(obj).__name__, **_fields(obj)}
    if isinstance(obj, enum.Enum):
        return str(obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        return _hex(obj)
    if isinstance(obj, tuple | list):
        return [describe(item) for item in obj]
    if isinstance(obj, dict):
        return {str(describe(k)): describe(v) for k, v in obj.items()}
    return obj
