"""Logging set-up: key=value structured fields, to a file under CKG_HOME and warnings to stderr.

Log ids, counts and hashes only: never document or record text.
"""

from __future__ import annotations

import logging
from pathlib import Path

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        return f"{base} {fields}" if fields else base


def configure(log_dir: Path, verbose: bool = False) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    to_file = logging.FileHandler(log_dir / "ckg.log", encoding="utf-8")
    to_file.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(logging.INFO if verbose else logging.WARNING)
    to_stderr.setFormatter(KeyValueFormatter("%(levelname)s %(message)s"))
    root.addHandler(to_file)
    root.addHandler(to_stderr)
    for noisy in ("neo4j", "httpx", "sentence_transformers", "urllib3", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
