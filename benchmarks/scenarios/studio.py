"""Scenario 10: 流程管理 — migrating running cases to a new version, and the monitor's reads.

(a) Migration.  Starts ``cases`` real 双告知 cases on the active registration_push (v1), each
routed to two departments (two open 认领或退回 tasks, two claim timers), the way scenario 1 starts
them; deploys v2 (the claim clock ``push.claim`` → ``push.confirm``, as tests/test_migration.py
does) and then does what the migration page does, one page of choices (``MAX_SELECTION``) per
request: ``selected_cases`` and a ``dry_run`` of each (试迁移), then ``migrate_instances`` with the
optimistic versions the dry run saw (迁移).  Cases per second for each; every case is checked on v2
afterwards, with its open tasks due by the new clock and an ``instance_migrated`` audit row.
Then 批量迁移 takes them all back to v1 as one batch (``start_batch`` + the job's ``run_batch``, each
case with its report row in its own transaction): cases per second, every case back on v1.

(b) The monitor.  Adds generated cases with their tasks (scenario 4's generator: five tasks per
case, a fifth of the cases running, over every approval department and the past year) until the
table holds ``instances`` cases, then times what the monitor pages run, through
``casework.studio.monitor_selectors`` / ``monitor_stats``: the case search (per-state counts, the
first page of 20 with its count and open tasks) for typical filters, and each figure of the
process page of registration_push (cases by state and version, tokens per element, average/p90
time per task, overdue rate per department).  The generated rows carry no workflow; the process
page reads the workflows of the most recently updated unfinished cases (``TOKEN_SAMPLE``), so any
generated case among those is given the saved workflow of a migrated case.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.utils import timezone

from casework.organization.models import Department
from casework.studio import migration_selectors, monitor_stats
from casework.studio import monitor_selectors as monitor
from casework.studio.migration_views import MAX_SELECTION
from casework.studio.monitor_views import PAGE_SIZE
from processes.deploy import deploy_bpmn
from processes.migration import dry_run, migrate_instances, run_batch, start_batch
from processes.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance, ProcessVersion

from ..report import Row, latency_rows
from ..runner import run_parallel
from . import inbox, lifecycle

SCENARIO = "10 流程管理 studio"
PROCESS = "registration_push"
TAG = "MIG"
TARGET_P95_MS = 500
OLD_CLOCK, NEW_CLOCK = "push.claim", "push.confirm"


# --- (a) migration ---------------------------------------------------------------------------


def _start_cases(n: int, workers: int) -> list[int]:
    """``n`` running cases on the active version, started through receive_registration."""
    items = lifecycle.payloads(n, departments=2, tag=TAG, seed=10)
    if workers > 1:
        outcome = run_parallel(items, lifecycle.start_case, workers=workers, setup_fn=lifecycle._setup)
        assert not outcome.errors, outcome.errors[0]
    else:
        context = lifecycle._setup(0)
        for item in items:
            lifecycle.start_case(context, item)
    keys = [f"SGZ-{item['event_id']}" for item in items]
    return list(
        ProcessInstance.objects.filter(business_key__in=keys, status=ProcessInstance.Status.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deploy_v2(v1: ProcessVersion) -> ProcessVersion:
    """registration_push with the claim deadline counted by push.confirm instead of push.claim."""
    old, new = f'clock("{OLD_CLOCK}")', f'clock("{NEW_CLOCK}")'
    assert old in v1.bpmn_xml, f"{PROCESS} v{v1.version} 没有 {old}"
    xml = v1.bpmn_xml.replace(old, new)
    return deploy_bpmn(
        xml=xml, source_name=f"{PROCESS}.bpmn", comment="基准：认领时限改为 push.confirm"
    ).version


def _pages(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + MAX_SELECTION] for i in range(0, len(ids), MAX_SELECTION)]


def migration_rows(*, cases: int, workers: int) -> tuple[list[Row], dict]:
    v1 = ProcessDefinition.objects.get(key=PROCESS).active_version
    assert v1 is not None
    started = time.perf_counter()
    ids = _start_cases(cases, workers)
    start_seconds = time.perf_counter() - started
    v2 = deploy_v2(v1)
    admin = get_user_model().objects.filter(is_superuser=True).first()  # None: the system, as the API allows

    # 试迁移: per page, the chosen cases read and a dry run of each (what the page's POST runs).
    plans = []
    per_case: list[float] = []
    started = time.perf_counter()
    for page in _pages(ids):
        for case in migration_selectors.selected_cases(v1, page):
            began = time.perf_counter()
            plans.append(dry_run(case, v2))
            per_case.append(time.perf_counter() - began)
    dry_seconds = time.perf_counter() - started
    safe = sum(1 for plan in plans if plan.safe)
    seen = {plan.instance_id: plan.instance_version for plan in plans}

    # 迁移: per page, migrate_instances with the versions the dry run saw.
    outcomes = []
    started = time.perf_counter()
    for page in _pages(ids):
        cases_on_page = [c.pk for c in migration_selectors.selected_cases(v1, page)]
        outcomes += migrate_instances(
            cases_on_page, v2.pk, admin, expected_versions={pk: seen[pk] for pk in cases_on_page}
        )
    migrate_seconds = time.perf_counter() - started
    migrated = sum(1 for o in outcomes if o.migrated)
    refused = [o for o in outcomes if not o.migrated]
    if refused:
        print(f"[{SCENARIO}] {len(refused)} cases not migrated, first: {refused[0].reasons}")

    on_v2 = ProcessInstance.objects.filter(pk__in=ids, process_version=v2).count()
    open_tasks = HumanTask.objects.filter(instance_id__in=ids, state=HumanTask.State.OPEN)
    all_open = open_tasks.count()
    by_new_clock = open_tasks.filter(due_clock=NEW_CLOCK).count()
    audited = AuditEvent.objects.filter(instance_id__in=ids, action="instance_migrated").count()
    rows = [
        Row(
            SCENARIO,
            "running cases on v1 (2 departments each)",
            len(ids),
            "cases",
            f"= {cases:,}",
            len(ids) == cases,
        ),
        Row(SCENARIO, "starting them (not measured below)", start_seconds, "s"),
        Row(SCENARIO, "dry runs safe (可迁移)", safe, "cases", f"= {cases:,}", safe == cases),
        Row(
            SCENARIO,
            f"dry run (试迁移), pages of {MAX_SELECTION}",
            len(plans) / dry_seconds if dry_seconds else 0.0,
            "cases/s",
        ),
        *latency_rows(SCENARIO, "dry run per case", per_case),
        Row(
            SCENARIO,
            "migrate_instances (迁移)",
            migrated / migrate_seconds if migrate_seconds else 0.0,
            "cases/s",
        ),
        Row(SCENARIO, "migrate_instances wall time", migrate_seconds, "s"),
        Row(SCENARIO, "migrated (outcomes)", migrated, "cases", f"= {cases:,}", migrated == cases),
        Row(
            SCENARIO, "cases on v2 afterwards (checked in DB)", on_v2, "cases", f"= {cases:,}", on_v2 == cases
        ),
        Row(
            SCENARIO,
            "open tasks due by push.confirm",
            by_new_clock,
            "tasks",
            f"= {all_open:,}",
            all_open > 0 and by_new_clock == all_open,
        ),
        Row(SCENARIO, "instance_migrated audit rows", audited, "rows", f"= {cases:,}", audited == cases),
    ]
    return rows, {"ids": ids, "v1": v1, "v2": v2}


# --- (b) the monitor -------------------------------------------------------------------------


def _fill(instances: int) -> float:
    """Generated cases (scenario 4's generator) until the table holds ``instances``; seconds."""
    missing = instances - ProcessInstance.objects.count()
    if missing <= 0:
        return 0.0
    cases = max(1, missing)
    made = inbox.generate(total=cases * inbox.TASKS_PER_CASE, open_tasks=cases // 5)
    return made["seconds"]


def _give_workflows(source_id: int) -> int:
    """Generated unfinished cases among those the process page reads get a real saved workflow."""
    definition = ProcessDefinition.objects.get(key=PROCESS)
    newest = (
        ProcessInstance.objects.filter(
            process_version__definition=definition, status__in=migration_selectors.OPEN_STATUSES
        )
        .order_by("-updated_at", "-pk")
        .values_list("pk", "state")[: monitor.TOKEN_SAMPLE]
    )
    empty = [pk for pk, state in newest if state == "{}"]
    if empty:
        source = ProcessInstance.objects.get(pk=source_id)
        ProcessInstance.objects.filter(pk__in=empty).update(
            state=source.state, process_version_id=source.process_version_id
        )
    return len(empty)


def _search_once(filters: dict) -> float:
    """What CaseSearchView runs: per-state counts, then page 1 with its count and open tasks."""
    started = time.perf_counter()
    matching = monitor.search_cases(filters)
    counts = monitor.status_counts(matching)
    cases = monitor.for_listing(monitor.with_status(matching, filters.get("status")))
    page = Paginator(cases, PAGE_SIZE).get_page(1)
    rows = list(page.object_list)
    steps = [len(getattr(case, "open_tasks", ())) for case in rows]  # prefetched by for_listing
    assert page.paginator.count <= sum(counts.values()) and len(steps) == len(rows)
    return time.perf_counter() - started


def _filters(rng: random.Random, kind: str, *, departments: list[str], names: int, first, last) -> dict:
    span = max(1, (last - first).days)
    day = (first + timedelta(days=rng.randrange(span))).date()
    department = rng.choice(departments)
    if kind == "process":
        return {"process": PROCESS}
    if kind == "status":
        return {"process": PROCESS, "status": rng.choice(["running", "completed"])}
    if kind == "enterprise":
        return {"enterprise": f"企业{rng.randrange(1, max(2, names))}"}
    if kind == "department":
        return {"department": department}
    if kind == "dates":
        return {"created_from": day, "created_to": day + timedelta(days=30)}
    return {  # everything at once
        "process": PROCESS,
        "status": "running",
        "department": department,
        "created_from": day,
        "created_to": day + timedelta(days=90),
    }


SEARCHES = (
    ("", "search, no filter: page 1 + counts"),
    ("process", "search by process"),
    ("status", "search by process + status"),
    ("enterprise", "search by enterprise fragment"),
    ("department", "search by department"),
    ("dates", "search by 30-day date range"),
    ("all", "search, process+status+department+dates"),
)
FIGURES = (
    ("state_table", "process page: cases by state and version"),
    ("tokens", "process page: tokens per element"),
    ("task_times", "process page: avg/p90 time per task"),
    ("overdue_rates", "process page: overdue rate per department"),
)


def _figure(name: str, definition: ProcessDefinition) -> float:
    started = time.perf_counter()
    if name == "overdue_rates":
        monitor_stats.overdue_rates(definition, now=timezone.now())
    else:
        getattr(monitor_stats, name)(definition)
    return time.perf_counter() - started


def monitor_rows(*, instances: int, samples: int, source_id: int) -> list[Row]:
    seconds = _fill(instances)
    given = _give_workflows(source_id)
    total = ProcessInstance.objects.count()
    tasks = HumanTask.objects.count()
    rng = random.Random(10)
    departments = list(Department.objects.approving().values_list("code", flat=True))
    span = ProcessInstance.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    span["names"] = instances  # generated cases are named 分页测试企业<n>
    rows = [
        Row(SCENARIO, "monitor: cases in table", total, "cases", f"≥ {instances:,}", total >= instances),
        Row(SCENARIO, "monitor: tasks in table", tasks, "tasks"),
        Row(SCENARIO, "monitor: generation (COPY)", seconds, "s"),
        Row(SCENARIO, "monitor: generated cases given a real workflow", given, "cases"),
    ]
    for kind, _ in SEARCHES[:3]:  # warm the connection and the plan cache like a running server
        _search_once(_filters(rng, kind, departments=departments, **span) if kind else {})
    for kind, label in SEARCHES:
        timings = [
            _search_once(_filters(rng, kind, departments=departments, **span) if kind else {})
            for _ in range(samples)
        ]
        rows += latency_rows(SCENARIO, label, timings, TARGET_P95_MS)
    definition = ProcessDefinition.objects.get(key=PROCESS)
    figure_samples = max(3, samples // 5)
    page: list[float] = []
    for name, label in FIGURES:
        _figure(name, definition)
        timings = [_figure(name, definition) for _ in range(figure_samples)]
        page = [a + b for a, b in zip(page, timings, strict=True)] if page else timings
        rows += latency_rows(SCENARIO, label, timings, None if name == "tokens" else TARGET_P95_MS)
    rows += latency_rows(SCENARIO, "process page: all four figures", page)
    return rows


def batch_rows(made: dict) -> list[Row]:
    """批量迁移 of every case from v2 back to v1, as the Celery job runs it."""
    ids, v1, v2 = made["ids"], made["v1"], made["v2"]
    admin = get_user_model().objects.filter(is_superuser=True).first()
    started = time.perf_counter()
    batch = start_batch(v2, v1, admin, "基准测试：批量迁回 v1")
    run_batch(batch.pk)  # nothing to do when an eager job already ran it at the commit
    seconds = time.perf_counter() - started
    batch.refresh_from_db()
    on_v1 = ProcessInstance.objects.filter(pk__in=ids, process_version=v1).count()
    n = len(ids)
    return [
        Row(
            SCENARIO,
            "批量迁移 v2 → v1 (one batch job)",
            batch.migrated / seconds if seconds else 0.0,
            "cases/s",
        ),
        Row(SCENARIO, "批量迁移 wall time", seconds, "s"),
        Row(
            SCENARIO,
            "批量迁移 migrated (report rows)",
            batch.migrated,
            "cases",
            f"= {n:,}",
            batch.migrated == n,
        ),
        Row(SCENARIO, "cases on v1 after the batch (checked in DB)", on_v1, "cases", f"= {n:,}", on_v1 == n),
    ]


def run(*, cases: int, instances: int, samples: int, workers: int) -> list[Row]:
    rows, made = migration_rows(cases=cases, workers=workers)
    rows += batch_rows(made)
    rows += monitor_rows(instances=instances, samples=samples, source_id=made["ids"][0])
    return rows


__all__ = ["run", "deploy_v2", "migration_rows", "batch_rows", "monitor_rows", "SEARCHES", "FIGURES"]
