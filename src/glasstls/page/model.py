"""The picture of one connection: its records, the handshake messages they carry, and each byte's field.

Built from what one side captured (glasstls.record.capture): the records as they were on the wire, the content
of each once opened. Handshake messages are cut from each direction's stream of handshake content (several in
one record, or one over several records, RFC 8446 section 5.1) and annotated by decoding their raw bytes again
with the spans recorder (glasstls.wire.spans): nothing here is a re-encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from glasstls.errors import TLSError
from glasstls.record.capture import CapturedRecord
from glasstls.wire.enums import ContentType, ExtensionType, HandshakeType, ProtocolVersion
from glasstls.wire.messages import (
    HELLO_RETRY_REQUEST_RANDOM,
    KeyExchangeMethod,
    ServerHello,
    decode_handshake,
)
from glasstls.wire.sections import section_for
from glasstls.wire.spans import Annotation, Span, annotate_alert, annotate_message

__all__ = ["MessageView", "Picture", "RecordView", "build_picture"]

Side = Literal["client", "server"]

_RECORD = "record"


@dataclass
class RecordView:
    """One record: ``leaves`` tile ``raw`` (header, then payload fields, or one encrypted_record leaf);
    ``content_leaves`` tile ``content`` (the opened content of a protected record)."""

    index: int
    sender: Side
    time: float
    raw: bytes
    content_type: str
    encrypted: bool
    content: bytes | None
    leaves: list[tuple[Span, int]] = field(default_factory=list)  # (span, message index or -1)
    content_leaves: list[tuple[Span, int]] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    error: str | None = None


@dataclass
class MessageView:
    """One handshake message (or a change_cipher_spec, alert or application data record, as a message)."""

    index: int
    sender: Side
    name: str
    size: int
    records: list[int]
    encrypted: bool
    time: float
    section: str
    error: str | None = None
    leaves: list[Span] = field(default_factory=list)
    containers: list[Span] = field(default_factory=list)


@dataclass
class Picture:
    side: Side
    records: list[RecordView]
    messages: list[MessageView]
    version: str
    dropped_records: int = 0


def _kind(name: str) -> str:
    try:
        return str(ContentType(int(name)))
    except ValueError:
        return f"content type {name}"


def _key_exchange(suite_name: str) -> KeyExchangeMethod | None:
    if "_ECDHE_" in suite_name:
        return "ECDHE"
    if "_DHE_" in suite_name:
        return "DHE"
    if suite_name.startswith("TLS_RSA_"):
        return "RSA"
    return None


def _negotiation(streams: dict[Side, list[bytes]]) -> tuple[ProtocolVersion, KeyExchangeMethod | None]:
    """The version and TLS 1.2 key exchange, from the first ServerHello that is not a HelloRetryRequest."""
    for raw in streams["server"]:
        if raw[:1] != bytes((HandshakeType.SERVER_HELLO,)) or len(raw) < 38 or raw[6:38] == HELLO_RETRY_REQUEST_RANDOM:
            continue
        try:
            hello = decode_handshake(raw[0], raw[4:])
        except TLSError:
            break
        assert isinstance(hello, ServerHello)
        for ext in hello.extensions:
            if ext.wire_type == ExtensionType.SUPPORTED_VERSIONS:
                return ProtocolVersion.TLS13, None
        return ProtocolVersion.TLS12, _key_exchange(str(hello.cipher_suite))
    return ProtocolVersion.TLS13, None


def _cut(pieces: list[tuple[int, bytes]]) -> list[tuple[bytes, list[tuple[int, int, int]]]]:
    """The messages of one direction's handshake stream: each message's bytes and where they lie, as
    (record index, offset in the record's content, offset in the message) pieces."""
    stream = b"".join(content for _, content in pieces)
    where: list[tuple[int, int]] = []  # (record index, start of its content in the stream)
    at = 0
    for index, content in pieces:
        where.append((index, at))
        at += len(content)
    out: list[tuple[bytes, list[tuple[int, int, int]]]] = []
    pos = 0
    while pos < len(stream):
        end = pos + 4 + int.from_bytes(stream[pos + 1 : pos + 4], "big") if pos + 4 <= len(stream) else len(stream)
        end = min(end, len(stream))
        located: list[tuple[int, int, int]] = []
        for index, start in where:
            content_len = len(dict(pieces)[index])
            lo, hi = max(pos, start), min(end, start + content_len)
            if lo < hi:
                located.append((index, lo - start, lo - pos))
        out.append((stream[pos:end], located))
        pos = end
    return out


def _place(span: Span, pieces: list[tuple[int, int, int]], lengths: dict[int, int]) -> list[tuple[int, Span]]:
    """``span`` (message offsets) as spans in record content offsets, cut where the message changes record."""
    out: list[tuple[int, Span]] = []
    for index, content_offset, message_offset in pieces:
        length = lengths[index]
        lo = max(span.offset, message_offset)
        hi = min(span.end, message_offset + length - content_offset)
        if lo < hi:
            out.append((index, replace(span, offset=content_offset + lo - message_offset, length=hi - lo)))
    return out


def _header(raw: bytes, sender: Side) -> list[Span]:
    kind = _kind(str(raw[0])) if raw else "?"
    path = f"record from the {sender}"
    spans = [Span(0, 1, "content_type", f"{kind} ({raw[0]})" if raw else "", section_for("content_type", ""), path)]
    if len(raw) >= 3:
        version = int.from_bytes(raw[1:3], "big")
        spans.append(
            Span(1, 2, "legacy_record_version", f"0x{version:04x}", section_for("legacy_record_version", ""), path)
        )
    if len(raw) >= 5:
        spans.append(Span(3, 2, "record length", f"{len(raw) - 5} bytes", section_for("record length", ""), path))
    return spans


def build_picture(records: list[CapturedRecord], side: Side, dropped: int = 0) -> Picture:
    """The picture of the records one side (``side``) captured."""
    other: Side = "server" if side == "client" else "client"
    views: list[RecordView] = []
    streams: dict[Side, list[tuple[int, bytes]]] = {"client": [], "server": []}
    for i, rec in enumerate(records):
        sender = side if rec.direction == "sent" else other
        view = RecordView(
            i, sender, rec.time, rec.raw, _kind(str(rec.content_type)), rec.encrypted, None, error=rec.error
        )
        view.leaves = [(s, -1) for s in _header(rec.raw, sender)]
        if rec.encrypted:
            view.content = rec.content
            view.leaves.append(
                (
                    Span(
                        5,
                        len(rec.raw) - 5,
                        "encrypted_record",
                        f"{len(rec.raw) - 5} bytes, protected",
                        section_for("encrypted_record", ""),
                        f"record from the {sender}",
                    ),
                    -1,
                )
            )
        if rec.content_type == ContentType.HANDSHAKE and rec.content is not None:
            streams[sender].append((i, rec.content))
        views.append(view)

    messages: list[MessageView] = []
    cut = {who: _cut(streams[who]) for who in ("client", "server")}
    version, key_exchange = _negotiation({who: [m for m, _ in cut[who]] for who in ("client", "server")})
    lengths = {i: len(rec.content or b"") for i, rec in enumerate(records)}
    by_record: dict[int, list[tuple[bytes, list[tuple[int, int, int]]]]] = {}
    for who in ("client", "server"):
        for raw, pieces in cut[who]:
            if pieces:
                by_record.setdefault(pieces[-1][0], []).append((raw, pieces))

    for view, rec in zip(views, records, strict=True):
        target = view.content_leaves if rec.encrypted else view.leaves
        shift = 0 if rec.encrypted else 5
        if rec.content_type == ContentType.HANDSHAKE and rec.content is not None:
            for raw, pieces in by_record.get(view.index, []):
                annotation = annotate_message(raw, version=version, key_exchange=key_exchange)
                name = _message_name(raw, annotation)
                declared = 4 + int.from_bytes(raw[1:4], "big") if len(raw) >= 4 else None
                if declared is None or declared > len(raw):
                    # The connection ended (or the capture stopped) inside this message.
                    of = f" of {declared}" if declared is not None else ""
                    name += f" (incomplete: {len(raw)}{of} bytes)"
                    annotation.error = annotation.error or "incomplete"
                index = len(messages)
                messages.append(
                    MessageView(
                        index,
                        view.sender,
                        name,
                        len(raw),
                        [p[0] for p in pieces],
                        view.encrypted,
                        view.time,
                        section_for(annotation.name, annotation.name),
                        annotation.error,
                        annotation.leaves,
                        annotation.containers,
                    )
                )
                for record_index, placed in (p for s in annotation.leaves for p in _place(s, pieces, lengths)):
                    owner = views[record_index]
                    moved = replace(placed, offset=placed.offset + (0 if owner.encrypted else 5))
                    (owner.content_leaves if owner.encrypted else owner.leaves).append((moved, index))
                    if index not in owner.messages:
                        owner.messages.append(index)
            continue
        name = view.content_type
        annotation = Annotation(name)
        if rec.content_type == ContentType.ALERT and rec.content is not None:
            annotation = annotate_alert(rec.content)
            name = f"alert {_alert_words(annotation)}"
        elif rec.content_type == ContentType.CHANGE_CIPHER_SPEC and rec.content is not None:
            annotation.leaves = [
                Span(
                    0,
                    len(rec.content),
                    "change_cipher_spec",
                    rec.content.hex(),
                    section_for("change_cipher_spec", ""),
                    "ChangeCipherSpec",
                )
            ]
            name = "ChangeCipherSpec"
        elif not rec.encrypted:
            annotation.leaves = [
                Span(
                    0,
                    len(rec.raw) - 5,
                    "payload",
                    f"{len(rec.raw) - 5} bytes",
                    section_for("application_data", ""),
                    name,
                )
            ]
        elif rec.content_type == ContentType.APPLICATION_DATA:
            name = "application data"
        index = len(messages)
        messages.append(
            MessageView(
                index,
                view.sender,
                name,
                len(rec.content) if rec.content is not None else len(rec.raw) - 5,
                [view.index],
                view.encrypted,
                view.time,
                section_for(name, name) or section_for("content_type", ""),
                view.error or annotation.error,
                annotation.leaves,
            )
        )
        view.messages.append(index)
        for span in annotation.leaves:
            target.append((replace(span, offset=span.offset + shift), index))
    for view in views:
        view.leaves.sort(key=lambda p: p[0].offset)
        view.content_leaves.sort(key=lambda p: p[0].offset)
    return Picture(side, views, messages, str(version) if by_record else "", dropped)


def _message_name(raw: bytes, annotation: Annotation) -> str:
    if raw[:1] == bytes((HandshakeType.SERVER_HELLO,)) and raw[6:38] == HELLO_RETRY_REQUEST_RANDOM:
        return "HelloRetryRequest"
    words = annotation.name.split("_")
    if len(words) > 1 or annotation.name.isupper():
        return "".join(w.capitalize() for w in words)
    return annotation.name


def _alert_words(annotation: Annotation) -> str:
    values = {s.name: s.value.split(" (")[0] for s in annotation.leaves}
    return f"{values.get('level', '?')} {values.get('description', '?')}".lower()


def version_words(version: str) -> str:
    """A protocol version as a person writes it: "TLS13" -> "TLS 1.3" (the enum's name stays the data's)."""
    return version.replace("TLS1", "TLS 1.", 1) if version.startswith("TLS1") else version
