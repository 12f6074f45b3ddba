"""Timers: the sweep that fires every timer that is due, each case in its own transaction."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models.functions import Mod
from django.utils import timezone

from .. import operation
from ..audit import record
from ..errors import EngineError
from ..models import Incident, ProcessInstance
from .core import ACTIVE, advance_or_incident, load_case, locked_instance, record_incident


def fire_due_timers(*, limit: int = 1000, shard: tuple[int, int] | None = None) -> int:
    """Fire the timers that are due now; returns the number of cases advanced.

    Each case is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and
    re-checked under the lock, so concurrent sweeps never fire a timer twice; a sweep that
    dies mid-way rolls back its open case, which the next sweep fires (exactly once).  A case
    whose timer step fails gets an incident and is left out until it is retried; the
    sweep goes on with the other cases.

    ``shard=(i, n)`` takes only the cases whose id is ``i`` modulo ``n``, so ``n`` workers can
    sweep side by side without queueing on each other's row locks.
    """
    now = timezone.now()
    failing = Incident.objects.filter(status=Incident.Status.OPEN, action="timers").values("instance_id")
    due = ProcessInstance.objects.filter(
        status__in=ACTIVE, next_timer_at__lte=now, clock_paused_at__isnull=True
    ).exclude(pk__in=failing)
    if shard is not None:
        due = due.alias(shard=Mod("pk", shard[1])).filter(shard=shard[0])
    due_ids = list(due.order_by("next_timer_at").values_list("pk", flat=True)[:limit])
    with operation.memo_scope():  # one look-up of the active versions and of the supervisors per sweep
        return _fire(due_ids, now)


def _fire(due_ids: list[int], now: datetime) -> int:
    fired = 0
    for pk in due_ids:
        with transaction.atomic(), operation.buffered():
            instance = locked_instance(pk, skip_locked=True)
            if (
                instance is None
                or instance.status not in ACTIVE
                or instance.next_timer_at is None
                or instance.next_timer_at > now
                or instance.clock_paused_at is not None  # 中止计时: its deadlines stand still
                or (  # only a case in INCIDENT can hold an open incident
                    instance.status == ProcessInstance.Status.INCIDENT
                    and instance.incidents.filter(status=Incident.Status.OPEN, action="timers").exists()
                )
            ):
                continue
            record("timers_fired", instance=instance, due=instance.next_timer_at.isoformat())
            try:
                wf = load_case(instance)
            except EngineError as exc:
                record_incident(instance, action="timers", args={}, exc=exc, actor=None, incident=None)
                continue
            advance_or_incident(instance, wf, action="timers", args={}, step=lambda wf: wf.refresh_timers())
            fired += 1
    return fired
