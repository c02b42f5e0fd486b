"""Key exchange: both sides agree, fixed randomness gives fixed shares, invalid shares are refused."""

from __future__ import annotations

import hashlib
import os

import pytest

from glasstls import errors
from glasstls.crypto import groups
from glasstls.crypto.ffdhe import is_ffdhe
from glasstls.crypto.groups import (
    DEFAULT_GROUPS,
    DEFAULT_KEY_SHARES,
    SUPPORTED_GROUPS,
    respond_key_exchange,
    share_length,
    start_key_exchange,
)
from glasstls.wire.enums import NamedGroup


def fixed_random(seed: bytes) -> groups.Random:
    """A deterministic byte stream (SHA-256 in counter mode) for reproducible key pairs."""
    counter = 0

    def random(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        return out[:n]

    return random


ECDH_GROUPS = [
    NamedGroup.X25519,
    NamedGroup.X448,
    NamedGroup.SECP256R1,
    NamedGroup.SECP384R1,
    NamedGroup.SECP521R1,
]
HYBRIDS = [NamedGroup.X25519MLKEM768, NamedGroup.SECP256R1MLKEM768]


@pytest.mark.parametrize("group", SUPPORTED_GROUPS)
def test_both_sides_agree(group: NamedGroup) -> None:
    initiator = start_key_exchange(group, os.urandom)
    assert initiator.group == group
    share = initiator.public_bytes()
    assert len(share) == share_length(group, responder=False)
    response, server_secret = respond_key_exchange(group, share, os.urandom)
    assert len(response) == share_length(group, responder=True)
    assert initiator.exchange(response) == server_secret
    assert len(server_secret) >= 32


@pytest.mark.parametrize("group", [g for g in SUPPORTED_GROUPS if not is_ffdhe(g)])  # FFDHE: OpenSSL's randomness
def test_fixed_random_gives_fixed_share(group: NamedGroup) -> None:
    a = start_key_exchange(group, fixed_random(b"seed")).public_bytes()
    b = start_key_exchange(group, fixed_random(b"seed")).public_bytes()
    c = start_key_exchange(group, fixed_random(b"other")).public_bytes()
    assert a == b != c


@pytest.mark.parametrize("group", ECDH_GROUPS)
def test_ecdh_responder_is_deterministic_too(group: NamedGroup) -> None:
    share = start_key_exchange(group, fixed_random(b"client")).public_bytes()
    assert respond_key_exchange(group, share, fixed_random(b"server")) == respond_key_exchange(
        group, share, fixed_random(b"server")
    )


def test_default_lists() -> None:
    assert DEFAULT_GROUPS[0] == NamedGroup.X25519MLKEM768
    assert set(DEFAULT_GROUPS) <= set(SUPPORTED_GROUPS)
    assert DEFAULT_KEY_SHARES == (NamedGroup.X25519,)


def test_hybrid_lengths() -> None:
    client = start_key_exchange(NamedGroup.X25519MLKEM768, os.urandom)
    share = client.public_bytes()
    assert len(share) == 1184 + 32
    response, secret = respond_key_exchange(NamedGroup.X25519MLKEM768, share, os.urandom)
    assert len(response) == 1088 + 32
    assert len(secret) == 32 + 32
    # X25519 part last in the share: it is the public key of the same X25519 private key.
    assert client.exchange(response) == secret

    client = start_key_exchange(NamedGroup.SECP256R1MLKEM768, os.urandom)
    share = client.public_bytes()
    assert len(share) == 65 + 1184 and share[0] == 0x04  # ECDH part first
    response, secret = respond_key_exchange(NamedGroup.SECP256R1MLKEM768, share, os.urandom)
    assert len(response) == 65 + 1088 and response[0] == 0x04
    assert client.exchange(response) == secret and len(secret) == 64


def test_hybrid_secret_order() -> None:
    """X25519MLKEM768: ML-KEM secret || X25519 secret (draft-ietf-tls-ecdhe-mlkem section 4)."""
    client = start_key_exchange(NamedGroup.X25519MLKEM768, os.urandom)
    response, secret = respond_key_exchange(NamedGroup.X25519MLKEM768, client.public_bytes(), os.urandom)
    x25519_part = client._ecdh.exchange(response[1088:])  # type: ignore[attr-defined]
    assert secret[32:] == x25519_part


def _invalid(group: NamedGroup, share: bytes) -> str:
    client = start_key_exchange(group, os.urandom)
    with pytest.raises(errors.IllegalParameter) as first:
        client.exchange(share)
    with pytest.raises(errors.IllegalParameter):
        respond_key_exchange(group, share, os.urandom)
    assert str(group) in first.value.reason
    return first.value.reason


@pytest.mark.parametrize("group", ECDH_GROUPS)
def test_wrong_lengths(group: NamedGroup) -> None:
    good = start_key_exchange(group, os.urandom).public_bytes()
    for bad in (b"", good[:-1], good + b"\x00"):
        assert "bytes, expected" in _invalid(group, bad)


@pytest.mark.parametrize("group", [NamedGroup.X25519, NamedGroup.X448])
def test_all_zero_xdh_point(group: NamedGroup) -> None:
    length = 32 if group == NamedGroup.X25519 else 56
    assert "low-order" in _invalid(group, bytes(length))


def test_x25519_low_order_point_one() -> None:
    assert "low-order" in _invalid(NamedGroup.X25519, b"\x01" + bytes(31))


@pytest.mark.parametrize("group", [NamedGroup.SECP256R1, NamedGroup.SECP384R1, NamedGroup.SECP521R1])
def test_ec_off_curve_and_compressed(group: NamedGroup) -> None:
    good = start_key_exchange(group, os.urandom).public_bytes()
    off_curve = good[:-1] + bytes((good[-1] ^ 1,))
    assert "not on the curve" in _invalid(group, off_curve)
    compressed_same_length = b"\x02" + good[1:]
    assert "uncompressed" in _invalid(group, compressed_same_length)
    coord = (len(good) - 1) // 2
    compressed = bytes((2 + (good[-1] & 1),)) + good[1 : 1 + coord]
    assert "bytes, expected" in _invalid(group, compressed)
    assert "not on the curve" in _invalid(group, b"\x04" + bytes(len(good) - 1))  # the point at 0,0


@pytest.mark.parametrize("group", HYBRIDS)
def test_hybrid_wrong_lengths(group: NamedGroup) -> None:
    client = start_key_exchange(group, os.urandom)
    share = client.public_bytes()
    response, _ = respond_key_exchange(group, share, os.urandom)
    for bad in (share[:-1], share + b"\x00", b""):
        with pytest.raises(errors.IllegalParameter, match="bytes, expected"):
            respond_key_exchange(group, bad, os.urandom)
    for bad in (response[:-1], response + b"\x00", share):
        with pytest.raises(errors.IllegalParameter, match="bytes, expected"):
            client.exchange(bad)


def test_hybrid_bad_ecdh_part() -> None:
    client = start_key_exchange(NamedGroup.X25519MLKEM768, os.urandom)
    share = client.public_bytes()
    with pytest.raises(errors.IllegalParameter, match=r"X25519MLKEM768.*low-order"):
        respond_key_exchange(NamedGroup.X25519MLKEM768, share[:1184] + bytes(32), os.urandom)


def test_hybrid_bad_mlkem_key() -> None:
    """An encapsulation key whose coefficients are not reduced mod q fails FIPS 203's modulus check."""
    client = start_key_exchange(NamedGroup.X25519MLKEM768, os.urandom)
    share = client.public_bytes()
    bad = b"\xff" * 1184 + share[1184:]
    with pytest.raises(errors.IllegalParameter, match="ML-KEM"):
        respond_key_exchange(NamedGroup.X25519MLKEM768, bad, os.urandom)


@pytest.mark.parametrize("group", [NamedGroup(0x0105), NamedGroup(0x0A0A), NamedGroup(0x1234)])
def test_unsupported_group(group: NamedGroup) -> None:
    with pytest.raises(errors.IllegalParameter, match="unsupported group"):
        start_key_exchange(group, os.urandom)
    with pytest.raises(errors.IllegalParameter, match="unsupported group"):
        respond_key_exchange(group, b"\x00" * 32, os.urandom)


def test_ec_private_key_rejection_sampling() -> None:
    """Bytes >= the order are drawn again, not reduced: the next valid draw becomes the key."""
    valid = bytes.fromhex("ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39")
    draws = [b"\xff" * 32, bytes(32), valid]
    kx = start_key_exchange(NamedGroup.SECP256R1, lambda n: draws.pop(0))
    assert not draws
    direct = start_key_exchange(NamedGroup.SECP256R1, lambda n: valid)
    assert kx.public_bytes() == direct.public_bytes()


def test_repr_has_no_secret() -> None:
    kx = start_key_exchange(NamedGroup.X25519, lambda n: b"\x42" * n)
    assert repr(kx) == "<_XdhKeyExchange X25519>"


@pytest.mark.parametrize("group", [NamedGroup.SECP256R1, NamedGroup.SECP384R1, NamedGroup.SECP521R1])
def test_curve_orders(group: NamedGroup) -> None:
    """The group orders we sample below are right: n-1 is a valid private key, n is not."""
    from cryptography.hazmat.primitives.asymmetric import ec

    curve, _, order = groups._EC_CURVES[group]
    ec.derive_private_key(order - 1, curve)
    with pytest.raises(ValueError):
        ec.derive_private_key(order, curve)
