"""A hostile or broken peer: each failure gives the right error, step and alert (DESIGN rule 7).

For every case: the caller's exception is a ``TLSError`` subclass with ``step`` set and named by ``str``,
and the last record the failing side sends is the fatal alert that belongs to the error (decoded from the
wire, opened with the logged keys when it is protected).
"""

from __future__ import annotations

import dataclasses
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import (
    AlertReceived,
    BadRecordMac,
    ConnectionLost,
    DecodeError,
    DecryptError,
    HandshakeFailure,
    IllegalParameter,
    InternalError,
    ProtocolVersionError,
    RecordOverflow,
    TLSError,
    UnexpectedMessage,
    UnsupportedExtension,
)
from glasstls.wire import extensions as ext
from glasstls.wire.enums import (
    AlertDescription,
    CipherSuite,
    ContentType,
    ExtensionType,
    KeyUpdateRequest,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import (
    DOWNGRADE_TLS12,
    Certificate,
    CertificateVerify,
    ClientHello,
    EncryptedExtensions,
    Finished,
    HandshakeMessage,
    KeyUpdate,
    ServerHello,
)
from handshake_pair import (
    DROP,
    HOST,
    Pair,
    Side,
    chain_of,
    client_config,
    fatal,
    pki,
    plaintext_alert,
    plaintext_record,
    read_alert,
    server_config,
    split_records,
)

AD = AlertDescription
NO_CCS = {"middlebox_compatibility": False}


def assert_failed(pair: Pair, side: Side, error_type: type[TLSError], alert: AlertDescription, step: str) -> TLSError:
    """``side`` failed with ``error_type`` at ``step`` and its last record on the wire is that fatal alert."""
    err = pair.error(side)
    assert isinstance(err, error_type), repr(err)
    assert err.step == step, err.step
    assert str(err).startswith(f"{step}: ")
    assert err.alert == alert
    direction = "c2s" if side == "client" else "s2c"
    keylog = pair.client_keylog if side == "client" else pair.server_keylog
    assert read_alert(pair.wire.records(direction)[-1], keylog) == fatal(alert)
    # The failure is permanent: the same object again.
    with pytest.raises(TLSError) as again:
        pair.conn(side).receive_data(b"\x16\x03\x03\x00\x01\x00")
    assert again.value is err
    return err


def assert_peer_got(pair: Pair, side: Side, alert: AlertDescription) -> None:
    err = pair.error(side)
    assert isinstance(err, AlertReceived), repr(err)
    assert err.description == alert
    assert err.step is not None


def mutated(
    side: Side, fn: object, client: dict[str, object] | None = None, server: dict[str, object] | None = None
) -> Pair:
    pair = Pair(client_config(**(client or {})), server_config(**(server or {})))
    with pair.mutate(side, fn):  # type: ignore[arg-type]
        pair.pump()
    return pair


def only(kind: type[HandshakeMessage], change: object) -> object:
    """A mutator that applies ``change`` to messages of ``kind`` and leaves the rest alone."""

    def fn(msg: HandshakeMessage) -> object:
        return change(msg) if type(msg) is kind else None  # type: ignore[operator]

    return fn


# -- bytes that are not TLS, or not enough of it ---------------------------------------------------------------------


def test_http_request_to_a_server_is_decode_error() -> None:
    server = ServerConnection(server_config())
    with pytest.raises(DecodeError) as caught:
        server.receive_data(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    err = caught.value
    assert err.step == "record layer"
    assert "not a TLS record" in str(err) and str(err).startswith("record layer: ")
    assert err.hint and "HTTP" in err.hint
    assert plaintext_alert(server.data_to_send()) == fatal(AD.DECODE_ERROR)
    with pytest.raises(DecodeError) as again:
        server.receive_data(b"\x16\x03\x03")
    assert again.value is err


def test_truncated_client_hello_then_eof_is_connection_lost() -> None:
    client = ClientConnection(client_config(), server_name=HOST)
    client.start()
    hello = client.data_to_send()
    server = ServerConnection(server_config())
    server.receive_data(hello[: len(hello) // 2])
    assert server.error is None and server.data_to_send() == b""  # waiting for the rest
    with pytest.raises(ConnectionLost) as caught:
        server.receive_eof()
    assert caught.value.step == "ClientHello" and str(caught.value).startswith("ClientHello: ")
    assert caught.value.alert is None
    assert server.data_to_send() == b""  # the transport is gone: no alert


def test_eof_mid_handshake_on_the_client_is_connection_lost() -> None:
    pair = Pair()
    pair.start()
    with pytest.raises(ConnectionLost) as caught:
        pair.client.receive_eof()
    assert caught.value.step == "ServerHello"


def test_oversized_plaintext_record_is_record_overflow() -> None:
    server = ServerConnection(server_config())
    header = bytes([ContentType.HANDSHAKE, 3, 3]) + (2**14 + 1).to_bytes(2, "big")
    with pytest.raises(RecordOverflow) as caught:
        server.receive_data(header)  # refused from the header alone
    assert caught.value.step == "record layer"
    assert plaintext_alert(server.data_to_send()) == fatal(AD.RECORD_OVERFLOW)


def test_oversized_protected_record_is_record_overflow() -> None:
    def grow(direction: str, index: int, record: bytes) -> bytes:
        if direction == "s2c" and index == 1:
            return bytes([ContentType.APPLICATION_DATA, 3, 3]) + (2**14 + 257).to_bytes(2, "big") + bytes(2**14 + 257)
        return record

    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS), on_wire=grow)
    pair.pump()
    assert_failed(pair, "client", RecordOverflow, AD.RECORD_OVERFLOW, "record layer")
    assert_peer_got(pair, "server", AD.RECORD_OVERFLOW)


# -- out of order ----------------------------------------------------------------------------------------------------


def test_finished_before_client_hello_is_unexpected() -> None:
    server = ServerConnection(server_config())
    with pytest.raises(UnexpectedMessage) as caught:
        server.receive_data(plaintext_record(ContentType.HANDSHAKE, Finished(bytes(32)).encode()))
    assert caught.value.step == "ClientHello"
    assert plaintext_alert(server.data_to_send()) == fatal(AD.UNEXPECTED_MESSAGE)


def test_missing_encrypted_extensions_is_unexpected() -> None:
    pair = mutated("server", only(EncryptedExtensions, lambda m: DROP))
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "EncryptedExtensions")
    assert_peer_got(pair, "server", AD.UNEXPECTED_MESSAGE)


def test_server_hello_twice_is_unexpected() -> None:
    def twice(direction: str, index: int, record: bytes) -> bytes:
        return record + record if direction == "s2c" and index == 0 else record

    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS), on_wire=twice)
    pair.pump()
    assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "record layer")
    assert_peer_got(pair, "server", AD.UNEXPECTED_MESSAGE)


# -- tampering on the wire -------------------------------------------------------------------------------------------


def _flip(direction: str, index: int):  # type: ignore[no-untyped-def]
    def hook(d: str, i: int, record: bytes) -> bytes:
        if d == direction and i == index:
            return record[:-1] + bytes([record[-1] ^ 0x01])
        return record

    return hook


def test_flipped_bit_from_the_server_is_bad_record_mac() -> None:
    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS), on_wire=_flip("s2c", 1))
    pair.pump()
    assert_failed(pair, "client", BadRecordMac, AD.BAD_RECORD_MAC, "record layer")
    assert_peer_got(pair, "server", AD.BAD_RECORD_MAC)


def test_flipped_bit_from_the_client_is_bad_record_mac() -> None:
    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS), on_wire=_flip("c2s", 1))
    pair.pump()
    assert_failed(pair, "server", BadRecordMac, AD.BAD_RECORD_MAC, "record layer")
    assert_peer_got(pair, "client", AD.BAD_RECORD_MAC)


def test_flipped_bit_in_application_data_is_bad_record_mac() -> None:
    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS))
    pair.handshake()
    n = len(pair.wire.s2c)
    pair.on_wire = _flip("s2c", n)
    pair.send("server", b"tampered in flight")
    pair.pump()
    assert_failed(pair, "client", BadRecordMac, AD.BAD_RECORD_MAC, "record layer")
    assert_peer_got(pair, "server", AD.BAD_RECORD_MAC)


def _corrupt_finished(msg: Finished) -> Finished:
    return Finished(bytes([msg.verify_data[0] ^ 0x80]) + msg.verify_data[1:])


def test_wrong_server_finished_is_decrypt_error() -> None:
    pair = mutated("server", only(Finished, _corrupt_finished))
    assert_failed(pair, "client", DecryptError, AD.DECRYPT_ERROR, "server Finished")
    assert_peer_got(pair, "server", AD.DECRYPT_ERROR)


def test_wrong_client_finished_is_decrypt_error() -> None:
    pair = mutated("client", only(Finished, _corrupt_finished))
    assert_failed(pair, "server", DecryptError, AD.DECRYPT_ERROR, "client Finished")
    assert_peer_got(pair, "client", AD.DECRYPT_ERROR)


# -- a ServerHello the client did not ask for ------------------------------------------------------------------------


def _replace_ext(exts: tuple[ext.Extension, ...], kind: type[ext.Extension], new: ext.Extension | None) -> tuple:
    out = tuple(e for e in exts if not isinstance(e, kind))
    return (*out, new) if new is not None else out


def test_server_hello_with_an_unoffered_suite_is_illegal_parameter() -> None:
    pair = mutated(
        "server",
        only(ServerHello, lambda m: dataclasses.replace(m, cipher_suite=CipherSuite.TLS_CHACHA20_POLY1305_SHA256)),
        client={"cipher_suites": (CipherSuite.TLS_AES_128_GCM_SHA256,)},
    )
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "did not offer" in str(err)


def test_server_hello_with_a_share_for_an_unoffered_group_is_illegal_parameter() -> None:
    def other_group(m: ServerHello) -> ServerHello:
        share = ext.KeyShareServerHello(ext.KeyShareEntry(NamedGroup.SECP256R1, b"\x04" + bytes(64)))
        return dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.KeyShareServerHello, share))

    pair = mutated("server", only(ServerHello, other_group), client={"key_share_groups": (NamedGroup.X25519,)})
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "secp256r1" in str(err).lower()


def test_all_zero_x25519_share_from_the_server_is_illegal_parameter() -> None:
    def zero(m: ServerHello) -> ServerHello:
        share = ext.KeyShareServerHello(ext.KeyShareEntry(NamedGroup.X25519, bytes(32)))
        return dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.KeyShareServerHello, share))

    pair = mutated("server", only(ServerHello, zero), client={"key_share_groups": (NamedGroup.X25519,)})
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "x25519" in str(err).lower() and "all zeros" in str(err)


def test_all_zero_x25519_share_from_the_client_is_illegal_parameter() -> None:
    def zero(m: ClientHello) -> ClientHello:
        shares = ext.KeyShareClientHello((ext.KeyShareEntry(NamedGroup.X25519, bytes(32)),))
        return dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.KeyShareClientHello, shares))

    pair = mutated("client", only(ClientHello, zero), client={"key_share_groups": (NamedGroup.X25519,)})
    err = assert_failed(pair, "server", IllegalParameter, AD.ILLEGAL_PARAMETER, "ClientHello")
    assert "all zeros" in str(err)
    assert_peer_got(pair, "client", AD.ILLEGAL_PARAMETER)


def test_unoffered_extension_in_encrypted_extensions_is_unsupported_extension() -> None:
    def add_rsl(m: EncryptedExtensions) -> EncryptedExtensions:
        return EncryptedExtensions((*m.extensions, ext.RecordSizeLimit(1024)))

    pair = mutated("server", only(EncryptedExtensions, add_rsl))  # the client offered no record_size_limit
    err = assert_failed(pair, "client", UnsupportedExtension, AD.UNSUPPORTED_EXTENSION, "EncryptedExtensions")
    assert "record_size_limit" in str(err).lower()
    assert_peer_got(pair, "server", AD.UNSUPPORTED_EXTENSION)


def test_second_hello_retry_request_is_unexpected() -> None:
    hrr: list[bytes] = []

    def replay(direction: str, index: int, record: bytes) -> bytes:
        if direction == "s2c" and index == 0:
            hrr.append(record)
        if direction == "s2c" and index == 1:
            return hrr[0]  # instead of the ServerHello: the HelloRetryRequest again
        return record

    pair = Pair(
        client_config(key_share_groups=(NamedGroup.X25519,), **NO_CCS),
        server_config(groups=(NamedGroup.SECP256R1,), **NO_CCS),
        on_wire=replay,
    )
    pair.pump()
    err = assert_failed(pair, "client", UnexpectedMessage, AD.UNEXPECTED_MESSAGE, "HelloRetryRequest")
    assert "second HelloRetryRequest" in str(err)


def _as_tls12(m: ServerHello, sentinel: bytes | None) -> ServerHello:
    random = m.random[:24] + sentinel if sentinel else m.random
    exts = tuple(e for e in m.extensions if not isinstance(e, ext.SupportedVersionsServerHello))
    return dataclasses.replace(m, random=random, extensions=exts, legacy_version=ProtocolVersion.TLS12)


def test_downgrade_sentinel_is_illegal_parameter() -> None:
    pair = mutated("server", only(ServerHello, lambda m: _as_tls12(m, DOWNGRADE_TLS12)))
    err = assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "ServerHello")
    assert "downgrade" in str(err)


def test_tls12_server_hello_without_sentinel_is_protocol_version() -> None:
    # A TLS 1.3-only client (a client with TLS 1.2 enabled goes on in TLS 1.2: tests/test_handshake12_*.py).
    pair = mutated(
        "server", only(ServerHello, lambda m: _as_tls12(m, None)), client={"min_version": ProtocolVersion.TLS13}
    )
    assert_failed(pair, "client", ProtocolVersionError, AD.PROTOCOL_VERSION, "ServerHello")


# -- a ClientHello the server cannot serve ---------------------------------------------------------------------------


def test_client_hello_without_supported_versions_is_protocol_version() -> None:
    def strip(m: ClientHello) -> ClientHello:
        return dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.SupportedVersionsClientHello, None))

    # A TLS 1.3-only server: without supported_versions the client speaks TLS 1.2 at most (RFC 8446 4.2.1).
    pair = mutated("client", only(ClientHello, strip), server={"min_version": ProtocolVersion.TLS13})
    assert_failed(pair, "server", ProtocolVersionError, AD.PROTOCOL_VERSION, "ClientHello")
    assert_peer_got(pair, "client", AD.PROTOCOL_VERSION)


def test_no_common_cipher_suite_is_handshake_failure() -> None:
    pair = Pair(
        client_config(cipher_suites=(CipherSuite.TLS_AES_128_GCM_SHA256,)),
        server_config(cipher_suites=(CipherSuite.TLS_AES_256_GCM_SHA384,)),
    )
    pair.pump()
    err = assert_failed(pair, "server", HandshakeFailure, AD.HANDSHAKE_FAILURE, "ClientHello")
    assert "cipher suite" in str(err)
    assert_peer_got(pair, "client", AD.HANDSHAKE_FAILURE)


def test_no_common_group_is_handshake_failure() -> None:
    pair = Pair(
        client_config(groups=(NamedGroup.X25519,), key_share_groups=(NamedGroup.X25519,)),
        server_config(groups=(NamedGroup.SECP384R1,)),
    )
    pair.pump()
    err = assert_failed(pair, "server", HandshakeFailure, AD.HANDSHAKE_FAILURE, "ClientHello")
    assert "group" in str(err)
    assert_peer_got(pair, "client", AD.HANDSHAKE_FAILURE)


# -- Hypothesis: arbitrary bytes never escape as anything but TLSError, and never hang -------------------------------


@functools.cache
def _real_flights() -> tuple[bytes, bytes]:
    """A real ClientHello record and the server's answer to it (to mutate)."""
    pair = Pair(client_config(**NO_CCS), server_config(**NO_CCS))
    pair.handshake()
    return pair.wire.c2s[0], b"".join(pair.wire.s2c)


def _feed(conn: ClientConnection | ServerConnection, chunks: list[bytes]) -> None:
    try:
        for chunk in chunks:  # bounded: one call per chunk, each consumes its input
            conn.receive_data(chunk)
            conn.data_to_send()
            conn.events()
        conn.receive_eof()
    except TLSError as e:
        # The boundary turns a bug (IndexError, ValueError, ...) into InternalError: peer input must never
        # get that far (DESIGN rule 7), so an InternalError here is a failure too.
        assert not isinstance(e, InternalError), f"{e!r} caused by {e.__cause__!r}"
        assert e.step is not None, repr(e)
        assert conn.error is e
        # Once failed, the same error again: no second alert.
        conn.data_to_send()
        with pytest.raises(TLSError) as again:
            conn.receive_data(b"\x00")
        assert again.value is e


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for pos, value in edits:
        buf[pos % len(buf)] = value
    return bytes(buf)


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in [*points, len(data)]:
        out.append(data[last:p])
        last = p
    return out


records = st.builds(
    lambda ctype, version, body: bytes([ctype]) + version + len(body).to_bytes(2, "big") + body,
    st.sampled_from([20, 21, 22, 23, 24]),
    st.sampled_from([b"\x03\x03", b"\x03\x01", b"\x03\x04"]),
    st.binary(max_size=300),
)
edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8)
cuts = st.lists(st.integers(0, 10_000), max_size=4)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.one_of(st.binary(max_size=600), st.lists(records, max_size=4).map(b"".join)), cut=cuts)
def test_random_bytes_to_a_server(data: bytes, cut: list[int]) -> None:
    _feed(ServerConnection(server_config()), _chunked(data, cut))


@FUZZ
@given(e=edits, cut=cuts)
def test_mutated_client_hello_to_a_server(e: list[tuple[int, int]], cut: list[int]) -> None:
    hello, _ = _real_flights()
    _feed(ServerConnection(server_config()), _chunked(_mutate(hello, e), cut))


@FUZZ
@given(data=st.one_of(st.binary(max_size=600), st.lists(records, max_size=4).map(b"".join)), cut=cuts)
def test_random_bytes_to_a_client(data: bytes, cut: list[int]) -> None:
    client = ClientConnection(client_config(), server_name=HOST)
    client.start()
    client.data_to_send()
    _feed(client, _chunked(data, cut))


@FUZZ
@given(e=edits, cut=cuts)
def test_mutated_server_flight_to_a_client(e: list[tuple[int, int]], cut: list[int]) -> None:
    # The flight answers another ClientHello, so past ServerHello it fails at the latest on the keys; the
    # edits reach the ServerHello decoder and checks, and the record layer.
    _, flight = _real_flights()
    client = ClientConnection(client_config(**NO_CCS), server_name=HOST)
    client.start()
    client.data_to_send()
    _feed(client, _chunked(_mutate(flight, e), cut))


def test_split_records_helper_round_trips() -> None:
    hello, flight = _real_flights()
    assert b"".join(split_records(flight)) == flight and split_records(hello) == [hello]


# -- more meaning checks, one mutated message each ------------------------------------------------------------------


def test_empty_server_certificate_is_decode_error() -> None:
    pair = mutated("server", only(Certificate, lambda m: dataclasses.replace(m, certificate_list=())))
    assert_failed(pair, "client", DecodeError, AD.DECODE_ERROR, "server Certificate")
    assert_peer_got(pair, "server", AD.DECODE_ERROR)


def test_corrupt_server_signature_is_decrypt_error() -> None:
    def corrupt(m: CertificateVerify) -> CertificateVerify:
        return dataclasses.replace(m, signature=m.signature[:-1] + bytes([m.signature[-1] ^ 1]))

    pair = mutated("server", only(CertificateVerify, corrupt))
    err = pair.client_error
    assert isinstance(err, DecryptError)
    assert_failed(pair, "client", DecryptError, AD.DECRYPT_ERROR, err.step or "")
    assert err.step in ("server CertificateVerify", "signature")
    assert_peer_got(pair, "server", AD.DECRYPT_ERROR)


def test_server_signature_with_an_unoffered_scheme_is_illegal_parameter() -> None:
    def other(m: CertificateVerify) -> CertificateVerify:
        return dataclasses.replace(m, algorithm=SignatureScheme.ECDSA_SECP384R1_SHA384)

    pair = mutated(
        "server",
        only(CertificateVerify, other),
        client={"signature_schemes": (SignatureScheme.ECDSA_SECP256R1_SHA256,)},
    )
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "server CertificateVerify")


def test_corrupt_client_signature_is_decrypt_error() -> None:
    def corrupt(m: CertificateVerify) -> CertificateVerify:
        return dataclasses.replace(m, signature=bytes(len(m.signature)))

    pair = mutated(
        "client",
        only(CertificateVerify, corrupt),
        client={"client_certificate": chain_of(pki().client)},
        server={"client_auth": "required", "client_trust": pki().trust_store()},
    )
    err = pair.server_error
    assert isinstance(err, DecryptError), repr(err)
    assert_failed(pair, "server", DecryptError, AD.DECRYPT_ERROR, err.step or "")
    assert_peer_got(pair, "client", AD.DECRYPT_ERROR)


def test_alpn_the_client_did_not_offer_is_illegal_parameter() -> None:
    def swap(m: EncryptedExtensions) -> EncryptedExtensions:
        alpn = ext.ApplicationLayerProtocolNegotiation((b"spdy/1",))
        return EncryptedExtensions(_replace_ext(m.extensions, ext.ApplicationLayerProtocolNegotiation, alpn))

    pair = mutated(
        "server",
        only(EncryptedExtensions, swap),
        client={"alpn_protocols": ("h2",)},
        server={"alpn_protocols": ("h2",)},
    )
    assert_failed(pair, "client", IllegalParameter, AD.ILLEGAL_PARAMETER, "EncryptedExtensions")
    assert_peer_got(pair, "server", AD.ILLEGAL_PARAMETER)


def test_key_update_with_an_unknown_request_is_illegal_parameter() -> None:
    pair = Pair(server=server_config(session_tickets=0))
    pair.handshake()
    with pair.mutate("client", only(KeyUpdate, lambda m: KeyUpdate(KeyUpdateRequest(7)))):
        pair.call("client", lambda: pair.client.key_update(request_peer=False))
    pair.pump()
    assert_failed(pair, "server", IllegalParameter, AD.ILLEGAL_PARAMETER, "KeyUpdate")
    assert_peer_got(pair, "client", AD.ILLEGAL_PARAMETER)


def _second_hello_mutator(change: object) -> object:
    seen: list[ClientHello] = []

    def fn(m: HandshakeMessage) -> object:
        if not isinstance(m, ClientHello):
            return None
        seen.append(m)
        return change(m) if len(seen) == 2 else None  # type: ignore[operator]

    return fn


@pytest.mark.parametrize(
    "change",
    [
        lambda m: dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.Cookie, None)),
        lambda m: dataclasses.replace(m, extensions=_replace_ext(m.extensions, ext.Cookie, ext.Cookie(b"forged"))),
        lambda m: dataclasses.replace(m, random=bytes(32)),
    ],
    ids=["cookie-dropped", "cookie-forged", "random-changed"],
)
def test_second_client_hello_must_follow_the_retry(change: object) -> None:
    pair = mutated(
        "client",
        _second_hello_mutator(change),
        client={"key_share_groups": (NamedGroup.X25519,)},
        server={"groups": (NamedGroup.SECP256R1,)},
    )
    assert_failed(pair, "server", IllegalParameter, AD.ILLEGAL_PARAMETER, "second ClientHello")
    assert_peer_got(pair, "client", AD.ILLEGAL_PARAMETER)


def _with_unknown(extensions: tuple[ext.Extension, ...]) -> tuple[ext.Extension, ...]:
    return (*extensions, ext.UnknownExtension(ExtensionType(0x1234), b"\x00"))


def test_unoffered_unknown_extension_in_encrypted_extensions_is_named_by_its_own_type() -> None:
    """The error names the type on the wire (0x1234), not the placeholder of the class of unknown extensions."""
    pair = mutated("server", only(EncryptedExtensions, lambda m: EncryptedExtensions(_with_unknown(m.extensions))))
    err = assert_failed(pair, "client", UnsupportedExtension, AD.UNSUPPORTED_EXTENSION, "EncryptedExtensions")
    assert "0x1234" in str(err) and "0xffff" not in str(err).lower()


def test_unoffered_unknown_extension_in_server_hello_is_named_by_its_own_type() -> None:
    pair = mutated("server", only(ServerHello, _add_unknown))
    err = assert_failed(pair, "client", UnsupportedExtension, AD.UNSUPPORTED_EXTENSION, "ServerHello")
    assert "0x1234" in str(err) and "0xffff" not in str(err).lower()


def _add_unknown(m: ServerHello) -> ServerHello:
    return dataclasses.replace(m, extensions=_with_unknown(m.extensions))


def test_unoffered_unknown_extension_in_a_tls12_server_hello_is_named_by_its_own_type() -> None:
    pair = mutated(
        "server",
        only(ServerHello, _add_unknown),
        server={"max_version": ProtocolVersion.TLS12},
    )
    err = assert_failed(pair, "client", UnsupportedExtension, AD.UNSUPPORTED_EXTENSION, "ServerHello")
    assert "0x1234" in str(err) and "0xffff" not in str(err).lower()
