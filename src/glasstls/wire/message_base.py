"""The base of every handshake message class (RFC 8446 section 4, RFC 5246 section 7.4) and what several share.

:mod:`glasstls.wire.messages` gathers the classes (the TLS 1.2 ones of _messages12 and messages_dhe build on this
module too) and gives each its msg_type in its tables; import the classes from there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Self, TypeVar

from glasstls.wire.codec import Reader, Writer, written
from glasstls.wire.enums import HandshakeType, SignatureScheme

U8_MAX = 0xFF
U16_MAX = 0xFFFF
U24_MAX = 0xFFFFFF

#: The TLS 1.2 key exchange methods whose messages glasstls decodes (RFC 8422 ECDHE, RFC 5246 RSA).
KeyExchangeMethod = Literal["ECDHE", "RSA", "DHE"]  # DHE: wire/messages_dhe.py


class HandshakeMessage:
    """RFC 8446 section 4: ``struct { HandshakeType msg_type; uint24 length; ... } Handshake``. Each subclass
    is a frozen dataclass of the body's fields; its ``msg_type`` comes from
    :data:`~glasstls.wire.messages.MESSAGE_CLASSES` (see :func:`glasstls.wire.extensions.dispatch_table`)."""

    #: The msg_type of the class (set from :data:`~glasstls.wire.messages.MESSAGE_CLASSES`).
    msg_type: ClassVar[HandshakeType]
    #: The encoding given to :func:`with_encoding`, if any.
    _encoding: bytes | None = None

    def write_body(self, w: Writer) -> None:
        """Write the body (no 4-byte header)."""
        raise NotImplementedError

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        """Read the body from ``r``, which holds exactly the body."""
        raise NotImplementedError

    def encode(self) -> bytes:
        """The 4-byte header (type, uint24 length) and the body (or the encoding given to
        :func:`with_encoding`)."""
        known = self._encoding
        if known is not None:
            return known
        w = Writer().u8(self.msg_type)
        with w.block(3):
            self.write_body(w)
        return w.getvalue()

    def encode_body(self) -> bytes:
        """The body (no 4-byte header)."""
        return written(self.write_body)

    @classmethod
    def decode_body(cls, data: bytes) -> Self:
        """Decode the body (no 4-byte header): all of it (DESIGN rule 4), so bytes left over are a decode_error.
        Every message's reader is made and finished here."""
        with Reader(data, cls.__name__) as r:
            return cls.read_body(r)


@dataclass(frozen=True)
class _EmptyMessage(HandshakeMessage):
    """A message with an empty body: ``struct {}`` (a non-empty body is a decode_error). Its subclasses add no
    fields, so they are plain subclasses (a dataclass decorator would only make the same methods again)."""

    def write_body(self, w: Writer) -> None:
        pass  # an empty body

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls()


M = TypeVar("M", bound=HandshakeMessage)


def with_encoding(message: M, raw: bytes) -> M:
    """Let ``message.encode()`` return ``raw``, which the caller made from the same fields piecewise (a
    ClientHello whose PSK binders were filled in after encoding the rest, RFC 8446 section 4.2.11.2), so the
    message is not encoded twice. Kept beside the fields, which stay frozen, and a copy made with
    ``dataclasses.replace`` encodes itself again."""
    object.__setattr__(message, "_encoding", raw)
    return message


def read_digitally_signed(r: Reader) -> tuple[SignatureScheme, bytes]:
    """TLS 1.2 ``digitally-signed``, which always carries its algorithm (RFC 5246 section 4.7):
    ``SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>`` (ServerKeyExchange, ECDHE and DHE)."""
    return SignatureScheme(r.u16("signature_scheme")), r.vec(2, "signature", 0, U16_MAX)
