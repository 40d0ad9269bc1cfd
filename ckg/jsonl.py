"""JSON Lines reading that splits on newlines only.

``str.splitlines`` also splits on U+2028 and friends, which real abstracts contain inside
JSON strings; iterating a file splits on "\\n" alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ckg.errors import InputError


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line is an InputError naming it."""
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InputError(f"is not valid JSON ({exc})", source=f"{path}:{line_no}") from exc
            if not isinstance(row, dict):
                raise InputError("is not a JSON object", source=f"{path}:{line_no}")
            yield line_no, row
