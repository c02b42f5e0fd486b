"""TLS 1.2 record protection for one direction (RFC 5246 section 6.2, RFC 5288, RFC 7905, RFC 7366).

- :class:`Tls12AeadProtection`: ``GenericAEADCipher`` records (RFC 5246 section 6.2.3.3) with AES-GCM
  (an 8-byte explicit nonce per record, RFC 5288 section 3) or ChaCha20-Poly1305 (the nonce is the IV
  XORed with the sequence number, nothing explicit, RFC 7905 section 2).
- :class:`Tls12CbcProtection`: ``GenericBlockCipher`` records (RFC 5246 section 6.2.3.2) with HMAC:
  MAC-then-encrypt, with the Lucky13 countermeasure when opening, or encrypt-then-MAC (RFC 7366).
- :func:`tls12_protection`: the one the connection calls, from a suite and one direction's keys.

Unlike TLS 1.3 there is no inner content type: a record's type travels in its header, in the clear, and is
authenticated through the additional data or the MAC. The sequence number is implicit (RFC 5246 section
6.1): a 64-bit count of the records of this direction since the last ChangeCipherSpec, never wrapping.

The ciphers come from :mod:`glasstls.crypto.tls12` as small objects; this module never imports
``cryptography``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from glasstls.errors import BadRecordMac, InternalError, RecordOverflow
from glasstls.record.protection import (
    _CONTENT_TYPES,
    _TYPE_BYTES,
    MAX_PLAINTEXT,
    SEQUENCE_LIMIT,
    Aead,
    RecordProtection,
)
from glasstls.wire.enums import ContentType

if TYPE_CHECKING:
    from glasstls.crypto.tls12 import DirectionKeys, Tls12CipherSuite

#: RFC 5246 section 6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048.
MAX_CIPHERTEXT_12 = MAX_PLAINTEXT + 2048
#: The record version TLS 1.2 writes in every header and MAC/AAD (RFC 5246 section 6.2.1, appendix E).
TLS12_VERSION = 0x0303
_VERSION_BYTES = b"\x03\x03"
#: The AES block size and the explicit CBC IV length (RFC 5246 section 6.2.3.2).
BLOCK = 16
#: RFC 5246 section 6.2.3.2: padding_length is one byte, so at most 255 padding bytes plus that byte.
MAX_PADDING = 256
#: The padding check (Tls12CbcProtection._open_mte) works on the record's last 256 bytes under a leading 0x01
#: byte, whatever the padding claims: _PAD_REPEATS[p] is p repeated 256 times; _PAD_MASKS[p] keeps that leading
#: byte and the last p + 1 bytes; a well-formed padding of length p leaves exactly _CLEAN.
_LEAD = b"\x01"
_PAD_REPEATS = tuple(int.from_bytes(bytes((p,)) * MAX_PADDING, "big") for p in range(256))
_PAD_MASKS = tuple((1 << (8 * MAX_PADDING)) | ((1 << (8 * (p + 1))) - 1) for p in range(256))
_CLEAN = b"\x01" + bytes(MAX_PADDING)
#: Zeros after the MAC input, so that the dummy compressions always find enough bytes right after it (at most
#: the padding, 256 bytes, plus two hash blocks of 128 bytes of difference).
_FILLER = bytes(MAX_PADDING + 256)
#: Biases that keep padding-dependent integers out of CPython's small-integer cache (see _open_mte).
_LEN_BIAS = 1 << 16
_BLOCKS_BIAS = 1 << 20
#: Every failure to open a CBC record says the same words (padding or MAC: no oracle, RFC 5246 6.2.3.2).
_AUTH_FAILED = "record authentication failed"


class CbcCipher(Protocol):
    """Raw AES-CBC without padding (``glasstls.crypto.tls12`` provides it)."""

    def encrypt(self, iv: bytes, data: bytes) -> bytes: ...

    def decrypt(self, iv: bytes, data: bytes) -> bytes: ...


class RecordMac(Protocol):
    """HMAC for one direction, with the compression-call arithmetic the Lucky13 countermeasure needs."""

    mac_len: int

    def compute(self, data: bytes | memoryview) -> bytes: ...

    def compression_blocks(self, length: int) -> int: ...

    def dummy_compressions(self, count: int, filler: memoryview | None = None) -> None: ...


def _refuse_wrap() -> InternalError:
    return InternalError(
        "the 64-bit record sequence number would wrap (RFC 5246 section 6.1)",
        step="record layer",
        hint="TLS 1.2 has no key update: a new connection is needed",
    )


def _overflow(n: int, limit: int) -> RecordOverflow:
    # RFC 5246 section 6.2.3 / RFC 8449 section 4: longer than any record carrying the allowed plaintext.
    return RecordOverflow(f"protected record of {n} bytes exceeds {limit}", step="record layer")


def _content_overflow(n: int, limit: int) -> RecordOverflow:
    # RFC 5246 section 6.2.1 (TLSPlaintext.length <= 2^14) / RFC 8449 section 4 (record_size_limit).
    return RecordOverflow(f"decrypted record of {n} bytes exceeds {limit}", step="record layer")


class _Tls12Protection(RecordProtection):
    """What both TLS 1.2 protections share: sequence numbers, the attributes the connection reads, size
    limits (RFC 8449 section 4: in TLS 1.2 the limit counts the plaintext only, at most 2^14)."""

    encrypted = True
    __slots__ = ("max_fragment", "max_payload", "records_protected")

    #: TLS 1.2 has no usage limit with a key update (the connection reads these like Tls13Protection's).
    limit: int | None = None
    needs_key_update = False

    def __init__(self) -> None:
        self.records_protected = 0
        self.max_fragment = MAX_PLAINTEXT
        self.max_payload = MAX_CIPHERTEXT_12

    @property
    def sequence_number(self) -> int:
        """The next record's sequence number (RFC 5246 section 6.1): records sealed or opened so far."""
        return self.records_protected

    def _expansion(self, fragment: int) -> int:
        """The longest payload a record carrying ``fragment`` plaintext bytes can have."""
        raise NotImplementedError

    def apply_size_limit(self, limit: int | None) -> None:
        """RFC 8449 section 4: in TLS 1.2 the record_size_limit counts the plaintext alone (no inner type
        byte) and cannot exceed 2^14; ``None``: the protocol maximum, with the 2^14 + 2048 header bound of
        RFC 5246 section 6.2.3."""
        if limit is None:
            self.max_fragment = MAX_PLAINTEXT
            self.max_payload = MAX_CIPHERTEXT_12
        else:
            self.max_fragment = max(1, min(limit, MAX_PLAINTEXT))
            self.max_payload = min(self._expansion(self.max_fragment), MAX_CIPHERTEXT_12)

    def _next_seal_seq(self, n: int) -> int:
        seq = self.records_protected
        if seq >= SEQUENCE_LIMIT:
            raise _refuse_wrap()
        if n > self.max_fragment:
            raise InternalError(
                f"record content of {n} bytes exceeds the {self.max_fragment}-byte limit", step="record layer"
            )
        self.records_protected = seq + 1
        return seq


class Tls12AeadProtection(_Tls12Protection):
    """AEAD records (RFC 5246 section 6.2.3.3)::

        struct {
            opaque nonce_explicit[SecurityParameters.record_iv_length];
            aead-ciphered struct { opaque content[TLSCompressed.length]; };
        } GenericAEADCipher;

        additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length;

    ``explicit_nonce=True`` (AES-GCM, RFC 5288 section 3): nonce = fixed_iv (4 bytes, the "salt") +
    nonce_explicit (8 bytes), and nonce_explicit is the 64-bit sequence number, as OpenSSL and others do
    (unique per key, which is all GCM asks). ``explicit_nonce=False`` (ChaCha20-Poly1305, RFC 7905 section
    2): nonce = fixed_iv (12 bytes) XOR the sequence number left-padded to 12 bytes; no explicit part.
    """

    __slots__ = ("_aead", "_explicit", "_fixed_iv", "_iv_int", "_record_iv_len", "tag_len")

    def __init__(self, aead: Aead, fixed_iv: bytes, *, explicit_nonce: bool, tag_len: int = 16) -> None:
        super().__init__()
        expected = 4 if explicit_nonce else 12
        if len(fixed_iv) != expected:
            raise InternalError(
                f"TLS 1.2 AEAD fixed IV of {len(fixed_iv)} bytes, expected {expected}", step="record layer"
            )
        self._aead = aead
        self._explicit = explicit_nonce
        self._fixed_iv = bytes(fixed_iv)
        self._iv_int = int.from_bytes(fixed_iv, "big")
        self._record_iv_len = 8 if explicit_nonce else 0
        self.tag_len = tag_len

    def _expansion(self, fragment: int) -> int:
        return self._record_iv_len + fragment + self.tag_len

    def _seal_parts(self, content_type: ContentType, data: bytes | memoryview) -> tuple[bytes, bytes]:
        """One record as (header with any explicit nonce, AEAD output); ``data`` may be a memoryview, which
        the AEAD reads without a copy (the bulk path)."""
        n = len(data)
        seq = self._next_seal_seq(n)
        seq_bytes = seq.to_bytes(8, "big")
        type_byte = _TYPE_BYTES[content_type]
        # RFC 5246 section 6.2.3.3: additional_data = seq_num + type + version + length (of the plaintext).
        aad = b"".join((seq_bytes, type_byte, _VERSION_BYTES, n.to_bytes(2, "big")))
        if self._explicit:
            # RFC 5288 section 3: the nonce is salt (fixed_iv) + nonce_explicit; nonce_explicit = seq.
            sealed = self._aead.encrypt(self._fixed_iv + seq_bytes, data, aad)
            return b"".join((type_byte, _VERSION_BYTES, (8 + len(sealed)).to_bytes(2, "big"), seq_bytes)), sealed
        # RFC 7905 section 2: the 64-bit sequence number, left-padded with zeros, XORed with the 12-byte IV.
        sealed = self._aead.encrypt((self._iv_int ^ seq).to_bytes(12, "big"), data, aad)
        return b"".join((type_byte, _VERSION_BYTES, len(sealed).to_bytes(2, "big"))), sealed

    def seal(self, content_type: ContentType, data: bytes) -> bytes:
        header, sealed = self._seal_parts(content_type, data)
        return header + sealed

    def seal_into(self, out: list[bytes | memoryview], content_type: ContentType, data: memoryview) -> None:
        header, sealed = self._seal_parts(content_type, data)
        out.append(header)
        out.append(sealed)

    def open(self, content_type: int, legacy_version: int, payload: bytes, header: bytes) -> tuple[ContentType, bytes]:
        n = len(payload)
        bound = self._expansion(self.max_fragment)
        if n > bound:
            # Refused before decrypting: its plaintext would exceed 2^14 (or the record_size_limit).
            raise _overflow(n, bound)
        overhead = self._record_iv_len + self.tag_len
        if n < overhead:
            # Too short to hold the explicit nonce and the tag: it cannot authenticate.
            raise BadRecordMac(f"protected record of {n} bytes is too short", step="record layer")
        seq = self.records_protected
        if seq >= SEQUENCE_LIMIT:
            raise _refuse_wrap()
        # RFC 5246 section 6.2.3.3: the additional data carries the record's own type and version (as
        # received: a header altered in transit fails authentication) and the plaintext length.
        aad = b"".join(
            (
                seq.to_bytes(8, "big"),
                _TYPE_BYTES[content_type & 0xFF],
                (legacy_version & 0xFFFF).to_bytes(2, "big"),
                (n - overhead).to_bytes(2, "big"),
            )
        )
        if self._explicit:
            nonce = self._fixed_iv + payload[:8]  # RFC 5288 section 3: salt + nonce_explicit from the record
            content = self._aead.decrypt(nonce, payload[8:], aad)  # raises BadRecordMac
        else:
            content = self._aead.decrypt((self._iv_int ^ seq).to_bytes(12, "big"), payload, aad)
        self.records_protected = seq + 1
        return _CONTENT_TYPES[content_type & 0xFF], content

    def __repr__(self) -> str:
        kind = "explicit nonce" if self._explicit else "XOR nonce"
        return f"Tls12AeadProtection({kind}, records_protected={self.records_protected})"


class Tls12CbcProtection(_Tls12Protection):
    """CBC records with HMAC (RFC 5246 section 6.2.3.2; RFC 7366 for encrypt-then-MAC)::

        struct {
            opaque IV[SecurityParameters.record_iv_length];
            block-ciphered struct {
                opaque content[TLSCompressed.length];
                opaque MAC[SecurityParameters.mac_length];
                uint8 padding[GenericBlockCipher.padding_length];
                uint8 padding_length;
            };
        } GenericBlockCipher;

        MAC(MAC_write_key, seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length
            + TLSCompressed.fragment)                                          (section 6.2.3.1)

    With ``encrypt_then_mac`` (RFC 7366 section 3) the MAC leaves the encrypted part and covers it instead:
    ``IV + ENC(content + padding + padding_length) + MAC(seq_num + type + version + length + IV + ENC(...))``,
    where length is that of IV + ciphertext.

    Every record gets a fresh random IV from ``random`` (RFC 5246 section 6.2.3.2) and the least padding.

    Opening MAC-then-encrypt records is where padding oracles live (Vaudenay; Lucky13, AlFardan and
    Paterson 2013). So: decrypt; check the padding over the last 256 bytes whatever it claims, with no early
    exit and integers of one size; compute the MAC as if the padding were empty when it is bad (RFC 5246
    section 6.2.3.2), reading it from one buffer of a fixed length; then run dummy HMAC compressions (the same
    HMAC steps, on the bytes that follow in that buffer) so that the number of compression-function calls
    depends on the record length only; compare in constant time; and fail with one and the same
    ``BadRecordMac`` for bad padding and bad MAC. Python gives no constant-time guarantee: the residual is
    measured by hand with tests/manual_lucky13.py (see its docstring).
    """

    __slots__ = ("_cipher", "_etm", "_mac", "_mac_len", "_min_len", "_random")

    def __init__(
        self, cipher: CbcCipher, mac: RecordMac, *, encrypt_then_mac: bool, random: Callable[[int], bytes]
    ) -> None:
        super().__init__()
        self._cipher = cipher
        self._mac = mac
        self._mac_len = mac.mac_len
        self._etm = encrypt_then_mac
        self._random = random
        # The shortest well-formed record: the IV and one block holding at least MAC + padding_length
        # (MAC-then-encrypt); the IV, one block of padding and the MAC (encrypt-then-MAC).
        if encrypt_then_mac:
            self._min_len = BLOCK + BLOCK + self._mac_len
        else:
            self._min_len = BLOCK + -(-(self._mac_len + 1) // BLOCK) * BLOCK

    @property
    def encrypt_then_mac(self) -> bool:
        return self._etm

    def _expansion(self, fragment: int) -> int:
        # The IV, the content with MAC and up to 256 bytes of padding, in whole blocks (and the MAC after
        # them with encrypt-then-MAC).
        if self._etm:
            return BLOCK + (fragment + MAX_PADDING) // BLOCK * BLOCK + self._mac_len
        return BLOCK + (fragment + self._mac_len + MAX_PADDING) // BLOCK * BLOCK

    def _mac_header(self, seq: int, type_byte: bytes, version: bytes, length: int) -> bytes:
        # RFC 5246 section 6.2.3.1: seq_num (uint64) + type + version + length (uint16).
        return b"".join((seq.to_bytes(8, "big"), type_byte, version, length.to_bytes(2, "big")))

    @staticmethod
    def _padding(n: int) -> bytes:
        # RFC 5246 section 6.2.3.2: padding_length + 1 bytes, each equal to padding_length, bringing the
        # block-ciphered part to a whole number of blocks (the least such padding).
        p = (BLOCK - (n + 1) % BLOCK) % BLOCK
        return _TYPE_BYTES[p] * (p + 1)

    def seal(self, content_type: ContentType, data: bytes) -> bytes:
        seq = self._next_seal_seq(len(data))
        type_byte = _TYPE_BYTES[content_type]
        iv = self._random(BLOCK)
        if len(iv) != BLOCK:
            raise InternalError(f"random source returned {len(iv)} bytes for a {BLOCK}-byte IV", step="record layer")
        if self._etm:
            # RFC 7366 section 3: encrypt(content + padding), then MAC over the header fields and IV + ciphertext.
            ciphertext = self._cipher.encrypt(iv, b"".join((data, self._padding(len(data)))))
            body_len = BLOCK + len(ciphertext)
            tag = self._mac.compute(
                b"".join((self._mac_header(seq, type_byte, _VERSION_BYTES, body_len), iv, ciphertext))
            )
            header = b"".join((type_byte, _VERSION_BYTES, (body_len + len(tag)).to_bytes(2, "big")))
            return b"".join((header, iv, ciphertext, tag))
        # RFC 5246 section 6.2.3.2: MAC-then-encrypt.
        tag = self._mac.compute(self._mac_header(seq, type_byte, _VERSION_BYTES, len(data)) + data)
        ciphertext = self._cipher.encrypt(iv, b"".join((data, tag, self._padding(len(data) + len(tag)))))
        header = b"".join((type_byte, _VERSION_BYTES, (BLOCK + len(ciphertext)).to_bytes(2, "big")))
        return b"".join((header, iv, ciphertext))

    def open(self, content_type: int, legacy_version: int, payload: bytes, header: bytes) -> tuple[ContentType, bytes]:
        n = len(payload)
        bound = self._expansion(self.max_fragment)
        if n > bound:
            raise _overflow(n, bound)
        # Lengths are public: a record that is not whole blocks, or too short for IV, MAC and padding,
        # cannot be valid (RFC 5246 section 6.2.3.2). Same error as any other failure to open.
        whole = n - self._mac_len if self._etm else n
        if n < self._min_len or whole % BLOCK:
            raise BadRecordMac(_AUTH_FAILED, step="record layer")
        seq = self.records_protected
        if seq >= SEQUENCE_LIMIT:
            raise _refuse_wrap()
        type_byte = _TYPE_BYTES[content_type & 0xFF]
        version = (legacy_version & 0xFFFF).to_bytes(2, "big")
        if self._etm:
            content = self._open_etm(seq, type_byte, version, payload)
        else:
            content = self._open_mte(seq, type_byte, version, payload)
        self.records_protected = seq + 1
        if len(content) > self.max_fragment:
            raise _content_overflow(len(content), self.max_fragment)
        return _CONTENT_TYPES[content_type & 0xFF], content

    def _open_etm(self, seq: int, type_byte: bytes, version: bytes, payload: bytes) -> bytes:
        # RFC 7366 section 3: "The MAC SHALL be evaluated before any further processing such as decryption".
        body = payload[: -self._mac_len]
        expected = self._mac.compute(b"".join((self._mac_header(seq, type_byte, version, len(body)), body)))
        if not hmac.compare_digest(expected, payload[-self._mac_len :]):
            raise BadRecordMac(_AUTH_FAILED, step="record layer")
        plain = self._cipher.decrypt(body[:BLOCK], body[BLOCK:])
        pad = plain[-1]
        # Authenticated, so no oracle remains; the padding must still be well formed (RFC 5246 6.2.3.2).
        if pad + 1 > len(plain) or plain[-(pad + 1) :] != _TYPE_BYTES[pad] * (pad + 1):
            raise BadRecordMac(_AUTH_FAILED, step="record layer")
        return plain[: -(pad + 1)]

    def _open_mte(self, seq: int, type_byte: bytes, version: bytes, payload: bytes) -> bytes:
        mac_len = self._mac_len
        mac = self._mac
        plain = self._cipher.decrypt(payload[:BLOCK], payload[BLOCK:])
        size = len(plain)  # public: the record length minus the IV
        pad = plain[-1]
        # 1. The padding check (RFC 5246 section 6.2.3.2), the same operations on values of the same sizes
        #    whatever the padding holds: the last 256 bytes (zeros in front when the record is shorter; the
        #    length is public) under a leading 0x01 byte that pins every integer below to 257 bytes, XORed with
        #    the claimed padding byte repeated, masked to the claimed padding (plus that leading byte), and
        #    compared in constant time. No early exit, no value-dependent integer size.
        tail = plain[size - MAX_PADDING :] if size >= MAX_PADDING else bytes(MAX_PADDING - size) + plain
        residue = ((int.from_bytes(_LEAD + tail, "big") ^ _PAD_REPEATS[pad]) & _PAD_MASKS[pad]).to_bytes(
            MAX_PADDING + 1, "big"
        )
        padding_ok = hmac.compare_digest(residue, _CLEAN) & (pad <= size - 1 - mac_len)
        # 2. RFC 5246 section 6.2.3.2: with bad padding, compute the MAC as if there were no padding.
        #    From here on, every integer that depends on the padding is kept out of CPython's cache of small
        #    integers (-5..256): a result in it costs no allocation, one outside it does, and that difference
        #    alone was measurable (records of 277 to 532 bytes). So: the length field through a 2^16 bias, the
        #    MAC's end as a negative index (at least 257 from the end of a buffer padded with _FILLER), the block
        #    counts through a 2^20 bias (a multiple of every hash block size, so differences are unchanged).
        longest = size - mac_len - 1
        removed = pad * padding_ok  # 0..255: a cached integer whichever it is
        length_field = (_LEN_BIAS + longest - removed).to_bytes(3, "big")[1:]
        # 3. The MAC over seq + type + version + length + content, read from one buffer of a fixed length (the
        #    header, the whole plaintext and _FILLER: no copy whose size depends on the padding).
        mac_input = memoryview(b"".join((seq.to_bytes(8, "big"), type_byte, version, length_field, plain, _FILLER)))
        end = 13 + longest - len(mac_input) - removed  # the MAC input is mac_input[:end]
        expected = mac.compute(mac_input[:end])
        # 4. Lucky13: the compression calls made equal to those of the longest content the record can hold, plus
        #    one, so that the work depends on the record length alone; the extra calls hash the bytes that follow
        #    the MAC input in the same buffer, with the same HMAC steps. Never zero of them: an empty hash update
        #    takes a path of its own, measurably slower than one more block (tests/manual_lucky13.py).
        biased = _BLOCKS_BIAS + 13 + longest
        extra = 1 + mac.compression_blocks(biased) - mac.compression_blocks(biased - removed)
        mac.dummy_compressions(extra, mac_input[end:])
        # 5. Constant-time compare; one error for bad padding and bad MAC alike.
        mac_ok = hmac.compare_digest(expected, mac_input[end : end + mac_len])
        if not (mac_ok & padding_ok):
            raise BadRecordMac(_AUTH_FAILED, step="record layer")
        return plain[: longest - removed]

    def __repr__(self) -> str:
        mode = "encrypt-then-MAC" if self._etm else "MAC-then-encrypt"
        return f"Tls12CbcProtection({mode}, records_protected={self.records_protected})"


def tls12_protection(
    suite: Tls12CipherSuite, keys: DirectionKeys, *, encrypt_then_mac: bool, random: Callable[[int], bytes]
) -> RecordProtection:
    """The protection for one direction of a TLS 1.2 connection: AEAD suites get
    :class:`Tls12AeadProtection` (``encrypt_then_mac`` does not apply to them, RFC 7366 section 3), CBC
    suites :class:`Tls12CbcProtection`. ``keys`` is that direction's part of the key block (the client's
    keys protect what the client writes, RFC 5246 section 6.3)."""
    if suite.is_aead:
        return Tls12AeadProtection(
            suite.aead(keys.key), keys.iv, explicit_nonce=suite.record_iv_len > 0, tag_len=suite.tag_len
        )
    return Tls12CbcProtection(
        suite.cbc(keys.key), suite.mac(keys.mac_key), encrypt_then_mac=encrypt_then_mac, random=random
    )
