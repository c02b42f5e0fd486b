"""TLS 1.2 record protection (RFC 5246 section 6.2, RFC 5288, RFC 7905, RFC 7366; the Lucky13 countermeasure).

Records are checked against code written here from the RFCs with cryptography's primitives and the
standard library's hmac, and against the records of "The Illustrated TLS 1.2 Connection" (tls12.xargs.org,
github.com/syncsynchalt/illustrated-tls12), a TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA session with predictable
IVs whose every record is printed.
"""

from __future__ import annotations

import hmac
import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st

from glasstls.crypto.tls12 import TLS12_SUITES, DirectionKeys, RecordMac, Tls12CipherSuite, key_block
from glasstls.errors import BadRecordMac, InternalError, RecordOverflow, TLSError
from glasstls.record.layer import RecordLayer
from glasstls.record.protection import RecordProtection
from glasstls.record.protection12 import (
    MAX_CIPHERTEXT_12,
    Tls12AeadProtection,
    Tls12CbcProtection,
    tls12_protection,
)
from glasstls.wire.enums import CipherSuite, ContentType

C = CipherSuite
CT = ContentType
AES128_CBC = TLS12_SUITES[C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
AES256_CBC = TLS12_SUITES[C.TLS_RSA_WITH_AES_256_CBC_SHA]
AES128_GCM = TLS12_SUITES[C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
AES256_GCM = TLS12_SUITES[C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
CHACHA = TLS12_SUITES[C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
MASTER = bytes(range(48))
CLIENT_RANDOM = bytes(range(32))
SERVER_RANDOM = bytes(range(32, 64))
AUTH_FAILED = "record authentication failed"


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


def ivs(*values: bytes) -> Callable[[int], bytes]:
    it: Iterator[bytes] = iter(values)

    def random(n: int) -> bytes:
        value = next(it)
        assert len(value) == n
        return value

    return random


def counter_random() -> Callable[[int], bytes]:
    counter = itertools.count()
    return lambda n: bytes((next(counter) + i) & 0xFF for i in range(n))


def open_record(p: RecordProtection, record: bytes) -> tuple[ContentType, bytes]:
    return p.open(record[0], int.from_bytes(record[1:3], "big"), record[5:], record[:5])


def keys_for(suite: Tls12CipherSuite) -> DirectionKeys:
    return key_block(suite, MASTER, CLIENT_RANDOM, SERVER_RANDOM).client


def pair(
    suite: Tls12CipherSuite, *, etm: bool = False, random: Callable[[int], bytes] = os.urandom
) -> tuple[RecordProtection, RecordProtection]:
    keys = keys_for(suite)
    return (
        tls12_protection(suite, keys, encrypt_then_mac=etm, random=random),
        tls12_protection(suite, keys, encrypt_then_mac=etm, random=os.urandom),
    )


KINDS = {
    "AES-128-GCM": (AES128_GCM, False),
    "AES-256-GCM": (AES256_GCM, False),
    "ChaCha20-Poly1305": (CHACHA, False),
    "AES-128-CBC MtE": (AES128_CBC, False),
    "AES-256-CBC MtE": (AES256_CBC, False),
    "AES-128-CBC EtM": (AES128_CBC, True),
    "AES-256-CBC EtM": (AES256_CBC, True),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> tuple[Tls12CipherSuite, bool]:
    return KINDS[request.param]


# -- independent record builders (RFC text, cryptography primitives, stdlib hmac) ----------------------


def aad(seq: int, ctype: int, length: int, version: bytes = b"\x03\x03") -> bytes:
    # RFC 5246 section 6.2.3.3 (and the MAC input of section 6.2.3.1): seq_num + type + version + length.
    return seq.to_bytes(8, "big") + bytes((ctype,)) + version + length.to_bytes(2, "big")


def gcm_record(keys: DirectionKeys, seq: int, ctype: int, data: bytes, explicit: bytes | None = None) -> bytes:
    explicit = seq.to_bytes(8, "big") if explicit is None else explicit
    sealed = AESGCM(keys.key).encrypt(keys.iv + explicit, data, aad(seq, ctype, len(data)))  # RFC 5288 section 3
    return bytes((ctype,)) + b"\x03\x03" + (8 + len(sealed)).to_bytes(2, "big") + explicit + sealed


def chacha_record(keys: DirectionKeys, seq: int, ctype: int, data: bytes) -> bytes:
    # RFC 7905 section 2: the sequence number, left-padded with zeros to 12 bytes, XORed with the IV.
    padded_seq = bytes(4) + seq.to_bytes(8, "big")
    nonce = bytes(a ^ b for a, b in zip(keys.iv, padded_seq, strict=True))
    sealed = ChaCha20Poly1305(keys.key).encrypt(nonce, data, aad(seq, ctype, len(data)))
    return bytes((ctype,)) + b"\x03\x03" + len(sealed).to_bytes(2, "big") + sealed


def aes_cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def mte_record(
    keys: DirectionKeys,
    seq: int,
    ctype: int,
    content: bytes,
    iv: bytes,
    *,
    pad_len: int | None = None,
    padding: bytes | None = None,
    mac: bytes | None = None,
) -> bytes:
    """RFC 5246 section 6.2.3.2: IV + AES-CBC(content + MAC + padding + padding_length)."""
    if mac is None:
        mac = hmac.new(keys.mac_key, aad(seq, ctype, len(content)) + content, "sha1").digest()
    if padding is None:
        if pad_len is None:
            pad_len = (16 - (len(content) + len(mac) + 1) % 16) % 16
        padding = bytes((pad_len,)) * (pad_len + 1)
    body = aes_cbc(keys.key, iv, content + mac + padding)
    return bytes((ctype,)) + b"\x03\x03" + (16 + len(body)).to_bytes(2, "big") + iv + body


def etm_record(
    keys: DirectionKeys, seq: int, ctype: int, content: bytes, iv: bytes, *, padding: bytes | None = None
) -> bytes:
    """RFC 7366 section 3: IV + AES-CBC(content + padding) + MAC(seq + type + version + length + IV + ciphertext)."""
    if padding is None:
        p = (16 - (len(content) + 1) % 16) % 16
        padding = bytes((p,)) * (p + 1)
    body = iv + aes_cbc(keys.key, iv, content + padding)
    mac = hmac.new(keys.mac_key, aad(seq, ctype, len(body)) + body, "sha1").digest()
    return bytes((ctype,)) + b"\x03\x03" + (len(body) + 20).to_bytes(2, "big") + body + mac


# -- The Illustrated TLS 1.2 Connection --------------------------------------------------------------

ILL_CLIENT = DirectionKeys(h("1b7d117c7d5f690bc263cae8ef60af0f1878acc2"), h("f656d037b173ef3e11169f27231a84b6"), b"")
ILL_SERVER = DirectionKeys(h("2ad8bdd8c601a617126f63540eb20906f781fad2"), h("752a18e7a9fcb7cbcdd8f98dd8f769eb"), b"")
ILL_CLIENT_RECORDS = [
    (  # client Finished (sequence number 0 after ChangeCipherSpec)
        CT.HANDSHAKE,
        h("1400000c cf919626f1360c536aaad73a"),
        h(
            "1603030040 404142434445464748494a4b4c4d4e4f"
            "227bc9ba81ef30f2a8a78ff1df50844d5804b7eeb2e214c32b6892aca3db7b78"
            "077fdd90067c516bacb3ba90dedf720f"
        ),
    ),
    (  # "ping"
        CT.APPLICATION_DATA,
        b"ping",
        h(
            "1703030030 000102030405060708090a0b0c0d0e0f"
            "6c421c71c42b183bfa06195d133d0a09d00fc7cb4e0f5d1cda59d147ec790c99"
        ),
    ),
    (  # close_notify
        CT.ALERT,
        b"\x01\x00",
        h(
            "1503030030 101112131415161718191a1b1c1d1e1f"
            "0d83f97904750dd8fd8aa130218632634fd065e4628379b88bbf9efd1287a62d"
        ),
    ),
]
ILL_SERVER_RECORDS = [
    (
        CT.HANDSHAKE,
        h("1400000c 844d3c10746dd722f92f0c7e"),
        h(
            "1603030040 5152535455565758595a5b5c5d5e5f60"
            "18e075317b100315f6081fcbf313781aac73efe19fe25ba1af59c20be94fc01b"
            "da2d6800298b73a7e849d74bd494cf7d"
        ),
    ),
    (
        CT.APPLICATION_DATA,
        b"pong",
        h(
            "1703030030 6162636465666768696a6b6c6d6e6f70"
            "9783488af5fa20bf7a2ef69debb534db9fb07a8c2721dee5409f77af0c3dde56"
        ),
    ),
]


@pytest.mark.parametrize(("keys", "records"), [(ILL_CLIENT, ILL_CLIENT_RECORDS), (ILL_SERVER, ILL_SERVER_RECORDS)])
def test_illustrated_tls12_records(keys: DirectionKeys, records: list[tuple[ContentType, bytes, bytes]]) -> None:
    writer = tls12_protection(AES128_CBC, keys, encrypt_then_mac=False, random=ivs(*(r[5:21] for _, _, r in records)))
    reader = tls12_protection(AES128_CBC, keys, encrypt_then_mac=False, random=os.urandom)
    for ctype, content, record in records:
        assert writer.seal(ctype, content) == record
        assert open_record(reader, record) == (ctype, content)
    assert writer.records_protected == reader.records_protected == len(records)  # type: ignore[attr-defined]


def test_illustrated_records_out_of_order_fail() -> None:
    reader = tls12_protection(AES128_CBC, ILL_CLIENT, encrypt_then_mac=False, random=os.urandom)
    with pytest.raises(BadRecordMac):  # the "ping" record is sequence number 1, not 0
        open_record(reader, ILL_CLIENT_RECORDS[1][2])


# -- AEAD -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", [AES128_GCM, AES256_GCM], ids=str)
def test_gcm_matches_independent_records(suite: Tls12CipherSuite) -> None:
    keys = keys_for(suite)
    writer, reader = pair(suite)
    assert isinstance(writer, Tls12AeadProtection)
    messages = [
        (CT.HANDSHAKE, b"\x14\x00\x00\x0c" + bytes(12)),
        (CT.APPLICATION_DATA, b"x" * 100),
        (CT.ALERT, b"\x01\x00"),
    ]
    for seq, (ctype, data) in enumerate(messages):
        record = writer.seal(ctype, data)
        assert record == gcm_record(keys, seq, ctype, data)
        assert record[5:13] == seq.to_bytes(8, "big")  # the explicit nonce is the sequence number
        assert open_record(reader, record) == (ctype, data)


def test_gcm_opens_random_explicit_nonces() -> None:
    """RFC 5288 section 3: the explicit nonce is chosen by the sender; the receiver takes it from the record."""
    keys = keys_for(AES128_GCM)
    _, reader = pair(AES128_GCM)
    for seq in range(3):
        record = gcm_record(keys, seq, CT.APPLICATION_DATA, b"data %d" % seq, explicit=os.urandom(8))
        assert open_record(reader, record) == (CT.APPLICATION_DATA, b"data %d" % seq)


def test_chacha_matches_independent_records() -> None:
    keys = keys_for(CHACHA)
    writer, reader = pair(CHACHA)
    for seq in range(4):
        data = bytes(range(seq * 10))
        record = writer.seal(CT.APPLICATION_DATA, data)
        assert record == chacha_record(keys, seq, CT.APPLICATION_DATA, data)
        assert len(record) == 5 + len(data) + 16  # no explicit nonce
        assert open_record(reader, record) == (CT.APPLICATION_DATA, data)


def test_chacha_nonce_is_iv_xor_sequence_number() -> None:
    nonces: list[bytes] = []

    class Recording:
        def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
            nonces.append(nonce)
            return plaintext + bytes(16)

        def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
            return ciphertext[:-16]

    iv = bytes(range(0xA0, 0xAC))
    p = Tls12AeadProtection(Recording(), iv, explicit_nonce=False)
    p.records_protected = 0x0102030405060708
    p.seal(CT.APPLICATION_DATA, b"a")
    assert nonces == [bytes(a ^ b for a, b in zip(iv, bytes(4) + h("0102030405060708"), strict=True))]
    with pytest.raises(InternalError):  # RFC 7905 needs a 12-byte IV; GCM a 4-byte salt
        Tls12AeadProtection(Recording(), bytes(4), explicit_nonce=False)
    with pytest.raises(InternalError):
        Tls12AeadProtection(Recording(), bytes(12), explicit_nonce=True)


def test_aead_header_is_authenticated() -> None:
    for suite in (AES128_GCM, CHACHA):
        writer, _ = pair(suite)
        record = writer.seal(CT.APPLICATION_DATA, b"data")
        for ctype, version in ((CT.HANDSHAKE, 0x0303), (CT.APPLICATION_DATA, 0x0301)):
            _, reader = pair(suite)
            with pytest.raises(BadRecordMac):
                reader.open(ctype, version, record[5:], record[:5])


# -- all kinds ----------------------------------------------------------------------------------------


def test_round_trip(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, reader = pair(suite, etm=etm)
    assert writer.encrypted and reader.encrypted
    assert writer.limit is None and writer.needs_key_update is False  # type: ignore[attr-defined]
    for i, data in enumerate([b"", b"a", bytes(15), bytes(16), bytes(range(256)) * 3, os.urandom(1 << 14)]):
        for ctype in (CT.APPLICATION_DATA, CT.HANDSHAKE, CT.ALERT):
            record = writer.seal(ctype, data)
            assert record[:3] == bytes((ctype,)) + b"\x03\x03"
            assert int.from_bytes(record[3:5], "big") == len(record) - 5
            assert len(record) - 5 <= writer.max_payload
            assert open_record(reader, record) == (ctype, data)
        assert reader.sequence_number == writer.sequence_number == 3 * (i + 1)  # type: ignore[attr-defined]


def test_seal_into_matches_seal(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    a, _ = pair(suite, etm=etm, random=counter_random())
    b, reader = pair(suite, etm=etm, random=counter_random())
    for data in (b"", b"abc", os.urandom(5000)):
        out: list[bytes | memoryview] = []
        b.seal_into(out, CT.APPLICATION_DATA, memoryview(data))
        record = b"".join(out)
        assert record == a.seal(CT.APPLICATION_DATA, data)
        assert open_record(reader, record) == (CT.APPLICATION_DATA, data)


def test_factory_classes() -> None:
    for suite in TLS12_SUITES.values():
        for etm in (False, True):
            p = tls12_protection(suite, keys_for(suite), encrypt_then_mac=etm, random=os.urandom)
            if suite.is_aead:
                assert isinstance(p, Tls12AeadProtection)  # RFC 7366: encrypt-then-MAC is for CBC only
            else:
                assert isinstance(p, Tls12CbcProtection) and p.encrypt_then_mac == etm
            text = repr(p)
            assert keys_for(suite).key.hex() not in text and "records_protected=0" in text


def test_every_flipped_bit_fails(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, _ = pair(suite, etm=etm)
    record = writer.seal(CT.APPLICATION_DATA, b"attack at dawn")
    for i in range(5, len(record)):
        for bit in (0x01, 0x80):
            tampered = bytearray(record)
            tampered[i] ^= bit
            _, reader = pair(suite, etm=etm)
            with pytest.raises(BadRecordMac):
                open_record(reader, bytes(tampered))
    for ctype, version in ((CT.HANDSHAKE, 0x0303), (CT.APPLICATION_DATA, 0x0302)):
        _, reader = pair(suite, etm=etm)
        with pytest.raises(BadRecordMac):  # type and version are covered by the MAC / additional data
            reader.open(ctype, version, record[5:], record[:5])


def test_truncated_records_fail(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, _ = pair(suite, etm=etm)
    record = writer.seal(CT.APPLICATION_DATA, b"x" * 40)
    for cut in range(0, len(record) - 5):
        _, reader = pair(suite, etm=etm)
        with pytest.raises(BadRecordMac):
            reader.open(record[0], 0x0303, record[5 : 5 + cut], record[:5])


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(KINDS)),
    ctype=st.sampled_from([20, 21, 22, 23]),
    payload=st.one_of(st.binary(max_size=200), st.binary(min_size=16000, max_size=19000)),
)
def test_arbitrary_payloads_raise_only_tls_errors(name: str, ctype: int, payload: bytes) -> None:
    suite, etm = KINDS[name]
    _, reader = pair(suite, etm=etm)
    try:
        open_record(reader, bytes((ctype, 3, 3)) + len(payload).to_bytes(3, "big")[1:] + payload)
    except TLSError as exc:
        assert isinstance(exc, (BadRecordMac, RecordOverflow))


def test_sequence_number_never_wraps(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, reader = pair(suite, etm=etm)
    writer.records_protected = reader.records_protected = (1 << 64) - 1  # type: ignore[attr-defined]
    record = writer.seal(CT.APPLICATION_DATA, b"last")
    assert open_record(reader, record) == (CT.APPLICATION_DATA, b"last")
    with pytest.raises(InternalError):
        writer.seal(CT.APPLICATION_DATA, b"one too many")
    with pytest.raises(InternalError):
        open_record(reader, record)


# -- size limits ----------------------------------------------------------------------------------------


def test_size_limits(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, reader = pair(suite, etm=etm)
    assert writer.max_fragment == 1 << 14 and writer.max_payload == MAX_CIPHERTEXT_12 == (1 << 14) + 2048
    big = writer.seal(CT.APPLICATION_DATA, bytes(101))
    # RFC 8449 section 4: in TLS 1.2 the limit counts the plaintext only (no inner content type).
    for p in (writer, reader):
        p.apply_size_limit(100)
        assert p.max_fragment == 100
    expected_payload = len(writer.seal(CT.APPLICATION_DATA, bytes(100)))
    if suite.is_aead:
        assert writer.max_payload == expected_payload - 5  # record IV + 100 + tag, exactly
    else:
        assert expected_payload - 5 <= writer.max_payload <= 16 + 100 + 20 + 256 + (20 if etm else 0)
    with pytest.raises(InternalError):
        writer.seal(CT.APPLICATION_DATA, bytes(101))
    reader.records_protected = 0  # type: ignore[attr-defined]
    with pytest.raises(RecordOverflow):
        open_record(reader, big)
    for p in (writer, reader):
        p.apply_size_limit(1 << 20)  # clamped to the TLS 1.2 maximum
        assert p.max_fragment == 1 << 14
        p.apply_size_limit(None)
        assert p.max_fragment == 1 << 14 and p.max_payload == MAX_CIPHERTEXT_12


def test_oversized_records_refused_before_decrypting(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer, reader = pair(suite, etm=etm)
    longest = writer.seal(CT.APPLICATION_DATA, bytes(1 << 14))
    assert open_record(reader, longest)[1] == bytes(1 << 14)
    # RFC 5246 section 6.2.3: no record carrying at most 2^14 plaintext bytes is this long.
    too_long = len(longest) - 5 + 1 if suite.is_aead else 16 + ((1 << 14) + 20 + 256) // 16 * 16 + 16
    with pytest.raises(RecordOverflow):
        reader.open(CT.APPLICATION_DATA, 0x0303, bytes(too_long), b"")


def test_record_layer_with_tls12_protection(kind: tuple[Tls12CipherSuite, bool]) -> None:
    suite, etm = kind
    writer_p, reader_p = pair(suite, etm=etm)
    sender, receiver = RecordLayer(), RecordLayer()
    sender.set_write_protection(writer_p)
    receiver.set_read_protection(reader_p)
    data = os.urandom(40000)
    wire = sender.seal(CT.APPLICATION_DATA, data)
    receiver.feed(wire)
    got = b""
    while (rec := receiver.next_record()) is not None:
        assert rec[0] == CT.APPLICATION_DATA
        got += rec[1]
    assert got == data and reader_p.records_protected == 3  # type: ignore[attr-defined]
    # The peer's record_size_limit bounds what we send (RFC 8449 section 4).
    sender.set_max_fragment_out(1000)
    receiver.set_max_plaintext_in(1000)
    receiver.feed(sender.seal(CT.APPLICATION_DATA, bytes(2500)))
    sizes = []
    while (rec := receiver.next_record()) is not None:
        sizes.append(len(rec[1]))
    assert sizes == [1000, 1000, 500]


# -- CBC: padding oracle and Lucky13 --------------------------------------------------------------------


def cbc_reader(keys: DirectionKeys, mac: RecordMac | None = None, *, etm: bool = False) -> Tls12CbcProtection:
    return Tls12CbcProtection(
        AES128_CBC.cbc(keys.key), mac or AES128_CBC.mac(keys.mac_key), encrypt_then_mac=etm, random=os.urandom
    )


def test_cbc_writer_matches_independent_records() -> None:
    keys = keys_for(AES128_CBC)
    iv_list = [bytes((i,)) * 16 for i in range(6)]
    mte = tls12_protection(AES128_CBC, keys, encrypt_then_mac=False, random=ivs(*iv_list[:3]))
    etm = tls12_protection(AES128_CBC, keys, encrypt_then_mac=True, random=ivs(*iv_list[3:]))
    for seq, content in enumerate([b"", b"x" * 11, b"y" * 300]):
        assert mte.seal(CT.APPLICATION_DATA, content) == mte_record(keys, seq, 23, content, iv_list[seq])
        assert etm.seal(CT.APPLICATION_DATA, content) == etm_record(keys, seq, 23, content, iv_list[3 + seq])


def test_cbc_accepts_long_padding() -> None:
    """RFC 5246 section 6.2.3.2: any padding up to 255 bytes that makes whole blocks is valid."""
    keys = keys_for(AES128_CBC)
    reader = cbc_reader(keys)
    for seq, pad_len in enumerate((0 + 15, 15 + 16, 255)):
        content = b"c" * 12  # 12 + 20 + pad_len + 1 is a multiple of 16 for these pad lengths
        record = mte_record(keys, seq, 23, content, os.urandom(16), pad_len=pad_len)
        assert open_record(reader, record) == (CT.APPLICATION_DATA, content)


def bad_records(keys: DirectionKeys, seq: int, size: int) -> dict[str, bytes]:
    """Records of ``size`` encrypted bytes (after the IV) that must all fail in the same way."""
    iv = os.urandom(16)
    content = b"m" * (size - 20 - 1)
    longer = content[:-1]
    good_mac = hmac.new(keys.mac_key, aad(seq, 23, len(content)) + content, "sha1").digest()
    short = b"m" * (size - 20 - 1 - 8)
    short_mac = hmac.new(keys.mac_key, aad(seq, 23, len(short)) + short, "sha1").digest()
    return {
        "bad MAC, good padding": mte_record(keys, seq, 23, content, iv, mac=bytes(20)),
        "bad padding byte": mte_record(keys, seq, 23, short, iv, mac=short_mac, padding=b"\x08" * 7 + b"\x07\x08"),
        "padding longer than the record": mte_record(keys, seq, 23, longer, iv, mac=good_mac, padding=b"\xff\xff"),
        "one padding byte wrong": mte_record(keys, seq, 23, longer, iv, mac=good_mac, padding=b"\xff\x01"),
        "MAC of other content": mte_record(keys, seq, 23, short, iv, mac=good_mac[:20], pad_len=8),
    }


def test_cbc_bad_padding_and_bad_mac_look_the_same() -> None:
    keys = keys_for(AES128_CBC)
    messages = set()
    for name, record in bad_records(keys, 0, 64).items():
        with pytest.raises(BadRecordMac) as info:
            open_record(cbc_reader(keys), record)
        messages.add((type(info.value), str(info.value), info.value.alert))
        assert info.value.reason == AUTH_FAILED, name
    assert len(messages) == 1


@pytest.mark.parametrize("etm", [False, True])
def test_cbc_short_and_misaligned_records(etm: bool) -> None:
    keys = keys_for(AES128_CBC)
    lengths = [0, 1, 15, 16, 17, 31, 32, 33, 47, 63] if not etm else [0, 16, 20, 35, 36, 51, 53, 68, 69]
    for n in lengths:
        with pytest.raises(BadRecordMac) as info:
            cbc_reader(keys, etm=etm).open(23, 0x0303, os.urandom(n), b"")
        assert info.value.reason == AUTH_FAILED


def test_cbc_etm_checks_mac_then_padding() -> None:
    keys = keys_for(AES128_CBC)
    good = etm_record(keys, 0, 23, b"content", b"\x01" * 16)
    assert open_record(cbc_reader(keys, etm=True), good) == (CT.APPLICATION_DATA, b"content")
    with pytest.raises(BadRecordMac):  # an encrypt-then-MAC record is not a MAC-then-encrypt one
        open_record(cbc_reader(keys, etm=False), good)
    with pytest.raises(BadRecordMac):
        open_record(cbc_reader(keys, etm=True), good[:-1] + bytes((good[-1] ^ 1,)))
    bad_padding = etm_record(keys, 0, 23, b"content", b"\x01" * 16, padding=b"\x08" * 8 + b"\x07")
    with pytest.raises(BadRecordMac) as info:  # authenticated, but not well-formed padding
        open_record(cbc_reader(keys, etm=True), bad_padding)
    assert info.value.reason == AUTH_FAILED


class CountingMac:
    """A RecordMac that counts SHA-1 compression-function calls, computed here independently: HMAC-SHA1 on
    n bytes hashes 64 + n bytes (inner, 1 + 8 bytes of padding, 64-byte blocks) and 64 + 20 bytes (outer)."""

    def __init__(self, real: RecordMac) -> None:
        self.real = real
        self.mac_len = real.mac_len
        self.blocks = 0

    @staticmethod
    def sha1_hmac_blocks(n: int) -> int:
        return (64 + n + 9 + 63) // 64 + (64 + 20 + 9 + 63) // 64

    def compute(self, data: bytes) -> bytes:
        self.blocks += self.sha1_hmac_blocks(len(data))
        return self.real.compute(data)

    def compression_blocks(self, length: int) -> int:
        return self.real.compression_blocks(length)

    def dummy_compressions(self, count: int, filler: memoryview | None = None) -> None:
        assert count >= 0
        assert filler is not None and len(filler) >= 64 * count  # the record's own buffer, long enough
        self.blocks += count
        self.real.dummy_compressions(count, filler)


@pytest.mark.parametrize("size", [32, 64, 128, 320])
def test_lucky13_same_work_for_every_padding(size: int) -> None:
    """The number of compression-function calls depends on the record length alone: valid records with
    every possible padding length, bad padding and bad MACs all cost the same."""
    keys = keys_for(AES128_CBC)
    counts: dict[str, int] = {}
    for pad_len in range(0, min(size - 20 - 1, 255) + 1):
        content = b"p" * (size - 20 - 1 - pad_len)
        mac = CountingMac(AES128_CBC.mac(keys.mac_key))
        record = mte_record(keys, 0, 23, content, os.urandom(16), pad_len=pad_len)
        assert open_record(cbc_reader(keys, mac), record) == (CT.APPLICATION_DATA, content)
        counts[f"valid padding {pad_len}"] = mac.blocks
    if size >= 64:
        for name, record in bad_records(keys, 0, size).items():
            mac = CountingMac(AES128_CBC.mac(keys.mac_key))
            with pytest.raises(BadRecordMac):
                open_record(cbc_reader(keys, mac), record)
            counts[name] = mac.blocks
    assert len(set(counts.values())) == 1, counts
    # The common cost is that of the longest content the record can hold, plus one dummy block (never an empty
    # dummy update, whose cost differs); without the dummy work the
    # valid records alone would differ (so this test can fail).
    assert set(counts.values()) == {CountingMac.sha1_hmac_blocks(13 + size - 21) + 1}
    if size >= 128:
        assert CountingMac.sha1_hmac_blocks(13) != CountingMac.sha1_hmac_blocks(13 + size - 21)
