"""Celery tasks of the engine: the timer sweep (beat, every minute), message delivery and the daily
holiday-table coverage notice."""

import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import engine

SWEEP_BATCH = 500
SWEEP_SECONDS = 45.0  # stay under the beat interval so sweeps do not pile up


@shared_task(name="processes.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Deliver waiting messages, then fire due timers batch by batch until none are left."""
    engine.deliver_pending_messages()
    started, total = time.monotonic(), 0
    while True:
        fired = engine.fire_due_timers(limit=SWEEP_BATCH)
        total += fired
        if fired < SWEEP_BATCH or time.monotonic() - started > SWEEP_SECONDS:
            return total


@shared_task(
    name="processes.tasks.deliver_messages", autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def deliver_messages() -> int:
    return engine.deliver_pending_messages()


@shared_task(name="processes.tasks.check_calendar_coverage")
def check_calendar_coverage() -> int:
    """Daily (beat): tell the domain's people once per year whose holiday table is missing."""
    from .calendar_coverage import notify

    return sum(len(told) for _, told in notify())


@shared_task(
    name="processes.tasks.migrate_batch",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    # a retry waits out the batch's claim (MIGRATION_BATCH_STALE_SECONDS): the next attempt takes it over
    default_retry_delay=150,
    max_retries=20,
)
def migrate_batch(batch_id: int) -> int:
    """批量迁移: the cases of one batch; resumes after the last case done."""
    from .migration.batch import run_batch

    batch = run_batch(batch_id)
    return batch.migrated if batch is not None else 0


@shared_task(name="processes.tasks.resume_migration_batches")
def resume_migration_batches() -> int:
    """Beat: a batch never started (broker down at its commit) or left by a dead worker goes on."""
    from .migration.batch import resume_stalled

    return len(resume_stalled())
