"""Claiming once, in a real browser: the officer claims a 双告知 push and lands on its 许可审批反馈,
already theirs, without going back to the queue; the registrar's 人工确认审批部门 shows its 办理时限."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.models import PermitFeedback
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from processes import engine
from processes.models import AuditEvent, HumanTask

from .browser_pages import _expect_message, _logged_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-helper-flow"))
HOTEL = "广元市栖云住宿服务有限公司"
SCHOOL = "广元市启明文化培训学校有限公司"


def _push(event_id: str, name: str, scope: str, serial: str):
    registration, _ = receive_registration(
        event_id=event_id,
        credit_code=make_credit_code("9", "1", "510800", serial),
        name=name,
        business_scope=scope,
        authority_code="SCJG",
        registered_on=date(2025, 10, 15),
        actor=SYSTEM,
    )
    return registration.instance


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"页面横向滚动：{width}px"


def test_the_officer_claims_once_and_lands_on_the_permit_feedback(
    launch_chromium, live_server, frozen_clock, users
):
    from playwright.sync_api import expect

    case = _push("E-once-0001", HOTEL, "住宿服务；会议服务", "MA6H0001")
    claim = HumanTask.objects.get(instance=case, bpmn_id="claim_or_return", candidate_department="WJW")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium()

    page = _logged_in(browser, live_server, "officer_wj", "/workbench/queue/")
    page.set_viewport_size({"width": 1366, "height": 900})
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    row = page.locator("[data-testid=task-table] tbody tr").filter(has_text=HOTEL)
    row.first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/workbench/tasks/{claim.pk}/$"))
    page.get_by_role("button", name="认领").click()
    _expect_message(page, "已认领")
    page.select_option("#id_claim_decision", "claim")
    page.get_by_role("button", name="提交办结").click()

    # Straight on to 许可审批反馈, already theirs: no queue, no second 认领.
    _expect_message(page, "下一步“许可审批反馈”已由您办理")
    feedback = HumanTask.objects.get(instance=case, bpmn_id="permit_feedback", candidate_department="WJW")
    assert page.url.endswith(f"/workbench/tasks/{feedback.pk}/")
    expect(page.get_by_text("许可审批反馈（待办）")).to_be_visible()
    expect(page.locator("[data-testid=assignee]")).to_have_text("卫健委经办 李明")
    expect(page.get_by_role("button", name="认领", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="提交办结")).to_be_visible()
    assert HumanTask.objects.get(pk=feedback.pk).assignee == users["officer_wj"]
    page.screenshot(path=str(SHOTS / "officer_wj_next_task_1366.png"), full_page=True)
    _no_sideways_scroll(page)

    page.set_viewport_size({"width": 390, "height": 844})  # the same landing, on a phone
    expect(page.get_by_role("button", name="提交办结")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "officer_wj_next_task_390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.select_option("#id_permit_decision", "granted")
    for field, value in {
        "decision_date": "2025-10-15",
        "permit_number": "WS15108020001",
        "permit_name": "公共场所卫生许可证",
        "valid_from": "2025-10-15",
        "valid_to": "2029-10-14",
        "permit_authority": "广元市卫生健康委员会",
        "permit_content": "住宿",
    }.items():
        page.fill(f"#id_{field}", value)
    page.get_by_role("button", name="提交办结").click()
    _expect_message(page, "已办结：许可审批反馈")

    assert not [url for url in visited if "/workbench/queue/" in url]
    done = HumanTask.objects.get(pk=feedback.pk)
    assert (done.state, done.completed_by) == (HumanTask.State.COMPLETED, users["officer_wj"])
    assert PermitFeedback.objects.get(registration__instance=case, department_code="WJW").permit_number == (
        "WS15108020001"
    )
    assert AuditEvent.objects.filter(action="task_claimed", human_task=feedback, actor=users["officer_wj"])


def test_the_registrar_sees_the_deadline_of_confirming_a_department(
    launch_chromium, live_server, frozen_clock, users
):
    from playwright.sync_api import expect

    case = _push("E-once-0002", SCHOOL, "文化教育培训（不含学历教育）", "MA6H0002")
    claim = HumanTask.objects.get(instance=case, bpmn_id="claim_or_return")
    engine.claim_task(task_id=claim.pk, user=users["officer_jy"])
    engine.complete_task(
        task_id=claim.pk,
        user=users["officer_jy"],
        data={"claim_decision": "return", "return_reason": "培训内容为住宿餐饮技能，不属教育审批"},
    )
    confirm = HumanTask.objects.get(instance=case, bpmn_id="confirm_department")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium()

    page = _logged_in(browser, live_server, "registrar", "/workbench/queue/")
    page.set_viewport_size({"width": 1366, "height": 900})
    row = page.locator("[data-testid=task-table] tbody tr").filter(has_text=SCHOOL)
    expect(row.first).to_contain_text("2025-10-20")  # Wednesday + 3 working days
    row.first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/workbench/tasks/{confirm.pk}/$"))
    expect(page.locator("[data-testid=due-at]")).to_have_text("2025-10-20 23:59")
    page.screenshot(path=str(SHOTS / "registrar_confirm_department_1366.png"), full_page=True)
    _no_sideways_scroll(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("[data-testid=due-at]")).to_have_text("2025-10-20 23:59")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "registrar_confirm_department_390.png"), full_page=True)
