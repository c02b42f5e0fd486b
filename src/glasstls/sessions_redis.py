"""A fleet's shared session store on Redis (issue 15): every ``glasstls serve`` of a fleet points at one Redis
(``--session-store redis://HOST:PORT/DB``) and shares through it

* TLS 1.2 sessions by session ID (any server resumes a session another one created): ``s12:<id>``, the session
  state sealed (AES-256-GCM) under the store key, expiring with the session;
* the record of used TLS 1.3 tickets (single use across the fleet, RFC 8446 section 8.1): ``used:<ticket id>``, a
  16-byte digest of the ticket and nothing else, set with ``SET NX PX``: Redis answers "set" to exactly one
  server, atomically, so two servers offered the same ticket at the same moment cannot both accept it (no
  read-then-write race); it expires when the ticket does;
* the 0-RTT ClientHello record (RFC 8446 section 8.2): ``0rtt:<digest of the first binder>``, the same way,
  kept for the freshness window;
* the ticket-encryption keys, with rotation: one key per period of ``rotate_after`` seconds, ``tk:<period>``
  and ``tkname:<key name>``, each sealed under the store key; the first server that needs a period's key makes it
  (``SET NX``: all others then read the same one), and each key expires ``rotate_after`` + the ticket lifetime
  after its period ends, so old keys still decrypt until their last tickets expire. No key file is needed.

The store key (32 bytes, ``--session-store-key FILE``) is shared out of band, as a ticket key file would be: it
protects the ticket keys and session secrets at rest in Redis, so that whoever can read Redis (a dump, a replica,
an unauthenticated port) cannot decrypt sessions. Redis itself should still be on a private network, with AUTH/TLS
as the deployment allows: an attacker who can WRITE to it can mark tickets used (denial of resumption), not forge
sessions.

When Redis is slow or down, each call waits at most :data:`REDIS_TIMEOUT` seconds, then the store answers "not
known" (full handshakes, no early data, tickets under a local fallback key) and for :data:`RETRY_AFTER` seconds does
not try again, so that a dead Redis does not add a timeout to every handshake. The server log says so (logger
``glasstls.sessions``) and the handshake's trace says why it did not resume.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from glasstls.crypto import tickets as _tickets
from glasstls.crypto.sealing import StoreSealer
from glasstls.session_store import StoreUnavailable
from glasstls.sessions import _EPOCH, Random, ServerSessionState, TicketKeys, _expired

logger = logging.getLogger("glasstls.sessions")

#: Seconds one Redis call may take (connect, send, answer) before the handshake goes on without it: a handshake
#: must stay quick when the store is slow; 0.25 s is many round trips on a LAN.
REDIS_TIMEOUT = 0.25
#: After a failure, seconds during which the store is not asked at all (every answer "not known"): a dead Redis
#: then costs one timeout per this period, not one per handshake.
RETRY_AFTER = 2.0
#: Ticket keys remembered in each process (by name): a few periods' worth; more are fetched again.
MAX_CACHED_KEYS = 16
#: Prefix of every key this store writes, so one Redis can serve other things too.
PREFIX = "glasstls:"


def parse_url(url: str) -> tuple[str, int, int]:
    """``redis://HOST:PORT/DB`` -> (host, port, db); ``ValueError`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname:
        raise ValueError(f"not a redis://HOST:PORT/DB URL: {url!r}")
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ValueError(f"the database in {url!r} must be a number")
    return parts.hostname, parts.port or 6379, int(db_text)


class RedisStore:
    """The connection to Redis shared by :class:`RedisSessionStore` and :class:`RedisTicketKeys`: bounded waits,
    and a pause after a failure."""

    def __init__(self, url: str, store_key: bytes, *, timeout: float = REDIS_TIMEOUT) -> None:
        import redis  # the optional extra (pip install 'glasstls[redis]')
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        host, port, db = parse_url(url)
        self.url = f"redis://{host}:{port}/{db}"
        self.sealer = StoreSealer(store_key)
        self._client: Any = redis.Redis(
            host=host,
            port=port,
            db=db,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # no retries: one bounded wait, then the handshake goes on
            health_check_interval=0,
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._down_until = 0.0
        self._lock = threading.Lock()
        self.failures = 0

    def call(self, what: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """``client.method(*args)``; :class:`StoreUnavailable` if Redis does not answer (or did not recently)."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(f"the session store {self.url} did not answer recently; not asked")
        try:
            return getattr(self._client, method)(*args, **kwargs)
        except self._errors as e:
            with self._lock:
                self.failures += 1
                self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning(
                "session store %s unavailable while %s (%s): full handshakes, no early data, for the next %g s",
                self.url,
                what,
                type(e).__name__,
                RETRY_AFTER,
            )
            raise StoreUnavailable(f"the session store {self.url} did not answer ({type(e).__name__})") from None

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"<RedisStore {self.url}>"


def _ms(span: timedelta) -> int:
    return max(1, span // timedelta(milliseconds=1))


class RedisSessionStore:
    """:class:`glasstls.session_store.ServerSessionStore` on Redis (see the module docstring)."""

    def __init__(self, store: RedisStore, lifetime: int = 7200) -> None:
        if lifetime < 1:
            raise ValueError("lifetime must be positive")
        self.store = store
        self.lifetime = lifetime

    def _name(self, kind: str, ident: bytes) -> str:
        return f"{PREFIX}{kind}:{ident.hex()}"

    def put(self, session_id: bytes, state: ServerSessionState) -> None:
        name = self._name("s12", session_id)
        ends = state.created_at + timedelta(seconds=min(state.lifetime, self.lifetime))
        ttl = _ms(ends - datetime.now(state.created_at.tzinfo))
        sealed = self.store.sealer.seal(state.encode(), name.encode())
        try:
            self.store.call("storing a TLS 1.2 session", "set", name, sealed, px=ttl)
        except StoreUnavailable:
            pass  # logged: this session will get a full handshake next time

    def get(self, session_id: bytes, *, now: datetime) -> ServerSessionState | None:
        name = self._name("s12", session_id)
        try:
            sealed = self.store.call("looking up a TLS 1.2 session", "get", name)
        except StoreUnavailable:
            return None
        if not isinstance(sealed, bytes):
            return None
        plaintext = self.store.sealer.open(sealed, name.encode())
        if plaintext is None:
            logger.warning("session store: %s does not open under our store key (another key, or altered)", name)
            return None
        try:
            state = ServerSessionState.decode(plaintext)
        except ValueError:
            return None
        if _expired(state.created_at, min(state.lifetime, self.lifetime), now):
            return None
        return state

    def remove(self, session_id: bytes) -> None:
        try:
            self.store.call("removing a TLS 1.2 session", "delete", self._name("s12", session_id))
        except StoreUnavailable:
            pass

    def _first_time(self, what: str, name: str, expires: datetime, now: datetime) -> bool:
        # SET NX: atomic across the fleet; exactly one server gets True.
        answer = self.store.call(what, "set", name, b"1", nx=True, px=_ms(expires - now))
        return bool(answer)

    def mark_ticket_used(self, ticket_id: bytes, *, expires: datetime, now: datetime) -> bool:
        return self._first_time("recording a ticket's use", self._name("used", ticket_id), expires, now)

    def record_client_hello(self, key: bytes, *, expires: datetime, now: datetime) -> bool:
        return self._first_time("recording a 0-RTT ClientHello", self._name("0rtt", key), expires, now)

    def __repr__(self) -> str:
        return f"<RedisSessionStore {self.store.url}>"


class RedisTicketKeys:
    """:class:`glasstls.session_store.TicketSealer` whose keys live in Redis, sealed, one per period (module
    docstring). ``ticket_lifetime``: how long tickets live (a key is kept that long after its period)."""

    def __init__(self, store: RedisStore, *, rotate_after: int = 3600, ticket_lifetime: int = 7200) -> None:
        if rotate_after < 1 or ticket_lifetime < 1:
            raise ValueError("rotate_after and ticket_lifetime must be positive")
        self.store = store
        self.rotate_after = rotate_after
        self.ticket_lifetime = ticket_lifetime
        self._lock = threading.Lock()
        self._by_period: OrderedDict[int, _tickets.TicketKey] = OrderedDict()
        self._by_name: OrderedDict[bytes, _tickets.TicketKey] = OrderedDict()
        # While Redis is unavailable, tickets are sealed under a key of this process only (resumable here).
        self._fallback = TicketKeys.generate()

    def _period(self, now: datetime) -> int:
        return int((now - _EPOCH).total_seconds()) // self.rotate_after

    def _ttl_ms(self, period: int, now: datetime) -> int:
        period_end = _EPOCH + timedelta(seconds=(period + 1) * self.rotate_after)
        return _ms(period_end + timedelta(seconds=self.ticket_lifetime) - now)

    def _remember(self, period: int | None, key: _tickets.TicketKey) -> None:
        with self._lock:
            if period is not None:
                self._by_period[period] = key
            self._by_name[key.name] = key
            for cache in (self._by_period, self._by_name):
                while len(cache) > MAX_CACHED_KEYS:
                    cache.popitem(last=False)

    def _current(self, now: datetime, random: Random) -> _tickets.TicketKey:
        period = self._period(now)
        with self._lock:
            key = self._by_period.get(period)
        if key is not None:
            return key
        store, name = self.store, f"{PREFIX}tk:{period}"
        ttl = self._ttl_ms(period, now)
        fresh = store.sealer.seal(random(_tickets.KEY_MATERIAL_LEN), name.encode())
        store.call("making this period's ticket key", "set", name, fresh, nx=True, px=ttl)  # the first one wins
        sealed = store.call("reading this period's ticket key", "get", name)
        material = store.sealer.open(sealed, name.encode()) if isinstance(sealed, bytes) else None
        if material is None:
            raise StoreUnavailable(f"{name} does not open under our store key (another key, or altered)")
        key = _tickets.TicketKey.from_material(material)
        by_name = f"{PREFIX}tkname:{key.name.hex()}"
        store.call("publishing the ticket key", "set", by_name, store.sealer.seal(material, by_name.encode()), px=ttl)
        self._remember(period, key)
        logger.info("ticket key %s in use for period %d (shared through %s)", key.name.hex(), period, store.url)
        return key

    def seal(self, plaintext: bytes, *, now: datetime, random: Random) -> bytes:
        try:
            key = self._current(now, random)
        except StoreUnavailable:
            return self._fallback.seal(plaintext, now=now, random=random)  # resumable on this server only
        return key.seal(plaintext, random(_tickets.IV_LEN))

    def open(self, ticket: bytes, *, now: datetime) -> bytes | None:
        name = _tickets.key_name_of(ticket)
        with self._lock:
            key = self._by_name.get(name)
        if key is None:
            local = self._fallback.open(ticket, now=now)
            if local is not None:
                return local
            redis_name = f"{PREFIX}tkname:{name.hex()}"
            try:
                sealed = self.store.call("reading a ticket key", "get", redis_name)
            except StoreUnavailable:
                return None
            material = self.store.sealer.open(sealed, redis_name.encode()) if isinstance(sealed, bytes) else None
            if material is None:
                return None  # unknown or retired (expired) key: a full handshake
            key = _tickets.TicketKey.from_material(material)
            self._remember(None, key)
        return key.open(ticket)

    def __repr__(self) -> str:
        return f"<RedisTicketKeys {self.store.url}, rotating every {self.rotate_after} s>"
