"""A peer that fails before it has keys sends a plaintext alert; the other side must still read it.

When the client rejects the ServerHello (or a HelloRetryRequest) it has no handshake keys yet, so its fatal
alert is a plaintext record, although the server already reads with the client handshake keys. The record
layer accepts a 2-byte plaintext alert until the first protected record opens (as OpenSSL does).
"""

from __future__ import annotations

import dataclasses

import pytest

from glasstls.errors import AlertReceived, IllegalParameter
from glasstls.wire.enums import AlertDescription, CipherSuite
from glasstls.wire.messages import ServerHello
from handshake_pair import Pair, client_config, server_config


@pytest.mark.parametrize("compat", [True, False])
def test_server_reads_the_clients_plaintext_alert_after_a_bad_server_hello(compat: bool) -> None:
    def unoffered_suite(m: object) -> object:
        if isinstance(m, ServerHello):
            return dataclasses.replace(m, cipher_suite=CipherSuite.TLS_CHACHA20_POLY1305_SHA256)
        return None

    pair = Pair(
        client_config(cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,), middlebox_compatibility=compat),
        server_config(middlebox_compatibility=compat),
    )
    with pair.mutate("server", unoffered_suite):  # type: ignore[arg-type]
        pair.pump()
    assert isinstance(pair.client_error, IllegalParameter)
    assert isinstance(pair.server_error, AlertReceived), repr(pair.server_error)
    assert pair.server_error.description == AlertDescription.ILLEGAL_PARAMETER
