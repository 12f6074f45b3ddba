"""The Excel import reports reach the screen (issue 11): the registrar's registration batch and the
admin's catalogue import post their file and read the row report in a real browser, the page
saying what is being imported (and the button waiting) while the upload is under way."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.catalogue_import import COLUMNS as CATALOGUE_COLUMNS
from casework.lifecycles.registration_push.excel_import import COLUMNS
from casework.lifecycles.registration_push.models import ApprovalItem, Registration

from .browser_pages import _logged_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _xlsx(columns: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload_and_hold(page, path: str, name: str, content: bytes):
    """Choose the file and submit; the POST is held until the page has shown its progress state.

    The page being left cannot be queried (Playwright waits for the navigation to finish), so
    it reports each change of the upload form's state through a binding.
    """
    states: list[dict] = []
    page.expose_function("reportImportState", lambda state: states.append(state))
    page.evaluate(
        """() => {
            const form = document.querySelector("[data-testid=import-form]");
            const status = form.querySelector("[data-import-status]");
            const button = form.querySelector("button[type=submit]");
            new MutationObserver(() => window.reportImportState({
                shown: !status.hidden && status.offsetHeight > 0,
                text: status.innerText,
                disabled: button.disabled,
            })).observe(form, {attributes: true, subtree: true, childList: true, characterData: true});
        }"""
    )
    held = []
    page.route(
        f"**{path}", lambda route: held.append(route) if route.request.method == "POST" else route.continue_()
    )
    form = page.locator("[data-testid=import-form]")
    form.locator("input[type=file]").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    form.get_by_role("button", name="导入").click(no_wait_after=True)
    for _ in range(300):  # bindings and route handlers run while the test waits
        if held and any(s["shown"] and s["disabled"] for s in states):
            break
        page.wait_for_timeout(50)
    assert len(held) == 1, "the upload was posted"
    busy = [s for s in states if s["shown"] and s["disabled"]]
    assert busy, f"the page showed no progress state: {states}"
    text = busy[-1]["text"]
    assert f"正在导入“{name}”" in text and "KB" in text and "请勿关闭页面" in text
    held[0].continue_()


def _expect_row(row, number: str, key: str, outcome: str, reason: str) -> None:
    from playwright.sync_api import expect

    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(number)
    expect(cells.nth(1)).to_have_text(key)
    expect(cells.nth(2)).to_have_text(outcome)
    expect(cells.nth(3)).to_contain_text(reason)


def test_the_registration_import_report_is_shown(launch_chromium, live_server, users):
    from playwright.sync_api import expect

    good = make_credit_code("9", "1", "510800", "MA6X0001")
    content = _xlsx(
        COLUMNS,
        [
            ["XLS-1", good, "广元市表格甲有限公司", "餐饮服务", date(2025, 11, 5), "张三", "利州区"],
            ["XLS-2", "91510800MA6X00", "广元市表格乙有限公司", "餐饮服务", "2025-11-05"],
            [
                "XLS-3",
                make_credit_code("9", "1", "510800", "MA6X0003"),
                "广元市表格丙有限公司",
                "软件开发",
                "2025年2月30日",
            ],
        ],
    )
    page = _logged_in(launch_chromium(), live_server, "registrar", "/workbench/registrations/new/")
    _upload_and_hold(page, "/workbench/registrations/new/", "登记批量.xlsx", content)

    report = page.locator("[data-testid=import-report]")
    expect(report).to_be_visible()
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(3)
    _expect_row(rows.nth(0), "2", "XLS-1", "新建", "")
    _expect_row(rows.nth(1), "3", "XLS-2", "失败", "18 位")
    _expect_row(rows.nth(2), "4", "XLS-3", "失败", "登记日期无效")
    expect(page.locator("[data-testid=import-summary]")).to_contain_text("新建 1 行")
    expect(page.locator("[data-testid=import-summary]")).to_contain_text("失败 2 行")
    expect(page.get_by_role("button", name="导入")).to_be_enabled()
    assert list(Registration.objects.values_list("event_id", flat=True)) == ["XLS-1"]


def test_the_catalogue_import_report_is_shown(launch_chromium, live_server, users):
    from playwright.sync_api import expect

    content = _xlsx(
        CATALOGUE_COLUMNS,
        [
            ["T-001", "测试许可事项", "卫生健康", "测试关键词甲、测试关键词乙", "《测试条例》"],
            ["T-002", "", "卫生健康", "某词", ""],
            ["T-003", "未知类别事项", "不存在的类别", "某词", ""],
        ],
    )
    page = _logged_in(launch_chromium(), live_server, "admin", "/workbench/catalogue/")
    _upload_and_hold(page, "/workbench/catalogue/", "目录.xlsx", content)

    report = page.locator("[data-testid=catalogue-report]")
    expect(report).to_be_visible()
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(3)
    _expect_row(rows.nth(0), "2", "T-001", "新建", "2 个关键词")
    _expect_row(rows.nth(1), "3", "T-002", "失败", "缺少审批事项名称")
    _expect_row(rows.nth(2), "4", "T-003", "失败", "未知的审批部门类别：不存在的类别")
    assert ApprovalItem.objects.get(code="T-001").keyword_list == ["测试关键词甲", "测试关键词乙"]
