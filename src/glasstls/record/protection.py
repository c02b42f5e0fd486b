"""Per-direction record protection (RFC 8446 sections 5.1 to 5.5).

A protection object turns one record's content into a whole record on the wire (``seal``) and back
(``open``), for one direction of one connection. The :class:`~glasstls.record.layer.RecordLayer` holds
one for reading and one for writing and swaps them when the handshake installs new keys.

- :class:`NullProtection`: ``TLSPlaintext`` records (before keys exist; RFC 8446 section 5.1).
- :class:`Tls13Protection`: ``TLSCiphertext`` records (RFC 8446 sections 5.2 and 5.3) with an AEAD
  handed in by ``glasstls.crypto`` (this package never imports ``cryptography``).

Record size limits (RFC 8449) are told to a protection with :meth:`RecordProtection.apply_size_limit`;
each protection interprets them for its own record format (unprotected records are not subject to them).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol

from glasstls.errors import BadRecordMac, InternalError, RecordOverflow, UnexpectedMessage
from glasstls.wire.enums import ContentType

#: RFC 8446 section 5.1: TLSPlaintext.length MUST NOT exceed 2^14 bytes.
MAX_PLAINTEXT = 1 << 14
#: RFC 8446 section 5.2: TLSInnerPlaintext (content || type || zeros) MUST NOT exceed 2^14 + 1 bytes.
MAX_INNER_PLAINTEXT = MAX_PLAINTEXT + 1
#: RFC 8446 section 5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256 bytes.
MAX_CIPHERTEXT = MAX_PLAINTEXT + 256
#: RFC 8446 section 5.3: the sequence number is 64 bits and MUST NOT wrap.
SEQUENCE_LIMIT = 1 << 64
#: Records that may still be sealed after ``needs_key_update`` became true, before ``seal`` refuses
#: (room for the KeyUpdate itself, RFC 8446 section 4.6.3, and what the connection already queued).
LIMIT_GRACE = 1 << 8

#: ContentType members by value, so that the hot path never goes through ``EnumMeta.__call__``.
_CONTENT_TYPES: tuple[ContentType, ...] = tuple(ContentType(i) for i in range(256))
#: The single-byte encodings of each content type (appended to TLSInnerPlaintext).
_TYPE_BYTES: tuple[bytes, ...] = tuple(bytes((i,)) for i in range(256))
_APPLICATION_DATA = int(ContentType.APPLICATION_DATA)
#: RFC 8446 section 5.2: the first three bytes of every TLSCiphertext header (application_data, 0x0303).
_RECORD_PREFIX = b"\x17\x03\x03"


class Aead(Protocol):
    """The AEAD interface ``glasstls.crypto.suites`` provides (``decrypt`` raises ``BadRecordMac``).

    ``open_view`` hands ``decrypt`` a memoryview into the receive buffer as the ciphertext; the TLS 1.2 bulk
    path hands ``encrypt`` a memoryview of the application's data.
    """

    def encrypt(self, nonce: bytes, plaintext: bytes | memoryview, aad: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, ciphertext: bytes | memoryview, aad: bytes) -> bytes: ...


class RecordProtection(ABC):
    """One direction's record protection.

    ``max_fragment``: the most content bytes one sealed record may carry (after any size limit).
    ``max_payload``: the largest record length (header ``length`` field) ``open`` can accept; the record
    layer refuses longer records from the header alone, before buffering their body.
    """

    encrypted: bool = False
    max_fragment: int = MAX_PLAINTEXT
    max_payload: int = MAX_PLAINTEXT

    @abstractmethod
    def seal(self, content_type: ContentType, data: bytes) -> bytes:
        """Return one whole record (5-byte header and payload) carrying ``data`` of ``content_type``."""

    @abstractmethod
    def open(
        self, content_type: int, legacy_version: int, payload: bytes, header: bytes
    ) -> tuple[ContentType, bytes]:
        """Return ``(content type, content)`` of one received record whose header was already parsed."""

    def open_view(
        self, content_type: int, legacy_version: int, payload: memoryview, header: bytes
    ) -> tuple[ContentType, bytes]:
        """``open`` with the payload as a memoryview into the receive buffer (the content returned is
        ``bytes``, never a view). The default copies the payload; a protection that reads it in place
        overrides this."""
        return self.open(content_type, legacy_version, bytes(payload), header)

    def seal_into(self, out: list[bytes | memoryview], content_type: ContentType, data: memoryview) -> None:
        """Append the pieces of one sealed record to ``out`` (joined later by the caller): the bulk path,
        which spares a copy per record."""
        out.append(self.seal(content_type, bytes(data)))

    def seal_records(self, content_type: ContentType, data: bytes | memoryview, fragment: int) -> bytes:
        """The records carrying ``data`` cut into fragments of ``fragment`` bytes, each sealed in turn
        (the record layer's bulk path); a protection may override this with a faster loop."""
        parts: list[bytes | memoryview] = []
        with memoryview(data) as view:
            for i in range(0, len(view), fragment):
                self.seal_into(parts, content_type, view[i : i + fragment])
            return b"".join(parts)

    def apply_size_limit(self, limit: int | None) -> None:  # noqa: B027 - a no-op default on purpose
        """Apply an RFC 8449 record_size_limit (``None``: the protocol maximum).

        RFC 8449 section 4: the limit only applies to protected records; plaintext records keep the
        2^14 limit of RFC 8446 section 5.1, so the default does nothing.
        """


class NullProtection(RecordProtection):
    """Plaintext records (RFC 8446 section 5.1, ``TLSPlaintext``).

    ``legacy_version`` is written in the header of sealed records: 0x0303 by default; RFC 8446 section
    5.1 allows 0x0301 for the first ClientHello (and other stacks do so, for old middleboxes).
    """

    encrypted = False

    __slots__ = ("_header_prefix", "legacy_version")

    def __init__(self, legacy_version: int = 0x0303) -> None:
        self.legacy_version = legacy_version
        self._header_prefix = legacy_version.to_bytes(2, "big")

    def set_legacy_version(self, legacy_version: int) -> None:
        self.legacy_version = legacy_version
        self._header_prefix = legacy_version.to_bytes(2, "big")

    def seal(self, content_type: ContentType, data: bytes) -> bytes:
        # RFC 8446 section 5.1: type, legacy_record_version, length, fragment.
        if len(data) > MAX_PLAINTEXT:
            raise InternalError(f"plaintext record of {len(data)} bytes exceeds 2^14", step="record layer")
        return _TYPE_BYTES[content_type] + self._header_prefix + len(data).to_bytes(2, "big") + data

    def seal_into(self, out: list[bytes | memoryview], content_type: ContentType, data: memoryview) -> None:
        if len(data) > MAX_PLAINTEXT:
            raise InternalError(f"plaintext record of {len(data)} bytes exceeds 2^14", step="record layer")
        out.append(_TYPE_BYTES[content_type] + self._header_prefix + len(data).to_bytes(2, "big"))
        out.append(data)

    def open(
        self, content_type: int, legacy_version: int, payload: bytes, header: bytes
    ) -> tuple[ContentType, bytes]:
        # RFC 8446 section 5.1: TLSPlaintext.length MUST NOT exceed 2^14 (the layer checked the header;
        # checked again here so that the protection is safe on its own).
        if len(payload) > MAX_PLAINTEXT:
            raise RecordOverflow(
                f"plaintext record of {len(payload)} bytes exceeds 2^14 (RFC 8446 section 5.1)",
                step="record layer",
            )
        return _CONTENT_TYPES[content_type & 0xFF], payload

    def __repr__(self) -> str:
        return f"NullProtection(legacy_version=0x{self.legacy_version:04x})"


class Tls13Protection(RecordProtection):
    """TLS 1.3 AEAD record protection for one direction (RFC 8446 sections 5.2, 5.3 and 5.5).

    ``aead``: the key's AEAD (``encrypt(nonce, pt, aad)`` / ``decrypt(nonce, ct, aad)``).
    ``iv``: the write_iv / read_iv from the key schedule (RFC 8446 section 7.3).
    ``limit``: records after which ``needs_key_update`` turns true (RFC 8446 section 5.5: the suite's
    usage limit); sealing refuses ``hard_limit`` records (default ``limit + LIMIT_GRACE``).
    ``pad_to``: pad each TLSInnerPlaintext to a multiple of this many bytes (0: no padding;
    RFC 8446 section 5.4), never beyond the record size limit.
    ``tag_len``: the AEAD's expansion (16 for the TLS 1.3 AEADs; 8 for AES-128-CCM-8).

    One object serves one direction; ``records_protected`` counts the records sealed (writer) or
    opened (reader) with it, which is also the next sequence number.
    """

    encrypted = True

    __slots__ = (
        "_aead",
        "_iv",
        "_iv_len",
        "_max_inner",
        "_stop",
        "hard_limit",
        "limit",
        "max_fragment",
        "max_payload",
        "pad_to",
        "records_protected",
        "tag_len",
    )

    def __init__(
        self,
        aead: Aead,
        iv: bytes,
        *,
        limit: int | None = None,
        hard_limit: int | None = None,
        pad_to: int = 0,
        tag_len: int = 16,
    ) -> None:
        if len(iv) < 8:
            # RFC 8446 section 5.3: the IV is at least 8 bytes (N_MIN of RFC 5116).
            raise InternalError(f"record IV of {len(iv)} bytes is shorter than 8", step="record layer")
        if pad_to < 0:
            raise InternalError("pad_to must not be negative", step="record layer")
        self._aead = aead
        # RFC 8446 section 5.3: nonce = iv XOR (sequence number, left-padded to iv_length); kept as an int.
        self._iv = int.from_bytes(iv, "big")
        self._iv_len = len(iv)
        self.tag_len = tag_len
        self.pad_to = pad_to
        self.limit = limit
        if hard_limit is None and limit is not None:
            hard_limit = limit + LIMIT_GRACE
        self.hard_limit = hard_limit
        # The one bound checked per record: the hard usage limit, and never a wrapped sequence number.
        self._stop = SEQUENCE_LIMIT if hard_limit is None else min(hard_limit, SEQUENCE_LIMIT)
        self.records_protected = 0
        self._max_inner = MAX_INNER_PLAINTEXT
        self.max_fragment = MAX_PLAINTEXT
        self.max_payload = MAX_CIPHERTEXT

    def apply_size_limit(self, limit: int | None) -> None:
        """RFC 8449 section 4: in TLS 1.3 the limit bounds TLSInnerPlaintext (content, type byte and
        padding), so a limit of ``L`` allows ``L - 1`` content bytes; at most 2^14 + 1 in TLS 1.3."""
        inner = MAX_INNER_PLAINTEXT if limit is None else max(2, min(limit, MAX_INNER_PLAINTEXT))
        self._max_inner = inner
        self.max_fragment = inner - 1
        # RFC 8446 section 5.2: at most 255 bytes of expansion over the inner plaintext.
        self.max_payload = inner + 255

    @property
    def needs_key_update(self) -> bool:
        """RFC 8446 section 5.5: the usage limit is reached; the sender should send KeyUpdate now."""
        return self.limit is not None and self.records_protected >= self.limit

    @property
    def sequence_number(self) -> int:
        return self.records_protected

    def seal(self, content_type: ContentType, data: bytes) -> bytes:
        seq = self.records_protected
        if seq >= self._stop:
            self._refuse_seal(seq)
        self.records_protected = seq + 1
        # RFC 8446 section 5.2: TLSInnerPlaintext = content || type || zeros[length_of_padding]
        inner = data + _TYPE_BYTES[content_type]
        if self.pad_to:
            inner = self._pad(inner)
        length = len(inner) + self.tag_len
        # RFC 8446 section 5.2: opaque_type = application_data (23), legacy_record_version = 0x0303;
        # the 5-byte header is the additional data.
        header = b"\x17\x03\x03" + length.to_bytes(2, "big")
        # RFC 8446 section 5.3: per-record nonce.
        nonce = (self._iv ^ seq).to_bytes(self._iv_len, "big")
        return header + self._aead.encrypt(nonce, inner, header)

    def seal_into(self, out: list[bytes | memoryview], content_type: ContentType, data: memoryview) -> None:
        # The same steps as seal(), but the header and the ciphertext are appended separately and the
        # inner plaintext is built in one copy from the caller's memoryview.
        seq = self.records_protected
        if seq >= self._stop:
            self._refuse_seal(seq)
        self.records_protected = seq + 1
        inner = b"".join((data, _TYPE_BYTES[content_type]))
        if self.pad_to:
            inner = self._pad(inner)
        header = b"\x17\x03\x03" + (len(inner) + self.tag_len).to_bytes(2, "big")
        out.append(header)
        out.append(self._aead.encrypt((self._iv ^ seq).to_bytes(self._iv_len, "big"), inner, header))

    def seal_records(self, content_type: ContentType, data: bytes | memoryview, fragment: int) -> bytes:
        # The bulk path: the same steps as seal() for each fragment, in one loop with the per-record
        # constants hoisted. Padding, and a run that would reach the usage limit, go record by record
        # (the generic loop) so that the limit refuses exactly the record it refused before.
        n = len(data)
        seq = self.records_protected
        count = -(-n // fragment)
        if self.pad_to or seq + count > self._stop:
            return super().seal_records(content_type, data, fragment)
        self.records_protected = seq + count
        iv = self._iv
        iv_len = self._iv_len
        encrypt = self._aead.encrypt
        type_byte = _TYPE_BYTES[content_type]
        join = b"".join
        # RFC 8446 section 5.2: every record's header (the additional data) is
        # application_data || 0x0303 || length, the length counting the type byte and the tag.
        header = _RECORD_PREFIX + (fragment + 1 + self.tag_len).to_bytes(2, "big")
        parts: list[bytes] = []
        append = parts.append
        with memoryview(data) as view:
            full = n - n % fragment
            for i in range(0, full, fragment):
                append(header)
                # RFC 8446 sections 5.2 and 5.3: TLSInnerPlaintext = content || type; nonce = iv XOR seq.
                append(encrypt((iv ^ seq).to_bytes(iv_len, "big"), join((view[i : i + fragment], type_byte)), header))
                seq += 1
            if full < n:
                last = _RECORD_PREFIX + (n - full + 1 + self.tag_len).to_bytes(2, "big")
                append(last)
                append(encrypt((iv ^ seq).to_bytes(iv_len, "big"), join((view[full:], type_byte)), last))
        return join(parts)

    def _pad(self, inner: bytes) -> bytes:
        # RFC 8446 section 5.4: zero padding, never beyond the (RFC 8449) record size limit.
        n = len(inner)
        target = min(-(-n // self.pad_to) * self.pad_to, self._max_inner)
        return inner + bytes(target - n) if target > n else inner

    def _refuse_seal(self, seq: int) -> None:
        if seq >= SEQUENCE_LIMIT:
            reason = "the 64-bit record sequence number would wrap (RFC 8446 section 5.3)"
        else:
            reason = (
                f"{seq} records sealed with one key: the usage limit (RFC 8446 section 5.5) is reached "
                "and no KeyUpdate replaced the key"
            )
        raise InternalError(reason, step="record layer", hint="update the traffic keys before the limit")

    def open(
        self, content_type: int, legacy_version: int, payload: bytes, header: bytes
    ) -> tuple[ContentType, bytes]:
        return self.open_view(content_type, legacy_version, payload, header)

    def open_view(
        self, content_type: int, legacy_version: int, payload: bytes | memoryview, header: bytes
    ) -> tuple[ContentType, bytes]:
        # The AEAD reads the payload in place (bytes or a view into the receive buffer).
        # RFC 8446 section 5.2: every protected record has opaque_type application_data.
        if content_type != _APPLICATION_DATA:
            raise UnexpectedMessage(
                f"a {_CONTENT_TYPES[content_type & 0xFF]} record arrived where only protected records "
                "(outer type application_data) are allowed (RFC 8446 section 5.2)",
                step="record layer",
            )
        n = len(payload)
        if n > self.max_payload:
            # RFC 8446 section 5.2: length > 2^14 + 256 -> record_overflow (RFC 8449: limit + 255).
            raise RecordOverflow(
                f"protected record of {n} bytes exceeds {self.max_payload}", step="record layer"
            )
        if n <= self.tag_len:
            # Too short to hold the tag and a content type: it cannot authenticate.
            raise BadRecordMac(f"protected record of {n} bytes is too short", step="record layer")
        seq = self.records_protected
        if seq >= SEQUENCE_LIMIT:
            raise InternalError(
                "the 64-bit record sequence number would wrap (RFC 8446 section 5.3)", step="record layer"
            )
        nonce = (self._iv ^ seq).to_bytes(self._iv_len, "big")
        # Raises BadRecordMac. The AEADs of glasstls.crypto (cryptography's) take any buffer, a view too.
        inner = self._aead.decrypt(nonce, payload, header)
        self.records_protected = seq + 1
        if len(inner) > self._max_inner:
            # RFC 8446 section 5.2 / RFC 8449 section 4: the inner plaintext is too long.
            raise RecordOverflow(
                f"decrypted record of {len(inner)} bytes exceeds {self._max_inner}", step="record layer"
            )
        # RFC 8446 section 5.4: the content type is the last non-zero byte; zeros after it are padding.
        last = inner[-1]
        if last:  # no padding (the common case)
            return _CONTENT_TYPES[last], inner[:-1]
        data = inner.rstrip(b"\x00")
        if not data:
            raise UnexpectedMessage(
                "a protected record held only padding, no content type (RFC 8446 section 5.4)",
                step="record layer",
            )
        return _CONTENT_TYPES[data[-1]], data[:-1]

    def __repr__(self) -> str:
        return f"Tls13Protection(records_protected={self.records_protected}, limit={self.limit})"
