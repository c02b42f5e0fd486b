"""The ``glasstls`` command: ``demo``, ``connect``, ``serve``, ``certs``, ``verify``.

Exit status: 0 success; 1 the connection failed (explained on standard error); 2 a bad command line or
configuration; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from glasstls.cli import CliError
from glasstls.cli.output import Output
from glasstls.errors import ConfigError

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    from glasstls.cli import certs, connect, demo, serve, verify

    parser = argparse.ArgumentParser(
        prog="glasstls",
        description="glasstls: TLS 1.3 you can see through. Each command explains what happens, step by step.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    demo.add_arguments(
        commands.add_parser(
            "demo", help="a local CA, server and client: the handshake explained step by step, then two failures"
        )
    )
    connect.add_arguments(
        commands.add_parser("connect", help="connect to a TLS server (like openssl s_client, friendlier)")
    )
    serve.add_arguments(commands.add_parser("serve", help="run a TLS server (like openssl s_server)"))
    certs.add_arguments(commands.add_parser("certs", help="write a test PKI (CA, server and client certificates)"))
    verify.add_arguments(
        commands.add_parser("verify", help="explain a certificate chain offline: each certificate, each check, why")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(sys.stdout)
    err = Output(sys.stderr)
    try:
        if args.command == "demo":
            from glasstls.cli import demo

            return demo.run(args, out)
        if args.command == "connect":
            from glasstls.cli import connect

            return connect.run(args, err, out)
        if args.command == "serve":
            from glasstls.cli import serve

            return serve.run(args, out)
        if args.command == "certs":
            from glasstls.cli import certs

            return certs.run(args, out)
        if args.command == "verify":
            from glasstls.cli import verify

            return verify.run(args, out)
    except (CliError, ConfigError) as e:
        err.line(f"glasstls {args.command}: error: {e}", "bold red")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE  # not reached: parser.error exits


if __name__ == "__main__":
    sys.exit(main())
