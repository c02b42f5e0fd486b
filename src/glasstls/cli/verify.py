"""``glasstls verify CHAIN.pem --host NAME``: explain a certificate chain offline, step by step.

The chain file holds the leaf first, then the intermediates (PEM, as servers are configured; or one DER
certificate). The report lists the chain as built, leaf to trust anchor, each certificate's facts, and each
check with its outcome; for a failing chain the cause in plain words and a fix. The verdict is
``cryptography.x509.verification``'s path validation, then revocation (``--crl``, ``--ocsp-response``).

Exit status: 0 the chain is valid; 1 it is not (the report says why); 2 a bad command line or unreadable
input files. With ``--json`` standard output carries one JSON document (schema ``glasstls.verify/1``): each
check has a ``rule`` (the profile rule's stable identifier, e.g. ``webpki.ee-any-eku``) and ``citation`` when
it is about one rule; ``profile_rules`` lists every rule checked with its outcome; ``decided_by`` says what
decided a rejection (path validation, the profile and its rule, revocation).
"""

from __future__ import annotations

import argparse
import re
import ssl
from datetime import UTC, datetime
from pathlib import Path

from glasstls.cli import CliError
from glasstls.cli.output import Output
from glasstls.crypto.keys import load_certificates
from glasstls.errors import ConfigError
from glasstls.pki.certificate_profile import PROFILES
from glasstls.pki.crl_files import load_crls
from glasstls.pki.revocation import REVOCATION_POLICIES
from glasstls.pki.trust import TrustStore
from glasstls.pki.verify import ChainReport, explain_chain

__all__ = ["JSON_SCHEMA", "add_arguments", "parse_time", "read_chain", "run"]

JSON_SCHEMA = "glasstls.verify/1"

EXIT_VALID = 0
EXIT_INVALID = 1

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
#: The largest chain or OCSP file read (a chain of real certificates is a few kilobytes).
MAX_INPUT_BYTES = 10 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chain", metavar="CHAIN.pem", help="the chain to explain: leaf first, then intermediates")
    parser.add_argument("--host", metavar="NAME", help="the DNS name or IP address the certificate must cover")
    parser.add_argument("--cafile", help="trust the CA certificates in this PEM file (default: the system store)")
    parser.add_argument("--capath", help="trust the CA certificates in this directory")
    parser.add_argument("--certifi", action="store_true", help="trust Mozilla's CA bundle from the certifi package")
    parser.add_argument(
        "--crl",
        action="append",
        metavar="FILE",
        help="a CRL file (PEM or DER) or a directory of CRLs to consult (repeatable)",
    )
    parser.add_argument(
        "--ocsp-response", metavar="FILE", help="a DER OCSP response for the leaf (as a server staples)"
    )
    parser.add_argument(
        "--revocation",
        choices=REVOCATION_POLICIES,
        default="soft-fail",
        help="off; soft-fail (default: reject only what is proven revoked); hard-fail (the leaf needs a fresh status)",
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="check at this time instead of now: ISO 8601, e.g. 2026-01-15 or 2026-01-15T12:00:00Z (UTC if no zone)",
    )
    parser.add_argument("--client", action="store_true", help="check a client certificate (clientAuth, no name)")
    parser.add_argument("--max-depth", type=int, default=8, help="the most intermediate certificates (default 8)")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default=None,
        help="certificate profile on top of path validation: web (CA/Browser Forum Baseline Requirements; the "
        "default for servers) or rfc5280 (RFC 5280 section 4 only; the default for --client)",
    )
    parser.add_argument(
        "--client-identity",
        action="append",
        metavar="NAME",
        help="with --client: accept only a certificate with this name in subjectAltName or CN (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON document")


def parse_time(text: str) -> datetime:
    """ISO 8601 date or date-time; ``Z`` means UTC; no zone means UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"--at {text!r} is not an ISO 8601 time (e.g. 2026-01-15T12:00:00Z)") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _read(path: str, what: str) -> bytes:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_INPUT_BYTES:
            raise CliError(f"the {what} {p} is larger than {MAX_INPUT_BYTES} bytes")
        return p.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read the {what} {p}: {exc.strerror or exc}") from exc


def read_chain(data: bytes) -> list[bytes]:
    """The certificates of a chain file as DER, in file order: PEM blocks, or the whole file as one DER
    certificate. Whether each one parses is the report's business (the parse check)."""
    if b"-----BEGIN" not in data:
        return [data] if data else []
    out: list[bytes] = []
    for block in _PEM_CERT.finditer(data):
        try:
            out.append(ssl.PEM_cert_to_DER_cert(block.group(0).decode("ascii")))
        except (ValueError, UnicodeDecodeError):
            out.append(b"")  # an undecodable block: reported as an unreadable certificate
    return out


def _is_certificate_file(data: bytes, chain: list[bytes]) -> bool:
    """Whether the file holds certificates at all: PEM CERTIFICATE blocks (a damaged one is still explained by
    the report's parse check), or one DER certificate that parses. A key file, /etc/passwd or any other file
    is the same mistake and gets the same answer: exit status 2, "holds no certificate"."""
    if not chain:
        return False
    if b"-----BEGIN" in data:
        return True
    try:
        load_certificates(data)
    except ConfigError:
        return False
    return True


def _trust(args: argparse.Namespace) -> TrustStore:
    chosen = [name for name, value in (("--cafile", args.cafile), ("--capath", args.capath)) if value]
    if args.certifi:
        chosen.append("--certifi")
    if len(chosen) > 1:
        raise CliError(f"give one trust store, not {' and '.join(chosen)}")
    if args.cafile:
        return TrustStore.from_file(args.cafile)
    if args.capath:
        return TrustStore.from_directory(args.capath)
    if args.certifi:
        return TrustStore.certifi()
    return TrustStore.system()


def build_report(args: argparse.Namespace) -> ChainReport:
    """Read the inputs named on the command line and explain the chain (CliError/ConfigError: exit 2)."""
    if args.client and args.host:
        raise CliError("--client checks a client certificate, which is not matched to a host: drop --host")
    if args.max_depth < 0:
        raise CliError("--max-depth must be 0 or more")
    if args.client_identity and not args.client:
        raise CliError("--client-identity checks a client certificate: add --client")
    data = _read(args.chain, "chain file")
    chain = read_chain(data)
    if not _is_certificate_file(data, chain):
        # Not a certificate at all (a key file, /etc/passwd): a usage mistake, not a chain to explain.
        raise CliError(f"the chain file {args.chain} holds no certificate (expected PEM or DER)")
    trust = _trust(args)
    crls = load_crls(args.crl) if args.crl else ()
    staple = _read(args.ocsp_response, "OCSP response file") if args.ocsp_response else None
    at = parse_time(args.at) if args.at else datetime.now(UTC)
    return explain_chain(
        chain,
        role="client" if args.client else "server",
        server_name=args.host,
        trust=trust,
        at=at,
        max_depth=args.max_depth,
        revocation=args.revocation,
        crls=crls,
        ocsp_response=staple,
        profile=args.profile,
        client_identities=tuple(args.client_identity or ()),
        offline=True,
    )


def _print(report: ChainReport, out: Output) -> None:
    for line in report.to_text().rstrip("\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("[FAIL]") or stripped.startswith("verdict: INVALID"):
            out.line(line, "bold red" if stripped.startswith("verdict") else "red")
        elif stripped.startswith("verdict: VALID"):
            out.line(line, "bold green")
        elif stripped.startswith("[ok]"):
            out.line(line, "green")
        elif stripped.startswith(("[--]", "(sent but not used")):
            out.line(line, "dim")
        elif stripped.startswith(("fix:", "why:")):
            out.line(line, "yellow")
        else:
            out.line(line)


def run(args: argparse.Namespace, out: Output) -> int:
    report = build_report(args)
    if args.json:
        document = {"schema": JSON_SCHEMA, **report.as_dict()}
        out.json(document)
    else:
        _print(report, out)
    return EXIT_VALID if report.ok else EXIT_INVALID
