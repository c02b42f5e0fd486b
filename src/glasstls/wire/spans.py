"""Where each decoded field lies: the byte spans of a message, recorded by the decoders themselves.

The page of a connection (glasstls.page) ties every byte to the field it encodes. Rather than re-encoding the
decoded objects (which would show what glasstls *would* send, not what was on the wire), :func:`annotate_message`
decodes the raw bytes of a received or sent message a second time with the very decoders of ``wire/``, with a
:class:`SpanRecorder` installed: every :class:`~glasstls.wire.codec.Reader` made during that pass is adopted
(``Reader.record_into``: its reads then tell the recorder the offset, length, field name and value of what they
read). Outside such a pass the hook is ``None``: a Reader costs one global look-up more and each read one test.
The Reader itself reports its reads (no subclass swapped in): the compiled build (``make compiled``) annotates too.

Offsets are absolute in the annotated buffer (the message with its 4-byte header): a sub-reader over a
length-prefixed block learns its base offset from the bytes object the parent's read returned (looked up by
identity). A span that holds other spans is a *container*; the others are *leaves*. Every byte of a message
that decoded belongs to exactly one leaf (tests/test_spans.py checks it over whole handshakes); bytes no read
covered (a decoder that parses a block by hand) stay one leaf, the block itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from glasstls.errors import TLSError
from glasstls.wire import codec
from glasstls.wire.codec import Reader
from glasstls.wire.enums import HandshakeType, ProtocolVersion
from glasstls.wire.messages import Alert, KeyExchangeMethod, decode_handshake
from glasstls.wire.sections import describe_value, section_for

__all__ = ["Annotation", "Span", "SpanRecorder", "annotate_alert", "annotate_message"]

#: Spans kept for one message: a 64 KiB Certificate of the most items a decoder accepts stays far below (each
#: span is a read; the hello bounds of wire/limits.py cap the lists). Beyond it the rest is not annotated.
MAX_SPANS_PER_MESSAGE = 20_000


@dataclass(frozen=True)
class Span:
    """``length`` bytes at ``offset`` hold ``name`` (decoded: ``value``), specified in ``section``; ``path``:
    the structure it was read in (the Reader's ``what``, e.g. "ClientHello key_share extension")."""

    offset: int
    length: int
    name: str
    value: str
    section: str
    path: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass
class Annotation:
    """The spans of one message: ``leaves`` tile its bytes (sorted by offset), ``containers`` group them.
    ``error``: why the decode stopped (the bytes after it form one "not decoded" leaf)."""

    name: str
    leaves: list[Span] = field(default_factory=list)
    containers: list[Span] = field(default_factory=list)
    error: str | None = None


class SpanRecorder:
    """Collects the spans of one annotating pass (one thread: Readers made by other threads meanwhile are not
    adopted). Each adopted Reader tells it of its reads (``codec.ReadNotes``)."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._owner_thread = threading.get_ident()
        # id(bytes) -> (the bytes, kept alive so the id stays theirs; their offset). Later entries win.
        self._offsets: dict[int, tuple[bytes, int]] = {}
        # id(reader) -> (the reader, kept alive likewise; the offset of its data in the annotated buffer).
        self._readers: dict[int, tuple[Reader, int]] = {}

    def register(self, data: bytes, offset: int) -> None:
        self._offsets[id(data)] = (data, offset)

    def adopt(self, reader: Reader) -> None:
        if threading.get_ident() != self._owner_thread:
            return
        known = self._offsets.get(id(reader._data))
        if known is None or known[0] is not reader._data:
            return
        self._readers[id(reader)] = (reader, known[1])
        reader.record_into(self)

    def add(self, reader: Reader, offset: int, length: int, name: str, value: object) -> None:
        if len(self.spans) >= MAX_SPANS_PER_MESSAGE:
            return
        path = reader.what
        self.spans.append(Span(offset, length, name, describe_value(name, value), section_for(name, path), path))

    # -- what an adopted Reader tells (codec.ReadNotes): ``pos`` is in the reader's data --------------------

    def _base(self, reader: Reader) -> int:
        return self._readers[id(reader)][1]

    def scalar(self, reader: Reader, pos: int, length: int, field: str, value: int) -> None:
        self.add(reader, self._base(reader) + pos, length, field, value)

    def block(self, reader: Reader, pos: int, field: str, value: bytes) -> None:
        at = self._base(reader) + pos
        self.add(reader, at, len(value), field, value)
        self.register(value, at)

    def vector(self, reader: Reader, pos: int, width: int, field: str, value: bytes) -> None:
        at = self._base(reader) + pos
        self.add(reader, at, width, f"{field} length", len(value))
        self.add(reader, at + width, len(value), field, value)
        self.register(value, at + width)

    def u16_items(self, reader: Reader, pos: int, width: int, field: str, item_field: str, values: list[int]) -> None:
        at = self._base(reader) + pos
        self.add(reader, at, width, f"{field} length", 2 * len(values))
        self.add(reader, at + width, 2 * len(values), field, f"{len(values)} items")
        for i, value in enumerate(values):
            self.add(reader, at + width + 2 * i, 2, item_field, value)


@contextmanager
def recording(recorder: SpanRecorder) -> Iterator[SpanRecorder]:
    """Adopt every Reader made (by this thread) inside the block. Annotating passes do not nest."""
    codec.set_span_hook(recorder.adopt)
    try:
        yield recorder
    finally:
        codec.set_span_hook(None)


#: Messages whose decoder takes the body whole (no Reader, so no spans inside): the field the body is.
_WHOLE_BODY = {"FINISHED": "verify_data"}

_LOCK = threading.Lock()  # one annotating pass at a time: the hook is global (serve annotates per connection)


def _tile(name: str, size: int, spans: list[Span], error: str | None) -> Annotation:
    """Leaves and containers of ``spans`` over ``size`` bytes; uncovered bytes become "not decoded" leaves."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].offset, -spans[i].length, i))
    ordered = [spans[i] for i in order if spans[i].length > 0]
    annotation = Annotation(name, error=error)
    for i, span in enumerate(ordered):
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        if following is not None and following.offset < span.end:
            annotation.containers.append(span)  # the next span starts inside: this one holds it
        else:
            annotation.leaves.append(span)
    # A container whose children leave holes: fill each hole (a decoder read the block by hand) as one leaf.
    covered = sorted((s.offset, s.end) for s in annotation.leaves)
    holes: list[Span] = []
    at = 0
    for start, end in covered:
        if start > at:
            holes.append(Span(at, start - at, "not decoded", error or "(read without a recorded field)", ""))
        at = max(at, end)
    if at < size:
        holes.append(Span(at, size - at, "not decoded", error or "(read without a recorded field)", ""))
    annotation.leaves = sorted(annotation.leaves + holes, key=lambda s: s.offset)
    return annotation


def annotate_message(
    raw: bytes,
    *,
    version: ProtocolVersion = ProtocolVersion.TLS13,
    key_exchange: KeyExchangeMethod | None = None,
) -> Annotation:
    """The spans of one handshake message ``raw`` (4-byte header and body), decoded as glasstls decodes it."""
    msg_type = raw[0] if raw else 0
    try:
        name = str(HandshakeType(msg_type))
    except ValueError:
        name = f"handshake type {msg_type}"
    recorder = SpanRecorder()
    spans: list[Span] = []
    error: str | None = None
    if len(raw) >= 4:
        section = section_for("msg_type", name)
        spans.append(Span(0, 1, "msg_type", name, section, "Handshake"))
        spans.append(Span(1, 3, "length", str(int.from_bytes(raw[1:4], "big")), section, "Handshake"))
        body = raw[4:]
        body_name = _WHOLE_BODY.get(name, name)  # a body read whole (no Reader) is its one field
        spans.append(Span(4, len(body), body_name, f"{len(body)} bytes", section_for(name, name), name))
        recorder.register(body, 4)
        with _LOCK, recording(recorder):
            try:
                decode_handshake(msg_type, body, version=version, key_exchange=key_exchange)
            except TLSError as exc:
                error = str(exc)
    else:
        error = "truncated handshake header"
    return _tile(name, len(raw), spans + recorder.spans, error)


def annotate_alert(raw: bytes) -> Annotation:
    """The spans of an alert's two bytes (RFC 8446 section 6)."""
    recorder = SpanRecorder()
    recorder.register(raw, 0)
    error: str | None = None
    with _LOCK, recording(recorder):
        try:
            Alert.decode(raw)
        except (TLSError, ValueError) as exc:
            error = str(exc)
    return _tile("alert", len(raw), recorder.spans, error)
