"""Rate limits (the ``limits`` library, as slowapi uses): per credential, and per client address
for failed sign-ins, which would otherwise let anyone spend the server's argon2 time.

Counters live in each worker's memory: with N workers a credential gets up to N times the rate.
"""

from __future__ import annotations

import math
import time

from fastapi import HTTPException
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimits:
    def __init__(self, per_credential: str, failed_sign_ins: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_credential = parse(per_credential)
        self._failed = parse(failed_sign_ins)

    def spend(self, actor: str) -> None:
        """Count one request for ``actor``; 429 once its rate is spent."""
        if not self._limiter.hit(self._per_credential, "actor", actor):
            raise self._too_many(self._per_credential, "actor", actor)

    def refuse_if_failing(self, client: str) -> None:
        """429 for an address that failed to sign in too often, before any credential is checked."""
        if not self._limiter.test(self._failed, "failed", client):
            raise self._too_many(self._failed, "failed", client)

    def failed(self, client: str) -> None:
        self._limiter.hit(self._failed, "failed", client)

    def _too_many(self, item: RateLimitItem, *identifiers: str) -> HTTPException:
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        retry_after = max(1, math.ceil(reset - time.time()))
        return HTTPException(429, f"rate limit of {item} reached; retry in {retry_after} s",
                             headers={"Retry-After": str(retry_after)})
