"""The settings client and server share live once, in config.SharedConfig (one decision, one place): the same
fields with the same defaults on both sides, keyword-usable, with each side's own first field still positional."""

from __future__ import annotations

import dataclasses

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig, SharedConfig
from glasstls.errors import ConfigError
from glasstls.pki import testpki as tp
from glasstls.wire.enums import ProtocolVersion

PKI = tp.make_test_pki(("localhost",))
CHAIN = CertificateChain((PKI.server_ecdsa.certificate, *PKI.server_ecdsa.chain), PKI.server_ecdsa.key)
SHARED = {f.name for f in dataclasses.fields(SharedConfig)}


def test_both_sides_inherit_the_shared_settings_with_the_same_defaults() -> None:
    client, server = ClientConfig(), ServerConfig((CHAIN,))
    assert isinstance(client, SharedConfig) and isinstance(server, SharedConfig)
    assert {"cipher_suites", "groups", "min_version", "record_size_limit", "keylog", "clock"} <= SHARED
    for name in SHARED:
        assert getattr(client, name) == getattr(server, name), name
    # Each side's own settings stay its own.
    assert "trust" not in SHARED and "certificates" not in SHARED and "key_share_groups" not in SHARED


def test_shared_settings_are_keyword_arguments_and_checked_on_both_sides() -> None:
    server = ServerConfig((CHAIN,), min_version=ProtocolVersion.TLS13, alpn_protocols=("h2",))
    assert server.certificates == (CHAIN,) and server.alpn_protocols == ("h2",)
    client = dataclasses.replace(ClientConfig(None, False), max_version=ProtocolVersion.TLS12)
    assert client.max_version == ProtocolVersion.TLS12 and client.trust is None
    for make in (ClientConfig, lambda **kw: ServerConfig((CHAIN,), **kw)):
        with pytest.raises(ConfigError):
            make(min_version=ProtocolVersion.TLS13, max_version=ProtocolVersion.TLS12)
