"""REST API (/api/v1/): token auth, inbox lists, claim/complete, notifications, deploy, case admin.

Every refusal is answered in the structured shape ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification
from processes.models import HumanTask, ProcessDefinition, ProcessInstance

from .conftest import BPMN_DIR

pytestmark = pytest.mark.django_db

BUNDLED_DEMO = Path(__file__).resolve().parents[1] / "bpmn" / "demo_claim.bpmn"
UNSAFE_DIAGRAM = BPMN_DIR / "api_demo_claim_unsafe_gateway.bpmn"
PWNED_MARKER = Path("/tmp/xtjg_pwned")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def _task(instance) -> HumanTask:
    return HumanTask.objects.get(instance=instance, state=HumanTask.State.OPEN)


def _upload(name: str, xml: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, xml.encode("utf-8"), content_type="application/xml")


def _deploy(client: APIClient, name: str, xml: str):
    return client.post("/api/v1/processes/deploy", {"file": _upload(name, xml)}, format="multipart")


def _active_demo_version() -> tuple[int, str]:
    version = ProcessDefinition.objects.get(key="demo_claim").active_version
    return version.version, version.sha256


# --- authentication --------------------------------------------------------------------


def test_token_authenticates_the_officer(api, start_case):
    start_case(department="WJW")

    response = api("officer_wj").get("/api/v1/tasks/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/tasks/"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/tasks/1/claim"),
    ],
)
def test_unauthenticated_requests_get_a_structured_refusal(users, method, path):
    response = getattr(APIClient(), method)(path)

    assert response.status_code in (401, 403)
    _error(response, response.status_code, "not_authenticated")


def test_a_wrong_token_is_refused(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    response = client.get("/api/v1/tasks/")

    assert response.status_code in (401, 403)
    _error(response, response.status_code, "authentication_failed")


# --- inbox lists -----------------------------------------------------------------------


def test_queue_lists_only_the_officers_department_tasks(api, start_case):
    wjw = [start_case(department="WJW", title=f"卫健事项{i}") for i in range(2)]
    start_case(department="JYJ", title="教育事项")

    body = api("officer_wj").get("/api/v1/tasks/", {"list": "queue"}).json()

    assert body["count"] == 2
    assert {t["instance_id"] for t in body["results"]} == {i.pk for i in wjw}
    assert {t["candidate_department"] for t in body["results"]} == {"WJW"}
    assert all(t["state"] == "open" and t["assignee"] is None for t in body["results"])
    assert api("officer_jy").get("/api/v1/tasks/", {"list": "queue"}).json()["count"] == 1
    assert api("supervisor").get("/api/v1/tasks/", {"list": "queue"}).json()["count"] == 0


def test_queue_is_paginated(api, start_case):
    for i in range(3):
        start_case(title=f"事项{i}")

    body = api("officer_wj").get("/api/v1/tasks/", {"list": "queue", "page_size": 2}).json()

    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_unknown_list_is_an_invalid_parameter(api, users):
    error = _error(api("officer_wj").get("/api/v1/tasks/", {"list": "everything"}), 400, "invalid_parameter")

    assert "list" in error["details"]


# --- claim and complete ------------------------------------------------------------------


def test_claim_then_a_second_claim_is_told_the_task_is_taken(api, start_case, users):
    task = _task(start_case())

    response = api("officer_wj").post(f"/api/v1/tasks/{task.pk}/claim")
    assert response.status_code == 200
    assert response.json()["assignee"] == "officer_wj"

    error = _error(api("officer_wj2").post(f"/api/v1/tasks/{task.pk}/claim"), 409, "task_already_claimed")
    assert "已被他人认领" in error["message"]
    task.refresh_from_db()
    assert task.assignee == users["officer_wj"]

    mine = api("officer_wj").get("/api/v1/tasks/", {"list": "mine"}).json()
    assert [t["id"] for t in mine["results"]] == [task.pk]


def test_complete_with_invalid_data_is_refused_and_the_task_stays_open(api, start_case):
    task = _task(start_case())
    officer = api("officer_wj")
    officer.post(f"/api/v1/tasks/{task.pk}/claim")

    error = _error(
        officer.post(f"/api/v1/tasks/{task.pk}/complete", {"data": {}}, format="json"),
        400,
        "invalid_task_data",
    )

    assert "opinion" in error["details"]
    assert error["details"]["opinion"]
    task.refresh_from_db()
    assert task.state == HumanTask.State.OPEN
    assert task.instance.status == ProcessInstance.Status.RUNNING


def test_complete_runs_the_case_to_its_end(api, start_case):
    instance = start_case()
    task = _task(instance)
    officer = api("officer_wj")
    officer.post(f"/api/v1/tasks/{task.pk}/claim")

    response = officer.post(
        f"/api/v1/tasks/{task.pk}/complete", {"data": {"opinion": "已办理，准予许可"}}, format="json"
    )

    assert response.status_code == 200, response.content.decode()
    assert response.json()["state"] == "completed"
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    done = officer.get("/api/v1/tasks/", {"list": "done"}).json()
    assert [t["id"] for t in done["results"]] == [task.pk]


def test_completing_an_unclaimed_task_is_refused(api, start_case):
    task = _task(start_case())

    response = api("officer_wj").post(
        f"/api/v1/tasks/{task.pk}/complete", {"data": {"opinion": "x"}}, format="json"
    )

    _error(response, 403, "forbidden")


def test_another_departments_task_is_not_visible(api, start_case):
    task = _task(start_case(department="WJW"))
    officer_jy = api("officer_jy")

    _error(officer_jy.get(f"/api/v1/tasks/{task.pk}"), 404, "not_found")
    _error(officer_jy.post(f"/api/v1/tasks/{task.pk}/claim"), 404, "not_found")
    assert api("officer_wj").get(f"/api/v1/tasks/{task.pk}").json()["id"] == task.pk
    task.refresh_from_db()
    assert task.assignee is None


# --- notifications ---------------------------------------------------------------------


def test_notifications_unread_count_list_and_mark_read(api, start_case, users):
    start_case(title="事项一")
    start_case(title="事项二")
    officer = api("officer_wj")

    assert officer.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    listing = officer.get("/api/v1/notifications/").json()
    assert listing["count"] == 2
    first = listing["results"][0]
    assert first["kind"] == "assignment" and first["read_at"] is None and "新待办" in first["title"]

    response = officer.post("/api/v1/notifications/mark-read", {"ids": [first["id"]]}, format="json")
    assert response.json() == {"marked": 1}
    assert officer.get("/api/v1/notifications/unread-count").json() == {"unread": 1}

    assert officer.post("/api/v1/notifications/mark-read", {}, format="json").json() == {"marked": 1}
    assert officer.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    # officer_wj2 was told too; marking is per recipient.
    assert Notification.objects.filter(recipient=users["officer_wj2"], read_at__isnull=True).count() == 2


def test_notification_links_open_the_task(api, start_case):
    from django.urls import Resolver404, resolve

    task = _task(start_case())

    link = api("officer_wj").get("/api/v1/notifications/").json()["results"][0]["link"]

    try:
        match = resolve(link)
    except Resolver404:
        pytest.fail(f"notification link {link!r} leads nowhere")
    assert (match.view_name, match.kwargs) == ("workbench:task", {"task_id": task.pk})


def test_marking_someone_elses_notification_changes_nothing(api, start_case, users):
    start_case()
    theirs = Notification.objects.get(recipient=users["officer_wj2"])

    response = api("officer_wj").post("/api/v1/notifications/mark-read", {"ids": [theirs.pk]}, format="json")

    assert response.json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_with_bad_ids_is_a_structured_400(api, users):
    error = _error(
        api("officer_wj").post("/api/v1/notifications/mark-read", {"ids": ["abc"]}, format="json"),
        400,
        "invalid",
    )

    assert "ids" in error["details"]


# --- deploying BPMN ----------------------------------------------------------------------


def test_deploy_needs_a_process_admin(api, users):
    before = _active_demo_version()

    error = _error(
        _deploy(api("officer_wj"), "demo_claim.bpmn", BUNDLED_DEMO.read_text(encoding="utf-8")),
        403,
        "permission_denied",
    )

    assert error["message"] == "仅流程管理员可以执行此操作"
    assert _active_demo_version() == before


def test_unsafe_gateway_condition_is_rejected_with_its_element_id(api, users):
    PWNED_MARKER.unlink(missing_ok=True)
    before = _active_demo_version()

    error = _error(
        _deploy(api("admin"), UNSAFE_DIAGRAM.name, UNSAFE_DIAGRAM.read_text(encoding="utf-8")),
        400,
        "deploy_rejected",
    )

    problems = error["details"]["problems"]
    assert [p["element_id"] for p in problems] == ["flow_check_pwned"]
    assert "__import__" in problems[0]["reason"]
    assert "flow_check_pwned" in error["message"]
    assert _active_demo_version() == before
    assert ProcessDefinition.objects.get(key="demo_claim").versions.count() == 1
    assert not PWNED_MARKER.exists()


def test_deploy_a_changed_diagram_then_the_same_one_again(api, users):
    xml = BUNDLED_DEMO.read_text(encoding="utf-8").replace(
        'name="部门认领办理（演示）"', 'name="部门认领办理（演示，第二版）"'
    )
    assert xml != BUNDLED_DEMO.read_text(encoding="utf-8")
    admin = api("admin")

    response = admin.post(
        "/api/v1/processes/deploy",
        {"file": _upload("demo_claim.bpmn", xml), "comment": "第二版名称"},
        format="multipart",
    )
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert (body["key"], body["version"], body["created"], body["comment"]) == (
        "demo_claim",
        2,
        True,
        "第二版名称",
    )
    definition = ProcessDefinition.objects.get(key="demo_claim")
    assert definition.active_version.version == 2
    assert definition.name == "部门认领办理（演示，第二版）"

    again = _deploy(admin, "demo_claim.bpmn", xml)
    assert again.status_code == 200
    assert again.json() == {**body, "created": False}
    assert definition.versions.count() == 2


def test_deploy_without_a_file_is_an_invalid_parameter(api, users):
    error = _error(
        api("admin").post("/api/v1/processes/deploy", {}, format="multipart"), 400, "invalid_parameter"
    )

    assert "file" in error["details"]


# --- public calendar and the schema ----------------------------------------------------------


def test_deadline_calendar_needs_no_login(db):
    response = APIClient().get("/api/v1/calendar/deadline", {"start": "2025-09-28", "workdays": "7"})

    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-09-28",
        "workdays": 7,
        "deadline": "2025-10-14",
        "deadline_at": "2025-10-14T23:59:59+08:00",
    }


def test_deadline_calendar_bad_parameters(db):
    error = _error(
        APIClient().get("/api/v1/calendar/deadline", {"start": "2025-02-30", "workdays": "-1"}),
        400,
        "invalid_parameter",
    )

    assert set(error["details"]) == {"start", "workdays"}


def test_openapi_schema_describes_the_inbox(db):
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/tasks/" in schema["paths"]
    assert "/api/v1/processes/deploy" in schema["paths"]


# --- case administration ------------------------------------------------------------------


def test_suspended_case_cannot_be_claimed_until_resumed(api, start_case):
    instance = start_case()
    task = _task(instance)
    admin, officer = api("admin"), api("officer_wj")

    response = admin.post(f"/api/v1/instances/{instance.pk}/suspend", {"reason": "核查材料"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"

    error = _error(officer.post(f"/api/v1/tasks/{task.pk}/claim"), 409, "instance_not_active")
    assert "挂起" in error["message"]
    task.refresh_from_db()
    assert task.assignee is None

    response = admin.post(f"/api/v1/instances/{instance.pk}/resume", format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "running"
    assert officer.post(f"/api/v1/tasks/{task.pk}/claim").status_code == 200


def test_terminate_needs_a_reason_and_cancels_open_tasks(api, start_case):
    instance = start_case()
    task = _task(instance)
    admin = api("admin")

    _error(admin.post(f"/api/v1/instances/{instance.pk}/terminate", {}, format="json"), 400, "engine_error")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING

    response = admin.post(
        f"/api/v1/instances/{instance.pk}/terminate", {"reason": "申请人撤回"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "terminated"
    task.refresh_from_db()
    assert task.state == HumanTask.State.CANCELLED
    _error(api("officer_wj").post(f"/api/v1/tasks/{task.pk}/claim"), 409, "instance_not_active")
    _error(admin.post(f"/api/v1/instances/{instance.pk}/resume", format="json"), 409, "instance_not_active")


@pytest.mark.parametrize("action", ["suspend", "resume", "terminate"])
def test_officers_cannot_administer_cases(api, start_case, action):
    instance = start_case()

    response = api("officer_wj").post(
        f"/api/v1/instances/{instance.pk}/{action}", {"reason": "x"}, format="json"
    )

    _error(response, 403, "permission_denied")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING


def test_task_list_api_filters_like_the_inbox(api, start_case, users):
    from datetime import date

    from casework.directory.credit_code import make_credit_code
    from casework.lifecycles.registration_push.services import SYSTEM, receive_registration

    start_case()
    receive_registration(
        event_id="API-F1",
        credit_code=make_credit_code("9", "1", "510800", "MA6H0001"),
        name="广元市仁心诊所",
        business_scope="诊所服务",
        authority_code="SCJG",
        registered_on=date(2025, 11, 5),
        actor=SYSTEM,
    )
    client = api("officer_wj")
    rows = client.get("/api/v1/tasks/", {"list": "queue", "q": "仁心"}).json()["results"]
    assert [(r["subject_name"], r["case_type"]) for r in rows] == [("广元市仁心诊所", "registration_push")]
    assert (
        len(client.get("/api/v1/tasks/", {"list": "queue", "case_type": "demo_claim"}).json()["results"]) == 1
    )
    bad = client.get("/api/v1/tasks/", {"list": "queue", "received_from": "昨天"})
    assert bad.status_code == 400 and "received_from" in bad.json()["error"]["details"]
