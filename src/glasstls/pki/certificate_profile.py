"""The certificate profile: rules a chain must follow beyond RFC 5280 path validation, each one named and cited.

cryptography's verifier decides path validation (RFC 5280 section 6 with its own web-PKI checks). A chain it
accepts can still break rules that neither RFC 5280 section 6 nor cryptography enforce: the profile rules of
RFC 5280 section 4 ("conforming CAs MUST ...") and of the CA/Browser Forum Baseline Requirements (BR, version
2.x section numbers). This module reads the *validated* chain (leaf first, trust anchor last) and lists every
rule it breaks, as :class:`Violation` objects; ``pki.verify`` turns the first into the verdict and all into
report entries. Each rule has a stable identifier (``--json`` carries it), a citation, and the profiles it
belongs to:

* ``"web"`` (the default for server certificates): the BR rules and the RFC 5280 section 4 rules;
* ``"rfc5280"``: the RFC 5280 section 4 rules only: a reading for private PKIs, where RFC 5280 allows what
  the BRs forbid (small keys, any curve, no extendedKeyUsage, any commonName).

Client certificates are checked with the RFC 5280 rules by default (the BRs profile server certificates); a
server may choose "web" for them (``ServerConfig.client_certificate_profile``, ``glasstls serve
--client-profile web``): then the BR key rules (BR 6.1.5: every key of the chain) and the root rules apply too,
but not the leaf's commonName, wildcard and extendedKeyUsage rules, which are about serving a host name
(:data:`SERVER_LEAF_RULES`).

Decisions: Ed25519 and Ed448 end-entity keys are accepted in the web profile, although BR 6.1.5 lists only
RSA and ECDSA P-256/P-384/P-521: TLS 1.3 defines them (RFC 8446 section 4.2.3) and refusing them would refuse
working private deployments that use the default profile. A chain of one certificate (the leaf is itself a
trust anchor) is trusted directly (RFC 5280 section 6.1.1 (d)) and not profiled. The root rules (EKU, key
identifiers, RSA modulus) apply to the trust anchor as the issue asks, but not the serial-number rule: six roots
of Mozilla's store have serial 0. Known cost: one root of that store (TWCA Global Root CA) has no
subjectKeyIdentifier, so chains to it fail rfc5280.ca-without-ski under both profiles.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from glasstls.crypto.keys import certificate_serial
from glasstls.pki.facts import _ext, _label
from glasstls.pki.profile_names import PROFILES, ProfileName

__all__ = [
    "PROFILES",
    "RULES",
    "SERVER_LEAF_RULES",
    "ProfileName",
    "Rule",
    "Violation",
    "profile_violations",
    "rules_for",
]

Kind = Literal["key", "usage", "name", "structure"]


@dataclass(frozen=True)
class Rule:
    """One profile rule: ``id`` (stable, for programs), what it requires, where it is written, which profiles
    hold it, and ``kind`` (key, usage, name, structure: which alert a violation gets, see pki.verify)."""

    id: str
    requires: str
    citation: str
    profiles: tuple[ProfileName, ...]
    kind: Kind


@dataclass(frozen=True)
class Violation:
    """A rule a certificate of the chain breaks: why, in plain words, and what would fix it."""

    rule: Rule
    certificate: str
    reason: str
    hint: str


_BOTH: tuple[ProfileName, ...] = ("web", "rfc5280")
_WEB: tuple[ProfileName, ...] = ("web",)

_RULE_LIST = (
    Rule("webpki.rsa-key-too-small", "every RSA key on the chain has at least 2048 bits", "BR 6.1.5", _WEB, "key"),
    Rule(
        "webpki.rsa-modulus-not-multiple-of-8",
        "every RSA modulus on the chain is a whole number of bytes (its size in bits divisible by 8)",
        "BR 6.1.5",
        _WEB,
        "key",
    ),
    Rule(
        "webpki.ec-curve-not-allowed",
        "every ECDSA key on the chain is on P-256, P-384 or P-521",
        "BR 6.1.5, 7.1.3.1.2",
        _WEB,
        "key",
    ),
    Rule("webpki.dsa-key", "no key on the chain is DSA", "BR 6.1.5, 7.1.3.1", _WEB, "key"),
    Rule(
        "webpki.cn-not-in-san",
        "the subject commonName, when present, is exactly one entry, a copy of a subjectAltName entry",
        "BR 7.1.4.3",
        _WEB,
        "name",
    ),
    Rule(
        "webpki.cn-ip-not-canonical",
        "an IP address in the commonName is written canonically (IPv4 dotted decimal, RFC 3986 section 3.2.2; "
        "IPv6 as RFC 5952 section 4)",
        "BR 7.1.4.3",
        _WEB,
        "name",
    ),
    Rule(
        "webpki.wildcard-on-public-suffix",
        "a wildcard dNSName is not directly on a public suffix",
        "BR 3.2.2.6",
        _WEB,
        "name",
    ),
    Rule(
        "webpki.ee-without-eku",
        "the leaf has an extendedKeyUsage extension",
        "BR 7.1.2.7.6, 7.1.2.7.10",
        _WEB,
        "usage",
    ),
    Rule(
        "webpki.ee-any-eku",
        "the leaf's extendedKeyUsage does not contain anyExtendedKeyUsage",
        "BR 7.1.2.7.10",
        _WEB,
        "usage",
    ),
    Rule("webpki.root-with-eku", "a root CA certificate has no extendedKeyUsage", "BR 7.1.2.1.2", _WEB, "usage"),
    Rule(
        "webpki.root-aki-issuer-serial",
        "a root's authorityKeyIdentifier, when present, has no authorityCertIssuer or authorityCertSerialNumber",
        "BR 7.1.2.1.3",
        _WEB,
        "structure",
    ),
    Rule(
        "webpki.root-aki-mismatch",
        "a root's authorityKeyIdentifier, when present, has a keyIdentifier equal to its subjectKeyIdentifier",
        "BR 7.1.2.1.3",
        _WEB,
        "structure",
    ),
    Rule(
        "rfc5280.ca-without-aki",
        "an intermediate CA certificate has an authorityKeyIdentifier",
        "RFC 5280 section 4.2.1.1",
        _BOTH,
        "structure",
    ),
    Rule(
        "rfc5280.ca-without-ski",
        "a CA certificate (intermediate or root) has a subjectKeyIdentifier",
        "RFC 5280 section 4.2.1.2",
        _BOTH,
        "structure",
    ),
    Rule(
        "rfc5280.serial-not-positive",
        "every serial number below the trust anchor is a positive integer (not zero)",
        "RFC 5280 section 4.1.2.2",
        _BOTH,
        "structure",
    ),
    Rule(
        "rfc5280.policy-constraints-not-critical",
        "a policyConstraints extension is marked critical",
        "RFC 5280 section 4.2.1.11",
        _BOTH,
        "structure",
    ),
    Rule(
        "rfc5280.name-constraints-not-critical",
        "a nameConstraints extension is marked critical",
        "RFC 5280 section 4.2.1.10",
        _BOTH,
        "structure",
    ),
)

#: Every rule by its identifier (the identifiers are stable: programs read them from ``--json``).
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULE_LIST}

#: BR 6.1.5: the curves a web PKI end-entity ECDSA key may use.
_ALLOWED_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
#: BR 6.1.5: the smallest RSA modulus for a web PKI certificate.
_MIN_RSA_BITS = 2048


#: The web rules about a server leaf's host names and purpose, not checked on client chains: a client
#: certificate names a person or a machine (often in the CN only) and carries clientAuth, not serverAuth.
SERVER_LEAF_RULES = frozenset(
    {
        "webpki.cn-not-in-san",
        "webpki.cn-ip-not-canonical",
        "webpki.wildcard-on-public-suffix",
        "webpki.ee-without-eku",
        "webpki.ee-any-eku",
    }
)


def rules_for(profile: ProfileName, role: str) -> tuple[Rule, ...]:
    """The rules checked for a ``role`` ("server" or "client") chain under ``profile``. Client chains under
    "web" get all but :data:`SERVER_LEAF_RULES`."""
    return tuple(
        rule
        for rule in _RULE_LIST
        if profile in rule.profiles and (role == "server" or rule.id not in SERVER_LEAF_RULES)
    )


@functools.cache
def _public_suffixes() -> Any:
    """The public suffix list (the maintained ``publicsuffixlist`` package; parsed once, on first use)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def _extension(cert: x509.Certificate, kind: type[Any]) -> x509.Extension[Any] | None:
    try:
        return cert.extensions.get_extension_for_class(kind)
    except (x509.ExtensionNotFound, ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None


def _key_violations(
    chain: Sequence[x509.Certificate], leaf: x509.Certificate | None
) -> list[tuple[str, x509.Certificate, str, str]]:
    out: list[tuple[str, x509.Certificate, str, str]] = []
    for cert in chain:
        try:
            key = cert.public_key()
        except ValueError:
            continue  # an unreadable key: path validation already had its say
        if isinstance(key, rsa.RSAPublicKey):
            bits = key.key_size
            if bits < _MIN_RSA_BITS:
                out.append(
                    (
                        "webpki.rsa-key-too-small",
                        cert,
                        f"its RSA key has {bits} bits; the web PKI requires at least {_MIN_RSA_BITS}",
                        "reissue the certificate with an RSA key of 2048 bits or more, or an ECDSA P-256 key"
                        if cert is leaf
                        else "use a CA certificate with an RSA key of 2048 bits or more",
                    )
                )
            if bits % 8:
                out.append(
                    (
                        "webpki.rsa-modulus-not-multiple-of-8",
                        cert,
                        f"its RSA modulus has {bits} bits, not a multiple of 8",
                        "reissue the certificate with a standard RSA key size (2048, 3072 or 4096 bits)",
                    )
                )
        elif isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _ALLOWED_CURVES:
            out.append(
                (
                    "webpki.ec-curve-not-allowed",
                    cert,
                    f"its ECDSA key is on the curve {key.curve.name}; the web PKI allows only P-256, P-384 and P-521",
                    "reissue the certificate with an ECDSA key on P-256 or P-384",
                )
            )
        elif isinstance(key, dsa.DSAPublicKey):
            out.append(
                (
                    "webpki.dsa-key",
                    cert,
                    "its key is DSA, which the web PKI does not allow (only RSA and ECDSA)",
                    "reissue the certificate with an ECDSA P-256 or RSA 2048 key",
                )
            )
    return out


def _canonical_ip(text: str) -> str | None:
    """The canonical text of an IP literal (RFC 3986 section 3.2.2 dotted decimal; RFC 5952 section 4), or None
    when ``text`` is no IP literal in any common writing (dotted, hex or integer IPv4; any IPv6)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    lowered = text.lower()
    try:
        if lowered.startswith("0x"):
            return str(ipaddress.IPv4Address(int(lowered, 16)))
        parts = lowered.split(".")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            values = [int(p, 10) for p in parts]  # leading zeros: ipaddress refuses them, so read them here
            if all(v < 256 for v in values):
                return ".".join(str(v) for v in values)
    except ValueError:
        return None
    return None


def _cn_violations(leaf: x509.Certificate) -> list[tuple[str, x509.Certificate, str, str]]:
    """BR 7.1.4.3: a commonName, when present, is one entry copying a subjectAltName entry character for
    character (an IP address in its canonical text; a DNS name exactly as in the dNSName: same case, an A-label
    stays an A-label)."""
    try:
        cns = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    except ValueError:
        return []
    if not cns:
        return []
    hint = "reissue the certificate with a commonName copied from its subjectAltName, or without a commonName"
    if len(cns) > 1:
        return [("webpki.cn-not-in-san", leaf, f"its subject has {len(cns)} commonName entries, not one", hint)]
    cn = cns[0] if isinstance(cns[0], str) else cns[0].decode("utf-8", "replace")
    san = _ext(leaf, x509.SubjectAlternativeName)
    dns = san.get_values_for_type(x509.DNSName) if san is not None else []
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] if san is not None else []
    if cn in dns or cn in ips:
        return []
    canonical = _canonical_ip(cn)
    if canonical is not None:
        if canonical != cn:
            where = "is in subjectAltName" if canonical in ips else "is not in subjectAltName either"
            return [
                (
                    "webpki.cn-ip-not-canonical",
                    leaf,
                    f"its commonName {cn!r} writes the IP address {canonical} in a non-canonical form "
                    f"(the canonical form {where})",
                    f"reissue the certificate with commonName {canonical}, as in its subjectAltName",
                )
            ]
        return [
            (
                "webpki.cn-not-in-san",
                leaf,
                f"its commonName {cn!r} is not among its subjectAltName IP addresses ({', '.join(ips) or 'none'})",
                hint,
            )
        ]
    listed = ", ".join(dns) or "no DNS names"
    why = f"its commonName {cn!r} is not one of its subjectAltName entries ({listed})"
    folded = [d for d in dns if d.lower() == cn.lower()]
    if folded:
        why += f": it differs from {folded[0]!r} in case, and the BRs require an exact copy"
    elif not cn.isascii():
        unicode_forms = {_u_label_form(d): d for d in dns}
        same = unicode_forms.get(cn.lower())
        what = f"of {same!r}" if same is not None else "of a domain name"
        why += f": it is written in Unicode (U-labels) instead of the A-label form {what}, as the BRs require"
    return [("webpki.cn-not-in-san", leaf, why, hint)]


def _u_label_form(name: str) -> str:
    """``name`` with each A-label (``xn--``) decoded to Unicode (RFC 3492 Punycode), lower case."""
    labels = []
    for label in name.lower().split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


def _wildcard_violations(leaf: x509.Certificate) -> list[tuple[str, x509.Certificate, str, str]]:
    """BR 3.2.2.6: no wildcard directly on a public suffix (``*.com``, ``*.co.uk``, ``*.github.io``)."""
    san = _ext(leaf, x509.SubjectAlternativeName)
    if san is None:
        return []
    out: list[tuple[str, x509.Certificate, str, str]] = []
    for name in san.get_values_for_type(x509.DNSName):
        if not name.startswith("*."):
            continue
        base = name[2:].rstrip(".").lower()
        if base and _public_suffixes().is_public(base):
            out.append(
                (
                    "webpki.wildcard-on-public-suffix",
                    leaf,
                    f"its subjectAltName {name} is a wildcard on the public suffix {base} (public suffix list)",
                    "a wildcard must sit below a registrable domain (e.g. *.example.co.uk, not *.co.uk); "
                    "reissue the certificate",
                )
            )
    return out


def _eku_violations(
    chain: Sequence[x509.Certificate], leaf: x509.Certificate
) -> list[tuple[str, x509.Certificate, str, str]]:
    out: list[tuple[str, x509.Certificate, str, str]] = []
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if eku is None:
        out.append(
            (
                "webpki.ee-without-eku",
                leaf,
                "it has no extendedKeyUsage extension, so it is not restricted to TLS server authentication",
                "reissue the certificate with extendedKeyUsage serverAuth",
            )
        )
    elif ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku:
        out.append(
            (
                "webpki.ee-any-eku",
                leaf,
                "its extendedKeyUsage contains anyExtendedKeyUsage, which lets the key be used for any purpose",
                "reissue the certificate with extendedKeyUsage serverAuth only",
            )
        )
    root = chain[-1]
    if len(chain) > 1 and _ext(root, x509.ExtendedKeyUsage) is not None:
        out.append(
            (
                "webpki.root-with-eku",
                root,
                "it is a root CA certificate with an extendedKeyUsage extension",
                "trust a root CA certificate without extendedKeyUsage (restrictions belong in intermediates)",
            )
        )
    return out


def _key_identifier_violations(
    chain: Sequence[x509.Certificate], web: bool
) -> list[tuple[str, x509.Certificate, str, str]]:
    out: list[tuple[str, x509.Certificate, str, str]] = []
    root = chain[-1]
    for cert in chain[1:]:
        ski = _ext(cert, x509.SubjectKeyIdentifier)
        if ski is None:
            what = "root CA" if cert is root else "intermediate CA"
            out.append(
                (
                    "rfc5280.ca-without-ski",
                    cert,
                    f"it is an {what} certificate without a subjectKeyIdentifier extension",
                    "reissue the CA certificate with a subjectKeyIdentifier",
                )
            )
        aki = _ext(cert, x509.AuthorityKeyIdentifier)
        if cert is not root:
            if aki is None:
                out.append(
                    (
                        "rfc5280.ca-without-aki",
                        cert,
                        "it is an intermediate CA certificate without an authorityKeyIdentifier extension",
                        "reissue the intermediate with an authorityKeyIdentifier naming its issuer's key",
                    )
                )
            continue
        if not web or aki is None:
            continue
        if aki.authority_cert_issuer is not None or aki.authority_cert_serial_number is not None:
            out.append(
                (
                    "webpki.root-aki-issuer-serial",
                    cert,
                    "its authorityKeyIdentifier carries authorityCertIssuer/authorityCertSerialNumber, which a "
                    "root must not",
                    "trust a root CA certificate whose authorityKeyIdentifier holds only a keyIdentifier",
                )
            )
        if ski is not None and aki.key_identifier != ski.digest:
            out.append(
                (
                    "webpki.root-aki-mismatch",
                    cert,
                    "its authorityKeyIdentifier keyIdentifier differs from its own subjectKeyIdentifier"
                    if aki.key_identifier is not None
                    else "its authorityKeyIdentifier has no keyIdentifier",
                    "trust a root CA certificate whose authorityKeyIdentifier matches its subjectKeyIdentifier",
                )
            )
    return out


def _structure_violations(chain: Sequence[x509.Certificate]) -> list[tuple[str, x509.Certificate, str, str]]:
    out: list[tuple[str, x509.Certificate, str, str]] = []
    anchor = chain[-1]
    for cert in chain:
        # Not the trust anchor: it stands for a name and a key (RFC 5280 section 6.1.1 (d)), and six roots of
        # Mozilla's store (Go Daddy G2, Starfield G2, SECOM RootCA2, HARICA 2015 ...) carry serial number 0.
        if cert is not anchor and certificate_serial(cert) <= 0:
            out.append(
                (
                    "rfc5280.serial-not-positive",
                    cert,
                    f"its serial number is {certificate_serial(cert)}; it must be a positive integer",
                    "reissue the certificate with a positive random serial number",
                )
            )
        for kind, rule, name in (
            (x509.PolicyConstraints, "rfc5280.policy-constraints-not-critical", "policyConstraints"),
            (x509.NameConstraints, "rfc5280.name-constraints-not-critical", "nameConstraints"),
        ):
            ext = _extension(cert, kind)
            if ext is not None and not ext.critical:
                out.append(
                    (
                        rule,
                        cert,
                        f"its {name} extension is not marked critical",
                        f"reissue the CA certificate with {name} marked critical",
                    )
                )
    return out


def profile_violations(chain: Sequence[x509.Certificate], *, role: str, profile: ProfileName) -> list[Violation]:
    """Every rule of ``profile`` that the validated ``chain`` (leaf first, trust anchor last) breaks, in
    :data:`RULES` order. Never raises for anything in the chain."""
    if len(chain) < 2:
        return []  # the leaf is itself a trust anchor: trusted directly (RFC 5280 section 6.1.1 (d))
    active = {rule.id for rule in rules_for(profile, role)}
    leaf = chain[0]
    web = profile == "web"
    found: list[tuple[str, x509.Certificate, str, str]] = []
    try:
        if web:
            found += _key_violations(chain, leaf)
            found += _cn_violations(leaf)
            found += _wildcard_violations(leaf)
            found += _eku_violations(chain, leaf)
        found += _key_identifier_violations(chain, web)
        found += _structure_violations(chain)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        pass  # an unreadable extension: path validation already had its say on it
    order = {rule.id: i for i, rule in enumerate(_RULE_LIST)}
    found = [f for f in found if f[0] in active]
    found.sort(key=lambda f: order[f[0]])
    return [Violation(RULES[rule], _label(cert), reason, hint) for rule, cert, reason, hint in found]
