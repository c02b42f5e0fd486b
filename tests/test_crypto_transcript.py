"""Transcript hash: buffering until the suite is known, digest without finalising, HRR restart."""

from __future__ import annotations

import hashlib

import pytest

from glasstls import errors
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.transcript import Transcript
from glasstls.wire.enums import CipherSuite

AES128 = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]
AES256 = TLS13_SUITES[CipherSuite.TLS_AES_256_GCM_SHA384]
CHACHA = TLS13_SUITES[CipherSuite.TLS_CHACHA20_POLY1305_SHA256]


def test_buffer_then_hash() -> None:
    t = Transcript()
    t.add(b"\x01\x00\x00\x01a")
    with pytest.raises(errors.InternalError):
        t.digest()
    t.set_hash(AES256)
    assert t.digest() == hashlib.sha384(b"\x01\x00\x00\x01a").digest()
    t.add(b"\x02\x00\x00\x01b")
    assert t.digest() == hashlib.sha384(b"\x01\x00\x00\x01a\x02\x00\x00\x01b").digest()
    assert t.digest() == t.digest()  # not finalised


def test_digest_with_does_not_add() -> None:
    t = Transcript()
    t.set_hash(AES128)
    t.add(b"one")
    assert t.digest_with(b"two") == hashlib.sha256(b"onetwo").digest()
    assert t.digest() == hashlib.sha256(b"one").digest()


def test_set_hash_again() -> None:
    t = Transcript()
    t.set_hash(AES128)
    t.set_hash(CHACHA)  # same hash: fine
    with pytest.raises(errors.InternalError):
        t.set_hash(AES256)


def test_hrr_restart() -> None:
    ch1 = b"\x01\x00\x00\x03abc"
    hrr = b"\x02\x00\x00\x01z"
    t = Transcript()
    t.add(ch1)
    with pytest.raises(errors.InternalError):
        t.hrr_restart()
    t.set_hash(AES256)
    t.hrr_restart()
    t.add(hrr)
    message_hash = b"\xfe\x00\x00\x30" + hashlib.sha384(ch1).digest()
    assert t.digest() == hashlib.sha384(message_hash + hrr).digest()


def test_copy_is_independent() -> None:
    t = Transcript()
    t.add(b"a")
    c = t.copy()
    t.set_hash(AES128)
    c.set_hash(AES128)
    t.add(b"b")
    assert c.digest() == hashlib.sha256(b"a").digest()
    assert t.digest() == hashlib.sha256(b"ab").digest()
    assert "sha256" in repr(t)
