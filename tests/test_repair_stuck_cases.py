"""Cases left stalled by the old multi-instance bug are found and finished by repair_stuck_cases."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from casework.lifecycles.registration_push.models import PermitFeedback
from processes.engine import loops
from processes.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from processes.serialization import connect_loop_children, spec_for

from .test_registration_push import PUSHED_AT, do, open_task, push

pytestmark = pytest.mark.django_db


@contextmanager
def specs_without_loop_merge():
    """The engine as an old release ran it in a process other than the case's creator."""
    version = ProcessVersion.objects.get(definition__key="registration_push", is_active=True)
    loaded = spec_for(version)
    loop = loaded.spec.task_specs["push_to_department"]
    child = loaded.spec.task_specs[loop.task_spec]
    child.completed_event.disconnect(loop.merge_child)
    heal = loops.merge_missed_children
    loops.merge_missed_children = lambda wf: []  # nor did it heal on load
    try:
        yield
    finally:
        loops.merge_missed_children = heal
        connect_loop_children(loaded.spec, *loaded.subprocess_specs.values())


def stalled_case(users, officer):
    """Both departments claim and feed back with the merge missing: running, nothing open."""
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push(event_id="E-stalled")
        case = registration.instance
        with specs_without_loop_merge():
            for department in ("510800-SP", "JYJ"):
                user = officer(department)
                do(
                    open_task(instance=case, candidate_department=department),
                    user,
                    {"claim_decision": "claim"},
                )
                do(
                    open_task(instance=case, candidate_department=department, bpmn_id="permit_feedback"),
                    user,
                    {"permit_decision": "refused", "decision_date": "2025-11-03"},
                )
    return registration


def test_stalled_case_is_listed_then_completed_with_an_audit_row(users, officer):
    registration = stalled_case(users, officer)
    case = ProcessInstance.objects.get(pk=registration.instance.pk)
    assert case.status == ProcessInstance.Status.RUNNING
    assert not case.human_tasks.filter(state=HumanTask.State.OPEN).exists() and case.next_timer_at is None

    listing = StringIO()
    call_command("repair_stuck_cases", stdout=listing)
    assert f"案件 #{case.pk}" in listing.getvalue() and "2 个已办结子任务未合并" in listing.getvalue()
    assert "停滞" in listing.getvalue()
    assert ProcessInstance.objects.get(pk=case.pk).status == ProcessInstance.Status.RUNNING  # listing only

    fixed = StringIO()
    call_command("repair_stuck_cases", "--fix", stdout=fixed)
    assert f"案件 #{case.pk} 已修复：合并 2 个子任务" in fixed.getvalue()
    assert ProcessInstance.objects.get(pk=case.pk).status == ProcessInstance.Status.COMPLETED
    assert AuditEvent.objects.filter(instance=case, action="loop_children_merged").count() == 1
    assert PermitFeedback.objects.filter(registration=registration).count() == 2

    again = StringIO()
    call_command("repair_stuck_cases", stdout=again)
    assert "未发现停滞案件" in again.getvalue()


def test_half_merged_case_is_healed_when_its_last_child_is_worked(users, officer):
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = push(event_id="E-half")
        case = registration.instance
        sp, jy = officer("510800-SP"), officer("JYJ")
        with specs_without_loop_merge():
            do(open_task(instance=case, candidate_department="510800-SP"), sp, {"claim_decision": "claim"})
            do(
                open_task(instance=case, bpmn_id="permit_feedback"),
                sp,
                {"permit_decision": "refused", "decision_date": "2025-11-03"},
            )
        listing = StringIO()
        call_command("repair_stuck_cases", stdout=listing)
        assert "仍有 1 个子任务在办" in listing.getvalue()

        # No repair: the next step of the case merges what the old release missed.
        do(open_task(instance=case, candidate_department="JYJ"), jy, {"claim_decision": "claim"})
        do(
            open_task(instance=case, bpmn_id="permit_feedback"),
            jy,
            {"permit_decision": "refused", "decision_date": "2025-11-03"},
        )
    assert ProcessInstance.objects.get(pk=case.pk).status == ProcessInstance.Status.COMPLETED
    (healed,) = AuditEvent.objects.filter(instance=case, action="loop_children_merged")
    assert [c["element"] for c in healed.payload["children"]] == ["push_to_department"]


def test_a_suspended_stalled_case_is_listed_but_left_until_resumed(users, officer):
    from processes import engine

    registration = stalled_case(users, officer)
    engine.suspend_instance(instance_id=registration.instance.pk, actor=users["admin"], reason="核查中")
    out = StringIO()
    call_command("repair_stuck_cases", "--fix", stdout=out)
    assert "案件已挂起，恢复后再运行本命令修复" in out.getvalue() and "已修复 0 件" in out.getvalue()
    assert ProcessInstance.objects.get(pk=registration.instance.pk).status == ProcessInstance.Status.SUSPENDED
