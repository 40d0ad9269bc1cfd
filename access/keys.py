"""API keys: random secrets shown once; only their argon2 hash is stored, in the graph.

A key reads ``ckg_<key id>_<secret>``. The key id finds the stored hash in one lookup, so a
request costs one argon2 verification at most, never one per stored key. That verification is
remembered per process (by a SHA-256 of the presented key), but the revocation flag is read from
the graph on every request: a revoked key stops working at once, in every worker.

An argon2 verification holds 64 MB while it runs (its memory cost). Fifty clients whose first
requests arrive together would hold 3 GB at once in the API's thread pool, so verifications run
a few at a time; the others wait their turn (milliseconds each).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from access.roles import Principal, Role
from ckg.errors import InputError, NotFound
from graph.store import ApiKeyRow, GraphStore

PREFIX = "ckg_"
KEY_PATTERN = re.compile(r"^ckg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
NAME_PATTERN = re.compile(r"^[\w .@/-]{1,64}$")
VERIFICATIONS_AT_ONCE = 2


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def key_id_of(presented: str) -> str | None:
    """The key id a presented key claims, or None if it is not shaped like a key."""
    match = KEY_PATTERN.match(presented)
    return match.group(1) if match else None


class ApiKeys:
    def __init__(self, graph: GraphStore, hasher: PasswordHasher | None = None) -> None:
        self.graph = graph
        self.hasher = hasher or PasswordHasher()
        self._verified: dict[str, str] = {}  # key id -> SHA-256 of the key that passed argon2
        self._verifying = threading.BoundedSemaphore(VERIFICATIONS_AT_ONCE)

    def create(self, name: str, role: Role) -> tuple[str, ApiKeyRow]:
        """A new key and its stored row. The key itself exists only in the return value."""
        if not NAME_PATTERN.match(name):
            raise InputError("a key name is 1-64 letters, digits, spaces or . _ @ / -", source="name")
        key_id = secrets.token_hex(6)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(key_id, name, Role(role).value, self.hasher.hash(key), now())
        self.graph.create_api_key(row)
        return key, row

    def list(self) -> list[ApiKeyRow]:
        return self.graph.api_keys()

    def revoke(self, key_id: str) -> None:
        if not self.graph.revoke_api_key(key_id, now()):
            raise NotFound(f"no API key with id {key_id!r}")
        self._verified.pop(key_id, None)

    def authenticate(self, presented: str) -> Principal | None:
        key_id = key_id_of(presented)
        row = self.graph.api_key(key_id) if key_id else None
        if row is None or row.revoked:
            return None
        digest = hashlib.sha256(presented.encode()).hexdigest()
        if self._verified.get(row.key_id) != digest:
            try:
                with self._verifying:
                    self.hasher.verify(row.hash, presented)
            except (VerificationError, InvalidHashError):
                return None
            self._verified[row.key_id] = digest
        return Principal(f"key:{row.key_id}", Role(row.role))
