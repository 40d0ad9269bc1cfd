"""`ckg serve` on the ONNX int8 embedder answers cited questions without ever loading torch."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..conftest import FEDERAL, REPO
from .api_support import CKG, embedded_home, free_port, run_ckg

ONNX = {"CKG_EMBEDDING__BACKEND": "onnx-int8"}
QUESTION = "Should adults be screened for peripheral artery disease with the ankle-brachial index?"


@pytest.fixture(scope="module")
def onnx_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    for home in embedded_home(tmp_path_factory, "ckg-onnx"):
        result = run_ckg(home, "ingest", "guidelines", str(FEDERAL / "ngc-10008.html"), "--json", env=ONNX)
        assert result.returncode == 0, result.stderr
        yield home


def test_ckg_serve_with_the_onnx_embedder_answers_without_loading_torch(onnx_home: Path) -> None:
    created = run_ckg(onnx_home, "keys", "create", "--name", "ward 7", "--role", "clinician", "--json", env=ONNX)
    assert created.returncode == 0, created.stderr
    auth = {"Authorization": f"Bearer {json.loads(created.stdout)['key']}"}
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKG_")} | {"CKG_HOME": str(onnx_home), **ONNX}
    server = subprocess.Popen([*CKG, "serve", "--port", str(port)], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, health = time.monotonic() + 180, None
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"{base}/v1/healthz")
            except httpx.TransportError:
                time.sleep(0.5)
        assert health is not None, server.stderr.read().decode() if server.poll() is not None else "no answer"
        answer = httpx.post(f"{base}/v1/query", json={"question": QUESTION}, headers=auth, timeout=120)
        assert answer.status_code == 200, answer.text
        assert answer.json()["citations"] and not answer.json()["abstained"]
        loaded = Path(f"/proc/{server.pid}/maps").read_text()
        assert "onnxruntime" in loaded and "libtorch" not in loaded
    finally:
        server.terminate()
        server.wait(30)
