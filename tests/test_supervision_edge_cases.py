"""效能督办 when the supervised work changes under it: done early, terminated, suspended."""

import pytest
import time_machine

from casework.lifecycles.supervision.models import Escalation
from processes import engine
from processes.errors import InvalidTaskData
from processes.models import (
    AuditEvent,
    HumanTask,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    ProcessMessage,
)

from .conftest import local

pytestmark = pytest.mark.django_db

OVERDUE = local(2025, 10, 15, 9, 0)


@pytest.fixture
def escalated(start_case):
    """A WJW task pushed 2025-09-28 with 7 working days, escalated on 2025-10-15."""
    with time_machine.travel(local(2025, 9, 28, 10, 0), tick=False):
        case = start_case(deadline_workdays=7)
    with time_machine.travel(OVERDUE, tick=False):
        engine.fire_due_timers()
    return case


def _claim_and_complete(task, user, data):
    engine.claim_task(task_id=task.pk, user=user)
    return engine.complete_task(task_id=task.pk, user=user, data=data)


def _supervise_task():
    return HumanTask.objects.get(case_type="efficiency_supervision", state=HumanTask.State.OPEN)


def _supervision_case():
    return ProcessInstance.objects.get(case_type="efficiency_supervision")


def test_urging_work_that_is_already_done_is_refused_with_a_reason(escalated, users):
    with time_machine.travel(OVERDUE, tick=False):
        _claim_and_complete(
            HumanTask.objects.get(instance=escalated), users["officer_wj"], {"opinion": "补办完毕"}
        )
        task = _supervise_task()
        engine.claim_task(task_id=task.pk, user=users["supervisor"])

        with pytest.raises(InvalidTaskData, match="无需督办") as err:
            engine.complete_task(
                task_id=task.pk, user=users["supervisor"], data={"decision": "urge", "urge_workdays": 3}
            )
        assert "decision" in err.value.details

        engine.complete_task(
            task_id=task.pk, user=users["supervisor"], data={"decision": "violation", "reason": "超期办结"}
        )
        engine.deliver_pending_messages()

    assert _supervision_case().status == ProcessInstance.Status.COMPLETED
    assert Escalation.objects.get().outcome == Escalation.Outcome.VIOLATION
    assert not ProcessMessage.objects.filter(status=ProcessMessage.Status.PENDING).exists()


def test_terminating_a_case_ends_its_supervision_and_nothing_escalates_later(escalated, users):
    with time_machine.travel(OVERDUE, tick=False):
        _claim_and_complete(_supervise_task(), users["supervisor"], {"decision": "urge", "urge_workdays": 2})
        engine.terminate_instance(instance_id=escalated.pk, actor=users["admin"], reason="企业已注销")

    assert _supervision_case().status == ProcessInstance.Status.TERMINATED
    assert HumanTask.objects.get(instance=escalated).state == HumanTask.State.CANCELLED
    with time_machine.travel(local(2025, 11, 3, 9, 0), tick=False):
        assert engine.fire_due_timers() == 0
    assert list(Escalation.objects.values_list("level", flat=True)) == [1]


def test_done_message_waits_for_a_suspended_supervision_case(
    escalated, users, django_capture_on_commit_callbacks
):
    with time_machine.travel(OVERDUE, tick=False):
        _claim_and_complete(_supervise_task(), users["supervisor"], {"decision": "urge", "urge_workdays": 2})
        supervision = _supervision_case()
        engine.suspend_instance(instance_id=supervision.pk, actor=users["admin"], reason="核实中")
        with django_capture_on_commit_callbacks(execute=True):
            _claim_and_complete(
                HumanTask.objects.get(instance=escalated), users["officer_wj"], {"opinion": "已办结"}
            )
        assert ProcessMessage.objects.filter(
            target=supervision, status=ProcessMessage.Status.PENDING
        ).exists()

        engine.resume_instance(instance_id=supervision.pk, actor=users["admin"])
    with time_machine.travel(local(2025, 11, 3, 9, 0), tick=False):
        engine.deliver_pending_messages()
        engine.fire_due_timers()

    supervision.refresh_from_db()
    assert supervision.status == ProcessInstance.Status.COMPLETED
    assert list(Escalation.objects.values_list("level", flat=True)) == [1]


def test_a_thrown_message_is_routed_once_however_many_steps_follow(escalated, users):
    with time_machine.travel(OVERDUE, tick=False):
        _claim_and_complete(
            HumanTask.objects.get(instance=escalated), users["officer_wj"], {"opinion": "办结"}
        )

    assert AuditEvent.objects.filter(instance=escalated, action="message_thrown").count() == 1
    assert ProcessMessage.objects.filter(name="efficiency_supervision").count() == 1
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 1


def test_suspending_a_case_pauses_its_supervision_too(escalated, users):
    engine.suspend_instance(instance_id=escalated.pk, actor=users["admin"], reason="等待企业补正材料")
    assert _supervision_case().status == ProcessInstance.Status.SUSPENDED
    engine.resume_instance(instance_id=escalated.pk, actor=users["admin"])
    assert _supervision_case().status == ProcessInstance.Status.RUNNING


def test_an_unrelated_incident_does_not_stop_a_cases_timers(start_case):
    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        case = start_case(deadline_workdays=1)
    Incident.objects.create(instance=case, action="timers", message="旧的", status=Incident.Status.RESOLVED)
    Incident.objects.create(instance=case, action="complete", message="另一个任务的异常")
    ProcessInstance.objects.filter(pk=case.pk).update(status=ProcessInstance.Status.INCIDENT)

    assert engine.fire_due_timers() == 1
    assert Escalation.objects.filter(human_task__instance=case).exists()


def test_a_failing_case_does_not_stop_the_sweep_and_can_be_retried(start_case, users):
    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        cases = [start_case(deadline_workdays=1, title=f"事项{i}") for i in range(2)]
    supervision = ProcessDefinition.objects.get(key="efficiency_supervision")
    supervision.versions.update(is_active=False)  # e.g. an admin deactivated it by mistake

    assert engine.fire_due_timers() == 2
    incidents = Incident.objects.filter(instance__in=cases, status=Incident.Status.OPEN)
    assert incidents.count() == 2 and all("尚未部署" in i.message for i in incidents)
    assert engine.fire_due_timers() == 0  # failing timer steps wait for a retry, not every sweep

    supervision.versions.update(is_active=True)
    for incident in incidents:
        engine.retry_incident(incident_id=incident.pk, actor=users["admin"])
    assert Escalation.objects.count() == 2
    assert not Incident.objects.filter(status=Incident.Status.OPEN).exists()
