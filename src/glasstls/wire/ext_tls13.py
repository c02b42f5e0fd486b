"""Key exchange and PSK for TLS 1.3 (RFC 8446 section 4.2): supported_versions, key_share, cookie,
psk_key_exchange_modes, pre_shared_key and early_data; glasstls.wire.extensions lists them in its tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.wire.codec import Reader, Writer, member_lookup
from glasstls.wire.enums import (
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
)
from glasstls.wire.extension_base import (
    U16_MAX,
    Extension,
    _EmptyBody,
    _protocol_version,
    _u8_list,
)
from glasstls.wire.limits import MAX_KEY_SHARES, MAX_PSK_IDENTITIES, at_most


@dataclass(frozen=True)
class SupportedVersionsClientHello(Extension):
    """RFC 8446 section 4.2.1: ``ProtocolVersion versions<2..254>``."""

    versions: tuple[ProtocolVersion, ...]

    def write_body(self, w: Writer) -> None:
        w.u16_list(1, self.versions)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(tuple(map(_protocol_version, r.u16_list(1, "versions", "versions", 2, 254))))


@dataclass(frozen=True)
class SupportedVersionsServerHello(Extension):
    """RFC 8446 section 4.2.1: ``ProtocolVersion selected_version`` (ServerHello and HelloRetryRequest)."""

    selected_version: ProtocolVersion

    def write_body(self, w: Writer) -> None:
        w.u16(self.selected_version)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_protocol_version(r.u16("selected_version")))


# --------------------------------------------------------------------------------------------------------
# key_share (RFC 8446 section 4.2.8)
# --------------------------------------------------------------------------------------------------------

_named_group = member_lookup(NamedGroup)


@dataclass(frozen=True)
class KeyShareEntry:
    """RFC 8446 section 4.2.8: ``NamedGroup group; opaque key_exchange<1..2^16-1>``."""

    group: NamedGroup
    key_exchange: bytes

    def write(self, w: Writer) -> None:
        w.u16(self.group).vec(2, self.key_exchange)

    @classmethod
    def read(cls, r: Reader) -> KeyShareEntry:
        group = _named_group(r.u16("group"))
        return cls(group, r.vec(2, "key_exchange", 1, U16_MAX))


@dataclass(frozen=True)
class KeyShareClientHello(Extension):
    """RFC 8446 section 4.2.8: ``KeyShareEntry client_shares<0..2^16-1>`` (may be empty)."""

    client_shares: tuple[KeyShareEntry, ...]

    def write_body(self, w: Writer) -> None:
        with w.block(2):
            for entry in self.client_shares:
                entry.write(w)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        entry = at_most(MAX_KEY_SHARES, KeyShareEntry.read)
        return cls(tuple(r.list_of(2, "client_shares", entry, 0, U16_MAX)))


@dataclass(frozen=True)
class KeyShareServerHello(Extension):
    """RFC 8446 section 4.2.8: ``KeyShareEntry server_share``."""

    server_share: KeyShareEntry

    def write_body(self, w: Writer) -> None:
        self.server_share.write(w)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(KeyShareEntry.read(r))


@dataclass(frozen=True)
class KeyShareHelloRetryRequest(Extension):
    """RFC 8446 section 4.2.8: ``NamedGroup selected_group`` (HelloRetryRequest)."""

    selected_group: NamedGroup

    def write_body(self, w: Writer) -> None:
        w.u16(self.selected_group)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_named_group(r.u16("selected_group")))


@dataclass(frozen=True)
class Cookie(Extension):
    """RFC 8446 section 4.2.2: ``opaque cookie<1..2^16-1>``."""

    cookie: bytes

    def write_body(self, w: Writer) -> None:
        w.vec(2, self.cookie)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.vec(2, "cookie", 1, U16_MAX))


@dataclass(frozen=True)
class PskKeyExchangeModes(Extension):
    """RFC 8446 section 4.2.9: ``PskKeyExchangeMode ke_modes<1..255>``."""

    ke_modes: tuple[PskKeyExchangeMode, ...]

    def write_body(self, w: Writer) -> None:
        w.vec(1, bytes(self.ke_modes))

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_u8_list(r, "ke_modes", PskKeyExchangeMode, 1, 255))


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
        return Writer().vec_list(2, 1, self.binders).getvalue()

    def binders_length(self) -> int:
        """Bytes the encoded binders field takes at the end of the ClientHello (2-byte length + entries)."""
        return 2 + sum(1 + len(b) for b in self.binders)

    def write_body(self, w: Writer) -> None:
        with w.block(2):
            for identity in self.identities:
                identity.write(w)
        w.raw(self.encode_binders())

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        identity = at_most(MAX_PSK_IDENTITIES, PskIdentity.read)
        binder = at_most(MAX_PSK_IDENTITIES, lambda s: s.vec(1, "PskBinderEntry", 32, 255))
        identities = tuple(r.list_of(2, "identities", identity, 7, U16_MAX))
        return cls(identities, tuple(r.list_of(2, "binders", binder, 33, U16_MAX)))


@dataclass(frozen=True)
class PreSharedKeyServerHello(Extension):
    """RFC 8446 section 4.2.11: ``uint16 selected_identity``."""

    selected_identity: int

    def write_body(self, w: Writer) -> None:
        w.u16(self.selected_identity)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.u16("selected_identity"))


class EarlyData(_EmptyBody):
    """RFC 8446 section 4.2.10: early_data in ClientHello and EncryptedExtensions (empty)."""


@dataclass(frozen=True)
class EarlyDataNewSessionTicket(Extension):
    """RFC 8446 section 4.2.10: ``uint32 max_early_data_size`` (NewSessionTicket)."""

    max_early_data_size: int

    def write_body(self, w: Writer) -> None:
        w.u32(self.max_early_data_size)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.u32("max_early_data_size"))
