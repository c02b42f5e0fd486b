"""Names in the test PKI's certificates (glasstls.pki.testpki): subjects, subjectAltName entries, and which
host names a test certificate can carry.

RFC 5280 appendix A bounds a subject's commonName at 64 characters (ub-common-name); clients match a server's
name against the subjectAltName only (RFC 6125 section 6.4.4, RFC 9525), which has no such bound. So a host name
longer than that goes in the subjectAltName alone, and the CN takes the first host that fits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from cryptography import x509
from cryptography.x509.oid import NameOID

__all__ = ["MAX_COMMON_NAME", "check_host", "general_name", "leaf_common_name", "subject_name"]

#: RFC 5280 appendix A, ub-common-name: the longest commonName a certificate may carry.
MAX_COMMON_NAME = 64
#: RFC 1035 section 2.3.4: a DNS name is at most 253 characters written out, each label at most 63.
MAX_DNS_NAME = 253
MAX_DNS_LABEL = 63
#: The CN of a leaf whose host names are all too long for one.
FALLBACK_COMMON_NAME = "glasstls test server"


def subject_name(common_name: str, organization: str | None = "glasstls test PKI") -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def general_name(host: str) -> x509.GeneralName:
    """A SAN entry for ``host``: an iPAddress for IP literals, else a dNSName (RFC 5280 section 4.2.1.6)."""
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    if "@" in host:
        return x509.RFC822Name(host)
    return x509.DNSName(host)


def leaf_common_name(hosts: Sequence[str]) -> str:
    """The subject CN of a leaf for ``hosts``: the first that fits in a CN, else a fixed label."""
    return next((h for h in hosts if 0 < len(h) <= MAX_COMMON_NAME), FALLBACK_COMMON_NAME)


def check_host(host: str) -> str | None:
    """Why ``host`` cannot name a test server (None: it can): empty, or not a DNS name nor an IP address."""
    if not host:
        return "a host name cannot be empty"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host.removesuffix(".")
    if len(name) > MAX_DNS_NAME:
        return f"a DNS name is at most {MAX_DNS_NAME} characters (RFC 1035 section 2.3.4); this one has {len(name)}"
    for label in name.split("."):
        if not label:
            return "a DNS name has no empty labels (two dots in a row, or a leading dot)"
        if len(label) > MAX_DNS_LABEL:
            return f"a DNS label is at most {MAX_DNS_LABEL} characters (RFC 1035 section 2.3.4): {label[:20]}..."
        if not label.isascii() or any(c.isspace() for c in label):
            return "a DNS name is ASCII without spaces (write an internationalised name in its xn-- form)"
    return None
