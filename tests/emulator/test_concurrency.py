"""Many clients at once: no request fails and every id is unique."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alertsite_pulumi.emulator import EmulatorControl, EmulatorServer

from .helpers import Api

CLIENTS = 50
MONITORS_EACH = 4


def _client_run(api_url: str, index: int) -> list[str]:
    api = Api(api_url)
    try:
        ids = []
        for n in range(MONITORS_EACH):
            monitor_id = api.create_id(name=f"client {index} monitor {n}")
            monitor = api.monitor(monitor_id)
            assert monitor["name"] == f"client {index} monitor {n}"
            ids.append(monitor_id)
        assert api.patch(ids[0], {"note": f"client {index}"}).status_code == 200
        assert api.list_monitors(limit="1000").status_code == 200
        return ids
    finally:
        api.session.close()


def test_fifty_concurrent_clients(emulator: EmulatorControl) -> None:
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(_client_run, emulator.api_url, i) for i in range(CLIENTS)]
        ids = [monitor_id for f in futures for monitor_id in f.result(timeout=60)]
    assert len(ids) == len(set(ids)) == CLIENTS * MONITORS_EACH
    assert len(emulator.monitors()) == CLIENTS * MONITORS_EACH
    counts = emulator.requests()["by_endpoint"]
    assert counts["create"] == CLIENTS * MONITORS_EACH
    assert counts["login"] == CLIENTS


def test_fifty_concurrent_clients_with_a_database(tmp_path: Path) -> None:
    with EmulatorServer(db=str(tmp_path / "concurrent.db")) as server:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(_client_run, server.api_url, i) for i in range(CLIENTS)]
            ids = {monitor_id for f in futures for monitor_id in f.result(timeout=60)}
        assert len(ids) == CLIENTS * MONITORS_EACH
    with EmulatorServer(db=str(tmp_path / "concurrent.db")) as reopened:
        assert {m["id"] for m in reopened.control.monitors()} == ids
