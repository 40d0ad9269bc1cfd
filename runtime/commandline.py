"""What every command line (`ckg`, `ckg eval`) shares: the system, and errors as exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from ckg.errors import CkgError
from ckg.settings import Settings, get_settings
from runtime.system import System


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@contextmanager
def reported_errors() -> Iterator[None]:
    """A project error becomes one line on stderr and the error's exit code, not a traceback."""
    try:
        yield
    except CkgError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def cli_system(settings: Settings | None = None) -> Iterator[System]:
    """The system for one command, closed when the command ends."""
    with reported_errors():
        system = System.open(settings or get_settings())
    try:
        with reported_errors():
            yield system
    finally:
        system.close()
