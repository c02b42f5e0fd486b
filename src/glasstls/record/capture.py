"""Keep the raw records of one connection, when asked (for the page of glasstls.page; off by default).

:class:`CapturingRecordLayer` is a :class:`~glasstls.record.layer.RecordLayer` whose ``next_record`` and
``seal`` also note each record as it was on the wire (header and payload), when, in which direction, whether it
was protected, and its content once opened (handshake, alert and change_cipher_spec content only: application
data stays out, as do secrets). A connection gets one in place of its plain layer before its first record
(``glasstls.page.watch``); a layer that nobody asked to capture is the plain class, and pays nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from glasstls.errors import TLSError
from glasstls.record.layer import RecordLayer
from glasstls.record.protection import MAX_PLAINTEXT
from glasstls.wire.enums import ContentType

__all__ = ["CapturedRecord", "CapturingRecordLayer", "RecordCapture"]

HEADER_LEN = 5
#: Records kept per connection: a handshake takes 4 to 20 records (a 1.3 handshake with HelloRetryRequest,
#: client authentication and tickets about 15); the page is about the handshake, not a bulk transfer.
MAX_CAPTURED_RECORDS = 200
#: Bytes kept per connection (records beyond it are counted, not kept): certificate chains of a few KiB each
#: way; a transfer of data after the handshake would otherwise fill memory.
MAX_CAPTURED_BYTES = 1 << 20

Direction = Literal["sent", "received"]


@dataclass(frozen=True)
class CapturedRecord:
    """One record as on the wire. ``content_type``: the (inner, once opened) type; ``content``: its opened
    content (``None`` for application data, or a record that was not opened); ``encrypted``: protected."""

    direction: Direction
    time: float
    raw: bytes
    content_type: int
    content: bytes | None
    encrypted: bool
    error: str | None = None


@dataclass
class RecordCapture:
    """The records of one connection, in wire order per direction, bounded (``dropped`` counts the rest)."""

    clock: Callable[[], float] = time.perf_counter
    records: list[CapturedRecord] = field(default_factory=list)
    dropped: int = 0
    _bytes: int = 0
    _start: float | None = None

    def now(self) -> float:
        t = self.clock()
        if self._start is None:
            self._start = t
        return t - self._start

    def add(self, record: CapturedRecord) -> None:
        if len(self.records) >= MAX_CAPTURED_RECORDS or self._bytes + len(record.raw) > MAX_CAPTURED_BYTES:
            self.dropped += 1
            return
        self._bytes += len(record.raw)
        self.records.append(record)


def _split(data: bytes) -> list[bytes]:
    """The records of ``data`` (whole records, back to back), by their headers."""
    out: list[bytes] = []
    pos = 0
    while pos + HEADER_LEN <= len(data):
        end = pos + HEADER_LEN + ((data[pos + 3] << 8) | data[pos + 4])
        out.append(data[pos:end])
        pos = end
    return out


_KEPT = (ContentType.HANDSHAKE, ContentType.ALERT, ContentType.CHANGE_CIPHER_SPEC)


class CapturingRecordLayer(RecordLayer):
    """A RecordLayer that notes its records in ``capture``."""

    def __init__(self, capture: RecordCapture, max_fragment_out: int = MAX_PLAINTEXT) -> None:
        super().__init__(max_fragment_out)
        self.capture = capture

    def next_record(self) -> tuple[ContentType, bytes] | None:
        buf, pos = self._buf, self._pos
        encrypted = self.read_encrypted
        try:
            result = super().next_record()
        except TLSError as exc:
            # The record that failed, whole if it arrived (a record that does not open is shown as it came).
            rest = buf[pos:]
            failed = _split(rest)[:1] if len(rest) >= HEADER_LEN else []
            for raw in failed:
                self.capture.add(CapturedRecord("received", self.capture.now(), raw, raw[0], None, encrypted, str(exc)))
            raise
        consumed = buf[pos : self._pos]
        records = _split(consumed)
        now = self.capture.now()
        for i, raw in enumerate(records):
            last = i == len(records) - 1 and result is not None
            if last and result is not None:
                ctype, content = result
                kept = bytes(content) if ctype in _KEPT else None
                is_encrypted = encrypted and raw[0] != ContentType.CHANGE_CIPHER_SPEC
                self.capture.add(CapturedRecord("received", now, raw, int(ctype), kept, is_encrypted))
            else:  # a dropped middlebox change_cipher_spec, or skipped 0-RTT data
                ccs = raw[0] == ContentType.CHANGE_CIPHER_SPEC
                self.capture.add(
                    CapturedRecord("received", now, raw, raw[0], raw[5:] if ccs else None, encrypted and not ccs)
                )
        return result

    def seal(self, content_type: ContentType, data: bytes | memoryview) -> bytes:
        encrypted = self.write_encrypted and content_type != ContentType.CHANGE_CIPHER_SPEC
        out = super().seal(content_type, data)
        frag = self.max_fragment_out
        now = self.capture.now()
        for i, raw in enumerate(_split(out)):
            content: bytes | None = None
            if content_type in _KEPT:
                content = (
                    bytes(data[i * frag : (i + 1) * frag])
                    if content_type != ContentType.CHANGE_CIPHER_SPEC
                    else b"\x01"
                )
            self.capture.add(CapturedRecord("sent", now, raw, int(content_type), content, encrypted))
        return out
