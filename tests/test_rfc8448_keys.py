"""Known answers from RFC 8448 (Example Handshake Traces for TLS 1.3), TLS_AES_128_GCM_SHA256.

Every hex constant below is a value printed in RFC 8448 (section 3 "Simple 1-RTT Handshake", section 4
"Resumed 0-RTT Handshake", section 5 "HelloRetryRequest"); they are facts, transcribed, and the
transcript hashes are computed here from the RFC's own handshake message bytes.
"""

from __future__ import annotations

from glasstls.crypto.groups import respond_key_exchange, start_key_exchange
from glasstls.crypto.key_schedule import (
    EarlySecret,
    finished_key,
    finished_verify_data,
    resumption_psk,
    traffic_keys,
)
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.transcript import Transcript
from glasstls.wire.enums import CipherSuite, NamedGroup

SUITE = TLS13_SUITES[CipherSuite.TLS_AES_128_GCM_SHA256]


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


def fixed(value: bytes):  # type: ignore[no-untyped-def]
    """A Random that returns the RFC's private key bytes."""

    def random(n: int) -> bytes:
        assert n == len(value)
        return value

    return random


# ---------------------------------------------------------------------------------------------------------
# RFC 8448 section 3: Simple 1-RTT Handshake
# ---------------------------------------------------------------------------------------------------------

S3_CLIENT_PRIVATE = h("49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05")
S3_CLIENT_PUBLIC = h("99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c")
S3_SERVER_PRIVATE = h("b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 91 ec 8d 05 83 08 ce a2 16 a2 1e")
S3_SERVER_PUBLIC = h("c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f")

S3_CLIENT_HELLO = h("""
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
    02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
    00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
    26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
    1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
    05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01""")
S3_SERVER_HELLO = h("""
    02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
    d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
    56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04""")
S3_ENCRYPTED_EXTENSIONS = h("""
    08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02
    40 01 00 00 00 00""")
S3_CERTIFICATE = h("""
    0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09 2a 86 48
    86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d 31 36 30 37 33 30
    30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13
    03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4
    bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a
    91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b
    01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6
    d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18
    30 09 06 03 55 1d 13 04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d
    01 01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f 8a 7b 33 7d
    2d f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60
    96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb
    2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 2b 4d
    e1 00 00""")
S3_CERTIFICATE_VERIFY = h("""
    0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a b3 ff
    52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4
    f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81
    8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3""")
S3_SERVER_FINISHED = h("""
    14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f
    07 18""")
S3_CLIENT_FINISHED = h("""
    14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5
    ce 61""")

S3 = {
    "shared": "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d",
    "early": "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
    "handshake": "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac",
    "hello_hash": "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8",
    "c_hs": "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
    "s_hs": "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
    "master": "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919",
    "s_hs_key": "3fce516009c21727d0f2e4e86ee403bc",
    "s_hs_iv": "5d313eb2671276ee13000b30",
    "c_hs_key": "dbfaa693d1762c5b666af5d950258d01",
    "c_hs_iv": "5bd3c71b836e0b76bb73265f",
    "s_finished_key": "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8",
    "c_finished_key": "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4",
    "server_finished_hash": ("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"),
    "c_ap": "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
    "s_ap": "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
    "exp": "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50",
    "s_ap_key": "9f02283b6c9c07efc26bb9f2ac92e356",
    "s_ap_iv": "cf782b88dd83549aadf1e984",
    "c_ap_key": "17422dda596ed5d9acd890e3c63f5051",
    "c_ap_iv": "5b78923dee08579033e523d9",
    "client_finished_hash": ("209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d"),
    "res": "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c",
    "psk": "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3",
}
V3 = {name: h(value) for name, value in S3.items()}


def test_section3_key_exchange() -> None:
    client = start_key_exchange(NamedGroup.X25519, fixed(S3_CLIENT_PRIVATE))
    assert client.public_bytes() == S3_CLIENT_PUBLIC
    server_share, server_secret = respond_key_exchange(NamedGroup.X25519, S3_CLIENT_PUBLIC, fixed(S3_SERVER_PRIVATE))
    assert server_share == S3_SERVER_PUBLIC
    assert server_secret == V3["shared"]
    assert client.exchange(S3_SERVER_PUBLIC) == V3["shared"]


def test_section3_key_schedule() -> None:
    transcript = Transcript()
    transcript.add(S3_CLIENT_HELLO)
    transcript.add(S3_SERVER_HELLO)
    transcript.set_hash(SUITE)  # the suite is known from the ServerHello: buffered messages are hashed now
    hello_hash = transcript.digest()
    assert hello_hash == V3["hello_hash"]

    early = EarlySecret(SUITE)
    assert early.secret == V3["early"]
    hs = early.handshake_secret(V3["shared"])
    assert hs.secret == V3["handshake"]
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert c_hs == V3["c_hs"]
    assert s_hs == V3["s_hs"]
    assert traffic_keys(SUITE, s_hs) == (V3["s_hs_key"], V3["s_hs_iv"])
    assert traffic_keys(SUITE, c_hs) == (V3["c_hs_key"], V3["c_hs_iv"])
    assert finished_key(SUITE, s_hs) == V3["s_finished_key"]
    assert finished_key(SUITE, c_hs) == V3["c_finished_key"]

    for message in (S3_ENCRYPTED_EXTENSIONS, S3_CERTIFICATE, S3_CERTIFICATE_VERIFY):
        transcript.add(message)
    # Server Finished: verify_data over ClientHello..CertificateVerify (RFC 8446 section 4.4.4).
    assert finished_verify_data(SUITE, s_hs, transcript.digest()) == S3_SERVER_FINISHED[4:]
    transcript.add(S3_SERVER_FINISHED)
    server_finished_hash = transcript.digest()
    assert server_finished_hash == V3["server_finished_hash"]

    master = hs.master_secret()
    assert master.secret == V3["master"]
    c_ap = master.client_application_traffic_secret_0(server_finished_hash)
    s_ap = master.server_application_traffic_secret_0(server_finished_hash)
    assert c_ap == V3["c_ap"]
    assert s_ap == V3["s_ap"]
    assert master.exporter_master_secret(server_finished_hash) == V3["exp"]
    assert traffic_keys(SUITE, s_ap) == (V3["s_ap_key"], V3["s_ap_iv"])
    assert traffic_keys(SUITE, c_ap) == (V3["c_ap_key"], V3["c_ap_iv"])

    # Client Finished: over ClientHello..server Finished.
    assert finished_verify_data(SUITE, c_hs, server_finished_hash) == S3_CLIENT_FINISHED[4:]
    transcript.add(S3_CLIENT_FINISHED)
    assert transcript.digest() == V3["client_finished_hash"]
    res = master.resumption_master_secret(transcript.digest())
    assert res == V3["res"]
    # NewSessionTicket with ticket_nonce 00 00 (RFC 8446 section 4.6.1).
    assert resumption_psk(SUITE, res, b"\x00\x00") == V3["psk"]


def test_stage_reprs_hide_secrets() -> None:
    early = EarlySecret(SUITE)
    hs = early.handshake_secret(V3["shared"])
    master = hs.master_secret()
    for stage in (early, hs, master):
        text = repr(stage)
        assert stage.secret.hex() not in text and type(stage).__name__ in text


# ---------------------------------------------------------------------------------------------------------
# RFC 8448 section 4: Resumed 0-RTT Handshake (PSK from section 3's ticket)
# ---------------------------------------------------------------------------------------------------------

S4 = {
    "early": "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c",
    "binder_key": "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256",
    "binder_finished_key": ("5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa"),
    "binder_hash": "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14",
    "binder": "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d",
    "client_hello_hash": ("08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913"),
    "c_e": "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62",
    "e_exp": "b2026866610937d7423e5be90862ccf24c0e6091186d34f812089ff5be2ef7df",
}
V4 = {name: h(value) for name, value in S4.items()}


def test_section4_early_secrets() -> None:
    early = EarlySecret(SUITE, V3["psk"])
    assert early.secret == V4["early"]
    binder_key = early.binder_key(external=False)
    assert binder_key == V4["binder_key"]
    assert early.binder_key(external=True) != binder_key
    assert finished_key(SUITE, binder_key) == V4["binder_finished_key"]
    # The binder is a Finished MAC over the truncated ClientHello (RFC 8446 section 4.2.11.2).
    assert finished_verify_data(SUITE, binder_key, V4["binder_hash"]) == V4["binder"]
    assert early.client_early_traffic_secret(V4["client_hello_hash"]) == V4["c_e"]
    assert early.early_exporter_master_secret(V4["client_hello_hash"]) == V4["e_exp"]


# ---------------------------------------------------------------------------------------------------------
# RFC 8448 section 5: HelloRetryRequest (X25519 offered, server asks for P-256)
# ---------------------------------------------------------------------------------------------------------

S5_CLIENT_P256_PRIVATE = h("ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39")
S5_CLIENT_P256_PUBLIC = h("""
    04a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f01
    51812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780""")
S5_SERVER_P256_PRIVATE = h("8c510601f9765bfb8ed693449a48989859b5cfa879cb9f5443c41c5ff10634ed")
S5_SERVER_P256_PUBLIC = h("""
    04583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd8
    5b4c8de6776f5b04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d""")

S5_CLIENT_HELLO_1 = h("""
    010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010000
    810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3f3b93a25
    ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603020308040805
    080604010501060102010402050206020202002d00020101001c00024001""")
S5_HELLO_RETRY_REQUEST = h("""
    020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084003300020017
    002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21b
    b2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e784
    1dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304""")
S5_CLIENT_HELLO_2 = h(
    """
    010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010001
    cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da7392ec59
    1e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba73528305
    34159897e8065780002b0003020304000d0020001e0403050306030203080408050806040105010601020104020502060202
    02002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f2
    1bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7
    841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500af"""
    + "00" * 0xAF
)
S5_SERVER_HELLO = h("""
    020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f003300450017
    004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3
    d9c547bc6528c4317d294686093a6cad7d002b00020304""")
# The server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished) as printed
# in RFC 8448 section 5 ("{server}  send handshake record", payload, 645 octets).
S5_SERVER_FLIGHT = h("""
    080000180016000a0008000600170018001d001c00024001000000000b0001b9000001b50001b0308201ac30820115a00302
    0102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d31363037333030313233
    35395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101
    050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d0
    15abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846
    748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a3018
    30090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b927
    6b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156
    726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409b
    a3eac9d91d402dcc0cc8f8961229ac9187b42b4de100000f0000840804008033ab13d4462707231b5dcae6c8190b63d1dabc
    74f28c395370da0b07e5b83066d0246a31acd95df475bfd799a4a70d33ad93d3a317a9b2c0d237a5685b219e774112e391a2
    47607d1aeff1bbd0a39f382ee1a5fe88ae99ec59228e6497e45d48ce275a6d5ef40d169fb6f9d33b052ed3dcdd6b5a48baaf
    ffbcb290128415bd38140000208863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1""")

S5 = {
    "shared": "c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4",
    "early": "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
    "handshake": "ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148",
    "hello_hash": "8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8",
    "c_hs": "158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566",
    "s_hs": "3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1",
    "master": "1131545d0baf79ddce9b87f06945781a57dd18ef378dcd2060f8f9a569027ed8",
    "s_hs_key": "4646bfac1712c426cd78d8a24a8a6f6b",
    "s_hs_iv": "c7d395c08d62f297d13768ea",
    "server_finished_hash": "50f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950b2b7ce9509da",
    "c_ap": "75ecf4b972525aa0dcd057c9944d4cd5d82671d8843141d7dc2a4ff15a21dc51",
    "s_ap": "5c74f87df04225db0f8209c9de6429e49435fdefa7cad61864874d12f31cfc8d",
    "exp": "7c06d3ae106a3a374ace4837b3985cac67780a6e2c5c04b58319d584df09d223",
    "c_ap_key": "a7eb2a0525eb4331d58fcbf9f7ca2e9c",
    "c_ap_iv": "86e8be227c1bd2b3e39cb444",
    "client_finished_hash": "0e8b349158b855fdcd0c11dbbc4e83e43caa6e483c6c65df53151888e50165f4",
    "res": "09170c6d472721566f9cf99b08699daff561ec8fb22d5a32c3f94ce009b69975",
}
V5 = {name: h(value) for name, value in S5.items()}


def split_messages(flight: bytes) -> list[bytes]:
    """Cut a run of handshake messages at their 4-byte headers (type, uint24 length)."""
    messages = []
    while flight:
        length = int.from_bytes(flight[1:4], "big")
        messages.append(flight[: 4 + length])
        flight = flight[4 + length :]
    return messages


def test_section5_key_exchange_p256() -> None:
    client = start_key_exchange(NamedGroup.SECP256R1, fixed(S5_CLIENT_P256_PRIVATE))
    assert client.public_bytes() == S5_CLIENT_P256_PUBLIC
    share, secret = respond_key_exchange(NamedGroup.SECP256R1, S5_CLIENT_P256_PUBLIC, fixed(S5_SERVER_P256_PRIVATE))
    assert share == S5_SERVER_P256_PUBLIC
    assert secret == V5["shared"]
    assert client.exchange(S5_SERVER_P256_PUBLIC) == V5["shared"]


def test_section5_hello_retry_request_transcript_and_schedule() -> None:
    transcript = Transcript()
    transcript.add(S5_CLIENT_HELLO_1)
    transcript.set_hash(SUITE)  # the HelloRetryRequest names the suite
    transcript.hrr_restart()  # ClientHello1 -> message_hash (RFC 8446 section 4.4.1)
    transcript.add(S5_HELLO_RETRY_REQUEST)
    transcript.add(S5_CLIENT_HELLO_2)
    transcript.add(S5_SERVER_HELLO)
    transcript.set_hash(SUITE)  # the ServerHello repeats the suite: harmless
    hello_hash = transcript.digest()
    assert hello_hash == V5["hello_hash"]

    early = EarlySecret(SUITE)
    assert early.secret == V5["early"]
    hs = early.handshake_secret(V5["shared"])
    assert hs.secret == V5["handshake"]
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert (c_hs, s_hs) == (V5["c_hs"], V5["s_hs"])
    assert traffic_keys(SUITE, s_hs) == (V5["s_hs_key"], V5["s_hs_iv"])

    *before_finished, server_finished = split_messages(S5_SERVER_FLIGHT)
    assert [m[0] for m in before_finished] == [8, 11, 15] and server_finished[0] == 20
    for message in before_finished:
        transcript.add(message)
    assert finished_verify_data(SUITE, s_hs, transcript.digest()) == server_finished[4:]
    transcript.add(server_finished)
    server_finished_hash = transcript.digest()
    assert server_finished_hash == V5["server_finished_hash"]

    master = hs.master_secret()
    assert master.secret == V5["master"]
    c_ap = master.client_application_traffic_secret_0(server_finished_hash)
    assert c_ap == V5["c_ap"]
    assert master.server_application_traffic_secret_0(server_finished_hash) == V5["s_ap"]
    assert master.exporter_master_secret(server_finished_hash) == V5["exp"]
    assert traffic_keys(SUITE, c_ap) == (V5["c_ap_key"], V5["c_ap_iv"])
    # The client Finished of section 5 is only printed encrypted; its transcript hash is printed.
    assert master.resumption_master_secret(V5["client_finished_hash"]) == V5["res"]
