"""Checks on the hellos' meaning that RFCs make a MUST, shared by TLS 1.3 and TLS 1.2 (one decision, one place).

Each function raises the ``TLSError`` whose alert its RFC names, or returns quietly. The decoders (wire/) have
checked structure already; these check what the values mean (DESIGN rule 4):

* :func:`check_client_hello`: legacy_version (RFC 8446 appendix D.5) and server_name (RFC 6066 section 3), for
  every ClientHello whatever the version it leads to;
* :func:`client_max_version`: the highest version a client can negotiate (RFC 8446 section 4.2.1), used by the
  TLS_FALLBACK_SCSV check (RFC 7507);
* :func:`check_ec_point_formats`: TLS 1.2 (RFC 8422 section 5.1.2);
* :func:`check_second_client_hello`: the ClientHello after a HelloRetryRequest (RFC 8446 section 4.1.2);
* :func:`advertised_record_size_limit`: the record_size_limit a server answers with (RFC 8449 section 4);
* :func:`choose_alpn`: the server's ALPN choice, the same in both versions (RFC 7301 section 3.2);
* :func:`accepted_alpn`: the client's check of the server's ALPN answer (RFC 7301 section 3.1);
* :func:`peer_record_size_limit`: either side's check of the peer's record_size_limit (RFC 8449 section 4).
"""

from __future__ import annotations

from collections.abc import Iterable

from glasstls.config import ClientConfig, ServerConfig
from glasstls.errors import DecodeError, IllegalParameter, NoApplicationProtocol, ProtocolVersionError
from glasstls.handshake.base import Actions
from glasstls.wire import extensions as ext
from glasstls.wire.enums import ECPointFormat, ExtensionType, NamedGroup, ProtocolVersion
from glasstls.wire.messages import ClientHello

#: RFC 8422 section 5.1.1: the curves its point-format rule (section 5.1.2) is about.
RFC8422_CURVES = frozenset(
    (NamedGroup.SECP256R1, NamedGroup.SECP384R1, NamedGroup.SECP521R1, NamedGroup.X25519, NamedGroup.X448)
)

#: Named bound on attacker-driven work: the most bytes of rejected 0-RTT records (record payloads, counted before
#: any decryption) a server skips beyond its own max_early_data_size (RFC 8446 section 4.2.10, "up to the
#: configured max_early_data_size"; handshake/early_data.refuse): early data this server did not allow comes
#: from a ticket of another server of the same name; 64 KiB holds four full records, past OpenSSL's and GnuTLS's
#: default max_early_data_size of 16384 with padding.
MAX_SKIPPED_EARLY_DATA = 64 * 1024

#: RFC 8446 section 4.1.2: the extensions a second ClientHello may change (key_share: one share for the group
#: the HelloRetryRequest named; cookie: the echo; early_data: removed; pre_shared_key: new ages and binders,
#: fewer identities; padding: any length). Everything else must be the same.
HRR_MAY_CHANGE = frozenset(
    (
        ExtensionType.KEY_SHARE,
        ExtensionType.COOKIE,
        ExtensionType.EARLY_DATA,
        ExtensionType.PRE_SHARED_KEY,
        ExtensionType.PADDING,
    )
)


def check_client_hello(ch: ClientHello, step: str) -> None:
    """The checks every ClientHello gets before the version is chosen."""
    if ch.legacy_version <= ProtocolVersion.SSL30:
        # RFC 8446 appendix D.5: a ClientHello.legacy_version of 0x0300 (or less) MUST be answered with
        # protocol_version, whatever supported_versions says (SSL 3.0 MUST NOT be negotiated).
        raise ProtocolVersionError(
            f"ClientHello.legacy_version is {ProtocolVersion(ch.legacy_version)}: SSL 3.0 and older are refused "
            "(RFC 8446 appendix D.5)",
            step=step,
            hint="a TLS 1.2 or 1.3 client sets legacy_version to 0x0303",
        )
    sni = ext.get_extension(ch.extensions, ext.ServerName)
    if sni is not None:
        check_host_name(sni.host_name, step)


def check_host_name(name: str, step: str) -> None:
    """RFC 6066 section 3: "HostName contains the fully qualified DNS hostname of the server ... represented as a
    byte string using ASCII encoding without a trailing dot". The decoder keeps the bytes as latin-1 text so
    that this check, not a decode_error, names what is wrong: illegal_parameter (as OpenSSL and NSS answer)."""
    bad = next((c for c in name if ord(c) < 0x20 or ord(c) >= 0x7F), None)
    if bad is not None:
        what = (
            "a NUL byte"
            if bad == "\x00"
            else f"byte 0x{ord(bad):02x} ("
            + ("a control character)" if ord(bad) < 0x20 or ord(bad) == 0x7F else "not ASCII)")
        )
        raise IllegalParameter(
            f"server_name host_name {name.encode('latin-1')!r} holds {what} (RFC 6066 section 3: ASCII DNS name)",
            step=step,
            hint="send the name as ASCII (an internationalized name in its A-label form, xn--...)",
        )
    if name.endswith("."):
        raise IllegalParameter(
            f"server_name host_name {name!r} ends with a dot (RFC 6066 section 3: no trailing dot)", step=step
        )


def client_max_version(ch: ClientHello, versions: ext.SupportedVersionsClientHello | None) -> ProtocolVersion:
    """The highest version this client can negotiate. Without supported_versions that is at most TLS 1.2,
    whatever legacy_version says (RFC 8446 section 4.2.1): so a ClientHello with legacy_version 0x0304, no
    supported_versions and TLS_FALLBACK_SCSV is a fallback below our TLS 1.3 (RFC 7507 section 3)."""
    if versions is not None:
        return max(versions.versions)
    return ProtocolVersion(min(ch.legacy_version, ProtocolVersion.TLS12))


def check_ec_point_formats(ch: ClientHello, client_groups: Iterable[NamedGroup], step: str) -> None:
    """RFC 8422 section 5.1.2: a client that lists RFC 8422 curves and sends ec_point_formats without the
    uncompressed format (0) gets illegal_parameter (the only format this specification allows)."""
    formats = ext.get_extension(ch.extensions, ext.EcPointFormats)
    if formats is None or ECPointFormat.UNCOMPRESSED in formats.ec_point_format_list:
        return
    if any(g in RFC8422_CURVES for g in client_groups):
        raise IllegalParameter(
            "ec_point_formats does not list the uncompressed format (RFC 8422 section 5.1.2): offered "
            + ", ".join(str(f) for f in formats.ec_point_format_list),
            step=step,
            hint="the client must list uncompressed (0) in ec_point_formats",
        )


def _wire_type(e: ext.Extension) -> int:
    return int(e.wire_type)


def check_second_client_hello(first: ClientHello, second: ClientHello, step: str) -> None:
    """RFC 8446 section 4.1.2: "the client MUST send the same ClientHello without modification, except" for the
    changes in :data:`HRR_MAY_CHANGE`; anything else is illegal_parameter. The order of the unchanged
    extensions is not compared (their content is)."""
    changed = []
    if second.legacy_version != first.legacy_version:
        changed.append("legacy_version")
    if second.random != first.random:
        changed.append("random")
    if second.legacy_session_id != first.legacy_session_id:
        changed.append("legacy_session_id")
    if second.cipher_suites != first.cipher_suites:
        changed.append("cipher_suites")
    if second.legacy_compression_methods != first.legacy_compression_methods:
        changed.append("legacy_compression_methods")
    before = {_wire_type(e): e for e in first.extensions if _wire_type(e) not in HRR_MAY_CHANGE}
    after = {_wire_type(e): e for e in second.extensions if _wire_type(e) not in HRR_MAY_CHANGE}
    for t in sorted(before.keys() | after.keys()):
        if before.get(t) != after.get(t):
            verb = "added" if t not in before else "removed" if t not in after else "changed"
            changed.append(f"{ExtensionType(t)} ({verb})")
    types_first = {_wire_type(e) for e in first.extensions}
    types_second = {_wire_type(e) for e in second.extensions}
    if ExtensionType.EARLY_DATA in types_second:
        # RFC 8446 section 4.2.10: "A client MUST NOT include the early_data extension in its followup ClientHello".
        changed.append("early_data (present again)")
    if ExtensionType.PRE_SHARED_KEY in types_second - types_first:
        changed.append("pre_shared_key (added: it may only be updated)")
    if changed:
        raise IllegalParameter(
            "second ClientHello differs from the first in "
            + ", ".join(changed)
            + " (RFC 8446 section 4.1.2: only key_share, cookie, early_data removal, pre_shared_key and padding "
            "may change)",
            step=step,
        )


def advertised_record_size_limit(config: ServerConfig, version: ProtocolVersion) -> ext.RecordSizeLimit:
    """RFC 8449 section 4: a server answers a client's record_size_limit with its own; without a configured one,
    the protocol maximum (2^14 + 1 in TLS 1.3, whose limit counts the inner content type; 2^14 in TLS 1.2), and
    never more than that ("MUST NOT send a value higher than the protocol-defined maximum record size")."""
    protocol_max = 2**14 + 1 if version >= ProtocolVersion.TLS13 else 2**14
    configured = config.record_size_limit
    return ext.RecordSizeLimit(protocol_max if configured is None else min(configured, protocol_max))


def choose_alpn(config: ServerConfig, ch: ClientHello, step: str) -> str | None:
    """RFC 7301 section 3.2: the server picks; no overlap is no_application_protocol."""
    offer = ext.get_extension(ch.extensions, ext.ApplicationLayerProtocolNegotiation)
    if offer is None or not config.alpn_protocols:
        return None
    client_protocols = [p.decode("ascii", "replace") for p in offer.protocol_name_list]
    for p in config.alpn_protocols:
        if p in client_protocols:
            return p
    raise NoApplicationProtocol(
        f"no ALPN protocol in common: client offers {client_protocols}, server accepts {list(config.alpn_protocols)}",
        step=step,
    )


def accepted_alpn(
    config: ClientConfig, answer: ext.ApplicationLayerProtocolNegotiation, step: str, actions: Actions
) -> str:
    """RFC 7301 section 3.1: the server's answer (TLS 1.2 ServerHello, TLS 1.3 EncryptedExtensions) names exactly
    one protocol, and one we offered."""
    if len(answer.protocol_name_list) != 1:
        raise DecodeError("server's ALPN extension must name exactly one protocol", step=step)
    chosen = answer.protocol_name_list[0].decode("ascii", "replace")
    if chosen not in config.alpn_protocols:
        raise IllegalParameter(f"server selected ALPN protocol {chosen!r}, which we did not offer", step=step)
    actions.check(step, f"server selected ALPN protocol {chosen!r}")
    return chosen


def peer_record_size_limit(offer: ext.RecordSizeLimit | None, step: str, actions: Actions) -> int | None:
    """RFC 8449 section 4: the peer's record_size_limit (None: it sent none), which caps the records we send; a
    value below 64 is illegal_parameter."""
    if offer is None:
        return None
    if offer.limit < 64:
        raise IllegalParameter(f"record_size_limit {offer.limit} is below 64", step=step)
    actions.peer_record_size_limit(offer.limit)
    return offer.limit
