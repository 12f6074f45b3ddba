"""Celery tasks of the engine: the timer sweep (beat, every minute), message delivery and the daily
holiday-table coverage notice."""

import time

from celery import shared_task

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
