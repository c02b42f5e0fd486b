"""RecordLayer: framing, header checks, size limits, CCS rules (RFC 8446 section 5, RFC 8449)."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from glasstls.errors import BadRecordMac, DecodeError, RecordOverflow, UnexpectedMessage
from glasstls.record.layer import RecordLayer
from glasstls.record.protection import NullProtection, Tls13Protection
from glasstls.wire.enums import ContentType

CT = ContentType
IV = bytes(range(12))
KEY = bytes(range(16))
CCS = b"\x14\x03\x03\x00\x01\x01"


class _Aead:
    """Test adapter: a cryptography AEAD with the glasstls Aead interface (decrypt -> BadRecordMac)."""

    def __init__(self, impl: AESGCM | ChaCha20Poly1305) -> None:
        self._impl = impl

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return self._impl.encrypt(nonce, plaintext, aad)

    def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        try:
            return self._impl.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise BadRecordMac("bad record MAC") from None


def prot(**kw: int) -> Tls13Protection:
    return Tls13Protection(_Aead(AESGCM(KEY)), IV, **kw)


def encrypted_pair(**kw: int) -> tuple[RecordLayer, RecordLayer]:
    w, r = RecordLayer(), RecordLayer()
    w.set_write_protection(prot(**kw))
    r.set_read_protection(prot())
    return w, r


def drain(layer: RecordLayer) -> list[tuple[ContentType, bytes]]:
    out = []
    while (rec := layer.next_record()) is not None:
        out.append(rec)
    return out


MESSAGES = [
    (CT.HANDSHAKE, b"\x01\x00\x00\x02hi"),
    (CT.ALERT, b"\x01\x00"),
    (CT.HANDSHAKE, bytes(range(256)) * 70),  # > 2^14: two records
]


def wire_for(w: RecordLayer, messages: list[tuple[ContentType, bytes]]) -> bytes:
    return b"".join(w.seal(t, d) for t, d in messages)


def expected_records(messages: list[tuple[ContentType, bytes]], frag: int) -> list[tuple[ContentType, bytes]]:
    out = []
    for t, d in messages:
        out.extend((t, d[i : i + frag]) for i in range(0, len(d), frag))
    return out


# -- deframing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True])
def test_whole_feed(encrypted: bool) -> None:
    w, r = encrypted_pair() if encrypted else (RecordLayer(), RecordLayer())
    wire = wire_for(w, MESSAGES)
    r.feed(wire)
    assert drain(r) == expected_records(MESSAGES, 1 << 14)
    assert r.buffered == 0
    assert r.read_encrypted is encrypted and w.write_encrypted is encrypted


@pytest.mark.parametrize("encrypted", [False, True])
def test_byte_by_byte(encrypted: bool) -> None:
    w, r = encrypted_pair() if encrypted else (RecordLayer(), RecordLayer())
    msgs = MESSAGES[:2] * 3
    wire = wire_for(w, msgs)
    got = []
    for i in range(len(wire)):
        r.feed(wire[i : i + 1])
        got.extend(drain(r))
    assert got == expected_records(msgs, 1 << 14)


def test_many_records_in_one_feed() -> None:
    _, r = encrypted_pair()
    w2 = RecordLayer(max_fragment_out=10)
    w2.set_write_protection(prot())
    data = bytes(range(256)) * 40
    wire = w2.seal(CT.APPLICATION_DATA, data)
    assert wire.count(b"\x17\x03\x03\x00\x1b") == len(data) // 10  # 10 + 1 + 16 bytes each
    r.feed(wire)
    records = drain(r)
    assert len(records) == -(-len(data) // 10)
    assert b"".join(d for _, d in records) == data


def test_partial_header_and_body_wait_for_more() -> None:
    r = RecordLayer()
    r.feed(b"\x16\x03")
    assert r.next_record() is None
    r.feed(b"\x03\x00\x04ab")
    assert r.next_record() is None
    assert r.buffered == 7
    r.feed(b"cd\x16\x03\x03")
    assert r.next_record() == (CT.HANDSHAKE, b"abcd")
    assert r.next_record() is None
    assert r.buffered == 3


# -- header checks --------------------------------------------------------------------------------


def test_http_request_is_not_a_tls_record() -> None:
    r = RecordLayer()
    r.feed(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    with pytest.raises(DecodeError) as info:
        r.next_record()
    assert "not a TLS record" in str(info.value)
    assert info.value.hint is not None and "HTTP" in info.value.hint


def test_wrong_major_version_is_decode_error() -> None:
    r = RecordLayer()
    r.feed(b"\x16\x02\x00\x00\x01\x00")
    with pytest.raises(DecodeError):
        r.next_record()


@pytest.mark.parametrize("ctype", [0, 19, 24, 25, 99, 255])
def test_unknown_content_type_is_unexpected_message(ctype: int) -> None:
    r = RecordLayer()
    r.feed(bytes([ctype]) + b"\x03\x03\x00\x01\x00")
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_oversize_plaintext_record_refused_from_header() -> None:
    r = RecordLayer()
    r.feed(b"\x16\x03\x03\x40\x01")  # 2^14 + 1, no body yet
    with pytest.raises(RecordOverflow):
        r.next_record()


def test_max_plaintext_record_accepted() -> None:
    r = RecordLayer()
    r.feed(b"\x16\x03\x03\x40\x00" + bytes(1 << 14))
    assert r.next_record() == (CT.HANDSHAKE, bytes(1 << 14))


def test_oversize_encrypted_record_refused_from_header() -> None:
    r = RecordLayer()
    r.set_read_protection(prot())
    r.feed(b"\x17\x03\x03\x41\x01")  # 2^14 + 257
    with pytest.raises(RecordOverflow):
        r.next_record()
    r2 = RecordLayer()
    r2.set_read_protection(prot())
    r2.feed(b"\x17\x03\x03\x41\x00")  # 2^14 + 256: wait for the body
    assert r2.next_record() is None


def test_zero_length_handshake_and_alert_records_refused() -> None:
    for ctype in (b"\x16", b"\x15"):
        r = RecordLayer()
        r.feed(ctype + b"\x03\x03\x00\x00")
        with pytest.raises(UnexpectedMessage):
            r.next_record()


def test_zero_length_encrypted_handshake_refused() -> None:
    _, r = encrypted_pair()
    record = prot().seal(CT.HANDSHAKE, b"")
    r.feed(record)
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_zero_length_application_data_allowed() -> None:
    w, r = encrypted_pair()
    wire = w.seal(CT.APPLICATION_DATA, b"")
    assert len(wire) == 5 + 1 + 16
    r.feed(wire)
    assert drain(r) == [(CT.APPLICATION_DATA, b"")]


def test_application_data_before_keys_refused() -> None:
    r = RecordLayer()
    r.feed(b"\x17\x03\x03\x00\x02hi")
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_plaintext_handshake_after_keys_refused() -> None:
    _, r = encrypted_pair()
    r.feed(b"\x16\x03\x03\x00\x02hi")
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_tampered_record_is_bad_record_mac() -> None:
    w, r = encrypted_pair()
    record = bytearray(w.seal(CT.APPLICATION_DATA, b"secret"))
    record[-1] ^= 0x80
    r.feed(bytes(record))
    with pytest.raises(BadRecordMac):
        r.next_record()


# -- change_cipher_spec (RFC 8446 section 5, appendix D.4) ---------------------------------------


def test_one_ccs_dropped_while_allowed() -> None:
    r = RecordLayer()
    r.allow_ccs(True)
    r.feed(CCS + b"\x16\x03\x03\x00\x01x")
    assert drain(r) == [(CT.HANDSHAKE, b"x")]


def test_ccs_dropped_when_read_is_encrypted() -> None:
    # The server has handshake read keys when the client's compatibility CCS arrives.
    w, r = encrypted_pair()
    r.allow_ccs(True)
    r.feed(CCS + w.seal(CT.HANDSHAKE, b"fin"))
    assert drain(r) == [(CT.HANDSHAKE, b"fin")]


def test_second_ccs_refused() -> None:
    r = RecordLayer()
    r.allow_ccs(True)
    r.feed(CCS + CCS)
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_ccs_with_other_body_refused() -> None:
    for record in (b"\x14\x03\x03\x00\x01\x02", b"\x14\x03\x03\x00\x02\x01\x01", b"\x14\x03\x03\x00\x00"):
        r = RecordLayer()
        r.allow_ccs(True)
        r.feed(record)
        with pytest.raises(UnexpectedMessage):
            r.next_record()


def test_ccs_not_allowed_refused() -> None:
    r = RecordLayer()
    r.feed(CCS)
    with pytest.raises(UnexpectedMessage):
        r.next_record()
    r2 = RecordLayer()
    r2.allow_ccs(True)
    r2.allow_ccs(False)
    r2.feed(CCS)
    with pytest.raises(UnexpectedMessage):
        r2.next_record()


def test_encrypted_ccs_refused() -> None:
    _, r = encrypted_pair()
    r.allow_ccs(True)
    r.feed(prot().seal(CT.CHANGE_CIPHER_SPEC, b"\x01"))
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_ccs_delivered_for_tls12() -> None:
    r = RecordLayer()
    r.deliver_ccs(True)
    r.feed(CCS + CCS)
    assert r.next_record() == (CT.CHANGE_CIPHER_SPEC, b"\x01")
    with pytest.raises(UnexpectedMessage):
        r.next_record()


def test_ccs_is_always_sealed_in_clear() -> None:
    w, _ = encrypted_pair()
    assert w.seal(CT.CHANGE_CIPHER_SPEC, b"\x01") == CCS


# -- outgoing ------------------------------------------------------------------------------------


def test_seal_fragments_at_max() -> None:
    w = RecordLayer()
    wire = w.seal(CT.HANDSHAKE, bytes(40000))
    lengths = []
    pos = 0
    while pos < len(wire):
        n = int.from_bytes(wire[pos + 3 : pos + 5], "big")
        lengths.append(n)
        pos += 5 + n
    assert lengths == [16384, 16384, 40000 - 32768]


def test_empty_handshake_never_sent() -> None:
    w, _ = encrypted_pair()
    assert w.seal(CT.HANDSHAKE, b"") == b""
    assert RecordLayer().seal(CT.HANDSHAKE, b"") == b""


def test_max_fragment_out_option() -> None:
    w = RecordLayer(max_fragment_out=100)
    wire = w.seal(CT.HANDSHAKE, bytes(250))
    assert len(wire) == 3 * 5 + 250
    with pytest.raises(ValueError):
        RecordLayer(max_fragment_out=(1 << 14) + 1)


# -- record_size_limit (RFC 8449) ----------------------------------------------------------------


def test_record_size_limit_out_tls13() -> None:
    w, r = encrypted_pair()
    w.set_max_fragment_out(64)  # the peer's record_size_limit: 63 content bytes + type byte
    assert w.max_fragment_out == 63
    r.set_max_plaintext_in(64)
    data = bytes(range(200))
    wire = w.seal(CT.APPLICATION_DATA, data)
    r.feed(wire)
    records = drain(r)
    assert [len(d) for _, d in records] == [63, 63, 63, 11]
    assert b"".join(d for _, d in records) == data


def test_record_size_limit_out_applies_to_keys_installed_later() -> None:
    w = RecordLayer()
    w.set_max_fragment_out(64)
    assert w.max_fragment_out == 1 << 14  # plaintext records are not subject to it (RFC 8449 s4)
    w.set_write_protection(prot())
    assert w.max_fragment_out == 63


def test_record_size_limit_out_with_padding() -> None:
    w, r = encrypted_pair(pad_to=4096)
    w.set_max_fragment_out(64)
    r.set_max_plaintext_in(64)
    wire = w.seal(CT.APPLICATION_DATA, bytes(100))
    r.feed(wire)
    assert [len(d) for _, d in drain(r)] == [63, 37]


def test_record_size_limit_in_tls13() -> None:
    w, r = encrypted_pair()
    r.set_max_plaintext_in(64)
    r.feed(w.seal(CT.APPLICATION_DATA, bytes(63)))
    assert drain(r) == [(CT.APPLICATION_DATA, bytes(63))]
    r.feed(w.seal(CT.APPLICATION_DATA, bytes(64)))  # inner plaintext 65 > 64
    with pytest.raises(RecordOverflow):
        r.next_record()


def test_record_size_limit_in_refuses_long_header() -> None:
    r = RecordLayer()
    r.set_max_plaintext_in(64)
    r.set_read_protection(prot())
    r.feed(b"\x17\x03\x03\x01\x40")  # 320 > 64 + 255
    with pytest.raises(RecordOverflow):
        r.next_record()


def test_record_size_limit_in_not_applied_to_plaintext() -> None:
    r = RecordLayer()
    r.set_max_plaintext_in(64)
    r.feed(b"\x16\x03\x03\x01\x00" + bytes(256))
    assert r.next_record() == (CT.HANDSHAKE, bytes(256))


def test_protection_swap() -> None:
    r = RecordLayer()
    assert isinstance(r.read_protection, NullProtection)
    p = prot()
    r.set_read_protection(p)
    assert r.read_protection is p and r.read_encrypted


@pytest.mark.parametrize("pad_to", [0, 512])
def test_bulk_seal_equals_record_by_record(pad_to: int) -> None:
    data = bytes(range(256)) * 200
    for protection_pair in ((NullProtection(), NullProtection()), (prot(pad_to=pad_to), prot(pad_to=pad_to))):
        bulk, single = protection_pair
        w = RecordLayer()
        w.set_write_protection(bulk)
        expected = b"".join(single.seal(CT.APPLICATION_DATA, data[i : i + 16384]) for i in range(0, 51200, 16384))
        assert w.seal(CT.APPLICATION_DATA, bytearray(data)) == expected


def test_full_record_byte_by_byte_then_more() -> None:
    w, r = encrypted_pair()
    wire = w.seal(CT.APPLICATION_DATA, bytes(1 << 14)) + w.seal(CT.HANDSHAKE, b"next")
    first_len = 5 + (1 << 14) + 1 + 16
    for i in range(first_len - 1):
        r.feed(wire[i : i + 1])
        assert r.next_record() is None
        assert r.buffered == i + 1
    r.feed(wire[first_len - 1 :])
    assert drain(r) == [(CT.APPLICATION_DATA, bytes(1 << 14)), (CT.HANDSHAKE, b"next")]
    assert r.buffered == 0
