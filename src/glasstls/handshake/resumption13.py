"""TLS 1.3 server-side resumption (RFC 8446 sections 4.2.9, 4.2.11, 4.6.1, 8.1): which offered ticket to use,
single-use tickets, and the NewSessionTickets sent after a handshake.

Moved out of ``server13`` (issue 15) so that the server's states stay readable; the states call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from glasstls.config import ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.tickets import ticket_id
from glasstls.crypto.transcript import Transcript
from glasstls.errors import DecodeError, DecryptError, IllegalParameter, MissingExtension
from glasstls.handshake.base import Actions
from glasstls.handshake.peer_auth import resumption_refusal
from glasstls.session_store import StoreUnavailable
from glasstls.sessions import ServerSessionState
from glasstls.trace.times import seconds_text
from glasstls.wire import extensions as ext
from glasstls.wire.enums import ProtocolVersion, PskKeyExchangeMode
from glasstls.wire.messages import ClientHello, NewSessionTicket

#: Named limit on attacker-driven work: at most this many offered PSK identities are tried (each costs an
#: HMAC); the rest are ignored.
MAX_PSK_IDENTITIES = 16
#: How far the client's view of a ticket's age (RFC 8446 section 4.2.11.1) may differ from ours, in ms: one
#: round trip and clock-rate drift; a larger gap means a replayed or mangled identity (RFC 8446 section 8.3).
TICKET_AGE_WINDOW_MS = 60_000


@dataclass
class Resumption:
    """A ticket the server accepted (RFC 8446 section 4.2.11): which identity, its state and Early Secret.
    ``client_age_ms``: the ticket's age as the client stated it (RFC 8446 section 4.2.11.1), ``our_age_ms``: as
    the server computes it from the ticket's issue time (both for the 0-RTT freshness check, section 8.3)."""

    index: int
    state: ServerSessionState
    early: ks.EarlySecret
    mode: PskKeyExchangeMode
    ticket: bytes
    client_age_ms: int = 0
    our_age_ms: int = 0


def psk_mode(config: ServerConfig, ch: ClientHello) -> PskKeyExchangeMode | None:
    """The PSK key exchange mode we would use with this client: psk_dhe_ke (forward secret) first,
    psk_ke only if configured (RFC 8446 section 4.2.9)."""
    modes = ext.get_extension(ch.extensions, ext.PskKeyExchangeModes)
    if modes is None:
        return None
    if PskKeyExchangeMode.PSK_DHE_KE in modes.ke_modes:
        return PskKeyExchangeMode.PSK_DHE_KE
    if PskKeyExchangeMode.PSK_KE in modes.ke_modes and config.psk_ke_allowed:
        return PskKeyExchangeMode.PSK_KE
    return None


def tickets_wanted(config: ServerConfig, ch: ClientHello) -> bool:
    """RFC 8446 section 4.2.9: send tickets only to a client that named a mode we accept."""
    return config.ticket_keys is not None and config.session_tickets > 0 and psk_mode(config, ch) is not None


def find_psk(
    config: ServerConfig,
    ch: ClientHello,
    raw: bytes,
    suite: Tls13CipherSuite,
    server_name: str | None,
    retry_transcript: Transcript | None,
    step: str,
    actions: Actions,
) -> Resumption | None:
    """The first offered ticket we can use, its binder verified; None (full handshake) if there is none.

    An unusable ticket (not ours, retired key, modified, expired, another hash, ...) is skipped with the
    reason in the trace. A usable ticket with a wrong binder is decrypt_error (RFC 8446 section 4.2.11).
    ``retry_transcript``: after a HelloRetryRequest, the transcript so far (the binder covers it).
    """
    offer = ext.get_extension(ch.extensions, ext.PreSharedKeyClientHello)
    if offer is None:
        return None
    if ext.get_extension(ch.extensions, ext.PskKeyExchangeModes) is None:
        # RFC 8446 section 4.2.9: a client that offers pre_shared_key MUST send psk_key_exchange_modes.
        raise MissingExtension("client offered pre_shared_key without psk_key_exchange_modes", step=step)
    if len(offer.binders) != len(offer.identities):
        # RFC 8446 section 4.2.11.2: one binder per identity, in the same order.
        raise IllegalParameter(
            f"pre_shared_key has {len(offer.identities)} identities but {len(offer.binders)} binders", step=step
        )
    keys = config.ticket_keys
    if keys is None:
        actions.trace("info", step, "client offered a session ticket, but tickets are off here: full handshake")
        return None
    mode = psk_mode(config, ch)
    if mode is None:
        actions.trace(
            "info", step, "client allows only psk_ke (no key exchange), which this server refuses: full handshake"
        )
        return None
    now = config.clock()
    for index, identity in enumerate(offer.identities[:MAX_PSK_IDENTITIES]):
        why, state, ages = check_ticket(
            config, identity, suite, server_name, now, keys.open(identity.identity, now=now)
        )
        if state is None:
            actions.trace("info", step, f"session ticket #{index} not used: {why}", ok=False)
            continue
        # RFC 8446 section 4.2.11.2: the binder covers the transcript up to the ClientHello truncated before
        # the binders list (after a HelloRetryRequest: message_hash(ClientHello1), HelloRetryRequest first).
        truncated = raw[: -offer.binders_length()]
        th = retry_transcript.digest_with(truncated) if retry_transcript is not None else suite.hash(truncated)
        early = ks.EarlySecret(suite, state.secret)
        expected = ks.finished_verify_data(suite, early.binder_key(external=False), th)
        if not ks.constant_time_equal(expected, offer.binders[index]):
            raise DecryptError(
                f"the binder of session ticket #{index} does not verify: the client does not hold the ticket's "
                "key, or the ClientHello was altered (RFC 8446 section 4.2.11)",
                step=step,
            )
        actions.check(step, f"session ticket #{index} is valid and its binder verifies")
        return Resumption(index, state, early, mode, identity.identity, ages[0], ages[1])
    if len(offer.identities) > MAX_PSK_IDENTITIES:
        actions.trace("info", step, f"ignored PSK identities beyond the first {MAX_PSK_IDENTITIES}")
    actions.trace("info", step, "no usable session ticket: full handshake")
    return None


def check_ticket(
    config: ServerConfig,
    identity: ext.PskIdentity,
    suite: Tls13CipherSuite,
    server_name: str | None,
    now: datetime,
    plaintext: bytes | None,
) -> tuple[str, ServerSessionState | None, tuple[int, int]]:
    """Why a ticket cannot be used ("" and its state if it can), and (the client's age, ours) in ms."""
    if plaintext is None:
        return "not issued under a current key of ours, or modified (bad MAC)", None, (0, 0)
    try:
        state = ServerSessionState.decode(plaintext)
    except DecodeError:
        return "its contents are malformed", None, (0, 0)
    ticket_suite = TLS13_SUITES.get(state.cipher_suite)
    if state.version != ProtocolVersion.TLS13 or ticket_suite is None:
        return "it is not a TLS 1.3 session", None, (0, 0)
    if state.expired(now):
        why = f"it expired (issued {seconds_text(state.created_at)} UTC, lifetime {state.lifetime} s)"
        return why, None, (0, 0)
    if ticket_suite.hash_name != suite.hash_name:
        # RFC 8446 section 4.2.11: a PSK may only be used with a suite of the same hash.
        return f"its suite {state.cipher_suite} uses {ticket_suite.hash_name}, ours {suite.hash_name}", None, (0, 0)
    # RFC 8446 sections 4.2.11.1, 8.3: the client's age of the ticket must be close to ours.
    client_age = (identity.obfuscated_ticket_age - state.age_add) % (1 << 32)
    our_age = (now - state.created_at) // timedelta(milliseconds=1)
    ages = (client_age, our_age)
    if abs(client_age - our_age) > TICKET_AGE_WINDOW_MS:
        return f"the client's ticket age ({client_age} ms) is far from ours ({our_age} ms)", None, ages
    refusal = resumption_refusal(config, state, server_name)  # the policy both versions share
    return (refusal, None, ages) if refusal is not None else ("", state, ages)


def use_ticket(config: ServerConfig, resumption: Resumption, step: str, actions: Actions) -> bool:
    """Single-use tickets (RFC 8446 section 8.1, appendix C.4): record the use; False if it was used."""
    if not config.single_use_tickets or config.session_cache is None:
        return True
    state = resumption.state
    expires = state.created_at + timedelta(seconds=state.lifetime)
    try:
        if config.session_cache.mark_ticket_used(ticket_id(resumption.ticket), expires=expires, now=config.clock()):
            return True
    except StoreUnavailable as e:
        # Whether the ticket was used elsewhere cannot be known: resuming could let a replay through.
        why = f"session ticket not used: {e}, so it cannot be checked as unused: full handshake"
        actions.trace("info", step, why, ok=False)
        return False
    actions.trace("info", step, "session ticket already used (single-use tickets): full handshake", ok=False)
    return False


def send_tickets(
    config: ServerConfig,
    suite: Tls13CipherSuite,
    resumption_master_secret: bytes,
    state_template: ServerSessionState,
    actions: Actions,
) -> None:
    """RFC 8446 section 4.6.1: ``session_tickets`` NewSessionTickets, each with its own nonce (so its own
    PSK) and a random ticket_age_add; the ticket is the sealed session state (RFC 5077 section 4).
    ``state_template``: the session's facts (ALPN, name, client certificates); secret, times and age_add are
    filled in per ticket. With early data enabled, each ticket allows ``config.max_early_data_size`` bytes of it
    (RFC 8446 section 4.6.1, the early_data extension of NewSessionTicket)."""
    keys = config.ticket_keys
    if keys is None or config.session_tickets == 0:
        return
    now = config.clock()
    early = config.max_early_data_size
    extensions: tuple[ext.Extension, ...] = (ext.EarlyDataNewSessionTicket(early),) if early else ()
    for n in range(config.session_tickets):
        nonce = n.to_bytes(8, "big")  # unique among the tickets of this connection
        age_add = int.from_bytes(config.random(4), "big")
        state = ServerSessionState(
            version=ProtocolVersion.TLS13,
            cipher_suite=suite.suite,
            secret=ks.resumption_psk(suite, resumption_master_secret, nonce),
            extended_master_secret=False,
            created_at=now,
            lifetime=config.ticket_lifetime,
            age_add=age_add,
            alpn=state_template.alpn,
            server_name=state_template.server_name,
            client_certificates=state_template.client_certificates,
            client_verified_at=state_template.client_verified_at,
            client_verified_with=state_template.client_verified_with,
            max_early_data=early,
        )
        ticket = keys.seal(state.encode(), now=now, random=config.random)
        actions.send(NewSessionTicket(config.ticket_lifetime, age_add, nonce, ticket, extensions))
    actions.trace(
        "info",
        "NewSessionTicket",
        f"sent {config.session_tickets} session ticket(s), valid {config.ticket_lifetime} s"
        + (", single use" if config.single_use_tickets else "")
        + (f", each allowing up to {early} bytes of 0-RTT early data" if early else ""),
    )
