"""ClientHellos that RFCs require a server to refuse (or to get through), as the exact bytes a hostile or legacy
client sends (issue 12).

Each test builds the ClientHello a glasstls client would send, changes the one field the case is about, feeds
the record to a ServerConnection and compares the server's answer byte for byte with the fatal alert record the
RFC names: ``15 03 03 00 02 02 <description>``.

* legacy_version 0x0300 with supported_versions TLS 1.3: protocol_version (RFC 8446 appendix D.5);
* TLS_FALLBACK_SCSV, legacy_version 0x0304, no supported_versions: inappropriate_fallback (RFC 8446 4.2.1,
  RFC 7507 section 3);
* server_name with NUL, a control character, a non-ASCII byte, a trailing dot, two names: illegal_parameter
  (RFC 6066 section 3);
* TLS 1.2 ec_point_formats without uncompressed: illegal_parameter (RFC 8422 section 5.1.2);
* resuming an extended-master-secret session without EMS: handshake_failure (RFC 7627 section 5.3);
* the second ClientHello after a HelloRetryRequest changed elsewhere than RFC 8446 4.1.2 allows: illegal_parameter;
* rejected 0-RTT records are skipped (RFC 8446 section 4.2.10), with and without a HelloRetryRequest;
* TLS 1.2 without signature_algorithms: handshake_failure that names RFC 9155.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import TLSError
from glasstls.handshake.hello_checks import MAX_SKIPPED_EARLY_DATA
from glasstls.sessions import ClientSessionStore
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    CipherSuite,
    ContentType,
    ECPointFormat,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
)
from glasstls.wire.messages import ClientHello, HandshakeMessage, decode_handshake
from handshake_pair import HOST, Pair, client_config, plaintext_record, server_config, split_records

AD = AlertDescription
V12 = ProtocolVersion.TLS12


def alert_record(description: AlertDescription) -> bytes:
    """The plaintext fatal alert record a server sends before it has keys."""
    return bytes.fromhex("1503030002") + bytes([2, int(description)])


def client_hello(**client: Any) -> ClientHello:
    """The ClientHello a glasstls client with these settings sends."""
    conn = ClientConnection(client_config(**client), server_name=HOST)
    conn.start()
    record = split_records(conn.data_to_send())[0]
    msg = record[5:]
    assert msg[0] == HandshakeType.CLIENT_HELLO
    return dataclasses.replace(decode_handshake(msg[0], msg[4:]))  # type: ignore[return-value]


def without(ch: ClientHello, *types: ExtensionType) -> ClientHello:
    return dataclasses.replace(ch, extensions=tuple(e for e in ch.extensions if e.wire_type not in types))


def with_ext(ch: ClientHello, extension: ext.Extension) -> ClientHello:
    """``extension`` in place of the one of its type (or added before pre_shared_key, which stays last)."""
    exts = [e for e in ch.extensions if e.wire_type != extension.wire_type]
    exts.insert(len(exts) - 1 if exts and exts[-1].wire_type == ExtensionType.PRE_SHARED_KEY else len(exts), extension)
    return dataclasses.replace(ch, extensions=tuple(exts))


def server_answer(wire: bytes, **server: Any) -> tuple[TLSError | None, bytes]:
    conn = ServerConnection(server_config(**server))
    error = None
    try:
        conn.receive_data(wire)
    except TLSError as e:
        error = e
    return error, conn.data_to_send()


def answer_to(ch: ClientHello, **server: Any) -> tuple[TLSError | None, bytes]:
    return server_answer(plaintext_record(ContentType.HANDSHAKE, ch.encode()), **server)


# -- legacy_version, fallback -----------------------------------------------------------------------------


def test_legacy_version_ssl3_with_tls13_offered_is_protocol_version() -> None:
    ch = dataclasses.replace(client_hello(), legacy_version=ProtocolVersion.SSL30)
    assert ext.get_extension(ch.extensions, ext.SupportedVersionsClientHello) is not None
    error, out = answer_to(ch)
    assert out == alert_record(AD.PROTOCOL_VERSION)
    assert error is not None and "D.5" in error.reason


def test_the_unchanged_hello_is_answered() -> None:
    # The control for the cases here: the same ClientHello unchanged gets a ServerHello.
    error, out = answer_to(client_hello())
    assert error is None and out[0] == ContentType.HANDSHAKE and out[5] == HandshakeType.SERVER_HELLO


def test_fallback_scsv_with_legacy_version_tls13_and_no_supported_versions_is_inappropriate_fallback() -> None:
    ch = without(client_hello(), ExtensionType.SUPPORTED_VERSIONS)
    ch = dataclasses.replace(
        ch, legacy_version=ProtocolVersion.TLS13, cipher_suites=(*ch.cipher_suites, CipherSuite.TLS_FALLBACK_SCSV)
    )
    error, out = answer_to(ch)
    assert out == alert_record(AD.INAPPROPRIATE_FALLBACK)
    # Without the SCSV the same client gets TLS 1.2 (RFC 8446 section 4.2.1).
    ch = dataclasses.replace(ch, cipher_suites=ch.cipher_suites[:-1])
    error, out = answer_to(ch)
    assert error is None and out[5] == HandshakeType.SERVER_HELLO and out[9:11] == b"\x03\x03"


# -- server_name (RFC 6066 section 3) ----------------------------------------------------------------------


def _sni_body(*names: bytes) -> bytes:
    entries = b"".join(b"\x00" + len(n).to_bytes(2, "big") + n for n in names)
    return len(entries).to_bytes(2, "big") + entries


@pytest.mark.parametrize(
    "names",
    [
        (b"local\x00host",),
        (b"local\x07host",),
        (b"local\x7fhost",),
        (b"caf\xc3\xa9.example",),
        (b"localhost.",),
        (b"localhost", b"localhost"),
        (b"localhost", b"example.com"),
    ],
    ids=["nul", "bell", "del", "utf8", "trailing-dot", "same-twice", "two-names"],
)
@pytest.mark.parametrize("version", ["tls13", "tls12"])
def test_bad_host_name_is_illegal_parameter(names: tuple[bytes, ...], version: str) -> None:
    ch = client_hello(max_version=V12) if version == "tls12" else client_hello()
    ch = with_ext(ch, ext.UnknownExtension(ExtensionType.SERVER_NAME, _sni_body(*names)))
    error, out = answer_to(ch)
    assert out == alert_record(AD.ILLEGAL_PARAMETER), error
    assert error is not None and "RFC 6066 section 3" in error.reason


def test_good_host_name_is_accepted_from_raw_bytes() -> None:
    ch = with_ext(client_hello(), ext.UnknownExtension(ExtensionType.SERVER_NAME, _sni_body(b"localhost")))
    error, out = answer_to(ch)
    assert error is None and out[5] == HandshakeType.SERVER_HELLO


# -- TLS 1.2: ec_point_formats (RFC 8422 section 5.1.2) ------------------------------------------------------


def test_ec_point_formats_without_uncompressed_is_illegal_parameter() -> None:
    ch = client_hello(max_version=V12)
    ch = with_ext(ch, ext.EcPointFormats((ECPointFormat.ANSIX962_COMPRESSED_PRIME,)))
    error, out = answer_to(ch)
    assert out == alert_record(AD.ILLEGAL_PARAMETER)
    assert error is not None and "RFC 8422 section 5.1.2" in error.reason
    # With uncompressed among others it is accepted.
    ch = with_ext(ch, ext.EcPointFormats((ECPointFormat.ANSIX962_COMPRESSED_PRIME, ECPointFormat.UNCOMPRESSED)))
    error, out = answer_to(ch)
    assert error is None and out[5] == HandshakeType.SERVER_HELLO


# -- TLS 1.2: resuming an EMS session without EMS (RFC 7627 section 5.3) ------------------------------------


def test_resuming_an_ems_session_without_ems_is_handshake_failure() -> None:
    store = ClientSessionStore()
    server = server_config(require_extended_master_secret=False)
    first = Pair(client_config(max_version=V12, session_store=store), server)
    first.handshake()
    first.client.close()
    first.pump()
    second = Pair(client_config(max_version=V12, session_store=store, require_extended_master_secret=False), server)

    def strip_ems(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            assert m.legacy_session_id or ext.get_extension(m.extensions, ext.SessionTicket)
            return without(m, ExtensionType.EXTENDED_MASTER_SECRET)
        return None

    with second.mutate("client", strip_ems):
        second.pump()
    assert second.server_error is not None and second.server_error.alert == AD.HANDSHAKE_FAILURE
    assert "RFC 7627 section 5.3" in second.server_error.reason
    assert second.wire.c2s and second.wire.s2c == [alert_record(AD.HANDSHAKE_FAILURE)]


# -- TLS 1.2 without signature_algorithms (RFC 9155) -----------------------------------------------------------


def test_tls12_without_signature_algorithms_names_rfc9155() -> None:
    ch = without(client_hello(max_version=V12), ExtensionType.SIGNATURE_ALGORITHMS)
    error, out = answer_to(ch)
    assert out == alert_record(AD.HANDSHAKE_FAILURE)
    assert error is not None and "RFC 9155" in error.reason and "signature_algorithms" in (error.hint or "")


# -- the second ClientHello (RFC 8446 section 4.1.2) -------------------------------------------------------------


def _hrr_pair() -> Pair:
    # The client's only key share is X25519; the server takes only secp384r1: a HelloRetryRequest.
    return Pair(
        client_config(key_share_groups=(NamedGroup.X25519,)),
        server_config(groups=(NamedGroup.SECP384R1,)),
    )


def _change_second(change: Any) -> Pair:
    pair = _hrr_pair()
    seen: list[ClientHello] = []

    def mutate(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            seen.append(m)
            if len(seen) == 2:
                return change(m)  # type: ignore[no-any-return]
        return None

    with pair.mutate("client", mutate):
        pair.pump()
    assert len(seen) == 2
    return pair


def test_second_client_hello_unchanged_but_for_the_allowed_is_accepted() -> None:
    pair = _change_second(lambda m: with_ext(m, ext.Padding(40)))
    assert pair.server_error is None and pair.server.handshake_complete
    assert pair.server.negotiated is not None and pair.server.negotiated.hello_retry_request


@pytest.mark.parametrize(
    ("what", "change"),
    [
        (
            "APPLICATION_LAYER_PROTOCOL_NEGOTIATION",
            lambda m: with_ext(m, ext.ApplicationLayerProtocolNegotiation((b"h2",))),
        ),
        ("SIGNATURE_ALGORITHMS", lambda m: without(m, ExtensionType.SIGNATURE_ALGORITHMS)),
        ("early_data", lambda m: with_ext(m, ext.EarlyData())),
        ("cipher_suites", lambda m: dataclasses.replace(m, cipher_suites=(*m.cipher_suites, CipherSuite(0x1305)))),
        ("legacy_version", lambda m: dataclasses.replace(m, legacy_version=ProtocolVersion.TLS11)),
        ("random", lambda m: dataclasses.replace(m, random=os.urandom(32))),
    ],
)
def test_second_client_hello_changed_is_illegal_parameter(what: str, change: Any) -> None:
    pair = _change_second(change)
    assert pair.server_error is not None and pair.server_error.alert == AD.ILLEGAL_PARAMETER, pair.server_error
    assert what in pair.server_error.reason and "4.1.2" in pair.server_error.reason


# -- rejected early data is skipped (RFC 8446 section 4.2.10) ----------------------------------------------------


def _early_record(size: int) -> bytes:
    """A 0-RTT record as the client sends it: application_data, encrypted under keys the server lacks."""
    return bytes.fromhex("170303") + size.to_bytes(2, "big") + os.urandom(size)


def _offer_early_data(pair: Pair, early: list[bytes], *, ccs: bool) -> None:
    """The client's first ClientHello offers early_data; after it come ``early`` records (and first a
    compatibility change_cipher_spec when ``ccs``: OpenSSL sends it there; the glasstls client sends its own
    before its Finished, so the in-memory tests leave it out)."""
    hellos: list[int] = []

    def add_early_data(m: HandshakeMessage) -> HandshakeMessage | None:
        if isinstance(m, ClientHello):
            hellos.append(1)
            if len(hellos) == 1:
                return with_ext(m, ext.EarlyData())
        return None

    def after_hello(direction: str, index: int, record: bytes) -> bytes:
        if direction == "c2s" and index == 0:
            return record + (bytes.fromhex("140303000101") if ccs else b"") + b"".join(early)
        return record

    pair.on_wire = after_hello
    with pair.mutate("client", add_early_data):
        pair.pump()


def test_early_data_is_skipped_when_not_accepted() -> None:
    pair = Pair(client_config(middlebox_compatibility=False))
    _offer_early_data(pair, [_early_record(100), _early_record(2**14 + 17)], ccs=True)
    assert pair.server_error is None and pair.client_error is None
    assert pair.server.handshake_complete
    assert any("0-RTT" in e.summary for e in pair.server.trace)
    assert pair.transfer("client", b"after") == b"after"


def test_early_data_after_hello_retry_request_is_skipped() -> None:
    pair = _hrr_pair()
    _offer_early_data(pair, [_early_record(64), _early_record(300)], ccs=False)
    assert pair.server_error is None and pair.client_error is None
    assert pair.server.negotiated is not None and pair.server.negotiated.hello_retry_request
    assert pair.transfer("client", b"after") == b"after"


@pytest.mark.parametrize("hrr", [False, True])
def test_early_data_beyond_the_bound_is_unexpected_message(hrr: bool) -> None:
    pair = _hrr_pair() if hrr else Pair()
    records = [_early_record(2**14 + 256)] * (MAX_SKIPPED_EARLY_DATA // (2**14 + 256) + 1)
    _offer_early_data(pair, records, ccs=False)
    assert pair.server_error is not None and pair.server_error.alert == AD.UNEXPECTED_MESSAGE
    assert "4.2.10" in pair.server_error.reason


def test_undecryptable_record_without_early_data_offer_is_still_bad_record_mac() -> None:
    # The control: a client that did not offer early_data gets no skipping.
    pair = Pair()

    def after_hello(direction: str, index: int, record: bytes) -> bytes:
        return record + _early_record(100) if direction == "c2s" and index == 0 else record

    pair.on_wire = after_hello
    pair.pump()
    assert pair.server_error is not None and pair.server_error.alert == AD.BAD_RECORD_MAC


# -- record_size_limit (RFC 8449 section 4) ---------------------------------------------------------------------


def _server_limit(client: dict[str, Any], server: dict[str, Any]) -> int | None:
    """The record_size_limit the server sent (EncryptedExtensions in TLS 1.3, ServerHello in TLS 1.2)."""
    pair = Pair(client_config(**client), server_config(**server))
    sent: list[int] = []

    def spy(m: HandshakeMessage) -> None:
        rsl = ext.get_extension(getattr(m, "extensions", ()), ext.RecordSizeLimit)
        if rsl is not None:
            sent.append(rsl.limit)

    with pair.mutate("server", spy):
        pair.handshake()
    assert len(sent) <= 1
    return sent[0] if sent else None


@pytest.mark.parametrize(
    ("client", "server", "expected"),
    [
        ({"record_size_limit": 1000}, {}, 2**14 + 1),
        ({"record_size_limit": 1000, "max_version": V12}, {}, 2**14),
        ({"record_size_limit": 1000}, {"record_size_limit": 600}, 600),
        ({"record_size_limit": 1000, "max_version": V12}, {"record_size_limit": 600}, 600),
        ({"record_size_limit": 1000, "max_version": V12}, {"record_size_limit": 2**14 + 1}, 2**14),
        ({}, {"record_size_limit": 600}, None),
        ({"max_version": V12}, {}, None),
    ],
)
def test_server_answers_record_size_limit(client: dict[str, Any], server: dict[str, Any], expected: int | None) -> None:
    assert _server_limit(client, server) == expected


# -- TLS 1.2 without EMS when allowed: the trace says it is legacy -------------------------------------------------


def test_no_ems_when_allowed_is_traced_as_legacy() -> None:
    pair = Pair(
        client_config(max_version=V12, require_extended_master_secret=False),
        server_config(require_extended_master_secret=False),
    )
    with pair.mutate(
        "client", lambda m: without(m, ExtensionType.EXTENDED_MASTER_SECRET) if isinstance(m, ClientHello) else None
    ):
        pair.handshake()
    for conn in (pair.client, pair.server):
        assert any(
            "NO extended master secret (LEGACY" in e.summary and "--allow-no-ems" in e.summary for e in conn.trace
        )
