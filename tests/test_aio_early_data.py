"""TLS 1.3 0-RTT early data on asyncio (issue 15): glasstls.io.aio on both sides over 127.0.0.1 (the server
hands the early data out as get_extra_info("early_data"), the client learns the answer the same way), and the
asyncio client against ``openssl s_server -early_data``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from glasstls.events import EarlyDataAccepted, EarlyDataRejected
from glasstls.io import aio
from interop_helpers import client_config, creds, server_config
from peers import openssl_server

if TYPE_CHECKING:
    from glasstls.pki.testpki import TestPKI

pytestmark = [pytest.mark.timeout(60)]

EARLY = b"GET /0rtt\n"


async def early_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Say what came as early data, then echo one line."""
    writer.write(b"early=" + writer.get_extra_info("early_data") + b"|")
    writer.write(await reader.readline())
    await writer.drain()
    writer.close()


async def _ticket(port: int, config: object) -> None:
    reader, writer = await aio.open_connection("127.0.0.1", port, config, server_hostname="localhost")  # type: ignore[arg-type]
    writer.write(b"x\n")
    await reader.readuntil(b"|")
    await reader.readline()  # the tickets came before the echo
    writer.close()


def test_aio_both_sides_early_data(pki: TestPKI) -> None:
    async def main() -> tuple[object, bytes, object, bytes]:
        config = client_config(pki)
        accepting = server_config(pki, max_early_data_size=1024)
        async with await aio.start_server(early_echo, "127.0.0.1", 0, accepting) as srv:
            await _ticket(srv.address[1], config)
            reader, writer = await aio.open_connection(
                "127.0.0.1", srv.address[1], config, server_hostname="localhost", early_data=EARLY
            )
            writer.write(b"later\n")
            accepted = writer.get_extra_info("early_data"), await reader.read()
            writer.close()
        refusing = server_config(pki, max_early_data_size=1024)  # new ticket keys: the old ticket is unknown
        async with await aio.start_server(early_echo, "127.0.0.1", 0, refusing) as srv:
            await _ticket(srv.address[1], config)
            async with await aio.start_server(early_echo, "127.0.0.1", 0, server_config(pki)) as other:
                reader, writer = await aio.open_connection(
                    "127.0.0.1", other.address[1], config, server_hostname="localhost", early_data=EARLY
                )
                writer.write(b"later\n")
                rejected = writer.get_extra_info("early_data"), await reader.read()
                writer.close()
        return (*accepted, *rejected)

    answer, page, refusal, page2 = asyncio.run(asyncio.wait_for(main(), 50))
    assert isinstance(answer, EarlyDataAccepted) and answer.size == len(EARLY)
    assert page == b"early=" + EARLY + b"|later\n"
    assert isinstance(refusal, EarlyDataRejected) and refusal.data == EARLY
    assert page2 == b"early=|later\n"


@pytest.mark.interop
def test_aio_client_early_data_to_openssl(pki: TestPKI) -> None:
    cert = creds(pki, "ecdsa")
    config = client_config(pki)
    store = config.session_store
    assert store is not None
    with openssl_server(cert.cert, cert.key, extra_args=["-early_data"]) as server:

        async def main() -> object:
            _, writer = await aio.open_connection("127.0.0.1", server.port, config, server_hostname="localhost")
            for _ in range(200):  # the tickets follow the handshake: wait for them (at most 10 s)
                if len(store):
                    break
                await asyncio.sleep(0.05)
            writer.close()
            _reader, writer = await aio.open_connection(
                "127.0.0.1", server.port, config, server_hostname="localhost", early_data=b"early\n"
            )
            answer = writer.get_extra_info("early_data")
            writer.close()
            return answer

        answer = asyncio.run(asyncio.wait_for(main(), 40))
    assert isinstance(answer, EarlyDataAccepted), answer
