"""HTTP by hand, for requests no HTTP library would send: raw bytes out, answers parsed back."""

from __future__ import annotations

import json
import select
import socket
import time

#: How long a test waits for an answer before it counts as none (a guard, not a measure).
PATIENCE = 20.0


def exchange(port: int, *parts: bytes, pause: float = 0.0) -> bytes:
    """Send ``parts`` on one connection (stopping once the server answers), then read until
    the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        try:
            for part in parts:
                if select.select([sock], [], [], 0)[0]:
                    break  # answered already: what is left would only be refused
                sock.sendall(part)
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the client was done
        return read_to_end(sock)


def read_to_end(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        # A server that closes with unread input resets the connection after its answer.
        assert received, "the connection was reset before any answer"
    return received


def answers(raw: bytes) -> list[tuple[int, dict[str, str], object]]:
    """Each (status, headers, JSON body) in what came back on one connection."""
    found = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1."), lines[0]
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((int(lines[0].split()[1]), headers, json.loads(rest[:length]) if length else None))
        raw = rest[length:]
    return found


def one_error(raw: bytes, status: int) -> str:
    """The message of the single errors answer ``raw`` must hold, after which the server closed."""
    [(code, headers, body)] = answers(raw)
    assert code == status, body
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    assert isinstance(body, dict)
    [error] = body["errors"]
    assert error["code"] == status
    return str(error["message"])


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body
