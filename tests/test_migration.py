"""Migrating running 双告知 cases to another version of registration_push: dry run, migrate, refusals."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine

from casework.lifecycles.supervision.models import Escalation
from processes import engine
from processes.deploy import deploy_bpmn
from processes.engine.core import load_case, record_incident
from processes.migration import dry_run, migrate_instances
from processes.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from processes.serialization import spec_for

from .conftest import local
from .test_registration_push import PUSHED_AT, do, open_task, push

pytestmark = pytest.mark.django_db

XML = (Path(__file__).resolve().parent.parent / "bpmn" / "registration_push.bpmn").read_text(encoding="utf-8")
MIGRATED_AT = local(2025, 11, 5, 10, 0)  # Wednesday, two working days after the push
FEEDBACK = {
    "permit_decision": "granted",
    "decision_date": "2025-11-03",
    "permit_number": "JY15108020001",
    "permit_name": "食品经营许可证",
    "valid_from": "2025-11-03",
    "valid_to": "2030-11-02",
    "permit_authority": "广元市食品药品监督管理局",
    "permit_content": "预包装食品销售、热食类食品制售",
}


def deploy(xml: str, comment: str) -> ProcessVersion:
    return deploy_bpmn(xml=xml, source_name="registration_push.bpmn", comment=comment).version


def confirm_clock(xml: str = XML) -> str:
    """v2: the claim deadline counts the 3 working days of push.confirm instead of push.claim's 5."""
    return xml.replace('clock("push.claim")', 'clock("push.confirm")')


def without_claim_task(xml: str = XML) -> str:
    """v3: no 认领或退回 — the push goes straight to the gateway (the active task is removed)."""
    for pattern in (
        r'<bpmn:userTask id="claim_or_return".*?</bpmn:userTask>\s*',
        r'<bpmn:boundaryEvent id="claim_overdue".*?</bpmn:boundaryEvent>\s*',
        r'<bpmn:intermediateThrowEvent id="claim_escalate".*?</bpmn:intermediateThrowEvent>\s*',
        r'<bpmn:endEvent id="claim_escalated".*?</bpmn:endEvent>\s*',
        r'<bpmn:sequenceFlow id="flow_claim_(decided|overdue|escalated)"[^>]*/>\s*',
        r'<bpmndi:BPMN(Shape|Edge) id="(claim_or_return|claim_overdue|claim_escalate|claim_escalated|'
        r'flow_claim_decided|flow_claim_overdue|flow_claim_escalated)_di".*?</bpmndi:BPMN(Shape|Edge)>\s*',
    ):
        xml, count = re.subn(pattern, "", xml, flags=re.S)
        assert count, pattern
    xml = xml.replace('targetRef="claim_or_return"', 'targetRef="claimed_or_returned"')
    return xml.replace(
        "<bpmn:incoming>flow_claim_decided</bpmn:incoming>",
        "<bpmn:incoming>flow_push_claim</bpmn:incoming><bpmn:incoming>flow_repush</bpmn:incoming>",
    )


def started_case() -> ProcessInstance:
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push()
    return ProcessInstance.objects.get(pk=registration.instance.pk)


def v1_of(case: ProcessInstance) -> ProcessVersion:
    return case.process_version


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def end_of(day: date):
    return local(day.year, day.month, day.day, 23, 59, 59)


def test_dry_run_maps_the_claim_tasks_and_recounts_the_claim_timer_from_the_push(users):
    case = started_case()
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    state, version = case.state, case.version
    with time_machine.travel(MIGRATED_AT, tick=False):
        plan = dry_run(case, v2)

    assert plan.safe and plan.verdict == "可迁移" and (plan.from_version, plan.to_version) == (1, 2)
    assert sorted((t.name, t.state, t.outcome) for t in plan.tasks) == [
        ("认领或退回", "待办", "mapped"),
        ("认领或退回", "待办", "mapped"),
        ("认领超期", "等待中", "changed"),
        ("认领超期", "等待中", "changed"),
    ]
    # Counted from the push (Mon 3 Nov), not from the day of the migration: 3 working days → Thu 6 Nov.
    assert {(t.attached_to, t.before, t.after) for t in plan.timers} == {
        ("认领或退回", end_of(date(2025, 11, 10)), end_of(date(2025, 11, 6)))
    }
    assert all("退回后确认审批部门：3个工作日" in t.basis_after for t in plan.timers)
    assert plan.next_timer_after == end_of(date(2025, 11, 6))
    assert {(h.outcome, h.due_after) for h in plan.human_tasks} == {("kept", end_of(date(2025, 11, 6)))}
    # A dry run changes nothing.
    case.refresh_from_db()
    assert (case.state, case.version, case.process_version_id) == (state, version, v1_of(case).pk)
    assert case.next_timer_at == end_of(date(2025, 11, 10))
    assert not AuditEvent.objects.filter(action="instance_migrated").exists()


def test_migrate_keeps_the_claimed_task_and_its_assignee_and_the_case_goes_on_on_v2(users, officer):
    sp = officer("510800-SP")
    case = started_case()
    claimed = open_task(instance=case, candidate_department="510800-SP")
    engine.claim_task(task_id=claimed.pk, user=sp)
    other = open_task(instance=case, candidate_department="JYJ")
    v1 = v1_of(case)
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")

    with time_machine.travel(MIGRATED_AT, tick=False):
        (outcome,) = migrate_instances([case.pk], v2.pk, users["admin"])

    assert outcome.migrated and outcome.reasons == [] and (outcome.from_version, outcome.to_version) == (1, 2)
    case.refresh_from_db()
    assert case.process_version_id == v2.pk and case.next_timer_at == end_of(date(2025, 11, 6))
    claimed_after = HumanTask.objects.get(pk=claimed.pk)
    assert (claimed_after.state, claimed_after.assignee_id, claimed_after.task_uuid) == (
        HumanTask.State.OPEN,
        sp.pk,
        claimed.task_uuid,
    )
    assert claimed_after.due_at == end_of(date(2025, 11, 6)) and claimed_after.due_clock == "push.confirm"
    assert HumanTask.objects.filter(instance=case, state=HumanTask.State.OPEN).count() == 2
    (audit,) = AuditEvent.objects.filter(instance=case, action="instance_migrated")
    assert audit.actor == users["admin"]
    assert (audit.payload["from_version"], audit.payload["to_version"]) == (1, 2)
    assert sorted(audit.payload["mapped"]) == sorted([str(claimed.task_uuid), str(other.task_uuid)])
    assert len(audit.payload["changed"]) == 2 and audit.payload["removed"] == []
    assert {(parse(t["before"]), parse(t["after"])) for t in audit.payload["timers"]} == {
        (end_of(date(2025, 11, 10)), end_of(date(2025, 11, 6)))
    }
    assert load_case(case).spec is spec_for(v2).spec and v1 != v2

    # Completing the kept task works on v2; 教育's claim is late by v2's clock on Fri 7 Nov.
    with time_machine.travel(local(2025, 11, 6, 9, 0), tick=False):
        done = engine.complete_task(task_id=claimed.pk, user=sp, data={"claim_decision": "claim"})
    assert done.state == HumanTask.State.COMPLETED
    assert open_task(instance=case, bpmn_id="permit_feedback").assignee_id == sp.pk
    with time_machine.travel(local(2025, 11, 7, 9, 0), tick=False):
        assert engine.fire_due_timers() == 1
    assert Escalation.objects.filter(human_task=other).exists()
    case.refresh_from_db()
    assert case.status == ProcessInstance.Status.RUNNING and case.process_version_id == v2.pk


def test_a_renamed_open_task_keeps_its_row_and_takes_the_new_name(users, officer):
    sp = officer("510800-SP")
    case = started_case()
    claimed = open_task(instance=case, candidate_department="510800-SP")
    engine.claim_task(task_id=claimed.pk, user=sp)
    v2 = deploy(XML.replace('name="认领或退回"', 'name="认领或退回推送"'), "改名")
    with time_machine.travel(MIGRATED_AT, tick=False):
        plan = dry_run(case, v2)
        assert {(t.outcome, t.target_name) for t in plan.tasks if t.name == "认领或退回"} == {
            ("changed", "认领或退回推送")
        }
        assert all(not t.moved for t in plan.timers)  # the timers did not change: due as before
        (outcome,) = migrate_instances([case.pk], v2.pk, users["admin"])
    assert outcome.migrated
    row = HumanTask.objects.get(pk=claimed.pk)
    assert (row.name, row.assignee_id, row.due_at) == ("认领或退回推送", sp.pk, claimed.due_at)


def test_a_version_without_the_active_task_is_refused_and_nothing_changes(users):
    case = started_case()
    v3 = deploy(without_claim_task(), "删除认领环节")
    before = ProcessInstance.objects.values().get(pk=case.pk)
    rows = list(HumanTask.objects.filter(instance=case).values())

    plan = dry_run(case, v3)
    assert not plan.safe and plan.verdict == "不可迁移"
    assert any("认领或退回" in r and "目标版本中不存在" in r for r in plan.reasons), plan.reasons
    (outcome,) = migrate_instances([case.pk], v3.pk, users["admin"])

    assert not outcome.migrated and any("认领或退回" in r for r in outcome.reasons)
    assert ProcessInstance.objects.values().get(pk=case.pk) == before
    assert list(HumanTask.objects.filter(instance=case).values()) == rows
    assert not AuditEvent.objects.filter(action="instance_migrated").exists()


def test_completed_incident_same_version_and_other_process_are_refused_while_the_others_go_on(users, officer):
    sp, jy = officer("510800-SP"), users["officer_jy"]
    done_case = started_case()
    with time_machine.travel(PUSHED_AT, tick=False):
        for department, user in (("510800-SP", sp), ("JYJ", jy)):
            do(
                open_task(instance=done_case, candidate_department=department),
                user,
                {"claim_decision": "claim"},
            )
            do(open_task(instance=done_case, bpmn_id="permit_feedback", assignee=user), user, FEEDBACK)
        broken, _ = push(event_id="E2")
    done_case.refresh_from_db()
    assert done_case.status == ProcessInstance.Status.COMPLETED
    broken_case = ProcessInstance.objects.get(pk=broken.instance.pk)
    record_incident(
        broken_case, action="timers", args={}, exc=RuntimeError("定时器出错"), actor=None, incident=None
    )
    with time_machine.travel(PUSHED_AT, tick=False):
        fine, _ = push(event_id="E3")
    fine_case = ProcessInstance.objects.get(pk=fine.instance.pk)
    v1 = v1_of(fine_case)
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    other_process = ProcessVersion.objects.exclude(definition=v1.definition).first()

    assert dry_run(done_case, v2).reasons == ["案件已办结，不能迁移"]
    assert "请先处理异常" in dry_run(broken_case, v2).reasons[0]
    assert dry_run(fine_case, v1).reasons == ["案件已在 v1 上运行，无需迁移"]
    assert "不同，不能迁移" in dry_run(fine_case, other_process).reasons[0]

    with time_machine.travel(MIGRATED_AT, tick=False):
        outcomes = migrate_instances([done_case.pk, broken_case.pk, fine_case.pk], v2.pk, users["admin"])
    assert [o.migrated for o in outcomes] == [False, False, True]
    assert ProcessInstance.objects.get(pk=broken_case.pk).process_version_id == v1.pk
    assert ProcessInstance.objects.get(pk=fine_case.pk).process_version_id == v2.pk


def test_a_case_changed_since_the_dry_run_is_refused(users):
    case = started_case()
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    seen = case.version
    engine.suspend_instance(instance_id=case.pk, actor=users["admin"], reason="核查")
    (outcome,) = migrate_instances([case.pk], v2.pk, users["admin"], expected_versions={case.pk: seen})
    assert not outcome.migrated and "重新试迁移" in outcome.reasons[0]
    # A suspended case may be migrated (after a fresh dry run) and stays suspended.
    with time_machine.travel(MIGRATED_AT, tick=False):
        (outcome,) = migrate_instances([case.pk], v2.pk, users["admin"])
    case.refresh_from_db()
    assert outcome.migrated and case.status == ProcessInstance.Status.SUSPENDED
    assert case.process_version_id == v2.pk


# --- the page ------------------------------------------------------------------------------


def migrate_url(version: ProcessVersion) -> str:
    from django.urls import reverse

    return reverse("workbench:studio-migrate", args=[version.pk])


def test_the_page_is_for_process_admins_only(client, users):
    case = started_case()
    client.force_login(users["registrar"])
    assert client.get(migrate_url(v1_of(case))).status_code == 403


def test_the_page_lists_the_cases_dry_runs_and_migrates_the_chosen_ones(client, users):
    case = started_case()
    refused = started_case_with_event("E9")
    record_incident(
        refused, action="timers", args={}, exc=RuntimeError("定时器出错"), actor=None, incident=None
    )
    v1 = v1_of(case)
    v2 = deploy(confirm_clock(), "认领时限改为 push.confirm")
    client.force_login(users["admin"])
    url = migrate_url(v1)

    page = client.get(url).content.decode()
    assert "广元市某餐饮文化有限公司" in page and "SGZ-E1" in page and "认领或退回" in page
    assert f'<option value="{v2.pk}" selected>v2（当前启用）' in page

    answer = client.post(url, {"action": "dry_run", "target": v2.pk})
    assert answer.status_code == 400 and "请至少选择一件案件" in answer.content.decode()

    with time_machine.travel(MIGRATED_AT, tick=False):
        report = client.post(url, {"action": "dry_run", "target": v2.pk, "case": [case.pk, refused.pk]})
    text = report.content.decode()
    assert report.status_code == 200 and "试迁移结果：v1 → v2" in text and "2 件中 1 件可迁移" in text
    assert "2025-11-10 23:59 → <b>2025-11-06 23:59</b>" in text and "可迁移" in text
    assert "请先处理异常" in text
    assert ProcessInstance.objects.get(pk=case.pk).process_version_id == v1.pk  # a dry run only

    with time_machine.travel(MIGRATED_AT, tick=False):
        done = client.post(
            url,
            {
                "action": "migrate",
                "target": v2.pk,
                "case": [case.pk, refused.pk],
                f"seen_{case.pk}": case.version,
            },
            follow=True,
        )
    text = done.content.decode()
    assert "已迁移 1 件案件到 v2" in text and "1 件案件未迁移" in text and "已迁移</span> v1 → v2" in text
    assert ProcessInstance.objects.get(pk=case.pk).process_version_id == v2.pk
    assert ProcessInstance.objects.get(pk=refused.pk).process_version_id == v1.pk


def started_case_with_event(event_id: str) -> ProcessInstance:
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push(event_id=event_id)
    return ProcessInstance.objects.get(pk=registration.instance.pk)


def test_the_report_says_when_an_open_task_goes_to_another_role(client, users, officer):
    """A target version that gives 认领或退回 to 审核人员: the dry-run report and the outcome say so."""
    sp = officer("510800-SP")
    case = started_case()
    claimed = open_task(instance=case, candidate_department="510800-SP")
    engine.claim_task(task_id=claimed.pk, user=sp)
    v1 = v1_of(case)
    anchor = '<bpmn:userTask id="claim_or_return" name="认领或退回">'
    start = XML.index(anchor)
    role = XML.index('value="officer"', start)
    v2 = deploy(
        XML[:role] + 'value="reviewer"' + XML[role + len('value="officer"') :], "认领改由审核人员办理"
    )
    client.force_login(users["admin"])
    with time_machine.travel(MIGRATED_AT, tick=False):
        plan = dry_run(case, v2)
        assert {(h.outcome, h.role, h.new_role) for h in plan.human_tasks} == {
            ("reassigned", "officer", "reviewer")
        }
        report = client.post(migrate_url(v1), {"action": "dry_run", "target": v2.pk, "case": [case.pk]})
    text = re.sub(r"<[^>]+>", "", report.content.decode())
    assert report.status_code == 200 and "按目标版本改派，退回待认领" in text
    assert "办理部门和角色：广元市食品药品监督管理局 · 经办人员 → 广元市食品药品监督管理局 · 审核人员" in text
    assert "不再办理，由新角色重新认领" in text
