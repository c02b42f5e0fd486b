"""AES-256-GCM sealing of values a server keeps outside its own memory (issue 15: a fleet's shared session store).

Whatever a fleet stores in Redis that is secret (ticket-encryption keys, TLS 1.2 session states with their master
secrets) is sealed under a 32-byte *store key* the servers share out of band, so that reading the store (a dump,
a replica, a stolen backup, someone with network access to an unauthenticated Redis) does not yield the secrets.
The Redis key name is the associated data: a sealed value copied under another name does not open.

Format: ``nonce (12 random bytes) | AES-256-GCM ciphertext and tag``. A value that does not open is ``None``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

STORE_KEY_LEN = 32
NONCE_LEN = 12


class StoreSealer:
    """Seals and opens values under one store key (``key``: 32 bytes, e.g. ``openssl rand 32 > store.key``)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != STORE_KEY_LEN:
            raise ValueError(f"a session-store key is {STORE_KEY_LEN} bytes; got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, name: bytes) -> bytes:
        nonce = os.urandom(NONCE_LEN)  # random 96-bit nonces: fine far beyond the values a store holds
        return nonce + self._aead.encrypt(nonce, plaintext, name)

    def open(self, sealed: bytes, name: bytes) -> bytes | None:
        if len(sealed) < NONCE_LEN + 16:
            return None
        try:
            return self._aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], name)
        except InvalidTag:
            return None

    def __repr__(self) -> str:
        return "<StoreSealer (key hidden)>"
