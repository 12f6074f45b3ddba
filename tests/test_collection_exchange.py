"""外地主体信息交换 (seed 003: records about enterprises registered outside this area are exchanged by
市场监管 to the registration area's 公示系统): the waiting list by registration area, a batch, its
.xlsx and JSON, sending, the receiver's receipt (API, upload, by hand) — accepted records are
已交换至登记地, returned ones wait again with the reason their provider sees; who may do what; the
receipt's idempotence and its specific errors; the API in the schema; the page in a browser."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from casework.directory.credit_code import make_credit_code
from casework.errors import Forbidden
from casework.lifecycles.collection import exchange, imports, services
from casework.lifecycles.collection.models import CollectedRecord, ExchangeBatch, ExchangeItem
from casework.organization.models import Department
from processes.models import AuditEvent

from .browser_pages import PASSWORD, TIMEOUT_MS

State = CollectedRecord.State
CHONGQING = make_credit_code("9", "1", "500103", "MA6D0X01")  # 重庆市渝中区
CHONGQING_2 = make_credit_code("9", "1", "500103", "MA6D0X02")
BEIJING = make_credit_code("9", "1", "110105", "MA6D0X03")  # 北京市朝阳区
HERE = make_credit_code("9", "1", "510802", "MA6D0X04")
ID = "510802198803150014"


def permit(number: str, **over) -> dict:
    values = {
        "permit_number": number,
        "permit_name": "医疗机构执业许可证",
        "permit_category": "普通",
        "decision_date": "2026-10-30",
        "valid_from": "2026-10-30",
        "valid_to": "2031-10-29",
        "permit_authority": "广元市卫生健康委员会",
        "permit_content": "诊疗科目：内科",
        "legal_representative": "王建国",
        "legal_representative_id": ID,
    }
    values.update(over)
    return values


def submit(
    users, number, code=CHONGQING, *, provider="WJW", user="officer_wj", name="重庆仁心门诊部有限公司", **over
):
    return services.submit_record(
        provider=Department.objects.get(code=provider),
        record_type="permit",
        credit_code=code,
        enterprise_name=name,
        values=permit(number, **over),
        actor=users[user],
    ).record


def api(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def receiver(users):
    """The registration area's system account: the permission and a token, no department."""
    user = get_user_model().objects.create_user("cq_exchange", password=PASSWORD, first_name="重庆市公示系统")
    user.user_permissions.add(Permission.objects.get(codename="receive_exchangebatch"))
    return get_user_model().objects.get(pk=user.pk)


def sent_batch(users, *numbers, code=CHONGQING) -> tuple[ExchangeBatch, list[CollectedRecord]]:
    records = [submit(users, n, code) for n in numbers]
    batch = exchange.prepare_batch(users["registrar"], exchange.target_code(code))
    return exchange.mark_sent(batch, users["registrar"]), records


pytestmark_db = pytest.mark.django_db


# --- the round trip -------------------------------------------------------------------------------


@pytestmark_db
def test_outbound_records_are_batched_by_area_downloaded_and_an_accepted_receipt_exchanges_them(
    users, client, receiver
):
    first = submit(users, "渝卫许〔2026〕1号")
    second = submit(users, "渝卫许〔2026〕2号", CHONGQING_2, name="重庆康宁诊所有限公司")
    elsewhere = submit(
        users, "京卫许〔2026〕3号", BEIJING, provider="JYJ", user="officer_jy", name="北京博学有限公司"
    )
    local = submit(users, "川卫许〔2026〕4号", HERE, name="广元市本地诊所有限公司")
    assert {first.state, second.state, elsewhere.state} == {State.OUTBOUND} and local.state == State.PUBLISHED
    assert exchange.target_code(CHONGQING) == "500000" and exchange.area_name("500000") == "重庆市"
    assert exchange.area_name(exchange.target_code(BEIJING)) == "北京市"

    client.force_login(users["registrar"])
    page = client.get("/workbench/records/exchange/")
    assert page.status_code == 200
    areas = {a.code: a for a in page.context["areas"]}
    assert areas["500000"].name == "重庆市" and areas["500000"].count == 2
    assert areas["110000"].name == "北京市" and areas["110000"].count == 1
    assert "广元市本地诊所" not in page.content.decode()

    made = client.post("/workbench/records/exchange/", {"area": "500000"})
    batch = ExchangeBatch.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/workbench/records/exchange/{batch.number}/"
    assert batch.state == ExchangeBatch.State.PENDING and batch.record_count == 2
    assert (
        batch.target_name == "重庆市"
        and batch.department.code == "SCJG"
        and batch.created_by == users["registrar"]
    )
    assert set(batch.items.values_list("record_id", flat=True)) == {first.pk, second.pk}
    # Records in an open batch leave the waiting list; 北京市 still waits.
    assert [a.code for a in client.get("/workbench/records/exchange/").context["areas"]] == ["110000"]
    assert AuditEvent.objects.filter(action="exchange_batch_created", payload__batch=batch.number).exists()

    # JSON: the records in the spec's fields, unmasked (government to government).
    as_json = client.get(f"/workbench/records/exchange/{batch.number}.json")
    assert as_json.status_code == 200 and "attachment" in as_json["Content-Disposition"]
    document = json.loads(as_json.content)
    assert document["number"] == batch.number and document["target_name"] == "重庆市"
    shown = {r["id"]: r for r in document["records"]}
    assert set(shown) == {first.pk, second.pk}
    assert shown[first.pk]["values"]["legal_representative_id"] == ID
    assert shown[first.pk]["document_number"] == "渝卫许〔2026〕1号" and shown[first.pk]["provider"] == "WJW"

    # .xlsx: the receipt sheet first, then the type's sheet in the import template's columns.
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/workbench/records/exchange/{batch.number}.xlsx").content))
    receipt, data = book.worksheets[0], book.worksheets[1]
    assert receipt.title == "接收回执"
    assert [c.value for c in receipt[1]] == exchange.RECEIPT_COLUMNS
    assert {row[0] for row in receipt.iter_rows(min_row=2, max_row=3, values_only=True)} == {
        first.pk,
        second.pk,
    }
    header = [c.value for c in data[1]]
    assert header[1:-2] == imports.columns(services.type_spec("permit"))
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in data.iter_rows(min_row=2, values_only=True)
    }
    assert rows[first.pk]["法定代表人身份证号"] == ID
    assert rows[first.pk]["统一社会信用代码"] == CHONGQING and rows[first.pk]["许可类别"] == "普通"

    # The receiving system sees it only once sent.
    assert api(receiver).get(f"/api/v1/exchange/batches/{batch.number}").status_code == 404
    client.post(f"/workbench/records/exchange/{batch.number}/send/")
    batch.refresh_from_db()
    assert batch.state == ExchangeBatch.State.SENT and batch.sent_by == users["registrar"]
    listed = api(receiver).get("/api/v1/exchange/batches", {"state": "sent"})
    assert listed.status_code == 200 and [b["number"] for b in listed.json()["results"]] == [batch.number]
    detail = api(receiver).get(f"/api/v1/exchange/batches/{batch.number}").json()
    assert {r["id"] for r in detail["records"]} == {first.pk, second.pk}
    assert ID in json.dumps(detail, ensure_ascii=False)

    ack = api(receiver).post(
        f"/api/v1/exchange/batches/{batch.number}/ack",
        {"accepted": [first.pk, second.pk], "message": "已记于企业名下"},
        format="json",
    )
    assert ack.status_code == 200, ack.json()
    assert ack.json()["unchanged"] is False and ack.json()["batch"]["state"] == "acknowledged"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == State.EXCHANGED
    assert first.get_state_display() == "已交换至登记地"
    batch.refresh_from_db()
    assert (
        batch.accepted_count == 2
        and batch.acknowledged_by == receiver
        and batch.receiver_message == "已记于企业名下"
    )
    assert AuditEvent.objects.filter(action="record_exchanged", payload__record_id=first.pk).exists()
    assert AuditEvent.objects.filter(
        action="exchange_batch_acknowledged", payload__batch=batch.number
    ).exists()


@pytestmark_db
def test_a_returned_record_waits_again_with_the_reason_its_provider_sees_and_is_sent_again(users, client):
    batch, (kept, refused) = sent_batch(users, "渝卫许〔2026〕11号", "渝卫许〔2026〕12号")
    client.force_login(users["registrar"])
    answered = client.post(
        f"/workbench/records/exchange/{batch.number}/ack/",
        {
            f"result_{kept.pk}": "accepted",
            f"result_{refused.pk}": "returned",
            f"reason_{refused.pk}": "登记地无此市场主体，请核对统一社会信用代码",
        },
    )
    assert answered.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ExchangeBatch.State.ACKNOWLEDGED and (
        batch.accepted_count,
        batch.returned_count,
    ) == (1, 1)
    kept.refresh_from_db()
    refused.refresh_from_db()
    assert kept.state == State.EXCHANGED and refused.state == State.OUTBOUND
    assert AuditEvent.objects.filter(
        action="record_exchange_returned",
        payload__record_id=refused.pk,
        payload__reason="登记地无此市场主体，请核对统一社会信用代码",
    ).exists()

    page = client.get("/workbench/records/exchange/")
    (area,) = page.context["areas"]
    assert [r.pk for r in area.records] == [refused.pk]
    assert "登记地无此市场主体" in page.content.decode()

    # The provider sees the receiver's reason on its record.
    client.force_login(users["officer_wj"])
    shown = client.get(f"/workbench/records/{refused.pk}/").content.decode()
    assert 'data-testid="record-exchange"' in shown and "登记地无此市场主体，请核对统一社会信用代码" in shown

    # Sent again in a new batch: a second sending of the same record, the first kept.
    again = exchange.prepare_batch(users["registrar"], "500000")
    assert list(again.items.values_list("record_id", flat=True)) == [refused.pk]
    assert ExchangeItem.objects.filter(record=refused).count() == 2


@pytestmark_db
def test_a_batch_returned_whole_and_a_version_reported_while_out_still_waits(users, receiver):
    batch, (item,) = sent_batch(users, "渝卫许〔2026〕21号")
    newer = submit(users, "渝卫许〔2026〕21号", permit_content="诊疗科目：内科；外科")
    assert newer.pk == item.pk and newer.version == 2 and newer.state == State.OUTBOUND
    done = exchange.acknowledge(batch, [item.pk], {}, actor=receiver)
    item.refresh_from_db()
    assert done.batch.state == ExchangeBatch.State.ACKNOWLEDGED
    assert item.state == State.OUTBOUND  # version 1 went out; version 2 still has to
    assert [r.pk for r in exchange.waiting_records(users["registrar"])] == [item.pk]

    batch2 = exchange.mark_sent(exchange.prepare_batch(users["registrar"], "500000"), users["registrar"])
    exchange.acknowledge(batch2, [], {str(item.pk): "材料不全"}, actor=receiver)
    batch2.refresh_from_db()
    assert batch2.state == ExchangeBatch.State.RETURNED and batch2.returned_count == 1


@pytestmark_db
def test_a_receipt_uploaded_as_the_filled_in_workbook(users, client):
    batch, (a, b) = sent_batch(users, "渝卫许〔2026〕31号", "渝卫许〔2026〕32号")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exchange.batch_workbook(batch)))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == a.pk:
            row[5].value = "接收"
        elif row[0].value == b.pk:
            row[5].value, row[6].value = "退回", "企业名称与登记不符"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "回执.xlsx"
    client.force_login(users["registrar"])
    client.post(f"/workbench/records/exchange/{batch.number}/ack/", {"receipt": out, "message": "重庆回执"})
    batch.refresh_from_db()
    assert batch.state == ExchangeBatch.State.ACKNOWLEDGED and batch.receiver_message == "重庆回执"
    assert dict(batch.items.values_list("record_id", "reason")) == {a.pk: "", b.pk: "企业名称与登记不符"}


# --- who -------------------------------------------------------------------------------------------


@pytestmark_db
def test_only_market_supervision_handles_the_exchange(users, client, receiver):
    batch, (item,) = sent_batch(users, "渝卫许〔2026〕41号")

    # The provider may not make batches nor open the exchange pages or API.
    with pytest.raises(Forbidden):
        exchange.prepare_batch(users["officer_wj"], "500000")
    client.force_login(users["officer_wj"])
    assert client.get("/workbench/records/exchange/").status_code == 404
    assert client.post("/workbench/records/exchange/", {"area": "500000"}).status_code == 404
    assert client.get(f"/workbench/records/exchange/{batch.number}/").status_code == 404
    assert client.get(f"/workbench/records/exchange/{batch.number}.json").status_code == 404
    assert "外地主体信息交换" not in client.get("/workbench/records/").content.decode()
    wj = api(users["officer_wj"])
    assert wj.get("/api/v1/exchange/batches").status_code == 403
    assert wj.get(f"/api/v1/exchange/batches/{batch.number}").status_code == 403
    refused = wj.post(f"/api/v1/exchange/batches/{batch.number}/ack", {"accepted": [item.pk]}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] in (
        "permission_denied",
        "forbidden",
    )
    # Another department does not see it either.
    assert api(users["officer_jy"]).get(f"/api/v1/exchange/batches/{batch.number}").status_code == 403
    # The batch is unanswered still.
    item.refresh_from_db()
    assert item.state == State.OUTBOUND

    # 市场监管 sees the menu entry and the page.
    client.force_login(users["registrar"])
    assert "外地主体信息交换" in client.get("/workbench/records/exchange/").content.decode()
    # Another 市场监管 (绵阳市) does not see 广元市's batches, nor its records waiting.
    other = get_user_model().objects.create_user("registrar_my")
    from casework.organization.models import Membership, Role

    Membership.objects.create(
        user=other, department=Department.objects.get(code="510700-SCJG"), role=Role.REGISTRAR
    )
    assert exchange.batch_for(other, batch.number) is None
    submit(users, "渝卫许〔2026〕42号")
    assert exchange.waiting_records(other).count() == 0
    assert exchange.waiting_records(users["registrar"]).count() == 1
    # The receiving system account may read and answer, but not make batches.
    with pytest.raises(Forbidden):
        exchange.prepare_batch(receiver, "500000")


# --- the receipt's rules ------------------------------------------------------------------------------


@pytestmark_db
def test_the_same_receipt_twice_changes_nothing_and_a_different_one_is_refused(users, receiver):
    batch, (a, b) = sent_batch(users, "渝卫许〔2026〕51号", "渝卫许〔2026〕52号")
    client = api(receiver)
    url = f"/api/v1/exchange/batches/{batch.number}/ack"
    body = {"accepted": [a.pk], "returned": {str(b.pk): "统一社会信用代码不存在"}}
    assert client.post(url, body, format="json").json()["unchanged"] is False
    events = AuditEvent.objects.count()
    again = client.post(url, body, format="json")
    assert again.status_code == 200 and again.json()["unchanged"] is True
    assert AuditEvent.objects.count() == events
    changed = client.post(url, {"accepted": [a.pk, b.pk]}, format="json")
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "exchange_batch_state"
    b.refresh_from_db()
    assert b.state == State.OUTBOUND


@pytestmark_db
@pytest.mark.parametrize(
    ("payload", "code", "detail"),
    [
        (lambda a, b: {"accepted": [a, b, 999999]}, "exchange_ack_unknown_record", "unknown"),
        (lambda a, b: {"accepted": [a]}, "exchange_ack_incomplete", "missing"),
        (lambda a, b: {"accepted": [a, b], "returned": {str(b): "重复"}}, "exchange_ack_conflicting", "both"),
        (
            lambda a, b: {"accepted": [a], "returned": {str(b): "  "}},
            "exchange_ack_reason_required",
            "returned",
        ),
        (lambda a, b: {"accepted": "all"}, "exchange_ack_malformed", "accepted"),
        (lambda a, b: {"accepted": [a], "returned": [b]}, "exchange_ack_malformed", "returned"),
        (lambda a, b: {"accepted": ["x"], "returned": {}}, "exchange_ack_malformed", "accepted"),
    ],
)
def test_a_receipt_that_does_not_fit_its_batch_gets_a_specific_error(users, receiver, payload, code, detail):
    batch, (a, b) = sent_batch(users, "渝卫许〔2026〕61号", "渝卫许〔2026〕62号")
    answer = api(receiver).post(
        f"/api/v1/exchange/batches/{batch.number}/ack", payload(a.pk, b.pk), format="json"
    )
    assert answer.status_code == 400, answer.json()
    error = answer.json()["error"]
    assert error["code"] == code and detail in error["details"] and error["message"]
    batch.refresh_from_db()
    assert batch.state == ExchangeBatch.State.SENT and not batch.items.exclude(outcome="waiting").exists()


@pytestmark_db
def test_an_unsent_batch_takes_no_receipt_and_an_unknown_state_or_batch_is_an_error(users):
    submit(users, "渝卫许〔2026〕71号")
    batch = exchange.prepare_batch(users["registrar"], "500000")
    client = api(users["registrar"])
    early = client.post(f"/api/v1/exchange/batches/{batch.number}/ack", {"accepted": []}, format="json")
    assert early.status_code == 400 and early.json()["error"]["code"] == "exchange_ack_incomplete"
    item = batch.items.get()
    early = client.post(
        f"/api/v1/exchange/batches/{batch.number}/ack", {"accepted": [item.record_id]}, format="json"
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "exchange_batch_state"
    bad_state = client.get("/api/v1/exchange/batches", {"state": "lost"})
    assert bad_state.status_code == 400 and "state" in bad_state.json()["error"]["details"]
    missing = client.get("/api/v1/exchange/batches/JH000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    with pytest.raises(exchange.NothingToExchange):
        exchange.prepare_batch(users["registrar"], "500000")  # its one record is in the open batch


@pytestmark_db
def test_the_exchange_api_is_in_the_schema(users, client):
    client.force_login(users["admin"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {
        "/api/v1/exchange/batches",
        "/api/v1/exchange/batches/{number}",
        "/api/v1/exchange/batches/{number}/ack",
    } <= set(paths)
    assert "post" in paths["/api/v1/exchange/batches/{number}/ack"]
    assert {p["name"] for p in paths["/api/v1/exchange/batches"]["get"]["parameters"]} >= {"state"}
    assert {"ExchangeAckIn", "ExchangeBatchOut", "ExchangeRecordOut"} <= set(schema["components"]["schemas"])


@pytestmark_db
def test_the_demo_fills_the_exchange_page(users, client):
    from casework.lifecycles.collection.demo_data import seed_records

    seed_records()
    assert seed_records() == 0
    client.force_login(users["registrar"])
    names = {a.name for a in client.get("/workbench/records/exchange/").context["areas"]}
    assert {"重庆市", "陕西省"} <= names


# --- in a browser ------------------------------------------------------------------------------------

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-helper-b"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1366, 390])
def test_the_exchange_page_in_a_browser(launch_chromium, live_server, users, width):
    from playwright.sync_api import expect

    from casework.lifecycles.collection.demo_data import seed_records

    seed_records()
    submit(users, "渝卫许〔2026〕81号", name="重庆两江新区智慧医疗科技股份有限公司广元分公司")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium()
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 844 if width == 390 else 900},
        device_scale_factor=1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/workbench/records/exchange/")
    page.fill("input[name=username]", "registrar")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/workbench/records/exchange/$"))

    def shot(name: str) -> None:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name}: {scroll} px wide on a {inner} px screen"
        page.screenshot(path=str(SHOTS / f"exchange_{name}_{width}.png"), full_page=True)

    area = page.locator("[data-testid=exchange-area][data-area='500000']")
    expect(area).to_contain_text("重庆市")
    expect(area).to_contain_text("3 条待交换")
    shot("1_waiting")

    area.get_by_test_id("exchange-create").click()
    page.wait_for_url(re.compile(r"/workbench/records/exchange/JH-510800-\d{8}-001/$"))
    expect(page.get_by_test_id("exchange-batch-state")).to_have_text("待发送")
    page.get_by_test_id("exchange-send").click()
    expect(page.get_by_test_id("exchange-batch-state")).to_have_text("已发送")
    rows = page.get_by_test_id("exchange-items").locator("tbody tr")
    expect(rows).to_have_count(3)
    last = rows.nth(2)
    last.get_by_label("退回", exact=True).check()
    last.get_by_placeholder("退回原因").fill("登记地无此市场主体")
    shot("2_batch")
    page.get_by_test_id("exchange-ack-submit").click()
    expect(page.get_by_test_id("exchange-batch-state")).to_have_text("已确认接收")
    expect(page.get_by_test_id("exchange-items")).to_contain_text("登记地无此市场主体")
    shot("3_acknowledged")

    page.goto(f"{live_server.url}/workbench/records/exchange/")
    expect(page.locator("[data-testid=exchange-area][data-area='500000']")).to_contain_text("1 条待交换")
    expect(page.get_by_test_id("exchange-batch-table")).to_contain_text("已确认接收")
    shot("4_after")
    context.close()

    # The provider reads the receiver's reason on its record.
    returned = CollectedRecord.objects.get(document_number="渝卫许〔2026〕81号")
    provider = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 844 if width == 390 else 900},
        device_scale_factor=1,
    )
    provider.set_default_timeout(TIMEOUT_MS)
    page = provider.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/workbench/records/{returned.pk}/")
    page.fill("input[name=username]", "officer_wj")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_test_id("record-exchange-reason")).to_have_text("登记地无此市场主体")
    page.get_by_test_id("record-exchange").scroll_into_view_if_needed()
    shot("5_provider_record")
    provider.close()
