"""``glasstls certs DIR``: write a test PKI (root, intermediate, server and client certificates) to DIR.

With ``--revocation`` also revoked certificates, the CRLs that revoke them and OCSP responses (good, revoked,
stale, for another certificate, by a delegated responder), to try ``glasstls verify --crl/--ocsp-response``
and ``glasstls serve --ocsp-response``.

NOT FOR PRODUCTION: the keys are unencrypted and made for tests (see glasstls.pki.testpki).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from glasstls.cli import CliError
from glasstls.cli.output import Output
from glasstls.pki.testpki import make_revocation_pki, make_test_pki

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


def run(args: argparse.Namespace, out: Output) -> int:
    hosts = tuple(args.host) if args.host else ("localhost", "127.0.0.1")
    directory = Path(args.directory)
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
    out.info(
        f"try: glasstls serve --cert {files.server_ecdsa.cert} --key {files.server_ecdsa.key} --port 4433\n"
        f"     glasstls connect localhost:4433 --cafile {files.root}"
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
            f"try: glasstls verify {directory / 'revoked-server.pem'} --host {host} --cafile {files.root} "
            f"--crl {directory / 'intermediate.crl.pem'}\n"
            f"     glasstls verify {files.server_ecdsa.cert} --host {host} --cafile {files.root} "
            f"--ocsp-response {directory / 'ocsp-good.der'} --revocation hard-fail\n"
            f"     glasstls serve --cert {files.server_ecdsa.cert} --key {files.server_ecdsa.key} "
            f"--ocsp-response {directory / 'ocsp-good.der'} --port 4433"
        )
    return 0
