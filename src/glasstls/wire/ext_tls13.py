"""TLS 1.3 key exchange and PSK extensions: supported_versions, key_share, cookie, psk_key_exchange_modes,
pre_shared_key, early_data (RFC 8446 section 4.2).

Moved out of :mod:`glasstls.wire.extensions`, which re-exports every name and registers them in its tables.
Import it through that module (it imports the base from there: importing this module first is a cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Reader, Writer, length_prefixed, member_lookup
from glasstls.wire.enums import (
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
)
from glasstls.wire.extensions import (
    U16_MAX,
    Extension,
    _EmptyBody,
    _protocol_version,
    _reader,
    _u8_list,
    write_u16_list,
)
from glasstls.wire.limits import MAX_KEY_SHARES, MAX_PSK_IDENTITIES, at_most

__all__ = [
    "Cookie",
    "EarlyData",
    "EarlyDataNewSessionTicket",
    "KeyShareClientHello",
    "KeyShareEntry",
    "KeyShareHelloRetryRequest",
    "KeyShareServerHello",
    "PreSharedKeyClientHello",
    "PreSharedKeyServerHello",
    "PskIdentity",
    "PskKeyExchangeModes",
    "SupportedVersionsClientHello",
    "SupportedVersionsServerHello",
]


@dataclass(frozen=True)
class SupportedVersionsClientHello(Extension):
    """RFC 8446 section 4.2.1: ``ProtocolVersion versions<2..254>``."""

    versions: tuple[ProtocolVersion, ...]

    def encode_body(self) -> bytes:
        return write_u16_list(self.versions, 1)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        versions = tuple(map(_protocol_version, r.u16_list(1, "versions", "versions", 2, 254)))
        r.finish()
        return cls(versions)


@dataclass(frozen=True)
class SupportedVersionsServerHello(Extension):
    """RFC 8446 section 4.2.1: ``ProtocolVersion selected_version`` (ServerHello and HelloRetryRequest)."""

    selected_version: ProtocolVersion

    def encode_body(self) -> bytes:
        return self.selected_version.to_bytes(2, "big")

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        version = ProtocolVersion(r.u16("selected_version"))
        r.finish()
        return cls(version)


# --------------------------------------------------------------------------------------------------------
# key_share (RFC 8446 section 4.2.8)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyShareEntry:
    """RFC 8446 section 4.2.8: ``NamedGroup group; opaque key_exchange<1..2^16-1>``."""

    group: NamedGroup
    key_exchange: bytes

    def write(self, w: Writer) -> None:
        w.u16(self.group).vec(2, self.key_exchange)

    @classmethod
    def read(cls, r: Reader) -> KeyShareEntry:
        group = NamedGroup(r.u16("group"))
        return cls(group, r.vec(2, "key_exchange", 1, U16_MAX))


_named_group = member_lookup(NamedGroup)


def _key_shares(data: bytes) -> tuple[KeyShareEntry, ...] | None:
    """``KeyShareEntry client_shares<0..2^16-1>`` read straight from the bytes; None if anything is off."""
    end = len(data)
    if end < 2 or (data[0] << 8) | data[1] != end - 2:
        return None
    out: list[KeyShareEntry] = []
    pos = 2
    while pos < end:
        if pos + 4 > end:
            return None
        stop = pos + 4 + ((data[pos + 2] << 8) | data[pos + 3])
        if stop == pos + 4 or stop > end or len(out) >= MAX_KEY_SHARES:
            return None
        out.append(KeyShareEntry(_named_group((data[pos] << 8) | data[pos + 1]), data[pos + 4 : stop]))
        pos = stop
    return tuple(out)


@dataclass(frozen=True)
class KeyShareClientHello(Extension):
    """RFC 8446 section 4.2.8: ``KeyShareEntry client_shares<0..2^16-1>`` (may be empty)."""

    client_shares: tuple[KeyShareEntry, ...]

    def encode_body(self) -> bytes:
        shares = b"".join([e.group.to_bytes(2, "big") + length_prefixed(2, e.key_exchange) for e in self.client_shares])
        if len(shares) > U16_MAX:
            raise ValueError(f"block of {len(shares)} bytes does not fit a 2-byte length")
        return len(shares).to_bytes(2, "big") + shares

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        shares = _key_shares(data)
        if shares is not None:
            return cls(shares)
        r = _reader(cls, data, ctx)  # malformed: read field by field for the error
        entries = tuple(r.list_of(2, "client_shares", at_most(MAX_KEY_SHARES, KeyShareEntry.read), 0, U16_MAX))
        r.finish()
        return cls(entries)


@dataclass(frozen=True)
class KeyShareServerHello(Extension):
    """RFC 8446 section 4.2.8: ``KeyShareEntry server_share``."""

    server_share: KeyShareEntry

    def encode_body(self) -> bytes:
        share = self.server_share
        return share.group.to_bytes(2, "big") + length_prefixed(2, share.key_exchange)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        n = len(data)
        if n > 4 and (data[2] << 8) | data[3] == n - 4:  # one well-formed entry: read straight
            return cls(KeyShareEntry(_named_group((data[0] << 8) | data[1]), data[4:]))
        r = _reader(cls, data, ctx)
        share = KeyShareEntry.read(r)
        r.finish()
        return cls(share)


@dataclass(frozen=True)
class KeyShareHelloRetryRequest(Extension):
    """RFC 8446 section 4.2.8: ``NamedGroup selected_group`` (HelloRetryRequest)."""

    selected_group: NamedGroup

    def encode_body(self) -> bytes:
        return Writer().u16(self.selected_group).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        group = NamedGroup(r.u16("selected_group"))
        r.finish()
        return cls(group)


@dataclass(frozen=True)
class Cookie(Extension):
    """RFC 8446 section 4.2.2: ``opaque cookie<1..2^16-1>``."""

    cookie: bytes

    def encode_body(self) -> bytes:
        return Writer().vec(2, self.cookie).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        cookie = r.vec(2, "cookie", 1, U16_MAX)
        r.finish()
        return cls(cookie)


@dataclass(frozen=True)
class PskKeyExchangeModes(Extension):
    """RFC 8446 section 4.2.9: ``PskKeyExchangeMode ke_modes<1..255>``."""

    ke_modes: tuple[PskKeyExchangeMode, ...]

    def encode_body(self) -> bytes:
        w = Writer()
        with w.block(1):
            for mode in self.ke_modes:
                w.u8(mode)
        return w.getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        modes = _u8_list(r, "ke_modes", PskKeyExchangeMode, 1, 255)
        r.finish()
        return cls(modes)


# --------------------------------------------------------------------------------------------------------
# pre_shared_key (RFC 8446 section 4.2.11), early_data (4.2.10)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PskIdentity:
    """RFC 8446 section 4.2.11: ``opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age``."""

    identity: bytes
    obfuscated_ticket_age: int

    def write(self, w: Writer) -> None:
        w.vec(2, self.identity).u32(self.obfuscated_ticket_age)

    @classmethod
    def read(cls, r: Reader) -> PskIdentity:
        identity = r.vec(2, "identity", 1, U16_MAX)
        return cls(identity, r.u32("obfuscated_ticket_age"))


@dataclass(frozen=True)
class PreSharedKeyClientHello(Extension):
    """RFC 8446 section 4.2.11: ``PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>``,
    ``opaque PskBinderEntry<32..255>``.

    The binders are the last bytes of the ClientHello (the extension must come last, which
    :func:`check_extensions_allowed` checks); :meth:`binders_length` tells the caller how many bytes to cut
    to form the truncated ClientHello of RFC 8446 section 4.2.11.2.
    """

    identities: tuple[PskIdentity, ...]
    binders: tuple[bytes, ...]

    def encode_binders(self) -> bytes:
        """The ``binders`` field: 2-byte length and the entries."""
        binders = b"".join([length_prefixed(1, binder) for binder in self.binders])
        if len(binders) > U16_MAX:
            raise ValueError(f"block of {len(binders)} bytes does not fit a 2-byte length")
        return len(binders).to_bytes(2, "big") + binders

    def binders_length(self) -> int:
        """Bytes the encoded binders field takes at the end of the ClientHello (2-byte length + entries)."""
        return 2 + sum(1 + len(b) for b in self.binders)

    def encode_body(self) -> bytes:
        identities = b"".join(
            [length_prefixed(2, i.identity) + i.obfuscated_ticket_age.to_bytes(4, "big") for i in self.identities]
        )
        if len(identities) > U16_MAX:
            raise ValueError(f"block of {len(identities)} bytes does not fit a 2-byte length")
        return len(identities).to_bytes(2, "big") + identities + self.encode_binders()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        fast = _psk_offer(data)
        if fast is not None:
            return cls(*fast)
        r = _reader(cls, data, ctx)  # malformed: read field by field for the error
        identities = tuple(r.list_of(2, "identities", at_most(MAX_PSK_IDENTITIES, PskIdentity.read), 7, U16_MAX))
        binder = at_most(MAX_PSK_IDENTITIES, lambda s: s.vec(1, "PskBinderEntry", 32, 255))
        binders = tuple(r.list_of(2, "binders", binder, 33, U16_MAX))
        r.finish()
        return cls(identities, binders)


def _psk_offer(data: bytes) -> tuple[tuple[PskIdentity, ...], tuple[bytes, ...]] | None:
    """RFC 8446 section 4.2.11 ``identities<7..2^16-1>`` and ``binders<33..2^16-1>`` read straight from the
    bytes; None if anything is off (the reader then gives the error)."""
    end = len(data)
    if end < 2:
        return None
    ids_end = 2 + ((data[0] << 8) | data[1])
    if ids_end < 9 or ids_end + 2 > end:
        return None
    identities: list[PskIdentity] = []
    pos = 2
    while pos < ids_end:
        if pos + 2 > ids_end:
            return None
        stop = pos + 2 + ((data[pos] << 8) | data[pos + 1])
        if stop == pos + 2 or stop + 4 > ids_end or len(identities) >= MAX_PSK_IDENTITIES:
            return None
        identities.append(PskIdentity(data[pos + 2 : stop], int.from_bytes(data[stop : stop + 4], "big")))
        pos = stop + 4
    binders_len = (data[ids_end] << 8) | data[ids_end + 1]
    pos = ids_end + 2
    if binders_len < 33 or pos + binders_len != end:
        return None
    binders: list[bytes] = []
    while pos < end:
        stop = pos + 1 + data[pos]
        if stop - pos - 1 < 32 or stop > end or len(binders) >= MAX_PSK_IDENTITIES:
            return None
        binders.append(data[pos + 1 : stop])
        pos = stop
    return tuple(identities), tuple(binders)


@dataclass(frozen=True)
class PreSharedKeyServerHello(Extension):
    """RFC 8446 section 4.2.11: ``uint16 selected_identity``."""

    selected_identity: int

    def encode_body(self) -> bytes:
        return self.selected_identity.to_bytes(2, "big")

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        selected = r.u16("selected_identity")
        r.finish()
        return cls(selected)


@dataclass(frozen=True)
class EarlyData(_EmptyBody):
    """RFC 8446 section 4.2.10: early_data in ClientHello and EncryptedExtensions (empty)."""



@dataclass(frozen=True)
class EarlyDataNewSessionTicket(Extension):
    """RFC 8446 section 4.2.10: ``uint32 max_early_data_size`` (NewSessionTicket)."""

    max_early_data_size: int

    def encode_body(self) -> bytes:
        return Writer().u32(self.max_early_data_size).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        size = r.u32("max_early_data_size")
        r.finish()
        return cls(size)
