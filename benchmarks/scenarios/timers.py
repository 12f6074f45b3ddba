"""Scenario 5: 10,000 overdue tasks, escalated into 效能督办 cases by concurrent sweeps.

The cases are real: registrations received through the intake path 30 days ago (the
clock of the generating workers is moved back with time-machine), each routed to one
department, so each has one 认领或退回 task whose 5-working-day timer is long overdue.
Then ``workers`` sweeps (what each Celery worker runs on the beat) fire them, sharded
by case id, with SKIP LOCKED under them.  Every task must be escalated exactly once.
"""

from __future__ import annotations

import random
from datetime import timedelta

import time_machine
from django.db.models import Count
from django.utils import timezone

from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from processes import engine
from processes.models import HumanTask, ProcessInstance

from .. import world
from ..report import Row
from ..runner import run_parallel

TAG = "T"


def _setup_past(_index: int) -> dict:
    traveller = time_machine.travel(timezone.now() - timedelta(days=30), tick=True)
    traveller.start()
    return {"book": world.scope_book()}


def _create(context: dict, i: int) -> None:
    rng = random.Random(i)
    scope, _ = context["book"].scope(rng, "510800", 1)
    _, created = receive_registration(**world.registration(i, tag=TAG, scope=scope), actor=SYSTEM)
    assert created


def _make_sweep(workers: int):
    def sweep(_context, shard: int) -> None:
        while engine.fire_due_timers(limit=200, shard=(shard, workers)):
            pass

    return sweep


def run(*, n: int, workers: int) -> list[Row]:
    scenario = "5 定时器 timers"
    made = run_parallel(list(range(n)), _create, workers=workers, setup_fn=_setup_past)
    if made.errors:
        print(f"[5] {len(made.errors)} errors while generating, first:\n{made.errors[0]}")
    tasks = HumanTask.objects.filter(instance__business_key__startswith=f"SGZ-BENCH-{TAG}-")
    overdue = tasks.filter(state=HumanTask.State.OPEN, due_at__lte=timezone.now()).count()
    outcome = run_parallel(list(range(workers)), _make_sweep(workers), workers=workers)
    if outcome.errors:
        print(f"[5] {len(outcome.errors)} errors while sweeping, first:\n{outcome.errors[0]}")
    supervision = ProcessInstance.objects.filter(case_type="efficiency_supervision", parent_task__in=tasks)
    escalated = supervision.values("parent_task").distinct().count()
    duplicates = supervision.values("parent_task").annotate(n=Count("pk")).filter(n__gt=1).count()
    return [
        Row(scenario, "overdue tasks generated", overdue, "tasks", f"= {n}", overdue == n),
        Row(scenario, "generation (intake in the past)", made.wall, "s"),
        Row(scenario, "tasks escalated", escalated, "tasks", f"= {overdue}", escalated == overdue),
        Row(scenario, "tasks escalated twice", duplicates, "tasks", "= 0", duplicates == 0),
        Row(
            scenario,
            f"sweep until all escalated, {workers} processes",
            outcome.wall,
            "s",
            "≤ 60 s for 10,000",
            outcome.wall <= 60 if n >= 10_000 else None,
        ),
        Row(scenario, "escalation rate", escalated / outcome.wall if outcome.wall else 0, "tasks/s"),
    ]
