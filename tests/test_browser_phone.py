"""On a phone (390×844) nothing scrolls sideways: every workbench page each demo role reaches from
its menu, and a task page of theirs, fit the screen."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.services import SYSTEM, receive_registration
from casework.workbench import selectors
from processes import engine
from processes.models import HumanTask

from .browser_pages import PASSWORD, TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROLES = ["registrar", "officer_wj", "supervisor", "admin"]


def _a_task_page(user) -> str:
    """A task the user may open, a 双告知 one (with the enterprise panel) when there is one."""
    tasks = HumanTask.objects.order_by("-case_type", "pk")  # registration_push before the others
    for task in tasks:
        if selectors.visible_task(user, task.pk) is not None:
            return f"/workbench/tasks/{task.pk}/"
    raise AssertionError(f"the demo data holds no task {user.username} may open")


def _returned_push(officer) -> None:
    """教育局 returns a push: the registrar gets 人工确认审批部门 (the re-push picker)."""
    registration, _ = receive_registration(
        event_id="PHONE-1",
        credit_code=make_credit_code("9", "1", "510800", "MA6P0001"),
        name="广元市手机端测试培训有限公司",
        business_scope="文化教育培训（不含学历教育）",
        authority_code="SCJG",
        registered_on=date(2025, 10, 15),
        actor=SYSTEM,
    )
    task = HumanTask.objects.get(instance=registration.instance, state=HumanTask.State.OPEN)
    engine.claim_task(task_id=task.pk, user=officer)
    engine.complete_task(
        task_id=task.pk, user=officer, data={"claim_decision": "return", "return_reason": "不属本部门审批"}
    )


def _phone_page(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/workbench/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_no_workbench_page_scrolls_sideways_on_a_phone(launch_chromium, live_server, frozen_clock):
    call_command("seed_demo", stdout=StringIO())
    _returned_push(get_user_model().objects.get(username="officer_jy"))
    browser = launch_chromium()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    too_wide: list[str] = []
    visited: dict[str, list[str]] = {}
    for role in ROLES:
        page = _phone_page(browser, live_server, role)
        menu = page.eval_on_selector_all(
            "vf-page-menu-navigation a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        paths = [p for p in dict.fromkeys(menu) if p.startswith(("/workbench/", "/notifications/"))]
        assert "/workbench/queue/" in paths, (role, menu)
        paths.append(_a_task_page(users[role]))
        visited[role] = paths
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.ok, (role, path, response and response.status)
            page.wait_for_load_state("load")
            scroll_width, inner_width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll_width > inner_width:
                too_wide.append(f"{role} {path}: {scroll_width} px wide on a {inner_width} px screen")
        page.context.close()
    assert not too_wide, "pages scroll sideways at 390 px:\n" + "\n".join(too_wide)
    assert any("/workbench/escalations/" in p for p in visited["supervisor"])
    assert any("/notifications/" in p for p in visited["officer_wj"])
