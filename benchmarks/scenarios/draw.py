"""Scenario 9: a 双随机 draw — ``targets`` enterprises from a directory of ``population``, with recusal.

Builds (or reuses) the directory with the portal scenario's generator, gives it a realistic spread of
risk classes (A 30 %, B 50 %, C 15 %, D 5 %), puts 150 inspectors on each of two departments' lists
with ten declared conflicts each, then draws two approved joint tasks of ``targets`` enterprises
(市场监管 + 卫生健康, two inspectors per target). The first draw gives the second its "recent draws"
(the same inspector on the same enterprise is recused), so the second — the timed one — replaces
inspectors for both reasons. Timed: ``drawing.draw_task`` from the request to the commit
(snapshot of the population into a hashed gzip file, the draw, the inspections, teams and
replacement log written), then ``replay`` of it, then starting inspection cases (the Celery job a
draw queues) for a sample.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from casework.directory.models import Enterprise
from casework.lifecycles.inspection import drawing
from casework.lifecycles.inspection import tasks as inspection_jobs
from casework.lifecycles.inspection.models import (
    Draw,
    DrawReplacement,
    InspectionItem,
    InspectionPlan,
    InspectionTask,
    Inspector,
    InspectorConflict,
)
from casework.organization.models import Department, Membership, Role

from ..report import Row
from . import portal

SCENARIO = "9 双随机 draw"
TARGET_SECONDS = 5
DEPARTMENTS = ("SCJG", "WJW")
INSPECTORS_PER_DEPARTMENT = 150
CONFLICTS_EACH = 10
CASE_SAMPLE = 200


def _directory(population: int) -> None:
    """At least ``population`` 存续 enterprises in 广元 (the generator makes 85 % of them 存续)."""
    active = Enterprise.objects.filter(division_code__startswith="5108", status=Enterprise.Status.ACTIVE)
    have = active.count()
    if have < population:
        portal.generate(enterprises=int((population - have) / 0.85) + 1_000, published=0, seed=9)
    # A spread of risk classes by id (the generator leaves every enterprise in class B).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Enterprise._meta.db_table} SET risk_class = CASE "
            "WHEN id % 20 < 6 THEN 'A' WHEN id % 20 < 16 THEN 'B' WHEN id % 20 < 19 THEN 'C' ELSE 'D' END"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {Enterprise._meta.db_table}")


@transaction.atomic
def _inspectors(rng: random.Random) -> None:
    User = get_user_model()
    password = make_password("bench-only-not-a-login")
    codes = list(
        Enterprise.objects.filter(division_code__startswith="5108").values_list("credit_code", flat=True)[
            :50_000
        ]
    )
    for code in DEPARTMENTS:
        department = Department.objects.get(code=code)
        for i in range(INSPECTORS_PER_DEPARTMENT):
            user, _ = User.objects.get_or_create(
                username=f"b_insp_{code}_{i}", defaults={"password": password, "first_name": f"检查员{i}"}
            )
            Membership.objects.get_or_create(user=user, department=department, role=Role.INSPECTOR)
            inspector, made = Inspector.objects.get_or_create(
                user=user,
                department=department,
                defaults={
                    "certificate_number": f"{code}-{i:05d}",
                    "certificate_valid_until": date.today() + timedelta(days=700),
                },
            )
            if made:
                InspectorConflict.objects.bulk_create(
                    [
                        InspectorConflict(inspector=inspector, credit_code=c, reason="亲属在该企业任职")
                        for c in rng.sample(codes, CONFLICTS_EACH)
                    ],
                    ignore_conflicts=True,
                )


def _task(number: str, targets: int, operator) -> InspectionTask:
    lead = Department.objects.get(code=DEPARTMENTS[0])
    today = timezone.localdate()
    plan = InspectionPlan.objects.create(
        number=number,
        name=f"基准抽查计划 {number}",
        lead_department=lead,
        period_start=today,
        period_end=today + timedelta(days=90),
        state=InspectionPlan.State.APPROVED,
        created_by=operator,
        approved_by=operator,
        approved_at=timezone.now(),
    )
    plan.departments.set(Department.objects.filter(code__in=DEPARTMENTS))
    item, _ = InspectionItem.objects.get_or_create(
        department=lead,
        code="BENCH-01",
        defaults={"name": "企业公示信息抽查", "legal_basis": "《企业信息公示暂行条例》第十四条"},
    )
    task = InspectionTask.objects.create(
        plan=plan,
        name="联合抽查",
        count=targets,
        per_target=2,
        recent_draws=3,
        result_due=today + timedelta(days=60),
    )
    task.items.set([item])
    task.departments.set(Department.objects.filter(code__in=DEPARTMENTS))
    return task


def _timed_draw(task: InspectionTask, operator) -> tuple[float, Draw]:
    """The draw without its case-starting job (timed apart below): the job is queued, not run."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # memory:// broker: the job waits there, unconsumed
    try:
        started = time.perf_counter()
        item = drawing.draw_task(task_id=task.pk, operator=operator, witnesses="基准见证人甲、乙")
        return time.perf_counter() - started, item
    finally:
        app.conf.task_always_eager = eager


def run(*, population: int, targets: int) -> list[Row]:
    rng = random.Random(9)
    started = time.perf_counter()
    _directory(population)
    _inspectors(rng)
    setup = time.perf_counter() - started
    operator = get_user_model().objects.get(username="b_registrar")
    tag = f"{int(time.time())}"
    first_seconds, _ = _timed_draw(_task(f"BENCH-{tag}-1", targets, operator), operator)
    seconds, item = _timed_draw(_task(f"BENCH-{tag}-2", targets, operator), operator)
    replacements = DrawReplacement.objects.filter(draw=item)
    started = time.perf_counter()
    replayed = drawing.replay(item)
    replay_seconds = time.perf_counter() - started
    sample = list(item.inspections.order_by("pk").values_list("pk", flat=True)[:CASE_SAMPLE])
    started = time.perf_counter()
    made = inspection_jobs.start_cases(sample)
    case_seconds = time.perf_counter() - started
    return [
        Row(
            SCENARIO,
            "population (检查对象名录库)",
            item.population_size,
            "enterprises",
            f"≥ {population:,}",
            item.population_size >= population,
        ),
        Row(
            SCENARIO,
            "targets drawn",
            item.inspections.count(),
            "enterprises",
            f"= {targets:,}",
            item.inspections.count() == targets,
        ),
        Row(
            SCENARIO,
            "inspectors on the lists",
            Inspector.objects.filter(department__code__in=DEPARTMENTS).count(),
            "people",
        ),
        Row(SCENARIO, "replacements (递补) logged", replacements.count(), "recusals"),
        Row(
            SCENARIO,
            "  of them declared conflicts",
            replacements.filter(reason="conflict").count(),
            "recusals",
        ),
        Row(SCENARIO, "setup (directory, inspectors)", setup, "s"),
        Row(SCENARIO, "first draw (no recent history)", first_seconds, "s"),
        Row(
            SCENARIO,
            "draw with recusal, request to commit",
            seconds,
            "s",
            f"≤ {TARGET_SECONDS} s",
            seconds <= TARGET_SECONDS,
        ),
        Row(SCENARIO, "replay (from the stored inputs)", replay_seconds, "s"),
        Row(SCENARIO, "replay identical", int(replayed.ok), "yes", "= 1", replayed.ok),
        Row(SCENARIO, "inspection cases started", made / case_seconds if case_seconds else 0.0, "cases/s"),
    ]
