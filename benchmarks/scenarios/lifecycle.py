"""Scenarios 1 and 2(a): whole 双告知 cases through the service layer the UI and API use.

Per case: receive_registration (validation, routing, start) → for each department the inbox
read, 认领 (claim_task) and 认领或退回 (complete_task, decision "claim") → the same for
许可审批反馈 (claim_task, complete_task) → the case is complete.

As in production, no case is finished by the process that started it: one set of forked
workers starts every case, a second set works them to the end. Forked from a parent that never
created a multi-instance child, the second set holds specs as a freshly started process does;
every case complete (checked in the database) is the proof that cross-process cases finish.
"""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model

from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from processes import engine
from processes.models import HumanTask, ProcessInstance

from .. import world
from ..report import Row, latency_rows
from ..runner import run_parallel

CLAIM = {"claim_decision": "claim"}
FEEDBACK = {"permit_decision": "not_applied"}


def payloads(n: int, *, departments: int, tag: str, seed: int = 1) -> list[dict]:
    book = world.scope_book()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        scope, _ = book.scope(rng, "510800", departments)
        out.append(world.registration(i, tag=tag, scope=scope))
    return out


def _setup(_index: int) -> dict:
    User = get_user_model()
    return {
        "officers": {u.username: u for u in User.objects.filter(username__startswith="b_")},
    }


def work_open_tasks(officers: dict, instance_id: int, data: dict) -> None:
    for task in list(HumanTask.objects.filter(instance_id=instance_id, state=HumanTask.State.OPEN)):
        user = officers[f"b_{task.candidate_department}_0"]
        engine.claim_task(task_id=task.pk, user=user)
        engine.complete_task(task_id=task.pk, user=user, data=data)


def start_case(context: dict, payload: dict) -> None:
    registration, created = receive_registration(**payload, actor=SYSTEM)
    assert created and registration.instance_id is not None, payload["event_id"]


def finish_case(context: dict, business_key: str) -> None:
    instance_id = ProcessInstance.objects.values_list("pk", flat=True).get(business_key=business_key)
    work_open_tasks(context["officers"], instance_id, CLAIM)
    work_open_tasks(context["officers"], instance_id, FEEDBACK)


def run(
    *, scenario: str, n: int, departments: int, workers: int, tag: str, target: float | None
) -> list[Row]:
    items = payloads(n, departments=departments, tag=tag)
    started = run_parallel(items, start_case, workers=workers, setup_fn=_setup)
    keys = [f"SGZ-{item['event_id']}" for item in items]
    finished = run_parallel(keys[1:] + keys[:1], finish_case, workers=workers, setup_fn=_setup)
    wall = started.wall + finished.wall
    complete = ProcessInstance.objects.filter(
        business_key__startswith=f"SGZ-BENCH-{tag}-", status=ProcessInstance.Status.COMPLETED
    ).count()
    errors = started.errors + finished.errors
    if errors:
        print(f"[{scenario}] {len(errors)} errors, first:\n{errors[0]}")
    rows = [
        Row(scenario, "cases", n, "cases"),
        Row(scenario, "complete cases (checked in DB)", complete, "cases", f"= {n}", complete == n),
        Row(scenario, f"wall time, {workers} processes (start + finish)", wall, "s"),
        Row(
            scenario,
            "throughput",
            complete / wall if wall else 0.0,
            "cases/s",
            f"≥ {target:g}" if target else "",
            (complete / wall >= target) if target and wall else None,
        ),
    ]
    rows += latency_rows(scenario, "start latency", started.latencies)
    rows += latency_rows(scenario, "finish latency (4 or 2 steps)", finished.latencies)
    return rows
