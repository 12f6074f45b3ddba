"""The benchmark's own parts: its scratch database, its data generators and its scenarios run
in-process on the test database (the forked, full command runs in CI at smoke scale)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from benchmarks import world
from benchmarks.database import bench_url
from benchmarks.report import Row, percentile, render
from benchmarks.scenarios import (
    batch_import,
    engine_ceiling,
    inbox,
    intake,
    lifecycle,
    portal,
    routing_speed,
    studio,
)
from casework.workbench.selectors import department_queue, my_tasks
from processes.models import HumanTask, ProcessDefinition, ProcessInstance


def test_scratch_database_is_never_the_configured_one(monkeypatch):
    monkeypatch.delenv("BENCHMARK_DATABASE_URL", raising=False)
    assert bench_url("postgres://u:p@db:5432/xtjg") == "postgres://u:p@db:5432/xtjg_benchmark"
    assert bench_url("postgres://u:p@db:5432/xtjg_benchmark") == "postgres://u:p@db:5432/xtjg_benchmark"
    assert bench_url("sqlite:////srv/app/var/db.sqlite3") == "sqlite:////srv/app/var/benchmark.sqlite3"
    monkeypatch.setenv("BENCHMARK_DATABASE_URL", "postgres://u:p@bench:5432/scratch")
    assert bench_url("postgres://u:p@db:5432/xtjg") == "postgres://u:p@bench:5432/scratch"


def test_percentile_and_table():
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.95) == 95
    text = render([Row("4 待办列表 inbox", "p95", 12.5, "ms", "≤ 50 ms", True), Row("x", "n", 3, "n")])
    assert "4 待办列表 inbox" in text and "12.5" in text and "OK" in text


def test_unknown_scenario_is_refused():
    with pytest.raises(CommandError, match="未知的场景编号"):
        call_command("benchmark", only="99")


@pytest.fixture
def bench_world(db):
    world.build()
    return world.scope_book()


def test_scope_book_routes_to_the_number_of_departments_asked_for(bench_world):
    import random

    from casework.lifecycles.registration_push.routing import route_business_scope

    rng = random.Random(3)
    for wanted in (0, 1, 2, 3):
        scope, codes = bench_world.scope(rng, "510800", wanted)
        routed = route_business_scope(business_scope=scope, division_code="510800")
        assert sorted(t.department_code for t in routed.targets) == sorted(codes)
        assert len(codes) == wanted


def test_lifecycle_case_runs_to_completion(bench_world):
    context = lifecycle._setup(0)
    (payload,) = lifecycle.payloads(1, departments=2, tag="UT")
    lifecycle.start_case(context, payload)
    lifecycle.finish_case(context, "SGZ-BENCH-UT-0")
    instance = ProcessInstance.objects.get(business_key="SGZ-BENCH-UT-0")
    assert instance.status == ProcessInstance.Status.COMPLETED
    done = HumanTask.objects.filter(instance=instance, state=HumanTask.State.COMPLETED)
    assert done.count() == 4  # 认领或退回 + 许可审批反馈, for each of the two departments


def test_intake_payload_mix_is_deterministic_and_routable(bench_world):
    run_one = intake.make_item_fn("UI")
    context = intake._setup(0)
    for i in range(12):
        run_one(context, i)
    assert intake.payload(bench_world, 5, "UI") == intake.payload(bench_world, 5, "UI")
    cases = ProcessInstance.objects.filter(business_key__startswith="SGZ-BENCH-UI-")
    assert cases.count() == 12
    assert HumanTask.objects.filter(instance__in=cases, state=HumanTask.State.OPEN).count() >= 12


def test_engine_ceiling_case_completes_in_memory(bench_world):
    before = ProcessInstance.objects.count()
    version = ProcessDefinition.objects.get(key="registration_push").active_version
    engine_ceiling.run_case({"version": version}, 0)
    assert ProcessInstance.objects.count() == before  # nothing stored


def test_inbox_generator_fills_the_tables_the_selectors_read(bench_world):
    from django.contrib.auth import get_user_model

    made = inbox.generate(total=100, open_tasks=20)
    assert made["cases"] == 20 and made["open"] == 20
    assert HumanTask.objects.count() == 100
    assert HumanTask.objects.filter(state=HumanTask.State.OPEN).count() == 20
    # Every open task is in its department's queue or in an officer's own list.
    seen = 0
    for user in (
        get_user_model().objects.filter(username__startswith="b_").exclude(username__startswith="b_sup")
    ):
        seen += department_queue(user).count() + my_tasks(user).count()
    assert seen >= 20
    assert ProcessInstance.objects.create(
        process_version=ProcessDefinition.objects.get(key="demo_claim").active_version, state="{}"
    ).pk > max(HumanTask.objects.values_list("instance_id", flat=True))


def test_routing_scenario_reports_its_rate():
    rows = routing_speed.run(scopes=300)
    rate = next(r for r in rows if r.metric.startswith("throughput"))
    keywords = next(r for r in rows if r.metric == "catalogue keywords")
    assert keywords.value == 2000
    assert rate.value > 0 and rate.met is not None


def test_department_queue_fast_path_matches_the_queryset(bench_world):
    """The inbox's unfiltered 部门待认领 (one index range per post) = the OR queryset, page by page."""
    from django.contrib.auth import get_user_model

    from casework.workbench.selectors import DepartmentQueue

    inbox.generate(total=600, open_tasks=120)
    # Some unmatched registrations in the area's claim pool, offered to every approval officer there.
    pool = HumanTask.objects.filter(state=HumanTask.State.OPEN, assignee__isnull=True, area_code="510800")
    HumanTask.objects.filter(pk__in=list(pool.values_list("pk", flat=True)[:7])).update(
        candidate_department="POOL-510800"
    )
    checked = 0
    for user in get_user_model().objects.filter(username__startswith="b_510800-"):
        fast, slow = DepartmentQueue(user), department_queue(user)
        assert fast.count() == slow.count()
        for start, stop in ((0, 2), (0, 20), (1, 3), (2, 9)):
            assert [t.pk for t in fast[start:stop]] == [t.pk for t in slow[start:stop]]
        checked += fast.count()
    assert checked > 7


def test_intake_batches_cover_every_index_once(bench_world):
    run_batch = intake.make_batch_fn("UB", 130)
    context = intake._setup(0)
    for start in range(0, 130, intake.BATCH):
        run_batch(context, start)
    cases = ProcessInstance.objects.filter(business_key__startswith="SGZ-BENCH-UB-")
    assert cases.count() == 130
    assert cases.filter(business_key="SGZ-BENCH-UB-129").exists()


def test_portal_scenario_generates_a_searchable_directory_and_times_the_public_pages(bench_world):
    from casework.directory.credit_code import check_credit_code
    from casework.directory.models import Enterprise
    from casework.lifecycles.collection.models import CollectedRecord

    rows = portal.run(enterprises=1_500, published=20, samples=6)
    assert Enterprise.objects.count() >= 1_500
    codes = list(Enterprise.objects.values_list("credit_code", flat=True)[:200])
    assert all(check_credit_code(code).ok for code in codes)
    assert len(set(Enterprise.objects.values_list("name", flat=True))) > 1_000  # names vary
    published = CollectedRecord.objects.filter(state=CollectedRecord.State.PUBLISHED)
    assert published.filter(enterprise__isnull=False).count() >= 20
    figures = {r.metric: r for r in rows}
    assert (
        figures["name fragment hits median (counted up to the cap)"].value >= 1
    )  # fragments come from real names
    for name in ("search by credit code", "search by name fragment, page 1", "enterprise page with records"):
        assert figures[f"{name} p95"].target == "≤ 100 ms" and figures[f"{name} p95"].met is not None


def test_import_scenario_counts_every_kind_of_bad_row(bench_world):
    want = batch_import.expected(200)
    assert want == {"accepted": 196, "returned": 3, "refused": 1}
    rows = {r.metric: r for r in batch_import.run(rows=200, tag="T")}
    assert rows["accepted (已归集)"].value == 196
    assert rows["returned (退回补正)"].value == 3 and rows["refused (无法识别)"].value == 1
    assert rows["throughput"].value > 0 and rows["peak RSS during the job"].value > 0


def test_import_scenario_fails_when_the_job_loses_a_row(bench_world, monkeypatch):
    from casework.lifecycles.collection import imports

    real = imports._import_row

    def losing(job, spec, number, cells, row, tally):
        if number == 30:  # dropped without a trace
            return
        real(job, spec, number, cells, row, tally)

    monkeypatch.setattr(imports, "_import_row", losing)
    with pytest.raises(AssertionError, match="批量导入结果与生成的数据不符"):
        batch_import.run(rows=60, tag="L")


def test_studio_scenario_migrates_every_case_to_v2_and_times_the_monitor(bench_world):
    from processes.models import AuditEvent

    v1 = ProcessDefinition.objects.get(key="registration_push").active_version
    rows = studio.run(cases=4, instances=150, samples=2, workers=1)
    figures = {r.metric: r for r in rows}

    # The migrated cases really moved to v2 (checked in the scenario's rows: every one on v2, its
    # claim tasks due by the new clock, audited), then 批量迁移 took every one back to v1: in the
    # database they are on v1 again, due by push.claim, with two migration audit rows each.
    v2 = ProcessDefinition.objects.get(key="registration_push").active_version
    assert v2.version == v1.version + 1 and 'clock("push.confirm")' in v2.bpmn_xml
    cases = ProcessInstance.objects.filter(business_key__startswith="SGZ-BENCH-MIG-")
    assert cases.count() == 4
    assert set(cases.values_list("process_version_id", flat=True)) == {v1.pk}
    claims = HumanTask.objects.filter(instance__in=cases, state=HumanTask.State.OPEN)
    assert claims.count() == 8 and set(claims.values_list("due_clock", flat=True)) == {"push.claim"}
    assert AuditEvent.objects.filter(instance__in=cases, action="instance_migrated").count() == 8
    assert AuditEvent.objects.filter(action="migration_batch_finished").count() == 1
    for name in (
        "running cases on v1 (2 departments each)",
        "dry runs safe (可迁移)",
        "migrated (outcomes)",
        "cases on v2 afterwards (checked in DB)",
        "instance_migrated audit rows",
        "open tasks due by push.confirm",
        "批量迁移 migrated (report rows)",
        "cases on v1 after the batch (checked in DB)",
    ):
        assert figures[name].met is True, name
    assert figures["dry run (试迁移), pages of 200"].value > 0
    assert figures["migrate_instances (迁移)"].value > 0
    assert figures["批量迁移 v2 → v1 (one batch job)"].value > 0

    # The monitor's figures, over a table of generated cases plus the migrated ones.
    assert ProcessInstance.objects.count() >= 150 and figures["monitor: cases in table"].met is True
    for _, label in studio.SEARCHES:
        assert figures[f"{label} p95"].value > 0 and figures[f"{label} p95"].target == "≤ 500 ms"
    for _, label in studio.FIGURES:
        assert figures[f"{label} median"].value > 0
    # The process page read real workflows only (a generated case among them got one).
    assert figures["monitor: generated cases given a real workflow"].value > 0
    newest = ProcessInstance.objects.filter(
        process_version__definition__key="registration_push", status="running"
    ).order_by("-updated_at", "-pk")[:300]
    assert "{}" not in set(newest.values_list("state", flat=True))
