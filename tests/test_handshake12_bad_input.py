"""TLS 1.2 under a hostile or broken peer: each failure gives the right error, step and alert (DESIGN rule 7).

Records: truncated, oversized (header over 2^14 + 2048, plaintext over 2^14 after decryption), garbage, and a
flipped bit anywhere in a protected record for each kind of protection (AES-GCM, ChaCha20-Poly1305, CBC
MAC-then-encrypt, CBC encrypt-then-MAC). Handshake: a message split across a ChangeCipherSpec, malformed and
repeated ChangeCipherSpec, an empty server certificate, bad ServerKeyExchange contents, an unoffered suite,
session ID echo tricks, an unannounced NewSessionTicket, HelloRequest while negotiating, byte-by-byte delivery.
Hypothesis: arbitrary bytes after a valid ClientHello (server) or ServerHello (client) raise only TLSError.

Records are forged or read with keys derived from the logged master secret (tests/test_handshake12_states.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.x509 import load_der_x509_certificate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls.config import ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.crypto import signatures, tls12
from glasstls.crypto.groups import start_key_exchange
from glasstls.crypto.tls12 import TLS12_SUITES
from glasstls.errors import (
    AlertReceived,
    BadCertificate,
    BadRecordMac,
    ConnectionLost,
    DecodeError,
    DecryptError,
    HandshakeFailure,
    IllegalParameter,
    InternalError,
    RecordOverflow,
    TLSError,
    UnexpectedMessage,
    UnsupportedCertificate,
)
from glasstls.events import ConnectionClosed, DataReceived
from glasstls.record.protection import MAX_PLAINTEXT
from glasstls.sessions import ClientSessionStore, ServerSessionCache
from glasstls.trace.keylog import MemoryKeyLog
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    CipherSuite,
    ContentType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.enums import HandshakeType as HT  # noqa: N817
from glasstls.wire.messages import (
    Alert,
    Certificate12,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeEcdhe,
    HandshakeMessage,
    HelloRequest,
    NewSessionTicket12,
    ServerHello,
    ServerKeyExchangeEcdhe,
)
from handshake_pair import (
    Pair,
    Side,
    chain_of,
    client_config,
    pki,
    plaintext_record,
    server_config,
    server_credential,
    split_handshake,
)
from test_handshake12_states import Exchange, Keys, hello_random, real_hellos, scenario_configs

AD = AlertDescription
V12 = ProtocolVersion.TLS12
GCM = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
CHACHA = CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
CBC = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
#: The four kinds of TLS 1.2 record protection: (suite, encrypt_then_mac).
KINDS: dict[str, tuple[CipherSuite, bool]] = {
    "AES-GCM": (GCM, False),
    "ChaCha20-Poly1305": (CHACHA, False),
    "CBC MAC-then-encrypt": (CBC, False),
    "CBC encrypt-then-MAC": (CBC, True),
}
CCS_RECORD = plaintext_record(ContentType.CHANGE_CIPHER_SPEC, b"\x01")
LEGACY = {"allow_rsa_key_exchange": True, "allow_legacy_cbc": True}


def pair12(
    suite: CipherSuite = GCM, *, client: dict[str, Any] | None = None, server: dict[str, Any] | None = None
) -> Pair:
    """A TLS 1.2 pair with one ECDHE_ECDSA suite (the default server certificate is the ECDSA one)."""
    assert TLS12_SUITES[suite].key_exchange == "ECDHE_ECDSA"
    c: dict[str, Any] = {"max_version": V12, "cipher_suites": (suite,), **LEGACY, **(client or {})}
    return Pair(client_config(**c), server_config(**{**LEGACY, **(server or {})}))


def strip_etm(m: HandshakeMessage) -> HandshakeMessage | None:
    """The client offers no encrypt_then_mac: CBC records are MAC-then-encrypt (RFC 7366 section 2)."""
    if isinstance(m, ClientHello):
        return dataclasses.replace(
            m, extensions=tuple(e for e in m.extensions if not isinstance(e, ext.EncryptThenMac))
        )
    return None


def keys_of(pair: Pair, suite: CipherSuite, etm: bool = False) -> Keys:
    return Keys(suite, pair.client_keylog, hello_random(pair.wire.c2s[0]), hello_random(pair.wire.s2c[0]), etm)


def established(kind: str) -> tuple[Pair, Keys]:
    """A TLS 1.2 pair after the handshake with one kind of record protection; each side has written one protected
    record (its Finished), so the next record of each direction has sequence number 1."""
    suite, etm = KINDS[kind]
    pair = pair12(suite)
    if etm:
        pair.handshake()
    else:
        with pair.mutate("client", strip_etm):
            pair.handshake()
    traced = " ".join(e.summary for e in pair.client.trace)
    assert ("encrypt-then-MAC" in traced) == etm
    return pair, keys_of(pair, suite, etm)


def other(side: Side) -> Side:
    return "server" if side == "client" else "client"


def assert_failed(
    pair: Pair, side: Side, error_type: type[TLSError], alert: AlertDescription, step: str, keys: Keys | None = None
) -> TLSError:
    """``side`` failed with ``error_type`` at ``step``; its last record is that fatal alert (opened with ``keys``
    when protected); the failure is permanent; the peer, if it read the alert, failed with AlertReceived."""
    err = pair.error(side)
    assert isinstance(err, error_type), repr(err)
    assert err.step == step, err.step
    assert str(err).startswith(f"{step}: ")
    assert err.alert == alert
    conn = pair.conn(side)
    assert conn.error is err and conn.closed and conn.state_name == "Closed"
    last = pair.wire.records("c2s" if side == "client" else "s2c")[-1]
    if keys is None:
        assert last[0] == ContentType.ALERT and len(last) == 7, last[:5].hex()
        got = Alert.decode(last[5:])
    else:
        got = keys.read_alert(last, side)
    assert got == Alert(AlertLevel.FATAL, alert)
    with pytest.raises(TLSError) as again:
        conn.receive_data(b"\x16\x03\x03\x00\x04\x0e\x00\x00\x00")
    assert again.value is err
    peer_err = pair.error(other(side))
    assert isinstance(peer_err, AlertReceived), repr(peer_err)
    assert peer_err.description == alert
    return err


def only(kind: type[HandshakeMessage], change: Callable[[Any], HandshakeMessage]) -> Callable[[HandshakeMessage], Any]:
    def fn(msg: HandshakeMessage) -> Any:
        return change(msg) if type(msg) is kind else None

    return fn


# -- records: oversized, truncated, garbage ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_record_over_2_14_plus_2048_is_record_overflow_from_its_header(kind: str, side: Side) -> None:
    """RFC 5246 section 6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048; refused before the body."""
    pair, _ = established(kind)
    conn = pair.conn(side)
    with pytest.raises(RecordOverflow) as caught:
        conn.receive_data(bytes([ContentType.APPLICATION_DATA, 3, 3]) + (2**14 + 2049).to_bytes(2, "big"))
    assert caught.value.step == "record layer" and str(caught.value).startswith("record layer: ")
    assert conn.error is caught.value


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_record_of_2_14_plus_2048_longer_than_the_suite_allows_is_record_overflow(kind: str, side: Side) -> None:
    """A header within 2^14 + 2048 but longer than any record of 2^14 plaintext under the suite: record_overflow
    (no suite expands 2^14 bytes by 2048)."""
    pair, keys = established(kind)
    pair.deliver(
        side, bytes([ContentType.APPLICATION_DATA, 3, 3]) + (2**14 + 2048).to_bytes(2, "big") + bytes(2**14 + 2048)
    )
    pair.pump()
    assert_failed(pair, side, RecordOverflow, AD.RECORD_OVERFLOW, "record layer", keys)


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_plaintext_over_2_14_after_decryption_is_record_overflow(kind: str, side: Side) -> None:
    """RFC 5246 section 6.2.1: TLSPlaintext.length MUST NOT exceed 2^14. A record the peer's keys really sealed
    with 2^14 + 1 bytes is refused (a record of exactly 2^14 bytes is the control, and goes through)."""
    pair, keys = established(kind)
    sealer = keys.protection(other(side), 1)
    sealer.max_fragment = MAX_PLAINTEXT + 1  # what a broken peer would do
    full = sealer.seal(ContentType.APPLICATION_DATA, bytes(MAX_PLAINTEXT))
    pair.deliver(side, full)
    assert [e for e in pair.events(side) if isinstance(e, DataReceived)] == [DataReceived(bytes(MAX_PLAINTEXT))]
    pair.deliver(side, sealer.seal(ContentType.APPLICATION_DATA, bytes(MAX_PLAINTEXT + 1)))
    pair.pump()
    assert_failed(pair, side, RecordOverflow, AD.RECORD_OVERFLOW, "record layer", keys)


def test_plaintext_record_over_2_14_during_the_handshake_is_record_overflow() -> None:
    pair = pair12()
    pair.start()
    pair.deliver("server", plaintext_record(ContentType.HANDSHAKE, bytes(MAX_PLAINTEXT + 1)))
    pair.pump()
    assert_failed(pair, "server", RecordOverflow, AD.RECORD_OVERFLOW, "record layer")


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_protected_record_too_short_for_its_overhead_is_bad_record_mac(kind: str, side: Side) -> None:
    """Shorter than nonce + tag (AEAD), or than IV + MAC + padding, or not whole blocks (CBC): bad_record_mac,
    with the same words as any other failure to open (no padding oracle, RFC 5246 section 6.2.3.2)."""
    pair, keys = established(kind)
    genuine = keys.protection(other(side), 1).seal(ContentType.APPLICATION_DATA, b"")
    body = genuine[5:]
    for cut in sorted({0, 1, len(body) // 2, len(body) - 1}):
        trial, trial_keys = established(kind)
        trial.deliver(side, bytes([ContentType.APPLICATION_DATA, 3, 3]) + cut.to_bytes(2, "big") + body[:cut])
        trial.pump()
        err = assert_failed(trial, side, BadRecordMac, AD.BAD_RECORD_MAC, "record layer", trial_keys)
        assert err.reason in ("record authentication failed", f"protected record of {cut} bytes is too short")
    # The control: the untouched empty record opens (RFC 5246 6.2.1 allows zero-length application data).
    pair.deliver(side, genuine)
    assert pair.error(side) is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_record_cut_by_the_end_of_the_stream_is_never_delivered(kind: str) -> None:
    pair, keys = established(kind)
    record = keys.protection("server", 1).seal(ContentType.APPLICATION_DATA, b"half a record")
    pair.deliver("client", record[:-1])
    assert not [e for e in pair.client_events if isinstance(e, DataReceived)]
    pair.client.receive_eof()
    assert pair.client.events() == [ConnectionClosed(clean=False)]
    assert pair.client.error is None


def test_record_cut_by_the_end_of_the_stream_during_the_handshake_is_connection_lost() -> None:
    pair = pair12()
    pair.start()
    hello = pair.client.data_to_send()
    pair.server.receive_data(hello)
    flight = pair.server.data_to_send()
    pair.client.receive_data(flight[:-3])
    with pytest.raises(ConnectionLost) as caught:
        pair.client.receive_eof()
    assert caught.value.step and str(caught.value).startswith(caught.value.step)
    assert pair.client.data_to_send() == b""  # the transport is gone: no alert


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_garbage_record_body_is_bad_record_mac(kind: str, side: Side) -> None:
    pair, keys = established(kind)
    garbage = bytes((i * 37 + 11) % 256 for i in range(96))  # whole blocks, room for IV, MAC, nonce and tag
    pair.deliver(side, bytes([ContentType.APPLICATION_DATA, 3, 3]) + len(garbage).to_bytes(2, "big") + garbage)
    pair.pump()
    assert_failed(pair, side, BadRecordMac, AD.BAD_RECORD_MAC, "record layer", keys)


@pytest.mark.parametrize("side", ["client", "server"])
def test_garbage_that_is_not_a_record_is_decode_error(side: Side) -> None:
    pair, keys = established("AES-GCM")
    pair.deliver(side, b"\x00\x01\x02\x03\x04\x05\x06\x07")
    pair.pump()
    assert_failed(pair, side, DecodeError, AD.DECODE_ERROR, "record layer", keys)


# -- records: one flipped bit, anywhere, in every kind of protection --------------------------------------------------


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_flipped_bit_anywhere_in_a_protected_record_is_bad_record_mac(kind: str, side: Side) -> None:
    """Every byte of the record after the length (and the type and version bytes of the header, which the MAC or
    the additional data covers): one bit flipped -> bad_record_mac. The unflipped record is the control."""
    data = b"a record to tamper with" * 3
    pair, keys = established(kind)
    record = keys.protection(other(side), 1).seal(ContentType.APPLICATION_DATA, data)
    for pos in [0, 2, *range(5, len(record))]:
        trial, trial_keys = established(kind)
        flipped = bytearray(trial_keys.protection(other(side), 1).seal(ContentType.APPLICATION_DATA, data))
        assert len(flipped) == len(record)
        flipped[pos] ^= 1 << (pos % 8) if pos >= 5 else 1
        trial.deliver(side, bytes(flipped))
        trial.pump()
        assert_failed(trial, side, BadRecordMac, AD.BAD_RECORD_MAC, "record layer", trial_keys)
    pair.deliver(side, record)
    assert pair.error(side) is None
    assert pair.events(side)[-1] == DataReceived(data)


@pytest.mark.parametrize("direction", ["s2c", "c2s"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_flipped_bit_in_the_finished_record_is_bad_record_mac(kind: str, direction: str) -> None:
    """The first protected record of each side (its Finished), tampered in flight: the receiver fails with
    bad_record_mac (not decrypt_error: the record does not open), and the sender reads the alert."""
    suite, etm = KINDS[kind]
    seen = {"ccs": False}

    def flip(d: str, index: int, record: bytes) -> bytes:
        if d != direction:
            return record
        if record[0] == ContentType.CHANGE_CIPHER_SPEC:
            seen["ccs"] = True
        elif seen["ccs"] and record[0] == ContentType.HANDSHAKE:
            seen["ccs"] = False
            return record[:-1] + bytes([record[-1] ^ 0x40])
        return record

    pair = pair12(suite)
    pair.on_wire = flip
    if etm:
        pair.pump()
    else:
        with pair.mutate("client", strip_etm):
            pair.pump()
    receiver: Side = "client" if direction == "s2c" else "server"
    # The receiver's alert: the server fails before its own ChangeCipherSpec (plaintext), the client after its.
    keys = keys_of(pair, suite, etm) if receiver == "client" else None
    assert_failed(pair, receiver, BadRecordMac, AD.BAD_RECORD_MAC, "record layer", keys)


# -- ChangeCipherSpec -------------------------------------------------------------------------------------------------


def _in_flight(direction: str, change: Callable[[bytes], bytes | None]) -> Callable[[str, int, bytes], bytes]:
    def hook(d: str, index: int, record: bytes) -> bytes:
        if d == direction:
            changed = change(record)
            if changed is not None:
                return changed
        return record

    return hook


@pytest.mark.parametrize("body", [b"\x02", b"\x00", b"\x01\x01", b""], ids=["02", "00", "0101", "empty"])
@pytest.mark.parametrize("direction", ["s2c", "c2s"])
def test_change_cipher_spec_body_other_than_01_is_unexpected_message(direction: str, body: bytes) -> None:
    """RFC 5246 section 7.1: the message is one byte of value 1."""
    pair = pair12()
    pair.on_wire = _in_flight(
        direction,
        lambda r: (
            plaintext_record(ContentType.CHANGE_CIPHER_SPEC, body) if r[0] == ContentType.CHANGE_CIPHER_SPEC else None
        ),
    )
    pair.pump()
    receiver: Side = "client" if direction == "s2c" else "server"
    # The client fails after its own ChangeCipherSpec: its alert is protected.
    keys = keys_of(pair, GCM) if receiver == "client" else None
    assert_failed(pair, receiver, UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer", keys)


@pytest.mark.parametrize("direction", ["s2c", "c2s"])
def test_two_change_cipher_specs_are_unexpected_message(direction: str) -> None:
    pair = pair12()
    pair.on_wire = _in_flight(direction, lambda r: r + r if r[0] == ContentType.CHANGE_CIPHER_SPEC else None)
    pair.pump()
    receiver: Side = "client" if direction == "s2c" else "server"
    keys = keys_of(pair, GCM) if receiver == "client" else None
    err = assert_failed(pair, receiver, UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer", keys)
    assert "change_cipher_spec" in str(err)


@pytest.mark.parametrize("side", ["client", "server"])
def test_change_cipher_spec_after_the_handshake_is_unexpected_message(side: Side) -> None:
    pair, keys = established("AES-GCM")
    pair.deliver(side, CCS_RECORD)
    pair.pump()
    assert_failed(pair, side, UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer", keys)


def test_change_cipher_spec_before_server_hello_done_is_unexpected_message() -> None:
    """A ChangeCipherSpec that skips the client's key exchange (the CCS injection of CVE-2014-0224)."""
    pair = pair12()

    def early(d: str, index: int, record: bytes) -> bytes:
        if d == "s2c" and index == 0:
            messages = split_handshake(record[5:])
            return plaintext_record(ContentType.HANDSHAKE, messages[0]) + CCS_RECORD
        return record

    pair.on_wire = early
    pair.pump()
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer")


def _split_across_ccs(record: bytes) -> bytes:
    """A plaintext handshake record cut in two around a ChangeCipherSpec: the last message straddles it."""
    content = record[5:]
    cut = len(content) - 2
    return (
        plaintext_record(ContentType.HANDSHAKE, content[:cut])
        + CCS_RECORD
        + plaintext_record(ContentType.HANDSHAKE, content[cut:])
    )


def test_handshake_message_split_across_the_servers_change_cipher_spec_is_unexpected_message() -> None:
    """The server's NewSessionTicket starts before its ChangeCipherSpec and ends after it (RFC 5246 section 7.1:
    a ChangeCipherSpec must fall between handshake messages)."""
    pair = pair12()

    def split(d: str, index: int, record: bytes) -> bytes:
        if d == "s2c" and record[0] == ContentType.HANDSHAKE and record[5] == HT.NEW_SESSION_TICKET:
            return _split_across_ccs(record)
        return record

    pair.on_wire = split
    pair.pump()
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer", keys_of(pair, GCM))


def test_handshake_message_split_across_the_clients_change_cipher_spec_is_unexpected_message() -> None:
    """The client's flight (ClientKeyExchange last) cut so that its ChangeCipherSpec lands inside the message."""
    pair = pair12()

    def split(d: str, index: int, record: bytes) -> bytes:
        if d == "c2s" and record[0] == ContentType.HANDSHAKE and index == 1:
            return _split_across_ccs(record)
        return record

    pair.on_wire = split
    pair.pump()
    assert_failed(pair, "server", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer")


def test_handshake_header_fragment_before_an_expected_change_cipher_spec_is_unexpected_message() -> None:
    """The client waits for the ChangeCipherSpec (no ticket) and gets two bytes of a handshake header first."""
    pair = pair12(server={"ticket_keys": None})

    def fragment(d: str, index: int, record: bytes) -> bytes:
        if d == "s2c" and record[0] == ContentType.CHANGE_CIPHER_SPEC:
            return plaintext_record(ContentType.HANDSHAKE, b"\x04\x00") + record
        return record

    pair.on_wire = fragment
    pair.pump()
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer", keys_of(pair, GCM))


# -- the server's first flight ----------------------------------------------------------------------------------------


def test_empty_server_certificate_list_is_decode_error() -> None:
    pair = pair12()
    with pair.mutate("server", only(Certificate12, lambda m: Certificate12(()))):
        pair.pump()
    assert_failed(pair, "client", DecodeError, AD.DECODE_ERROR, "server Certificate")


def test_unoffered_suite_in_server_hello_is_illegal_parameter() -> None:
    pair = pair12(GCM, client={"cipher_suites": (GCM,)}, server={"cipher_suites": (GCM, CHACHA)})
    with pair.mutate("server", only(ServerHello, lambda m: dataclasses.replace(m, cipher_suite=CHACHA))):
        pair.pump()
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "did not offer" in str(err)


def test_tls13_suite_in_a_tls12_server_hello_is_illegal_parameter() -> None:
    pair = Pair(client_config(), server_config(max_version=V12))
    with pair.mutate(
        "server", only(ServerHello, lambda m: dataclasses.replace(m, cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256))
    ):
        pair.pump()
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")


class _Randoms:
    """The two hello randoms, seen in flight (what a ServerKeyExchange signature covers)."""

    def __init__(self, pair: Pair) -> None:
        self.client = b""
        self.server = b""
        self.pair = pair

    def spy_client(self, m: HandshakeMessage) -> None:
        if isinstance(m, ClientHello):
            self.client = m.random

    def spy_server(self, m: HandshakeMessage) -> None:
        if isinstance(m, ServerHello):
            self.server = m.random


def _resigned_ske(randoms: _Randoms, public: bytes) -> Callable[[HandshakeMessage], Any]:
    """The server's key, signing ServerECDHParams with ``public`` (a malicious server, or a bug of its own)."""

    def change(m: HandshakeMessage) -> Any:
        if not isinstance(m, ServerKeyExchangeEcdhe):
            return None
        unsigned = dataclasses.replace(m, public=public, signature=b"")
        content = tls12.server_key_exchange_signed_content(randoms.client, randoms.server, unsigned.params_bytes())
        signature = signatures.sign(m.signature_scheme, pki().server_ecdsa.key, content, tls12=True)
        return dataclasses.replace(unsigned, signature=signature)

    return change


@pytest.mark.parametrize(
    ("group", "public"),
    [
        (NamedGroup.SECP256R1, b"\x04" + bytes(64)),  # (0, 0) is not on the curve
        (NamedGroup.SECP256R1, b"\x04" + bytes(range(64))),
        (NamedGroup.SECP256R1, b"\x02" + bytes(32)),  # compressed: RFC 8422 5.1.2 uncompressed only
        (NamedGroup.X25519, bytes(32)),  # low order: the shared secret would be all zeros
        (NamedGroup.X25519, bytes(31)),
    ],
    ids=["p256-origin", "p256-off-curve", "p256-compressed", "x25519-zero", "x25519-short"],
)
def test_invalid_point_in_a_well_signed_server_key_exchange_is_illegal_parameter(
    group: NamedGroup, public: bytes
) -> None:
    """RFC 8422 section 5.4 / RFC 8446 section 4.2.8.2: the client validates the server's point."""
    # The client also offers P-256, the curve of the server's certificate (RFC 8422 section 5.3).
    groups = tuple(dict.fromkeys((group, NamedGroup.SECP256R1)))
    pair = pair12(client={"groups": groups, "key_share_groups": groups[:1]}, server={"groups": (group,)})
    randoms = _Randoms(pair)
    with (
        pair.mutate("client", randoms.spy_client),
        pair.mutate("server", randoms.spy_server),
        pair.mutate("server", _resigned_ske(randoms, public)),
    ):
        pair.pump()
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerKeyExchange")


def test_server_key_exchange_point_changed_in_flight_is_decrypt_error() -> None:
    """RFC 5246 section 7.4.3: the signature covers the parameters; another point breaks it."""
    another = start_key_exchange(NamedGroup.X25519, os.urandom).public_bytes()  # a valid point, not the signed one
    pair = pair12(server={"groups": (NamedGroup.X25519,)})
    with pair.mutate("server", only(ServerKeyExchangeEcdhe, lambda m: dataclasses.replace(m, public=another))):
        pair.pump()
    assert_failed(pair, "client", DecryptError, AD.DECRYPT_ERROR, "ServerKeyExchange")


@pytest.mark.parametrize("where", ["first", "last", "truncated", "empty"])
def test_server_key_exchange_wrong_signature_is_decrypt_error(where: str) -> None:
    def corrupt(m: ServerKeyExchangeEcdhe) -> ServerKeyExchangeEcdhe:
        sig = m.signature
        new = {
            "first": bytes([sig[0] ^ 1]) + sig[1:],
            "last": sig[:-1] + bytes([sig[-1] ^ 1]),
            "truncated": sig[:-4],
            "empty": b"",
        }[where]
        return dataclasses.replace(m, signature=new)

    pair = pair12()
    with pair.mutate("server", only(ServerKeyExchangeEcdhe, corrupt)):
        pair.pump()
    assert_failed(pair, "client", DecryptError, AD.DECRYPT_ERROR, "ServerKeyExchange")


def test_server_key_exchange_with_an_unoffered_group_is_illegal_parameter() -> None:
    pair = pair12(
        client={"groups": (NamedGroup.X25519, NamedGroup.SECP256R1)},
        server={"groups": (NamedGroup.X25519, NamedGroup.SECP384R1)},
    )
    with pair.mutate(
        "server", only(ServerKeyExchangeEcdhe, lambda m: dataclasses.replace(m, named_group=NamedGroup.SECP384R1))
    ):
        pair.pump()
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerKeyExchange")
    assert "did not offer" in str(err)


def test_server_key_exchange_with_an_unoffered_signature_scheme_is_illegal_parameter() -> None:
    scheme = SignatureScheme.ECDSA_SECP256R1_SHA256
    pair = pair12(client={"signature_schemes": (scheme,)})
    with pair.mutate(
        "server",
        only(
            ServerKeyExchangeEcdhe,
            lambda m: dataclasses.replace(m, signature_scheme=SignatureScheme.ECDSA_SECP384R1_SHA384),
        ),
    ):
        pair.pump()
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerKeyExchange")


# -- the client's flight ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "public", [b"\x04" + bytes(64), b"\x04" + bytes(range(64)), b"\x04"], ids=["origin", "off", "short"]
)
def test_invalid_point_in_client_key_exchange_is_illegal_parameter(public: bytes) -> None:
    pair = pair12(server={"groups": (NamedGroup.SECP256R1,)})
    with pair.mutate("client", only(ClientKeyExchangeEcdhe, lambda m: ClientKeyExchangeEcdhe(public))):
        pair.pump()
    assert_failed(pair, "server", IllegalParameter, AD.ILLEGAL_PARAMETER, "ClientKeyExchange")


def test_wrong_client_certificate_verify_is_decrypt_error() -> None:
    pair = pair12(
        client={"client_certificate": chain_of(pki().client)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )

    def corrupt(m: CertificateVerify) -> CertificateVerify:
        return CertificateVerify(m.algorithm, m.signature[:-1] + bytes([m.signature[-1] ^ 1]))

    with pair.mutate("client", only(CertificateVerify, corrupt)):
        pair.pump()
    assert_failed(pair, "server", DecryptError, AD.DECRYPT_ERROR, "client CertificateVerify")


# -- session IDs ------------------------------------------------------------------------------------------------------


def _stored_session(suites: tuple[CipherSuite, ...] = (GCM,), **server: Any) -> tuple[ClientConfig, ServerConfig]:
    """A client that holds a TLS 1.2 session (by session ID) of a server, and that server's config."""
    client = client_config(max_version=V12, cipher_suites=suites, session_store=ClientSessionStore(), **LEGACY)
    server_cfg = server_config(ticket_keys=None, cipher_suites=suites, **server)
    first = Pair(client, server_cfg)
    c, _ = first.handshake()
    assert not c.resumed
    return client, server_cfg


def _offered_session_id(pair: Pair) -> bytes:
    return ClientHello.decode_body(split_handshake(pair.wire.c2s[0][5:])[0][4:]).legacy_session_id


def test_resumption_with_another_cipher_suite_is_illegal_parameter() -> None:
    """RFC 5246 section 7.4.1.3: a resumed session keeps its cipher suite."""
    client, server = _stored_session((GCM, CHACHA))
    pair = Pair(client, server)
    with pair.mutate("server", only(ServerHello, lambda m: dataclasses.replace(m, cipher_suite=CHACHA))):
        pair.pump()
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "different cipher suite" in str(err)


def test_resumption_with_another_extended_master_secret_setting_is_handshake_failure() -> None:
    """RFC 7627 section 5.3: a session made with the extended master secret resumes only with it."""
    client, server = _stored_session()
    client = dataclasses.replace(client, require_extended_master_secret=False)
    pair = Pair(client, server)

    def drop_ems(m: ServerHello) -> ServerHello:
        return dataclasses.replace(
            m, extensions=tuple(e for e in m.extensions if not isinstance(e, ext.ExtendedMasterSecret))
        )

    with pair.mutate("server", only(ServerHello, drop_ems)):
        pair.pump()
    assert_failed(pair, "client", HandshakeFailure, AD.HANDSHAKE_FAILURE, "ServerHello")


def test_echoed_session_id_followed_by_a_full_handshake_is_unexpected_message() -> None:
    """The server echoes the offered session ID (a resumption) and then sends a Certificate anyway."""
    client, _ = _stored_session()
    pair = Pair(client, server_config(ticket_keys=None, cipher_suites=(GCM,)))  # a server with an empty cache
    offered: list[bytes] = []
    with (
        pair.mutate("client", lambda m: offered.append(m.legacy_session_id) if isinstance(m, ClientHello) else None),
        pair.mutate("server", only(ServerHello, lambda m: dataclasses.replace(m, legacy_session_id_echo=offered[0]))),
    ):
        pair.pump()
    assert offered[0]
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "ChangeCipherSpec")


def test_echo_of_a_session_id_the_client_did_not_offer_for_resumption_is_illegal_parameter() -> None:
    """The client sent a random session ID (middlebox compatibility, no stored session); an echo claims a
    resumption of nothing."""
    pair = pair12()
    offered: list[bytes] = []
    with (
        pair.mutate("client", lambda m: offered.append(m.legacy_session_id) if isinstance(m, ClientHello) else None),
        pair.mutate("server", only(ServerHello, lambda m: dataclasses.replace(m, legacy_session_id_echo=offered[0]))),
    ):
        pair.pump()
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")


def test_server_does_not_echo_a_session_id_it_does_not_know() -> None:
    """A session ID not in the cache gets a full handshake under a fresh ID (RFC 5246 section 7.4.1.3)."""
    client, _ = _stored_session()
    server = server_config(ticket_keys=None, cipher_suites=(GCM,), session_cache=ServerSessionCache())
    pair = Pair(client, server)
    c, s = pair.handshake()
    assert not c.resumed and not s.resumed
    sh = ServerHello.decode_body(split_handshake(pair.wire.s2c[0][5:])[0][4:])
    assert sh.legacy_session_id_echo and sh.legacy_session_id_echo != _offered_session_id(pair)
    # The client keeps the new session, and resumes it next time.
    again = Pair(client, server)
    c, s = again.handshake()
    assert c.resumed and s.resumed


def test_server_does_not_resume_for_another_server_name() -> None:
    client, server = _stored_session()
    pair = Pair(client, server, server_name="127.0.0.1")
    c, s = pair.handshake()
    assert not c.resumed and not s.resumed


# -- NewSessionTicket and HelloRequest --------------------------------------------------------------------------------


def test_new_session_ticket_without_the_acknowledgement_is_unexpected_message() -> None:
    """RFC 5077 section 3.3: only a server that answered session_ticket in its ServerHello sends one."""
    pair = pair12(server={"ticket_keys": None})
    nst = plaintext_record(ContentType.HANDSHAKE, NewSessionTicket12(3600, b"unannounced").encode())
    pair.on_wire = _in_flight("s2c", lambda r: nst + r if r[0] == ContentType.CHANGE_CIPHER_SPEC else None)
    pair.pump()
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "ChangeCipherSpec", keys_of(pair, GCM))


HELLO_REQUEST = HelloRequest().encode()


@pytest.mark.parametrize("placement", ["own record", "same record"])
@pytest.mark.parametrize("resumed", [False, True], ids=["full", "resumed"])
def test_hello_request_while_negotiating_is_ignored(placement: str, resumed: bool) -> None:
    """RFC 5246 section 7.4.1.1: ignored by a client that is negotiating, and not hashed: the handshake (whose
    Finished messages cover the transcript) completes, and data flows."""
    if resumed:
        client, server = _stored_session()
    else:
        client = client_config(
            max_version=V12, cipher_suites=(GCM,), client_certificate=chain_of(pki().client), **LEGACY
        )
        server = server_config(client_auth="required", client_trust=pki().trust_store())
    added = {"count": 0}

    def interleave(d: str, index: int, record: bytes) -> bytes:
        if d != "s2c" or record[0] != ContentType.HANDSHAKE:
            return record
        if ContentType.CHANGE_CIPHER_SPEC in [r[0] for r in pair.wire.s2c]:
            return record  # the server's Finished, protected
        # A HelloRequest after each message (not before the ServerHello: the TLS 1.3 state waiting for it
        # does not know the version yet, and refuses it).
        messages = split_handshake(record[5:])
        added["count"] += len(messages)
        if placement == "own record":
            return b"".join(plaintext_record(ContentType.HANDSHAKE, x) for m in messages for x in (m, HELLO_REQUEST))
        return plaintext_record(ContentType.HANDSHAKE, b"".join(m + HELLO_REQUEST for m in messages))

    pair = Pair(client, server, on_wire=interleave)
    c, _ = pair.handshake()
    assert c.resumed == resumed
    assert added["count"] >= (1 if resumed else 6)
    ignored = [e for e in pair.client.trace if "ignored HelloRequest" in e.summary]
    assert len(ignored) == added["count"]
    assert pair.transfer("client", b"after") == b"after" and pair.transfer("server", b"back") == b"back"


def test_hello_request_to_a_server_is_unexpected_message() -> None:
    pair = pair12()
    pair.start()
    pair.deliver("server", pair.client.data_to_send() + plaintext_record(ContentType.HANDSHAKE, HELLO_REQUEST))
    pair.pump()
    assert_failed(pair, "server", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "ClientKeyExchange")


@pytest.mark.parametrize("side", ["client", "server"])
def test_renegotiation_is_refused_until_the_peer_insists(side: Side) -> None:
    """RFC 5746 section 4.2 / 4.4: each HelloRequest (to a client) or ClientHello (to a server) gets a
    no_renegotiation warning and the connection goes on; a peer that keeps asking is cut off (fatal)."""
    pair, keys = established("AES-GCM")
    ask = HELLO_REQUEST if side == "client" else real_hellos()[0]
    conn = pair.conn(side)
    for seq in range(1, 9):
        pair.deliver(side, keys.protection(other(side), seq).seal(ContentType.HANDSHAKE, ask))
        # Read here, not delivered to the real peer: it never asked, and its own bound on warning alerts in a row
        # (connection.MAX_WARNING_ALERTS_IN_A_ROW, tests/test_record_limits.py) would end it first.
        warning = keys.read_alert(conn.data_to_send(), side)
        assert warning == Alert(AlertLevel.WARNING, AD.NO_RENEGOTIATION)
    assert pair.error(side) is None  # the refusals do not end the connection
    pair.deliver(side, keys.protection(other(side), 9).seal(ContentType.HANDSHAKE, ask))
    err = pair.error(side)
    assert isinstance(err, TLSError) and err.step == "renegotiation" and conn.error is err
    assert keys.read_alert(conn.data_to_send(), side) == Alert(AlertLevel.FATAL, AD.NO_RENEGOTIATION)


# -- byte by byte -----------------------------------------------------------------------------------------------------


def _byte_by_byte(pair: Pair) -> None:
    """Run ``pair``'s handshake delivering every byte alone (mutators of ``pair`` apply)."""
    pair.start()
    for _ in range(20):
        moved = False
        for src, dst in (("client", "server"), ("server", "client")):
            data = pair.call(src, pair.conn(src).data_to_send)  # type: ignore[arg-type]
            for i in range(len(data)):
                pair.deliver(dst, data[i : i + 1])  # type: ignore[arg-type]
            moved = moved or bool(data)
        if not moved:
            break
    assert pair.client_error is None and pair.server_error is None, (pair.client_error, pair.server_error)
    assert pair.client.handshake_complete and pair.server.handshake_complete


@pytest.mark.parametrize("scenario", ["full", "rsa", "resumed", "CBC encrypt-then-MAC", "CBC MAC-then-encrypt"])
def test_whole_handshake_byte_by_byte(scenario: str) -> None:
    """Every byte of the handshake and of application data delivered alone, both ways."""
    if scenario in ("full", "rsa", "resumed"):
        client, server = scenario_configs(scenario, MemoryKeyLog())
        pair = Pair(client, server)
        _byte_by_byte(pair)
        assert pair.client.negotiated.resumed == (scenario == "resumed")  # type: ignore[union-attr]
    else:
        pair = pair12(CBC)
        if scenario == "CBC MAC-then-encrypt":
            with pair.mutate("client", strip_etm):
                _byte_by_byte(pair)
        else:
            _byte_by_byte(pair)
        assert ("encrypt-then-MAC" in " ".join(e.summary for e in pair.client.trace)) == scenario.endswith("MAC")
    sides: tuple[Side, Side] = ("client", "server")
    for side in sides:
        data = bytes(range(256)) * 3
        pair.send(side, data)
        out = pair.conn(side).data_to_send()
        peer = other(side)
        before = len(pair.events(peer))
        for i in range(len(out)):
            pair.deliver(peer, out[i : i + 1])
        got = b"".join(e.data for e in pair.events(peer)[before:] if isinstance(e, DataReceived))
        assert got == data
    assert pair.client_error is None and pair.server_error is None


# -- Hypothesis: anything after a valid hello raises only TLSError, and never hangs ----------------------------------


def _feed(conn: ClientConnection | ServerConnection, chunks: list[bytes]) -> None:
    try:
        for chunk in chunks:  # bounded: one call per chunk, each consumes its input
            conn.receive_data(chunk)
            conn.data_to_send()
            conn.events()
        conn.receive_eof()
    except TLSError as e:
        # The boundary turns a bug (IndexError, ValueError, ...) into InternalError: peer input never gets that far.
        assert not isinstance(e, InternalError), f"{e!r} caused by {e.__cause__!r}"
        assert e.step is not None and str(e).startswith(f"{e.step}: "), repr(e)
        assert conn.error is e
        conn.data_to_send()
        with pytest.raises(TLSError) as again:
            conn.receive_data(b"\x00")
        assert again.value is e


def _after_hello(scenario: str, side: str, k: int = 1) -> tuple[ClientConnection | ServerConnection, list[bytes]]:
    """A connection that has received ``k`` real units of the peer (1: its hello), and the peer's next real units
    (the server after the ClientHello: the client's second flight)."""
    exchange = Exchange(*scenario_configs(scenario, MemoryKeyLog()))
    rest = exchange.run(side, k)
    return exchange.conn(side), rest


_HANDSHAKE_TYPES = [int(t) for t in HT] + [0x63, 0xFF]
handshake_records = st.builds(
    lambda t, body, lie: plaintext_record(
        ContentType.HANDSHAKE, bytes([t]) + max(0, len(body) + lie).to_bytes(3, "big") + body
    ),
    st.sampled_from(_HANDSHAKE_TYPES),
    st.binary(max_size=200),
    st.sampled_from([0, 0, 0, 1, -1, 1000]),
)
any_records = st.builds(
    lambda ctype, version, body: bytes([ctype]) + version + len(body).to_bytes(2, "big") + body,
    st.sampled_from([20, 21, 22, 23, 24]),
    st.sampled_from([b"\x03\x03", b"\x03\x01", b"\x03\x04"]),
    st.binary(max_size=200),
)
inputs = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(handshake_records, any_records), max_size=5).map(b"".join),
)
edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6)
cuts = st.lists(st.integers(0, 10_000), max_size=4)
scenarios = st.sampled_from(["full", "rsa", "resumed"])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _chunked(data: bytes, cut: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cut})
    out, last = [], 0
    for p in [*points, len(data)]:
        out.append(data[last:p])
        last = p
    return out


def _mutate(units: list[bytes], edit: list[tuple[int, int]]) -> bytes:
    buf = bytearray(b"".join(units))
    for pos, value in edit:
        buf[pos % len(buf)] = value
    return bytes(buf)


@FUZZ
@given(scenario=scenarios, data=inputs, cut=cuts)
def test_arbitrary_bytes_to_a_tls12_server_after_its_client_hello(scenario: str, data: bytes, cut: list[int]) -> None:
    server, _ = _after_hello(scenario, "server")
    _feed(server, _chunked(data, cut))


@FUZZ
@given(scenario=scenarios, edit=edits, cut=cuts)
def test_mutated_client_flight_to_a_tls12_server(scenario: str, edit: list[tuple[int, int]], cut: list[int]) -> None:
    server, rest = _after_hello(scenario, "server")
    _feed(server, _chunked(_mutate(rest, edit), cut))


@FUZZ
@given(scenario=scenarios, data=inputs, cut=cuts)
def test_arbitrary_bytes_to_a_tls12_client_after_the_server_hello(scenario: str, data: bytes, cut: list[int]) -> None:
    client, _ = _after_hello(scenario, "client")
    _feed(client, _chunked(data, cut))


@FUZZ
@given(scenario=scenarios, edit=edits, cut=cuts)
def test_mutated_server_flight_to_a_tls12_client(scenario: str, edit: list[tuple[int, int]], cut: list[int]) -> None:
    client, rest = _after_hello(scenario, "client")
    _feed(client, _chunked(_mutate(rest, edit), cut))


# -- regressions found by the tests above -----------------------------------------------------------------------------

#: The DER of the OID id-ecPublicKey (1.2.840.10045.2.1), and the same with its first arc changed (0.0.840...).
_EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")
_UNKNOWN_KEY_OID = bytes.fromhex("0607008648ce3d0201")


def _unknown_key_algorithm(der: bytes) -> bytes:
    """The certificate with its subject key algorithm made unknown (the signature no longer matters)."""
    assert der.count(_EC_PUBLIC_KEY_OID) == 1
    return der.replace(_EC_PUBLIC_KEY_OID, _UNKNOWN_KEY_OID)


def test_server_certificate_with_an_unknown_key_algorithm_is_unsupported_certificate() -> None:
    """Found by Hypothesis: cryptography raises UnsupportedAlgorithm (not ValueError) for the key, which escaped
    as internal_error."""
    pair = pair12()

    def change(m: Certificate12) -> Certificate12:
        return Certificate12((_unknown_key_algorithm(m.certificate_list[0]), *m.certificate_list[1:]))

    with pair.mutate("server", only(Certificate12, change)):
        pair.pump()
    assert_failed(pair, "client", UnsupportedCertificate, AD.UNSUPPORTED_CERTIFICATE, "server Certificate")


def test_client_certificate_with_an_unknown_key_algorithm_is_unsupported_certificate() -> None:
    """Found by Hypothesis (edit [(203, 0)] of the client's flight): was internal_error."""
    pair = pair12(
        client={"client_certificate": chain_of(pki().client)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )

    def change(m: Certificate12) -> Certificate12:
        return Certificate12((_unknown_key_algorithm(m.certificate_list[0]), *m.certificate_list[1:]))

    with pair.mutate("client", only(Certificate12, change)):
        pair.pump()
    assert_failed(pair, "server", UnsupportedCertificate, AD.UNSUPPORTED_CERTIFICATE, "client Certificate")


def _version_1(der: bytes) -> bytes:
    """The certificate claiming X.509 v2 (version INTEGER 1): cryptography raises InvalidVersion, no ValueError."""
    v3 = bytes.fromhex("a003020102")
    assert der.count(v3) == 1
    return der.replace(v3, bytes.fromhex("a003020101"))


def _bad_subject(der: bytes) -> bytes:
    """The certificate with a subject attribute value of tag 0 (the UTF8String of the common name): it loads,
    and fails only when the subject is read."""
    subject = load_der_x509_certificate(der).subject.public_bytes()
    assert der.count(subject) == 1 and subject[11] == 0x0C
    bad = der.replace(subject, subject[:11] + b"\x00" + subject[12:])
    with pytest.raises(ValueError):
        load_der_x509_certificate(bad).subject  # noqa: B018
    return bad


@pytest.mark.parametrize(
    ("where", "change"),
    [("leaf", _version_1), ("intermediate", _version_1), ("leaf", _bad_subject)],
    ids=["leaf-v2", "intermediate-v2", "leaf-subject"],
)
def test_server_certificate_that_does_not_parse_is_bad_certificate(
    where: str, change: Callable[[bytes], bytes]
) -> None:
    """Found by Hypothesis: InvalidVersion (leaf: in the state; intermediate: in pki's chain parser, after the
    state skipped it) and a subject parsed only when read escaped as internal_error."""
    pair = pair12()
    index = 0 if where == "leaf" else 1

    def edit(m: Certificate12) -> Certificate12:
        certs = list(m.certificate_list)
        certs[index] = change(certs[index])
        return Certificate12(tuple(certs))

    with pair.mutate("server", only(Certificate12, edit)):
        pair.pump()
    err = assert_failed(pair, "client", BadCertificate, AD.BAD_CERTIFICATE, "server Certificate")
    assert ("#2" in str(err)) == (where == "intermediate")


def test_client_certificate_that_does_not_parse_is_bad_certificate() -> None:
    pair = pair12(
        client={"client_certificate": chain_of(pki().client)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )

    def edit(m: Certificate12) -> Certificate12:
        return Certificate12((_version_1(m.certificate_list[0]), *m.certificate_list[1:]))

    with pair.mutate("client", only(Certificate12, edit)):
        pair.pump()
    assert_failed(pair, "server", BadCertificate, AD.BAD_CERTIFICATE, "client Certificate")


@FUZZ
@given(scenario=scenarios, edit=edits, cut=cuts)
def test_mutated_tls12_client_hello_to_a_server(scenario: str, edit: list[tuple[int, int]], cut: list[int]) -> None:
    """The ClientHello of a TLS 1.2-only client (in ``resumed``: offering a session ID and a ticket extension)."""
    server, rest = _after_hello(scenario, "server", 0)
    assert rest[0][5] == HT.CLIENT_HELLO
    _feed(server, _chunked(_mutate(rest, edit), cut))


@FUZZ
@given(scenario=scenarios, edit=edits, cut=cuts)
def test_mutated_tls12_server_hello_flight_to_a_client(
    scenario: str, edit: list[tuple[int, int]], cut: list[int]
) -> None:
    client, rest = _after_hello(scenario, "client", 0)
    assert rest[0][5] == HT.SERVER_HELLO
    _feed(client, _chunked(_mutate(rest, edit), cut))


@pytest.mark.parametrize("suite", [GCM, CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256], ids=["ECDHE", "RSA"])
def test_status_request_acknowledged_without_a_certificate_status(suite: CipherSuite) -> None:
    """RFC 6066 section 8: "a server MAY also choose not to send a CertificateStatus message, even if ... [it] has
    sent a status_request extension in the server hello". The client refused the next message (unexpected_message)
    with servers that do so."""
    server: dict[str, Any] = {}
    if suite != GCM:
        server = {"certificates": (chain_of(server_credential("rsa-2048")),)}
    pair = Pair(
        client_config(max_version=V12, cipher_suites=(suite,), request_ocsp_staple=True, **LEGACY),
        server_config(**server, **LEGACY),
    )

    def acknowledge(m: ServerHello) -> ServerHello:
        assert not any(isinstance(e, ext.StatusRequestAck) for e in m.extensions)  # no staple configured
        return dataclasses.replace(m, extensions=(*m.extensions, ext.StatusRequestAck()))

    with pair.mutate("server", only(ServerHello, acknowledge)):
        c, _ = pair.handshake()
    assert c.cipher_suite == suite
    assert any("stapled nothing" in e.summary for e in pair.client.trace)
    assert not any(e.kind == "message_received" and e.step == "CERTIFICATE_STATUS" for e in pair.client.trace)
