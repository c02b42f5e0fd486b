"""Hypothesis strategies for the TLS 1.2 handshake messages (RFC 5246 section 7.4, RFC 8422 section 5,
RFC 5077 section 3.3, RFC 6066 section 8), in the style of ``wire_strategies``.

Everything generated is structurally valid (``decode(encode(x)) == x`` with the right ``key_exchange``);
enum fields draw known, GREASE and arbitrary unknown code points.

``MESSAGE_STRATEGIES_12`` maps a name to ``(strategy factory, key_exchange)``: the ``key_exchange`` that
``decode_handshake`` needs for that message (``None`` for the messages that do not depend on it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from glasstls.wire import messages as wmsg
from glasstls.wire.enums import ClientCertificateType, NamedGroup, SignatureScheme
from wire_strategies import opaque, open_enum, tuples, u32


def hello_requests() -> st.SearchStrategy[wmsg.HelloRequest]:
    return st.just(wmsg.HelloRequest())


def server_hello_dones() -> st.SearchStrategy[wmsg.ServerHelloDone]:
    return st.just(wmsg.ServerHelloDone())


def certificates12() -> st.SearchStrategy[wmsg.Certificate12]:
    return st.builds(wmsg.Certificate12, tuples(opaque(1, 0xFFFFFF), 0, 4))


def server_key_exchanges_ecdhe() -> st.SearchStrategy[wmsg.ServerKeyExchangeEcdhe]:
    return st.builds(
        wmsg.ServerKeyExchangeEcdhe,
        open_enum(NamedGroup),
        opaque(1, 0xFF),
        open_enum(SignatureScheme),
        opaque(0, 0xFFFF),
    )


def certificate_requests12() -> st.SearchStrategy[wmsg.CertificateRequest12]:
    return st.builds(
        wmsg.CertificateRequest12,
        tuples(open_enum(ClientCertificateType), 1, 8),
        tuples(open_enum(SignatureScheme), 1, 12),
        tuples(opaque(1, 0xFFFF), 0, 3),
    )


def client_key_exchanges_ecdhe() -> st.SearchStrategy[wmsg.ClientKeyExchangeEcdhe]:
    return st.builds(wmsg.ClientKeyExchangeEcdhe, opaque(1, 0xFF))


def client_key_exchanges_rsa() -> st.SearchStrategy[wmsg.ClientKeyExchangeRsa]:
    return st.builds(
        wmsg.ClientKeyExchangeRsa,
        st.one_of(opaque(0, 0xFFFF), st.sampled_from([128, 256, 384, 512]).flatmap(lambda n: opaque(n, n))),
    )


def new_session_tickets12() -> st.SearchStrategy[wmsg.NewSessionTicket12]:
    return st.builds(wmsg.NewSessionTicket12, u32, opaque(0, 0xFFFF))


def certificate_statuses() -> st.SearchStrategy[wmsg.CertificateStatus]:
    return st.builds(wmsg.CertificateStatus, opaque(1, 0xFFFFFF))


def finisheds12() -> st.SearchStrategy[wmsg.Finished]:
    return st.builds(wmsg.Finished, opaque(12, 12))


def certificate_verifies12() -> st.SearchStrategy[wmsg.CertificateVerify]:
    return st.builds(wmsg.CertificateVerify, open_enum(SignatureScheme), opaque(0, 0xFFFF))


#: name -> (strategy factory, key_exchange to decode it with) for every TLS 1.2-only message class, plus
#: CertificateVerify and Finished (shared with TLS 1.3, drawn with TLS 1.2 shapes).
MESSAGE_STRATEGIES_12: dict[str, tuple[Callable[[], st.SearchStrategy[Any]], wmsg.KeyExchangeMethod | None]] = {
    "HelloRequest": (hello_requests, None),
    "Certificate12": (certificates12, None),
    "ServerKeyExchangeEcdhe": (server_key_exchanges_ecdhe, "ECDHE"),
    "CertificateRequest12": (certificate_requests12, None),
    "ServerHelloDone": (server_hello_dones, None),
    "ClientKeyExchangeEcdhe": (client_key_exchanges_ecdhe, "ECDHE"),
    "ClientKeyExchangeRsa": (client_key_exchanges_rsa, "RSA"),
    "NewSessionTicket12": (new_session_tickets12, None),
    "CertificateStatus": (certificate_statuses, None),
    "CertificateVerify": (certificate_verifies12, None),
    "Finished": (finisheds12, None),
}


def _with_key_exchange(
    make: Callable[[], st.SearchStrategy[Any]], kx: wmsg.KeyExchangeMethod | None
) -> st.SearchStrategy[tuple[wmsg.HandshakeMessage, wmsg.KeyExchangeMethod | None]]:
    return make().map(lambda msg: (msg, kx))


def handshake_messages12() -> st.SearchStrategy[tuple[wmsg.HandshakeMessage, wmsg.KeyExchangeMethod | None]]:
    """Any TLS 1.2 message above, with the key_exchange that decodes it."""
    return st.one_of(*(_with_key_exchange(make, kx) for make, kx in MESSAGE_STRATEGIES_12.values()))
