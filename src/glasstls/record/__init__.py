"""The record layer (RFC 8446 section 5): framing, size limits, record protection and handshake reassembly.

- :mod:`glasstls.record.protection`: per-direction record protection (``NullProtection`` for plaintext
  records, ``Tls13Protection`` for RFC 8446 section 5.2 AEAD records with per-record nonces, padding and
  usage limits).
- :mod:`glasstls.record.layer`: ``RecordLayer``, which splits incoming bytes into records, checks their
  headers and lengths (RFC 8446 section 5.1, RFC 8449), applies the change_cipher_spec rules of RFC 8446
  section 5 / appendix D.4, and fragments outgoing data.
- :mod:`glasstls.record.reassembly`: ``HandshakeReassembler``, which joins and splits handshake messages
  across records (RFC 8446 section 5.1) and keeps their raw bytes for the transcript.

This package never imports ``cryptography``: the AEAD object is handed in by ``glasstls.crypto``.
"""
