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


def _start_worker(env: dict, tmp_path: Path, name: str) -> subprocess.Popen:
    """A worker with embedded beat in its own process group (so SIGKILL takes its pool and beat)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=1",
         "--loglevel=INFO", "--hostname", f"{name}@%h", "--schedule", str(tmp_path / f"{name}-beat")],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=(tmp_path / f"{name}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def test_a_batch_migration_killed_mid_way_is_finished_by_the_next_worker_once_per_case(
    users, monkeypatch, tmp_path: Path
):
    """批量迁移 published while the broker was away; the beat sweep queues it; the worker is killed
    (SIGKILL, no goodbye) part-way; the next worker takes the batch over and finishes it: every case
    migrated exactly once, each with its one report row and audit row."""
    import redis

    from processes.deploy import deploy_bpmn
    from processes.migration import batch as batches
    from processes.models import AuditEvent, MigrationBatch, MigrationBatchCase

    from .test_migration import XML, confirm_clock
    from .test_registration_push import push

    redis.Redis.from_url(BROKER).flushdb()
    cases = 60
    for n in range(cases):
        push(event_id=f"BATCH-{n}")
    v1 = ProcessInstance.objects.filter(case_type="registration_push").first().process_version
    v2 = deploy_bpmn(xml=confirm_clock(XML), source_name="registration_push.bpmn", comment="v2").version
    monkeypatch.setattr(batches, "_publish", lambda batch: None)  # the broker was down at the commit
    batch = batches.start_batch(v1, v2, users["admin"], "认领时限按新规定调整")
    assert batch.total == cases

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TIMER_SWEEP_SECONDS": "1",
        "MIGRATION_BATCH_REQUEUE_SECONDS": "1",
        "MIGRATION_BATCH_STALE_SECONDS": "3",
        "VAR_DIR": str(tmp_path),
    }

    def progress() -> tuple[str, int]:
        row = MigrationBatch.objects.values("state", "migrated", "refused").get(pk=batch.pk)
        return row["state"], row["migrated"] + row["refused"]

    first = _start_worker(env, tmp_path, "first")
    try:
        started = _wait_for(lambda: progress()[1] >= 3, 90)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    state, done_when_killed = progress()
    log_first = (tmp_path / "first.log").read_text()
    assert started, f"the first worker never took the batch up:\n{log_first[-3000:]}"
    assert state == MigrationBatch.State.RUNNING and done_when_killed < cases, (state, done_when_killed)

    second = _start_worker(env, tmp_path, "second")
    try:
        finished = _wait_for(lambda: progress()[0] == MigrationBatch.State.DONE, 120)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
        connection.close()
    log_second = (tmp_path / "second.log").read_text()
    assert finished, f"the second worker never finished the batch:\n{log_second[-3000:]}"

    batch.refresh_from_db()
    assert (batch.migrated, batch.refused) == (cases, 0)
    assert MigrationBatchCase.objects.filter(batch=batch, migrated=True).count() == cases
    ids = batch.case_ids
    assert ProcessInstance.objects.filter(pk__in=ids, process_version=v2).count() == cases
    migrated = list(
        AuditEvent.objects.filter(action="instance_migrated").values_list("instance_id", flat=True)
    )
    assert sorted(migrated) == sorted(ids)  # each case once: the killed worker's last case was not redone
    assert AuditEvent.objects.filter(action="migration_batch_finished").count() == 1
