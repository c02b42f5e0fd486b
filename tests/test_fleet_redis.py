"""A fleet sharing sessions through a real Redis (issue 15): the store itself (sealed values, TTLs, atomic
single use, ticket keys shared and rotated, Redis down), and two or three ``glasstls serve`` processes behind
one Redis resuming each other's sessions with ``openssl s_client -sess_out`` / ``-sess_in`` (TLS 1.3 and 1.2),
refusing a ticket replayed on another server, and going on with full handshakes when Redis stops mid-run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from glasstls.session_store import StoreUnavailable
from glasstls.sessions import ServerSessionState
from glasstls.sessions_redis import PREFIX, RedisSessionStore, RedisStore, RedisTicketKeys
from glasstls.wire.enums import CipherSuite, ProtocolVersion
from peers import ProcessServer, run_openssl_client, server_process
from redis_peer import RedisServer, glasstls_serve_argv, redis_server, store_key
from test_interop_early_data_server import Recorder, replay

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]

GET = b"GET / HTTP/1.0\r\n\r\n"
SECRET = bytes(range(48))


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def _state(now: datetime) -> ServerSessionState:
    return ServerSessionState(
        ProtocolVersion.TLS12, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, SECRET, True, now, 3600, 0,
        None, "localhost", (),
    )


def test_sessions_are_sealed_expire_and_are_shared(redis: RedisServer) -> None:
    key = os.urandom(32)
    one, two = RedisSessionStore(RedisStore(redis.url, key)), RedisSessionStore(RedisStore(redis.url, key))
    now = datetime.now(UTC)
    one.put(b"\x01" * 32, _state(now))
    assert two.get(b"\x01" * 32, now=now) == _state(now)  # another server resumes it
    raw = one.store._client
    name = PREFIX + "s12:" + ("01" * 32)
    assert SECRET not in raw.get(name)  # the master secret is sealed, not stored in the clear
    assert 0 < raw.pttl(name) <= 3600 * 1000  # it expires with the session
    other_key = RedisSessionStore(RedisStore(redis.url, os.urandom(32)))
    assert other_key.get(b"\x01" * 32, now=now) is None  # a server with another store key cannot read it


def test_ticket_use_and_client_hello_record_are_atomic_and_expire(redis: RedisServer) -> None:
    key = os.urandom(32)
    servers = [RedisSessionStore(RedisStore(redis.url, key)) for _ in range(3)]
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=60)
    answers = [s.mark_ticket_used(b"t" * 16, expires=expires, now=now) for s in servers]
    assert answers == [True, False, False]  # exactly one server may use the ticket
    assert [s.record_client_hello(b"c" * 32, expires=expires, now=now) for s in servers] == [True, False, False]
    assert 0 < servers[0].store._client.pttl(PREFIX + "used:" + (b"t" * 16).hex()) <= 60_000


def test_ticket_keys_shared_rotated_and_kept_until_their_tickets_expire(redis: RedisServer) -> None:
    key = os.urandom(32)
    a = RedisTicketKeys(RedisStore(redis.url, key), rotate_after=60, ticket_lifetime=120)
    b = RedisTicketKeys(RedisStore(redis.url, key), rotate_after=60, ticket_lifetime=120)
    now = datetime.now(UTC)
    ticket = a.seal(b"state one", now=now, random=os.urandom)
    assert b.open(ticket, now=now) == b"state one"  # one key for the fleet, made by the first server
    later = now + timedelta(seconds=61)
    newer = b.seal(b"state two", now=later, random=os.urandom)
    assert newer[:16] != ticket[:16]  # the next period has a new key
    assert a.open(newer, now=later) == b"state two" and a.open(ticket, now=later) == b"state one"
    raw = a.store._client
    stored = [k for k in raw.keys(f"{PREFIX}tk*")]
    assert stored and all(0 < raw.pttl(k) <= (120 + 120) * 1000 for k in stored)  # retired with their tickets
    assert all(ticket[16:] not in raw.get(k) for k in stored)


def test_redis_down_is_bounded_and_not_fatal(redis: RedisServer) -> None:
    key = os.urandom(32)
    store = RedisStore(redis.url, key)
    sessions, keys = RedisSessionStore(store), RedisTicketKeys(store)
    now = datetime.now(UTC)
    redis.stop()
    with pytest.raises(StoreUnavailable):
        sessions.mark_ticket_used(b"t" * 16, expires=now + timedelta(seconds=5), now=now)
    assert sessions.get(b"x" * 32, now=now) is None
    sessions.put(b"x" * 32, _state(now))  # dropped, logged
    ticket = keys.seal(b"state", now=now, random=os.urandom)  # a local fallback key
    assert keys.open(ticket, now=now) == b"state"
    assert store.failures == 1  # after one failure the store is not asked again for a while


# -- live: glasstls serve processes sharing one Redis, openssl s_client moving between them ----------------------


@contextlib.contextmanager
def fleet(pki: TestPKI, redis: RedisServer, tmp_path: Path, count: int, *extra: str) -> Iterator[list[ProcessServer]]:
    assert pki.files is not None
    key = store_key(tmp_path)
    args = ["--www", "--session-store", redis.url, "--session-store-key", str(key), *extra]
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                server_process(
                    glasstls_serve_argv(pki.files.server_ecdsa.cert, pki.files.server_ecdsa.key, *args),
                    ready=r"listening on 127\.0\.0\.1:(\d+)",
                    name=f"glasstls serve #{i}",
                )
            )
            for i in range(count)
        ]
        yield servers


def s_client(pki: TestPKI, port: int, sess: Path, *, sess_in: bool, tls12: bool = False) -> str:
    assert pki.files is not None
    args: list[str | Path] = ["-sess_in" if sess_in else "-sess_out", sess]
    if tls12:
        args += ["-tls1_2", "-no_ticket"]  # TLS 1.2 session IDs, which only the shared store can resume
    result = run_openssl_client(
        port, cafile=pki.files.root, brief=False, tls13_only=not tls12, extra_args=args, stdin=GET
    ).check()
    return result.output


def test_two_servers_resume_each_others_tls13_sessions(pki: TestPKI, redis: RedisServer, tmp_path: Path) -> None:
    sess = tmp_path / "s.sess"
    with fleet(pki, redis, tmp_path, 2) as (one, two):
        assert "New, TLSv1.3" in s_client(pki, one.port, sess, sess_in=False)
        second = s_client(pki, two.port, sess, sess_in=True)
    assert "Reused, TLSv1.3" in second, second


def test_two_servers_resume_each_others_tls12_session_ids(pki: TestPKI, redis: RedisServer, tmp_path: Path) -> None:
    sess = tmp_path / "s.sess"
    with fleet(pki, redis, tmp_path, 2) as (one, two):
        assert "New, TLSv1.2" in s_client(pki, one.port, sess, sess_in=False, tls12=True)
        second = s_client(pki, two.port, sess, sess_in=True, tls12=True)
    assert "Reused, TLSv1.2" in second, second


def test_a_ticket_used_on_one_server_is_refused_on_the_others(pki: TestPKI, redis: RedisServer, tmp_path: Path) -> None:
    """Three servers: the ticket from #0 resumes on #1, and the same ticket (s_client -sess_in offers it again)
    gets a full handshake on #2: single use across the fleet."""
    sess = tmp_path / "s.sess"
    with fleet(pki, redis, tmp_path, 3, "--trace") as servers:
        s_client(pki, servers[0].port, sess, sess_in=False)
        assert "Reused, TLSv1.3" in s_client(pki, servers[1].port, sess, sess_in=True)
        third = s_client(pki, servers[2].port, sess, sess_in=True)
        servers[2].wait_for_output(r"#1 closed")
        log = servers[2].output()
    assert "New, TLSv1.3" in third, third
    assert "session ticket already used" in log, log


def test_redis_stopped_mid_run(pki: TestPKI, redis: RedisServer, tmp_path: Path) -> None:
    """Redis stops: the next resumption attempt on another server is a full handshake (no error reaches the
    client), and the server's log and trace say why."""
    sess = tmp_path / "s.sess"
    with fleet(pki, redis, tmp_path, 2, "--trace") as (one, two):
        s_client(pki, one.port, sess, sess_in=False)
        redis.stop()
        second = s_client(pki, two.port, sess, sess_in=True)
        two.wait_for_output(r"#1 closed")
        third = s_client(pki, two.port, sess, sess_in=False)  # and new clients are still served
        log = two.output()
    assert "New, TLSv1.3" in second and "New, TLSv1.3" in third, second
    assert "session store redis://127.0.0.1" in log and "unavailable" in log, log


def test_early_data_replayed_to_another_server_of_the_fleet_is_refused(
    pki: TestPKI, redis: RedisServer, tmp_path: Path
) -> None:
    """0-RTT accepted on server #0; the recorded flight replayed to server #1 (same Redis): the ticket was used
    and the ClientHello recorded fleet-wide, so #1 takes no early data."""
    assert pki.files is not None
    sess, early = tmp_path / "s.sess", tmp_path / "early.txt"
    early.write_bytes(GET)
    with fleet(pki, redis, tmp_path, 2, "--early-data", "--trace") as (one, two):
        s_client(pki, one.port, sess, sess_in=False)
        recorder = Recorder(one.port)
        args: list[str | Path] = ["-sess_in", sess, "-early_data", early]
        second = run_openssl_client(recorder.port, cafile=pki.files.root, brief=False, extra_args=args).check()
        recorded = recorder.close()
        assert "Early data was accepted" in second.output, second.output
        replay(two.port, recorded)
        two.wait_for_output(r"#1 ")
        # The story of #1 is printed line by line after its status line: wait for the verdict on the early data
        # (and, when it was refused, for the reason) instead of reading the output as soon as "#1 " shows.
        verdict = two.wait_for_output(r"0-RTT early data accepted|early data: refused")
        if "refused" in verdict.group(0):
            two.wait_for_output(r"session ticket already used")
        log = two.output()
    assert "0-RTT early data accepted" not in log, log
    # #1 could open the ticket (the fleet's shared key) and found its use recorded in Redis by #0:
    assert "session ticket already used" in log and "early data: refused" in log, log


def test_session_store_needs_its_key_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glasstls", "serve", "--port", "0", "--session-store", "redis://127.0.0.1:1/0"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2 and b"--session-store-key" in proc.stderr and b"Traceback" not in proc.stderr
