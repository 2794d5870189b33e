"""The emulator's SQLite file: a write-through copy of users, monitors, recipients,
recipient groups, blackouts and the id counter.

Only :class:`~.store.Store` uses it, under the store's lock; tokens, counters, faults and
settings are never written here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Final

from .model import JsonObject, User

#: The tables of id-keyed JSON records besides ``monitors`` (same layout).
RECORD_TABLES: Final = ("recipients", "notifier_groups", "blackouts")


class SqliteFile:
    """Write-through copy of users, monitors, recipients, groups and the id counter."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS users (
                email TEXT PRIMARY KEY, password TEXT NOT NULL, role TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS monitors (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS recipients (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS notifier_groups (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS blackouts (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
            """
        )

    def load(self) -> tuple[list[User], dict[int, JsonObject], int | None]:
        users = [User(e, p, r) for e, p, r in self._conn.execute("SELECT email, password, role FROM users")]
        monitors = {
            int(i): json.loads(r)
            for i, r in self._conn.execute("SELECT id, record FROM monitors ORDER BY id")
        }
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
        return users, monitors, int(row[0]) if row else None

    def put_monitor(self, monitor_id: int, record: JsonObject, next_id: int) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                "INSERT OR REPLACE INTO monitors (id, record) VALUES (?, ?)",
                (monitor_id, json.dumps(record)),
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(next_id),)
            )

    def delete_monitor(self, monitor_id: int) -> None:
        self._conn.execute("DELETE FROM monitors WHERE id = ?", (monitor_id,))

    def load_records(self, table: str) -> dict[int, JsonObject]:
        """Every record of one of :data:`RECORD_TABLES`, by id."""
        return {int(i): json.loads(r)
                for i, r in self._conn.execute(f"SELECT id, record FROM {_table(table)} ORDER BY id")}  # noqa: S608

    def write(
        self,
        puts: Mapping[str, Mapping[int, JsonObject]],
        deletes: Mapping[str, Iterable[int]],
        next_id: int,
    ) -> None:
        """Store and delete records of several tables (``monitors`` too) in one transaction,
        so that a delete and the group edits it implies are never half written."""
        with self._conn:
            self._conn.execute("BEGIN")
            for table, records in puts.items():
                self._conn.executemany(
                    f"INSERT OR REPLACE INTO {_table(table)} (id, record) VALUES (?, ?)",  # noqa: S608
                    [(i, json.dumps(r)) for i, r in records.items()],
                )
            for table, ids in deletes.items():
                self._conn.executemany(
                    f"DELETE FROM {_table(table)} WHERE id = ?", [(i,) for i in ids]  # noqa: S608
                )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(next_id),)
            )

    def replace_all(self, users: Iterable[User], monitors: Mapping[int, JsonObject]) -> None:
        """Users and monitors as given; no recipients and no groups (a reset)."""
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM users")
            self._conn.execute("DELETE FROM monitors")
            for table in RECORD_TABLES:
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608
            self._conn.executemany(
                "INSERT INTO users (email, password, role) VALUES (?, ?, ?)",
                [(u.email, u.password, u.role) for u in users],
            )
            self._conn.executemany(
                "INSERT INTO monitors (id, record) VALUES (?, ?)",
                [(i, json.dumps(r)) for i, r in monitors.items()],
            )

    def put_user(self, user: User) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO users (email, password, role) VALUES (?, ?, ?)",
            (user.email, user.password, user.role),
        )

    def close(self) -> None:
        self._conn.close()


def _table(name: str) -> str:
    # Table names cannot be bound parameters: only the known ones ever reach the SQL.
    if name != "monitors" and name not in RECORD_TABLES:
        raise ValueError(f"not a record table: {name!r}")
    return name
