"""The work one hello costs is bounded (issue 9 item 10): unknown values are cheap, and each peer-chosen list is
examined up to a named bound (glasstls.wire.limits), beyond which the message is refused with decode_error.

Work is counted, never timed: how many pseudo-members (unknown enum values) a decode made, whether their names
(the IANA table look-up) were made. The CPU time of a hostile hello is measured by hand with
tests/manual_hello_cost.py.
"""

from __future__ import annotations

import pytest

from glasstls.connection import ServerConnection
from glasstls.errors import DecodeError, TLSError
from glasstls.wire import enums, limits
from glasstls.wire import extensions as ext
from glasstls.wire.enums import AlertDescription, CipherSuite, ExtensionType, NamedGroup, SignatureScheme
from glasstls.wire.messages import Certificate, Certificate12, CertificateEntry, ClientHello
from handshake_pair import plaintext_record, server_config


def unknown_values(known: type, count: int, start: int = 0x0100) -> list[int]:
    members = {int(m) for m in known}
    values = [v for v in range(start, 0xFFFF) if v not in members and not enums.is_grease(v)]
    return values[:count]


def hello(suites: int = 1, extensions: tuple[ext.Extension, ...] = ()) -> ClientHello:
    cipher_suites = (CipherSuite.TLS_AES_128_GCM_SHA256, *map(CipherSuite, unknown_values(CipherSuite, suites - 1)))
    base = (
        ext.SupportedVersionsClientHello((enums.ProtocolVersion.TLS13,)),
        ext.SupportedGroups((NamedGroup.X25519,)),
        ext.SignatureAlgorithms((SignatureScheme.ECDSA_SECP256R1_SHA256,)),
        ext.KeyShareClientHello((ext.KeyShareEntry(NamedGroup.X25519, bytes(range(32))),)),
    )
    replaced = {type(e) for e in extensions}
    return ClientHello(
        bytes(32), bytes(32), cipher_suites, tuple(e for e in base if type(e) not in replaced) + extensions
    )


def decode(message: ClientHello) -> ClientHello:
    return ClientHello.decode_body(message.encode()[4:])


def refused(message: ClientHello, words: str) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode(message)
    assert words in str(caught.value), str(caught.value)
    assert caught.value.alert == AlertDescription.DECODE_ERROR
    return caught.value


# -- unknown values are cheap ------------------------------------------------------------------------------------


def test_unknown_values_are_made_without_their_names() -> None:
    """Decoding makes a pseudo-member per unknown value, without its name (the IANA table look-up that made each
    one cost ~3.5 us); the name is made when printed, and is the same as before."""
    message = hello(41)
    enums._pseudo_members.clear()
    made = [s for s in decode(message).cipher_suites if not s.known]
    assert len(made) == 40 and len(enums._pseudo_members[CipherSuite][0]) == 40
    assert all("_name_" not in vars(s) for s in made)  # no name made while decoding
    assert str(made[0]) == f"UNKNOWN_0x{int(made[0]):04x}" and "_name_" in vars(made[0])  # made when printed
    assert str(CipherSuite(0xC030)) == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    assert repr(CipherSuite(0x0A0A)) == "<CipherSuite.GREASE_0x0a0a: 0x0a0a>"
    assert f"{NamedGroup(0x7777)}" == "UNKNOWN_0x7777" and NamedGroup(0x7777).name == "UNKNOWN_0x7777"
    assert CipherSuite(0x7777) == 0x7777 and hash(CipherSuite(0x7777)) == hash(0x7777)
    assert not CipherSuite(0x7777).known and CipherSuite.TLS_AES_128_GCM_SHA256.known


def test_pseudo_members_are_kept_and_bounded() -> None:
    """A value seen again is the same object (not made again); the cache holds at most MAX_PSEUDO_MEMBERS per
    enum, whatever the peer sends."""
    enums._pseudo_members.clear()
    first = SignatureScheme(0x7F01)
    assert SignatureScheme(0x7F01) is first
    for value in unknown_values(SignatureScheme, 3 * enums.MAX_PSEUDO_MEMBERS):
        SignatureScheme(value)
        assert len(enums._pseudo_members[SignatureScheme][0]) <= enums.MAX_PSEUDO_MEMBERS
    with pytest.raises(ValueError):
        SignatureScheme(0x10000)


# -- each list is bounded ----------------------------------------------------------------------------------------


def test_cipher_suites_beyond_the_bound_are_refused_before_any_is_examined() -> None:
    bound = limits.MAX_CIPHER_SUITES
    assert len(decode(hello(bound)).cipher_suites) == bound
    message = hello(bound + 1)
    enums._pseudo_members.clear()
    refused(message, f"cipher_suites: {bound + 1} items; glasstls examines at most {bound}")
    assert CipherSuite not in enums._pseudo_members  # refused before a single unknown suite was made
    refused(hello(0x7FFF), "cipher_suites: 32767 items")


@pytest.mark.parametrize(
    ("make", "bound", "words"),
    [
        (lambda n: ext.SupportedGroups(tuple(map(NamedGroup, unknown_values(NamedGroup, n)))),
         limits.MAX_NAMED_GROUPS, "named_group_list"),
        (lambda n: ext.SignatureAlgorithms(tuple(map(SignatureScheme, unknown_values(SignatureScheme, n)))),
         limits.MAX_SIGNATURE_SCHEMES, "SIGNATURE_ALGORITHMS extension.supported_signature_algorithms"),
        (lambda n: ext.SignatureAlgorithmsCert(tuple(map(SignatureScheme, unknown_values(SignatureScheme, n)))),
         limits.MAX_SIGNATURE_SCHEMES, "SIGNATURE_ALGORITHMS_CERT extension.supported_signature_algorithms"),
        (lambda n: ext.KeyShareClientHello(
            tuple(ext.KeyShareEntry(NamedGroup(g), b"\x01") for g in unknown_values(NamedGroup, n))),
         limits.MAX_KEY_SHARES, "client_shares: more than"),
        (lambda n: ext.PreSharedKeyClientHello(
            tuple(ext.PskIdentity(b"t%d" % i, 0) for i in range(n)), tuple(bytes(32) for _ in range(n))),
         limits.MAX_PSK_IDENTITIES, "identities: more than"),
        (lambda n: ext.ApplicationLayerProtocolNegotiation(tuple(b"p%d" % i for i in range(n))),
         limits.MAX_ALPN_PROTOCOLS, "protocol_name_list: more than"),
    ],
    ids=["supported_groups", "signature_algorithms", "signature_algorithms_cert", "key_share", "pre_shared_key",
         "alpn"],
)
def test_each_list_beyond_its_bound_is_refused(make: object, bound: int, words: str) -> None:
    at_bound = make(bound)  # type: ignore[operator]
    assert decode(hello(extensions=(at_bound,))) is not None
    refused(hello(extensions=(make(bound + 1),)), words)  # type: ignore[operator]


def test_psk_binders_beyond_the_bound_are_refused() -> None:
    """RFC 8446 section 4.2.11: one binder per identity; a list of binders longer than the bound is refused too."""
    n = limits.MAX_PSK_IDENTITIES
    offer = ext.PreSharedKeyClientHello(
        tuple(ext.PskIdentity(b"t%d" % i, 0) for i in range(n)), tuple(bytes(32) for _ in range(n + 1))
    )
    refused(hello(extensions=(offer,)), "binders: more than")


@pytest.mark.parametrize("malformed", [False, True])
def test_extensions_beyond_the_bound_are_refused(malformed: bool) -> None:
    """Well formed, or with a trailing byte that sends the block to the field-by-field reader: the same bound."""
    known = len(hello().extensions)
    codes = unknown_values(ExtensionType, limits.MAX_EXTENSIONS + 1 - known, start=0x1000)
    at_bound = tuple(ext.UnknownExtension(ExtensionType(c), b"") for c in codes[:-1])
    assert len(decode(hello(extensions=at_bound)).extensions) == limits.MAX_EXTENSIONS
    over = hello(extensions=(*at_bound, ext.UnknownExtension(ExtensionType(codes[-1]), b"")))
    if not malformed:
        refused(over, f"extensions: more than {limits.MAX_EXTENSIONS} items")
        return
    body = bytearray(over.encode()[4:])
    block = len(body) - sum(len(e.encode()) for e in over.extensions) - 2
    body[block : block + 2] = (int.from_bytes(body[block : block + 2], "big") + 1).to_bytes(2, "big")
    with pytest.raises(DecodeError) as caught:
        ClientHello.decode_body(bytes(body) + b"\x00")
    assert f"more than {limits.MAX_EXTENSIONS} items" in str(caught.value)


@pytest.mark.parametrize("version", ["TLS 1.3", "TLS 1.2"])
def test_certificates_beyond_the_bound_are_refused(version: str) -> None:
    """A Certificate message of more than MAX_CERTIFICATES entries is refused before the entries beyond are made
    (pki refuses more than 100 anyway; this bounds the decoding of 40,000 empty entries in 256 KiB)."""
    bound = limits.MAX_CERTIFICATES

    def message(n: int) -> Certificate | Certificate12:
        if version == "TLS 1.3":
            return Certificate(b"", tuple(CertificateEntry(b"\x30", ()) for _ in range(n)))
        return Certificate12(tuple(b"\x30" for _ in range(n)))

    kind = type(message(0))
    assert len(kind.decode_body(message(bound).encode()[4:]).certificate_list) == bound
    with pytest.raises(DecodeError) as caught:
        kind.decode_body(message(bound + 1).encode()[4:])
    assert f"certificate_list: more than {bound} items" in str(caught.value)


# -- end to end ----------------------------------------------------------------------------------------------------


def records(message: ClientHello) -> bytes:
    data = message.encode()
    return b"".join(
        plaintext_record(enums.ContentType.HANDSHAKE, data[i : i + 2**14], 0x0301) for i in range(0, len(data), 2**14)
    )


def test_server_refuses_a_maximal_hello_with_decode_error_and_answers_one_at_the_bounds() -> None:
    server = ServerConnection(server_config())
    with pytest.raises(TLSError) as caught:
        server.receive_data(records(hello(0x7FFF)))
    assert caught.value.alert == AlertDescription.DECODE_ERROR and caught.value.step == "ClientHello"
    assert server.data_to_send() == b"\x15\x03\x03\x00\x02\x02\x32"  # fatal decode_error, in plaintext
    # The control: every list at its bound still gets a ServerHello.
    groups = ext.SupportedGroups((NamedGroup.X25519, *map(NamedGroup, unknown_values(NamedGroup, 200))))
    server = ServerConnection(server_config())
    server.receive_data(records(hello(limits.MAX_CIPHER_SUITES, (groups,))))
    assert server.data_to_send()[:1] == b"\x16" and server.error is None
