"""The ``glasstls`` command: ``demo``, ``connect``, ``serve``, ``certs``, ``verify``.

Exit status: 0 success; 1 the connection failed (explained on standard error); 2 a bad command line or
configuration; 130 interrupted; 141 standard output was closed by its reader (``| head -1``), reported silently
as Unix tools do (128 + SIGPIPE).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from glasstls import __version__
from glasstls.cli import CliError, exit_on_sigterm
from glasstls.cli.output import Output, OutputClosed
from glasstls.errors import ConfigError

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Standard output was closed by its reader: 128 + SIGPIPE, the status of a Unix tool killed by its pipe.
EXIT_OUTPUT_CLOSED = 141


def build_parser() -> argparse.ArgumentParser:
    from glasstls.cli import certs, connect, demo, serve, verify

    parser = argparse.ArgumentParser(
        prog="glasstls",
        description="glasstls: TLS 1.3 and TLS 1.2 you can see through, client and server. Each command explains "
        "what happens, step by step.",
    )
    parser.add_argument("--version", action="version", version=f"glasstls {__version__}")
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


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; an option the command does not know is reported with that command's usage
    (``glasstls serve --bogus`` shows how to call ``serve``, not the list of commands)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub: argparse.ArgumentParser = commands.choices.get(args.command, parser)
        sub.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the command itself (not a test calling main): kill PID unwinds like Ctrl-C
        exit_on_sigterm()
    parser = build_parser()
    args = _parse(parser, argv)
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

            return serve.run(args, out, err)
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
        return EXIT_INTERRUPTED
    except OutputClosed:
        return EXIT_OUTPUT_CLOSED
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE  # not reached: parser.error exits


if __name__ == "__main__":
    sys.exit(main())
