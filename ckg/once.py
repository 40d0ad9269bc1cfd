"""Expensive shared objects (NLP pipeline, vocabularies, embedders) built once per process."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

R = TypeVar("R")


def built_once(build: Callable[..., R]) -> Callable[..., R]:
    """Like ``functools.cache``, but threads that ask at the same time wait for one build.

    A plain cache lets every concurrent first caller (the API's thread pool, say) build its own
    copy: several NLP pipelines or models in memory, and seconds of work each.
    """
    cached = functools.cache(build)
    lock = threading.Lock()

    @functools.wraps(build)
    def get(*args: Hashable) -> R:
        with lock:
            return cached(*args)

    return get
