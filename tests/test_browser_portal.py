"""公示系统 in a real browser, as the public on a phone (390 px) and a desktop (1366 px): search →
enterprise page → 异议 form (errors, then sent) → receipt, and nothing scrolls sideways."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.organization.models import Department
from casework.portal import registry
from casework.portal.models import Objection
from casework.portal.registry import PublicRecord

from .browser_pages import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-portal"))
CODE = make_credit_code("9", "1", "510800", "MA6G0001")
NAME = "广元市利州区蜀味餐饮文化传播有限责任公司"
LONG_VALUE = "预包装食品销售（含冷藏冷冻食品）、散装食品销售（含冷藏冷冻食品、不含熟食）、热食类食品制售" * 2


def provider(credit_code: str) -> list[PublicRecord]:
    if credit_code != CODE:
        return []
    return [
        PublicRecord(
            record_id=f"browser:{credit_code}:1",
            category="行政许可信息",
            title="食品经营许可证",
            document_number="JY15108020099088776655",
            department="广元市食品药品监督管理局",
            published_on=date(2025, 10, 20),
            fields=[("许可内容", LONG_VALUE), ("有效期至", "2030年10月14日")],
        ),
        PublicRecord(
            record_id=f"browser:{credit_code}:2",
            category="行政处罚信息",
            title="行政处罚决定书",
            document_number="广市监罚〔2025〕12号",
            department="广元市市场监督管理局",
            published_on=date(2025, 11, 3),
            fields=[("当事人身份证号", "5108**********1234"), ("行政处罚内容", "警告")],
        ),
    ]


@pytest.fixture
def enterprise(db):
    authority, _ = Department.objects.get_or_create(
        code="TEST-GS-SCJG", defaults={"name": "广元市市场监督管理局", "kind": Department.Kind.REGISTRAR}
    )
    Enterprise.objects.create(
        credit_code=CODE,
        name=NAME,
        kind=Enterprise.Kind.ENTERPRISE,
        legal_representative="张伟",
        address="广元市利州区东坝街道滨河北路二段 188 号蜀门大厦 17 层 1703 室",
        business_scope=LONG_VALUE,
        registration_authority=authority,
        division_code="510800",
        established_on=date(2025, 10, 15),
    )
    with registry.registrations(records=[provider]):
        yield


def _no_sideways_scroll(page, where: str) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{where}: {scroll_width} px wide on a {inner_width} px screen"


@pytest.mark.parametrize("width", [390, 1366])
def test_search_enterprise_page_and_objection(launch_chromium, live_server, enterprise, width):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium()
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 844 if width == 390 else 900},
        device_scale_factor=1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def shot(name: str) -> None:
        _no_sideways_scroll(page, name)
        page.screenshot(path=str(SHOTS / f"{name}_{width}.png"), full_page=True)

    page.goto(f"{live_server.url}/gs/")
    expect(page.get_by_test_id("search-hint")).to_contain_text("请输入企业名称")
    shot("1_search")

    page.get_by_label("企业名称或统一社会信用代码").fill("蜀味餐饮")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("result")).to_have_count(1)
    shot("2_results")

    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(re.compile(rf"/gs/e/{CODE}/$"))
    expect(page.get_by_test_id("registration")).to_contain_text("广元市市场监督管理局")
    expect(page.get_by_test_id("category")).to_have_count(2)
    expect(page.get_by_test_id("category").first).to_contain_text("行政许可信息")
    shot("3_enterprise")

    page.get_by_role("link", name="对“食品经营许可证”提出异议").click()
    page.wait_for_url(re.compile(r"/objection/\?record="))
    expect(page.get_by_test_id("objection-record")).to_contain_text("食品经营许可证")
    shot("4_objection_form")

    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator(".gs-error").filter(has_text="请填写联系人姓名")).to_be_visible()
    shot("5_objection_errors")

    page.get_by_label("联系人姓名").fill("王芳")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("异议内容及理由").fill(
        "该许可证已于 2025 年 12 月 1 日注销，公示信息仍显示有效，请核实更正。"
    )
    page.get_by_label("本人承诺所填信息真实", exact=False).check()
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_url(re.compile(r"/gs/objection/[0-9a-f-]+/$"))
    number = Objection.objects.get().number
    expect(page.get_by_test_id("objection-number")).to_have_text(number)
    expect(page.get_by_test_id("receipt")).to_contain_text("138****5678")
    shot("6_receipt")
    context.close()
