"""Where each decoded field lies: the byte spans of a message, recorded by the decoders themselves.

The page of a connection (glasstls.page) ties every byte to the field it encodes. Rather than re-encoding the
decoded objects (which would show what glasstls *would* send, not what was on the wire), :func:`annotate_message`
decodes the raw bytes of a received or sent message a second time with the very decoders of ``wire/``, with a
:class:`SpanRecorder` installed: every :class:`~glasstls.wire.codec.Reader` made during that pass is adopted
(its class becomes :class:`SpanReader`, whose reads note the offset, length, field name and value of what they
read). Outside such a pass the hook is ``None`` and a Reader costs one global look-up more, its reads nothing.

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

__all__ = ["Annotation", "Span", "SpanReader", "SpanRecorder", "annotate_alert", "annotate_message"]

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
    adopted)."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._thread = threading.get_ident()
        # id(bytes) -> (the bytes, kept alive so the id stays theirs; their offset). Later entries win.
        self._offsets: dict[int, tuple[bytes, int]] = {}

    def register(self, data: bytes, offset: int) -> None:
        self._offsets[id(data)] = (data, offset)

    def adopt(self, reader: Reader) -> None:
        if threading.get_ident() != self._thread:
            return
        known = self._offsets.get(id(reader._data))
        if known is None or known[0] is not reader._data:
            return
        reader.__class__ = SpanReader
        assert isinstance(reader, SpanReader)
        reader._base = known[1]
        reader._rec = self

    def add(self, reader: Reader, offset: int, length: int, name: str, value: object) -> None:
        if len(self.spans) >= MAX_SPANS_PER_MESSAGE:
            return
        path = reader.what
        self.spans.append(Span(offset, length, name, describe_value(name, value), section_for(name, path), path))


class SpanReader(Reader):
    """A Reader whose reads are noted by its recorder (made only by :meth:`SpanRecorder.adopt`)."""

    __slots__ = ()
    _base: int
    _rec: SpanRecorder

    def _note(self, pos: int, length: int, name: str, value: object) -> None:
        self._rec.add(self, self._base + pos, length, name, value)

    def u8(self, field: str) -> int:
        pos = self._pos
        value = Reader.u8(self, field)
        self._note(pos, 1, field, value)
        return value

    def u16(self, field: str) -> int:
        pos = self._pos
        value = Reader.u16(self, field)
        self._note(pos, 2, field, value)
        return value

    def u24(self, field: str) -> int:
        pos = self._pos
        value = Reader.u24(self, field)
        self._note(pos, 3, field, value)
        return value

    def u32(self, field: str) -> int:
        pos = self._pos
        value = Reader.u32(self, field)
        self._note(pos, 4, field, value)
        return value

    def uint(self, width: int, field: str) -> int:
        pos = self._pos
        value = Reader.uint(self, width, field)
        self._note(pos, width, field, value)
        return value

    def fixed(self, n: int, field: str) -> bytes:
        pos = self._pos
        value = Reader.fixed(self, n, field)
        self._note(pos, n, field, value)
        self._rec.register(value, self._base + pos)
        return value

    def rest(self) -> bytes:
        pos = self._pos
        value = Reader.rest(self)
        self._note(pos, len(value), "rest", value)
        self._rec.register(value, self._base + pos)
        return value

    def vec(self, width: int, field: str, min_len: int = 0, max_len: int | None = None) -> bytes:
        pos = self._pos
        value = Reader.vec(self, width, field, min_len, max_len)
        self._note(pos, width, f"{field} length", len(value))
        self._note(pos + width, len(value), field, value)
        self._rec.register(value, self._base + pos + width)
        return value

    def u16_list(
        self, width: int, field: str, item_field: str, min_len: int = 0, max_len: int | None = None
    ) -> list[int]:
        pos = self._pos
        values = Reader.u16_list(self, width, field, item_field, min_len, max_len)
        self._note(pos, width, f"{field} length", 2 * len(values))
        self._note(pos + width, 2 * len(values), field, f"{len(values)} items")
        for i, value in enumerate(values):
            self._note(pos + width + 2 * i, 2, item_field, value)
        return values


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
