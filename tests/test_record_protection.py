"""Record protection: NullProtection and Tls13Protection (RFC 8446 sections 5.1 to 5.5)."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from glasstls.errors import BadRecordMac, InternalError, RecordOverflow, UnexpectedMessage
from glasstls.record.protection import (
    MAX_CIPHERTEXT,
    MAX_INNER_PLAINTEXT,
    NullProtection,
    Tls13Protection,
)
from glasstls.wire.enums import ContentType

CT = ContentType


class _Aead:
    """Test adapter: a cryptography AEAD with the glasstls Aead interface (decrypt -> BadRecordMac)."""

    def __init__(self, impl: AESGCM | ChaCha20Poly1305) -> None:
        self._impl = impl
        self.nonces: list[bytes] = []

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        self.nonces.append(nonce)
        return self._impl.encrypt(nonce, plaintext, aad)

    def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        self.nonces.append(nonce)
        try:
            return self._impl.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise BadRecordMac("bad record MAC") from None


AEADS = {
    "AES-128-GCM": lambda: AESGCM(bytes(range(16))),
    "AES-256-GCM": lambda: AESGCM(bytes(range(32))),
    "ChaCha20-Poly1305": lambda: ChaCha20Poly1305(bytes(range(32))),
}
IV = bytes.fromhex("000102030405060708090a0b")


@pytest.fixture(params=sorted(AEADS))
def impl(request: pytest.FixtureRequest) -> AESGCM | ChaCha20Poly1305:
    return AEADS[request.param]()


def pair(
    impl: AESGCM | ChaCha20Poly1305, **kw: int
) -> tuple[Tls13Protection, Tls13Protection]:
    return Tls13Protection(_Aead(impl), IV, **kw), Tls13Protection(_Aead(impl), IV)


def open_record(p: Tls13Protection | NullProtection, record: bytes) -> tuple[ContentType, bytes]:
    return p.open(record[0], int.from_bytes(record[1:3], "big"), record[5:], record[:5])


# -- NullProtection ------------------------------------------------------------------------------


def test_null_seal_and_open() -> None:
    p = NullProtection()
    assert not p.encrypted
    record = p.seal(CT.HANDSHAKE, b"abc")
    assert record == b"\x16\x03\x03\x00\x03abc"
    assert open_record(p, record) == (CT.HANDSHAKE, b"abc")


def test_null_legacy_version_for_first_client_hello() -> None:
    p = NullProtection(legacy_version=0x0301)
    assert p.seal(CT.HANDSHAKE, b"x") == b"\x16\x03\x01\x00\x01x"
    p.set_legacy_version(0x0303)
    assert p.seal(CT.ALERT, b"\x02\x28") == b"\x15\x03\x03\x00\x02\x02\x28"


def test_null_refuses_oversize() -> None:
    with pytest.raises(RecordOverflow):
        NullProtection().open(22, 0x0303, bytes((1 << 14) + 1), b"\x16\x03\x03\x40\x01")
    with pytest.raises(InternalError):
        NullProtection().seal(CT.HANDSHAKE, bytes((1 << 14) + 1))


# -- Tls13Protection round trips -----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000, 1 << 14])
@pytest.mark.parametrize("ctype", [CT.HANDSHAKE, CT.ALERT, CT.APPLICATION_DATA])
def test_round_trip(impl: AESGCM | ChaCha20Poly1305, size: int, ctype: ContentType) -> None:
    w, r = pair(impl)
    data = bytes(i & 0xFF for i in range(size))
    for _ in range(3):
        record = w.seal(ctype, data)
        # RFC 8446 s5.2: outer type application_data, version 0x0303, length = data + type + 16-byte tag.
        assert record[:3] == b"\x17\x03\x03"
        assert int.from_bytes(record[3:5], "big") == len(record) - 5 == size + 1 + 16
        opened = open_record(r, record)
        assert opened == (ctype, data)
        assert type(opened[0]) is ContentType
    assert w.records_protected == r.records_protected == 3


def test_nonce_is_iv_xor_sequence(impl: AESGCM | ChaCha20Poly1305) -> None:
    aead = _Aead(impl)
    w = Tls13Protection(aead, IV)
    w.records_protected = 0x0102030405060700
    for _ in range(3):
        w.seal(CT.APPLICATION_DATA, b"x")
    expected = []
    for seq in (0x0102030405060700, 0x0102030405060701, 0x0102030405060702):
        padded = seq.to_bytes(12, "big")  # RFC 8446 s5.3: left-padded to iv_length
        expected.append(bytes(a ^ b for a, b in zip(IV, padded, strict=True)))
    assert aead.nonces == expected
    # The sequence number lands in the last 8 bytes; the first 4 bytes of the IV are untouched.
    assert aead.nonces[2] == bytes.fromhex("00010203 05070503 0d0f0d09".replace(" ", ""))


def test_records_must_be_opened_in_order(impl: AESGCM | ChaCha20Poly1305) -> None:
    w, r = pair(impl)
    first = w.seal(CT.APPLICATION_DATA, b"one")
    second = w.seal(CT.APPLICATION_DATA, b"two")
    with pytest.raises(BadRecordMac):
        open_record(r, second)
    _, r2 = pair(impl)
    assert open_record(r2, first) == (CT.APPLICATION_DATA, b"one")


def test_padding_is_added_and_stripped(impl: AESGCM | ChaCha20Poly1305) -> None:
    w, r = pair(impl, pad_to=64)
    for size in (0, 1, 62, 63, 64, 200):
        record = w.seal(CT.HANDSHAKE, b"\x01" * size)
        inner_len = len(record) - 5 - 16
        assert inner_len % 64 == 0 and inner_len >= size + 1
        assert open_record(r, record) == (CT.HANDSHAKE, b"\x01" * size)


def test_padding_never_exceeds_the_size_limit(impl: AESGCM | ChaCha20Poly1305) -> None:
    w, r = pair(impl, pad_to=1000)
    w.apply_size_limit(100)
    r.apply_size_limit(100)
    record = w.seal(CT.APPLICATION_DATA, b"a" * 10)
    assert len(record) - 5 - 16 == 100
    assert open_record(r, record) == (CT.APPLICATION_DATA, b"a" * 10)


def test_inner_type_is_last_nonzero_byte(impl: AESGCM | ChaCha20Poly1305) -> None:
    # Content that ends in zero bytes, followed by the type and padding: only the padding is stripped.
    aead = _Aead(impl)
    r = Tls13Protection(aead, IV)
    inner = b"data\x00\x00" + b"\x16" + bytes(30)
    header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
    record = header + impl.encrypt(IV, inner, header)
    # "data\x00\x00" ends in zeros, which RFC 8446 s5.4 makes indistinguishable from padding only if
    # they come after the type; here the type 0x16 follows them, so they belong to the content.
    assert open_record(r, record) == (CT.HANDSHAKE, b"data\x00\x00")


def test_all_zero_inner_plaintext_is_unexpected_message(impl: AESGCM | ChaCha20Poly1305) -> None:
    r = Tls13Protection(_Aead(impl), IV)
    inner = bytes(20)
    header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
    with pytest.raises(UnexpectedMessage):
        open_record(r, header + impl.encrypt(IV, inner, header))


def test_flipped_ciphertext_bit_is_bad_record_mac(impl: AESGCM | ChaCha20Poly1305) -> None:
    w, _ = pair(impl)
    record = bytearray(w.seal(CT.APPLICATION_DATA, b"hello world"))
    for index in (5, 10, len(record) - 1):
        tampered = bytearray(record)
        tampered[index] ^= 0x01
        _, r = pair(impl)
        with pytest.raises(BadRecordMac):
            open_record(r, bytes(tampered))


def test_flipped_header_bit_is_bad_record_mac(impl: AESGCM | ChaCha20Poly1305) -> None:
    # RFC 8446 s5.2: the header is the additional data; the legacy version is not checked, only MACed.
    w, r = pair(impl)
    record = bytearray(w.seal(CT.APPLICATION_DATA, b"hello world"))
    record[2] ^= 0x01
    with pytest.raises(BadRecordMac):
        open_record(r, bytes(record))


@pytest.mark.parametrize("outer", [CT.HANDSHAKE, CT.ALERT, CT.CHANGE_CIPHER_SPEC])
def test_wrong_outer_type_is_unexpected_message(impl: AESGCM | ChaCha20Poly1305, outer: int) -> None:
    w, r = pair(impl)
    record = w.seal(CT.HANDSHAKE, b"x")
    with pytest.raises(UnexpectedMessage):
        r.open(outer, 0x0303, record[5:], bytes([outer]) + record[1:5])


def test_oversize_ciphertext_is_record_overflow(impl: AESGCM | ChaCha20Poly1305) -> None:
    r = Tls13Protection(_Aead(impl), IV)
    payload = bytes(MAX_CIPHERTEXT + 1)
    with pytest.raises(RecordOverflow):
        r.open(23, 0x0303, payload, b"\x17\x03\x03" + len(payload).to_bytes(2, "big"))


def test_oversize_inner_plaintext_is_record_overflow(impl: AESGCM | ChaCha20Poly1305) -> None:
    # Ciphertext within 2^14 + 256, but TLSInnerPlaintext of 2^14 + 2 bytes after decryption.
    r = Tls13Protection(_Aead(impl), IV)
    inner = bytes(MAX_INNER_PLAINTEXT) + b"\x17"
    header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
    record = header + impl.encrypt(IV, inner, header)
    with pytest.raises(RecordOverflow):
        open_record(r, record)
    # One byte less is fine.
    r2 = Tls13Protection(_Aead(impl), IV)
    inner = bytes(MAX_INNER_PLAINTEXT - 1) + b"\x17"
    header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
    assert open_record(r2, header + impl.encrypt(IV, inner, header)) == (
        CT.APPLICATION_DATA,
        bytes(1 << 14),
    )


def test_record_size_limit_on_open(impl: AESGCM | ChaCha20Poly1305) -> None:
    # RFC 8449: in TLS 1.3 the limit counts the content type byte (and padding).
    w, r = pair(impl)
    r.apply_size_limit(64)
    assert r.max_fragment == 63 and r.max_payload == 64 + 255
    assert open_record(r, w.seal(CT.APPLICATION_DATA, bytes(63))) == (CT.APPLICATION_DATA, bytes(63))
    with pytest.raises(RecordOverflow):
        open_record(r, w.seal(CT.APPLICATION_DATA, bytes(64)))


@pytest.mark.parametrize("length", [0, 1, 16])
def test_too_short_ciphertext_is_bad_record_mac(impl: AESGCM | ChaCha20Poly1305, length: int) -> None:
    r = Tls13Protection(_Aead(impl), IV)
    with pytest.raises(BadRecordMac):
        r.open(23, 0x0303, bytes(length), b"\x17\x03\x03" + length.to_bytes(2, "big"))


# -- usage limits and sequence numbers -----------------------------------------------------------


def test_usage_limit_sets_needs_key_update(impl: AESGCM | ChaCha20Poly1305) -> None:
    w = Tls13Protection(_Aead(impl), IV, limit=3, hard_limit=5)
    for _ in range(3):
        assert not w.needs_key_update
        w.seal(CT.APPLICATION_DATA, b"x")
    assert w.needs_key_update
    w.seal(CT.HANDSHAKE, b"key update")  # the KeyUpdate itself still goes out under the old key
    w.seal(CT.APPLICATION_DATA, b"x")
    with pytest.raises(InternalError):
        w.seal(CT.APPLICATION_DATA, b"x")
    assert w.records_protected == 5


def test_default_hard_limit_leaves_grace(impl: AESGCM | ChaCha20Poly1305) -> None:
    w = Tls13Protection(_Aead(impl), IV, limit=2)
    assert w.hard_limit is not None and w.hard_limit > 2
    w.records_protected = w.hard_limit
    with pytest.raises(InternalError):
        w.seal(CT.APPLICATION_DATA, b"x")


def test_no_limit_never_needs_key_update(impl: AESGCM | ChaCha20Poly1305) -> None:
    w = Tls13Protection(_Aead(impl), IV)
    w.records_protected = 1 << 40
    assert not w.needs_key_update


def test_sequence_number_never_wraps(impl: AESGCM | ChaCha20Poly1305) -> None:
    w, r = pair(impl)
    w.records_protected = r.records_protected = (1 << 64) - 1
    record = w.seal(CT.APPLICATION_DATA, b"last")
    assert open_record(r, record) == (CT.APPLICATION_DATA, b"last")
    with pytest.raises(InternalError):
        w.seal(CT.APPLICATION_DATA, b"wrapped")
    with pytest.raises(InternalError):
        open_record(r, record)


def test_short_iv_refused() -> None:
    with pytest.raises(InternalError):
        Tls13Protection(_Aead(AESGCM(bytes(16))), bytes(7))
