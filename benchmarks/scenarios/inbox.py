"""Scenario 4: inbox reads over a large task table.

Generates ``total`` HumanTask rows (``open`` of them open) on ``total / 5`` cases with COPY
(PostgreSQL; batched inserts on SQLite), spread over every approval department of the
province, 30 % of the open ones claimed by the department's officers.  Then times what the
inbox pages run for a signed-in officer: 部门待认领 (department queue) and 我的待办 (my
tasks), first page of 20 rows *and* the count shown on the tab, through the same selectors.
"""

from __future__ import annotations

import io
import random
import time
import uuid
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from casework.organization.models import Department, Membership, Role
from casework.workbench.selectors import DepartmentQueue, department_queue, my_tasks
from processes.models import HumanTask, ProcessInstance, ProcessVersion

from .. import world
from ..report import Row, latency_rows

TASKS_PER_CASE = 5
PAGE = 20
CHUNK = 50_000


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _text(value) -> str:
    if value is None:
        return r"\N"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _sqlite(value):
    if isinstance(value, uuid.UUID):
        return value.hex  # how Django stores a UUIDField on SQLite
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _copy(model, rows) -> None:
    """Append rows (tuples in concrete-field order) to the model's table, fast."""
    columns = _columns(model)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_text(v) for v in row))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f'COPY "{table}" ({", ".join(f"{c!r}".replace(chr(39), chr(34)) for c in columns)}) FROM STDIN',
                buffer,
            )
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',
            [tuple(_sqlite(v) for v in row) for row in rows],
        )


def _drop_secondary_indexes(model) -> list[str]:
    """Drop the table's unique constraints and indexes except the primary key; return the SQL
    that recreates them (bulk loading then building an index is far cheaper than maintaining
    seven B-trees, one of them on random UUIDs, row by row)."""
    table = model._meta.db_table
    recreate: list[str] = []
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction (a scenario that ran first) leave deferred FK
        # checks pending, and PostgreSQL refuses ALTER TABLE until they have run.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            recreate.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisprimary",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            recreate.append(definition)
    return recreate


def generate(*, total: int, open_tasks: int) -> dict:
    rng = random.Random(4)
    cases = total // TASKS_PER_CASE
    departments = list(Department.objects.approving().order_by("code").values_list("code", "division_code"))
    officers: dict[str, list[int]] = {}
    for code, user_id in Membership.objects.filter(
        role=Role.OFFICER, user__username__startswith="b_"
    ).values_list("department__code", "user_id"):
        officers.setdefault(code, []).append(user_id)
    version_id = ProcessVersion.objects.get(definition__key="registration_push", is_active=True).pk
    now = timezone.now()
    first_case, first_task = _next_id(ProcessInstance), _next_id(HumanTask)
    instance_fields = [f.name for f in ProcessInstance._meta.concrete_fields]
    task_fields = [f.name for f in HumanTask._meta.concrete_fields]
    started = time.perf_counter()
    made_open = 0
    task_id = first_task
    with transaction.atomic():
        rebuild: list[str] = []
        if connection.vendor == "postgresql":
            # Foreign keys are not checked row by row (the generator makes only valid ones), and
            # the indexes are built once the rows are in.
            connection.cursor().execute("SET LOCAL session_replication_role = replica")
            connection.cursor().execute("SET LOCAL maintenance_work_mem = '1GB'")
            for model in (HumanTask, ProcessInstance):
                rebuild += _drop_secondary_indexes(model)
        for chunk_start in range(0, cases, CHUNK // TASKS_PER_CASE):
            instances, tasks = [], []
            for c in range(chunk_start, min(cases, chunk_start + CHUNK // TASKS_PER_CASE)):
                case_id = first_case + c
                code, division = departments[c % len(departments)]
                created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
                is_open = c < open_tasks
                credit = f"91{division}MA{c:08d}"[:18]
                name = f"分页测试企业{c}"
                instance = {
                    "id": case_id,
                    "process_version": version_id,
                    "case_type": "registration_push",
                    "business_key": f"SGZ-INBOX-{c}",
                    "title": f"{name} · 双告知",
                    "subject_name": name,
                    "subject_code": credit,
                    "area_code": division,
                    "status": "running" if is_open else "completed",
                    "state": "{}",
                    "version": TASKS_PER_CASE,
                    "next_timer_at": None,
                    "provisional_deadlines": False,
                    "clock_paused_at": None,
                    "parent_task": None,
                    "started_by": None,
                    "created_at": created,
                    "updated_at": created,
                    "completed_at": None if is_open else created + timedelta(days=9),
                }
                instances.append(tuple(instance[f] for f in instance_fields))
                staff: list[int | None] = [*officers.get(code, [])] or [None]
                for t in range(TASKS_PER_CASE):
                    last_open = is_open and t == TASKS_PER_CASE - 1
                    made = created + timedelta(days=2 * t)
                    claimed = (not last_open) or rng.random() < 0.3
                    assignee = rng.choice(staff) if claimed else None
                    task = {
                        "id": task_id,
                        "instance": case_id,
                        "task_uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "bpmn_id": "permit_feedback" if t % 2 else "claim_or_return",
                        "name": "许可审批反馈" if t % 2 else "认领或退回",
                        "case_type": "registration_push",
                        "case_title": f"{name} · 双告知",
                        "subject_name": name,
                        "subject_code": credit,
                        "area_code": division,
                        "candidate_department": code,
                        "candidate_role": Role.OFFICER.value,
                        "assignee": assignee,
                        "state": "open" if last_open else "completed",
                        "created_at": made,
                        "claimed_at": made if claimed else None,
                        "completed_at": None if last_open else made + timedelta(days=1),
                        "completed_by": None if last_open else assignee,
                        "due_at": made + timedelta(days=7),
                        "due_clock": "push.claim",
                        "due_basis": "认领或退回：5个工作日 · 平台默认时限（文件未规定）（全国）",
                        "due_provisional": False,
                        "escalation_level": 0,
                        "form_data": "{}",
                        "form_key": "",
                        "escalation_department": "",
                    }
                    tasks.append(tuple(task[f] for f in task_fields))
                    task_id += 1
                made_open += int(is_open)
            _copy(ProcessInstance, instances)
            _copy(HumanTask, tasks)
        with connection.cursor() as cursor:
            for statement in rebuild:
                cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (ProcessInstance, HumanTask):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
                )
        # VACUUM sets the visibility map, so counts can be index-only scans (as autovacuum would).
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        connection.cursor().execute(f"{verb} processes_humantask")
        connection.cursor().execute(f"{verb} processes_processinstance")
    return {"seconds": time.perf_counter() - started, "open": made_open, "cases": cases}


def _officers(sample: int) -> list[int]:
    ids = list(
        Membership.objects.filter(role=Role.OFFICER, user__username__startswith="b_")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    rng = random.Random(44)
    return [rng.choice(ids) for _ in range(sample)]


def _time(user_id: int, selector) -> float:
    user = get_user_model().objects.get(pk=user_id)  # fresh: its posts are read again, as per request
    started = time.perf_counter()
    page = list(selector(user)[0:PAGE])
    count = selector(user).count()
    assert count >= len(page)
    return time.perf_counter() - started


def run(*, total: int, open_tasks: int, samples: int) -> list[Row]:
    scenario = "4 待办列表 inbox"
    made = generate(total=total, open_tasks=open_tasks)
    all_tasks = HumanTask.objects.count()
    all_open = HumanTask.objects.filter(state=HumanTask.State.OPEN).count()
    users = _officers(samples)
    for user_id in users[:10]:  # warm the connection and the plan cache like a running server
        _time(user_id, DepartmentQueue)
    queue = [_time(u, DepartmentQueue) for u in users]  # what the inbox runs when it opens
    mine = [_time(u, my_tasks) for u in users]
    any_post = [_time(u, department_queue) for u in users]  # the same list once a filter is set
    return [
        Row(
            scenario, "tasks in table (open)", all_open, "tasks", f"≥ {open_tasks:,}", all_open >= open_tasks
        ),
        Row(scenario, "tasks in table (total)", all_tasks, "tasks", f"≥ {total:,}", all_tasks >= total),
        Row(scenario, "generation (COPY)", made["seconds"], "s"),
        *latency_rows(scenario, "部门待认领 page 1 + count", queue, 50),
        *latency_rows(scenario, "我的待办 page 1 + count", mine, 50),
        *latency_rows(scenario, "部门待认领 via one OR query (filtered lists)", any_post),
    ]


__all__ = ["run", "generate", "world"]
