"""API keys under a burst of first requests: argon2 verifications run a few at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher

from access.keys import VERIFICATIONS_AT_ONCE, ApiKeys
from access.roles import Role
from graph.store import ApiKeyRow


class CountingHasher(PasswordHasher):
    """The real argon2 hasher (cheap parameters), counting verifications in flight."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002  # argon2's own name
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.01)  # long enough for the burst to pile up
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.in_flight -= 1


class KeyRows:
    """The graph's API key rows, in memory (what ``ApiKeys`` reads and writes of the graph)."""

    def __init__(self) -> None:
        self.rows: dict[str, ApiKeyRow] = {}

    def create_api_key(self, row: ApiKeyRow) -> None:
        self.rows[row.key_id] = row

    def api_key(self, key_id: str) -> ApiKeyRow | None:
        return self.rows.get(key_id)


def test_a_burst_of_new_keys_verifies_a_few_at_a_time_and_every_key_passes() -> None:
    hasher = CountingHasher()
    rows: Any = KeyRows()
    keys = ApiKeys(rows, hasher)
    presented = [keys.create(f"client {i}", Role.clinician)[0] for i in range(24)]
    with ThreadPoolExecutor(24) as pool:
        principals = list(pool.map(keys.authenticate, presented))
    assert all(p is not None and p.role is Role.clinician for p in principals)
    assert hasher.most_in_flight == VERIFICATIONS_AT_ONCE


def test_a_wrong_secret_still_fails_and_frees_its_turn() -> None:
    hasher = CountingHasher()
    rows: Any = KeyRows()
    keys = ApiKeys(rows, hasher)
    key = keys.create("client", Role.clinician)[0]
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert [keys.authenticate(forged) for _ in range(VERIFICATIONS_AT_ONCE + 1)] == [None] * (VERIFICATIONS_AT_ONCE + 1)
    assert keys.authenticate(key) is not None and hasher.in_flight == 0
