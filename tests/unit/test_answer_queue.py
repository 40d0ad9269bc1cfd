"""Admission control: answers run a few at a time; one that would only wait is refused at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from fastapi import HTTPException

from api.answer_queue import AnswerQueue


def test_a_question_that_would_wait_too_long_is_shed_at_once() -> None:
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "answered"

    async def scenario() -> tuple[list[object], float]:
        queue = AnswerQueue(concurrency=1, max_wait_s=1.5, first_estimate_s=1.0)
        running = asyncio.create_task(queue.run(slow))  # takes the one slot
        await asyncio.sleep(0.1)
        waiting = asyncio.create_task(queue.run(lambda: "second"))  # expected wait 1 s: queued
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        with pytest.raises(HTTPException) as shed:  # expected wait 2 s > 1.5 s: refused
            await queue.run(lambda: "third")
        refused_in = time.perf_counter() - started
        assert shed.value.status_code == 503 and shed.value.headers == {"Retry-After": "2"}
        release.set()
        return list(await asyncio.gather(running, waiting)), refused_in

    results, refused_in = asyncio.run(scenario())
    assert results == ["answered", "second"]
    assert refused_in < 0.5  # at once, not after queueing


def test_the_estimate_follows_measured_answer_times() -> None:
    queue = AnswerQueue(concurrency=2, max_wait_s=10, first_estimate_s=1.0)
    for _ in range(20):
        asyncio.run(queue.run(lambda: time.sleep(0.01)))
    assert queue.answer_s < 0.1
    assert queue.expected_wait_s() == 0.0  # a slot is free
