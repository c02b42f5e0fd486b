"""The base of every extension class (RFC 8446 section 4.2) and the readers several extensions share.

:mod:`glasstls.wire.extensions` gathers the classes (ext_common, ext_tls12, ext_tls13 build on this module) and
gives each its extension_type in its tables; import the classes from there."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self, TypeVar

from glasstls.errors import DecodeError
from glasstls.wire.codec import Reader, Writer, member_lookup, written
from glasstls.wire.enums import CertificateStatusType, ExtensionType, HandshakeType, ProtocolVersion, message_label
from glasstls.wire.limits import u16_items

T = TypeVar("T")
K = TypeVar("K")
W = TypeVar("W")
C = TypeVar("C")

U16_MAX = 0xFFFF
U24_MAX = 0xFFFFFF

#: Names of the messages that carry extensions, for error messages and traces (a certificate's extensions are
#: those of its CertificateEntry, RFC 8446 section 4.4.2).
MESSAGE_NAMES: dict[HandshakeType, str] = {
    t: "CertificateEntry" if t == HandshakeType.CERTIFICATE else message_label(t)
    for t in (
        HandshakeType.CLIENT_HELLO,
        HandshakeType.SERVER_HELLO,
        HandshakeType.HELLO_RETRY_REQUEST,
        HandshakeType.ENCRYPTED_EXTENSIONS,
        HandshakeType.CERTIFICATE,
        HandshakeType.CERTIFICATE_REQUEST,
        HandshakeType.NEW_SESSION_TICKET,
    )
}

_protocol_version = member_lookup(ProtocolVersion)


def dispatch_table(rows: Iterable[tuple[type[K], W, tuple[C, ...]]], attribute: str) -> dict[tuple[W, C], type[K]]:
    """Give each class of ``rows`` (class, wire type, contexts) its wire type as ``attribute`` (``ext_type``,
    ``msg_type``) and return the table ``(wire type, context) -> class`` that decoders look classes up in: the
    one place where a class gets both, so they cannot disagree. (Not a class-body assignment: mypyc hands every
    class-body assignment of a dataclass to @dataclass as a field; nor a class decorator: mypyc makes a decorated
    class a non-native one, which may not inherit from a native one.)"""
    table: dict[tuple[W, C], type[K]] = {}
    for cls, wire_type, contexts in rows:
        setattr(cls, attribute, wire_type)
        for context in contexts:
            table[(wire_type, context)] = cls
    return table


def _message_name(ctx: HandshakeType) -> str:
    return MESSAGE_NAMES.get(ctx, str(ctx))


# --------------------------------------------------------------------------------------------------------
# Base classes
# --------------------------------------------------------------------------------------------------------


class Extension:
    """One extension (RFC 8446 section 4.2: ``struct { ExtensionType extension_type; opaque
    extension_data<0..2^16-1>; } Extension``). Each subclass is a frozen dataclass of the body's fields and
    implements the body; its ``ext_type`` comes from :data:`~glasstls.wire.extensions.EXTENSION_CLASSES` (see
    :func:`dispatch_table`)."""

    #: The extension_type of the class (set from :data:`~glasstls.wire.extensions.EXTENSION_CLASSES`).
    ext_type: ClassVar[ExtensionType]

    @property
    def wire_type(self) -> ExtensionType:
        """The extension_type on the wire (for :class:`UnknownExtension`, the type it was read with)."""
        return self.ext_type

    def write_body(self, w: Writer) -> None:
        """Write the ``extension_data`` (without type and length)."""
        raise NotImplementedError

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        """Read the ``extension_data`` as found in a message of type ``ctx`` (``r`` holds exactly the body)."""
        raise NotImplementedError

    def write(self, w: Writer) -> None:
        """Type, length and body."""
        with w.u16(self.wire_type).block(2):
            self.write_body(w)

    def encode(self) -> bytes:
        """Type, length and body."""
        return written(self.write)

    def encode_body(self) -> bytes:
        """The ``extension_data`` bytes (without type and length)."""
        return written(self.write_body)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        """Decode ``extension_data`` as found in a message of type ``ctx``: all of it (DESIGN rule 4), so bytes
        left over are a decode_error. Every extension's reader is made and finished here."""
        with Reader(data, lambda: f"{_message_name(ctx)} {cls.ext_type} extension") as r:  # name: made on demand
            return cls.read_body(r, ctx)


@dataclass(frozen=True)
class _EmptyBody(Extension):
    """An extension whose ``extension_data`` is empty (a non-empty body is a decode_error). Its subclasses add no
    fields, so they are plain subclasses: a dataclass decorator would only make the same methods again at import."""

    def write_body(self, w: Writer) -> None:
        pass  # an empty body

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        if not r.at_end():
            raise DecodeError(f"{cls.ext_type} extension: body must be empty, got {r.remaining} bytes")
        return cls()


def _u16_list(r: Reader, field: str, enum: Callable[[int], T], min_len: int, max_len: int) -> tuple[T, ...]:
    convert = member_lookup(enum) if isinstance(enum, type) and issubclass(enum, IntEnum) else enum
    return tuple(map(convert, u16_items(r, field, field, min_len, max_len)))  # type: ignore[arg-type]


def _u8_list(r: Reader, field: str, enum: Callable[[int], T], min_len: int, max_len: int) -> tuple[T, ...]:
    return tuple(r.list_of(1, field, lambda s: enum(s.u8(field)), min_len, max_len))


def read_ocsp_status_type(r: Reader) -> CertificateStatusType:
    """``CertificateStatusType status_type``, which must be ocsp(1): the only type with a defined body (RFC 6066
    section 8), in the status_request extension, a TLS 1.3 CertificateEntry and the TLS 1.2 CertificateStatus."""
    status_type = CertificateStatusType(r.u8("status_type"))
    if status_type != CertificateStatusType.OCSP:
        raise DecodeError(f"{r.what}: status_type {status_type} is not OCSP (RFC 6066 section 8)")
    return status_type


def read_distinguished_names(r: Reader, field: str, min_len: int) -> tuple[bytes, ...]:
    """``DistinguishedName field<min_len..2^16-1>``, ``opaque DistinguishedName<1..2^16-1>`` (DER, not parsed
    here): certificate_authorities (RFC 8446 section 4.2.4) and the TLS 1.2 CertificateRequest (RFC 5246 7.4.4)."""
    return tuple(r.list_of(2, field, lambda s: s.vec(2, "DistinguishedName", 1, U16_MAX), min_len, U16_MAX))
