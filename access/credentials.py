"""One entry for every kind of bearer credential: API keys and OIDC access tokens."""

from __future__ import annotations

from access.keys import ApiKeys, key_id_of
from access.roles import Principal
from access.tokens import OidcVerifier, looks_like_jwt


class Authenticator:
    def __init__(self, keys: ApiKeys, oidc: OidcVerifier | None) -> None:
        self.keys = keys
        self.oidc = oidc

    def authenticate(self, credential: str) -> Principal | None:
        """The caller, or None for anything not valid now (unknown, revoked, expired, badly signed)."""
        if looks_like_jwt(credential):
            return self.oidc.authenticate(credential) if self.oidc else None
        return self.keys.authenticate(credential)

    @staticmethod
    def claimed_actor(credential: str) -> str:
        """Who a refused credential claimed to be, for the audit trail: a key id at most, never the secret."""
        key_id = key_id_of(credential)
        return f"key:{key_id}" if key_id else "anonymous"
