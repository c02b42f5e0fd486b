"""Field spans (issue 16): every byte of every record of a handshake belongs to exactly one annotated field.

The records are those a connection captured (glasstls.record.capture); the fields are what the decoders of wire/
recorded when the page model decoded each message's raw bytes again (glasstls.wire.spans).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glasstls.page import watch
from glasstls.page.model import Picture, build_picture
from glasstls.record.capture import CapturedRecord, RecordCapture
from glasstls.wire.enums import CipherSuite, NamedGroup, ProtocolVersion
from glasstls.wire.spans import Span, annotate_message
from handshake_pair import Pair, chain_of, client_config, pki, server_config, server_credential

LEGACY = {"allow_rsa_key_exchange": True, "allow_legacy_cbc": True, "allow_dhe": True}


def _captured(pair: Pair) -> tuple[RecordCapture, RecordCapture]:
    return watch(pair.client), watch(pair.server)


def _assert_tiled(size: int, leaves: list[Span], what: str) -> None:
    """Every byte of ``size`` in exactly one leaf, and no leaf left undecoded."""
    owners = [0] * size
    for span in leaves:
        assert span.length > 0, (what, span)
        assert span.name != "not decoded", (what, span)
        for i in range(span.offset, span.end):
            owners[i] += 1
    assert owners == [1] * size, (what, [i for i, n in enumerate(owners) if n != 1][:10])


def _assert_every_byte_annotated(picture: Picture) -> None:
    assert picture.records
    for record in picture.records:
        _assert_tiled(len(record.raw), [s for s, _ in record.leaves], f"record {record.index}")
        if record.encrypted and record.content is not None and record.content_type != "APPLICATION_DATA":
            _assert_tiled(len(record.content), [s for s, _ in record.content_leaves], f"content of {record.index}")
    for message in picture.messages:
        assert message.error is None, (message.name, message.error)


@pytest.mark.parametrize("cookie", [True, False])
def test_every_byte_of_a_tls13_handshake_with_hello_retry_request(cookie: bool) -> None:
    pair = Pair(
        client_config(key_share_groups=(NamedGroup.X25519,), record_size_limit=256),
        server_config(groups=(NamedGroup.SECP384R1,), hello_retry_cookie=cookie),
    )
    client, server = _captured(pair)
    pair.handshake()
    for capture, side in ((client, "client"), (server, "server")):
        picture = build_picture(capture.records, side)  # type: ignore[arg-type]
        _assert_every_byte_annotated(picture)
        names = [m.name for m in picture.messages]
        assert names[:2] == ["ClientHello", "HelloRetryRequest"]
        assert names.count("ClientHello") == 2
        assert "Certificate" in names and "Finished" in names
        # The server's flight of 1.2 KiB crosses records of at most 256 bytes: one message over several records.
        assert any(len(m.records) > 1 for m in picture.messages)
        assert picture.version == str(ProtocolVersion.TLS13)


@pytest.mark.parametrize(
    "suite",
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    ],
)
def test_every_byte_of_a_tls12_handshake_with_client_authentication(suite: CipherSuite) -> None:
    kind = "ecdsa-p256" if "ECDSA" in suite.name else "rsa-2048"
    pair = Pair(
        client_config(
            max_version=ProtocolVersion.TLS12,
            cipher_suites=(suite,),
            client_certificate=chain_of(pki().client),
            **LEGACY,
        ),
        server_config(
            certificates=(chain_of(server_credential(kind)),),  # type: ignore[arg-type]
            client_auth="required",
            client_trust=pki().trust_store(),
            **LEGACY,
        ),
    )
    client, server = _captured(pair)
    pair.handshake()
    for capture, side in ((client, "client"), (server, "server")):
        picture = build_picture(capture.records, side)  # type: ignore[arg-type]
        _assert_every_byte_annotated(picture)
        names = [m.name for m in picture.messages]
        for name in (
            "ClientHello",
            "ServerHello",
            "Certificate",
            "CertificateRequest",
            "ServerHelloDone",
            "ClientKeyExchange",
            "CertificateVerify",
            "ChangeCipherSpec",
            "Finished",
        ):
            assert name in names, (name, names)
        assert picture.version == str(ProtocolVersion.TLS12)


def test_a_message_that_does_not_decode_keeps_its_bytes_as_one_undecoded_field() -> None:
    # A ServerHello cut short inside its random: the spans read before the error, then the rest, undecoded.
    raw = bytes((2,)) + (10).to_bytes(3, "big") + b"\x03\x03" + b"\x00" * 8
    annotation = annotate_message(raw)
    assert annotation.error is not None and "random" in annotation.error
    assert [s.name for s in annotation.leaves] == ["msg_type", "length", "legacy_version", "not decoded"]
    assert sum(s.length for s in annotation.leaves) == len(raw)


def test_no_reader_is_adopted_outside_an_annotating_pass() -> None:
    from glasstls.wire import codec

    assert codec._span_hook is None
    assert type(codec.Reader(b"\x00")) is codec.Reader


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tls12=st.booleans(),
    hello_retry=st.booleans(),
    client_auth=st.booleans(),
    record_size_limit=st.integers(64, 1 << 14),
)
def test_every_byte_is_annotated_whatever_the_record_sizes(
    tls12: bool, hello_retry: bool, client_auth: bool, record_size_limit: int
) -> None:
    """The property over handshakes that differ in version, HelloRetryRequest, client authentication, and how
    the peer's flights are cut into records (RFC 8449 record_size_limit)."""
    client: dict[str, object] = {"record_size_limit": record_size_limit}
    server: dict[str, object] = {"record_size_limit": record_size_limit}
    if tls12:
        client["max_version"] = ProtocolVersion.TLS12
    elif hello_retry:
        client["key_share_groups"] = (NamedGroup.X25519,)
        server["groups"] = (NamedGroup.SECP384R1,)
    if client_auth:
        client["client_certificate"] = chain_of(pki().client)
        server.update(client_auth="required", client_trust=pki().trust_store())
    pair = Pair(client_config(**client), server_config(**server))
    captured = _captured(pair)
    pair.handshake()
    for capture, side in zip(captured, ("client", "server"), strict=True):
        _assert_every_byte_annotated(build_picture(capture.records, side))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(content=st.binary(min_size=1, max_size=300), encrypted=st.booleans(), content_type=st.sampled_from([20, 21, 22]))
def test_a_hostile_record_never_breaks_the_picture(content: bytes, encrypted: bool, content_type: int) -> None:
    """Whatever a peer sends (a serve --html page is made of a stranger's bytes): the picture is made, every byte
    of the record is in exactly one leaf, undecodable parts named as such."""
    header = bytes((23 if encrypted else content_type, 3, 3)) + len(content).to_bytes(2, "big")
    records = [CapturedRecord("received", 0.0, header + content, content_type, content, encrypted)]
    picture = build_picture(records, "server")
    record = picture.records[0]
    leaves = [s for s, _ in (record.content_leaves if encrypted else record.leaves)]
    size = len(content) if encrypted else len(record.raw)
    owners = [0] * size
    for span in leaves:
        for i in range(span.offset, span.end):
            owners[i] += 1
    assert owners == [1] * size
    assert picture.messages
