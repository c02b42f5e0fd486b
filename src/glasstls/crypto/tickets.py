"""Ticket protection: the RFC 5077 section 4 recommended construction (AES-256-CBC, then HMAC-SHA-256).

A ticket is opaque to the client; only the server that issued it (or one sharing its keys) can read it::

    struct {
        opaque key_name[16];
        opaque iv[16];
        opaque encrypted_state<0..2^16-1>;   /* AES-256-CBC, PKCS#7 padding */
        opaque mac[32];                      /* HMAC-SHA-256 over key_name .. encrypted_state */
    } ticket;                                /* RFC 5077 section 4 */

The MAC is checked (in constant time) before anything is decrypted (encrypt-then-MAC), so a modified ticket
is refused without touching the cipher. A failure of any kind is ``None``: the caller falls back to a full
handshake and the client learns nothing about why.

Key material is 80 bytes per key, in the layout nginx uses for ``ssl_session_ticket_key`` (so one key file
can serve both): ``key_name (16) | HMAC-SHA-256 key (32) | AES-256 key (32)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives import constant_time, hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_NAME_LEN = 16
HMAC_KEY_LEN = 32
AES_KEY_LEN = 32
#: One key: name, HMAC key, AES key (nginx's 80-byte ``ssl_session_ticket_key`` layout).
KEY_MATERIAL_LEN = KEY_NAME_LEN + HMAC_KEY_LEN + AES_KEY_LEN
IV_LEN = 16
MAC_LEN = 32
#: RFC 5077 section 4: ``encrypted_state<0..2^16-1>``.
MAX_STATE_LEN = 0xFFFF - 16  # room for the CBC padding block
#: The smallest well-formed ticket: name, IV, length, one cipher block, MAC.
MIN_TICKET_LEN = KEY_NAME_LEN + IV_LEN + 2 + 16 + MAC_LEN
_SHA256 = hashes.SHA256()


@dataclass(frozen=True)
class TicketKey:
    """One ticket key: a public name (sent in every ticket) and two secret keys."""

    name: bytes
    hmac_key: bytes = field(repr=False)
    aes_key: bytes = field(repr=False)

    @classmethod
    def from_material(cls, material: bytes) -> TicketKey:
        """80 bytes: ``name (16) | HMAC key (32) | AES key (32)``."""
        if len(material) != KEY_MATERIAL_LEN:
            raise ValueError(f"ticket key material must be {KEY_MATERIAL_LEN} bytes, not {len(material)}")
        return cls(
            material[:KEY_NAME_LEN],
            material[KEY_NAME_LEN : KEY_NAME_LEN + HMAC_KEY_LEN],
            material[KEY_NAME_LEN + HMAC_KEY_LEN :],
        )

    def material(self) -> bytes:
        return self.name + self.hmac_key + self.aes_key

    def _mac(self, data: bytes) -> bytes:
        h = hmac.HMAC(self.hmac_key, _SHA256)
        h.update(data)
        return h.finalize()

    def seal(self, plaintext: bytes, iv: bytes) -> bytes:
        """Encrypt and authenticate ``plaintext`` under this key (RFC 5077 section 4)."""
        if len(iv) != IV_LEN:
            raise ValueError("the ticket IV must be 16 bytes")
        if len(plaintext) > MAX_STATE_LEN:
            raise ValueError(f"ticket state too long ({len(plaintext)} bytes)")
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.aes_key), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(padded) + encryptor.finalize()
        body = self.name + iv + len(encrypted).to_bytes(2, "big") + encrypted
        return body + self._mac(body)

    def open(self, ticket: bytes) -> bytes | None:
        """The plaintext, or None if the ticket is malformed or its MAC is wrong (checked first)."""
        if len(ticket) < MIN_TICKET_LEN or ticket[:KEY_NAME_LEN] != self.name:
            return None
        body, mac = ticket[:-MAC_LEN], ticket[-MAC_LEN:]
        length = int.from_bytes(body[KEY_NAME_LEN + IV_LEN : KEY_NAME_LEN + IV_LEN + 2], "big")
        encrypted = body[KEY_NAME_LEN + IV_LEN + 2 :]
        if length != len(encrypted) or length == 0 or length % 16:
            return None
        if not constant_time.bytes_eq(self._mac(body), mac):
            return None
        iv = body[KEY_NAME_LEN : KEY_NAME_LEN + IV_LEN]
        decryptor = Cipher(algorithms.AES(self.aes_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(encrypted) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            return None  # only possible with a forged MAC, i.e. a leaked HMAC key


def key_name_of(ticket: bytes) -> bytes:
    """The key_name a ticket claims (its first 16 bytes; b"" if too short)."""
    return ticket[:KEY_NAME_LEN] if len(ticket) >= KEY_NAME_LEN else b""


def ticket_id(ticket: bytes) -> bytes:
    """A short fingerprint of a ticket (SHA-256, 16 bytes): the key under which its use is recorded."""
    h = hashes.Hash(_SHA256)
    h.update(ticket)
    return h.finalize()[:16]
