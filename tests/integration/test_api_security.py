"""Identity, roles, limits and the audit trail of the API, on the embedded default with a real
guideline ingested, real argon2 keys in the graph and OIDC tokens signed with a test key pair."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from access.roles import Role
from api.app import api_routes, create_app
from review.items import ReviewItem
from runtime.system import System

from ..conftest import REPO, SHARED_DATA
from .api_support import CKG, bearer, free_port, run_ckg, settings_for

QUESTION = "Should adults be screened for peripheral artery disease with the ankle-brachial index?"
BUNDLE = SHARED_DATA / "records" / "synthea-r4" / "patient-000.json"
ROLES: list[Role | None] = [None, *Role]
EVERYONE = set(Role)
REVIEWERS = {Role.reviewer, Role.admin}
CURATORS = {Role.curator, Role.admin}
# Changes the other tests must not see are made on a guideline that does not exist: a caller allowed
# to make them gets past the permission check to a 404 ("no guideline"), any other caller is refused.
ABSENT_GUIDELINE = "ngc-0"
CHANGES_TRIED_ON_ABSENT = {"/v1/guidelines/{guideline_id}/withdraw", "/v1/guidelines/{guideline_id}/supersede"}

# The rule for every route: which roles may call it. A route the app has and this table lacks
# (or the reverse) fails test_every_route_has_a_rule.
RULES: dict[tuple[str, str], set[Role]] = {
    ("POST", "/v1/query"): EVERYONE,
    ("GET", "/v1/history"): EVERYONE,
    ("POST", "/v1/records"): {Role.curator, Role.admin},
    ("GET", "/v1/keys"): {Role.admin},
    ("POST", "/v1/keys"): {Role.admin},
    ("DELETE", "/v1/keys/{key_id}"): {Role.admin},
    ("GET", "/v1/audit"): {Role.admin},
    ("GET", "/v1/audit/verify"): {Role.admin},
    ("POST", "/v1/review/flags"): EVERYONE,
    ("GET", "/v1/review/next"): REVIEWERS,
    ("GET", "/v1/review/items/{item_id}"): REVIEWERS,
    ("POST", "/v1/review/items/{item_id}/judgements"): REVIEWERS,
    ("GET", "/v1/passages/{chunk_id}"): EVERYONE,
    ("GET", "/v1/attribution"): REVIEWERS,
    ("GET", "/v1/guidelines/{guideline_id}/history"): EVERYONE,
    ("GET", "/v1/guidelines/{guideline_id}/diff"): EVERYONE,
    ("POST", "/v1/guidelines/{guideline_id}/withdraw"): CURATORS,
    ("POST", "/v1/guidelines/{guideline_id}/supersede"): CURATORS,
    ("GET", "/v1/answers/stale"): CURATORS,
    ("GET", "/ask"): EVERYONE,
    ("POST", "/ask"): EVERYONE,
    ("POST", "/ask/flag"): EVERYONE,
    ("GET", "/review"): REVIEWERS,
    ("GET", "/review/adjudicate"): REVIEWERS,
    ("POST", "/review"): REVIEWERS,
    ("GET", "/attribution"): REVIEWERS,
}
PUBLIC = {("GET", "/v1/healthz"), ("GET", "/"), ("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout")}


@pytest.fixture(scope="module")
def system(ingested: Path) -> Iterator[System]:
    system = System.open(settings_for(ingested))
    yield system
    system.close()


@pytest.fixture(scope="module")
def client(system: System) -> Iterator[TestClient]:
    with TestClient(create_app(system.settings, system)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(system: System) -> dict[Role, dict[str, str]]:
    return {role: bearer(system, role, f"matrix {role.value}") for role in Role}


@pytest.fixture(scope="module")
def review_item(system: System) -> ReviewItem:
    """An item to read and judge (judged "supports": it changes no answer other tests see)."""
    answer = system.ask(QUESTION)
    assert system.reviews.enqueue(answer, "matrix") >= 1
    return next(i for i in system.reviews.items() if i.question == QUESTION)


def call(client: TestClient, system: System, method: str, path: str, headers: dict[str, str],
         item: ReviewItem) -> Any:
    """A request each route accepts when the caller may make it (pages: without following redirects)."""
    flag = {"question": QUESTION, "sentence": item.sentence, "chunk_id": item.chunk_id,
            "char_start": item.char_start, "char_end": item.char_end}
    if (method, path) == ("POST", "/v1/review/flags"):
        return client.post(path, json=flag, headers=headers)
    if path.startswith("/v1/review/items/"):
        url = path.replace("{item_id}", item.item_id)
        return client.request(method, url, json={"label": "supports"} if method == "POST" else None, headers=headers)
    if path == "/v1/passages/{chunk_id}":
        return client.get(f"/v1/passages/{quote(item.chunk_id, safe='')}", headers=headers)
    if (method, path) == ("POST", "/ask"):
        return client.post(path, data={"question": QUESTION}, headers=headers, follow_redirects=False)
    if (method, path) == ("POST", "/ask/flag"):
        return client.post(path, data=flag, headers=headers, follow_redirects=False)
    if (method, path) == ("POST", "/review"):
        form = {"item_id": item.item_id, "label": "supports", "shown_at": "0"}
        return client.post(path, data=form, headers=headers, follow_redirects=False)
    if not path.startswith("/v1/"):
        return client.request(method, path, headers=headers, follow_redirects=False)
    if (method, path) == ("POST", "/v1/query"):
        return client.post(path, json={"question": QUESTION}, headers=headers)
    if (method, path) == ("POST", "/v1/records"):
        return client.post(path, params={"deidentify": "true"}, content=BUNDLE.read_bytes(),
                           headers={**headers, "Content-Type": "application/json"})
    if (method, path) == ("POST", "/v1/keys"):
        return client.post(path, json={"name": "made by the matrix", "role": "clinician"}, headers=headers)
    if path in CHANGES_TRIED_ON_ABSENT:
        body = {"reason": "the role matrix", "by": "ngc-10008"}
        return client.post(path.replace("{guideline_id}", ABSENT_GUIDELINE), json=body, headers=headers)
    if path.startswith("/v1/guidelines/"):
        version = item.version_id  # the diff of a version with itself: valid, and empty
        return client.get(path.replace("{guideline_id}", "ngc-10008"), params={"old": version, "new": version},
                          headers=headers)
    if path == "/v1/keys/{key_id}":
        _, row = system.authenticator.keys.create("to revoke", Role.clinician)
        return client.delete(f"/v1/keys/{row.key_id}", headers=headers)
    return client.request(method, path, headers=headers)


def routes(client: TestClient) -> set[tuple[str, str]]:
    return {(m, path) for path, r in api_routes(client.app) for m in r.methods}  # type: ignore[arg-type]


def test_every_route_has_a_rule(client: TestClient) -> None:
    assert routes(client) == set(RULES) | PUBLIC


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-credential")
def test_role_matrix(client: TestClient, system: System, keys: dict[Role, dict[str, str]], role: Role | None,
                     review_item: ReviewItem) -> None:
    """Every route with every role (and none): 2xx where the rule allows (a page form's 303 too), else
    401 without a credential (a page: 303 to the sign-in page), 403 with."""
    headers = keys[role] if role else {}
    outcomes = {}
    for method, path in sorted(routes(client) - PUBLIC):
        response = call(client, system, method, path, headers, review_item)
        page = not path.startswith("/v1/")
        status = response.status_code
        if page and status == 303:
            status = 401 if response.headers["location"].startswith("/signin") else 200
        if path in CHANGES_TRIED_ON_ABSENT and status == 404:
            status = 200
        expected = "2xx" if role in RULES[(method, path)] else "403" if role else "401"
        outcomes[(method, path)] = (expected, status)
    wrong = {route: o for route, o in outcomes.items() if o[0] != ("2xx" if 200 <= o[1] < 300 else str(o[1]))}
    assert not wrong, wrong


def test_refusals_say_nothing_about_what_exists(client: TestClient, system: System) -> None:
    key, row = system.authenticator.keys.create("soon revoked", Role.admin)
    assert client.get("/v1/keys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    system.authenticator.keys.revoke(row.key_id)
    wrong_secret = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    answers = [client.get("/v1/keys", headers={"Authorization": f"Bearer {credential}"})
               for credential in (key, wrong_secret, "ckg_000000000000_" + "x" * 43, "garbage")]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1
    assert all(r.headers["WWW-Authenticate"].startswith("Bearer") for r in answers)
    missing = client.get("/v1/keys")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="clinical-kg"'


def test_a_revoked_key_stops_working_at_once_in_every_worker(system: System, ingested: Path) -> None:
    """Two processes' worth of state: each its own System and key cache, one graph."""
    other = System.open(system.settings)
    try:
        with TestClient(create_app(system.settings, system)) as first, \
                TestClient(create_app(other.settings, other)) as second:
            key, row = system.authenticator.keys.create("two workers", Role.clinician)
            auth = {"Authorization": f"Bearer {key}"}
            assert first.get("/v1/history", headers=auth).status_code == 200
            assert second.get("/v1/history", headers=auth).status_code == 200  # verified and cached there
            run_ckg(ingested, "keys", "revoke", row.key_id).check_returncode()
            assert first.get("/v1/history", headers=auth).status_code == 401
            assert second.get("/v1/history", headers=auth).status_code == 401
    finally:
        other.close()


def test_keys_cli_creates_lists_and_never_shows_a_stored_key(ingested: Path) -> None:
    created = run_ckg(ingested, "keys", "create", "--name", "ward 7 registrar", "--role", "reviewer", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    listed = run_ckg(ingested, "keys", "list", "--json")
    assert listed.returncode == 0 and key["key"] not in listed.stdout and "hash" not in json.loads(listed.stdout)[0]
    assert {k["key_id"]: k["role"] for k in json.loads(listed.stdout)}[key["key_id"]] == "reviewer"
    assert run_ckg(ingested, "keys", "create", "--name", "x", "--role", "superuser").returncode == 2
    assert run_ckg(ingested, "keys", "revoke", "nosuchkey").returncode == 1


# -- OIDC -------------------------------------------------------------------------------------
ISSUER, AUDIENCE = "https://idp.example.org/realms/ward", "clinical-kg"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def oidc_client(system: System, signing_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[TestClient]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks = tmp_path_factory.mktemp("idp") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    settings = system.settings.model_copy(update={"oidc": system.settings.oidc.model_copy(update={
        "issuer": ISSUER, "audience": AUDIENCE, "jwks": str(jwks), "roles_claim": "realm_access.roles"})})
    own = System.open(settings)
    with TestClient(create_app(settings, own)) as test_client:
        yield test_client
    own.close()


def token(key: Any, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "dr-jones", "exp": now + timedelta(minutes=5),
              "nbf": now - timedelta(seconds=5), "realm_access": {"roles": ["clinician"]}}
    algorithm = overrides.pop("algorithm", "RS256")
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm,
                      headers={"kid": "k1"})


def test_oidc_tokens_are_verified_offline(oidc_client: TestClient, signing_key: rsa.RSAPrivateKey) -> None:
    def status(credential: str, path: str = "/v1/history") -> int:
        return oidc_client.get(path, headers={"Authorization": f"Bearer {credential}"}).status_code

    assert status(token(signing_key)) == 200
    assert status(token(signing_key), "/v1/keys") == 403  # a clinician is not an admin
    assert status(token(signing_key, realm_access={"roles": ["admin", "offline_access"]}), "/v1/keys") == 200
    assert status(token(signing_key, realm_access={"roles": ["nurse"]})) == 403  # no role this API knows
    past = datetime.now(UTC) - timedelta(hours=1)
    public_pem = signing_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    refused = {
        "expired": token(signing_key, exp=past, nbf=past - timedelta(hours=1)),
        "not yet valid": token(signing_key, nbf=datetime.now(UTC) + timedelta(hours=1)),
        "wrong audience": token(signing_key, aud="another-app"),
        "wrong issuer": token(signing_key, iss="https://evil.example.org"),
        "no expiry": token(signing_key, exp=None),
        "wrong key": token(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "alg none": token(None, algorithm="none"),
        "HS256 keyed with the public key": _hs256_with(public_pem),
    }
    assert {name: status(t) for name, t in refused.items()} == {name: 401 for name in refused}


def _hs256_with(secret: bytes) -> str:
    """A token signed HS256 with the provider's public key: the classic algorithm-confusion forgery."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 300,
                              "realm_access": {"roles": ["admin"]}}).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


# -- limits -----------------------------------------------------------------------------------
def test_rate_limit_per_credential_with_retry_after(system: System) -> None:
    settings = system.settings.model_copy(update={"api": system.settings.api.model_copy(update={"rate_limit": "3/minute"})})
    with TestClient(create_app(settings, system)) as limited:
        auth, other = bearer(system, Role.clinician), bearer(system, Role.clinician)
        statuses = [limited.get("/v1/history", headers=auth).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = limited.get("/v1/history", headers=auth)
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert limited.get("/v1/history", headers=other).status_code == 200  # per credential


def test_failed_sign_ins_are_limited_per_address(system: System) -> None:
    settings = system.settings.model_copy(update={"api": system.settings.api.model_copy(
        update={"failed_auth_limit": "2/minute"})})
    with TestClient(create_app(settings, system)) as limited:
        bad = {"Authorization": "Bearer ckg_000000000000_" + "y" * 43}
        assert [limited.get("/v1/history", headers=bad).status_code for _ in range(3)] == [401, 401, 429]


def test_question_length_and_top_k_are_bounded(client: TestClient, keys: dict[Role, dict[str, str]]) -> None:
    auth = keys[Role.clinician]
    assert client.post("/v1/query", json={"question": "x" * 2001}, headers=auth).status_code == 422
    assert client.post("/v1/query", json={"question": "PAD?", "top_k": 51}, headers=auth).status_code == 422


def test_a_slow_answer_is_a_504(system: System) -> None:
    settings = system.settings.model_copy(update={"api": system.settings.api.model_copy(
        update={"request_timeout_s": 0.001})})
    with TestClient(create_app(settings, system)) as impatient:
        response = impatient.post("/v1/query", json={"question": QUESTION}, headers=bearer(system, Role.clinician))
    assert response.status_code == 504 and response.json()["error"] == "Timeout"


def test_security_headers_on_every_response(client: TestClient, keys: dict[Role, dict[str, str]]) -> None:
    for response in (client.get("/v1/healthz"), client.get("/v1/keys"), client.get("/v1/history", headers=keys[Role.clinician])):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture()
def live_server(system: System) -> Iterator[Callable[[], int]]:
    """The app under uvicorn on a loopback port, in this process (so its memory can be read)."""
    settings = system.settings.model_copy(update={"ingest": system.settings.ingest.model_copy(
        update={"max_file_bytes": 1_000_000})})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, system), port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield lambda: port
    server.should_exit = True
    thread.join(10)


def _resident_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_chunked_upload_over_the_limit_is_refused_while_it_streams(
    live_server: Callable[[], int], system: System
) -> None:
    """60 MB sent with Transfer-Encoding: chunked (no Content-Length) against a 1 MB limit: the server
    answers 413 and stops reading long before the end, and its memory does not grow by the body."""
    auth = bearer(system, Role.curator)["Authorization"]
    chunk, total, sent = b"[" + b"0," * 32_767 + b"0", 60_000_000, 0
    before = _resident_mb()
    with socket.create_connection(("127.0.0.1", live_server()), timeout=30) as conn:
        conn.sendall((f"POST /v1/records HTTP/1.1\r\nHost: localhost\r\nAuthorization: {auth}\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        try:
            while sent < total:
                conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what should happen
        reply = conn.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    assert sent < total / 4, f"the client got to send {sent} bytes"
    assert _resident_mb() - before < 40


# -- audit trail --------------------------------------------------------------------------------
def test_every_request_is_audited_without_secrets(client: TestClient, system: System, ingested: Path) -> None:
    auth = bearer(system, Role.clinician, "audited clinician")
    key = auth["Authorization"].removeprefix("Bearer ")
    answer = client.post("/v1/query", json={"question": QUESTION}, headers=auth).json()
    client.get("/v1/keys", headers=auth)  # refused: 403
    client.get("/v1/history", headers={"Authorization": "Bearer not-a-key"})  # refused: 401
    _, key_id, secret = key.split("_", 2)  # the secret is URL-safe base64: it may hold "_" itself
    actor = f"key:{key_id}"
    mine = system.audit.search(actor=actor)
    assert [(e["route"], e["status"], e["outcome"]) for e in mine] == [
        ("/v1/keys", 403, "refused"), ("/v1/query", 200, "allowed")]
    asked = mine[1]["touched"]
    assert asked["question"] == QUESTION and asked["chunks"] == [c["chunk_id"] for c in answer["citations"]]
    version = answer["citations"][0]["version_id"]
    assert asked["versions"] == [version]
    assert actor in {e["actor"] for e in system.audit.search(version=version)}
    assert any(e["actor"] == "anonymous" and e["status"] == 401 for e in system.audit.search(route="/v1/history"))
    trail = system.settings.audit_path.read_text()
    assert key not in trail and secret not in trail
    history = client.get("/v1/history", headers=auth).json()
    assert [h["question"] for h in history] == [QUESTION]
    assert client.get("/v1/history", headers=bearer(system, Role.clinician)).json() == []  # only one's own
    verified = run_ckg(ingested, "audit", "verify", "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["intact"] is True
    shown = run_ckg(ingested, "audit", "show", "--actor", actor, "--json")
    assert [json.loads(line)["route"] for line in shown.stdout.splitlines()] == ["/v1/history", "/v1/keys", "/v1/query"]


def test_ckg_serve_terminates_tls(ingested: Path, tmp_path: Path) -> None:
    """`ckg serve --ssl-certfile --ssl-keyfile`: HTTPS with a self-signed certificate, HSTS on responses."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKG_")} | {"CKG_HOME": str(ingested)}
    server = subprocess.Popen([*CKG, "serve", "--port", str(port), "--ssl-certfile", str(tmp_path / "cert.pem"),
                               "--ssl-keyfile", str(tmp_path / "key.pem")], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, health = time.monotonic() + 180, None
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"https://localhost:{port}/v1/healthz", verify=str(tmp_path / "cert.pem"))
            except httpx.TransportError:
                time.sleep(1)
        assert health is not None, server.stderr.read().decode() if server.poll() is not None else "no answer"
        assert health.status_code == 200 and health.headers["Strict-Transport-Security"].startswith("max-age=")
        assert httpx.get(f"https://localhost:{port}/v1/keys", verify=str(tmp_path / "cert.pem")).status_code == 401
    finally:
        server.terminate()
        server.wait(30)
