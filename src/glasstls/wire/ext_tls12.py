"""TLS 1.2 / legacy extensions: renegotiation_info (RFC 5746), extended_master_secret (RFC 7627),
encrypt_then_mac (RFC 7366), session_ticket (RFC 5077), ec_point_formats (RFC 8422).

Moved out of :mod:`glasstls.wire.extensions`, which re-exports every name and registers them in its tables.
Import it through that module (it imports the base from there: importing this module first is a cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Writer
from glasstls.wire.enums import (
    ECPointFormat,
    HandshakeType,
)
from glasstls.wire.extensions import (
    Extension,
    _EmptyBody,
    _reader,
    _u8_list,
)

__all__ = [
    "EcPointFormats",
    "EncryptThenMac",
    "ExtendedMasterSecret",
    "RenegotiationInfo",
    "SessionTicket",
]


@dataclass(frozen=True)
class RenegotiationInfo(Extension):
    """RFC 5746 section 3.2: ``opaque renegotiated_connection<0..255>``."""

    renegotiated_connection: bytes = b""

    def encode_body(self) -> bytes:
        return Writer().vec(1, self.renegotiated_connection).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        with _reader(cls, data, ctx) as r:
            return cls(r.vec(1, "renegotiated_connection", 0, 255))


@dataclass(frozen=True)
class ExtendedMasterSecret(_EmptyBody):
    """RFC 7627 section 5.1: extended_master_secret, empty."""


@dataclass(frozen=True)
class EncryptThenMac(_EmptyBody):
    """RFC 7366 section 2: encrypt_then_mac, empty."""


@dataclass(frozen=True)
class SessionTicket(Extension):
    """RFC 5077 section 3.2: the body is the raw ticket (may be empty)."""

    ticket: bytes = b""

    def encode_body(self) -> bytes:
        return self.ticket

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        return cls(bytes(data))


@dataclass(frozen=True)
class EcPointFormats(Extension):
    """RFC 8422 section 5.1.2: ``ECPointFormat ec_point_format_list<1..2^8-1>``."""

    ec_point_format_list: tuple[ECPointFormat, ...]

    def encode_body(self) -> bytes:
        return Writer().vec(1, bytes(self.ec_point_format_list)).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        with _reader(cls, data, ctx) as r:
            return cls(_u8_list(r, "ec_point_format_list", ECPointFormat, 1, 255))
