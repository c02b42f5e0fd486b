"""HandshakeReassembler: coalesced and split handshake messages (RFC 8446 section 5.1)."""

from __future__ import annotations

import pytest

from glasstls.errors import DecodeError
from glasstls.record.reassembly import DEFAULT_MAX_MESSAGE_SIZE, HandshakeReassembler


def msg(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def drain(r: HandshakeReassembler) -> list[tuple[int, bytes, bytes]]:
    out = []
    while (m := r.next_message()) is not None:
        out.append(m)
    return out


MSGS = [msg(8, b"\x00\x00"), msg(11, bytes(range(256)) * 3), msg(15, b"sig"), msg(20, bytes(32)), msg(5, b"")]


def test_coalesced_messages_in_one_record() -> None:
    r = HandshakeReassembler()
    r.feed(b"".join(MSGS))
    got = drain(r)
    assert [m[2] for m in got] == MSGS
    assert [(m[0], m[1]) for m in got] == [(raw[0], raw[4:]) for raw in MSGS]
    assert not r.in_progress


def test_message_split_across_records() -> None:
    r = HandshakeReassembler()
    big = msg(11, bytes(range(256)) * 100)
    r.feed(big[:3])
    assert r.next_message() is None and r.in_progress
    r.feed(big[3:10000])
    assert r.next_message() is None and r.in_progress
    r.feed(big[10000:] + MSGS[0][:2])
    assert r.next_message() == (11, big[4:], big)
    assert r.in_progress  # two bytes of the next message are buffered
    r.feed(MSGS[0][2:])
    assert r.next_message() == (8, b"\x00\x00", MSGS[0])
    assert not r.in_progress


def test_byte_by_byte() -> None:
    r = HandshakeReassembler()
    wire = b"".join(MSGS)
    boundaries = {sum(len(m) for m in MSGS[: k + 1]) for k in range(len(MSGS))}
    got = []
    for i in range(len(wire)):
        r.feed(wire[i : i + 1])
        got.extend(drain(r))
        assert r.in_progress == (i + 1 not in boundaries)
    assert [m[2] for m in got] == MSGS


def test_large_message_byte_by_byte_is_linear() -> None:
    # 200 KiB fed one byte at a time: quadratic buffering would take minutes (pytest timeout fails it).
    body = bytes(200 * 1024)
    wire = msg(11, body)
    r = HandshakeReassembler()
    for i in range(len(wire)):
        r.feed(wire[i : i + 1])
        if i < len(wire) - 1:
            assert r.next_message() is None
    assert r.next_message() == (11, body, wire)


def test_oversize_refused_before_body() -> None:
    r = HandshakeReassembler(max_message_size=1000)
    r.feed(b"\x0b\x00\x03")
    assert r.next_message() is None
    with pytest.raises(DecodeError):
        r.feed(b"\xe9")  # declares 1001 bytes: refused with the header alone


def test_oversize_refused_for_later_coalesced_message() -> None:
    r = HandshakeReassembler(max_message_size=1000)
    r.feed(msg(8, b"ok") + b"\x0b\xff\xff\xff")
    assert r.next_message() == (8, b"ok", msg(8, b"ok"))
    with pytest.raises(DecodeError):
        r.next_message()


def test_limit_is_inclusive_and_default() -> None:
    r = HandshakeReassembler(max_message_size=10)
    r.feed(msg(1, bytes(10)))
    assert r.next_message() == (1, bytes(10), msg(1, bytes(10)))
    assert HandshakeReassembler().max_message_size == DEFAULT_MAX_MESSAGE_SIZE >= 256 * 1024
    d = HandshakeReassembler()
    with pytest.raises(DecodeError):
        d.feed(b"\x0b" + (DEFAULT_MAX_MESSAGE_SIZE + 1).to_bytes(3, "big"))


def test_in_progress_flag() -> None:
    r = HandshakeReassembler()
    assert not r.in_progress
    r.feed(b"\x14")
    assert r.in_progress
    r.feed(b"\x00\x00\x01")
    assert r.in_progress
    r.feed(b"z")
    assert r.in_progress  # a complete message not yet taken is still buffered
    assert r.next_message() == (20, b"z", b"\x14\x00\x00\x01z")
    assert not r.in_progress
