"""What one server gives its clients at most: connections, unfinished handshakes, bytes, idle time.

Every quantity a client drives on a :class:`~glasstls.io.server.TLSServer` has a bound here, with its reason
(DESIGN rule 11). The bounds and how they act:

* **Connections** (``max_connections``): each costs a thread and a descriptor. At the cap the server stops
  accepting: new clients *wait* in the kernel's accept queue (the listen backlog, the system maximum) and are
  served, in order, as connections end. They are not refused; a client that gives up first sees its own timeout.
* **Unfinished handshakes** (``max_handshakes``): a handshake costs CPU (key exchange, signature) and buffers what
  the client sent so far. Each handshake may read at most ``max_handshake_bytes`` from its client and must
  finish within the handshake timeout; so everything buffered for unfinished handshakes is at most
  ``max_handshakes * max_handshake_bytes``. At the cap, with a client waiting in the queue, the server drops the
  handshake whose ClientHello began longest ago and is still incomplete, once that is
  :data:`STALLED_HELLO_SECONDS` or more (a half-sent hello, a byte-at-a-time sender): a real client writes its
  whole ClientHello at once, so half-sent hellos cannot make the others wait for the handshake timeout. When no
  handshake is stalled so, new clients wait as above. A client that has sent nothing at all is not dropped for
  others (a busy client may be slow to begin: measured with tests/load_tool.py, dropping those failed 128 of
  1,000 legitimate clients of one loaded process); it holds its slot until the handshake deadline.
* **Idle budget** (``idle_timeout``): an established connection is closed when no application data has moved,
  either way, for this long. Only application data bytes count as progress: records that carry none (empty
  records, KeyUpdate, warning alerts, tickets) do not refresh the budget, so trickling them keeps nobody alive.
* **Accept failures** (EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or the system is out of descriptors or
  memory): the accept loop backs off exponentially (:data:`ACCEPT_BACKOFF_MIN` doubling to
  :data:`ACCEPT_BACKOFF_MAX`), logs one line when an episode starts and one when it ends, and established
  connections, each in its own thread, go on being served.
* **After a fatal alert** the server stops reading TLS but keeps draining the socket (at most
  :data:`LINGER_BYTES`, :data:`LINGER_SECONDS`) before closing, so that a client still sending gets the alert
  rather than a TCP reset (which makes its kernel discard the alert unread).
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_HANDSHAKES",
    "DEFAULT_MAX_HANDSHAKE_BYTES",
    "AcceptBackoff",
    "Admission",
    "IdleTimeout",
    "ServerLimits",
]

#: Concurrent connections. One thread and one descriptor each: 512 stays well under the usual soft limit of
#: 1,024 descriptors (room for the listener, logs and files read at start-up) and is about as many threads as
#: one Python process serves with useful latency.
DEFAULT_MAX_CONNECTIONS = 512
#: Concurrent unfinished handshakes. A handshake costs the server 2-3 ms of CPU under one interpreter lock, so more
#: in flight do not finish sooner: 1,000 at once took over 20 s of server CPU instead of 2.5 s, threads fighting
#: for the lock (tests/load_tool.py). 128 still keep the CPU busy while handshakes wait for round trips (at a
#: 100 ms round trip, 128 allow about 1,000 handshakes a second, more than one process computes).
DEFAULT_MAX_HANDSHAKES = 128
#: Bytes one client may send before its handshake completes: its ClientHello (a few KiB, more with post-quantum
#: key shares), a client certificate chain and the rest of its flight. OpenSSL's limit for a peer's certificate
#: list alone is 100 KiB (SSL_CTX_set_max_cert_list); 128 KiB per handshake bounds everything unfinished
#: handshakes buffer to 16 MiB at the defaults. A server that raises ServerConfig.max_handshake_message_size for
#: very long client chains raises this too.
DEFAULT_MAX_HANDSHAKE_BYTES = 128 * 1024
#: Seconds an established connection may go without application data either way (the idle budget).
DEFAULT_IDLE_TIMEOUT = 300.0
#: When the handshakes are at their cap and a client waits, a handshake whose ClientHello is still incomplete this
#: long after its first bytes came may be dropped for it. A ClientHello is one write (a few KiB), its segments
#: sent back to back: one second allows a lost one to be sent again (TCP's retransmission timeout is 200 ms or
#: more after the first round trip).
STALLED_HELLO_SECONDS = 1.0

#: First and longest pause after an accept() that failed for lack of descriptors or memory (Go's net/http
#: uses the same 5 ms doubling to 1 s): descriptors come back when connections end, which takes time.
ACCEPT_BACKOFF_MIN = 0.005
ACCEPT_BACKOFF_MAX = 1.0
#: accept() errors that mean "out of resources, retry later" rather than "this one connection failed".
RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

#: After our fatal alert, read and discard at most this much before closing: the largest handshake message a
#: peer can be in the middle of sending (2^24 - 1 bytes, RFC 8446 section 4) plus the record headers and
#: expansion around it (1,024 records of up to 2^14 + 256 bytes).
LINGER_BYTES = (1 << 24) + 1024 * (5 + 256)
#: ... and for at most this long in all: 17 MiB take about 1.5 s at 100 Mbit/s, and 5 s leave room for a slower
#: link or a busy machine; a peer slower than that gets its reset, and the thread is freed. The connection still
#: counts against max_connections meanwhile.
LINGER_SECONDS = 5.0
#: ... and stop sooner when nothing arrived for this long: with nothing unread on our side, closing sends a plain
#: FIN, no reset, so there is no reason to wait for a peer that is not sending.
LINGER_QUIET_SECONDS = 1.0

logger = logging.getLogger("glasstls.io")


class IdleTimeout(TimeoutError):
    """An established connection moved no application data for its idle budget (``ServerLimits.idle_timeout``)."""


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """The bounds of one :class:`~glasstls.io.server.TLSServer` (see the module doc for how each acts)."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_handshakes: int = DEFAULT_MAX_HANDSHAKES
    max_handshake_bytes: int = DEFAULT_MAX_HANDSHAKE_BYTES
    idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT

    def __post_init__(self) -> None:
        from glasstls.errors import ConfigError

        for name in ("max_connections", "max_handshakes", "max_handshake_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, not {value!r}")
        if self.idle_timeout is not None and not self.idle_timeout > 0:
            raise ConfigError(f"idle_timeout must be positive seconds (or None), not {self.idle_timeout!r}")


class Handshaking(Protocol):
    """What the admission needs of a connection in its handshake (a ``TLSSocket``)."""

    def hello_stalled_for(self) -> float | None:
        """Seconds since the first bytes of a ClientHello that is still incomplete, while blocked reading the
        rest (None: not in that state)."""
        ...

    def evict(self, reason: str) -> None:
        """Stop the handshake (from another thread): it fails with ``reason``."""
        ...


class Admission:
    """Counts connections and unfinished handshakes; the accept loop waits for room before it accepts, and at the
    handshake cap makes room by dropping a stalled ClientHello (see the module doc)."""

    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self._cond = threading.Condition()
        self.connections = 0
        self.handshakes = 0
        #: Connections accepted so far, and handshakes dropped to make room (counters for tests and tools).
        self.accepted = 0
        self.evicted = 0
        self._unfinished: dict[Handshaking, float] = {}  # -> when it was accepted (time.monotonic())

    def _has_room(self) -> bool:
        return self.connections < self.limits.max_connections and self.handshakes < self.limits.max_handshakes

    def wait_for_room(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until one more connection may start its handshake, dropping a stalled
        ClientHello to make room when only the handshake cap stands in the way."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._has_room():
                if self.connections < self.limits.max_connections and self._evict_stalled():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                # A handshake becomes evictable with time, not only when another ends: look again soon.
                self._cond.wait(min(remaining, 0.1))
            return True

    def _evict_stalled(self) -> bool:
        """Drop the handshake whose ClientHello has been incomplete longest, if that is STALLED_HELLO_SECONDS or
        more (lock held)."""
        stalled = [(waited, tls) for tls in self._unfinished if (waited := tls.hello_stalled_for()) is not None]
        if not stalled:
            return False
        waited, tls = max(stalled, key=lambda item: item[0])
        if waited < STALLED_HELLO_SECONDS:
            return False
        del self._unfinished[tls]
        self.handshakes -= 1
        self.evicted += 1
        tls.evict(
            f"dropped: the server was at its limit of {self.limits.max_handshakes} unfinished handshakes, with "
            f"clients waiting, and this client's ClientHello was still incomplete {waited:.1f} s after it began"
        )
        return True

    def admitted(self) -> None:
        """A connection was accepted: it counts as a connection and as an unfinished handshake."""
        with self._cond:
            self.connections += 1
            self.handshakes += 1
            self.accepted += 1

    def handshaking(self, tls: Handshaking) -> None:
        """The admitted connection's handshake starts on ``tls`` (it may now be dropped to make room)."""
        with self._cond:
            self._unfinished[tls] = time.monotonic()

    def handshake_done(self, tls: Handshaking | None = None) -> None:
        """Its handshake ended (completed or failed). ``tls``: the one registered with :meth:`handshaking` (None:
        it never got that far); one dropped to make room was counted out then."""
        with self._cond:
            if tls is not None and self._unfinished.pop(tls, None) is None:
                return  # dropped to make room, and counted out then
            self.handshakes -= 1
            self._cond.notify_all()

    def connection_done(self) -> None:
        """The connection is closed."""
        with self._cond:
            self.connections -= 1
            self._cond.notify_all()


class AcceptBackoff:
    """Bounded exponential backoff for accept() failures, with one log line per episode, not per failure."""

    def __init__(self) -> None:
        self._delay = 0.0
        self._failures = 0
        self._since = 0.0

    def failed(self, exc: OSError) -> float:
        """accept() raised ``exc``: the pause before the next try (0: try again at once)."""
        if exc.errno not in RESOURCE_ERRNOS:
            # One client's connection went wrong between the kernel's queue and us (ECONNABORTED, EPROTO...).
            logger.debug("accept failed for one connection: %s", exc)
            return 0.0
        if self._failures == 0:
            self._since = time.monotonic()
            self._delay = ACCEPT_BACKOFF_MIN
            logger.warning(
                "cannot accept connections: %s; pausing accept (up to %g s between tries) until descriptors "
                "free up; established connections are still served",
                exc.strerror or exc,
                ACCEPT_BACKOFF_MAX,
            )
        else:
            self._delay = min(self._delay * 2, ACCEPT_BACKOFF_MAX)
        self._failures += 1
        return self._delay

    def succeeded(self) -> None:
        """accept() worked: an episode of failures, if any, is over."""
        if self._failures:
            logger.warning(
                "accepting connections again after %d failed tries in %.1f s",
                self._failures,
                time.monotonic() - self._since,
            )
            self._failures = 0
            self._delay = 0.0
