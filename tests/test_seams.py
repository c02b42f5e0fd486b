"""The seams that tests and the page use to watch or alter a connection work on the connection's own objects, not
by replacing a method on a class or swapping an object's class: both builds honour them (in the compiled build,
``make compiled``, a class's methods are called directly, so a method replaced on the class is never reached, and
an object's class cannot be swapped)."""

from __future__ import annotations

from glasstls.handshake.base import Actions, SendMessage, set_send_hook
from glasstls.page import watch
from glasstls.record.capture import CapturingRecordLayer
from glasstls.record.layer import RecordLayer
from glasstls.wire import codec
from glasstls.wire.codec import Reader
from glasstls.wire.enums import KeyUpdateRequest
from glasstls.wire.messages import HandshakeMessage, KeyUpdate, decode_handshake
from glasstls.wire.spans import SpanRecorder
from handshake_pair import Pair, client_config, server_config


def test_a_send_hook_replaces_or_drops_what_a_state_sends() -> None:
    asked = KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED)
    replacement = KeyUpdate(KeyUpdateRequest.UPDATE_REQUESTED)

    def replace(message: HandshakeMessage) -> HandshakeMessage:
        return replacement

    def drop(message: HandshakeMessage) -> None:
        return None

    actions = Actions()
    try:
        set_send_hook(replace)
        raw = actions.send(asked)
        assert raw == replacement.encode()  # what the sender hashes is what it sent
        assert actions.items == [SendMessage(replacement, raw)]
        set_send_hook(drop)
        raw = actions.send(asked)
        assert raw == asked.encode() and len(actions.items) == 1  # hashed as if sent, never queued
    finally:
        set_send_hook(None)
    assert actions.send(asked) == asked.encode() and actions.items[-1] == SendMessage(asked, asked.encode())


def test_watch_gives_a_connection_a_layer_that_captures_its_records() -> None:
    pair = Pair(client_config(), server_config())
    plain = pair.client._records
    capture = watch(pair.client)
    assert type(plain) is RecordLayer  # the plain layer was replaced, not changed into another class
    assert isinstance(pair.client._records, CapturingRecordLayer) and pair.client._records.capture is capture
    pair.handshake()
    assert capture.records[0].direction == "sent" and capture.records[0].content_type == 22  # the ClientHello
    assert {r.direction for r in capture.records} == {"sent", "received"}


def test_an_annotating_pass_keeps_each_reader_a_reader_and_hears_its_reads() -> None:
    hello = Pair(client_config(), server_config())
    hello.client.start()
    record = hello.client.data_to_send()
    raw = record[5 : 5 + int.from_bytes(record[3:5], "big")]  # the ClientHello message, header included
    body = raw[4:]
    recorder = SpanRecorder()
    recorder.register(body, 4)  # a sub-reader's place is found by the identity of the bytes it reads
    kinds: list[type] = []

    def adopt(reader: Reader) -> None:
        recorder.adopt(reader)
        kinds.append(type(reader))

    codec.set_span_hook(adopt)
    try:
        decode_handshake(raw[0], body)
    finally:
        codec.set_span_hook(None)
    assert kinds and set(kinds) == {Reader}
    names = {span.name for span in recorder.spans}
    assert {"legacy_version", "random", "cipher_suites"} <= names, names
    assert all(span.offset >= 4 and span.end <= len(raw) for span in recorder.spans)
