"""Working-day deadlines, overdue escalation to 效能督办, and the supervisor's decisions."""

from datetime import timedelta

import pytest
import time_machine

from casework.lifecycles.supervision import selectors as supervision_selectors
from casework.lifecycles.supervision.models import EfficiencyViolation, Escalation
from casework.workbench import selectors
from processes import engine
from processes.errors import InvalidTaskData
from processes.models import HumanTask, ProcessInstance

from .conftest import local

pytestmark = pytest.mark.django_db


def _supervise_task():
    return HumanTask.objects.get(case_type="efficiency_supervision", state=HumanTask.State.OPEN)


def _decide(users, data):
    task = _supervise_task()
    engine.claim_task(task_id=task.pk, user=users["supervisor"])
    engine.complete_task(task_id=task.pk, user=users["supervisor"], data=data)
    return task


@pytest.fixture
def overdue_case(start_case):
    """A case pushed on Sunday 2025-09-28 (a 调休 working day) with 7 working days."""
    with time_machine.travel(local(2025, 9, 28, 10, 0), tick=False):
        instance = start_case(deadline_workdays=7, title="国庆前推送的事项")
    return instance


def test_seven_workdays_from_2025_09_28_is_due_2025_10_14_and_escalates_only_after(overdue_case, users):
    task = HumanTask.objects.get(instance=overdue_case)
    assert task.due_at == local(2025, 10, 14, 23, 59, 59)
    assert overdue_case.next_timer_at == task.due_at

    with time_machine.travel(local(2025, 10, 14, 23, 59, 0), tick=False):
        assert engine.fire_due_timers() == 0
    assert Escalation.objects.count() == 0

    with time_machine.travel(local(2025, 10, 15, 0, 0, 30), tick=False):
        assert engine.fire_due_timers() == 1

    escalation = Escalation.objects.get()
    assert (escalation.human_task, escalation.level, escalation.department_code) == (task, 1, "WJW")
    task.refresh_from_db()
    assert task.escalation_level == 1 and task.state == HumanTask.State.OPEN
    queue = list(selectors.department_queue(users["supervisor"]))
    assert [(t.case_type, t.name) for t in queue] == [("efficiency_supervision", "效能督办处理")]
    assert queue[0].instance.parent_task == task
    assert [e.pk for e in supervision_selectors.escalations_for(users["supervisor"])] == [escalation.pk]
    assert users["officer_wj"].notifications.filter(kind="escalation").count() == 1
    assert users["supervisor"].notifications.filter(kind="escalation").count() == 1


def test_timer_fires_once_however_often_the_sweep_runs(overdue_case):
    with time_machine.travel(local(2025, 10, 16, 9, 0), tick=False):
        assert engine.fire_due_timers() == 1
        assert engine.fire_due_timers() == 0
        assert engine.fire_due_timers() == 0
    assert Escalation.objects.count() == 1
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 1


def test_urge_sets_a_new_deadline_that_escalates_again_if_missed(overdue_case, users):
    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
        _decide(users, {"decision": "urge", "urge_workdays": 3, "reason": "请尽快办结"})

    task = HumanTask.objects.get(instance=overdue_case)
    assert task.due_at == local(2025, 10, 20, 23, 59, 59)  # Thu, Fri, then Monday
    first = Escalation.objects.get(level=1)
    assert first.outcome == Escalation.Outcome.URGED and first.new_due_at == task.due_at
    urging = users["officer_wj"].notifications.filter(kind="urging")
    assert urging.count() == 1 and "2025-10-20" in urging.get().body

    with time_machine.travel(local(2025, 10, 20, 23, 0), tick=False):
        engine.fire_due_timers()
    assert Escalation.objects.count() == 1

    with time_machine.travel(local(2025, 10, 21, 9, 0), tick=False):
        engine.fire_due_timers()
    second = Escalation.objects.get(level=2)
    assert second.human_task == task
    task.refresh_from_db()
    assert task.escalation_level == 2
    assert _supervise_task().instance == first.supervision_instance


def test_completing_the_urged_task_closes_the_supervision_case(
    overdue_case, users, django_capture_on_commit_callbacks
):
    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
        _decide(users, {"decision": "urge", "urge_workdays": 2, "reason": "催办"})
        task = HumanTask.objects.get(instance=overdue_case)
        engine.claim_task(task_id=task.pk, user=users["officer_wj"])
        with django_capture_on_commit_callbacks(execute=True):
            engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "已办结"})

    supervision = Escalation.objects.get().supervision_instance
    supervision.refresh_from_db()
    overdue_case.refresh_from_db()
    assert overdue_case.status == ProcessInstance.Status.COMPLETED
    assert supervision.status == ProcessInstance.Status.COMPLETED


def test_excuse_needs_a_reason_and_is_recorded(overdue_case, users):
    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
        task = _supervise_task()
        engine.claim_task(task_id=task.pk, user=users["supervisor"])
        with pytest.raises(InvalidTaskData, match="须填写理由"):
            engine.complete_task(task_id=task.pk, user=users["supervisor"], data={"decision": "excuse"})
        engine.complete_task(
            task_id=task.pk,
            user=users["supervisor"],
            data={"decision": "excuse", "reason": "系统故障导致超期"},
        )

    escalation = Escalation.objects.get()
    assert escalation.outcome == Escalation.Outcome.EXCUSED
    assert escalation.reason == "系统故障导致超期"
    assert escalation.supervision_instance.status == ProcessInstance.Status.COMPLETED
    assert not EfficiencyViolation.objects.exists()


def test_violation_is_kept_for_assessment(overdue_case, users):
    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
        _decide(users, {"decision": "violation", "reason": "无正当理由超期"})

    violation = EfficiencyViolation.objects.get()
    assert violation.department_code == "WJW"
    assert violation.human_task == HumanTask.objects.get(instance=overdue_case)
    assert violation.recorded_by == users["supervisor"]
    assert violation.escalation.outcome == Escalation.Outcome.VIOLATION


def test_officers_cannot_take_supervision_tasks(overdue_case, users):
    from processes.errors import NotAllowed

    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
    with pytest.raises(NotAllowed):
        engine.claim_task(task_id=_supervise_task().pk, user=users["officer_wj"])


def test_task_completed_before_its_deadline_never_escalates(start_case, users):
    with time_machine.travel(local(2025, 9, 28, 10, 0), tick=False):
        instance = start_case(deadline_workdays=7)
        task = HumanTask.objects.get(instance=instance)
        engine.claim_task(task_id=task.pk, user=users["officer_wj"])
        engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "按期办结"})
    with time_machine.travel(local(2025, 10, 20, 9, 0), tick=False):
        assert engine.fire_due_timers() == 0
    assert not Escalation.objects.exists()


def test_a_dying_sweep_fires_each_timer_exactly_once(start_case, monkeypatch):
    """A worker killed mid-sweep leaves committed cases fired and the rest for the next sweep."""
    from casework.lifecycles.supervision import services as supervision

    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        cases = [start_case(deadline_workdays=1, title=f"事项{i}") for i in range(3)]

    real = supervision.escalate_task
    calls = {"n": 0}

    def dies_on_second(task):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("worker killed")
        return real(task)

    monkeypatch.setattr(supervision, "escalate_task", dies_on_second)
    with time_machine.travel(local(2025, 9, 10, 9, 0), tick=False):
        with pytest.raises(KeyboardInterrupt):
            engine.fire_due_timers()
        assert Escalation.objects.count() == 1

        monkeypatch.setattr(supervision, "escalate_task", real)
        assert engine.fire_due_timers() == 2
        assert engine.fire_due_timers() == 0

    assert sorted(Escalation.objects.values_list("human_task__instance_id", flat=True)) == [
        c.pk for c in cases
    ]
    assert ProcessInstance.objects.filter(case_type="efficiency_supervision").count() == 3


def test_backlog_item_received_long_ago_is_overdue_at_once(start_case):
    from django.utils import timezone

    instance = start_case(deadline_workdays=5, received_at=timezone.now() - timedelta(days=30))

    task = HumanTask.objects.get(instance=instance)
    assert task.due_at < timezone.now()
    assert Escalation.objects.filter(human_task=task).count() == 1
    assert engine.fire_due_timers() == 0


def test_the_beat_task_drains_more_than_one_batch(start_case, monkeypatch):
    from processes import tasks

    with time_machine.travel(local(2025, 9, 1, 10, 0), tick=False):
        for i in range(5):
            start_case(deadline_workdays=1, title=f"批量{i}")
    monkeypatch.setattr(tasks, "SWEEP_BATCH", 2)

    assert tasks.fire_due_timers.apply().get() == 5
    assert Escalation.objects.count() == 5
