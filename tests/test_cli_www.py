"""``glasstls serve --www``: what both servers (threads and --aio) answer, from one place (glasstls.cli.www.reply)."""

from __future__ import annotations

from pathlib import Path

from glasstls.cli import www


def _page(first: str) -> str:
    return f"<p>{first}</p>\n"


def test_anything_but_get_is_refused_in_one_piece() -> None:
    pieces = list(www.reply(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", None, _page))
    body = b"glasstls serve --www answers GET requests only\n"
    assert pieces == [
        b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    ]


def test_the_page_goes_out_whole_and_is_given_the_request_line() -> None:
    pieces = list(www.reply(b"GET /?x=1 HTTP/1.1\r\n\r\n", None, _page))
    page = b"<p>GET /?x=1 HTTP/1.1</p>\n"
    assert pieces == [
        b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(page)}\r\nConnection: close\r\n\r\n".encode()
        + page
    ]


def test_a_get_without_a_target_is_refused() -> None:
    pieces = list(www.reply(b"GET\n\n", None, _page))
    assert len(pieces) == 1 and pieces[0].startswith(b"HTTP/1.0 400 Bad Request\r\n")


def test_planned_answers_stream_their_head_then_the_body(tmp_path: Path) -> None:
    pieces = list(www.reply(b"GET /bytes/3 HTTP/1.1\r\n\r\n", None, _page))
    assert pieces[0].startswith(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n")
    assert b"".join(pieces[1:]) == bytes(range(3))
    (tmp_path / "a.txt").write_text("hello")
    pieces = list(www.reply(b"GET /a.txt HTTP/1.0\r\n\r\n", tmp_path, _page))
    assert pieces[0].startswith(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n")
    assert pieces[1:] == [b"hello"]
    missing = list(www.reply(b"GET /nothing HTTP/1.0\r\n\r\n", tmp_path, _page))
    assert missing[0].startswith(b"HTTP/1.0 404 Not Found\r\n")
