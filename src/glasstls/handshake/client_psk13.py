"""TLS 1.3 client: offering a stored session ticket (RFC 8446 sections 4.2.11, 4.6.1): whether it may be offered,
the pre_shared_key extension and its binder. Moved out of ``client13`` (issue 15)."""

from __future__ import annotations

from dataclasses import dataclass

from glasstls.config import ClientConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto.suites import TLS13_SUITES, Tls13CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.handshake.base import Actions
from glasstls.handshake.peer_auth import offer_refusal
from glasstls.sessions import ClientSession
from glasstls.wire import extensions as ext
from glasstls.wire.enums import ProtocolVersion
from glasstls.wire.messages import ClientHello, with_encoding


@dataclass
class PskOffer:
    """A TLS 1.3 ticket we offer (RFC 8446 section 4.2.11) and the Early Secret its PSK starts."""

    session: ClientSession
    suite: Tls13CipherSuite  # the ticket's suite: only its hash matters for the PSK
    early: ks.EarlySecret



def psk_offer(
    config: ClientConfig, server_name: str | None, session: ClientSession | None, actions: Actions
) -> PskOffer | None:
    """Whether the stored ``session`` can be offered in this ClientHello (RFC 8446 sections 4.2.11, 4.6.1)."""
    if session is None:
        return None
    step = "ClientHello"
    suite = TLS13_SUITES.get(session.cipher_suite)
    why = None
    if session.version != ProtocolVersion.TLS13 or suite is None:
        why = "it is not a TLS 1.3 ticket"
    elif not any(s in TLS13_SUITES and TLS13_SUITES[s].hash_name == suite.hash_name for s in config.cipher_suites):
        # RFC 8446 section 4.2.11: a PSK is used only with a suite of the same hash.
        why = f"no offered cipher suite uses its hash ({suite.hash_name})"
    elif session.expired(config.clock()):
        why = "it has expired"
    else:
        why = offer_refusal(config, session, server_name)  # the policy both versions share
    if why is not None:
        actions.trace("info", step, f"not offering a stored session ticket: {why}")
        return None
    assert suite is not None
    return PskOffer(session, suite, ks.EarlySecret(suite, session.secret))


def psk_extension(psk: PskOffer, config: ClientConfig) -> ext.PreSharedKeyClientHello:
    """Our one identity, with a placeholder binder that :func:`bind_psk` replaces."""
    session = psk.session
    # RFC 8446 section 4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32.
    age = (session.age_ms(config.clock()) + session.age_add) % (1 << 32)
    return ext.PreSharedKeyClientHello((ext.PskIdentity(session.ticket, age),), (bytes(psk.suite.hash_len),))


def bind_psk(psk: PskOffer | None, hello: ClientHello, transcript: Transcript | None) -> ClientHello:
    """Fill in the PSK binder (RFC 8446 section 4.2.11.2): a Finished-style HMAC keyed by the binder key over
    the transcript up to and including the ClientHello truncated before the binders list. After a
    HelloRetryRequest ``transcript`` holds message_hash(ClientHello1) and the HelloRetryRequest.

    The ClientHello is encoded once: the binders list is its last field (pre_shared_key is the last
    extension), so the bound ClientHello is the truncated bytes followed by the new binders list, as long as
    the placeholder's (each binder is Hash.length bytes)."""
    if psk is None:
        return hello
    offer = hello.extensions[-1]
    assert isinstance(offer, ext.PreSharedKeyClientHello)
    truncated = hello.encode()[: -offer.binders_length()]
    th = transcript.digest_with(truncated) if transcript is not None else psk.suite.hash(truncated)
    binder = ks.finished_verify_data(psk.suite, psk.early.binder_key(external=False), th)
    # dataclasses.replace, written out (it costs more than the rest of this function's Python work).
    bound = ext.PreSharedKeyClientHello(offer.identities, (binder,))
    hello = ClientHello(
        random=hello.random,
        legacy_session_id=hello.legacy_session_id,
        cipher_suites=hello.cipher_suites,
        extensions=(*hello.extensions[:-1], bound),
        legacy_version=hello.legacy_version,
        legacy_compression_methods=hello.legacy_compression_methods,
    )
    if bound.binders_length() != offer.binders_length():
        return hello  # cannot happen (the placeholder has the binder's length); it encodes itself then
    return with_encoding(hello, truncated + bound.encode_binders())
