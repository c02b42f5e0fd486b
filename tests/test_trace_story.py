"""The trace matches what happened (issue 10): each step timed by its own work, start times that never go
backwards, steps in wire order, and every message on the wire shown once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from glasstls.config import CertificateChain
from glasstls.trace.events import TraceEvent
from glasstls.trace.render import Section, build_story, render_plain
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from handshake_pair import Pair, client_config, pki, server_config

V12 = ProtocolVersion.TLS12


class FakeClock:
    """An injected monotonic clock (config.monotonic): 1 ms per read, plus jumps the test makes."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 0.001
        return self.now


def _client_chain() -> CertificateChain:
    return CertificateChain((pki().client.certificate, *pki().client.chain), pki().client.key)


def _mutual(**client: object) -> tuple[dict[str, object], dict[str, object]]:
    return (
        {"client_certificate": _client_chain(), **client},
        {"client_auth": "required", "client_trust": pki().trust_store()},
    )


def _assert_monotonic(trace: list[TraceEvent]) -> None:
    """One side's steps: durations >= 0, each begins where the one before it ended or later."""
    for before, after in itertools.pairwise(trace):
        assert after.duration >= 0
        assert after.time >= before.time + before.duration - 1e-9, (before, after)


def _message_lines(sections: list[Section]) -> list[str]:
    arrows = ("client -> server: ", "server -> client: ")
    return [line.text for s in sections for line in s.lines if line.text.startswith(arrows)]


def _keys(sections: list[Section]) -> list[str]:
    return [s.key for s in sections]


def _tls13_everything() -> Pair:
    """HelloRetryRequest (the client's only key share is X25519, the server wants P-256), client
    authentication, two tickets, KeyUpdate both ways, close_notify both ways."""
    c_opts, s_opts = _mutual(key_share_groups=(NamedGroup.X25519,))
    pair = Pair(
        client_config(groups=(NamedGroup.X25519, NamedGroup.SECP256R1), **c_opts),
        server_config(groups=(NamedGroup.SECP256R1,), session_tickets=2, **s_opts),
    )
    c, _ = pair.handshake()
    assert c.hello_retry_request
    pair.call("client", lambda: pair.client.key_update(request_peer=True))  # the server answers with its own
    pair.pump()
    pair.call("server", lambda: pair.server.key_update(request_peer=False))
    pair.pump()
    pair.call("client", pair.client.close)
    pair.pump()
    pair.call("server", pair.server.close)
    pair.pump()
    return pair


def test_tls13_every_message_once_in_the_combined_story() -> None:
    pair = _tls13_everything()
    sections = build_story(pair.client.trace + pair.server.trace, negotiated=pair.client.negotiated)
    lines = _message_lines(sections)
    assert sum("client -> server: CLIENT_HELLO" in line for line in lines) == 2  # the second after the HRR
    assert sum("server -> client: HELLO_RETRY_REQUEST" in line for line in lines) == 1
    assert sum("NEW_SESSION_TICKET" in line for line in lines) == 2
    assert sum("client -> server: KEY_UPDATE" in line for line in lines) == 1
    assert sum("server -> client: KEY_UPDATE" in line for line in lines) == 2  # the answer, then its own
    assert sum("FINISHED" in line for line in lines) == 2
    keys = _keys(sections)
    assert len(keys) == len(set(keys))  # each step is one section
    retry = render_plain([next(s for s in sections if s.key == "hello_retry")])
    assert "HELLO_RETRY_REQUEST" in retry and "CLIENT_HELLO" in retry
    server_hello = render_plain([next(s for s in sections if s.key == "server_hello")])
    # the server's choices on the first ClientHello belong to the retry, those on the second to the ServerHello
    assert server_hello.count("chose cipher suite") == 1 and retry.count("chose cipher suite") == 1
    assert "SERVER_HELLO (" in server_hello and "HELLO_RETRY_REQUEST" not in server_hello
    text = render_plain(sections)
    # each change_cipher_spec and close_notify once, as its sender sent it
    assert text.count("sent change_cipher_spec (middlebox compatibility") == 2
    assert "received change_cipher_spec" not in text and "received WARNING alert" not in text
    assert text.count("sent close_notify") == 2
    for side in (pair.client, pair.server):  # one side's story: what it sent and what it received
        own = render_plain(build_story(side.trace, negotiated=side.negotiated, negotiated_side=side.side))
        assert own.count("sent change_cipher_spec (middlebox") == 1
        assert own.count("received change_cipher_spec (middlebox compatibility") == 1
        assert own.count("sent close_notify") == 1 and own.count("received WARNING alert CLOSE_NOTIFY") == 1
    # KeyUpdate: its own step, with its own keys (not under "application keys derived")
    key_update = next(s for s in sections if s.key == "key_update")
    update_text = render_plain([key_update])
    assert "client application traffic (generation 1)" in update_text
    assert "server application traffic (generation 2)" in update_text  # its answer, then its own update
    application = next(s for s in sections if s.key == "application_keys")
    assert "generation" not in render_plain([application])


def test_tls13_steps_never_go_backwards() -> None:
    pair = _tls13_everything()
    for trace in (pair.client.trace, pair.server.trace):
        _assert_monotonic(trace)
    for sections in (
        build_story(pair.client.trace + pair.server.trace, negotiated=pair.client.negotiated),
        build_story(pair.client.trace, negotiated=pair.client.negotiated),
        build_story(pair.server.trace, negotiated=pair.server.negotiated, negotiated_side="server"),
    ):
        starts = [s.start for s in sections]
        assert starts == sorted(starts)
    client_keys = _keys(build_story(pair.client.trace, negotiated=pair.client.negotiated))
    # the client's application (write) keys after its Finished; its verification before CertificateVerify
    assert client_keys.index("client_finished") < client_keys.index("client_application_keys")
    assert client_keys.index("verification") < client_keys.index("certificate_verify")
    assert client_keys.index("hello_retry") < client_keys.index("server_hello")


def test_one_side_story_shows_what_it_received() -> None:
    pair = _tls13_everything()
    text = render_plain(build_story(pair.client.trace, negotiated=pair.client.negotiated))
    assert "server -> client: HELLO_RETRY_REQUEST" in text
    assert text.count("server -> client: NEW_SESSION_TICKET") == 2
    assert text.count("server -> client: KEY_UPDATE") == 2 and text.count("client -> server: KEY_UPDATE") == 1


def test_a_slow_step_is_charged_to_itself_not_to_the_message_before_it() -> None:
    """The injected clock: reading the wall clock for the chain's validity takes 5 s here; that time belongs
    to the certificate verification, not to the Certificate message, and the waits for the peer to nobody."""
    clock = FakeClock()

    def wall_clock() -> datetime:
        clock.now += 5.0
        return datetime.now(UTC)

    pair = Pair(client_config(monotonic=clock.monotonic, clock=wall_clock), server_config())
    pair.handshake()
    sections = {s.key: s for s in build_story(pair.client.trace, negotiated=pair.client.negotiated)}
    assert 5.0 <= sections["verification"].duration < 6.0
    assert sections["server_certificate"].duration < 1.0
    assert sections["certificate_verify"].duration < 1.0
    _assert_monotonic(pair.client.trace)


def test_tls12_steps_in_wire_order_with_client_authentication() -> None:
    c_opts, s_opts = _mutual(max_version=V12)
    pair = Pair(client_config(**c_opts), server_config(**s_opts))
    pair.handshake()
    for trace in (pair.client.trace, pair.server.trace):
        _assert_monotonic(trace)
    for sections in (
        build_story(pair.client.trace + pair.server.trace, negotiated=pair.client.negotiated),
        build_story(pair.client.trace, negotiated=pair.client.negotiated),
        build_story(pair.server.trace, negotiated=pair.server.negotiated, negotiated_side="server"),
    ):
        keys = _keys(sections)
        order = [
            "client_hello",
            "server_hello",
            "server_certificate",
            "server_key_exchange",
            "certificate_request",
            "server_hello_done",
            "client_certificate",
            "client_key_exchange",
            "client_certificate_verify",
            "client_change_cipher_spec",
            "client_finished",
            "tickets",
            "server_change_cipher_spec",
            "server_finished",
        ]
        assert [k for k in keys if k in order] == order, keys
        lines = _message_lines(sections)
        for msg in ("SERVER_KEY_EXCHANGE", "CERTIFICATE (", "CERTIFICATE_REQUEST", "SERVER_HELLO_DONE"):
            assert any(msg in line and "in the clear" in line for line in lines), msg
        assert all("in the clear" in line for line in lines if "FINISHED" not in line)
        text = render_plain(sections)
        assert "key shares" not in text and "HMAC" not in text and "verify_data: 12 bytes (the PRF" in text


def test_failed_tls12_handshake_is_drawn_as_tls12() -> None:
    """The server requires a client certificate and the client has none: the server's story of the failure
    (no negotiated version) still shows TLS 1.2's plaintext flight."""
    pair = Pair(
        client_config(max_version=V12),
        server_config(client_auth="required", client_trust=pki().trust_store()),
    )
    pair.pump()
    assert pair.server_error is not None
    sections = build_story(pair.server.trace)
    lines = _message_lines(sections)
    for msg in ("SERVER_KEY_EXCHANGE", "CERTIFICATE_REQUEST", "SERVER_HELLO_DONE", "CERTIFICATE ("):
        assert any(msg in line and "in the clear" in line for line in lines), (msg, lines)
    assert not any("encrypted" in line for line in lines), lines
    assert sections[-1].key == "failure"


def test_tls12_only_hello_offers_no_tls13_only_group() -> None:
    pair = Pair(client_config(max_version=V12), server_config())
    pair.handshake()
    text = render_plain(build_story(pair.client.trace, negotiated=pair.client.negotiated))
    groups = next(line for line in text.splitlines() if "key exchange groups:" in line)
    assert "MLKEM" not in groups and "X25519" in groups
    assert "key shares" not in text
