"""双告知 in a real browser: the registrar pushes, one department claims and feeds back, another
returns, the registrar re-pushes, the third lets its deadline pass and the supervisor sees it."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.models import PermitFeedback, Registration
from casework.lifecycles.supervision.models import Escalation
from casework.organization.models import Department, Membership, Role
from processes import engine

from .browser_pages import PASSWORD, _expect_message, _logged_in
from .conftest import local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "广元市蜀味餐饮文化有限公司"


@pytest.fixture
def food_officer(users):
    user = get_user_model().objects.create_user("officer_sp", password=PASSWORD, first_name="食药经办 刘洋")
    Membership.objects.create(
        user=user, department=Department.objects.get(code="510800-SP"), role=Role.OFFICER
    )
    return user


def _open_from_queue(page, live_server, text: str):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/workbench/queue/")
    row = page.locator("[data-testid=task-table] tbody tr").filter(has_text=text)
    expect(row.first).to_be_visible()
    row.first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/workbench/tasks/\d+/$"))
    page.get_by_role("button", name="认领").click()
    _expect_message(page, "已认领")


def test_registration_push_claim_return_repush_and_escalation(
    launch_chromium, live_server, frozen_clock, users, food_officer
):
    from playwright.sync_api import expect

    browser = launch_chromium()

    # The registrar enters the registration; its scope hits 食药 and 教育.
    page = _logged_in(browser, live_server, "registrar", "/workbench/registrations/new/")
    page.fill("#id_credit_code", make_credit_code("9", "1", "510800", "MA6G0001"))
    page.fill("#id_name", NAME)
    page.fill("#id_business_scope", "餐饮服务；预包装食品销售；文化教育培训（不含学历教育）")
    page.fill("#id_registered_on", "2025-10-15")
    page.get_by_role("button", name="接收并推送").click()
    page.wait_for_url(re.compile(r"/notice/$"))
    expect(page.locator("[data-testid=notice-items]")).to_contain_text("食品经营许可")
    expect(page.locator("[data-testid=notice-items]")).to_contain_text("民办学校办学许可")

    # 食药 claims, then feeds back a granted permit.
    page = _logged_in(browser, live_server, "officer_sp", "/workbench/queue/")
    _open_from_queue(page, live_server, NAME)
    expect(page.locator("[data-testid=routing]")).to_contain_text("餐饮服务")
    page.select_option("#id_claim_decision", "claim")
    page.get_by_role("button", name="提交办结").click()
    # The claimer keeps 许可审批反馈 (keep_assignee) and lands on it: no second trip to the queue.
    _expect_message(page, "下一步“许可审批反馈”已由您办理")
    page.select_option("#id_permit_decision", "granted")
    for field, value in {
        "decision_date": "2025-10-15",
        "permit_number": "JY15108020099",
        "permit_name": "食品经营许可证",
        "valid_from": "2025-10-15",
        "valid_to": "2030-10-14",
        "permit_authority": "广元市食品药品监督管理局",
        "permit_content": "热食类食品制售",
    }.items():
        page.fill(f"#id_{field}", value)
    page.get_by_role("button", name="提交办结").click()
    _expect_message(page, "已办结")

    # 教育 returns it with a reason.
    page = _logged_in(browser, live_server, "officer_jy", "/workbench/queue/")
    _open_from_queue(page, live_server, NAME)
    page.select_option("#id_claim_decision", "return")
    page.fill("#id_return_reason", "培训内容为烹饪技能，属人社部门职业技能培训，非教育审批")
    page.get_by_role("button", name="提交办结").click()
    _expect_message(page, "已办结")

    # The registrar confirms 卫健 by hand; the push goes out again.
    page = _logged_in(browser, live_server, "registrar", "/workbench/queue/")
    _open_from_queue(page, live_server, NAME)
    page.select_option("#id_department", "WJW")
    page.get_by_role("button", name="提交办结").click()
    _expect_message(page, "已办结")

    registration = Registration.objects.get(enterprise__name=NAME)
    assert PermitFeedback.objects.get(registration=registration).permit_number == "JY15108020099"
    assert registration.returns.get().repushed_to == "WJW"

    # 卫健 lets its 5-working-day claim deadline pass; the sweep escalates it.
    with time_machine.travel(local(2025, 10, 23, 9, 0), tick=True):
        engine.fire_due_timers()
    assert Escalation.objects.get().department_code == "WJW"

    page = _logged_in(browser, live_server, "supervisor", "/workbench/escalations/")
    row = page.locator("[data-testid=escalation-table] tbody tr").filter(has_text=NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("卫生健康委员会")
    expect(row).to_contain_text("待督办")
