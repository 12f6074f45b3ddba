"""迁移案件 in a real browser: the admin dry-runs two v1 cases to v2 (one refused with its reason),
migrates the safe one, at 1366 px and on a 390 px phone without sideways scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from processes.engine.core import record_incident
from processes.models import ProcessInstance

from .browser_pages import _expect_message, _logged_in
from .test_migration import confirm_clock, deploy, push

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-migration")
PHONE = {"width": 390, "height": 844}


def _one_line(locator) -> None:
    height = locator.evaluate("v => v.getBoundingClientRect().height")
    line = locator.evaluate("v => parseFloat(getComputedStyle(v).lineHeight) || 24")
    assert height < line * 1.5, (height, line)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_admin_dry_runs_and_migrates_cases_on_a_desktop_and_a_phone(
    launch_chromium, live_server, frozen_clock, users
):
    from playwright.sync_api import expect

    SHOTS.mkdir(exist_ok=True)
    fine = ProcessInstance.objects.get(pk=push(event_id="B1")[0].instance.pk)
    broken = ProcessInstance.objects.get(pk=push(event_id="B2")[0].instance.pk)
    record_incident(
        broken, action="timers", args={}, exc=RuntimeError("定时器出错"), actor=None, incident=None
    )
    v1 = fine.process_version
    v2 = deploy(confirm_clock(), "认领时限改为退回后确认的 3 个工作日")
    url = reverse("workbench:studio-migrate", args=[v1.pk])

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", url)
    page.set_viewport_size({"width": 1366, "height": 900})
    cases = page.locator("[data-testid=case-table] tbody tr")
    expect(cases).to_have_count(2)
    expect(page.locator("#mig-target")).to_have_value(str(v2.pk))
    page.screenshot(path=str(SHOTS / "migrate_cases_1366.png"), full_page=True)

    # Nothing chosen: refused with a message.
    page.locator("[data-testid=dry-run]").click()
    _expect_message(page, "请至少选择一件案件")

    page.locator("[data-select-all=pick]").check()
    page.locator("[data-testid=dry-run]").click()
    report = page.locator("[data-testid=migrate-report]")
    expect(report).to_contain_text("试迁移结果：v1 → v2")
    expect(report.locator(f"tr[data-instance-id='{fine.pk}'] [data-testid=verdict]")).to_have_text("可迁移")
    expect(report.locator(f"tr[data-instance-id='{broken.pk}'] [data-testid=verdict]")).to_have_text(
        "不可迁移"
    )
    expect(report).to_contain_text("请先处理异常")
    expect(report).to_contain_text("退回后确认审批部门：3个工作日")
    for case in (fine, broken):  # 结论 on one line, not a character per line
        _one_line(report.locator(f"tr[data-instance-id='{case.pk}'] [data-testid=verdict]"))
    page.screenshot(path=str(SHOTS / "migrate_report_1366.png"), full_page=True)

    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_report_390.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=migrate-run]").click()
    _expect_message(page, "已迁移 1 件案件到 v2")
    expect(page.locator(f"[data-testid=migrate-outcomes] tr[data-instance-id='{fine.pk}']")).to_contain_text(
        "v1 → v2"
    )
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_outcome_390.png"), full_page=True)
    assert ProcessInstance.objects.get(pk=fine.pk).process_version_id == v2.pk
    assert ProcessInstance.objects.get(pk=broken.pk).process_version_id == v1.pk

    page.goto(f"{live_server.url}{url}")
    expect(cases).to_have_count(1)
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_cases_390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_on_a_phone_one_case_is_ticked_by_its_own_checkbox_and_dry_run_alone(
    launch_chromium, live_server, frozen_clock, users
):
    from playwright.sync_api import expect

    SHOTS.mkdir(exist_ok=True)
    first = ProcessInstance.objects.get(pk=push(event_id="C1")[0].instance.pk)
    second = ProcessInstance.objects.get(pk=push(event_id="C2")[0].instance.pk)
    v1 = first.process_version
    # v2: the claim clock changes and 认领或退回 goes to 审核人员 (a long report: timers and a role change)
    xml = confirm_clock()
    start = xml.index('<bpmn:userTask id="claim_or_return"')
    role = xml.index('value="officer"', start)
    deploy(xml[:role] + 'value="reviewer"' + xml[role + len('value="officer"') :], "认领改由审核人员办理")
    url = reverse("workbench:studio-migrate", args=[v1.pk])

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", url)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{url}")
    box = page.locator(f"[data-testid=case-table] tr[data-instance-id='{second.pk}'] input[name=case]")
    # The tap lands on the checkbox, not on the 业务编号 cell next to it; its label is a real target.
    box.scroll_into_view_if_needed()  # below the 批量迁移 card on a phone
    assert box.evaluate(
        "b => { const r = b.getBoundingClientRect();"
        " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b; }"
    )
    target = box.locator("xpath=ancestor::label[1]").bounding_box()
    assert target and target["height"] >= 32 and target["width"] >= 32
    page.click(f"[data-testid=case-table] tr[data-instance-id='{second.pk}'] input[name=case]")
    expect(box).to_be_checked()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_pick_one_390.png"), full_page=True)
    page.locator("[data-testid=dry-run]").click()
    report = page.locator("[data-testid=migrate-report]")
    expect(report).to_contain_text("1 件中 1 件可迁移")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator(f"tr[data-instance-id='{second.pk}']")).to_be_visible()
    expect(report.locator("[data-testid=candidate-change]").first).to_contain_text("经办人员 → ")
    expect(report.locator("[data-testid=candidate-change]").first).to_contain_text("审核人员")
    assert report.locator(f"tr[data-instance-id='{first.pk}']").count() == 0
    # In the report too each case's checkbox takes its own tap: untick and tick it again.
    run_box = report.locator(f"tr[data-instance-id='{second.pk}'] input[name=case]")
    page.click(f"[data-testid=migrate-report] tr[data-instance-id='{second.pk}'] input[name=case]")
    expect(run_box).not_to_be_checked()
    page.click(f"[data-testid=migrate-report] tr[data-instance-id='{second.pk}'] input[name=case]")
    expect(run_box).to_be_checked()
    # The button keeps the version labels as written (v1, not V1).
    assert page.locator("[data-testid=migrate-run]").inner_text().strip() == "执行迁移（v1 → v2）"
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_report_one_390.png"), full_page=True)

    # At 1366 the 结论 column keeps 可迁移 on one line.
    page.set_viewport_size({"width": 1366, "height": 900})
    _one_line(report.locator(f"tr[data-instance-id='{second.pk}'] [data-testid=verdict]"))
    page.screenshot(path=str(SHOTS / "migrate_report_one_1366.png"), full_page=True)


def test_the_admin_migrates_every_case_of_a_version_as_one_batch(
    launch_chromium, live_server, frozen_clock, users
):
    """批量迁移 from the page: the reason is required, the batch runs in the job and its report lists
    the refused case first with its reason; at 1366 px and on a phone."""
    from playwright.sync_api import expect

    from processes.models import MigrationBatch

    SHOTS.mkdir(exist_ok=True)
    fine = ProcessInstance.objects.get(pk=push(event_id="C1")[0].instance.pk)
    also = ProcessInstance.objects.get(pk=push(event_id="C2")[0].instance.pk)
    broken = ProcessInstance.objects.get(pk=push(event_id="C3")[0].instance.pk)
    record_incident(
        broken, action="timers", args={}, exc=RuntimeError("定时器出错"), actor=None, incident=None
    )
    v1 = fine.process_version
    v2 = deploy(confirm_clock(), "认领时限改为退回后确认的 3 个工作日")

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", reverse("workbench:studio-migrate", args=[v1.pk]))
    page.set_viewport_size({"width": 1366, "height": 900})
    card = page.locator("[data-testid=migrate-batch]")
    expect(card).to_contain_text("全部 3 件办理中案件")
    expect(card.locator("#batch-target")).to_have_value(str(v2.pk))
    page.on("dialog", lambda dialog: dialog.accept())
    card.locator("#batch-reason").fill("认领时限按新规定调整，办理中案件一并适用")
    card.get_by_role("button", name="批量迁移全部 3 件").click()

    batch = page.locator("[data-testid=batch]")
    expect(batch).to_have_attribute("data-state", "done", timeout=30000)  # the page refreshes itself
    expect(page.locator("[data-testid=batch-counts]")).to_have_text("已迁移 2 件 · 未迁移 1 件")
    rows = page.locator("[data-testid=batch-case]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-instance-id", str(broken.pk))  # refused first
    expect(rows.first).to_contain_text("请先处理异常")
    page.screenshot(path=str(SHOTS / "migrate_batch_1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_batch_390.png"), full_page=True)

    assert MigrationBatch.objects.get().created_by == users["admin"]
    on = dict(
        ProcessInstance.objects.filter(pk__in=[fine.pk, also.pk, broken.pk]).values_list(
            "pk", "process_version"
        )
    )
    assert on == {fine.pk: v2.pk, also.pk: v2.pk, broken.pk: v1.pk}

    # Back on the migrate page (phone): the batch is in the history; v1 keeps the refused case only.
    page.goto(live_server.url + reverse("workbench:studio-migrate", args=[v1.pk]))
    expect(page.locator("[data-testid=batch-history] [data-testid=batch-row]")).to_have_count(1)
    expect(page.locator("[data-testid=case-table] tbody tr")).to_have_count(1)
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "migrate_batch_history_390.png"), full_page=True)
