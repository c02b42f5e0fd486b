"""Hypothesis strategies for wire objects (extensions and handshake messages), reusable by any test.

Everything generated here is *structurally valid*: it respects the RFC bounds, so that
``decode(encode(x)) == x``. Enum fields draw known values, GREASE values (RFC 8701) and arbitrary unknown
code points, to exercise the open enums.

Main entry points: ``extensions_for(ctx)`` (a tuple of extensions, unique types, valid for the message
``ctx``), ``extension_for(ctx)``, ``handshake_messages()`` and one strategy per message
(``client_hellos()``, ``server_hellos()``, ``hello_retry_requests()``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

from glasstls.wire import extensions as wext
from glasstls.wire import messages as wmsg
from glasstls.wire.enums import (
    CipherSuite,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    KeyUpdateRequest,
    NamedGroup,
    OpenEnum,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
)
from glasstls.wire.extension_base import MESSAGE_NAMES

E = TypeVar("E", bound=OpenEnum)

GREASE_U16 = [((n << 4) | 0xA) * 0x0101 for n in range(16)]  # 0x0a0a, 0x1a1a, ... 0xfafa

CTXS = tuple(MESSAGE_NAMES)  # the messages that carry extensions, as the codec lists them


# --------------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------------


def open_enum(enum: type[E]) -> st.SearchStrategy[E]:
    """Known members, GREASE values (16-bit enums) and arbitrary unknown values of an open enum."""
    bits = 16 if enum._hex_digits() == 4 else 8
    choices: list[st.SearchStrategy[E]] = [
        st.sampled_from(list(enum)),
        st.integers(0, (1 << bits) - 1).map(enum),
    ]
    if bits == 16:
        choices.append(st.sampled_from(GREASE_U16).map(enum))
    return st.one_of(*choices)


def opaque(min_size: int, max_size: int) -> st.SearchStrategy[bytes]:
    """``opaque x<min..max>``; the upper bound is capped (at min + 64) to keep examples small."""
    return st.binary(min_size=min_size, max_size=min(max_size, min_size + 64))


def tuples(elem: st.SearchStrategy[Any], min_size: int, max_size: int) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(elem, min_size=min_size, max_size=max_size).map(tuple)


u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
randoms = st.binary(min_size=32, max_size=32)
host_names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=40
)


# --------------------------------------------------------------------------------------------------------
# Extensions, one strategy per class
# --------------------------------------------------------------------------------------------------------

key_share_entries = st.builds(wext.KeyShareEntry, open_enum(NamedGroup), opaque(1, 0xFFFF))
psk_identities = st.builds(wext.PskIdentity, opaque(1, 0xFFFF), u32)

EXTENSION_STRATEGIES: dict[type[wext.Extension], st.SearchStrategy[Any]] = {
    wext.ServerName: st.builds(wext.ServerName, host_names),
    wext.ServerNameAck: st.just(wext.ServerNameAck()),
    wext.SupportedGroups: st.builds(wext.SupportedGroups, tuples(open_enum(NamedGroup), 1, 12)),
    wext.SignatureAlgorithms: st.builds(wext.SignatureAlgorithms, tuples(open_enum(SignatureScheme), 1, 12)),
    wext.SignatureAlgorithmsCert: st.builds(wext.SignatureAlgorithmsCert, tuples(open_enum(SignatureScheme), 1, 12)),
    wext.SupportedVersionsClientHello: st.builds(
        wext.SupportedVersionsClientHello, tuples(open_enum(ProtocolVersion), 1, 8)
    ),
    wext.SupportedVersionsServerHello: st.builds(wext.SupportedVersionsServerHello, open_enum(ProtocolVersion)),
    wext.KeyShareClientHello: st.builds(wext.KeyShareClientHello, tuples(key_share_entries, 0, 3)),
    wext.KeyShareServerHello: st.builds(wext.KeyShareServerHello, key_share_entries),
    wext.KeyShareHelloRetryRequest: st.builds(wext.KeyShareHelloRetryRequest, open_enum(NamedGroup)),
    wext.ApplicationLayerProtocolNegotiation: st.builds(
        wext.ApplicationLayerProtocolNegotiation, tuples(opaque(1, 255), 1, 4)
    ),
    wext.Cookie: st.builds(wext.Cookie, opaque(1, 0xFFFF)),
    wext.PskKeyExchangeModes: st.builds(wext.PskKeyExchangeModes, tuples(open_enum(PskKeyExchangeMode), 1, 4)),
    wext.PreSharedKeyClientHello: st.builds(
        wext.PreSharedKeyClientHello, tuples(psk_identities, 1, 3), tuples(opaque(32, 255), 1, 3)
    ),
    wext.PreSharedKeyServerHello: st.builds(wext.PreSharedKeyServerHello, u16),
    wext.EarlyData: st.just(wext.EarlyData()),
    wext.EarlyDataNewSessionTicket: st.builds(wext.EarlyDataNewSessionTicket, u32),
    wext.StatusRequest: st.builds(wext.StatusRequest, opaque(0, 0xFFFF), opaque(0, 0xFFFF)),
    wext.StatusRequestAck: st.just(wext.StatusRequestAck()),
    wext.CertificateStatusOcsp: st.builds(wext.CertificateStatusOcsp, opaque(1, 0xFFFFFF)),
    wext.RecordSizeLimit: st.builds(wext.RecordSizeLimit, u16),
    wext.RenegotiationInfo: st.builds(wext.RenegotiationInfo, opaque(0, 255)),
    wext.ExtendedMasterSecret: st.just(wext.ExtendedMasterSecret()),
    wext.EncryptThenMac: st.just(wext.EncryptThenMac()),
    wext.SessionTicket: st.builds(wext.SessionTicket, opaque(0, 0xFFFF)),
    wext.EcPointFormats: st.builds(wext.EcPointFormats, tuples(open_enum(ECPointFormat), 1, 4)),
    wext.Padding: st.builds(wext.Padding, st.integers(0, 300)),
    wext.CertificateAuthorities: st.builds(wext.CertificateAuthorities, tuples(opaque(1, 0xFFFF), 1, 3)),
    wext.PostHandshakeAuth: st.just(wext.PostHandshakeAuth()),
}


def unknown_extensions(ctx: HandshakeType) -> st.SearchStrategy[wext.UnknownExtension]:
    """Extensions with no decoder in ``ctx`` (GREASE, unassigned, or known types foreign to ``ctx``)."""
    decoded = {t for (t, c) in wext.DECODERS if c == ctx}
    types = st.one_of(
        st.sampled_from(GREASE_U16), st.sampled_from(list(ExtensionType)), st.integers(0, 0xFFFF)
    ).filter(lambda t: t not in decoded)
    return st.builds(wext.UnknownExtension, types.map(ExtensionType), opaque(0, 0xFFFF))


def extension_for(ctx: HandshakeType) -> st.SearchStrategy[wext.Extension]:
    """One extension that decodes back to itself in a message of type ``ctx``."""
    classes = sorted({cls for (_, c), cls in wext.DECODERS.items() if c == ctx}, key=lambda c: c.__name__)
    return st.one_of(*(EXTENSION_STRATEGIES[cls] for cls in classes), unknown_extensions(ctx))


@st.composite
def extensions_for(draw: st.DrawFn, ctx: HandshakeType, min_size: int = 0, max_size: int = 6) -> tuple[Any, ...]:
    """Extensions with distinct types, valid for ``ctx`` (respecting the block's minimum length).

    A HelloRetryRequest always gets supported_versions (its block is <6..>); a CertificateRequest always
    gets signature_algorithms (<2..>); a ClientHello's pre_shared_key is put last (RFC 8446 s4.2.11).
    """
    required: list[wext.Extension] = []
    if ctx == HandshakeType.HELLO_RETRY_REQUEST:
        required.append(draw(EXTENSION_STRATEGIES[wext.SupportedVersionsServerHello]))
    if ctx == HandshakeType.CERTIFICATE_REQUEST:
        required.append(draw(EXTENSION_STRATEGIES[wext.SignatureAlgorithms]))
    more = draw(
        st.lists(
            extension_for(ctx),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda e: int(e.wire_type),
        )
    )
    taken = {int(e.wire_type) for e in required}
    exts = required + [e for e in more if int(e.wire_type) not in taken]
    exts = draw(st.permutations(exts))
    psk = [e for e in exts if e.wire_type == ExtensionType.PRE_SHARED_KEY]
    return tuple([e for e in exts if e.wire_type != ExtensionType.PRE_SHARED_KEY] + psk)


# --------------------------------------------------------------------------------------------------------
# Handshake messages
# --------------------------------------------------------------------------------------------------------


def client_hellos() -> st.SearchStrategy[wmsg.ClientHello]:
    return st.builds(
        wmsg.ClientHello,
        random=randoms,
        legacy_session_id=opaque(0, 32),
        cipher_suites=tuples(open_enum(CipherSuite), 1, 10),
        extensions=extensions_for(HandshakeType.CLIENT_HELLO),
        legacy_version=open_enum(ProtocolVersion),
        legacy_compression_methods=opaque(1, 255),
    )


def server_hellos() -> st.SearchStrategy[wmsg.ServerHello]:
    """ServerHello that is not a HelloRetryRequest (see :func:`hello_retry_requests`)."""
    return st.builds(
        wmsg.ServerHello,
        random=randoms.filter(lambda r: r != wmsg.HELLO_RETRY_REQUEST_RANDOM),
        legacy_session_id_echo=opaque(0, 32),
        cipher_suite=open_enum(CipherSuite),
        extensions=extensions_for(HandshakeType.SERVER_HELLO),
        legacy_version=open_enum(ProtocolVersion),
        legacy_compression_method=st.integers(0, 255),
    )


def hello_retry_requests() -> st.SearchStrategy[wmsg.ServerHello]:
    return st.builds(
        wmsg.ServerHello,
        random=st.just(wmsg.HELLO_RETRY_REQUEST_RANDOM),
        legacy_session_id_echo=opaque(0, 32),
        cipher_suite=open_enum(CipherSuite),
        extensions=extensions_for(HandshakeType.HELLO_RETRY_REQUEST),
    )


def encrypted_extensions() -> st.SearchStrategy[wmsg.EncryptedExtensions]:
    return st.builds(wmsg.EncryptedExtensions, extensions_for(HandshakeType.ENCRYPTED_EXTENSIONS))


def certificate_entries() -> st.SearchStrategy[wmsg.CertificateEntry]:
    return st.builds(
        wmsg.CertificateEntry, opaque(1, 0xFFFFFF), extensions_for(HandshakeType.CERTIFICATE, max_size=2)
    )


def certificates() -> st.SearchStrategy[wmsg.Certificate]:
    return st.builds(wmsg.Certificate, opaque(0, 255), tuples(certificate_entries(), 0, 3))


def certificate_requests() -> st.SearchStrategy[wmsg.CertificateRequest]:
    return st.builds(wmsg.CertificateRequest, opaque(0, 255), extensions_for(HandshakeType.CERTIFICATE_REQUEST))


def certificate_verifies() -> st.SearchStrategy[wmsg.CertificateVerify]:
    return st.builds(wmsg.CertificateVerify, open_enum(SignatureScheme), opaque(0, 0xFFFF))


def finisheds() -> st.SearchStrategy[wmsg.Finished]:
    return st.builds(wmsg.Finished, st.sampled_from([12, 32, 48, 64]).flatmap(lambda n: opaque(n, n)))


def new_session_tickets() -> st.SearchStrategy[wmsg.NewSessionTicket]:
    return st.builds(
        wmsg.NewSessionTicket,
        u32,
        u32,
        opaque(0, 255),
        opaque(1, 0xFFFF),
        extensions_for(HandshakeType.NEW_SESSION_TICKET, max_size=3),
    )


def key_updates() -> st.SearchStrategy[wmsg.KeyUpdate]:
    return st.builds(wmsg.KeyUpdate, open_enum(KeyUpdateRequest))


def end_of_early_datas() -> st.SearchStrategy[wmsg.EndOfEarlyData]:
    return st.just(wmsg.EndOfEarlyData())


#: One strategy per message class that ``decode_handshake`` decodes (TLS 1.3 rows).
MESSAGE_STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "ClientHello": client_hellos,
    "ServerHello": server_hellos,
    "HelloRetryRequest": hello_retry_requests,
    "EncryptedExtensions": encrypted_extensions,
    "Certificate": certificates,
    "CertificateRequest": certificate_requests,
    "CertificateVerify": certificate_verifies,
    "Finished": finisheds,
    "NewSessionTicket": new_session_tickets,
    "KeyUpdate": key_updates,
    "EndOfEarlyData": end_of_early_datas,
}


def handshake_messages() -> st.SearchStrategy[wmsg.HandshakeMessage]:
    """Any TLS 1.3 handshake message that ``decode_handshake`` decodes."""
    return st.one_of(*(make() for make in MESSAGE_STRATEGIES.values()))
