"""End-to-end through a real browser: an overdue case goes from the officer's queue to 效能督办 and back.

Drives Debian chromium with Playwright against pytest-django's ``live_server`` (same process, so
``time_machine`` pins the clock for the server thread too).  The clock is pinned to a date the bundled
holiday calendar covers, so the working-day deadlines below are fixed and the test does not depend on
today's date.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from casework.lifecycles.supervision.models import Escalation
from notifications.models import Notification
from processes.models import HumanTask

from .browser_pages import TIMEOUT_MS, _expect_message, _logged_in
from .conftest import BROWSER_NOW, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT_DIR = Path(__file__).resolve().parents[1] / "var" / "screenshots"
#: Wednesday 2025-10-15 09:00 Beijing time: after the 国庆 holidays, well inside the calendar data.
NOW = BROWSER_NOW
#: Django's own wording or the project's login template's.
LOGIN_ERROR = re.compile("用户名或密码不正确|正确的用户名和密码")


@pytest.fixture
def overdue_case(frozen_clock, start_case):
    """An imported backlog item received a month ago: overdue, so escalated as soon as it starts."""
    instance = start_case(
        deadline_workdays=5,
        title="某口腔诊所 · 医疗机构执业许可事项",
        received_at=timezone.now() - timedelta(days=30),
    )
    task = HumanTask.objects.get(instance=instance)
    assert task.due_at < timezone.now()
    assert Escalation.objects.filter(human_task=task).count() == 1
    return instance


def _unread(page) -> int:
    badge = page.locator("[data-testid=unread-count]")
    return int(badge.inner_text()) if badge.count() else 0


def _supervisor_opens_supervision_task(browser, live_server, case_title: str):
    from playwright.sync_api import expect

    page = _logged_in(browser, live_server, "supervisor", "/workbench/escalations/")
    row = page.locator("[data-testid=escalation-table] tbody tr").filter(has_text=case_title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待督办")
    expect(row).to_contain_text("卫生健康委员会")
    row.get_by_role("link", name="处理").click()
    page.wait_for_url(re.compile(r"/workbench/tasks/\d+/$"))
    expect(page.locator("[data-testid=supervised-task]")).to_contain_text(case_title)
    page.get_by_role("button", name="认领").click()
    _expect_message(page, "已认领：效能督办处理")
    expect(page.locator("form[action$='/complete/']")).to_be_visible()
    return page


def test_overdue_case_is_claimed_urged_and_the_officer_is_told(
    launch_chromium, live_server, overdue_case, users
):
    from playwright.sync_api import expect

    browser = launch_chromium()
    task = HumanTask.objects.get(instance=overdue_case)

    # 经办人: the overdue task waits in 部门待认领 with its marker; claim it.
    officer = _logged_in(browser, live_server, "officer_wj", "/workbench/queue/")
    row = officer.locator(f"[data-testid=task-table] tr[data-task-id='{task.pk}']")
    expect(row).to_contain_text(overdue_case.title)
    expect(row).to_contain_text("已超期")
    expect(row).to_contain_text("督办 1 级")
    row.get_by_role("button", name="认领").click()
    officer.wait_for_url(f"**/workbench/tasks/{task.pk}/")
    _expect_message(officer, "已认领：认领并办理")
    expect(officer.locator("[data-testid=assignee]")).to_contain_text("李明")
    officer.goto(f"{live_server.url}/workbench/mine/")
    expect(officer.locator(f"[data-testid=task-table] tr[data-task-id='{task.pk}']")).to_contain_text(
        "已超期"
    )
    unread_before = _unread(officer)

    # 督办人员: 效能督办 → 处理 → 认领 → 督办 3 个工作日.
    supervisor = _supervisor_opens_supervision_task(browser, live_server, overdue_case.title)
    supervisor.select_option("select[name=decision]", "urge")
    supervisor.fill("input[name=urge_workdays]", "3")
    supervisor.fill("textarea[name=reason]", "请于三个工作日内办结")
    supervisor.get_by_role("button", name="提交办结").click()
    supervisor.wait_for_url("**/workbench/mine/")
    _expect_message(supervisor, "已办结：效能督办处理")

    supervisor.goto(f"{live_server.url}/workbench/escalations/")
    row = supervisor.locator("[data-testid=escalation-table] tbody tr").filter(has_text=overdue_case.title)
    expect(row).to_contain_text("已督办")
    expect(row.get_by_role("link", name="处理")).to_have_count(0)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    supervisor.screenshot(path=str(SCREENSHOT_DIR / "supervisor_escalations.png"), full_page=True)

    # Thursday, Friday, then (after the weekend) Monday 2025-10-20.
    escalation = Escalation.objects.get(human_task=task)
    assert escalation.outcome == Escalation.Outcome.URGED
    assert escalation.new_due_at == local(2025, 10, 20, 23, 59, 59)

    # 经办人: one more unread notice, a 督办催办 entry, and the new deadline on the task page.
    officer.goto(f"{live_server.url}/workbench/mine/")
    expect(officer.locator("[data-testid=unread-count]")).to_be_visible()
    assert _unread(officer) == unread_before + 1
    officer.locator("[data-testid=notifications-link]").click()
    officer.wait_for_url("**/notifications/")
    urging = officer.locator("[data-testid=notification-list] li").filter(has_text="督办催办")
    expect(urging).to_have_count(1)
    expect(urging).to_contain_text("2025-10-20")
    expect(urging).to_contain_text("请于三个工作日内办结")
    expect(urging).to_contain_text("未读")

    officer.goto(f"{live_server.url}/workbench/tasks/{task.pk}/")
    due = officer.locator("[data-testid=due-at]")
    expect(due).to_have_text("2025-10-20 23:59")
    expect(due).not_to_contain_text("已超期")
    assert Notification.objects.filter(recipient=users["officer_wj"], kind="urging").count() == 1


def test_excuse_without_a_reason_is_refused_with_a_field_error(launch_chromium, live_server, overdue_case):
    from playwright.sync_api import expect

    browser = launch_chromium()
    page = _supervisor_opens_supervision_task(browser, live_server, overdue_case.title)
    supervise = HumanTask.objects.get(case_type="efficiency_supervision", state=HumanTask.State.OPEN)

    page.select_option("select[name=decision]", "excuse")
    with page.expect_response(
        lambda r: r.url.endswith(f"/workbench/tasks/{supervise.pk}/complete/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="提交办结").click()
    assert answer.value.status == 422

    expect(
        page.locator(".xt-field").filter(has=page.locator("[name=reason]")).locator(".xt-error")
    ).to_contain_text("须填写理由")
    _expect_message(page, "提交内容有误")
    expect(page.locator("form[action$='/complete/']")).to_be_visible()

    supervise.refresh_from_db()
    assert supervise.state == HumanTask.State.OPEN
    assert Escalation.objects.get().outcome == Escalation.Outcome.PENDING


def _submit_wrong_password(browser, live_server):
    """Log in with a wrong password; returns the page and the server's answer (status, HTML)."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/workbench/queue/")
    answers = []

    def record_answer(route):
        # The page fetches the form answer itself (Turbo); read it here, where the body is available.
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch()
        answers.append((response.status, response.text()))
        return route.fulfill(response=response)

    page.route("**/accounts/login/**", record_answer)
    page.fill("input[name=username]", "officer_wj")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_response(lambda r: "/accounts/login/" in r.url and r.request.method == "POST"):
        page.locator("form button[type=submit]").click()
    page.unroute("**/accounts/login/**")
    assert len(answers) == 1
    return page, answers[0]


def test_wrong_password_is_refused_without_a_crash(launch_chromium, live_server, users):
    browser = launch_chromium()
    page, (status, html) = _submit_wrong_password(browser, live_server)

    assert status < 500
    assert LOGIN_ERROR.search(html), "the login page answer carries no error message"
    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/workbench/queue/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))


def test_wrong_password_shows_the_error_on_the_page(launch_chromium, live_server, users):
    from playwright.sync_api import expect

    browser = launch_chromium()
    page, _ = _submit_wrong_password(browser, live_server)

    expect(page.locator("form [role=alert], form .vf-form__error").first).to_contain_text(
        LOGIN_ERROR, timeout=3_000
    )
