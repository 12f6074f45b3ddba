"""A real Celery worker with embedded beat, on Redis, fires an overdue timer by itself.

Runs when DATABASE_URL is PostgreSQL (the worker process must reach the test database) and
CELERY_TEST_BROKER_URL names a Redis broker; CI runs it with both.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.db import connection

from casework.lifecycles.supervision.models import Escalation
from notifications.models import Notification
from processes.models import ProcessInstance

from .conftest import database_url, is_postgres, local

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (BROKER and is_postgres()),
        reason="needs PostgreSQL and CELERY_TEST_BROKER_URL=redis://…; CI runs it",
    ),
]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_worker_and_beat_escalate_an_overdue_task_once(start_case, tmp_path: Path):
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        case = start_case(deadline_workdays=1, title="由真实 Worker 处理的超期事项")
    assert ProcessInstance.objects.get(pk=case.pk).next_timer_at is not None

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TIMER_SWEEP_SECONDS": "2",
        "VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--concurrency=1",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        escalated = _wait_for(lambda: Escalation.objects.filter(human_task__instance=case).exists(), 90)
        emailed = _wait_for(
            lambda: Notification.objects.filter(kind="escalation", emailed_at__isnull=False).exists(), 60
        )
        time.sleep(5)  # a few more beat sweeps: nothing may fire twice
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        connection.close()

    output = (tmp_path / "worker.log").read_text()
    assert escalated, f"worker never escalated the task:\n{output[-3000:]}"
    assert emailed, f"worker never sent the escalation e-mail:\n{output[-3000:]}"
    assert Escalation.objects.filter(human_task__instance=case).count() == 1
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 1
    assert list((tmp_path / "mail").glob("*.log")), "the file e-mail backend wrote nothing"
