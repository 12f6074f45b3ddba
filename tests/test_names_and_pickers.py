"""People read names: areas, sectors, the claim pool; the re-push picker offers only what the rule
allows; the supervisor can filter the 督办台账 and reach the supervised task after deciding; the
notifications page sits in the workbench frame."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push import selectors as push_selectors
from casework.lifecycles.registration_push.services import (
    SYSTEM,
    InvalidRepush,
    receive_registration,
    repush_target,
)
from casework.lifecycles.supervision import selectors as supervision_selectors
from casework.lifecycles.supervision.models import Escalation
from casework.organization.divisions import related
from casework.organization.models import Department
from casework.workbench import names, selectors
from processes import engine
from processes.models import HumanTask

from .conftest import local

pytestmark = pytest.mark.django_db

PUSHED_AT = local(2025, 11, 3, 10, 0)  # Monday


@pytest.fixture(autouse=True)
def fresh_names():
    """The name tables are cached for a minute; each test reads its own database."""
    names._cache.clear()
    yield
    names._cache.clear()


def push(event_id: str, scope: str, serial: str = "MA6N0001"):
    registration, _ = receive_registration(
        event_id=event_id,
        credit_code=make_credit_code("9", "1", "510800", serial),
        name=f"广元市{event_id}有限公司",
        business_scope=scope,
        authority_code="SCJG",
        registered_on=date(2025, 11, 3),
        actor=SYSTEM,
    )
    return registration


def open_task(**filters) -> HumanTask:
    return HumanTask.objects.get(state=HumanTask.State.OPEN, **filters)


def login(client, user):
    client.force_login(user)
    return client


# --- 1. names, not codes ---------------------------------------------------------------------


def test_areas_have_a_home_and_read_as_people_say_them(users):
    from casework.organization.models import Division

    lizhou = Division.objects.get(code="510802")
    assert (lizhou.name, lizhou.level, lizhou.parent.code, lizhou.parent.parent.code) == (
        "利州区",
        "county",
        "510800",
        "510000",
    )
    assert [names.area_name(c) for c in ("510000", "510800", "510802", "510703")] == [
        "四川省",
        "广元市",
        "广元市利州区",
        "绵阳市涪城区",
    ]
    assert names.sector_name("WJ") == "卫生健康"
    # The claim pool is named by the lifecycle that keeps it.
    assert names.department_name("POOL-510800") == "公示认领池（广元市）"
    assert names.department_name("WJW") == "广元市卫生健康委员会"


def test_the_inbox_and_the_pool_task_show_names(users, client):
    with time_machine.travel(PUSHED_AT, tick=False):
        registration = push("Pool", "软件开发；信息技术咨询服务")
    pool_task = open_task(instance=registration.instance)
    assert pool_task.candidate_department == "POOL-510800"
    login(client, users["officer_wj"])

    inbox = client.get("/workbench/queue/").content.decode()
    assert "公示认领池（广元市）" in inbox and "POOL-510800" not in inbox
    assert '<option value="510802">广元市利州区</option>' in inbox
    assert '<option value="510000">四川省</option>' in inbox
    assert ">510802<" not in inbox

    page = client.get(f"/workbench/tasks/{pool_task.pk}/").content.decode()
    assert "公示认领池（广元市）" in page and "POOL-510800" not in page


def test_the_push_basis_names_the_sectors(users, client):
    with time_machine.travel(PUSHED_AT, tick=False):
        registration = push("Routing", "文化教育培训（不含学历教育）；医疗服务")
    task = HumanTask.objects.filter(instance=registration.instance).order_by("pk").first()
    assert task is not None
    login(client, users["admin"])
    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    table = re.search(r'data-testid="routing">(.*?)</table>', page, re.S)
    assert table is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table.group(1))
    assert "教育" in cells, cells
    assert not {"JY", "WJ", "SP"} & set(cells), cells


# --- 2. the re-push picker -------------------------------------------------------------------


@pytest.fixture
def confirm_task(users):
    """教育局 returned a push of 广元市; the registrar holds the 人工确认审批部门 step."""
    with time_machine.travel(PUSHED_AT, tick=False):
        registration = push("Repush", "文化教育培训")
        case = registration.instance
        returned = open_task(instance=case)
        engine.claim_task(task_id=returned.pk, user=users["officer_jy"])
        engine.complete_task(
            task_id=returned.pk,
            user=users["officer_jy"],
            data={"claim_decision": "return", "return_reason": "不属本部门"},
        )
    task = open_task(instance=case, bpmn_id="confirm_department")
    engine.claim_task(task_id=task.pk, user=users["registrar"])
    return HumanTask.objects.get(pk=task.pk)


def test_repush_choices_are_what_the_rule_allows_sorted_by_level_then_name(confirm_task):
    choices = push_selectors.repush_choices(confirm_task)
    codes = [d.code for d in choices]
    assert "JYJ" not in codes  # it just returned the registration
    assert all(related("510800", d.division_code) for d in choices)
    assert not any(d.division_code.startswith("5107") for d in choices)  # 绵阳 is outside the chain
    approving = Department.objects.approving()
    assert len(codes) < approving.count()
    for department in approving:
        try:
            repush_target(confirm_task, department.code)
            allowed = True
        except InvalidRepush:
            allowed = False
        assert allowed == (department.code in codes), department.code
    order = {"province": 0, "city": 1, "county": 2}
    keys = [(order[d.level], d.name) for d in choices]
    assert keys == sorted(keys)
    assert [d.level for d in choices][0] == "province" and [d.level for d in choices][-1] == "county"


def test_the_repush_select_is_grouped_and_searchable(confirm_task, users, client):
    login(client, users["registrar"])
    page = client.get(f"/workbench/tasks/{confirm_task.pk}/").content.decode()
    select = re.search(r'<select name="department"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert "data-filter=" in select.group(0)
    assert [g for g in re.findall(r'<optgroup label="([^"]+)"', select.group(1))] == ["省级", "市级", "县级"]
    assert 'value="JYJ"' not in select.group(1)
    assert 'value="510703-WJ"' not in select.group(1)
    assert "（WJW）" not in select.group(1)  # names, not codes
    assert "casework/select-filter.js" in page


# --- 4. the supervisor's ledger and the way back ----------------------------------------------


@pytest.fixture
def escalated(start_case):
    """Two overdue 部门认领 cases escalated to 效能督办: one of 卫健委, one of 教育局."""
    with time_machine.travel(local(2025, 9, 28, 10, 0), tick=False):
        start_case(department="WJW", deadline_workdays=7, title="卫健超期事项")
        start_case(department="JYJ", deadline_workdays=7, title="教育超期事项")
    with time_machine.travel(local(2025, 10, 15, 9, 0), tick=False):
        engine.fire_due_timers()
    return {e.department_code: e for e in Escalation.objects.select_related("human_task")}


def _decide(escalation, user, data):
    supervise = open_task(instance=escalation.supervision_instance)
    engine.claim_task(task_id=supervise.pk, user=user)
    engine.complete_task(task_id=supervise.pk, user=user, data=data)
    return supervise


def test_the_supervisor_reads_the_supervised_task_after_deciding(escalated, users, client):
    supervisor = users["supervisor"]
    escalation = escalated["WJW"]
    with time_machine.travel(local(2025, 10, 15, 10, 0), tick=False):
        supervise = _decide(escalation, supervisor, {"decision": "excuse", "reason": "系统故障"})
    supervised = escalation.human_task
    assert selectors.visible_task(supervisor, supervised.pk) is not None
    assert selectors.visible_task(users["officer_jy"], supervised.pk) is None  # not theirs

    login(client, supervisor)
    ledger = client.get("/workbench/escalations/").content.decode()
    assert f'href="/workbench/tasks/{supervised.pk}/"' in ledger
    assert f'href="/workbench/tasks/{supervise.pk}/"' in ledger
    page = client.get(f"/workbench/tasks/{supervised.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "卫健超期事项" in text and 'data-testid="read-only"' in text
    assert "/claim/" not in text  # read-only: no 认领 button
    # …and the engine still refuses to let them take it.
    assert client.post(f"/workbench/tasks/{supervised.pk}/claim/").status_code == 302
    supervised.refresh_from_db()
    assert supervised.assignee_id is None


def test_the_ledger_filters_by_outcome_department_level_date_and_title(escalated, users, client):
    supervisor = users["supervisor"]
    with time_machine.travel(local(2025, 10, 15, 10, 0), tick=False):
        _decide(escalated["WJW"], supervisor, {"decision": "urge", "urge_workdays": 3})

    def rows(**criteria):
        return {e.department_code for e in supervision_selectors.escalations_for(supervisor, **criteria)}

    assert rows() == {"WJW", "JYJ"}
    assert rows(outcome="urged") == {"WJW"}
    assert rows(outcome="pending") == {"JYJ"}
    assert rows(department="JYJ") == {"JYJ"}
    assert rows(level=1) == {"WJW", "JYJ"} and rows(level=2) == set()
    assert rows(q="教育超期") == {"JYJ"}
    assert rows(created_from=date(2025, 10, 15), created_to=date(2025, 10, 15)) == {"WJW", "JYJ"}
    assert rows(created_from=date(2025, 10, 16)) == set()

    login(client, supervisor)
    page = client.get("/workbench/escalations/", {"outcome": "pending", "department": "JYJ"}).content.decode()
    table = page[page.index('data-testid="escalation-table"') :]
    assert "教育超期事项" in table and "卫健超期事项" not in table
    assert '<option value="JYJ" selected>广元市教育局</option>' in page
    assert "状态" in page and "级别" in page and "升级日期自" in page
    bad = client.get("/workbench/escalations/", {"created_from": "1900-01-01", "outcome": "pending"})
    assert bad.status_code == 200 and "教育超期事项" in bad.content.decode()


def test_notifications_sit_in_the_workbench_frame(users, client):
    login(client, users["officer_wj"])
    page = client.get("/notifications/").content.decode()
    assert 'data-testid="back-to-workbench"' in page
    assert 'class="vf-page__menu' in page  # the workbench's menu drawer
    assert 'href="/workbench/queue/"' in page
