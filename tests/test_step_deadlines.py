"""Every step has a deadline: 人工确认审批部门 escalates to 效能督办 like a claim; an undecided
效能督办处理 tells the supervision department."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from casework.clocks import services as clocks
from casework.clocks.models import LegalClock
from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.lifecycles.supervision.models import Escalation
from casework.workbench import selectors
from notifications.models import Notification
from processes import engine
from processes.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db

PUSHED_AT = local(2025, 11, 3, 10, 0)  # Monday
EDUCATION = "文化教育培训（不含学历教育）"  # routes to 教育 (JYJ) only


def returned_case(users, event_id="E-dl-0001"):
    """A push 教育 returns on Monday 2025-11-03: the registrar's 人工确认审批部门 is open."""
    with time_machine.travel(PUSHED_AT, tick=False):
        registration, _ = receive_registration(
            event_id=event_id,
            credit_code=make_credit_code("9", "1", "510800", f"MA6D{event_id[-4:]:0>4}"),
            name=f"广元市某培训学校{event_id}",
            business_scope=EDUCATION,
            authority_code="SCJG",
            registered_on=date(2025, 11, 3),
            actor=SYSTEM,
        )
        case = registration.instance
        claim = HumanTask.objects.get(instance=case, bpmn_id="claim_or_return")
        engine.claim_task(task_id=claim.pk, user=users["officer_jy"])
        engine.complete_task(
            task_id=claim.pk,
            user=users["officer_jy"],
            data={"claim_decision": "return", "return_reason": "不属教育审批"},
        )
    return case


def confirm_task(case) -> HumanTask:
    return HumanTask.objects.get(instance=case, bpmn_id="confirm_department")


def supervise_task(**filters) -> HumanTask:
    return HumanTask.objects.get(case_type="efficiency_supervision", bpmn_id="supervise", **filters)


# --- 人工确认审批部门 -----------------------------------------------------------------------------


def test_confirming_the_department_is_due_in_three_working_days_and_shows_it(users, client):
    case = returned_case(users)
    confirm = confirm_task(case)
    assert confirm.due_at == local(2025, 11, 6, 23, 59, 59)  # Tue, Wed, Thu
    assert ProcessInstance.objects.get(pk=case.pk).next_timer_at == confirm.due_at

    client.force_login(users["registrar"])
    with time_machine.travel(local(2025, 11, 4, 9, 0), tick=False):
        page = client.get(reverse("workbench:task", args=[confirm.pk])).content.decode()
        queue = client.get(reverse("workbench:queue")).content.decode()
    assert '<dd class="" data-testid="due-at">2025-11-06 23:59</dd>' in page
    assert "2025-11-06" in queue


def revise(key: str, days: int, on=date(2025, 10, 1)) -> None:
    """The national rule ``key`` becomes ``days`` working days from ``on`` (revised that day)."""
    rule = LegalClock.objects.get(key=key, jurisdiction="", valid_to__isnull=True)
    with time_machine.travel(local(on.year, on.month, on.day, 9, 0), tick=False):
        clocks.revise_rule(
            rule, actor=None, days=days, legal_basis="测试修订", valid_from=on, change_reason="测试"
        )


def test_the_confirmation_deadline_comes_from_the_rule_table(users):
    revise("push.confirm", 1)
    confirm = confirm_task(returned_case(users))
    assert confirm.due_at == local(2025, 11, 4, 23, 59, 59)
    assert confirm.due_clock == "push.confirm"
    assert "测试修订" in confirm.due_basis


def test_an_unconfirmed_return_escalates_to_supervision_once(users):
    case = returned_case(users)
    confirm = confirm_task(case)
    with time_machine.travel(local(2025, 11, 6, 23, 0), tick=False):
        assert engine.fire_due_timers() == 0
    with time_machine.travel(local(2025, 11, 7, 9, 0), tick=False):
        assert engine.fire_due_timers() == 1
        assert engine.fire_due_timers() == 0

    escalation = Escalation.objects.get()
    assert (escalation.human_task, escalation.level, escalation.department_code) == (confirm, 1, "SCJG")
    confirm.refresh_from_db()
    assert confirm.state == HumanTask.State.OPEN and confirm.escalation_level == 1  # non-interrupting
    assert [t.bpmn_id for t in selectors.department_queue(users["supervisor"])] == ["supervise"]
    assert users["registrar"].notifications.filter(kind="escalation").count() == 1


def test_a_return_confirmed_in_time_never_escalates(users):
    case = returned_case(users)
    with time_machine.travel(local(2025, 11, 5, 9, 0), tick=False):
        confirm = confirm_task(case)
        engine.claim_task(task_id=confirm.pk, user=users["registrar"])
        engine.complete_task(task_id=confirm.pk, user=users["registrar"], data={"department": "WJW"})
    with time_machine.travel(local(2025, 11, 7, 9, 0), tick=False):
        engine.fire_due_timers()
    assert not Escalation.objects.filter(human_task=confirm).exists()


# --- 效能督办处理 ---------------------------------------------------------------------------------


def escalated(users):
    """The unconfirmed return of ``returned_case`` escalated on Friday 2025-11-07."""
    case = returned_case(users)
    with time_machine.travel(local(2025, 11, 7, 9, 0), tick=False):
        engine.fire_due_timers()
    return case


def test_deciding_a_supervision_case_is_due_in_three_working_days(users, client):
    escalated(users)
    task = supervise_task()
    assert task.due_at == local(2025, 11, 12, 23, 59, 59)  # Mon, Tue, Wed
    client.force_login(users["supervisor"])
    with time_machine.travel(local(2025, 11, 10, 9, 0), tick=False):
        page = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert "2025-11-12 23:59" in page


def test_an_undecided_supervision_case_tells_the_supervision_department(users):
    escalated(users)
    task = supervise_task()
    colleague = _supervisor("supervisor2")
    engine.claim_task(task_id=task.pk, user=users["supervisor"])
    with time_machine.travel(local(2025, 11, 12, 23, 0), tick=False):
        assert engine.fire_due_timers() == 0
    with time_machine.travel(local(2025, 11, 13, 9, 0), tick=False):
        assert engine.fire_due_timers() == 1
        assert engine.fire_due_timers() == 0

    overdue = AuditEvent.objects.get(action="supervision_overdue")
    assert (overdue.instance_id, overdue.human_task_id) == (task.instance_id, task.pk)
    assert overdue.payload["assignee"] == "supervisor"
    told = Notification.objects.filter(dedupe_key=f"supervise-overdue-{task.pk}")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["supervisor", "supervisor2"]
    assert "效能督办处理超期" in told.first().title
    assert colleague.notifications.filter(kind="escalation").count() >= 1
    # The step stays where it is (non-interrupting): the supervisor may still decide, and no
    # supervision case watches the supervision case.
    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN and task.assignee == users["supervisor"]
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 1
    assert Escalation.objects.count() == 1
    with time_machine.travel(local(2025, 11, 13, 10, 0), tick=False):
        engine.complete_task(
            task_id=task.pk,
            user=users["supervisor"],
            data={"decision": "excuse", "reason": "登记机关人手不足"},
        )
    assert Escalation.objects.get().outcome == Escalation.Outcome.EXCUSED


def test_a_re_escalated_supervision_step_gets_a_fresh_deadline(users):
    escalated(users)
    first = supervise_task()
    with time_machine.travel(local(2025, 11, 10, 9, 0), tick=False):
        engine.claim_task(task_id=first.pk, user=users["supervisor"])
        engine.complete_task(
            task_id=first.pk, user=users["supervisor"], data={"decision": "urge", "urge_workdays": 1}
        )
    with time_machine.travel(local(2025, 11, 12, 9, 0), tick=False):  # the urge deadline (Tue) passed
        engine.fire_due_timers()
    second = supervise_task(state=HumanTask.State.OPEN)
    assert second.pk != first.pk
    assert second.due_at == local(2025, 11, 17, 23, 59, 59)  # Thu, Fri, Mon
    assert Escalation.objects.filter(level=2).count() == 1
    assert not AuditEvent.objects.filter(action="supervision_overdue").exists()


def test_the_decision_deadline_comes_from_the_rule_table(users):
    revise("supervision.decide", 5)
    escalated(users)
    assert supervise_task().due_at == local(2025, 11, 14, 23, 59, 59)


def _supervisor(username: str):
    from django.contrib.auth import get_user_model

    from casework.organization.models import Department, Membership, Role

    user = get_user_model().objects.create_user(username, password="x")
    Membership.objects.create(user=user, department=Department.objects.get(code="XNDB"), role=Role.SUPERVISOR)
    return user
