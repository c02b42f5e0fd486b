"""Handshake message reassembly (RFC 8446 section 5.1).

Handshake messages may be coalesced into one record or split over several records; the
:class:`HandshakeReassembler` takes the content of handshake records in order and gives back whole
messages with their raw bytes (header included), which is what the transcript hashes (DESIGN rule 5).

RFC 8446 section 5.1 also says a handshake message must not span a key change: while ``in_progress``
is true the connection must refuse key changes and records of other content types.
"""

from __future__ import annotations

from glasstls.errors import DecodeError

#: RFC 8446 section 4: msg_type (1 byte) and length (uint24).
HANDSHAKE_HEADER_LEN = 4
#: Default bound on one handshake message: 64 KiB for any ordinary message plus room for long
#: certificate chains (a Certificate message may legitimately reach a few hundred KiB).
DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024


class HandshakeReassembler:
    """Joins handshake record contents into messages and splits coalesced ones.

    ``max_message_size``: the largest handshake body accepted; a longer declared length is refused as
    soon as the 4-byte header is seen, before any of the body is buffered.
    """

    __slots__ = ("_buf", "_pos", "max_message_size")

    def __init__(self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if not 0 <= max_message_size < 1 << 24:
            raise ValueError(f"max_message_size must be in 0..2^24-1, not {max_message_size}")
        self.max_message_size = max_message_size
        self._buf = bytearray()
        self._pos = 0

    def feed(self, fragment: bytes) -> None:
        """Append the content of one handshake record (RFC 8446 section 5.1)."""
        if self._pos:
            # Drop what next_message() already returned: at most the tail of this buffer is kept.
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += fragment
        self._check_header()

    @property
    def in_progress(self) -> bool:
        """True while bytes of an incomplete message are buffered (RFC 8446 section 5.1: no key
        change and no other content type may come in between)."""
        return len(self._buf) > self._pos

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def _check_header(self) -> int | None:
        """The declared body length of the next message, once its header is here; refuse it if too long."""
        buf = self._buf
        pos = self._pos
        if len(buf) - pos < HANDSHAKE_HEADER_LEN:
            return None
        length = (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]
        if length > self.max_message_size:
            # Which alert? RFC 8446 section 6.2 defines decode_error as "some field was out of the
            # specified range or the length of the message was incorrect": the declared length is out of
            # the range this endpoint accepts, so decode_error. (OpenSSL sends illegal_parameter for
            # "excessive message size"; rustls treats it as an invalid message, answered with decode_error.)
            raise DecodeError(
                f"handshake message type {buf[pos]} declares {length} bytes, more than the "
                f"{self.max_message_size} accepted",
                step="handshake reassembly",
                hint="raise max_message_size if the peer really sends a certificate chain that long",
            )
        return length

    def next_message(self) -> tuple[int, bytes, bytes] | None:
        """The next whole message as ``(msg_type, body, raw)``; ``raw`` includes the 4-byte header.
        ``None``: more handshake records are needed."""
        length = self._check_header()
        if length is None:
            return None
        pos = self._pos
        end = pos + HANDSHAKE_HEADER_LEN + length
        buf = self._buf
        if len(buf) < end:
            return None
        raw = bytes(buf[pos:end])
        if end == len(buf):
            buf.clear()
            self._pos = 0
        else:
            self._pos = end
        return raw[0], raw[HANDSHAKE_HEADER_LEN:], raw
