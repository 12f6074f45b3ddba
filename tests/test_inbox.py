"""The officer inbox: filters, search, sort, working days left, bulk claim."""

from datetime import date

import pytest
import time_machine
from django.contrib.messages import get_messages

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.workbench.inbox_filters import InboxFilterForm
from casework.workbench.templatetags import due_label
from processes import engine
from processes.models import HumanTask

from .conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2025, 11, 5, 10, 0)  # Wednesday


def register(event_id, name, scope, body):
    return receive_registration(
        event_id=event_id,
        credit_code=make_credit_code("9", "1", "510800", body),
        name=name,
        business_scope=scope,
        authority_code="SCJG",
        registered_on=date(2025, 11, 5),
        actor=SYSTEM,
    )[0]


@pytest.fixture
def inbox(users, start_case):
    with time_machine.travel(local(2025, 10, 9, 10, 0), tick=False):
        start_case(department="WJW", deadline_workdays=3, title="旧事项")
    with time_machine.travel(NOW, tick=False):
        clinic = register("I-1", "广元市康健口腔诊所有限公司", "口腔诊疗", "MA6E0001")
        pharmacy = register("I-2", "广元市百姓大药房有限公司", "药品零售；医疗服务", "MA6E0002")
    return {"clinic": clinic, "pharmacy": pharmacy}


def rows(client, **params):
    response = client.get("/workbench/queue/", params)
    return [t.subject_name or t.case_title for t in response.context["page"]]


def test_search_by_name_or_code_and_filter_by_type(inbox, users, client):
    client.force_login(users["officer_wj"])
    with time_machine.travel(NOW, tick=False):
        assert sorted(rows(client)) == ["广元市康健口腔诊所有限公司", "广元市百姓大药房有限公司", "旧事项"]
        assert rows(client, q="口腔") == ["广元市康健口腔诊所有限公司"]
        assert rows(client, q=inbox["pharmacy"].enterprise.credit_code) == ["广元市百姓大药房有限公司"]
        assert rows(client, case_type="demo_claim") == ["旧事项"]
        assert rows(client, due="overdue") == ["旧事项"]
        # Both were received at the same instant: the later task (higher id) comes first.
        assert rows(client, area="510800", sort="-received") == [
            "广元市百姓大药房有限公司",
            "广元市康健口腔诊所有限公司",
        ]
        assert rows(client, received_from="2025-11-05") == [
            "广元市康健口腔诊所有限公司",
            "广元市百姓大药房有限公司",
        ]
        # Typed the Chinese way or with slashes, the same filter.
        for typed in ("2025年11月5日", "2025/11/05"):
            assert rows(client, received_from=typed) == rows(client, received_from="2025-11-05")


# Five WJW cases, created in this order (so this is also their id order): received at, working days.
# 丙 and 丁 tie on both keys; 乙 and 戊 are due at the same moment, but 戊 was received first.
SORTABLE = [
    ("甲", local(2025, 11, 3, 9, 0), 10),  # due 11-17
    ("乙", local(2025, 11, 4, 9, 0), 1),  # due 11-05
    ("丙", local(2025, 11, 5, 9, 0), 4),  # due 11-11
    ("丁", local(2025, 11, 5, 9, 0), 4),  # due 11-11
    ("戊", local(2025, 11, 3, 8, 0), 2),  # due 11-05
]
# Ties go by task id, in the direction of the sort (inbox_filters.SORTS).
SORTED = {
    "received": ["戊", "甲", "乙", "丙", "丁"],
    "-received": ["丁", "丙", "乙", "甲", "戊"],
    "due": ["乙", "戊", "丙", "丁", "甲"],
    "-due": ["甲", "丁", "丙", "戊", "乙"],
}


@pytest.fixture
def sortable(start_case):
    for title, received, workdays in SORTABLE:
        with time_machine.travel(received, tick=False):
            start_case(department="WJW", deadline_workdays=workdays, title=title)
    tasks = {t.case_title: t for t in HumanTask.objects.filter(case_title__in=SORTED["received"])}
    assert [tasks[title].pk for title, _, _ in SORTABLE] == sorted(t.pk for t in tasks.values())
    return tasks


def test_every_sort_option_orders_the_queue_exactly_with_ties_by_task_id(sortable, users, client):
    assert [value for value, _ in InboxFilterForm().fields["sort"].choices] == list(SORTED)
    client.force_login(users["officer_wj"])
    with time_machine.travel(NOW, tick=False):
        for sort, expected in SORTED.items():
            assert rows(client, sort=sort) == expected, sort
            assert rows(client, sort=sort, case_type="demo_claim") == expected, sort
        assert rows(client) == SORTED["received"]  # the unfiltered queue, read post by post
        assert rows(client, case_type="demo_claim") == SORTED["received"]
        assert rows(client, sort="nonsense") == SORTED["received"]


def test_every_sort_option_orders_the_rest_list_exactly(sortable, users):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["officer_wj"])
    with time_machine.travel(NOW, tick=False):
        for sort, expected in SORTED.items():
            listed = api.get("/api/v1/tasks/", {"list": "queue", "sort": sort}).json()["results"]
            assert [t["case_title"] for t in listed] == expected, sort
        listed = api.get("/api/v1/tasks/", {"list": "queue"}).json()["results"]
        assert [t["case_title"] for t in listed] == SORTED["received"]


def test_my_tasks_sort_by_each_option_and_open_nearest_deadline_first(sortable, users, client):
    officer = users["officer_wj"]
    for task in sortable.values():
        engine.claim_task(task_id=task.pk, user=officer)
    client.force_login(officer)
    with time_machine.travel(NOW, tick=False):
        for sort, expected in SORTED.items():
            response = client.get("/workbench/mine/", {"sort": sort})
            assert [t.case_title for t in response.context["page"]] == expected, sort
        # Unfiltered 我的待办 (selectors.my_tasks): by due time, then received time, then id.
        response = client.get("/workbench/mine/")
        assert [t.case_title for t in response.context["page"]] == ["戊", "乙", "丙", "丁", "甲"]


def test_working_days_left_follow_the_calendar():
    with time_machine.travel(NOW, tick=False):
        assert due_label(local(2025, 11, 12, 23, 59, 59)) == "剩余 5 个工作日"
        assert due_label(local(2025, 11, 5, 23, 59, 59)) == "今日到期"
        assert due_label(local(2025, 11, 1, 23, 59, 59)) == "已超期 4 天"


def test_bulk_claim_takes_what_the_officer_may_take_and_reports_the_rest(inbox, users, client):
    mine = list(
        HumanTask.objects.filter(candidate_department="WJW", state="open").values_list("pk", flat=True)
    )
    foreign = HumanTask.objects.get(candidate_department="510800-SP").pk
    client.force_login(users["officer_wj"])

    response = client.post("/workbench/queue/claim/", {"task": [*map(str, mine), str(foreign)]})

    assert response.status_code == 302
    assert set(HumanTask.objects.filter(assignee=users["officer_wj"]).values_list("pk", flat=True)) == set(
        mine
    )
    assert HumanTask.objects.get(pk=foreign).assignee is None
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"已认领 {len(mine)} 件" in texts and any("无权" in t for t in texts)


def test_extreme_or_bad_filters_never_break_the_page(inbox, users, client):
    client.force_login(users["officer_wj"])
    with time_machine.travel(NOW, tick=False):
        assert client.get("/workbench/queue/", {"received_to": "9999-12-31"}).status_code == 200
        assert client.get("/workbench/queue/", {"received_from": "0001-01-01"}).status_code == 200
        # An invalid sort does not drop the valid search.
        assert rows(client, q="口腔", sort="nonsense") == ["广元市康健口腔诊所有限公司"]


def test_pool_items_are_announced_to_the_areas_approval_officers(users):
    from notifications.models import Notification

    register("I-pool", "广元市云端软件有限公司", "软件开发", "MA6E0009")
    assert Notification.objects.filter(recipient=users["officer_wj"], title__startswith="公示认领").exists()
    assert Notification.objects.filter(recipient=users["officer_jy"], title__startswith="公示认领").exists()
    assert not Notification.objects.filter(
        recipient=users["registrar"], title__startswith="公示认领"
    ).exists()
