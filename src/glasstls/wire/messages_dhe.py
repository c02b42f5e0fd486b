"""The TLS 1.2 finite-field DHE key exchange messages (RFC 5246 sections 7.4.3 and 7.4.7.2).

Kept beside :mod:`glasstls.wire.messages` (which has no room left) and registered in its
``KEY_EXCHANGE_DECODERS`` under the method ``"DHE"`` when this module is imported (the handshake states import
it, so any connection can decode them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Writer
from glasstls.wire.enums import HandshakeType, SignatureScheme
from glasstls.wire.messages import U16_MAX, HandshakeMessage, _reader, key_exchange_message, read_digitally_signed


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

    def encode_body(self) -> bytes:
        return Writer().raw(self.params_bytes()).u16(self.signature_scheme).vec(2, self.signature).getvalue()

    @classmethod
    def decode_body(cls, data: bytes) -> Self:
        with _reader(cls, data) as r:
            p = r.vec(2, "dh_p", 1, U16_MAX)
            g = r.vec(2, "dh_g", 1, U16_MAX)
            public = r.vec(2, "dh_Ys", 1, U16_MAX)
            return cls(p, g, public, *read_digitally_signed(r))


@dataclass(frozen=True)
class ClientKeyExchangeDhe(HandshakeMessage):
    """RFC 5246 section 7.4.7.2, ``ClientDiffieHellmanPublic`` in its explicit form: ``opaque dh_Yc<1..2^16-1>``.
    The implicit form (an empty body, for fixed-DH client certificates) fails with decode_error."""

    public: bytes

    def encode_body(self) -> bytes:
        return Writer().vec(2, self.public).getvalue()

    @classmethod
    def decode_body(cls, data: bytes) -> Self:
        with _reader(cls, data) as r:
            return cls(r.vec(2, "dh_Yc", 1, U16_MAX))


key_exchange_message(ServerKeyExchangeDhe, HandshakeType.SERVER_KEY_EXCHANGE, "DHE")
key_exchange_message(ClientKeyExchangeDhe, HandshakeType.CLIENT_KEY_EXCHANGE, "DHE")

__all__ = ["ClientKeyExchangeDhe", "ServerKeyExchangeDhe"]
