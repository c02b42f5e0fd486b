"""Records that carry nothing are bounded in a row (issue 9 item 8, issue 12 "warning-alert and empty-record floods").

* Zero-length application_data records are allowed (RFC 8446 section 5.1, RFC 5246 section 6.2.1) but are no
  progress: more than ``MAX_EMPTY_RECORDS_IN_A_ROW`` (32, as OpenSSL) in a row is unexpected_message, TLS 1.2 and 1.3,
  client and server.
* They do not reset the "in a row" limits that count data as progress: KeyUpdate (``max_key_updates_in_a_row``) and
  TLS 1.2 renegotiation refusals (``Traffic12.MAX_REFUSALS``).
* Non-fatal alerts (TLS 1.2 warnings, TLS 1.3 user_canceled) are bounded in a row (CVE-2016-8610): the fifth is
  unexpected_message.

Every record the peer sends here is an exact record sealed with the sender's keys, rebuilt from its key log.
No live test: openssl, gnutls and Python's ssl cannot be told to send empty records or warning alerts in a row.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glasstls.connection import MAX_WARNING_ALERTS_IN_A_ROW
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.errors import AlertReceived, NoRenegotiation, TLSError, UnexpectedMessage
from glasstls.events import DataReceived
from glasstls.handshake.traffic12 import Traffic12
from glasstls.record.layer import MAX_EMPTY_RECORDS_IN_A_ROW
from glasstls.wire.enums import AlertDescription, AlertLevel, ContentType, ProtocolVersion
from glasstls.wire.messages import Alert
from handshake_pair import Pair, Side, client_config, protection, server_config
from test_handshake12_bad_input import KINDS, established, other
from test_handshake12_states import real_hellos

AD = AlertDescription
APP = ContentType.APPLICATION_DATA
Seal = Callable[[ContentType, bytes], bytes]


# -- sealing exact records as the peer would ---------------------------------------------------------------------


class Writer13:
    """Seals records as ``writer`` would now: under its newest logged application traffic secret, from the next
    sequence number (the records it already sent under that secret are counted by opening them). ``key_update``
    sends a KeyUpdate and moves to the next secret (RFC 8446 section 7.2), as the peer would."""

    def __init__(self, pair: Pair, writer: Side) -> None:
        keylog = pair.client_keylog if writer == "client" else pair.server_keylog
        prefix = "CLIENT_TRAFFIC_SECRET_" if writer == "client" else "SERVER_TRAFFIC_SECRET_"
        self.secret = bytes.fromhex(next(ln for ln in reversed(keylog.lines) if ln.startswith(prefix)).split()[2])
        self.suite = TLS13_SUITES[pair.client.negotiated.cipher_suite]  # type: ignore[union-attr]
        self.seq = 0
        for record in pair.wire.records("c2s" if writer == "client" else "s2c"):
            prot = protection(self.suite, self.secret)
            prot.records_protected = self.seq
            try:
                prot.open(record[0], int.from_bytes(record[1:3], "big"), record[5:], record[:5])
            except TLSError:
                continue
            self.seq += 1

    def __call__(self, ctype: ContentType, content: bytes) -> bytes:
        prot = protection(self.suite, self.secret)
        prot.records_protected = self.seq
        self.seq += 1
        return prot.seal(ctype, content)

    def key_update(self) -> bytes:
        record = self(ContentType.HANDSHAKE, b"\x18\x00\x00\x01\x00")  # KeyUpdate(update_not_requested)
        self.secret = ks.next_traffic_secret(self.suite, self.secret)
        self.seq = 0
        return record


def sealer13(pair: Pair, writer: Side) -> Seal:
    return Writer13(pair, writer)


def established13() -> Pair:
    pair = Pair(client_config(), server_config())
    pair.handshake()
    return pair


def established12(kind: str = "AES-GCM") -> tuple[Pair, Seal, Seal]:
    """A TLS 1.2 pair with ``kind`` of record protection and a sealer for each side's next records (sequence
    number 1 on)."""
    pair, keys = established(kind)
    seals: dict[str, Seal] = {}
    for writer in ("client", "server"):
        counter = {"seq": 1}

        def seal(ctype: ContentType, content: bytes, writer: str = writer, counter: dict[str, int] = counter) -> bytes:
            record = keys.protection(writer, counter["seq"]).seal(ctype, content)
            counter["seq"] += 1
            return record

        seals[writer] = seal
    return pair, seals["client"], seals["server"]


def setup(version: str, sender: Side) -> tuple[Pair, Seal]:
    """``version``: "TLS 1.3", "TLS 1.2" (AES-GCM) or "TLS 1.2 <kind>" (a kind of test_handshake12_bad_input)."""
    if version == "TLS 1.3":
        pair = established13()
        return pair, sealer13(pair, sender)
    kind = version.removeprefix("TLS 1.2 ") if version != "TLS 1.2" else "AES-GCM"
    pair, client_seal, server_seal = established12(kind)
    return pair, client_seal if sender == "client" else server_seal


def send(pair: Pair, receiver: Side, *records: bytes, pump: bool = True) -> None:
    """Deliver ``records`` to ``receiver`` (each logged on the wire), then (``pump``) let the pair settle."""
    for record in records:
        pair.wire.records("s2c" if receiver == "client" else "c2s").append(record)
        pair.deliver(receiver, record)
    if pump:
        pair.pump()


def assert_unexpected(pair: Pair, receiver: Side, step: str, words: str) -> None:
    """``receiver`` failed with unexpected_message at ``step``, and its fatal alert reached the peer."""
    err = pair.error(receiver)
    assert isinstance(err, UnexpectedMessage), repr(err)
    assert err.step == step and words in err.reason, (err.step, err.reason)
    peer_err = pair.error(other(receiver))
    assert isinstance(peer_err, AlertReceived) and peer_err.description == AD.UNEXPECTED_MESSAGE, repr(peer_err)


VERSIONS = ["TLS 1.3", "TLS 1.2"]
#: Every kind of protection, for the empty-record bound (a CBC record of empty content is not empty on the wire).
ALL_PROTECTIONS = ["TLS 1.3", *(f"TLS 1.2 {kind}" for kind in KINDS)]
SIDES: list[Side] = ["client", "server"]


# -- empty records ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("receiver", SIDES)
@pytest.mark.parametrize("version", ALL_PROTECTIONS)
def test_empty_records_in_a_row_are_bounded(version: str, receiver: Side) -> None:
    pair, seal = setup(version, other(receiver))
    empty = [seal(APP, b"") for _ in range(MAX_EMPTY_RECORDS_IN_A_ROW)]
    send(pair, receiver, *empty)
    assert pair.error(receiver) is None  # 32 in a row are allowed (OpenSSL's MAX_EMPTY_RECORDS)
    assert not [e for e in pair.events(receiver) if isinstance(e, DataReceived)]  # and deliver nothing
    send(pair, receiver, seal(APP, b""))
    assert_unexpected(pair, receiver, "record layer", f"more than {MAX_EMPTY_RECORDS_IN_A_ROW} empty records")


@pytest.mark.parametrize("receiver", SIDES)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_record_with_data_resets_the_empty_record_count(version: str, receiver: Side) -> None:
    pair, seal = setup(version, other(receiver))
    for round_ in range(3):
        send(pair, receiver, *(seal(APP, b"") for _ in range(MAX_EMPTY_RECORDS_IN_A_ROW)))
        send(pair, receiver, seal(APP, b"data %d" % round_))
    assert pair.error(receiver) is None
    got = b"".join(e.data for e in pair.events(receiver) if isinstance(e, DataReceived))
    assert got == b"data 0data 1data 2"


# -- empty records do not reset the other "in a row" limits ------------------------------------------------------


@pytest.mark.parametrize("receiver", SIDES)
def test_empty_records_do_not_reset_the_key_update_count(receiver: Side) -> None:
    """RFC 8446 section 4.6.3: each KeyUpdate, with an empty record between, still counts toward
    max_key_updates_in_a_row (today's main: the empty record reset the count, and 1,000 were accepted)."""
    limit = {"max_key_updates_in_a_row": 2}
    pair = Pair(client_config(**limit), server_config(**limit))
    pair.handshake()
    assert pair.transfer(receiver, b"the peer's keys stay as they are") != b""  # KeyUpdates only from one side
    writer = Writer13(pair, other(receiver))
    for _ in range(2):
        send(pair, receiver, writer.key_update(), writer(APP, b""))
        assert pair.error(receiver) is None
    send(pair, receiver, writer.key_update())
    assert_unexpected(pair, receiver, "KeyUpdate", "more than 2 KeyUpdate messages without any data")


@pytest.mark.parametrize("receiver", SIDES)
def test_empty_records_do_not_reset_the_renegotiation_refusal_count(receiver: Side) -> None:
    """RFC 5746 section 4.2 / 4.4: each request to renegotiate is refused with a no_renegotiation warning; with an
    empty record between them they still count toward Traffic12.MAX_REFUSALS. (The warnings are not delivered to
    the real peer connection: its own warning-alert bound would end it first.)"""
    pair, client_seal, server_seal = established12()
    seal = server_seal if receiver == "client" else client_seal
    request = b"\x00\x00\x00\x00" if receiver == "client" else real_hellos()[0]  # HelloRequest / a new ClientHello
    for _ in range(Traffic12.MAX_REFUSALS):
        send(pair, receiver, seal(ContentType.HANDSHAKE, request), seal(APP, b""), pump=False)
        assert pair.error(receiver) is None
    send(pair, receiver, seal(ContentType.HANDSHAKE, request), pump=False)
    err = pair.error(receiver)
    assert isinstance(err, NoRenegotiation) and err.step == "renegotiation", repr(err)


# -- warning alerts ----------------------------------------------------------------------------------------------


def warning(description: AlertDescription) -> bytes:
    return Alert(AlertLevel.WARNING, description).encode()


@pytest.mark.parametrize("receiver", SIDES)
@pytest.mark.parametrize(
    ("version", "description"),
    [("TLS 1.2", AD.NO_RENEGOTIATION), ("TLS 1.2", AD.USER_CANCELED), ("TLS 1.3", AD.USER_CANCELED)],
)
def test_warning_alerts_in_a_row_are_bounded(version: str, description: AlertDescription, receiver: Side) -> None:
    """CVE-2016-8610: a non-fatal alert costs a record's work and carries nothing; the fifth in a row (with only
    empty records between, which are no progress either) is unexpected_message, as in OpenSSL."""
    pair, seal = setup(version, other(receiver))
    for _ in range(MAX_WARNING_ALERTS_IN_A_ROW):
        send(pair, receiver, seal(ContentType.ALERT, warning(description)), seal(APP, b""))
    assert pair.error(receiver) is None
    assert pair.conn(receiver).negotiated.version == (  # type: ignore[union-attr]
        ProtocolVersion.TLS13 if version == "TLS 1.3" else ProtocolVersion.TLS12
    )
    send(pair, receiver, seal(ContentType.ALERT, warning(description)))
    assert_unexpected(pair, receiver, "alert", f"more than {MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row")


@pytest.mark.parametrize("receiver", SIDES)
@pytest.mark.parametrize("version", VERSIONS)
def test_data_resets_the_warning_alert_count(version: str, receiver: Side) -> None:
    pair, seal = setup(version, other(receiver))
    for round_ in range(3):
        send(pair, receiver, *(seal(ContentType.ALERT, warning(AD.USER_CANCELED)) for _ in range(4)))
        send(pair, receiver, seal(APP, b"%d" % round_))
    assert pair.error(receiver) is None
    assert b"".join(e.data for e in pair.events(receiver) if isinstance(e, DataReceived)) == b"012"


def test_tls13_warning_level_alert_other_than_user_canceled_stays_fatal() -> None:
    """RFC 8446 section 6.2: in TLS 1.3 every alert but close_notify and user_canceled ends the connection."""
    pair = established13()
    send(pair, "server", sealer13(pair, "client")(ContentType.ALERT, warning(AD.NO_RENEGOTIATION)))
    err = pair.error("server")
    assert isinstance(err, AlertReceived) and err.description == AD.NO_RENEGOTIATION

