"""Process admins keep the 后置审批事项目录: browse, search, import from Excel."""

import io

import pytest
from openpyxl import Workbook

from casework.lifecycles.registration_push.catalogue_import import COLUMNS
from casework.lifecycles.registration_push.models import ApprovalItem
from casework.lifecycles.registration_push.routing import route_business_scope

pytestmark = pytest.mark.django_db

URL = "/workbench/catalogue/"


def xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    wb.active.append(COLUMNS)
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "目录.xlsx"
    return buffer


def test_admin_imports_items_with_a_row_report_and_routing_follows(users, client):
    client.force_login(users["admin"])
    upload = xlsx(
        [
            ["LY-002", "研学旅行服务备案", "旅游", "研学旅行、营地教育", "《旅行社条例》"],
            ["SP-001", "食品经营许可", "SP", "餐饮服务；食品销售；网络订餐", ""],
            ["XX-001", "未知事项", "不存在的类别", "某词", ""],
            ["XX-002", "", "SP", "某词", ""],
        ]
    )

    response = client.post(URL, {"file": upload})

    report = [(r.code, r.outcome) for r in response.context["results"]]
    assert report == [("LY-002", "新建"), ("SP-001", "更新"), ("XX-001", "失败"), ("XX-002", "失败")]
    assert ApprovalItem.objects.get(code="SP-001").keyword_list == ["餐饮服务", "食品销售", "网络订餐"]
    routing = route_business_scope(business_scope="研学旅行；网络订餐", division_code="510800")
    assert {t.department_code for t in routing.targets} == {"510800-LY", "510800-SP"}


def test_catalogue_page_searches_and_is_for_process_admins_only(users, client):
    client.force_login(users["admin"])
    page = client.get(URL, {"q": "烟草"})
    assert [i.code for i in page.context["items"]] == ["YC-001"]
    client.force_login(users["officer_wj"])
    assert client.get(URL).status_code == 404
