"""Data derived from installed packages, built once per machine and kept as JSON.

The clinical vocabularies, the tokenized concept phrases and the drug dictionary are each
derived from package files by code that changes rarely, yet deriving them costs every starting
process seconds. Each is kept under the user's cache directory, keyed by what it is derived from
(package versions, the deriving code, the input itself), and read back in a fraction of the
time. A missing, stale or damaged file is rebuilt; a cache directory that cannot be written
only costs the rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clinical-kg"


def source_key(packages: Iterable[str] = (), files: Iterable[Path] = (), data: str = "") -> str:
    """Changes with the packages' versions, the files' contents (the deriving code) and ``data``."""
    digest = hashlib.blake2b(digest_size=8)
    for package in packages:
        digest.update(f"{package}={version(package)};".encode())
    for file in files:
        digest.update(file.read_bytes())
    digest.update(data.encode())
    return digest.hexdigest()


def load_or_build(name: str, key: str, build: Callable[[], T], encode: Callable[[T], Any],
                  decode: Callable[[Any], T], cache_dir: Path | None = None) -> T:
    """``decode`` of the JSON kept as ``<name>-<key>.json``, or ``build()`` kept as ``encode`` gives it."""
    path = (cache_dir or default_cache_dir()) / f"{name}-{key}.json"
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("rebuilding the %s cache: %s is unreadable (%s)", name, path, exc)
    value = build()
    _save(path, encode(value), name)
    return value


def _save(path: Path, data: Any, name: str) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all: a reader never sees half a file
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("the %s cache could not be kept in %s (%s); it is rebuilt per process", name, path.parent, exc)
