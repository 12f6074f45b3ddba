"""Registrars enter registrations by hand or import an Excel batch with a row-level report."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from casework.directory.credit_code import make_credit_code
from casework.lifecycles.registration_push.excel_import import COLUMNS
from casework.lifecycles.registration_push.models import Registration

pytestmark = pytest.mark.django_db

URL = "/workbench/registrations/new/"


def workbook(rows) -> io.BytesIO:
    wb = Workbook()
    sheet = wb.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "登记.xlsx"
    return buffer


def test_manual_entry_starts_the_case_and_opens_the_notice(users, client):
    client.force_login(users["registrar"])
    response = client.post(
        URL,
        {
            "credit_code": make_credit_code("9", "2", "510800", "MA6F0001"),
            "name": "广元市王记面馆",
            "business_scope": "餐饮服务",
            "registered_on": "2025-11-05",
        },
    )
    registration = Registration.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/registrations/{registration.pk}/notice/"
    )
    assert registration.source == "form" and registration.event_id.startswith("MANUAL-")


def test_manual_entry_shows_the_credit_code_problem_on_its_field(users, client):
    client.force_login(users["registrar"])
    response = client.post(
        URL,
        {
            "credit_code": "91510800MA6F0O01",
            "name": "某店",
            "business_scope": "餐饮服务",
            "registered_on": "2025-11-05",
        },
    )
    assert response.status_code == 422
    assert "18 位" in str(response.context["form"].errors["credit_code"])
    assert not Registration.objects.exists()


def test_officers_cannot_enter_registrations(users, client):
    client.force_login(users["officer_wj"])
    assert client.get(URL).status_code == 404


def test_excel_import_reports_each_row(users, client):
    good = make_credit_code("9", "1", "510800", "MA6F0002")
    upload = workbook(
        [
            ["X-1", good, "广元市甲公司", "药品零售", date(2025, 11, 5), "张三", "利州区"],
            ["X-1", good, "广元市甲公司", "药品零售", "2025-11-05", "", ""],
            ["X-2", "123", "广元市乙公司", "餐饮服务", "2025-11-05", "", ""],
            [
                "X-3",
                make_credit_code("9", "1", "510800", "MA6F0003"),
                "广元市丙公司",
                "",
                "2025-11-05",
                "",
                "",
            ],
            [
                "X-4",
                make_credit_code("9", "1", "510800", "MA6F0004"),
                "广元市丁公司",
                "餐饮服务",
                "下周",
                "",
                "",
            ],
            [None, None, None, None, None, None, None],
        ]
    )
    client.force_login(users["registrar"])

    response = client.post(URL, {"file": upload})

    report = [(r.row, r.event_id, r.outcome) for r in response.context["results"]]
    assert report == [
        (2, "X-1", "新建"),
        (3, "X-1", "重复"),
        (4, "X-2", "失败"),
        (5, "X-3", "失败"),
        (6, "X-4", "失败"),
    ]
    reasons = {r.event_id: r.detail for r in response.context["results"] if r.outcome == "失败"}
    assert "18 位" in reasons["X-2"] and "经营范围" in reasons["X-3"] and "登记日期" in reasons["X-4"]
    assert list(Registration.objects.values_list("event_id", "source")) == [("X-1", "excel")]


def test_a_file_that_is_not_excel_is_refused_clearly(users, client):
    client.force_login(users["registrar"])
    bad = io.BytesIO(b"not a spreadsheet")
    bad.name = "登记.xlsx"
    response = client.post(URL, {"file": bad})
    assert response.status_code == 422
    assert "无法读取" in str(response.context["upload"].errors["file"])


def test_codes_stored_as_numbers_and_overlong_values_are_row_errors(users, client):
    upload = workbook(
        [
            ["N-1", 915108007000000000, "广元市数字公司", "餐饮服务", "2025-11-05", "", ""],
            [
                "N-2",
                make_credit_code("9", "1", "510800", "MA6F0009"),
                "长" * 201,
                "餐饮服务",
                "2025-11-05",
                "",
                "",
            ],
        ]
    )
    client.force_login(users["registrar"])
    results = client.post(URL, {"file": upload}).context["results"]
    assert [(r.event_id, r.outcome) for r in results] == [("N-1", "失败"), ("N-2", "失败")]
    assert "设为文本" in results[0].detail and "名称超过 200 字" in results[1].detail
    assert not Registration.objects.exists()


def test_an_excel_row_reusing_an_event_id_with_other_content_is_a_row_error(users, client):
    code = make_credit_code("9", "1", "510800", "MA6F0021")
    upload = workbook(
        [
            ["C-1", code, "广元市甲公司", "药品零售", "2025-11-05", "张三", "利州区"],
            ["C-1", code, "广元市甲公司", "药品零售", "2025-11-05", "张三", "利州区"],
            ["C-1", code, "广元市甲乙公司", "药品零售", "2025-11-05", "张三", "利州区"],
        ]
    )
    client.force_login(users["registrar"])
    results = client.post(URL, {"file": upload}).context["results"]

    assert [(r.row, r.outcome) for r in results] == [(2, "新建"), (3, "重复"), (4, "失败")]
    assert "内容不同" in results[2].detail and "名称" in results[2].detail
    assert Registration.objects.get().enterprise.name == "广元市甲公司"


def test_manual_entry_is_refused_for_another_authority_or_outside_its_area(users, client):
    client.force_login(users["registrar"])
    entry = {
        "credit_code": make_credit_code("9", "2", "510800", "MA6F0031"),
        "name": "广元市李记面馆",
        "business_scope": "餐饮服务",
        "registered_on": "2025-11-05",
    }

    foreign = client.post(URL, {**entry, "event_id": "M-1", "registration_authority": "510703-SCJG"})
    outside = client.post(URL, {**entry, "event_id": "M-2", "division_code": "510703"})
    inside = client.post(URL, {**entry, "event_id": "M-3", "division_code": "510802"})

    assert foreign.status_code == 403
    assert "登记机关" in str(foreign.context["form"].errors["registration_authority"])
    assert outside.status_code == 403
    assert "辖区" in str(outside.context["form"].errors["division_code"])
    assert inside.status_code == 302
    assert list(Registration.objects.values_list("event_id", "division_code")) == [("M-3", "510802")]


def test_excel_rows_for_another_authority_or_outside_its_area_are_row_errors(users, client):
    wb = Workbook()
    sheet = wb.active
    sheet.append([*COLUMNS[:5], "登记机关代码", "行政区划代码"])
    for event_id, serial, authority, division in [
        ("A-1", "MA6F0041", "510703-SCJG", ""),
        ("A-2", "MA6F0042", "", "510703"),
        ("A-3", "MA6F0043", "SCJG", 510802),  # a code typed as a number is still the code
    ]:
        code = make_credit_code("9", "1", "510800", serial)
        sheet.append([event_id, code, f"广元市{serial}公司", "餐饮服务", "2025-11-05", authority, division])
    upload = io.BytesIO()
    wb.save(upload)
    upload.seek(0)
    upload.name = "登记.xlsx"
    client.force_login(users["registrar"])

    results = client.post(URL, {"file": upload}).context["results"]

    assert [(r.event_id, r.outcome) for r in results] == [("A-1", "失败"), ("A-2", "失败"), ("A-3", "新建")]
    assert "登记机关" in results[0].detail and "辖区" in results[1].detail
    assert list(Registration.objects.values_list("event_id", "division_code")) == [("A-3", "510802")]
