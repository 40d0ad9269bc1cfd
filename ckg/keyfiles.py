"""Secrets kept in the state directory, created exactly once even when processes race to do it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The secret in ``path``; the first caller creates it, every caller gets the same one.

    The new secret is written and synced to a private temporary file (mode 0600), then linked
    into place. A link fails when the name exists, so exactly one creator wins the race, and no
    one can read a half-written file (check-then-write would let two processes each keep their own).
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(make())
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process won the race: use its secret
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
