"""The registrar's daily friction (issue 11): dates as typed, pilot credit codes confirmed and
audited on every channel, the 登记推送记录 list and the way back from the 告知书."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django import forms
from openpyxl import Workbook
from rest_framework.test import APIClient

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.excel_import import COLUMNS
from casework.lifecycles.registration_push.forms import PermitFeedbackForm
from casework.lifecycles.registration_push.models import Registration
from casework.lifecycles.registration_push.services import (
    SYSTEM,
    UnconfirmedCreditCode,
    receive_registration,
)
from casework.organization.models import Department, Membership, Role
from casework.workbench.dates import DateField, InvalidDate, parse_date
from processes import engine
from processes.models import AuditEvent, HumanTask

pytestmark = pytest.mark.django_db

ENTRY = "/workbench/registrations/new/"
LIST = "/workbench/registrations/"


def pilot(code: str) -> str:
    """The same code with a wrong final check character (as some legal early pilot codes have)."""
    return code[:17] + ("0" if code[17] != "0" else "1")


def workbook(rows, columns=COLUMNS) -> io.BytesIO:
    wb = Workbook()
    sheet = wb.active
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "登记.xlsx"
    return buffer


# ---- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03",
        "2026/12/03",
        "2026年12月3日",
        "2026年12月03日",
        "2026-12-3",
        "2026/1/5",
        " 2026年1月5日 ",
    ],
)
def test_the_date_field_reads_the_three_formats(text):
    expected = date(2026, 1, 5) if "/1/" in text or "1月" in text else date(2026, 12, 3)
    assert DateField().clean(text) == expected
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("2026.13.01", "不存在"), ("2026-02-30", "不存在"), ("12/03/2026", "格式不对"), ("明天", "格式不对")],
)
def test_a_bad_date_is_refused_in_chinese(text, reason):
    with pytest.raises(forms.ValidationError) as refused:
        DateField().clean(text)
    assert reason in refused.value.messages[0]
    assert "2026年12月3日" in refused.value.messages[0] or "没有" in refused.value.messages[0]
    with pytest.raises(InvalidDate):
        parse_date(text)


def test_the_date_field_is_the_browsers_date_picker():
    class Form(forms.Form):
        day = DateField()

    html = str(Form(initial={"day": date(2026, 12, 3)})["day"])
    assert 'type="date"' in html and 'value="2026-12-03"' in html


def test_permit_feedback_takes_dates_as_typed():
    form = PermitFeedbackForm(
        data={
            "permit_decision": "granted",
            "decision_date": "2025年10月15日",
            "permit_number": "JY1",
            "permit_name": "食品经营许可证",
            "valid_from": "2025/10/15",
            "valid_to": "2030-10-14",
            "permit_authority": "广元市市场监督管理局",
            "permit_content": "热食类食品制售",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["decision_date"] == date(2025, 10, 15)
    assert form.cleaned_data["valid_from"] == date(2025, 10, 15)
    bad = PermitFeedbackForm(data={"permit_decision": "refused", "decision_date": "2025年13月1日"})
    assert not bad.is_valid() and "不存在" in bad.errors["decision_date"][0]


def test_manual_entry_and_excel_take_dates_as_typed(users, client):
    client.force_login(users["registrar"])
    response = client.post(
        ENTRY,
        {
            "credit_code": make_credit_code("9", "1", "510800", "MA6R0001"),
            "name": "广元市日期测试有限公司",
            "business_scope": "软件开发",
            "registered_on": "2025年11月5日",
        },
    )
    assert response.status_code == 302
    assert Registration.objects.get().registered_on == date(2025, 11, 5)
    upload = workbook(
        [
            ["D-1", make_credit_code("9", "1", "510800", "MA6R0002"), "甲", "软件开发", "2025/11/6"],
            ["D-2", make_credit_code("9", "1", "510800", "MA6R0003"), "乙", "软件开发", "2025年11月7日"],
            ["D-3", make_credit_code("9", "1", "510800", "MA6R0004"), "丙", "软件开发", "2025年2月30日"],
        ]
    )
    report = {r.event_id: r for r in client.post(ENTRY, {"file": upload}).context["results"]}
    assert [report[e].outcome for e in ("D-1", "D-2", "D-3")] == ["新建", "新建", "失败"]
    assert "登记日期无效" in report["D-3"].detail and "不存在" in report["D-3"].detail
    assert Registration.objects.get(event_id="D-2").registered_on == date(2025, 11, 7)


# ---- pilot credit codes ------------------------------------------------------------------


def _push(code: str, **extra):
    return receive_registration(
        event_id=extra.pop("event_id", "P-1"),
        credit_code=code,
        name="广元市试点企业有限公司",
        business_scope="软件开发",
        authority_code="SCJG",
        registered_on=date(2025, 11, 5),
        **extra,
    )


def test_a_pilot_code_is_refused_without_confirmation_whoever_pushes(users):
    code = pilot(make_credit_code("9", "1", "510800", "MA6P0001"))
    for actor in (users["registrar"], SYSTEM):
        with pytest.raises(UnconfirmedCreditCode) as refused:
            _push(code, actor=actor)
        assert refused.value.code == "unconfirmed_credit_code"
        assert "校验位应为" in refused.value.message and "试点期代码，确认无误" in refused.value.message
        assert "credit_code" in refused.value.details
    assert not Registration.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=["registration_received", "pilot_code_confirmed"]
    ).exists()


def test_a_confirmed_pilot_code_is_pushed_flagged_and_the_confirmation_audited(users):
    code = pilot(make_credit_code("9", "1", "510800", "MA6P0002"))
    registration, created = _push(code, actor=users["registrar"], confirm_pilot_code=True)
    assert created and "校验位应为" in registration.enterprise.credit_code_warning
    confirmed = AuditEvent.objects.get(action="pilot_code_confirmed")
    assert confirmed.actor == users["registrar"] and confirmed.instance == registration.instance
    assert confirmed.payload["credit_code"] == code and confirmed.payload["event_id"] == "P-1"


def test_a_valid_code_needs_no_confirmation_and_writes_no_confirmation_row(users):
    _push(make_credit_code("9", "1", "510800", "MA6P0003"), actor=users["registrar"], confirm_pilot_code=True)
    assert not AuditEvent.objects.filter(action="pilot_code_confirmed").exists()


def test_the_entry_form_warns_of_a_pilot_code_and_asks_for_the_confirmation(users, client):
    client.force_login(users["registrar"])
    code = pilot(make_credit_code("9", "1", "510800", "MA6P0004"))
    data = {
        "credit_code": code,
        "name": "广元市试点甲公司",
        "business_scope": "软件开发",
        "registered_on": "2025-11-05",
    }
    response = client.post(ENTRY, data)
    assert response.status_code == 422
    form = response.context["form"]
    assert "校验位应为" in form.errors["credit_code"][0]
    assert "试点期代码，确认无误" in form.errors["confirm_pilot_code"][0]
    assert 'data-testid="pilot-confirmation"' in response.content.decode()
    assert not Registration.objects.exists()

    # The warning shows even when another field is wrong (the service is never reached then).
    response = client.post(ENTRY, {**data, "name": ""})
    assert "校验位应为" in response.context["form"].errors["credit_code"][0]

    response = client.post(ENTRY, {**data, "confirm_pilot_code": "on"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.enterprise.credit_code == code
    assert AuditEvent.objects.get(action="pilot_code_confirmed").actor == users["registrar"]


def test_the_entry_form_does_not_ask_for_a_valid_code(users, client):
    client.force_login(users["registrar"])
    page = client.get(ENTRY).content.decode()
    assert 'data-testid="pilot-confirmation"' not in page
    response = client.post(
        ENTRY, {"credit_code": make_credit_code("9", "1", "510800", "MA6P0005"), "name": ""}
    )
    assert 'data-testid="pilot-confirmation"' not in response.content.decode()


def test_excel_rows_with_pilot_codes_need_the_confirmation_column(users, client):
    client.force_login(users["registrar"])
    unconfirmed = pilot(make_credit_code("9", "1", "510800", "MA6P0006"))
    confirmed = pilot(make_credit_code("9", "1", "510800", "MA6P0007"))
    upload = workbook(
        [
            ["E-1", unconfirmed, "甲", "软件开发", "2025-11-05", "", "", "", "", ""],
            ["E-2", confirmed, "乙", "软件开发", "2025-11-05", "", "", "", "", "是"],
            ["E-3", make_credit_code("9", "1", "510800", "MA6P0008"), "丙", "软件开发", "2025-11-05"],
        ]
    )
    report = {r.event_id: r for r in client.post(ENTRY, {"file": upload}).context["results"]}
    assert report["E-1"].outcome == "失败"
    assert "校验位应为" in report["E-1"].detail and "“试点期代码确认”列填“是”" in report["E-1"].detail
    assert report["E-2"].outcome == "新建" and "试点期代码，已确认" in report["E-2"].detail
    assert report["E-3"].outcome == "新建" and report["E-3"].detail == ""
    assert set(Registration.objects.values_list("event_id", flat=True)) == {"E-2", "E-3"}
    assert AuditEvent.objects.get(action="pilot_code_confirmed").payload["credit_code"] == confirmed


def test_the_api_refuses_an_unconfirmed_pilot_code_and_takes_a_confirmed_one(users):
    from rest_framework.authtoken.models import Token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['registrar']).key}")
    code = pilot(make_credit_code("9", "1", "510800", "MA6P0009"))
    body = {
        "event_id": "A-1",
        "credit_code": code,
        "name": "广元市接口试点公司",
        "business_scope": "软件开发",
        "registration_authority": "SCJG",
        "registered_on": "2025-11-03",
    }
    refused = api.post("/api/v1/registrations", body, format="json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "unconfirmed_credit_code" and "credit_code" in error["details"]
    assert not Registration.objects.exists()

    batch = api.post("/api/v1/registrations/batch", {"registrations": [body]}, format="json").json()
    assert batch["failed"] == 1 and batch["results"][0]["error"]["code"] == "unconfirmed_credit_code"

    accepted = api.post("/api/v1/registrations", {**body, "confirm_pilot_code": True}, format="json")
    assert accepted.status_code == 201 and accepted.json()["credit_code_warning"]
    assert AuditEvent.objects.get(action="pilot_code_confirmed").actor == users["registrar"]


# ---- 登记推送记录 and the 告知书 ------------------------------------------------------------


def _registration(users, event_id: str, body: str, scope: str, name: str, registered_on=date(2025, 11, 5)):
    registration, _ = receive_registration(
        event_id=event_id,
        credit_code=make_credit_code("9", "1", "510800", body),
        name=name,
        business_scope=scope,
        authority_code="SCJG",
        registered_on=registered_on,
        actor=users["registrar"],
    )
    return registration


def _do(task: HumanTask, user, data: dict) -> None:
    engine.claim_task(task_id=task.pk, user=user)
    engine.complete_task(task_id=task.pk, user=user, data=data)


def test_the_registration_list_shows_each_departments_status_and_the_notice(users, client):
    food = _registration(
        users, "L-1", "MA6L0001", "餐饮服务；文化教育培训（不含学历教育）", "广元市列表餐饮有限公司"
    )
    _registration(users, "L-2", "MA6L0002", "软件开发", "广元市列表软件有限公司", date(2025, 10, 1))
    education = HumanTask.objects.get(instance=food.instance, candidate_department="JYJ")
    _do(education, users["officer_jy"], {"claim_decision": "return", "return_reason": "非教育审批"})

    client.force_login(users["registrar"])
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    rows = dict(page.context["rows"])
    statuses = {s.department: s.status for s in rows[food]}
    assert statuses[Department.objects.get(code="JYJ").name] == "已退回"
    assert statuses[Department.objects.get(code="510800-SP").name] == "待认领"
    confirm = HumanTask.objects.get(instance=food.instance, bpmn_id="confirm_department")
    assert [s.task_id for s in rows[food] if s.task_id] == [confirm.pk]
    assert f"/workbench/registrations/{food.pk}/notice/" in html
    assert "公示认领中" in html  # 软件开发 matches nothing: it waits in the pool

    # Searched by name, credit code, event id and date.
    def found(**query):
        return [r.event_id for r, _ in client.get(LIST, query).context["rows"]]

    assert found(q="列表软件") == ["L-2"]
    assert found(q=food.enterprise.credit_code.lower()) == ["L-1"]
    assert found(q="L-1") == ["L-1"]
    assert found(registered_from="2025/11/01") == ["L-1"]
    assert found(registered_to="2025年10月1日") == ["L-2"]
    assert "不存在" in client.get(LIST, {"registered_from": "2025-02-30"}).content.decode()


def test_the_registration_list_shows_feedback_and_is_paginated(users, client, officer):
    food = _registration(users, "F-1", "MA6F0101", "餐饮服务", "广元市反馈餐饮有限公司")
    sp = officer("510800-SP")
    _do(HumanTask.objects.get(instance=food.instance), sp, {"claim_decision": "claim"})
    client.force_login(users["registrar"])
    (row,) = [statuses for r, statuses in client.get(LIST).context["rows"] if r.pk == food.pk]
    assert [s.status for s in row] == ["已认领，待反馈"]
    feedback = HumanTask.objects.get(instance=food.instance, state=HumanTask.State.OPEN)
    _do(feedback, sp, {"permit_decision": "not_applied"})
    for i in range(21):
        _registration(users, f"F-{i + 2}", f"MA6F{i + 200:04d}", "软件开发", f"广元市分页{i}公司")

    first = client.get(LIST)
    assert len(first.context["rows"]) == 20 and first.context["page"].paginator.count == 22
    last = client.get(LIST, {"page": 2})
    (row,) = [statuses for r, statuses in last.context["rows"] if r.pk == food.pk]
    assert [s.status for s in row] == ["已反馈（企业未申请）"]
    assert "第 2 / 2 页" in last.content.decode()


def test_the_registration_list_is_the_registrars_own_authoritys(users, client):
    mine = _registration(users, "O-1", "MA6W0001", "软件开发", "广元市本机关公司")
    user = users["officer_wj2"]  # made the registrar of another authority
    Membership.objects.create(
        user=user, department=Department.objects.get(code="510802-SCJG"), role=Role.REGISTRAR
    )
    client.force_login(user)
    assert [r for r, _ in client.get(LIST).context["rows"]] == []
    assert client.get(f"/workbench/registrations/{mine.pk}/notice/").status_code == 404
    client.force_login(users["officer_wj"])
    assert client.get(LIST).status_code == 404
    client.force_login(users["registrar"])
    assert [r for r, _ in client.get(LIST).context["rows"]] == [mine]


def test_the_menu_offers_the_registration_list_to_registrars_only(users, client):
    client.force_login(users["registrar"])
    assert f'href="{LIST}"' in client.get("/workbench/queue/").content.decode()
    client.force_login(users["officer_wj"])
    assert f'href="{LIST}"' not in client.get("/workbench/queue/").content.decode()


def test_the_notice_leads_back_to_the_workbench_and_stays_printable(users, client):
    registration = _registration(users, "N-1", "MA6N0001", "餐饮服务", "广元市告知书餐饮有限公司")
    client.force_login(users["registrar"])
    html = client.get(f"/workbench/registrations/{registration.pk}/notice/").content.decode()
    assert f'href="{LIST}"' in html and "返回登记推送记录" in html
    assert f'href="{ENTRY}"' in html
    assert "@media print { .tools { display: none; }" in html and 'class="tools"' in html
