"""The load test (scripts/loadtest.py), short, on every database; and a server killed mid-load."""
import os
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from .databases import PG_SKIP_REASON, PG_URL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import benchmark  # noqa: E402
import loadtest  # noqa: E402


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_users_saving_at_once_lose_nothing(backend, capsys):
    """4 users × 8 s through gunicorn: no 5xx, every acknowledged save in the database with
    one audit row each, and saves did happen."""
    args = ["--users", "4", "--seconds", "8"]
    if backend == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP_REASON)
        args += ["--database-url", PG_URL]
    code = loadtest.main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "passed" in out
    writes = next(line for line in out.splitlines() if line.startswith("| writes acknowledged"))
    assert int(writes.split("|")[2].split()[0]) > 0, out


def test_a_server_killed_mid_load_loses_no_acknowledged_save(tmp_path):
    """SIGKILL gunicorn's master and workers while users save: the SQLite file opens, is
    intact, and holds every save that was acknowledged before the kill."""
    path = tmp_path / "crash.sqlite3"
    url = f"sqlite:///{path}"
    accounts = loadtest.prepare(url, 4)
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": "crash-test-key",
                        "PYTHONPATH": str(loadtest.ROOT)}
    server = benchmark.Server(env, stock=False, workers=loadtest.WORKERS)
    ledger, stop = loadtest.Ledger(), threading.Event()
    load = threading.Thread(target=loadtest.run_load,
                            args=(server.port, accounts, 60, stop, ledger))
    load.start()
    try:
        deadline = time.monotonic() + 30
        while ledger.writes < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = server.workers()
        for pid in (server.process.pid, *workers):
            os.kill(pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        time.sleep(1)  # the users meet a dead server for a moment
    finally:
        stop.set()
        load.join(timeout=60)
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    for pid in workers:  # every worker is gone too (a zombie at most, never serving)
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text()
    assert ledger.writes >= 40
    assert ledger.connection_errors > 0  # the kill did hit users mid-load
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    verdict = loadtest.verify(url, ledger)
    assert verdict.missing == []
    assert verdict.audit == []
    assert ledger.statuses_5xx == 0
    assert ledger.refused == []
