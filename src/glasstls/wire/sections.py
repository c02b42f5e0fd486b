"""Which RFC section specifies a field, and a field's value in words (for the spans of wire/spans.py).

Looked up by the names the decoders already give their reads (``r.u16("cipher_suite")``) and by the structure
they read in (the Reader's ``what``: a message class name, "ClientHello KEY_SHARE extension", ...).
"""

from __future__ import annotations

from collections.abc import Callable

from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)

__all__ = ["describe_value", "extension_section", "message_section", "section_for"]

_8446 = "RFC 8446 section "
_5246 = "RFC 5246 section "

#: By message class name (the Reader's ``what``) and by HandshakeType name (the 4-byte header).
_MESSAGES: dict[str, str] = {
    "ClientHello": _8446 + "4.1.2 (TLS 1.2: RFC 5246 section 7.4.1.2)",
    "ServerHello": _8446 + "4.1.3 (TLS 1.2: RFC 5246 section 7.4.1.3)",
    "HelloRetryRequest": _8446 + "4.1.4",
    "EndOfEarlyData": _8446 + "4.5",
    "EncryptedExtensions": _8446 + "4.3.1",
    "CertificateRequest": _8446 + "4.3.2",
    "Certificate": _8446 + "4.4.2",
    "CertificateVerify": _8446 + "4.4.3 (TLS 1.2: RFC 5246 section 7.4.8)",
    "Finished": _8446 + "4.4.4 (TLS 1.2: RFC 5246 section 7.4.9)",
    "NewSessionTicket": _8446 + "4.6.1",
    "KeyUpdate": _8446 + "4.6.3",
    "MessageHash": _8446 + "4.4.1",
    "HelloRequest": _5246 + "7.4.1.1",
    "Certificate12": _5246 + "7.4.2",
    "CertificateRequest12": _5246 + "7.4.4",
    "ServerKeyExchangeEcdhe": "RFC 8422 section 5.4",
    "ServerKeyExchangeDhe": _5246 + "7.4.3",
    "ServerHelloDone": _5246 + "7.4.5",
    "ClientKeyExchangeEcdhe": "RFC 8422 section 5.7",
    "ClientKeyExchangeRsa": _5246 + "7.4.7.1",
    "ClientKeyExchangeDhe": _5246 + "7.4.7.2",
    "NewSessionTicket12": "RFC 5077 section 3.3",
    "CertificateStatus": "RFC 6066 section 8",
    "Alert": _8446 + "6 (TLS 1.2: RFC 5246 section 7.2)",
    "Handshake": _8446 + "4 (TLS 1.2: RFC 5246 section 7.4)",
}
_BY_TYPE: dict[str, str] = {
    "CLIENT_HELLO": "ClientHello",
    "SERVER_HELLO": "ServerHello",
    "END_OF_EARLY_DATA": "EndOfEarlyData",
    "ENCRYPTED_EXTENSIONS": "EncryptedExtensions",
    "CERTIFICATE_REQUEST": "CertificateRequest",
    "CERTIFICATE": "Certificate",
    "CERTIFICATE_VERIFY": "CertificateVerify",
    "FINISHED": "Finished",
    "NEW_SESSION_TICKET": "NewSessionTicket",
    "KEY_UPDATE": "KeyUpdate",
    "HELLO_REQUEST": "HelloRequest",
    "SERVER_KEY_EXCHANGE": "ServerKeyExchangeEcdhe",
    "SERVER_HELLO_DONE": "ServerHelloDone",
    "CLIENT_KEY_EXCHANGE": "ClientKeyExchangeEcdhe",
    "CERTIFICATE_STATUS": "CertificateStatus",
}

_EXTENSIONS: dict[str, str] = {
    "SERVER_NAME": "RFC 6066 section 3",
    "MAX_FRAGMENT_LENGTH": "RFC 6066 section 4",
    "STATUS_REQUEST": "RFC 6066 section 8 (TLS 1.3: RFC 8446 section 4.4.2.1)",
    "SUPPORTED_GROUPS": _8446 + "4.2.7 (RFC 8422 section 5.1.1)",
    "EC_POINT_FORMATS": "RFC 8422 section 5.1.2",
    "SIGNATURE_ALGORITHMS": _8446 + "4.2.3 (TLS 1.2: RFC 5246 section 7.4.1.4.1)",
    "APPLICATION_LAYER_PROTOCOL_NEGOTIATION": "RFC 7301 section 3.1",
    "SIGNED_CERTIFICATE_TIMESTAMP": "RFC 6962 section 3.3.1",
    "PADDING": "RFC 7685 section 3",
    "ENCRYPT_THEN_MAC": "RFC 7366 section 2",
    "EXTENDED_MASTER_SECRET": "RFC 7627 section 5.1",
    "COMPRESS_CERTIFICATE": "RFC 8879 section 3",
    "RECORD_SIZE_LIMIT": "RFC 8449 section 4",
    "SESSION_TICKET": "RFC 5077 section 3.2",
    "PRE_SHARED_KEY": _8446 + "4.2.11",
    "EARLY_DATA": _8446 + "4.2.10",
    "SUPPORTED_VERSIONS": _8446 + "4.2.1",
    "COOKIE": _8446 + "4.2.2",
    "PSK_KEY_EXCHANGE_MODES": _8446 + "4.2.9",
    "CERTIFICATE_AUTHORITIES": _8446 + "4.2.4",
    "OID_FILTERS": _8446 + "4.2.5",
    "POST_HANDSHAKE_AUTH": _8446 + "4.2.6",
    "SIGNATURE_ALGORITHMS_CERT": _8446 + "4.2.3",
    "KEY_SHARE": _8446 + "4.2.8",
    "RENEGOTIATION_INFO": "RFC 5746 section 3.2",
}

#: Fields whose section is their own, wherever they are read.
_FIELDS: dict[str, str] = {
    "extensions": _8446 + "4.2",
    "extensions length": _8446 + "4.2",
    "extension_type": _8446 + "4.2",
    "content_type": _8446 + "5.1 (TLS 1.2: RFC 5246 section 6.2.1)",
    "legacy_record_version": _8446 + "5.1 (TLS 1.2: RFC 5246 section 6.2.1)",
    "record length": _8446 + "5.1 (TLS 1.2: RFC 5246 section 6.2.1)",
    "encrypted_record": _8446 + "5.2 (TLS 1.2: RFC 5246 section 6.2.3)",
    "change_cipher_spec": "RFC 5246 section 7.1 (TLS 1.3: RFC 8446 section 5, appendix D.4)",
    "application_data": _8446 + "5.2",
    "random": _8446 + "4.1.2, 4.1.3",
}


def message_section(name: str) -> str:
    """The section of a message, by class name or HandshakeType name ("" when unknown)."""
    return _MESSAGES.get(name) or _MESSAGES.get(_BY_TYPE.get(name, ""), "")


def extension_section(name: str) -> str:
    return _EXTENSIONS.get(name, _8446 + "4.2")


def section_for(name: str, path: str) -> str:
    """The section of field ``name`` read in ``path`` (a Reader's ``what``)."""
    own = _FIELDS.get(name)
    if own is not None:
        return own
    if name.endswith(" extension_data") or name.endswith(" extension_data length"):
        return extension_section(name.split(" ", 1)[0])
    words = path.replace(".", " ").split()
    if len(words) >= 3 and words[-1] == "extension":
        return extension_section(words[-2])
    for word in words:
        found = message_section(word)
        if found:
            return found
    return message_section(name)


def _enum(cls: Callable[[int], object]) -> Callable[[int], str]:
    def name(value: int) -> str:
        try:
            return str(cls(value))
        except ValueError:
            return f"0x{value:x}"

    return name


_ENUM_FIELDS: dict[str, Callable[[int], str]] = {
    "cipher_suite": _enum(CipherSuite),
    "extension_type": _enum(ExtensionType),
    "named_group": _enum(NamedGroup),
    "named_group_list": _enum(NamedGroup),
    "group": _enum(NamedGroup),
    "selected_group": _enum(NamedGroup),
    "legacy_version": _enum(ProtocolVersion),
    "legacy_record_version": _enum(ProtocolVersion),
    "selected_version": _enum(ProtocolVersion),
    "versions": _enum(ProtocolVersion),
    "signature_scheme": _enum(SignatureScheme),
    "signature_algorithm": _enum(SignatureScheme),
    "algorithm": _enum(SignatureScheme),
    "supported_signature_algorithms": _enum(SignatureScheme),
    "level": _enum(AlertLevel),
    "description": _enum(AlertDescription),
    "msg_type": _enum(HandshakeType),
}

#: Bytes shown of a long value (the page shows every byte in the hex view anyway).
_SHOWN = 48
_TEXT_FIELDS = {"host_name", "ProtocolName"}


def describe_value(name: str, value: object) -> str:
    """``value`` in words: an enum name, a number, text, or hex (shortened)."""
    if isinstance(value, int):
        if name.endswith(" length"):
            return f"{value} bytes"
        described = _ENUM_FIELDS.get(name)
        if described is not None:
            return f"{described(value)} (0x{value:0>4x})" if value > 0xFF else f"{described(value)} ({value})"
        return str(value)
    if isinstance(value, bytes):
        if name in _TEXT_FIELDS:
            return repr(value.decode("ascii", "replace"))
        shown = value[:_SHOWN].hex()
        return f"{shown}{'...' if len(value) > _SHOWN else ''} ({len(value)} bytes)"
    return str(value)
