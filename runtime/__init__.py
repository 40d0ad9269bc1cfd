"""The composition root: the one place that picks backends from settings and wires them together.

``System.open(settings)`` gives the graph store, the embedder, the vector index and the query
pipeline, built as the settings say; the CLI, the API and the evaluation suites all use it.
"""

from runtime.system import System

__all__ = ["System"]
