"""Advisory file locks: one writer per state directory, one starter per embedded server.

``flock`` locks belong to an open file and vanish with the process that holds them, so a
crashed writer never leaves a stale lock behind. The lock file records the holder's pid for the
error message of whoever is turned away.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ckg.errors import WriterBusy


@contextmanager
def exclusive(path: Path, *, wait: bool, what: str) -> Iterator[None]:
    """Hold the lock on ``path`` for the block. ``wait=False``: raise ``WriterBusy`` if it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise WriterBusy(f"{what} is in use by another process (pid {holder}); try again when it finishes",
                             source=str(path)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
