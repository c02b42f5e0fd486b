"""``glasstls serve`` options for TLS 1.3 early data and a fleet's shared session store (issue 15)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from glasstls.cli import CliError
from glasstls.config import MAX_EARLY_DATA_SIZE, ServerConfig
from glasstls.sessions import TicketKeys

#: ``--early-data`` without a size: as OpenSSL's and GnuTLS's servers allow by default.
DEFAULT_EARLY_DATA = 16384


def _early_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if not 1 <= value <= MAX_EARLY_DATA_SIZE:
        raise argparse.ArgumentTypeError(f"must be 1..{MAX_EARLY_DATA_SIZE} bytes")
    return value


def add_server_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("0-RTT early data and shared sessions")
    group.add_argument(
        "--early-data",
        nargs="?",
        const=DEFAULT_EARLY_DATA,
        type=_early_size,
        metavar="BYTES",
        help=f"accept TLS 1.3 0-RTT early data, up to BYTES per connection (default {DEFAULT_EARLY_DATA}): it is "
        "REPLAYABLE and not forward secret; each ClientHello is accepted once, within a freshness window",
    )

    group.add_argument(
        "--ticket-key-file",
        metavar="FILE",
        help="session-ticket keys shared by the servers of a fleet: one or more 80-byte keys, the first current "
        "(e.g. `openssl rand 80 > FILE`, mode 0600; nginx's ssl_session_ticket_key format)",
    )
    group.add_argument(
        "--session-store",
        metavar="redis://HOST:PORT/DB",
        help="share sessions with the other servers of a fleet through Redis: TLS 1.2 session IDs, single-use "
        "TLS 1.3 tickets, the 0-RTT ClientHello record and rotating ticket keys (no --ticket-key-file needed); "
        "needs --session-store-key",
    )
    group.add_argument(
        "--session-store-key",
        metavar="FILE",
        help="32 bytes shared by the fleet out of band (e.g. `openssl rand 32 > FILE`, mode 0600): seals the ticket "
        "keys and session secrets kept in Redis",
    )
    group.add_argument(
        "--ticket-rotation",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="with --session-store: a new ticket key every SECONDS (default 3600); old keys decrypt until their "
        "tickets expire",
    )


def _store(config: ServerConfig, args: argparse.Namespace) -> ServerConfig:
    """--session-store: the Redis-backed session store and (unless --ticket-key-file) ticket keys."""
    url, key_file = args.session_store, getattr(args, "session_store_key", None)
    if not key_file:
        raise CliError("--session-store needs --session-store-key FILE (32 bytes the servers share)")
    if not 60 <= args.ticket_rotation <= 7 * 86400:
        raise CliError("--ticket-rotation must be 60..604800 seconds")
    try:
        key = Path(key_file).read_bytes()
    except OSError as e:
        raise CliError(f"--session-store-key {key_file}: {e.strerror or e}") from None
    try:
        from glasstls.sessions_redis import RedisSessionStore, RedisStore, RedisTicketKeys

        store = RedisStore(url, key)
    except ImportError:
        raise CliError("--session-store needs the redis package: pip install 'glasstls[redis]'") from None
    except ValueError as e:
        raise CliError(f"--session-store: {e}") from None
    config = replace(config, session_cache=RedisSessionStore(store))
    if not getattr(args, "ticket_key_file", None):
        keys = RedisTicketKeys(store, rotate_after=args.ticket_rotation, ticket_lifetime=config.ticket_lifetime)
        config = replace(config, ticket_keys=keys)
    return config


def apply_server_options(config: ServerConfig, args: argparse.Namespace) -> ServerConfig:
    """The configuration with the options of :func:`add_server_options` applied."""
    key_file = getattr(args, "ticket_key_file", None)
    if key_file:
        try:
            config = replace(config, ticket_keys=TicketKeys.from_file(key_file))
        except (OSError, ValueError) as e:
            raise CliError(f"--ticket-key-file {key_file}: {e}") from None
    if getattr(args, "session_store", None):
        config = _store(config, args)
    early = getattr(args, "early_data", None)
    if early:
        if config.ticket_keys is None:
            raise CliError("--early-data needs session tickets")
        config = replace(config, max_early_data_size=early)
    return config
