"""移动监管执法 on a phone (390×844, Playwright): the lead inspector opens an assignment, ticks the
checklist, takes a photo (downscaled on the phone to ≤ 1600 px) and submits; the co-inspector
confirms on their phone and the case moves on to 审核.  Then a second result is entered with the
phone offline: it is kept and shown as 待上传, and sent once when the phone is back online — the
server holds exactly one result and one photo.  No page scrolls sideways."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.inspection.models import Inspection, InspectionPhoto
from processes.models import AuditEvent

from .browser_pages import PASSWORD, TIMEOUT_MS
from .conftest import BROWSER_NOW
from .test_inspection_mobile import make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = Path("/tmp/shots-helper-g")
SECOND = "广元市蜀道餐饮管理有限公司"


# the draft in IndexedDB holds these values (polled: it is saved a moment after typing stops)
SAVED = """async ([id, result, findings]) => {
  for (let i = 0; i < 100; i += 1) {
    const draft = await XTStore.get("drafts", id);
    if (draft && draft.fields.result_code === result && draft.fields.findings === findings) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}"""


def camera_jpeg() -> bytes:
    """A phone-camera-sized picture (3000×2000): the page must shrink it before it is sent."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (3000, 2000), (40, 120, 200))
    for x in range(0, 3000, 200):
        image.paste((230, 180, 40), (x, 0, x + 100, 2000))
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def phone(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/workbench/m/inspections/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/workbench/m/inspections/$"))
    return page


def fits(page, name: str) -> None:
    """No sideways scroll at 390 px; a screenshot at 390 and 1366 px (then back to the phone)."""
    page.wait_for_load_state("load")
    page.evaluate("window.scrollTo(0, 0)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide on a {PHONE['width']} px screen"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)


def fill_result(page, findings: str) -> None:
    for box in page.locator("[data-check]").all():
        box.check()
    page.select_option("#id_method", "onsite")
    page.select_option("#id_result_code", "no_problem")
    page.fill("#id_findings", findings)
    page.locator("[data-photo-input]").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    page.locator("[data-testid=draft-photos] li img").first.wait_for()
    page.locator("[data-testid=draft-state]").filter(has_text="草稿已保存在本机").wait_for()


def test_an_inspection_on_a_phone_online_and_offline(launch_chromium, live_server, frozen_clock, users):
    today = BROWSER_NOW.date()
    first = make_inspection(users, suffix="1", today=today, at=BROWSER_NOW)
    second = make_inspection(
        users,
        suffix="2",
        today=today,
        at=BROWSER_NOW,
        code=make_credit_code("9", "1", "510802", "MA6D0M02"),
        name=SECOND,
    )
    browser = launch_chromium()

    # --- online: the lead inspector enters the result with a photo ---------------------------------
    page = phone(browser, live_server, "inspector")
    cards = page.locator("[data-testid=assignment]")
    assert cards.count() == 2
    page.get_by_text("还有 15 天").first.wait_for()
    fits(page, "01-list")
    page.locator(f"[data-inspection='{first.pk}']").click()
    page.wait_for_url(re.compile(rf"/workbench/m/inspections/{first.pk}/$"))
    page.get_by_role("heading", name="录入检查结果").first.wait_for()
    fits(page, "02-detail-enter")

    # a result with a problem but no findings: the error is on the field, nothing typed is lost
    fill_result(page, "")
    page.select_option("#id_result_code", "not_disclosed")
    page.get_by_test_id("submit-result").click()
    page.locator("[data-error-for=findings]").filter(
        has_text="发现问题或未能检查的，请填写检查情况"
    ).wait_for()
    fits(page, "03-error")
    assert page.locator("#id_result_code").input_value() == "not_disclosed"
    assert page.locator("[data-testid=draft-photos] li").count() == 1
    first.refresh_from_db()
    assert first.state == Inspection.State.ASSIGNED

    # the draft is on the phone: a reload brings back the choices, the ticks and the photo
    page.select_option("#id_result_code", "no_problem")
    page.fill("#id_findings", "年度报告已按时公示，现场核对经营场所一致")
    assert page.evaluate(SAVED, [str(first.pk), "no_problem", "年度报告已按时公示，现场核对经营场所一致"])
    page.reload()
    page.locator("[data-testid=draft-state]").filter(has_text="已恢复本机草稿").wait_for()
    assert page.locator("#id_findings").input_value() == "年度报告已按时公示，现场核对经营场所一致"
    assert page.locator("[data-testid=checklist-count]").inner_text() == "已查 2/2"
    assert page.locator("[data-testid=draft-photos] li").count() == 1
    fits(page, "03-filled")
    page.get_by_test_id("submit-result").click()
    page.get_by_text("检查结果已提交，等待同组人员确认").wait_for()
    assert page.get_by_test_id("inspection-state").inner_text() == "待同组确认"
    fits(page, "04-submitted")
    first.refresh_from_db()
    assert first.state == Inspection.State.CONFIRMING
    assert first.findings == "年度报告已按时公示，现场核对经营场所一致"
    photo = InspectionPhoto.objects.get(inspection=first)
    with Image.open(photo.image.path) as kept:
        assert kept.format == "JPEG" and max(kept.size) == 1600  # downscaled on the phone

    # --- the co-inspector confirms on their phone ----------------------------------------------------
    partner = phone(browser, live_server, "inspector2")
    partner.locator(f"[data-inspection='{first.pk}']").click()
    partner.get_by_role("heading", name="同组确认").first.wait_for()
    assert partner.locator("[data-testid=photos-card] img").count() == 1
    fits(partner, "05-confirm")
    partner.get_by_label("确认检查结果").check()
    partner.get_by_test_id("submit-confirm").click()
    partner.get_by_text("已确认检查结果，已报送审核").wait_for()
    fits(partner, "06-confirmed-list")
    first.refresh_from_db()
    assert first.state == Inspection.State.REVIEWING
    partner.context.close()

    # --- offline: the second result waits on the phone and is sent once back online --------------------
    page.goto(f"{live_server.url}/workbench/m/inspections/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.locator(f"[data-inspection='{second.pk}']").click()
    page.get_by_role("heading", name="录入检查结果").first.wait_for()
    answered: list[int] = []  # the server's answers to this result's uploads (page or service worker)
    page.context.on(
        "response",
        lambda r: answered.append(r.status) if f"/m/api/inspections/{second.pk}/result/" in r.url else None,
    )
    page.context.set_offline(True)
    page.get_by_test_id("net-state").wait_for()
    fill_result(page, "经营场所整洁，许可证在有效期内")
    page.get_by_test_id("submit-result").click()
    page.get_by_test_id("queued-note").filter(has_text="联网后自动上传").wait_for()
    page.get_by_test_id("queue-banner").filter(has_text="待上传 1 条").wait_for()
    fits(page, "07-queued-offline")
    second.refresh_from_db()
    assert second.state == Inspection.State.ASSIGNED and not InspectionPhoto.objects.filter(inspection=second)

    page.goto(f"{live_server.url}/workbench/m/inspections/")  # served by the service worker
    page.get_by_test_id("outbox").filter(has_text="待上传 1 条").wait_for()
    page.locator(f"[data-pending-for='{second.pk}']").filter(has_text="待上传").wait_for()
    fits(page, "08-list-offline")

    page.context.set_offline(False)  # the page sends it, then reloads to show the case as it is now
    card = page.locator(f"[data-inspection='{second.pk}']")
    card.locator(".m-tag").filter(has_text="待同组确认").wait_for()
    page.get_by_test_id("outbox").filter(has_text="已上传 1 条").wait_for()
    card.locator("[data-pending-for]").filter(has_text="已上传").wait_for()
    fits(page, "09-list-sent")
    assert page.locator(f"[data-pending-for='{first.pk}']").is_hidden()  # sent at once: no news
    page.reload()  # a later page load finds nothing left to send
    page.get_by_test_id("outbox").filter(has_text="已上传 1 条").wait_for()
    page.wait_for_load_state("networkidle")
    assert answered == [201]

    second.refresh_from_db()
    assert second.state == Inspection.State.CONFIRMING
    assert second.findings == "经营场所整洁，许可证在有效期内"
    assert InspectionPhoto.objects.filter(inspection=second).count() == 1
    submitted = AuditEvent.objects.filter(
        action="inspection_result_submitted", payload__inspection_id=second.pk
    )
    assert submitted.count() == 1
    assert get_user_model().objects.get(username="inspector") == second.submitted_by
    page.context.close()


def test_signing_out_on_a_shared_phone_leaves_no_case_to_read_offline(
    launch_chromium, live_server, frozen_clock, users
):
    """退出登录 drops the pages the app kept for offline use: the next person, offline, meets the
    offline notice, never the last inspector's list; the notice page itself is still there."""
    make_inspection(users, suffix="1", today=BROWSER_NOW.date(), at=BROWSER_NOW)
    browser = launch_chromium()
    page = phone(browser, live_server, "inspector")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # now through the worker, which keeps a copy of the list
    list_url = f"{live_server.url}/workbench/m/inspections/"
    kept = """async (url) => !!(await caches.match(url, { cacheName: "xt-pages" }))"""
    page.wait_for_function(kept, arg=list_url)
    name = page.locator("[data-testid=assignment] .m-card__name").first.inner_text()

    # Offline before signing out, the inspector's own list is there (what the copy is for) ...
    page.context.set_offline(True)
    page.goto(list_url)
    page.get_by_text(name).first.wait_for()
    page.context.set_offline(False)
    page.goto(list_url)
    fits(page, "10-list-with-logout")

    # ... signed out, it is gone.
    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert not page.evaluate(kept, list_url)
    page.context.set_offline(True)
    page.goto(list_url)
    page.get_by_text("网络未连接").first.wait_for()
    assert name not in page.content()
    page.context.set_offline(False)
