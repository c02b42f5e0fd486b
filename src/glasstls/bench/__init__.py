"""``make bench``: glasstls against Python's ``ssl`` and against the raw ``cryptography`` floor.

A benchmark, never a test: nothing here asserts a time. One run measures, interleaved (every round runs each
contender once, in a rotating order, so that machine noise hits all of them alike), and reports the median
and the interquartile spread of the rounds:

1. Handshakes, client and server in one process, in memory, AES-128-GCM, the server's certificate a leaf +
   intermediate under one root; in a full handshake the client verifies the chain and the host name
   ``localhost`` in every contender. Each handshake is timed on its own; the checks that it negotiated what
   it should (version, suite, and for resumption that BOTH sides really resumed) run untimed after it, and a
   handshake that fails or does not resume is counted as an error, never as a sample. Cases (``CASES``):

   * TLS 1.3 full: x25519 + TLS_AES_128_GCM_SHA256, ECDSA P-256 or RSA-2048 certificate. No session
     tickets on either side (glasstls ``session_tickets=0`` and no client session store; ssl ``num_tickets =
     0``): a full handshake only.
   * TLS 1.2 full, with the extended master secret (both sides' default): ECDHE x25519 with
     ECDHE_ECDSA (P-256) and ECDHE_RSA (RSA-2048, the ServerKeyExchange signed with RSA-PSS), and the RSA key
     exchange (TLS_RSA_WITH_AES_128_GCM_SHA256, premaster encrypted to the RSA-2048 key; glasstls
     ``allow_rsa_key_exchange=True``). Both sides offer x25519 and P-256 (RFC 8422 section 5.1: the client's
     supported_groups also admit the ECDSA certificate's curve); x25519 is checked to be the group used. No
     tickets: the client offers no session (glasstls: no session store; ssl: ``OP_NO_TICKET`` on the server).
   * Resumed: TLS 1.2 by RFC 5077 session ticket and by session ID (a session of
     TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), and TLS 1.3 by PSK ticket with psk_dhe_ke (x25519; one
     NewSessionTicket per connection on both servers). The first, full handshake of each contender is made
     outside the timing. A TLS 1.3 handshake is timed up to the client having processed the server's new
     ticket (glasstls: the server's last bytes delivered; ssl: one ``read`` after the handshake, as the
     ticket arrives after it), and the next handshake resumes with that newest ticket: glasstls tickets are
     single use (its default), ssl's client uses its newest session as well. TLS 1.2 sessions are reused as
     they are (no new ticket on resumption in either). Checked every time: glasstls ``negotiated.resumed`` on
     both sides (and the server's trace names the ticket or the session ID; TLS 1.3 used x25519); ssl
     ``session_reused`` on both sides (and ``SSLSession.has_ticket`` tells ticket from session ID). OpenSSL
     drops the session of a connection freed without a shutdown, so after each ssl resumption both
     ``SSLObject``\\ s send close_notify (``unwrap``), untimed.

   Contenders:

   * glasstls: ``ClientConnection``/``ServerConnection`` pairs (configs built once, like an ``SSLContext``).
   * ssl: ``SSLContext.wrap_bio`` pairs over ``ssl.MemoryBIO`` (``session=`` to resume), the same
     certificate files, the client verifying with the same root. Python cannot choose TLS 1.3 suites or
     any groups, so the bench pins them through OpenSSL itself (ctypes, see :func:`_pin_openssl`); TLS 1.2
     suites are set with ``set_ciphers``; each handshake's ``cipher()`` is checked.
   * floor (full handshakes only): the cryptographic work both endpoints of such a handshake cannot avoid,
     done directly with ``cryptography`` (see :class:`FloorHandshake` and :class:`FloorHandshake12` for the
     exact list). No message is encoded, parsed, hashed into a transcript or record-protected: it is a lower
     bound, not a TLS implementation.

2. Bulk throughput, one direction after the handshake, with TLS_AES_128_GCM_SHA256 and
   TLS_CHACHA20_POLY1305_SHA256: the application writes 64 KiB at a time (16 KiB records on the wire) and
   the bytes of each write are handed to the receiver at once. glasstls ``send_data`` -> ``data_to_send``
   -> ``receive_data`` -> ``events``; ssl ``SSLObject.write`` -> MemoryBIO -> ``SSLObject.read``; the floor
   seals and opens each 16 KiB record (inner content type, header as AAD, per-record nonce ``iv XOR seq``)
   with cryptography's ``AESGCM``/``ChaCha20Poly1305``. MB/s is 10^6 bytes of application data a second.

3. Memory per established connection pair (client + server, TLS 1.3 full handshake, after the handshake,
   events and output drained), each contender in fresh subprocesses (alternating): the RSS delta
   (``/proc/self/statm``) of N pairs, then, with tracemalloc on, the traced delta of N more. ssl keeps almost
   everything in OpenSSL's own allocations, which tracemalloc cannot see: for ssl only the RSS figure is
   meaningful. RSS moves in pages and with the allocator's arenas, so it is only a rough per-pair figure
   (steadier for large N).

Options: ``--quick`` (a few iterations, for the smoke test), ``--profile [CASE]`` (cProfile of glasstls
handshakes of one case, ``handshake_ecdsa`` by default; ``--top N`` lines by cumulative and by own time;
nothing else is run), ``--instructions [CASE]`` (instructions per handshake of each contender under valgrind's
callgrind, ``--handshakes N`` of them: steady where times are not, for comparing a change; see
``instructions.py``), ``--json`` (machine-readable).

This module is a tool, not part of the protocol core: it imports ``cryptography`` directly for the floor
(DESIGN reserves ``cryptography.hazmat`` to ``glasstls.crypto`` for the protocol itself).
"""

from __future__ import annotations
