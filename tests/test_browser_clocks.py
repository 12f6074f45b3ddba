"""法定时限 in a real browser: the task page's panel (a supervisor suspends and resumes the clock, an
officer reads only the basis), the inbox's basis line on a phone, and revising a rule in the admin."""

from __future__ import annotations

import re

import pytest
import time_machine

from processes import engine
from processes.models import HumanTask, ProcessInstance

from .browser_pages import _expect_message, _logged_in
from .conftest import BROWSER_NOW, deploy_test_bpmn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HUNAN_AREA = "430102"  # 长沙市芙蓉区: 湖南省 rules (湘商改〔2016〕7号 第五条, 7 working days)
BASIS = "湘商改〔2016〕7号 第五条"
REASON = "等待企业补正材料：营业执照复印件模糊，需重新提交清晰版本后再继续办理"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def collect_task(users, frozen_clock) -> HumanTask:
    deploy_test_bpmn("clock_collect.bpmn")
    with time_machine.travel(BROWSER_NOW, tick=False):
        case = engine.start_process(key="clock_collect", title="归集 芙蓉区", area_code=HUNAN_AREA)
    return HumanTask.objects.get(instance=case, bpmn_id="collect_info")


def _no_sideways_scroll(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_supervisor_suspends_and_resumes_the_clock_from_the_task_page(
    launch_chromium, live_server, collect_task
):
    from playwright.sync_api import expect

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", f"/workbench/tasks/{collect_task.pk}/")
    panel = page.locator("[data-testid=clock-panel]")
    expect(panel.locator("[data-testid=due-basis]")).to_contain_text(BASIS)
    expect(panel.locator("[data-testid=clock-state]")).to_have_text("正常计时")

    # The form opens on demand; a reason is required.
    panel.get_by_text("中止计时…").click()
    panel.locator("#clock-reason").fill(REASON)
    panel.locator("[data-testid=clock-pause]").click()
    _expect_message(page, "已中止计时")
    expect(panel.locator("[data-testid=clock-state]")).to_contain_text("已中止")
    expect(panel.locator("[data-testid=clock-pause-reason]")).to_have_text(REASON)
    assert ProcessInstance.objects.get(pk=collect_task.instance_id).clock_paused_at is not None

    # On a phone the suspended panel, its reason and the button fit the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(panel.locator("[data-testid=clock-resume]")).to_be_visible()
    _no_sideways_scroll(page)
    box = panel.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]

    panel.locator("[data-testid=clock-resume]").click()
    _expect_message(page, "已恢复计时")
    expect(panel.locator("[data-testid=clock-state]")).to_have_text("正常计时")
    expect(panel).to_contain_text("曾中止")
    expect(panel).to_contain_text(REASON)
    _no_sideways_scroll(page)
    assert ProcessInstance.objects.get(pk=collect_task.instance_id).clock_paused_at is None


def test_an_officer_reads_the_basis_in_the_inbox_and_on_the_task_page_on_a_phone(
    launch_chromium, live_server, collect_task
):
    from playwright.sync_api import expect

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "officer_wj", "/workbench/queue/")
    page.set_viewport_size(PHONE)
    page.reload()
    row = page.locator("[data-testid=task-table] tbody tr").filter(has_text="归集 芙蓉区")
    basis = row.locator("[data-testid=due-basis]")
    expect(basis).to_contain_text(BASIS)
    assert BASIS in (basis.get_attribute("title") or "")  # the whole text on hover at desk width
    # On a phone the basis wraps instead of being cut: all of it can be read.
    assert basis.evaluate("e => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1")
    _no_sideways_scroll(page)

    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/workbench/tasks/\d+/$"))
    panel = page.locator("[data-testid=clock-panel]")
    expect(panel.locator("[data-testid=due-basis]")).to_contain_text(BASIS)
    # The officer only reads the basis: no clock line with nothing to say, no controls.
    expect(panel.locator("[data-testid=clock-state]")).to_have_count(0)
    expect(panel.locator("[data-testid=clock-pause]")).to_have_count(0)
    _no_sideways_scroll(page)


def test_the_admin_revises_a_rule_and_the_ended_version_is_read_only(
    launch_chromium, live_server, users, frozen_clock
):
    from playwright.sync_api import expect

    browser = launch_chromium()
    listing = "/admin/casework/legalclock/?jurisdiction_name=湖南省&title=涉企信息归集"
    page = _logged_in(browser, live_server, "admin", "/admin/casework/legalclock/")
    page.goto(live_server.url + listing)
    page.locator("#result_list tbody th a").first.click()
    expect(page.locator("#content h1")).to_have_text("修改 法定时限规则")
    expect(page.locator(".field-rule")).to_contain_text("collect")  # the admin may read the key
    page.fill("#id_days", "5")
    page.fill("#id_legal_basis", "湘商改〔2025〕1号 第三条")
    page.fill("#id_valid_from", "2025-10-20")
    page.fill("#id_change_reason", "省政府修订归集时限")
    page.locator("input[name=_save]").click()
    success = page.locator(".messagelist .success")
    expect(success).to_contain_text("新版本：2025-10-20 起 5 个工作日")
    expect(success).to_contain_text("原版本到 2025-10-19 为止")

    # The version that now ends is history: it opens read-only, listing both versions.
    page.goto(live_server.url + listing)
    page.locator("#result_list tbody tr").filter(has_text="2017-02-04").locator("th a").click()
    expect(page.locator("#content h1")).to_have_text("查看 法定时限规则")
    versions = page.locator("[data-testid=clock-versions] li")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("待生效")
    expect(versions.last).to_contain_text("现行")

    # On a phone the rule list fits the screen (no sideways scrolling of the table either).
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/admin/casework/legalclock/")
    _no_sideways_scroll(page)
    assert page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth <= r.clientWidth + 1; })()"
    )
