"""A real Redis stopped and a real PostgreSQL restarted: no committed case, notice or e-mail is lost.

Needs root, Redis's ``redis-server`` and a PostgreSQL cluster of its own that the test may stop:
``OUTAGE_PG_CLUSTER="15 outage"`` (Debian's ``pg_ctlcluster`` arguments) and
``OUTAGE_DATABASE_URL`` pointing into it. ``.ci/run`` creates both; every step of the case runs in
separate OS processes (the API in one, a real Celery worker with beat in another).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = os.environ.get("OUTAGE_PG_CLUSTER", "")
DATABASE_URL = os.environ.get("OUTAGE_DATABASE_URL", "")
REDIS_PORT = 6395

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (CLUSTER and DATABASE_URL and shutil.which("redis-server")),
        reason="needs OUTAGE_PG_CLUSTER, OUTAGE_DATABASE_URL and redis-server; .ci/run sets them up",
    ),
]


def _pg_ctl(action: str) -> None:
    """Start or stop the test's own cluster (starting a running one is not an error)."""
    done = subprocess.run(["pg_ctlcluster", *CLUSTER.split(), action], capture_output=True, timeout=120)
    port = str(urlparse(DATABASE_URL).port or 5432)
    ready = lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", port]).returncode == 0  # noqa: E731
    if action == "start":
        assert _wait(ready, 60), done.stderr
    else:
        assert _wait(lambda: not ready(), 60), done.stderr


def _recreate_database() -> None:
    import psycopg2

    url = urlparse(DATABASE_URL)
    admin = psycopg2.connect(
        dbname="postgres", user=url.username, password=url.password, host=url.hostname, port=url.port
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{url.path[1:]}"')
        cursor.execute(f'CREATE DATABASE "{url.path[1:]}"')
    admin.close()


class Redis:
    def __init__(self, workdir: Path):
        self.workdir, self.proc = workdir, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode
                == 0
            )
        )

    def stop(self) -> None:
        """Stop it (it may have been shut down already, with ``redis-cli shutdown``)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


def _wait(predicate, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def outage_env(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "VAR_DIR": str(tmp_path),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OUTBOX_SWEEP_SECONDS": "2",
        "TIMER_SWEEP_SECONDS": "5",
        "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
        "EMAIL_LEASE_SECONDS": "5",
        "PYTHONPATH": str(ROOT),
    }
    _pg_ctl("start")
    _recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    return env


def _driver(env: dict, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.outage_driver", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _worker(env: dict, tmp_path: Path) -> subprocess.Popen:
    log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "-B",
            "--concurrency=2",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _messages_sent(tmp_path: Path) -> tuple[int, int]:
    """(messages written, distinct Message-IDs) in the worker's mail files."""
    ids = []
    for path in (tmp_path / "mail").glob("*"):
        ids += re.findall(r"^Message-ID: (.+)$", path.read_text("utf-8"), re.M)
    return len(ids), len(set(ids))


def _emailed() -> int:
    """Notices marked e-mailed, read straight from the database (no process start)."""
    import psycopg2

    url = urlparse(DATABASE_URL)
    with (
        psycopg2.connect(
            dbname=url.path[1:], user=url.username, password=url.password, host=url.hostname, port=url.port
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM notifications_notification WHERE emailed_at IS NOT NULL")
        return cursor.fetchone()[0]


def _all_emailed(env: dict, timeout: float) -> dict:
    assert _wait(lambda: (r := _driver(env, "report"))["emailed"] == r["to_email"], timeout), _driver(
        env, "report"
    )
    return _driver(env, "report")


def test_no_case_or_notice_is_lost_when_redis_stops_and_postgresql_restarts(outage_env, tmp_path):
    redis = Redis(tmp_path)
    worker = None
    try:
        token = _driver(outage_env, "setup")["token"]

        # 1. Redis runs, no worker yet: 5 registrations queue their e-mail jobs. Then Redis is shut
        #    down, its queue lost, and the same process (its broker pool open) posts 15 more.
        redis.start()
        answers = _driver(outage_env, "post", token, "RA", "20", "5", str(REDIS_PORT))["answers"]
        assert [a["status"] for a in answers] == [201] * 20
        report = _driver(outage_env, "report")
        assert report["cases"] == 20 and report["to_email"] >= 20 and report["emailed"] == 0

        # 2. Redis is back with a worker and beat: the outbox sweep sends every one, once.
        redis.stop()
        redis.start()
        worker = _worker(outage_env, tmp_path)
        report = _all_emailed(outage_env, 120)
        assert _messages_sent(tmp_path) == (report["to_email"], report["to_email"])

        # 3. Jobs queued while no worker runs; a worker with a slow mail server takes them, and
        #    PostgreSQL stops while it is in the middle of sending.
        _stop(worker)
        answers = _driver(outage_env, "post", token, "RB", "10")["answers"]
        assert [a["status"] for a in answers] == [201] * 10
        before = _emailed()
        worker = _worker({**outage_env, "EMAIL_BACKEND": "tests.slow_mail.SlowFileBackend"}, tmp_path)
        assert _wait(lambda: _emailed() >= before + 2, 60)
        _pg_ctl("stop")
        down = _driver_while_down(outage_env, token)
        time.sleep(5)  # the worker's jobs meet the database away and back off
        _pg_ctl("start")

        # 4. PostgreSQL is back: retries and the sweep deliver everything. A message sent in the
        #    instant before the database went away may go again, with its own Message-ID.
        final = _all_emailed(outage_env, 180)
        assert final["cases"] == 30
        written, distinct = _messages_sent(tmp_path)
        assert distinct == final["to_email"]
        assert written - distinct <= 2  # at most the one in flight in each of the worker's 2 processes
        log = (tmp_path / "worker.log").read_text("utf-8", errors="replace")
        assert "OperationalError" in log  # the jobs really met the database away
        assert down == {
            "status": 503,
            "json": True,
            "retry_after": down["retry_after"],
            "code": "service_unavailable",
        }
        assert down["retry_after"] and int(down["retry_after"]) > 0
    finally:
        if worker is not None:
            _stop(worker)
        redis.stop()
        _pg_ctl("start")


def _driver_while_down(env: dict, token: str) -> dict:
    """One registration POSTed while PostgreSQL is down: the API's own 503, not an HTML 500."""
    (answer,) = _driver(env, "post", token, "RC", "1")["answers"]
    return answer
