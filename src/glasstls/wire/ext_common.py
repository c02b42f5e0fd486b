"""The extensions both TLS versions use: server_name, supported_groups, signature_algorithms(_cert), ALPN,
status_request, record_size_limit, padding, certificate_authorities, post_handshake_auth.

:mod:`glasstls.wire.extensions` re-exports them and gives each class its extension_type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from glasstls.errors import DecodeError, IllegalParameter
from glasstls.wire import limits
from glasstls.wire.codec import Reader, Writer
from glasstls.wire.enums import (
    CertificateStatusType,
    HandshakeType,
    NamedGroup,
    NameType,
    SignatureScheme,
)
from glasstls.wire.extension_base import (
    U16_MAX,
    U24_MAX,
    Extension,
    _EmptyBody,
    _u16_list,
    read_distinguished_names,
    read_ocsp_status_type,
)
from glasstls.wire.limits import at_most

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

    host_name: str

    def write_body(self, w: Writer) -> None:
        with w.block(2):
            w.u8(NameType.HOST_NAME).vec(2, self.host_name.encode("ascii"))

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        names = r.sub(2, "server_name_list", 1, U16_MAX)
        name_type = NameType(names.u8("name_type"))
        if name_type != NameType.HOST_NAME:
            raise DecodeError(f"{r.what}: name_type {name_type} is not host_name (RFC 6066 section 3)")
        raw = names.vec(2, "host_name", 1, U16_MAX)
        if not names.at_end():  # RFC 6066 section 3: one name per type (host_name is the only type)
            raise IllegalParameter(f"{r.what}: server_name_list holds more than one name (RFC 6066 section 3)")
        # Latin-1 keeps every byte: the server's hello check names a non-ASCII or control byte (RFC 6066 3).
        return cls(raw.decode("latin-1"))


class ServerNameAck(_EmptyBody):
    """server_name with an empty body: the server's acknowledgement (EncryptedExtensions; ServerHello in
    TLS 1.2), RFC 6066 section 3."""


# --------------------------------------------------------------------------------------------------------
# supported_groups, signature_algorithms(_cert), supported_versions (RFC 8446 sections 4.2.7, 4.2.3, 4.2.1)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportedGroups(Extension):
    """RFC 8446 section 4.2.7: ``NamedGroup named_group_list<2..2^16-1>``."""

    named_group_list: tuple[NamedGroup, ...]

    def write_body(self, w: Writer) -> None:
        w.u16_list(2, self.named_group_list)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_u16_list(r, "named_group_list", NamedGroup, 2, U16_MAX))


@dataclass(frozen=True)
class _SignatureSchemeList(Extension):
    """``SignatureScheme supported_signature_algorithms<2..2^16-2>`` (RFC 8446 section 4.2.3); the two
    extensions of that shape are plain subclasses (no fields of their own)."""

    supported_signature_algorithms: tuple[SignatureScheme, ...]

    def write_body(self, w: Writer) -> None:
        w.u16_list(2, self.supported_signature_algorithms)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(_u16_list(r, "supported_signature_algorithms", SignatureScheme, 2, U16_MAX - 1))


class SignatureAlgorithms(_SignatureSchemeList):
    """RFC 8446 section 4.2.3: signature_algorithms (schemes for CertificateVerify, and for certificates
    when signature_algorithms_cert is absent)."""


class SignatureAlgorithmsCert(_SignatureSchemeList):
    """RFC 8446 section 4.2.3: signature_algorithms_cert (schemes for signatures in certificates)."""


# --------------------------------------------------------------------------------------------------------
# ALPN (RFC 7301 section 3.1), cookie (RFC 8446 4.2.2), psk_key_exchange_modes (4.2.9)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationLayerProtocolNegotiation(Extension):
    """RFC 7301 section 3.1: ``ProtocolName protocol_name_list<2..2^16-1>``,
    ``opaque ProtocolName<1..2^8-1>``.

    Same shape in ClientHello and in the server's reply (which must hold exactly one name: the state checks).
    """

    protocol_name_list: tuple[bytes, ...]

    def write_body(self, w: Writer) -> None:
        w.vec_list(2, 1, self.protocol_name_list)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        name = at_most(limits.MAX_ALPN_PROTOCOLS, lambda s: s.vec(1, "ProtocolName", 1, 255))
        return cls(tuple(r.list_of(2, "protocol_name_list", name, 2, U16_MAX)))


# --------------------------------------------------------------------------------------------------------
# status_request (RFC 6066 section 8; RFC 8446 section 4.4.2.1)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRequest(Extension):
    """RFC 6066 section 8, ClientHello: ``CertificateStatusType status_type = ocsp(1)``, then
    ``ResponderID responder_id_list<0..2^16-1>`` and ``Extensions request_extensions<0..2^16-1>`` kept as
    the opaque bytes of the two vectors (without their length prefixes)."""

    responder_id_list: bytes = b""
    request_extensions: bytes = b""

    def write_body(self, w: Writer) -> None:
        w.u8(CertificateStatusType.OCSP)
        w.vec(2, self.responder_id_list).vec(2, self.request_extensions)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        read_ocsp_status_type(r)
        return cls(r.vec(2, "responder_id_list"), r.vec(2, "request_extensions"))


class StatusRequestAck(_EmptyBody):
    """status_request with an empty body: a TLS 1.2 ServerHello (RFC 6066 section 8), and a TLS 1.3
    CertificateRequest asking the client for an OCSP response (RFC 8446 section 4.4.2.1: "an empty
    status_request extension")."""


@dataclass(frozen=True)
class CertificateStatusOcsp(Extension):
    """RFC 8446 section 4.4.2.1 / RFC 6066 section 8: a CertificateStatus in a TLS 1.3 CertificateEntry:
    ``status_type = ocsp(1)``, ``opaque OCSPResponse<1..2^24-1>``."""

    ocsp_response: bytes

    def write_body(self, w: Writer) -> None:
        w.u8(CertificateStatusType.OCSP).vec(3, self.ocsp_response)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        read_ocsp_status_type(r)
        return cls(r.vec(3, "ocsp_response", 1, U24_MAX))


# --------------------------------------------------------------------------------------------------------
# record_size_limit (RFC 8449), TLS 1.2 extensions, padding, certificate_authorities, post_handshake_auth
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordSizeLimit(Extension):
    """RFC 8449 section 4: ``uint16 RecordSizeLimit``. The range (>= 64) is checked by the state."""

    limit: int

    def write_body(self, w: Writer) -> None:
        w.u16(self.limit)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(r.u16("limit"))


@dataclass(frozen=True)
class Padding(Extension):
    """RFC 7685 section 3: ``length`` zero bytes (a non-zero byte is a decode_error)."""

    length: int

    def write_body(self, w: Writer) -> None:
        w.raw(bytes(self.length))

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        zeros = r.rest()
        if any(zeros):
            raise DecodeError(f"{r.what}: padding holds non-zero bytes (RFC 7685 section 3)")
        return cls(len(zeros))


@dataclass(frozen=True)
class CertificateAuthorities(Extension):
    """RFC 8446 section 4.2.4: ``DistinguishedName authorities<3..2^16-1>``,
    ``opaque DistinguishedName<1..2^16-1>`` (DER, not parsed here)."""

    authorities: tuple[bytes, ...]

    def write_body(self, w: Writer) -> None:
        w.vec_list(2, 2, self.authorities)

    @classmethod
    def read_body(cls, r: Reader, ctx: HandshakeType) -> Self:
        return cls(read_distinguished_names(r, "authorities", 3))


class PostHandshakeAuth(_EmptyBody):
    """RFC 8446 section 4.2.6: post_handshake_auth, empty."""

