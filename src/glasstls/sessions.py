"""Session resumption state for both TLS versions: what a client keeps, what a server keeps or hands out.

Client side
    :class:`ClientSession` is one resumable session (a TLS 1.3 ticket and its PSK, or a TLS 1.2 session ID /
    RFC 5077 ticket and its master secret). :class:`ClientSessionStore` keeps them in memory, keyed by server
    identity (``"host:port"`` or the server name), bounded and least-recently-used first out. TLS 1.3 tickets
    are single use on the client too (RFC 8446 appendix C.4: reusing one lets a passive observer link the
    connections), so :meth:`ClientSessionStore.take` removes them; a TLS 1.2 session stays until it expires.

Server side
    :class:`ServerSessionState` is what a ticket carries (or the TLS 1.2 session cache holds), with a compact,
    versioned binary encoding. :class:`ServerSessionCache` is the TLS 1.2 session-ID cache, bounded in entries
    and lifetime, and also the record of TLS 1.3 tickets already used (single-use tickets, RFC 8446 section
    8.1 and appendix C.4). :class:`TicketKeys` encrypts and authenticates tickets (RFC 5077 section 4) under a
    rotating key set that can be loaded from a file, so that several server processes or machines can resume
    each other's sessions.

Ticket key file format (``TicketKeys.from_file`` / ``TicketKeys.write_file``)
    Binary, 80 bytes per key, one or more keys concatenated; the FIRST key is the current one (it encrypts new
    tickets), the others only decrypt (keys being retired). Each key is nginx's ``ssl_session_ticket_key``
    layout: ``key_name (16 bytes) | HMAC-SHA-256 key (32) | AES-256 key (32)``; a single-key file is therefore
    interchangeable with an nginx key file (e.g. ``openssl rand 80 > ticket.key``). Keep the file secret
    (mode 0600): whoever reads it can decrypt every session resumed with it. Rotate by writing a new file whose
    first key is fresh and whose second key is the previous first, then restarting (or reloading) every process.

All times come from the caller (``now``, from ``config.clock()``); randomness from ``config.random``.
"""

from __future__ import annotations

import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from glasstls.crypto import tickets as _tickets
from glasstls.errors import DecodeError
from glasstls.wire.codec import Reader, length_prefixed, member_lookup
from glasstls.wire.enums import CipherSuite, ProtocolVersion

Random = Callable[[int], bytes]

#: A client-side cap on how long a TLS 1.2 session ID is offered (the server's cache decides too).
TLS12_SESSION_ID_LIFETIME = 2 * 3600
#: RFC 8446 section 4.6.1: a ticket lifetime is at most 7 days.
MAX_TICKET_LIFETIME = 604800

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_protocol_version = member_lookup(ProtocolVersion)
_cipher_suite = member_lookup(CipherSuite)
_MICROSECOND = timedelta(microseconds=1)


_CLOCK_SKEW = timedelta(seconds=60)
_MILLISECOND = timedelta(milliseconds=1)
#: timedelta(seconds=lifetime) by lifetime: a server hands out the same lifetime again and again.
_lifetimes: dict[int, timedelta] = {}


def _seconds(lifetime: int) -> timedelta:
    span = _lifetimes.get(lifetime)
    if span is None:
        span = timedelta(seconds=lifetime)
        if len(_lifetimes) < 64:
            _lifetimes[lifetime] = span
    return span


def _second_after(moment: datetime) -> int:
    """The first whole second (since 1970) at or after ``moment``: the used-ticket record's bucket for a ticket
    that expires at ``moment``, emptied once the clock reaches that second."""
    return -((_EPOCH - moment) // _SECOND)


_SECOND = timedelta(seconds=1)


def _expired(created_at: datetime, lifetime: int, now: datetime) -> bool:
    return now >= created_at + _seconds(lifetime) or now < created_at - _CLOCK_SKEW


# -- the client side -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSession:
    """One resumable session, as the client remembers it.

    ``secret``: TLS 1.3, the resumption PSK of one ticket (RFC 8446 section 4.6.1); TLS 1.2, the master secret.
    ``ticket``: the TLS 1.3 ticket or the TLS 1.2 RFC 5077 ticket (b"" if none); ``session_id``: the TLS 1.2
    session ID (b"" if none). ``extended_master_secret``: TLS 1.2 (RFC 7627 section 5.3: never resume a
    non-EMS session when EMS is in use). ``lifetime``: seconds from ``created_at``. ``age_add``: TLS 1.3
    (obfuscates the ticket age, RFC 8446 section 4.2.11.1). ``peer_certificates``: the server's chain (DER)
    from the full handshake, so that a resumed connection can still report who the peer is.
    ``verified_at``: when that chain was verified (None: never, e.g. ``dangerous_skip_verification``);
    ``verified_with``: against what (``pki.profile.verification_profile``). A session is offered only by a
    configuration that verifies under the same profile (``handshake.peer_auth.offer_refusal``).
    """

    version: ProtocolVersion
    cipher_suite: CipherSuite
    secret: bytes = field(repr=False)
    ticket: bytes
    session_id: bytes
    extended_master_secret: bool
    created_at: datetime
    lifetime: int
    age_add: int
    alpn: str | None
    server_name: str | None
    peer_certificates: tuple[bytes, ...]
    verified_at: datetime | None = None
    verified_with: str | None = None
    max_early_data: int = 0  # TLS 1.3: the ticket's max_early_data_size (RFC 8446 section 4.6.1; 0: none)

    def expired(self, now: datetime) -> bool:
        return _expired(self.created_at, self.lifetime, now)

    def age_ms(self, now: datetime) -> int:
        """Milliseconds since the ticket was received (RFC 8446 section 4.2.11.1), never negative."""
        return max(0, (now - self.created_at) // _MILLISECOND)


class ClientSessionStore:
    """In-memory sessions keyed by server identity: at most ``max_keys`` identities (least recently used
    dropped first), at most ``tickets_per_key`` TLS 1.3 tickets per identity (oldest dropped first) and one
    TLS 1.2 session (a newer one replaces it, RFC 5077 section 3.3). Thread-safe."""

    def __init__(self, max_keys: int = 256, tickets_per_key: int = 4) -> None:
        if max_keys < 1 or tickets_per_key < 1:
            raise ValueError("max_keys and tickets_per_key must be positive")
        self.max_keys = max_keys
        self.tickets_per_key = tickets_per_key
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, list[ClientSession]] = OrderedDict()

    def store(self, key: str, session: ClientSession) -> None:
        with self._lock:
            sessions = self._entries.pop(key, [])
            if session.version == ProtocolVersion.TLS13:
                same = [s for s in sessions if s.version == ProtocolVersion.TLS13]
                others = [s for s in sessions if s.version != ProtocolVersion.TLS13]
                same = [*same, session][-self.tickets_per_key :]
                sessions = others + same
            else:
                sessions = [s for s in sessions if s.version != session.version] + [session]
            self._entries[key] = sessions
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def take(self, key: str, *, version: ProtocolVersion, now: datetime) -> ClientSession | None:
        """The newest unexpired session of ``version`` for ``key``. A TLS 1.3 ticket is removed (single use,
        RFC 8446 appendix C.4); a TLS 1.2 session stays. Expired sessions are dropped on the way."""
        with self._lock:
            sessions = self._entries.get(key)
            if sessions is None:
                return None
            sessions[:] = [s for s in sessions if not s.expired(now)]
            chosen = next((s for s in reversed(sessions) if s.version == version), None)
            if chosen is not None and version == ProtocolVersion.TLS13:
                sessions.remove(chosen)
            if sessions:
                self._entries.move_to_end(key)
            else:
                del self._entries[key]
            return chosen

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._entries.values())

    def __repr__(self) -> str:
        return f"<ClientSessionStore {len(self._entries)} servers>"


# -- the server side: what a ticket carries --------------------------------------------------------------

#: 3: a ticket's max_early_data_size follows (issue 15); 2: the client's verification (when, against what)
#: follows the certificates. Older formats no longer decode: their sessions get a full handshake.
_STATE_FORMAT = 3


@dataclass(frozen=True)
class ServerSessionState:
    """What a ticket carries (encrypted) or the TLS 1.2 session cache holds.

    ``secret``: TLS 1.3, the resumption PSK (RFC 8446 section 4.6.1); TLS 1.2, the master secret.
    ``client_certificates``: the client's chain (DER) if it authenticated, so a resumed session keeps it;
    ``client_verified_at`` / ``client_verified_with``: when and against what it was verified
    (``pki.profile.verification_profile``; None: no client certificate). ``max_early_data``: TLS 1.3, the
    max_early_data_size the ticket was issued with (RFC 8446 section 4.6.1; 0: no early data on this ticket).
    """

    version: ProtocolVersion
    cipher_suite: CipherSuite
    secret: bytes = field(repr=False)
    extended_master_secret: bool
    created_at: datetime
    lifetime: int
    age_add: int
    alpn: str | None
    server_name: str | None
    client_certificates: tuple[bytes, ...]
    client_verified_at: datetime | None = None
    client_verified_with: str | None = None
    max_early_data: int = 0

    def expired(self, now: datetime) -> bool:
        return _expired(self.created_at, self.lifetime, now)

    def encode(self) -> bytes:
        """A versioned binary form (the plaintext of a ticket)::

        uint8 format = 3; uint16 version; uint16 cipher_suite; opaque secret<1..255>; uint8 ems;
        uint64 created_at (microseconds since 1970, UTC); uint32 lifetime; uint32 age_add;
        opaque alpn<0..255>; opaque server_name<0..2^16-1>; ASN.1Cert client_certificates<0..2^24-1>
        (each opaque<1..2^24-1>); uint64 client_verified_at (microseconds since 1970, 0: never);
        opaque client_verified_with<0..255>; uint32 max_early_data
        """
        certificates = b"".join([length_prefixed(3, der) for der in self.client_certificates])
        if len(certificates) >= 1 << 24:
            raise ValueError(f"block of {len(certificates)} bytes does not fit a 3-byte length")
        return b"".join(
            (
                _FORMAT_BYTE,
                self.version.to_bytes(2, "big"),
                self.cipher_suite.to_bytes(2, "big"),
                length_prefixed(1, self.secret),
                b"\x01" if self.extended_master_secret else b"\x00",
                ((self.created_at - _EPOCH) // _MICROSECOND).to_bytes(8, "big"),
                self.lifetime.to_bytes(4, "big"),
                self.age_add.to_bytes(4, "big"),
                length_prefixed(1, (self.alpn or "").encode()),
                length_prefixed(2, (self.server_name or "").encode()),
                len(certificates).to_bytes(3, "big"),
                certificates,
                _micros(self.client_verified_at).to_bytes(8, "big"),
                length_prefixed(1, (self.client_verified_with or "").encode()),
                self.max_early_data.to_bytes(4, "big"),
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> ServerSessionState:
        """Parse :meth:`encode`'s output; anything else is ``DecodeError``."""
        state = _decode_state(cls, data) if type(data) is bytes else None
        if state is not None:
            return state
        # Not what encode() writes: read field by field, for the error that says what is wrong.
        return _read_state(cls, data)


def _read_state(cls: type[ServerSessionState], data: bytes) -> ServerSessionState:
    """:meth:`ServerSessionState.decode`, field by field with a Reader (every failure a DecodeError)."""
    r = Reader(data, "session state")
    if r.u8("format") != _STATE_FORMAT:
        raise DecodeError("session state: unknown format")
    version = _protocol_version(r.u16("version"))
    suite = _cipher_suite(r.u16("cipher_suite"))
    secret = r.vec(1, "secret", 1, 255)
    ems = r.u8("extended_master_secret")
    if ems > 1:
        raise DecodeError("session state: extended_master_secret must be 0 or 1")
    micros = r.uint(8, "created_at")
    lifetime = r.u32("lifetime")
    age_add = r.u32("age_add")
    alpn = r.vec(1, "alpn")
    server_name = r.vec(2, "server_name")
    certs = tuple(r.list_of(3, "client_certificates", lambda s: s.vec(3, "certificate", 1, None)))
    verified_micros = r.uint(8, "client_verified_at")
    verified_with = r.vec(1, "client_verified_with")
    max_early_data = r.u32("max_early_data")
    r.finish()
    try:
        return _state(
            cls, version, suite, secret, ems, micros, lifetime, age_add, alpn, server_name, certs, verified_micros,
            verified_with, max_early_data,
        )  # fmt: skip
    except (OverflowError, UnicodeDecodeError) as e:
        raise DecodeError(f"session state: {e}") from None


def _state(
    cls: type[ServerSessionState],
    version: ProtocolVersion,
    suite: CipherSuite,
    secret: bytes,
    ems: int,
    micros: int,
    lifetime: int,
    age_add: int,
    alpn: bytes,
    server_name: bytes,
    certs: tuple[bytes, ...],
    verified_micros: int,
    verified_with: bytes,
    max_early_data: int,
) -> ServerSessionState:
    """The state from the fields as both readers find them (times in microseconds, texts in ASCII bytes);
    OverflowError or UnicodeDecodeError for a time or a text that is not one (each reader answers that its
    own way)."""
    return cls(
        version,
        suite,
        secret,
        bool(ems),
        _EPOCH + micros * _MICROSECOND,
        lifetime,
        age_add,
        alpn.decode("ascii") if alpn else None,
        server_name.decode("ascii") if server_name else None,
        certs,
        _EPOCH + verified_micros * _MICROSECOND if verified_micros else None,
        verified_with.decode("ascii") if verified_with else None,
        max_early_data,
    )


def _micros(moment: datetime | None) -> int:
    """Microseconds since 1970 (0 for None: "never")."""
    return 0 if moment is None else (moment - _EPOCH) // _MICROSECOND


_FORMAT_BYTE = bytes((_STATE_FORMAT,))
_FIXED = struct.Struct(">BHHB")  # format, version, cipher_suite, secret length
_TIMES = struct.Struct(">QIIB")  # created_at, lifetime, age_add, alpn length


def _decode_state(cls: type[ServerSessionState], data: bytes) -> ServerSessionState | None:
    """:meth:`ServerSessionState.decode` of a well-formed encoding, read with struct in a few steps; None for
    anything unusual (the field-by-field reader then decides, with its errors)."""
    end = len(data)
    if end < _FIXED.size:
        return None
    form, version, suite, secret_len = _FIXED.unpack_from(data)
    pos = _FIXED.size + secret_len
    if form != _STATE_FORMAT or secret_len == 0 or pos + 1 + _TIMES.size > end:
        return None
    secret = data[_FIXED.size : pos]
    ems = data[pos]
    micros, lifetime, age_add, alpn_len = _TIMES.unpack_from(data, pos + 1)
    pos += 1 + _TIMES.size
    if ems > 1 or pos + alpn_len + 2 > end:
        return None
    alpn = data[pos : pos + alpn_len]
    pos += alpn_len
    name_len = (data[pos] << 8) | data[pos + 1]
    pos += 2
    if pos + name_len + 3 > end:
        return None
    server_name = data[pos : pos + name_len]
    pos += name_len
    certs_end = pos + 3 + int.from_bytes(data[pos : pos + 3], "big")
    if certs_end + 9 > end:
        return None
    pos += 3
    certs: list[bytes] = []
    while pos < certs_end:
        if pos + 3 > certs_end:
            return None
        stop = pos + 3 + int.from_bytes(data[pos : pos + 3], "big")
        if stop == pos + 3 or stop > certs_end:
            return None
        certs.append(data[pos + 3 : stop])
        pos = stop
    verified_micros = int.from_bytes(data[pos : pos + 8], "big")
    with_len = data[pos + 8]
    pos += 9
    if pos + with_len + 4 != end:
        return None
    verified_with = data[pos : pos + with_len]
    max_early_data = int.from_bytes(data[pos + with_len : end], "big")
    state_version, state_suite = _protocol_version(version), _cipher_suite(suite)
    try:
        return _state(
            cls, state_version, state_suite, secret, ems, micros, lifetime, age_add, alpn, server_name, tuple(certs),
            verified_micros, verified_with, max_early_data,
        )  # fmt: skip
    except (OverflowError, UnicodeDecodeError):
        return None


#: Keys of the ClientHello record share the used-ticket record with ticket ids (16-byte digests); the prefix
#: makes ClientHello keys longer, so the two never collide.
_CLIENT_HELLO_PREFIX = b"0rtt-client-hello:"


class ServerSessionCache:
    """TLS 1.2 sessions by session ID (bounded in entries, LRU; and in lifetime), and the record of TLS 1.3
    tickets already used (single-use tickets, RFC 8446 section 8.1). Thread-safe.

    The used-ticket record forgets each ticket once it has expired (an expired ticket is refused anyway): its
    entries sit in buckets by expiry second (a timing wheel), and each use first empties the buckets that time
    has passed. Each entry is examined once when it is forgotten, so the work is O(1) amortised per use (plus
    one step per elapsed second, or per bucket after a clock jump), never a scan of the whole record. Only
    when the record holds ``max_entries`` UNEXPIRED tickets does :meth:`mark_ticket_used` refuse a new one
    (returns False): forgetting a live one would let it be replayed, so the client gets a full handshake.
    """

    def __init__(self, max_entries: int = 10_000, lifetime: int = 7200) -> None:
        if max_entries < 1 or lifetime < 1:
            raise ValueError("max_entries and lifetime must be positive")
        self.max_entries = max_entries
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._sessions: OrderedDict[bytes, ServerSessionState] = OrderedDict()
        self._used: dict[bytes, datetime] = {}  # ticket id -> its expiry
        self._buckets: dict[int, list[tuple[bytes, datetime]]] = {}  # _second_after(expiry) -> [(id, expiry)]
        self._swept: int | None = None  # every bucket below this one has been emptied

    def put(self, session_id: bytes, state: ServerSessionState) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
            self._sessions[session_id] = state
            while len(self._sessions) > self.max_entries:
                self._sessions.popitem(last=False)

    def get(self, session_id: bytes, *, now: datetime) -> ServerSessionState | None:
        with self._lock:
            state = self._sessions.get(session_id)
            if state is None:
                return None
            if _expired(state.created_at, min(state.lifetime, self.lifetime), now):
                del self._sessions[session_id]
                return None
            self._sessions.move_to_end(session_id)
            return state

    def remove(self, session_id: bytes) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def mark_ticket_used(self, ticket_id: bytes, *, expires: datetime, now: datetime) -> bool:
        """Record a ticket's use; False if it was already used (or cannot be recorded: see the class)."""
        with self._lock:
            self._forget_expired(now)
            seen = self._used.get(ticket_id)
            if seen is not None and seen > now:
                return False
            if seen is None and len(self._used) >= self.max_entries:
                return False  # full of live tickets: this one cannot be tracked, so it is not resumed
            self._used[ticket_id] = expires
            swept = self._swept if self._swept is not None else 0
            self._buckets.setdefault(max(_second_after(expires), swept), []).append((ticket_id, expires))
            return True

    def record_client_hello(self, key: bytes, *, expires: datetime, now: datetime) -> bool:
        """The 0-RTT anti-replay record (RFC 8446 section 8.2): remember a ClientHello (by ``key``, a digest of
        its first binder) until ``expires``; False if it was already recorded (a replay) or cannot be."""
        return self.mark_ticket_used(_CLIENT_HELLO_PREFIX + key, expires=expires, now=now)

    def _forget_expired(self, now: datetime) -> None:
        """Empty the buckets up to ``now``'s second: every entry in them has expired (a bucket holds the
        tickets that expire during the second before it)."""
        limit = (now - _EPOCH) // _SECOND + 1
        start = self._swept if self._swept is not None else limit
        self._swept = max(start, limit)
        if limit <= start:
            return
        # Step through the elapsed seconds, or (after a clock jump) through the buckets there are.
        due = range(start, limit) if limit - start <= len(self._buckets) else sorted(self._buckets)
        for second in due:
            if second >= limit:
                break
            for ticket_id, expiry in self._buckets.pop(second, ()):
                if self._used.get(ticket_id) is expiry:  # not re-recorded since with another expiry
                    del self._used[ticket_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def __repr__(self) -> str:
        return f"<ServerSessionCache {len(self._sessions)} sessions, {len(self._used)} used tickets>"


# -- the server side: ticket keys ------------------------------------------------------------------------


@dataclass
class _KeyEntry:
    key: _tickets.TicketKey
    started: datetime | None  # when it became the current key (set on first use)


class TicketKeys:
    """The keys that protect tickets (RFC 5077 section 4 construction, see ``glasstls.crypto.tickets``).

    The first key encrypts; every key in the set decrypts. Generated keys rotate: after ``rotate_after``
    seconds as the current key a fresh one takes over, and at most ``keep`` keys are kept (so a ticket stays
    readable for up to ``keep * rotate_after`` seconds; its own lifetime is usually much shorter). A key's
    clock starts when it is first used. Keys loaded from a file do not rotate by themselves (all processes
    sharing the file must agree): rotate the file (see the module docstring). Thread-safe.

    ``TicketKeys.generate()`` without a ``random`` draws its first key from the ``random`` handed to the first
    :meth:`seal` (the server config's), so a server with a fixed random source is fully reproducible.
    """

    def __init__(
        self,
        keys: Sequence[_tickets.TicketKey],
        *,
        rotate_after: int | None = 12 * 3600,
        keep: int = 2,
    ) -> None:
        """``keys``: current first; empty means "made on first use" (see :meth:`generate`)."""
        if keep < 1 or (rotate_after is not None and rotate_after < 1):
            raise ValueError("keep and rotate_after must be positive")
        self.rotate_after = rotate_after
        self.keep = keep
        self._lock = threading.Lock()
        self._entries = [_KeyEntry(k, None) for k in keys]

    @classmethod
    def generate(cls, random: Random | None = None, *, rotate_after: int = 12 * 3600, keep: int = 2) -> TicketKeys:
        """A fresh random key that rotates every ``rotate_after`` seconds (drawn now from ``random``, or at the
        first :meth:`seal` from the random source it is given)."""
        keys = [] if random is None else [_tickets.TicketKey.from_material(random(_tickets.KEY_MATERIAL_LEN))]
        return cls(keys, rotate_after=rotate_after, keep=keep)

    @classmethod
    def from_bytes(cls, data: bytes) -> TicketKeys:
        """Keys in the file format of the module docstring (80 bytes each, current first); no rotation."""
        size = _tickets.KEY_MATERIAL_LEN
        if not data or len(data) % size:
            raise ValueError(f"a ticket key file holds one or more {size}-byte keys; got {len(data)} bytes")
        keys = [_tickets.TicketKey.from_material(data[i : i + size]) for i in range(0, len(data), size)]
        if len({k.name for k in keys}) != len(keys):
            raise ValueError("two ticket keys in the file have the same key_name")
        return cls(keys, rotate_after=None, keep=len(keys))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TicketKeys:
        """Load keys shared between processes (format: module docstring); ``ValueError`` if malformed."""
        return cls.from_bytes(Path(path).read_bytes())

    def export(self) -> bytes:
        """The key set in the file format (current key first). Secret: handle like a private key."""
        with self._lock:
            if not self._entries:
                self._rotate(os.urandom, None)
            return b"".join(e.key.material() for e in self._entries)

    def write_file(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`export` to ``path``, readable by its owner only (mode 0600)."""
        data = self.export()
        fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    @property
    def key_names(self) -> tuple[bytes, ...]:
        """The public names of the keys, current first."""
        with self._lock:
            return tuple(e.key.name for e in self._entries)

    def rotate(self, random: Random) -> None:
        """Make a fresh key current now; the oldest keys beyond ``keep`` are retired."""
        with self._lock:
            self._rotate(random, None)

    def _rotate(self, random: Random, now: datetime | None) -> None:
        key = _tickets.TicketKey.from_material(random(_tickets.KEY_MATERIAL_LEN))
        self._entries.insert(0, _KeyEntry(key, now))
        del self._entries[self.keep :]

    def _start_clocks(self, now: datetime) -> None:
        for entry in self._entries:
            if entry.started is None:
                entry.started = now

    def seal(self, plaintext: bytes, *, now: datetime, random: Random) -> bytes:
        """A ticket: ``key_name(16) | IV(16) | length(2) | AES-256-CBC(plaintext) | HMAC-SHA-256(32)``."""
        with self._lock:
            if not self._entries:
                self._rotate(random, now)
            self._start_clocks(now)
            current = self._entries[0]
            assert current.started is not None
            if self.rotate_after is not None and now >= current.started + timedelta(seconds=self.rotate_after):
                self._rotate(random, now)
            return self._entries[0].key.seal(plaintext, random(_tickets.IV_LEN))

    def open(self, ticket: bytes, *, now: datetime) -> bytes | None:
        """The plaintext, or None: unknown or retired key, malformed ticket, or wrong MAC."""
        name = _tickets.key_name_of(ticket)
        with self._lock:
            self._start_clocks(now)
            for index, entry in enumerate(self._entries):
                if entry.key.name != name:
                    continue
                if self.rotate_after is not None and index > 0:
                    # Retired once ``keep`` rotation periods have passed since it stopped being current.
                    successor = self._entries[index - 1].started
                    assert successor is not None
                    if now >= successor + timedelta(seconds=self.rotate_after * (self.keep - 1)):
                        return None
                return entry.key.open(ticket)
            return None

    def __repr__(self) -> str:
        current = self._entries[0].key.name.hex() if self._entries else "not yet made"
        return f"<TicketKeys {len(self._entries)} keys, current {current}>"
