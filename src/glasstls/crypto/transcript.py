"""The handshake transcript hash (RFC 8446 section 4.4.1).

Transcript-Hash(M1, M2, ... Mn) = Hash(M1 || M2 || ... || Mn), over each handshake message's header and
body exactly as received or sent (DESIGN rule 5: hash the bytes, never a re-encoding).

The hash function is the suite's, and a client learns the suite only from the ServerHello; until
:meth:`Transcript.set_hash` is called, messages are buffered.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from glasstls import errors
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.wire.enums import HandshakeType


class Transcript:
    """A running transcript hash; ``digest()`` can be taken at any point without ending it."""

    __slots__ = ("_buffer", "_hash", "_suite")

    def __init__(self) -> None:
        self._buffer: list[bytes] = []
        self._hash: hashes.Hash | None = None
        self._suite: Tls13CipherSuite | None = None

    @property
    def suite(self) -> Tls13CipherSuite | None:
        return self._suite

    def add(self, raw_message: bytes) -> None:
        """Append one handshake message (4-byte header + body, as on the wire)."""
        if self._hash is None:
            self._buffer.append(bytes(raw_message))
        else:
            self._hash.update(raw_message)

    def set_hash(self, suite: Tls13CipherSuite) -> None:
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
        return other

    def __repr__(self) -> str:
        state = self._suite.hash_name if self._suite else f"buffering {len(self._buffer)} messages"
        return f"<Transcript {state}>"
