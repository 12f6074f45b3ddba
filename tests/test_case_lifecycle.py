"""A case from push to completion: inbox, claim, release, complete, audit."""

import pytest

from casework.workbench import selectors
from processes import engine
from processes.errors import InvalidTaskData, NotAllowed, TaskAlreadyClaimed
from processes.models import AuditEvent, HumanTask, ProcessInstance

pytestmark = pytest.mark.django_db


def test_pushed_case_appears_only_in_its_departments_queue(start_case, users):
    instance = start_case(department="WJW")

    queue = list(selectors.department_queue(users["officer_wj"]))
    assert [t.instance_id for t in queue] == [instance.pk]
    assert queue[0].name == "认领并办理"
    assert queue[0].candidate_department == "WJW"
    assert queue[0].due_at is not None
    assert list(selectors.department_queue(users["officer_jy"])) == []
    assert list(selectors.department_queue(users["supervisor"])) == []


def test_claim_then_complete_runs_the_case_to_its_end(start_case, users):
    instance = start_case()
    task = HumanTask.objects.get(instance=instance)
    officer = users["officer_wj"]

    engine.claim_task(task_id=task.pk, user=officer)
    assert list(selectors.department_queue(officer)) == []
    assert [t.pk for t in selectors.my_tasks(officer)] == [task.pk]

    engine.complete_task(task_id=task.pk, user=officer, data={"opinion": "已办理，准予许可"})

    instance.refresh_from_db()
    task.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.next_timer_at is None  # the boundary timer went with the task
    assert task.state == HumanTask.State.COMPLETED
    assert task.form_data == {"opinion": "已办理，准予许可"}
    assert [t.pk for t in selectors.done_tasks(officer)] == [task.pk]
    actions = list(AuditEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions == [
        "instance_started",
        "task_created",
        "task_claimed",
        "task_completed",
        "instance_completed",
    ]


def test_second_claim_is_told_the_task_is_taken(start_case, users):
    task = HumanTask.objects.get(instance=start_case())
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])

    with pytest.raises(TaskAlreadyClaimed, match="已被他人认领"):
        engine.claim_task(task_id=task.pk, user=users["officer_wj2"])
    task.refresh_from_db()
    assert task.assignee == users["officer_wj"]


def test_released_task_returns_to_the_queue(start_case, users):
    task = HumanTask.objects.get(instance=start_case())
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    with pytest.raises(NotAllowed):
        engine.release_task(task_id=task.pk, user=users["officer_wj2"])

    engine.release_task(task_id=task.pk, user=users["officer_wj"])

    assert [t.pk for t in selectors.department_queue(users["officer_wj2"])] == [task.pk]
    assert AuditEvent.objects.filter(human_task=task, action="task_released").count() == 1


def test_other_department_cannot_claim(start_case, users):
    task = HumanTask.objects.get(instance=start_case(department="WJW"))
    with pytest.raises(NotAllowed, match="没有办理该任务的权限") as refused:
        engine.claim_task(task_id=task.pk, user=users["officer_jy"])
    assert "广元市卫生健康委员会" in refused.value.message and "WJW" not in refused.value.message
    assert selectors.visible_task(users["officer_jy"], task.pk) is None


def test_complete_needs_a_claim_first(start_case, users):
    task = HumanTask.objects.get(instance=start_case())
    with pytest.raises(NotAllowed, match="请先认领"):
        engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "x"})


def test_invalid_form_is_refused_and_nothing_changes(start_case, users):
    instance = start_case()
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    before = ProcessInstance.objects.get(pk=instance.pk)

    with pytest.raises(InvalidTaskData) as err:
        engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": ""})

    assert "opinion" in err.value.details
    after = ProcessInstance.objects.get(pk=instance.pk)
    assert (after.version, after.state, after.status) == (before.version, before.state, before.status)
    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN and task.assignee == users["officer_wj"]


def test_assignment_notifies_the_department(start_case, users):
    start_case(department="JYJ")
    notes = users["officer_jy"].notifications.all()
    assert [n.kind for n in notes] == ["assignment"]
    assert users["officer_wj"].notifications.count() == 0


def test_case_data_survives_save_and_load_with_every_key(start_case, users, django_db_blocker):
    """SpiffWorkflow rebuilds task data from key order: a jsonb column would lose keys."""
    from processes.serialization import loads

    instance = start_case(title="数据往返")
    task = HumanTask.objects.get(instance=instance)
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])
    engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"opinion": "中文意见"})

    instance.refresh_from_db()
    wf = loads(instance.process_version, instance.state)
    assert "中文意见" in instance.state  # stored with ensure_ascii=False
    data = wf.last_task.data
    for key, value in {
        "department": "WJW",
        "deadline_workdays": 3,
        "title": "数据往返",
        "opinion": "中文意见",
    }.items():
        assert data[key] == value
    assert "received_at" in data
