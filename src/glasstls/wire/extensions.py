"""Handshake extensions: bytes <-> objects (RFC 8446 section 4.2 and appendix B.3.1; RFC 6066, 7301, 5746,
7627, 7366, 5077, 8422, 7685, 8449).

Structure only (DESIGN rule 4): each decoder consumes its body exactly, enforces the ``<min..max>`` bounds of
the RFC's presentation language and raises :class:`~glasstls.errors.DecodeError` naming the field. Whether an
extension may appear in a message, or holds a value we offered, is decided by the handshake states; the one
exception kept here is the RFC 8446 section 4.2 table (:data:`ALLOWED_IN`, :func:`check_extensions_allowed`),
because it is pure data.

Encoders do not validate: they write what the object holds, so that tests can build invalid messages.

The same extension type has different *shapes* in different messages (``key_share`` in a ClientHello is a list
of shares, in a ServerHello one share, in a HelloRetryRequest one group). :data:`DECODERS` is the one table
that says which class decodes a type in a given message; a type with no entry for that message decodes as
:class:`UnknownExtension` and keeps its bytes.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self, TypeVar

from glasstls.errors import DecodeError, IllegalParameter
from glasstls.wire import limits
from glasstls.wire.codec import Reader, Writer, fast_frozen_inits, length_prefixed, member_lookup
from glasstls.wire.enums import (
    CertificateStatusType,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    NameType,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
)
from glasstls.wire.limits import MAX_EXTENSIONS, MAX_KEY_SHARES, MAX_PSK_IDENTITIES, at_most, too_many, u16_items

__all__ = [
    "ALLOWED_IN",
    "DECODERS",
    "EXTENSIONS_BOUNDS",
    "MESSAGE_NAMES",
    "ApplicationLayerProtocolNegotiation",
    "CertificateAuthorities",
    "CertificateStatusOcsp",
    "Cookie",
    "EarlyData",
    "EarlyDataNewSessionTicket",
    "EcPointFormats",
    "EncryptThenMac",
    "ExtendedMasterSecret",
    "Extension",
    "KeyShareClientHello",
    "KeyShareEntry",
    "KeyShareHelloRetryRequest",
    "KeyShareServerHello",
    "Padding",
    "PostHandshakeAuth",
    "PreSharedKeyClientHello",
    "PreSharedKeyServerHello",
    "PskIdentity",
    "PskKeyExchangeModes",
    "RecordSizeLimit",
    "RenegotiationInfo",
    "ServerName",
    "ServerNameAck",
    "SessionTicket",
    "SignatureAlgorithms",
    "SignatureAlgorithmsCert",
    "StatusRequest",
    "StatusRequestAck",
    "SupportedGroups",
    "SupportedVersionsClientHello",
    "SupportedVersionsServerHello",
    "UnknownExtension",
    "check_extensions_allowed",
    "decode_extension",
    "decode_extensions",
    "encode_extensions",
    "find_extension",
    "get_extension",
]

E = TypeVar("E", bound="Extension")
T = TypeVar("T")

U16_MAX = 0xFFFF
U24_MAX = 0xFFFFFF

#: Names of the messages that carry extensions, for error messages and traces.
MESSAGE_NAMES: dict[HandshakeType, str] = {
    HandshakeType.CLIENT_HELLO: "ClientHello",
    HandshakeType.SERVER_HELLO: "ServerHello",
    HandshakeType.HELLO_RETRY_REQUEST: "HelloRetryRequest",
    HandshakeType.ENCRYPTED_EXTENSIONS: "EncryptedExtensions",
    HandshakeType.CERTIFICATE: "CertificateEntry",
    HandshakeType.CERTIFICATE_REQUEST: "CertificateRequest",
    HandshakeType.NEW_SESSION_TICKET: "NewSessionTicket",
}


_LITTLE_ENDIAN = sys.byteorder == "little"
_extension_type = member_lookup(ExtensionType)
_protocol_version = member_lookup(ProtocolVersion)


def _message_name(ctx: HandshakeType) -> str:
    return MESSAGE_NAMES.get(ctx, str(ctx))


# --------------------------------------------------------------------------------------------------------
# Base classes
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """One extension (RFC 8446 section 4.2: ``struct { ExtensionType extension_type; opaque
    extension_data<0..2^16-1>; } Extension``). Subclasses implement the body."""

    ext_type: ClassVar[ExtensionType]

    @property
    def wire_type(self) -> ExtensionType:
        """The extension_type on the wire (for :class:`UnknownExtension`, the type it was read with)."""
        return self.ext_type

    def encode_body(self) -> bytes:
        """The ``extension_data`` bytes (without type and length)."""
        raise NotImplementedError

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        """Decode ``extension_data`` (all of it) as found in a message of type ``ctx``."""
        raise NotImplementedError

    def encode(self) -> bytes:
        """Type, length and body. Made once per object (kept in the instance dict; the fields are frozen):
        a client offers the same extension objects on every connection."""
        known: bytes | None = self.__dict__.get("_encoding")
        if known is not None:
            return known
        body = self.encode_body()
        n = len(body)
        if n > U16_MAX:
            raise ValueError(f"vector of {n} bytes does not fit a 2-byte length")
        encoded = b"".join((self.wire_type.to_bytes(2, "big"), n.to_bytes(2, "big"), body))
        self.__dict__["_encoding"] = encoded
        return encoded


@dataclass(frozen=True)
class _EmptyBody(Extension):
    """An extension whose ``extension_data`` is empty (a non-empty body is a decode_error)."""

    def encode_body(self) -> bytes:
        return b""

    def encode(self) -> bytes:
        """Type and a zero length: the same bytes for every instance of the class, made once per class."""
        cls = type(self)
        encoded = _EMPTY_ENCODINGS.get(cls)
        if encoded is None:
            encoded = _EMPTY_ENCODINGS[cls] = cls.ext_type.to_bytes(2, "big") + b"\x00\x00"
        return encoded

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        if data:
            name = getattr(cls, "ext_type", cls.__name__)
            raise DecodeError(f"{name} extension: body must be empty, got {len(data)} bytes")
        return cls()


#: The encoding of each empty-bodied extension class (type and a zero length).
_EMPTY_ENCODINGS: dict[type, bytes] = {}


def _reader(cls: type[Extension], data: bytes, ctx: HandshakeType) -> Reader:
    # The name is only needed for an error message: made on demand.
    return Reader(data, lambda: f"{_message_name(ctx)} {cls.ext_type} extension")


def _u16_list(r: Reader, field: str, enum: Callable[[int], T], min_len: int, max_len: int) -> tuple[T, ...]:
    convert = member_lookup(enum) if isinstance(enum, type) and issubclass(enum, IntEnum) else enum
    return tuple(map(convert, u16_items(r, field, field, min_len, max_len)))  # type: ignore[arg-type]


def _u8_list(r: Reader, field: str, enum: Callable[[int], T], min_len: int, max_len: int) -> tuple[T, ...]:
    return tuple(r.list_of(1, field, lambda s: enum(s.u8(field)), min_len, max_len))


def write_u16_list(values: Iterable[int], width: int = 2) -> bytes:
    """``uint16 x<..>`` with a ``width``-byte length: the same bytes (and errors) as writing each value in a
    ``Writer.block(width)``, made in one go."""
    values = tuple(values)
    try:
        items = array("H", values)
    except OverflowError:  # a value that is not a uint16: let the Writer say so, as it always did
        w = Writer()
        with w.block(width):
            for v in values:
                w.u16(v)
        return w.getvalue()
    if _LITTLE_ENDIAN:
        items.byteswap()
    n = 2 * len(items)
    if n >= 1 << (8 * width):
        raise ValueError(f"block of {n} bytes does not fit a {width}-byte length")
    return n.to_bytes(width, "big") + items.tobytes()


# --------------------------------------------------------------------------------------------------------
# server_name (RFC 6066 section 3)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerName(Extension):
    """ClientHello server_name: a ``server_name_list<1..2^16-1>`` holding one ``host_name`` entry.

    RFC 6066 section 3: the list MUST NOT hold two names of the same type, and host_name is the only type
    defined; we accept exactly one entry of type host_name. HostName is ``opaque<1..2^16-1>``, ASCII
    (checked by handshake.hello_checks, which sees the bytes as latin-1 text).
    """

    ext_type = ExtensionType.SERVER_NAME
    host_name: str

    def encode_body(self) -> bytes:
        w = Writer()
        with w.block(2):
            w.u8(NameType.HOST_NAME).vec(2, self.host_name.encode("ascii"))
        return w.getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        names = r.sub(2, "server_name_list", 1, U16_MAX)
        name_type = NameType(names.u8("name_type"))
        if name_type != NameType.HOST_NAME:
            raise DecodeError(f"{r.what}: name_type {name_type} is not host_name (RFC 6066 section 3)")
        raw = names.vec(2, "host_name", 1, U16_MAX)
        if not names.at_end():  # RFC 6066 section 3: one name per type (host_name is the only type)
            raise IllegalParameter(f"{r.what}: server_name_list holds more than one name (RFC 6066 section 3)")
        r.finish()
        # Latin-1 keeps every byte: the server's hello check names a non-ASCII or control byte (RFC 6066 3).
        return cls(raw.decode("latin-1"))


@dataclass(frozen=True)
class ServerNameAck(_EmptyBody):
    """server_name with an empty body: the server's acknowledgement (EncryptedExtensions; ServerHello in
    TLS 1.2), RFC 6066 section 3."""

    ext_type = ExtensionType.SERVER_NAME


# --------------------------------------------------------------------------------------------------------
# supported_groups, signature_algorithms(_cert), supported_versions (RFC 8446 sections 4.2.7, 4.2.3, 4.2.1)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportedGroups(Extension):
    """RFC 8446 section 4.2.7: ``NamedGroup named_group_list<2..2^16-1>``."""

    ext_type = ExtensionType.SUPPORTED_GROUPS
    named_group_list: tuple[NamedGroup, ...]

    def encode_body(self) -> bytes:
        return write_u16_list(self.named_group_list)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        groups = _u16_list(r, "named_group_list", NamedGroup, 2, U16_MAX)
        r.finish()
        return cls(groups)


@dataclass(frozen=True)
class _SignatureSchemeList(Extension):
    """``SignatureScheme supported_signature_algorithms<2..2^16-2>`` (RFC 8446 section 4.2.3)."""

    supported_signature_algorithms: tuple[SignatureScheme, ...]

    def encode_body(self) -> bytes:
        return write_u16_list(self.supported_signature_algorithms)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        algs = _u16_list(r, "supported_signature_algorithms", SignatureScheme, 2, U16_MAX - 1)
        r.finish()
        return cls(algs)


@dataclass(frozen=True)
class SignatureAlgorithms(_SignatureSchemeList):
    """RFC 8446 section 4.2.3: signature_algorithms (schemes for CertificateVerify, and for certificates
    when signature_algorithms_cert is absent)."""

    ext_type = ExtensionType.SIGNATURE_ALGORITHMS


@dataclass(frozen=True)
class SignatureAlgorithmsCert(_SignatureSchemeList):
    """RFC 8446 section 4.2.3: signature_algorithms_cert (schemes for signatures in certificates)."""

    ext_type = ExtensionType.SIGNATURE_ALGORITHMS_CERT


@dataclass(frozen=True)
class SupportedVersionsClientHello(Extension):
    """RFC 8446 section 4.2.1: ``ProtocolVersion versions<2..254>``."""

    ext_type = ExtensionType.SUPPORTED_VERSIONS
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

    ext_type = ExtensionType.SUPPORTED_VERSIONS
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

    ext_type = ExtensionType.KEY_SHARE
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

    ext_type = ExtensionType.KEY_SHARE
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

    ext_type = ExtensionType.KEY_SHARE
    selected_group: NamedGroup

    def encode_body(self) -> bytes:
        return Writer().u16(self.selected_group).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        group = NamedGroup(r.u16("selected_group"))
        r.finish()
        return cls(group)


# --------------------------------------------------------------------------------------------------------
# ALPN (RFC 7301 section 3.1), cookie (RFC 8446 4.2.2), psk_key_exchange_modes (4.2.9)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationLayerProtocolNegotiation(Extension):
    """RFC 7301 section 3.1: ``ProtocolName protocol_name_list<2..2^16-1>``,
    ``opaque ProtocolName<1..2^8-1>``.

    Same shape in ClientHello and in the server's reply (which must hold exactly one name: the state checks).
    """

    ext_type = ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION
    protocol_name_list: tuple[bytes, ...]

    def encode_body(self) -> bytes:
        w = Writer()
        with w.block(2):
            for name in self.protocol_name_list:
                w.vec(1, name)
        return w.getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        name = at_most(limits.MAX_ALPN_PROTOCOLS, lambda s: s.vec(1, "ProtocolName", 1, 255))
        names = tuple(r.list_of(2, "protocol_name_list", name, 2, U16_MAX))
        r.finish()
        return cls(names)


@dataclass(frozen=True)
class Cookie(Extension):
    """RFC 8446 section 4.2.2: ``opaque cookie<1..2^16-1>``."""

    ext_type = ExtensionType.COOKIE
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

    ext_type = ExtensionType.PSK_KEY_EXCHANGE_MODES
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

    ext_type = ExtensionType.PRE_SHARED_KEY
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

    ext_type = ExtensionType.PRE_SHARED_KEY
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

    ext_type = ExtensionType.EARLY_DATA


@dataclass(frozen=True)
class EarlyDataNewSessionTicket(Extension):
    """RFC 8446 section 4.2.10: ``uint32 max_early_data_size`` (NewSessionTicket)."""

    ext_type = ExtensionType.EARLY_DATA
    max_early_data_size: int

    def encode_body(self) -> bytes:
        return Writer().u32(self.max_early_data_size).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        size = r.u32("max_early_data_size")
        r.finish()
        return cls(size)


# --------------------------------------------------------------------------------------------------------
# status_request (RFC 6066 section 8; RFC 8446 section 4.4.2.1)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRequest(Extension):
    """RFC 6066 section 8, ClientHello: ``CertificateStatusType status_type = ocsp(1)``, then
    ``ResponderID responder_id_list<0..2^16-1>`` and ``Extensions request_extensions<0..2^16-1>`` kept as
    the opaque bytes of the two vectors (without their length prefixes)."""

    ext_type = ExtensionType.STATUS_REQUEST
    responder_id_list: bytes = b""
    request_extensions: bytes = b""

    def encode_body(self) -> bytes:
        w = Writer().u8(CertificateStatusType.OCSP)
        return w.vec(2, self.responder_id_list).vec(2, self.request_extensions).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        status_type = CertificateStatusType(r.u8("status_type"))
        if status_type != CertificateStatusType.OCSP:
            raise DecodeError(f"{r.what}: status_type {status_type} is not ocsp (RFC 6066 section 8)")
        responders = r.vec(2, "responder_id_list")
        request_extensions = r.vec(2, "request_extensions")
        r.finish()
        return cls(responders, request_extensions)


@dataclass(frozen=True)
class StatusRequestAck(_EmptyBody):
    """status_request with an empty body: a TLS 1.2 ServerHello (RFC 6066 section 8), and a TLS 1.3
    CertificateRequest asking the client for an OCSP response (RFC 8446 section 4.4.2.1: "an empty
    status_request extension")."""

    ext_type = ExtensionType.STATUS_REQUEST


@dataclass(frozen=True)
class CertificateStatusOcsp(Extension):
    """RFC 8446 section 4.4.2.1 / RFC 6066 section 8: a CertificateStatus in a TLS 1.3 CertificateEntry:
    ``status_type = ocsp(1)``, ``opaque OCSPResponse<1..2^24-1>``."""

    ext_type = ExtensionType.STATUS_REQUEST
    ocsp_response: bytes

    def encode_body(self) -> bytes:
        return Writer().u8(CertificateStatusType.OCSP).vec(3, self.ocsp_response).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        status_type = CertificateStatusType(r.u8("status_type"))
        if status_type != CertificateStatusType.OCSP:
            raise DecodeError(f"{r.what}: status_type {status_type} is not ocsp (RFC 6066 section 8)")
        response = r.vec(3, "ocsp_response", 1, U24_MAX)
        r.finish()
        return cls(response)


# --------------------------------------------------------------------------------------------------------
# record_size_limit (RFC 8449), TLS 1.2 extensions, padding, certificate_authorities, post_handshake_auth
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordSizeLimit(Extension):
    """RFC 8449 section 4: ``uint16 RecordSizeLimit``. The range (>= 64) is checked by the state."""

    ext_type = ExtensionType.RECORD_SIZE_LIMIT
    limit: int

    def encode_body(self) -> bytes:
        return Writer().u16(self.limit).getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        limit = r.u16("limit")
        r.finish()
        return cls(limit)


@dataclass(frozen=True)
class RenegotiationInfo(Extension):
    """RFC 5746 section 3.2: ``opaque renegotiated_connection<0..255>``."""

    ext_type = ExtensionType.RENEGOTIATION_INFO
    renegotiated_connection: bytes = b""

    def encode_body(self) -> bytes:
        return length_prefixed(1, self.renegotiated_connection)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        value = r.vec(1, "renegotiated_connection", 0, 255)
        r.finish()
        return cls(value)


@dataclass(frozen=True)
class ExtendedMasterSecret(_EmptyBody):
    """RFC 7627 section 5.1: extended_master_secret, empty."""

    ext_type = ExtensionType.EXTENDED_MASTER_SECRET


@dataclass(frozen=True)
class EncryptThenMac(_EmptyBody):
    """RFC 7366 section 2: encrypt_then_mac, empty."""

    ext_type = ExtensionType.ENCRYPT_THEN_MAC


@dataclass(frozen=True)
class SessionTicket(Extension):
    """RFC 5077 section 3.2: the body is the raw ticket (may be empty)."""

    ext_type = ExtensionType.SESSION_TICKET
    ticket: bytes = b""

    def encode_body(self) -> bytes:
        return self.ticket

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        return cls(bytes(data))


@dataclass(frozen=True)
class EcPointFormats(Extension):
    """RFC 8422 section 5.1.2: ``ECPointFormat ec_point_format_list<1..2^8-1>``."""

    ext_type = ExtensionType.EC_POINT_FORMATS
    ec_point_format_list: tuple[ECPointFormat, ...]

    def encode_body(self) -> bytes:
        formats = self.ec_point_format_list
        if len(formats) < 256 and all(type(f) is ECPointFormat and 0 <= f < 256 for f in formats):
            return bytes((len(formats), *formats))
        w = Writer()  # values that may not fit: the Writer raises what it always raised
        with w.block(1):
            for fmt in formats:
                w.u8(fmt)
        return w.getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        formats = _u8_list(r, "ec_point_format_list", ECPointFormat, 1, 255)
        r.finish()
        return cls(formats)


@dataclass(frozen=True)
class Padding(Extension):
    """RFC 7685 section 3: ``length`` zero bytes (a non-zero byte is a decode_error)."""

    ext_type = ExtensionType.PADDING
    length: int

    def encode_body(self) -> bytes:
        return bytes(self.length)

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        if any(data):
            raise DecodeError(
                f"{_message_name(ctx)} {cls.ext_type} extension: padding holds non-zero bytes (RFC 7685 s3)"
            )
        return cls(len(data))


@dataclass(frozen=True)
class CertificateAuthorities(Extension):
    """RFC 8446 section 4.2.4: ``DistinguishedName authorities<3..2^16-1>``,
    ``opaque DistinguishedName<1..2^16-1>`` (DER, not parsed here)."""

    ext_type = ExtensionType.CERTIFICATE_AUTHORITIES
    authorities: tuple[bytes, ...]

    def encode_body(self) -> bytes:
        w = Writer()
        with w.block(2):
            for dn in self.authorities:
                w.vec(2, dn)
        return w.getvalue()

    @classmethod
    def decode_body(cls, data: bytes, ctx: HandshakeType) -> Self:
        r = _reader(cls, data, ctx)
        dns = tuple(
            r.list_of(2, "authorities", lambda s: s.vec(2, "DistinguishedName", 1, U16_MAX), 3, U16_MAX)
        )
        r.finish()
        return cls(dns)


@dataclass(frozen=True)
class PostHandshakeAuth(_EmptyBody):
    """RFC 8446 section 4.2.6: post_handshake_auth, empty."""

    ext_type = ExtensionType.POST_HANDSHAKE_AUTH


@dataclass(frozen=True)
class UnknownExtension(Extension):
    """Any extension without a decoder for its message: type and body kept as received (DESIGN rule 6)."""

    ext_type = ExtensionType(0xFFFF)  # placeholder; the real type is ext_type_value (see wire_type)
    ext_type_value: ExtensionType
    data: bytes

    @property
    def wire_type(self) -> ExtensionType:
        return self.ext_type_value

    def encode_body(self) -> bytes:
        return self.data


# --------------------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------------------

_CH = HandshakeType.CLIENT_HELLO
_SH = HandshakeType.SERVER_HELLO
_HRR = HandshakeType.HELLO_RETRY_REQUEST
_EE = HandshakeType.ENCRYPTED_EXTENSIONS
_CT = HandshakeType.CERTIFICATE
_CR = HandshakeType.CERTIFICATE_REQUEST
_NST = HandshakeType.NEW_SESSION_TICKET

_T = ExtensionType

#: Which class decodes ``(extension type, containing message)``. A pair not listed decodes as
#: :class:`UnknownExtension`. ServerHello rows include the TLS 1.2 replies (RFC 6066, 7301, 5746, 7627,
#: 7366, 5077, 8422, 8449), since a ServerHello is decoded before its version is known.
DECODERS: dict[tuple[ExtensionType, HandshakeType], type[Extension]] = {
    # ClientHello
    (_T.SERVER_NAME, _CH): ServerName,
    (_T.STATUS_REQUEST, _CH): StatusRequest,
    (_T.SUPPORTED_GROUPS, _CH): SupportedGroups,
    (_T.EC_POINT_FORMATS, _CH): EcPointFormats,
    (_T.SIGNATURE_ALGORITHMS, _CH): SignatureAlgorithms,
    (_T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, _CH): ApplicationLayerProtocolNegotiation,
    (_T.PADDING, _CH): Padding,
    (_T.ENCRYPT_THEN_MAC, _CH): EncryptThenMac,
    (_T.EXTENDED_MASTER_SECRET, _CH): ExtendedMasterSecret,
    (_T.RECORD_SIZE_LIMIT, _CH): RecordSizeLimit,
    (_T.SESSION_TICKET, _CH): SessionTicket,
    (_T.PRE_SHARED_KEY, _CH): PreSharedKeyClientHello,
    (_T.EARLY_DATA, _CH): EarlyData,
    (_T.SUPPORTED_VERSIONS, _CH): SupportedVersionsClientHello,
    (_T.COOKIE, _CH): Cookie,
    (_T.PSK_KEY_EXCHANGE_MODES, _CH): PskKeyExchangeModes,
    (_T.CERTIFICATE_AUTHORITIES, _CH): CertificateAuthorities,
    (_T.POST_HANDSHAKE_AUTH, _CH): PostHandshakeAuth,
    (_T.SIGNATURE_ALGORITHMS_CERT, _CH): SignatureAlgorithmsCert,
    (_T.KEY_SHARE, _CH): KeyShareClientHello,
    (_T.RENEGOTIATION_INFO, _CH): RenegotiationInfo,
    # ServerHello (TLS 1.3 rows, then TLS 1.2 replies)
    (_T.KEY_SHARE, _SH): KeyShareServerHello,
    (_T.PRE_SHARED_KEY, _SH): PreSharedKeyServerHello,
    (_T.SUPPORTED_VERSIONS, _SH): SupportedVersionsServerHello,
    (_T.SERVER_NAME, _SH): ServerNameAck,
    (_T.STATUS_REQUEST, _SH): StatusRequestAck,
    (_T.EC_POINT_FORMATS, _SH): EcPointFormats,
    (_T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, _SH): ApplicationLayerProtocolNegotiation,
    (_T.ENCRYPT_THEN_MAC, _SH): EncryptThenMac,
    (_T.EXTENDED_MASTER_SECRET, _SH): ExtendedMasterSecret,
    (_T.RECORD_SIZE_LIMIT, _SH): RecordSizeLimit,
    (_T.SESSION_TICKET, _SH): SessionTicket,
    (_T.RENEGOTIATION_INFO, _SH): RenegotiationInfo,
    # HelloRetryRequest
    (_T.KEY_SHARE, _HRR): KeyShareHelloRetryRequest,
    (_T.COOKIE, _HRR): Cookie,
    (_T.SUPPORTED_VERSIONS, _HRR): SupportedVersionsServerHello,
    # EncryptedExtensions
    (_T.SERVER_NAME, _EE): ServerNameAck,
    (_T.SUPPORTED_GROUPS, _EE): SupportedGroups,
    (_T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, _EE): ApplicationLayerProtocolNegotiation,
    (_T.RECORD_SIZE_LIMIT, _EE): RecordSizeLimit,
    (_T.EARLY_DATA, _EE): EarlyData,
    # CertificateEntry
    (_T.STATUS_REQUEST, _CT): CertificateStatusOcsp,
    # CertificateRequest
    (_T.STATUS_REQUEST, _CR): StatusRequestAck,
    (_T.SIGNATURE_ALGORITHMS, _CR): SignatureAlgorithms,
    (_T.SIGNATURE_ALGORITHMS_CERT, _CR): SignatureAlgorithmsCert,
    (_T.CERTIFICATE_AUTHORITIES, _CR): CertificateAuthorities,
    # NewSessionTicket
    (_T.EARLY_DATA, _NST): EarlyDataNewSessionTicket,
}

#: RFC 8446 section 4.2, Table 1 (TLS 1.3 column): where each extension may appear. Added: record_size_limit
#: (RFC 8449 section 4: CH, EE) and the TLS 1.2 extensions that clients offer and TLS 1.2 servers answer in
#: ServerHello (a TLS 1.3 server must not send them; the states check the version).
ALLOWED_IN: dict[ExtensionType, frozenset[HandshakeType]] = {
    _T.SERVER_NAME: frozenset({_CH, _EE}),
    _T.MAX_FRAGMENT_LENGTH: frozenset({_CH, _EE}),
    _T.STATUS_REQUEST: frozenset({_CH, _CR, _CT}),
    _T.SUPPORTED_GROUPS: frozenset({_CH, _EE}),
    _T.SIGNATURE_ALGORITHMS: frozenset({_CH, _CR}),
    _T.USE_SRTP: frozenset({_CH, _EE}),
    _T.HEARTBEAT: frozenset({_CH, _EE}),
    _T.APPLICATION_LAYER_PROTOCOL_NEGOTIATION: frozenset({_CH, _EE}),
    _T.SIGNED_CERTIFICATE_TIMESTAMP: frozenset({_CH, _CR, _CT}),
    _T.CLIENT_CERTIFICATE_TYPE: frozenset({_CH, _EE}),
    _T.SERVER_CERTIFICATE_TYPE: frozenset({_CH, _EE}),
    _T.PADDING: frozenset({_CH}),
    _T.KEY_SHARE: frozenset({_CH, _SH, _HRR}),
    _T.PRE_SHARED_KEY: frozenset({_CH, _SH}),
    _T.PSK_KEY_EXCHANGE_MODES: frozenset({_CH}),
    _T.EARLY_DATA: frozenset({_CH, _EE, _NST}),
    _T.COOKIE: frozenset({_CH, _HRR}),
    _T.SUPPORTED_VERSIONS: frozenset({_CH, _SH, _HRR}),
    _T.CERTIFICATE_AUTHORITIES: frozenset({_CH, _CR}),
    _T.OID_FILTERS: frozenset({_CR}),
    _T.POST_HANDSHAKE_AUTH: frozenset({_CH}),
    _T.SIGNATURE_ALGORITHMS_CERT: frozenset({_CH, _CR}),
    # RFC 8449 section 4
    _T.RECORD_SIZE_LIMIT: frozenset({_CH, _EE}),
    # TLS 1.2 (RFC 5746, RFC 7627, RFC 8422, RFC 7366, RFC 5077)
    _T.RENEGOTIATION_INFO: frozenset({_CH, _SH}),
    _T.EXTENDED_MASTER_SECRET: frozenset({_CH, _SH}),
    _T.EC_POINT_FORMATS: frozenset({_CH, _SH}),
    _T.ENCRYPT_THEN_MAC: frozenset({_CH, _SH}),
    _T.SESSION_TICKET: frozenset({_CH, _SH}),
}

#: ``Extension extensions<min..max>`` of each message (RFC 8446 section 4 / appendix B.3). ClientHello and
#: ServerHello use the TLS 1.2 bound <0..2^16-1> (RFC 5246 section 7.4.1.2), because they are decoded before
#: the version is known; the states check the TLS 1.3 contents.
EXTENSIONS_BOUNDS: dict[HandshakeType, tuple[int, int]] = {
    _CH: (0, U16_MAX),
    _SH: (0, U16_MAX),
    _HRR: (6, U16_MAX),
    _EE: (0, U16_MAX),
    _CT: (0, U16_MAX),
    _CR: (2, U16_MAX),
    _NST: (0, U16_MAX - 1),
}


# --------------------------------------------------------------------------------------------------------
# Lists of extensions
# --------------------------------------------------------------------------------------------------------


def decode_extension(ext_type: ExtensionType, data: bytes, ctx: HandshakeType) -> Extension:
    """Decode one extension body found in a message of type ``ctx`` (see :data:`DECODERS`)."""
    cls = DECODERS.get((ext_type, ctx))
    if cls is None:
        return UnknownExtension(ext_type, bytes(data))
    return cls.decode_body(data, ctx)


def encode_extensions(exts: Sequence[Extension]) -> bytes:
    """The ``extensions`` field: 2-byte length, then each extension (type, length, body) in order."""
    body = b"".join([ext.encode() for ext in exts])
    n = len(body)
    if n > U16_MAX:
        raise ValueError(f"block of {n} bytes does not fit a 2-byte length")
    return n.to_bytes(2, "big") + body


#: Extension types whose decoded form is remembered per message type and exact bytes (type, length, body):
#: a client sends the same server_name, groups, signature algorithms... on every connection, and decoding is a
#: pure function of the bytes giving a frozen object. Not the types that change every time (key_share,
#: pre_shared_key, cookie, padding), nor unknown ones.
_MEMO_TYPES: frozenset[int] = frozenset(
    {
        ExtensionType.SERVER_NAME, ExtensionType.STATUS_REQUEST, ExtensionType.SUPPORTED_GROUPS,
        ExtensionType.EC_POINT_FORMATS, ExtensionType.SIGNATURE_ALGORITHMS,
        ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION, ExtensionType.ENCRYPT_THEN_MAC,
        ExtensionType.EXTENDED_MASTER_SECRET, ExtensionType.RECORD_SIZE_LIMIT, ExtensionType.SESSION_TICKET,
        ExtensionType.SUPPORTED_VERSIONS, ExtensionType.PSK_KEY_EXCHANGE_MODES, ExtensionType.POST_HANDSHAKE_AUTH,
        ExtensionType.SIGNATURE_ALGORITHMS_CERT, ExtensionType.RENEGOTIATION_INFO,
    }
)
#: Bounds of that memo: entries per message type (emptied when full, so peers sending ever new bytes gain
#: nothing) and the largest extension remembered.
_MEMO_SIZE = 1024
_MEMO_MAX_BYTES = 1024
_memo: dict[HandshakeType, dict[bytes, Extension]] = {}


def decode_extensions(r: Reader, ctx: HandshakeType) -> tuple[Extension, ...]:
    """Read an ``extensions`` block from ``r`` for a message of type ``ctx``.

    RFC 8446 section 4.2: "There MUST NOT be more than one extension of the same type in a given extension
    block" -- a duplicate is a decode_error here.
    """
    min_len, max_len = EXTENSIONS_BOUNDS.get(ctx, (0, U16_MAX))
    data = r.vec(2, "extensions", min_len, max_len)
    # The common case read straight from the bytes; anything malformed is left to the reader-based loop below
    # (from the start), which raises the error the block deserves.
    memo = _memo.get(ctx)
    if memo is None:
        memo = _memo[ctx] = {}
    out: list[Extension] = []
    seen: set[int] = set()
    pos, end = 0, len(data)
    while pos < end:
        if pos + 4 > end or type(r) is not Reader:  # a span-recording Reader (wire/spans.py): field by field
            break
        code = (data[pos] << 8) | data[pos + 1]
        stop = pos + 4 + ((data[pos + 2] << 8) | data[pos + 3])
        if stop > end or code in seen or len(out) >= MAX_EXTENSIONS:
            break
        seen.add(code)
        raw = data[pos:stop]
        ext = memo.get(raw)
        if ext is None:
            ext_type = _extension_type(code)
            body = data[pos + 4 : stop]
            cls = DECODERS.get((ext_type, ctx))
            ext = UnknownExtension(ext_type, body) if cls is None else cls.decode_body(body, ctx)
            if code in _MEMO_TYPES and len(raw) <= _MEMO_MAX_BYTES:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[raw] = ext
        out.append(ext)
        pos = stop
    else:
        return tuple(out)
    return _decode_extensions(Reader(data, lambda: f"{r.what}.extensions"), ctx)


def _decode_extensions(block: Reader, ctx: HandshakeType) -> tuple[Extension, ...]:
    """The extensions of ``block``, read field by field (raises the DecodeError of the first problem)."""
    out: list[Extension] = []
    seen: set[int] = set()
    while not block.at_end():
        if len(out) >= MAX_EXTENSIONS:
            raise too_many(block.what, MAX_EXTENSIONS)
        ext_type = _extension_type(block.u16("extension_type"))
        data = block.vec(2, f"{ext_type._name_} extension_data")  # _name_ is str(ext_type), made cheaply
        if ext_type in seen:
            raise DecodeError(f"{_message_name(ctx)}: duplicate extension {ext_type} (RFC 8446 section 4.2)")
        seen.add(ext_type)
        cls = DECODERS.get((ext_type, ctx))
        out.append(UnknownExtension(ext_type, bytes(data)) if cls is None else cls.decode_body(data, ctx))
    return tuple(out)


def find_extension(exts: Iterable[Extension], ext_type: ExtensionType) -> Extension | None:
    """The extension of type ``ext_type`` in ``exts``, or None."""
    for ext in exts:
        if ext.wire_type == ext_type:
            return ext
    return None


def get_extension(exts: Iterable[Extension], cls: type[E]) -> E | None:
    """The extension of class ``cls`` in ``exts``, or None (a same-type extension of another shape, e.g.
    an :class:`UnknownExtension`, does not count)."""
    for ext in exts:
        if type(ext) is cls:
            return ext
    return None


def check_extensions_allowed(exts: Iterable[Extension], ctx: HandshakeType) -> None:
    """RFC 8446 section 4.2: "If an implementation receives an extension which it recognizes and which is not
    specified for the message in which it appears, it MUST abort the handshake with an illegal_parameter
    alert." Applies :data:`ALLOWED_IN` to the known types; unknown types pass (the state decides).

    Also RFC 8446 section 4.2.11: pre_shared_key MUST be the last extension in the ClientHello
    (illegal_parameter otherwise).

    These are the TLS 1.3 rules (plus the TLS 1.2 extensions of :data:`ALLOWED_IN` in ServerHello). A TLS 1.2
    ServerHello may also answer server_name, status_request, ALPN, record_size_limit (RFC 6066, 7301, 8449):
    TLS 1.2 states check a ServerHello against what the client offered instead.
    """
    exts = tuple(exts)
    last = len(exts) - 1
    for i, ext in enumerate(exts):
        wire_type = ext.wire_type
        allowed = ALLOWED_IN.get(wire_type)
        if allowed is not None and ctx not in allowed:
            name = _message_name(ctx)
            raise IllegalParameter(f"extension {wire_type} is not allowed in {name} (RFC 8446 section 4.2)", step=name)
        if wire_type == _T.PRE_SHARED_KEY and ctx == _CH and i != last:
            raise IllegalParameter(
                "pre_shared_key is not the last extension of the ClientHello (RFC 8446 section 4.2.11)",
                step=_message_name(ctx),
            )


# Every message and extension dataclass of this module gets the faster __init__ (same signature and effect).
fast_frozen_inits(globals(), __name__)
