"""The TLS 1.2 extensions: renegotiation_info (RFC 5746), extended_master_secret (RFC 7627), encrypt_then_mac
(RFC 7366), session_ticket (RFC 5077) and ec_point_formats (RFC 8422); re-exported by glasstls.wire.extensions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Reader, Writer
from glasstls.wire.enums import (
    ECPointFormat,
    HandshakeType,
)
from glasstls.wire.extension_base import (
    Extension,
    _EmptyBody,
    _u8_list,
)


@dataclass(frozen=True)
class RenegotiationInfo(Extension):
    """RFC 5746 section 3.2: ``opaque renegotiated_connection<0..255>``."""

    renegotiated_connection: bytes = b""

    def write_body(self, w: Writer) -> None:
        w.vec(1, self.renegotiated_connection)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.vec(1, "renegotiated_connection", 0, 255))


class ExtendedMasterSecret(_EmptyBody):
    """RFC 7627 section 5.1: extended_master_secret, empty."""


class EncryptThenMac(_EmptyBody):
    """RFC 7366 section 2: encrypt_then_mac, empty."""


@dataclass(frozen=True)
class SessionTicket(Extension):
    """RFC 5077 section 3.2: the body is the raw ticket (may be empty)."""

    ticket: bytes = b""

    def write_body(self, w: Writer) -> None:
        w.raw(self.ticket)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.rest())


@dataclass(frozen=True)
class EcPointFormats(Extension):
    """RFC 8422 section 5.1.2: ``ECPointFormat ec_point_format_list<1..2^8-1>``."""

    ec_point_format_list: tuple[ECPointFormat, ...]

    def write_body(self, w: Writer) -> None:
        w.vec(1, bytes(self.ec_point_format_list))

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_u8_list(r, "ec_point_format_list", ECPointFormat, 1, 255))
