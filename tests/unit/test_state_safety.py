"""State shared between processes: secrets created once, one writer at a time."""

from __future__ import annotations

import multiprocessing
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ckg.errors import WriterBusy
from ckg.locks import exclusive
from ckg.once import built_once
from ckg.text import sentence_spans
from graph.servers import ArcadeDBServer
from ingest.records.pipeline import pseudonym_secret

RACERS = 8


def _race_for_key(home: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    barrier.wait()
    out.put(pseudonym_secret("", Path(home)).decode())


def test_processes_starting_together_share_one_records_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = secrets.token_hex

    def slow_token_hex(n: int) -> str:  # every racer is generating its secret when the first one stores it
        time.sleep(0.3)
        return real(n)

    monkeypatch.setattr(secrets, "token_hex", slow_token_hex)  # inherited by the forked racers
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(RACERS), context.Queue()
    racers = [context.Process(target=_race_for_key, args=(str(tmp_path), barrier, out)) for _ in range(RACERS)]
    for p in racers:
        p.start()
    keys = {out.get(timeout=60) for _ in racers}
    for p in racers:
        p.join(timeout=60)
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert (tmp_path / "records.key").stat().st_mode & 0o777 == 0o600
    assert [f.name for f in tmp_path.iterdir()] == ["records.key"]  # no temporary file left behind


def test_embedded_server_password_is_created_once(tmp_path: Path) -> None:
    first = ArcadeDBServer(tmp_path)._password()
    assert first and ArcadeDBServer(tmp_path)._password() == first


def test_a_second_writer_is_turned_away_with_the_holders_pid(tmp_path: Path) -> None:
    lock = tmp_path / "writer.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from ckg.locks import exclusive\n"
         f"with exclusive(Path({str(lock)!r}), wait=False, what='x'):\n print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WriterBusy, match=f"in use by another process \\(pid {holder.pid}\\)"), \
                exclusive(lock, wait=False, what="the state directory"):
            pass
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10  # the lock dies with its holder: no stale lock to clean up
    while True:
        try:
            with exclusive(lock, wait=False, what="the state directory"):
                break
        except WriterBusy:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_shared_objects_are_built_once_under_concurrent_first_use() -> None:
    builds = []

    @built_once
    def pipeline(name: str) -> object:
        builds.append(name)
        time.sleep(0.2)  # long enough for every thread to arrive while the first one builds
        return object()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: pipeline("nlp"), range(8)))
    assert builds == ["nlp"] and all(g is got[0] for g in got)
    assert pipeline("other") is not got[0] and builds == ["nlp", "other"]


def test_sentence_splitting_is_safe_across_threads() -> None:
    """pysbd keeps the text it splits on the segmenter: shared across threads, requests got each
    other's sentences (fewer, more, or spans of another text)."""
    texts = [f"Offer test {i} to adults aged {i} years, e.g. at the first visit. Review it yearly. "
             f"Do not repeat it within {i} months." * 3 for i in range(40)]
    expected = [sentence_spans(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            assert list(pool.map(sentence_spans, texts)) == expected
