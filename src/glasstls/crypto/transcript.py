"""The handshake transcript hash (RFC 8446 section 4.4.1).

Transcript-Hash(M1, M2, ... Mn) = Hash(M1 || M2 || ... || Mn), over each handshake message's header and
body exactly as received or sent (DESIGN rule 5: hash the bytes, never a re-encoding).

The hash function is the suite's, and a client learns the suite only from the ServerHello; until
:meth:`Transcript.set_hash` is called, messages are buffered. Any object with ``hash_name``, ``hash_len`` and
``hash_algorithm()`` names the hash: a TLS 1.3 suite, or a TLS 1.2 suite (whose PRF hash is also its
handshake hash, RFC 5246 section 7.4.9).

TLS 1.2 also needs the messages themselves: a CertificateVerify signs ``handshake_messages`` whole, not a
hash of them (RFC 5246 section 7.4.8). :meth:`Transcript.keep_messages` keeps them for :meth:`messages`.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives import hashes

from glasstls import errors
from glasstls.wire.enums import HandshakeType


class TranscriptHash(Protocol):
    """What names a transcript hash: ``Tls13CipherSuite`` and ``Tls12CipherSuite`` both qualify."""

    @property
    def hash_name(self) -> str: ...

    @property
    def hash_len(self) -> int: ...

    def hash_algorithm(self) -> hashes.HashAlgorithm: ...


class Transcript:
    """A running transcript hash; ``digest()`` can be taken at any point without ending it."""

    __slots__ = ("_buffer", "_hash", "_kept", "_suite")

    def __init__(self) -> None:
        self._buffer: list[bytes] = []
        self._hash: hashes.Hash | None = None
        self._suite: TranscriptHash | None = None
        self._kept: list[bytes] | None = None

    @property
    def suite(self) -> TranscriptHash | None:
        return self._suite

    def add(self, raw_message: bytes) -> None:
        """Append one handshake message (4-byte header + body, as on the wire)."""
        if self._hash is None:
            self._buffer.append(bytes(raw_message))
        else:
            self._hash.update(raw_message)
        if self._kept is not None:
            self._kept.append(self._buffer[-1] if self._hash is None else bytes(raw_message))

    def keep_messages(self) -> None:
        """Keep every message added, for :meth:`messages` (RFC 5246 section 7.4.8: the TLS 1.2
        CertificateVerify signs the handshake messages themselves).

        Call it before any message is added, or at any time while still buffering (the buffer holds every
        message so far); after :meth:`set_hash` without it, the earlier messages are gone. Idempotent.
        """
        if self._kept is not None:
            return
        if self._hash is not None:
            raise errors.InternalError("keep_messages after the transcript hash was set: earlier messages are gone")
        self._kept = list(self._buffer)

    def messages(self) -> bytes:
        """The concatenation of every handshake message added so far (needs :meth:`keep_messages`)."""
        if self._kept is None:
            raise errors.InternalError("transcript messages requested without keep_messages()")
        return b"".join(self._kept)

    def set_hash(self, suite: TranscriptHash) -> None:
        """Fix the hash once the suite is known; buffered messages are hashed now.

        Calling it again with a suite of the same hash is harmless (after a HelloRetryRequest the
        ServerHello repeats the suite, RFC 8446 section 4.1.4); a different hash is a bug.
        """
        if self._suite is not None:
            if self._suite.hash_name != suite.hash_name:
                raise errors.InternalError(
                    f"transcript hash already {self._suite.hash_name}, cannot change to {suite.hash_name}"
                )
            self._suite = suite
            return
        self._suite = suite
        self._hash = hashes.Hash(suite.hash_algorithm())
        for message in self._buffer:
            self._hash.update(message)
        self._buffer.clear()

    def _running(self) -> hashes.Hash:
        if self._hash is None:
            raise errors.InternalError("transcript hash requested before the cipher suite is known")
        return self._hash

    def digest(self) -> bytes:
        """Transcript-Hash of every message added so far (the running hash is not finalised)."""
        return self._running().copy().finalize()

    def digest_with(self, extra: bytes) -> bytes:
        """Transcript-Hash of the messages so far followed by ``extra`` (not added): e.g. the truncated
        ClientHello a PSK binder covers (RFC 8446 section 4.2.11.2)."""
        h = self._running().copy()
        h.update(extra)
        return h.finalize()

    def hrr_restart(self) -> None:
        """Replace ClientHello1 by the synthetic ``message_hash`` message (RFC 8446 section 4.4.1)::

            Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
                Hash(message_hash ||        /* Handshake type */
                     00 00 Hash.length  ||  /* Handshake message length (bytes) */
                     Hash(ClientHello1) ||  /* Hash of ClientHello1 */
                     HelloRetryRequest  || ... || Mn)

        Call it with only ClientHello1 added and the hash set; then add the HelloRetryRequest.
        """
        suite = self._suite
        if suite is None:
            raise errors.InternalError("hrr_restart before the cipher suite is known")
        client_hello1_hash = self.digest()
        self._hash = hashes.Hash(suite.hash_algorithm())
        self._hash.update(bytes((HandshakeType.MESSAGE_HASH, 0, 0, suite.hash_len)) + client_hello1_hash)

    def copy(self) -> Transcript:
        """An independent copy (e.g. for a server that tries a PSK and may fall back)."""
        other = Transcript()
        other._buffer = list(self._buffer)
        other._hash = self._hash.copy() if self._hash is not None else None
        other._suite = self._suite
        other._kept = list(self._kept) if self._kept is not None else None
        return other

    def __repr__(self) -> str:
        state = self._suite.hash_name if self._suite else f"buffering {len(self._buffer)} messages"
        return f"<Transcript {state}>"
