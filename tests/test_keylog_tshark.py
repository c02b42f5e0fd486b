"""The key log really decrypts: Wireshark's tshark reads a capture of one glasstls connection with our key log.

Capturing on loopback needs privileges, so the capture is written from the connection's own bytes: a glasstls
client and server run in memory (sans-I/O), every flight they exchange is recorded in order, and the test frames
the flights as a TCP connection (Ethernet, IPv4, TCP with a three-way handshake, correct sequence and
acknowledgement numbers and checksums, FIN at the end) in a classic pcap file (libpcap format, link type
Ethernet). The client writes the NSS key log (``KeyLogFile``, as ``--keylog`` does). tshark then shows the
decrypted HTTP request and response, and a negative control shows that without the key log it cannot.
"""

from __future__ import annotations

import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.events import DataReceived
from glasstls.pki.testpki import make_test_pki
from glasstls.trace.keylog import KeyLogFile
from glasstls.wire.enums import ProtocolVersion
from peers import PEER_TIMEOUT, require_tool

PATH = "/glasstls-keylog-check"
REQUEST = f"GET {PATH} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: glasstls-keylog-test\r\n\r\n".encode()
BODY = b"decrypted by tshark with the glasstls key log\n"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\nConnection: close\r\n\r\n"
    + BODY
)
CLIENT = ("127.0.0.1", 51515)
SERVER = ("127.0.0.1", 443)  # the port Wireshark knows as HTTPS (the test also says so with -d)


# -- one connection, its bytes in order ---------------------------------------------------------------------------

Flight = tuple[str, bytes]  # ("client" | "server", bytes on the wire)


def run_connection(version: ProtocolVersion, keylog: Path, alpn: tuple[str, ...] = ("http/1.1",)) -> list[Flight]:
    """A glasstls client and server in memory: handshake, one HTTP request and response, close_notify both ways.
    Returns every flight in the order it was sent."""
    pki = make_test_pki(("localhost",))
    chain = CertificateChain((pki.server_ecdsa.certificate, *pki.server_ecdsa.chain), pki.server_ecdsa.key)
    versions = {"min_version": version, "max_version": version}
    server = ServerConnection(ServerConfig((chain,), alpn_protocols=alpn, **versions))  # type: ignore[arg-type]
    client = ClientConnection(
        ClientConfig(
            trust=pki.trust_store(),
            alpn_protocols=alpn,
            keylog=KeyLogFile(keylog),
            **versions,  # type: ignore[arg-type]
        ),
        server_name="localhost",
    )
    flights: list[Flight] = []
    received = {"client": bytearray(), "server": bytearray()}

    def pump() -> None:
        for _ in range(16):
            moved = False
            for name, sender, receiver in (("client", client, server), ("server", server, client)):
                data = sender.data_to_send()
                if data:
                    flights.append((name, data))
                    receiver.receive_data(data)
                    moved = True
                peer = "server" if name == "client" else "client"
                for event in receiver.events():
                    if isinstance(event, DataReceived):
                        received[peer] += event.data
            if not moved:
                return

    client.start()
    pump()
    assert client.handshake_complete and server.handshake_complete
    assert client.negotiated is not None and client.negotiated.version == version
    client.send_data(REQUEST)
    pump()
    server.send_data(RESPONSE)
    pump()
    client.close()
    pump()
    server.close()
    pump()
    assert bytes(received["server"]) == REQUEST and bytes(received["client"]) == RESPONSE
    return flights


# -- the flights as a TCP connection in a pcap file ---------------------------------------------------------------

_SYN, _ACK, _PSH, _FIN = 0x02, 0x10, 0x08, 0x01
_MSS = 1460


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ip(address: str) -> bytes:
    return bytes(int(part) for part in address.split("."))


@dataclass
class PcapWriter:
    """A classic libpcap file (magic 0xa1b2c3d4, version 2.4, link type 1: Ethernet) of one TCP connection."""

    client: tuple[str, int]
    server: tuple[str, int]
    frames: list[bytes] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=lambda: {"client": 0x1000_0000, "server": 0x2000_0000})
    ip_id: int = 1

    def _frame(self, side: str, flags: int, payload: bytes = b"") -> None:
        src, dst = (self.client, self.server) if side == "client" else (self.server, self.client)
        other = "server" if side == "client" else "client"
        seq, ack = self.seq[side], self.seq[other] if flags & _ACK else 0
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = _ip(src[0]) + _ip(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.ip_id, 0x4000, 64, 6, 0,
            _ip(src[0]), _ip(dst[0]),
        )  # fmt: skip
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        self.ip_id += 1
        mac = {"client": b"\x02\x00\x00\x00\x00\x01", "server": b"\x02\x00\x00\x00\x00\x02"}
        ethernet = mac[other] + mac[side] + b"\x08\x00"
        self.frames.append(ethernet + ip + tcp + payload)
        self.seq[side] = (seq + len(payload) + (1 if flags & (_SYN | _FIN) else 0)) & 0xFFFF_FFFF

    def open(self) -> None:
        self._frame("client", _SYN)
        self._frame("server", _SYN | _ACK)
        self._frame("client", _ACK)

    def send(self, side: str, data: bytes) -> None:
        for start in range(0, len(data), _MSS):
            self._frame(side, _PSH | _ACK, data[start : start + _MSS])

    def close(self) -> None:
        self._frame("client", _FIN | _ACK)
        self._frame("server", _FIN | _ACK)
        self._frame("client", _ACK)

    def write(self, path: Path) -> None:
        out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for index, frame in enumerate(self.frames):
            out += struct.pack("<IIII", 1_700_000_000, index * 1000, len(frame), len(frame)) + frame
        path.write_bytes(bytes(out))


def write_pcap(flights: list[Flight], path: Path) -> None:
    pcap = PcapWriter(CLIENT, SERVER)
    pcap.open()
    for side, data in flights:
        pcap.send(side, data)
    pcap.close()
    pcap.write(path)


def tshark(pcap: Path, keylog: Path | None, *args: str) -> str:
    argv = [require_tool("tshark"), "-n", "-r", str(pcap), "-d", f"tcp.port=={SERVER[1]},tls"]
    if keylog is not None:
        argv += ["-o", f"tls.keylog_file:{keylog}"]
    proc = subprocess.run([*argv, *args], capture_output=True, text=True, timeout=PEER_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- the test -----------------------------------------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize(
    ("version", "alpn"),
    [
        (ProtocolVersion.TLS13, ("http/1.1",)),
        (ProtocolVersion.TLS12, ()),
        (ProtocolVersion.TLS12, ("http/1.1",)),
    ],
    ids=["TLS1.3", "TLS1.2", "TLS1.2-ALPN"],
)
def test_tshark_decrypts_a_glasstls_connection_with_its_key_log(
    version: ProtocolVersion, alpn: tuple[str, ...], tmp_path: Path
) -> None:
    """With ALPN tshark picks HTTP by the negotiated protocol; without it, by the port (443)."""
    require_tool("tshark")
    keylog, pcap = tmp_path / "keys.log", tmp_path / "glasstls.pcap"
    flights = run_connection(version, keylog, alpn)
    write_pcap(flights, pcap)
    labels = {line.split()[0] for line in keylog.read_text().splitlines() if line.strip()}
    if version == ProtocolVersion.TLS13:
        assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0", "CLIENT_TRAFFIC_SECRET_0"} <= labels
    else:
        assert "CLIENT_RANDOM" in labels

    # tshark follows the TCP stream, matches the key log by client random, decrypts, and sees HTTP (via ALPN).
    fields = ["-e", "http.request.method", "-e", "http.request.uri", "-e", "http.response.code"]
    http = tshark(pcap, keylog, "-Y", "http", "-T", "fields", *fields).split("\n")
    assert f"GET\t{PATH}\t" in http, http
    assert "\t\t200" in http, http

    # The whole decrypted conversation, both directions.
    follow = tshark(pcap, keylog, "-q", "-z", "follow,tls,ascii,0")
    assert PATH in follow and BODY.decode().strip() in follow, follow
    assert "User-Agent: glasstls-keylog-test" in follow

    # Negative control: the same capture without the key log shows only ciphertext.
    assert tshark(pcap, None, "-Y", "http", "-T", "fields", *fields).strip() == ""
    assert BODY.decode().strip() not in tshark(pcap, None, "-q", "-z", "follow,tls,ascii,0")
    # ... and the capture is well formed: checksums verify, the TCP analysis finds nothing wrong with our framing.
    checks = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
    assert tshark(pcap, None, *checks, "-Y", "tcp.checksum.status == 1 && ip.checksum.status == 1").count("\n") == (
        len(tshark(pcap, None).splitlines())
    )
    assert tshark(pcap, None, *checks, "-Y", "tcp.analysis.flags || _ws.expert.severity >= warning") == ""
