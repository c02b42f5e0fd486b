"""The page in a real browser (issue 16): headless Chromium loads it from disk with no console message and no
network request, the DOM holds every message of the connection, selecting works both ways, and a screenshot
of it is not blank.

Chromium (Debian package ``chromium``, installed by ``make peers``) runs with its own throwaway profile, its name
resolution mapped to nothing (so the browser's own background requests cannot leave the machine), and a NetLog:
requests the page made carry the page's file:// site in their network isolation key. Controls prove the checks
can fail: a page with a console error and an <img> to 127.0.0.1:9 is caught by both.

The screenshot goes to docs/connection-page.png (linked from the README) when that file is missing or when
GLASSTLS_UPDATE_DOCS=1, so ``make test`` does not change the tree on every run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from glasstls import page
from glasstls.page.model import Picture
from glasstls.wire.enums import NamedGroup, ProtocolVersion
from handshake_pair import Pair, client_config, server_config

DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "connection-page.png"
BROWSER_TIMEOUT = 60


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (make peers installs it); under CI=true this test may not skip")
    pytest.skip("chromium is not installed (make peers installs the Debian package chromium)")


def _run(tmp_path: Path, url: str, *action: str) -> tuple[str, str, list[dict[str, object]]]:
    """Load ``url`` headless with ``action`` (--dump-dom or --screenshot=...): stdout, stderr, the page's requests."""
    netlog = tmp_path / f"netlog-{len(list(tmp_path.glob('netlog-*')))}.json"
    proc = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",  # tests may run as root (containers); the page is our own file
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing leaves the machine
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={netlog}",
            "--window-size=1280,1600",
            *action,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr, _page_requests(netlog)


def _page_requests(netlog: Path) -> list[dict[str, object]]:
    """The URL requests a file:// page started (browser-internal ones have another isolation key)."""
    text = netlog.read_text().rstrip().rstrip(",")
    log = json.loads(text if text.endswith("}") else text + "]}")  # a NetLog cut at exit lacks its end
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = []
    for event in log["events"]:
        params = event.get("params", {})
        if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "file://" in str(
            params.get("network_isolation_key", "")
        ):
            out.append(params)
    return out


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Messages(HTMLParser):
    """The ladder's message labels in the dumped DOM: (data-m, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []
        self._open: int | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "span" and "msg" in (values.get("class") or "").split() and values.get("data-m") is not None:
            self._open, self._text = int(values["data-m"] or 0), ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._open is not None:
            self.found.append((self._open, self._text))
            self._open = None


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit PNG (what Chromium writes), unfiltered (PNG spec 9)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), (depth, color)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _ink(path: Path) -> tuple[float, int]:
    """The share of pixels that are not the background's colour, and how many colours there are."""
    width, _height, rows = _png_pixels(path)
    bpp = len(rows[0]) // width
    counts: dict[bytes, int] = {}
    for row in rows[::4]:  # every fourth row is plenty
        for x in range(0, width * bpp, bpp):
            pixel = row[x : x + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    return (total - background) / total, len(counts)


def _picture_and_page(tmp_path: Path, version: str, *, fail: bool) -> tuple[Picture, Path]:
    client = (
        client_config(max_version=ProtocolVersion.TLS12)
        if version == "TLS12"
        else client_config(key_share_groups=(NamedGroup.X25519,))
    )
    server = server_config(groups=(NamedGroup.SECP384R1,)) if version == "TLS13" else server_config()
    pair = Pair(client, server, server_name="wrong.example" if fail else "localhost")
    capture = page.watch(pair.client)
    pair.pump()
    assert (pair.client_error is not None) == fail
    target = tmp_path / f"{version}-{'failed' if fail else 'ok'}.html"
    title = f"glasstls: a {page.version_words(version)} handshake{' that failed' if fail else ''} (test PKI, in memory)"
    page.write_page(target, pair.client, capture, title=title)
    return page.build_picture(capture.records, "client"), target


@pytest.mark.parametrize(("version", "fail"), [("TLS13", False), ("TLS13", True), ("TLS12", False), ("TLS12", True)])
def test_chromium_loads_the_page_without_errors_or_requests(tmp_path: Path, version: str, fail: bool) -> None:
    _chromium()
    picture, target = _picture_and_page(tmp_path, version, fail=fail)
    dom, stderr, requests = _run(tmp_path, target.as_uri() + "#selftest", "--dump-dom")
    assert _console(stderr) == []
    assert requests == []
    assert 'data-selftest="ok"' in dom  # a field's bytes select its row, a row its bytes (the page's script ran)
    parser = _Messages()
    parser.feed(dom)
    shown = {index: text for index, text in parser.found}
    assert set(shown) == {m.index for m in picture.messages}
    for message in picture.messages:
        assert message.name in shown[message.index]
    assert ("The handshake failed at" in dom) == fail


def test_the_checks_catch_a_console_error_and_a_request(tmp_path: Path) -> None:
    """The controls: without them the two checks above could pass on a browser that reports nothing."""
    _chromium()
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("control")</script></body></html>'
    )
    _, stderr, requests = _run(tmp_path, control.as_uri(), "--dump-dom")
    assert any('"control"' in line for line in _console(stderr))
    assert [r["url"] for r in requests] == ["http://127.0.0.1:9/x.png"]


def test_a_screenshot_of_the_page_is_not_blank(tmp_path: Path) -> None:
    _chromium()
    _, target = _picture_and_page(tmp_path, "TLS13", fail=False)
    shot = tmp_path / "page.png"
    _run(tmp_path, target.as_uri(), f"--screenshot={shot}")
    ink, colours = _ink(shot)
    assert ink > 0.03 and colours > 20, (ink, colours)  # text, arrows and highlighted bytes, not a blank page
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    blank_shot = tmp_path / "blank.png"
    _run(tmp_path, blank.as_uri(), f"--screenshot={blank_shot}")
    assert _ink(blank_shot)[0] < 0.001  # the measure tells a blank page apart
    if os.environ.get("GLASSTLS_UPDATE_DOCS") == "1" or not DOCS_SCREENSHOT.exists():
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)


def test_the_readme_links_the_screenshot() -> None:
    readme = (DOCS_SCREENSHOT.parent.parent / "README.md").read_text()
    assert re.search(r"\]\(docs/connection-page\.png\)", readme)
