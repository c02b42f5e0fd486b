"""The record layer: bytes <-> records (RFC 8446 section 5, RFC 8449, RFC 8446 appendix D.4).

:class:`RecordLayer` frames incoming bytes into records, checks each header before buffering its body,
opens the record with the current read protection, and applies the change_cipher_spec rules of TLS 1.3
middlebox compatibility mode. Outgoing content is fragmented into records of at most the current
maximum and sealed with the current write protection.

Any error raised leaves the layer unusable: the connection sends one alert and stops (DESIGN rule 7).
"""

from __future__ import annotations

from glasstls.errors import BadRecordMac, NotTls, RecordOverflow, UnexpectedMessage
from glasstls.record.protection import MAX_CIPHERTEXT, MAX_PLAINTEXT, NullProtection, RecordProtection
from glasstls.wire.enums import ContentType

#: RFC 8446 section 5.1: the record header (type, legacy_record_version, length).
HEADER_LEN = 5

_CCS = int(ContentType.CHANGE_CIPHER_SPEC)
_ALERT = int(ContentType.ALERT)
_HANDSHAKE = int(ContentType.HANDSHAKE)
_APPLICATION_DATA = int(ContentType.APPLICATION_DATA)
_APPLICATION_DATA_TYPE = ContentType.APPLICATION_DATA
#: RFC 8446 section 5: the record types this implementation knows (heartbeat is never negotiated).
_KNOWN_OUTER = frozenset((_CCS, _ALERT, _HANDSHAKE, _APPLICATION_DATA))
#: The only change_cipher_spec record TLS 1.3 tolerates (RFC 8446 section 5).
_CCS_RECORD_BODY = b"\x01"
_CCS_RECORD = b"\x14\x03\x03\x00\x01\x01"
#: Consecutive zero-length protected records accepted before unexpected_message. RFC 8446 section 5.1 and RFC 5246
#: section 6.2.1 allow zero-length application data (a traffic-analysis countermeasure), but each costs a record's
#: work and carries nothing: unbounded, a peer keeps a connection busy for free and resets every "in a row" limit
#: that counts data as progress. OpenSSL allows 32 (MAX_EMPTY_RECORDS) and answers unexpected_message; so do we.
MAX_EMPTY_RECORDS_IN_A_ROW = 32


def _not_tls(header: bytes) -> NotTls:
    """RFC 8446 section 5.1: the legacy_record_version major byte is always 3; say what it looks like."""
    hint = None
    if all(32 <= b < 127 for b in header):
        text = header.decode("ascii")
        if text[:4] in ("GET ", "POST", "HEAD", "PUT ", "OPTI", "DELE", "CONN", "PATC", "TRAC"):
            hint = "the peer sent an HTTP request in clear text: it is not speaking TLS on this port"
        else:
            hint = "the peer sent readable text: it is not speaking TLS (plain-text protocol on this port?)"
    return NotTls(
        f"not a TLS record: header bytes {header.hex(' ')} (record version major byte must be 0x03)",
        step="record layer",
        hint=hint,
    )


class OutgoingBytes:
    """Bytes queued for the transport: sealed records kept as they are and joined once when taken.

    ``out += records`` queues (a ``bytes`` object is kept as is, anything else is copied), ``take()``
    returns everything queued as one ``bytes`` and empties the queue. A connection that queues one
    large write and takes it gets the sealed bytes back without a copy.
    """

    __slots__ = ("_parts", "_size")

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    def __iadd__(self, data: bytes | bytearray | memoryview) -> OutgoingBytes:
        if data:
            chunk = data if type(data) is bytes else bytes(data)
            self._parts.append(chunk)
            self._size += len(chunk)
        return self

    def __len__(self) -> int:
        return self._size

    def take(self) -> bytes:
        parts = self._parts
        if not parts:
            return b""
        out = parts[0] if len(parts) == 1 else b"".join(parts)
        self._parts = []
        self._size = 0
        return out

    def __repr__(self) -> str:
        return f"OutgoingBytes({self._size} bytes in {len(self._parts)} pieces)"


class RecordLayer:
    """Framing and protection of records for one connection (sans-I/O).

    ``max_fragment_out``: the most content bytes per outgoing record (default 2^14, RFC 8446 section 5.1);
    the effective maximum is also bounded by the peer's record_size_limit (``set_max_fragment_out``).

    Incoming: ``feed(bytes)`` then ``next_record()`` until it returns ``None``.
    Outgoing: ``seal(content_type, data)`` returns the bytes of one or more records.
    """

    def __init__(self, max_fragment_out: int = MAX_PLAINTEXT) -> None:
        if not 1 <= max_fragment_out <= MAX_PLAINTEXT:
            raise ValueError(f"max_fragment_out must be in 1..2^14, not {max_fragment_out}")
        self._buf = b""
        self._pos = 0
        # A memoryview of _buf for opening protected records in place, made when first needed after a feed.
        self._view: memoryview | None = None
        # Bytes fed while the current record is still incomplete wait here, joined once the record can
        # be complete: a record arriving one byte per feed costs O(length), not O(length^2).
        self._chunks: list[bytes] = []
        self._chunks_len = 0
        self._need = 0
        self._read: RecordProtection = NullProtection()
        self._write: RecordProtection = NullProtection()
        self._fragment_cap = max_fragment_out
        self._limit_out: int | None = None
        self._limit_in: int | None = None
        self._frag_out = max_fragment_out
        self._read_max_payload = self._read.max_payload
        self._ccs_allowed = False
        self._ccs_seen = False
        self._ccs_deliver = False
        self._plaintext_alerts = False
        self._empty_in_a_row = 0
        # Bytes of rejected 0-RTT records that may still be skipped (0: not skipping), see skip_early_data.
        self._early_skip = 0

    # -- protection -------------------------------------------------------------------------------

    def set_read_protection(self, protection: RecordProtection) -> None:
        """Install the protection for records read from now on (the handshake's key change).

        On the first switch from plaintext to protected reading, a plaintext alert (2 bytes) is still
        accepted until the first protected record opens: the peer may have failed before it had keys (e.g.
        a client rejecting the ServerHello), and its alert then necessarily travels in plaintext. OpenSSL does
        the same; an attacker who can inject such an alert could as well cut the connection.
        """
        if not self._read.encrypted and protection.encrypted:
            self._plaintext_alerts = True
        protection.apply_size_limit(self._limit_in)
        self._read = protection
        self._read_max_payload = protection.max_payload

    def set_write_protection(self, protection: RecordProtection) -> None:
        """Install the protection for records written from now on."""
        protection.apply_size_limit(self._limit_out)
        self._write = protection
        self._update_fragment_out()

    @property
    def read_protection(self) -> RecordProtection:
        return self._read

    @property
    def write_protection(self) -> RecordProtection:
        return self._write

    @property
    def read_encrypted(self) -> bool:
        return self._read.encrypted

    @property
    def write_encrypted(self) -> bool:
        return self._write.encrypted

    # -- size limits ------------------------------------------------------------------------------

    def set_max_fragment_out(self, limit: int) -> None:
        """The peer's record_size_limit (RFC 8449 section 4), as carried in its extension.

        It bounds the plaintext of protected records this side sends; in TLS 1.3 the limit counts the
        inner content type byte and padding, so records carry at most ``limit - 1`` content bytes.
        Plaintext records are not subject to it (RFC 8449 section 4).
        """
        self._limit_out = limit
        self._write.apply_size_limit(limit)
        self._update_fragment_out()

    def set_max_plaintext_in(self, limit: int) -> None:
        """This side's record_size_limit (RFC 8449 section 4): protected records with a larger
        (inner) plaintext are refused with record_overflow. In TLS 1.3 the limit counts the inner
        content type byte and padding."""
        self._limit_in = limit
        self._read.apply_size_limit(limit)
        self._read_max_payload = self._read.max_payload

    def _update_fragment_out(self) -> None:
        self._frag_out = min(self._fragment_cap, self._write.max_fragment)

    @property
    def max_fragment_out(self) -> int:
        """The most content bytes one outgoing record carries now."""
        return self._frag_out

    # -- change_cipher_spec -----------------------------------------------------------------------

    def allow_ccs(self, allowed: bool) -> None:
        """RFC 8446 section 5 and appendix D.4: while allowed, one plaintext change_cipher_spec record
        with body 0x01 is dropped silently; any other change_cipher_spec is unexpected_message."""
        self._ccs_allowed = allowed

    @property
    def middlebox_ccs_received(self) -> bool:
        """A TLS 1.3 middlebox-compatibility change_cipher_spec was received and dropped (for the trace)."""
        return self._ccs_seen

    def deliver_ccs(self, deliver: bool) -> None:
        """TLS 1.2 (RFC 5246 section 7.1): while set, a plaintext change_cipher_spec record with body
        0x01 is returned by ``next_record`` (once) instead of being dropped."""
        self._ccs_deliver = deliver

    # -- rejected early data (RFC 8446 section 4.2.10) ----------------------------------------------

    def skip_early_data(self, limit: int) -> None:
        """The server rejected 0-RTT: from now on skip application_data records that fail to open under the
        read keys (or, while reading plaintext, i.e. after a HelloRetryRequest, every application_data record),
        at most ``limit`` bytes of record payload in all. Skipping ends at the first record that opens (or,
        in plaintext, at the next handshake record: the second ClientHello)."""
        self._early_skip = limit

    def _skip(self, length: int) -> None:
        if length >= self._early_skip:
            # RFC 8446 section 4.6.1: more 0-RTT data than allowed SHOULD get unexpected_message.
            raise UnexpectedMessage(
                "the client sent more rejected 0-RTT data than the skip bound allows (RFC 8446 sections "
                "4.2.10, 4.6.1)",
                step="record layer",
            )
        self._early_skip -= length

    # -- incoming ---------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Buffer received bytes; drain them with ``next_record()`` before the next ``feed``."""
        buffered = len(self._buf) - self._pos
        if buffered + self._chunks_len + len(data) < self._need:
            self._chunks.append(bytes(data))
            self._chunks_len += len(data)
            return
        if self._chunks:
            with memoryview(self._buf) as view:
                self._buf = b"".join((view[self._pos :], *self._chunks, data))
            self._chunks.clear()
            self._chunks_len = 0
        elif not buffered:
            self._buf = bytes(data)
        elif self._pos:
            with memoryview(self._buf) as view:
                self._buf = b"".join((view[self._pos :], data))
        else:
            self._buf += data
        self._pos = 0
        self._view = None

    @property
    def buffered(self) -> int:
        """Bytes received and not yet returned as records (part of an incomplete record)."""
        return len(self._buf) - self._pos + self._chunks_len

    @property
    def partial_record(self) -> tuple[int, int] | None:
        """An incomplete record whose header has arrived: (bytes of it received, its size with the header)."""
        have = self.buffered
        if have < HEADER_LEN or self._need <= have:
            return None
        return have, self._need

    def next_record(self) -> tuple[ContentType, bytes] | None:
        """The next complete record's ``(content type, content)``, opened; ``None``: more bytes needed.

        Dropped change_cipher_spec records are skipped (the next record, if any, is returned).
        """
        while True:
            buf = self._buf
            pos = self._pos
            if len(buf) - pos < HEADER_LEN:
                self._need = HEADER_LEN
                return None
            ctype = buf[pos]
            if buf[pos + 1] != 3:
                raise _not_tls(buf[pos : pos + HEADER_LEN])
            if ctype not in _KNOWN_OUTER:
                # RFC 8446 section 5: an unexpected record type -> unexpected_message.
                raise UnexpectedMessage(
                    f"record of unknown content type {ctype} (0x{ctype:02x})", step="record layer"
                )
            length = (buf[pos + 3] << 8) | buf[pos + 4]
            if ctype == _CCS and length != 1:
                raise self._bad_ccs(f"a change_cipher_spec record of {length} bytes")
            if length > self._read_max_payload and not (
                self._early_skip and ctype == _APPLICATION_DATA and length <= MAX_CIPHERTEXT
            ):
                # RFC 8446 sections 5.1 and 5.2, RFC 8449 section 4: refuse from the header alone (a 0-RTT
                # record being skipped is a TLSCiphertext of at most 2^14 + 256, section 5.2).
                raise RecordOverflow(
                    f"record length {length} exceeds {self._read_max_payload}", step="record layer"
                )
            end = pos + HEADER_LEN + length
            if len(buf) < end:
                self._need = end - pos
                return None
            self._need = 0
            read = self._read
            if read.encrypted and ctype != _CCS and not (self._plaintext_alerts and ctype == _ALERT and length == 2):
                # A protected record: the AEAD may read the payload where it lies (a memoryview, no copy).
                self._pos = end
                view = self._view
                if view is None:
                    view = self._view = memoryview(buf)
                version = (buf[pos + 1] << 8) | buf[pos + 2]
                header = buf[pos : pos + HEADER_LEN]
                try:
                    inner_type, content = read.open_view(ctype, version, view[pos + HEADER_LEN : end], header)
                except BadRecordMac:
                    if not self._early_skip or ctype != _APPLICATION_DATA:
                        raise
                    self._skip(length)  # RFC 8446 section 4.2.10: rejected 0-RTT data, skipped
                    continue
                self._plaintext_alerts = False
                self._early_skip = 0
                if inner_type is _APPLICATION_DATA_TYPE:
                    if content:
                        self._empty_in_a_row = 0
                    else:
                        self._empty_record()
                    return inner_type, content
                self._empty_in_a_row = 0  # other content types are never empty (_check_inner)
                return self._check_inner(inner_type, content)
            header = buf[pos : pos + HEADER_LEN]
            payload = buf[pos + HEADER_LEN : end]
            self._pos = end
            if ctype == _CCS:
                if self._take_ccs(payload):
                    return ContentType.CHANGE_CIPHER_SPEC, payload
                continue
            if read.encrypted:
                # Only a plaintext alert gets here (see set_read_protection): delivered as it is.
                return ContentType.ALERT, payload
            if ctype == _APPLICATION_DATA and self._early_skip:
                self._skip(length)  # RFC 8446 section 4.2.10: 0-RTT data after our HelloRetryRequest, skipped
                continue
            if ctype == _HANDSHAKE:
                self._early_skip = 0  # the second ClientHello: no 0-RTT follows it (RFC 8446 section 4.2.10)
            if ctype == _APPLICATION_DATA:
                # Application data before any keys (RFC 8446 section 5: unexpected record type).
                raise UnexpectedMessage(
                    "application_data record before the connection has keys", step="record layer"
                )
            if not payload:
                # RFC 8446 section 5.1: zero-length handshake or alert fragments MUST NOT be sent.
                raise UnexpectedMessage(
                    f"empty {ContentType(ctype)} record (RFC 8446 section 5.1)", step="record layer"
                )
            return read.open(ctype, (buf[pos + 1] << 8) | buf[pos + 2], payload, header)

    def _empty_record(self) -> None:
        """Count a zero-length application_data record; too many in a row is unexpected_message (see
        MAX_EMPTY_RECORDS_IN_A_ROW). Plaintext records are never empty (refused below), so only protected ones
        count, in TLS 1.2 and 1.3 alike; any non-empty record resets the count."""
        self._empty_in_a_row += 1
        if self._empty_in_a_row > MAX_EMPTY_RECORDS_IN_A_ROW:
            # RFC 8446 section 6.2 / RFC 5246 section 7.2.2: unexpected_message, "an inappropriate message was
            # received" (OpenSSL: SSL_R_RECORD_TOO_SMALL with the same alert).
            raise UnexpectedMessage(
                f"more than {MAX_EMPTY_RECORDS_IN_A_ROW} empty records in a row",
                step="record layer",
                hint="the peer sends zero-length records and no data (a flood; OpenSSL also refuses more than 32)",
            )

    @staticmethod
    def _check_inner(inner_type: ContentType, content: bytes) -> tuple[ContentType, bytes]:
        """The checks on the inner content type of an opened protected record."""
        inner = int(inner_type)
        if inner == _APPLICATION_DATA:
            return inner_type, content
        if inner == _CCS:
            # RFC 8446 section 5: a protected change_cipher_spec -> unexpected_message.
            raise UnexpectedMessage("an encrypted change_cipher_spec record (RFC 8446 section 5)", step="record layer")
        if inner not in _KNOWN_OUTER:
            raise UnexpectedMessage(
                f"protected record of unknown content type {inner} (0x{inner:02x})", step="record layer"
            )
        if not content:
            # RFC 8446 section 5.1 (and 5.4): zero-length handshake or alert fragments.
            raise UnexpectedMessage(f"empty {inner_type} record (RFC 8446 section 5.1)", step="record layer")
        return inner_type, content

    def _bad_ccs(self, what: str) -> UnexpectedMessage:
        return UnexpectedMessage(
            f"{what}: only one plaintext change_cipher_spec record with body 0x01 is allowed, and only "
            "during the handshake (RFC 8446 section 5)",
            step="record layer",
        )

    def _take_ccs(self, payload: bytes) -> bool:
        """Apply the change_cipher_spec rules; True: return the record to the caller (TLS 1.2)."""
        if payload != _CCS_RECORD_BODY:
            raise self._bad_ccs(f"a change_cipher_spec record with body {payload[:8].hex()!r}")
        if self._ccs_deliver:
            self._ccs_deliver = False
            return True
        if not self._ccs_allowed:
            raise self._bad_ccs("a change_cipher_spec record outside the handshake")
        if self._ccs_seen:
            raise self._bad_ccs("a second change_cipher_spec record")
        self._ccs_seen = True
        return False

    # -- outgoing ---------------------------------------------------------------------------------

    def seal(self, content_type: ContentType, data: bytes | memoryview) -> bytes:
        """The records carrying ``data``: fragments of at most ``max_fragment_out`` bytes, each sealed
        with the write protection (RFC 8446 section 5.1).

        Empty application data gives one empty record (allowed, RFC 8446 section 5.1); empty handshake
        or alert content gives no record (zero-length fragments MUST NOT be sent). change_cipher_spec
        is always a plaintext record (RFC 8446 section 5, appendix D.4).
        """
        if content_type == _CCS:
            return _CCS_RECORD
        n = len(data)
        if n == 0:
            return self._write.seal(content_type, b"") if content_type == _APPLICATION_DATA else b""
        if n <= self._frag_out and type(data) is bytes:
            return self._write.seal(content_type, data)
        # Bulk (or a caller's memoryview): the protection seals fragment after fragment in one loop.
        return self._write.seal_records(content_type, data, self._frag_out)
