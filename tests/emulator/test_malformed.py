"""Malformed requests over raw sockets: each gets a clean errors body (or a closed connection
where HTTP cannot answer), the server stays up, and its log holds one short, escaped line per
request and no traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from alertsite_pulumi.emulator import EmulatorServer

from .helpers import NOT_FOUND_BODY, Api
from .raw_http import PATIENCE, answers, exchange, one_error, read_to_end, request

#: Seconds the server below gives a client to send a whole request.
READ_TIMEOUT = 0.5


class Logged(EmulatorServer):
    """An emulator with a short read timeout that keeps its log lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        super().__init__(log=self.lines.append, read_timeout=READ_TIMEOUT)


@pytest.fixture(scope="module")
def server() -> Iterator[Logged]:
    running = Logged()
    running.start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def healthy_and_quiet(server: Logged, capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """After each test: the server still answers, and nothing it logged or printed is raw."""
    server.lines.clear()
    yield
    assert requests.get(f"{server.base_url}/_emulator/health", timeout=5).status_code == 200
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out
    for line in server.lines:
        assert len(line) < 400, line[:400]
        assert all(" " <= c <= "~" for c in line), repr(line)


HEALTH = request("GET", "/_emulator/health")
LOGIN = "/api/v3/access-tokens"


# --- ids -------------------------------------------------------------------------------------


def test_an_id_of_thousands_of_digits_is_not_found(server: Logged) -> None:
    api = Api(server.api_url)
    huge = "7" * 5000
    for response in (api.get(huge), api.patch(huge, {"name": "x"}), api.delete(huge),
                     requests.get(f"{server.base_url}/_emulator/monitors/{huge}", timeout=5),
                     requests.patch(f"{server.base_url}/_emulator/monitors/{huge}", json={}, timeout=5),
                     requests.delete(f"{server.base_url}/_emulator/monitors/{huge}", timeout=5)):
        assert response.status_code == 404, response.text[:200]
        assert response.json() == NOT_FOUND_BODY
    api.session.close()


# --- body framing ----------------------------------------------------------------------------


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    server: Logged,
) -> None:
    # A front proxy reading Content-Length would pass the chunked terminator and the request after
    # it as one body: the server must not read a second request out of it.
    smuggled = request("POST", LOGIN, "Content-Length: 48", "Transfer-Encoding: chunked",
                       body=b"0\r\n\r\n" + HEALTH)
    message = one_error(exchange(server.port, smuggled), 400)
    assert "Content-Length and Transfer-Encoding" in message


@pytest.mark.parametrize(("headers", "status"), [
    (("Transfer-Encoding: xchunked",), 501),
    (("Transfer-Encoding: gzip, chunked",), 501),
    (("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), 501),
    (("Content-Length: 2", "Content-Length: 3"), 400),
    (("Content-Length: +2",), 400),
    (("Content-Length: -1",), 400),
    (("Content-Length: 0x10",), 400),
    (("Content-Length: " + "9" * 30,), 413),
    (("Content-Length: 1048577",), 413),
])
def test_ambiguous_or_oversized_framing_is_refused(server: Logged, headers: tuple[str, ...],
                                                  status: int) -> None:
    one_error(exchange(server.port, request("POST", LOGIN, *headers, body=b"{}") + HEALTH), status)


@pytest.mark.parametrize("chunked", [b"-1\r\n", b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n",
                                     b"ffffffffff\r\n"])
def test_malformed_chunks_are_refused(server: Logged, chunked: bytes) -> None:
    one_error(exchange(server.port, request("POST", LOGIN, "Transfer-Encoding: chunked", body=chunked)), 400)


def test_a_body_that_ends_early_is_refused(server: Logged) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as sock:
        sock.sendall(request("POST", LOGIN, "Content-Length: 100", body=b'{"username": '))
        sock.shutdown(socket.SHUT_WR)
        received = read_to_end(sock)
    assert "ended after 13 of 100 bytes" in one_error(received, 400)


def test_a_body_that_never_completes_is_answered_408_at_the_read_timeout(server: Logged) -> None:
    # The client keeps the connection open and sends nothing more: without a read timeout the
    # thread would wait for the rest of the body for as long as the connection lives.
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as sock:
        sock.sendall(request("POST", LOGIN, "Content-Length: 100", body=b'{"username": '))
        received = read_to_end(sock)
    assert f"within {READ_TIMEOUT:g} s" in one_error(received, 408)
    assert any(" POST /api/v3/access-tokens 408 " in line for line in server.lines), server.lines


def test_a_request_trickled_a_byte_at_a_time_is_cut_at_the_read_timeout(server: Logged) -> None:
    # Each byte arrives well within any per-read timeout; the request as a whole does not.
    trickle = [bytes([b]) for b in request("GET", "/_emulator/health", "X-Padding: " + "p" * 400)]
    received = exchange(server.port, *trickle, pause=0.05)
    assert len(trickle) * 0.05 > 4 * READ_TIMEOUT  # the whole trickle would outlast the timeout
    one_error(received, 408)


# --- request lines and headers ---------------------------------------------------------------


@pytest.mark.parametrize("line", [
    b"GET /_emulator/health\r\n",  # HTTP/0.9: no version, and no status line in its answer
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",  # a TLS hello sent to the plain port
    b"GET / HTTP/1.1 extra\r\n",
    b"\x00\x00\x00\r\n",
])
def test_garbage_and_http_0_9_request_lines_get_a_status_line_and_json(server: Logged,
                                                                       line: bytes) -> None:
    raw = exchange(server.port, line + b"Host: x\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert "METHOD TARGET HTTP/1.x" in one_error(raw, 400)


def test_a_request_line_over_64_kib_is_414(server: Logged) -> None:
    one_error(exchange(server.port, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"), 414)


def test_a_10_kb_method_is_refused_and_logged_short(server: Logged) -> None:
    message = one_error(exchange(server.port, request("X" * 10_000, "/api/v3/monitors")), 400)
    assert "method" in message and "XXXXXXXXXXXXXXXXXXXXXX" not in message
    [line] = server.lines
    assert "...(10000 chars)" in line and len(line) < 150


@pytest.mark.parametrize(("headers", "message"), [
    (("X-Long: " + "a" * 70_000,), "Line too long"),
    (tuple(f"X-{i}: a" for i in range(150)), "Too many headers"),
])
def test_headers_too_long_or_too_many_are_431(server: Logged, headers: tuple[str, ...],
                                              message: str) -> None:
    assert one_error(exchange(server.port, request("GET", "/_emulator/health", *headers)), 431) == message


@pytest.mark.parametrize("path", ["/api/v3/nowhere%00", "/api/v3/nowhere\x00\x1b[31m",
                                  "/api/v3/n\u00e9o\u2603".encode().decode("latin-1"),
                                  "/_emulator/monitors/%00", "/_emulator/monitors/%E2%98%83"])
def test_odd_paths_are_404_and_logged_escaped(server: Logged, path: str) -> None:
    message = one_error(exchange(server.port, request("GET", path, "Connection: close")), 404)
    assert message == "Record not found" or message.startswith("Not found: GET /")
    [line] = server.lines
    assert " 404 " in line
    assert "\x00" not in line and "\x1b" not in line


def test_non_utf8_and_invalid_json_bodies_are_400(server: Logged) -> None:
    for body in (b"\xff\xfe\x80", b"{not json", b'{"username": "\xc3"}'):
        raw = exchange(server.port, request("POST", LOGIN, f"Content-Length: {len(body)}",
                                       "Connection: close", body=body))
        one_error(raw, 400)


def test_keep_alive_still_serves_well_formed_requests_in_a_row(server: Logged) -> None:
    raw = exchange(server.port, HEALTH + HEALTH + request("GET", "/_emulator/health", "Connection: close"))
    assert [status for status, _, _ in answers(raw)] == [200, 200, 200]


def test_the_read_timeout_is_checked() -> None:
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="read_timeout"):
            EmulatorServer(read_timeout=bad)
