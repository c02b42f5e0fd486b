"""Shared fixtures. Real peers for interop tests live in ``tests/peers.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from peers import PeerPki, make_openssl_pki

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI


# Hypothesis's per-example deadline is a timed assertion: on a loaded 2-core machine it fails correct code
# (DeadlineExceeded in round trips seen while eight processes shared the CPU). Speed is measured by
# `make bench`, never by the suite, so no example has a deadline.
settings.register_profile("glasstls", deadline=None)
settings.load_profile("glasstls")


@pytest.fixture(scope="session")
def peer_pki(tmp_path_factory: pytest.TempPathFactory) -> PeerPki:
    """A root -> intermediate -> leaf PKI made with the ``openssl`` command (independent of glasstls).

    ``server_ecdsa``/``server_rsa``/``client`` hold leaf + intermediate; trust ``root``. For localhost, 127.0.0.1.
    """
    return make_openssl_pki(tmp_path_factory.mktemp("peer-pki"))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """glasstls's test PKI for localhost and 127.0.0.1, with its PEM files written (``pki.files``)."""
    from glasstls.pki.testpki import make_test_pki

    return make_test_pki(("localhost", "127.0.0.1"), directory=tmp_path_factory.mktemp("test-pki"))
