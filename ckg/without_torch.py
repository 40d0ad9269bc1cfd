"""Keep torch out of a process that does not embed with it.

spaCy's thinc imports torch whenever it is installed, for model types this project never uses:
about 0.7 GB resident and 3 s of every start. A process that embeds with the ONNX backend (and
exports its model in a child process) needs none of it, so ``ckg serve`` makes ``import torch``
fail there, as it would were torch not installed, before anything imports spaCy. A finder is
used rather than a ``None`` entry in ``sys.modules``: libraries such as SciPy take any entry
there for the loaded module.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class TorchKeptOut(MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError("torch is kept out of this process: its embedder does not use it "
                                      "(ckg.without_torch)", name=fullname)
        return None


def keep_torch_out(backend: str) -> bool:
    """True if torch is now kept out; a process embedding with torch, or that has it already, keeps it."""
    if backend == "torch" or "torch" in sys.modules:
        return False
    if not any(isinstance(finder, TorchKeptOut) for finder in sys.meta_path):
        sys.meta_path.insert(0, TorchKeptOut())
    return True
