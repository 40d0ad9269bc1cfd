"""Torch kept out of a process: ``import torch`` fails as if it were not installed; the rest works."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from ckg.without_torch import keep_torch_out
print(keep_torch_out(sys.argv[1]))
import scipy.stats, spacy, thinc.compat
print(thinc.compat.has_torch, "torch" in sys.modules)
try:
    import torch
    print("imported")
except ImportError as exc:
    print(type(exc).__name__)
"""


def probe(backend: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, backend], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_process_embedding_with_onnx_never_loads_torch() -> None:
    assert probe("onnx-int8") == ["True", "False", "False", "ModuleNotFoundError"]


def test_a_process_embedding_with_torch_keeps_it() -> None:
    assert probe("torch") == ["False", "True", "True", "imported"]
