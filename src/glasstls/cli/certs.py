"""``glasstls certs DIR``: write a test PKI (root, intermediate, server and client certificates) to DIR.

With ``--revocation`` also revoked certificates, the CRLs that revoke them and OCSP responses (good, revoked,
stale, for another certificate, by a delegated responder), to try ``glasstls verify --crl/--ocsp-response``
and ``glasstls serve --ocsp-response``.

NOT FOR PRODUCTION: the keys are unencrypted and made for tests (see glasstls.pki.testpki).
"""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path

from glasstls.cli import CliError, command_name
from glasstls.cli.output import Output
from glasstls.pki.testnames import MAX_COMMON_NAME, check_host, leaf_common_name
from glasstls.pki.testpki import make_revocation_pki, make_test_pki

#: The files ``certs`` writes (and refuses to replace without --force).
PKI_FILES = ("root.pem", "intermediate.pem", "server-ecdsa.key", "server-rsa.key", "server-ed25519.key", "client.key")

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="where to write the files (created if needed)")
    parser.add_argument(
        "--host",
        action="append",
        metavar="NAME",
        help="a host name or IP address for the server certificates (repeatable; default localhost, 127.0.0.1)",
    )
    parser.add_argument(
        "--revocation",
        action="store_true",
        help="also write revoked certificates, CRLs and OCSP responses (good, revoked, stale, wrong certificate)",
    )
    parser.add_argument("--force", action="store_true", help="replace a test PKI already in DIR (new root and keys)")


def _connect_hint(hosts: tuple[str, ...], root: Path) -> str:
    """A connect command that passes the name check against these certificates, served on 127.0.0.1:4433."""
    name = next((h for h in hosts if h in ("localhost", "127.0.0.1")), None)
    if name is not None:
        return f"connect {name}:4433 --cafile {root}"
    dns = next((h for h in hosts if not _is_ip(h)), None)
    if dns is not None:  # the server listens on 127.0.0.1; SNI and the name check use the certificate's name
        return f"connect 127.0.0.1:4433 --servername {dns} --cafile {root}"
    return f"connect 127.0.0.1:4433 --servername {hosts[0]} --cafile {root}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace, out: Output) -> int:
    hosts = tuple(args.host) if args.host is not None else ("localhost", "127.0.0.1")
    for host in hosts:
        problem = check_host(host)
        if problem is not None:
            raise CliError(f"--host {host!r}: {problem}")
    directory = Path(args.directory)
    existing = [name for name in PKI_FILES if (directory / name).exists()]
    if existing and not args.force:
        raise CliError(
            f"{directory} already holds a test PKI ({', '.join(existing)}): add --force to replace its root and "
            "keys (certificates issued by the old root stop working), or choose another directory"
        )
    try:
        pki = make_test_pki(hosts, directory=directory)
    except (OSError, ValueError) as e:
        raise CliError(f"cannot write the test PKI to {directory}: {e}") from e
    files = pki.files
    assert files is not None
    rows = [
        (str(files.root), f"root CA ({pki.root.subject}): give it to clients with --cafile"),
        (str(files.intermediate), f"intermediate CA ({pki.intermediate.subject})"),
        (str(files.server_ecdsa.cert), "server certificate, ECDSA P-256, followed by the intermediate"),
        (str(files.server_ecdsa.key), "its private key"),
        (str(files.server_rsa.cert), "server certificate, RSA 2048, followed by the intermediate"),
        (str(files.server_rsa.key), "its private key"),
        (str(files.server_ed25519.cert), "server certificate, Ed25519, followed by the intermediate"),
        (str(files.server_ed25519.key), "its private key"),
        (str(files.client.cert), f"client certificate ({pki.client.subject}), for --cert"),
        (str(files.client.key), "its private key, for --key"),
    ]
    out.table(rows, title=f"test PKI for {', '.join(hosts)} (NOT for production; keys are unencrypted):")
    long_names = [h for h in hosts if len(h) > MAX_COMMON_NAME]
    if long_names:
        out.info(
            f"{', '.join(long_names)}: longer than {MAX_COMMON_NAME} characters, the most a certificate's common name "
            f"(CN) may hold (RFC 5280 appendix A), so only in the subjectAltName, where clients look for it; "
            f"the CN is {leaf_common_name(hosts)}"
        )
    glasstls = command_name()
    out.info(
        f"try: {glasstls} serve --cert {files.server_ecdsa.cert} --key {files.server_ecdsa.key} --port 4433\n"
        f"     {glasstls} {_connect_hint(hosts, files.root)}"
    )
    if args.revocation:
        try:
            written = make_revocation_pki(pki).write(directory)
        except (OSError, ValueError) as e:
            raise CliError(f"cannot write the revocation files to {directory}: {e}") from e
        out.line()
        out.table([(str(path), what) for what, path in written.items()], title="revocation (CRLs, OCSP responses):")
        host = hosts[0]
        out.info(
            f"try: {glasstls} verify {directory / 'revoked-server.pem'} --host {host} --cafile {files.root} "
            f"--crl {directory / 'intermediate.crl.pem'}\n"
            f"     {glasstls} verify {files.server_ecdsa.cert} --host {host} --cafile {files.root} "
            f"--ocsp-response {directory / 'ocsp-good.der'} --revocation hard-fail\n"
            f"     {glasstls} serve --cert {files.server_ecdsa.cert} --key {files.server_ecdsa.key} "
            f"--ocsp-response {directory / 'ocsp-good.der'} --port 4433"
        )
    return 0
