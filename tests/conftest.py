"""Shared fixtures. Real peers for interop tests live in ``tests/peers.py``."""

from __future__ import annotations

import pytest

from peers import PeerPki, make_openssl_pki


@pytest.fixture(scope="session")
def peer_pki(tmp_path_factory: pytest.TempPathFactory) -> PeerPki:
    """A root -> intermediate -> leaf PKI made with the ``openssl`` command (independent of glasstls).

    ``server_ecdsa``/``server_rsa``/``client`` hold leaf + intermediate; trust ``root``. Names: localhost, 127.0.0.1.
    """
    return make_openssl_pki(tmp_path_factory.mktemp("peer-pki"))
