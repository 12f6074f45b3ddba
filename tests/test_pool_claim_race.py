"""公示认领 on PostgreSQL: officers of two departments claim one pool task at the same moment.

Runs only when DATABASE_URL points at PostgreSQL (CI runs it there): SQLite serialises
writers, so it cannot show a race.
"""

import threading
from datetime import date

import pytest
from django.db import connection
from rest_framework.test import APIClient

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from processes.models import AuditEvent, HumanTask

from .conftest import is_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (set DATABASE_URL); CI runs it"),
]

OFFICER_DEPARTMENTS = {"officer_wj": "WJW", "officer_jy": "JYJ"}  # two approval departments of 广元市


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_all_at_once(requests: dict[str, tuple[APIClient, str]]) -> dict:
    """POST each request from its own thread (own DB connection), released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    responses: dict = {}

    def send(name: str, client: APIClient, url: str) -> None:
        try:
            barrier.wait(timeout=10)
            responses[name] = client.post(url, {}, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(name, *request)) for name, request in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def pool_task(serial: int) -> HumanTask:
    registration, _ = receive_registration(
        event_id=f"E-pool-race-{serial}",
        credit_code=make_credit_code("9", "1", "510800", f"MA6P{serial:04d}"),
        name=f"广元市云端软件{serial}号有限公司",
        business_scope="软件开发；信息技术咨询服务",
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    task = HumanTask.objects.get(instance=registration.instance, state=HumanTask.State.OPEN)
    assert (task.bpmn_id, task.candidate_department) == ("claim_from_pool", "POOL-510800")
    return task


def test_two_departments_claiming_one_pool_task_at_once_exactly_one_wins(users):
    clients = {name: api_as(users[name]) for name in OFFICER_DEPARTMENTS}
    for serial in range(8):
        task = pool_task(serial)

        responses = post_all_at_once(
            {name: (client, f"/api/v1/tasks/{task.pk}/claim") for name, client in clients.items()}
        )

        assert sorted(r.status_code for r in responses.values()) == [200, 409], responses
        (winner,) = [name for name, r in responses.items() if r.status_code == 200]
        (loser,) = [name for name, r in responses.items() if r.status_code == 409]
        assert responses[loser].json()["error"] == {
            "code": "task_already_claimed",
            "message": "该任务已被他人认领",
            "details": {},
        }
        task.refresh_from_db()
        assert task.assignee_id == users[winner].pk
        claims = AuditEvent.objects.filter(action="task_claimed", human_task=task)
        assert list(claims.values_list("actor_id", flat=True)) == [users[winner].pk]

        # The loser cannot take the registration over; the winner's 认领 moves it to their department.
        refused = clients[loser].post(f"/api/v1/tasks/{task.pk}/complete", {"data": {}}, format="json")
        assert (refused.status_code, refused.json()["error"]["message"]) == (403, "请先认领任务再办理")
        done = clients[winner].post(f"/api/v1/tasks/{task.pk}/complete", {"data": {}}, format="json")
        assert done.status_code == 200, done.json()
        (following,) = HumanTask.objects.filter(instance=task.instance, state=HumanTask.State.OPEN)
        assert (following.bpmn_id, following.candidate_department) == (
            "pool_permit_feedback",
            OFFICER_DEPARTMENTS[winner],
        )
