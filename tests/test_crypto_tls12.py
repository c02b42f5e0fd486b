"""TLS 1.2 suites, key derivation (RFC 5246 sections 5, 6.3, 7.4.9, 8.1; RFC 7627; RFC 5705), the RSA key
exchange (RFC 5246 section 7.4.7.1) and the transcript's TLS 1.2 additions.

Known answers come from public sources:
- the TLS 1.2 PRF vectors posted to the IETF TLS list (msg03416, "test label"), as used by Go, BearSSL, ...;
- NIST CAVP TLS 1.2 KDF vectors (master secret and key block), as carried by OpenSSL's
  test/recipes/30-test_evp_data/evpkdf_tls12_prf.txt;
- an "extended master secret" PRF vector from the same OpenSSL file;
- "The Illustrated TLS 1.2 Connection" (tls12.xargs.org, github.com/syncsynchalt/illustrated-tls12): a
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA session whose premaster, master secret, key block and both Finished
  values are printed (its keylog.txt holds the same master secret).
Where no vector exists, an independent PRF written here with the standard library cross-checks.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from glasstls import errors
from glasstls.crypto import tls12
from glasstls.crypto.key_schedule import tls12_prf
from glasstls.crypto.tls12 import (
    DEFAULT_TLS12_SUITES,
    LEGACY_CBC_SUITES,
    RSA_KEY_EXCHANGE_SUITES,
    TLS12_SUITES,
    DirectionKeys,
    export_keying_material,
    extended_master_secret,
    finished_verify_data,
    key_block,
    master_secret,
    rsa_decrypt_premaster,
    rsa_encrypt_premaster,
    server_key_exchange_signed_content,
)
from glasstls.crypto.transcript import Transcript
from glasstls.wire.enums import CipherSuite

C = CipherSuite
ECDHE_RSA_AES128_CBC = TLS12_SUITES[C.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
RSA_AES256_CBC = TLS12_SUITES[C.TLS_RSA_WITH_AES_256_CBC_SHA]
ECDSA_AES128_GCM = TLS12_SUITES[C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
ECDSA_AES256_GCM = TLS12_SUITES[C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
RSA_CHACHA = TLS12_SUITES[C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


def independent_prf(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """RFC 5246 section 5, written again with the standard library only."""
    full_seed = label + seed
    out = b""
    a = full_seed
    while len(out) < length:
        a = hmac.new(secret, a, hash_name).digest()
        out += hmac.new(secret, a + full_seed, hash_name).digest()
    return out[:length]


# -- suites -----------------------------------------------------------------------------------------


def test_suite_table() -> None:
    assert len(TLS12_SUITES) == 17
    assert {s for s, v in TLS12_SUITES.items() if v.key_exchange == "DHE_RSA"} == set(tls12.DHE_SUITES)
    assert all(s in TLS12_SUITES for s in DEFAULT_TLS12_SUITES + RSA_KEY_EXCHANGE_SUITES + LEGACY_CBC_SUITES)
    assert set(RSA_KEY_EXCHANGE_SUITES) == {C.TLS_RSA_WITH_AES_128_GCM_SHA256, C.TLS_RSA_WITH_AES_256_GCM_SHA384}
    assert set(LEGACY_CBC_SUITES) == {s for s, v in TLS12_SUITES.items() if not v.is_aead}
    assert DEFAULT_TLS12_SUITES == (
        C.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        C.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        C.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        C.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        C.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        C.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    )
    for s in DEFAULT_TLS12_SUITES:
        assert TLS12_SUITES[s].forward_secret and TLS12_SUITES[s].is_aead and not TLS12_SUITES[s].legacy


@pytest.mark.parametrize("suite", list(TLS12_SUITES.values()), ids=str)
def test_suite_parameters(suite: tls12.Tls12CipherSuite) -> None:
    name = str(suite)
    assert name == suite.suite.name and name.startswith("TLS_")
    assert suite.forward_secret == name.startswith(("TLS_ECDHE_", "TLS_DHE_"))
    if "GCM" in name:
        assert (suite.fixed_iv_len, suite.record_iv_len, suite.tag_len, suite.mac_len) == (4, 8, 16, 0)
        assert suite.hash_name == ("sha384" if name.endswith("SHA384") else "sha256")
    elif "CHACHA20" in name:
        assert (suite.fixed_iv_len, suite.record_iv_len, suite.key_len, suite.tag_len) == (12, 0, 32, 16)
    else:
        assert name.endswith("_CBC_SHA") and suite.legacy and not suite.is_aead
        assert (suite.fixed_iv_len, suite.record_iv_len, suite.mac_name, suite.mac_key_len) == (0, 16, "sha1", 20)
        assert suite.hash_name == "sha256"  # RFC 5246 section 5: the PRF is SHA-256 for the pre-1.2 suites
    assert suite.key_len == (32 if "AES_256" in name or "CHACHA" in name else 16)
    assert suite.hash_len == hashlib.new(suite.hash_name).digest_size
    assert suite.hash(b"abc") == hashlib.new(suite.hash_name, b"abc").digest()
    assert suite.hash_algorithm().name == suite.hash_name


def test_cipher_objects_check_keys() -> None:
    with pytest.raises(errors.InternalError):
        ECDSA_AES128_GCM.aead(bytes(32))
    with pytest.raises(errors.InternalError):
        ECDSA_AES128_GCM.cbc(bytes(16))
    with pytest.raises(errors.InternalError):
        ECDSA_AES128_GCM.mac(bytes(20))
    with pytest.raises(errors.InternalError):
        ECDHE_RSA_AES128_CBC.aead(bytes(16))
    with pytest.raises(errors.InternalError):
        ECDHE_RSA_AES128_CBC.cbc(bytes(32))
    with pytest.raises(errors.InternalError):
        ECDHE_RSA_AES128_CBC.mac(bytes(32))
    with pytest.raises(errors.InternalError):  # not whole blocks: a caller bug, still a TLSError
        ECDHE_RSA_AES128_CBC.cbc(bytes(16)).encrypt(bytes(16), b"abc")
    assert "CbcCipher" in repr(ECDHE_RSA_AES128_CBC.cbc(bytes(16)))
    assert "sha1" in repr(ECDHE_RSA_AES128_CBC.mac(bytes(20)))


def test_aead_decrypt_failure_is_bad_record_mac() -> None:
    for suite in (ECDSA_AES128_GCM, RSA_CHACHA):
        aead = suite.aead(bytes(suite.key_len))
        sealed = aead.encrypt(bytes(12), b"data", b"aad")
        assert aead.decrypt(bytes(12), sealed, b"aad") == b"data"
        with pytest.raises(errors.BadRecordMac):
            aead.decrypt(bytes(12), sealed, b"AAD")


def test_cbc_matches_raw_aes_cbc() -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key, iv, data = bytes(range(32)), bytes(range(16, 32)), bytes(range(64))
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    expected = enc.update(data) + enc.finalize()
    cbc = RSA_AES256_CBC.cbc(key)
    assert cbc.encrypt(iv, data) == expected
    assert cbc.decrypt(iv, expected) == data


def test_record_mac_is_hmac_sha1_and_counts_compressions() -> None:
    mac = ECDHE_RSA_AES128_CBC.mac(bytes(range(20)))
    assert mac.mac_len == 20
    assert mac.compute(b"message") == hmac.new(bytes(range(20)), b"message", "sha1").digest()
    assert mac.compute(b"message") == mac.compute(b"message")  # keyed once, copied per use

    # SHA-1: 64-byte blocks, 1 + 8 bytes of padding; HMAC adds a key block to the inner and outer hash, and
    # the outer hash of a 20-byte digest fits in one more block.
    def blocks(n: int) -> int:
        return (64 + n + 9 + 63) // 64 + 2

    for n in range(0, 300):
        assert mac.compression_blocks(n) == blocks(n), n
    assert mac.compression_blocks(55) == 4 and mac.compression_blocks(56) == 5
    for count in (0, 1, 5, 8, 9, 100, -1):
        mac.dummy_compressions(count)  # never raises, whatever the count


# -- PRF, master secret, key block ------------------------------------------------------------------


def test_prf_vectors_ietf_tls_list() -> None:
    """IETF TLS WG list, msg03416: the TLS 1.2 PRF with SHA-256 and SHA-384, label "test label"."""
    secret, seed = h("9bbe436ba940f017b17652849a71db35"), h("a0ba9f936cda311827a6f796ffd5198c")
    out = tls12_prf("sha256", secret, b"test label", seed, 100)
    assert out == h(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
        "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
        "87347b66"
    )
    secret, seed = h("b80b733d6ceefcdc71566ea48e5567df"), h("cd665cf6a8447dd6ff8b27555edb7465")
    out = tls12_prf("sha384", secret, b"test label", seed, 148)
    assert out == h(
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0"
        "e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b"
        "5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d"
        "73e56f"
    )


# NIST CAVP TLS 1.2 KDF (SHA-256), as in OpenSSL's evpkdf_tls12_prf.txt.
CAVP_PREMASTER = h(
    "f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc"
)
CAVP_MS_CLIENT_RANDOM = h("36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c")
CAVP_MS_SERVER_RANDOM = h("f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce")
CAVP_MASTER = h("202c88c00f84a17a20027079604787461176455539e705be730890602c289a5001e34eeb3a043e5d52a65e66125188bf")
CAVP_KB_CLIENT_RANDOM = h("62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616")
CAVP_KB_SERVER_RANDOM = h("ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868")
CAVP_KEY_BLOCK = h(
    "d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531016a2530c51a3a0f7e1d6590d0f0566b"
    "2f387f8d11fd4f731cdd572d2eae927f6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f"
    "1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928"
)


def test_master_secret_nist_cavp() -> None:
    for suite in (ECDSA_AES128_GCM, RSA_CHACHA, ECDHE_RSA_AES128_CBC):  # all use the SHA-256 PRF
        assert master_secret(suite, CAVP_PREMASTER, CAVP_MS_CLIENT_RANDOM, CAVP_MS_SERVER_RANDOM) == CAVP_MASTER
    # The SHA-384 suites use the SHA-384 PRF (RFC 5289 section 3.2): a different answer.
    other = master_secret(ECDSA_AES256_GCM, CAVP_PREMASTER, CAVP_MS_CLIENT_RANDOM, CAVP_MS_SERVER_RANDOM)
    assert other != CAVP_MASTER
    assert other == independent_prf(
        "sha384", CAVP_PREMASTER, b"master secret", CAVP_MS_CLIENT_RANDOM + CAVP_MS_SERVER_RANDOM, 48
    )


@pytest.mark.parametrize(
    "suite",
    [s for s in TLS12_SUITES.values() if s.hash_name == "sha256"],
    ids=str,
)
def test_key_block_nist_cavp(suite: tls12.Tls12CipherSuite) -> None:
    """RFC 5246 section 6.3: the key block split as client MAC, server MAC, client key, server key,
    client IV, server IV: slices of the CAVP key block (128 bytes covers every SHA-256 suite)."""
    kb = key_block(suite, CAVP_MASTER, CAVP_KB_CLIENT_RANDOM, CAVP_KB_SERVER_RANDOM)
    m, k, i = suite.mac_key_len, suite.key_len, suite.fixed_iv_len
    cuts = list(itertools.accumulate((0, m, m, k, k, i, i)))
    parts = [CAVP_KEY_BLOCK[a:b] for a, b in itertools.pairwise(cuts)]
    assert kb.client == DirectionKeys(parts[0], parts[2], parts[4])
    assert kb.server == DirectionKeys(parts[1], parts[3], parts[5])
    assert len(kb.client.key) == k and len(kb.client.iv) == i and len(kb.client.mac_key) == m


def test_key_block_sha384_cross_check() -> None:
    master, cr, sr = bytes(range(48)), bytes(range(32)), bytes(range(100, 132))
    kb = key_block(ECDSA_AES256_GCM, master, cr, sr)
    block = independent_prf("sha384", master, b"key expansion", sr + cr, 72)
    assert kb.client == DirectionKeys(b"", block[0:32], block[64:68])
    assert kb.server == DirectionKeys(b"", block[32:64], block[68:72])


def test_key_block_keys_are_not_in_repr() -> None:
    kb = key_block(ECDHE_RSA_AES128_CBC, CAVP_MASTER, CAVP_KB_CLIENT_RANDOM, CAVP_KB_SERVER_RANDOM)
    text = repr(kb)
    assert kb.client.key.hex() not in text and kb.client.mac_key.hex() not in text
    assert "DirectionKeys()" in text


def test_derivation_input_lengths_checked() -> None:
    with pytest.raises(errors.InternalError):
        master_secret(ECDSA_AES128_GCM, b"x", bytes(31), bytes(32))
    with pytest.raises(errors.InternalError):
        key_block(ECDSA_AES128_GCM, bytes(47), bytes(32), bytes(32))
    with pytest.raises(errors.InternalError):
        finished_verify_data(ECDSA_AES128_GCM, bytes(48), sender="peer", handshake_hash=bytes(32))  # type: ignore[arg-type]
    with pytest.raises(errors.InternalError):
        server_key_exchange_signed_content(bytes(32), bytes(33), b"")


# "The Illustrated TLS 1.2 Connection": TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA with predictable randoms.
ILL_CLIENT_RANDOM = bytes(range(0x00, 0x20))
ILL_SERVER_RANDOM = bytes(range(0x70, 0x90))
ILL_PREMASTER = h("df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624")
ILL_MASTER = h("916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c")


def test_illustrated_tls12_master_and_key_block() -> None:
    assert master_secret(ECDHE_RSA_AES128_CBC, ILL_PREMASTER, ILL_CLIENT_RANDOM, ILL_SERVER_RANDOM) == ILL_MASTER
    kb = key_block(ECDHE_RSA_AES128_CBC, ILL_MASTER, ILL_CLIENT_RANDOM, ILL_SERVER_RANDOM)
    assert kb.client.mac_key == h("1b7d117c7d5f690bc263cae8ef60af0f1878acc2")
    assert kb.server.mac_key == h("2ad8bdd8c601a617126f63540eb20906f781fad2")
    assert kb.client.key == h("f656d037b173ef3e11169f27231a84b6")
    assert kb.server.key == h("752a18e7a9fcb7cbcdd8f98dd8f769eb")
    assert kb.client.iv == kb.server.iv == b""  # TLS 1.2 CBC: explicit per-record IVs, nothing implicit


def test_illustrated_tls12_finished() -> None:
    """RFC 5246 section 7.4.9, with the handshake hashes the Illustrated connection prints."""
    client = finished_verify_data(
        ECDHE_RSA_AES128_CBC,
        ILL_MASTER,
        sender="client",
        handshake_hash=h("061dda04b3c2217ff73bd79b9cf88a2bb6ec505404aac8722db03ef417b54cb4"),
    )
    assert client == h("cf919626f1360c536aaad73a")
    server = finished_verify_data(
        ECDHE_RSA_AES128_CBC,
        ILL_MASTER,
        sender="server",
        handshake_hash=h("b2017ba28d0e27f03ae327456b6ff00b4d5bbf0ef7cda83ce1029b521c3e7c35"),
    )
    assert server == h("844d3c10746dd722f92f0c7e")


def test_finished_sha384_cross_check() -> None:
    master, hh = bytes(range(48)), hashlib.sha384(b"handshake").digest()
    for sender in ("client", "server"):
        got = finished_verify_data(ECDSA_AES256_GCM, master, sender=sender, handshake_hash=hh)
        assert got == independent_prf("sha384", master, f"{sender} finished".encode(), hh, 12)
        assert len(got) == 12


def test_extended_master_secret_vector() -> None:
    """RFC 7627 section 4: PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. The
    OpenSSL vector feeds 64 bytes of seed; the derivation takes the session hash as given."""
    secret = h("0102030405060708090a0b")
    seed = h(
        "36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c"
        "f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce"
    )
    assert extended_master_secret(ECDSA_AES128_GCM, secret, seed) == h(
        "8cb203c99a13871fd96cecd2770720df3c4ebd49e1cbc956fddb400f9c051fb69b63d7abb2f996f4e4d1ac0e9153f51b"
    )


def test_extended_master_secret_cross_check() -> None:
    premaster = bytes(range(32))
    for suite in (ECDSA_AES128_GCM, ECDSA_AES256_GCM):
        session_hash = suite.hash(b"ClientHello...ClientKeyExchange")
        ems = extended_master_secret(suite, premaster, session_hash)
        assert ems == independent_prf(suite.hash_name, premaster, b"extended master secret", session_hash, 48)
        # Not the classic master secret, whatever the randoms.
        assert ems != master_secret(suite, premaster, session_hash[:32], bytes(32))


def test_exporter_rfc5705() -> None:
    master, cr, sr = bytes(range(48)), bytes(range(32)), bytes(range(32, 64))
    label = b"EXPORTER-test"
    no_context = export_keying_material(ECDSA_AES128_GCM, master, cr, sr, label, None, 40)
    assert no_context == independent_prf("sha256", master, label, cr + sr, 40)
    empty = export_keying_material(ECDSA_AES128_GCM, master, cr, sr, label, b"", 40)
    assert empty == independent_prf("sha256", master, label, cr + sr + b"\x00\x00", 40)
    assert empty != no_context  # RFC 5705 section 4: no context differs from an empty one
    ctx = export_keying_material(ECDSA_AES256_GCM, master, cr, sr, label, b"abc", 64)
    assert ctx == independent_prf("sha384", master, label, cr + sr + b"\x00\x03abc", 64)
    assert export_keying_material(ECDSA_AES128_GCM, master, cr, sr, label, None, 0) == b""
    with pytest.raises(errors.UsageError):
        export_keying_material(ECDSA_AES128_GCM, master, cr, sr, label, bytes(0x10000), 16)
    with pytest.raises(errors.UsageError):
        export_keying_material(ECDSA_AES128_GCM, master, cr, sr, label, None, -1)


def test_server_key_exchange_signed_content() -> None:
    params = b"\x03\x00\x1d\x20" + bytes(32)
    assert server_key_exchange_signed_content(bytes(32), b"\x01" * 32, params) == bytes(32) + b"\x01" * 32 + params


# -- RSA key exchange -------------------------------------------------------------------------------

RSA_KEY = rsa.generate_private_key(65537, 2048)


def counting_random(seed: int = 0) -> tuple[list[int], Callable[[int], bytes]]:
    calls: list[int] = []
    counter = itertools.count(seed)

    def random(n: int) -> bytes:
        calls.append(n)
        return bytes((next(counter) & 0xFF,)) * n

    return calls, random


def test_rsa_premaster_round_trip() -> None:
    calls, random = counting_random(7)
    premaster, encrypted = rsa_encrypt_premaster(RSA_KEY.public_key(), 0x0303, random)
    assert premaster == b"\x03\x03" + b"\x07" * 46 and calls == [46]
    assert len(encrypted) == 256
    # Independent: the ciphertext is PKCS#1 v1.5 of the premaster.
    assert RSA_KEY.decrypt(encrypted, padding.PKCS1v15()) == premaster
    calls, random = counting_random(1)
    assert rsa_decrypt_premaster(RSA_KEY, encrypted, 0x0303, random) == premaster
    assert calls == [46]


def test_rsa_premaster_wrong_version_is_replaced() -> None:
    """RFC 5246 section 7.4.7.1: client_version || M[2..47]: the premaster the client used is not returned."""
    premaster = b"\x03\x01" + bytes(range(46))
    encrypted = RSA_KEY.public_key().encrypt(premaster, padding.PKCS1v15())
    _, random = counting_random()
    got = rsa_decrypt_premaster(RSA_KEY, encrypted, 0x0303, random)
    assert got == b"\x03\x03" + bytes(range(46)) and got != premaster


@pytest.mark.parametrize("length", [0, 1, 46, 47, 49, 100])
def test_rsa_premaster_wrong_length_gives_random(length: int) -> None:
    encrypted = RSA_KEY.public_key().encrypt(bytes(range(length)), padding.PKCS1v15())
    calls, random = counting_random(0x41)
    got = rsa_decrypt_premaster(RSA_KEY, encrypted, 0x0303, random)
    assert got == b"\x03\x03" + b"\x41" * 46 and calls == [46]


@pytest.mark.parametrize("size", [0, 1, 128, 255, 257, 512])
def test_rsa_premaster_wrong_ciphertext_size_gives_random(size: int) -> None:
    calls, random = counting_random(0x42)
    got = rsa_decrypt_premaster(RSA_KEY, bytes(size), 0x0303, random)
    assert got == b"\x03\x03" + b"\x42" * 46 and calls == [46]


def test_rsa_premaster_garbage_never_raises() -> None:
    """Bad PKCS#1 padding: with implicit rejection (OpenSSL 3.2+) decryption returns a pseudo-random message,
    otherwise it fails; either way 48 bytes that are not a premaster anyone chose, and no exception."""
    premaster, encrypted = rsa_encrypt_premaster(RSA_KEY.public_key(), 0x0303, lambda n: b"\x55" * n)
    for garbage in (bytes(256), b"\xff" * 256, encrypted[:-1] + bytes((encrypted[-1] ^ 1,)), b"\x01" * 256):
        calls, random = counting_random(0x43)
        got = rsa_decrypt_premaster(RSA_KEY, garbage, 0x0303, random)
        assert len(got) == 48 and got[:2] == b"\x03\x03" and got != premaster and calls == [46]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_rsa_premaster_any_bytes(encrypted: bytes) -> None:
    got = rsa_decrypt_premaster(RSA_KEY, encrypted, 0x0303, lambda n: b"\x99" * n)
    assert len(got) == 48 and got[:2] == b"\x03\x03"


def test_rsa_key_type_checks() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(errors.UnsupportedCertificate):
        rsa_encrypt_premaster(ec_key.public_key(), 0x0303, lambda n: bytes(n))
    with pytest.raises(errors.InternalError):  # our configuration, not the peer's input
        rsa_decrypt_premaster(ec_key, bytes(256), 0x0303, lambda n: bytes(n))


# -- transcript: TLS 1.2 suites and the kept messages ------------------------------------------------


def test_transcript_with_tls12_suite() -> None:
    t = Transcript()
    t.add(b"\x01\x00\x00\x01a")
    t.set_hash(ECDSA_AES256_GCM)
    t.add(b"\x02\x00\x00\x01b")
    assert t.digest() == hashlib.sha384(b"\x01\x00\x00\x01a\x02\x00\x00\x01b").digest()
    assert t.suite is ECDSA_AES256_GCM
    t.set_hash(TLS12_SUITES[C.TLS_RSA_WITH_AES_256_GCM_SHA384])  # same hash: fine
    with pytest.raises(errors.InternalError):
        t.set_hash(ECDSA_AES128_GCM)


def test_transcript_keep_messages() -> None:
    """RFC 5246 section 7.4.8: CertificateVerify signs handshake_messages themselves."""
    t = Transcript()
    with pytest.raises(errors.InternalError):
        t.messages()
    t.add(b"one")
    t.keep_messages()  # while buffering: the buffered messages are kept too
    t.keep_messages()  # idempotent
    t.add(b"two")
    t.set_hash(ECDSA_AES128_GCM)
    t.add(b"three")
    assert t.messages() == b"onetwothree"
    assert t.digest() == hashlib.sha256(b"onetwothree").digest()
    copy = t.copy()
    copy.add(b"four")
    assert t.messages() == b"onetwothree" and copy.messages() == b"onetwothreefour"


def test_transcript_keep_messages_too_late() -> None:
    t = Transcript()
    t.add(b"one")
    t.set_hash(ECDSA_AES128_GCM)
    with pytest.raises(errors.InternalError):
        t.keep_messages()
    fresh = Transcript()
    fresh.keep_messages()
    fresh.set_hash(ECDSA_AES128_GCM)
    fresh.add(b"x")
    assert fresh.messages() == b"x"
