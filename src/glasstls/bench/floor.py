"""The floor: the cryptographic work both endpoints of a handshake cannot avoid, done with ``cryptography``
directly (a lower bound, not a TLS implementation)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import PolicyBuilder, Store

from glasstls.bench.cases import HOST, RECORD, CertKind, Material
from glasstls.wire.enums import CipherSuite

# -- the cryptography floor ------------------------------------------------------------------------------

_SHA256 = hashes.SHA256()
_ZEROS = bytes(32)
_EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")  # SHA-256("")
# Stand-ins for the transcript hashes (the floor hashes no messages; see FloorHandshake).
_TH_HELLO = bytes(range(32))
_TH_SERVER_FINISHED = bytes(range(32, 64))


def _expand_label(secret: bytes, label: bytes, context: bytes, length: int = 32) -> bytes:
    """HKDF-Expand-Label (RFC 8446 section 7.1) with cryptography's HKDFExpand."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return HKDFExpand(_SHA256, length, info).derive(secret)


def _hmac(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, _SHA256)
    h.update(data)
    return h.finalize()


def _one_side_key_schedule(shared_secret: bytes) -> tuple[bytes, bytes]:
    """One endpoint's TLS 1.3 key schedule without PSK (RFC 8446 section 7.1, 7.3, 4.4.4).

    3 HKDF-Extract (HMAC) and 17 HKDF-Expand-Label: 2 "derived", 5 secrets (c/s hs traffic, c/s ap
    traffic, exp master), key + iv for the 4 traffic secrets (8), and the 2 finished keys.
    Returns (client finished key, server finished key).
    """
    early = _hmac(_ZEROS, _ZEROS)
    handshake = _hmac(_expand_label(early, b"derived", _EMPTY_HASH), shared_secret)
    c_hs = _expand_label(handshake, b"c hs traffic", _TH_HELLO)
    s_hs = _expand_label(handshake, b"s hs traffic", _TH_HELLO)
    master = _hmac(_expand_label(handshake, b"derived", _EMPTY_HASH), _ZEROS)
    c_ap = _expand_label(master, b"c ap traffic", _TH_SERVER_FINISHED)
    s_ap = _expand_label(master, b"s ap traffic", _TH_SERVER_FINISHED)
    _expand_label(master, b"exp master", _TH_SERVER_FINISHED)
    for secret in (c_hs, s_hs, c_ap, s_ap):
        _expand_label(secret, b"key", b"", 16)
        _expand_label(secret, b"iv", b"", 12)
    return _expand_label(c_hs, b"finished", b""), _expand_label(s_hs, b"finished", b"")


class FloorHandshake:
    """The primitive work of one TLS 1.3 handshake (x25519, one server certificate), both endpoints.

    Exactly, per handshake:

    * X25519: 2 key generations (client, server) and 2 exchanges (each side computes the shared secret).
    * Client: parse the 2 received DER certificates (leaf, intermediate) and verify the chain and the name
      ``localhost`` with ``cryptography.x509.verification`` (verifier built per handshake, at the current
      time; the ``Store`` of the root is built once, as a trust store would be).
    * CertificateVerify: 1 signature by the server's key over the RFC 8446 section 4.4.3 content
      (ECDSA P-256 with SHA-256, or RSA-PSS-RSAE-SHA256) and 1 verification by the client.
    * Key schedule on each side: 3 HKDF-Extract and 17 HKDF-Expand-Label (34 Expand-Label and 6 Extract
      in all; see :func:`_one_side_key_schedule`).
    * Finished: 2 HMACs (client and server Finished) computed by their senders and recomputed by their
      receivers: 4 HMACs.

    Left out (small, and not "primitive"): transcript hashing, message encoding/parsing, the AEAD
    protection of the handshake records, random bytes for the hellos.
    """

    def __init__(self, material: Material, kind: CertKind) -> None:
        ic = material.pki.server_ecdsa if kind == "ecdsa" else material.pki.server_rsa
        self.ders = [c.public_bytes(Encoding.DER) for c in (ic.certificate, *ic.chain)]
        self.store = Store([material.pki.root.certificate])
        key = ic.key
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError("the floor handles ECDSA and RSA certificates")
        self.key = key
        self.content = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00" + _TH_HELLO

    def run(self) -> None:
        # Key exchange (RFC 8446 section 7.4.2).
        client_key = X25519PrivateKey.generate()
        server_key = X25519PrivateKey.generate()
        client_share = client_key.public_key().public_bytes_raw()
        server_share = server_key.public_key().public_bytes_raw()
        server_secret = server_key.exchange(X25519PublicKey.from_public_bytes(client_share))
        client_secret = client_key.exchange(X25519PublicKey.from_public_bytes(server_share))
        # Key schedules (server first, as in the handshake).
        s_cfin, s_sfin = _one_side_key_schedule(server_secret)
        # Server CertificateVerify signature (RFC 8446 section 4.4.3).
        key = self.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            signature = key.sign(self.content, ec.ECDSA(_SHA256))
        else:
            signature = key.sign(self.content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
        server_finished = _hmac(s_sfin, _TH_HELLO)
        c_cfin, c_sfin = _one_side_key_schedule(client_secret)
        # Client: certificate path and name (RFC 8446 section 4.4.2.4), then the signature.
        certs = [x509.load_der_x509_certificate(der) for der in self.ders]
        verifier = PolicyBuilder().store(self.store).time(datetime.now(UTC)).build_server_verifier(x509.DNSName(HOST))
        verifier.verify(certs[0], certs[1:])
        public = certs[0].public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, self.content, ec.ECDSA(_SHA256))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, self.content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
        if _hmac(c_sfin, _TH_HELLO) != server_finished:
            raise RuntimeError("floor: server Finished mismatch")
        client_finished = _hmac(c_cfin, _TH_SERVER_FINISHED)
        if _hmac(s_cfin, _TH_SERVER_FINISHED) != client_finished:
            raise RuntimeError("floor: client Finished mismatch")


def floor_bulk(suite: CipherSuite, total: int, payload: bytes) -> float:
    """Seal and open ``total`` bytes as 16 KiB TLS 1.3 records (RFC 8446 section 5.2, 5.3)."""
    key = bytes(range(16)) if suite == CipherSuite.TLS_AES_128_GCM_SHA256 else bytes(range(32))
    aead: AESGCM | ChaCha20Poly1305 = AESGCM(key) if len(key) == 16 else ChaCha20Poly1305(key)
    iv = int.from_bytes(bytes(range(100, 112)), "big")
    seal, unseal = aead.encrypt, aead.decrypt
    header = b"\x17\x03\x03" + (RECORD + 1 + 16).to_bytes(2, "big")
    records = [payload[i : i + RECORD] + b"\x17" for i in range(0, len(payload), RECORD)]
    received = 0
    seq = 0
    start = time.perf_counter()
    for _ in range(total // len(payload)):
        for inner in records:
            nonce = (iv ^ seq).to_bytes(12, "big")
            seq += 1
            received += len(unseal(nonce, seal(nonce, inner, header), header)) - 1
    elapsed = time.perf_counter() - start
    if received != total:
        raise RuntimeError(f"floor bulk: {received} bytes of {total}")
    return elapsed


def _prf(secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF with SHA-256 (RFC 5246 section 5): P_SHA256(secret, label + seed), HMAC by HMAC."""
    seed = label + seed
    out = b""
    a = seed
    while len(out) < length:
        a = _hmac(secret, a)
        out += _hmac(secret, a + seed)
    return out[:length]


# Stand-ins for the randoms and the session/transcript hashes (the floor hashes no messages).
_RANDOMS = bytes(range(64))
_TH12_KEYS = bytes(range(64, 96))
_TH12_CLIENT_FINISHED = bytes(range(96, 128))


def _one_side_tls12_keys(premaster: bytes) -> bytes:
    """One endpoint's TLS 1.2 secrets with the extended master secret (RFC 7627 section 4, RFC 5246 section
    6.3) for AES-128-GCM: master secret (48 bytes) and key block (2 x 16-byte key + 2 x 4-byte salt): 2 PRF
    calls, 8 HMACs. Returns the master secret."""
    master = _prf(premaster, b"extended master secret", _TH12_KEYS, 48)
    _prf(master, b"key expansion", _RANDOMS, 40)
    return master


class FloorHandshake12:
    """The primitive work of one TLS 1.2 full handshake (one server certificate), both endpoints.

    Exactly, per handshake:

    * ECDHE (x25519): 2 key generations and 2 exchanges; the ServerKeyExchange parameters (RFC 5246 section
      7.4.3: both randoms and the 36-byte ECParameters + point) signed once by the server (ECDSA P-256 with
      SHA-256, or RSA-PSS-RSAE-SHA256 as glasstls negotiates with an RSA key) and verified once by the client.
    * RSA key exchange: the client encrypts a 48-byte premaster secret to the certificate's key (PKCS#1 v1.5)
      and the server decrypts it (RFC 5246 section 7.4.7.1).
    * Client: parse the 2 received DER certificates and verify the chain and the name ``localhost`` with
      ``cryptography.x509.verification`` (as :class:`FloorHandshake`).
    * On each side: the extended master secret and the key block (TLS 1.2 PRF with SHA-256, 8 HMACs);
      the client and server Finished verify_data computed by their senders and recomputed by their receivers
      (4 PRF calls of 12 bytes, 8 HMACs). 24 HMAC-SHA-256 in all.

    Left out: transcript and session hashing, message encoding/parsing, the AEAD protection of the Finished
    records, random bytes for the hellos.
    """

    def __init__(self, material: Material, kind: CertKind, rsa_key_exchange: bool) -> None:
        ic = material.pki.server_ecdsa if kind == "ecdsa" else material.pki.server_rsa
        self.ders = [c.public_bytes(Encoding.DER) for c in (ic.certificate, *ic.chain)]
        self.store = Store([material.pki.root.certificate])
        key = ic.key
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError("the floor handles ECDSA and RSA certificates")
        if rsa_key_exchange and not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the RSA key exchange needs an RSA certificate")
        self.key = key
        self.rsa_key_exchange = rsa_key_exchange

    def _verify_chain(self) -> x509.Certificate:
        certs = [x509.load_der_x509_certificate(der) for der in self.ders]
        verifier = PolicyBuilder().store(self.store).time(datetime.now(UTC)).build_server_verifier(x509.DNSName(HOST))
        verifier.verify(certs[0], certs[1:])
        return certs[0]

    def run(self) -> None:
        key = self.key
        if self.rsa_key_exchange:
            assert isinstance(key, rsa.RSAPrivateKey)
            leaf = self._verify_chain()
            public = leaf.public_key()
            assert isinstance(public, rsa.RSAPublicKey)
            client_premaster = b"\x03\x03" + os.urandom(46)
            encrypted = public.encrypt(client_premaster, padding.PKCS1v15())
            server_premaster = key.decrypt(encrypted, padding.PKCS1v15())
        else:
            # ServerKeyExchange: the server's share, signed with the randoms (RFC 8422 section 5.4).
            server_key = X25519PrivateKey.generate()
            params = b"\x03\x00\x1d\x20" + server_key.public_key().public_bytes_raw()
            content = _RANDOMS + params
            if isinstance(key, ec.EllipticCurvePrivateKey):
                signature = key.sign(content, ec.ECDSA(_SHA256))
            else:
                signature = key.sign(content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
            leaf = self._verify_chain()
            public_key = leaf.public_key()
            if isinstance(public_key, ec.EllipticCurvePublicKey):
                public_key.verify(signature, content, ec.ECDSA(_SHA256))
            elif isinstance(public_key, rsa.RSAPublicKey):
                public_key.verify(signature, content, padding.PSS(padding.MGF1(_SHA256), 32), _SHA256)
            # ClientKeyExchange: the client's share; both compute the shared secret (RFC 8422 section 5.10).
            client_key = X25519PrivateKey.generate()
            client_share = client_key.public_key().public_bytes_raw()
            client_premaster = client_key.exchange(X25519PublicKey.from_public_bytes(params[4:]))
            server_premaster = server_key.exchange(X25519PublicKey.from_public_bytes(client_share))
        c_master = _one_side_tls12_keys(client_premaster)
        client_finished = _prf(c_master, b"client finished", _TH12_KEYS, 12)
        s_master = _one_side_tls12_keys(server_premaster)
        if _prf(s_master, b"client finished", _TH12_KEYS, 12) != client_finished:
            raise RuntimeError("floor: client Finished mismatch")
        server_finished = _prf(s_master, b"server finished", _TH12_CLIENT_FINISHED, 12)
        if _prf(c_master, b"server finished", _TH12_CLIENT_FINISHED, 12) != server_finished:
            raise RuntimeError("floor: server Finished mismatch")
