"""TLS 1.3: a peer certificate that does not parse, or whose key has an unknown algorithm, is bad_certificate or
unsupported_certificate for the step that received it, never internal_error (found by the TLS 1.2 Hypothesis
tests; the TLS 1.3 states share handshake.base.parse_peer_chain)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from glasstls.errors import BadCertificate, TLSError, UnsupportedCertificate
from glasstls.wire.enums import AlertDescription
from glasstls.wire.messages import Certificate, HandshakeMessage
from handshake_pair import Pair, chain_of, client_config, pki, server_config
from test_handshake12_bad_input import _unknown_key_algorithm, _version_1


def _edit_certificate(index: int, change: Callable[[bytes], bytes]) -> Callable[[HandshakeMessage], object]:
    def fn(m: HandshakeMessage) -> object:
        if not isinstance(m, Certificate) or not m.certificate_list:
            return None
        entries = list(m.certificate_list)
        entries[index] = dataclasses.replace(entries[index], cert_data=change(entries[index].cert_data))
        return dataclasses.replace(m, certificate_list=tuple(entries))

    return fn


@pytest.mark.parametrize(
    ("index", "change", "error", "alert"),
    [
        (0, _version_1, BadCertificate, AlertDescription.BAD_CERTIFICATE),
        (1, _version_1, BadCertificate, AlertDescription.BAD_CERTIFICATE),
        (0, _unknown_key_algorithm, UnsupportedCertificate, AlertDescription.UNSUPPORTED_CERTIFICATE),
    ],
    ids=["leaf-v2", "intermediate-v2", "leaf-unknown-key"],
)
def test_server_certificate_tls13(
    index: int, change: Callable[[bytes], bytes], error: type[TLSError], alert: AlertDescription
) -> None:
    pair = Pair(client_config(), server_config())
    with pair.mutate("server", _edit_certificate(index, change)):  # type: ignore[arg-type]
        pair.pump()
    assert isinstance(pair.client_error, error), repr(pair.client_error)
    assert pair.client_error.alert == alert
    assert pair.client_error.step == "server Certificate"


def test_client_certificate_tls13() -> None:
    pair = Pair(
        client_config(client_certificate=chain_of(pki().client)),
        server_config(client_auth="required", client_trust=pki().trust_store()),
    )
    with pair.mutate("client", _edit_certificate(0, _version_1)):  # type: ignore[arg-type]
        pair.pump()
    assert isinstance(pair.server_error, BadCertificate), repr(pair.server_error)
    assert pair.server_error.step == "client Certificate"
