"""The process studio end to end in chromium (issue 15, "Done when"): the admin opens
registration_push in the editor, changes the claim clock in the properties panel, the server's
check pins a deliberate error to the right element, the admin fixes it and deploys v2 with a
comment; a new case runs on v2 while the old one continues on v1; the monitor lists both; the
old case is migrated to v2 after a dry run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from casework.directory.credit_code import make_credit_code
from processes.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion

from .browser_pages import _logged_in
from .conftest import local
from .test_registration_push import push

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-lead")
CLAIM_TIMER = "claim_overdue"
CLAIMED_FLOW = "flow_claimed"


def select(page, element_id: str) -> None:
    """Select a diagram element the way a click does (the selection service the canvas uses)."""
    page.evaluate(
        """(id) => { const m = XTStudio.modeler;
                     m.get('selection').select(m.get('elementRegistry').get(id)); }""",
        element_id,
    )
    expect(page.get_by_test_id("prop-id")).to_have_text(f"元素 ID：{element_id}")


def claim_due(instance: ProcessInstance) -> set:
    """When the case's open 认领或退回 tasks (one per matched department) fall due."""
    tasks = HumanTask.objects.filter(instance=instance, bpmn_id="claim_or_return", state=HumanTask.State.OPEN)
    return set(tasks.values_list("due_at", flat=True))


def test_edit_check_deploy_and_run_a_new_version(launch_chromium, live_server, users):
    SHOTS.mkdir(exist_ok=True)
    with time_machine.travel(local(2025, 11, 3, 10, 0), tick=False):
        old_case = push(event_id="OLD")[0].instance
    v1 = ProcessVersion.objects.get(definition__key="registration_push", is_active=True)
    assert old_case.process_version == v1

    browser = launch_chromium()
    page = _logged_in(browser, live_server, "admin", "/workbench/studio/")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_test_id("edit-registration_push").click()
    editor = page.locator("#studio-editor[data-ready='1']")
    expect(editor).to_be_visible()

    # the claim clock: the panel offers the rule table with each rule's basis
    select(page, CLAIM_TIMER)
    page.get_by_test_id("prop-clock").select_option("push.confirm")
    expect(page.get_by_test_id("prop-clock-basis")).to_contain_text("3 个工作日")
    expect(page.get_by_test_id("prop-timer-expr")).to_have_value('workdays(clock("push.confirm"))')

    # a deliberate error: an expression the sandbox refuses, on the gateway's 认领 flow
    select(page, CLAIMED_FLOW)
    condition = page.get_by_test_id("prop-condition")
    original = condition.input_value()
    condition.fill(original + ' and __import__("os")')
    condition.press("Tab")
    page.get_by_test_id("studio-check").click()
    problems = page.get_by_test_id("studio-problems")
    expect(problems).to_contain_text("校验发现")
    flagged = problems.locator(f"li[data-element-id='{CLAIMED_FLOW}']")
    expect(flagged).to_have_count(1)
    expect(page.locator(f".djs-element.xt-problem[data-element-id='{CLAIMED_FLOW}']")).to_have_count(1)
    expect(page.locator(f".xt-problem-badge[data-problem-for='{CLAIMED_FLOW}']")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "studio-problem-1366.png"))

    # deploying as it is is refused with the same problem, and nothing is deployed
    page.get_by_test_id("studio-deploy").click()
    page.fill("#deploy-comment", "认领时限改为 3 个工作日")
    page.get_by_test_id("deploy-confirm").click()
    expect(problems).to_contain_text("未部署")
    assert ProcessVersion.objects.filter(definition__key="registration_push").count() == 1

    # fixed: the check passes, then deploy v2 with a comment
    select(page, CLAIMED_FLOW)
    page.get_by_test_id("prop-condition").fill(original)
    page.get_by_test_id("prop-condition").press("Tab")
    page.get_by_test_id("studio-check").click()
    expect(problems).to_contain_text("校验通过")
    expect(page.locator(".djs-element.xt-problem")).to_have_count(0)
    page.get_by_test_id("studio-deploy").click()
    page.fill("#deploy-comment", "认领时限改为 3 个工作日（测试）")
    page.get_by_test_id("deploy-confirm").click()
    page.wait_for_url(re.compile(r"/workbench/studio/processes/registration_push/$"))

    v2 = ProcessVersion.objects.get(definition__key="registration_push", is_active=True)
    assert v2.version == 2 and v2.comment == "认领时限改为 3 个工作日（测试）"
    assert v2.deployed_by == users["admin"]
    assert 'clock("push.confirm")' in v2.bpmn_xml and "loopDataInputRef>targets<" in v2.bpmn_xml
    assert AuditEvent.objects.filter(action="process_deployed", payload__version=2).exists()

    # new cases run on v2 (claim within 3 working days), the old one stays on v1 (5)
    with time_machine.travel(local(2025, 11, 3, 10, 0), tick=False):
        new_case = push(event_id="NEW", code=make_credit_code("9", "1", "510800", "MA6C0002"))[0].instance
    old_case.refresh_from_db()
    assert (old_case.process_version, new_case.process_version) == (v1, v2)
    assert claim_due(old_case) == {local(2025, 11, 10, 23, 59, 59)}
    assert claim_due(new_case) == {local(2025, 11, 6, 23, 59, 59)}

    # the monitor lists both cases, each with its version
    page.goto(f"{live_server.url}/workbench/monitor/?process=registration_push")
    rows = page.get_by_test_id("case-table")
    expect(rows.locator(f"tr[data-case-id='{old_case.pk}']")).to_contain_text("v1")
    expect(rows.locator(f"tr[data-case-id='{new_case.pk}']")).to_contain_text("v2")
    page.screenshot(path=str(SHOTS / "studio-monitor-1366.png"), full_page=True)

    # the old case moves to v2 after a dry run: its open claim tasks keep their rows and departments, and
    # their deadline is recomputed under v2's clock from when the task began (3 working days from 11-03)
    before = {
        t.pk: (t.candidate_department, t.due_at)
        for t in HumanTask.objects.filter(instance=old_case, state="open")
    }
    page.goto(f"{live_server.url}/workbench/studio/processes/registration_push/")
    page.locator(f"a[href$='/studio/versions/{v1.pk}/migrate/']").first.click()
    cases = page.get_by_test_id("dry-run-form")
    cases.locator(f"tr[data-instance-id='{old_case.pk}'] input[name=case]").check()
    page.get_by_test_id("dry-run").click()
    report = page.get_by_test_id("migrate-report")
    expect(report.get_by_test_id("verdict")).to_have_text(["可迁移"])
    page.screenshot(path=str(SHOTS / "studio-migrate-dry-run-1366.png"), full_page=True)
    old_case.refresh_from_db()
    assert old_case.process_version == v1  # a dry run changes nothing
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("migrate-run").click()
    expect(page.get_by_test_id("migrate-outcomes")).to_be_visible()
    old_case.refresh_from_db()
    assert old_case.process_version == v2 and old_case.status == ProcessInstance.Status.RUNNING
    after = {
        t.pk: (t.candidate_department, t.due_at)
        for t in HumanTask.objects.filter(instance=old_case, state="open")
    }
    assert after == {
        pk: (department, local(2025, 11, 6, 23, 59, 59)) for pk, (department, _) in before.items()
    }
    migrated = AuditEvent.objects.get(action="instance_migrated", instance=old_case)
    assert migrated.actor == users["admin"]
