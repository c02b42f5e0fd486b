"""The session types (glasstls.sessions) and ticket protection (glasstls.crypto.tickets), without a handshake."""

from __future__ import annotations

import os
import random
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glasstls.crypto import tickets
from glasstls.errors import DecodeError
from glasstls.sessions import (
    ClientSession,
    ClientSessionStore,
    ServerSessionCache,
    ServerSessionState,
    TicketKeys,
)
from glasstls.wire.enums import CipherSuite, ProtocolVersion
from handshake_pair import fixed_random

T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
TLS13 = ProtocolVersion.TLS13
TLS12 = ProtocolVersion.TLS12


def client_session(
    version: ProtocolVersion = TLS13, *, ticket: bytes = b"t", created_at: datetime = T0, lifetime: int = 3600
) -> ClientSession:
    return ClientSession(
        version=version,
        cipher_suite=CipherSuite.TLS_AES_128_GCM_SHA256,
        secret=b"S" * 32,
        ticket=ticket,
        session_id=b"" if version == TLS13 else b"I" * 32,
        extended_master_secret=version == TLS12,
        created_at=created_at,
        lifetime=lifetime,
        age_add=1234,
        alpn="h2",
        server_name="example.com",
        peer_certificates=(b"\x30\x00",),
    )


def server_state(**changes: object) -> ServerSessionState:
    values: dict[str, object] = {
        "version": TLS13,
        "cipher_suite": CipherSuite.TLS_AES_256_GCM_SHA384,
        "secret": bytes(range(48)),
        "extended_master_secret": False,
        "created_at": T0,
        "lifetime": 7200,
        "age_add": 0xDEADBEEF,
        "alpn": "http/1.1",
        "server_name": "localhost",
        "client_certificates": (b"\x30\x03\x01\x02\x03", b"\x30\x00"),
    }
    values.update(changes)
    return ServerSessionState(**values)  # type: ignore[arg-type]


# -- secrets stay out of repr ---------------------------------------------------------------------------


def test_secrets_are_not_in_repr() -> None:
    session = client_session()
    assert "SSSS" not in repr(session)
    state = server_state(secret=b"\xab" * 32)
    assert "abab" not in repr(state) and str(b"\xab" * 4)[2:-1] not in repr(state)
    keys = TicketKeys.generate(fixed_random(b"repr"))
    material = keys.export()
    assert material[16:48].hex() not in repr(keys) and material[48:].hex() not in repr(keys)
    key = tickets.TicketKey.from_material(material)
    assert key.hmac_key.hex() not in repr(key) and repr(key.hmac_key) not in repr(key)


# -- ClientSessionStore ---------------------------------------------------------------------------------


def test_tls13_tickets_are_taken_once_newest_first() -> None:
    store = ClientSessionStore()
    store.store("a:443", client_session(ticket=b"old"))
    store.store("a:443", client_session(ticket=b"new"))
    assert len(store) == 2
    first = store.take("a:443", version=TLS13, now=T0)
    second = store.take("a:443", version=TLS13, now=T0)
    assert first is not None and first.ticket == b"new"
    assert second is not None and second.ticket == b"old"
    assert store.take("a:443", version=TLS13, now=T0) is None  # RFC 8446 appendix C.4: single use
    assert len(store) == 0


def test_tls12_sessions_stay_and_a_newer_one_replaces_the_older() -> None:
    store = ClientSessionStore()
    store.store("a:443", client_session(TLS12, ticket=b"one"))
    assert store.take("a:443", version=TLS12, now=T0) == store.take("a:443", version=TLS12, now=T0)
    store.store("a:443", client_session(TLS12, ticket=b"two"))
    got = store.take("a:443", version=TLS12, now=T0)
    assert got is not None and got.ticket == b"two"
    assert len(store) == 1


def test_versions_are_kept_apart() -> None:
    store = ClientSessionStore()
    store.store("a", client_session(TLS12))
    store.store("a", client_session(TLS13))
    got13 = store.take("a", version=TLS13, now=T0)
    assert got13 is not None and got13.version == TLS13
    assert store.take("a", version=TLS13, now=T0) is None
    got12 = store.take("a", version=TLS12, now=T0)
    assert got12 is not None and got12.version == TLS12


def test_expired_sessions_are_never_returned_and_are_dropped() -> None:
    store = ClientSessionStore()
    store.store("a", client_session(lifetime=10))
    assert store.take("a", version=TLS13, now=T0 + timedelta(seconds=10)) is None
    assert len(store) == 0
    store.store("a", client_session(TLS12, lifetime=10))
    assert store.take("a", version=TLS12, now=T0 + timedelta(seconds=9)) is not None
    assert store.take("a", version=TLS12, now=T0 + timedelta(seconds=11)) is None


def test_a_session_from_the_future_is_not_used() -> None:
    store = ClientSessionStore()
    store.store("a", client_session(created_at=T0 + timedelta(hours=1)))
    assert store.take("a", version=TLS13, now=T0) is None


def test_store_is_bounded_per_key_and_in_keys_lru() -> None:
    store = ClientSessionStore(max_keys=2, tickets_per_key=2)
    for t in (b"1", b"2", b"3"):
        store.store("a", client_session(ticket=t))
    assert len(store) == 2  # the oldest ticket of "a" was dropped
    store.store("b", client_session())
    store.take("a", version=TLS12, now=T0)  # touches "a": "b" is now the least recently used
    store.store("c", client_session())
    assert store.take("b", version=TLS13, now=T0) is None
    got = store.take("a", version=TLS13, now=T0)
    assert got is not None and got.ticket == b"3"
    assert store.take("c", version=TLS13, now=T0) is not None


def test_forget_and_keys_are_separate() -> None:
    store = ClientSessionStore()
    store.store("a", client_session())
    store.store("b", client_session())
    store.forget("a")
    store.forget("never-stored")
    assert store.take("a", version=TLS13, now=T0) is None
    assert store.take("b", version=TLS13, now=T0) is not None


def test_store_rejects_nonsense_bounds() -> None:
    with pytest.raises(ValueError):
        ClientSessionStore(max_keys=0)
    with pytest.raises(ValueError):
        ServerSessionCache(max_entries=0)


def test_client_session_age() -> None:
    session = client_session()
    assert session.age_ms(T0 + timedelta(seconds=1, microseconds=2500)) == 1002
    assert session.age_ms(T0 - timedelta(seconds=5)) == 0


# -- ServerSessionState encoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        server_state(),
        server_state(version=TLS12, extended_master_secret=True, alpn=None, server_name=None, client_certificates=()),
        server_state(cipher_suite=CipherSuite(0xABCD), secret=b"x"),
        server_state(client_verified_at=T0 + timedelta(microseconds=1), client_verified_with="trust sha256:ab"),
    ],
)
def test_state_round_trips(state: ServerSessionState) -> None:
    assert ServerSessionState.decode(state.encode()) == state


def test_state_rejects_trailing_bytes_and_every_strict_prefix() -> None:
    data = server_state().encode()
    with pytest.raises(DecodeError):
        ServerSessionState.decode(data + b"\x00")
    for n in range(len(data)):
        with pytest.raises(DecodeError):
            ServerSessionState.decode(data[:n])


def test_state_rejects_unknown_format_and_bad_flags() -> None:
    data = server_state().encode()
    with pytest.raises(DecodeError):
        ServerSessionState.decode(b"\x01" + data[1:])  # format 1 (before issue 9): a full handshake
    with pytest.raises(DecodeError):
        ServerSessionState.decode(b"\x02" + data[1:])  # format 2 (before issue 15): no max_early_data
    with pytest.raises(DecodeError):
        ServerSessionState.decode(b"\x04" + data[1:])
    ems_at = 1 + 2 + 2 + 1 + 48
    with pytest.raises(DecodeError):
        ServerSessionState.decode(data[:ems_at] + b"\x02" + data[ems_at + 1 :])


@given(st.binary(max_size=300))
def test_state_decode_of_arbitrary_bytes_is_a_state_or_decode_error(data: bytes) -> None:
    try:
        ServerSessionState.decode(data)
    except DecodeError:
        pass


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_state_decode_survives_any_timestamp(micros: int) -> None:
    data = bytearray(server_state().encode())
    at = 1 + 2 + 2 + 1 + 48 + 1
    data[at : at + 8] = micros.to_bytes(8, "big")
    try:
        state = ServerSessionState.decode(bytes(data))
    except DecodeError:
        return
    assert state.created_at.tzinfo is not None


def _reference_decode(data: bytes) -> ServerSessionState | str:
    """The field-by-field reader's verdict (a state, or its DecodeError text)."""
    from glasstls.sessions import _read_state

    try:
        return _read_state(ServerSessionState, data)
    except DecodeError as e:
        return e.reason


@given(st.data())
def test_state_decode_fast_path_agrees_with_the_field_reader(data: st.DataObject) -> None:
    """Mutated, cut and extended encodings: decode() gives exactly the field-by-field reader's state or error."""
    state = server_state(
        client_certificates=(b"\x30\x01\x00", b"\x30\x00"),
        alpn="h2",
        server_name="a.example",
        client_verified_at=T0,
        client_verified_with="trust sha256:00",
    )
    encoded = bytearray(state.encode())
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, len(encoded) - 1))
        encoded[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    sample = bytes(encoded[:cut]) + data.draw(st.binary(max_size=4))
    expected = _reference_decode(sample)
    try:
        got: ServerSessionState | str = ServerSessionState.decode(sample)
    except DecodeError as e:
        got = e.reason
    assert got == expected
    assert ServerSessionState.decode(state.encode()) == state == _reference_decode(state.encode())


def test_state_encoding_is_the_documented_layout() -> None:
    from glasstls.wire.codec import Writer

    verified = {"client_verified_at": T0, "client_verified_with": "trust sha256:ab"}
    for state in (
        server_state(),
        server_state(client_certificates=(b"\x30\x01\x00", b"\x30"), alpn=None),
        server_state(**verified),
        server_state(max_early_data=16384),
    ):
        w = Writer().u8(3).u16(state.version).u16(state.cipher_suite).vec(1, state.secret)
        w.u8(1 if state.extended_master_secret else 0)
        w.uint(8, (state.created_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
        w.u32(state.lifetime).u32(state.age_add)
        w.vec(1, (state.alpn or "").encode()).vec(2, (state.server_name or "").encode())
        with w.block(3):
            for der in state.client_certificates:
                w.vec(3, der)
        at = state.client_verified_at
        w.uint(8, 0 if at is None else (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
        w.vec(1, (state.client_verified_with or "").encode())
        w.u32(state.max_early_data)
        assert state.encode() == w.getvalue()


# -- ServerSessionCache ---------------------------------------------------------------------------------


def test_cache_put_get_remove() -> None:
    cache = ServerSessionCache()
    cache.put(b"id1", server_state(version=TLS12))
    assert cache.get(b"id1", now=T0) == server_state(version=TLS12)
    assert cache.get(b"other", now=T0) is None
    cache.remove(b"id1")
    assert cache.get(b"id1", now=T0) is None
    assert len(cache) == 0


def test_cache_lifetime_is_the_shorter_of_cache_and_session() -> None:
    cache = ServerSessionCache(lifetime=100)
    cache.put(b"long", server_state(lifetime=7200))
    cache.put(b"short", server_state(lifetime=10))
    assert cache.get(b"long", now=T0 + timedelta(seconds=99)) is not None
    assert cache.get(b"long", now=T0 + timedelta(seconds=100)) is None
    assert cache.get(b"short", now=T0 + timedelta(seconds=10)) is None


def test_cache_is_bounded_lru() -> None:
    cache = ServerSessionCache(max_entries=2)
    cache.put(b"a", server_state())
    cache.put(b"b", server_state())
    assert cache.get(b"a", now=T0) is not None  # "b" is now the least recently used
    cache.put(b"c", server_state())
    assert cache.get(b"b", now=T0) is None
    assert cache.get(b"a", now=T0) is not None and cache.get(b"c", now=T0) is not None


def test_ticket_use_is_recorded_once_until_expiry() -> None:
    cache = ServerSessionCache()
    expires = T0 + timedelta(seconds=60)
    assert cache.mark_ticket_used(b"t1", expires=expires, now=T0)
    assert not cache.mark_ticket_used(b"t1", expires=expires, now=T0 + timedelta(seconds=1))
    assert cache.mark_ticket_used(b"t2", expires=expires, now=T0)
    # After expiry the record may go (the ticket itself is refused as expired by then).
    assert cache.mark_ticket_used(b"t1", expires=expires + timedelta(seconds=60), now=expires)


def test_full_used_ticket_record_refuses_instead_of_forgetting() -> None:
    cache = ServerSessionCache(max_entries=2)
    late = T0 + timedelta(hours=1)
    assert cache.mark_ticket_used(b"a", expires=late, now=T0)
    assert cache.mark_ticket_used(b"b", expires=late, now=T0)
    assert not cache.mark_ticket_used(b"c", expires=late, now=T0)  # full: refuse (no replay of "a" later)
    assert not cache.mark_ticket_used(b"a", expires=late, now=T0)
    # Expired ones are forgotten within a second of their expiry (the record's buckets are whole seconds).
    assert not cache.mark_ticket_used(b"c", expires=late + timedelta(hours=1), now=late - timedelta(seconds=1))
    assert cache.mark_ticket_used(b"c", expires=late + timedelta(hours=1), now=late + timedelta(seconds=1))


class CountingTime(datetime):
    """A datetime that counts the comparisons made with it: the work the used-ticket record does, measured by
    count, not by time."""

    comparisons = 0

    def __lt__(self, other: object) -> bool:
        CountingTime.comparisons += 1
        return super().__lt__(other)  # type: ignore[operator]

    def __le__(self, other: object) -> bool:
        CountingTime.comparisons += 1
        return super().__le__(other)  # type: ignore[operator]

    def __gt__(self, other: object) -> bool:
        CountingTime.comparisons += 1
        return super().__gt__(other)  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        CountingTime.comparisons += 1
        return super().__ge__(other)  # type: ignore[operator]


def counting(moment: datetime) -> CountingTime:
    return CountingTime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=moment.tzinfo,
    )


def test_used_ticket_record_full_of_live_tickets_refuses_without_scanning() -> None:
    """10,000 unexpired used tickets: a new ticket cannot be tracked (full handshake), and finding that out
    costs a few comparisons, not one per entry (issue 9 item 11: each refusal scanned the whole record)."""
    cache = ServerSessionCache(max_entries=10_000)
    now = counting(T0)
    for i in range(10_000):
        assert cache.mark_ticket_used(b"live%d" % i, expires=counting(T0 + timedelta(hours=1)), now=now)
    CountingTime.comparisons = 0
    for i in range(100):
        assert not cache.mark_ticket_used(b"new%d" % i, expires=counting(T0 + timedelta(hours=1)), now=now)
    assert CountingTime.comparisons <= 2 * 100, CountingTime.comparisons
    assert not cache.mark_ticket_used(b"live7", expires=counting(T0 + timedelta(hours=1)), now=now)  # still used


def test_used_ticket_record_full_of_expired_tickets_accepts_new_ones() -> None:
    """A full record whose entries expired in any order (one long-lived entry first) takes new tickets; each
    old entry is forgotten once, and then each use is a few steps."""
    cache = ServerSessionCache(max_entries=10_000)
    rng = random.Random(9)
    assert cache.mark_ticket_used(b"long", expires=T0 + timedelta(days=1), now=T0)
    for i in range(9_999):
        expiry = T0 + timedelta(seconds=rng.randrange(1, 100), microseconds=rng.randrange(1_000_000))
        assert cache.mark_ticket_used(b"short%d" % i, expires=expiry, now=T0)
    assert not cache.mark_ticket_used(b"one too many", expires=T0 + timedelta(hours=1), now=T0)
    later = counting(T0 + timedelta(seconds=200))
    CountingTime.comparisons = 0
    for i in range(1_000):
        assert cache.mark_ticket_used(b"fresh%d" % i, expires=T0 + timedelta(hours=1), now=later)
    assert CountingTime.comparisons <= 2 * 1_000, CountingTime.comparisons
    assert not cache.mark_ticket_used(b"long", expires=T0 + timedelta(days=1), now=later)  # still remembered
    assert len(cache._used) == 1 + 1_000  # the 9,999 expired ones are gone


def test_used_ticket_record_survives_clock_jumps() -> None:
    cache = ServerSessionCache(max_entries=10)
    assert cache.mark_ticket_used(b"t", expires=T0 + timedelta(seconds=10), now=T0)
    assert not cache.mark_ticket_used(b"t", expires=T0 + timedelta(seconds=10), now=T0 - timedelta(days=3))
    assert not cache.mark_ticket_used(b"t", expires=T0 + timedelta(seconds=10), now=T0 + timedelta(seconds=9))
    far = T0 + timedelta(days=400)  # a jump far ahead: the record is emptied without a step per second
    assert cache.mark_ticket_used(b"u", expires=far + timedelta(seconds=10), now=far)
    assert len(cache._used) == 1
    assert cache.mark_ticket_used(b"t", expires=far + timedelta(seconds=10), now=far)


def test_cache_is_thread_safe() -> None:
    cache = ServerSessionCache(max_entries=100_000)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for i in range(500):
            ok = cache.mark_ticket_used(i.to_bytes(4, "big"), expires=T0 + timedelta(hours=1), now=T0)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 500  # each ticket accepted exactly once across threads


# -- ticket protection (RFC 5077 section 4) -------------------------------------------------------------


def test_seal_and_open() -> None:
    keys = TicketKeys.generate(fixed_random(b"k"))
    ticket = keys.seal(b"state", now=T0, random=fixed_random(b"iv"))
    assert ticket[:16] == keys.key_names[0]
    assert len(ticket) == 16 + 16 + 2 + 16 + 32
    assert keys.open(ticket, now=T0) == b"state"
    assert b"state" not in ticket


@pytest.mark.parametrize("size", [0, 15, 16, 1000])
def test_seal_and_open_sizes(size: int) -> None:
    keys = TicketKeys.generate(fixed_random(b"k"))
    data = os.urandom(size)
    assert keys.open(keys.seal(data, now=T0, random=os.urandom), now=T0) == data


def test_every_modified_byte_is_refused() -> None:
    keys = TicketKeys.generate(fixed_random(b"k"))
    ticket = keys.seal(b"some session state", now=T0, random=os.urandom)
    for i in range(len(ticket)):
        altered = bytearray(ticket)
        altered[i] ^= 0x01
        assert keys.open(bytes(altered), now=T0) is None, i
    assert keys.open(ticket[:-1], now=T0) is None
    assert keys.open(ticket + b"\x00", now=T0) is None
    assert keys.open(b"", now=T0) is None


@given(st.binary(max_size=200))
def test_open_of_arbitrary_bytes_is_none(data: bytes) -> None:
    keys = TicketKeys.generate(fixed_random(b"k"))
    assert keys.open(data, now=T0) is None
    assert keys.open(keys.key_names[0] + data, now=T0) is None


def test_another_servers_keys_cannot_open() -> None:
    ours, theirs = TicketKeys.generate(fixed_random(b"a")), TicketKeys.generate(fixed_random(b"b"))
    assert theirs.open(ours.seal(b"x", now=T0, random=os.urandom), now=T0) is None


def test_same_name_other_keys_is_a_bad_mac() -> None:
    ours = TicketKeys.generate(fixed_random(b"a"))
    material = bytearray(ours.export())
    material[20] ^= 1  # same key_name, another HMAC key
    forged = TicketKeys.from_bytes(bytes(material))
    assert forged.open(ours.seal(b"x", now=T0, random=os.urandom), now=T0) is None


def test_rotation_keeps_the_previous_key_for_one_period_then_retires_it() -> None:
    keys = TicketKeys.generate(fixed_random(b"r"), rotate_after=100, keep=2)
    random = fixed_random(b"rand")
    old = keys.seal(b"old", now=T0, random=random)  # the first key's clock starts here
    names: tuple[bytes, ...] = keys.key_names
    assert names == (old[:16],)
    new = keys.seal(b"new", now=T0 + timedelta(seconds=100), random=random)  # rotated
    names = keys.key_names
    assert new[:16] != old[:16] and names == (new[:16], old[:16])
    assert keys.open(old, now=T0 + timedelta(seconds=150)) == b"old"
    assert keys.open(old, now=T0 + timedelta(seconds=200)) is None  # retired: one period after rotation
    assert keys.open(new, now=T0 + timedelta(seconds=200)) == b"new"
    keys.seal(b"newer", now=T0 + timedelta(seconds=200), random=random)
    assert len(keys.key_names) == 2 and old[:16] not in keys.key_names  # keep=2


def test_explicit_rotate() -> None:
    keys = TicketKeys.generate(fixed_random(b"r"), keep=3)
    before = keys.seal(b"x", now=T0, random=os.urandom)
    keys.rotate(fixed_random(b"next"))
    after = keys.seal(b"y", now=T0, random=os.urandom)
    assert before[:16] != after[:16]
    assert keys.open(before, now=T0) == b"x" and keys.open(after, now=T0) == b"y"


def test_lazy_key_comes_from_the_seal_random() -> None:
    a, b = TicketKeys.generate(), TicketKeys.generate()
    assert a.key_names == () and "not yet made" in repr(a)
    assert a.seal(b"x", now=T0, random=fixed_random(b"same")) == b.seal(b"x", now=T0, random=fixed_random(b"same"))
    assert a.open(b"\x00" * 100, now=T0) is None


def test_key_file_round_trip_and_nginx_layout(tmp_path: Path) -> None:
    keys = TicketKeys.generate(fixed_random(b"file"))
    keys.rotate(fixed_random(b"second"))
    path = tmp_path / "ticket.key"
    keys.write_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert len(data) == 160
    loaded = TicketKeys.from_file(path)
    assert loaded.key_names == keys.key_names
    # Another process with the same file reads our tickets, and vice versa.
    ticket = keys.seal(b"shared", now=T0, random=os.urandom)
    assert loaded.open(ticket, now=T0 + timedelta(days=30)) == b"shared"  # file keys do not rotate
    assert keys.open(loaded.seal(b"back", now=T0, random=os.urandom), now=T0) == b"back"
    # nginx's 80-byte layout: name | HMAC key | AES key.
    key = tickets.TicketKey.from_material(data[:80])
    assert (key.name, key.hmac_key, key.aes_key) == (data[:16], data[16:48], data[48:80])


def test_key_file_written_by_another_tool(tmp_path: Path) -> None:
    path = tmp_path / "nginx.key"
    path.write_bytes(bytes(range(80)))  # e.g. `openssl rand 80 > nginx.key`
    keys = TicketKeys.from_file(path)
    assert keys.key_names == (bytes(range(16)),)
    assert keys.open(keys.seal(b"z", now=T0, random=os.urandom), now=T0) == b"z"


@pytest.mark.parametrize("size", [0, 48, 79, 81, 159])
def test_malformed_key_files_are_refused(size: int) -> None:
    with pytest.raises(ValueError):
        TicketKeys.from_bytes(os.urandom(size))


def test_duplicate_key_names_are_refused() -> None:
    one = os.urandom(80)
    with pytest.raises(ValueError, match="same key_name"):
        TicketKeys.from_bytes(one + one[:16] + os.urandom(64))


def test_ticket_id_is_stable_and_distinct() -> None:
    assert tickets.ticket_id(b"a") == tickets.ticket_id(b"a")
    assert tickets.ticket_id(b"a") != tickets.ticket_id(b"b")
    assert len(tickets.ticket_id(b"a")) == 16
