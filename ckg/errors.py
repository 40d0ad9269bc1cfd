"""One root exception with a family of subclasses; the API maps each family to an HTTP status."""

from __future__ import annotations


class CkgError(Exception):
    """Root of every error clinical-kg raises on purpose."""

    http_status = 500


class InputError(CkgError):
    """The caller gave something we cannot use (bad file, empty folder, bad question)."""

    http_status = 422

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class DocumentTooLarge(InputError):
    http_status = 413


class NotFound(CkgError):
    http_status = 404


class GraphUnavailable(CkgError):
    """The graph database cannot be reached or refused the connection."""

    http_status = 503


class VectorIndexError(CkgError):
    """The vector index is missing, corrupt, or disagrees with the graph."""

    http_status = 503


class GeneratorUnavailable(CkgError):
    """The answer model (an endpoint or a local model) failed or timed out."""

    http_status = 503


class ConfigurationError(CkgError):
    http_status = 500
