"""The server identity a client asks for: the caller's server name, parsed once (an IP literal or a DNS name).

Apart from :mod:`glasstls.pki.names` (which explains the names a certificate covers) so that a connection can
check its server name without loading ``cryptography.x509`` (issue 17: import time).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from glasstls.errors import ConfigError

if TYPE_CHECKING:
    from cryptography.x509 import DNSName, IPAddress

__all__ = ["IPAny", "ServerIdentity", "parse_server_name"]

IPAny = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 1123 section 2.1 host name labels (letters, digits, hyphens; not at either end), as A-labels.
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class ServerIdentity:
    """The identity a client expects: either a DNS name (normalised) or an IP address."""

    text: str
    ip: IPAny | None

    @property
    def is_ip(self) -> bool:
        return self.ip is not None

    def to_subject(self) -> DNSName | IPAddress:
        """The subject for ``PolicyBuilder.build_server_verifier``."""
        from cryptography.x509 import DNSName, IPAddress  # loaded by the verifier that asks (issue 17)

        if self.ip is not None:
            return IPAddress(self.ip)
        return DNSName(self.text)


#: parse_server_name results by the caller's text (a name that does not parse is not remembered); emptied when
#: full (bounded whatever names the callers pass).
_MEMO_SIZE = 512
_identities: dict[str, ServerIdentity] = {}
_IP_CHARACTERS = frozenset("0123456789.")


def parse_server_name(name: str) -> ServerIdentity:
    """Parse the caller's server name: an IP literal (``[::1]`` brackets allowed) or a DNS name.

    A DNS name is lower-cased and loses one trailing dot (RFC 6125 section 6.4.1). A name that is neither is
    the caller's mistake: :class:`~glasstls.errors.ConfigError`. Results are remembered per name (the same
    names come back on every connection; ``ServerIdentity`` is frozen).
    """
    identity = _identities.get(name)
    if identity is None:
        identity = _parse_server_name(name)
        if len(_identities) >= _MEMO_SIZE:
            _identities.clear()
        _identities[name] = identity
    return identity


def _parse_server_name(name: str) -> ServerIdentity:
    text = name.strip()
    literal = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    ip: IPAny | None = None
    # Only a text with a colon (IPv6) or made of digits and dots (IPv4) can be an IP literal: the others skip
    # the (costly) attempt, which would fail for them anyway.
    if ":" in literal or (literal and _IP_CHARACTERS.issuperset(literal)):
        try:
            ip = ipaddress.ip_address(literal)
        except ValueError:
            ip = None
    if ip is not None:
        return ServerIdentity(text=str(ip), ip=ip)
    dns = text[:-1] if text.endswith(".") else text
    if not dns.isascii():
        # Internationalised names are matched in their A-label form (RFC 6125 section 6.4.2).
        try:
            dns = dns.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ConfigError(f"server name {name!r} is not a valid internationalised domain name") from exc
    dns = dns.lower()
    if len(dns) > 253 or not all(_LDH_LABEL.fullmatch(label) for label in dns.split(".")):
        raise ConfigError(f"server name {name!r} is neither a valid DNS name nor an IP address")
    return ServerIdentity(text=dns, ip=None)
