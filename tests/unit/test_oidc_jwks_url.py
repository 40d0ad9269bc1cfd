"""OIDC signing keys fetched from the provider's JWKS URL (here a loopback HTTP server), cached."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from access.roles import Role
from access.tokens import OidcVerifier


def test_keys_from_a_jwks_url_verify_tokens_and_are_fetched_once() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), "kid": "ec1", "alg": "ES256"}
    fetches = []

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            fetches.append(self.path)
            body = json.dumps({"keys": [jwk]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/certs"
        verifier = OidcVerifier("https://idp.example.org", "clinical-kg", url, "groups")
        claims = {"iss": "https://idp.example.org", "aud": "clinical-kg", "sub": "nurse-7", "groups": ["curator"],
                  "exp": datetime.now(UTC) + timedelta(minutes=5)}
        token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "ec1"})
        first, second = verifier.authenticate(token), verifier.authenticate(token)
        assert first == second and first is not None
        assert (first.actor, first.role) == ("oidc:nurse-7", Role.curator)
        assert len(fetches) == 1
        other = ec.generate_private_key(ec.SECP256R1())
        assert verifier.authenticate(jwt.encode(claims, other, algorithm="ES256", headers={"kid": "ec1"})) is None
    finally:
        server.shutdown()
