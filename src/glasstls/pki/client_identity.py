"""The identity of a client certificate, for a server that accepts only some clients.

Client certificates are not matched to a host name (RFC 8446 section 4.4.2.4 leaves the client's identity to
the application). A server may name the identities it accepts (``ServerConfig.client_identities``,
``glasstls serve --client-identity``); a verified client certificate is accepted when one of its names is one
of them. A certificate's names: its subjectAltName dNSName (compared case-insensitively, RFC 6125 section 6.4.1,
a wildcard as there), rfc822Name (the mailbox compared case-insensitively: RFC 5280 section 4.2.1.6 compares
the host part without case; we also fold the local part, as mail systems do), uniformResourceIdentifier
(exactly), and, as most enterprise client certificates carry their identity there, each subject commonName
(exactly).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.x509.oid import NameOID

from glasstls.pki.names import dns_name_matches

__all__ = ["client_names", "match_client_identity"]


def client_names(cert: x509.Certificate) -> list[str]:
    """The names a client certificate carries, as ``DNS:``, ``email:``, ``URI:`` and ``CN:`` strings."""
    out: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        san = None
    if san is not None:
        out += [f"DNS:{n}" for n in san.get_values_for_type(x509.DNSName)]
        out += [f"email:{n}" for n in san.get_values_for_type(x509.RFC822Name)]
        out += [f"URI:{n}" for n in san.get_values_for_type(x509.UniformResourceIdentifier)]
    try:
        for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            value = attribute.value
            out.append(f"CN:{value if isinstance(value, str) else value.decode('utf-8', 'replace')}")
    except ValueError:
        pass
    return out


def _matches(entry: str, wanted: str) -> bool:
    kind, _, value = entry.partition(":")
    if kind == "DNS":
        return dns_name_matches(value, wanted)
    if kind == "email":
        return value.casefold() == wanted.casefold()
    return value == wanted


def match_client_identity(cert: x509.Certificate, accepted: Sequence[str]) -> tuple[str, str] | None:
    """The first (certificate name, accepted identity) pair that matches, or None."""
    names = client_names(cert)
    for wanted in accepted:
        for entry in names:
            if _matches(entry, wanted):
                return entry, wanted
    return None
