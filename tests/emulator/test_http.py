"""HTTP behaviour: errors bodies for every client mistake, keep-alive, Content-Length."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests
from factories import ADMIN

from alertsite_pulumi.emulator import EmulatorControl

from .helpers import Api


def test_unknown_paths_are_404_with_errors_body(emulator: EmulatorControl, api: Api) -> None:
    for url in (f"{api.url}/nowhere", f"{emulator.base_url}/elsewhere", f"{api.url}/monitors/"):
        response = api.session.get(url, headers={"Authorization": f"Bearer {api.token}"}, timeout=5)
        assert response.status_code == 404, url
        assert response.json()["errors"][0]["code"] == 404


def test_wrong_method_is_405_with_errors_body_and_allow(api: Api) -> None:
    for method in ("PUT", "PURGE"):
        response = api.request(method, "/monitors")
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET"
        assert response.json()["errors"][0]["code"] == 405


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"text"',
        b'{"name": NaN}',
        b'{"timeout": 1e999}',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"interval": ' + b"9" * 5000 + b"}",
    ],
)
def test_bad_bodies_are_400_never_500(api: Api, body: bytes) -> None:
    response = api.request(
        "POST",
        "/monitors/email-round-trip",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 400


def test_bad_login_body_is_400(api: Api) -> None:
    response = requests.post(f"{api.url}/access-tokens", data=b"{", timeout=5)
    assert response.status_code == 400


def test_keep_alive_with_content_length(emulator: EmulatorControl) -> None:
    parts = urlsplit(emulator.base_url)
    assert parts.hostname is not None and parts.port is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        sockets = []
        for _ in range(3):
            conn.request("POST", "/api/v3/access-tokens", body=b'{"username": "x"}',
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            assert response.status == 400
            assert int(response.headers["Content-Length"]) == len(payload)
            assert json.loads(payload)["errors"]
            sockets.append(conn.sock)
        assert sockets[0] is not None
        assert sockets == [sockets[0]] * 3  # one connection served all three
    finally:
        conn.close()


def test_malformed_request_line_gets_json_error(emulator: EmulatorControl) -> None:
    parts = urlsplit(emulator.base_url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /x HTTP/9.9\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 505")
    assert json.loads(body)["errors"][0]["code"] == 505


def test_chunked_request_body(api: Api) -> None:
    body = json.dumps({"username": ADMIN[0], "password": ADMIN[1]})
    response = requests.post(
        f"{api.url}/access-tokens", data=iter([body[:10].encode(), body[10:].encode()]), timeout=5
    )
    assert response.status_code == 200
    assert len(response.json()["access_token"]) == 32
