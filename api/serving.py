"""The application ``ckg serve`` runs (uvicorn imports it in each worker process).

Torch is kept out first when the configured embedder does not use it (``ckg.without_torch``):
this module must be imported before anything imports spaCy, which uvicorn's fresh worker
processes guarantee.
"""

from ckg.settings import get_settings
from ckg.without_torch import keep_torch_out

keep_torch_out(get_settings().embedding.backend)

from api.app import create_app  # noqa: E402  # after torch is kept out

__all__ = ["create_app"]
