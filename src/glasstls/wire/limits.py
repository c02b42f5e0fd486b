"""Bounds on the work one handshake message costs (DESIGN rule 11): how many items of each peer-chosen list are
examined (the lists of a hello, and the certificates of a Certificate message).

RFC 8446 section 4.1.2 lets a ClientHello carry 32,767 cipher suites and an extensions block of 64 KiB (16,383
empty extensions, or 32,766 groups or signature schemes, 13,000 key shares, 1,500 PSK identities or 32,767 ALPN
names). Each item costs a decoded object and a look at it; a maximal hello of unknown values cost 185 ms of CPU,
so two peers could pin a server. Each bound below is several times what any real peer sends, with its reason.

Beyond a bound the list is **refused** (decode_error, RFC 8446 section 6.2: "a field was out of the specified
range"; here the range glasstls supports), never truncated: every list below changes meaning when cut.
A cipher_suites list can carry TLS_FALLBACK_SCSV (RFC 7507 section 3) or TLS_EMPTY_RENEGOTIATION_INFO_SCSV
(RFC 5746 section 3.3) anywhere; extensions must be checked for duplicates and pre_shared_key must be the last
(RFC 8446 section 4.2, 4.2.11); every key share must name a group of supported_groups (4.2.8); each PSK identity
has its binder, counted alike (4.2.11). A peer that reaches a bound is not a real client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from glasstls.errors import DecodeError
from glasstls.wire.codec import Reader

T = TypeVar("T")

#: IANA's cipher suite registry holds about 340 assigned values; a client offering every one of them plus the 16
#: GREASE values stays far below. OpenSSL's "ALL:COMPLEMENTOFALL" offers about 170.
MAX_CIPHER_SUITES = 1024
#: Extensions in one block: IANA's registry has about 65 assigned types, plus 16 GREASE values; each type may
#: appear once (RFC 8446 section 4.2). Browsers send about 20.
MAX_EXTENSIONS = 256
#: supported_groups (RFC 8446 section 4.2.7): about 70 assigned groups (elliptic curves, FFDHE, hybrids) + GREASE.
MAX_NAMED_GROUPS = 256
#: signature_algorithms / signature_algorithms_cert (RFC 8446 section 4.2.3): about 50 assigned schemes, and the
#: TLS 1.2 hash x signature pairs (RFC 5246 section 7.4.1.4.1) fit as well.
MAX_SIGNATURE_SCHEMES = 256
#: key_share client_shares (RFC 8446 section 4.2.8): at most one per offered group, and a share costs a key
#: exchange only if chosen; browsers send 2 or 3. Each share is at least 5 bytes, so 13,000 would fit.
MAX_KEY_SHARES = 64
#: pre_shared_key identities and their binders (RFC 8446 section 4.2.11): clients offer one or two; Go's server
#: looks at the first 5 (maxClientPSKIdentities).
MAX_PSK_IDENTITIES = 64
#: application_layer_protocol_negotiation names (RFC 7301 section 3.1): IANA's registry holds about 50 protocol
#: IDs; clients offer 2 or 3 (h2, http/1.1). A 64 KiB list could carry 32,767 one-byte names.
MAX_ALPN_PROTOCOLS = 256

#: Certificates in one Certificate message (RFC 8446 section 4.4.2, RFC 5246 section 7.4.2), the peer's chain:
#: pki refuses more than 100 (pki.report.MAX_PEER_CERTIFICATES, generous for chains with cross-signs and bundles);
#: the decoder stops at 256 so that a 256 KiB message of 40,000 empty entries is not first made into 40,000 objects
#: (72 ms, each TLS 1.3 entry with its extensions block).
MAX_CERTIFICATES = 256

#: The bound of each uint16 list, by the field name its decoder uses.
U16_LIST_BOUNDS: dict[str, int] = {
    "cipher_suites": MAX_CIPHER_SUITES,
    "named_group_list": MAX_NAMED_GROUPS,
    "supported_signature_algorithms": MAX_SIGNATURE_SCHEMES,
}


def too_many(what: str, bound: int, count: int | None = None) -> DecodeError:
    counted = f"{count} items" if count is not None else f"more than {bound} items"
    return DecodeError(
        f"{what}: {counted}; glasstls examines at most {bound} (a bound on the work one message costs)",
        hint="no real peer sends that many (see glasstls.wire.limits)",
    )


def u16_items(r: Reader, field: str, item_field: str, min_len: int, max_len: int) -> list[int]:
    """``r.u16_list(2, field, ...)`` (2-byte length), refused beyond the field's bound in U16_LIST_BOUNDS before
    any value is looked at (reading the numbers themselves is one C call)."""
    values = r.u16_list(2, field, item_field, min_len, max_len)
    bound = U16_LIST_BOUNDS.get(field)
    if bound is not None and len(values) > bound:
        raise too_many(f"{r.what}.{field}", bound, len(values))
    return values


def at_most(bound: int, item: Callable[[Reader], T]) -> Callable[[Reader], T]:
    """``item`` for ``Reader.list_of``, refusing the list when it reaches its ``bound + 1``-th item."""
    count = 0

    def read(r: Reader) -> T:
        nonlocal count
        count += 1
        if count > bound:
            raise too_many(r.what, bound)
        return item(r)

    return read
