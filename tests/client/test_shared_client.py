"""The process-wide client registry: one client (and one login) per set of settings."""

from __future__ import annotations

import threading

from alertsite_pulumi.client import shared_client
from alertsite_pulumi.config import Settings


def test_shared_client_is_built_once_per_settings_without_deadlock() -> None:
    settings = Settings(base_url="http://127.0.0.1:9/api/v3", username="u@example.com", password="p")
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(shared_client(settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert len(results) == 8 and all(r is results[0] for r in results)
    other = shared_client(Settings(base_url="http://127.0.0.1:9/api/v3", username="v@example.com",
                                   password="p"))
    assert other is not results[0]
    assert other.tokens is not shared_client(settings).tokens
