"""Drawing a task in the database and replaying it: snapshot, hashes, teams, recusal, refusals."""

from __future__ import annotations

import gzip
import hashlib
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.lifecycles.inspection import drawing
from casework.lifecycles.inspection.models import (
    Draw,
    DrawReplacement,
    InspectionItem,
    InspectionMember,
    InspectionPlan,
    InspectionTask,
    Inspector,
    InspectorConflict,
)
from casework.organization.models import Department, Membership, Role
from processes.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 3)


@pytest.fixture
def world(users):
    scjg, wjw = Department.objects.get(code="SCJG"), Department.objects.get(code="WJW")
    codes = []
    for i in range(40):
        code = make_credit_code("9", "1", "510802", f"MA9D{i:04d}")
        Enterprise.objects.create(
            credit_code=code,
            name=f"广元市抽查测试{i:02d}有限公司",
            kind=Enterprise.Kind.ENTERPRISE,
            division_code="510802",
            risk_class="ABCD"[i % 4],
            status=Enterprise.Status.ACTIVE if i < 36 else Enterprise.Status.CANCELLED,
        )
        codes.append(code)
    return {"scjg": scjg, "wjw": wjw, "codes": codes, "operator": users["registrar"]}


def inspectors(department: Department, n: int, *, expired: int = 0, start: int = 0) -> list[Inspector]:
    made = []
    for i in range(start, start + n):
        user, _ = get_user_model().objects.get_or_create(username=f"insp_{department.code}_{i}")
        Membership.objects.get_or_create(user=user, department=department, role=Role.INSPECTOR)
        made.append(
            Inspector.objects.create(
                user=user,
                department=department,
                certificate_number=f"{department.code}{i:04d}",
                certificate_valid_until=timezone.localdate() + timedelta(days=-1 if i < expired else 365),
            )
        )
    return made


def task(world, *, count=None, ratios=None, departments=("SCJG",), approved=True, **extra) -> InspectionTask:
    plan = InspectionPlan.objects.create(
        number=f"JH-{InspectionPlan.objects.count() + 1:04d}",
        name="2026 年度企业公示信息抽查",
        lead_department=world["scjg"],
        period_start=TODAY,
        period_end=TODAY + timedelta(days=90),
        state=InspectionPlan.State.APPROVED if approved else InspectionPlan.State.SUBMITTED,
        created_by=world["operator"],
    )
    made = InspectionTask.objects.create(
        plan=plan,
        name="企业公示信息抽查",
        count=count,
        ratios=ratios or {},
        result_due=TODAY + timedelta(days=60),
        **extra,
    )
    item = InspectionItem.objects.create(
        department=world["scjg"],
        code=f"SJ-{plan.pk}",
        name="企业公示信息抽查",
        legal_basis="《企业信息公示暂行条例》",
    )
    made.items.set([item])
    made.departments.set(Department.objects.filter(code__in=departments))
    return made


def test_a_draw_keeps_every_input_and_its_inspections(world):
    team_a = inspectors(world["scjg"], 4, expired=1)
    inspectors(world["wjw"], 3)
    item = drawing.draw_task(
        task_id=task(world, count=10, departments=("SCJG", "WJW")).pk,
        operator=world["operator"],
        witnesses="张三、李四",
    )
    # The population: the 36 active enterprises of the lead department's area, as a hashed file.
    with item.population_file.open("rb") as handle:
        content = gzip.decompress(handle.read())
    assert hashlib.sha256(content).hexdigest() == item.population_hash and item.population_size == 36
    assert (
        content.decode().splitlines()[0]
        == f"{sorted(world['codes'][:36])[0]},{'ABCD'[world['codes'].index(sorted(world['codes'][:36])[0]) % 4]}"
    )
    assert len(item.seed) == 64 and item.algorithm == "xtjg-draw/1" and item.witnesses == "张三、李四"
    # 10 inspections, each with one 市场监管 and one 卫健 inspector, never the expired one.
    assert item.inspections.count() == 10
    for inspection in item.inspections.all():
        members = list(inspection.members.order_by("position").select_related("inspector__department"))
        assert [m.inspector.department.code for m in members] == ["SCJG", "WJW"]
        assert team_a[0].pk not in [m.inspector_id for m in members]
        assert inspection.enterprise_name.startswith("广元市抽查测试")
    assert item.task.state == InspectionTask.State.DRAWN
    audit = AuditEvent.objects.get(action="inspection_drawn")
    assert audit.payload["seed"] == item.seed and audit.payload["targets"] == 10

    outcome = drawing.replay(item)
    assert outcome.ok and outcome.result_hash == item.result_hash


def test_replay_finds_a_changed_team_or_a_changed_snapshot(world, capsys):
    inspectors(world["scjg"], 5)
    item = drawing.draw_task(task_id=task(world, count=6).pk, operator=world["operator"])
    call_command("replay_draw", str(item.pk))
    assert "重放结果与抽取时完全一致" in capsys.readouterr().out

    member = InspectionMember.objects.filter(inspection__draw=item).first()
    other = Inspector.objects.exclude(pk__in=member.inspection.members.values("inspector")).first()
    InspectionMember.objects.filter(pk=member.pk).update(inspector=other)
    outcome = drawing.replay(item)
    assert outcome.result_ok and not outcome.stored_ok and not outcome.ok
    with pytest.raises(CommandError, match="不一致"):
        call_command("replay_draw", str(item.pk))

    content = gzip.compress(b"91510802MA9D0000XX,A\n")
    item.population_file.save("population.csv.gz", ContentFile(content))
    assert not drawing.replay(item).population_ok


def test_a_declared_conflict_and_a_recent_inspection_keep_an_inspector_away(world):
    one = [e for e in world["codes"][:1]]
    Enterprise.objects.exclude(credit_code__in=one).update(status=Enterprise.Status.CANCELLED)
    people = inspectors(world["scjg"], 5)
    InspectorConflict.objects.create(inspector=people[0], credit_code=one[0], reason="配偶在该企业任职")
    first = drawing.draw_task(task_id=task(world, count=1).pk, operator=world["operator"])
    team = set(first.inspections.get().members.values_list("inspector_id", flat=True))
    assert people[0].pk not in team and len(team) == 2
    # The next draw of the same enterprise: neither the conflicted one nor the last team.
    second = drawing.draw_task(task_id=task(world, count=1).pk, operator=world["operator"])
    again = set(second.inspections.get().members.values_list("inspector_id", flat=True))
    assert again == {p.pk for p in people} - team - {people[0].pk}
    assert set(DrawReplacement.objects.filter(draw=second).values_list("reason", flat=True)) <= {
        "conflict",
        "recent",
    }
    assert drawing.replay(second).ok


def test_risk_ratios_draw_per_class(world):
    inspectors(world["scjg"], 6)
    item = drawing.draw_task(
        task_id=task(world, ratios={"A": "0.5", "D": "1"}).pk, operator=world["operator"]
    )
    drawn = list(item.inspections.values_list("risk_class", flat=True))
    # 36 active: 9 per class; A ⌈4.5⌉ = 5, D all 9, none of B and C.
    assert sorted(drawn) == ["A"] * 5 + ["D"] * 9


def test_refusals_save_nothing(world):
    inspectors(world["scjg"], 1)
    waiting = task(world, count=2, approved=False)
    with pytest.raises(drawing.DrawRefused, match="尚未批准"):
        drawing.draw_task(task_id=waiting.pk, operator=world["operator"])
    short = task(world, count=2)
    with pytest.raises(drawing.DrawRefused, match="执法检查人员不足"):
        drawing.draw_task(task_id=short.pk, operator=world["operator"])
    assert not Draw.objects.exists()
    short.refresh_from_db()
    assert short.state == InspectionTask.State.WAITING
    inspectors(world["wjw"], 2)
    InspectionTask.objects.filter(pk=short.pk).update(count=None)
    with pytest.raises(drawing.DrawRefused, match="未设定抽取户数"):
        drawing.draw_task(task_id=short.pk, operator=world["operator"])

    more = inspectors(world["scjg"], 3, start=1)
    assert more
    done = task(world, count=2)
    drawing.draw_task(task_id=done.pk, operator=world["operator"])
    with pytest.raises(drawing.DrawRefused, match="已抽取"):
        drawing.draw_task(task_id=done.pk, operator=world["operator"])


def test_a_refused_start_leaves_the_other_inspections_started(world):
    from casework.lifecycles.inspection import tasks

    inspectors(world["scjg"], 4)
    item = drawing.draw_task(task_id=task(world, count=3).pk, operator=world["operator"])
    broken = item.inspections.order_by("position").first()
    kept = broken.members.order_by("position").first()
    broken.members.exclude(pk=kept.pk).delete()  # a team of one cannot be started (第四十二条)
    ids = list(item.inspections.values_list("pk", flat=True))
    assert tasks.start_cases(ids) == 2
    assert item.inspections.filter(instance__isnull=False).count() == 2
    assert AuditEvent.objects.filter(
        action="inspection_start_refused", payload__inspection_id=broken.pk
    ).exists()
