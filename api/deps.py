"""FastAPI dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from runtime.system import System


def get_system(request: Request) -> System:
    return request.app.state.system  # type: ignore[no-any-return]


SystemDep = Annotated[System, Depends(get_system)]
