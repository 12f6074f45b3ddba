"""双随机's Celery jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from processes.audit import record
from processes.errors import UserFacingError

from .models import Inspection

log = logging.getLogger(__name__)

# --- starting the inspection cases of a draw (drawing.py) -----------------------------------

START_CHUNK = 100
SWEEP_GRACE = timedelta(minutes=2)  # fresh draws belong to the job their commit queued


def start_cases(inspection_ids: list[int]) -> int:
    """Start the cases of these inspections that have none yet (each chunk in one transaction;
    rows another worker holds are skipped, so two jobs never start the same case twice)."""
    from . import services

    started = 0
    for begin in range(0, len(inspection_ids), START_CHUNK):
        with transaction.atomic():
            chunk = list(
                Inspection.objects.select_for_update(skip_locked=True)
                .filter(pk__in=inspection_ids[begin : begin + START_CHUNK], instance__isnull=True)
                .order_by("pk")
            )
            for inspection in chunk:
                try:
                    with transaction.atomic():
                        services.start_inspection(inspection, actor=None)
                except UserFacingError as exc:  # refused (e.g. a team short of two): the rest go on
                    log.warning("inspection %s not started: %s", inspection.pk, exc)
                    record(
                        "inspection_start_refused",
                        inspection_id=inspection.pk,
                        draw_id=inspection.draw_id,
                        reason=exc.message,
                    )
                    continue
                started += 1
    return started


@shared_task(
    name="inspection.start_inspection_cases", acks_late=True, autoretry_for=(OSError,), max_retries=5
)
def start_inspection_cases(draw_id: int) -> int:
    """After a draw: one inspection case per target."""
    ids = list(
        Inspection.objects.filter(draw_id=draw_id, instance__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started = start_cases(ids)
    log.info("draw %s: started %s inspection cases", draw_id, started)
    return started


@shared_task(name="inspection.start_pending_inspection_cases")
def start_pending_inspection_cases(limit: int = 5000) -> int:
    """Beat: start the cases a draw's job did not (broker down at the commit, worker lost)."""
    ids = list(
        Inspection.objects.filter(instance__isnull=True, draw__drawn_at__lt=timezone.now() - SWEEP_GRACE)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return start_cases(ids) if ids else 0


# --- 两库 (directories.py; helper-d's block) ----------------------------------------------------------


@shared_task(name="inspection.start_inspector_list_reminders")
def start_inspector_list_reminders() -> int:
    """Beat (daily): ask each department that keeps inspectors to confirm its list when due
    (every ``clock("inspectors.refresh")`` working days, one open reminder at a time)."""
    from . import directories

    return directories.start_due_reminders()


@shared_task(name="inspection.refresh_directories")
def refresh_directories() -> int:
    """Beat (daily): count each area's 检查对象名录库 (名录库更新于 … on its page)."""
    from . import directories

    return directories.refresh_directories()
