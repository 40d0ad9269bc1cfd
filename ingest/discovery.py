"""Which files an ingest run reads, with their sidecar metadata (index.jsonl)."""

from __future__ import annotations

from pathlib import Path

from ckg.errors import InputError
from ckg.jsonl import read_jsonl
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
    for line_no, row in read_jsonl(path):
        if not isinstance(row.get("file"), str):
            raise InputError("sidecar line has no 'file' name", source=f"{path}:{line_no}")
        entries[row["file"]] = {k: str(v) for k, v in row.items() if v is not None}
    return entries
