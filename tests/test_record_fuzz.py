"""Hypothesis: any bytes into the record layer or the reassembler give records or a TLSError, nothing else."""

from __future__ import annotations

from itertools import pairwise

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st

from glasstls.errors import BadRecordMac, TLSError
from glasstls.record.layer import RecordLayer
from glasstls.record.protection import Tls13Protection
from glasstls.record.reassembly import HandshakeReassembler
from glasstls.wire.enums import ContentType

KEY = bytes(range(32))
IV = bytes(range(12))


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


def _run(layer: RecordLayer, chunks: list[bytes]) -> None:
    try:
        for chunk in chunks:
            layer.feed(chunk)
            while (rec := layer.next_record()) is not None:
                assert isinstance(rec[0], ContentType)
                assert isinstance(rec[1], bytes)
    except TLSError:
        pass


# Records that look plausible (right version, known types, small lengths) reach the deeper checks.
record_like = st.builds(
    lambda t, v, body, lie: bytes([t]) + v + max(0, len(body) + lie).to_bytes(2, "big") + body,
    st.sampled_from([20, 21, 22, 23, 24, 0, 255]),
    st.sampled_from([b"\x03\x03", b"\x03\x01", b"\x03\x04", b"\x02\x00"]),
    st.binary(max_size=80),
    st.sampled_from([0, 0, 0, 1, -1]),
)
chunks = st.lists(st.one_of(st.binary(max_size=64), record_like), max_size=12)


@settings(max_examples=300, deadline=None)
@given(chunks, st.booleans(), st.booleans())
def test_null_protection_only_tls_errors(data: list[bytes], allow: bool, deliver: bool) -> None:
    layer = RecordLayer()
    layer.allow_ccs(allow)
    layer.deliver_ccs(deliver)
    _run(layer, data)


@settings(max_examples=300, deadline=None)
@given(chunks, st.booleans(), st.sampled_from([None, 64, 100, 1 << 14]))
def test_tls13_protection_only_tls_errors(data: list[bytes], allow: bool, limit: int | None) -> None:
    layer = RecordLayer()
    layer.allow_ccs(allow)
    if limit is not None:
        layer.set_max_plaintext_in(limit)
    layer.set_read_protection(Tls13Protection(_Aead(ChaCha20Poly1305(KEY)), IV))
    _run(layer, data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([20, 21, 22, 23, 24, 0, 99]), st.binary(max_size=40), st.integers(0, 40)),
        max_size=6,
    ),
    st.binary(max_size=20),
)
def test_authentic_records_with_odd_inner_content(
    records: list[tuple[int, bytes, int]], tail: bytes
) -> None:
    """Records that authenticate but carry any inner type, empty content or all-zero plaintext."""
    aead = AESGCM(KEY)
    wire = b""
    for seq, (inner_type, content, padding) in enumerate(records):
        inner = content + bytes([inner_type]) + bytes(padding)
        header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
        nonce = (int.from_bytes(IV, "big") ^ seq).to_bytes(12, "big")
        wire += header + aead.encrypt(nonce, inner, header)
    layer = RecordLayer()
    layer.set_read_protection(Tls13Protection(_Aead(aead), IV))
    _run(layer, [wire, tail])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=10), st.integers(0, 64))
def test_reassembler_only_tls_errors(data: list[bytes], limit: int) -> None:
    r = HandshakeReassembler(max_message_size=limit)
    try:
        for chunk in data:
            r.feed(chunk)
            while (m := r.next_message()) is not None:
                assert m[2][4:] == m[1] and m[2][0] == m[0]
    except TLSError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40000), max_size=20), st.booleans())
def test_any_split_gives_the_same_records(cuts: list[int], encrypted: bool) -> None:
    """Valid records fed in arbitrary pieces come out whole and in order."""
    w, r = RecordLayer(), RecordLayer()
    if encrypted:
        w.set_write_protection(Tls13Protection(_Aead(AESGCM(KEY)), IV))
        r.set_read_protection(Tls13Protection(_Aead(AESGCM(KEY)), IV))
    messages = [(ContentType.HANDSHAKE, bytes(range(256)) * 100), (ContentType.ALERT, b"\x01\x00")] * 2
    wire = b"".join(w.seal(t, d) for t, d in messages)
    points = sorted({min(c, len(wire)) for c in cuts} | {0, len(wire)})
    got = []
    for a, b in pairwise(points):
        r.feed(wire[a:b])
        while (rec := r.next_record()) is not None:
            got.append(rec)
    assert r.buffered == 0
    expected = []
    for t, d in messages:
        expected.extend((t, d[i : i + 16384]) for i in range(0, len(d), 16384))
    assert got == expected
