"""Which files an ingest run reads, with their sidecar metadata (index.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

from ckg.errors import InputError
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.loaders.common import SourceMeta

SIDECAR = "index.jsonl"


def discover(paths: list[Path]) -> list[Path]:
    """Files named directly plus supported files found under named folders, sorted, deduplicated."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError("no such file or folder", source=str(path))
        if path.is_file():
            found.append(path)
            continue
        inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        if not inside:
            raise InputError(f"folder holds no documents ({', '.join(SUPPORTED_SUFFIXES)})", source=str(path))
        found.extend(inside)
    return sorted(dict.fromkeys(p.resolve() for p in found))


def read_sidecar(folder: Path) -> dict[str, SourceMeta]:
    """file name -> metadata from the folder's index.jsonl (NGC layout), if there is one."""
    path = folder / SIDECAR
    if not path.exists():
        return {}
    entries: dict[str, SourceMeta] = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entries[row["file"]] = {k: str(v) for k, v in row.items() if v is not None}
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"malformed sidecar line ({exc})", source=f"{path}:{line_no}") from exc
    return entries
