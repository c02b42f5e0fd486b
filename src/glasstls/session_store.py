"""The server's session-store interface (issue 15): what a TLS server keeps between connections, so that a fleet
of servers can share it.

Two implementations: in memory, one process (:class:`glasstls.sessions.ServerSessionCache` and
:class:`glasstls.sessions.TicketKeys`, the defaults), and Redis, shared by every server of a fleet
(:mod:`glasstls.sessions_redis`). ``ServerConfig.session_cache`` takes a :class:`ServerSessionStore`,
``ServerConfig.ticket_keys`` a :class:`TicketSealer`.

A store that cannot answer (Redis down or slow) must not fail a handshake: ``get`` answers None and ``put`` drops
the session (the client then gets a full handshake), and the two "first time?" questions, ``mark_ticket_used``
and ``record_client_hello``, raise :class:`StoreUnavailable`, which the handshake turns into "no resumption" /
"no early data", traced with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from glasstls.sessions import Random, ServerSessionState


class StoreUnavailable(Exception):
    """The shared store did not answer in time (or at all): nothing can be known as used or unused."""


class ServerSessionStore(Protocol):
    """TLS 1.2 sessions by session ID, and the records that make TLS 1.3 tickets and 0-RTT single use."""

    def put(self, session_id: bytes, state: ServerSessionState) -> None:
        """Keep a TLS 1.2 session until it expires (may silently drop it)."""

    def get(self, session_id: bytes, *, now: datetime) -> ServerSessionState | None:
        """The unexpired session, or None (unknown, expired, or the store could not answer)."""

    def remove(self, session_id: bytes) -> None: ...

    def mark_ticket_used(self, ticket_id: bytes, *, expires: datetime, now: datetime) -> bool:
        """Atomically record a ticket's use; False if it was used before (RFC 8446 section 8.1). May raise
        :class:`StoreUnavailable`."""

    def record_client_hello(self, key: bytes, *, expires: datetime, now: datetime) -> bool:
        """Atomically record a 0-RTT ClientHello; False if seen before (RFC 8446 section 8.2). May raise
        :class:`StoreUnavailable`."""


class TicketSealer(Protocol):
    """Encrypts session state into tickets and back (RFC 5077 section 4 construction)."""

    def seal(self, plaintext: bytes, *, now: datetime, random: Random) -> bytes: ...

    def open(self, ticket: bytes, *, now: datetime) -> bytes | None: ...
