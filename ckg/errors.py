"""One root exception with a family of subclasses; the API maps each family to an HTTP status."""

from __future__ import annotations

from typing import Any


class CkgError(Exception):
    """Root of every error clinical-kg raises on purpose."""

    http_status = 500
    exit_code = 1  # the `ckg` command's exit status


class InputError(CkgError):
    """The caller gave something we cannot use (bad file, empty folder, bad question)."""

    http_status = 422
    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class DocumentTooLarge(InputError):
    http_status = 413


class RecordRejected(InputError):
    """A patient record carries identifiers (or is malformed); nothing of it was stored."""

    def __init__(self, rejection: dict[str, Any]) -> None:
        found = rejection.get("identifiers")
        if found:
            listed = "; ".join(f"{category} at {', '.join(v['paths'])}" for category, v in found.items())
            super().__init__(f"carries HIPAA Safe Harbor identifiers, nothing stored: {listed}",
                             source=str(rejection.get("source")))
        else:
            super().__init__(str(rejection.get("problem")))  # already names its source


class NotFound(CkgError):
    http_status = 404


class Conflict(CkgError):
    """The request is valid but the state forbids it (e.g. adjudicating an item nobody disputes)."""

    http_status = 409


class GraphUnavailable(CkgError):
    """The graph database cannot be reached or refused the connection."""

    http_status = 503
    exit_code = 3


class WriterBusy(CkgError):
    """Another process is writing to the same state directory (one writer at a time)."""

    http_status = 409
    exit_code = 4

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(f"{source}: {message}" if source else message)


class VectorIndexError(CkgError):
    """The vector index is missing, corrupt, or disagrees with the graph."""

    http_status = 503


class GeneratorUnavailable(CkgError):
    """The answer model (an endpoint or a local model) failed or timed out."""

    http_status = 503


class ConfigurationError(CkgError):
    http_status = 500
