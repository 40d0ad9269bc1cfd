"""OIDC access tokens (JWT) from the hospital's identity provider, verified offline.

Signature against the provider's published keys (a JWKS file, or a URL fetched and cached),
then issuer, audience, expiry and not-before. Only asymmetric algorithms are accepted: ``none``
and the HMAC family (which would let anyone holding the public key sign) are refused.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jwt

from access.roles import Principal, Role
from ckg.errors import ConfigurationError
from ckg.settings import OidcSettings

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and credential.startswith("eyJ")


class OidcVerifier:
    def __init__(self, issuer: str, audience: str, jwks: str, roles_claim: str = "roles", leeway_s: int = 30) -> None:
        self.issuer, self.audience, self.roles_claim, self.leeway_s = issuer, audience, roles_claim, leeway_s
        if jwks.startswith(("https://", "http://")):
            client = jwt.PyJWKClient(jwks, cache_keys=True, lifespan=600, timeout=10)
            self._signing_key = client.get_signing_key_from_jwt
        else:
            self._keys = _read_jwks(Path(jwks))
            self._signing_key = self._key_from_file

    @classmethod
    def from_settings(cls, oidc: OidcSettings) -> OidcVerifier | None:
        """None when no issuer is configured; a half-configured provider is an error, not a silent off."""
        if not oidc.issuer:
            return None
        if not oidc.audience or not oidc.jwks:
            raise ConfigurationError("CKG_OIDC__ISSUER is set: CKG_OIDC__AUDIENCE and CKG_OIDC__JWKS are needed too")
        return cls(oidc.issuer, oidc.audience, oidc.jwks, oidc.roles_claim, oidc.leeway_s)

    def authenticate(self, token: str) -> Principal | None:
        try:
            key = self._signing_key(token)
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                                leeway=self.leeway_s, options={"require": REQUIRED_CLAIMS})
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            log.info("token refused", extra={"reason": type(exc).__name__})
            return None
        return Principal(f"oidc:{claims['sub']}", self._role(claims))

    def _key_from_file(self, token: str | bytes) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(self._keys.keys) == 1:
            return self._keys.keys[0]
        return self._keys[str(kid)]

    def _role(self, claims: dict[str, Any]) -> Role | None:
        """The most capable role the token carries that this API knows (admin > curator > reviewer > clinician)."""
        value: Any = claims
        for part in self.roles_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        held = {value} if isinstance(value, str) else set(value or [])
        for role in reversed(Role):
            if role.value in held:
                return role
        return None


def _read_jwks(path: Path) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_json(path.read_text())
    except (OSError, ValueError, jwt.PyJWTError) as exc:
        raise ConfigurationError(f"{path}: not a readable JWKS file ({exc})") from exc
