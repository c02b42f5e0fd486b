"""The TLS 1.2 finite-field DHE key exchange messages (RFC 5246 sections 7.4.3 and 7.4.7.2).

Kept beside :mod:`glasstls.wire.messages` (which has no room left) and registered in its
``KEY_EXCHANGE_DECODERS`` under the method ``"DHE"`` when this module is imported (the handshake states import
it, so any connection can decode them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Reader, Writer
from glasstls.wire.enums import HandshakeType, SignatureScheme
from glasstls.wire.extensions import dispatch_table
from glasstls.wire.message_base import U16_MAX, HandshakeMessage, read_digitally_signed
from glasstls.wire.messages import KEY_EXCHANGE_DECODERS


@dataclass(frozen=True)
class ServerKeyExchangeDhe(HandshakeMessage):
    """RFC 5246 section 7.4.3, the DHE ServerKeyExchange::

        struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; } ServerDHParams;
        struct { ServerDHParams params; digitally-signed struct { ClientHello.random; ServerHello.random;
                 ServerDHParams params; } signed_params; } ServerKeyExchange;

    The parameters are kept as sent (big-endian integers, leading zeros allowed); which RFC 7919 group they are,
    and whether Ys is in range, is the state's business (RFC 7919 sections 3 and 5.1).
    """

    p: bytes
    g: bytes
    public: bytes
    signature_scheme: SignatureScheme
    signature: bytes

    def params_bytes(self) -> bytes:
        """The ServerDHParams encoding, which the signature covers (RFC 5246 section 7.4.3)."""
        return Writer().vec(2, self.p).vec(2, self.g).vec(2, self.public).getvalue()

    def write_body(self, w: Writer) -> None:
        w.raw(self.params_bytes()).u16(self.signature_scheme).vec(2, self.signature)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        p = r.vec(2, "dh_p", 1, U16_MAX)
        g = r.vec(2, "dh_g", 1, U16_MAX)
        public = r.vec(2, "dh_Ys", 1, U16_MAX)
        return cls(p, g, public, *read_digitally_signed(r))


@dataclass(frozen=True)
class ClientKeyExchangeDhe(HandshakeMessage):
    """RFC 5246 section 7.4.7.2, ``ClientDiffieHellmanPublic`` in its explicit form: ``opaque dh_Yc<1..2^16-1>``.
    The implicit form (an empty body, for fixed-DH client certificates) fails with decode_error."""

    public: bytes

    def write_body(self, w: Writer) -> None:
        w.vec(2, self.public)

    @classmethod
    def read_body(cls, r: Reader) -> Self:
        return cls(r.vec(2, "dh_Yc", 1, U16_MAX))


KEY_EXCHANGE_DECODERS.update(
    dispatch_table(
        (
            (ServerKeyExchangeDhe, HandshakeType.SERVER_KEY_EXCHANGE, ("DHE",)),
            (ClientKeyExchangeDhe, HandshakeType.CLIENT_KEY_EXCHANGE, ("DHE",)),
        ),
        "msg_type",
    )
)

__all__ = ["ClientKeyExchangeDhe", "ServerKeyExchangeDhe"]
