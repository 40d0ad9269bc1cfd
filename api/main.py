"""The ``ckg`` command. ``ckg serve`` keeps torch out before the command line imports spaCy."""

from __future__ import annotations

import sys


def main() -> None:
    if _command(sys.argv[1:]) == "serve":
        import api.serving  # noqa: F401  # keeps torch out, if unused, before api.cli imports spaCy
    from api.cli import app

    app()


def _command(arguments: list[str]) -> str | None:
    return next((a for a in arguments if not a.startswith("-")), None)


if __name__ == "__main__":
    main()
