"""Explanations made true by what the connection knew: the step an alert answered, what is missing, what to try.

glasstls.explain picks the catalogue entry for a failure and calls :func:`refine`, which rewrites the Explanation
with the failure's context (errors.FailureContext, attached by the connection): which of our messages the peer's
alert answered, what the peer offered and what we were configured with. Two rules: say only what is known (a
client cannot see the server's configuration, a server can see the client's offer), and never advise the setting
that was just tried (no ``--group x25519`` after ``--group x25519`` failed, no TLS 1.3 suite to a client limited
to TLS 1.2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from glasstls.catalogue import Explanation
from glasstls.config import DEFAULT_CIPHER_SUITES
from glasstls.crypto.groups import DEFAULT_GROUPS, SUPPORTED_GROUPS
from glasstls.crypto.suites import TLS13_SUITES
from glasstls.crypto.tls12 import DHE_SUITES, LEGACY_CBC_SUITES, RSA_KEY_EXCHANGE_SUITES, TLS12_SUITES
from glasstls.errors import (
    AlertReceived,
    CertificateRequired,
    ConnectionLost,
    FailureContext,
    NoApplicationProtocol,
    ProtocolVersionError,
    TLSError,
)
from glasstls.handshake.failure import EMPTY_CERTIFICATE
from glasstls.handshake.traffic12 import TLS12_ECDHE_GROUPS
from glasstls.pki.names import dns_name_matches
from glasstls.wire.enums import AlertDescription, CipherSuite, NamedGroup, ProtocolVersion

__all__ = ["alert_step", "refine"]

#: Alerts about the certificate the receiver got from us (RFC 8446 section 6.2): they answer our Certificate.
_CERTIFICATE_ALERTS = frozenset(
    {
        AlertDescription.BAD_CERTIFICATE,
        AlertDescription.UNSUPPORTED_CERTIFICATE,
        AlertDescription.CERTIFICATE_REVOKED,
        AlertDescription.CERTIFICATE_EXPIRED,
        AlertDescription.CERTIFICATE_UNKNOWN,
        AlertDescription.UNKNOWN_CA,
        AlertDescription.CERTIFICATE_REQUIRED,
        AlertDescription.BAD_CERTIFICATE_STATUS_RESPONSE,
        AlertDescription.ACCESS_DENIED,
    }
)

#: Alerts a server may answer an empty client Certificate with when it requires one (besides the standard ones).
_NO_CERTIFICATE_ALERTS = frozenset(
    {
        AlertDescription.HANDSHAKE_FAILURE,
        AlertDescription.BAD_CERTIFICATE,
        AlertDescription.CERTIFICATE_UNKNOWN,
        AlertDescription.DECODE_ERROR,
        AlertDescription.ACCESS_DENIED,
    }
)

_CURVE_NAMES = {NamedGroup.SECP256R1: "P-256", NamedGroup.SECP384R1: "P-384", NamedGroup.SECP521R1: "P-521"}


def _version(v: ProtocolVersion) -> str:
    return {ProtocolVersion.TLS13: "TLS 1.3", ProtocolVersion.TLS12: "TLS 1.2"}.get(v) or str(v)


def _version_range(ctx: FailureContext) -> str:
    if ctx.min_version == ctx.max_version:
        return f"only {_version(ctx.min_version)}"
    return f"{_version(ctx.min_version)} to {_version(ctx.max_version)}"


def _flag(group: NamedGroup) -> str:
    return str(group).lower()


def _names(items: Iterable[object], limit: int = 6) -> str:
    listed = [str(i) for i in items]
    if len(listed) > limit:
        return ", ".join(listed[:limit]) + f" and {len(listed) - limit} more"
    return ", ".join(listed) or "none"


def _usable_suites(ctx: FailureContext, suites: Iterable[CipherSuite]) -> list[CipherSuite]:
    """The suites of ``suites`` that glasstls supports within our version range (TLS 1.3 ones only when we
    may speak TLS 1.3, TLS 1.2 ones only when we may speak TLS 1.2)."""
    out = []
    for s in suites:
        if (s in TLS13_SUITES and ctx.max_version >= ProtocolVersion.TLS13) or (
            s in TLS12_SUITES and ctx.min_version <= ProtocolVersion.TLS12
        ):
            out.append(s)
    return out


def _legacy_flags(suites: Iterable[CipherSuite], allowed: frozenset[str]) -> list[str]:
    """The opt-in flags a suite list needs and that are not set yet."""
    flags = []
    chosen = set(suites)
    if chosen & set(LEGACY_CBC_SUITES) and "cbc" not in allowed:
        flags.append("--allow-cbc")
    if chosen & set(RSA_KEY_EXCHANGE_SUITES) and "rsa-key-exchange" not in allowed:
        flags.append("--allow-rsa-key-exchange")
    if chosen & set(DHE_SUITES) and "dhe" not in allowed:
        flags.append("--allow-dhe")
    return flags


# -- the step an alert answered ------------------------------------------------------------------------------


def alert_step(ctx: FailureContext, description: AlertDescription) -> str:
    """Name the step the peer's alert refused: our Certificate for a certificate alert; otherwise the messages
    we sent since the peer last spoke (the peer answered those); the state's step when we sent nothing."""
    ours = "client" if ctx.side == "client" else "server"
    sent_certificate = "Certificate" in ctx.sent or EMPTY_CERTIFICATE in ctx.sent
    if description in _CERTIFICATE_ALERTS and sent_certificate:
        return f"{ours} Certificate (alert received)"
    flight = ctx.last_flight
    if len(flight) == 1:
        return f"{flight[0]} (alert received)"
    if flight:
        return f"our {', '.join(flight)} (alert received)"
    return f"{ctx.step} (alert received)"


# -- the refinements, one per situation ------------------------------------------------------------------------


def _client_certificate_missing(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """The client side: the server asked for a certificate, we sent an empty one, and the server refused."""
    if not isinstance(error, AlertReceived) or ctx.side != "client":
        return None
    if "CertificateRequest" not in ctx.received or EMPTY_CERTIFICATE not in ctx.sent:
        return None
    tls12 = ctx.version == ProtocolVersion.TLS12
    if error.description == AlertDescription.CERTIFICATE_REQUIRED:
        why = "RFC 8446 section 4.4.2.4"
    elif error.description == AlertDescription.HANDSHAKE_FAILURE and tls12:
        why = "TLS 1.2 has no certificate_required alert: RFC 5246 section 7.4.6 answers handshake_failure"
    elif error.description in _NO_CERTIFICATE_ALERTS:
        # Not the standard answer, but what some servers send for a missing certificate (GnuTLS: decode_error).
        why = (
            "the standard answer is certificate_required in TLS 1.3 or handshake_failure in TLS 1.2, but some "
            "servers, such as GnuTLS, answer a missing certificate with this alert"
        )
    else:
        return None
    name = str(error.description).lower()
    if ctx.client_certificate:
        because = "since the one configured does not fit what the server asked for (its signature algorithms)"
        fix = "give a client certificate whose key the server accepts (see the CertificateRequest in --trace)"
    else:
        because = "since none is configured"
        fix = "give a client certificate and key from a CA the server trusts: glasstls connect --cert client.pem "
        fix += "--key client.key"
    return replace(
        exp,
        kind="client-cert-required",
        step="client Certificate (alert received)",
        cause=f"the server asked for a client certificate (CertificateRequest) and we sent an empty Certificate, "
        f"{because}; the server requires one and ended the handshake (alert {name}; {why})",
        fix=fix,
    )


def _client_hello_refused(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """The client side: the server answered our ClientHello with handshake_failure. The server did not say
    what it lacks; what we narrowed is the first suspect, and the advice is what we did not try yet."""
    if not isinstance(error, AlertReceived) or ctx.side != "client":
        return None
    if error.description != AlertDescription.HANDSHAKE_FAILURE or ctx.last_flight != ("ClientHello",):
        return None
    ours = _usable_suites(ctx, ctx.cipher_suites)
    offered = [f"cipher suites {_names(ours)}"]
    if "group" in ctx.narrowed:
        offered.append(f"groups {_names(ctx.groups)}")
    if "version" in ctx.narrowed:
        offered.append(_version_range(ctx))
    actions: list[str] = []
    if "cipher" in ctx.narrowed:
        more = [s for s in _usable_suites(ctx, DEFAULT_CIPHER_SUITES) if s not in ctx.cipher_suites]
        if more:
            actions.append(f"offer more cipher suites: drop --cipher (the defaults add {_names(more, 4)})")
    if "group" in ctx.narrowed:
        more_groups = [g for g in DEFAULT_GROUPS if g not in ctx.groups]
        if ctx.max_version < ProtocolVersion.TLS13:
            more_groups = [g for g in more_groups if g in TLS12_ECDHE_GROUPS]
        if more_groups:
            actions.append(f"offer more groups: drop --group (the defaults add {_names(more_groups, 4)})")
    legacy = _legacy_flags((*LEGACY_CBC_SUITES, *RSA_KEY_EXCHANGE_SUITES, *DHE_SUITES), ctx.legacy_allowed)
    if legacy and ctx.min_version <= ProtocolVersion.TLS12 and not {"cipher", "group"} & ctx.narrowed:
        actions.append(f"an old TLS 1.2-only server may need a legacy suite: {' or '.join(legacy)} (off by default)")
    actions.append("ask the server's operator what it accepts: its log names what it lacks")
    return replace(
        exp,
        kind="handshake-failure",
        step="ClientHello (alert received)",
        cause="the server refused our ClientHello without saying why (alert handshake_failure): it found no "
        "cipher suite, key exchange group or signature scheme it accepts, or a policy refused us; we offered "
        + "; ".join(offered),
        fix="; ".join(actions),
    )


def _flight_refused(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """handshake_failure in answer to a later flight than the ClientHello (e.g. TLS 1.2's ClientKeyExchange and
    Finished, or a server's flight): the peer refused something in it and did not say what."""
    if not isinstance(error, AlertReceived) or error.description != AlertDescription.HANDSHAKE_FAILURE:
        return None
    if not ctx.last_flight or ctx.last_flight == ("ClientHello",):
        return None
    peer = "the server" if ctx.side == "client" else "the client"
    return replace(
        exp,
        cause=f"{peer} refused our {', '.join(ctx.last_flight)} without saying why (alert handshake_failure)"
        + (", after it had accepted our ClientHello" if ctx.side == "client" else ""),
        fix=f"look at {peer}'s log: it names what it refused (a certificate, the key exchange, a policy); --trace "
        "shows what we sent",
    )


def _client_version_refused(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    if not isinstance(error, AlertReceived) or error.description != AlertDescription.PROTOCOL_VERSION:
        return None
    if ctx.side != "client":
        return None
    ours = _version_range(ctx)
    if "version" in ctx.narrowed:
        flags = []
        if ctx.min_version != ProtocolVersion.TLS12:
            flags.append(f"--min-version {_version(ctx.min_version)[4:]}")
        if ctx.max_version != ProtocolVersion.TLS13:
            flags.append(f"--max-version {_version(ctx.max_version)[4:]}")
        fix = f"drop {' and '.join(flags)}: glasstls offers TLS 1.3 and TLS 1.2 by default"
    else:
        fix = "the server speaks neither TLS 1.3 nor TLS 1.2 (an old TLS 1.0/1.1 server?): it must be upgraded"
    return replace(
        exp,
        cause=f"the server supports none of the TLS versions we offered ({ours}) (alert protocol_version)",
        fix=fix,
    )


def _client_alpn_refused(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    if not isinstance(error, AlertReceived) or error.description != AlertDescription.NO_APPLICATION_PROTOCOL:
        return None
    if ctx.side != "client" or not ctx.alpn_protocols:
        return None
    return replace(
        exp,
        cause=f"the server speaks none of the application protocols we offered (ALPN: {_names(ctx.alpn_protocols)}) "
        "(alert no_application_protocol, RFC 7301 section 3.2)",
        fix="offer another protocol the server speaks (--alpn NAME), or connect without --alpn",
    )


def _server_no_common_suite(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    offer = ctx.offer
    if ctx.side != "server" or offer is None or exp.kind != "no-common-cipher":
        return None
    theirs = _usable_suites(ctx, offer.cipher_suites)
    if ctx.version == ProtocolVersion.TLS12 or (
        ctx.version is None and max(offer.versions, default=ProtocolVersion.TLS12) <= ProtocolVersion.TLS12
    ):
        theirs = [s for s in theirs if s in TLS12_SUITES]
    common = [s for s in theirs if s in ctx.cipher_suites]
    if common:
        return _server_no_usable_certificate(exp, ctx, common)
    known = [s for s in offer.cipher_suites if s in TLS13_SUITES or s in TLS12_SUITES]
    if not theirs:
        fix = (
            "the client offers no cipher suite glasstls supports"
            + (f" within {_version(ctx.min_version)}-{_version(ctx.max_version)}" if "version" in ctx.narrowed else "")
            + ": the client must enable a current suite (e.g. TLS_AES_128_GCM_SHA256, or for TLS 1.2 "
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)"
        )
    else:
        legacy = _legacy_flags(theirs, ctx.legacy_allowed)
        if "cipher" in ctx.narrowed:
            ours = [str(s) for s in ctx.cipher_suites]
            wider = ",".join([*ours, str(theirs[0])])
            fix = f"add a suite the client offers to --cipher (e.g. --cipher {wider}), or drop --cipher"
        elif legacy:
            fix = f"the client offers only legacy suites: allow them with {' and '.join(legacy)} (legacy, off by "
            fix += "default), or update the client"
        else:
            fix = f"enable a suite the client offers: {_names(theirs, 3)}"
        tls12 = [TLS12_SUITES[s] for s in theirs if s in TLS12_SUITES]
        rsa_only = bool(tls12) and len(tls12) == len(theirs) and all(t.key_exchange != "ECDHE_ECDSA" for t in tls12)
        if rsa_only and not any(c.key.startswith("RSA") for c in ctx.certificates):
            fix += "; its suites also need an RSA certificate, and this server has none (add a --cert/--key pair)"
        first_needs = _legacy_flags(theirs[:1], ctx.legacy_allowed)
        if first_needs and "cipher" in ctx.narrowed:
            fix += f" ({theirs[0]} also needs {' and '.join(first_needs)})"
    return replace(
        exp,
        cause="the client's cipher suites and ours have none in common: the client offers "
        f"{_names(known or offer.cipher_suites)}; "
        f"this server accepts {_names(_usable_suites(ctx, ctx.cipher_suites))} (RFC 8446 section 4.1.1, RFC 5246 "
        "section 7.4.1.3)",
        fix=fix,
    )


def _server_no_usable_certificate(exp: Explanation, ctx: FailureContext, common: Sequence[CipherSuite]) -> Explanation:
    """TLS 1.2: suites in common, but none can be used with our certificates and the client's offer."""
    assert ctx.offer is not None
    offer = ctx.offer
    missing: list[str] = []
    fixes: list[str] = []
    ecdsa = [s for s in common if TLS12_SUITES[s].key_exchange == "ECDHE_ECDSA"]
    rsa = [s for s in common if TLS12_SUITES[s].key_exchange != "ECDHE_ECDSA"]
    curves = [c.curve for c in ctx.certificates if c.curve is not None]
    if ecdsa and curves and not any(c in offer.groups for c in curves):
        curve = curves[0]
        missing.append(
            f"the client's supported_groups ({_names(offer.groups)}) lacks {_CURVE_NAMES.get(curve, str(curve))} "
            f"({_flag(curve)}), the curve of our ECDSA certificate (RFC 8422 section 5.1)"
        )
        fixes.append(f"the client must offer {_flag(curve)} in its groups")
    if not any(g in TLS12_ECDHE_GROUPS and g in ctx.groups for g in offer.groups):
        missing.append(
            f"no ECDHE group in common for TLS 1.2: the client offers {_names(offer.groups)}, we accept "
            f"{_names(g for g in ctx.groups if g in TLS12_ECDHE_GROUPS)}"
        )
    if rsa and not any(c.key.startswith("RSA") for c in ctx.certificates):
        missing.append(f"the client's RSA suites ({_names(rsa, 3)}) need an RSA certificate, and we have none")
        fixes.insert(0, "give this server an RSA certificate as well (a second --cert/--key pair)")
    if not missing:
        return exp
    return replace(
        exp,
        kind="no-usable-certificate",
        cause="we share TLS 1.2 cipher suites with the client, but none can be used with our certificates: "
        + "; ".join(missing),
        fix="; or ".join(fixes) or "give this server a certificate the client can use (a second --cert/--key pair)",
    )


def _server_no_common_group(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    offer = ctx.offer
    if ctx.side != "server" or offer is None or exp.kind != "no-common-group":
        return None
    theirs = [g for g in offer.groups if g in SUPPORTED_GROUPS]
    if ctx.version == ProtocolVersion.TLS12:
        theirs = [g for g in theirs if g in TLS12_ECDHE_GROUPS]
    if not theirs:
        fix = "the client offers no key exchange group glasstls supports: it must enable x25519 or secp256r1"
    elif "group" in ctx.narrowed:
        wider = ",".join([*map(_flag, ctx.groups), _flag(theirs[0])])
        fix = f"add a group the client offers to --group (e.g. --group {wider}), or drop --group"
    else:
        fix = f"enable a group the client offers: {_names(map(_flag, theirs), 3)}"
    return replace(
        exp,
        cause=f"the client's key exchange groups and ours have none in common: the client offers "
        f"{_names(offer.groups)}; this server accepts {_names(ctx.groups)} (RFC 8446 section 4.2.7, RFC 8422 "
        "section 5.1)",
        fix=fix,
    )


def _server_no_common_alpn(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    offer = ctx.offer
    if ctx.side != "server" or offer is None or not isinstance(error, NoApplicationProtocol):
        return None
    return replace(
        exp,
        cause=f"the client asked for {_names(offer.alpn_protocols)} (ALPN) and this server speaks only "
        f"{_names(ctx.alpn_protocols)} (--alpn) (RFC 7301 section 3.2)",
        fix=f"if this server speaks {offer.alpn_protocols[0] if offer.alpn_protocols else 'it'}, add it to --alpn; "
        "otherwise the client must ask for a protocol the server speaks",
    )


def _server_no_common_version(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    offer = ctx.offer
    if ctx.side != "server" or offer is None or not isinstance(error, ProtocolVersionError):
        return None
    theirs = ", ".join(_version(v) for v in offer.versions)
    ours = [v for v in (ProtocolVersion.TLS13, ProtocolVersion.TLS12) if ctx.min_version <= v <= ctx.max_version]
    usable = [v for v in offer.versions if v in (ProtocolVersion.TLS13, ProtocolVersion.TLS12)]
    if not usable:
        fix = "the client speaks only versions older than TLS 1.2: it must be upgraded"
    elif "version" in ctx.narrowed:
        flag = "--min-version" if usable[0] < ctx.min_version else "--max-version"
        fix = f"allow {_version(usable[0])} on this server (drop {flag}), or the client must offer "
        fix += _names(map(_version, ours))
    else:
        fix = f"the client must offer {_names(map(_version, ours))}"
    return replace(
        exp,
        cause=f"the client offers {theirs}; this server speaks {_names(map(_version, ours))} (RFC 8446 section 4.2.1)",
        fix=fix,
    )


def _server_client_certificate_missing(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    if ctx.side != "server" or not isinstance(error, CertificateRequired):
        return None
    why = "RFC 5246 section 7.4.6" if ctx.version == ProtocolVersion.TLS12 else "RFC 8446 section 4.4.2.4"
    return replace(
        exp,
        step="client Certificate",
        cause=f"the client sent no certificate: we asked for one (CertificateRequest) and this server requires it "
        f"(--require-client-cert; {why})",
        fix="the client must present a certificate from a CA in our --cafile (e.g. glasstls connect --cert "
        "client.pem --key client.key, or openssl s_client -cert/-key); to let clients in without one, use "
        "--request-client-cert instead of --require-client-cert",
    )


def _server_sni_unmatched(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """The server: the client rejected our certificate, and its SNI name is covered by none of ours."""
    offer = ctx.offer
    if ctx.side != "server" or offer is None or offer.server_name is None or not ctx.certificates:
        return None
    if not isinstance(error, AlertReceived) or error.description not in _CERTIFICATE_ALERTS:
        return None
    wanted = offer.server_name
    if any(dns_name_matches(n, wanted) or n == wanted for c in ctx.certificates for n in c.names):
        return None
    sent = ctx.sent_certificate
    if len(ctx.certificates) == 1:
        only = ctx.certificates[0]
        covers = f"our only certificate ({only.subject}) covers {_names(only.names)}, not that name, and we sent it"
    else:
        ours = "; ".join(f"{c.subject} ({c.key}) for {_names(c.names)}" for c in ctx.certificates)
        sent_text = f"the one for {_names(sent.names)} ({sent.subject})" if sent is not None else "our first one"
        covers = f"none of our certificates covers it ({ours}), so we sent {sent_text}"
    return replace(
        exp,
        kind="sni-mismatch",
        cause=f"the client asked for {wanted} (SNI, RFC 6066 section 3): {covers}; the client rejected our server "
        f"certificate (alert {exp.alert})",
        fix=f"add a certificate for {wanted} (another --cert/--key pair), or have clients connect with a name "
        f"this server has a certificate for ({_names(n for c in ctx.certificates for n in c.names)})",
    )


def _connection_cut(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    if not isinstance(error, ConnectionLost) or exp.kind not in ("connection-lost",):
        return None
    peer = "the server" if ctx.side == "client" else "the client"
    if ctx.record_progress is not None:
        have, size = ctx.record_progress
        return replace(
            exp,
            kind="truncated-record",
            step=f"record layer (while waiting for {ctx.step})",
            cause=f"the connection ended inside a record: {have} of its {size} bytes were received (the record "
            f"header announced {size - 5} bytes of content), after {peer} had already spoken TLS",
            fix=f"{peer} or something between us (a proxy, a load balancer, a firewall) cut the connection mid-"
            f"record: look at {peer}'s log and at any middlebox; retry to see whether it is repeatable",
        )
    if ctx.received:
        last = ctx.received[-1]
        return replace(
            exp,
            cause=f"{peer} closed the connection without an alert after its {last}, before the handshake completed",
            fix=f"{peer} gave up without saying why: look at its log (it may have refused something we sent: "
            + _names(ctx.last_flight or ctx.sent)
            + "); try --trace",
        )
    if ctx.side == "server":
        return replace(
            exp,
            step="ClientHello",
            cause="the client connected and closed again without sending a ClientHello",
            fix="nothing to fix on this server for a port probe or health check; a real client that does this "
            "does not speak TLS to this port (e.g. plain HTTP)",
        )
    return None


def _timed_out(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    if exp.kind != "timeout":
        return None
    if ctx.side == "server":
        if not ctx.received:
            return replace(
                exp,
                step="ClientHello (waiting for it)",
                cause="the client opened a TCP connection and sent no ClientHello before this server's handshake "
                "timeout",
                fix="nothing to fix on this server for a port probe or an idle health check; a client that should "
                "connect may be speaking another protocol first, or be stuck (look at the client's side)",
            )
        return replace(
            exp,
            cause=f"the client stopped answering in the middle of the handshake, after our {_names(ctx.last_flight)}",
            fix="look at the client's side: it may be waiting for user input (a certificate prompt), or a "
            "middlebox dropped our reply; nothing to change on this server unless many clients do this",
        )
    if ctx.record_progress is not None:
        have, size = ctx.record_progress
        return replace(
            exp,
            cause=f"the server stopped sending in the middle of a record: {have} of its {size} bytes arrived",
            fix="a middlebox may have dropped part of the record, or the server stalled: look at the server's log "
            "and at any proxy in between; try again with --trace",
        )
    if ctx.received:
        return replace(
            exp,
            cause=f"the server answered ({_names(ctx.received)}) and then stopped in the middle of the handshake",
            fix="look at the server's log; a middlebox may have dropped a large record (try again, and with --trace)",
        )
    return None


def _not_tls(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """The peer speaks another protocol; the record layer says what its bytes look like (its hint)."""
    if exp.kind != "not-tls":
        return None
    cause = exp.cause + (f" ({error.hint})" if error.hint else "")
    if ctx.side == "server":
        fix = (
            "nothing to fix on this server: the client must speak TLS to this port (an HTTP client should use "
            "https://, or be pointed at a plain-HTTP port)"
        )
        return replace(exp, cause=cause, fix=fix)
    return replace(exp, cause=cause)


_TLS12_CITATIONS = (
    ("RFC 8446 section 5.2", "RFC 5246 section 6.2.3"),
    ("RFC 8446 section 5.1: 2^14 bytes of plaintext", "RFC 5246 section 6.2.1: 2^14 bytes of plaintext"),
    ("RFC 8446 section 6.2", "RFC 5246 section 7.2.2"),
)


def _tls12_citations(exp: Explanation, error: TLSError, ctx: FailureContext) -> Explanation | None:
    """A TLS 1.2 connection's record and alert failures cite RFC 5246, not RFC 8446."""
    if ctx.version != ProtocolVersion.TLS12:
        return None
    if exp.kind not in ("bad-record-mac", "record-overflow", "decode-error", "unexpected-message"):
        return None
    cause = exp.cause
    for tls13, tls12 in _TLS12_CITATIONS:
        cause = cause.replace(tls13, tls12)
    return replace(exp, cause=cause) if cause != exp.cause else None


_Refinement = Callable[["Explanation", TLSError, FailureContext], "Explanation | None"]

#: Most specific first; the first that applies decides, then the citations are fixed for TLS 1.2.
_REFINEMENTS: tuple[_Refinement, ...] = (
    _client_certificate_missing,
    _client_hello_refused,
    _flight_refused,
    _client_version_refused,
    _client_alpn_refused,
    _server_client_certificate_missing,
    _server_no_common_suite,
    _server_no_common_group,
    _server_no_common_alpn,
    _server_no_common_version,
    _server_sni_unmatched,
    _connection_cut,
    _timed_out,
    _not_tls,
)


def refine(exp: Explanation, error: TLSError) -> Explanation:
    """``exp`` made specific with ``error.context`` (unchanged when the error carries none)."""
    ctx = error.context
    if ctx is None:
        return exp
    if isinstance(error, AlertReceived) and (ctx.last_flight or error.step != "post-handshake"):
        # After the handshake only while the peer has sent nothing since our last flight (TLS 1.3: a client is
        # done once it sent Finished; the server's answer to it may be this alert).
        exp = replace(exp, step=alert_step(ctx, error.description))
    for refinement in _REFINEMENTS:
        better = refinement(exp, error, ctx)
        if better is not None:
            exp = better
            break
    return _tls12_citations(exp, error, ctx) or exp
