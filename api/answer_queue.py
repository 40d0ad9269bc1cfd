"""Admission control for answers: a few at a time, and a question that would only wait is
refused at once (503 with Retry-After) rather than queued until it times out.

Answering is CPU-bound: more answers at once than cores only slows every one of them, and a
long queue only holds requests in memory until they are useless to the clinician waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import HTTPException

T = TypeVar("T")


class AnswerQueue:
    def __init__(self, concurrency: int, max_wait_s: float, first_estimate_s: float = 1.0) -> None:
        self._slots = CapacityLimiter(concurrency)
        self.max_wait_s = max_wait_s
        self.answer_s = first_estimate_s  # running estimate of one answer's time

    def expected_wait_s(self) -> float:
        """How long a question arriving now would wait for a free slot."""
        stats = self._slots.statistics()
        if stats.borrowed_tokens < stats.total_tokens:
            return 0.0
        return (stats.tasks_waiting + 1) * self.answer_s / stats.total_tokens

    async def run(self, answer: Callable[[], T]) -> T:
        wait = self.expected_wait_s()
        if wait > self.max_wait_s:
            retry = max(1, math.ceil(wait))
            raise HTTPException(503, f"the service is answering at capacity; try again in {retry} s",
                                headers={"Retry-After": str(retry)})
        return await to_thread.run_sync(self._timed, answer, limiter=self._slots, abandon_on_cancel=True)

    def _timed(self, answer: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return answer()
        finally:
            self.answer_s = 0.8 * self.answer_s + 0.2 * (time.perf_counter() - started)
