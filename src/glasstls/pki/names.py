"""Server identities: which names a certificate covers, and why a name was not covered (the caller's name is
parsed in :mod:`glasstls.pki.server_name`, re-exported here).

The verdict on a name comes from ``cryptography.x509.verification`` (RFC 6125 as profiled by the CA/Browser
Forum). This module only *explains*: it lists the subjectAltName entries and says why a name was not covered,
following the same rules:

* RFC 6125 section 6.4.4: only subjectAltName counts; the subject CN is never used.
* RFC 6125 section 6.4.1: DNS names compare case-insensitively (ASCII), a trailing dot is ignored.
* RFC 6125 section 6.4.3: a wildcard is a whole left-most label ``*``; it matches exactly one label, never a
  dot, and never the bare parent (``*.example.org`` covers ``a.example.org``, not ``example.org`` and not
  ``a.b.example.org``).
* RFC 6125 section 6.4.2 / RFC 5280 section 4.2.1.6: an IP address matches only an iPAddress entry, byte for
  byte; it never matches a dNSName.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509

from glasstls.errors import ConfigError
from glasstls.pki.server_name import IPAny, ServerIdentity, parse_server_name

__all__ = [
    "ServerIdentity",
    "certificate_names",
    "dns_name_matches",
    "explain_name_mismatch",
    "parse_server_name",
]

#: Bounds on the memo tables below (emptied when full: certificates come from peers too).
_MEMO_SIZE = 512
#: certificate_names results by certificate identity; each entry holds its certificate, so an id is not reused
#: while its entry exists.
_names: dict[int, tuple[x509.Certificate, tuple[tuple[str, ...], tuple[IPAny, ...]] | None]] = {}
#: certificate_covers verdicts by (certificate identity, name), each entry holding its certificate.
_covers: dict[tuple[int, str], tuple[x509.Certificate, bool]] = {}


def certificate_names(cert: x509.Certificate) -> tuple[list[str], list[IPAny]] | None:
    """The dNSName and iPAddress entries of the subjectAltName, or None when there is no such extension.

    iPAddress entries that are networks (name constraints syntax) are not identities and are left out.
    The extension is read once per certificate object; each call gets lists of its own.
    """
    names = _certificate_names(cert)
    if names is None:
        return None
    return list(names[0]), list(names[1])


def _certificate_names(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[IPAny, ...]] | None:
    hit = _names.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    names: tuple[tuple[str, ...], tuple[IPAny, ...]] | None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        names = None
    else:
        dns = tuple(str(n) for n in san.get_values_for_type(x509.DNSName))
        ips = tuple(
            value
            for value in san.get_values_for_type(x509.IPAddress)
            if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)
        )
        names = (dns, ips)
    if len(_names) >= _MEMO_SIZE:
        _names.clear()
    _names[id(cert)] = (cert, names)
    return names


def dns_name_matches(pattern: str, host: str) -> bool:
    """Whether the dNSName ``pattern`` covers ``host`` (RFC 6125 sections 6.4.1 and 6.4.3)."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if not pattern or not host:
        return False
    if not pattern.startswith("*."):
        return pattern == host
    # Wildcard: "*" is the whole left-most label, and the rest has at least two labels (no "*.com").
    suffix = pattern[2:]
    if "*" in suffix or suffix.count(".") < 1:
        return False
    first, _, rest = host.partition(".")
    return bool(first) and rest == suffix


def _join(items: list[str]) -> str:
    return ", ".join(items)


def explain_name_mismatch(cert: x509.Certificate, wanted: ServerIdentity, label: str) -> str | None:
    """Why ``cert`` does not cover ``wanted``, in plain words; None if (by our reading) it does."""
    names = _certificate_names(cert)
    cn = [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    if names is None:
        text = f"the certificate for {label} has no subjectAltName extension, so it covers no names"
        if cn:
            text += f" (its subject CN {cn[0]!r} is not used for matching: RFC 6125 section 6.4.4)"
        return text + f"; {wanted.text} was wanted"
    dns, ips = names
    covered = [*dns, *(str(ip) for ip in ips)]
    if not covered:  # e.g. only email addresses or URIs: it names no host at all
        return (
            f"the certificate for {label} lists no DNS name or IP address in its subjectAltName, so it covers no "
            f"host; {wanted.text} was wanted"
        )
    listing = _join(covered)
    if wanted.ip is not None:
        if wanted.ip in ips:
            return None
        text = f"the certificate for {label} covers {listing} but not the IP address {wanted.text}"
        if wanted.text in dns:
            text += " (it lists it as a DNS name; an IP address only matches an iPAddress entry)"
        return text
    if any(dns_name_matches(p, wanted.text) for p in dns):
        return None
    text = f"the certificate for {label} covers {listing} but not {wanted.text}"
    near = [p for p in dns if p.startswith("*.") and wanted.text.endswith("." + p[2:].lower())]
    if near:
        text += f" (a wildcard matches exactly one label: {near[0]} does not cover {wanted.text})"
    elif any(p.startswith("*.") and wanted.text == p[2:].lower() for p in dns):
        text += " (a wildcard does not cover the bare parent domain)"
    if cn and cn[0].lower() == wanted.text and wanted.text not in [d.lower() for d in dns]:
        text += " (the subject CN matches, but only subjectAltName counts: RFC 6125 section 6.4.4)"
    return text


def certificate_covers(cert: x509.Certificate, name: str) -> bool:
    """Whether the certificate's subjectAltName covers ``name`` (a DNS name or an IP literal).

    Used by a server to pick the chain that fits the client's SNI; a name that does not parse matches nothing.
    The verdict is remembered per (certificate object, name): a server asks it for each connection.
    """
    key = (id(cert), name)
    hit = _covers.get(key)
    if hit is not None and hit[0] is cert:
        return hit[1]
    covered = _certificate_covers(cert, name)
    if len(_covers) >= _MEMO_SIZE:
        _covers.clear()
    _covers[key] = (cert, covered)
    return covered


def _certificate_covers(cert: x509.Certificate, name: str) -> bool:
    try:
        wanted = parse_server_name(name)
    except ConfigError:
        return False
    names = _certificate_names(cert)
    if names is None:
        return False
    dns, ips = names
    if wanted.ip is not None:
        return wanted.ip in ips
    return any(dns_name_matches(pattern, wanted.text) for pattern in dns)
