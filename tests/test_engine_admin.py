"""Administrative actions and hostile input: terminate, retry, form-less tasks, odd ids."""

import pytest
from rest_framework.test import APIClient

from casework.organization.models import Membership
from processes import engine
from processes.errors import EngineError, InstanceNotActive, InvalidTaskData, NotAllowed, StepFailed
from processes.models import HumanTask, Incident, ProcessInstance

from .conftest import deploy_test_bpmn

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_process(users):
    deploy_test_bpmn("engine_failing_step.bpmn")


def test_a_terminated_case_stays_terminated(failing_process, users):
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 0})
    incident = Incident.objects.get(instance=instance)

    engine.terminate_instance(instance_id=instance.pk, actor=users["admin"], reason="重复立案")

    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    with pytest.raises(EngineError):
        engine.retry_incident(incident_id=incident.pk, actor=users["admin"])
    with pytest.raises(InstanceNotActive):
        engine.resume_instance(instance_id=instance.pk, actor=users["admin"])
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.TERMINATED


def test_terminate_needs_a_reason(start_case, users):
    instance = start_case()
    with pytest.raises(EngineError, match="原因"):
        engine.terminate_instance(instance_id=instance.pk, actor=users["admin"], reason="  ")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING


def test_a_task_without_a_form_cannot_overwrite_case_data(users):
    deploy_test_bpmn("engine_parallel.bpmn")
    instance = engine.start_process(key="engine_parallel", data={"round": 1})
    task = HumanTask.objects.filter(instance=instance).first()
    engine.claim_task(task_id=task.pk, user=users["officer_wj"])

    with pytest.raises(InvalidTaskData, match="round"):
        engine.complete_task(task_id=task.pk, user=users["officer_wj"], data={"round": 99, "note": "x"})

    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN


def test_retry_checks_the_officer_still_holds_the_post(failing_process, users):
    instance = engine.start_process(key="engine_failing_step", data={"initial_divisor": 1})
    task = HumanTask.objects.get(instance=instance)
    officer = users["officer_wj"]
    engine.claim_task(task_id=task.pk, user=officer)
    with pytest.raises(StepFailed) as err:
        engine.complete_task(task_id=task.pk, user=officer, data={"divisor": 0})
    Membership.objects.filter(user=officer).delete()
    officer._posts_cache = None

    with pytest.raises(NotAllowed):
        engine.retry_incident(incident_id=err.value.incident_id, actor=users["admin"])
    assert Incident.objects.get(pk=err.value.incident_id).status == Incident.Status.OPEN


@pytest.fixture
def admin_api(users):
    client = APIClient()
    client.force_authenticate(users["admin"])
    return client


@pytest.mark.parametrize("action", ["suspend", "resume", "terminate"])
def test_admin_actions_on_a_missing_case_are_404(admin_api, action):
    response = admin_api.post(f"/api/v1/instances/424242/{action}", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/tasks/99999999999999999999999", "/workbench/tasks/99999999999999999999999/"],
)
def test_absurd_ids_are_404_not_500(admin_api, client, users, path):
    client.force_login(users["officer_wj"])
    assert admin_api.get(path).status_code == 404
    assert client.get(path).status_code == 404


def test_deadline_past_the_last_representable_date_is_a_400():
    response = APIClient().get("/api/v1/calendar/deadline", {"start": "9999-12-31", "workdays": 1})
    assert response.status_code == 400
    assert "start" in response.json()["error"]["details"]


def test_mark_read_ignores_ids_that_are_not_plain_numbers(client, users):
    client.force_login(users["officer_wj"])
    assert (
        client.post("/notifications/read/", {"id": ["²", "99999999999999999999999", "abc"]}).status_code
        == 302
    )
    api = APIClient()
    api.force_authenticate(users["officer_wj"])
    response = api.post("/api/v1/notifications/mark-read", {"ids": [10**30]}, format="json")
    assert response.status_code == 400
