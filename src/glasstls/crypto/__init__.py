"""Cryptography for glasstls: the only package (with ``pki/``) that imports ``cryptography.hazmat``.

Every primitive comes from pyca/cryptography; nothing here is hand-rolled. The modules:

- ``suites``: TLS 1.3 cipher suites (AEAD + hash) and the thin ``Aead`` wrapper the record layer calls.
- ``groups``: key exchange for the named groups (ECDHE, X25519/X448, ML-KEM hybrids), share validation.
- ``signatures``: signature schemes (sign, verify, which schemes a key can make), CertificateVerify content.
- ``keys``: loading private keys and certificates.
- ``key_schedule``: the TLS 1.3 key schedule (RFC 8446 section 7) as staged types; the TLS 1.2 PRF.
- ``transcript``: the handshake transcript hash (RFC 8446 section 4.4.1).

Protocol decisions (which suite, which group, whether a scheme was offered) are not made here.
"""
