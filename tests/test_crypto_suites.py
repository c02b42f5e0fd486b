"""TLS 1.3 suites: parameters, AEAD round trip, tag failure -> BadRecordMac."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes

from glasstls import errors
from glasstls.crypto.suites import DEFAULT_TLS13_SUITES, TLS13_SUITES, Tls13CipherSuite
from glasstls.wire.enums import CipherSuite

SUITES = list(TLS13_SUITES.values())


def test_table() -> None:
    aes128 = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]
    aes256 = TLS13_SUITES[CipherSuite.TLS_AES_256_GCM_SHA384]
    chacha = TLS13_SUITES[CipherSuite.TLS_CHACHA20_POLY1305_SHA256]
    assert (aes128.key_len, aes128.hash_name, aes128.hash_len) == (16, "sha256", 32)
    assert (aes256.key_len, aes256.hash_name, aes256.hash_len) == (32, "sha384", 48)
    assert (chacha.key_len, chacha.hash_name, chacha.hash_len) == (32, "sha256", 32)
    for suite in SUITES:
        assert (suite.iv_len, suite.tag_len) == (12, 16)
        assert suite.hash_algorithm().digest_size == suite.hash_len
        assert suite.hash_algorithm() is suite.hash_algorithm()  # shared instance
    assert aes128.confidentiality_limit == aes256.confidentiality_limit == 2**24
    assert chacha.confidentiality_limit == 2**62
    assert set(DEFAULT_TLS13_SUITES) == set(TLS13_SUITES)
    assert DEFAULT_TLS13_SUITES[0] == CipherSuite.TLS_AES_256_GCM_SHA384


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_hash(suite: Tls13CipherSuite) -> None:
    h = hashes.Hash(suite.hash_algorithm())
    h.update(b"abc")
    assert suite.hash(b"abc") == h.finalize()


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_aead_round_trip_and_tamper(suite: Tls13CipherSuite) -> None:
    aead = suite.aead(bytes(range(suite.key_len)))
    nonce = bytes(12)
    aad = b"\x17\x03\x03\x00\x15"
    ciphertext = aead.encrypt(nonce, b"hello", aad)
    assert len(ciphertext) == 5 + suite.tag_len
    assert aead.decrypt(nonce, ciphertext, aad) == b"hello"
    for bad_nonce, bad_ct, bad_aad in (
        (nonce, ciphertext[:-1] + bytes((ciphertext[-1] ^ 1,)), aad),
        (nonce, bytes((ciphertext[0] ^ 0x80,)) + ciphertext[1:], aad),
        (b"\x01" + nonce[1:], ciphertext, aad),
        (nonce, ciphertext, aad[:-1] + b"\x16"),
        (nonce, ciphertext[:3], aad),
    ):
        with pytest.raises(errors.BadRecordMac, match="record authentication failed"):
            aead.decrypt(bad_nonce, bad_ct, bad_aad)
    assert str(suite.aead_name) in repr(aead)


def test_aead_known_answer_aes128_gcm() -> None:
    """RFC 8448 s3: the server's first application-data keys (key/iv below) are real; here we only check
    that a second, independently keyed AEAD object decrypts what the first encrypted."""
    suite = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]
    key = bytes.fromhex("9f02283b6c9c07efc26bb9f2ac92e356")
    ct = suite.aead(key).encrypt(bytes(12), b"x" * 100, b"")
    assert suite.aead(key).decrypt(bytes(12), ct, b"") == b"x" * 100


def test_wrong_key_length_is_a_bug() -> None:
    with pytest.raises(errors.InternalError):
        TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256].aead(bytes(32))
