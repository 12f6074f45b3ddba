"""公示系统 (/gs/): search, the enterprise page with the records lifecycles register, 异议.

The providers here are small functions registered for one test (``registry.registrations``):
they build ``PublicRecord`` values from the code they are asked about, as a lifecycle would.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.directory.credit_code import make_credit_code
from casework.directory.models import Enterprise
from casework.organization.models import Department
from casework.portal import registry
from casework.portal.models import Objection
from casework.portal.registry import PublicRecord
from processes.models import AuditEvent

from .conftest import local

pytestmark = pytest.mark.django_db

FOOD = make_credit_code("9", "1", "510800", "MA6G0001")
SHOP = make_credit_code("9", "2", "510800", "MA6G0002")
TECH = make_credit_code("9", "1", "510700", "MA6G0003")
ELSEWHERE = make_credit_code("9", "1", "110105", "MA6G0004")  # registered outside, not in the directory
NOWHERE = make_credit_code("9", "1", "510800", "MA6G0009")

RAW_ID = "510802198807121234"
MASKED_ID = "5108**********1234"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def authority(db):
    department, _ = Department.objects.get_or_create(
        code="TEST-GS-SCJG", defaults={"name": "广元市市场监督管理局", "kind": Department.Kind.REGISTRAR}
    )
    return department


@pytest.fixture
def directory(authority):
    common = {"registration_authority": authority, "division_code": "510800"}
    return {
        "food": Enterprise.objects.create(
            credit_code=FOOD,
            name="广元市蜀味餐饮文化有限公司",
            kind=Enterprise.Kind.ENTERPRISE,
            legal_representative="张伟",
            address="广元市利州区东坝街道滨河路 18 号",
            established_on=date(2025, 10, 15),
            business_scope="餐饮服务；预包装食品销售",
            **common,
        ),
        "shop": Enterprise.objects.create(
            credit_code=SHOP,
            name="利州区蜀味坊小吃店",
            kind=Enterprise.Kind.INDIVIDUAL,
            legal_representative="李娟",
            address="广元市利州区南河街道某小区 3 栋 2 单元 501 室",
            **common,
        ),
        "tech": Enterprise.objects.create(
            credit_code=TECH,
            name="绵阳市Abc清泉科技有限公司",
            kind=Enterprise.Kind.ENTERPRISE,
            status=Enterprise.Status.CANCELLED,
            **common,
        ),
    }


def provider(credit_code: str) -> list[PublicRecord]:
    """What a lifecycle gives: published, masked records of the enterprise asked about."""
    if credit_code not in (FOOD, ELSEWHERE):
        return []
    return [
        PublicRecord(
            record_id=f"test:{credit_code}:permit-old",
            category="行政许可信息",
            title="食品经营许可证",
            document_number="JY15108020001",
            department="广元市食品药品监督管理局",
            published_on=date(2025, 10, 20),
            fields=[("许可内容", "预包装食品销售"), ("有效期至", "2030年10月14日")],
        ),
        PublicRecord(
            record_id=f"test:{credit_code}:penalty",
            category="行政处罚信息",
            title="行政处罚决定书",
            document_number="广市监罚〔2025〕12号",
            department="广元市市场监督管理局",
            published_on=date(2025, 11, 3),
            fields=[("当事人身份证号", MASKED_ID), ("行政处罚内容", "警告")],
            objectable=False,
        ),
        PublicRecord(
            record_id=f"test:{credit_code}:permit-new",
            category="行政许可信息",
            title="卫生许可证",
            document_number="WS2025-88",
            department="广元市卫生健康委员会",
            published_on=date(2025, 11, 20),
            fields=[("许可内容", "公共场所卫生许可")],
        ),
    ]


def search_elsewhere(query: str, limit: int) -> list[tuple[str, str]]:
    known = [(FOOD, "广元市蜀味餐饮有限公司（曾用名）"), (ELSEWHERE, "北京蜀味餐饮管理有限公司")]
    return [(code, name) for code, name in known if query == code or query in name][:limit]


handled: list[Objection] = []


def handler(objection) -> None:
    handled.append(objection)


@pytest.fixture
def registered():
    handled.clear()
    with registry.registrations(records=[provider], search=[search_elsewhere], objection_handlers=[handler]):
        yield
    handled.clear()


def _names(response) -> list[str]:
    html = response.content.decode()
    return [
        name
        for name in ("广元市蜀味餐饮文化有限公司", "利州区蜀味坊小吃店", "绵阳市Abc清泉科技有限公司")
        if name in html
    ]


# --- search ---------------------------------------------------------------------------------


def test_search_by_partial_name_is_case_insensitive(client, directory):
    response = client.get("/gs/", {"q": "蜀味"})
    assert response.status_code == 200
    assert _names(response) == ["广元市蜀味餐饮文化有限公司", "利州区蜀味坊小吃店"]
    assert "共 2 户" in response.content.decode()

    response = client.get("/gs/", {"q": "aBC清泉"})
    assert _names(response) == ["绵阳市Abc清泉科技有限公司"]
    assert "注销" in response.content.decode()


def test_search_by_credit_code_is_exact_and_normalised(client, directory):
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in FOOD.lower())  # ９１５… as typed on a phone
    response = client.get("/gs/", {"q": f"  {full_width} "})
    assert _names(response) == ["广元市蜀味餐饮文化有限公司"]
    assert f"/gs/e/{FOOD}/" in response.content.decode()

    response = client.get("/gs/", {"q": NOWHERE})
    assert _names(response) == []
    assert "没有找到" in response.content.decode()


@pytest.mark.parametrize(
    ("q", "hint"),
    [
        ("", "请输入企业名称"),
        ("蜀", "至少输入 2 个字"),
        ("915108", "完整的 18 位统一社会信用代码"),
        ("   ", "请输入企业名称"),
    ],
)
def test_empty_short_or_partial_code_query_gets_a_hint_and_no_query(
    client, directory, django_assert_num_queries, q, hint
):
    with django_assert_num_queries(0):
        response = client.get("/gs/", {"q": q})
    assert response.status_code == 200
    assert hint in response.content.decode()
    assert 'data-testid="results"' not in response.content.decode()


def test_results_are_paginated_by_twenty(client, authority):
    for i in range(23):
        Enterprise.objects.create(
            credit_code=make_credit_code("9", "1", "510800", f"MA7H{i:04d}"),
            name=f"广元市测试商贸{i:02d}有限公司",
            kind=Enterprise.Kind.ENTERPRISE,
            division_code="510800",
        )
    first = client.get("/gs/", {"q": "测试商贸"}).content.decode()
    assert first.count('data-testid="result"') == 20
    assert "第 1 / 2 页，共 23 条" in first
    second = client.get("/gs/", {"q": "测试商贸", "page": 2}).content.decode()
    assert second.count('data-testid="result"') == 3
    assert "广元市测试商贸22有限公司" in second


def test_registered_search_adds_enterprises_missing_from_the_directory_once(client, directory, registered):
    html = client.get("/gs/", {"q": "蜀味"}).content.decode()
    assert html.count('data-testid="result"') == 3
    assert html.count(f"/gs/e/{FOOD}/") == 1  # in the directory: shown from it, not twice
    assert "曾用名" not in html
    assert "北京蜀味餐饮管理有限公司" in html and f"/gs/e/{ELSEWHERE}/" in html


def test_searches_are_rate_limited_per_client_address(client, directory, settings):
    settings.PORTAL_SEARCHES_PER_MINUTE = 3
    for _ in range(3):
        assert client.get("/gs/", {"q": "蜀味"}).status_code == 200
    refused = client.get("/gs/", {"q": "蜀味"})
    assert refused.status_code == 429
    assert "操作过于频繁" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address is counted apart; hints cost nothing.
    assert client.get("/gs/", {"q": "蜀味"}, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/gs/", {"q": "蜀"}).status_code == 200


def test_a_trusted_proxy_header_names_the_client(client, directory, settings):
    settings.PORTAL_SEARCHES_PER_MINUTE = 1
    settings.PORTAL_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client.get("/gs/", {"q": "蜀味"}, HTTP_X_REAL_IP="203.0.113.5").status_code == 200
    assert client.get("/gs/", {"q": "蜀味"}, HTTP_X_REAL_IP="203.0.113.6").status_code == 200
    assert client.get("/gs/", {"q": "蜀味"}, HTTP_X_REAL_IP="203.0.113.5").status_code == 429


# --- the enterprise page ----------------------------------------------------------------------


def test_enterprise_page_shows_registration_and_records_grouped_newest_first(client, directory, registered):
    response = client.get(f"/gs/e/{FOOD}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "登记信息",
        "广元市市场监督管理局",
        "法定代表人",
        "张伟",
        "2025年10月15日",
        "滨河路 18 号",
        "存续",
    ):
        assert text in html
    # Categories in the portal's order, newest record first inside each.
    assert html.index('data-category="行政许可信息"') < html.index('data-category="行政处罚信息"')
    assert html.index("卫生许可证") < html.index("食品经营许可证")
    assert "广元市卫生健康委员会" in html and "共 3 条" in html
    # Values as the provider masked them; 异议 only where the provider allows it.
    assert MASKED_ID in html and RAW_ID not in html
    assert html.count('data-testid="objection-link"') == 2
    assert f"/gs/e/{FOOD}/objection/?record=test%3A{FOOD}%3Apermit-new" in html


def test_an_individual_business_shows_its_operator_but_not_the_address(client, directory, registered):
    html = client.get(f"/gs/e/{SHOP}/").content.decode()
    assert "经营者" in html and "李娟" in html
    assert "南河街道" not in html
    assert "暂无公示信息" in html


def test_unknown_or_malformed_codes_get_a_chinese_404(client, directory, registered):
    response = client.get(f"/gs/e/{NOWHERE}/")
    assert response.status_code == 404
    assert "没有找到统一社会信用代码为" in response.content.decode()
    response = client.get("/gs/e/12345/")
    assert response.status_code == 404
    assert "应为 18 位" in response.content.decode()


def test_a_lower_case_code_redirects_to_the_canonical_page(client, directory):
    response = client.get(f"/gs/e/{FOOD.lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/gs/e/{FOOD}/"


def test_an_enterprise_known_only_by_its_public_records_has_a_page(client, directory, registered):
    html = client.get(f"/gs/e/{ELSEWHERE}/").content.decode()
    assert "北京蜀味餐饮管理有限公司" in html
    assert "不在本地区登记" in html
    assert "卫生许可证" in html


def test_a_failing_provider_leaves_the_others_and_says_so(client, directory, registered):
    def broken(credit_code: str) -> list[PublicRecord]:
        raise RuntimeError("database of the provider is away")

    with registry.registrations(records=[broken]):
        response = client.get(f"/gs/e/{FOOD}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "部分部门的公示信息暂时无法显示" in html and "卫生许可证" in html


def test_registrations_end_with_their_block():
    def mine(credit_code: str) -> list[PublicRecord]:
        return []

    with registry.registrations(records=[mine], search=[search_elsewhere], objection_handlers=[handler]):
        assert mine in registry._providers and handler in registry.objection_handlers()
    assert mine not in registry._providers
    assert search_elsewhere not in registry._searches
    assert handler not in registry.objection_handlers()


# --- 异议 -------------------------------------------------------------------------------------

OBJECTION_URL = f"/gs/e/{FOOD}/objection/"
PERMIT = f"test:{FOOD}:permit-new"


def _valid(**changes) -> dict:
    data = {
        "record": PERMIT,
        "contact_name": "王芳",
        "phone": "138 1234 5678",
        "email": "wangfang@example.com",
        "description": "该许可证已于 2025 年 12 月 1 日注销，公示信息仍显示有效。",
        "pledge": "on",
        "website": "",
    }
    data.update(changes)
    return data


def test_the_objection_form_names_the_record(client, directory, registered):
    response = client.get(OBJECTION_URL, {"record": PERMIT})
    assert response.status_code == 200
    html = response.content.decode()
    assert "卫生许可证" in html and "广元市卫生健康委员会" in html and "csrfmiddlewaretoken" in html


def test_objection_validation_errors_are_clear_and_nothing_is_saved(client, directory, registered, settings):
    response = client.post(OBJECTION_URL, {"record": PERMIT})
    assert response.status_code == 422
    html = response.content.decode()
    for message in (
        "请填写联系人姓名",
        "请填写联系电话",
        "请说明您认为该条信息哪里有误",
        "请确认所填信息真实",
    ):
        assert message in html

    html = client.post(
        OBJECTION_URL, _valid(phone="12345", email="not-an-address", description="有误")
    ).content.decode()
    assert "请填写有效的联系电话" in html
    assert "请填写有效的电子邮箱地址" in html
    assert "不少于 10 个字" in html

    text = SimpleUploadedFile("证明.txt", b"plain text", content_type="text/plain")
    assert "仅支持 PDF、JPG、PNG" in client.post(OBJECTION_URL, _valid(attachment=text)).content.decode()
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert "内容与文件类型不符" in client.post(OBJECTION_URL, _valid(attachment=fake)).content.decode()
    settings.PORTAL_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile(
        "证明.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024 // 2), content_type="application/pdf"
    )
    assert (
        "附件不能超过 1 MB（所选文件约 1.5 MB）"
        in client.post(OBJECTION_URL, _valid(attachment=big)).content.decode()
    )

    assert Objection.objects.count() == 0 and handled == []


def test_a_filled_honeypot_is_refused(client, directory, registered):
    response = client.post(OBJECTION_URL, _valid(website="http://spam.example"))
    assert response.status_code == 422
    assert "提交未通过校验" in response.content.decode()
    assert Objection.objects.count() == 0


def test_a_saved_objection_is_audited_handed_to_the_handlers_and_receipted(
    client, directory, registered, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = SimpleUploadedFile("注销通知书.pdf", b"%PDF-1.4\n%proof\n", content_type="application/pdf")
    response = client.post(OBJECTION_URL, _valid(attachment=proof))
    assert response.status_code == 302

    objection = Objection.objects.get()
    assert (objection.record_id, objection.category, objection.credit_code) == (PERMIT, "行政许可信息", FOOD)
    assert objection.enterprise_name == "广元市蜀味餐饮文化有限公司"
    assert (objection.record_title, objection.department) == ("卫生许可证", "广元市卫生健康委员会")
    assert objection.phone == "13812345678" and objection.state == Objection.State.RECEIVED
    assert objection.attachment_name == "注销通知书.pdf"
    assert objection.attachment.read() == b"%PDF-1.4\n%proof\n"
    assert str(tmp_path) in objection.attachment.path

    assert [o.pk for o in handled] == [objection.pk]
    event = AuditEvent.objects.get(action="objection_received")
    assert event.payload["objection_id"] == objection.pk
    assert event.payload["record_id"] == PERMIT and event.payload["credit_code"] == FOOD
    assert "13812345678" not in str(event.payload) and "王芳" not in str(event.payload)

    assert response["Location"] == f"/gs/objection/{objection.receipt}/"
    receipt = client.get(response["Location"]).content.decode()
    assert objection.number in receipt and objection.number.startswith("YY")
    assert "138****5678" in receipt and "13812345678" not in receipt
    assert "已收到" in receipt


def test_a_failing_handler_keeps_the_objection(client, directory, registered):
    def broken(objection) -> None:
        raise RuntimeError("correction lifecycle away")

    with registry.registrations(objection_handlers=[broken]):
        response = client.post(OBJECTION_URL, _valid())
    assert response.status_code == 302
    objection = Objection.objects.get()
    failed = AuditEvent.objects.get(action="objection_handler_failed")
    assert failed.payload["objection_id"] == objection.pk
    assert "correction lifecycle away" in failed.payload["error"]


def test_objections_only_on_published_objectable_records(client, directory, registered):
    for record in ("test:nope", f"test:{FOOD}:penalty", ""):
        response = client.post(OBJECTION_URL, _valid(record=record))
        assert response.status_code == 404
        assert "无法" in response.content.decode() or "不接受异议" in response.content.decode()
    assert client.get(f"/gs/e/{NOWHERE}/objection/", {"record": PERMIT}).status_code == 404
    assert Objection.objects.count() == 0


def test_objections_are_rate_limited(client, directory, registered, settings):
    settings.PORTAL_OBJECTIONS_PER_HOUR = 1
    # early in the hour's window: the wait is said in minutes (in its last two minutes, in seconds)
    with time_machine.travel(local(2025, 11, 3, 10, 5), tick=False):
        assert client.post(OBJECTION_URL, _valid()).status_code == 302
        refused = client.post(OBJECTION_URL, _valid())
    assert refused.status_code == 429
    assert "55 分钟" in refused.content.decode()
    assert Objection.objects.count() == 1


def test_objections_need_the_csrf_token(directory, registered):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(OBJECTION_URL, _valid())
    assert response.status_code == 403
    assert Objection.objects.count() == 0


# --- staff ------------------------------------------------------------------------------------


def test_process_admins_see_the_objections_others_do_not(client, users, directory, registered):
    client.post(OBJECTION_URL, _valid())
    client.force_login(users["admin"])
    html = client.get("/workbench/objections/").content.decode()
    assert Objection.objects.get().number in html
    assert "王芳" in html and "卫生许可证" in html and "公众异议" in html
    client.force_login(users["officer_wj"])
    assert client.get("/workbench/objections/").status_code == 404
    client.logout()
    assert client.get("/workbench/objections/").status_code == 302
