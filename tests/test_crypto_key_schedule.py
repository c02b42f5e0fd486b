"""Key schedule helpers beyond RFC 8448's printed values: labels, key update, exporter, TLS 1.2 PRF."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes

from glasstls import errors
from glasstls.crypto.key_schedule import (
    EarlySecret,
    constant_time_equal,
    derive_secret,
    export_keying_material,
    hkdf_expand_label,
    hkdf_extract,
    next_traffic_secret,
    tls12_prf,
    traffic_keys,
)
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.wire.enums import CipherSuite

AES128 = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]
AES256 = TLS13_SUITES[CipherSuite.TLS_AES_256_GCM_SHA384]
CHACHA = TLS13_SUITES[CipherSuite.TLS_CHACHA20_POLY1305_SHA256]


def test_hkdf_label_layout() -> None:
    """HkdfLabel = length(2) || len || "tls13 " + label || len || context (RFC 8446 s7.1), checked against
    HKDF-Expand from RFC 5869 with a hand-built info."""
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

    secret = bytes(range(32))
    info = b"\x00\x10" + b"\x09tls13 key" + b"\x03abc"
    expected = HKDFExpand(hashes.SHA256(), 16, info).derive(secret)
    assert hkdf_expand_label(AES128, secret, b"key", b"abc", 16) == expected
    assert hkdf_expand_label(hashes.SHA256(), secret, b"key", b"abc", 16) == expected


def test_hkdf_expand_label_limits() -> None:
    with pytest.raises(errors.UsageError):
        hkdf_expand_label(AES128, bytes(32), b"x" * 250, b"", 32)
    with pytest.raises(errors.UsageError):
        hkdf_expand_label(AES128, bytes(32), b"key", b"x" * 256, 32)
    hkdf_expand_label(AES128, bytes(32), b"x" * 249, b"y" * 255, 32)


def test_sha384_suite_lengths() -> None:
    early = EarlySecret(AES256)
    assert len(early.secret) == 48
    hs = early.handshake_secret(bytes(32))
    secret = hs.client_handshake_traffic_secret(bytes(48))
    assert len(secret) == 48
    key, iv = traffic_keys(AES256, secret)
    assert (len(key), len(iv)) == (32, 12)
    assert len(hs.master_secret().secret) == 48
    key, _ = traffic_keys(CHACHA, bytes(32))
    assert len(key) == 32


def test_psk_and_no_psk_differ() -> None:
    assert EarlySecret(AES128).secret == EarlySecret(AES128, bytes(32)).secret  # RFC 8446 s7.1: 0 = no PSK
    assert EarlySecret(AES128, b"\x01" * 32).secret != EarlySecret(AES128).secret


def test_next_traffic_secret() -> None:
    secret = bytes(range(32))
    updated = next_traffic_secret(AES128, secret)
    assert updated == hkdf_expand_label(AES128, secret, b"traffic upd", b"", 32)
    assert next_traffic_secret(AES128, updated) != updated


def test_exporter_expression() -> None:
    """RFC 8446 s7.5, spelled out with the lower-level functions."""
    ems = bytes(range(32))
    empty = AES128.hash(b"")
    inner = derive_secret(AES128, ems, b"EXPERIMENTAL test", empty)
    expected = hkdf_expand_label(AES128, inner, b"exporter", AES128.hash(b"ctx"), 20)
    assert export_keying_material(AES128, ems, b"EXPERIMENTAL test", b"ctx", 20) == expected
    # No context and an empty context are the same in TLS 1.3.
    assert export_keying_material(AES128, ems, b"x", None, 16) == export_keying_material(AES128, ems, b"x", b"", 16)


def test_hkdf_extract_is_hmac() -> None:
    from cryptography.hazmat.primitives import hmac

    h = hmac.HMAC(b"salt", hashes.SHA256())
    h.update(b"ikm")
    assert hkdf_extract(AES128, b"salt", b"ikm") == h.finalize()


def test_constant_time_equal() -> None:
    assert constant_time_equal(b"abc", b"abc")
    assert not constant_time_equal(b"abc", b"abd")
    assert not constant_time_equal(b"abc", b"ab")


# The TLS 1.2 PRF test vector (SHA-256) published on the IETF TLS working group list and quoted by many
# test suites: secret, "test label", seed -> 100 bytes.
PRF_SECRET = bytes.fromhex("9bbe436ba940f017b17652849a71db35")
PRF_SEED = bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c")
PRF_OUTPUT = bytes.fromhex(
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
    "87347b66"
)


def test_tls12_prf_sha256_vector() -> None:
    assert tls12_prf("sha256", PRF_SECRET, b"test label", PRF_SEED, 100) == PRF_OUTPUT


def test_tls12_prf_prefixes_and_hashes() -> None:
    for n in (1, 31, 32, 33, 64):
        assert tls12_prf("sha256", PRF_SECRET, b"test label", PRF_SEED, n) == PRF_OUTPUT[:n]
    out = tls12_prf("sha384", PRF_SECRET, b"test label", PRF_SEED, 148)
    assert len(out) == 148 and out[:32] != PRF_OUTPUT[:32]
    with pytest.raises(errors.InternalError):
        tls12_prf("md5", PRF_SECRET, b"x", b"", 12)
