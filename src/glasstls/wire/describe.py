"""A JSON-friendly view of wire objects, for traces.

``describe(obj)`` turns a handshake message, an extension, an alert or any value inside them into plain
dicts, lists, strings and numbers: open enums become their names (``X25519``, ``GREASE_0x0a0a``), bytes
become lowercase hex (values longer than 64 bytes are cut to their first 32 bytes and their length).
Messages carry only public values, so nothing here is secret (DESIGN rule 9).

TLS 1.2 key exchange messages say which method they belong to (``"key_exchange": "ECDHE"`` or ``"RSA"``),
since both ClientKeyExchange shapes share one message type; the ECDHE ServerKeyExchange also shows its
``curve_type``. The RSA-encrypted premaster secret is shown only as its length (``"256 bytes"``): whoever
holds the server's RSA key could read the premaster secret from it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

from glasstls.wire.enums import ECCurveType
from glasstls.wire.extensions import Extension
from glasstls.wire.messages import (
    ClientKeyExchangeEcdhe,
    ClientKeyExchangeRsa,
    HandshakeMessage,
    ServerHello,
    ServerKeyExchangeEcdhe,
)

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


def _server_key_exchange_ecdhe(msg: Any) -> dict[str, object]:
    return {"key_exchange": "ECDHE", "curve_type": str(ECCurveType.NAMED_CURVE), **_fields(msg)}


def _client_key_exchange_ecdhe(msg: Any) -> dict[str, object]:
    return {"key_exchange": "ECDHE", **_fields(msg)}


def _client_key_exchange_rsa(msg: Any) -> dict[str, object]:
    return {"key_exchange": "RSA", "encrypted_premaster": f"{len(msg.encrypted_premaster)} bytes"}


#: Messages whose view is more than their fields (marks for traces) or less (values shown as a length).
_MESSAGE_VIEWS: dict[type[HandshakeMessage], Callable[[Any], dict[str, object]]] = {
    ServerKeyExchangeEcdhe: _server_key_exchange_ecdhe,
    ClientKeyExchangeEcdhe: _client_key_exchange_ecdhe,
    ClientKeyExchangeRsa: _client_key_exchange_rsa,
}


def describe(obj: object) -> object:
    """A JSON-friendly view of ``obj`` (see the module docstring).

    - handshake message -> ``{"type": "CLIENT_HELLO", <fields>}`` (``HELLO_RETRY_REQUEST`` for an HRR;
      TLS 1.2 key exchange messages add ``key_exchange``, see the module docstring);
    - extension -> ``{"extension": "KEY_SHARE", <fields>}`` (an unknown one: its type name and ``data``);
    - other dataclass -> ``{"type": <class name>, <fields>}``;
    - open enum -> its name; bytes -> hex; tuple/list -> list; int/str/bool/None unchanged.
    """
    if isinstance(obj, HandshakeMessage):
        name = str(obj.msg_type)
        if isinstance(obj, ServerHello) and obj.is_hello_retry_request:
            name = "HELLO_RETRY_REQUEST"
        view = _MESSAGE_VIEWS.get(type(obj), _fields)
        return {"type": name, **view(obj)}
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
