"""A step that raises becomes an Incident: visible, retryable, never a half-saved case."""

import pytest
import time_machine

from processes import engine
from processes.errors import StepFailed
from processes.models import AuditEvent, HumanTask, Incident, ProcessInstance

from .conftest import deploy_test_bpmn, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_process(users):
    deploy_test_bpmn("engine_failing_step.bpmn")


def test_failing_script_at_start_leaves_a_case_with_an_incident(failing_process):
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0})

    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.INCIDENT
    incident = Incident.objects.get(instance=instance)
    assert incident.status == Incident.Status.OPEN
    assert incident.task_bpmn_id == "compute_ratio"
    assert "除数为零" in incident.message and "division by zero" not in incident.message
    assert incident.message == "执行脚本出错：除数为零"
    assert "division by zero" in incident.traceback and "ZeroDivisionError" in incident.traceback
    assert not HumanTask.objects.filter(instance=instance).exists()
    assert AuditEvent.objects.filter(instance=instance, action="incident_raised").exists()


def test_retry_that_fails_again_keeps_the_incident_open(failing_process, users):
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0})
    incident = Incident.objects.get(instance=instance)

    engine.retry_incident(incident_id=incident.pk, actor=users["admin"])

    incident.refresh_from_db()
    assert (incident.status, incident.retries) == (Incident.Status.OPEN, 1)
    assert Incident.objects.filter(instance=instance).count() == 1


def test_failing_step_after_a_completion_saves_nothing(failing_process, users):
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 2})
    task = HumanTask.objects.get(instance=instance)
    officer = users["officer_wj"]
    engine.claim_task(task_id=task.pk, user=officer)
    before = ProcessInstance.objects.get(pk=instance.pk)

    with pytest.raises(StepFailed, match="流程异常") as err:
        engine.complete_task(task_id=task.pk, user=officer, data={"divisor": 0})

    after = ProcessInstance.objects.get(pk=instance.pk)
    assert (after.version, after.state) == (before.version, before.state)
    assert after.status == ProcessInstance.Status.INCIDENT
    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN and task.assignee == officer
    incident = Incident.objects.get(pk=err.value.incident_id)
    assert incident.action == "complete" and incident.task_bpmn_id == "recompute_ratio"
    assert incident.action_args["data"] == {"divisor": 0}
    assert not AuditEvent.objects.filter(instance=instance, action="task_completed").exists()

    # The officer corrects the input: the case moves on and the failed attempt's incident is moot.
    engine.complete_task(task_id=task.pk, user=officer, data={"divisor": 5})
    review = HumanTask.objects.get(instance=instance, state=HumanTask.State.OPEN)
    assert review.bpmn_id == "review"
    incident.refresh_from_db()
    instance.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert instance.status == ProcessInstance.Status.RUNNING


def test_deadline_in_a_year_without_holiday_data_is_provisional_until_entered(
    users, start_case, admin_client
):
    """Never an incident: the deadline is counted on the statutory holidays and marked 暂定, then
    counted again when the year is entered (here by hand in the admin)."""
    with time_machine.travel(local(2026, 12, 28, 10, 0), tick=False):
        instance = start_case(deadline_workdays=5)
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING and not instance.incidents.exists()
    task = HumanTask.objects.get(instance=instance)
    assert task.due_at == local(2027, 1, 5, 23, 59, 59)  # 29, 30, 31 Dec, (1 Jan 元旦) 4 and 5 Jan
    assert task.due_provisional and instance.provisional_deadlines

    # Entered by hand, days first (they change nothing while the year has no table), then the year
    # (from then on its table decides): an extra day off on 4 January moves the deadline.
    for day, name in (("2027-01-01", "元旦"), ("2027-01-04", "元旦补休")):
        admin_client.post("/admin/processes/calendarday/add/", {"date": day, "kind": "holiday", "name": name})
    task.refresh_from_db()
    assert task.due_provisional and task.due_at == local(2027, 1, 5, 23, 59, 59)
    admin_client.post(
        "/admin/processes/calendaryear/add/", {"year": "2027", "source": "测试：假定的 2027 年安排"}
    )
    task.refresh_from_db()
    instance.refresh_from_db()
    assert task.due_at == local(2027, 1, 6, 23, 59, 59)
    assert not task.due_provisional and not instance.provisional_deadlines


def test_stale_write_is_refused(start_case):
    from processes.engine.core import save_state as _save_state
    from processes.errors import ConcurrentModification
    from processes.serialization import loads

    instance = start_case()
    wf = loads(instance.process_version, instance.state)
    ProcessInstance.objects.filter(pk=instance.pk).update(version=instance.version + 1)

    with pytest.raises(ConcurrentModification):
        _save_state(instance, wf)


def test_failure_after_the_first_save_of_a_new_case_keeps_it_with_its_initial_state(
    failing_process, monkeypatch
):
    from processes import hooks
    from processes.serialization import loads

    def refuse(**kwargs):
        raise RuntimeError("hook failed")

    monkeypatch.setitem(hooks._created_hooks, ("engine_failing_step", "*"), [refuse])
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 2})

    instance.refresh_from_db()
    assert (instance.status, instance.version) == (ProcessInstance.Status.INCIDENT, 1)
    assert ProcessInstance.objects.count() == 1
    assert not HumanTask.objects.exists()  # the task row of the rolled-back step is gone
    wf = loads(instance.process_version, instance.state)
    assert not wf.completed and wf.data == {} and wf.task_tree.data["initial_divisor"] == 2
    assert "hook failed" in Incident.objects.get(instance=instance).message
    actions = list(
        AuditEvent.objects.filter(instance=instance).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["instance_started", "incident_raised"]


def test_incident_for_a_missing_data_name_is_chinese_and_keeps_the_english_in_the_traceback(
    failing_process, users
):
    """SpiffWorkflow says "NameError:name 'initial_divisor' is not defined. Did you mean 'other'?";
    the incident table, timeline and retry answer show Chinese, the engineers keep the original."""
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisr": 2})
    incident = Incident.objects.get(instance=instance)
    assert "案件数据中没有“initial_divisor”" in incident.message
    assert "是否应为“initial_divisr”" in incident.message
    assert "is not defined" not in incident.message and "Did you mean" not in incident.message
    assert "name 'initial_divisor' is not defined" in incident.traceback
    event = AuditEvent.objects.get(instance=instance, action="incident_raised")
    assert "案件数据中没有“initial_divisor”" in event.payload["message"]

    engine.retry_incident(incident_id=incident.pk, actor=users["admin"])  # fails again
    incident.refresh_from_db()
    assert incident.retries == 1
    assert "案件数据中没有“initial_divisor”" in incident.message and "is not defined" not in incident.message
